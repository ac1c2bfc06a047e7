/*
 * Thresholds: classification, validation and management (set, enable,
 * disable).  A DBA's change marks the row customized, so that pg_dump keeps
 * it and an upgrade does not overwrite it; rows our own scripts write stay
 * the extension's.
 */

CREATE OR REPLACE FUNCTION infraguard.classify(value float8, warning float8,
									critical float8, direction text)
RETURNS text
AS 'MODULE_PATHNAME', 'infraguard_classify'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION infraguard.classify(float8, float8, float8, text) IS
	'Status (ok, warning, critical, unknown) of a value against thresholds; reaching a threshold crosses it';
REVOKE ALL ON FUNCTION infraguard.classify(float8, float8, float8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.classify(float8, float8, float8, text) TO pg_monitor;

CREATE OR REPLACE FUNCTION infraguard.thresholds_valid(warning float8, critical float8,
											direction text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'infraguard_thresholds_valid'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION infraguard.thresholds_valid(float8, float8, text) IS
	'True when warning is on the right side of critical for the direction';
REVOKE ALL ON FUNCTION infraguard.thresholds_valid(float8, float8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.thresholds_valid(float8, float8, text) TO pg_monitor;

/*
 * Seeded rows versus the DBA's.  A row our scripts insert or change stays
 * the extension's (customized false); any other change to a threshold's
 * settings, or a row the DBA adds, is the DBA's (customized true), so that
 * pg_dump keeps it and later upgrades leave it alone.  A restored row (it
 * comes customized) replaces the default that CREATE EXTENSION has just
 * seeded instead of failing on the primary key.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.creating_extension()
RETURNS boolean
AS 'MODULE_PATHNAME', 'infraguard_creating_extension'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION infraguard_internal.creating_extension() IS
	'Internal: true while an extension script runs';
REVOKE ALL ON FUNCTION infraguard_internal.creating_extension() FROM PUBLIC;

CREATE OR REPLACE FUNCTION infraguard_internal.thresholds_mark_customized()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	unchanged infraguard.thresholds := NEW;
BEGIN
	IF infraguard_internal.creating_extension() THEN
		RETURN NEW;				-- our own scripts change defaults
	END IF;
	-- an explicit change of the flag itself is the caller's decision
	IF NEW.customized IS DISTINCT FROM OLD.customized THEN
		RETURN NEW;
	END IF;
	unchanged.customized := OLD.customized;
	IF unchanged IS DISTINCT FROM OLD THEN
		NEW.customized := true;
	END IF;
	RETURN NEW;
END;
$$;
COMMENT ON FUNCTION infraguard_internal.thresholds_mark_customized() IS
	'Internal: trigger marking a changed threshold as the DBA''s';
REVOKE ALL ON FUNCTION infraguard_internal.thresholds_mark_customized() FROM PUBLIC;

CREATE OR REPLACE FUNCTION infraguard_internal.thresholds_replace_default()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF infraguard_internal.creating_extension() THEN
		RETURN NEW;				-- a seed, as the script wrote it
	END IF;
	NEW.customized := true;
	DELETE FROM infraguard.thresholds t
	 WHERE t.metric OPERATOR(pg_catalog.=) NEW.metric AND NOT t.customized;
	RETURN NEW;
END;
$$;
COMMENT ON FUNCTION infraguard_internal.thresholds_replace_default() IS
	'Internal: trigger marking an added threshold as the DBA''s, replacing a seeded default of the same metric (pg_restore)';
REVOKE ALL ON FUNCTION infraguard_internal.thresholds_replace_default() FROM PUBLIC;

CREATE OR REPLACE FUNCTION infraguard_internal.known_threshold(metric_name text)
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
COMMENT ON FUNCTION infraguard_internal.known_threshold(text) IS
	'Internal: the thresholds row of a metric, or an error naming the known metrics';
REVOKE ALL ON FUNCTION infraguard_internal.known_threshold(text) FROM PUBLIC;

/*
 * Set a check's levels and, optionally, its alert rule: hold (how long a
 * level must hold before its alert opens or escalates), clear_margin (how
 * far back past the level, in the metric's unit, the value must come) and
 * clear_hold (for how long, before the alert lowers or resolves).  An
 * argument left NULL keeps the current value, so the 0.1 call
 * set_threshold(metric, warning, critical) changes the levels only.
 */
CREATE OR REPLACE FUNCTION infraguard.set_threshold(metric text, warning float8, critical float8,
										 hold interval DEFAULT NULL, clear_margin float8 DEFAULT NULL,
										 clear_hold interval DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t infraguard.thresholds := infraguard_internal.known_threshold(metric);
BEGIN
	PERFORM infraguard_internal.require_primary('infraguard.set_threshold()');
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
	IF hold < interval '0' OR hold > interval '7 days' THEN
		RAISE EXCEPTION 'hold must be between 0 and 7 days, not %', hold
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'hold is how long a level must hold before its alert opens, for example interval ''1 minute''; 0 opens at the first snapshot that reaches it.';
	END IF;
	IF clear_hold < interval '0' OR clear_hold > interval '7 days' THEN
		RAISE EXCEPTION 'clear_hold must be between 0 and 7 days, not %', clear_hold
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'clear_hold is how long the value must stay clear of a level before the alert lowers or resolves, for example interval ''5 minutes''.';
	END IF;
	IF clear_margin < 0 OR clear_margin = 'NaN' OR clear_margin = 'Infinity' THEN
		RAISE EXCEPTION 'clear_margin must be a finite number of at least 0, not %', clear_margin
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = format('clear_margin is in the unit of %s: how far back past a level the value must come before the alert lowers or resolves.', t.metric);
	END IF;
	UPDATE infraguard.thresholds th
	   SET warning = set_threshold.warning, critical = set_threshold.critical,
		   hold = coalesce(set_threshold.hold, th.hold),
		   clear_margin = coalesce(set_threshold.clear_margin, th.clear_margin),
		   clear_hold = coalesce(set_threshold.clear_hold, th.clear_hold)
	 WHERE th.metric = t.metric;
END;
$$;
COMMENT ON FUNCTION infraguard.set_threshold(text, float8, float8, interval, float8, interval) IS
	'Set the warning and critical levels of a check (validated against its direction) and, optionally, its alert rule: hold, clear_margin, clear_hold';
REVOKE ALL ON FUNCTION infraguard.set_threshold(text, float8, float8, interval, float8, interval) FROM PUBLIC;

CREATE OR REPLACE FUNCTION infraguard.enable_threshold(metric text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM infraguard_internal.require_primary('infraguard.enable_threshold()');
	UPDATE infraguard.thresholds th SET enabled = true
	 WHERE th.metric = (infraguard_internal.known_threshold(enable_threshold.metric)).metric;
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
	PERFORM infraguard_internal.require_primary('infraguard.disable_threshold()');
	UPDATE infraguard.thresholds th SET enabled = false
	 WHERE th.metric = (infraguard_internal.known_threshold(disable_threshold.metric)).metric;
END;
$$;
COMMENT ON FUNCTION infraguard.disable_threshold(text) IS
	'Turn a check off (health() omits it; its open alert is resolved by the next snapshot)';
REVOKE ALL ON FUNCTION infraguard.disable_threshold(text) FROM PUBLIC;
