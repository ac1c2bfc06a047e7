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

/*
 * The value of an infraguard.* setting.  Calling into the library first
 * loads it, and loading it defines every infraguard.* setting with its
 * default, so the defaults are written once, in src/infraguard.c, and never
 * restated in SQL (a session that has not loaded the library would
 * otherwise see no setting, or an unchecked placeholder).
 */
CREATE OR REPLACE FUNCTION infraguard_internal.setting(name text)
RETURNS text
LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM infraguard.version();
	RETURN current_setting(name);
END
$$;
COMMENT ON FUNCTION infraguard_internal.setting(text) IS
	'Internal: the value of an infraguard.* setting, the library loaded first so that its default applies';
REVOKE ALL ON FUNCTION infraguard_internal.setting(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard_internal.setting(text) TO pg_monitor;
