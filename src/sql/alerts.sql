/*
 * Interactive checks (they raise NOTICEs) and the alerts the worker keeps:
 * opened after a hold time, resolved below a clear margin, logged and sent
 * with NOTIFY.
 */

CREATE OR REPLACE VIEW infraguard.active_alerts AS
	SELECT alert_id, metric, level, value, threshold, opened_at, last_seen_at,
		   now() - opened_at AS open_for, action, message,
		   opened_value, peak_value, peak_at, peak_level, peak_level_at
	  FROM infraguard.alerts
	 WHERE resolved_at IS NULL
	 ORDER BY CASE level WHEN 'critical' THEN 0 ELSE 1 END, opened_at;
COMMENT ON VIEW infraguard.active_alerts IS
	'Open alerts, critical first: value is the last one seen, opened_value and peak_value the first and the worst';
REVOKE ALL ON TABLE infraguard.active_alerts FROM PUBLIC;
GRANT SELECT ON TABLE infraguard.active_alerts TO pg_monitor;

/* What the alert rules are timing: levels about to be reached or left. */
CREATE OR REPLACE VIEW infraguard.pending_alerts AS
	SELECT s.metric, coalesce(a.level, 'ok') AS level, s.pending_level, s.value, s.status,
		   s.pending_since, s.pending_until, greatest(s.pending_until - now(), interval '0') AS due_in,
		   s.evaluated_at
	  FROM infraguard.alert_state s
	  LEFT JOIN infraguard.alerts a ON a.metric = s.metric AND a.resolved_at IS NULL
	 WHERE s.pending_level IS NOT NULL
	 ORDER BY s.pending_until;
COMMENT ON VIEW infraguard.pending_alerts IS
	'Alerts about to open, escalate, lower or resolve: pending_level is reached at pending_until if the value holds until then';
REVOKE ALL ON TABLE infraguard.pending_alerts FROM PUBLIC;
GRANT SELECT ON TABLE infraguard.pending_alerts TO pg_monitor;

CREATE OR REPLACE FUNCTION infraguard.alert_transition(open_level text, new_level text)
RETURNS text
AS 'MODULE_PATHNAME', 'infraguard_alert_transition'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION infraguard.alert_transition(text, text) IS
	'What happens to an open alert (or none: ok) on a new status, without time or hysteresis: none, open, escalate, deescalate, update, resolve';
REVOKE ALL ON FUNCTION infraguard.alert_transition(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.alert_transition(text, text) TO pg_monitor;

CREATE OR REPLACE FUNCTION infraguard.alert_step(value float8, warning float8, critical float8, direction text,
									  hold interval, clear_margin float8, clear_hold interval,
									  open_level text, warning_since timestamptz, critical_since timestamptz,
									  last_at timestamptz, peak_value float8, peak_at timestamptz,
									  reading_at timestamptz, max_gap interval,
									  OUT action text, OUT status text, OUT level text,
									  OUT next_warning_since timestamptz, OUT next_critical_since timestamptz,
									  OUT pending_level text, OUT pending_since timestamptz,
									  OUT pending_until timestamptz,
									  OUT episode_peak float8, OUT episode_peak_at timestamptz)
AS 'MODULE_PATHNAME', 'infraguard_alert_step'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION infraguard.alert_step(float8, float8, float8, text, interval, float8, interval, text,
										  timestamptz, timestamptz, timestamptz, float8, timestamptz,
										  timestamptz, interval) IS
	'The alert rule: one reading applied to a metric''s alert state (hold, clear margin, clear hold); returns the action and the next state';
REVOKE ALL ON FUNCTION infraguard.alert_step(float8, float8, float8, text, interval, float8, interval, text,
											 timestamptz, timestamptz, timestamptz, float8, timestamptz,
											 timestamptz, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.alert_step(float8, float8, float8, text, interval, float8, interval, text,
												timestamptz, timestamptz, timestamptz, float8, timestamptz,
												timestamptz, interval) TO pg_monitor;

/*
 * The fields every announcement of an alert event carries, in the NOTIFY
 * payload and (as text) in the log line's DETAIL.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.alert_payload(event text, alert infraguard.alerts)
RETURNS json
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT json_build_object('event', event, 'alert_id', alert.alert_id,
							  'metric', alert.metric, 'level', alert.level,
							  'value', alert.value, 'threshold', alert.threshold,
							  'opened_at', alert.opened_at, 'opened_value', alert.opened_value,
							  'peak_value', alert.peak_value, 'peak_at', alert.peak_at,
							  'peak_level', alert.peak_level, 'peak_level_at', alert.peak_level_at,
							  'resolved_at', alert.resolved_at,
							  'action', alert.action, 'message', alert.message, 'at', now())
$$;
COMMENT ON FUNCTION infraguard_internal.alert_payload(text, infraguard.alerts) IS
	'Internal: the fields of an alert event, as NOTIFY sends them';
REVOKE ALL ON FUNCTION infraguard_internal.alert_payload(text, infraguard.alerts) FROM PUBLIC;

/*
 * Log an alert event at infraguard.alert_log_level (resolutions and
 * de-escalations at LOG) and send it to LISTENers of infraguard_alerts.
 * The log line's DETAIL and the NOTIFY payload carry the same fields.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.announce_alert(event text, alert infraguard.alerts)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	lvl text := CASE WHEN event IN ('resolve', 'deescalate') THEN 'log'
					 ELSE infraguard_internal.setting('infraguard.alert_log_level') END;
	payload json := infraguard_internal.alert_payload(event, alert);
	detail text;
BEGIN
	detail := format('alert_id=%s event=%s metric=%s level=%s value=%s threshold=%s opened_at=%s opened_value=%s '
					 'peak_value=%s peak_at=%s peak_level=%s peak_level_at=%s resolved_at=%s',
					 alert.alert_id, event, alert.metric, alert.level, alert.value, alert.threshold,
					 alert.opened_at, alert.opened_value, alert.peak_value, alert.peak_at,
					 alert.peak_level, alert.peak_level_at, coalesce(alert.resolved_at::text, '-'));
	CASE lvl
		WHEN 'warning' THEN RAISE WARNING '%', alert.message USING DETAIL = detail, HINT = coalesce(alert.action, '');
		WHEN 'notice' THEN RAISE NOTICE '%', alert.message USING DETAIL = detail, HINT = coalesce(alert.action, '');
		WHEN 'info' THEN RAISE INFO '%', alert.message USING DETAIL = detail, HINT = coalesce(alert.action, '');
		WHEN 'debug' THEN RAISE DEBUG '%', alert.message USING DETAIL = detail;
		ELSE RAISE LOG '%', alert.message USING DETAIL = detail;
	END CASE;
	PERFORM pg_notify('infraguard_alerts', payload::text);
END;
$$;
COMMENT ON FUNCTION infraguard_internal.announce_alert(text, infraguard.alerts) IS
	'Internal: log an alert event and NOTIFY infraguard_alerts';
REVOKE ALL ON FUNCTION infraguard_internal.announce_alert(text, infraguard.alerts) FROM PUBLIC;

/*
 * The readings judged, each with its alert rule: what both evaluate_alerts()
 * and the worker's in-memory evaluation (standby, or alerts that cannot be
 * written) apply alert_step() to.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.judge_rules(readings jsonb)
RETURNS TABLE (check_name text, status text, value float8, unit text, warning float8, critical float8,
			   action text, direction text, hold interval, clear_margin float8, clear_hold interval,
			   max_gap interval)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT j.check_name, j.status, j.value, j.unit, j.warning, j.critical, j.action,
		   t.direction, t.hold, t.clear_margin, t.clear_hold,
		   /* a streak survives a missed snapshot or two, not an outage */
		   greatest(3 * infraguard_internal.setting('infraguard.snapshot_interval')::interval,
					interval '5 minutes')
	  FROM infraguard_internal.judge(readings) j
	  JOIN infraguard.thresholds t ON t.metric = j.check_name
$$;
COMMENT ON FUNCTION infraguard_internal.judge_rules(jsonb) IS
	'Internal: judge() rows of some readings with each metric''s alert rule';
REVOKE ALL ON FUNCTION infraguard_internal.judge_rules(jsonb) FROM PUBLIC;

/*
 * Evaluate every enabled threshold and open, escalate, de-escalate, refresh
 * or resolve alerts by the rule of alert_step(): a level must hold for the
 * threshold's hold, and the value must stay clear of it by clear_margin for
 * clear_hold.  A metric with no data (unknown) leaves its alert as it is;
 * an alert whose threshold was disabled or removed is resolved.  Every
 * transition is an alert_events row, a log line and a NOTIFY.  readings:
 * current_metrics() rows already taken (a snapshot's), else a fresh
 * reading.  Returns the number of events announced.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.evaluate_alerts(readings jsonb DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	h record;
	a infraguard.alerts;
	s infraguard.alert_state;
	st record;
	is_open boolean;
	act text;
	events integer := 0;
	thr float8;
	new_alert_id bigint;
	now_ts timestamptz := now();
BEGIN
	FOR h IN SELECT * FROM infraguard_internal.judge_rules(coalesce(readings,
		(SELECT jsonb_agg(m) FROM infraguard.current_metrics() m))) LOOP
		/* one evaluation of a metric at a time (the worker and take_snapshot()) */
		INSERT INTO infraguard.alert_state (metric, evaluated_at, status)
		VALUES (h.check_name, NULL, 'unknown')
		ON CONFLICT (metric) DO NOTHING;
		SELECT * INTO s FROM infraguard.alert_state ss WHERE ss.metric = h.check_name FOR UPDATE;
		SELECT * INTO a FROM infraguard.alerts al
		 WHERE al.metric = h.check_name AND al.resolved_at IS NULL
		   FOR UPDATE;
		is_open := FOUND;

		st := infraguard.alert_step(h.value, h.warning, h.critical, h.direction,
									h.hold, h.clear_margin, h.clear_hold,
									CASE WHEN is_open THEN a.level END,
									s.warning_since, s.critical_since, s.evaluated_at,
									s.peak_value, s.peak_at, now_ts, h.max_gap);
		UPDATE infraguard.alert_state ss
		   SET evaluated_at = now_ts, value = h.value, status = h.status,
			   warning_since = st.next_warning_since, critical_since = st.next_critical_since,
			   pending_level = st.pending_level, pending_since = st.pending_since,
			   pending_until = st.pending_until,
			   peak_value = CASE WHEN st.action <> 'resolve' THEN st.episode_peak END,
			   peak_at = CASE WHEN st.action <> 'resolve' THEN st.episode_peak_at END
		 WHERE ss.metric = h.check_name;

		act := st.action;
		CONTINUE WHEN act = 'none';
		thr := CASE st.level WHEN 'critical' THEN h.critical WHEN 'warning' THEN h.warning END;

		IF act IN ('update', 'escalate', 'deescalate', 'resolve')
		   AND h.value IS NOT NULL
		   AND (a.peak_value IS NULL
				OR (h.direction = 'above' AND h.value > a.peak_value)
				OR (h.direction = 'below' AND h.value < a.peak_value)) THEN
			a.peak_value := h.value;
			a.peak_at := now_ts;
		END IF;

		IF act = 'update' THEN
			UPDATE infraguard.alerts
			   SET value = h.value, last_seen_at = now_ts, peak_value = a.peak_value, peak_at = a.peak_at
			 WHERE alert_id = a.alert_id;
			CONTINUE;
		END IF;

		IF act = 'open' THEN
			INSERT INTO infraguard.alerts (metric, level, value, threshold, opened_at, last_seen_at, action, message,
										   opened_value, peak_value, peak_at, peak_level, peak_level_at)
			VALUES (h.check_name, st.level, h.value, thr, now_ts, now_ts, h.action,
					format('infraguard: %s is %s: %s %s (%s threshold %s %s%s)',
						   h.check_name, st.level, h.value, h.unit, st.level, thr, h.unit,
						   CASE WHEN h.hold > interval '0'
								THEN format(', held %s s', round(extract(epoch FROM h.hold), 1)) ELSE '' END),
					h.value, coalesce(st.episode_peak, h.value), coalesce(st.episode_peak_at, now_ts),
					st.level, now_ts)
			ON CONFLICT (metric) WHERE resolved_at IS NULL DO NOTHING
			RETURNING alert_id INTO new_alert_id;
			CONTINUE WHEN new_alert_id IS NULL;		/* a concurrent evaluation opened it */
			SELECT * INTO a FROM infraguard.alerts WHERE alert_id = new_alert_id;
		ELSIF act IN ('escalate', 'deescalate') THEN
			UPDATE infraguard.alerts
			   SET level = st.level, value = h.value, threshold = thr, last_seen_at = now_ts,
				   action = h.action, peak_value = a.peak_value, peak_at = a.peak_at,
				   peak_level = CASE WHEN act = 'escalate' THEN st.level ELSE peak_level END,
				   peak_level_at = CASE WHEN act = 'escalate' THEN now_ts ELSE peak_level_at END,
				   message = format('infraguard: %s %s to %s: %s %s (%s threshold %s %s)',
									h.check_name,
									CASE act WHEN 'escalate' THEN 'escalated' ELSE 'lowered' END,
									st.level, h.value, h.unit, st.level, thr, h.unit)
			 WHERE alert_id = a.alert_id
			RETURNING * INTO a;
		ELSE	/* resolve */
			UPDATE infraguard.alerts
			   SET resolved_at = now_ts, value = h.value, last_seen_at = now_ts,
				   peak_value = a.peak_value, peak_at = a.peak_at,
				   message = format('infraguard: %s resolved: %s %s (warning threshold %s %s%s)',
									h.check_name, h.value, h.unit, h.warning, h.unit,
									CASE WHEN h.clear_margin > 0 OR h.clear_hold > interval '0'
										 THEN format(', clear by %s %s for %s s', h.clear_margin, h.unit,
													 round(extract(epoch FROM h.clear_hold), 1))
										 ELSE '' END)
			 WHERE alert_id = a.alert_id
			RETURNING * INTO a;
		END IF;
		INSERT INTO infraguard.alert_events (alert_id, time, event, metric, level, value, threshold, message)
		VALUES (a.alert_id, now_ts, act, a.metric, CASE WHEN act <> 'resolve' THEN a.level END,
				h.value, thr, a.message);
		PERFORM infraguard_internal.announce_alert(act, a);
		events := events + 1;
	END LOOP;

	/* alerts whose check was disabled or removed */
	FOR a IN
		UPDATE infraguard.alerts al
		   SET resolved_at = now_ts,
			   message = format('infraguard: %s resolved: its threshold is disabled', al.metric)
		 WHERE al.resolved_at IS NULL
		   AND NOT EXISTS (SELECT 1 FROM infraguard.thresholds t
							WHERE t.metric = al.metric AND t.enabled)
		RETURNING al.*
	LOOP
		INSERT INTO infraguard.alert_events (alert_id, time, event, metric, level, value, threshold, message)
		VALUES (a.alert_id, now_ts, 'resolve', a.metric, NULL, NULL, NULL, a.message);
		PERFORM infraguard_internal.announce_alert('resolve', a);
		events := events + 1;
	END LOOP;
	/* and their rules' state: a check turned on again starts afresh */
	DELETE FROM infraguard.alert_state ast
	 WHERE NOT EXISTS (SELECT 1 FROM infraguard.thresholds t
						WHERE t.metric = ast.metric AND t.enabled);
	RETURN events;
END;
$$;
COMMENT ON FUNCTION infraguard_internal.evaluate_alerts(jsonb) IS
	'Internal: open, escalate, refresh and resolve alerts from health() by each threshold''s rule; run by every snapshot';
REVOKE ALL ON FUNCTION infraguard_internal.evaluate_alerts(jsonb) FROM PUBLIC;

/*
 * Interactive: the thresholds crossed right now, each also raised as a
 * NOTICE.  Opens no alert (that is the worker's job).
 */
CREATE OR REPLACE FUNCTION infraguard.check_thresholds()
RETURNS TABLE (metric text, level text, value float8, warning float8,
			   critical float8, action text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	h record;
BEGIN
	FOR h IN SELECT * FROM infraguard.health() hh WHERE hh.status IN ('warning', 'critical') LOOP
		RAISE NOTICE '% is %: % % (warning %, critical %)',
			h.check_name, h.status, h.value, h.unit, h.warning, h.critical
			USING HINT = coalesce(h.action, '');
		metric := h.check_name;
		level := h.status;
		value := h.value;
		warning := h.warning;
		critical := h.critical;
		action := h.action;
		RETURN NEXT;
	END LOOP;
END;
$$;
COMMENT ON FUNCTION infraguard.check_thresholds() IS
	'Thresholds crossed now (also raised as NOTICEs); opens no alert';
REVOKE ALL ON FUNCTION infraguard.check_thresholds() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.check_thresholds() TO pg_monitor;
