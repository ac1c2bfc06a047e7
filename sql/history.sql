--
-- Snapshots and the history views (the worker runs the same record_snapshot()
-- as take_snapshot(); its own behaviour is in test/t/004).
--
SET client_min_messages = error;	-- alert WARNINGs carry machine-dependent values

-- a snapshot records server metrics, latency, tables, indexes
SELECT infraguard.take_snapshot() AS first_id \gset
SELECT source, metric_rows > 10 AS metrics, table_rows >= 3 AS tables,
	   index_rows >= 5 AS indexes, duration_ms >= 0 AS timed
  FROM infraguard.snapshots WHERE snapshot_id = :first_id;
SELECT count(*) AS fixture_tables FROM infraguard.table_history
 WHERE snapshot_id = :first_id AND schema_name = 'fixture';
SELECT metric FROM infraguard.metric_history
 WHERE snapshot_id = :first_id
   AND metric IN ('connection_count', 'xid_wraparound', 'storage_used_percent', 'cpu_percent',
				  'memory_percent', 'wal_bytes', 'database_size_bytes:contrib_regression',
				  'disk_used_pct:data:data_directory', 'connections:active')
 ORDER BY metric;
SELECT calls > 0 AS has_latency FROM infraguard.latency_snapshots WHERE snapshot_id = :first_id;

-- the next snapshot writes only what changed: one fixture table
INSERT INTO fixture.lenient VALUES (0, 'new');
SELECT pg_stat_force_next_flush();
-- slow enough to be among the interval's top statements
SELECT pg_sleep(0.1) AS statements;
SELECT infraguard.take_snapshot() AS second_id \gset
SELECT table_name FROM infraguard.table_history
 WHERE snapshot_id = :second_id AND schema_name = 'fixture' ORDER BY table_name;
SELECT count(*) > 0 AS interval_latency FROM infraguard.latency_history
 WHERE time = (SELECT taken_at FROM infraguard.snapshots WHERE snapshot_id = :second_id)
   AND p50_ms > 0 AND p95_ms >= p50_ms AND p99_ms >= p95_ms AND statements_per_second > 0;
SELECT h.calls >= 1 AS delta_counted, t.query
  FROM infraguard.statement_history h
  JOIN infraguard.statement_texts t USING (dbid, queryid)
 WHERE h.snapshot_id = :second_id AND t.query LIKE 'SELECT pg_sleep($1) AS statements%';

-- statements_per_second divides by the time the counters cover: a reset
-- after the snapshot's transaction began gives a plausible rate (a few
-- statements over 0.3 s), never the calls over a clamped 1 ms (0.1)
BEGIN;
SELECT pg_sleep(0.2) AS before_reset;
SELECT infraguard.latency_reset();
SELECT pg_sleep(0.3) AS after_reset;
SELECT 1 AS one;
SELECT infraguard.take_snapshot() AS reset_id \gset
COMMIT;
SELECT value > 0 AND value < 100 AS plausible_rate
  FROM infraguard.metric_history WHERE snapshot_id = :reset_id AND metric = 'statements_per_second';
SELECT read_at > taken_at AS read_after_start FROM infraguard.latency_snapshots WHERE snapshot_id = :reset_id;

-- Grafana's shape
SELECT count(*) > 0 AS rows, pg_typeof(time) AS time_type, pg_typeof(metric), pg_typeof(value)
  FROM infraguard.metrics_history GROUP BY 2, 3, 4;

-- a 24-hour range over 30 days of history uses an index
INSERT INTO infraguard.metric_history
SELECT now() - interval '30 days' + i * interval '1 minute', 0, m, i
  FROM generate_series(1, 43200) i, unnest(ARRAY['m1', 'm2', 'm3']) m;
ANALYZE infraguard.metric_history;
CREATE FUNCTION pg_temp.plan_nodes(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE p jsonb;
BEGIN
	EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO p;
	RETURN QUERY SELECT jsonb_path_query(p, 'strict $.**."Node Type"') #>> '{}';
END $$;
SELECT bool_or(n LIKE '%Index%') AS uses_index, bool_or(n = 'Seq Scan') AS seq_scan
  FROM pg_temp.plan_nodes($$SELECT time, metric, value FROM infraguard.metrics_history
							 WHERE time BETWEEN now() - interval '24 hours' AND now()$$) n;
SELECT bool_or(n LIKE '%Index%') AS uses_index, bool_or(n = 'Seq Scan') AS seq_scan
  FROM pg_temp.plan_nodes($$SELECT * FROM infraguard.latency_history
							 WHERE time BETWEEN now() - interval '24 hours' AND now()$$) n;
DELETE FROM infraguard.metric_history WHERE snapshot_id = 0;
-- the synthetic rows' dead tuples would top dead_tuple_ratio: publish the
-- delete's counts, then let VACUUM clear them
SELECT pg_stat_force_next_flush() \gset
VACUUM infraguard.metric_history;

-- table_growth: from history rows a week apart
INSERT INTO infraguard.table_history (taken_at, snapshot_id, relid, schema_name, table_name, total_bytes)
SELECT now() - interval '8 days', 0, 'fixture.churn'::regclass, 'fixture', 'churn',
	   pg_total_relation_size('fixture.churn') - 86400000;
SELECT table_name, growth_bytes, round(growth_per_day_bytes::numeric / 1e7) AS per_day_1e7,
	   since < now() - interval '7 days' AS since_ok,
	   regexp_replace(note, '^[0-9.]+ (second|minute)s? of', 'N \1s of') AS note
  FROM infraguard.table_growth('7 days') WHERE schema_name = 'fixture' ORDER BY table_name;
