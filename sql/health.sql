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
-- critical, warning, ok, then unknown: checks that could not be measured come
-- after every real reading (0.1 put them before the ok ones)
SELECT bool_and(sev >= next_sev) AS worst_first_unknown_last
  FROM (SELECT sev, lead(sev, 1, 0) OVER () AS next_sev
		  FROM (SELECT CASE status WHEN 'critical' THEN 4 WHEN 'warning' THEN 3
								   WHEN 'ok' THEN 2 ELSE 1 END AS sev
				  FROM infraguard.health()) s) t;
SELECT count(*) > 0 AS some_unknown, bool_and(detail ~ '(known|turn the check off)') AS each_says_what_makes_it_known
  FROM infraguard.health() WHERE status = 'unknown';

-- advice that fits the cause: the worst table has autovacuum disabled
CREATE TABLE fixture.no_autovacuum (id integer, pad text) WITH (autovacuum_enabled = off);
INSERT INTO fixture.no_autovacuum SELECT i, 'x' FROM generate_series(1, 20000) i;
SELECT pg_stat_force_next_flush();
VACUUM fixture.no_autovacuum;
DELETE FROM fixture.no_autovacuum WHERE id % 10 < 6;
SELECT pg_stat_force_next_flush();
SELECT status, value, detail, action FROM infraguard.health() WHERE check_name = 'dead_tuple_ratio';
-- the statements it suggests run as written, and do what they say
SELECT m[1] AS suggested FROM infraguard.health() h,
	   regexp_matches(h.action, '((?:ALTER TABLE|VACUUM) [^;]*;)', 'g') m
 WHERE h.check_name = 'dead_tuple_ratio' \gexec
SELECT reloptions FROM pg_class WHERE oid = 'fixture.no_autovacuum'::regclass;
SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = 'fixture.no_autovacuum'::regclass;
DROP TABLE fixture.no_autovacuum;

-- no generic advice: each default action says what to look at, and every
-- query it names runs (those only valid on a standby: test/t/005)
SELECT metric, action FROM infraguard.thresholds
 WHERE action IN ('Plan storage expansion', 'Review connection pooling', 'Query optimization required',
				  'Check replica health', 'Scale up or optimize', 'Scale horizontally')
	OR action IS NULL;
SELECT format('SELECT count(*) >= 0 AS %I FROM (%s) q', t.metric || '_' || m.ord, rtrim(m.stmt[1], ';'))
  FROM infraguard.thresholds t,
	   regexp_matches(t.action, '(SELECT [^;]*;)', 'g') WITH ORDINALITY m(stmt, ord)
 WHERE m.stmt[1] NOT LIKE '%pg_get_wal_replay_pause_state%'
 ORDER BY t.metric, m.ord \gexec

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
