--
-- replication() and replication_slots() on a primary (standbys: test/t/005).
--
\set SHOW_CONTEXT never
-- replication on a primary without standbys; a slot that retains WAL
SELECT count(*) AS standbys FROM infraguard.replication();
SELECT count(*) FROM pg_create_physical_replication_slot('ig_test_slot', true);
SELECT slot_name, slot_type, active, wal_status, retained_wal_bytes >= 0 AS measured, holds_xmin
  FROM infraguard.replication_slots();
SELECT check_name, status, value IS NOT NULL AS measured, detail ~ 'ig_test_slot' AS names_slot
  FROM infraguard.health() WHERE check_name = 'inactive_slot_retained_wal';
SELECT pg_drop_replication_slot('ig_test_slot');
