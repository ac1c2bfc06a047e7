/*
 * The maintenance plan that follows from the risks found: statements to
 * run, in order.  infraguard never runs them itself.
 */

/*
 * What a DBA would run this week, most valuable first, as text: VACUUM
 * (ANALYZE) for tables past autovacuum's threshold, ANALYZE for tables never
 * analysed, REINDEX for bloated B-trees, and DROP INDEX, commented out, for
 * unused and duplicate indexes (with the observation window, since an index
 * unused for a day may serve a monthly report).  Every statement runs as
 * written (uncommented) and does only what its row says: only rows of
 * unused_indexes() and duplicate_indexes() that carry a statement are taken
 * (the others say why not in those lists), an index is never both rebuilt
 * and dropped, a table to VACUUM (ANALYZE) gets no second ANALYZE, a
 * duplicate is not dropped when the index it duplicates is dropped as
 * unused, and an exclusion constraint's index, which cannot be
 * rebuilt CONCURRENTLY, gets a plain REINDEX with its lock in the reason.
 * Another session's temporary tables are left out (only it can vacuum them),
 * and infraguard's own objects unless include_infraguard.  infraguard never
 * runs any of them.
 */
CREATE OR REPLACE FUNCTION infraguard.maintenance_plan(include_infraguard boolean DEFAULT false)
RETURNS TABLE (priority integer, kind text, object_name text, statement text,
			   reason text, estimated_gain_bytes bigint, estimated_gain text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH unused AS (
		SELECT u.*
		  FROM infraguard.unused_indexes(0, coalesce(maintenance_plan.include_infraguard, false)) u
		 WHERE u.suggestion IS NOT NULL
	), dups AS (
		SELECT d.*
		  FROM infraguard.duplicate_indexes(coalesce(maintenance_plan.include_infraguard, false)) d
		 WHERE d.suggestion IS NOT NULL
		   AND NOT EXISTS (SELECT 1 FROM unused u
							WHERE u.schema_name = d.schema_name
							  AND u.index_name IN (d.index_name, d.duplicate_of))
	), dropped AS (
		SELECT u.schema_name, u.index_name FROM unused u
		UNION
		SELECT d.schema_name, d.index_name FROM dups d
	), vacuums AS (
		SELECT t.schema_name, t.table_name,
			   format('%s dead tuples (%s%%), past autovacuum''s threshold', t.dead_tuples, t.dead_pct) AS reason,
			   (t.table_bytes * t.dead_pct / 100)::bigint AS gain
		  FROM infraguard.table_health(coalesce(maintenance_plan.include_infraguard, false)) t
		 WHERE t.vacuum_due AND t.dead_tuples > 0
	), items AS (
		SELECT 'vacuum' AS kind, format('%I.%I', v.schema_name, v.table_name) AS obj,
			   format('VACUUM (ANALYZE) %I.%I;', v.schema_name, v.table_name) AS stmt,
			   v.reason, v.gain
		  FROM vacuums v
		UNION ALL
		/* VACUUM (ANALYZE) above analyses too */
		SELECT 'analyze', format('%I.%I', s.schemaname, s.relname),
			   format('ANALYZE %I.%I;', s.schemaname, s.relname),
			   'never analysed: the planner is guessing its row counts and widths', NULL
		  FROM pg_stat_user_tables s
		  JOIN pg_class c ON c.oid = s.relid
		 WHERE s.last_analyze IS NULL AND s.last_autoanalyze IS NULL
		   AND s.n_live_tup + s.n_dead_tup >= 1000		-- small tables are cheap to guess
		   AND NOT pg_is_other_temp_schema(c.relnamespace)
		   AND (coalesce(maintenance_plan.include_infraguard, false) OR s.schemaname <> 'infraguard')
		   AND NOT EXISTS (SELECT 1 FROM vacuums v
							WHERE v.schema_name = s.schemaname AND v.table_name = s.relname)
		UNION ALL
		SELECT 'reindex', format('%I.%I', b.schema_name, b.object_name),
			   CASE WHEN i.indisexclusion
					THEN format('REINDEX INDEX %I.%I;', b.schema_name, b.object_name)
					ELSE format('REINDEX INDEX CONCURRENTLY %I.%I;', b.schema_name, b.object_name) END,
			   format('estimated %s%% bloat (%s of %s)', b.bloat_pct, b.estimated_bloat, b.size)
			   || CASE WHEN i.indisexclusion
					   THEN format('; an exclusion constraint''s index cannot be rebuilt CONCURRENTLY: this REINDEX blocks writes to %I.%I, and queries using the index, until it ends',
								   b.schema_name, b.table_name)
					   ELSE '' END,
			   b.estimated_bloat_bytes
		  /* indexes only: no table is that large, so no table is estimated for nothing */
		  FROM infraguard_internal.bloat_estimate(9223372036854775807, true) b
		  JOIN pg_namespace n ON n.nspname = b.schema_name
		  JOIN pg_class ic ON ic.relnamespace = n.oid AND ic.relname = b.object_name
		  JOIN pg_index i ON i.indexrelid = ic.oid
		 WHERE b.kind = 'index' AND b.bloat_pct >= 30 AND b.estimated_bloat_bytes >= 1048576
		   AND NOT pg_is_other_temp_schema(n.oid)
		   AND (coalesce(maintenance_plan.include_infraguard, false) OR n.nspname <> 'infraguard')
		   AND NOT EXISTS (SELECT 1 FROM dropped x
							WHERE x.schema_name = b.schema_name AND x.index_name = b.object_name)
		UNION ALL
		SELECT 'drop unused index', format('%I.%I', u.schema_name, u.index_name),
			   '-- ' || u.suggestion,
			   u.reason, u.size_bytes
		  FROM unused u
		UNION ALL
		SELECT 'drop duplicate index', format('%I.%I', d.schema_name, d.index_name),
			   '-- ' || d.suggestion,
			   d.reason, d.size_bytes
		  FROM dups d
	)
	SELECT (row_number() OVER (ORDER BY i.gain DESC NULLS LAST, i.kind, i.obj))::integer,
		   i.kind, i.obj, i.stmt, i.reason, i.gain, pg_size_pretty(i.gain)
	  FROM items i
	 ORDER BY 1
$$;
COMMENT ON FUNCTION infraguard.maintenance_plan(boolean) IS
	'Suggested maintenance statements that run as written, with reasons and estimated gains (text only; never executed)';
REVOKE ALL ON FUNCTION infraguard.maintenance_plan(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.maintenance_plan(boolean) TO pg_monitor;
