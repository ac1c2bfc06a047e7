--
-- metric_catalog: the registry, one row per health metric.
--
-- what it holds
SELECT metric, unit, direction, warning, critical, hold, clear_margin, clear_hold, added_in
  FROM infraguard.metric_catalog ORDER BY metric;
-- every row says what the metric is and where it comes from
SELECT metric FROM infraguard.metric_catalog
 WHERE coalesce(label, '') = '' OR coalesce(description, '') = '' OR coalesce(source, '') = ''
	OR coalesce(action, '') = '';
SELECT count(*) = count(DISTINCT label) AS labels_distinct FROM infraguard.metric_catalog;

-- every measured metric is registered, and every registered metric measured
SELECT coalesce(m.metric, c.metric) AS metric, m.metric IS NOT NULL AS measured,
	   c.metric IS NOT NULL AS registered
  FROM infraguard.current_metrics() m
  FULL JOIN infraguard.metric_catalog c ON c.metric = m.metric
 WHERE m.metric IS NULL OR c.metric IS NULL;
-- each reading carries the registry's unit
SELECT m.metric, m.unit, c.unit AS registered_unit
  FROM infraguard.current_metrics() m
  JOIN infraguard.metric_catalog c ON c.metric = m.metric
 WHERE m.unit IS DISTINCT FROM c.unit;

-- a fresh install's thresholds are the registry's defaults, seeded as the extension's
SELECT c.metric, t.metric IS NOT NULL AS has_threshold
  FROM infraguard.metric_catalog c
  LEFT JOIN infraguard.thresholds t
	ON t.metric = c.metric
   AND (t.warning, t.critical, t.direction, t.action, t.hold, t.clear_margin, t.clear_hold, t.enabled, t.customized)
	   IS NOT DISTINCT FROM
	   (c.warning, c.critical, c.direction, c.action, c.hold, c.clear_margin, c.clear_hold, true, false)
 WHERE t.metric IS NULL;
SELECT t.metric AS unregistered_threshold
  FROM infraguard.thresholds t
 WHERE NOT EXISTS (SELECT 1 FROM infraguard.metric_catalog c WHERE c.metric = t.metric);

-- defaults obey the rules the thresholds obey
BEGIN;
INSERT INTO infraguard.metric_catalog (metric, label, unit, direction, description, source, warning, critical, added_in)
VALUES ('bad_levels', 'bad', '%', 'above', 'levels in the wrong order', 'a test', 90, 70, '0.2');
ROLLBACK;
BEGIN;
INSERT INTO infraguard.metric_catalog (metric, label, unit, direction, description, source, hold, added_in)
VALUES ('bad_hold', 'bad', '%', 'above', 'a negative hold', 'a test', '-1 minute', '0.2');
ROLLBACK;

-- the extension's own data: pg_dump leaves it out (CREATE EXTENSION rebuilds it), and
-- monitoring roles read it
SELECT 'infraguard.metric_catalog'::regclass::oid = ANY (extconfig) AS dumped
  FROM pg_extension WHERE extname = 'infraguard';
SELECT has_table_privilege('pg_monitor', 'infraguard.metric_catalog', 'SELECT') AS monitor_reads,
	   has_table_privilege('pg_monitor', 'infraguard.metric_catalog', 'UPDATE') AS monitor_writes,
	   has_table_privilege('public', 'infraguard.metric_catalog', 'SELECT') AS public_reads;

-- the reference's examples: thresholds that differ from their defaults, and putting one back
BEGIN;
SELECT infraguard.set_threshold('cpu_percent', 60, 80, hold => '1 minute');
SELECT t.metric, t.warning, c.warning AS default_warning, t.critical, c.critical AS default_critical
  FROM infraguard.thresholds t JOIN infraguard.metric_catalog c USING (metric)
 WHERE (t.warning, t.critical) IS DISTINCT FROM (c.warning, c.critical);
SELECT infraguard.set_threshold(metric, warning, critical, hold, clear_margin, clear_hold)
  FROM infraguard.metric_catalog WHERE metric = 'cpu_percent';
SELECT t.metric, t.warning, t.critical, t.hold
  FROM infraguard.thresholds t JOIN infraguard.metric_catalog c USING (metric)
 WHERE (t.warning, t.critical, t.hold) IS DISTINCT FROM (c.warning, c.critical, c.hold);
ROLLBACK;
