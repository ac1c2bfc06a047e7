/*
 * Bloat estimates from the planner's statistics, never a scan of user data.
 */

/*
 * Column widths, null fractions, distinct counts and whether the width is
 * fixed, from pg_statistic, for the bloat estimate.  pg_stats hides the
 * statistics of tables the caller cannot read, which would leave a
 * monitoring role without an estimate; this exposes only what the estimate
 * needs, never sampled values.  SECURITY DEFINER with a fixed search_path,
 * executable by pg_monitor only.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.column_widths()
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
COMMENT ON FUNCTION infraguard_internal.column_widths() IS
	'Internal: average width, null fraction, distinct count and fixed width of every analysed column (no sampled values)';
REVOKE ALL ON FUNCTION infraguard_internal.column_widths() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.column_widths() TO pg_monitor;

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
CREATE OR REPLACE FUNCTION infraguard_internal.tuple_data_end(start float8, aligns "char"[], lens smallint[],
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
COMMENT ON FUNCTION infraguard_internal.tuple_data_end(float8, "char"[], smallint[], "char"[], float8[], float8[], boolean[]) IS
	'Internal: expected end of an average tuple''s data with each column''s alignment padding (for bloat())';
REVOKE ALL ON FUNCTION infraguard_internal.tuple_data_end(float8, "char"[], smallint[], "char"[], float8[], float8[], boolean[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.tuple_data_end(float8, "char"[], smallint[], "char"[], float8[], float8[], boolean[]) TO pg_monitor;

/*
 * Estimated bloat from catalog statistics, without reading the relations:
 * the size VACUUM FULL (tables, with their toast) or REINDEX (B-tree
 * indexes) would give them, against their real size now (the files'
 * size, never relpages, which is only as fresh as the last VACUUM).
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
CREATE OR REPLACE FUNCTION infraguard_internal.bloat_estimate(min_table_bytes bigint, include_indexes boolean)
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
		/*
		 * One row per relation, its analysed columns as arrays: joined by
		 * hash to the relations below, and unnested inside each relation's
		 * LATERAL.  (Joining the whole set there made the LATERAL filter it
		 * again for every relation: 30,000 indexes x 3,400 columns took 21 s
		 * at 10,000 tables.)
		 */
		SELECT w.relid, array_agg(w.attnum) AS attnums, array_agg(w.null_frac) AS null_fracs,
			   array_agg(w.avg_width) AS avg_widths, array_agg(w.n_distinct) AS n_distincts,
			   array_agg(w.fixed_width) AS fixed_widths
		  FROM infraguard_internal.column_widths() w
		 GROUP BY w.relid
	), rel AS (
		SELECT c.oid, n.nspname, c.relname, c.reltoastrelid, c.reltuples,
			   infraguard.relation_size(c.oid) AS main_bytes,
			   CASE WHEN c.reltoastrelid <> 0 THEN infraguard.relation_size(c.reltoastrelid) ELSE 0 END AS toast_bytes,
			   /*
				* Live rows now: the counters follow every insert and delete,
				* but only once VACUUM or ANALYZE has set them since a reset.
				*/
			   CASE WHEN coalesce(pg_stat_get_last_vacuum_time(c.oid), pg_stat_get_last_autovacuum_time(c.oid),
								  pg_stat_get_last_analyze_time(c.oid), pg_stat_get_last_autoanalyze_time(c.oid)) IS NOT NULL
					THEN pg_stat_get_live_tuples(c.oid)::float8
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
		  /*
		   * (the counters straight from the functions pg_stat_all_tables
		   * calls: the view also sums every table's index scans, a join
		   * and an aggregate over all of pg_index)
		   */
		  LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
		 WHERE c.relkind IN ('r', 'm')
		   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
		   AND n.nspname !~ '^pg_toast'
	), tbl AS (
		SELECT r.*, l.*,
			   /* the null bitmap, in the share of rows that has a NULL (every row once a column is dropped) */
			   24 + (1 - l.no_null_share) * (ceil((23 + ceil(l.natts / 8.0)) / 8) * 8 - 24) AS hoff
		  FROM rel r
		  LEFT JOIN widths rw ON rw.relid = r.oid
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
				  LEFT JOIN unnest(rw.attnums, rw.null_fracs, rw.avg_widths, rw.n_distincts, rw.fixed_widths)
							AS w(attnum, null_frac, avg_width, n_distinct, fixed_width) ON w.attnum = a.attnum
				 WHERE a.attrelid = r.oid AND a.attnum > 0) l
		 /*
		  * relations under 8 pages are left out below: not worth estimating;
		  * nor those under the caller's minimum (health()'s worst table of
		  * 8 MB estimates only those, not every table)
		  */
		 WHERE r.main_bytes + r.toast_bytes >= greatest(8 * current_setting('block_size')::numeric,
														 coalesce(bloat_estimate.min_table_bytes, 0))
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
		  CROSS JOIN LATERAL infraguard_internal.tuple_data_end(t.hoff, t.aligns, t.lens, t.storages, t.widths, t.null_fracs, t.fixed) d
		  /* heap_insert() leaves a page when less than fillfactor's reserve would stay free */
		  CROSS JOIN LATERAL (SELECT k.bs - 24 - floor(k.bs * (100 - t.fillfactor) / 100) AS avail) u
	), idx AS (
		SELECT ic.oid, n.nspname, ic.relname, tc.relname AS tblname,
			   infraguard.relation_size(ic.oid) AS bytes,
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
		  LEFT JOIN widths tw ON tw.relid = i.indrelid
		  LEFT JOIN widths iw ON iw.relid = i.indexrelid
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
				  LEFT JOIN unnest(tw.attnums, tw.null_fracs, tw.avg_widths, tw.n_distincts, tw.fixed_widths)
							AS wt(attnum, null_frac, avg_width, n_distinct, fixed_width)
					ON i.indkey[k.pos - 1] <> 0 AND wt.attnum = i.indkey[k.pos - 1]
				  LEFT JOIN unnest(iw.attnums, iw.null_fracs, iw.avg_widths, iw.n_distincts, iw.fixed_widths)
							AS we(attnum, null_frac, avg_width, n_distinct, fixed_width)
					ON i.indkey[k.pos - 1] = 0 AND we.attnum = k.pos) l
		 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
		   AND n.nspname !~ '^pg_toast'
		   AND i.indisvalid
		   /* a constant: the planner runs none of this branch when the caller wants tables only */
		   AND bloat_estimate.include_indexes
		   /* indexes under 8 pages (and partitioned ones, without storage) are left out below */
		   AND ic.relkind = 'i'
		   AND infraguard.relation_size(ic.oid) >= 8 * current_setting('block_size')::numeric
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
		  CROSS JOIN LATERAL infraguard_internal.tuple_data_end(CASE WHEN x.has_nulls THEN 16 ELSE 8 END,
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
COMMENT ON FUNCTION infraguard_internal.bloat_estimate(bigint, boolean) IS
	'Internal: bloat() restricted to tables of at least min_table_bytes (with their toast), and to tables only unless include_indexes';
REVOKE ALL ON FUNCTION infraguard_internal.bloat_estimate(bigint, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.bloat_estimate(bigint, boolean) TO pg_monitor;

CREATE OR REPLACE FUNCTION infraguard.bloat()
RETURNS TABLE (schema_name name, object_name name, kind text, table_name name,
			   size_bytes bigint, size text, estimated_bloat_bytes bigint,
			   estimated_bloat text, bloat_pct float8)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT b.schema_name, b.object_name, b.kind, b.table_name, b.size_bytes, b.size,
		   b.estimated_bloat_bytes, b.estimated_bloat, b.bloat_pct
	  FROM infraguard_internal.bloat_estimate(0, true) WITH ORDINALITY b
	 ORDER BY b.ordinality
$$;
COMMENT ON FUNCTION infraguard.bloat() IS
	'Estimated table and B-tree index bloat from catalog statistics and file sizes (no scans): what VACUUM FULL or REINDEX would give back';
REVOKE ALL ON FUNCTION infraguard.bloat() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.bloat() TO pg_monitor;
