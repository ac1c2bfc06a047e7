/*
 * Transaction ID wraparound: how close each database is to the limit.
 */

/*
 * Wraparound: every database, then the 20 tables of this database (toast
 * tables included: they freeze separately) with the oldest relfrozenxid.
 * pct_of_limit is of 2^31, where the server stops accepting writes;
 * to_freeze_max_age is how far autovacuum's forced freeze still is
 * (negative: due or running).
 */
CREATE OR REPLACE FUNCTION infraguard.wraparound()
RETURNS TABLE (kind text, dbname name, schema_name name, table_name name,
			   xid_age integer, mxid_age integer, pct_of_limit float8, mxid_pct_of_limit float8,
			   freeze_max_age bigint, to_freeze_max_age bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	(SELECT 'database', d.datname, NULL::name, NULL::name,
			age(d.datfrozenxid), mxid_age(d.datminmxid),
			round((100.0 * age(d.datfrozenxid) / 2147483648)::numeric, 2)::float8,
			round((100.0 * mxid_age(d.datminmxid) / 2147483648)::numeric, 2)::float8,
			current_setting('autovacuum_freeze_max_age')::bigint,
			current_setting('autovacuum_freeze_max_age')::bigint - age(d.datfrozenxid)
	   FROM pg_database d
	  ORDER BY age(d.datfrozenxid) DESC)
	UNION ALL
	(SELECT 'table', current_database(), n.nspname, c.relname,
			age(c.relfrozenxid), mxid_age(c.relminmxid),
			round((100.0 * age(c.relfrozenxid) / 2147483648)::numeric, 2)::float8,
			round((100.0 * mxid_age(c.relminmxid) / 2147483648)::numeric, 2)::float8,
			f.max_age, f.max_age - age(c.relfrozenxid)
	   FROM pg_class c
	   JOIN pg_namespace n ON n.oid = c.relnamespace
	   CROSS JOIN LATERAL (
			SELECT least(coalesce((SELECT o.option_value::bigint FROM pg_options_to_table(c.reloptions) o
									WHERE o.option_name = 'autovacuum_freeze_max_age'),
								  current_setting('autovacuum_freeze_max_age')::bigint),
						 current_setting('autovacuum_freeze_max_age')::bigint) AS max_age) f
	  WHERE c.relkind IN ('r', 'm', 't')
	  ORDER BY age(c.relfrozenxid) DESC, c.oid
	  LIMIT 20)
$$;
COMMENT ON FUNCTION infraguard.wraparound() IS
	'Transaction id and multixact age per database and for the 20 oldest tables, against the wraparound limit';
REVOKE ALL ON FUNCTION infraguard.wraparound() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.wraparound() TO pg_monitor;
