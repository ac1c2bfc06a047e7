
/*
 * 0.1 -> 0.2: data, after every function exists.
 */

CREATE TRIGGER thresholds_mark_customized
	BEFORE UPDATE ON infraguard.thresholds
	FOR EACH ROW EXECUTE FUNCTION infraguard.thresholds_mark_customized();
CREATE TRIGGER thresholds_replace_default
	BEFORE INSERT ON infraguard.thresholds
	FOR EACH ROW EXECUTE FUNCTION infraguard.thresholds_replace_default();

/*
 * What pg_dump keeps (see README, "Backup and restore").  Kept: the
 * thresholds the DBA changed or added, the backup registry and the alerts
 * (the record of incidents), with their sequences so that new rows after a
 * restore do not collide.  Not kept: history (snapshots, metric, latency,
 * table, index and statement history): it can be large, and it describes
 * the old server's statistics, which a restore resets anyway.
 */
SELECT pg_catalog.pg_extension_config_dump('infraguard.thresholds', 'WHERE customized');
SELECT pg_catalog.pg_extension_config_dump('infraguard.backup_registry', '');
SELECT pg_catalog.pg_extension_config_dump('infraguard.backup_registry_backup_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('infraguard.alerts', '');
SELECT pg_catalog.pg_extension_config_dump('infraguard.alerts_alert_id_seq', '');
