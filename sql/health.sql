--
-- health(): one row per enabled check, real values or unknown with a reason.
--
SELECT check_name, status, unit, warning, critical
  FROM infraguard.health()
 WHERE check_name <> 'cache_hit_ratio'
 ORDER BY check_name;

-- cache hits depend on what the instance read so far: only its shape is fixed
SELECT status IN ('ok', 'warning', 'critical', 'unknown') AS valid_status,
	   (value IS NULL) = (status = 'unknown') AS unknown_iff_no_value
  FROM infraguard.health() WHERE check_name = 'cache_hit_ratio';

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
 WHERE action IS NOT NULL ORDER BY check_name;
SELECT status FROM infraguard.health() LIMIT 1;

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
