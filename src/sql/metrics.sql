/*
 * current_metrics(): the value behind every health check, measured now.
 *
 * One row per metric, whether or not a threshold exists for it.  A metric
 * that cannot be measured has value NULL and a detail saying why and what
 * would make it measurable; it is never given a placeholder number.
 * action, when set, is what to do about this very reading (the table
 * named, the statement to run), and replaces the threshold's general
 * action.  health() classifies these rows, and the background worker
 * records them.  action is reset after each row, so that a row never
 * inherits the previous one's.
 */

CREATE OR REPLACE FUNCTION infraguard.current_metrics()
RETURNS TABLE (metric text, value float8, unit text, detail text, action text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	r record;
	n bigint;
	usage record;
	rel text;
	p95 float8;
	p95_at timestamptz;
	found_here boolean;
	other_db text;
	n_other bigint;
	stale_after interval := greatest(3 * infraguard_internal.setting('infraguard.snapshot_interval')::interval,
									 interval '5 minutes');
	/* each metric's unit is the registry's (src/sql/metric_catalog.sql) */
	units constant jsonb := (SELECT jsonb_object_agg(c.metric, c.unit) FROM infraguard.metric_catalog c);
BEGIN
	/* connections, as a share of what non-superusers can actually get */
	SELECT * INTO usage FROM infraguard.connection_usage();
	metric := 'connection_count';
	value := usage.used_pct;
	unit := units ->> metric;
	detail := format('%s of %s usable connections in use (max_connections %s, %s reserved)',
					 usage.client_backends, usage.usable_connections,
					 usage.max_connections, usage.reserved_connections);
	RETURN NEXT;
	action := NULL;

	/*
	 * Wraparound: the worse of transaction ids and multixact ids, as a share
	 * of the 2^31 distance at which the server stops accepting writes.
	 */
	SELECT d.datname,
		   age(d.datfrozenxid) AS xid_age,
		   mxid_age(d.datminmxid) AS mxid_age
	  INTO r
	  FROM pg_database d
	 ORDER BY greatest(age(d.datfrozenxid), mxid_age(d.datminmxid)) DESC
	 LIMIT 1;
	metric := 'xid_wraparound';
	value := round((100.0 * greatest(r.xid_age, r.mxid_age) / 2147483648)::numeric, 2);
	unit := units ->> metric;
	detail := format('oldest database %s: transaction id age %s, multixact age %s (autovacuum_freeze_max_age %s)',
					 quote_ident(r.datname), r.xid_age, r.mxid_age,
					 current_setting('autovacuum_freeze_max_age'));
	RETURN NEXT;
	action := NULL;

	/* buffer cache hit ratio, server-wide since statistics were reset */
	SELECT sum(d.blks_hit) AS hit, sum(d.blks_read) AS read
	  INTO r
	  FROM pg_stat_database d;
	metric := 'cache_hit_ratio';
	unit := units ->> metric;
	IF coalesce(r.hit + r.read, 0) < 1000 THEN
		value := NULL;
		detail := format('only %s block requests since statistics were reset; too few to judge (known after 1000)',
						 coalesce(r.hit + r.read, 0));
	ELSE
		value := round((100.0 * r.hit / (r.hit + r.read))::numeric, 2);
		detail := format('%s of %s block requests served from shared buffers', r.hit, r.hit + r.read);
	END IF;
	RETURN NEXT;
	action := NULL;

	/*
	 * Dead tuples: the worst table of at least 10,000 rows in this database,
	 * and in the other databases as the worker's collectors last found them
	 * (infraguard.databases; findings older than three intervals are stale:
	 * that database could not be read lately).  Smaller tables are cheap to
	 * vacuum and their ratios swing wildly.  One query of one row type: r
	 * must keep its types from call to call (plpgsql caches the plans that
	 * read its fields).
	 */
	SELECT count(*) INTO n_other
	  FROM infraguard.database_findings f
	 WHERE f.finding = 'dead_tuples' AND f.database_name <> current_database()
	   AND f.collected_at > now() - stale_after;
	SELECT w.*
	  INTO r
	  FROM (SELECT NULL::text AS datname, s.schemaname::text, s.relname::text, s.n_live_tup, s.n_dead_tup,
				   (100.0 * s.n_dead_tup / (s.n_live_tup + s.n_dead_tup))::float8 AS pct,
				   coalesce((SELECT o.option_value::boolean FROM pg_class c, pg_options_to_table(c.reloptions) o
							  WHERE c.oid = s.relid AND o.option_name = 'autovacuum_enabled'), true) AS table_autovacuum,
				   greatest(s.last_autovacuum, s.last_vacuum) AS vacuumed_at
			  FROM pg_stat_user_tables s
			 WHERE s.n_live_tup + s.n_dead_tup >= 10000
			UNION ALL
			SELECT f.database_name, x.*
			  FROM infraguard.database_findings f
			 CROSS JOIN LATERAL jsonb_to_record(f.data) AS x(schemaname text, relname text, n_live_tup bigint,
															  n_dead_tup bigint, pct float8, table_autovacuum boolean,
															  vacuumed_at timestamptz)
			 WHERE f.finding = 'dead_tuples' AND jsonb_typeof(f.data) = 'object'
			   AND f.database_name <> current_database()
			   AND f.collected_at > now() - stale_after) w
	 ORDER BY w.pct DESC, w.n_dead_tup DESC, w.datname NULLS FIRST
	 LIMIT 1;
	found_here := FOUND;
	other_db := CASE WHEN found_here THEN r.datname END;
	metric := 'dead_tuple_ratio';
	unit := units ->> metric;
	IF found_here THEN
		value := round(r.pct::numeric, 2);
		rel := format('%I.%I', r.schemaname, r.relname);
		detail := format('%s: %s dead of %s tuples in database %s%s',
						 CASE WHEN other_db IS NULL THEN rel ELSE quote_ident(other_db) || '.' || rel END,
						 r.n_dead_tup, r.n_live_tup + r.n_dead_tup, quote_ident(coalesce(other_db, current_database())),
						 CASE WHEN NOT r.table_autovacuum THEN '; autovacuum is disabled on this table (autovacuum_enabled = off)'
							  WHEN current_setting('autovacuum') = 'off' THEN '; autovacuum is off on this server'
							  ELSE coalesce('; last vacuumed at ' || date_trunc('second', r.vacuumed_at), '; never vacuumed') END);
		/* what to do follows from why the dead rows stay */
		action := CASE
			WHEN NOT r.table_autovacuum THEN
				format('Autovacuum is disabled on %1$s: re-enable it with ALTER TABLE %1$s RESET (autovacuum_enabled); and vacuum it now: VACUUM (ANALYZE) %1$s;', rel)
			WHEN current_setting('autovacuum') = 'off' THEN
				format('Autovacuum is off for the whole server: set autovacuum = on in postgresql.conf and reload; vacuum the table now: VACUUM (ANALYZE) %s;', rel)
			ELSE
				format('VACUUM (ANALYZE) %1$s; if dead rows stay, something holds back the xmin horizon (SELECT * FROM infraguard.long_running(''1 minute''); SELECT * FROM infraguard.replication_slots();); if autovacuum is only late, lower its threshold for the table: ALTER TABLE %1$s SET (autovacuum_vacuum_scale_factor = 0.05);', rel)
		END;
		/* a table of another database: its statements run there */
		IF other_db IS NOT NULL THEN
			action := format('In database %s (psql -d %s): %s', quote_ident(other_db), quote_ident(other_db), action);
		END IF;
	ELSE
		value := NULL;
		detail := format('no table in database %s%s has 10000 rows or more (smaller tables are not judged); known once one has',
						 quote_ident(current_database()),
						 CASE WHEN n_other > 0 THEN format(' nor in the %s other databases read lately', n_other) ELSE '' END);
	END IF;
	RETURN NEXT;
	action := NULL;

	/* the longest running active query of any client other than us */
	SELECT a.pid, extract(epoch FROM now() - a.query_start) AS secs
	  INTO r
	  FROM pg_stat_activity a
	 WHERE a.backend_type = 'client backend'
	   AND a.state = 'active'
	   AND a.pid <> pg_backend_pid()
	 ORDER BY a.query_start
	 LIMIT 1;
	metric := 'long_running_query';
	unit := units ->> metric;
	IF FOUND THEN
		value := round(greatest(r.secs, 0)::numeric, 1);
		detail := format('longest active query: pid %s, running %s s', r.pid, value);
	ELSE
		value := 0;
		detail := 'no other query is running';
	END IF;
	RETURN NEXT;
	action := NULL;

	/* the oldest session idle inside an open transaction */
	SELECT a.pid, extract(epoch FROM now() - a.state_change) AS secs
	  INTO r
	  FROM pg_stat_activity a
	 WHERE a.state IN ('idle in transaction', 'idle in transaction (aborted)')
	 ORDER BY a.state_change
	 LIMIT 1;
	metric := 'idle_in_transaction';
	unit := units ->> metric;
	IF FOUND THEN
		value := round(greatest(r.secs, 0)::numeric, 1);
		detail := format('pid %s idle in transaction for %s s', r.pid, value);
	ELSE
		value := 0;
		detail := 'no session is idle in a transaction';
	END IF;
	RETURN NEXT;
	action := NULL;

	/*
	 * Sessions waiting for a heavyweight lock.  The wait event is read from
	 * pg_stat_activity, which takes no lock manager lock; blocking chains are
	 * pg_blocking_pids()' job, which is too costly for every check.
	 */
	SELECT count(*) INTO n
	  FROM pg_stat_activity a
	 WHERE a.wait_event_type = 'Lock';
	metric := 'blocked_sessions';
	value := n;
	unit := units ->> metric;
	detail := format('%s sessions waiting for a lock', n);
	RETURN NEXT;
	action := NULL;

	/*
	 * The longest current lock wait, by duration: two sessions stuck for a
	 * minute are an incident that a count of 2 does not show.  The waiter
	 * and the root blocker (the head of its wait chain, the session to act
	 * on) come from blocking(), which calls pg_blocking_pids() and reads
	 * pg_locks.waitstart: only when pg_stat_activity (no lock manager lock)
	 * shows a lock wait at all, so an idle server pays nothing for it.
	 */
	metric := 'lock_wait_seconds';
	unit := units ->> metric;
	IF n > 0 THEN
		SELECT b.pid, b.username, b.wait_seconds, b.lock_mode, b.lock_type, b.relation,
			   b.root_blocker, b.blocker_state, b.blocker_query, ra.usename AS root_user
		  INTO r
		  FROM infraguard.blocking() WITH ORDINALITY b
		  LEFT JOIN pg_stat_activity ra ON ra.pid = b.root_blocker
		 WHERE b.wait_seconds IS NOT NULL
		 ORDER BY b.ordinality		-- blocking() lists the longest wait first (unrounded)
		 LIMIT 1;
	END IF;
	/* (FOUND is the SELECT's only when it ran: n > 0 guards it) */
	IF n > 0 AND FOUND THEN
		value := greatest(r.wait_seconds, 0);
		detail := format('pid %s (%s) has waited %s s for %s on %s; root blocker: %s',
						 r.pid, coalesce(quote_ident(r.username), 'unknown user'), value, r.lock_mode,
						 coalesce(r.relation, r.lock_type),
						 CASE WHEN r.root_blocker = 0 THEN 'a prepared transaction (pg_prepared_xacts)'
							  ELSE format('pid %s (%s, %s): %s', r.root_blocker,
										  coalesce(quote_ident(r.root_user), 'unknown user'),
										  coalesce(r.blocker_state, 'state not visible'),
										  coalesce(r.blocker_query, 'query not visible')) END);
	ELSE
		value := 0;
		detail := 'no session is waiting for a lock';
	END IF;
	RETURN NEXT;

	/*
	 * The xmin horizon: how many transaction ids old the oldest holder of
	 * it is (vacuum_blockers() lists them all): dead rows younger than it
	 * cannot be removed by any VACUUM.
	 */
	SELECT b.kind, b.name, b.dbname, b.xid_age, b.scope, b.action, b.advice
	  INTO r
	  FROM infraguard.vacuum_blockers() b
	 ORDER BY b.rank
	 LIMIT 1;
	metric := 'xmin_horizon_age';
	unit := units ->> metric;
	IF FOUND THEN
		value := r.xid_age;
		detail := format('oldest holder of the xmin horizon: %s %s%s, %s transaction ids old (holds %s)',
						 replace(r.kind, '_', ' '), r.name, coalesce(' in database ' || quote_ident(r.dbname), ''),
						 r.xid_age, r.scope);
		action := coalesce(r.action || ' ', '') || r.advice || '; every holder: SELECT * FROM infraguard.vacuum_blockers();';
	ELSE
		value := 0;
		detail := 'nothing holds back the xmin horizon';
	END IF;
	RETURN NEXT;
	action := NULL;

	/*
	 * Deadlocks and refused logins in the last hour, from the log hook
	 * (log_events(): history and memory, so a standby counts its own).
	 */
	IF infraguard_internal.log_events_counted() THEN
		SELECT count(*) FILTER (WHERE e.kind = 'deadlock') AS deadlocks,
			   count(*) FILTER (WHERE e.kind = 'auth_failure') AS auth_failures,
			   (SELECT format('%s from %s (%s times)', coalesce(quote_ident(a.username), 'unknown user'),
							  coalesce(a.client_addr, 'the local socket'), a.failures)
				  FROM infraguard.auth_failures(now() - interval '1 hour') a LIMIT 1) AS top_auth
		  INTO r
		  FROM infraguard.log_events(now() - interval '1 hour') e
		 WHERE e.kind IN ('deadlock', 'auth_failure');
	END IF;
	metric := 'deadlocks';
	unit := units ->> metric;
	IF NOT infraguard_internal.log_events_counted() THEN
		value := NULL;
		detail := 'not measured: deadlocks are counted by infraguard''s log hook, which needs infraguard in shared_preload_libraries';
	ELSE
		value := r.deadlocks;
		detail := format('%s deadlocks logged in the last hour', r.deadlocks);
	END IF;
	RETURN NEXT;
	action := NULL;
	metric := 'auth_failures';
	unit := units ->> metric;
	IF NOT infraguard_internal.log_events_counted() THEN
		value := NULL;
		detail := 'not measured: refused logins are counted by infraguard''s log hook, which needs infraguard in shared_preload_libraries';
	ELSE
		value := r.auth_failures;
		detail := format('%s refused logins in the last hour%s', r.auth_failures,
						 coalesce('; most: ' || r.top_auth, ''));
	END IF;
	RETURN NEXT;
	action := NULL;

	/* replication lag: of this standby, or of the slowest standby */
	metric := 'replication_lag';
	unit := units ->> metric;
	IF pg_is_in_recovery() THEN
		/*
		 * Behind when WAL was received but not replayed, or when replay is
		 * paused (the WAL receiver may not have fetched what is waiting
		 * yet): then the lag is the age of the last replayed commit, at the
		 * moment of reading.  Caught up and running: 0, however old that
		 * commit is (an idle primary sends nothing to replay).
		 */
		SELECT pg_get_wal_replay_pause_state() <> 'not paused' AS paused,
			   coalesce(pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn(), false) AS pending,
			   pg_last_xact_replay_timestamp() AS replayed_at
		  INTO r;
		IF NOT r.paused AND NOT r.pending THEN
			value := 0;
			detail := 'standby has replayed all WAL it received';
		ELSIF r.replayed_at IS NULL THEN
			value := NULL;
			detail := format('standby replay is %s, and no transaction was replayed since it started: the delay is unknown',
							 CASE WHEN r.paused THEN 'paused' ELSE 'behind' END);
			action := 'Check the standby''s log and pg_stat_wal_receiver; resume a paused replay with SELECT pg_wal_replay_resume();';
		ELSE
			value := round(extract(epoch FROM clock_timestamp() - r.replayed_at)::numeric, 1);
			detail := format('standby replay is %s; the last replayed transaction committed at %s',
							 CASE WHEN r.paused THEN 'paused (pg_wal_replay_pause())' ELSE 'behind' END,
							 date_trunc('second', r.replayed_at));
			action := CASE WHEN r.paused
						   THEN 'Replay is paused on this standby: resume it with SELECT pg_wal_replay_resume();'
						   ELSE 'Replay is behind: look for conflicts and long queries on the standby (SELECT * FROM pg_stat_database_conflicts;) and its I/O' END;
		END IF;
	ELSE
		SELECT r2.application_name,
			   extract(epoch FROM coalesce(r2.replay_lag, r2.flush_lag, r2.write_lag, interval '0')) AS secs
		  INTO r
		  FROM pg_stat_replication r2
		 ORDER BY 2 DESC
		 LIMIT 1;
		IF FOUND THEN
			value := round(r.secs::numeric, 1);
			detail := format('slowest standby %s is %s s behind', quote_ident(r.application_name), value);
		ELSE
			value := NULL;
			detail := 'no standby is connected to this primary; measured once one streams from it (without standbys, turn the check off: SELECT infraguard.disable_threshold(''replication_lag'');)';
		END IF;
	END IF;
	RETURN NEXT;
	action := NULL;

	/* WAL kept by replication slots nobody consumes */
	SELECT count(*) AS n, max(s.retained_wal_bytes) AS worst,
		   (array_agg(s.slot_name ORDER BY s.retained_wal_bytes DESC NULLS LAST))[1] AS slot
	  INTO r
	  FROM infraguard.replication_slots() s
	 WHERE NOT s.active;
	metric := 'inactive_slot_retained_wal';
	unit := units ->> metric;
	value := round(coalesce(r.worst, 0) / 1048576.0, 1);
	detail := CASE WHEN r.n = 0 THEN 'no inactive replication slot'
				   ELSE format('%s inactive slots; %s retains %s MB of WAL', r.n, quote_ident(r.slot), value) END;
	RETURN NEXT;
	action := NULL;

	/* estimated bloat of the worst table of at least 8 MB in this database */
	SELECT b.schema_name, b.object_name, b.bloat_pct, b.estimated_bloat, b.size,
		   c.reltoastrelid <> 0 AS has_toast
	  INTO r
	  /* only the tables of 8 MB or more are estimated, not every table and index */
	  FROM infraguard_internal.bloat_estimate(8 * 1024 * 1024, false) b
	  JOIN pg_namespace ns ON ns.nspname = b.schema_name
	  JOIN pg_class c ON c.relnamespace = ns.oid AND c.relname = b.object_name
	 WHERE b.kind = 'table' AND b.size_bytes >= 8 * 1024 * 1024 AND b.bloat_pct IS NOT NULL
	 ORDER BY b.bloat_pct DESC
	 LIMIT 1;
	metric := 'table_bloat';
	unit := units ->> metric;
	IF FOUND THEN
		value := r.bloat_pct;
		rel := format('%I.%I', r.schema_name, r.object_name);
		detail := format('%s: estimated %s of %s%s is free space a rewrite would give back', rel,
						 r.estimated_bloat, r.size, CASE WHEN r.has_toast THEN ' (with its toast)' ELSE '' END);
		action := format('Rewrite %1$s: pg_repack (online), or VACUUM FULL %1$s; in a maintenance window (it locks the table); then check why it bloated: SELECT * FROM infraguard.table_health();', rel);
	ELSE
		value := NULL;
		detail := format('no analysed table of 8 MB or more in database %s; known once one is analysed (ANALYZE, or autovacuum)',
						 quote_ident(current_database()));
	END IF;
	RETURN NEXT;
	action := NULL;

	/* WAL archiving */
	SELECT * INTO r FROM infraguard.backup_status();
	metric := 'archive_failures';
	unit := units ->> metric;
	IF NOT r.archiving_configured THEN
		value := NULL;
		detail := 'not measured: WAL archiving is off (archive_mode, archive_command/archive_library); configure archiving to have it checked, or turn the check off: SELECT infraguard.disable_threshold(''archive_failures'');';
	ELSE
		value := CASE WHEN r.failing THEN 1 ELSE 0 END;
		detail := CASE WHEN r.failing
					   THEN format('archiving %s failed at %s (%s failures since %s)', r.last_failed_wal,
								   r.last_failed_time, r.failed_count, coalesce(r.stats_reset::text, 'the start'))
					   ELSE format('%s failures since %s, none since the last success', r.failed_count,
								   coalesce(r.stats_reset::text, 'the start')) END;
	END IF;
	RETURN NEXT;
	action := NULL;
	metric := 'last_archive_age';
	unit := units ->> metric;
	IF NOT r.archiving_configured THEN
		value := NULL;
		detail := 'not measured: WAL archiving is off (archive_mode, archive_command/archive_library); configure archiving to have it checked, or turn the check off: SELECT infraguard.disable_threshold(''last_archive_age'');';
	ELSIF r.last_archived_time IS NULL THEN
		value := NULL;
		detail := 'no WAL segment archived since statistics were reset; known after the first (SELECT pg_switch_wal(); forces one)';
	ELSE
		value := r.seconds_since_last_archive;
		detail := format('%s archived at %s', r.last_archived_wal, r.last_archived_time);
	END IF;
	RETURN NEXT;
	action := NULL;

	/* backups reported by backup scripts */
	SELECT b.kind, b.label, b.finished_at INTO r
	  FROM infraguard.backup_registry b
	 ORDER BY b.finished_at DESC
	 LIMIT 1;
	metric := 'last_backup_age';
	unit := units ->> metric;
	IF FOUND THEN
		value := round((extract(epoch FROM now() - r.finished_at) / 3600)::numeric, 2);
		detail := format('last backup: %s %s finished at %s', r.kind, coalesce(quote_literal(r.label), ''), r.finished_at);
	ELSE
		value := NULL;
		detail := 'no backup was ever recorded; have the backup job report each one with SELECT infraguard.record_backup(kind, label, finished_at, size_bytes, location); (or turn the check off: SELECT infraguard.disable_threshold(''last_backup_age'');)';
	END IF;
	RETURN NEXT;
	action := NULL;

	/* the worst file system PostgreSQL writes to */
	SELECT d.kind, d.name, d.used_pct, d.free_size
	  INTO r
	  FROM infraguard.disk_usage() d
	 WHERE d.used_pct IS NOT NULL
	 ORDER BY d.used_pct DESC, d.kind
	 LIMIT 1;
	metric := 'storage_used_percent';
	unit := units ->> metric;
	IF FOUND THEN
		value := r.used_pct;
		detail := format('fullest file system: %s %s, %s%% used, %s free',
						 r.kind, r.name, r.used_pct, r.free_size);
	ELSE
		value := NULL;
		detail := 'no file system statistics could be read (see the WARNING of infraguard.disk_usage())';
	END IF;
	RETURN NEXT;
	action := NULL;

	/* host memory and CPU */
	SELECT * INTO r FROM infraguard.system_stats();
	metric := 'memory_percent';
	unit := units ->> metric;
	value := r.mem_used_pct;
	detail := CASE WHEN r.mem_used_pct IS NULL
				   THEN 'host memory statistics are not available on this platform (no /proc/meminfo)'
				   ELSE format('%s available of %s', r.mem_available_size, r.mem_total_size) END;
	RETURN NEXT;
	action := NULL;
	metric := 'cpu_percent';
	unit := units ->> metric;
	value := r.cpu_pct;
	detail := CASE WHEN r.cpu_pct IS NULL
				   THEN 'host CPU statistics are not available on this platform (no /proc/stat)'
				   ELSE format('host-wide (all %s CPUs, every process on the machine) over the last %s s; load average %s',
							   r.cpu_count, round(r.cpu_interval_seconds::numeric, 1), r.load1) END;
	RETURN NEXT;
	action := NULL;

	/*
	 * Statement latency, from the executor hooks: over the last interval
	 * between snapshots when one was recorded lately (on a primary), so the
	 * check reflects now; else since the counters were last reset.
	 */
	metric := 'query_time_p95';
	unit := units ->> metric;
	/*
	 * The history may be what is failing (a renamed table, a lock): the
	 * readings must not fail with it, since alerts are judged from them.
	 */
	BEGIN
		SELECT h.value, h.taken_at INTO p95, p95_at
		  FROM infraguard.metric_history h
		 WHERE h.metric = 'latency_p95_ms'
		   AND h.taken_at > now() - greatest(3 * infraguard_internal.setting('infraguard.snapshot_interval')::interval,
											 interval '5 minutes')
		   AND NOT pg_is_in_recovery()
		 ORDER BY h.taken_at DESC
		 LIMIT 1;
	EXCEPTION WHEN undefined_table OR undefined_column OR lock_not_available OR insufficient_privilege THEN
		p95_at := NULL;
	END;
	IF p95_at IS NOT NULL THEN
		value := round(p95::numeric, 3);
		detail := format('95th percentile over the snapshot interval ending %s', p95_at);
	ELSE
		BEGIN
			SELECT l.calls, l.p95_ms, l.since INTO r FROM infraguard.latency(false) l;
			IF FOUND THEN
				value := round(r.p95_ms::numeric, 3);
				detail := format('95th percentile of %s top-level statements (whole statements, as the server log times them) since %s', r.calls, r.since);
			ELSE
				value := NULL;
				detail := 'no statement has been timed since the latency counters were reset';
			END IF;
		EXCEPTION WHEN object_not_in_prerequisite_state THEN
			value := NULL;
			detail := 'latency is not measured: infraguard is not in shared_preload_libraries';
		END;
	END IF;
	RETURN NEXT;
	action := NULL;

	/*
	 * Sequence exhaustion: the sequence (or the column it feeds) nearest to
	 * its limit in this database.  A CYCLE sequence limited by its own range
	 * wraps instead of failing: not counted.  Sequences we may not read are
	 * counted in the detail, never guessed.
	 */
	SELECT s.schema_name, s.sequence_name, s.table_schema, s.table_name, s.column_name,
		   s.column_type, s.data_type, s.last_value, s.pct_used, s.remaining_values, s.limit_by, s.fix,
		   s.unknown
	  INTO r
	  FROM (SELECT q.*, count(*) FILTER (WHERE q.state LIKE 'unknown%') OVER () AS unknown
			  FROM infraguard.sequences() q) s
	 WHERE s.pct_used IS NOT NULL AND s.limit_by <> 'sequence (cycles)'
	 ORDER BY s.pct_used DESC
	 LIMIT 1;
	metric := 'sequence_exhaustion';
	unit := units ->> metric;
	IF FOUND THEN
		value := r.pct_used;
		detail := format('%s.%s%s: last value %s, %s%% of the way to the %s limit, %s values left%s',
						 quote_ident(r.schema_name), quote_ident(r.sequence_name),
						 CASE WHEN r.table_name IS NOT NULL
							  THEN format(' (feeds %s column %I.%I.%I)', r.column_type, r.table_schema,
										  r.table_name, r.column_name)
							  ELSE '' END,
						 coalesce(r.last_value::text, 'none (never called)'), r.pct_used,
						 CASE WHEN r.limit_by = 'column' THEN format('column type''s (%s)', r.column_type)
							  ELSE format('sequence''s (%s)', r.data_type) END,
						 r.remaining_values,
						 CASE WHEN r.unknown > 0
							  THEN format('; %s sequences not readable by %s (see infraguard.sequences())', r.unknown, quote_ident(current_user))
							  ELSE '' END);
		action := CASE WHEN r.fix IS NOT NULL
					   THEN 'Widen it before inserts fail (ALTER TABLE rewrites the table under an ACCESS EXCLUSIVE lock: plan a maintenance window; see all with SELECT * FROM infraguard.sequences();): ' || r.fix
					   ELSE 'The sequence uses its type''s whole range: restart it (ALTER SEQUENCE ... RESTART) only if old values are gone, or move to uuid keys' END;
	ELSIF EXISTS (SELECT 1 FROM infraguard.sequences() u WHERE u.state LIKE 'unknown%') THEN
		value := NULL;
		detail := format('%s may not read any sequence of database %s: grant SELECT on them, or pg_read_all_data, to have them checked',
						 quote_ident(current_user), quote_ident(current_database()));
	ELSE
		value := 0;
		detail := format('no sequence that can run out in database %s', quote_ident(current_database()));
	END IF;
	RETURN NEXT;
	action := NULL;

	/*
	 * pg_stat_statements evictions since the last snapshot: each loses
	 * statements' counters, and leaves that interval's top statements
	 * incomplete.  The snapshot records the cumulative counter
	 * (metric_history pgss_dealloc_total), which the next reading subtracts.
	 */
	SELECT * INTO r FROM infraguard.statements_saturation();
	metric := 'statements_evicted';
	unit := units ->> metric;
	value := r.evictions_since_snapshot;
	IF NOT r.available THEN
		detail := 'not measured: ' || r.detail || ' (or turn the check off: SELECT infraguard.disable_threshold(''statements_evicted'');)';
	ELSIF r.last_snapshot IS NULL THEN
		detail := format('no snapshot has recorded pg_stat_statements'' evictions yet (%s since its statistics were reset); known per interval once the worker takes snapshots',
						 r.evictions);
	ELSE
		detail := r.detail;
		action := r.hint;
	END IF;
	RETURN NEXT;
	action := NULL;

	/*
	 * Deadlocks and temporary file bytes of every database since the last
	 * snapshot (its readings of pg_stat_database, database_counters()).
	 */
	SELECT * INTO r FROM infraguard.database_activity_since_snapshot();
	metric := 'database_deadlocks';
	unit := units ->> metric;
	value := r.deadlocks;
	IF r.last_snapshot IS NULL THEN
		detail := 'no snapshot has recorded the databases'' counters yet; known per interval once the worker takes snapshots';
	ELSE
		detail := format('%s deadlocks since the snapshot of %s%s', r.deadlocks, date_trunc('second', r.last_snapshot),
						 coalesce(', most in database ' || quote_ident(r.deadlocks_db), ''));
		action := 'Each deadlock aborted a transaction: the server log has both statements (log_lock_waits = on shows the waits before it); make the transactions take their locks in one order. Per database: SELECT * FROM infraguard.database_activity(''1 hour'');';
	END IF;
	RETURN NEXT;
	action := NULL;
	metric := 'temp_written_mb';
	unit := units ->> metric;
	value := round(r.temp_bytes / 1048576.0, 1);
	IF r.last_snapshot IS NULL THEN
		detail := 'no snapshot has recorded the databases'' counters yet; known per interval once the worker takes snapshots';
	ELSE
		detail := format('%s of temporary files written since the snapshot of %s%s', pg_size_pretty(r.temp_bytes),
						 date_trunc('second', r.last_snapshot),
						 coalesce(', most in database ' || quote_ident(r.temp_bytes_db), ''));
		action := format('Sorts and hashes spill to disk: find them with SELECT * FROM infraguard.slow_queries(20, ''total_time''); (temp_blks_written in pg_stat_statements) and log_temp_files = 0; raise work_mem for those statements or roles (SET work_mem, ALTER ROLE ... SET work_mem) rather than globally (currently %s)',
						 current_setting('work_mem'));
	END IF;
	RETURN NEXT;
END;
$$;
COMMENT ON FUNCTION infraguard.current_metrics() IS
	'Current value of every health metric, NULL with the reason when it cannot be measured';
REVOKE ALL ON FUNCTION infraguard.current_metrics() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.current_metrics() TO pg_monitor;
