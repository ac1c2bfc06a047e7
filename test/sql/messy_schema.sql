-- A messy schema for the suggestion tests (sql/suggestions.sql and
-- test/t/011_suggestions_execute.pl): every class of index a suggestion
-- must not break, with names that need quoting.  Run as a superuser in an
-- empty database with infraguard installed.
CREATE SCHEMA "Sug Schema";
SET search_path = "Sug Schema";

-- partitions on two levels; "Events k" unused everywhere, "Events v" used
-- on one partition only, "Events k again" an identical partitioned twin
CREATE TABLE "Events" (id int, k int, v text) PARTITION BY RANGE (id);
CREATE TABLE "Events_1" PARTITION OF "Events" FOR VALUES FROM (0) TO (100) PARTITION BY RANGE (id);
CREATE TABLE "Events_1a" PARTITION OF "Events_1" FOR VALUES FROM (0) TO (50);
CREATE TABLE "Events_1b" PARTITION OF "Events_1" FOR VALUES FROM (50) TO (100);
CREATE TABLE "Events_2" PARTITION OF "Events" FOR VALUES FROM (100) TO (200);
INSERT INTO "Events" SELECT g, g % 7, 'v' || g FROM generate_series(0, 199) g;
CREATE INDEX "Events k" ON "Events" (k);
CREATE INDEX "Events v" ON "Events" (v);
CREATE INDEX "Events k again" ON "Events" (k);
-- a partition's own index, attached to nothing, twin of an attached one
CREATE INDEX "Events_2 k twin" ON "Events_2" (k);
-- begun the lock-free way (ON ONLY) and never finished: invalid
CREATE INDEX "Events half" ON ONLY "Events" (v, k);

-- quoting: a name with a double quote and a space, upper case
CREATE TABLE "Plain" ("Id" int PRIMARY KEY, b int, c int);
INSERT INTO "Plain" SELECT g, g, g FROM generate_series(1, 100) g;
CREATE INDEX "odd ""name""" ON "Plain" (b);
CREATE INDEX "Plain c" ON "Plain" (c);

-- a foreign key with ON DELETE CASCADE served by one unused index only
CREATE TABLE parent (id int PRIMARY KEY);
INSERT INTO parent SELECT generate_series(1, 10);
CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent ON DELETE CASCADE, note text);
INSERT INTO child SELECT g, g % 10 + 1, 'n' FROM generate_series(1, 100) g;
CREATE INDEX child_parent ON child (parent_id);
-- a foreign key served by two unused indexes, one a prefix of the other
CREATE TABLE child2 (id int PRIMARY KEY, parent_id int REFERENCES parent ON DELETE CASCADE, x int);
INSERT INTO child2 SELECT g, g % 10 + 1, g FROM generate_series(1, 100) g;
CREATE INDEX child2_p ON child2 (parent_id);
CREATE INDEX child2_p_x ON child2 (parent_id, x);

-- a published table whose replica identity is the newer of two identical unique indexes
CREATE TABLE published (id int NOT NULL, code text NOT NULL, payload text);
INSERT INTO published SELECT g, 'c' || g, 'p' FROM generate_series(1, 50) g;
CREATE UNIQUE INDEX published_code ON published (code);
CREATE UNIQUE INDEX published_code_ri ON published (code);
ALTER TABLE published REPLICA IDENTITY USING INDEX published_code_ri;
SET client_min_messages = error;	-- wal_level may be too low to publish: not the point here
CREATE PUBLICATION sug_pub FOR TABLE published;
RESET client_min_messages;

-- unique twins that are not the same rule
CREATE TABLE nnd (a int);
CREATE UNIQUE INDEX nnd_a ON nnd (a);
CREATE UNIQUE INDEX nnd_a_nulls_not_distinct ON nnd (a) NULLS NOT DISTINCT;
CREATE TABLE deferred (a int, CONSTRAINT deferred_a UNIQUE (a) DEFERRABLE INITIALLY DEFERRED);
CREATE UNIQUE INDEX deferred_a_immediate ON deferred (a);

-- the CLUSTER index is a prefix duplicate
CREATE TABLE clu (a int, b int);
INSERT INTO clu SELECT g, g FROM generate_series(1, 100) g;
CREATE INDEX clu_a ON clu (a);
CREATE INDEX clu_a_b ON clu (a, b);
ALTER TABLE clu CLUSTER ON clu_a;

-- bloated B-trees: an unused one (drop, never also rebuild) and an
-- exclusion constraint's (cannot be rebuilt CONCURRENTLY)
CREATE TABLE bloated (id int, k int, CONSTRAINT bloated_k_excl EXCLUDE USING btree (k WITH =));
INSERT INTO bloated SELECT g, g FROM generate_series(1, 100000) g;
CREATE INDEX bloated_id ON bloated (id);
DELETE FROM bloated WHERE id % 10 <> 0;
-- publish the counts before VACUUM resets them, or they come back after it
SELECT pg_stat_force_next_flush();
VACUUM ANALYZE bloated;

-- an invalid index left by a failed CREATE INDEX CONCURRENTLY
CREATE TABLE broken (a int);
INSERT INTO broken VALUES (1), (1);
CREATE UNIQUE INDEX CONCURRENTLY broken_a ON broken (a);

ANALYZE "Events", "Plain", parent, child, child2, published, nnd, deferred, clu, broken;

-- never analysed, and dead rows past autovacuum's threshold, under a name
-- that needs quotes (nothing reads it afterwards: pruning would lower the count)
CREATE TABLE "Dead Rows" (id int);
INSERT INTO "Dead Rows" SELECT generate_series(1, 1000);
DELETE FROM "Dead Rows" WHERE id % 2 = 0;

-- scans: "Events v" on one partition only, "Plain c", the primary keys
SET enable_seqscan = off;
SELECT count(*) FROM "Events" WHERE id = 150 AND v = 'v150';
SELECT count(*) FROM "Plain" WHERE c = 5;
RESET enable_seqscan;
SELECT pg_stat_force_next_flush();
RESET search_path;
