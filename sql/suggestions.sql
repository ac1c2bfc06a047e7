--
-- Every statement infraguard suggests must run as written and do only what
-- its row says (issue 9, section 2), on a messy schema: partitions on two
-- levels, names that need quoting, a foreign key with ON DELETE CASCADE, a
-- replica identity index with a publication, NULLS NOT DISTINCT and
-- deferrable unique twins, a CLUSTER index, bloated indexes.  Another
-- session's temporary objects: specs/suggestions_temp.spec.  Executing all
-- of them in a copy database: test/t/011_suggestions_execute.pl.
--
\set VERBOSITY terse
\i test/sql/messy_schema.sql

-- the observation window: a setting with units and bounds, 7 days by default
SHOW infraguard.min_index_observation;
SELECT unit, min_val, max_val, context FROM pg_settings WHERE name = 'infraguard.min_index_observation';
-- (the message's wording of the range differs between majors: the SQLSTATE)
\set VERBOSITY sqlstate
SET infraguard.min_index_observation = -1;
\set VERBOSITY terse
SET infraguard.min_index_observation = '1h';
SHOW infraguard.min_index_observation;
RESET infraguard.min_index_observation;

-- below the window no unused index gets a DROP; the reason says for how long
-- and since when scans were counted (invalid indexes need no window)
SELECT index_name, suggestion,
	   reason ~ 'observed for only [0-9.]+ (minutes|hours|days), less than infraguard.min_index_observation \(7 days\): scans are counted since ' AS says_window
  FROM infraguard.unused_indexes()
 WHERE schema_name = 'Sug Schema'
 ORDER BY index_name;

-- with the window satisfied: what is dropped, and how
SET infraguard.min_index_observation = 0;
SELECT table_name, index_name, suggestion,
	   CASE WHEN reason ~ 'it serves foreign key [a-z0-9_]+ \(parent_id\) to "Sug Schema".parent, which no index kept outside this list serves: without it every DELETE or key UPDATE on "Sug Schema".parent scans "Sug Schema".child2? \(ON DELETE CASCADE'
			THEN 'foreign key'
			WHEN reason ~ 'it is the CLUSTER index of "Sug Schema".clu'
			THEN 'cluster'
			WHEN reason ~ '^invalid partitioned index: created ON ONLY.*ATTACH PARTITION'
			THEN 'on only'
			WHEN reason ~ '^invalid index'
			THEN 'invalid'
			WHEN reason ~ '^no scan on any of its 3 partitions since .*cannot be dropped CONCURRENTLY: this DROP INDEX holds an ACCESS EXCLUSIVE lock on "Sug Schema"."Events" and every partition'
			THEN 'partitioned, locks'
			WHEN reason ~ '^no scan since [^;]*$'
			THEN 'unused'
	   END AS why
  FROM infraguard.unused_indexes()
 WHERE schema_name = 'Sug Schema'
 ORDER BY table_name, index_name;

-- never an index attached to a partitioned one, never one that is scanned on
-- some partition, never one enforcing a rule
SELECT u.index_name, c.relkind, c.relispartition
  FROM infraguard.unused_indexes() u
  JOIN pg_class c ON c.relname = u.index_name AND c.relnamespace = '"Sug Schema"'::regnamespace
 WHERE c.relispartition OR u.index_name = 'Events v'
	OR EXISTS (SELECT 1 FROM pg_index i WHERE i.indexrelid = c.oid AND (i.indisunique OR i.indisreplident));

-- duplicates: the replica identity is kept, NULLS NOT DISTINCT and deferrable
-- twins are different rules, the CLUSTER index is explained, a partitioned
-- duplicate is dropped with a plain DROP INDEX, an attached one never
SELECT table_name, index_name, duplicate_of, relation, suggestion,
	   CASE WHEN reason ~ 'not dropped: it is the CLUSTER index of "Sug Schema".clu, and a later CLUSTER "Sug Schema".clu would fail without it; first ALTER TABLE "Sug Schema".clu CLUSTER ON clu_a_b'
			THEN 'cluster'
			WHEN reason ~ 'cannot be dropped CONCURRENTLY: this DROP INDEX holds an ACCESS EXCLUSIVE lock'
			THEN 'partitioned, locks'
			WHEN reason = relation || ' of ' || quote_ident(duplicate_of)
			THEN 'plain'
	   END AS why
  FROM infraguard.duplicate_indexes()
 WHERE schema_name = 'Sug Schema'
 ORDER BY table_name, index_name;

-- the plan: drops commented out, an exclusion constraint's index rebuilt
-- without CONCURRENTLY (refused for it), the unused bloated index dropped,
-- not also rebuilt; no DROP whose row above says not to
SELECT kind, object_name, statement,
	   reason ~ 'exclusion constraint''s index cannot be rebuilt CONCURRENTLY: this REINDEX blocks writes to "Sug Schema".bloated' AS says_lock
  FROM infraguard.maintenance_plan()
 WHERE object_name LIKE '"Sug Schema".%'
 ORDER BY kind, object_name;
-- one statement per object: never DROP and REINDEX, nor VACUUM (ANALYZE) and ANALYZE
SELECT object_name, array_agg(kind ORDER BY kind) AS kinds
  FROM infraguard.maintenance_plan()
 GROUP BY object_name HAVING count(*) > 1;

-- no self-noise: infraguard's own tables and indexes only when asked for
SELECT (SELECT count(*) FROM infraguard.table_health() WHERE schema_name = 'infraguard') AS table_health,
	   (SELECT count(*) FROM infraguard.index_usage() WHERE schema_name = 'infraguard') AS index_usage,
	   (SELECT count(*) FROM infraguard.unused_indexes() WHERE schema_name = 'infraguard') AS unused,
	   (SELECT count(*) FROM infraguard.duplicate_indexes() WHERE schema_name = 'infraguard') AS duplicates,
	   (SELECT count(*) FROM infraguard.maintenance_plan() WHERE object_name LIKE 'infraguard.%') AS plan;
SELECT (SELECT count(*) FROM infraguard.table_health(include_infraguard => true)
		 WHERE schema_name = 'infraguard' AND table_name = 'metric_history') AS table_health,
	   (SELECT count(*) FROM infraguard.index_usage(include_infraguard => true)
		 WHERE schema_name = 'infraguard' AND index_name = 'metric_history_metric') AS index_usage;
-- listed on request, but never with a DROP: they belong to the extension
SELECT count(*) > 0 AS listed,
	   bool_and(suggestion IS NULL) AS never_dropped,
	   bool_and(reason ~ 'belongs to extension infraguard') AS says_why
  FROM infraguard.unused_indexes(0, true) WHERE schema_name = 'infraguard';
SELECT * FROM infraguard.unused_indexes(0, NULL);

-- run the whole plan as written (uncommented), then what must still work
SELECT regexp_replace(statement, '^-- ', '') FROM infraguard.maintenance_plan()
 WHERE object_name LIKE '"Sug Schema".%' ORDER BY priority \gexec
SET search_path = "Sug Schema";
UPDATE published SET payload = 'updated' WHERE id = 1;		-- replica identity still there
DELETE FROM parent WHERE id = 1;							-- cascades through a kept index
SELECT count(*) AS cascaded FROM child WHERE parent_id = 1;
CLUSTER clu;												-- the CLUSTER index is still there
INSERT INTO nnd VALUES (NULL);
INSERT INTO nnd VALUES (NULL);								-- NULLS NOT DISTINCT still enforced
BEGIN;
INSERT INTO deferred VALUES (1), (1);						-- the immediate twin still checks at once
ROLLBACK;
SELECT relname FROM pg_class
 WHERE relnamespace = '"Sug Schema"'::regnamespace AND relkind IN ('i', 'I')
 ORDER BY relname COLLATE "C";
RESET search_path;
RESET infraguard.min_index_observation;
