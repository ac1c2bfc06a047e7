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
 * transaction holding the lock shows as root_blocker 0.  wait_seconds is
 * measured against the clock, not now(): called inside a transaction (as
 * terminate_blockers() may be), now() is that transaction's start and would
 * make every later wait negative.
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
		   round(extract(epoch FROM clock_timestamp() - l.waitstart)::numeric, 1)::float8,
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

/*
 * The one check of a duration argument: positive and at most 100 years.
 * argname and hint make the error name the caller's argument and show its
 * own example.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.check_duration(min_duration interval,
										argname text DEFAULT 'min_duration',
										hint text DEFAULT 'For example: ''5 minutes''.')
RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF min_duration IS NULL OR min_duration <= interval '0' OR min_duration > interval '100 years' THEN
		RAISE EXCEPTION '% must be a positive interval of at most 100 years, not %',
						argname, coalesce(min_duration::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = hint;
	END IF;
END;
$$;
COMMENT ON FUNCTION infraguard_internal.check_duration(interval, text, text) IS 'Internal: validate a duration argument';
REVOKE ALL ON FUNCTION infraguard_internal.check_duration(interval, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.check_duration(interval, text, text) TO pg_monitor, pg_signal_backend;

/*
 * The one check that the caller may end other sessions (the emergency
 * tools): EXECUTE on them is granted to pg_signal_backend only, but a
 * superuser can grant it to anyone; pg_terminate_backend() needs the
 * privileges of pg_signal_backend.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.require_signal_backend()
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT pg_has_role(current_user, 'pg_signal_backend', 'USAGE') THEN
		RAISE EXCEPTION 'permission denied to terminate sessions'
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'Only roles with the privileges of pg_signal_backend may end other sessions.',
				  HINT = 'GRANT pg_signal_backend TO ' || quote_ident(current_user) || ';';
	END IF;
END;
$$;
COMMENT ON FUNCTION infraguard_internal.require_signal_backend() IS 'Internal: refuse a caller without the privileges of pg_signal_backend';
REVOKE ALL ON FUNCTION infraguard_internal.require_signal_backend() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.require_signal_backend() TO pg_monitor, pg_signal_backend;

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
	PERFORM infraguard_internal.check_duration(min_duration);
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
	PERFORM infraguard_internal.check_duration(min_duration);
	IF dry_run IS NULL THEN
		RAISE EXCEPTION 'dry_run must not be NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass false to really terminate the sessions.';
	END IF;
	PERFORM infraguard_internal.require_signal_backend();
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

/*
 * End the ROOT blockers of lock waits older than min_wait: the sessions at
 * the head of each wait chain (blocking()'s root_blocker), not the waiters,
 * and not the sessions in the middle of a chain, which only wait themselves.
 * One row per root blocker with the victims (waiting pids, longest first)
 * that waited longer than min_wait.  Dry run by default.  Spared, and said
 * so: this session; a superuser's session unless the caller is a superuser
 * (pg_terminate_backend() would refuse anyway: this says it first, and in a
 * dry run too); anything but a client backend; a prepared transaction
 * (root_blocker 0), which only COMMIT/ROLLBACK PREPARED ends.  Requires
 * pg_signal_backend (EXECUTE is granted to it only), and pg_read_all_stats
 * to see other roles' queries.  A session is terminated only if it is still
 * the same one (pid and backend start) as when the chains were read; every
 * termination is logged with who asked.
 */
CREATE OR REPLACE FUNCTION infraguard.terminate_blockers(min_wait interval, dry_run boolean DEFAULT true)
RETURNS TABLE (pid integer, username name, dbname name, state text, victims integer[],
			   longest_wait_seconds float8, query text, action text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	r record;
	caller_is_superuser boolean;
BEGIN
	PERFORM infraguard_internal.check_duration(min_wait, 'min_wait',
									  'For example: SELECT * FROM infraguard.terminate_blockers(''30 seconds'');');
	IF dry_run IS NULL THEN
		RAISE EXCEPTION 'dry_run must not be NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass false to really terminate the blockers.';
	END IF;
	PERFORM infraguard_internal.require_signal_backend();
	IF NOT pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') THEN
		RAISE WARNING 'the queries of other roles'' sessions are hidden from you'
			USING DETAIL = 'pg_stat_activity hides the state and query of other roles'' sessions; the blockers are still found.',
				  HINT = 'GRANT pg_monitor (or pg_read_all_stats) TO ' || quote_ident(current_user) || ';';
	END IF;
	SELECT ro.rolsuper INTO caller_is_superuser FROM pg_roles ro WHERE ro.rolname = current_user;

	FOR r IN
		SELECT b.root_blocker AS pid,
			   array_agg(b.pid ORDER BY b.ordinality) AS victims,	-- longest wait first
			   max(b.wait_seconds) AS longest,
			   a.usename, a.datname, a.state, a.backend_type, a.backend_start,
			   left(btrim(regexp_replace(a.query, '\s+', ' ', 'g')), 200) AS q,
			   coalesce(ro.rolsuper, false) AS blocker_is_superuser
		  FROM infraguard.blocking() WITH ORDINALITY b
		  LEFT JOIN pg_stat_activity a ON a.pid = b.root_blocker
		  LEFT JOIN pg_roles ro ON ro.oid = a.usesysid
		 WHERE b.wait_seconds > extract(epoch FROM min_wait)
		 GROUP BY b.root_blocker, a.usename, a.datname, a.state, a.backend_type, a.backend_start,
				  a.query, ro.rolsuper
		 ORDER BY min(b.ordinality)
	LOOP
		pid := r.pid;
		username := r.usename;
		dbname := r.datname;
		state := CASE WHEN r.pid = 0 THEN 'prepared transaction' ELSE r.state END;
		victims := r.victims;
		longest_wait_seconds := r.longest;
		query := r.q;
		IF r.pid = 0 THEN
			action := 'spared: a prepared transaction holds the lock; end it with COMMIT PREPARED or ROLLBACK PREPARED (see pg_prepared_xacts)';
		ELSIF r.pid = pg_backend_pid() THEN
			action := 'spared: this session';
		ELSIF r.backend_type IS DISTINCT FROM 'client backend' THEN
			action := 'spared: not a client backend (' || coalesce(r.backend_type, 'gone') || ')';
		ELSIF r.blocker_is_superuser AND NOT caller_is_superuser THEN
			action := 'spared: a superuser''s session; only a superuser may end it';
		ELSIF dry_run THEN
			action := 'would terminate';
		ELSIF NOT EXISTS (SELECT 1 FROM pg_stat_activity a
						   WHERE a.pid = r.pid AND a.backend_start = r.backend_start) THEN
			action := 'not terminated: the session is gone';
		ELSE
			BEGIN
				IF pg_terminate_backend(r.pid) THEN
					action := 'terminated';
					RAISE LOG 'infraguard: % terminated pid % (user %, database %, state %), root blocker of pids % waiting up to % s for a lock: %',
						quote_ident(session_user), r.pid, quote_ident(r.usename), quote_ident(r.datname),
						r.state, r.victims, r.longest, r.q;
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
COMMENT ON FUNCTION infraguard.terminate_blockers(interval, boolean) IS
	'End the root blockers of lock waits older than min_wait (dry run by default; never this session, nor a superuser''s unless you are one)';
REVOKE ALL ON FUNCTION infraguard.terminate_blockers(interval, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.terminate_blockers(interval, boolean) TO pg_signal_backend;
