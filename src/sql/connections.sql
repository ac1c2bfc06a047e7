/*
 * Connections: sessions by state, and usage against max_connections.
 */

/*
 * Sessions grouped by state.  Client sessions are grouped by their state and
 * timed since their last state change; background processes (autovacuum,
 * WAL senders, workers) are grouped by type apart, timed since they started.
 */
CREATE OR REPLACE FUNCTION infraguard.connections()
RETURNS TABLE (backend_group text, state text, count bigint,
			   avg_duration_seconds float8, max_duration_seconds float8)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT g.grp, g.st, count(*),
		   round(avg(g.secs)::numeric, 1)::float8,
		   round(max(g.secs)::numeric, 1)::float8
	  FROM (SELECT CASE WHEN a.backend_type = 'client backend' THEN 'client' ELSE 'background' END AS grp,
				   CASE WHEN a.backend_type = 'client backend' THEN coalesce(a.state, 'unknown')
						ELSE a.backend_type END AS st,
				   extract(epoch FROM now() - CASE WHEN a.backend_type = 'client backend'
												   THEN coalesce(a.state_change, a.backend_start)
												   ELSE a.backend_start END) AS secs
			  FROM pg_stat_activity a) g
	 GROUP BY g.grp, g.st
	 ORDER BY g.grp DESC, count(*) DESC, g.st
$$;
COMMENT ON FUNCTION infraguard.connections() IS
	'Sessions per state (clients) and per type (background processes), with time spent in that state';
REVOKE ALL ON FUNCTION infraguard.connections() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.connections() TO pg_monitor;

/*
 * Usable connections are what ordinary roles can get: max_connections less
 * superuser_reserved_connections.  Background workers and WAL senders have
 * their own limits and are not counted.
 */
CREATE OR REPLACE FUNCTION infraguard.connection_usage()
RETURNS TABLE (client_backends integer, max_connections integer,
			   reserved_connections integer, usable_connections integer,
			   used_pct float8)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT n.clients, s.max_conn, s.reserved, s.max_conn - s.reserved,
		   round((100.0 * n.clients / greatest(s.max_conn - s.reserved, 1))::numeric, 2)::float8
	  FROM (SELECT count(*)::integer AS clients
			  FROM pg_stat_activity
			 WHERE backend_type = 'client backend') n,
		   (SELECT current_setting('max_connections')::integer AS max_conn,
				   current_setting('superuser_reserved_connections')::integer AS reserved) s
$$;
COMMENT ON FUNCTION infraguard.connection_usage() IS
	'Client connections in use as a share of the connections ordinary roles can open';
REVOKE ALL ON FUNCTION infraguard.connection_usage() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.connection_usage() TO pg_monitor;
