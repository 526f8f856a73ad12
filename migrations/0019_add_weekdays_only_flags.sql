-- Whether a day counted in working days was counted on weekdays alone, a year its period
-- crossed having no working-day calendar when it was fixed (owned by patrol/inspection):
-- an inspection task's publish_by, a fix-up's default due day.
ALTER TABLE inspection_tasks ADD COLUMN publish_by_weekdays_only boolean NOT NULL DEFAULT false;
ALTER TABLE review_fixups ADD COLUMN due_weekdays_only boolean NOT NULL DEFAULT false;
