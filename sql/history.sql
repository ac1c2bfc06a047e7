--
-- Snapshots, history views, alerts, forecasts (the worker runs the same
-- record_snapshot() as take_snapshot(); its own behaviour is in test/t/004).
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

-- latency percentiles of an interval are the difference of two readings
SELECT bucket AS b10 FROM infraguard.latency_buckets() WHERE 10 >= lower_ms AND 10 < upper_ms \gset
SELECT bucket AS b200 FROM infraguard.latency_buckets() WHERE 200 >= lower_ms AND 200 < upper_ms \gset
SELECT calls, round(p50_ms::numeric, 1) AS p50, round(p99_ms::numeric, 0) AS p99, reset
  FROM infraguard.histogram_stats(ARRAY[:b10, :b200], ARRAY[95, 5]::bigint[], 200);
SELECT calls, round(p50_ms::numeric, 0) AS p50, reset
  FROM infraguard.histogram_stats(ARRAY[:b10, :b200], ARRAY[95, 105]::bigint[], 200,
								  ARRAY[:b10, :b200], ARRAY[95, 5]::bigint[]);
-- counters that went backwards: the newer reading is taken whole
SELECT calls, reset
  FROM infraguard.histogram_stats(ARRAY[:b10], ARRAY[3]::bigint[], 10,
								  ARRAY[:b10], ARRAY[90]::bigint[]);
SELECT calls, p50_ms IS NULL AS no_percentile
  FROM infraguard.histogram_stats('{}'::int[], '{}'::bigint[], 0);

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

-- capacity_forecast: a database growing 1 GB a day on a 100 GB file system 50% full
DELETE FROM infraguard.metric_history WHERE metric LIKE 'disk_%';
INSERT INTO infraguard.metric_history
SELECT now() - interval '6 days' + d * interval '1 day', 0, m.metric, m.base + d * m.per_day
  FROM generate_series(0, 6) d,
	   (VALUES ('database_size_bytes:big', 1e10, 1e9),
			   ('disk_used_bytes:data:data_directory', 5e10, 1e9),
			   ('disk_free_bytes:data:data_directory', 5e10, -1e9)) m(metric, base, per_day);
SELECT kind, name, round(growth_per_day_bytes::numeric / 1e9, 3) AS gb_per_day,
	   round(days_to_warning::numeric, 2) AS days_to_warning,
	   round(days_to_critical::numeric, 2) AS days_to_critical, points,
	   history, r2, residual_bytes, trusted, note
  FROM infraguard.capacity_forecast('7 days')
 WHERE name IN ('big', 'data:data_directory')
 ORDER BY kind;
-- the database of this test has seconds of real history: no growth, no date
SELECT growth_per_day_bytes, days_to_warning, days_to_critical, trusted,
	   regexp_replace(note, '^[0-9]+ samples, need', 'N samples, need') AS why
  FROM infraguard.capacity_forecast('7 days')
 WHERE kind = 'database' AND name = current_database();
DELETE FROM infraguard.metric_history WHERE snapshot_id = 0;
-- the synthetic rows' dead tuples would top dead_tuple_ratio: publish the
-- delete's counts, then let VACUUM clear them
SELECT pg_stat_force_next_flush() \gset
VACUUM infraguard.metric_history;

-- the forecast math (0.2): a date only from a trusted trend.  Six daily
-- samples: an exact line, flat, shrinking, already past the target.
SELECT growth_per_day, growth_margin_per_day, days_to_warning, days_to_critical, points,
	   history_seconds / 86400 AS history_days, r2, residual_sd, trusted, note
  FROM infraguard.forecast(ARRAY[0, 86400, 172800, 259200, 345600, 432000], ARRAY[10, 20, 30, 40, 50, 60], 60, 80, 100);
SELECT growth_per_day, days_to_warning, trusted, note
  FROM infraguard.forecast(ARRAY[0, 86400, 172800, 259200, 345600, 432000], ARRAY[10, 10, 10, 10, 10, 10], 10, 50, 70);
SELECT growth_per_day, days_to_warning, trusted, note
  FROM infraguard.forecast(ARRAY[0, 86400, 172800, 259200, 345600, 432000], ARRAY[60, 55, 50, 45, 40, 35], 35, 50, 70);
SELECT growth_per_day, days_to_warning, days_to_critical, trusted
  FROM infraguard.forecast(ARRAY[0, 86400, 172800, 259200, 345600, 432000], ARRAY[40, 45, 50, 55, 60, 65], 65, 50, 70);
-- what 0.1 extrapolated: two minutes of one-second samples growing 350 kB a
-- second ("30 GB a day, warning in a day") is no forecast at all
SELECT growth_per_day, days_to_warning, trusted, note
  FROM infraguard.forecast(ARRAY(SELECT 1.8e9 + i FROM generate_series(0, 119) i),
						   ARRAY(SELECT 1e9 + 350000.0 * i FROM generate_series(0, 119) i), NULL, 3e10, 4e10);
-- enough samples, but a quarter of the window is more than six hours
SELECT trusted, note
  FROM infraguard.forecast(ARRAY(SELECT i * 3600.0 FROM generate_series(0, 24) i),
						   ARRAY(SELECT 1e9 + 1e6 * i FROM generate_series(0, 24) i), NULL, 3e10, 4e10,
						   7 * 86400, 21600);
SELECT setseed(0.42);
-- an idle database: 1 GB +- 8 kB for a day of one-minute samples is not
-- growing, whatever the noise draws (0.1: kB to MB a day either way)
SELECT count(*) AS series, count(*) FILTER (WHERE NOT trusted AND days_to_warning IS NULL) AS no_date,
	   max(abs(growth_per_day)) < 65536 AS at_most_64kb_a_day,
	   count(*) FILTER (WHERE growth_per_day = 0) >= 18 AS nearly_all_exactly_0
  FROM generate_series(1, 20) draw,
	   LATERAL (SELECT f.* FROM infraguard.forecast(
					ARRAY(SELECT 1.8e9 + 60.0 * i FROM generate_series(0, 1439) i),
					ARRAY(SELECT 1073741824 + 8192 * (2 * random() - 1) + 0 * draw FROM generate_series(0, 1439) i),
					NULL, 2e9, 3e9, 86400, 21600) f) fc;
SELECT * FROM infraguard.forecast(ARRAY[1]::float8[], ARRAY[10]::float8[], 10, 50, 70);
SELECT infraguard.duration_text(s) FROM unnest(ARRAY[1, 45, 120, 5400, 21600, 151200, 604800]) s;
-- the minimum history is a setting
SET infraguard.forecast_min_history = '1min';
SELECT infraguard.forecast_min_history_seconds();
RESET infraguard.forecast_min_history;
SELECT infraguard.forecast_min_history_seconds();

-- alerts: opened, escalated, resolved by snapshots; one open per metric
-- (only the checks the fixture decides; CPU and the like depend on the machine)
CREATE TEMP VIEW fixture_alerts AS
	SELECT * FROM infraguard.active_alerts WHERE metric IN ('connection_count', 'dead_tuple_ratio');
SELECT infraguard.alert_transition(o, n) AS action, o, n
  FROM unnest(ARRAY['ok', 'warning', 'critical']) o, unnest(ARRAY['ok', 'warning', 'critical', 'unknown']) n
 ORDER BY o, n;
-- (no hold, no clear margin or hold: each snapshot decides, as in 0.1)
-- the alert rule, reading by reading: warning 70, critical 90, hold 60 s,
-- clear margin 5, clear hold 60 s, a reading every 30 s
WITH RECURSIVE readings(i, v) AS (
	SELECT i, (ARRAY[50, 75, 71, 95, 75, 75, 75, 68, 66, 64, 60, 60, 60])[i]::float8
	  FROM generate_series(1, 13) i
), steps AS (
	SELECT 0 AS i, NULL::float8 AS v, 'none'::text AS action, 'ok'::text AS level, NULL::text AS pending_level,
		   NULL::timestamptz AS ws, NULL::timestamptz AS cs, NULL::timestamptz AS last_at,
		   NULL::float8 AS peak, NULL::timestamptz AS peak_at
	UNION ALL
	SELECT r.i, r.v, st.action, st.level, st.pending_level, st.next_warning_since, st.next_critical_since,
		   timestamptz '2026-01-01 00:00:00+00' + r.i * interval '30 s', st.episode_peak, st.episode_peak_at
	  FROM steps s
	  JOIN readings r ON r.i = s.i + 1
	 CROSS JOIN LATERAL infraguard.alert_step(r.v, 70, 90, 'above', '60 s', 5, '60 s', s.level,
											  s.ws, s.cs, s.last_at, s.peak, s.peak_at,
											  timestamptz '2026-01-01 00:00:00+00' + r.i * interval '30 s',
											  '10 minutes') st
)
SELECT i, v, action, level, pending_level, peak FROM steps WHERE i > 0 ORDER BY i;
SELECT infraguard.set_threshold('connection_count', 0.0001, 1000, hold => '0', clear_margin => 0, clear_hold => '0');
SELECT count(*) FROM infraguard.take_snapshot();
SELECT metric, level, threshold, action FROM fixture_alerts;
SELECT infraguard.set_threshold('connection_count', 0.0001, 0.0002);
SELECT count(*) FROM infraguard.take_snapshot();
SELECT metric, level, threshold FROM fixture_alerts;
-- the alert keeps its whole life: opened at warning, peak level critical
SELECT level, opened_value > 0 AS opened_value, peak_value >= opened_value AS peak,
	   peak_level, peak_level_at > opened_at AS escalated_later
  FROM fixture_alerts WHERE metric = 'connection_count';
SELECT infraguard.set_threshold('connection_count', 80, 95);
SELECT count(*) FROM infraguard.take_snapshot();
SELECT count(*) AS open FROM fixture_alerts;
SELECT metric, level, resolved_at IS NOT NULL AS resolved, message ~ 'resolved' AS says_so,
	   peak_level, value < 80 AS last_value_ok
  FROM infraguard.alerts WHERE metric = 'connection_count';
-- every transition is an event, in order
SELECT e.event, e.level, e.value IS NOT NULL AS has_value, e.threshold, e.message ~ e.metric AS message
  FROM infraguard.alert_events e
 WHERE e.metric = 'connection_count'
 ORDER BY e.time;
-- a hold: the same crossing opens nothing until it has held (the next
-- snapshots are seconds apart, the hold is an hour), and says so
SELECT infraguard.set_threshold('connection_count', 0.0001, 1000, hold => '1 hour');
SELECT count(*) FROM infraguard.take_snapshot();
SELECT count(*) FROM infraguard.take_snapshot();
SELECT count(*) AS open FROM fixture_alerts WHERE metric = 'connection_count';
SELECT metric, level, pending_level, pending_until - pending_since AS holds_for, due_in > interval '59 minutes' AS due_later
  FROM infraguard.pending_alerts WHERE metric = 'connection_count';
SELECT infraguard.set_threshold('connection_count', 80, 95, hold => '1 minute', clear_margin => 5, clear_hold => '5 minutes');
SELECT metric, hold, clear_margin, clear_hold FROM infraguard.thresholds WHERE metric = 'connection_count';
-- a disabled check's open alert is resolved
SELECT infraguard.set_threshold('dead_tuple_ratio', 1, 2, hold => '0');
SELECT count(*) FROM infraguard.take_snapshot();
SELECT metric, level FROM fixture_alerts;
SELECT infraguard.disable_threshold('dead_tuple_ratio');
SELECT count(*) FROM infraguard.take_snapshot();
SELECT count(*) AS open FROM fixture_alerts;
SELECT infraguard.enable_threshold('dead_tuple_ratio');
SELECT infraguard.set_threshold('dead_tuple_ratio', 20, 50, hold => '30 minutes');
SELECT metric, warning, critical, enabled FROM infraguard.thresholds WHERE metric = 'dead_tuple_ratio';

-- interactive checks: rows and NOTICEs, no alert (machine-dependent checks off)
UPDATE infraguard.thresholds SET enabled = false
 WHERE metric IN ('cpu_percent', 'memory_percent', 'storage_used_percent', 'query_time_p95', 'cache_hit_ratio');
RESET client_min_messages;
SELECT metric, level, warning, critical FROM infraguard.check_thresholds();
UPDATE infraguard.thresholds SET enabled = true;
SELECT count(*) AS alerts_opened_by_check FROM fixture_alerts;
