-- The cells layer draws each roll-up as its parent's hexagon. Computing that hexagon with
-- h3 in the process for every row of every cold tile was the largest part of a cold
-- cells tile; grid, the table's owner, now stores it with the roll-up when it writes the
-- row (the cells' own hexagons are cells.geom). h3 is not in the database, so rows
-- written before this migration have none until grid fills them after the migrations
-- run (app.Migrate: grid.Store.FillRollupHexagons); a reader computes a missing one.
ALTER TABLE cell_rollups ADD COLUMN hexagon geometry(Polygon, 4326);
