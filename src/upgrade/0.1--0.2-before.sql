
/*
 * 0.1 -> 0.2: changes made once, before the functions are (re)defined.
 * Tables are altered here, never re-created, so that history survives.  A
 * function whose arguments or result columns change is dropped here and
 * created again by its surface file in src/sql/.
 */

/*
 * Alert rules with time and hysteresis (docs/notes-alerts.md): a level must
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
