/*
 * Indexes of the current database: usage, unused and duplicate indexes,
 * each with the statement a DBA would run; infraguard never runs it.
 */

CREATE OR REPLACE FUNCTION infraguard.index_usage(include_infraguard boolean DEFAULT false)
RETURNS TABLE (schema_name name, table_name name, index_name name,
			   size_bytes bigint, size text,
			   scans bigint, tuples_read bigint, tuples_fetched bigint,
			   is_unique boolean, is_primary boolean)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT s.schemaname, s.relname, s.indexrelname,
		   sz.bytes, pg_size_pretty(sz.bytes),
		   s.idx_scan, s.idx_tup_read, s.idx_tup_fetch,
		   i.indisunique, i.indisprimary
	  FROM pg_stat_user_indexes s
	  JOIN pg_index i ON i.indexrelid = s.indexrelid
	  JOIN pg_class c ON c.oid = s.indexrelid
	  /* each file looked at once, not once for the column and again for the sort */
	  CROSS JOIN LATERAL (SELECT infraguard.relation_size(s.indexrelid) AS bytes OFFSET 0) sz
	 WHERE NOT pg_is_other_temp_schema(c.relnamespace)
	   AND (coalesce(index_usage.include_infraguard, false) OR s.schemaname <> 'infraguard')
	 ORDER BY s.idx_scan, sz.bytes DESC, s.schemaname, s.indexrelname
$$;
COMMENT ON FUNCTION infraguard.index_usage(boolean) IS
	'Per index: size and scan counts, least used first (infraguard''s own indexes only with include_infraguard)';
REVOKE ALL ON FUNCTION infraguard.index_usage(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.index_usage(boolean) TO pg_monitor;

/*
 * Indexes that cost writes and space but served no scan, each with a
 * statement that runs as written, or, where no DROP is safe, the reason
 * instead (suggestion NULL).  infraguard never runs the suggestion.
 *
 * - Indexes that enforce something (primary key, unique, exclusion, or the
 *   unique index a foreign key references) are never listed: their scan
 *   count says nothing about their use.
 * - Invalid indexes are listed whatever their scans (queries never use
 *   them, writes still maintain them), unless a CREATE INDEX CONCURRENTLY is
 *   building them right now.
 * - Partitions: an index attached to a partitioned index cannot be dropped
 *   ("index ... requires it"), so only the top partitioned index is judged,
 *   over the scans of every partition's index, and it cannot be dropped
 *   CONCURRENTLY: the suggestion is a plain DROP INDEX, with the lock it
 *   takes in the reason.
 * - Another session's temporary indexes are never listed: only that session
 *   can use them, and a DROP from here would break it.
 * - The only index whose leading columns cover a foreign key's columns, the
 *   table's CLUSTER index, and an index of an extension's table are reported
 *   with why, not dropped.
 * - Scans are counted since the statistics were last reset or discarded;
 *   below infraguard.min_index_observation a zero proves nothing (a weekly
 *   job may not have run yet), so the reason says how long was observed.
 * - infraguard's own indexes serve its history queries and retention, which
 *   may not have run yet: listed only with include_infraguard, and never
 *   with a DROP (they belong to the extension).
 */
CREATE OR REPLACE FUNCTION infraguard.unused_indexes(min_size_bytes bigint DEFAULT 0,
													 include_infraguard boolean DEFAULT false)
RETURNS TABLE (schema_name name, table_name name, index_name name,
			   size_bytes bigint, size text, scans bigint,
			   stats_since timestamptz, reason text, suggestion text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	since timestamptz;
	since_cause text;
	db_reset timestamptz;
	discarded timestamptz;
	track_commits boolean;
	min_observation interval;
	min_text text;
	other_servers text := '';
BEGIN
	IF min_size_bytes IS NULL OR min_size_bytes < 0 THEN
		RAISE EXCEPTION 'min_size_bytes must be zero or positive, not %', coalesce(min_size_bytes::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Pass a size in bytes, for example pg_size_bytes(''10 MB'').';
	END IF;
	IF include_infraguard IS NULL THEN
		RAISE EXCEPTION 'include_infraguard must be true or false, not NULL'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Pass true to list infraguard''s own indexes too.';
	END IF;

	/*
	 * A value set before the library was loaded is checked only when it
	 * loads; setting() loads it, and a bad value is this error.
	 */
	BEGIN
		min_observation := infraguard_internal.setting('infraguard.min_index_observation')::interval;
	EXCEPTION WHEN data_exception THEN
		RAISE EXCEPTION 'infraguard.min_index_observation is not a duration: "%"',
						current_setting('infraguard.min_index_observation', true)
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Set it to a duration such as ''7d'' or ''12h'', or 0 to disable the check.';
	END;

	/*
	 * Scans are counted since the later of the last statistics reset of this
	 * database and the last time the server discarded all statistics (first
	 * start, crash recovery): PostgreSQL 15 keeps them over a clean restart,
	 * and stamps a discard on the shared bgwriter statistics (so does a
	 * manual pg_stat_reset_shared('bgwriter'), which only shortens the
	 * window).  pg_stat_reset_single_table_counters() leaves no trace.
	 */
	SELECT d.stats_reset, b.stats_reset
	  INTO db_reset, discarded
	  FROM pg_stat_database d, pg_stat_bgwriter b
	 WHERE d.datname = current_database();
	since := coalesce(greatest(db_reset, discarded), pg_postmaster_start_time());
	since_cause := CASE WHEN since = db_reset THEN 'statistics were last reset in this database (pg_stat_reset())'
						ELSE 'statistics were discarded (first start, crash recovery) or the shared ones reset' END;
	/*
	 * An index younger than that is observed since its creation, which
	 * PostgreSQL records only as the commit time of its catalog row, with
	 * track_commit_timestamp on (a later ALTER INDEX or REINDEX moves it:
	 * the window only gets shorter).
	 */
	track_commits := current_setting('track_commit_timestamp') = 'on';
	/* durations people read, whatever the session's IntervalStyle */
	min_text := CASE WHEN extract(epoch FROM min_observation) >= 86400 AND extract(epoch FROM min_observation) % 86400 = 0
					 THEN (extract(epoch FROM min_observation) / 86400)::bigint || ' days'
					 WHEN extract(epoch FROM min_observation) >= 3600 AND extract(epoch FROM min_observation) % 3600 = 0
					 THEN (extract(epoch FROM min_observation) / 3600)::bigint || ' hours'
					 ELSE round(extract(epoch FROM min_observation)::numeric) || ' seconds' END;

	/* scans on standbys are counted there, not here */
	IF pg_is_in_recovery() OR EXISTS (SELECT 1 FROM pg_stat_replication) THEN
		other_servers := '; check the other servers of this cluster too: their scans are not counted here';
	END IF;

	RETURN QUERY
	WITH idx AS (
		/* plain indexes, and the top of each partitioned index with its partitions' scans */
		SELECT c.oid AS indexrelid, i.indrelid, n.nspname, t.relname AS tblname, c.relname AS idxname,
			   c.relkind, i.indisvalid, i.indisclustered,
			   i.indisunique OR i.indisprimary OR i.indisexclusion
			   OR EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid) AS enforces,
			   coalesce(u.scans, 0) AS scans, coalesce(u.bytes, 0) AS bytes, u.parts,
			   CASE WHEN track_commits THEN pg_xact_commit_timestamp(c.xmin) END AS created,
			   /*
				* Through pg_depend's index on the dependent object (the
				* subquery is planned alone): joined from pg_extension, the
				* planner walks every member of every extension for each index.
				*/
			   (SELECT e.extname
				  FROM (SELECT d.refobjid FROM pg_depend d
						 WHERE d.classid = 'pg_class'::regclass AND d.objid IN (c.oid, i.indrelid)
						   AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
						OFFSET 0) d
				  JOIN pg_extension e ON e.oid = d.refobjid
				 LIMIT 1) AS extname
		  FROM pg_index i
		  JOIN pg_class c ON c.oid = i.indexrelid
		  JOIN pg_class t ON t.oid = i.indrelid
		  JOIN pg_namespace n ON n.oid = c.relnamespace
		  /* a plain index is its own only leaf (read directly: no aggregate for each of thousands) */
		  CROSS JOIN LATERAL (
				SELECT pg_stat_get_numscans(c.oid) AS scans, infraguard.relation_size(c.oid) AS bytes,
					   1::bigint AS parts
				 WHERE c.relkind = 'i'
				UNION ALL
				/*
				 * The leaves through pg_inherits, as pg_partition_tree() finds
				 * them but without its lock on every partition: 400
				 * partitioned indexes of 50 leaves ran out of the lock table
				 * ("out of shared memory") and a lock would wait behind DDL.
				 */
				SELECT sum(pg_stat_get_numscans(pt.relid))::bigint, sum(infraguard.relation_size(pt.relid))::bigint,
					   count(*)
				  FROM (WITH RECURSIVE tree(relid) AS (
							SELECT c.oid
							UNION ALL
							SELECT h.inhrelid FROM pg_inherits h JOIN tree ON h.inhparent = tree.relid)
						SELECT tree.relid FROM tree
						  JOIN pg_class l ON l.oid = tree.relid AND l.relkind NOT IN ('p', 'I')) pt
				 WHERE c.relkind = 'I'
				HAVING c.relkind = 'I') u
		 WHERE c.relkind IN ('i', 'I')
		   AND NOT c.relispartition
		   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
		   AND n.nspname !~ '^pg_toast'
		   AND NOT pg_is_other_temp_schema(n.oid)
		   AND (include_infraguard OR n.nspname <> 'infraguard')
	), cand AS (
		/* whatever their size: a small unused index serves no foreign key either */
		SELECT x.*
		  FROM idx x
		 WHERE (NOT x.indisvalid OR (x.scans = 0 AND NOT x.enforces))
		   AND NOT EXISTS (SELECT 1 FROM pg_stat_progress_create_index p
							WHERE p.index_relid = x.indexrelid)
	), supports AS (
		/* index y serves foreign key f when its leading key columns are f's columns */
		SELECT f.oid AS conoid, y.indexrelid
		  FROM pg_constraint f
		  JOIN pg_index y ON y.indrelid = f.conrelid
		 WHERE f.contype = 'f'
		   AND f.conrelid IN (SELECT c2.indrelid FROM cand c2)
		   AND y.indisvalid AND y.indpred IS NULL
		   AND cardinality(f.conkey) <= y.indnkeyatts
		   AND (SELECT array_agg(y.indkey[p] ORDER BY y.indkey[p])
				  FROM generate_series(0, cardinality(f.conkey) - 1) p)
			   = (SELECT array_agg(a ORDER BY a) FROM unnest(f.conkey) a)
	), fk_notes AS (
		/* foreign keys no index outside the candidates serves once x is gone */
		SELECT s.indexrelid,
			   string_agg(format('it serves foreign key %I (%s) to %s, which no index kept outside this list serves: without it every DELETE or key UPDATE on %s scans %I.%I%s',
								 f.conname,
								 (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord)
									FROM unnest(f.conkey) WITH ORDINALITY k(attnum, ord)
									JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = k.attnum),
								 f.confrelid::regclass, f.confrelid::regclass, x.nspname, x.tblname,
								 CASE f.confdeltype WHEN 'c' THEN ' (ON DELETE CASCADE: each deleted parent row searches it)'
													WHEN 'n' THEN ' (ON DELETE SET NULL)'
													WHEN 'd' THEN ' (ON DELETE SET DEFAULT)'
													ELSE '' END),
						  '; ' ORDER BY f.conname) AS note
		  FROM supports s
		  JOIN cand x ON x.indexrelid = s.indexrelid
		  JOIN pg_constraint f ON f.oid = s.conoid
		 WHERE x.indisvalid
		   AND NOT EXISTS (SELECT 1 FROM supports o
							WHERE o.conoid = s.conoid AND o.indexrelid <> s.indexrelid
							  AND o.indexrelid NOT IN (SELECT c3.indexrelid FROM cand c3 WHERE c3.indisvalid))
		 GROUP BY s.indexrelid
	), observed AS (
		SELECT x.*, w.obs_since, w.obs_since > since AS young,
			   CASE WHEN w.obs < interval '2 hours'
					THEN round((extract(epoch FROM w.obs) / 60)::numeric) || ' minutes'
					WHEN w.obs < interval '2 days'
					THEN round((extract(epoch FROM w.obs) / 3600)::numeric, 1) || ' hours'
					ELSE round((extract(epoch FROM w.obs) / 86400)::numeric, 1) || ' days' END AS obs_text,
			   w.obs < min_observation AS too_short
		  FROM cand x
		  CROSS JOIN LATERAL (SELECT greatest(since, x.created) AS obs_since,
									 now() - greatest(since, x.created) AS obs) w
	), judged AS (
		SELECT x.*,
			   CASE WHEN NOT x.indisvalid AND x.relkind = 'I'
					THEN 'invalid partitioned index: created ON ONLY and not yet attached to an index on every partition'
					WHEN NOT x.indisvalid
					THEN 'invalid index, left by a failed CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY: queries never use it but every write still maintains it'
					ELSE format('no scan%s since %s (%s)%s',
								CASE WHEN x.relkind = 'I' THEN format(' on any of its %s partitions', x.parts) ELSE '' END,
								x.obs_since, x.obs_text, other_servers)
			   END AS base,
			   /* each note is a reason not to drop */
			   array_remove(ARRAY[
					CASE WHEN NOT x.indisvalid AND x.relkind = 'I'
						 THEN format('finish it (ALTER INDEX %I.%I ATTACH PARTITION with each partition''s index) or, if it was abandoned, drop it',
									 x.nspname, x.idxname) END,
					CASE WHEN x.extname IS NOT NULL
						 THEN format('belongs to extension %I (the index or its table): its scripts and updates expect it', x.extname) END,
					CASE WHEN x.indisvalid AND x.too_short
						 THEN format('observed for only %s, less than infraguard.min_index_observation (%s): '
									 'scans are counted since %s, when %s, and a zero over a shorter '
									 'window proves nothing (a weekly or monthly job may not have run yet)',
									 x.obs_text, min_text, x.obs_since,
									 CASE WHEN x.young THEN 'the index was created (the commit time of its catalog row)'
										  ELSE since_cause END) END,
					CASE WHEN x.indisvalid THEN fk.note END,
					CASE WHEN x.indisclustered
						 THEN format('it is the CLUSTER index of %I.%I: a later CLUSTER %I.%I would fail without it; choose another with ALTER TABLE %I.%I CLUSTER ON, or SET WITHOUT CLUSTER, first',
									 x.nspname, x.tblname, x.nspname, x.tblname, x.nspname, x.tblname) END
			   ], NULL) AS notes
		  FROM observed x
		  LEFT JOIN fk_notes fk ON fk.indexrelid = x.indexrelid
	)
	SELECT j.nspname, j.tblname, j.idxname, j.bytes, pg_size_pretty(j.bytes), j.scans, j.obs_since,
		   CASE WHEN cardinality(j.notes) > 0
				THEN j.base || '; not dropped: ' || array_to_string(j.notes, '; ')
				WHEN j.relkind = 'I'
				THEN j.base || format('; a partitioned index cannot be dropped CONCURRENTLY: this DROP INDEX holds an ACCESS EXCLUSIVE lock on %I.%I and every partition (blocking reads and writes) until it commits, so run it in a quiet moment with a lock_timeout',
									  j.nspname, j.tblname)
				ELSE j.base
		   END,
		   CASE WHEN cardinality(j.notes) > 0 THEN NULL
				WHEN j.relkind = 'I' THEN format('DROP INDEX %I.%I;', j.nspname, j.idxname)
				ELSE format('DROP INDEX CONCURRENTLY %I.%I;', j.nspname, j.idxname)
		   END
	  FROM judged j
	 WHERE j.bytes >= min_size_bytes
	 ORDER BY j.bytes DESC, j.nspname, j.idxname;
END;
$$;
COMMENT ON FUNCTION infraguard.unused_indexes(bigint, boolean) IS
	'Never-scanned indexes that enforce no constraint (partitioned ones over all their partitions), and invalid indexes, with a DROP suggestion that runs as written, or the reason there is none (never executed)';
REVOKE ALL ON FUNCTION infraguard.unused_indexes(bigint, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.unused_indexes(bigint, boolean) TO pg_monitor;

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
		  /* through pg_depend's index on the dependent object, as in unused_indexes() */
		  LEFT JOIN LATERAL (
				SELECT x.extname
				  FROM (SELECT d.refobjid FROM pg_depend d
						 WHERE d.classid = 'pg_class'::regclass AND d.objid IN (i.indexrelid, i.indrelid)
						   AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
						OFFSET 0) d
				  JOIN pg_extension x ON x.oid = d.refobjid
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
		/*
		 * A leading prefix of another B-tree's key columns.  The other index
		 * is looked up through pg_index's index on indrelid, not in ix: ix
		 * has no statistics, so this side of the join was estimated at one
		 * row and joined to ix by a nested loop over all of it (600 million
		 * comparisons, minutes, at 10,000 tables).  b is one of ix: an index
		 * is in its table's schema, so only its state needs checking.
		 */
		SELECT a.indexrelid, b.indexrelid, 'prefix'
		  FROM ix a
		  JOIN pg_index b ON b.indrelid = a.indrelid AND b.indexrelid <> a.indexrelid
		  JOIN pg_class bc ON bc.oid = b.indexrelid AND bc.relam = a.relam
		  JOIN pg_am am ON am.oid = a.relam AND am.amname = 'btree'
		 WHERE a.exprs IS NULL AND b.indexprs IS NULL
		   AND a.indnatts = a.indnkeyatts AND b.indnatts = b.indnkeyatts
		   AND NOT a.indisunique AND NOT a.pinned
		   AND b.indisvalid AND b.indisready AND b.indislive
		   AND b.indnkeyatts > a.indnkeyatts
		   AND b.indkey::text LIKE a.keys || ' %' AND b.indclass::text LIKE a.classes || ' %'
		   AND b.indcollation::text LIKE a.collations || ' %' AND b.indoption::text LIKE a.options || ' %'
		   AND pg_get_expr(b.indpred, b.indrelid) IS NOT DISTINCT FROM a.pred
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
			SELECT coalesce(sum(infraguard.relation_size(l.relid)), 0)::bigint AS bytes
			  FROM (SELECT p.drop_id AS relid WHERE a.relkind = 'i'
					UNION ALL
					/* the leaves without locks, as in unused_indexes() */
					SELECT pt.relid
					  FROM (WITH RECURSIVE tree(relid) AS (
								SELECT p.drop_id
								UNION ALL
								SELECT h.inhrelid FROM pg_inherits h JOIN tree ON h.inhparent = tree.relid)
							SELECT tree.relid FROM tree
							  JOIN pg_class l ON l.oid = tree.relid AND l.relkind NOT IN ('p', 'I')) pt
					 WHERE a.relkind = 'I') l) sz
	 ORDER BY p.drop_id, p.keep_id IN (SELECT x.drop_id FROM dropped x), p.relation, p.keep_id
$$;
COMMENT ON FUNCTION infraguard.duplicate_indexes(boolean) IS
	'Indexes made redundant by an identical index or one whose leading columns they are, with a DROP suggestion that runs as written or the reason there is none (never executed)';
REVOKE ALL ON FUNCTION infraguard.duplicate_indexes(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.duplicate_indexes(boolean) TO pg_monitor;
