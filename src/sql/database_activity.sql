/*
 * Database activity per database: commits, rollbacks, deadlocks, temporary
 * files, conflicts, cache hits and tuples, as rates over a window of
 * history.
 */

/*
 * database_counters(): pg_stat_database's cumulative counters of every
 * database, as metric_history rows ('db_<counter>:<database>'), which the
 * snapshot records and database_activity() subtracts.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.database_counters()
RETURNS TABLE (metric text, value float8)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT 'db_' || c.counter || ':' || d.datname, c.v::float8
	  FROM pg_stat_database d
	 CROSS JOIN LATERAL (VALUES ('xact_commit', d.xact_commit), ('xact_rollback', d.xact_rollback),
								('deadlocks', d.deadlocks), ('temp_files', d.temp_files),
								('temp_bytes', d.temp_bytes), ('conflicts', d.conflicts),
								('blks_hit', d.blks_hit), ('blks_read', d.blks_read),
								('tup_returned', d.tup_returned), ('tup_fetched', d.tup_fetched))
					   AS c(counter, v)
	  JOIN pg_database db ON db.oid = d.datid
	 /* the databases that can be used (as database_size_bytes): 10 rows each a cycle */
	 WHERE db.datallowconn AND NOT db.datistemplate
$$;
COMMENT ON FUNCTION infraguard_internal.database_counters() IS
	'Internal: pg_stat_database counters of every database as metric_history rows (db_<counter>:<database>)';
REVOKE ALL ON FUNCTION infraguard_internal.database_counters() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.database_counters() TO pg_monitor;

/*
 * database_activity(window): per database, the counters' growth between
 * the last snapshot at or before the window's start (or the first inside
 * it) and the latest snapshot, and the rates per second.  A counter that
 * went backwards (pg_stat_reset() in the window) makes its database's row
 * count from the reset: reset_in_window says so.  Databases with fewer than
 * two snapshots in reach are left out (nothing to subtract).
 */
CREATE OR REPLACE FUNCTION infraguard.database_activity(time_window interval DEFAULT interval '1 hour')
RETURNS TABLE (dbname text, from_time timestamptz, to_time timestamptz, seconds float8,
			   commits bigint, rollbacks bigint, rollback_pct float8, transactions_per_second float8,
			   deadlocks bigint, temp_files bigint, temp_bytes bigint, temp_size text,
			   temp_bytes_per_second float8, conflicts bigint, cache_hit_pct float8,
			   tup_returned bigint, tup_fetched bigint, fetched_pct float8, reset_in_window boolean)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF time_window IS NULL OR time_window <= interval '0' THEN
		RAISE EXCEPTION 'time_window must be a positive interval'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Pass how far back to look, e.g. interval ''1 hour''.';
	END IF;
	RETURN QUERY
	WITH dbs AS (
		SELECT DISTINCT substr(h.metric, length('db_xact_commit:') + 1) AS dbname
		  FROM infraguard.metric_history h
		 WHERE h.metric LIKE 'db\_xact\_commit:%' AND h.taken_at > now() - time_window
	), bounds AS (
		/* by (metric, taken_at), the index: the cost does not grow with the history's length */
		SELECT d.dbname,
			   (SELECT h.taken_at FROM infraguard.metric_history h
				 WHERE h.metric = 'db_xact_commit:' || d.dbname
				 ORDER BY h.taken_at DESC LIMIT 1) AS t1,
			   coalesce((SELECT h.taken_at FROM infraguard.metric_history h
						  WHERE h.metric = 'db_xact_commit:' || d.dbname AND h.taken_at <= now() - time_window
						  ORDER BY h.taken_at DESC LIMIT 1),
						(SELECT h.taken_at FROM infraguard.metric_history h
						  WHERE h.metric = 'db_xact_commit:' || d.dbname AND h.taken_at > now() - time_window
						  ORDER BY h.taken_at LIMIT 1)) AS t0
		  FROM dbs d
	), pairs AS (
		SELECT b.dbname, b.t0, b.t1, c.counter,
			   (SELECT h.value FROM infraguard.metric_history h
				 WHERE h.metric = 'db_' || c.counter || ':' || b.dbname AND h.taken_at = b.t0 LIMIT 1) AS v0,
			   (SELECT h.value FROM infraguard.metric_history h
				 WHERE h.metric = 'db_' || c.counter || ':' || b.dbname AND h.taken_at = b.t1 LIMIT 1) AS v1
		  FROM bounds b
		 CROSS JOIN (VALUES ('xact_commit'), ('xact_rollback'), ('deadlocks'), ('temp_files'), ('temp_bytes'),
							('conflicts'), ('blks_hit'), ('blks_read'), ('tup_returned'), ('tup_fetched')) c(counter)
		 WHERE b.t0 < b.t1
	), deltas AS (
		SELECT p.dbname, min(p.t0) AS t0, max(p.t1) AS t1,
			   bool_or(p.v1 < p.v0) AS reset,
			   jsonb_object_agg(p.counter, CASE WHEN p.v1 >= p.v0 THEN p.v1 - p.v0 ELSE p.v1 END) AS d
		  FROM pairs p
		 GROUP BY p.dbname
	)
	SELECT x.dbname, x.t0, x.t1, round(x.secs::numeric, 1)::float8,
		   x.commits, x.rollbacks,
		   round((100.0 * x.rollbacks / nullif(x.commits + x.rollbacks, 0))::numeric, 2)::float8,
		   round(((x.commits + x.rollbacks) / x.secs)::numeric, 3)::float8,
		   x.deadlocks, x.temp_files, x.temp_bytes, pg_size_pretty(x.temp_bytes),
		   round((x.temp_bytes / x.secs)::numeric, 1)::float8,
		   x.conflicts,
		   round((100.0 * x.blks_hit / nullif(x.blks_hit + x.blks_read, 0))::numeric, 2)::float8,
		   x.tup_returned, x.tup_fetched,
		   round((100.0 * x.tup_fetched / nullif(x.tup_returned, 0))::numeric, 2)::float8,
		   x.reset
	  FROM (SELECT dl.dbname, dl.t0, dl.t1, extract(epoch FROM dl.t1 - dl.t0)::float8 AS secs, dl.reset,
				   (dl.d->>'xact_commit')::float8::bigint AS commits,
				   (dl.d->>'xact_rollback')::float8::bigint AS rollbacks,
				   (dl.d->>'deadlocks')::float8::bigint AS deadlocks,
				   (dl.d->>'temp_files')::float8::bigint AS temp_files,
				   (dl.d->>'temp_bytes')::float8::bigint AS temp_bytes,
				   (dl.d->>'conflicts')::float8::bigint AS conflicts,
				   (dl.d->>'blks_hit')::float8::bigint AS blks_hit,
				   (dl.d->>'blks_read')::float8::bigint AS blks_read,
				   (dl.d->>'tup_returned')::float8::bigint AS tup_returned,
				   (dl.d->>'tup_fetched')::float8::bigint AS tup_fetched
			  FROM deltas dl) x
	 ORDER BY x.commits + x.rollbacks DESC, x.dbname;
END;
$$;
COMMENT ON FUNCTION infraguard.database_activity(interval) IS
	'Per database over a window of history: commits, rollbacks (ratio), deadlocks, temporary files and bytes, conflicts, cache hit ratio, tuples returned and fetched, with rates';
REVOKE ALL ON FUNCTION infraguard.database_activity(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.database_activity(interval) TO pg_monitor;

/*
 * database_activity_since_snapshot(): what the databases did since the
 * last snapshot (pg_stat_database now, minus that snapshot's readings):
 * deadlocks and temporary bytes, the two health checks, with the database
 * that did most.  NULL values when no snapshot has readings yet.
 */
CREATE OR REPLACE FUNCTION infraguard.database_activity_since_snapshot(
	OUT last_snapshot timestamptz, OUT deadlocks bigint, OUT deadlocks_db text,
	OUT temp_bytes bigint, OUT temp_bytes_db text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	BEGIN
		SELECT h.taken_at INTO last_snapshot
		  FROM infraguard.metric_history h
		 WHERE h.metric = 'db_xact_commit:' || current_database()
		 ORDER BY h.taken_at DESC LIMIT 1;
	EXCEPTION WHEN undefined_table OR undefined_column OR lock_not_available OR insufficient_privilege THEN
		last_snapshot := NULL;
	END;
	IF last_snapshot IS NULL THEN
		RETURN;
	END IF;
	/* a database created since, or reset since (counter below the reading): counted from zero */
	WITH d AS (
		SELECT c.metric, substr(c.metric, 4, strpos(c.metric, ':') - 4) AS counter,
			   substr(c.metric, strpos(c.metric, ':') + 1) AS dbname,
			   CASE WHEN c.value >= coalesce(h.value, 0) THEN c.value - coalesce(h.value, 0) ELSE c.value END AS delta
		  FROM infraguard_internal.database_counters() c
		  LEFT JOIN infraguard.metric_history h ON h.metric = c.metric AND h.taken_at = last_snapshot
		 WHERE c.metric LIKE 'db\_deadlocks:%' OR c.metric LIKE 'db\_temp\_bytes:%'
	)
	SELECT sum(d.delta) FILTER (WHERE d.counter = 'deadlocks')::bigint,
		   (array_agg(d.dbname ORDER BY d.delta DESC) FILTER (WHERE d.counter = 'deadlocks' AND d.delta > 0))[1],
		   sum(d.delta) FILTER (WHERE d.counter = 'temp_bytes')::bigint,
		   (array_agg(d.dbname ORDER BY d.delta DESC) FILTER (WHERE d.counter = 'temp_bytes' AND d.delta > 0))[1]
	  INTO deadlocks, deadlocks_db, temp_bytes, temp_bytes_db
	  FROM d;
END;
$$;
COMMENT ON FUNCTION infraguard.database_activity_since_snapshot() IS
	'Deadlocks and temporary bytes of every database since the last snapshot, with the database that had most';
REVOKE ALL ON FUNCTION infraguard.database_activity_since_snapshot() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.database_activity_since_snapshot() TO pg_monitor;
