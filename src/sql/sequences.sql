/*
 * Sequence exhaustion: how much of its range every sequence has used, and
 * of the range of the column it feeds.
 */

/*
 * int_type_range(): the smallest and largest value of a built-in integer
 * type (a domain over one counts as its base type), NULL for any other type
 * (numeric columns have no limit a sequence can reach).
 */
CREATE OR REPLACE FUNCTION infraguard_internal.int_type_range(typid oid, OUT lo numeric, OUT hi numeric)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE b.t WHEN 'int2'::regtype THEN -32768
					WHEN 'int4'::regtype THEN -2147483648
					WHEN 'int8'::regtype THEN -9223372036854775808 END,
		   CASE b.t WHEN 'int2'::regtype THEN 32767
					WHEN 'int4'::regtype THEN 2147483647
					WHEN 'int8'::regtype THEN 9223372036854775807 END
	  FROM (SELECT coalesce((SELECT nullif(ty.typbasetype, 0) FROM pg_type ty WHERE ty.oid = typid),
							typid)::regtype AS t) b
$$;
COMMENT ON FUNCTION infraguard_internal.int_type_range(oid) IS
	'Internal: range of the integer type (or domain over one) typid, NULL for other types';
REVOKE ALL ON FUNCTION infraguard_internal.int_type_range(oid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.int_type_range(oid) TO pg_monitor;

/*
 * sequences(): every sequence of this database, once per column it feeds
 * (identity, serial or a DEFAULT nextval(); columns of partitions whose
 * partitioned table is fed too are left out: the parent's row stands for
 * them, and ALTER TABLE on it recurses), and once alone when it feeds none.
 *
 * The limit that comes first decides: the sequence's own MAXVALUE
 * (MINVALUE when descending) or the column's type, whichever the sequence
 * reaches first (an integer column fed by a bigint sequence fails at
 * 2^31 - 1 with "integer out of range" while the sequence is at 0.0000001 %).
 * pct_used is the share of the way from the start (min_value ascending,
 * max_value descending) to that limit.  A CYCLE sequence that reaches its
 * own limit wraps instead of failing (limit_by 'sequence (cycles)'), which is
 * duplicate keys for a unique column: still reported.
 *
 * last_value comes from pg_sequence_last_value(), which needs SELECT or
 * USAGE on the sequence (pg_monitor does not grant it; pg_read_all_data
 * does): without it, state says so and the percentages are NULL, never a
 * guess.  A sequence never called (nextval not yet run) has used nothing.
 *
 * fix is the statement that removes the limit: widen the column (a table
 * rewrite under an ACCESS EXCLUSIVE lock), then the sequence, to bigint;
 * a bigint sequence with a lowered MAXVALUE/MINVALUE gets it back.
 */
CREATE OR REPLACE FUNCTION infraguard.sequences()
RETURNS TABLE (schema_name name, sequence_name name, data_type regtype,
			   increment bigint, min_value bigint, max_value bigint, cycle boolean,
			   last_value bigint, state text, pct_of_sequence float8,
			   table_schema name, table_name name, column_name name, column_type regtype,
			   feeds text, pct_of_column float8, pct_used float8, remaining_values numeric,
			   limit_by text, fix text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH seqs AS (
		SELECT c.oid, n.nspname, c.relname, s.seqtypid, s.seqincrement, s.seqmin, s.seqmax, s.seqcycle,
			   has_sequence_privilege(c.oid, 'SELECT,USAGE') AS readable,
			   /* an unlogged sequence has no contents on a standby */
			   (c.relpersistence = 'u' AND pg_is_in_recovery()) AS no_contents
		  FROM pg_sequence s
		  JOIN pg_class c ON c.oid = s.seqrelid
		  JOIN pg_namespace n ON n.oid = c.relnamespace
		 WHERE NOT pg_is_other_temp_schema(n.oid)
		   /*
		    * Not our own (bigint, far from any limit): reading a sequence
		    * locks it, and the worker must not hold a lock on an extension
		    * object that DROP EXTENSION takes before the ones the worker
		    * reads later (thresholds): that is a deadlock.
		    */
		   AND n.nspname <> 'infraguard'
	), valued AS (
		SELECT q.*,
			   CASE WHEN q.readable AND NOT q.no_contents THEN pg_sequence_last_value(q.oid) END AS last_value
		  FROM seqs q
	), feeders AS (
		/* identity (deptype i) and OWNED BY (a: serial) link the sequence to its column */
		SELECT d.objid AS seqid, d.refobjid AS relid, d.refobjsubid AS attnum,
			   CASE d.deptype WHEN 'i' THEN 'identity' ELSE 'serial (owned by)' END AS feeds, 1 AS pref
		  FROM pg_depend d
		 WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
		   AND d.deptype IN ('i', 'a') AND d.refobjsubid > 0
		   AND d.objid IN (SELECT q.oid FROM seqs q)
		UNION ALL
		/* a column DEFAULT calling nextval() depends on the sequence */
		SELECT d.refobjid, ad.adrelid, ad.adnum, 'default nextval()', 2
		  FROM pg_depend d
		  JOIN pg_attrdef ad ON ad.oid = d.objid
		 WHERE d.classid = 'pg_attrdef'::regclass AND d.refclassid = 'pg_class'::regclass
		   AND d.refobjsubid = 0
		   AND d.refobjid IN (SELECT q.oid FROM seqs q)
	), columns AS (
		SELECT DISTINCT ON (f.seqid, f.relid, f.attnum) f.seqid, f.relid, f.attnum, f.feeds
		  FROM feeders f
		 ORDER BY f.seqid, f.relid, f.attnum, f.pref
	), fed AS (
		SELECT co.*, tn.nspname AS tschema, tc.relname AS tname, a.attname, a.atttypid
		  FROM columns co
		  JOIN pg_class tc ON tc.oid = co.relid
		  JOIN pg_namespace tn ON tn.oid = tc.relnamespace
		  JOIN pg_attribute a ON a.attrelid = co.relid AND a.attnum = co.attnum AND NOT a.attisdropped
		 WHERE NOT (tc.relispartition
					AND EXISTS (SELECT 1 FROM columns p
								 WHERE p.seqid = co.seqid AND p.relid <> co.relid
								   AND p.relid IN (SELECT pa.relid FROM pg_partition_ancestors(co.relid) pa)))
	), judged AS (
		SELECT v.*, f.tschema, f.tname, f.attname, f.atttypid, f.feeds,
			   ascending,
			   /* how far the sequence has gone from its start */
			   CASE WHEN v.last_value IS NULL THEN 0
					WHEN ascending THEN v.last_value::numeric - v.seqmin
					ELSE v.seqmax::numeric - v.last_value END AS used,
			   /* the two limits, as distances from the start */
			   CASE WHEN ascending THEN v.seqmax::numeric - v.seqmin
					ELSE v.seqmax::numeric - v.seqmin END AS seq_span,
			   CASE WHEN f.atttypid IS NULL OR r.hi IS NULL THEN NULL
					WHEN ascending THEN r.hi - v.seqmin
					ELSE v.seqmax::numeric - r.lo END AS col_span
		  FROM valued v
		  CROSS JOIN LATERAL (SELECT v.seqincrement > 0 AS ascending) a
		  LEFT JOIN fed f ON f.seqid = v.oid
		  LEFT JOIN LATERAL infraguard_internal.int_type_range(f.atttypid) r ON true
	), pct AS (
		SELECT j.*,
			   CASE WHEN NOT j.readable OR j.no_contents THEN NULL
					ELSE round(100 * j.used / nullif(j.seq_span, 0), 4)::float8 END AS pseq,
			   CASE WHEN NOT j.readable OR j.no_contents OR j.col_span IS NULL THEN NULL
					/* a column that cannot even hold the start: used up */
					WHEN j.col_span <= 0 THEN 100
					ELSE least(round(100 * j.used / j.col_span, 4), 100)::float8 END AS pcol,
			   j.col_span IS NOT NULL AND j.col_span < j.seq_span AS column_first
		  FROM judged j
	)
	SELECT p.nspname, p.relname, p.seqtypid::regtype, p.seqincrement, p.seqmin, p.seqmax, p.seqcycle,
		   p.last_value,
		   CASE WHEN p.no_contents THEN 'unknown: unlogged sequence on a standby'
				WHEN NOT p.readable THEN 'unknown: needs SELECT or USAGE on the sequence (GRANT SELECT ON SEQUENCE, or pg_read_all_data)'
				WHEN p.last_value IS NULL THEN 'never called'
				ELSE 'in use' END,
		   p.pseq, p.tschema, p.tname, p.attname, p.atttypid::regtype, p.feeds, p.pcol,
		   CASE WHEN p.column_first THEN p.pcol ELSE p.pseq END,
		   CASE WHEN p.pseq IS NULL THEN NULL
				ELSE floor((CASE WHEN p.column_first THEN p.col_span ELSE p.seq_span END - p.used)
						   / abs(p.seqincrement)) END,
		   CASE WHEN p.column_first THEN 'column'
				WHEN p.seqcycle THEN 'sequence (cycles)'
				ELSE 'sequence' END,
		   CASE
				/* widen the column, and the sequence with it when it is narrower than bigint */
				WHEN p.column_first OR (p.tname IS NOT NULL AND p.seqtypid <> 'int8'::regtype
										AND p.atttypid IN ('int2'::regtype, 'int4'::regtype)) THEN
					format('ALTER TABLE %I.%I ALTER COLUMN %I TYPE bigint;', p.tschema, p.tname, p.attname)
					|| CASE WHEN p.seqtypid <> 'int8'::regtype AND p.feeds <> 'identity'
							THEN format(' ALTER SEQUENCE %I.%I AS bigint;', p.nspname, p.relname) ELSE '' END
				WHEN p.seqtypid <> 'int8'::regtype THEN
					format('ALTER SEQUENCE %I.%I AS bigint;', p.nspname, p.relname)
				/* a bigint sequence limited below its type's range */
				WHEN p.ascending AND p.seqmax < 9223372036854775807 THEN
					format('ALTER SEQUENCE %I.%I MAXVALUE 9223372036854775807;', p.nspname, p.relname)
				WHEN NOT p.ascending AND p.seqmin > -9223372036854775808 THEN
					format('ALTER SEQUENCE %I.%I MINVALUE -9223372036854775808;', p.nspname, p.relname)
		   END
	  FROM pct p
	 ORDER BY CASE WHEN p.column_first THEN p.pcol ELSE p.pseq END DESC NULLS LAST,
			  p.nspname, p.relname, p.tschema, p.tname, p.attname
$$;
COMMENT ON FUNCTION infraguard.sequences() IS
	'Every sequence of this database, per column it feeds: share of the range used up to the first limit (its own or the column type''s), most used first, with the statement that widens it';
REVOKE ALL ON FUNCTION infraguard.sequences() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.sequences() TO pg_monitor;
