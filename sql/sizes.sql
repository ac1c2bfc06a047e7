--
-- Sizes without a lock: the same bytes as PostgreSQL's own size functions.
--
CREATE TABLE fixture.sized (id int PRIMARY KEY, body text, n int);
CREATE INDEX sized_n ON fixture.sized (n);
ALTER TABLE fixture.sized ALTER COLUMN body SET STORAGE EXTERNAL;
INSERT INTO fixture.sized
SELECT i, repeat(md5(i::text), 100), i % 7 FROM generate_series(1, 3000) i;
VACUUM fixture.sized;	-- visibility and free space maps exist
SELECT infraguard.relation_size('fixture.sized') = pg_relation_size('fixture.sized') AS main,
	   infraguard.relation_size('fixture.sized', 'fsm') = pg_relation_size('fixture.sized', 'fsm') AS fsm,
	   infraguard.relation_size('fixture.sized', 'vm') = pg_relation_size('fixture.sized', 'vm') AS vm,
	   infraguard.relation_size('fixture.sized', 'all') =
		   pg_relation_size('fixture.sized') + pg_relation_size('fixture.sized', 'fsm')
		   + pg_relation_size('fixture.sized', 'vm') AS all_forks,
	   infraguard.table_size('fixture.sized') = pg_table_size('fixture.sized') AS table_size,
	   infraguard.indexes_size('fixture.sized') = pg_indexes_size('fixture.sized') AS indexes_size,
	   infraguard.total_relation_size('fixture.sized') = pg_total_relation_size('fixture.sized') AS total,
	   infraguard.table_size('fixture.sized') > infraguard.relation_size('fixture.sized', 'all') AS toast_counted;
-- catalogs, mapped ones included, and shared ones
SELECT infraguard.relation_size('pg_class') = pg_relation_size('pg_class') AS mapped,
	   infraguard.relation_size('pg_database') = pg_relation_size('pg_database') AS shared,
	   infraguard.total_relation_size('pg_proc') = pg_total_relation_size('pg_proc') AS catalog_total;
-- a temporary table of this session
CREATE TEMP TABLE sized_temp AS SELECT generate_series(1, 1000) AS i;
SELECT infraguard.relation_size('sized_temp') = pg_relation_size('sized_temp') AS temp;
-- no storage, no relation: NULL; a bad fork: an error
CREATE VIEW fixture.sized_view AS SELECT 1 AS one;
SELECT infraguard.relation_size('fixture.sized_view') IS NULL AS view_null,
	   infraguard.relation_size(NULL) IS NULL AS null_null,
	   infraguard.relation_size(0) IS NULL AS no_relation;
SELECT infraguard.relation_size('fixture.sized', 'heap');
DROP VIEW fixture.sized_view;
DROP TABLE fixture.sized;
