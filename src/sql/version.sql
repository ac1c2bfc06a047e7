/*
 * version(): the version of the loaded library, to compare with the catalog's.
 */

CREATE OR REPLACE FUNCTION infraguard.version()
RETURNS text
AS 'MODULE_PATHNAME', 'infraguard_version'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION infraguard.version() IS
	'Version of the loaded infraguard library';
REVOKE ALL ON FUNCTION infraguard.version() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.version() TO pg_monitor;
