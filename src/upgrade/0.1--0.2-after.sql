
/*
 * 0.1 -> 0.2: data, after every function exists.
 */

/*
 * lock_wait_seconds (issue 10): the longest current lock wait.  30 s is
 * longer than any lock wait a healthy OLTP request tolerates (its client
 * has usually timed out already) but survives a normal DDL or a batch
 * update holding a row for a few seconds; 300 s is a queue that has been
 * stuck for five minutes: an incident.  Same order as blocked_sessions'
 * levels: one slow wait is worth a look, a long one is worth a page.
 */
INSERT INTO infraguard.thresholds (metric, warning, critical, direction, action)
VALUES ('lock_wait_seconds', 30, 300, 'above',
		'Find the root blocker with infraguard.blocking() and end its transaction; infraguard.terminate_blockers(''30 seconds'') lists it (dry run) and ends it with dry_run => false')
ON CONFLICT (metric) DO NOTHING;
