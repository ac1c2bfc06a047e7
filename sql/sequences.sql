--
-- sequences(): share of the range used, of the sequence and of the column it
-- feeds; the sequence_exhaustion check, and its fix, executed.
--
\set SHOW_CONTEXT never
CREATE SCHEMA "Seq Fixture";
SET search_path = "Seq Fixture";
-- int4 serial at 1,700,000,000: 79.16 % (warning)
CREATE TABLE "Orders" ("Order Id" serial PRIMARY KEY, note text);
SELECT setval('"Orders_Order Id_seq"', 1700000000) IS NOT NULL AS set;
-- int4 identity on a partitioned table at 2,000,000,000: 93.13 % (critical)
CREATE TABLE "Part Table" (id integer GENERATED ALWAYS AS IDENTITY, k integer) PARTITION BY RANGE (k);
CREATE TABLE "Part 1" PARTITION OF "Part Table" FOR VALUES FROM (0) TO (100);
SELECT setval('"Part Table_id_seq"', 2000000000) IS NOT NULL AS set;
-- a serial on a partitioned table: the partition's copied default is not a second row
CREATE TABLE ps (id serial, k integer) PARTITION BY RANGE (k);
CREATE TABLE ps1 PARTITION OF ps FOR VALUES FROM (0) TO (100);
-- an integer column fed by a bigint sequence: the column is the limit
CREATE SEQUENCE "Big Seq";
CREATE TABLE narrow (id integer DEFAULT nextval('"Big Seq"'), k integer);
-- descending, cycling, never called
CREATE SEQUENCE down INCREMENT -1 MINVALUE -1000 MAXVALUE -1;
CREATE SEQUENCE cyc AS smallint CYCLE;
CREATE SEQUENCE never;
RESET search_path;

-- one row per sequence and column fed; ps1 (a partition of ps) is left out
SELECT sequence_name, data_type, increment, cycle, state, table_name, column_name, column_type, feeds, limit_by
  FROM infraguard.sequences() WHERE schema_name = 'Seq Fixture' ORDER BY sequence_name;

-- ground truth for remaining_values: the server's own errors after exactly that many values
SELECT setval('"Seq Fixture"."Big Seq"', 2147483640) IS NOT NULL AS set;
SELECT pct_of_sequence < 0.001 AS seq_nearly_unused, limit_by, remaining_values
  FROM infraguard.sequences() WHERE sequence_name = 'Big Seq';
INSERT INTO "Seq Fixture".narrow (k) SELECT g FROM generate_series(1, 7) g;
INSERT INTO "Seq Fixture".narrow (k) VALUES (8);			-- the 8th: integer out of range
SELECT setval('"Seq Fixture".down', -995) IS NOT NULL AS set;
SELECT remaining_values FROM infraguard.sequences() WHERE sequence_name = 'down';
SELECT count(nextval('"Seq Fixture".down')) FROM generate_series(1, 5);
SELECT nextval('"Seq Fixture".down');					-- the 6th: reached minimum value
-- a cycling sequence wraps at its limit instead of failing
SELECT setval('"Seq Fixture".cyc', 32767) IS NOT NULL AS set;
SELECT remaining_values, limit_by FROM infraguard.sequences() WHERE sequence_name = 'cyc';
SELECT nextval('"Seq Fixture".cyc') AS wrapped_to;

-- the fixture's levels; last values are pg_sequences' (the server's view)
SELECT setval('"Seq Fixture"."Big Seq"', 1932735283) IS NOT NULL AS set;	-- 90 % of 2^31 - 1
SELECT setval('"Seq Fixture".down', -901) IS NOT NULL AS set;
SELECT setval('"Seq Fixture".cyc', 30000) IS NOT NULL AS set;
SELECT s.sequence_name, s.last_value, s.pct_of_sequence, s.pct_of_column, s.pct_used, s.remaining_values,
	   s.last_value IS NOT DISTINCT FROM ps.last_value AS same_as_pg_sequences
  FROM infraguard.sequences() s
  JOIN pg_sequences ps ON ps.schemaname = s.schema_name AND ps.sequencename = s.sequence_name
 WHERE s.schema_name = 'Seq Fixture'
 ORDER BY s.pct_used DESC, s.sequence_name;

-- a pg_monitor member may not read sequence values: unknown, never a guess
CREATE ROLE ig_seq_monitor IN ROLE pg_monitor;
SET ROLE ig_seq_monitor;
SELECT state, count(*), bool_and(pct_used IS NULL) AS no_numbers
  FROM infraguard.sequences() WHERE schema_name = 'Seq Fixture' GROUP BY state;
SELECT status, value, detail FROM infraguard.health() WHERE check_name = 'sequence_exhaustion';
RESET ROLE;
DROP ROLE ig_seq_monitor;

-- the check names the worst; its action's statement, executed, removes the finding
SELECT status, value, detail FROM infraguard.health() WHERE check_name = 'sequence_exhaustion';
DO $$
DECLARE
	h record;
	stmt text;
	i integer := 0;
BEGIN
	LOOP
		SELECT * INTO h FROM infraguard.health() WHERE check_name = 'sequence_exhaustion';
		EXIT WHEN h.status NOT IN ('warning', 'critical') OR i >= 6;
		stmt := substring(h.action FROM ': (ALTER [^:]*)$');
		RAISE NOTICE '% at %: %', h.status, h.value, stmt;
		EXECUTE stmt;
		i := i + 1;
	END LOOP;
	RAISE NOTICE 'after % fixes: % (%)', i, h.status, h.value;
END;
$$;
-- widened, and the values go on past the old limits
SELECT sequence_name, data_type, column_type, pct_used < 0.001 AS far_from_limit
  FROM infraguard.sequences() WHERE schema_name = 'Seq Fixture' ORDER BY sequence_name;
SELECT setval('"Seq Fixture"."Part Table_id_seq"', 2147483647) IS NOT NULL AS set;
INSERT INTO "Seq Fixture"."Part Table" (k) VALUES (1) RETURNING id;
SELECT setval('"Seq Fixture"."Big Seq"', 2147483647) IS NOT NULL AS set;
INSERT INTO "Seq Fixture".narrow (k) VALUES (1) RETURNING id;

DROP SCHEMA "Seq Fixture" CASCADE;
