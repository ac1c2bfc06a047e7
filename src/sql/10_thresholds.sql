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
