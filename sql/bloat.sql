--
-- bloat(): estimated from statistics, checked against pgstattuple.
--
\set SHOW_CONTEXT never
-- bloat: estimated from statistics, checked against pgstattuple's exact figures
CREATE EXTENSION pgstattuple;
CREATE TABLE fixture.bloated (id integer, payload text) WITH (autovacuum_enabled = off);
INSERT INTO fixture.bloated SELECT i, repeat(md5(i::text), 2) FROM generate_series(1, 100000) i;
CREATE INDEX bloated_id ON fixture.bloated (id);
ANALYZE fixture.bloated;
-- freshly loaded: both say little bloat
SELECT kind, bloat_pct < 10 AS estimate_low FROM infraguard.bloat() WHERE table_name = 'bloated' ORDER BY kind;
-- 60% of the rows deleted and vacuumed: the space stays allocated
DELETE FROM fixture.bloated WHERE id % 5 < 3;
SELECT pg_stat_force_next_flush() \gset
VACUUM fixture.bloated;
ANALYZE fixture.bloated;
SELECT kind, bloat_pct BETWEEN 50 AND 70 AS estimate_about_60 FROM infraguard.bloat() WHERE table_name = 'bloated' ORDER BY kind;
SELECT t.free_percent BETWEEN 50 AND 70 AS pgstattuple_agrees
  FROM pgstattuple('fixture.bloated') t;
SELECT round((100 - 100 * i.avg_leaf_density / 90)::numeric) BETWEEN 50 AND 75 AS pgstatindex_agrees
  FROM pgstatindex('fixture.bloated_id') i;
-- the estimate against the exact figures, within 10 points
SELECT b.kind, abs(b.bloat_pct - CASE b.kind
		WHEN 'table' THEN (SELECT t.free_percent + t.dead_tuple_percent FROM pgstattuple('fixture.bloated') t)
		ELSE (SELECT 100 - 100 * i.avg_leaf_density / 90 FROM pgstatindex('fixture.bloated_id') i) END) < 10
	   AS within_10_points
  FROM infraguard.bloat() b WHERE b.table_name = 'bloated' ORDER BY b.kind;
SELECT check_name, status IN ('ok', 'warning', 'critical') AS measured
  FROM infraguard.health() WHERE check_name = 'table_bloat';
