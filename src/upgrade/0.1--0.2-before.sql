
/*
 * 0.1 -> 0.2: changes made once, before the functions are (re)defined.
 * Tables are altered here, never re-created, so that history survives.  A
 * function whose arguments or result columns change is dropped here and
 * created again by its surface file in src/sql/.
 */

/*
 * Thresholds the DBA changed are told apart from the seeded defaults, so
 * that pg_dump keeps the DBA's rows (and only those: a restore's CREATE
 * EXTENSION seeds the defaults again) and a later upgrade may update the
 * defaults without overwriting a DBA's choice.  Rows that differ from 0.1's
 * seeds were changed by the DBA.  From 0.2 on, triggers keep the flag (see
 * src/sql/thresholds.sql): rows our scripts write are the extension's.
 */
ALTER TABLE infraguard.thresholds ADD COLUMN customized boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN infraguard.thresholds.customized IS
	'False for a row as the extension seeded it; set when the row is changed or added, and kept by pg_dump';
UPDATE infraguard.thresholds t
   SET customized = true
 WHERE NOT EXISTS
	   (SELECT 1
		  FROM (VALUES
			('storage_used_percent', 70::float8, 85::float8, 'above', 'Plan storage expansion'),
			('connection_count', 80, 95, 'above', 'Review connection pooling'),
			('query_time_p95', 1000, 5000, 'above', 'Query optimization required'),
			('replication_lag', 30, 300, 'above', 'Check replica health'),
			('memory_percent', 80, 95, 'above', 'Scale up or optimize'),
			('cpu_percent', 70, 90, 'above', 'Scale horizontally'),
			('xid_wraparound', 50, 75, 'above',
			 'VACUUM (FREEZE) the oldest tables; end long transactions and drop stale replication slots or prepared transactions that hold back the xmin horizon'),
			('cache_hit_ratio', 95, 90, 'below',
			 'Working set exceeds shared_buffers: raise shared_buffers or find the queries reading from disk'),
			('dead_tuple_ratio', 20, 50, 'above',
			 'VACUUM the table and make autovacuum more aggressive for it (autovacuum_vacuum_scale_factor)'),
			('long_running_query', 300, 1800, 'above',
			 'Review the query; cancel it with pg_cancel_backend(pid) if it is runaway'),
			('idle_in_transaction', 60, 600, 'above',
			 'Fix the application''s transaction handling; set idle_in_transaction_session_timeout'),
			('blocked_sessions', 3, 10, 'above',
			 'Find the head of the wait chain with infraguard.blocking() and end its transaction'),
			('inactive_slot_retained_wal', 1024, 10240, 'above',
			 'Bring the slot''s consumer back, or drop the slot with pg_drop_replication_slot() before pg_wal fills the disk'),
			('table_bloat', 50, 80, 'above',
			 'Rewrite the table (pg_repack, or VACUUM FULL in a maintenance window) and tune autovacuum for it'),
			('archive_failures', 1, 1, 'above',
			 'Fix archive_command (see the server log): WAL piles up in pg_wal until it succeeds'),
			('last_archive_age', 3600, 21600, 'above',
			 'Check that archive_command succeeds and that WAL is being switched (archive_timeout)'),
			('last_backup_age', 26, 50, 'above',
			 'Check the backup job: the last recorded backup is too old'))
			   AS s(metric, warning, critical, direction, action)
		 WHERE (s.metric, s.warning, s.critical, s.direction, true, s.action)
			   IS NOT DISTINCT FROM (t.metric, t.warning, t.critical, t.direction, t.enabled, t.action));

/*
 * Suggestions (issue 9) and no self-noise (issue 10): the lists take an
 * include_infraguard argument, duplicate_indexes() gains a reason column.
 */
DROP FUNCTION IF EXISTS infraguard.table_health();
DROP FUNCTION IF EXISTS infraguard.index_usage();
DROP FUNCTION IF EXISTS infraguard.unused_indexes(bigint);
DROP FUNCTION IF EXISTS infraguard.duplicate_indexes();
DROP FUNCTION IF EXISTS infraguard.maintenance_plan();

/* column_widths() gains n_distinct (bloat() estimates deduplicated B-trees) */
DROP FUNCTION IF EXISTS infraguard.column_widths();

/*
 * When a latency reading was taken (clock time, not its snapshot's
 * transaction start): statements_per_second divides by the time between
 * two readings.  NULL in rows recorded by 0.1.
 */
ALTER TABLE infraguard.latency_snapshots ADD COLUMN IF NOT EXISTS read_at timestamptz;
COMMENT ON COLUMN infraguard.latency_snapshots.read_at IS
	'Clock time at which the counters were read (NULL in rows recorded by 0.1: use taken_at)';

/*
 * current_metrics() gains an action column: advice that follows from the
 * reading (judge() prefers it to the threshold's general action).  health()
 * and judge() are LANGUAGE sql and only name it in their bodies.
 */
DROP FUNCTION IF EXISTS infraguard.current_metrics();

/*
 * Forecasts that say when they do not know (issue 10): forecast() takes the
 * window and the minimum history and returns the fit's quality and a note;
 * capacity_forecast() and table_growth() return them too.
 */
DROP FUNCTION IF EXISTS infraguard.forecast(float8[], float8[], float8, float8, float8);
DROP FUNCTION IF EXISTS infraguard.capacity_forecast(interval);
DROP FUNCTION IF EXISTS infraguard.table_growth(interval);

/*
 * Alert rules with time and hysteresis (docs/design.md, "Alert model"): a level must
 * hold for "hold" before an alert opens or escalates, and the value must
 * come back past the level by "clear_margin" (in the metric's unit) and
 * stay there for "clear_hold" before the alert lowers or resolves.  The
 * column defaults (no hold, no margin) are the 0.1 behaviour; the after
 * part sets each metric's own defaults.
 */
ALTER TABLE infraguard.thresholds
	ADD COLUMN hold interval NOT NULL DEFAULT interval '0',
	ADD COLUMN clear_margin float8 NOT NULL DEFAULT 0,
	ADD COLUMN clear_hold interval NOT NULL DEFAULT interval '0',
	ADD CONSTRAINT thresholds_hold
		CHECK (hold >= interval '0' AND hold <= interval '7 days'),
	ADD CONSTRAINT thresholds_clear_hold
		CHECK (clear_hold >= interval '0' AND clear_hold <= interval '7 days'),
	ADD CONSTRAINT thresholds_clear_margin
		CHECK (clear_margin >= 0 AND clear_margin < 'Infinity');
COMMENT ON COLUMN infraguard.thresholds.hold IS
	'How long a level must hold, at every snapshot, before its alert opens or escalates (Prometheus'' "for:")';
COMMENT ON COLUMN infraguard.thresholds.clear_margin IS
	'How far back past a level, in the metric''s unit, the value must come before the alert lowers or resolves';
COMMENT ON COLUMN infraguard.thresholds.clear_hold IS
	'How long the value must stay clear of a level (by clear_margin) before the alert lowers or resolves';

/*
 * set_threshold() gains the three rule arguments; the 3-argument call keeps
 * working through their defaults.
 */
DROP FUNCTION IF EXISTS infraguard.set_threshold(text, float8, float8);

/*
 * The whole life of an alert: its value when it opened, its worst value
 * (peak) with its time, its worst level with its time; "value" stays the
 * last value seen.
 */
ALTER TABLE infraguard.alerts
	ADD COLUMN opened_value float8,
	ADD COLUMN peak_value float8,
	ADD COLUMN peak_at timestamptz,
	ADD COLUMN peak_level text CHECK (peak_level IN ('warning', 'critical')),
	ADD COLUMN peak_level_at timestamptz;
COMMENT ON COLUMN infraguard.alerts.value IS 'Last value seen while the alert was open (at resolution: the value that resolved it)';
COMMENT ON COLUMN infraguard.alerts.opened_value IS 'Value at opening';
COMMENT ON COLUMN infraguard.alerts.peak_value IS
	'Worst value of the episode, from the first reading of the streak that opened it';
COMMENT ON COLUMN infraguard.alerts.peak_level IS 'Highest level the alert reached';
/* 0.1 alerts: what is known of them */
UPDATE infraguard.alerts
   SET opened_value = value, peak_value = value, peak_at = last_seen_at,
	   peak_level = level, peak_level_at = opened_at;

/* Every transition of every alert. */
CREATE TABLE infraguard.alert_events (
	alert_id	bigint NOT NULL REFERENCES infraguard.alerts ON DELETE CASCADE,
	time		timestamptz NOT NULL,
	event		text NOT NULL CHECK (event IN ('open', 'escalate', 'deescalate', 'resolve')),
	metric		text NOT NULL,
	level		text CHECK (level IN ('warning', 'critical')),	-- NULL after resolve
	value		float8,
	threshold	float8,
	message		text
);
CREATE INDEX alert_events_alert_id ON infraguard.alert_events (alert_id, time);
CREATE INDEX alert_events_time ON infraguard.alert_events (time);
COMMENT ON TABLE infraguard.alert_events IS
	'Every transition of every alert (open, escalate, deescalate, resolve); pruned with its alert, never while the alert is open';
REVOKE ALL ON TABLE infraguard.alert_events FROM PUBLIC;
GRANT SELECT ON TABLE infraguard.alert_events TO pg_monitor;
INSERT INTO infraguard.alert_events (alert_id, time, event, metric, level, value, threshold, message)
SELECT a.alert_id, a.opened_at, 'open', a.metric, a.level, a.value, a.threshold, a.message
  FROM infraguard.alerts a
UNION ALL
SELECT a.alert_id, a.resolved_at, 'resolve', a.metric, NULL, a.value, NULL, a.message
  FROM infraguard.alerts a WHERE a.resolved_at IS NOT NULL;

/*
 * Where each metric's rule stands between snapshots: the start of the
 * current streak toward each level, the previous reading, the episode's
 * worst value so far.  Small (one row per metric) and rewritten every
 * snapshot: UNLOGGED, so it costs no WAL; a crash empties it and the
 * streaks start again.
 */
CREATE UNLOGGED TABLE infraguard.alert_state (
	metric			text PRIMARY KEY,
	evaluated_at	timestamptz,			-- NULL: never evaluated yet
	value			float8,
	status			text NOT NULL,
	warning_since	timestamptz,
	critical_since	timestamptz,
	pending_level	text,
	pending_since	timestamptz,
	pending_until	timestamptz,
	peak_value		float8,
	peak_at			timestamptz
);
COMMENT ON TABLE infraguard.alert_state IS
	'Per metric: the streaks the alert rules are timing (pending_level is reached at pending_until if the value holds)';
REVOKE ALL ON TABLE infraguard.alert_state FROM PUBLIC;
GRANT SELECT ON TABLE infraguard.alert_state TO pg_monitor;

-- latency() gained the execution-only columns exec_calls .. exec_mean_ms
DROP FUNCTION IF EXISTS infraguard.latency(boolean);

/*
 * No self-noise in the statement lists (issue 10): slow_queries() and the
 * report leave out the statements that call infraguard unless asked.
 */
DROP FUNCTION IF EXISTS infraguard.slow_queries(integer, text);
DROP FUNCTION IF EXISTS infraguard.report(timestamptz, timestamptz);
DROP FUNCTION IF EXISTS infraguard.report_tables(timestamptz, timestamptz);

-- check_duration() names the argument it checks and gives its hint (argname,
-- hint); a CREATE OR REPLACE would leave the one-argument form beside it
DROP FUNCTION IF EXISTS infraguard.check_duration(interval);

/*
 * The metric registry (issue 16): one row per health metric, the single
 * place for its name, unit, direction, meaning, source and default rule.
 * Its rows are the current definition of every metric, written by
 * src/sql/metric_catalog.sql like a function definition (so every later
 * upgrade refreshes them); thresholds stays the DBA's editable copy, seeded
 * from here.  Entirely the extension's: not marked for pg_dump, since
 * CREATE EXTENSION rebuilds it on restore.
 */
CREATE TABLE infraguard.metric_catalog (
	metric			text PRIMARY KEY,
	label			text NOT NULL,
	unit			text NOT NULL,
	direction		text NOT NULL CHECK (direction IN ('above', 'below')),
	description		text NOT NULL,
	source			text NOT NULL,
	warning			float8,
	critical		float8,
	hold			interval NOT NULL DEFAULT interval '0',
	clear_margin	float8 NOT NULL DEFAULT 0,
	clear_hold		interval NOT NULL DEFAULT interval '0',
	action			text,
	added_in		text NOT NULL,
	CONSTRAINT metric_catalog_levels
		CHECK (infraguard.thresholds_valid(warning, critical, direction)),
	CONSTRAINT metric_catalog_hold
		CHECK (hold >= interval '0' AND hold <= interval '7 days'),
	CONSTRAINT metric_catalog_clear_hold
		CHECK (clear_hold >= interval '0' AND clear_hold <= interval '7 days'),
	CONSTRAINT metric_catalog_clear_margin
		CHECK (clear_margin >= 0 AND clear_margin < 'Infinity')
);
COMMENT ON TABLE infraguard.metric_catalog IS
	'Every health metric: unit, direction, meaning, source and default thresholds and alert rule (infraguard.thresholds holds the levels in force)';
COMMENT ON COLUMN infraguard.metric_catalog.label IS 'Short name for charts and legends';
COMMENT ON COLUMN infraguard.metric_catalog.source IS 'Where the value comes from';
COMMENT ON COLUMN infraguard.metric_catalog.added_in IS
	'Extension version that added the metric: its upgrade script seeds the threshold';
REVOKE ALL ON TABLE infraguard.metric_catalog FROM PUBLIC;
GRANT SELECT ON TABLE infraguard.metric_catalog TO pg_monitor;

/*
 * Internal helpers out of the manual (issue 16): the functions only other
 * functions, the worker and the triggers call live in infraguard_internal,
 * so that \df infraguard.* lists what a DBA calls.  pg_monitor gets USAGE
 * because the functions it may call (health(), report(), bloat() ...) call
 * helpers there, and pg_signal_backend because terminate_long_running()
 * and terminate_blockers() check their argument with check_duration();
 * each helper keeps its own EXECUTE grant (none to PUBLIC), and the ones
 * no such function needs stay the owner's.
 * Moved, not re-created, so that the triggers and views that use them keep
 * working; src/sql/ then defines them under their new name.  (column_widths(),
 * report_tables() and check_duration() were dropped above and are created
 * there directly.)
 */
CREATE SCHEMA infraguard_internal;
COMMENT ON SCHEMA infraguard_internal IS
	'infraguard''s internal helpers: called by its functions, worker and triggers, not meant to be called directly';
REVOKE ALL ON SCHEMA infraguard_internal FROM PUBLIC;
GRANT USAGE ON SCHEMA infraguard_internal TO pg_monitor, pg_signal_backend;
ALTER FUNCTION infraguard.announce_alert(text, infraguard.alerts) SET SCHEMA infraguard_internal;
ALTER FUNCTION infraguard.evaluate_alerts(jsonb) SET SCHEMA infraguard_internal;
ALTER FUNCTION infraguard.judge(jsonb) SET SCHEMA infraguard_internal;
ALTER FUNCTION infraguard.record_snapshot(text) SET SCHEMA infraguard_internal;
ALTER FUNCTION infraguard.record_statements(bigint, timestamptz, integer) SET SCHEMA infraguard_internal;
ALTER FUNCTION infraguard.known_threshold(text) SET SCHEMA infraguard_internal;
ALTER FUNCTION infraguard.html_escape(text) SET SCHEMA infraguard_internal;
ALTER FUNCTION infraguard.report_format_value(float8, text) SET SCHEMA infraguard_internal;
ALTER FUNCTION infraguard.report_value_ticks(float8, float8, text) SET SCHEMA infraguard_internal;
ALTER FUNCTION infraguard.report_time_ticks(timestamptz, timestamptz) SET SCHEMA infraguard_internal;
ALTER FUNCTION infraguard.report_metric_names(text, integer) SET SCHEMA infraguard_internal;
ALTER FUNCTION infraguard.report_series(text[], text[], timestamptz, timestamptz, integer, boolean)
	SET SCHEMA infraguard_internal;
ALTER FUNCTION infraguard.svg_line_chart(text, text, tstzrange, jsonb, boolean, timestamptz, text[])
	SET SCHEMA infraguard_internal;
ALTER FUNCTION infraguard.svg_alert_timeline(timestamptz, timestamptz) SET SCHEMA infraguard_internal;
ALTER FUNCTION infraguard.html_table(text[], jsonb, text[], text) SET SCHEMA infraguard_internal;
ALTER FUNCTION infraguard.report_health() SET SCHEMA infraguard_internal;
ALTER FUNCTION infraguard.report_size_chart(timestamptz, timestamptz) SET SCHEMA infraguard_internal;
ALTER FUNCTION infraguard.report_charts(timestamptz, timestamptz) SET SCHEMA infraguard_internal;

/*
 * The whole server (issue 11): the worker also reads every other database
 * through short-lived collectors (src/collector.c) and records their tables
 * and indexes here, named by database.  Rows recorded before (0.1, or the
 * worker's own database) are the extension's database's: the default.
 * Relation oids repeat across databases, so every reader filters by name.
 */
ALTER TABLE infraguard.table_history
	ADD COLUMN IF NOT EXISTS database_name text NOT NULL DEFAULT current_database();
ALTER TABLE infraguard.index_history
	ADD COLUMN IF NOT EXISTS database_name text NOT NULL DEFAULT current_database();
COMMENT ON COLUMN infraguard.table_history.database_name IS
	'Database of the table (the extension''s own database for rows recorded by 0.1)';
COMMENT ON COLUMN infraguard.index_history.database_name IS
	'Database of the index (the extension''s own database for rows recorded by 0.1)';

/*
 * What the last collector of each other database found (the worst table by
 * dead tuples, ...): small, one row per database and finding, read by
 * current_metrics() so that health() and the alerts judge the whole server.
 */
CREATE TABLE infraguard.database_findings (
	database_name	text NOT NULL,
	finding			text NOT NULL,
	data			jsonb,
	collected_at	timestamptz NOT NULL,
	PRIMARY KEY (database_name, finding)
);
COMMENT ON TABLE infraguard.database_findings IS
	'Per other database, the last findings of the worker''s collector (see watched_databases())';
REVOKE ALL ON TABLE infraguard.database_findings FROM PUBLIC;
GRANT SELECT ON TABLE infraguard.database_findings TO pg_monitor;

-- last recorded counters of the other databases' relations; UNLOGGED as table_state
CREATE UNLOGGED TABLE infraguard.database_table_state (
	database_name	text NOT NULL,
	relid			oid NOT NULL,
	activity		bigint NOT NULL,
	recorded_at		timestamptz NOT NULL,
	PRIMARY KEY (database_name, relid)
);
CREATE UNLOGGED TABLE infraguard.database_index_state (
	database_name	text NOT NULL,
	indexrelid		oid NOT NULL,
	scans			bigint NOT NULL,
	recorded_at		timestamptz NOT NULL,
	PRIMARY KEY (database_name, indexrelid)
);
COMMENT ON TABLE infraguard.database_table_state IS 'Internal: last recorded activity per table of the other databases';
COMMENT ON TABLE infraguard.database_index_state IS 'Internal: last recorded scans per index of the other databases';
REVOKE ALL ON TABLE infraguard.database_table_state, infraguard.database_index_state FROM PUBLIC;
GRANT SELECT ON TABLE infraguard.database_table_state, infraguard.database_index_state TO pg_monitor;

/*
 * Server log events (issue 15): what the emit_log_hook counted in shared
 * memory (src/log_events.c), recorded by each snapshot
 * (drain_log_events()).  One row per event, identified by the server's
 * start time and the event's sequence number in it; kind 'lost' rows
 * stand for events overwritten in memory before a snapshot recorded them
 * (excerpt says how many).  Pruned by taken_at with the other history.
 */
CREATE TABLE infraguard.log_event_history (
	taken_at		timestamptz NOT NULL,	-- the snapshot that recorded it
	server_started	timestamptz NOT NULL,
	seq				bigint NOT NULL,
	logged_at		timestamptz NOT NULL,
	kind			text NOT NULL,
	sqlstate		text NOT NULL,
	level			text NOT NULL,
	pid				integer,
	dbname			name,
	username		name,
	client_addr		text,
	query_id		bigint,
	excerpt			text,
	PRIMARY KEY (server_started, seq)
);
CREATE INDEX log_event_history_logged_at ON infraguard.log_event_history (logged_at);
CREATE INDEX log_event_history_taken_at ON infraguard.log_event_history (taken_at);
COMMENT ON TABLE infraguard.log_event_history IS
	'Server log events (deadlocks, lock waits, temp files, checkpoints, autovacuum, timeouts, refused logins ...) recorded from shared memory by each snapshot; read it through log_events()';
REVOKE ALL ON TABLE infraguard.log_event_history FROM PUBLIC;
GRANT SELECT ON TABLE infraguard.log_event_history TO pg_monitor;

/*
 * pg_stat_statements evictions (issue 13): a snapshot whose interval saw
 * some has incomplete top statements (statement_history), and says so.
 */
ALTER TABLE infraguard.snapshots ADD COLUMN statements_evicted bigint;
COMMENT ON COLUMN infraguard.snapshots.statements_evicted IS
	'pg_stat_statements evictions since the previous snapshot (NULL: not measured); above 0, this snapshot''s statement_history misses the evicted statements';

/*
 * Configuration change log (issue 13): the server-wide value of every
 * setting as the last snapshot saw it (setting_state), and each change a
 * snapshot found (setting_changes), so that config_review() can say what
 * changed when.  Both are small: a row per setting, a row per change.
 */
CREATE TABLE infraguard.setting_state (
	name			text PRIMARY KEY,
	value			text,
	recorded_at		timestamptz NOT NULL
);
REVOKE ALL ON TABLE infraguard.setting_state FROM PUBLIC;
GRANT SELECT ON TABLE infraguard.setting_state TO pg_monitor;
COMMENT ON TABLE infraguard.setting_state IS
	'Server-wide value of each setting at the last snapshot: what the next snapshot compares with';
CREATE TABLE infraguard.setting_changes (
	taken_at		timestamptz NOT NULL,
	snapshot_id		bigint NOT NULL,
	name			text NOT NULL,
	old_value		text,
	new_value		text,
	unit			text,
	context			text NOT NULL
);
CREATE INDEX setting_changes_taken_at ON infraguard.setting_changes (taken_at);
REVOKE ALL ON TABLE infraguard.setting_changes FROM PUBLIC;
GRANT SELECT ON TABLE infraguard.setting_changes TO pg_monitor;
COMMENT ON TABLE infraguard.setting_changes IS
	'Server-wide setting changes, as found by the snapshot after them (old_value NULL: a setting new to the server, e.g. a library loaded)';

/*
 * Wait-event sampling (issue 15, part 2): the profile of each interval
 * between snapshots, drained from the sampler's shared memory
 * (src/wait_sampling.c) by record_wait_profile().  Per interval: one row
 * per (wait event, query id) for the five most sampled query ids of each
 * event, one row per event for the rest (queryid NULL), and one totals row
 * (wait_event_type NULL, samples = all active samples).
 */
CREATE TABLE infraguard.wait_profile_history (
	taken_at		timestamptz NOT NULL,
	snapshot_id		bigint NOT NULL,
	since			timestamptz NOT NULL,	-- the sampled period: since the previous drain
	until			timestamptz NOT NULL,	-- to this one
	rounds			bigint NOT NULL,		-- sampling rounds in the period
	wait_event_type	text,					-- NULL: the period's totals row
	wait_event		text,
	queryid			bigint,					-- NULL: none known, or not among the top 5
	samples			bigint NOT NULL CHECK (samples >= 0)
);
CREATE INDEX wait_profile_history_taken_at ON infraguard.wait_profile_history (taken_at);
COMMENT ON TABLE infraguard.wait_profile_history IS
	'Sampled wait events of active backends per interval between snapshots, by wait event and top query ids; read it through wait_profile()';
REVOKE ALL ON TABLE infraguard.wait_profile_history FROM PUBLIC;
GRANT SELECT ON TABLE infraguard.wait_profile_history TO pg_monitor;
