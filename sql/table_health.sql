--
-- table_health(): sizes, tuples and autovacuum's own verdict.
--
SELECT schema_name, table_name, live_tuples, dead_tuples, dead_pct, vacuum_due,
	   last_vacuum IS NOT NULL AS vacuumed, last_autovacuum IS NULL AS never_autovacuumed
  FROM infraguard.table_health()
 WHERE schema_name = 'fixture'
 ORDER BY table_name;

-- the parts add up to the total, and sizes agree with PostgreSQL's own functions
SELECT table_name,
	   total_bytes = table_bytes + index_bytes + toast_bytes AS parts_add_up,
	   total_bytes = pg_total_relation_size(format('%I.%I', schema_name, table_name)) AS total_matches,
	   index_bytes = pg_indexes_size(format('%I.%I', schema_name, table_name)) AS indexes_match,
	   total_size = pg_size_pretty(total_bytes) AS pretty
  FROM infraguard.table_health()
 WHERE schema_name = 'fixture'
 ORDER BY table_name;

-- largest first
SELECT bool_and(total_bytes >= next_bytes) AS largest_first
  FROM (SELECT total_bytes, lead(total_bytes, 1, 0::bigint) OVER () AS next_bytes
		  FROM infraguard.table_health()) t;

-- lowering the table's own threshold makes it due
ALTER TABLE fixture.lenient SET (autovacuum_vacuum_scale_factor = 0.1);
SELECT table_name, vacuum_due FROM infraguard.table_health() WHERE table_name = 'lenient';
ALTER TABLE fixture.lenient SET (autovacuum_vacuum_scale_factor = 0.5);
