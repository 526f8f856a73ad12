-- Whether an inspection task's publish_by was counted on weekdays alone, a year it
-- crossed having no working-day calendar when the draw was made (owned by
-- patrol/inspection).
ALTER TABLE inspection_tasks ADD COLUMN publish_by_weekdays_only boolean NOT NULL DEFAULT false;
