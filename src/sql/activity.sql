/*
 * Who is connected and what they wait on, at this moment.
 */

/*
 * activity(): every client session (and, with include_background, every
 * other process), longest running first.  blocked_by comes from
 * pg_blocking_pids(), which takes the lock manager's locks: it is asked
 * only for sessions waiting on a heavyweight lock (wait_event_type 'Lock'),
 * so a busy server with no lock waits pays nothing for it.  client is the
 * address and port, or 'local socket'.  Queries are shown whole, as
 * pg_stat_activity has them (track_activity_query_size).
 */
CREATE OR REPLACE FUNCTION infraguard.activity(include_background boolean DEFAULT false)
RETURNS TABLE (pid integer, dbname name, username name, application_name text, client text,
			   backend_type text, state text, wait_event_type text, wait_event text,
			   backend_seconds float8, xact_seconds float8, query_seconds float8, state_seconds float8,
			   blocked_by integer[], query text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT a.pid, a.datname, a.usename, a.application_name,
		   CASE WHEN a.client_addr IS NULL THEN
					CASE WHEN a.client_port = -1 THEN 'local socket' END
				ELSE coalesce(a.client_hostname, host(a.client_addr)) || ':' || a.client_port END,
		   a.backend_type, a.state, a.wait_event_type, a.wait_event,
		   round(extract(epoch FROM now() - a.backend_start)::numeric, 1)::float8,
		   round(extract(epoch FROM now() - a.xact_start)::numeric, 1)::float8,
		   /* a query's age only while it runs; for idle sessions, see state_seconds */
		   CASE WHEN a.state IN ('active', 'fastpath function call')
				THEN round(extract(epoch FROM now() - a.query_start)::numeric, 1)::float8 END,
		   round(extract(epoch FROM now() - a.state_change)::numeric, 1)::float8,
		   CASE WHEN a.wait_event_type = 'Lock' THEN pg_blocking_pids(a.pid) END,
		   a.query
	  FROM pg_stat_activity a
	 WHERE a.backend_type = 'client backend' OR coalesce(include_background, false)
	 ORDER BY (a.state = 'active') DESC NULLS LAST, a.query_start NULLS LAST, a.pid
$$;
COMMENT ON FUNCTION infraguard.activity(boolean) IS
	'Live sessions: database, user, application, client, state, wait event, durations, blocking pids and query, running ones first';
REVOKE ALL ON FUNCTION infraguard.activity(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.activity(boolean) TO pg_monitor;

/*
 * activity_summary(): client sessions grouped by database, user,
 * application and state, with how many wait and how old the oldest state
 * and transaction are.
 */
CREATE OR REPLACE FUNCTION infraguard.activity_summary()
RETURNS TABLE (dbname name, username name, application_name text, state text, sessions bigint,
			   waiting bigint, oldest_state_seconds float8, oldest_xact_seconds float8)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT a.datname, a.usename, a.application_name, coalesce(a.state, 'unknown'), count(*),
		   count(*) FILTER (WHERE a.wait_event_type IS NOT NULL AND a.state = 'active'),
		   round(extract(epoch FROM now() - min(a.state_change))::numeric, 1)::float8,
		   round(extract(epoch FROM now() - min(a.xact_start))::numeric, 1)::float8
	  FROM pg_stat_activity a
	 WHERE a.backend_type = 'client backend'
	 GROUP BY a.datname, a.usename, a.application_name, a.state
	 ORDER BY count(*) DESC, a.datname, a.usename, a.application_name, a.state
$$;
COMMENT ON FUNCTION infraguard.activity_summary() IS
	'Client sessions per database, user, application and state, with waiting sessions and the oldest state and transaction';
REVOKE ALL ON FUNCTION infraguard.activity_summary() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.activity_summary() TO pg_monitor;

/*
 * activity_waits(): what every process waits on at this moment, by wait
 * event: a single sample (for waits over time, sample it repeatedly or use
 * a wait-sampling extension).  Idle client sessions wait on ClientRead by
 * definition and are left out: they are not waits on the server.
 */
CREATE OR REPLACE FUNCTION infraguard.activity_waits()
RETURNS TABLE (wait_event_type text, wait_event text, processes bigint, client_sessions bigint,
			   backend_types text[], pids integer[])
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT a.wait_event_type, a.wait_event, count(*),
		   count(*) FILTER (WHERE a.backend_type = 'client backend'),
		   array_agg(DISTINCT a.backend_type ORDER BY a.backend_type),
		   array_agg(a.pid ORDER BY a.pid)
	  FROM pg_stat_activity a
	 WHERE a.wait_event IS NOT NULL
	   AND NOT (a.backend_type = 'client backend' AND a.state LIKE 'idle%')
	 GROUP BY a.wait_event_type, a.wait_event
	 ORDER BY count(*) DESC, a.wait_event_type, a.wait_event
$$;
COMMENT ON FUNCTION infraguard.activity_waits() IS
	'Processes per wait event at this moment (idle client sessions left out)';
REVOKE ALL ON FUNCTION infraguard.activity_waits() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.activity_waits() TO pg_monitor;
