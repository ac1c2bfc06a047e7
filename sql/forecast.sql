--
-- capacity_forecast() over synthetic history, and the forecast math.
--
SET client_min_messages = error;

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
SELECT infraguard_internal.forecast_min_history_seconds();
RESET infraguard.forecast_min_history;
SELECT infraguard_internal.forecast_min_history_seconds();
