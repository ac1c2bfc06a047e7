/*
 * Server log events as rows (issue 15, part 1).
 *
 * The emit_log_hook (src/log_events.c) counts the messages a DBA greps the
 * log for into a ring in shared memory; each snapshot records what is new
 * there into log_event_history (drain_log_events()).  log_events() reads
 * both, so an event is visible as soon as it is logged, on a primary and on
 * a hot standby (where only memory is read: its history table is the
 * primary's, replicated, and the standby's own events are never recorded).
 *
 * Kinds: deadlock, lock_wait (log_lock_waits), temp_file (log_temp_files),
 * checkpoint (log_checkpoints: checkpoint or restartpoint complete),
 * autovacuum and autoanalyze (log_autovacuum_min_duration), statement_timeout,
 * lock_timeout, session_timeout (idle_in_transaction_session_timeout,
 * idle_session_timeout, transaction_timeout), recovery_conflict, disk_full,
 * out_of_memory, too_many_connections, auth_failure (a refused login:
 * SQLSTATE class 28 at FATAL).  Only what reaches the server log is counted:
 * a message below log_min_messages, or a setting that is off, logs nothing.
 *
 * excerpt: at most 279 bytes of the message (of a deadlock: of its
 * detail, the lock cycle; the statements are never kept), on one line,
 * in the server's language.  The kinds counted carry object names, numbers
 * and file paths in their messages, not row values.
 */

CREATE OR REPLACE FUNCTION infraguard_internal.log_events_memory()
RETURNS TABLE (server_started timestamptz, seq bigint, logged_at timestamptz, kind text,
			   sqlstate text, level text, pid integer, dboid oid, dbname text, username text,
			   client_addr text, query_id bigint, excerpt text)
AS 'MODULE_PATHNAME', 'infraguard_log_events_memory'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION infraguard_internal.log_events_memory() IS
	'Internal: the server log events still in shared memory, oldest first';
REVOKE ALL ON FUNCTION infraguard_internal.log_events_memory() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.log_events_memory() TO pg_monitor;

CREATE OR REPLACE FUNCTION infraguard.log_event_totals()
RETURNS TABLE (kind text, total bigint, since timestamptz, memory_slots integer)
AS 'MODULE_PATHNAME', 'infraguard_log_event_totals'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION infraguard.log_event_totals() IS
	'Server log events of each kind counted since the server started (exact, even for events no longer in memory)';
REVOKE ALL ON FUNCTION infraguard.log_event_totals() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.log_event_totals() TO pg_monitor;

/* true when the hook runs (the library is preloaded: its setting exists) */
CREATE OR REPLACE FUNCTION infraguard_internal.log_events_counted()
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT EXISTS (SELECT 1 FROM pg_settings WHERE name = 'infraguard.log_events_max')
$$;
COMMENT ON FUNCTION infraguard_internal.log_events_counted() IS
	'Internal: whether server log events are counted (infraguard is in shared_preload_libraries)';
REVOKE ALL ON FUNCTION infraguard_internal.log_events_counted() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.log_events_counted() TO pg_monitor;

/*
 * Record the events of this server run that are in memory and not yet in
 * history.  Events overwritten before they were recorded (more than
 * infraguard.log_events_max between two snapshots) become one row of kind
 * 'lost' saying how many.  A no-op on a standby and without the library.
 * Returns the rows written.  Called by snapshot_cycle().
 */
CREATE OR REPLACE FUNCTION infraguard_internal.drain_log_events(now_ts timestamptz DEFAULT now())
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	started timestamptz := pg_postmaster_start_time();
	last_seq bigint;
	n integer;
BEGIN
	IF now_ts IS NULL THEN
		RAISE EXCEPTION 'now_ts must not be NULL'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Pass the snapshot''s time, or nothing for now().';
	END IF;
	IF pg_is_in_recovery() OR NOT infraguard_internal.log_events_counted() THEN
		RETURN 0;
	END IF;
	SELECT coalesce(max(h.seq), 0) INTO last_seq
	  FROM infraguard.log_event_history h
	 WHERE h.server_started = started;

	/* memory is read once; a gap before its oldest new event was overwritten */
	WITH m AS MATERIALIZED (
		SELECT * FROM infraguard_internal.log_events_memory() e WHERE e.seq > last_seq
	), lost AS (
		INSERT INTO infraguard.log_event_history
			   (taken_at, server_started, seq, logged_at, kind, sqlstate, level, excerpt)
		SELECT now_ts, started, last_seq + 1, f.first_at, 'lost', '00000', 'LOG',
			   format('%s events overwritten in memory before a snapshot recorded them (infraguard.log_events_max is %s)',
					  f.first_seq - last_seq - 1, current_setting('infraguard.log_events_max'))
		  FROM (SELECT min(m.seq) AS first_seq, min(m.logged_at) AS first_at FROM m) f
		 WHERE f.first_seq > last_seq + 1
		RETURNING 1
	), recorded AS (
		INSERT INTO infraguard.log_event_history
			   (taken_at, server_started, seq, logged_at, kind, sqlstate, level, pid, dbname, username,
				client_addr, query_id, excerpt)
		SELECT now_ts, m.server_started, m.seq, m.logged_at, m.kind, m.sqlstate, m.level, m.pid,
			   coalesce(m.dbname::name, db.datname), m.username::name, m.client_addr, m.query_id, m.excerpt
		  FROM m
		  LEFT JOIN pg_database db ON db.oid = m.dboid
		RETURNING 1
	)
	SELECT (SELECT count(*) FROM lost) + (SELECT count(*) FROM recorded) INTO n;
	RETURN n;
END;
$$;
COMMENT ON FUNCTION infraguard_internal.drain_log_events(timestamptz) IS
	'Internal: record the server log events in shared memory that history does not have yet (each snapshot calls it)';
REVOKE ALL ON FUNCTION infraguard_internal.drain_log_events(timestamptz) FROM PUBLIC;

/*
 * Every event logged since a time: recorded ones from history, newer ones
 * from memory (recorded = false), oldest first.
 */
CREATE OR REPLACE FUNCTION infraguard.log_events(since timestamptz DEFAULT now() - interval '1 hour')
RETURNS TABLE (logged_at timestamptz, kind text, sqlstate text, level text, pid integer,
			   dbname name, username name, client_addr text, query_id bigint, excerpt text,
			   recorded boolean, server_started timestamptz, seq bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	IF since IS NULL THEN
		RAISE EXCEPTION 'since must not be NULL'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Pass the time to list events from, for example now() - interval ''1 hour''.';
	END IF;
	IF NOT infraguard_internal.log_events_counted() THEN
		/* not preloaded (any more): what history recorded before */
		RETURN QUERY
		SELECT h.logged_at, h.kind, h.sqlstate, h.level, h.pid, h.dbname, h.username, h.client_addr,
			   h.query_id, h.excerpt, true, h.server_started, h.seq
		  FROM infraguard.log_event_history h
		 WHERE h.logged_at >= since
		 ORDER BY 1, 13;
		RETURN;
	END IF;
	RETURN QUERY
	SELECT h.logged_at, h.kind, h.sqlstate, h.level, h.pid, h.dbname, h.username, h.client_addr,
		   h.query_id, h.excerpt, true, h.server_started, h.seq
	  FROM infraguard.log_event_history h
	 WHERE h.logged_at >= since
	UNION ALL
	SELECT m.logged_at, m.kind, m.sqlstate, m.level, m.pid, coalesce(m.dbname::name, db.datname),
		   m.username::name, m.client_addr, m.query_id, m.excerpt, false, m.server_started, m.seq
	  FROM infraguard_internal.log_events_memory() m
	  LEFT JOIN pg_database db ON db.oid = m.dboid
	 WHERE m.logged_at >= since
	   AND NOT EXISTS (SELECT 1 FROM infraguard.log_event_history h
						WHERE h.server_started = m.server_started AND h.seq = m.seq)
	 ORDER BY 1, 13;
END;
$$;
COMMENT ON FUNCTION infraguard.log_events(timestamptz) IS
	'Server log events (deadlocks, lock waits, temp files, checkpoints, autovacuum, timeouts, refused logins ...) since a time, from history and memory';
REVOKE ALL ON FUNCTION infraguard.log_events(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.log_events(timestamptz) TO pg_monitor;

/* events of each kind per interval (bucket), buckets aligned on since */
CREATE OR REPLACE FUNCTION infraguard.log_event_counts(since timestamptz DEFAULT now() - interval '1 day',
										   bucket interval DEFAULT '1 hour')
RETURNS TABLE (bucket_start timestamptz, kind text, events bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	IF bucket IS NULL OR bucket <= interval '0' OR bucket > interval '366 days'
	   OR extract(month FROM bucket) <> 0 OR extract(year FROM bucket) <> 0 THEN
		RAISE EXCEPTION 'bucket must be a positive interval of days or less, not %', coalesce(bucket::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Pass an interval such as ''5 minutes'', ''1 hour'' or ''1 day''.';
	END IF;
	RETURN QUERY
	SELECT date_bin(bucket, e.logged_at, since), e.kind, count(*)
	  FROM infraguard.log_events(since) e
	 WHERE e.kind <> 'lost'
	 GROUP BY 1, 2
	 ORDER BY 1, 2;
END;
$$;
COMMENT ON FUNCTION infraguard.log_event_counts(timestamptz, interval) IS
	'Server log events of each kind per interval since a time';
REVOKE ALL ON FUNCTION infraguard.log_event_counts(timestamptz, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.log_event_counts(timestamptz, interval) TO pg_monitor;

/* refused logins by user and client address: a security signal */
CREATE OR REPLACE FUNCTION infraguard.auth_failures(since timestamptz DEFAULT now() - interval '1 day')
RETURNS TABLE (username name, client_addr text, failures bigint, first_at timestamptz,
			   last_at timestamptz, sqlstates text[])
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT e.username, e.client_addr, count(*), min(e.logged_at), max(e.logged_at),
		   array_agg(DISTINCT e.sqlstate ORDER BY e.sqlstate)
	  FROM infraguard.log_events(since) e
	 WHERE e.kind = 'auth_failure'
	 GROUP BY e.username, e.client_addr
	 ORDER BY 3 DESC, 1, 2
$$;
COMMENT ON FUNCTION infraguard.auth_failures(timestamptz) IS
	'Refused logins (authentication failures, unknown roles, no pg_hba.conf entry) by user and client address since a time';
REVOKE ALL ON FUNCTION infraguard.auth_failures(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.auth_failures(timestamptz) TO pg_monitor;
