--
-- Bad input gets a clear error, never a crash or a silent wrong answer.
--
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT * FROM infraguard.slow_queries(0);
SELECT * FROM infraguard.slow_queries(-5);
SELECT * FROM infraguard.slow_queries(NULL);
SELECT * FROM infraguard.slow_queries(10, 'slowest');
SELECT * FROM infraguard.slow_queries(10, NULL);
SELECT * FROM infraguard.slow_queries(10, '');
SELECT * FROM infraguard.unused_indexes(-1);
SELECT * FROM infraguard.unused_indexes(NULL);
SELECT infraguard.classify(1, 2, 3, 'sideways');
SELECT infraguard.classify(1, 2, 3, NULL);
SELECT infraguard.thresholds_valid(1, 2, 'up');
SELECT * FROM infraguard.latency(NULL);
SELECT * FROM infraguard.latency_histogram(NULL);
-- error codes a client can branch on
\set VERBOSITY sqlstate
SELECT * FROM infraguard.slow_queries(0);
SELECT infraguard.classify(1, 2, 3, 'sideways');
\set VERBOSITY default
-- thresholds management
SELECT infraguard.set_threshold('no_such_metric', 1, 2);
SELECT infraguard.set_threshold(NULL, 1, 2);
SELECT infraguard.set_threshold('cpu_percent', NULL, 2);
SELECT infraguard.set_threshold('cpu_percent', 95, 90);
SELECT infraguard.set_threshold('cache_hit_ratio', 90, 95);
SELECT infraguard.set_threshold('cpu_percent', 'NaN', 90);
SELECT infraguard.set_threshold('cpu_percent', 70, 'Infinity');
-- alert rules: times from 0 to 7 days, a finite margin of at least 0
SELECT infraguard.set_threshold('cpu_percent', 70, 90, hold => '-1 minute');
SELECT infraguard.set_threshold('cpu_percent', 70, 90, hold => '8 days');
SELECT infraguard.set_threshold('cpu_percent', 70, 90, clear_hold => '-5 seconds');
SELECT infraguard.set_threshold('cpu_percent', 70, 90, clear_margin => -1);
SELECT infraguard.set_threshold('cpu_percent', 70, 90, clear_margin => 'NaN');
SELECT infraguard.set_threshold('cpu_percent', 70, 90, clear_margin => 'Infinity');
\set VERBOSITY sqlstate
SELECT infraguard.set_threshold('cpu_percent', 70, 90, hold => '-1 minute');
SELECT infraguard.set_threshold('cpu_percent', 70, 90, clear_margin => -1);
\set VERBOSITY default
-- the table refuses them too
UPDATE infraguard.thresholds SET hold = '-1 s' WHERE metric = 'cpu_percent';
UPDATE infraguard.thresholds SET clear_margin = 'NaN' WHERE metric = 'cpu_percent';
-- nothing was changed by the refused calls
SELECT hold, clear_margin, clear_hold FROM infraguard.thresholds WHERE metric = 'cpu_percent';
SELECT infraguard.enable_threshold('nope');
SELECT infraguard.disable_threshold(NULL);
-- history functions
SELECT * FROM infraguard.table_growth(NULL);
SELECT * FROM infraguard.table_growth('-1 day');
SELECT * FROM infraguard.table_growth('0');
SELECT * FROM infraguard.capacity_forecast('1000 years');
SELECT infraguard_internal.record_snapshot('cron');
SELECT * FROM infraguard.histogram_stats(ARRAY[-1], ARRAY[1]::bigint[], 1);
SELECT * FROM infraguard.histogram_stats(ARRAY[961], ARRAY[1]::bigint[], 1);
SELECT * FROM infraguard.histogram_stats(ARRAY[1, 2], ARRAY[1]::bigint[], 1);
SELECT * FROM infraguard.histogram_stats(ARRAY[1], ARRAY[-1]::bigint[], 1);
SELECT * FROM infraguard.histogram_stats(ARRAY[1], ARRAY[1]::bigint[], 1, ARRAY[1], NULL);
SELECT * FROM infraguard.forecast(ARRAY[1, 2], ARRAY[1]::float8[], 1, 2, 3);
SELECT * FROM infraguard.forecast(ARRAY[1, NULL], ARRAY[1, 2]::float8[], 1, 2, 3);
SELECT * FROM infraguard.forecast(ARRAY[1, 2], ARRAY[1, 'Infinity']::float8[], 1, 2, 3);
SELECT * FROM infraguard.forecast(ARRAY[1, 2], ARRAY[1, 2]::float8[], 1, 2, 3, -1, 0);
SELECT * FROM infraguard.forecast(ARRAY[1, 2], ARRAY[1, 2]::float8[], 1, 2, 3, 0, 'NaN');
SELECT * FROM infraguard.forecast(ARRAY[1, 2], ARRAY[1, 2]::float8[], 1, 2, 3, 'Infinity', 0);
SELECT infraguard.duration_text('NaN') AS nan, infraguard.duration_text(-5) AS negative,
	   infraguard.duration_text(NULL) IS NULL AS null_is_null;
SELECT * FROM infraguard.terminate_blockers(NULL);
SELECT * FROM infraguard.terminate_blockers('0');
SELECT * FROM infraguard.terminate_blockers('1 second', NULL);
SELECT infraguard.alert_transition('bogus', 'ok');
SELECT * FROM infraguard.alert_step(1, 2, 3, 'sideways', '0', 0, '0', NULL, NULL, NULL, NULL, NULL, NULL, now(), NULL);
SELECT * FROM infraguard.alert_step(1, 2, 3, 'above', '-1 s', 0, '0', NULL, NULL, NULL, NULL, NULL, NULL, now(), NULL);
SELECT * FROM infraguard.alert_step(1, 2, 3, 'above', '0', -1, '0', NULL, NULL, NULL, NULL, NULL, NULL, now(), NULL);
SELECT * FROM infraguard.alert_step(1, 2, 3, 'above', '0', 0, '0', 'bogus', NULL, NULL, NULL, NULL, NULL, now(), NULL);
SELECT * FROM infraguard.alert_step(1, 2, 3, 'above', '0', 0, '0', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
