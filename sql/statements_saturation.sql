--
-- statements_saturation(): pg_stat_statements' fill and evictions, against
-- pg_stat_statements' own view and settings.  (Evictions are provoked in
-- test/t/050_statements_evictions.pl, on a server with max = 100.)
--
\set SHOW_CONTEXT never
SELECT s.available, s.max_entries = current_setting('pg_stat_statements.max')::integer AS max_is_setting,
	   s.entries <= s.max_entries AS within_max,
	   s.evictions = i.dealloc AS evictions_are_dealloc, s.stats_reset = i.stats_reset AS same_reset,
	   s.track, s.hint IS NULL AS no_hint_without_evictions
  FROM infraguard.statements_saturation() s, pg_stat_statements_info i;
-- entries: what pg_stat_statements holds (read a moment apart: a new statement may enter in between)
SELECT abs(s.entries - (SELECT count(*) FROM pg_stat_statements)) <= 5 AS entries_counted
  FROM infraguard.statements_saturation() s;

-- each snapshot says how many evictions its interval saw (none here), and the next one is relative to it
SELECT infraguard.take_snapshot() IS NOT NULL AS snapped;
SELECT infraguard.take_snapshot() IS NOT NULL AS snapped;
SELECT statements_evicted FROM infraguard.snapshots ORDER BY taken_at DESC LIMIT 1;
SELECT s.evictions_since_snapshot, s.last_snapshot = (SELECT max(taken_at) FROM infraguard.snapshots) AS from_last
  FROM infraguard.statements_saturation() s;
SELECT status, value FROM infraguard.health() WHERE check_name = 'statements_evicted';

-- without the extension in the database: not available, and why
BEGIN;
DROP EXTENSION pg_stat_statements;
SELECT available, detail FROM infraguard.statements_saturation();
SELECT status, value, detail FROM infraguard.health() WHERE check_name = 'statements_evicted';
ROLLBACK;
