/*
 * Risks: replication, wraparound, bloat, duplicate indexes, backups, security,
 * and the maintenance plan that follows from them.  Cheap on a busy server:
 * catalogs and statistics only, never a scan of user data.
 */


/*
 * On a primary, one row per standby (lags in bytes from the current WAL
 * position, and the times the walsender measured); on a standby, one row
 * for itself (replay behind receive, and time since the last message from
 * the primary).
 */
CREATE OR REPLACE FUNCTION infraguard.replication()
RETURNS TABLE (role text, application_name text, client_addr inet, state text,
			   sync_state text, write_lag_bytes bigint, flush_lag_bytes bigint,
			   replay_lag_bytes bigint, write_lag_seconds float8, flush_lag_seconds float8,
			   replay_lag_seconds float8, last_message_seconds float8)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF pg_is_in_recovery() THEN
		RETURN QUERY
		SELECT 'standby', NULL::text, NULL::inet,
			   coalesce((SELECT w.status FROM pg_stat_wal_receiver w), 'not streaming'),
			   NULL::text, NULL::bigint, NULL::bigint,
			   pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::bigint,
			   NULL::float8, NULL::float8,
			   CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
					ELSE round(extract(epoch FROM now() - pg_last_xact_replay_timestamp())::numeric, 3)::float8 END,
			   (SELECT round(extract(epoch FROM now() - w.last_msg_receipt_time)::numeric, 3)::float8
				  FROM pg_stat_wal_receiver w);
	ELSE
		RETURN QUERY
		SELECT 'primary', r.application_name, r.client_addr, r.state, r.sync_state,
			   pg_wal_lsn_diff(pg_current_wal_lsn(), r.write_lsn)::bigint,
			   pg_wal_lsn_diff(pg_current_wal_lsn(), r.flush_lsn)::bigint,
			   pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn)::bigint,
			   extract(epoch FROM r.write_lag)::float8,
			   extract(epoch FROM r.flush_lag)::float8,
			   extract(epoch FROM r.replay_lag)::float8,
			   round(extract(epoch FROM now() - r.reply_time)::numeric, 3)::float8
		  FROM pg_stat_replication r
		 ORDER BY r.application_name, r.pid;
	END IF;
END;
$$;
COMMENT ON FUNCTION infraguard.replication() IS
	'Replication lag per standby (on a primary) or of this standby';
REVOKE ALL ON FUNCTION infraguard.replication() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.replication() TO pg_monitor;

/*
 * Slots: how much WAL each one keeps (from the current position, or on a
 * standby the replay position) and whether it holds back the xmin horizon
 * (its xmin or catalog_xmin keeps VACUUM from removing dead rows).
 */
CREATE OR REPLACE FUNCTION infraguard.replication_slots()
RETURNS TABLE (slot_name name, slot_type text, dbname name, active boolean,
			   active_pid integer, wal_status text, retained_wal_bytes bigint,
			   retained_wal text, safe_wal_bytes bigint, holds_xmin boolean,
			   xmin_age integer)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT s.slot_name, s.slot_type, s.database, s.active, s.active_pid, s.wal_status,
		   w.bytes, pg_size_pretty(w.bytes), s.safe_wal_size,
		   s.xmin IS NOT NULL OR s.catalog_xmin IS NOT NULL,
		   greatest(age(s.xmin), age(s.catalog_xmin))
	  FROM pg_replication_slots s
	  CROSS JOIN LATERAL (
			SELECT pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()
										ELSE pg_current_wal_lsn() END,
								   s.restart_lsn)::bigint AS bytes) w
	 ORDER BY w.bytes DESC NULLS LAST, s.slot_name
$$;
COMMENT ON FUNCTION infraguard.replication_slots() IS
	'Replication slots: WAL retained, status, and whether they hold back the xmin horizon';
REVOKE ALL ON FUNCTION infraguard.replication_slots() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.replication_slots() TO pg_monitor;

/*
 * Wraparound: every database, then the 20 tables of this database (toast
 * tables included: they freeze separately) with the oldest relfrozenxid.
 * pct_of_limit is of 2^31, where the server stops accepting writes;
 * to_freeze_max_age is how far autovacuum's forced freeze still is
 * (negative: due or running).
 */
CREATE OR REPLACE FUNCTION infraguard.wraparound()
RETURNS TABLE (kind text, dbname name, schema_name name, table_name name,
			   xid_age integer, mxid_age integer, pct_of_limit float8, mxid_pct_of_limit float8,
			   freeze_max_age bigint, to_freeze_max_age bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	(SELECT 'database', d.datname, NULL::name, NULL::name,
			age(d.datfrozenxid), mxid_age(d.datminmxid),
			round((100.0 * age(d.datfrozenxid) / 2147483648)::numeric, 2)::float8,
			round((100.0 * mxid_age(d.datminmxid) / 2147483648)::numeric, 2)::float8,
			current_setting('autovacuum_freeze_max_age')::bigint,
			current_setting('autovacuum_freeze_max_age')::bigint - age(d.datfrozenxid)
	   FROM pg_database d
	  ORDER BY age(d.datfrozenxid) DESC)
	UNION ALL
	(SELECT 'table', current_database(), n.nspname, c.relname,
			age(c.relfrozenxid), mxid_age(c.relminmxid),
			round((100.0 * age(c.relfrozenxid) / 2147483648)::numeric, 2)::float8,
			round((100.0 * mxid_age(c.relminmxid) / 2147483648)::numeric, 2)::float8,
			f.max_age, f.max_age - age(c.relfrozenxid)
	   FROM pg_class c
	   JOIN pg_namespace n ON n.oid = c.relnamespace
	   CROSS JOIN LATERAL (
			SELECT least(coalesce((SELECT o.option_value::bigint FROM pg_options_to_table(c.reloptions) o
									WHERE o.option_name = 'autovacuum_freeze_max_age'),
								  current_setting('autovacuum_freeze_max_age')::bigint),
						 current_setting('autovacuum_freeze_max_age')::bigint) AS max_age) f
	  WHERE c.relkind IN ('r', 'm', 't')
	  ORDER BY age(c.relfrozenxid) DESC, c.oid
	  LIMIT 20)
$$;
COMMENT ON FUNCTION infraguard.wraparound() IS
	'Transaction id and multixact age per database and for the 20 oldest tables, against the wraparound limit';
REVOKE ALL ON FUNCTION infraguard.wraparound() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.wraparound() TO pg_monitor;

/*
 * Column widths and null fractions from pg_statistic, for the bloat
 * estimate.  pg_stats hides the statistics of tables the caller cannot
 * read, which would leave a monitoring role without an estimate; this
 * exposes only the two numbers the estimate needs, never sampled values.
 * SECURITY DEFINER with a fixed search_path, executable by pg_monitor only.
 */
CREATE OR REPLACE FUNCTION infraguard.column_widths()
RETURNS TABLE (relid oid, attnum smallint, null_frac real, avg_width integer)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT s.starelid, s.staattnum, s.stanullfrac, s.stawidth
	  FROM pg_statistic s
	 WHERE NOT s.stainherit
$$;
COMMENT ON FUNCTION infraguard.column_widths() IS
	'Internal: average width and null fraction of every analysed column (no sampled values)';
REVOKE ALL ON FUNCTION infraguard.column_widths() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.column_widths() TO pg_monitor;

/*
 * Estimated bloat from catalog statistics, without reading the relations:
 * the pages the rows would need at their average width (tuple and page
 * headers, alignment, fillfactor) against the pages they occupy.  Tables
 * with toast: the toast pages count, estimated at 4 chunks a page.  Indexes:
 * B-tree only (other access methods have no simple layout to model).  A
 * relation never analysed, or with columns missing statistics, has a NULL
 * estimate.  Relations under 8 pages are left out: their bloat is noise.
 * Measured against pgstattuple: see the README.
 */
CREATE OR REPLACE FUNCTION infraguard.bloat()
RETURNS TABLE (schema_name name, object_name name, kind text, table_name name,
			   size_bytes bigint, size text, estimated_bloat_bytes bigint,
			   estimated_bloat text, bloat_pct float8)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH consts AS (
		SELECT current_setting('block_size')::numeric AS bs,
			   24 AS page_hdr,
			   8 AS ma					-- MAXALIGN on every 64-bit platform PostgreSQL supports
	), widths AS (
		SELECT * FROM infraguard.column_widths()
	), tbl AS (
		SELECT c.oid, n.nspname, c.relname, c.reltuples, c.relpages,
			   coalesce(t.relpages, 0) AS toast_pages, coalesce(t.reltuples, 0) AS toast_tuples,
			   coalesce((SELECT o.option_value::int FROM pg_options_to_table(c.reloptions) o
						  WHERE o.option_name = 'fillfactor'), 100) AS fillfactor,
			   23 + CASE WHEN max(w.null_frac) > 0 THEN (7 + count(a.attnum)) / 8 ELSE 0 END AS hdr,
			   sum((1 - coalesce(w.null_frac, 0)) * coalesce(w.avg_width, 0)) AS data_width,
			   count(a.attnum) = count(w.attnum) AS complete
		  FROM pg_class c
		  JOIN pg_namespace n ON n.oid = c.relnamespace
		  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
		  LEFT JOIN widths w ON w.relid = c.oid AND w.attnum = a.attnum
		  LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
		 WHERE c.relkind IN ('r', 'm')
		   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
		   AND n.nspname !~ '^pg_toast'
		   AND c.relpages >= 8
		 GROUP BY c.oid, n.nspname, c.relname, c.reltuples, c.relpages, t.relpages, t.reltuples, c.reloptions
	), tbl_est AS (
		SELECT tbl.*,
			   CASE WHEN tbl.complete AND tbl.reltuples >= 0 THEN
					ceil(tbl.reltuples
						 / floor((k.bs - k.page_hdr) * tbl.fillfactor / 100
								 / (4	-- line pointer
									+ ceil(tbl.hdr::numeric / k.ma) * k.ma
									+ ceil(tbl.data_width / k.ma) * k.ma)))
					+ ceil(tbl.toast_tuples / 4)
			   END AS est_pages,
			   k.bs
		  FROM tbl, consts k
	), idx AS (
		SELECT ic.oid, n.nspname, ic.relname, tc.relname AS tblname, ic.reltuples, ic.relpages,
			   coalesce((SELECT o.option_value::int FROM pg_options_to_table(ic.reloptions) o
						  WHERE o.option_name = 'fillfactor'), 90) AS fillfactor,
			   8 + CASE WHEN max(coalesce(wt.null_frac, we.null_frac)) > 0 THEN 4 ELSE 0 END AS hdr,
			   sum(coalesce(wt.avg_width, we.avg_width, 0)) AS data_width,
			   count(*) = count(coalesce(wt.avg_width, we.avg_width)) AS complete
		  FROM pg_index i
		  JOIN pg_class ic ON ic.oid = i.indexrelid
		  JOIN pg_class tc ON tc.oid = i.indrelid
		  JOIN pg_am am ON am.oid = ic.relam AND am.amname = 'btree'
		  JOIN pg_namespace n ON n.oid = ic.relnamespace
		  CROSS JOIN LATERAL generate_series(1, i.indnatts) AS k(pos)
		  /* a column's statistics are the table's; an expression's, the index's */
		  LEFT JOIN widths wt
			ON i.indkey[k.pos - 1] <> 0 AND wt.relid = i.indrelid AND wt.attnum = i.indkey[k.pos - 1]
		  LEFT JOIN widths we
			ON i.indkey[k.pos - 1] = 0 AND we.relid = i.indexrelid AND we.attnum = k.pos
		 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
		   AND n.nspname !~ '^pg_toast'
		   AND ic.relpages >= 8
		   AND i.indisvalid
		 GROUP BY ic.oid, n.nspname, ic.relname, tc.relname, ic.reltuples, ic.relpages, ic.reloptions
	), idx_est AS (
		SELECT idx.*,
			   CASE WHEN idx.complete AND idx.reltuples >= 0 THEN
					1 + ceil(idx.reltuples
							 / floor((k.bs - k.page_hdr - 16) * idx.fillfactor / 100	-- 16: B-tree special space
									 / (4 + ceil((idx.hdr + idx.data_width)::numeric / k.ma) * k.ma)))
			   END AS est_pages,
			   k.bs
		  FROM idx, consts k
	), est AS (
		SELECT t.nspname, t.relname, 'table' AS kind, t.relname AS tblname,
			   ((t.relpages + t.toast_pages) * t.bs)::bigint AS size_bytes,
			   (greatest(t.relpages + t.toast_pages - t.est_pages, 0) * t.bs)::bigint AS bloat_bytes,
			   t.est_pages
		  FROM tbl_est t
		UNION ALL
		SELECT i.nspname, i.relname, 'index', i.tblname,
			   (i.relpages * i.bs)::bigint,
			   (greatest(i.relpages - i.est_pages, 0) * i.bs)::bigint,
			   i.est_pages
		  FROM idx_est i
	)
	SELECT e.nspname, e.relname, e.kind, e.tblname, e.size_bytes, pg_size_pretty(e.size_bytes),
		   CASE WHEN e.est_pages IS NOT NULL THEN e.bloat_bytes END,
		   CASE WHEN e.est_pages IS NOT NULL THEN pg_size_pretty(e.bloat_bytes) END,
		   CASE WHEN e.est_pages IS NOT NULL
				THEN round((100.0 * e.bloat_bytes / nullif(e.size_bytes, 0))::numeric, 1)::float8 END
	  FROM est e
	 ORDER BY e.bloat_bytes DESC NULLS LAST, e.nspname, e.relname
$$;
COMMENT ON FUNCTION infraguard.bloat() IS
	'Estimated table and B-tree index bloat from catalog statistics (no scans)';
REVOKE ALL ON FUNCTION infraguard.bloat() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.bloat() TO pg_monitor;

/*
 * Indexes another index makes redundant: identical definitions, or a
 * B-tree whose key columns are a leading prefix of another's (same
 * operator classes, collations and orderings, same predicate, no
 * expressions).  Each suggestion runs as written and drops only that index:
 * - never dropped: an index that enforces a constraint or that a foreign key
 *   references, the replica identity index (UPDATEs and DELETEs on a
 *   published table fail without it), an index attached to a partitioned
 *   index (only the parent can be dropped, and then the duplicate is the
 *   parent's), and a unique index whose twin is not unique in the same way
 *   (NULLS NOT DISTINCT, deferrable): that would weaken a rule;
 * - listed with why, but no DROP: the table's CLUSTER index, and an index of
 *   an extension's table;
 * - a partitioned index is dropped with a plain DROP INDEX (CONCURRENTLY is
 *   refused for it), whose lock the reason states;
 * - another session's temporary indexes are never listed.
 * Among identical ones the one kept is, in this order, the one that must
 * stay, the CLUSTER or extension's one, a unique one, the older one; the
 * index named as kept is never itself dropped by this list.
 */
CREATE OR REPLACE FUNCTION infraguard.duplicate_indexes(include_infraguard boolean DEFAULT false)
RETURNS TABLE (schema_name name, table_name name, index_name name, duplicate_of name,
			   relation text, size_bytes bigint, size text, suggestion text, reason text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH ix AS (
		SELECT i.indexrelid, i.indrelid, i.indisunique, i.indisclustered,
			   i.indnullsnotdistinct, i.indimmediate,
			   i.indnatts, i.indnkeyatts, c.relam, c.relkind,
			   i.indkey::text AS keys, i.indclass::text AS classes,
			   i.indcollation::text AS collations, i.indoption::text AS options,
			   pg_get_expr(i.indexprs, i.indrelid) AS exprs,
			   pg_get_expr(i.indpred, i.indrelid) AS pred,
			   EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
			   OR i.indisreplident OR c.relispartition AS pinned,
			   e.extname
		  FROM pg_index i
		  JOIN pg_class c ON c.oid = i.indexrelid
		  JOIN pg_namespace n ON n.oid = c.relnamespace
		  LEFT JOIN LATERAL (
				SELECT x.extname
				  FROM pg_depend d
				  JOIN pg_extension x ON x.oid = d.refobjid
				 WHERE d.classid = 'pg_class'::regclass AND d.objid IN (i.indexrelid, i.indrelid)
				   AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
				 LIMIT 1) e ON true
		 WHERE i.indisvalid AND i.indisready AND i.indislive
		   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
		   AND n.nspname !~ '^pg_toast'
		   AND NOT pg_is_other_temp_schema(n.oid)
		   AND (coalesce(duplicate_indexes.include_infraguard, false) OR n.nspname <> 'infraguard')
	), pairs AS (
		/* identical: b outranks a (must stay; CLUSTER or extension's; unique; older) */
		SELECT a.indexrelid AS drop_id, b.indexrelid AS keep_id, 'identical' AS relation
		  FROM ix a
		  JOIN ix b ON b.indrelid = a.indrelid AND b.indexrelid <> a.indexrelid
				   AND b.relam = a.relam AND b.keys = a.keys AND b.classes = a.classes
				   AND b.collations = a.collations AND b.options = a.options
				   AND b.exprs IS NOT DISTINCT FROM a.exprs AND b.pred IS NOT DISTINCT FROM a.pred
				   AND b.indnkeyatts = a.indnkeyatts
		 WHERE NOT a.pinned
		   AND NOT (a.indisunique AND NOT b.indisunique)
		   AND NOT (a.indisunique AND (a.indnullsnotdistinct <> b.indnullsnotdistinct
									   OR a.indimmediate <> b.indimmediate))
		   AND ROW(b.pinned, b.indisclustered OR b.extname IS NOT NULL, b.indisunique, a.indexrelid)
			   > ROW(a.pinned, a.indisclustered OR a.extname IS NOT NULL, a.indisunique, b.indexrelid)
		UNION ALL
		/* a leading prefix of another B-tree's key columns */
		SELECT a.indexrelid, b.indexrelid, 'prefix'
		  FROM ix a
		  JOIN ix b ON b.indrelid = a.indrelid AND b.indexrelid <> a.indexrelid
				   AND b.relam = a.relam
				   AND b.indnkeyatts > a.indnkeyatts
				   AND b.keys LIKE a.keys || ' %' AND b.classes LIKE a.classes || ' %'
				   AND b.collations LIKE a.collations || ' %' AND b.options LIKE a.options || ' %'
				   AND b.pred IS NOT DISTINCT FROM a.pred
		  JOIN pg_am am ON am.oid = a.relam AND am.amname = 'btree'
		 WHERE a.exprs IS NULL AND b.exprs IS NULL
		   AND a.indnatts = a.indnkeyatts AND b.indnatts = b.indnkeyatts
		   AND NOT a.indisunique AND NOT a.pinned
	), dropped AS (
		/* what this list drops: a pair's first index, unless it is only explained */
		SELECT DISTINCT p.drop_id
		  FROM pairs p
		  JOIN ix a ON a.indexrelid = p.drop_id
		 WHERE NOT a.indisclustered AND a.extname IS NULL
	)
	/* one row per index; the twin kept is one this list does not drop, an identical one first */
	SELECT DISTINCT ON (p.drop_id) n.nspname, t.relname, d.relname, k.relname, p.relation,
		   sz.bytes, pg_size_pretty(sz.bytes),
		   CASE WHEN a.indisclustered OR a.extname IS NOT NULL THEN NULL
				WHEN a.relkind = 'I' THEN format('DROP INDEX %I.%I;', n.nspname, d.relname)
				ELSE format('DROP INDEX CONCURRENTLY %I.%I;', n.nspname, d.relname)
		   END,
		   format('%s of %I', p.relation, k.relname)
		   || CASE WHEN a.indisclustered
				   THEN format('; not dropped: it is the CLUSTER index of %I.%I, and a later CLUSTER %I.%I would fail without it; first ALTER TABLE %I.%I CLUSTER ON %I (%s), then drop it',
							   n.nspname, t.relname, n.nspname, t.relname, n.nspname, t.relname, k.relname,
							   CASE p.relation WHEN 'prefix' THEN 'the same leading order' ELSE 'the same order' END)
				   WHEN a.extname IS NOT NULL
				   THEN format('; not dropped: belongs to extension %I (the index or its table): its scripts and updates expect it', a.extname)
				   WHEN a.relkind = 'I'
				   THEN format('; a partitioned index cannot be dropped CONCURRENTLY: this DROP INDEX holds an ACCESS EXCLUSIVE lock on %I.%I and every partition (blocking reads and writes) until it commits, so run it in a quiet moment with a lock_timeout',
							   n.nspname, t.relname)
				   ELSE ''
			  END
	  FROM pairs p
	  JOIN ix a ON a.indexrelid = p.drop_id
	  JOIN pg_class d ON d.oid = p.drop_id
	  JOIN pg_class k ON k.oid = p.keep_id
	  JOIN pg_class t ON t.oid = a.indrelid
	  JOIN pg_namespace n ON n.oid = d.relnamespace
	  /* a partitioned index has no storage: its partitions' indexes do */
	  CROSS JOIN LATERAL (
			SELECT coalesce(sum(pg_relation_size(l.relid)), 0)::bigint AS bytes
			  FROM (SELECT p.drop_id AS relid WHERE a.relkind = 'i'
					UNION ALL
					SELECT pt.relid FROM pg_partition_tree(p.drop_id) pt
					 WHERE a.relkind = 'I' AND pt.isleaf) l) sz
	 ORDER BY p.drop_id, p.keep_id IN (SELECT x.drop_id FROM dropped x), p.relation, p.keep_id
$$;
COMMENT ON FUNCTION infraguard.duplicate_indexes(boolean) IS
	'Indexes made redundant by an identical index or one whose leading columns they are, with a DROP suggestion that runs as written or the reason there is none (never executed)';
REVOKE ALL ON FUNCTION infraguard.duplicate_indexes(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.duplicate_indexes(boolean) TO pg_monitor;

/*
 * WAL archiving, from pg_stat_archiver and the settings.
 */
CREATE OR REPLACE FUNCTION infraguard.backup_status()
RETURNS TABLE (archive_mode text, archiving_configured boolean, archived_count bigint,
			   last_archived_wal text, last_archived_time timestamptz,
			   seconds_since_last_archive float8, failed_count bigint,
			   last_failed_wal text, last_failed_time timestamptz, failing boolean,
			   stats_reset timestamptz)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT current_setting('archive_mode'),
		   current_setting('archive_mode') <> 'off'
		   AND (current_setting('archive_command') <> '' OR current_setting('archive_library') <> ''),
		   a.archived_count, a.last_archived_wal, a.last_archived_time,
		   round(extract(epoch FROM now() - a.last_archived_time)::numeric, 1)::float8,
		   a.failed_count, a.last_failed_wal, a.last_failed_time,
		   a.last_failed_time IS NOT NULL
		   AND a.last_failed_time > coalesce(a.last_archived_time, '-infinity'),
		   a.stats_reset
	  FROM pg_stat_archiver a
$$;
COMMENT ON FUNCTION infraguard.backup_status() IS
	'WAL archiving: mode, successes, failures, and whether the archiver is failing now';
REVOKE ALL ON FUNCTION infraguard.backup_status() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.backup_status() TO pg_monitor;

CREATE OR REPLACE VIEW infraguard.backups AS
	SELECT b.backup_id, b.kind, b.label, b.finished_at, now() - b.finished_at AS age,
		   b.size_bytes, pg_size_pretty(b.size_bytes) AS size, b.location, b.verified,
		   b.recorded_by
	  FROM infraguard.backup_registry b
	 ORDER BY b.finished_at DESC;
COMMENT ON VIEW infraguard.backups IS 'Recorded backups, newest first';
REVOKE ALL ON TABLE infraguard.backups FROM PUBLIC;
GRANT SELECT ON TABLE infraguard.backups TO pg_monitor;

CREATE OR REPLACE FUNCTION infraguard.record_backup(kind text, label text, finished_at timestamptz,
										 size_bytes bigint, location text,
										 verified boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	id bigint;
BEGIN
	IF kind IS NULL OR kind NOT IN ('pg_dump', 'pg_basebackup', 'pgbackrest', 'barman', 'wal-g',
									'snapshot', 'other') THEN
		RAISE EXCEPTION 'invalid backup kind "%"', coalesce(kind, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Valid kinds are pg_dump, pg_basebackup, pgbackrest, barman, wal-g, snapshot and other.';
	END IF;
	IF finished_at IS NULL OR finished_at > now() + interval '5 minutes' THEN
		RAISE EXCEPTION 'finished_at must be a time in the past, not %', coalesce(finished_at::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Pass the time the backup finished, for example now().';
	END IF;
	IF size_bytes < 0 THEN
		RAISE EXCEPTION 'size_bytes must not be negative'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF verified IS NULL THEN
		RAISE EXCEPTION 'verified must not be NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass true only if the backup was restored or checked.';
	END IF;
	INSERT INTO infraguard.backup_registry (kind, label, finished_at, size_bytes, location, verified)
	VALUES (record_backup.kind, record_backup.label, record_backup.finished_at,
			record_backup.size_bytes, record_backup.location, record_backup.verified)
	RETURNING backup_id INTO id;
	RETURN id;
END;
$$;
COMMENT ON FUNCTION infraguard.record_backup(text, text, timestamptz, bigint, text, boolean) IS
	'Register a backup taken outside the server (for backup scripts, role infraguard_backup_writer)';
REVOKE ALL ON FUNCTION infraguard.record_backup(text, text, timestamptz, bigint, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.record_backup(text, text, timestamptz, bigint, text, boolean)
	TO infraguard_backup_writer;

/*
 * Backups older than keep that are not the newest verified one: a list for
 * the DBA's cleanup, never a deletion.
 */
CREATE OR REPLACE FUNCTION infraguard.backups_safe_to_delete(keep interval DEFAULT '30 days')
RETURNS TABLE (backup_id bigint, kind text, label text, finished_at timestamptz,
			   size_bytes bigint, location text, verified boolean)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF keep IS NULL OR keep <= interval '0' OR keep > interval '100 years' THEN
		RAISE EXCEPTION 'keep must be a positive interval of at most 100 years, not %', coalesce(keep::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'For example: SELECT * FROM infraguard.backups_safe_to_delete(''30 days'');';
	END IF;
	RETURN QUERY
	SELECT b.backup_id, b.kind, b.label, b.finished_at, b.size_bytes, b.location, b.verified
	  FROM infraguard.backup_registry b
	 WHERE b.finished_at < now() - keep
	   AND b.backup_id IS DISTINCT FROM (SELECT v.backup_id FROM infraguard.backup_registry v
										  WHERE v.verified
										  ORDER BY v.finished_at DESC, v.backup_id DESC LIMIT 1)
	 ORDER BY b.finished_at, b.backup_id;
END;
$$;
COMMENT ON FUNCTION infraguard.backups_safe_to_delete(interval) IS
	'Backups older than keep, except the newest verified one (a list; nothing is deleted)';
REVOKE ALL ON FUNCTION infraguard.backups_safe_to_delete(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.backups_safe_to_delete(interval) TO pg_monitor;
