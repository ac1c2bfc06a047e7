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
