/*
 * health(): one row per enabled check, worst first.
 */

CREATE FUNCTION infraguard.health()
RETURNS TABLE (check_name text, status text, value float8, unit text,
			   warning float8, critical float8, detail text, action text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT c.metric, c.status, c.value, c.unit, c.warning, c.critical, c.detail,
		   CASE WHEN c.status IN ('warning', 'critical') THEN c.action END
	  FROM (SELECT m.metric, m.value, m.unit, m.detail, t.warning, t.critical, t.action,
				   infraguard.classify(m.value, t.warning, t.critical, t.direction) AS status
			  FROM infraguard.current_metrics() m
			  JOIN infraguard.thresholds t ON t.metric = m.metric
			 WHERE t.enabled) c
	 ORDER BY CASE c.status WHEN 'critical' THEN 0 WHEN 'warning' THEN 1
						   WHEN 'unknown' THEN 2 ELSE 3 END,
			  c.metric
$$;
COMMENT ON FUNCTION infraguard.health() IS
	'One row per enabled health check: status against infraguard.thresholds, worst first';
REVOKE ALL ON FUNCTION infraguard.health() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.health() TO pg_monitor;
