--
-- archival_candidates(): tables whose reads and writes have not moved since
-- a history row old enough.  The history is the fixture here: rows 40 days
-- old carrying the counters pg_stat_user_tables has now (cold), or other
-- ones (warm, read since; reset, counters that went backwards).
--
\set SHOW_CONTEXT never
CREATE SCHEMA "Archive Fixture";
CREATE TABLE "Archive Fixture"."Cold Table" AS SELECT g AS id, repeat('x', 200) AS pad FROM generate_series(1, 5000) g;
CREATE TABLE "Archive Fixture".warm AS SELECT g AS id FROM generate_series(1, 100) g;
CREATE TABLE "Archive Fixture".reset AS SELECT g AS id FROM generate_series(1, 100) g;
SELECT pg_stat_force_next_flush();
SELECT count(*) FROM "Archive Fixture".warm;
SELECT pg_stat_force_next_flush();
-- history: 40 and 35 days ago, as if the snapshots had recorded them
INSERT INTO infraguard.table_history
	   (taken_at, snapshot_id, relid, schema_name, table_name, inserts, updates, deletes, seq_scans, idx_scans)
SELECT now() - d * interval '1 day', 0, s.relid, s.schemaname, s.relname,
	   s.n_tup_ins + CASE WHEN s.relname = 'reset' THEN 1000 ELSE 0 END, s.n_tup_upd, s.n_tup_del,
	   s.seq_scan - CASE WHEN s.relname = 'warm' THEN 1 ELSE 0 END, s.idx_scan
  FROM pg_stat_user_tables s, (VALUES (40), (35)) d(d)
 WHERE s.schemaname = 'Archive Fixture';
SELECT schema_name, table_name, total_bytes = pg_total_relation_size('"Archive Fixture"."Cold Table"') AS size_ok,
	   live_rows, round(idle_days) AS idle_days
  FROM infraguard.archival_candidates('30 days') WHERE schema_name = 'Archive Fixture';
-- 41 days: longer than the history knows
SELECT count(*) FROM infraguard.archival_candidates('41 days') WHERE schema_name = 'Archive Fixture';
-- a read now takes it off the list
SELECT count(*) FROM "Archive Fixture"."Cold Table";
SELECT pg_stat_force_next_flush();
SELECT count(*) FROM infraguard.archival_candidates('30 days') WHERE schema_name = 'Archive Fixture';
SELECT * FROM infraguard.archival_candidates(NULL);
DELETE FROM infraguard.table_history WHERE snapshot_id = 0 AND schema_name = 'Archive Fixture';
DROP SCHEMA "Archive Fixture" CASCADE;
