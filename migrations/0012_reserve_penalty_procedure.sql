-- Reserved: number 0012 belongs to the penalty procedure (calendar, stages), built on
-- another branch at the same time as evidence (0013). tern needs an unbroken sequence,
-- so this empty step stands in for it until the branches merge, when the merge replaces
-- this file with the real 0012. No database outside tests is migrated with it.
SELECT 1;
