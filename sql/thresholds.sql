--
-- The thresholds table and classification.
--
SELECT metric, warning, critical, direction, enabled, action IS NOT NULL AS has_action
  FROM infraguard.thresholds ORDER BY metric;

-- reaching a threshold crosses it, in both directions
SELECT v, infraguard.classify(v, 70, 85, 'above') AS above,
	   infraguard.classify(v, 85, 70, 'below') AS below
  FROM unnest(ARRAY[0, 69.9, 70, 84.9, 85, 100]::float8[]) v;
-- no value is unknown; an unset level never fires
SELECT infraguard.classify(NULL, 70, 85, 'above') AS no_value,
	   infraguard.classify('NaN', 70, 85, 'above') AS nan_value,
	   infraguard.classify(99, NULL, 85, 'above') AS critical_only,
	   infraguard.classify(80, NULL, 85, 'above') AS below_critical_only,
	   infraguard.classify(99, NULL, NULL, 'above') AS no_levels;

-- the table refuses warning on the wrong side of critical
UPDATE infraguard.thresholds SET warning = 90 WHERE metric = 'storage_used_percent';
UPDATE infraguard.thresholds SET warning = 80 WHERE metric = 'cache_hit_ratio';
UPDATE infraguard.thresholds SET direction = 'sideways' WHERE metric = 'cpu_percent';
UPDATE infraguard.thresholds SET warning = 'Infinity' WHERE metric = 'cpu_percent';
-- a row the DBA inserts for a seeded metric replaces the default (this is
-- how pg_restore brings back a changed threshold), but never another
-- customized row
BEGIN;
INSERT INTO infraguard.thresholds (metric, warning, critical, direction)
VALUES ('storage_used_percent', 1, 2, 'above');
SELECT metric, warning, critical, customized FROM infraguard.thresholds
 WHERE metric = 'storage_used_percent';
INSERT INTO infraguard.thresholds (metric, warning, critical, direction)
VALUES ('storage_used_percent', 3, 4, 'above');
ROLLBACK;
-- seeded rows are not customized; a change marks the row, an unchanged
-- write does not
SELECT count(*) AS seeded, count(*) FILTER (WHERE customized) AS customized
  FROM infraguard.thresholds;
BEGIN;
UPDATE infraguard.thresholds SET warning = warning WHERE metric = 'cpu_percent';
SELECT customized FROM infraguard.thresholds WHERE metric = 'cpu_percent';
UPDATE infraguard.thresholds SET warning = 71 WHERE metric = 'cpu_percent';
SELECT customized FROM infraguard.thresholds WHERE metric = 'cpu_percent';
ROLLBACK;
-- but accepts a level set to NULL
UPDATE infraguard.thresholds SET warning = NULL WHERE metric = 'cpu_percent';
UPDATE infraguard.thresholds SET warning = 70 WHERE metric = 'cpu_percent';
