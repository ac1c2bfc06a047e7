--
-- index_usage() and unused_indexes().
--
SELECT table_name, index_name, scans > 0 AS used, is_unique, is_primary,
	   size = pg_size_pretty(size_bytes) AS pretty
  FROM infraguard.index_usage()
 WHERE schema_name = 'fixture'
 ORDER BY index_name;

-- least used first
SELECT bool_and(scans <= next_scans) AS least_used_first
  FROM (SELECT scans, lead(scans, 1, scans) OVER () AS next_scans
		  FROM infraguard.index_usage()) t;

-- exactly the never-used index and the invalid one; never a constraint's index
-- (the observation window is the subject of sql/suggestions.sql)
SET infraguard.min_index_observation = 0;
SELECT schema_name, table_name, index_name, scans, reason ~ '^(invalid index|no scan since)' AS has_reason,
	   suggestion
  FROM infraguard.unused_indexes()
 ORDER BY index_name;
RESET infraguard.min_index_observation;

-- counted since the statistics were last reset or discarded (a clean restart
-- keeps them: test/t/011_suggestions_execute.pl)
SELECT stats_since <= now() AS since_in_past,
	   stats_since >= (SELECT stats_reset FROM pg_stat_bgwriter) AS since_last_discard
  FROM infraguard.unused_indexes() LIMIT 1;

-- the size filter
SELECT count(*) FROM infraguard.unused_indexes(pg_size_bytes('1 GB'));
SELECT count(*) FROM infraguard.unused_indexes(0);

-- duplicate indexes: identical, prefix, and what must never be suggested
CREATE TABLE fixture.dups (a int, b int, c int, d text);
CREATE INDEX dups_a ON fixture.dups (a);
CREATE INDEX dups_a_again ON fixture.dups (a);					-- identical to dups_a
CREATE INDEX dups_a_b ON fixture.dups (a, b);					-- makes dups_a a prefix
CREATE UNIQUE INDEX dups_b_unique ON fixture.dups (b);
CREATE INDEX dups_b_c ON fixture.dups (b, c);					-- dups_b_unique is unique: keep
CREATE INDEX dups_c_desc ON fixture.dups (c DESC);
CREATE INDEX dups_c_d ON fixture.dups (c, d);					-- different ordering: keep
CREATE INDEX dups_d_partial ON fixture.dups (d) WHERE d IS NOT NULL;
CREATE INDEX dups_d_lower ON fixture.dups (lower(d));			-- expression: not a duplicate of d
CREATE INDEX dups_a_partial ON fixture.dups (a) WHERE a > 0;	-- other predicate: keep
SELECT table_name, index_name, duplicate_of, relation, suggestion
  FROM infraguard.duplicate_indexes() WHERE schema_name = 'fixture' ORDER BY index_name;
