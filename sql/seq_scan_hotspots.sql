--
-- seq_scan_hotspots(): a table read whole again and again, found with the
-- statement that reads it; an indexed one is not.
--
\set SHOW_CONTEXT never
CREATE SCHEMA "Scan Fixture";
CREATE TABLE "Scan Fixture"."Hot Spot" (id integer, v integer);
INSERT INTO "Scan Fixture"."Hot Spot" SELECT g, g % 100 FROM generate_series(1, 20000) g;
CREATE TABLE "Scan Fixture".indexed (id integer PRIMARY KEY, v integer);
INSERT INTO "Scan Fixture".indexed SELECT g, g % 100 FROM generate_series(1, 20000) g;
-- publish the insert counts before ANALYZE sets the live count, or they add up twice
SELECT pg_stat_force_next_flush();
ANALYZE "Scan Fixture"."Hot Spot", "Scan Fixture".indexed;
-- the plan reads the whole table: 3 scans of 20,000 rows each
EXPLAIN (COSTS OFF) SELECT count(*) FROM "Scan Fixture"."Hot Spot" WHERE v = 1;
SELECT count(*) FROM "Scan Fixture"."Hot Spot" WHERE v = 1;
SELECT count(*) FROM "Scan Fixture"."Hot Spot" WHERE v = 2;
SELECT count(*) FROM "Scan Fixture"."Hot Spot" WHERE v = 3;
SELECT v FROM "Scan Fixture".indexed WHERE id = 1;
SELECT v FROM "Scan Fixture".indexed WHERE id = 2;
SELECT pg_stat_force_next_flush();
SELECT schema_name, table_name, live_rows, seq_scan, idx_scan, seq_scan_pct, seq_tup_read, rows_per_seq_scan,
	   (SELECT array_agg(q) FROM unnest(statements) q WHERE q NOT LIKE 'EXPLAIN%') AS statements
  FROM infraguard.seq_scan_hotspots() WHERE schema_name = 'Scan Fixture';
-- a higher bar leaves it out
SELECT count(*) FROM infraguard.seq_scan_hotspots(20001) WHERE schema_name = 'Scan Fixture';
SELECT * FROM infraguard.seq_scan_hotspots(-1);
SELECT * FROM infraguard.seq_scan_hotspots(0, 101);
DROP SCHEMA "Scan Fixture" CASCADE;
