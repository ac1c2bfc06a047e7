--
-- health(): one row per enabled check, real values or unknown with a reason.
--
-- the checks whose value the fixture determines
SELECT check_name, status, unit, warning, critical
  FROM infraguard.health()
 WHERE check_name NOT IN ('cache_hit_ratio', 'cpu_percent', 'memory_percent',
						  'storage_used_percent', 'query_time_p95')
 ORDER BY check_name;

-- the others depend on the machine and on what the instance did so far:
-- only their shape is fixed (measurements.sql checks their values)
SELECT check_name, unit, status IN ('ok', 'warning', 'critical', 'unknown') AS valid_status,
	   (value IS NULL) = (status = 'unknown') AS unknown_iff_no_value
  FROM infraguard.health()
 WHERE check_name IN ('cache_hit_ratio', 'cpu_percent', 'memory_percent',
					  'storage_used_percent', 'query_time_p95')
 ORDER BY check_name;

-- every unknown says why, and no unknown carries a number
SELECT check_name, detail FROM infraguard.health()
 WHERE status = 'unknown' ORDER BY check_name;
SELECT count(*) AS unknown_with_value FROM infraguard.health()
 WHERE status = 'unknown' AND value IS NOT NULL;

-- the values that are measured are the real ones
SELECT value, detail FROM infraguard.health() WHERE check_name = 'dead_tuple_ratio';
SELECT h.value = u.used_pct AS connection_pct_matches
  FROM infraguard.health() h, infraguard.connection_usage() u
 WHERE h.check_name = 'connection_count';
SELECT value = round((100.0 * (SELECT max(greatest(age(datfrozenxid), mxid_age(datminmxid))) FROM pg_database)
					  / 2147483648)::numeric, 2) AS xid_pct_matches
  FROM infraguard.health() WHERE check_name = 'xid_wraparound';
SELECT value AS blocked, detail FROM infraguard.health() WHERE check_name = 'blocked_sessions';

-- the action shows only for a crossed threshold; worst checks come first
SELECT check_name, status, action FROM infraguard.health()
 WHERE action IS NOT NULL AND check_name = 'dead_tuple_ratio';
SELECT count(*) AS action_iff_crossed FROM infraguard.health()
 WHERE (action IS NOT NULL) <> (status IN ('warning', 'critical'));
SELECT bool_and(sev >= next_sev) AS worst_first
  FROM (SELECT sev, lead(sev, 1, 0) OVER () AS next_sev
		  FROM (SELECT CASE status WHEN 'critical' THEN 4 WHEN 'warning' THEN 3
								   WHEN 'unknown' THEN 2 ELSE 1 END AS sev
				  FROM infraguard.health()) s) t;

-- thresholds drive the status
UPDATE infraguard.thresholds SET warning = 0.001, critical = 100 WHERE metric = 'connection_count';
SELECT check_name, status, action FROM infraguard.health() WHERE check_name = 'connection_count';
UPDATE infraguard.thresholds SET critical = 0.002 WHERE metric = 'connection_count';
SELECT check_name, status FROM infraguard.health() WHERE check_name = 'connection_count';
SELECT status FROM infraguard.health() LIMIT 1;
UPDATE infraguard.thresholds SET warning = 80, critical = 95 WHERE metric = 'connection_count';

-- a disabled check disappears, and comes back
UPDATE infraguard.thresholds SET enabled = false WHERE metric = 'dead_tuple_ratio';
SELECT count(*) FROM infraguard.health() WHERE check_name = 'dead_tuple_ratio';
UPDATE infraguard.thresholds SET enabled = true WHERE metric = 'dead_tuple_ratio';
SELECT count(*) FROM infraguard.health();

-- current_metrics() reports every metric, with or without a threshold
SELECT metric, unit FROM infraguard.current_metrics() ORDER BY metric;
