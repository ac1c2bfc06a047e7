/*
 * History: snapshots recorded by the background worker (or take_snapshot()),
 * shaped for Grafana's PostgreSQL datasource, with bounded retention.
 *
 * Storage design, so that a database with 10,000 tables does not write
 * 30,000 rows a minute:
 *	- server-level values are narrow rows (time, metric, value), about 30 a
 *	  cycle (NULL values are not written);
 *	- a table gets a history row only when its activity counters moved since
 *	  its last row, an index only when it was scanned, plus a slow refresh (at
 *	  most infraguard.relation_refresh_batch stale tables, and twice as many
 *	  indexes, per cycle, each at most once a day) so idle relations still
 *	  show in table_growth();
 *	- statements: the top infraguard.top_statements by execution time in the
 *	  interval, as deltas; texts are fetched once per new queryid.
 * The "last seen" counters live in UNLOGGED state tables: they cost no WAL,
 * and a crash, which also resets the statistics they mirror, empties them
 * (the next cycle then starts a new baseline).
 */

/*
 * Views for Grafana's PostgreSQL datasource: a "time" column, long format.
 */
CREATE OR REPLACE VIEW infraguard.metrics_history AS
	SELECT taken_at AS time, metric, value
	  FROM infraguard.metric_history;
COMMENT ON VIEW infraguard.metrics_history IS
	'Every recorded server-level value as (time, metric, value), the shape Grafana plots';

CREATE OR REPLACE VIEW infraguard.latency_history AS
	SELECT taken_at AS time,
		   max(value) FILTER (WHERE metric = 'latency_p50_ms') AS p50_ms,
		   max(value) FILTER (WHERE metric = 'latency_p95_ms') AS p95_ms,
		   max(value) FILTER (WHERE metric = 'latency_p99_ms') AS p99_ms,
		   max(value) FILTER (WHERE metric = 'statements_per_second') AS statements_per_second
	  FROM infraguard.metric_history
	 WHERE metric IN ('latency_p50_ms', 'latency_p95_ms', 'latency_p99_ms', 'statements_per_second')
	 GROUP BY taken_at;
COMMENT ON VIEW infraguard.latency_history IS
	'Whole-statement latency percentiles (as the server log times statements) over each interval between snapshots, from histogram differences';

REVOKE ALL ON TABLE infraguard.metrics_history, infraguard.latency_history FROM PUBLIC;
GRANT SELECT ON TABLE infraguard.metrics_history, infraguard.latency_history TO pg_monitor;

/*
 * One cycle: take the readings, record the history and prune it, then
 * evaluate the alerts from the readings.  Recording and alerting are
 * separate subtransactions, so that alerting survives failing history (a
 * full tablespace, a renamed column, a lock timeout): the readings are in
 * memory, the thresholds are still evaluated, and the storage alert is
 * still raised.  Errors are returned, not raised (history_error,
 * alerts_error, with their SQLSTATEs), for the worker to report once; when
 * the alerts themselves cannot be written, the worker evaluates the
 * returned readings in memory and still logs and NOTIFYs.  A statement
 * timeout or a cancel is not caught: it ends the cycle.  Callers bound lock
 * waits with lock_timeout (the worker's and take_snapshot()'s), and every
 * query is bounded: work per cycle does not grow with the history's length.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.snapshot_cycle(source text,
										  OUT snapshot_id bigint, OUT readings jsonb, OUT events integer,
										  OUT history_error text, OUT history_sqlstate text,
										  OUT alerts_error text, OUT alerts_sqlstate text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	sid bigint;
	now_ts timestamptz := now();
	started timestamptz := clock_timestamp();
	n_metrics integer := 0;
	n_tables integer := 0;
	n_indexes integer := 0;
	n_statements integer := 0;
	n_pruned bigint := 0;
	n bigint;
	lat record;
	read_ts timestamptz;
	counted_from timestamptz;
	covered_s float8;
	prev record;
	hs record;
	refresh_batch integer;
	top_n integer;
	retention interval;
	prune_batch constant integer := 10000;
	cutoff timestamptz;
	changed_relids oid[];
	changed_activity bigint[];
	t text;
	err_detail text;
BEGIN
	IF source IS NULL OR source NOT IN ('worker', 'manual') THEN
		RAISE EXCEPTION 'invalid snapshot source "%"', coalesce(source, 'NULL')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF pg_is_in_recovery() THEN
		RAISE EXCEPTION 'cannot record a snapshot on a standby'
			USING ERRCODE = 'read_only_sql_transaction',
				  DETAIL = 'A standby is read-only; its history is the primary''s, replicated.',
				  HINT = 'Take snapshots on the primary. The worker on a standby only evaluates thresholds and logs.';
	END IF;

	/*
	 * The settings' defaults are written once, where the library defines
	 * them (src/infraguard.c).  Calling into the library first loads it in
	 * a session that has not yet (no preload, or take_snapshot() as the
	 * session's first call), and loading defines them; so they are read
	 * without a default of our own that could differ.
	 */
	PERFORM infraguard.version();
	refresh_batch := current_setting('infraguard.relation_refresh_batch')::integer;
	top_n := current_setting('infraguard.top_statements')::integer;
	retention := current_setting('infraguard.retention')::interval;

	/* the history: everything from here to the pruning, or nothing */
	BEGIN
		INSERT INTO infraguard.snapshots (taken_at, source)
		VALUES (now_ts, source)
		RETURNING snapshot_id INTO sid;

		/*
		 * Latency first: the interval percentiles it records are what
		 * current_metrics() reports as query_time_p95.
		 */
		BEGIN
			SELECT h.since, h.buckets, h.counts, h.sum_ms, h.max_ms,
				   (SELECT sum(c) FROM unnest(h.counts) c)::bigint AS calls
			  INTO lat
			  FROM infraguard.latency_histogram(false) h;
			IF NOT FOUND THEN
				/* nothing timed since the last reset: an empty reading */
				SELECT l.since, '{}'::integer[] AS buckets, '{}'::bigint[] AS counts,
					   0::float8 AS sum_ms, 0::float8 AS max_ms, 0::bigint AS calls
				  INTO lat
				  FROM (SELECT max(since) AS since FROM infraguard.latency(false)) l;
				lat.since := coalesce(lat.since, pg_postmaster_start_time());
			END IF;
			/*
			 * The counters are as of now, not as of the transaction's start
			 * (now_ts): a rate divides by the time between two readings.
			 */
			read_ts := clock_timestamp();
			INSERT INTO infraguard.latency_snapshots
				   (snapshot_id, taken_at, since, calls, buckets, counts, sum_ms, max_ms, read_at)
			VALUES (sid, now_ts, lat.since, lat.calls, lat.buckets, lat.counts, lat.sum_ms, lat.max_ms, read_ts);

			SELECT ls.* INTO prev
			  FROM infraguard.latency_snapshots ls
			 WHERE ls.taken_at < now_ts
			 ORDER BY ls.taken_at DESC
			 LIMIT 1;
			IF FOUND THEN
				/*
				 * Same counting period: the interval is the difference between
				 * the two readings; else everything counted since the reset, which
				 * happened after the previous reading.  (Rows from 0.1 have no
				 * read_at: their snapshot's time is the best there is.)
				 */
				IF prev.since = lat.since THEN
					SELECT * INTO hs FROM infraguard.histogram_stats(lat.buckets, lat.counts, lat.max_ms,
																	 prev.buckets, prev.counts);
				ELSE
					SELECT * INTO hs FROM infraguard.histogram_stats(lat.buckets, lat.counts, lat.max_ms);
				END IF;
				counted_from := CASE WHEN prev.since = lat.since AND NOT hs.reset
									 THEN coalesce(prev.read_at, prev.taken_at)
									 ELSE greatest(coalesce(prev.read_at, prev.taken_at), lat.since) END;
				covered_s := extract(epoch FROM read_ts - counted_from);
				INSERT INTO infraguard.metric_history
				SELECT now_ts, sid, m.metric, m.value
				  FROM (VALUES ('statements_per_second',
								/* under 0.1 s of counting (a reset just before): no rate this cycle */
								CASE WHEN covered_s >= 0.1
									 THEN round((hs.calls / covered_s)::numeric, 2)::float8 END),
							   /* 0.1 us: finer than the histogram's 1.6 % buckets, no float noise */
							   ('latency_p50_ms', round(hs.p50_ms::numeric, 4)::float8),
							   ('latency_p95_ms', round(hs.p95_ms::numeric, 4)::float8),
							   ('latency_p99_ms', round(hs.p99_ms::numeric, 4)::float8)) m(metric, value)
				 WHERE m.value IS NOT NULL;
				GET DIAGNOSTICS n = ROW_COUNT;
				n_metrics := n_metrics + n;
			END IF;
		EXCEPTION WHEN object_not_in_prerequisite_state THEN
			NULL;					/* not preloaded: no latency to record */
		END;

		/* the health metrics (measured once: alerts below judge the same reading) */
		readings := (SELECT jsonb_agg(m) FROM infraguard.current_metrics() m);

		/* ... and connections, sizes, file systems, host, WAL */
		INSERT INTO infraguard.metric_history
		SELECT now_ts, sid, m.metric, m.value
		  FROM (SELECT cm.metric, cm.value
				  FROM jsonb_to_recordset(readings) AS cm(metric text, value float8)
				UNION ALL
				SELECT 'connections:' || c.state, c.count FROM infraguard.connections() c
				 WHERE c.backend_group = 'client'
				UNION ALL
				SELECT 'database_size_bytes:' || d.datname, pg_database_size(d.oid)
				  FROM pg_database d WHERE d.datallowconn AND NOT d.datistemplate
				UNION ALL
				SELECT 'disk_' || x.what || ':' || du.kind || ':' || du.name, x.v
				  FROM infraguard.disk_usage() du,
					   LATERAL (VALUES ('used_pct', du.used_pct), ('used_bytes', du.used_bytes::float8),
									   ('free_bytes', du.free_bytes::float8),
									   ('total_bytes', du.total_bytes::float8)) x(what, v)
				UNION ALL
				SELECT x.what, x.v
				  FROM infraguard.system_stats() s,
					   LATERAL (VALUES ('load1', s.load1), ('mem_available_bytes', s.mem_available_bytes::float8),
									   ('swap_used_bytes', s.swap_used_bytes::float8),
									   /* the window cpu_percent covers: the worker's is its interval */
									   ('cpu_window_seconds', s.cpu_interval_seconds)) x(what, v)
				UNION ALL
				SELECT 'wal_bytes', pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8
				UNION ALL
				/* the next transaction id, read without assigning one: xid_forecast()'s rate */
				SELECT 'next_xid', (pg_snapshot_xmax(pg_current_snapshot())::text)::float8
				UNION ALL
				/* per-database activity counters: database_activity() takes their differences */
				SELECT da.metric, da.value FROM infraguard_internal.database_counters() da
				UNION ALL
				/* pg_stat_statements' cumulative evictions: the next reading subtracts them */
				SELECT 'pgss_dealloc_total', ss.evictions FROM infraguard.statements_saturation() ss
				 WHERE ss.available
			   ) m
		 WHERE m.value IS NOT NULL;
		GET DIAGNOSTICS n = ROW_COUNT;
		n_metrics := n_metrics + n;

		/*
		 * Tables whose activity moved, or whose last row is a day old (at most
		 * refresh_batch of those per cycle, oldest first, so a database that
		 * was created all at once does not refresh all at once).
		 */
		SELECT coalesce(array_agg(c.relid), '{}'), coalesce(array_agg(c.activity), '{}')
		  INTO changed_relids, changed_activity
		  FROM (SELECT s.relid, s.schemaname,
					   s.n_tup_ins + s.n_tup_upd + s.n_tup_del + s.vacuum_count + s.autovacuum_count
					   + s.analyze_count + s.autoanalyze_count AS activity
				  FROM pg_stat_user_tables s) c
		  LEFT JOIN infraguard.table_state st ON st.relid = c.relid
		 WHERE st.relid IS NULL
			/* our own tables change every cycle: they get the daily row only */
			OR (st.activity <> c.activity AND c.schemaname <> 'infraguard')
			OR st.relid IN (SELECT st2.relid FROM infraguard.table_state st2
							 WHERE st2.recorded_at < now_ts - interval '1 day'
							 ORDER BY st2.recorded_at LIMIT refresh_batch);

		/*
		 * The sizes total_relation_size(), table_size() and indexes_size()
		 * give, summed here from the same files as in table_health(): those
		 * SQL functions cost several times more a table, which the first
		 * snapshot of a big catalog pays for every table.
		 */
		INSERT INTO infraguard.table_history
		SELECT now_ts, sid, s.relid, s.schemaname, s.relname,
			   tz.own + tz.toast + ix.bytes, tz.own + tz.toast, ix.bytes,
			   s.n_live_tup, s.n_dead_tup, s.n_tup_ins, s.n_tup_upd, s.n_tup_del, s.seq_scan, s.idx_scan
		  FROM pg_stat_user_tables s
		  JOIN pg_class c ON c.oid = s.relid
		  CROSS JOIN LATERAL (
				SELECT coalesce(sum(infraguard.relation_size(i.indexrelid, 'all')), 0)::bigint AS bytes
				  FROM pg_index i
				 WHERE i.indrelid = c.oid) ix
		  CROSS JOIN LATERAL (
				SELECT infraguard.relation_size(c.oid, 'all') AS own,
					   CASE WHEN c.reltoastrelid = 0 THEN 0::bigint
							ELSE coalesce(infraguard.relation_size(c.reltoastrelid, 'all'), 0)
								 + coalesce((SELECT sum(infraguard.relation_size(i.indexrelid, 'all'))
											   FROM pg_index i
											  WHERE i.indrelid = c.reltoastrelid), 0)::bigint
					   END AS toast) tz
		 WHERE s.relid = ANY (changed_relids);
		GET DIAGNOSTICS n_tables = ROW_COUNT;

		INSERT INTO infraguard.table_state AS st (relid, activity, recorded_at)
		SELECT ch.relid, ch.activity, now_ts
		  FROM unnest(changed_relids, changed_activity) ch(relid, activity)
		ON CONFLICT (relid) DO UPDATE SET activity = excluded.activity, recorded_at = excluded.recorded_at;

		/*
		 * Indexes: new, or scanned since their last row (ours: daily only), or
		 * due for their daily row.  Their sizes move with their table's, which
		 * table_history.index_bytes already follows.
		 */
		WITH recorded AS (
			INSERT INTO infraguard.index_history
			SELECT now_ts, sid, i.indexrelid, i.schemaname, i.relname, i.indexrelname,
				   infraguard.relation_size(i.indexrelid), i.idx_scan, i.idx_tup_read
			  FROM pg_stat_user_indexes i
			  LEFT JOIN infraguard.index_state st ON st.indexrelid = i.indexrelid
			 WHERE st.indexrelid IS NULL
				OR (st.scans <> i.idx_scan AND i.schemaname <> 'infraguard')
				OR st.indexrelid IN (SELECT st2.indexrelid FROM infraguard.index_state st2
									  WHERE st2.recorded_at < now_ts - interval '1 day'
									  ORDER BY st2.recorded_at LIMIT 2 * refresh_batch)
			RETURNING indexrelid, scans
		)
		INSERT INTO infraguard.index_state AS st (indexrelid, scans, recorded_at)
		SELECT r.indexrelid, r.scans, now_ts FROM recorded r
		ON CONFLICT (indexrelid) DO UPDATE SET scans = excluded.scans, recorded_at = excluded.recorded_at;
		GET DIAGNOSTICS n_indexes = ROW_COUNT;

		/* forget relations that no longer exist */
		DELETE FROM infraguard.table_state st
		 WHERE NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = st.relid);
		DELETE FROM infraguard.index_state st
		 WHERE NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = st.indexrelid);

		n_statements := infraguard_internal.record_statements(sid, now_ts, top_n);
		PERFORM infraguard_internal.record_setting_changes(sid, now_ts);
		PERFORM infraguard_internal.record_wait_profile(sid, now_ts);

		/* server log events counted in shared memory since the last snapshot */
		PERFORM infraguard_internal.drain_log_events(now_ts);

		/* retention: bounded batches, so pruning costs the same on day 300 as on day 1 */
		cutoff := now_ts - retention;
		FOREACH t IN ARRAY ARRAY['metric_history', 'latency_snapshots', 'table_history',
								 'index_history', 'statement_history', 'log_event_history', 'wait_profile_history', 'snapshots']
		LOOP
			EXECUTE format('DELETE FROM infraguard.%1$I WHERE ctid = ANY (ARRAY(
								SELECT ctid FROM infraguard.%1$I WHERE taken_at < $1 LIMIT $2))', t)
			  USING cutoff, prune_batch;
			GET DIAGNOSTICS n = ROW_COUNT;
			n_pruned := n_pruned + n;
		END LOOP;
		/* open alerts are never pruned, nor their events (which go with their alert) */
		DELETE FROM infraguard.alerts
		 WHERE ctid = ANY (ARRAY(SELECT ctid FROM infraguard.alerts
								  WHERE resolved_at < cutoff LIMIT prune_batch));
		GET DIAGNOSTICS n = ROW_COUNT;
		n_pruned := n_pruned + n;

		UPDATE infraguard.snapshots
		   SET duration_ms = extract(epoch FROM clock_timestamp() - started) * 1000,
			   metric_rows = n_metrics, table_rows = n_tables, index_rows = n_indexes,
			   statement_rows = n_statements, pruned_rows = n_pruned,
			   /* evictions make this interval's top statements incomplete */
			   statements_evicted = (SELECT (m->>'value')::float8::bigint
									   FROM jsonb_array_elements(readings) m
									  WHERE m->>'metric' = 'statements_evicted')
		 WHERE snapshot_id = sid;
		snapshot_id := sid;
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS history_sqlstate = RETURNED_SQLSTATE, history_error = MESSAGE_TEXT,
								err_detail = PG_EXCEPTION_DETAIL;
		history_error := history_error || coalesce(' (' || nullif(err_detail, '') || ')', '');
		snapshot_id := NULL;
	END;

	/* the readings, if the history failed before taking them */
	IF readings IS NULL THEN
		readings := (SELECT jsonb_agg(m) FROM infraguard.current_metrics() m);
	END IF;

	BEGIN
		events := infraguard_internal.evaluate_alerts(readings);
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS alerts_sqlstate = RETURNED_SQLSTATE, alerts_error = MESSAGE_TEXT,
								err_detail = PG_EXCEPTION_DETAIL;
		alerts_error := alerts_error || coalesce(' (' || nullif(err_detail, '') || ')', '');
	END;
END;
$$;
COMMENT ON FUNCTION infraguard_internal.snapshot_cycle(text) IS
	'Internal: the worker''s cycle: readings, history and pruning, then alerts from the readings even if the history failed; returns the errors';
REVOKE ALL ON FUNCTION infraguard_internal.snapshot_cycle(text) FROM PUBLIC;

/*
 * One snapshot, for take_snapshot(): the cycle, with its errors raised
 * (and so everything rolled back) instead of returned.  Returns the new
 * snapshot's id.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.record_snapshot(source text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	c record;
BEGIN
	c := infraguard_internal.snapshot_cycle(source);
	IF c.history_error IS NOT NULL THEN
		RAISE EXCEPTION 'could not record the snapshot: %', c.history_error
			USING ERRCODE = c.history_sqlstate;
	END IF;
	IF c.alerts_error IS NOT NULL THEN
		RAISE EXCEPTION 'could not evaluate the alerts: %', c.alerts_error
			USING ERRCODE = c.alerts_sqlstate;
	END IF;
	RETURN c.snapshot_id;
END;
$$;
COMMENT ON FUNCTION infraguard_internal.record_snapshot(text) IS
	'Internal: one snapshot of everything, alert evaluation and pruning, errors raised (take_snapshot())';
REVOKE ALL ON FUNCTION infraguard_internal.record_snapshot(text) FROM PUBLIC;

-- the worker sets its own, shorter lock_timeout (see src/worker.c)
CREATE OR REPLACE FUNCTION infraguard.take_snapshot()
RETURNS bigint
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
SET lock_timeout = '5s'
AS $$ SELECT infraguard_internal.record_snapshot('manual') $$;
COMMENT ON FUNCTION infraguard.take_snapshot() IS
	'Record a snapshot now (what the worker does each cycle) and return its id';
REVOKE ALL ON FUNCTION infraguard.take_snapshot() FROM PUBLIC;

/*
 * Top statements of the interval as deltas of pg_stat_statements counters.
 * The baseline is statement_state.  An entry whose counters went backwards
 * (pg_stat_statements_reset(), eviction and re-entry) starts a new baseline
 * instead of producing a negative delta; an entry new since the last cycle
 * counts whole, unless there was no baseline at all (first cycle, or after a
 * crash emptied the unlogged state).  Texts are read, with the costly
 * pg_stat_statements(true), only when a new queryid reaches the top.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.record_statements(sid bigint, now_ts timestamptz, top_n integer)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	pgss_schema name;
	have_baseline boolean;
	interval_s float8;
	n integer := 0;
BEGIN
	SELECT n.nspname INTO pgss_schema
	  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
	 WHERE e.extname = 'pg_stat_statements'
	   AND string_to_array(e.extversion, '.')::int[] >= ARRAY[1, 8];
	IF NOT FOUND THEN
		RETURN 0;
	END IF;

	SELECT extract(epoch FROM now_ts - max(s.taken_at)) INTO interval_s
	  FROM infraguard.snapshots s
	 WHERE s.taken_at < now_ts;
	have_baseline := EXISTS (SELECT 1 FROM infraguard.statement_state);

	/*
	 * One statement, so that every part sees the same reading and the same
	 * old baseline, and no temporary table (whose catalog entries would cost
	 * WAL every cycle) is needed.
	 */
	BEGIN
		EXECUTE format($q$
			WITH cur AS (
				SELECT userid, dbid, queryid, toplevel, calls, total_exec_time AS total_exec_ms,
					   rows, shared_blks_hit, shared_blks_read
				  FROM %I.pg_stat_statements(false)
				 WHERE queryid IS NOT NULL
			), delta AS (
				SELECT c.queryid, c.dbid, c.userid,
					   c.calls - coalesce(p.calls, 0) AS calls,
					   c.total_exec_ms - coalesce(p.total_exec_ms, 0) AS total_exec_ms,
					   c.rows - coalesce(p.rows, 0) AS rows,
					   c.shared_blks_hit - coalesce(p.shared_blks_hit, 0) AS shared_blks_hit,
					   c.shared_blks_read - coalesce(p.shared_blks_read, 0) AS shared_blks_read
				  FROM cur c
				  LEFT JOIN infraguard.statement_state p USING (userid, dbid, queryid, toplevel)
				 WHERE $4				-- a baseline exists
				   AND c.calls > coalesce(p.calls, 0)
				   AND c.total_exec_ms >= coalesce(p.total_exec_ms, 0)
				   AND c.rows >= coalesce(p.rows, 0)
			), recorded AS (
				INSERT INTO infraguard.statement_history
				SELECT $2, $1, $5, d.queryid, d.dbid, d.userid, d.calls, d.total_exec_ms, d.rows,
					   d.shared_blks_hit, d.shared_blks_read
				  FROM delta d
				 ORDER BY d.total_exec_ms DESC
				 LIMIT $3
				RETURNING 1
			), baseline AS (
				INSERT INTO infraguard.statement_state AS p
				SELECT c.* FROM cur c
				  LEFT JOIN infraguard.statement_state s USING (userid, dbid, queryid, toplevel)
				 WHERE s.calls IS DISTINCT FROM c.calls
				ON CONFLICT (userid, dbid, queryid, toplevel) DO UPDATE
				   SET calls = excluded.calls, total_exec_ms = excluded.total_exec_ms,
					   rows = excluded.rows, shared_blks_hit = excluded.shared_blks_hit,
					   shared_blks_read = excluded.shared_blks_read
				RETURNING 1
			), evicted AS (
				DELETE FROM infraguard.statement_state s
				 WHERE NOT EXISTS (SELECT 1 FROM cur c
									WHERE c.userid = s.userid AND c.dbid = s.dbid
									  AND c.queryid = s.queryid AND c.toplevel = s.toplevel)
				RETURNING 1
			)
			SELECT (SELECT count(*) FROM recorded)::integer
				   + 0 * (SELECT count(*) FROM baseline) + 0 * (SELECT count(*) FROM evicted)$q$,
			pgss_schema)
		INTO n
		USING sid, now_ts, top_n, have_baseline AND interval_s IS NOT NULL, coalesce(interval_s, 0);
	EXCEPTION WHEN object_not_in_prerequisite_state THEN
		RETURN 0;				/* pg_stat_statements not preloaded */
	END;

	/* texts: the costly pg_stat_statements(true) only for queryids never seen */
	IF EXISTS (SELECT 1 FROM infraguard.statement_history h
				WHERE h.snapshot_id = sid
				  AND NOT EXISTS (SELECT 1 FROM infraguard.statement_texts t
								   WHERE t.dbid = h.dbid AND t.queryid = h.queryid)) THEN
		EXECUTE format($q$
			INSERT INTO infraguard.statement_texts (dbid, queryid, query, first_seen)
			SELECT DISTINCT ON (s.dbid, s.queryid) s.dbid, s.queryid, s.query, $2
			  FROM %I.pg_stat_statements(true) s
			 WHERE (s.dbid, s.queryid) IN (SELECT h.dbid, h.queryid
											 FROM infraguard.statement_history h
											WHERE h.snapshot_id = $1)
			ON CONFLICT DO NOTHING$q$, pgss_schema)
		USING sid, now_ts;
	END IF;
	RETURN n;
END;
$$;
COMMENT ON FUNCTION infraguard_internal.record_statements(bigint, timestamptz, integer) IS
	'Internal: top statements of the interval, as deltas of pg_stat_statements';
REVOKE ALL ON FUNCTION infraguard_internal.record_statements(bigint, timestamptz, integer) FROM PUBLIC;

/*
 * Growth of each table over a window: its latest row against its latest row
 * at or before the window's start (or, for a table first seen inside the
 * window, its first row).  Driven by the tables that exist now, through the
 * (relid, taken_at) index: the cost does not grow with the history's length.
 * The growth in bytes is a measurement and always given; the growth per day
 * extrapolates it, so it follows the forecasts' rule: only when the two rows
 * are at least infraguard.forecast_min_history (6 hours) and a quarter of
 * the window apart; else NULL, and note says how much history there is.
 * (Two rows have no fit to judge: the other rules of capacity_forecast()
 * need a series, which table_history keeps only for active tables.)
 */
CREATE OR REPLACE FUNCTION infraguard.table_growth(window_length interval DEFAULT '7 days')
RETURNS TABLE (schema_name name, table_name name, bytes_now bigint, size_now text,
			   bytes_then bigint, growth_bytes bigint, growth text,
			   growth_per_day_bytes float8, since timestamptz, note text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	window_start timestamptz;
	needed_s float8;
BEGIN
	IF window_length IS NULL OR window_length <= interval '0' OR window_length > interval '100 years' THEN
		RAISE EXCEPTION 'window must be a positive interval of at most 100 years, not %',
						coalesce(window_length::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'For example: SELECT * FROM infraguard.table_growth(''7 days'');';
	END IF;
	window_start := now() - window_length;
	needed_s := greatest(infraguard_internal.forecast_min_history_seconds(), extract(epoch FROM window_length) / 4);
	RETURN QUERY
	SELECT l.schema_name::name, l.table_name::name, l.total_bytes, pg_size_pretty(l.total_bytes),
		   f.total_bytes, l.total_bytes - f.total_bytes, pg_size_pretty(l.total_bytes - f.total_bytes),
		   CASE WHEN extract(epoch FROM l.taken_at - f.taken_at) >= needed_s
				THEN (l.total_bytes - f.total_bytes) / (extract(epoch FROM l.taken_at - f.taken_at)::float8 / 86400)
		   END,
		   f.taken_at,
		   CASE WHEN extract(epoch FROM l.taken_at - f.taken_at) >= needed_s
				THEN format('measured over %s', infraguard.duration_text(extract(epoch FROM l.taken_at - f.taken_at)))
				ELSE format('%s of history, need %s: no rate per day',
							infraguard.duration_text(extract(epoch FROM l.taken_at - f.taken_at)),
							infraguard.duration_text(needed_s))
		   END
	  FROM pg_stat_user_tables s
	  CROSS JOIN LATERAL (
			SELECT h.schema_name, h.table_name, h.total_bytes, h.taken_at
			  FROM infraguard.table_history h
			 WHERE h.relid = s.relid AND h.database_name = current_database()
			 ORDER BY h.taken_at DESC LIMIT 1) l
	  CROSS JOIN LATERAL (
			SELECT c.total_bytes, c.taken_at
			  FROM ((SELECT h.total_bytes, h.taken_at, 0 AS preference
					   FROM infraguard.table_history h
					  WHERE h.relid = s.relid AND h.database_name = current_database() AND h.taken_at <= window_start
					  ORDER BY h.taken_at DESC LIMIT 1)
					UNION ALL
					(SELECT h.total_bytes, h.taken_at, 1
					   FROM infraguard.table_history h
					  WHERE h.relid = s.relid AND h.database_name = current_database() AND h.taken_at > window_start
					  ORDER BY h.taken_at LIMIT 1)) c
			 ORDER BY c.preference LIMIT 1) f
	 ORDER BY l.total_bytes - f.total_bytes DESC, l.schema_name, l.table_name;
END;
$$;
COMMENT ON FUNCTION infraguard.table_growth(interval) IS
	'Growth of each table over the window, from table_history, largest growth first; a rate per day only from enough history';
REVOKE ALL ON FUNCTION infraguard.table_growth(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.table_growth(interval) TO pg_monitor;
