--
-- The whole server (issue 11): which databases the worker reads, the queries
-- its collectors run there, and how their findings and history are kept.
-- The collectors themselves run in the worker: test/t/030_whole_server.pl.
--

-- every database but the templates, the extension's own read by the worker
SELECT database_name, watched, reason
  FROM infraguard.watched_databases()
 WHERE database_name IN (current_database(), 'postgres', 'template0', 'template1')
 ORDER BY database_name = current_database() DESC, database_name;

-- each shipped query runs with pg_catalog alone, read-only, and returns JSON
SET search_path = pg_catalog, pg_temp;
BEGIN READ ONLY;
DO $$
DECLARE
	q record;
	doc text;
	n integer;
BEGIN
	FOR q IN SELECT * FROM infraguard_internal.collector_queries() ORDER BY kind LOOP
		n := 0;
		FOR doc IN EXECUTE q.query LOOP
			n := n + 1;
			RAISE NOTICE '% -> %', q.kind, jsonb_typeof(doc::jsonb);
		END LOOP;
		RAISE NOTICE '%: % row(s)', q.kind, n;
	END LOOP;
END
$$;
COMMIT;
RESET search_path;

-- the tables query sees the fixture with sizes, as snapshot_cycle() does
SET search_path = pg_catalog, pg_temp;
DO $$
DECLARE
	doc text;
BEGIN
	EXECUTE (SELECT query FROM infraguard_internal.collector_queries() WHERE kind = 'tables') INTO doc;
	CREATE TEMP TABLE tables_doc AS SELECT doc::jsonb AS doc;
END
$$;
-- (the files it locates make up what pg_table_size() and pg_indexes_size() count)
SELECT t->>'relname' AS relname, (t->>'n_live_tup')::bigint > 0 AS has_rows,
	   infraguard_internal.files_size(ARRAY(SELECT jsonb_array_elements_text(t->'table_files')))
		 = pg_table_size((t->>'relid')::oid) AS table_size_right,
	   infraguard_internal.files_size(ARRAY(SELECT jsonb_array_elements_text(t->'index_files')))
		 = pg_indexes_size((t->>'relid')::oid) AS indexes_size_right
  FROM tables_doc, jsonb_array_elements(doc) t
 WHERE t->>'schemaname' = 'fixture' AND t->>'relname' = 'churn';
RESET search_path;

-- another database's worst table wins in health() when it is worse, with its database named
SELECT infraguard_internal.store_database_findings('{"postgres": {"dead_tuples": {"schemaname": "app", "relname": "orders",
	"n_live_tup": 10000, "n_dead_tup": 90000, "pct": 90.0, "table_autovacuum": true, "vacuumed_at": null}}}');
SELECT status, value, detail, action FROM infraguard.health() WHERE check_name = 'dead_tuple_ratio';
-- and the history: rows by database, the local functions unaffected by repeated oids
SELECT infraguard.take_snapshot() AS sid \gset
SELECT error IS NULL AS recorded, table_rows, index_rows
  FROM infraguard_internal.record_database_history(:sid, jsonb_build_object('postgres', jsonb_build_object(
		'tables', jsonb_build_array(jsonb_build_object('relid', 'fixture.churn'::regclass::oid, 'schemaname', 'app',
			'relname', 'orders', 'table_files', jsonb_build_array(pg_relation_filepath('fixture.churn')),
			'n_live_tup', 10000, 'n_dead_tup', 90000, 'activity', 5)),
		'indexes', jsonb_build_array(jsonb_build_object('indexrelid', 1, 'schemaname', 'app', 'relname', 'orders',
			'indexrelname', 'orders_unused', 'file', 'base/0/no_such_file', 'idx_scan', 0, 'idx_tup_read', 0)),
		'dead_tuples', jsonb_build_object('pct', 90.0))), 12.5);
SELECT database_name, schema_name, table_name, dead_tuples,
	   table_bytes = pg_relation_size('fixture.churn', 'main') + pg_relation_size('fixture.churn', 'fsm')
		 + pg_relation_size('fixture.churn', 'vm') AS sized, index_bytes FROM infraguard.table_history
 WHERE snapshot_id = :sid AND database_name = 'postgres';
SELECT database_name, index_name, scans, size_bytes FROM infraguard.index_history
 WHERE snapshot_id = :sid AND database_name = 'postgres';
SELECT metric, value FROM infraguard.metric_history WHERE snapshot_id = :sid AND metric LIKE 'dead_tuple_ratio:%';
SELECT schema_name, table_name FROM infraguard.table_growth() WHERE table_name = 'orders';
-- the same state again: nothing new is recorded
SELECT table_rows, index_rows
  FROM infraguard_internal.record_database_history(:sid, jsonb_build_object('postgres', jsonb_build_object(
		'tables', jsonb_build_array(jsonb_build_object('relid', 'fixture.churn'::regclass::oid, 'activity', 5)),
		'indexes', jsonb_build_array(jsonb_build_object('indexrelid', 1, 'idx_scan', 0)))), 0);
-- findings older than three intervals are not judged
UPDATE infraguard.database_findings SET collected_at = now() - interval '1 hour';
SELECT detail NOT LIKE 'postgres.%' AS stale_ignored FROM infraguard.health() WHERE check_name = 'dead_tuple_ratio';
-- clean up what this file recorded for another database
DELETE FROM infraguard.database_findings;
DELETE FROM infraguard.database_table_state;
DELETE FROM infraguard.database_index_state;
DELETE FROM infraguard.table_history WHERE database_name <> current_database();
DELETE FROM infraguard.index_history WHERE database_name <> current_database();
DELETE FROM infraguard.metric_history WHERE metric LIKE 'dead_tuple_ratio:%';
