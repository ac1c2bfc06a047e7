--
-- activity(), activity_summary(), activity_waits(): this session, as
-- pg_stat_activity has it.  (Blocked sessions and their blockers:
-- test/t/053_activity.pl.)
--
\set SHOW_CONTEXT never
SET application_name = 'ig activity test';
SELECT dbname = current_database() AS db, username = current_user AS usr, application_name, client,
	   backend_type, state, query_seconds >= 0 AS running, blocked_by, query LIKE '%ig activity probe%' AS own_query
  FROM infraguard.activity() WHERE pid = pg_backend_pid() /* ig activity probe */;
-- client sessions only, unless asked
SELECT count(*) FILTER (WHERE backend_type <> 'client backend') AS background FROM infraguard.activity();
SELECT count(*) FILTER (WHERE backend_type <> 'client backend') > 0 AS background FROM infraguard.activity(true);
SELECT count(*) = (SELECT count(*) FROM pg_stat_activity) AS all_processes FROM infraguard.activity(true);
-- the summary counts what pg_stat_activity counts
SELECT s.state, s.sessions, s.waiting
  FROM infraguard.activity_summary() s
 WHERE s.application_name = 'ig activity test' AND s.dbname = current_database();
SELECT sum(sessions) = (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend') AS all_clients
  FROM infraguard.activity_summary();
-- waits: background processes wait on their main loop events; this running session waits on nothing
SELECT bool_and(processes > 0 AND processes = cardinality(pids)) AS counted,
	   bool_or(pg_backend_pid() = ANY (pids)) AS self_listed
  FROM infraguard.activity_waits();
RESET application_name;
