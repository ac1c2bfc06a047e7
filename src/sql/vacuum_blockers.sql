/*
 * What holds back VACUUM: everything that keeps the xmin horizon (the
 * oldest transaction whose view of the data must be kept) from advancing,
 * so that dead rows deleted or updated after it cannot be removed.
 */

/*
 * vacuum_blockers(): one row per holder of the horizon, the oldest first.
 *
 * Sources, as the server's own horizon computation (ComputeXidHorizons in
 * procarray.c) counts them:
 *	- backends: the older of their transaction id and snapshot xmin
 *	  (pg_stat_activity.backend_xid/backend_xmin).  Not counted: our own
 *	  session, lazy VACUUMs (autovacuum's "VACUUM", whose xmin other vacuums
 *	  ignore: PROC_IN_VACUUM) and WAL senders, whose xmin is a standby's
 *	  feedback and is listed as such below;
 *	- prepared transactions (pg_prepared_xacts): their transaction id, until
 *	  COMMIT PREPARED or ROLLBACK PREPARED, across restarts;
 *	- replication slots: xmin (a standby's hot_standby_feedback through a
 *	  physical slot; kept while the standby is away) holds every table,
 *	  catalog_xmin (logical decoding) holds the system catalogs only;
 *	- standbys' hot_standby_feedback without a slot
 *	  (pg_stat_replication.backend_xmin).
 * Consistency: one statement, so one snapshot of the statistics and one
 * reference transaction id for every age() (it is stable within the
 * transaction): the rows are comparable with each other.
 *
 * scope says what the holder keeps from being cleaned: a backend or
 * prepared transaction holds its own database's tables (and the shared
 * catalogs); slots and standby feedback hold every database.  rank orders
 * by xid_age, oldest first: the first row whose scope covers a table is
 * what VACUUM of that table reports as its removable cutoff.
 *
 * action is one SQL statement that removes the holder (to be run in dbname
 * for a prepared transaction), or NULL where the cure is elsewhere (an
 * active slot: its standby; a standby's feedback: the standby's own
 * vacuum_blockers()); advice says what it costs and what else to do.
 * Dead tuples kept alive per holder are not estimated: the statistics count
 * dead tuples per table, not per deleting transaction, so any split between
 * holders would be invented; VACUUM VERBOSE's "dead but not yet removable"
 * is the count for a table.
 */
CREATE OR REPLACE FUNCTION infraguard.vacuum_blockers()
RETURNS TABLE (rank integer, kind text, name text, pid integer, dbname name, username name,
			   horizon_xid xid, xid_age integer, since timestamptz, age_seconds float8,
			   state text, query text, scope text, advice text, action text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT (row_number() OVER (ORDER BY b.xid_age DESC, b.kind, b.name))::integer,
		   b.kind, b.name, b.pid, b.dbname, b.username, b.horizon_xid, b.xid_age, b.since,
		   round(extract(epoch FROM now() - b.since)::numeric, 1)::float8,
		   b.state, b.query, b.scope, b.advice, b.action
	  FROM (
		SELECT 'backend' AS kind, a.pid::text AS name, a.pid, a.datname AS dbname, a.usename AS username,
			   h.xid AS horizon_xid, age(h.xid) AS xid_age, a.xact_start AS since,
			   a.state, left(a.query, 1000) AS query,
			   CASE WHEN a.datname = current_database() THEN 'this database'
					WHEN a.datname IS NULL THEN 'all databases'
					ELSE 'database ' || quote_ident(a.datname) || ' and shared catalogs' END AS scope,
			   CASE WHEN a.state LIKE 'idle in transaction%'
					THEN 'A session idle in an open transaction: end it (its transaction rolls back); then fix the application that leaves transactions open, or set idle_in_transaction_session_timeout'
					ELSE 'A long transaction or statement: end the session (its transaction rolls back), or wait for it; a REPEATABLE READ or SERIALIZABLE transaction holds its snapshot until it ends' END AS advice,
			   format('SELECT pg_terminate_backend(%s);', a.pid) AS action
		  FROM pg_stat_activity a
		  /* the older of the two: an xid is held until its transaction ends */
		  CROSS JOIN LATERAL (
				SELECT CASE WHEN a.backend_xid IS NULL THEN a.backend_xmin
							WHEN a.backend_xmin IS NULL THEN a.backend_xid
							WHEN age(a.backend_xid) >= age(a.backend_xmin) THEN a.backend_xid
							ELSE a.backend_xmin END AS xid) h
		 WHERE h.xid IS NOT NULL
		   AND a.pid <> pg_backend_pid()
		   AND a.backend_type <> 'walsender'
		   AND NOT (a.backend_type = 'autovacuum worker' AND a.query LIKE 'autovacuum: VACUUM%')
		UNION ALL
		SELECT 'prepared_transaction', p.gid, NULL, p.database, p.owner,
			   p.transaction, age(p.transaction), p.prepared,
			   'prepared', NULL,
			   CASE WHEN p.database = current_database() THEN 'this database'
					ELSE 'database ' || quote_ident(p.database) || ' and shared catalogs' END,
			   'A prepared transaction (two-phase commit) whose transaction manager never finished it: it survives restarts. Ask its owner whether to commit or roll it back; run the statement in database ' || quote_ident(p.database),
			   format('ROLLBACK PREPARED %L;', p.gid)
		  FROM pg_prepared_xacts p
		UNION ALL
		SELECT 'replication_slot', s.slot_name, s.active_pid, s.database, NULL,
			   x.xid, age(x.xid), NULL,
			   CASE WHEN s.active THEN 'active' ELSE 'inactive' END, NULL,
			   CASE WHEN x.catalog_only THEN 'system catalogs of all databases' ELSE 'all databases' END,
			   CASE WHEN s.active AND s.slot_type = 'physical'
					THEN 'The standby streaming from this slot sends hot_standby_feedback: its oldest query holds the horizon. On the standby, run SELECT * FROM infraguard.vacuum_blockers(); and end what it shows, or turn hot_standby_feedback off there'
					WHEN s.active
					THEN 'A logical replication consumer is behind: catalogs keep their dead rows until it confirms; find why it lags (SELECT * FROM infraguard.replication_slots();)'
					ELSE 'An inactive slot: its consumer is gone but the slot keeps the horizon (and WAL). Drop it if the consumer will not come back' END,
			   CASE WHEN NOT s.active THEN format('SELECT pg_drop_replication_slot(%L);', s.slot_name) END
		  FROM pg_replication_slots s
		  CROSS JOIN LATERAL (VALUES (s.xmin, false), (s.catalog_xmin, true)) x(xid, catalog_only)
		 /* a slot whose xmin and catalog_xmin are equal: once, as the wider (xmin) */
		 WHERE x.xid IS NOT NULL
		   AND NOT (x.catalog_only AND s.xmin IS NOT NULL AND age(s.xmin) >= age(s.catalog_xmin))
		UNION ALL
		SELECT 'standby_feedback', coalesce(r.application_name, r.pid::text), r.pid, NULL, r.usename,
			   r.backend_xmin, age(r.backend_xmin), NULL,
			   r.state, NULL, 'all databases',
			   'A standby''s hot_standby_feedback (without a slot): its oldest query holds the horizon. On that standby, run SELECT * FROM infraguard.vacuum_blockers(); and end what it shows, or turn hot_standby_feedback off there',
			   NULL
		  FROM pg_stat_replication r
		 WHERE r.backend_xmin IS NOT NULL
	  ) b
	 ORDER BY 1
$$;
COMMENT ON FUNCTION infraguard.vacuum_blockers() IS
	'Everything holding back the xmin horizon (backends, prepared transactions, replication slots, standby feedback), oldest first, with the statement that removes each';
REVOKE ALL ON FUNCTION infraguard.vacuum_blockers() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.vacuum_blockers() TO pg_monitor;

/*
 * xid_forecast(): per database, how fast transaction ids are consumed (the
 * server-wide rate, from the next transaction id the snapshots record as
 * metric next_xid) and how many days remain until autovacuum's forced,
 * aggressive anti-wraparound vacuum (age reaching autovacuum_freeze_max_age)
 * and until the server stops assigning transaction ids (2^31 - 3,000,000,
 * SetTransactionIdLimit's xidStopLimit), if the rate stays the same and
 * nothing is frozen.  NULL days: no rate yet (fewer than two snapshots in
 * the window, or no transaction id consumed); 0: already due.
 */
CREATE OR REPLACE FUNCTION infraguard.xid_forecast(window_length interval DEFAULT '1 day')
RETURNS TABLE (dbname name, xid_age integer, freeze_max_age bigint, xids_per_second float8,
			   days_to_aggressive_vacuum float8, days_to_wraparound_stop float8,
			   rate_since timestamptz)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	first_t timestamptz;
	first_v float8;
	rate float8;
BEGIN
	IF window_length IS NULL OR window_length <= interval '0' THEN
		RAISE EXCEPTION 'window_length must be a positive interval, not %', coalesce(window_length::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Pass how far back to measure the consumption rate, for example ''1 day''.';
	END IF;
	SELECT h.taken_at, h.value INTO first_t, first_v
	  FROM infraguard.metric_history h
	 WHERE h.metric = 'next_xid' AND h.taken_at >= now() - window_length
	 ORDER BY h.taken_at
	 LIMIT 1;
	/* the rate up to now: the current next xid, read without assigning one */
	IF first_t IS NOT NULL AND clock_timestamp() > first_t THEN
		rate := ((pg_snapshot_xmax(pg_current_snapshot())::text)::float8 - first_v)
				/ extract(epoch FROM clock_timestamp() - first_t);
		IF rate <= 0 THEN
			rate := NULL;
		END IF;
	END IF;
	RETURN QUERY
	SELECT d.datname, age(d.datfrozenxid),
		   current_setting('autovacuum_freeze_max_age')::bigint,
		   round(rate::numeric, 3)::float8,
		   round((greatest(current_setting('autovacuum_freeze_max_age')::bigint - age(d.datfrozenxid), 0)
				  / rate / 86400)::numeric, 2)::float8,
		   round((greatest(2147483648 - 3000000 - age(d.datfrozenxid), 0) / rate / 86400)::numeric, 2)::float8,
		   first_t
	  FROM pg_database d
	 ORDER BY age(d.datfrozenxid) DESC, d.datname;
END;
$$;
COMMENT ON FUNCTION infraguard.xid_forecast(interval) IS
	'Transaction id consumption rate (from history) and days until aggressive anti-wraparound vacuum and until wraparound, per database';
REVOKE ALL ON FUNCTION infraguard.xid_forecast(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.xid_forecast(interval) TO pg_monitor;
