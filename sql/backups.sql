--
-- The backup registry, backup_status() and the backup checks.
--
\set SHOW_CONTEXT never
CREATE ROLE ig_plain;
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

DROP ROLE ig_plain;
DROP ROLE ig_backup;
