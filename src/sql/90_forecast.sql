/*
 * Capacity forecasts: least-squares growth over a window of snapshots (the
 * regression lives in src/core/ig_forecast.c).
 */

CREATE OR REPLACE FUNCTION infraguard.forecast(x_epoch float8[], y float8[], y_now float8,
									warning_target float8, critical_target float8,
									OUT growth_per_day float8, OUT days_to_warning float8,
									OUT days_to_critical float8, OUT points integer)
AS 'MODULE_PATHNAME', 'infraguard_forecast'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION infraguard.forecast(float8[], float8[], float8, float8, float8) IS
	'Least-squares growth per day of y over x (epoch seconds), and days from y_now until each target';
REVOKE ALL ON FUNCTION infraguard.forecast(float8[], float8[], float8, float8, float8) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.forecast(float8[], float8[], float8, float8, float8) TO pg_monitor;

/*
 * Per database (size) and per file system (used bytes): current value,
 * growth per day and days until storage_used_percent's warning and critical
 * levels.  A database's headroom is that of the file system holding the
 * data directory.  NULL growth with fewer than two points; NULL days when
 * the growth is not positive.
 */
CREATE OR REPLACE FUNCTION infraguard.capacity_forecast(window_length interval DEFAULT '7 days')
RETURNS TABLE (kind text, name text, current_bytes bigint, current_size text,
			   growth_per_day_bytes float8, days_to_warning float8,
			   days_to_critical float8, points integer)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	warn_pct float8;
	crit_pct float8;
	data_used float8;
	data_capacity float8;
BEGIN
	IF window_length IS NULL OR window_length <= interval '0' OR window_length > interval '100 years' THEN
		RAISE EXCEPTION 'window must be a positive interval of at most 100 years, not %',
						coalesce(window_length::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'For example: SELECT * FROM infraguard.capacity_forecast(''30 days'');';
	END IF;
	SELECT t.warning, t.critical INTO warn_pct, crit_pct
	  FROM infraguard.thresholds t WHERE t.metric = 'storage_used_percent';

	RETURN QUERY
	WITH series AS (
		SELECT h.metric,
			   array_agg(extract(epoch FROM h.taken_at)::float8 ORDER BY h.taken_at) AS xs,
			   array_agg(h.value ORDER BY h.taken_at) AS ys,
			   (array_agg(h.value ORDER BY h.taken_at DESC))[1] AS latest
		  FROM infraguard.metric_history h
		 WHERE h.taken_at > now() - window_length
		   AND (h.metric LIKE 'database_size_bytes:%' OR h.metric LIKE 'disk_used_bytes:%'
				OR h.metric LIKE 'disk_free_bytes:%')
		 GROUP BY h.metric
	), fs AS (
		SELECT substr(u.metric, length('disk_used_bytes:') + 1) AS fs_name,
			   u.xs, u.ys, u.latest AS used, f.latest AS free
		  FROM series u
		  JOIN series f ON f.metric = 'disk_free_bytes:' || substr(u.metric, length('disk_used_bytes:') + 1)
		 WHERE u.metric LIKE 'disk_used_bytes:%'
	), data_fs AS (
		SELECT fs.used, fs.used + fs.free AS capacity FROM fs WHERE fs.fs_name LIKE 'data:%' LIMIT 1
	)
	SELECT 'database', substr(s.metric, length('database_size_bytes:') + 1),
		   s.latest::bigint, pg_size_pretty(s.latest::bigint),
		   fc.growth_per_day, fc.days_to_warning, fc.days_to_critical, fc.points
	  FROM series s
	  LEFT JOIN data_fs d ON true
	  CROSS JOIN LATERAL infraguard.forecast(s.xs, s.ys, s.latest,
											 s.latest + warn_pct / 100 * d.capacity - d.used,
											 s.latest + crit_pct / 100 * d.capacity - d.used) fc
	 WHERE s.metric LIKE 'database_size_bytes:%'
	UNION ALL
	SELECT 'filesystem', fs.fs_name, fs.used::bigint, pg_size_pretty(fs.used::bigint),
		   fc.growth_per_day, fc.days_to_warning, fc.days_to_critical, fc.points
	  FROM fs
	  CROSS JOIN LATERAL infraguard.forecast(fs.xs, fs.ys, fs.used,
											 warn_pct / 100 * (fs.used + fs.free),
											 crit_pct / 100 * (fs.used + fs.free)) fc
	 ORDER BY 1, 2;
END;
$$;
COMMENT ON FUNCTION infraguard.capacity_forecast(interval) IS
	'Growth per day and days until the storage thresholds, per database and file system, from history';
REVOKE ALL ON FUNCTION infraguard.capacity_forecast(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.capacity_forecast(interval) TO pg_monitor;
