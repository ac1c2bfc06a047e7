--
-- Install, and build the fixture the other files assert on.
--
CREATE EXTENSION pg_stat_statements;
CREATE EXTENSION infraguard;
SELECT extversion, nspname AS schema
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE extname = 'infraguard';

CREATE SCHEMA fixture;

-- 20,000 rows, then 5,000 deleted: 25% dead, past autovacuum's default threshold
CREATE TABLE fixture.churn (
	id		integer PRIMARY KEY,
	code	text UNIQUE,
	val		integer,
	grp		integer
);
INSERT INTO fixture.churn
SELECT i, 'c' || i, i % 1000, i % 10 FROM generate_series(1, 20000) i;
CREATE INDEX churn_val_used ON fixture.churn (val);
CREATE INDEX "Unused Idx" ON fixture.churn (grp);
-- fails on duplicates and leaves an invalid index behind
CREATE UNIQUE INDEX CONCURRENTLY churn_dup_invalid ON fixture.churn (grp);
-- publish the insert counts before VACUUM sets the live count, or they add up twice
SELECT pg_stat_force_next_flush();
VACUUM fixture.churn;
DELETE FROM fixture.churn WHERE id % 4 = 0;

-- same shape, but a per-table scale factor keeps it below autovacuum's threshold
CREATE TABLE fixture.lenient (id integer, payload text)
	WITH (autovacuum_vacuum_scale_factor = 0.5);
INSERT INTO fixture.lenient SELECT i, 'x' FROM generate_series(1, 20000) i;
SELECT pg_stat_force_next_flush();
VACUUM fixture.lenient;
DELETE FROM fixture.lenient WHERE id % 5 = 0;

-- an exclusion constraint's index is never suggested for removal
CREATE TABLE fixture.booking (during int4range, EXCLUDE USING gist (during WITH &&));

-- use churn_val_used; make this backend's counters visible to the next statements
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT count(*) FROM fixture.churn WHERE val = 7;
RESET enable_seqscan;
RESET enable_bitmapscan;
SELECT pg_stat_force_next_flush();
