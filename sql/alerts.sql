--
-- Alerts opened, escalated and resolved by snapshots; check_thresholds().
--
SET client_min_messages = error;	-- alert WARNINGs carry machine-dependent values

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
