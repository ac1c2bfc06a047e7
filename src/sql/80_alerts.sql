/*
 * Thresholds management, interactive checks, and the alerts the worker keeps.
 */


CREATE OR REPLACE VIEW infraguard.active_alerts AS
	SELECT alert_id, metric, level, value, threshold, opened_at, last_seen_at,
		   now() - opened_at AS open_for, action, message
	  FROM infraguard.alerts
	 WHERE resolved_at IS NULL
	 ORDER BY CASE level WHEN 'critical' THEN 0 ELSE 1 END, opened_at;
COMMENT ON VIEW infraguard.active_alerts IS 'Open alerts, critical first';
REVOKE ALL ON TABLE infraguard.active_alerts FROM PUBLIC;
GRANT SELECT ON TABLE infraguard.active_alerts TO pg_monitor;

CREATE OR REPLACE FUNCTION infraguard.alert_transition(open_level text, new_level text)
RETURNS text
AS 'MODULE_PATHNAME', 'infraguard_alert_transition'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION infraguard.alert_transition(text, text) IS
	'What happens to an open alert (or none: ok) on a new status: none, open, escalate, deescalate, update, resolve';
REVOKE ALL ON FUNCTION infraguard.alert_transition(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.alert_transition(text, text) TO pg_monitor;

/*
 * Log an alert event at infraguard.alert_log_level (resolutions and
 * de-escalations at LOG) and send it to LISTENers of infraguard_alerts.
 */
CREATE OR REPLACE FUNCTION infraguard.announce_alert(event text, alert infraguard.alerts)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	lvl text := CASE WHEN event IN ('resolve', 'deescalate') THEN 'log'
					 ELSE coalesce(nullif(current_setting('infraguard.alert_log_level', true), ''), 'warning') END;
BEGIN
	CASE lvl
		WHEN 'warning' THEN RAISE WARNING '%', alert.message USING HINT = coalesce(alert.action, '');
		WHEN 'notice' THEN RAISE NOTICE '%', alert.message USING HINT = coalesce(alert.action, '');
		WHEN 'info' THEN RAISE INFO '%', alert.message USING HINT = coalesce(alert.action, '');
		WHEN 'debug' THEN RAISE DEBUG '%', alert.message;
		ELSE RAISE LOG '%', alert.message;
	END CASE;
	PERFORM pg_notify('infraguard_alerts',
					  json_build_object('event', event, 'alert_id', alert.alert_id,
										'metric', alert.metric, 'level', alert.level,
										'value', alert.value, 'threshold', alert.threshold,
										'action', alert.action, 'message', alert.message,
										'at', now())::text);
END;
$$;
COMMENT ON FUNCTION infraguard.announce_alert(text, infraguard.alerts) IS
	'Internal: log an alert event and NOTIFY infraguard_alerts';
REVOKE ALL ON FUNCTION infraguard.announce_alert(text, infraguard.alerts) FROM PUBLIC;

/*
 * Evaluate every enabled threshold and open, escalate, de-escalate, refresh
 * or resolve alerts (the rule is alert_transition()).  A metric with no data
 * (unknown) leaves its alert as it is; an alert whose threshold was disabled
 * or removed is resolved.  readings: current_metrics() rows already taken
 * (a snapshot's), else a fresh reading.  Returns the number of events
 * announced.
 */
CREATE OR REPLACE FUNCTION infraguard.evaluate_alerts(readings jsonb DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	h record;
	a infraguard.alerts;
	act text;
	events integer := 0;
	thr float8;
	new_alert_id bigint;
BEGIN
	FOR h IN SELECT * FROM infraguard.judge(coalesce(readings,
		(SELECT jsonb_agg(m) FROM infraguard.current_metrics() m))) LOOP
		SELECT * INTO a FROM infraguard.alerts al
		 WHERE al.metric = h.check_name AND al.resolved_at IS NULL
		   FOR UPDATE;
		act := infraguard.alert_transition(CASE WHEN FOUND THEN a.level ELSE 'ok' END, h.status);
		CONTINUE WHEN act = 'none';
		thr := CASE h.status WHEN 'critical' THEN h.critical ELSE h.warning END;

		IF act = 'update' THEN
			UPDATE infraguard.alerts SET value = h.value, last_seen_at = now()
			 WHERE alert_id = a.alert_id;
			CONTINUE;
		END IF;

		IF act = 'open' THEN
			INSERT INTO infraguard.alerts (metric, level, value, threshold, opened_at, last_seen_at, action, message)
			VALUES (h.check_name, h.status, h.value, thr, now(), now(), h.action,
					format('infraguard: %s is %s: %s %s (%s threshold %s %s)',
						   h.check_name, h.status, h.value, h.unit, h.status, thr, h.unit))
			ON CONFLICT (metric) WHERE resolved_at IS NULL DO NOTHING
			RETURNING alert_id INTO new_alert_id;
			CONTINUE WHEN new_alert_id IS NULL;		/* a concurrent evaluation opened it */
			SELECT * INTO a FROM infraguard.alerts WHERE alert_id = new_alert_id;
		ELSIF act IN ('escalate', 'deescalate') THEN
			UPDATE infraguard.alerts
			   SET level = h.status, value = h.value, threshold = thr, last_seen_at = now(),
				   action = h.action,
				   message = format('infraguard: %s %s to %s: %s %s (%s threshold %s %s)',
									h.check_name,
									CASE act WHEN 'escalate' THEN 'escalated' ELSE 'lowered' END,
									h.status, h.value, h.unit, h.status, thr, h.unit)
			 WHERE alert_id = a.alert_id
			RETURNING * INTO a;
		ELSE	/* resolve */
			UPDATE infraguard.alerts
			   SET resolved_at = now(), value = h.value, last_seen_at = now(),
				   message = format('infraguard: %s resolved: %s %s (warning threshold %s %s)',
									h.check_name, h.value, h.unit, h.warning, h.unit)
			 WHERE alert_id = a.alert_id
			RETURNING * INTO a;
		END IF;
		PERFORM infraguard.announce_alert(act, a);
		events := events + 1;
	END LOOP;

	/* alerts whose check was disabled or removed */
	FOR a IN
		UPDATE infraguard.alerts al
		   SET resolved_at = now(),
			   message = format('infraguard: %s resolved: its threshold is disabled', al.metric)
		 WHERE al.resolved_at IS NULL
		   AND NOT EXISTS (SELECT 1 FROM infraguard.thresholds t
							WHERE t.metric = al.metric AND t.enabled)
		RETURNING al.*
	LOOP
		PERFORM infraguard.announce_alert('resolve', a);
		events := events + 1;
	END LOOP;
	RETURN events;
END;
$$;
COMMENT ON FUNCTION infraguard.evaluate_alerts(jsonb) IS
	'Internal: open, escalate, refresh and resolve alerts from health(); run by every snapshot';
REVOKE ALL ON FUNCTION infraguard.evaluate_alerts(jsonb) FROM PUBLIC;

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

CREATE OR REPLACE FUNCTION infraguard.known_threshold(metric_name text)
RETURNS infraguard.thresholds
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t infraguard.thresholds;
BEGIN
	IF metric_name IS NULL THEN
		RAISE EXCEPTION 'metric must not be NULL'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT * INTO t FROM infraguard.thresholds th WHERE th.metric = metric_name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'unknown metric "%"', metric_name
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Known metrics: ' || (SELECT string_agg(th.metric, ', ' ORDER BY th.metric)
												FROM infraguard.thresholds th) || '.';
	END IF;
	RETURN t;
END;
$$;
COMMENT ON FUNCTION infraguard.known_threshold(text) IS
	'Internal: the thresholds row of a metric, or an error naming the known metrics';
REVOKE ALL ON FUNCTION infraguard.known_threshold(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION infraguard.set_threshold(metric text, warning float8, critical float8)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t infraguard.thresholds := infraguard.known_threshold(metric);
BEGIN
	IF warning IS NULL OR critical IS NULL THEN
		RAISE EXCEPTION 'warning and critical must not be NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'To turn a check off, use infraguard.disable_threshold().';
	END IF;
	IF warning = 'NaN' OR critical = 'NaN' OR warning IN ('Infinity', '-Infinity')
	   OR critical IN ('Infinity', '-Infinity') THEN
		RAISE EXCEPTION 'thresholds must be finite numbers'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF NOT infraguard.thresholds_valid(warning, critical, t.direction) THEN
		RAISE EXCEPTION 'warning % is on the wrong side of critical % for metric "%"',
						warning, critical, t.metric
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = format('%s is bad when %s: its warning level must be %s its critical level.',
								  t.metric, CASE t.direction WHEN 'above' THEN 'high' ELSE 'low' END,
								  CASE t.direction WHEN 'above' THEN 'at or below' ELSE 'at or above' END),
				  HINT = 'Swap the two values?';
	END IF;
	UPDATE infraguard.thresholds th SET warning = set_threshold.warning, critical = set_threshold.critical
	 WHERE th.metric = t.metric;
END;
$$;
COMMENT ON FUNCTION infraguard.set_threshold(text, float8, float8) IS
	'Set the warning and critical levels of a check, validated against its direction';
REVOKE ALL ON FUNCTION infraguard.set_threshold(text, float8, float8) FROM PUBLIC;

CREATE OR REPLACE FUNCTION infraguard.enable_threshold(metric text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	UPDATE infraguard.thresholds th SET enabled = true
	 WHERE th.metric = (infraguard.known_threshold(enable_threshold.metric)).metric;
END;
$$;
COMMENT ON FUNCTION infraguard.enable_threshold(text) IS 'Turn a check on';
REVOKE ALL ON FUNCTION infraguard.enable_threshold(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION infraguard.disable_threshold(metric text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	UPDATE infraguard.thresholds th SET enabled = false
	 WHERE th.metric = (infraguard.known_threshold(disable_threshold.metric)).metric;
END;
$$;
COMMENT ON FUNCTION infraguard.disable_threshold(text) IS
	'Turn a check off (health() omits it; its open alert is resolved by the next snapshot)';
REVOKE ALL ON FUNCTION infraguard.disable_threshold(text) FROM PUBLIC;
