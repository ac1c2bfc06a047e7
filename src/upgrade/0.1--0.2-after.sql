
/*
 * 0.1 -> 0.2: data, after every function exists.
 */

/* a change to a threshold by anyone but our scripts is the DBA's */
CREATE TRIGGER thresholds_mark_customized
	BEFORE UPDATE ON infraguard.thresholds
	FOR EACH ROW EXECUTE FUNCTION infraguard_internal.thresholds_mark_customized();
CREATE TRIGGER thresholds_replace_default
	BEFORE INSERT ON infraguard.thresholds
	FOR EACH ROW EXECUTE FUNCTION infraguard_internal.thresholds_replace_default();

/*
 * What pg_dump keeps (see README, "Backup and restore").  Kept: the
 * thresholds the DBA changed or added, the backup registry and the alerts
 * with their events (the record of incidents), with their sequences so that new rows after a
 * restore do not collide.  Not kept: history (snapshots, metric, latency,
 * table, index and statement history): it can be large, and it describes
 * the old server's statistics, which a restore resets anyway.
 */
SELECT pg_catalog.pg_extension_config_dump('infraguard.thresholds', 'WHERE customized');
SELECT pg_catalog.pg_extension_config_dump('infraguard.backup_registry', '');
SELECT pg_catalog.pg_extension_config_dump('infraguard.backup_registry_backup_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('infraguard.alerts', '');
SELECT pg_catalog.pg_extension_config_dump('infraguard.alerts_alert_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('infraguard.alert_events', '');

/*
 * Default actions that say what to look at, with the query to run, instead
 * of 0.1's generic lines (the new text: infraguard.metric_catalog).  Only
 * rows still holding 0.1's text: an action a DBA wrote stays.  (Readings may
 * carry advice of their own, which health() shows instead: the table with
 * autovacuum disabled, the paused standby.)
 */
UPDATE infraguard.thresholds t
   SET action = c.action
  FROM infraguard.metric_catalog c,
	   (VALUES
		('storage_used_percent', 'Plan storage expansion'),
		('connection_count', 'Review connection pooling'),
		('query_time_p95', 'Query optimization required'),
		('replication_lag', 'Check replica health'),
		('memory_percent', 'Scale up or optimize'),
		('cpu_percent', 'Scale horizontally')
	   ) AS o(metric, old_action)
 WHERE t.metric = o.metric AND c.metric = o.metric AND t.action = o.old_action;

/*
 * The metrics new in 0.2 get their thresholds, from the registry
 * (src/sql/metric_catalog.sql, added_in = '0.2'); a row a DBA already added
 * under the same name stays.  lock_wait_seconds (issue 10), the longest
 * current lock wait: 30 s is longer than any lock wait a healthy OLTP
 * request tolerates (its client has usually timed out already) but survives
 * a normal DDL or a batch update holding a row for a few seconds; 300 s is a
 * queue that has been stuck for five minutes: an incident.  Same order as
 * blocked_sessions' levels: one slow wait is worth a look, a long one is
 * worth a page.
 */
INSERT INTO infraguard.thresholds (metric, warning, critical, direction, action)
SELECT c.metric, c.warning, c.critical, c.direction, c.action
  FROM infraguard.metric_catalog c
 WHERE c.added_in = '0.2'
 ORDER BY c.metric
ON CONFLICT (metric) DO NOTHING;

/*
 * Alert rules: each metric's hold, clear margin and clear hold, as the
 * registry defines them (0.1 had none: every row gets them).  Why each
 * value is what it is: docs/reference.md ("Default alert rules"), and the
 * comments in src/sql/metric_catalog.sql.  In short: pgMonitor's 60 s
 * "for:" for levels that can spike (its disk rule uses 2 min, its load rule
 * 10 min); no hold for metrics that are themselves durations (a query's age
 * reaching 300 s has held for 300 s); margins a little wider than a
 * metric's normal snapshot-to-snapshot swing.
 */
UPDATE infraguard.thresholds t
   SET hold = c.hold, clear_margin = c.clear_margin, clear_hold = c.clear_hold
  FROM infraguard.metric_catalog c
 WHERE t.metric = c.metric;
