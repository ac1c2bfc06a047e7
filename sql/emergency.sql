--
-- Emergency tools and risks: long_running, terminate_long_running, replication,
-- slots, wraparound, bloat (against pgstattuple), duplicate indexes, backups,
-- security audit, maintenance plan.  (blocking() is in specs/blocking.spec.)
--
\set SHOW_CONTEXT never

-- nothing of ours runs long
SELECT count(*) FROM infraguard.long_running('1 hour');
SELECT count(*) FROM infraguard.terminate_long_running('1 hour');
SELECT count(*) FROM infraguard.blocking();

-- a plain role cannot terminate; pg_signal_backend members can (dry run)
CREATE ROLE ig_plain;
CREATE ROLE ig_signaller IN ROLE pg_signal_backend;
SET ROLE ig_plain;
SELECT * FROM infraguard.terminate_long_running('1 second');
RESET ROLE;
SET ROLE ig_signaller;
SELECT count(*) FROM infraguard.terminate_long_running('1 hour', true);
RESET ROLE;

-- replication on a primary without standbys; a slot that retains WAL
SELECT count(*) AS standbys FROM infraguard.replication();
SELECT count(*) FROM pg_create_physical_replication_slot('ig_test_slot', true);
SELECT slot_name, slot_type, active, wal_status, retained_wal_bytes >= 0 AS measured, holds_xmin
  FROM infraguard.replication_slots();
SELECT check_name, status, value IS NOT NULL AS measured, detail ~ 'ig_test_slot' AS names_slot
  FROM infraguard.health() WHERE check_name = 'inactive_slot_retained_wal';
SELECT pg_drop_replication_slot('ig_test_slot');

-- wraparound: every database, then at most 20 tables of this one
SELECT kind, count(*) > 0 AS present, bool_and(pct_of_limit >= 0 AND pct_of_limit < 100) AS pct_ok,
	   bool_and(to_freeze_max_age = freeze_max_age - xid_age) AS distance_ok
  FROM infraguard.wraparound() GROUP BY kind ORDER BY kind;
SELECT count(*) <= 20 AS at_most_20 FROM infraguard.wraparound() WHERE kind = 'table';
SELECT bool_and(xid_age >= coalesce(next_age, 0)) AS oldest_first
  FROM (SELECT xid_age, lead(xid_age) OVER () AS next_age
		  FROM infraguard.wraparound() WHERE kind = 'table') t;

-- bloat: estimated from statistics, checked against pgstattuple's exact figures
CREATE EXTENSION pgstattuple;
CREATE TABLE fixture.bloated (id integer, payload text) WITH (autovacuum_enabled = off);
INSERT INTO fixture.bloated SELECT i, repeat(md5(i::text), 2) FROM generate_series(1, 100000) i;
CREATE INDEX bloated_id ON fixture.bloated (id);
ANALYZE fixture.bloated;
-- freshly loaded: both say little bloat
SELECT kind, bloat_pct < 10 AS estimate_low FROM infraguard.bloat() WHERE table_name = 'bloated' ORDER BY kind;
-- 60% of the rows deleted and vacuumed: the space stays allocated
DELETE FROM fixture.bloated WHERE id % 5 < 3;
SELECT pg_stat_force_next_flush() \gset
VACUUM fixture.bloated;
ANALYZE fixture.bloated;
SELECT kind, bloat_pct BETWEEN 50 AND 70 AS estimate_about_60 FROM infraguard.bloat() WHERE table_name = 'bloated' ORDER BY kind;
SELECT t.free_percent BETWEEN 50 AND 70 AS pgstattuple_agrees
  FROM pgstattuple('fixture.bloated') t;
SELECT round((100 - 100 * i.avg_leaf_density / 90)::numeric) BETWEEN 50 AND 75 AS pgstatindex_agrees
  FROM pgstatindex('fixture.bloated_id') i;
-- the estimate against the exact figures, within 10 points
SELECT b.kind, abs(b.bloat_pct - CASE b.kind
		WHEN 'table' THEN (SELECT t.free_percent + t.dead_tuple_percent FROM pgstattuple('fixture.bloated') t)
		ELSE (SELECT 100 - 100 * i.avg_leaf_density / 90 FROM pgstatindex('fixture.bloated_id') i) END) < 10
	   AS within_10_points
  FROM infraguard.bloat() b WHERE b.table_name = 'bloated' ORDER BY b.kind;
SELECT check_name, status IN ('ok', 'warning', 'critical') AS measured
  FROM infraguard.health() WHERE check_name = 'table_bloat';

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

-- backups: recorded by the writer role only, listed, and judged
SELECT check_name, status, detail FROM infraguard.health() WHERE check_name = 'last_backup_age';
CREATE ROLE ig_backup IN ROLE infraguard_backup_writer;
SET ROLE ig_backup;
SELECT infraguard.record_backup('pg_dump', 'old', now() - interval '40 days', 1000, '/backups/old.dump', true) > 0 AS recorded;
SELECT infraguard.record_backup('pg_dump', 'older-unverified', now() - interval '45 days', 900, '/backups/o2.dump', false) > 0 AS recorded;
SELECT infraguard.record_backup('pg_basebackup', 'recent', now() - interval '2 days', 5000, '/backups/base', false) > 0 AS recorded;
SELECT * FROM infraguard.backups;		-- the writer may record, not read
RESET ROLE;
SET ROLE ig_plain;
SELECT infraguard.record_backup('pg_dump', 'x', now(), 1, 'x', true);
RESET ROLE;
SELECT kind, label, size, verified, recorded_by FROM infraguard.backups;
SELECT check_name, status, round(value) AS hours FROM infraguard.health() WHERE check_name = 'last_backup_age';
-- the newest verified backup is kept even when older than keep
SELECT label FROM infraguard.backups_safe_to_delete('30 days');
SELECT label FROM infraguard.backups_safe_to_delete('1 day');
SELECT count(*) AS still_recorded FROM infraguard.backup_registry;
SELECT archive_mode, archiving_configured, failing FROM infraguard.backup_status();
SELECT check_name, status, detail FROM infraguard.health()
 WHERE check_name IN ('archive_failures', 'last_archive_age') ORDER BY 1;

-- security audit: as a superuser every check is decided; as pg_monitor some are unknown
SELECT check_name, status IN ('ok', 'warning', 'critical') AS decided, remedy IS NOT NULL = (status <> 'ok') AS remedy_iff_finding
  FROM infraguard.security_audit() ORDER BY check_name;
SELECT check_name, status FROM infraguard.security_audit()
 WHERE check_name IN ('superusers', 'public_schema_create', 'password_encryption') ORDER BY 1;
-- what is exposed: this instance listens on no TCP address (Unix sockets
-- only), so ssl = off sends nothing over a network (0.1 warned)
SELECT current_setting('listen_addresses') AS listen_addresses, current_setting('ssl') AS ssl;
SELECT check_name, status, detail FROM infraguard.security_audit() WHERE check_name = 'ssl';
CREATE FUNCTION fixture.definer_without_path() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
GRANT CREATE ON SCHEMA public TO PUBLIC;
SELECT check_name, status, detail FROM infraguard.security_audit()
 WHERE check_name IN ('security_definer_search_path', 'public_schema_create') ORDER BY 1;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
DROP FUNCTION fixture.definer_without_path();
CREATE ROLE ig_auditor IN ROLE pg_monitor;
SET ROLE ig_auditor;
SELECT check_name, status, detail FROM infraguard.security_audit() WHERE status = 'unknown' ORDER BY 1;
RESET ROLE;

-- the maintenance plan: suggestions only, destructive ones commented out
SELECT kind, object_name, statement
  FROM infraguard.maintenance_plan()
 WHERE object_name LIKE 'fixture.%'
 ORDER BY kind, object_name;
SELECT bool_and(statement LIKE '-- DROP INDEX CONCURRENTLY %') AS drops_commented_out
  FROM infraguard.maintenance_plan() WHERE kind LIKE 'drop%';
SELECT bool_and(priority = rn) AS numbered
  FROM (SELECT priority, row_number() OVER (ORDER BY priority) AS rn FROM infraguard.maintenance_plan()) p;

DROP ROLE ig_plain;
DROP ROLE ig_signaller;
DROP ROLE ig_backup;
DROP ROLE ig_auditor;
