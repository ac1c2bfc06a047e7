/*
 * health(): one row per enabled check, worst first.
 *
 * judge() classifies a set of metric readings (current_metrics()' rows, as
 * jsonb) against the thresholds; health() judges a fresh reading, and a
 * snapshot judges the reading it has just recorded, so that each cycle
 * measures everything once.  Order: critical, warning, ok, then unknown
 * (checks that could not be measured, each detail saying why and what would
 * make it known), so that real findings come first.
 */

CREATE OR REPLACE FUNCTION infraguard_internal.judge(metrics jsonb)
RETURNS TABLE (check_name text, status text, value float8, unit text,
			   warning float8, critical float8, detail text, action text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT c.metric, c.status, c.value, c.unit, c.warning, c.critical, c.detail,
		   CASE WHEN c.status IN ('warning', 'critical') THEN c.action END
	  FROM (SELECT m.metric, m.value, m.unit, m.detail, t.warning, t.critical,
				   /* the reading's own advice (the table, the statement) before the general one */
				   coalesce(m.action, t.action) AS action,
				   infraguard.classify(m.value, t.warning, t.critical, t.direction) AS status
			  FROM jsonb_to_recordset(metrics) AS m(metric text, value float8, unit text, detail text, action text)
			  JOIN infraguard.thresholds t ON t.metric = m.metric
			 WHERE t.enabled) c
	 /* findings first; unknown (not measured, the detail says why) after every real reading */
	 ORDER BY CASE c.status WHEN 'critical' THEN 0 WHEN 'warning' THEN 1
						   WHEN 'ok' THEN 2 ELSE 3 END,
			  c.metric
$$;
COMMENT ON FUNCTION infraguard_internal.judge(jsonb) IS
	'Internal: health() rows for given metric readings (a jsonb array of current_metrics() rows)';
REVOKE ALL ON FUNCTION infraguard_internal.judge(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.judge(jsonb) TO pg_monitor;

CREATE OR REPLACE FUNCTION infraguard.health()
RETURNS TABLE (check_name text, status text, value float8, unit text,
			   warning float8, critical float8, detail text, action text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT * FROM infraguard_internal.judge((SELECT jsonb_agg(m) FROM infraguard.current_metrics() m))
$$;
COMMENT ON FUNCTION infraguard.health() IS
	'One row per enabled health check: status against infraguard.thresholds, worst first';
REVOKE ALL ON FUNCTION infraguard.health() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.health() TO pg_monitor;
