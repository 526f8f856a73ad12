-- PostGIS for geometry. Everything spatial is stored in EPSG:4326.
CREATE EXTENSION IF NOT EXISTS postgis;
