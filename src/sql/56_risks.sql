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
 * Column widths, null fractions, distinct counts and whether the width is
 * fixed, from pg_statistic, for the bloat estimate.  pg_stats hides the
 * statistics of tables the caller cannot read, which would leave a
 * monitoring role without an estimate; this exposes only what the estimate
 * needs, never sampled values.  SECURITY DEFINER with a fixed search_path,
 * executable by pg_monitor only.
 */
CREATE OR REPLACE FUNCTION infraguard.column_widths()
RETURNS TABLE (relid oid, attnum smallint, null_frac real, avg_width integer, n_distinct real,
			   fixed_width boolean)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT s.starelid, s.staattnum, s.stanullfrac, s.stawidth, s.stadistinct,
		   /*
			* A string column whose sampled values (most common values and
			* histogram) all have one length, like hashes or codes: its rows
			* then have no padding to average.  Only the boolean leaves.
			*/
		   CASE WHEN t.typcategory = 'S' AND t.typlen = -1 THEN
				(SELECT min(octet_length(v)) = max(octet_length(v))
				   FROM unnest(CASE WHEN s.stakind1 IN (1, 2) THEN s.stavalues1::text::text[] END
							   || CASE WHEN s.stakind2 IN (1, 2) THEN s.stavalues2::text::text[] END
							   || CASE WHEN s.stakind3 IN (1, 2) THEN s.stavalues3::text::text[] END) v)
		   END
	  FROM pg_statistic s
	  JOIN pg_attribute a ON a.attrelid = s.starelid AND a.attnum = s.staattnum
	  JOIN pg_type t ON t.oid = a.atttypid
	 WHERE NOT s.stainherit
$$;
COMMENT ON FUNCTION infraguard.column_widths() IS
	'Internal: average width, null fraction, distinct count and fixed width of every analysed column (no sampled values)';
REVOKE ALL ON FUNCTION infraguard.column_widths() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.column_widths() TO pg_monitor;

/*
 * Size of a relation's main fork without waiting for a lock (NULL when
 * another session holds or awaits an ACCESS EXCLUSIVE lock on it): bloat()
 * and so health() never hang behind a LOCK TABLE, ALTER TABLE or VACUUM FULL.
 */
CREATE OR REPLACE FUNCTION infraguard.relation_size_nowait(relid oid)
RETURNS bigint
AS 'MODULE_PATHNAME', 'infraguard_relation_size_nowait'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION infraguard.relation_size_nowait(oid) IS
	'Internal: size of a relation''s main fork, or NULL instead of waiting for a lock';
REVOKE ALL ON FUNCTION infraguard.relation_size_nowait(oid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.relation_size_nowait(oid) TO pg_monitor;

/*
 * Where the data of an average tuple ends, laid out as heap_fill_tuple()
 * does: each column in attribute order, aligned on its typalign first
 * (a varlena short enough for a 1-byte header is not aligned), absent
 * when NULL.  start is the data offset (the header's size).  exact is
 * false once the offset depends on the row (a column NULL in some rows, or a
 * varlena whose sampled values are not all one length: fixed); from there
 * an alignment costs its expected padding, (a - 1) / 2 bytes, and the
 * caller adds the expected 3.5 bytes of the final MAXALIGN.
 */
CREATE OR REPLACE FUNCTION infraguard.tuple_data_end(start float8, aligns "char"[], lens smallint[],
										  storages "char"[], widths float8[], null_fracs float8[],
										  fixed boolean[], OUT data_end float8, OUT exact boolean)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	a integer;
	w float8;
	p float8;
	pad float8;
BEGIN
	data_end := start;
	exact := true;
	FOR i IN 1 .. coalesce(array_length(widths, 1), 0) LOOP
		w := coalesce(widths[i], 0);
		p := least(greatest(coalesce(null_fracs[i], 0), 0), 1);
		a := CASE aligns[i] WHEN 'd' THEN 8 WHEN 'i' THEN 4 WHEN 's' THEN 2 ELSE 1 END;
		/* packable varlenas under 127 bytes are stored with a 1-byte header, unaligned */
		IF lens[i] = -1 AND storages[i] <> 'p' AND w < 127 THEN
			a := 1;
		END IF;
		IF exact THEN
			pad := ceil(data_end / a) * a - data_end;
		ELSE
			pad := (a - 1) / 2.0;
		END IF;
		data_end := data_end + (1 - p) * (pad + w);
		IF (p > 0 AND p < 1) OR (p < 1 AND lens[i] < 0 AND NOT coalesce(fixed[i], false)) THEN
			exact := false;
		END IF;
	END LOOP;
END;
$$;
COMMENT ON FUNCTION infraguard.tuple_data_end(float8, "char"[], smallint[], "char"[], float8[], float8[], boolean[]) IS
	'Internal: expected end of an average tuple''s data with each column''s alignment padding (for bloat())';
REVOKE ALL ON FUNCTION infraguard.tuple_data_end(float8, "char"[], smallint[], "char"[], float8[], float8[], boolean[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.tuple_data_end(float8, "char"[], smallint[], "char"[], float8[], float8[], boolean[]) TO pg_monitor;

/*
 * Estimated bloat from catalog statistics, without reading the relations:
 * the size VACUUM FULL (tables, with their toast) or REINDEX (B-tree
 * indexes) would give them, against their real size now (the files'
 * size, never relpages, which is only as fresh as the last VACUUM; but
 * relpages for a relation another session has locked exclusively, rather
 * than wait for it).
 *
 * Tables: live rows now (the statistics counters when the table was
 * vacuumed or analysed since they were reset, else reltuples) at the width
 * of an average row: tuple header (with the null bitmap in the share of
 * rows that has a NULL), each column aligned in order, MAXALIGN, line
 * pointer, packed as heap_insert() fills a page under the table's
 * fillfactor.  A table whose rows are all gone needs no page at all.  Toast:
 * the chunks its last VACUUM counted, at four a page (full chunks); never
 * vacuumed, its size is taken as needed.
 * Indexes: B-tree only, as a build (REINDEX) lays them out: leaf items at
 * the fillfactor, and with deduplication (non-unique, no INCLUDE, operator
 * classes with equalimage, deduplicate_items on) posting lists of up to
 * 10% of a page per distinct key, distinct keys from the columns'
 * n_distinct; internal pages at 70%.
 * A relation whose columns lack statistics has a NULL estimate; relations
 * under 8 pages are left out: their bloat is noise.  Measured against
 * VACUUM FULL and REINDEX: see test/t/012_bloat_truth.pl and the README.
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
			   8 AS ma					-- MAXALIGN on every 64-bit platform PostgreSQL supports
	), widths AS (
		SELECT * FROM infraguard.column_widths()
	), rel AS (
		SELECT c.oid, n.nspname, c.relname, c.reltoastrelid, c.reltuples,
			   /* the files now; a relation locked by someone else: its last counted pages */
			   coalesce(infraguard.relation_size_nowait(c.oid), c.relpages::bigint * k.bs) AS main_bytes,
			   CASE WHEN c.reltoastrelid <> 0
					THEN coalesce(infraguard.relation_size_nowait(c.reltoastrelid), t.relpages::bigint * k.bs)
					ELSE 0 END AS toast_bytes,
			   /*
				* Live rows now: the counters follow every insert and delete,
				* but only once VACUUM or ANALYZE has set them since a reset.
				*/
			   CASE WHEN coalesce(s.last_vacuum, s.last_autovacuum, s.last_analyze, s.last_autoanalyze) IS NOT NULL
					THEN s.n_live_tup::float8
					WHEN c.reltuples >= 0 THEN c.reltuples::float8 END AS live,
			   /*
				* Live toast chunks: as the last VACUUM of the toast table
				* counted them (its statistics counters can be off: a session
				* that deletes, then vacuums, reports its deletions again
				* afterwards).  Never vacuumed: unknown.
				*/
			   CASE WHEN c.reltoastrelid = 0 THEN 0::float8
					WHEN t.reltuples >= 0 THEN t.reltuples::float8 END AS toast_live,
			   coalesce((SELECT o.option_value::int FROM pg_options_to_table(c.reloptions) o
						  WHERE o.option_name = 'fillfactor'), 100) AS fillfactor
		  FROM pg_class c
		  JOIN pg_namespace n ON n.oid = c.relnamespace
		  LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
		  LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
		  CROSS JOIN consts k
		 WHERE c.relkind IN ('r', 'm')
		   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
		   AND n.nspname !~ '^pg_toast'
	), tbl AS (
		SELECT r.*, l.*,
			   /* the null bitmap, in the share of rows that has a NULL (every row once a column is dropped) */
			   24 + (1 - l.no_null_share) * (ceil((23 + ceil(l.natts / 8.0)) / 8) * 8 - 24) AS hoff
		  FROM rel r
		  CROSS JOIN LATERAL (
				SELECT count(*) AS natts,
					   count(*) FILTER (WHERE NOT a.attisdropped AND w.attnum IS NULL) = 0 AS complete,
					   CASE WHEN bool_or(a.attisdropped) THEN 0
							ELSE exp(sum(ln(greatest(1 - coalesce(w.null_frac, 0), 1e-9))))
					   END AS no_null_share,
					   array_agg(a.attalign ORDER BY a.attnum) AS aligns,
					   array_agg(a.attlen ORDER BY a.attnum) AS lens,
					   array_agg(a.attstorage ORDER BY a.attnum) AS storages,
					   array_agg(CASE WHEN a.attisdropped THEN 0 ELSE w.avg_width END::float8 ORDER BY a.attnum) AS widths,
					   array_agg(CASE WHEN a.attisdropped THEN 1 ELSE w.null_frac END::float8 ORDER BY a.attnum) AS null_fracs,
					   array_agg(w.fixed_width ORDER BY a.attnum) AS fixed
				  FROM pg_attribute a
				  LEFT JOIN widths w ON w.relid = r.oid AND w.attnum = a.attnum
				 WHERE a.attrelid = r.oid AND a.attnum > 0) l
	), tbl_est AS (
		SELECT t.*,
			   CASE WHEN t.live = 0 THEN 0
					WHEN t.complete AND t.live > 0 THEN
						ceil(t.live / least(greatest(
							CASE WHEN d.exact
								 THEN floor(u.avail / (ceil(d.data_end / k.ma) * k.ma + 4))
								 ELSE u.avail / (d.data_end + 3.5 + 4) - 0.5 END, 1), 291))	-- MaxHeapTuplesPerPage
			   END AS heap_pages,
			   CASE WHEN t.live = 0 THEN 0
					WHEN t.toast_live IS NULL THEN ceil(t.toast_bytes / k.bs)
					ELSE ceil(t.toast_live / 4) END AS toast_pages,
			   k.bs
		  FROM tbl t
		  CROSS JOIN consts k
		  CROSS JOIN LATERAL infraguard.tuple_data_end(t.hoff, t.aligns, t.lens, t.storages, t.widths, t.null_fracs, t.fixed) d
		  /* heap_insert() leaves a page when less than fillfactor's reserve would stay free */
		  CROSS JOIN LATERAL (SELECT k.bs - 24 - floor(k.bs * (100 - t.fillfactor) / 100) AS avail) u
	), idx AS (
		SELECT ic.oid, n.nspname, ic.relname, tc.relname AS tblname,
			   coalesce(infraguard.relation_size_nowait(ic.oid), ic.relpages::bigint * k.bs) AS bytes,
			   /* index entries now: as many more as the table has live rows more than at the last count */
			   CASE WHEN tr.live IS NOT NULL AND tc.reltuples > 0 AND ic.reltuples >= 0
					THEN ic.reltuples * tr.live / tc.reltuples
					WHEN ic.reltuples >= 0 THEN ic.reltuples::float8 END AS entries,
			   tr.live AS table_live,
			   coalesce((SELECT o.option_value::int FROM pg_options_to_table(ic.reloptions) o
						  WHERE o.option_name = 'fillfactor'), 90) AS fillfactor,
			   NOT i.indisunique AND i.indnatts = i.indnkeyatts
			   AND coalesce((SELECT o.option_value::boolean FROM pg_options_to_table(ic.reloptions) o
							  WHERE o.option_name = 'deduplicate_items'), true) AS may_dedup,
			   l.*
		  FROM pg_index i
		  JOIN pg_class ic ON ic.oid = i.indexrelid
		  JOIN pg_class tc ON tc.oid = i.indrelid
		  JOIN pg_am am ON am.oid = ic.relam AND am.amname = 'btree'
		  JOIN pg_namespace n ON n.oid = ic.relnamespace
		  LEFT JOIN rel tr ON tr.oid = i.indrelid
		  CROSS JOIN consts k
		  CROSS JOIN LATERAL (
				SELECT count(*) = count(coalesce(wt.avg_width, we.avg_width)) AS complete,
					   max(coalesce(wt.null_frac, we.null_frac)) > 0 AS has_nulls,
					   /* every key column's operator class compares by image (dedup-safe) */
					   bool_and(EXISTS (SELECT 1 FROM pg_opclass oc
										  JOIN pg_amproc ap ON ap.amprocfamily = oc.opcfamily
															AND ap.amproclefttype = oc.opcintype
															AND ap.amprocnum = 4
										 WHERE oc.oid = i.indclass[k.pos - 1])
								AND coalesce((SELECT co.collisdeterministic FROM pg_collation co
											   WHERE co.oid = i.indcollation[k.pos - 1]), true)) AS equalimage,
					   /* distinct keys, columns taken as independent; NULL when one is unknown */
					   exp(sum(ln(greatest(
							CASE WHEN coalesce(wt.n_distinct, we.n_distinct) > 0 THEN coalesce(wt.n_distinct, we.n_distinct)
								 WHEN coalesce(wt.n_distinct, we.n_distinct) < 0
								 THEN -coalesce(wt.n_distinct, we.n_distinct) * greatest(coalesce(tr.live, tc.reltuples), 1)
							END + CASE WHEN coalesce(wt.null_frac, we.null_frac) > 0 THEN 1 ELSE 0 END, 1)))) AS distinct_keys,
					   array_agg(a.typalign ORDER BY k.pos) AS aligns,
					   array_agg(a.typlen ORDER BY k.pos) AS lens,
					   array_agg(a.typstorage ORDER BY k.pos) AS storages,
					   array_agg(coalesce(wt.avg_width, we.avg_width)::float8 ORDER BY k.pos) AS widths,
					   array_agg(coalesce(wt.null_frac, we.null_frac)::float8 ORDER BY k.pos) AS null_fracs,
					   array_agg(coalesce(wt.fixed_width, we.fixed_width) ORDER BY k.pos) AS fixed
				  FROM generate_series(1, i.indnatts) AS k(pos)
				  /* the index's own attribute: its type is what is stored (an expression's result type) */
				  JOIN pg_attribute ia ON ia.attrelid = i.indexrelid AND ia.attnum = k.pos
				  JOIN pg_type a ON a.oid = ia.atttypid
				  /* a column's statistics are the table's; an expression's, the index's */
				  LEFT JOIN widths wt
					ON i.indkey[k.pos - 1] <> 0 AND wt.relid = i.indrelid AND wt.attnum = i.indkey[k.pos - 1]
				  LEFT JOIN widths we
					ON i.indkey[k.pos - 1] = 0 AND we.relid = i.indexrelid AND we.attnum = k.pos) l
		 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
		   AND n.nspname !~ '^pg_toast'
		   AND i.indisvalid
	), idx_item AS (
		SELECT x.*,
			   /* a plain leaf item: header (with null bitmap), key, MAXALIGN */
			   CASE WHEN d.exact THEN ceil(d.data_end / k.ma) * k.ma ELSE d.data_end + 3.5 END AS item,
			   /* entries per distinct key, when deduplication applies */
			   CASE WHEN x.may_dedup AND x.equalimage AND x.distinct_keys IS NOT NULL AND x.entries > 0
					THEN x.entries / least(greatest(x.distinct_keys, 1), x.entries) END AS per_key,
			   k.bs, k.ma
		  FROM idx x
		  CROSS JOIN consts k
		  CROSS JOIN LATERAL infraguard.tuple_data_end(CASE WHEN x.has_nulls THEN 16 ELSE 8 END,
													  x.aligns, x.lens, x.storages, x.widths, x.null_fracs, x.fixed) d
	), idx_est AS (
		SELECT x.*,
			   CASE WHEN x.entries = 0 THEN 1
					WHEN x.complete AND x.entries > 0 THEN
						1 + ceil(leaf.pages * (1 + 1.0 / greatest(floor(x.page_space * 0.7 / (x.item + 4)) - 1, 2)))
			   END AS est_pages
		  FROM (SELECT x.*, x.bs - 24 - 16 AS page_space,	-- 16: B-tree special space
					   /* a build posting list holds at most 10% of a page: MAXALIGN_DOWN(bs / 10) - 4 bytes */
					   greatest(floor((floor(x.bs / 10 / x.ma) * x.ma - 4 - 4 - x.item) / 6), 2) AS tids_max
				  FROM idx_item x) x
		  CROSS JOIN LATERAL (
				SELECT CASE WHEN x.per_key IS NULL OR x.per_key < 2 THEN x.entries * (x.item + 4)
							/* per key: full posting lists, then one with the rest (a plain item when 1 is left) */
							ELSE x.entries / x.per_key
								 * (floor(x.per_key / x.tids_max) * (ceil((x.item + 6 * x.tids_max) / x.ma) * x.ma + 4)
									+ CASE WHEN x.per_key - floor(x.per_key / x.tids_max) * x.tids_max >= 2
										   THEN ceil((x.item + 6 * (x.per_key - floor(x.per_key / x.tids_max) * x.tids_max)) / x.ma) * x.ma + 4
										   WHEN x.per_key - floor(x.per_key / x.tids_max) * x.tids_max > 0
										   THEN x.item + 4 ELSE 0 END)
					   END AS leaf_bytes) b
		  /* a build fills each leaf up to fillfactor, then half an item is lost on average */
		  CROSS JOIN LATERAL (
				SELECT ceil(b.leaf_bytes / (x.page_space - floor(x.bs * (100 - x.fillfactor) / 100)
											- (b.leaf_bytes / greatest(x.entries, 1)) / 2)) AS pages) leaf
	), est AS (
		SELECT t.nspname, t.relname, 'table' AS kind, t.relname AS tblname,
			   (t.main_bytes + t.toast_bytes)::bigint AS size_bytes,
			   (greatest(t.main_bytes + t.toast_bytes - (t.heap_pages + t.toast_pages) * t.bs, 0))::bigint AS bloat_bytes,
			   t.heap_pages + t.toast_pages AS est_pages
		  FROM tbl_est t
		 WHERE t.main_bytes + t.toast_bytes >= 8 * t.bs
		UNION ALL
		SELECT i.nspname, i.relname, 'index', i.tblname,
			   i.bytes::bigint,
			   (greatest(i.bytes - i.est_pages * i.bs, 0))::bigint,
			   i.est_pages
		  FROM idx_est i
		 WHERE i.bytes >= 8 * i.bs
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
	'Estimated table and B-tree index bloat from catalog statistics and file sizes (no scans): what VACUUM FULL or REINDEX would give back';
REVOKE ALL ON FUNCTION infraguard.bloat() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.bloat() TO pg_monitor;

/*
 * Indexes another index makes redundant: identical definitions, or a
 * B-tree whose key columns are a leading prefix of another's (same
 * operator classes, collations and orderings, same predicate, no
 * expressions).  The one to drop never enforces a constraint, and for a
 * prefix it is the shorter one (unless it is unique: then it is not
 * redundant).  Among identical ones, the constraint's index or else the
 * older one is kept.
 */
CREATE OR REPLACE FUNCTION infraguard.duplicate_indexes()
RETURNS TABLE (schema_name name, table_name name, index_name name, duplicate_of name,
			   relation text, size_bytes bigint, size text, suggestion text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH ix AS (
		SELECT i.indexrelid, i.indrelid, i.indisunique, i.indisprimary, i.indisexclusion,
			   i.indnatts, i.indnkeyatts, c.relam,
			   i.indkey::text AS keys, i.indclass::text AS classes,
			   i.indcollation::text AS collations, i.indoption::text AS options,
			   pg_get_expr(i.indexprs, i.indrelid) AS exprs,
			   pg_get_expr(i.indpred, i.indrelid) AS pred,
			   EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) AS backs_constraint
		  FROM pg_index i
		  JOIN pg_class c ON c.oid = i.indexrelid
		  JOIN pg_namespace n ON n.oid = c.relnamespace
		 WHERE i.indisvalid
		   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
		   AND n.nspname !~ '^pg_toast'
	), pairs AS (
		/* identical: drop the one enforcing nothing, else the newer one */
		SELECT a.indexrelid AS drop_id, b.indexrelid AS keep_id, 'identical' AS relation
		  FROM ix a
		  JOIN ix b ON b.indrelid = a.indrelid AND b.indexrelid <> a.indexrelid
				   AND b.relam = a.relam AND b.keys = a.keys AND b.classes = a.classes
				   AND b.collations = a.collations AND b.options = a.options
				   AND b.exprs IS NOT DISTINCT FROM a.exprs AND b.pred IS NOT DISTINCT FROM a.pred
				   AND b.indnkeyatts = a.indnkeyatts
		 WHERE NOT a.backs_constraint
		   AND NOT (a.indisunique AND NOT b.indisunique)
		   AND (b.backs_constraint OR (b.indisunique AND NOT a.indisunique) OR b.indexrelid < a.indexrelid)
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
		   AND NOT a.indisunique AND NOT a.backs_constraint
	)
	/* one row per index to drop; an identical twin is the better reason */
	SELECT DISTINCT ON (p.drop_id) n.nspname, t.relname, d.relname, k.relname, p.relation,
		   pg_relation_size(p.drop_id), pg_size_pretty(pg_relation_size(p.drop_id)),
		   format('DROP INDEX CONCURRENTLY %I.%I;', n.nspname, d.relname)
	  FROM pairs p
	  JOIN pg_class d ON d.oid = p.drop_id
	  JOIN pg_class k ON k.oid = p.keep_id
	  JOIN pg_index i ON i.indexrelid = p.drop_id
	  JOIN pg_class t ON t.oid = i.indrelid
	  JOIN pg_namespace n ON n.oid = d.relnamespace
	 ORDER BY p.drop_id, p.relation, p.keep_id
$$;
COMMENT ON FUNCTION infraguard.duplicate_indexes() IS
	'Indexes made redundant by an identical index or one whose leading columns they are, with a DROP suggestion (never executed)';
REVOKE ALL ON FUNCTION infraguard.duplicate_indexes() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.duplicate_indexes() TO pg_monitor;

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
