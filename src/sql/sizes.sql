/*
 * Sizes that never wait for a lock.
 *
 * pg_relation_size(), pg_table_size(), pg_indexes_size() and
 * pg_total_relation_size() lock each relation they measure, so a diagnostic
 * that sizes every table hangs behind one ALTER TABLE or LOCK TABLE (and
 * everything queued behind it).  Every diagnostic of infraguard sizes
 * relations with these instead; they count the same files.
 */

CREATE OR REPLACE FUNCTION infraguard.relation_size(rel regclass, fork text DEFAULT 'main')
RETURNS bigint
AS 'MODULE_PATHNAME', 'infraguard_relation_size'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION infraguard.relation_size(regclass, text) IS
	'Bytes of one fork of a relation (main, fsm, vm, init, or all), like pg_relation_size() but without a lock; NULL without storage';
REVOKE ALL ON FUNCTION infraguard.relation_size(regclass, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.relation_size(regclass, text) TO pg_monitor;

CREATE OR REPLACE FUNCTION infraguard.table_size(rel regclass)
RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	/* pg_table_size(): every fork of the table, of its TOAST table and of the TOAST index */
	SELECT infraguard.relation_size(c.oid, 'all')
		   + coalesce((SELECT sum(infraguard.relation_size(t.oid, 'all'))
						 FROM pg_class t
						WHERE t.oid OPERATOR(pg_catalog.=) c.reltoastrelid), 0)::bigint
		   + coalesce((SELECT sum(infraguard.relation_size(i.indexrelid, 'all'))
						 FROM pg_index i
						WHERE c.reltoastrelid OPERATOR(pg_catalog.<>) 0
						  AND i.indrelid OPERATOR(pg_catalog.=) c.reltoastrelid), 0)::bigint
	  FROM pg_class c
	 WHERE c.oid OPERATOR(pg_catalog.=) rel
$$;
COMMENT ON FUNCTION infraguard.table_size(regclass) IS
	'Bytes of a table with its TOAST data, without its indexes, like pg_table_size() but without a lock';
REVOKE ALL ON FUNCTION infraguard.table_size(regclass) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.table_size(regclass) TO pg_monitor;

CREATE OR REPLACE FUNCTION infraguard.indexes_size(rel regclass)
RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT coalesce(sum(infraguard.relation_size(i.indexrelid, 'all')), 0)::bigint
	  FROM pg_index i
	 WHERE i.indrelid OPERATOR(pg_catalog.=) rel
$$;
COMMENT ON FUNCTION infraguard.indexes_size(regclass) IS
	'Bytes of the indexes of a table, like pg_indexes_size() but without a lock';
REVOKE ALL ON FUNCTION infraguard.indexes_size(regclass) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.indexes_size(regclass) TO pg_monitor;

CREATE OR REPLACE FUNCTION infraguard.total_relation_size(rel regclass)
RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT infraguard.table_size(rel) OPERATOR(pg_catalog.+) infraguard.indexes_size(rel)
$$;
COMMENT ON FUNCTION infraguard.total_relation_size(regclass) IS
	'Bytes of a table with its TOAST data and indexes, like pg_total_relation_size() but without a lock';
REVOKE ALL ON FUNCTION infraguard.total_relation_size(regclass) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.total_relation_size(regclass) TO pg_monitor;
