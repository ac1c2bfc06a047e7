/*
 * Emergency tools: who blocks whom, what runs too long, and ending it.
 */

/*
 * One row per session waiting for a heavyweight lock.  pg_blocking_pids()
 * is called for waiting sessions only (it takes the lock manager's
 * partition locks, so not for every session on a busy server).  The root
 * blocker is the head of the wait chain, found by following the first
 * blocker until a session that waits for nobody; blocker_query and
 * blocker_state are the root blocker's, the session to act on.  A prepared
 * transaction holding the lock shows as root_blocker 0.
 */
CREATE OR REPLACE FUNCTION infraguard.blocking()
RETURNS TABLE (pid integer, username name, dbname name, blocked_by integer[],
			   root_blocker integer, lock_type text, lock_mode text, relation text,
			   wait_seconds float8, query text, blocker_query text, blocker_state text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH RECURSIVE waiting AS (
		SELECT a.pid, a.usename, a.datname, a.query, pg_blocking_pids(a.pid) AS blocked_by
		  FROM pg_stat_activity a
		 WHERE a.wait_event_type = 'Lock'
	), chain AS (
		SELECT w.pid AS start, w.blocked_by[1] AS head, ARRAY[w.pid] AS path
		  FROM waiting w
		 WHERE cardinality(w.blocked_by) > 0
		UNION ALL
		SELECT c.start, w.blocked_by[1], c.path || c.head
		  FROM chain c
		  JOIN waiting w ON w.pid = c.head
		 WHERE cardinality(w.blocked_by) > 0
		   AND NOT c.head = ANY (c.path)		-- a deadlock cycle, until the detector breaks it
	), root AS (
		SELECT DISTINCT ON (c.start) c.start, c.head
		  FROM chain c
		 ORDER BY c.start, cardinality(c.path) DESC
	)
	SELECT w.pid, w.usename, w.datname, w.blocked_by, r.head,
		   l.locktype, l.mode,
		   CASE WHEN l.relation IS NOT NULL THEN l.relation::regclass::text END,
		   round(extract(epoch FROM now() - l.waitstart)::numeric, 1)::float8,
		   left(btrim(regexp_replace(w.query, '\s+', ' ', 'g')), 200),
		   left(btrim(regexp_replace(b.query, '\s+', ' ', 'g')), 200),
		   CASE WHEN r.head = 0 THEN 'prepared transaction' ELSE b.state END
	  FROM waiting w
	  JOIN root r ON r.start = w.pid
	  LEFT JOIN pg_locks l ON l.pid = w.pid AND NOT l.granted
	  LEFT JOIN pg_stat_activity b ON b.pid = r.head
	 ORDER BY l.waitstart, w.pid
$$;
COMMENT ON FUNCTION infraguard.blocking() IS
	'Sessions waiting for a lock: who blocks them, the head of the wait chain, and what it is doing';
REVOKE ALL ON FUNCTION infraguard.blocking() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.blocking() TO pg_monitor;

CREATE OR REPLACE FUNCTION infraguard.check_duration(min_duration interval)
RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF min_duration IS NULL OR min_duration <= interval '0' OR min_duration > interval '100 years' THEN
		RAISE EXCEPTION 'min_duration must be a positive interval of at most 100 years, not %',
						coalesce(min_duration::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'For example: ''5 minutes''.';
	END IF;
END;
$$;
COMMENT ON FUNCTION infraguard.check_duration(interval) IS 'Internal: validate a duration argument';
REVOKE ALL ON FUNCTION infraguard.check_duration(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.check_duration(interval) TO pg_monitor, pg_signal_backend;

/*
 * Sessions whose running query, or open transaction, is older than
 * min_duration (ours excluded).
 */
CREATE OR REPLACE FUNCTION infraguard.long_running(min_duration interval DEFAULT '5 minutes')
RETURNS TABLE (pid integer, username name, dbname name, backend_type text, state text,
			   query_seconds float8, xact_seconds float8, wait_event text, query text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM infraguard.check_duration(min_duration);
	RETURN QUERY
	SELECT a.pid, a.usename, a.datname, a.backend_type, a.state,
		   CASE WHEN a.state = 'active'
				THEN round(extract(epoch FROM now() - a.query_start)::numeric, 1)::float8 END,
		   round(extract(epoch FROM now() - a.xact_start)::numeric, 1)::float8,
		   CASE WHEN a.wait_event IS NOT NULL THEN a.wait_event_type || ': ' || a.wait_event END,
		   left(btrim(regexp_replace(a.query, '\s+', ' ', 'g')), 200)
	  FROM pg_stat_activity a
	 WHERE a.pid <> pg_backend_pid()
	   AND ((a.state = 'active' AND a.query_start < now() - min_duration)
			OR a.xact_start < now() - min_duration)
	 ORDER BY least(a.query_start, a.xact_start), a.pid;
END;
$$;
COMMENT ON FUNCTION infraguard.long_running(interval) IS
	'Active queries and open transactions older than min_duration';
REVOKE ALL ON FUNCTION infraguard.long_running(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.long_running(interval) TO pg_monitor;

/*
 * End client sessions whose query or transaction is older than
 * min_duration.  Dry run by default: it says what it would end.  Never
 * this session, never autovacuum, WAL senders or other background
 * processes: only client backends.  Requires pg_signal_backend, and
 * pg_read_all_stats to see other roles' sessions (warned otherwise; as
 * pg_terminate_backend() itself, superuser to end a superuser's session);
 * every real termination is logged with who asked.
 */
CREATE OR REPLACE FUNCTION infraguard.terminate_long_running(min_duration interval,
												  dry_run boolean DEFAULT true)
RETURNS TABLE (pid integer, username name, dbname name, state text,
			   query_seconds float8, xact_seconds float8, query text, action text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	r record;
BEGIN
	PERFORM infraguard.check_duration(min_duration);
	IF dry_run IS NULL THEN
		RAISE EXCEPTION 'dry_run must not be NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass false to really terminate the sessions.';
	END IF;
	IF NOT pg_has_role(current_user, 'pg_signal_backend', 'USAGE') THEN
		RAISE EXCEPTION 'permission denied to terminate sessions'
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'Only roles with the privileges of pg_signal_backend may end other sessions.',
				  HINT = 'GRANT pg_signal_backend TO ' || quote_ident(current_user) || ';';
	END IF;
	IF NOT pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') THEN
		RAISE WARNING 'only your own sessions are visible to you, so only they can be listed'
			USING DETAIL = 'pg_stat_activity hides the state and times of other roles'' sessions.',
				  HINT = 'GRANT pg_monitor (or pg_read_all_stats) TO ' || quote_ident(current_user) || ';';
	END IF;

	FOR r IN
		SELECT a.pid, a.usename, a.datname, a.state, a.query_start, a.xact_start,
			   CASE WHEN a.state = 'active'
					THEN round(extract(epoch FROM now() - a.query_start)::numeric, 1)::float8 END AS qs,
			   round(extract(epoch FROM now() - a.xact_start)::numeric, 1)::float8 AS xs,
			   left(btrim(regexp_replace(a.query, '\s+', ' ', 'g')), 200) AS q
		  FROM pg_stat_activity a
		 WHERE a.backend_type = 'client backend'
		   AND a.pid <> pg_backend_pid()
		   AND ((a.state = 'active' AND a.query_start < now() - min_duration)
				OR a.xact_start < now() - min_duration)
		 ORDER BY least(a.query_start, a.xact_start), a.pid
	LOOP
		pid := r.pid;
		username := r.usename;
		dbname := r.datname;
		state := r.state;
		query_seconds := r.qs;
		xact_seconds := r.xs;
		query := r.q;
		IF dry_run THEN
			action := 'would terminate';
		ELSE
			BEGIN
				IF pg_terminate_backend(r.pid) THEN
					action := 'terminated';
					RAISE LOG 'infraguard: % terminated pid % (user %, database %, state %, transaction open % s): %',
						quote_ident(session_user), r.pid, quote_ident(r.usename), quote_ident(r.datname),
						r.state, r.xs, r.q;
				ELSE
					action := 'not terminated: the session is gone';
				END IF;
			EXCEPTION WHEN insufficient_privilege THEN
				action := 'not terminated: ' || SQLERRM;
			END;
		END IF;
		RETURN NEXT;
	END LOOP;
END;
$$;
COMMENT ON FUNCTION infraguard.terminate_long_running(interval, boolean) IS
	'End client sessions whose query or transaction is older than min_duration (dry run by default)';
REVOKE ALL ON FUNCTION infraguard.terminate_long_running(interval, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.terminate_long_running(interval, boolean) TO pg_signal_backend;
