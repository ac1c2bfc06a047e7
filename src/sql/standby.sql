/*
 * The standby (issue 11, part 2): functions that write cannot work on a hot
 * standby; they say so, with what to do, instead of PostgreSQL's "cannot
 * execute UPDATE in a read-only transaction" from somewhere inside them.
 */
CREATE OR REPLACE FUNCTION infraguard_internal.require_primary(what text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF pg_is_in_recovery() THEN
		RAISE EXCEPTION '% cannot run on a standby', coalesce(what, 'this function')
			USING ERRCODE = 'read_only_sql_transaction',
				  DETAIL = 'This server is a hot standby: it is read-only, and its infraguard tables are the primary''s, replicated.',
				  HINT = 'Run this on the primary; the standby receives the change by replication.';
	END IF;
END;
$$;
COMMENT ON FUNCTION infraguard_internal.require_primary(text) IS
	'Internal: raise a clear error, with a hint, when a function that writes is called on a standby';
REVOKE ALL ON FUNCTION infraguard_internal.require_primary(text) FROM PUBLIC;
-- (record_backup(), which infraguard_backup_writer runs, has the same check inline: that role has no USAGE on infraguard_internal)
