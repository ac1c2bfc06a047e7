--
-- Read functions: revoked from PUBLIC, granted to pg_monitor.
--
CREATE ROLE ig_plain;
CREATE ROLE ig_monitor IN ROLE pg_monitor;

-- every function of the extension, checked from the catalog so a new one cannot be forgotten
SELECT p.oid::regprocedure AS function,
	   has_function_privilege('ig_plain', p.oid, 'EXECUTE') AS plain,
	   has_function_privilege('ig_monitor', p.oid, 'EXECUTE') AS monitor
  FROM pg_depend d
  JOIN pg_proc p ON p.oid = d.objid AND d.classid = 'pg_proc'::regclass
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'infraguard')
   AND d.deptype = 'e'
 ORDER BY p.oid::regprocedure::text;
-- none runs with the caller's search_path
SELECT count(*) AS without_fixed_search_path
  FROM pg_depend d
  JOIN pg_proc p ON p.oid = d.objid AND d.classid = 'pg_proc'::regclass
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'infraguard')
   AND d.deptype = 'e'
   AND p.prolang <> (SELECT oid FROM pg_language WHERE lanname = 'c')
   AND NOT coalesce(p.proconfig::text[] @> ARRAY['search_path=pg_catalog, pg_temp'], false);
-- and exactly one is SECURITY DEFINER: it reads column widths, no values, from pg_statistic
SELECT p.oid::regprocedure AS security_definer
  FROM pg_depend d
  JOIN pg_proc p ON p.oid = d.objid AND d.classid = 'pg_proc'::regclass
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'infraguard')
   AND d.deptype = 'e' AND p.prosecdef;

-- the manual: \df infraguard.* lists no internal helper, and every function of
-- infraguard_internal says it is one
SELECT p.oid::regprocedure AS misplaced, obj_description(p.oid, 'pg_proc') LIKE 'Internal:%' AS internal
  FROM pg_depend d
  JOIN pg_proc p ON p.oid = d.objid AND d.classid = 'pg_proc'::regclass
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'infraguard')
   AND d.deptype = 'e'
   AND (obj_description(p.oid, 'pg_proc') LIKE 'Internal:%')
	   <> (p.pronamespace = 'infraguard_internal'::regnamespace);
-- its schema: usage for the roles whose functions call helpers there (pg_monitor,
-- pg_signal_backend for the terminate functions), nothing for others
SELECT has_schema_privilege('ig_plain', 'infraguard_internal', 'USAGE') AS plain_usage,
	   has_schema_privilege('ig_monitor', 'infraguard_internal', 'USAGE') AS monitor_usage,
	   has_schema_privilege('pg_signal_backend', 'infraguard_internal', 'USAGE') AS signal_usage,
	   has_schema_privilege('ig_monitor', 'infraguard_internal', 'CREATE') AS monitor_create;

SELECT has_table_privilege('ig_plain', 'infraguard.thresholds', 'SELECT') AS plain_reads,
	   has_table_privilege('ig_monitor', 'infraguard.thresholds', 'SELECT') AS monitor_reads,
	   has_table_privilege('ig_monitor', 'infraguard.thresholds', 'UPDATE') AS monitor_writes;

-- a plain role is denied
SET ROLE ig_plain;
SELECT * FROM infraguard.health();
SELECT * FROM infraguard.unused_indexes();
SELECT * FROM infraguard.thresholds;
RESET ROLE;

-- a pg_monitor member can call every function
SET ROLE ig_monitor;
SELECT count(*) > 0 AS ok FROM infraguard.health();
SELECT count(*) > 0 AS ok FROM infraguard.current_metrics();
SELECT count(*) > 0 AS ok FROM infraguard.table_health();
SELECT count(*) > 0 AS ok FROM infraguard.index_usage();
SELECT count(*) > 0 AS ok FROM infraguard.unused_indexes();
SELECT count(*) > 0 AS ok FROM infraguard.slow_queries();
SELECT count(*) > 0 AS ok FROM infraguard.connections();
SELECT count(*) > 0 AS ok FROM infraguard.connection_usage();
SELECT infraguard.version() IS NOT NULL AS ok;
SELECT infraguard.classify(1, 2, 3, 'above') AS ok;
SELECT infraguard.thresholds_valid(1, 2, 'above') AS ok;
SELECT count(*) > 0 AS ok FROM infraguard.thresholds;
SELECT count(*) > 0 AS ok FROM infraguard.latency(false);
SELECT count(*) > 0 AS ok FROM infraguard.latency_histogram();
SELECT count(*) > 0 AS ok FROM infraguard.latency_buckets();
SELECT count(*) > 0 AS ok FROM infraguard.system_stats();
SELECT count(*) >= 0 AS ok FROM infraguard.table_growth();
SELECT count(*) >= 0 AS ok FROM infraguard.wait_events();
SELECT count(*) >= 0 AS ok FROM infraguard.wait_profile();
SELECT count(*) >= 0 AS ok FROM infraguard.capacity_forecast();
SET client_min_messages = warning;	-- its NOTICEs depend on earlier tests
SELECT count(*) >= 0 AS ok FROM infraguard.check_thresholds();
RESET client_min_messages;
SELECT count(*) >= 0 AS ok FROM infraguard.metrics_history;
SELECT count(*) >= 0 AS ok FROM infraguard.latency_history;
SELECT count(*) >= 0 AS ok FROM infraguard.active_alerts;
SELECT (infraguard.histogram_stats('{1}', '{1}', 1)).calls AS ok;
SELECT (infraguard.forecast('{1,2}', '{1,2}', 2, 3, 4)).points AS ok;
SELECT infraguard.alert_transition('ok', 'warning') AS ok;
SELECT (infraguard.alert_step(1, 2, 3, 'above', '0', 0, '0', NULL, NULL, NULL, NULL, NULL, NULL, now(), NULL)).action AS ok;
SELECT count(*) >= 0 AS ok FROM infraguard.alert_events;
SELECT count(*) >= 0 AS ok FROM infraguard.alert_state;
SELECT count(*) >= 0 AS ok FROM infraguard.pending_alerts;
-- issue 15: what holds back VACUUM, server log events
SELECT count(*) >= 0 AS ok FROM infraguard.vacuum_blockers();
SELECT count(*) > 0 AS ok FROM infraguard.xid_forecast();
SELECT count(*) >= 0 AS ok FROM infraguard.log_events();
SELECT count(*) >= 0 AS ok FROM infraguard.log_event_counts();
SELECT count(*) > 0 AS ok FROM infraguard.log_event_totals();
SELECT count(*) >= 0 AS ok FROM infraguard.auth_failures();
SELECT count(*) >= 0 AS ok FROM infraguard.log_event_history;
-- pg_monitor includes pg_read_all_settings, so it sees the paths
SELECT count(*) > 0 AS ok, bool_and(path IS NOT NULL) AS paths FROM infraguard.disk_usage();
-- but cannot change thresholds, reset counters or write history
UPDATE infraguard.thresholds SET warning = 1 WHERE metric = 'cpu_percent';
SELECT infraguard.latency_reset();
SELECT infraguard.set_threshold('cpu_percent', 1, 2);
SELECT infraguard.disable_threshold('cpu_percent');
SELECT infraguard.take_snapshot();
DELETE FROM infraguard.alerts;
DELETE FROM infraguard.alert_events;
SELECT infraguard_internal.evaluate_alerts();
RESET ROLE;

-- a role granted disk_usage() alone gets the numbers but not the server's paths
CREATE ROLE ig_exec;
GRANT USAGE ON SCHEMA infraguard TO ig_exec;
GRANT EXECUTE ON FUNCTION infraguard.disk_usage() TO ig_exec;
SET ROLE ig_exec;
SELECT kind, path, total_bytes > 0 AS measured FROM infraguard.disk_usage() ORDER BY kind;
RESET ROLE;
REVOKE ALL ON FUNCTION infraguard.disk_usage() FROM ig_exec;
REVOKE ALL ON SCHEMA infraguard FROM ig_exec;
DROP ROLE ig_exec;

DROP ROLE ig_plain;
DROP ROLE ig_monitor;
