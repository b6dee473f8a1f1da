-- Run once by the postgres image on an empty data directory (docker-entrypoint-initdb.d):
-- the web app keeps its own database (WEBAPP_DATABASE_URL), beside the Claims API's
-- `claims` (DATABASE_URL). The web app creates its tables itself (webapp/db.py); the
-- Claims API migrates its schema with Alembic at start.
CREATE DATABASE webapp OWNER claims;
