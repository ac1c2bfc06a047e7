/*
 * Thresholds and their classification.
 */

CREATE OR REPLACE FUNCTION infraguard.version()
RETURNS text
AS 'MODULE_PATHNAME', 'infraguard_version'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION infraguard.version() IS
	'Version of the loaded infraguard library';
REVOKE ALL ON FUNCTION infraguard.version() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.version() TO pg_monitor;

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
CREATE OR REPLACE FUNCTION infraguard.creating_extension()
RETURNS boolean
AS 'MODULE_PATHNAME', 'infraguard_creating_extension'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION infraguard.creating_extension() IS
	'Internal: true while an extension script runs';
REVOKE ALL ON FUNCTION infraguard.creating_extension() FROM PUBLIC;

CREATE OR REPLACE FUNCTION infraguard.thresholds_mark_customized()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	unchanged infraguard.thresholds := NEW;
BEGIN
	IF infraguard.creating_extension() THEN
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
COMMENT ON FUNCTION infraguard.thresholds_mark_customized() IS
	'Internal: trigger marking a changed threshold as the DBA''s';
REVOKE ALL ON FUNCTION infraguard.thresholds_mark_customized() FROM PUBLIC;

CREATE OR REPLACE FUNCTION infraguard.thresholds_replace_default()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF infraguard.creating_extension() THEN
		RETURN NEW;				-- a seed, as the script wrote it
	END IF;
	NEW.customized := true;
	DELETE FROM infraguard.thresholds t
	 WHERE t.metric OPERATOR(pg_catalog.=) NEW.metric AND NOT t.customized;
	RETURN NEW;
END;
$$;
COMMENT ON FUNCTION infraguard.thresholds_replace_default() IS
	'Internal: trigger marking an added threshold as the DBA''s, replacing a seeded default of the same metric (pg_restore)';
REVOKE ALL ON FUNCTION infraguard.thresholds_replace_default() FROM PUBLIC;
