/*
 * The monthly review: a security audit and a maintenance plan.  Both only
 * report; infraguard never changes a setting or runs a statement it suggests.
 */

/*
 * One row per finding: check, status (ok, warning, critical, unknown),
 * detail and a concrete remedy.  What the caller may not read (pg_hba rules
 * and password hashes need superuser in PostgreSQL 15) is reported as
 * unknown, with why, rather than skipped.
 */
CREATE OR REPLACE FUNCTION infraguard.security_audit()
RETURNS TABLE (check_name text, status text, detail text, remedy text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	listens_everywhere boolean;
	exposure text;			-- 'none' (no TCP), 'local' (loopback only) or 'network'
	exposure_note text;
	names text;
	n integer;
	hba_readable boolean := true;
	r record;
BEGIN
	/*
	 * What the server exposes: no TCP at all (listen_addresses = '': Unix
	 * sockets only), the loopback interface only, or a network.  Clear-text
	 * traffic and host rules matter only as far as clients can reach them.
	 */
	SELECT CASE WHEN count(*) = 0 THEN 'none'
				WHEN bool_and(a IN ('localhost', '::1') OR a LIKE '127.%') THEN 'local'
				ELSE 'network' END
	  INTO exposure
	  FROM unnest(string_to_array(current_setting('listen_addresses'), ',')) u(raw),
		   LATERAL (SELECT lower(trim(u.raw)) AS a) x
	 WHERE x.a <> '';
	exposure_note := CASE exposure
		WHEN 'none' THEN 'the server listens on no TCP address (listen_addresses is empty): clients connect through Unix sockets only'
		WHEN 'local' THEN format('the server listens on the loopback interface only (listen_addresses = %L): no remote client can connect',
								 current_setting('listen_addresses')) END;

	/* ssl */
	check_name := 'ssl';
	IF current_setting('ssl') = 'on' THEN
		status := 'ok';
		detail := 'ssl is on';
		remedy := NULL;
	ELSIF exposure <> 'network' THEN
		status := 'ok';
		detail := 'ssl is off, but nothing crosses a network: ' || exposure_note
				  || '; turn ssl on before listen_addresses includes a network interface';
		remedy := NULL;
	ELSE
		status := 'warning';
		detail := 'ssl is off: passwords and data cross the network in clear text';
		remedy := 'Set ssl = on with ssl_cert_file and ssl_key_file, and use hostssl rules in pg_hba.conf.';
	END IF;
	RETURN NEXT;

	/* password_encryption */
	check_name := 'password_encryption';
	IF current_setting('password_encryption') = 'scram-sha-256' THEN
		status := 'ok';
		detail := 'new passwords are stored as SCRAM-SHA-256';
		remedy := NULL;
	ELSE
		status := 'warning';
		detail := format('password_encryption is %s: new passwords are stored as MD5 hashes',
						 current_setting('password_encryption'));
		remedy := 'Set password_encryption = ''scram-sha-256'', then have each role set its password again.';
	END IF;
	RETURN NEXT;

	/* the network rules */
	listens_everywhere := current_setting('listen_addresses') ~ '(^|[ ,])(\*|0\.0\.0\.0|::)([ ,]|$)';
	BEGIN
		PERFORM 1 FROM pg_hba_file_rules LIMIT 1;
	EXCEPTION WHEN insufficient_privilege THEN
		hba_readable := false;
	END;

	check_name := 'pg_hba_remote_auth';
	IF NOT hba_readable THEN
		status := 'unknown';
		detail := 'pg_hba_file_rules can only be read by superusers in PostgreSQL 15';
		remedy := 'Run infraguard.security_audit() as a superuser to check the authentication rules.';
	ELSE
		SELECT string_agg(format('line %s: %s %s %s', h.line_number, h.type, coalesce(h.address, 'all'),
								 h.auth_method), '; ' ORDER BY h.line_number),
			   max(CASE h.auth_method WHEN 'trust' THEN 2 ELSE 1 END)
		  INTO names, n
		  FROM pg_hba_file_rules h
		 WHERE h.type IN ('host', 'hostnossl', 'hostssl', 'hostgssenc', 'hostnogssenc')
		   AND h.auth_method IN ('trust', 'password', 'md5')
		   AND coalesce(h.address, 'all') NOT IN ('127.0.0.1', '::1', 'localhost', 'samehost')
		   AND h.error IS NULL;
		IF names IS NULL THEN
			status := 'ok';
			detail := 'no rule lets remote clients in with trust, password or md5';
			remedy := NULL;
		ELSIF exposure <> 'network' THEN
			status := 'ok';
			detail := format('remote rules with weak authentication (%s) cannot be used now: %s; change them to scram-sha-256 (or cert) before listen_addresses includes a network interface',
							 names, exposure_note);
			remedy := NULL;
		ELSE
			status := CASE WHEN n = 2 AND listens_everywhere THEN 'critical' ELSE 'warning' END;
			detail := format('remote rules with weak authentication%s: %s',
							 CASE WHEN listens_everywhere THEN ', and listen_addresses exposes every interface' ELSE '' END,
							 names);
			remedy := 'Use scram-sha-256 (or cert) for host rules; never trust for non-local addresses.';
		END IF;
	END IF;
	RETURN NEXT;

	check_name := 'pg_hba_open_to_world';
	IF NOT hba_readable THEN
		status := 'unknown';
		detail := 'pg_hba_file_rules can only be read by superusers in PostgreSQL 15';
		remedy := 'Run infraguard.security_audit() as a superuser to check the authentication rules.';
	ELSE
		SELECT string_agg(format('line %s: %s %s/%s %s', h.line_number, h.type, h.address,
								 coalesce(h.netmask, ''), h.auth_method), '; ' ORDER BY h.line_number)
		  INTO names
		  FROM pg_hba_file_rules h
		 WHERE h.type LIKE 'host%' AND h.error IS NULL
		   AND (h.address = 'all' OR (h.address IN ('0.0.0.0', '::') AND h.netmask IN ('0.0.0.0', '::')));
		IF names IS NULL THEN
			status := 'ok';
			detail := 'no rule accepts clients from any address';
			remedy := NULL;
		ELSIF exposure <> 'network' THEN
			status := 'ok';
			detail := format('rules accepting any address (%s) cannot be used now: %s; restrict them to the client networks before listen_addresses includes a network interface',
							 names, exposure_note);
			remedy := NULL;
		ELSE
			status := CASE WHEN listens_everywhere THEN 'critical' ELSE 'warning' END;
			detail := format('rules accepting any address (0.0.0.0/0, ::/0 or all): %s', names);
			remedy := 'Restrict each host rule to the networks the clients really come from.';
		END IF;
	END IF;
	RETURN NEXT;

	/* roles */
	check_name := 'md5_passwords';
	BEGIN
		SELECT string_agg(quote_ident(a.rolname), ', ' ORDER BY a.rolname), count(*)
		  INTO names, n
		  FROM pg_authid a
		 WHERE a.rolcanlogin AND a.rolpassword LIKE 'md5%';
		IF n = 0 THEN
			status := 'ok';
			detail := 'no login role has an MD5 password';
			remedy := NULL;
		ELSE
			status := 'warning';
			detail := format('%s login roles have MD5 password hashes, replayable if leaked: %s', n, names);
			remedy := 'With password_encryption = scram-sha-256, reset these passwords (ALTER ROLE … PASSWORD).';
		END IF;
	EXCEPTION WHEN insufficient_privilege THEN
		status := 'unknown';
		detail := 'password hashes (pg_authid) can only be read by superusers';
		remedy := 'Run infraguard.security_audit() as a superuser to check the password hashes.';
	END;
	RETURN NEXT;

	check_name := 'login_without_password';
	BEGIN
		SELECT string_agg(quote_ident(a.rolname), ', ' ORDER BY a.rolname), count(*)
		  INTO names, n
		  FROM pg_authid a
		 WHERE a.rolcanlogin AND a.rolpassword IS NULL AND a.oid <> 10;
		IF n = 0 THEN
			status := 'ok';
			detail := 'every login role except the bootstrap superuser has a password';
			remedy := NULL;
		ELSE
			status := 'warning';
			detail := format('%s login roles have no password (fine with peer, cert or ident; dangerous with trust): %s',
							 n, names);
			remedy := 'Give them a password, or make sure pg_hba.conf only lets them in by peer, cert or GSSAPI.';
		END IF;
	EXCEPTION WHEN insufficient_privilege THEN
		status := 'unknown';
		detail := 'passwords (pg_authid) can only be read by superusers';
		remedy := 'Run infraguard.security_audit() as a superuser to check the roles.';
	END;
	RETURN NEXT;

	check_name := 'superusers';
	SELECT string_agg(quote_ident(r2.rolname), ', ' ORDER BY r2.rolname), count(*)
	  INTO names, n
	  FROM pg_roles r2
	 WHERE r2.rolsuper AND r2.oid <> 10;
	IF n = 0 THEN
		status := 'ok';
		detail := 'only the bootstrap superuser';
		remedy := NULL;
	ELSE
		status := 'warning';
		detail := format('%s superusers besides the bootstrap one: %s', n, names);
		remedy := 'Give them the predefined roles they need (pg_monitor, pg_signal_backend, …) instead: ALTER ROLE … NOSUPERUSER.';
	END IF;
	RETURN NEXT;

	/* schemas and functions */
	check_name := 'public_schema_create';
	IF EXISTS (SELECT 1 FROM pg_namespace ns, aclexplode(ns.nspacl) acl
				WHERE ns.nspname = 'public' AND acl.grantee = 0 AND acl.privilege_type = 'CREATE') THEN
		status := 'warning';
		detail := format('every role may create objects in schema public of database %s, and so plant functions others call',
						 quote_ident(current_database()));
		remedy := 'REVOKE CREATE ON SCHEMA public FROM PUBLIC;';
	ELSE
		status := 'ok';
		detail := 'PUBLIC cannot create in schema public';
		remedy := NULL;
	END IF;
	RETURN NEXT;

	check_name := 'security_definer_search_path';
	SELECT string_agg(p.oid::regprocedure::text, ', ' ORDER BY p.oid::regprocedure::text), count(*)
	  INTO names, n
	  FROM pg_proc p
	  JOIN pg_namespace ns ON ns.oid = p.pronamespace
	 WHERE p.prosecdef
	   AND ns.nspname NOT IN ('pg_catalog', 'information_schema')
	   AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%');
	IF n = 0 THEN
		status := 'ok';
		detail := 'every SECURITY DEFINER function sets its search_path';
		remedy := NULL;
	ELSE
		status := 'warning';
		detail := format('%s SECURITY DEFINER functions run with the caller''s search_path, so a caller can hijack them: %s',
						 n, left(names, 500));
		remedy := 'ALTER FUNCTION … SET search_path = pg_catalog, pg_temp (and schema-qualify what they use).';
	END IF;
	RETURN NEXT;
END;
$$;
COMMENT ON FUNCTION infraguard.security_audit() IS
	'Security findings with a remedy each; unknown (with why) where the caller may not look';
REVOKE ALL ON FUNCTION infraguard.security_audit() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.security_audit() TO pg_monitor;

/*
 * What a DBA would run this week, most valuable first, as text: VACUUM
 * (ANALYZE) for tables past autovacuum's threshold, ANALYZE for tables never
 * analysed, REINDEX for bloated B-trees, and DROP INDEX, commented out, for
 * unused and duplicate indexes (with the observation window, since an index
 * unused for a day may serve a monthly report).  Every statement runs as
 * written (uncommented) and does only what its row says: only rows of
 * unused_indexes() and duplicate_indexes() that carry a statement are taken
 * (the others say why not in those lists), an index is never both rebuilt
 * and dropped, a table to VACUUM (ANALYZE) gets no second ANALYZE, a
 * duplicate is not dropped when the index it duplicates is dropped as
 * unused, and an exclusion constraint's index, which cannot be
 * rebuilt CONCURRENTLY, gets a plain REINDEX with its lock in the reason.
 * Another session's temporary tables are left out (only it can vacuum them),
 * and infraguard's own objects unless include_infraguard.  infraguard never
 * runs any of them.
 */
CREATE OR REPLACE FUNCTION infraguard.maintenance_plan(include_infraguard boolean DEFAULT false)
RETURNS TABLE (priority integer, kind text, object_name text, statement text,
			   reason text, estimated_gain_bytes bigint, estimated_gain text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH unused AS (
		SELECT u.*
		  FROM infraguard.unused_indexes(0, coalesce(maintenance_plan.include_infraguard, false)) u
		 WHERE u.suggestion IS NOT NULL
	), dups AS (
		SELECT d.*
		  FROM infraguard.duplicate_indexes(coalesce(maintenance_plan.include_infraguard, false)) d
		 WHERE d.suggestion IS NOT NULL
		   AND NOT EXISTS (SELECT 1 FROM unused u
							WHERE u.schema_name = d.schema_name
							  AND u.index_name IN (d.index_name, d.duplicate_of))
	), dropped AS (
		SELECT u.schema_name, u.index_name FROM unused u
		UNION
		SELECT d.schema_name, d.index_name FROM dups d
	), vacuums AS (
		SELECT t.schema_name, t.table_name,
			   format('%s dead tuples (%s%%), past autovacuum''s threshold', t.dead_tuples, t.dead_pct) AS reason,
			   (t.table_bytes * t.dead_pct / 100)::bigint AS gain
		  FROM infraguard.table_health(coalesce(maintenance_plan.include_infraguard, false)) t
		 WHERE t.vacuum_due AND t.dead_tuples > 0
	), items AS (
		SELECT 'vacuum' AS kind, format('%I.%I', v.schema_name, v.table_name) AS obj,
			   format('VACUUM (ANALYZE) %I.%I;', v.schema_name, v.table_name) AS stmt,
			   v.reason, v.gain
		  FROM vacuums v
		UNION ALL
		/* VACUUM (ANALYZE) above analyses too */
		SELECT 'analyze', format('%I.%I', s.schemaname, s.relname),
			   format('ANALYZE %I.%I;', s.schemaname, s.relname),
			   'never analysed: the planner is guessing its row counts and widths', NULL
		  FROM pg_stat_user_tables s
		  JOIN pg_class c ON c.oid = s.relid
		 WHERE s.last_analyze IS NULL AND s.last_autoanalyze IS NULL
		   AND s.n_live_tup + s.n_dead_tup >= 1000		-- small tables are cheap to guess
		   AND NOT pg_is_other_temp_schema(c.relnamespace)
		   AND (coalesce(maintenance_plan.include_infraguard, false) OR s.schemaname <> 'infraguard')
		   AND NOT EXISTS (SELECT 1 FROM vacuums v
							WHERE v.schema_name = s.schemaname AND v.table_name = s.relname)
		UNION ALL
		SELECT 'reindex', format('%I.%I', b.schema_name, b.object_name),
			   CASE WHEN i.indisexclusion
					THEN format('REINDEX INDEX %I.%I;', b.schema_name, b.object_name)
					ELSE format('REINDEX INDEX CONCURRENTLY %I.%I;', b.schema_name, b.object_name) END,
			   format('estimated %s%% bloat (%s of %s)', b.bloat_pct, b.estimated_bloat, b.size)
			   || CASE WHEN i.indisexclusion
					   THEN format('; an exclusion constraint''s index cannot be rebuilt CONCURRENTLY: this REINDEX blocks writes to %I.%I, and queries using the index, until it ends',
								   b.schema_name, b.table_name)
					   ELSE '' END,
			   b.estimated_bloat_bytes
		  FROM infraguard.bloat() b
		  JOIN pg_namespace n ON n.nspname = b.schema_name
		  JOIN pg_class ic ON ic.relnamespace = n.oid AND ic.relname = b.object_name
		  JOIN pg_index i ON i.indexrelid = ic.oid
		 WHERE b.kind = 'index' AND b.bloat_pct >= 30 AND b.estimated_bloat_bytes >= 1048576
		   AND NOT pg_is_other_temp_schema(n.oid)
		   AND (coalesce(maintenance_plan.include_infraguard, false) OR n.nspname <> 'infraguard')
		   AND NOT EXISTS (SELECT 1 FROM dropped x
							WHERE x.schema_name = b.schema_name AND x.index_name = b.object_name)
		UNION ALL
		SELECT 'drop unused index', format('%I.%I', u.schema_name, u.index_name),
			   '-- ' || u.suggestion,
			   u.reason, u.size_bytes
		  FROM unused u
		UNION ALL
		SELECT 'drop duplicate index', format('%I.%I', d.schema_name, d.index_name),
			   '-- ' || d.suggestion,
			   d.reason, d.size_bytes
		  FROM dups d
	)
	SELECT (row_number() OVER (ORDER BY i.gain DESC NULLS LAST, i.kind, i.obj))::integer,
		   i.kind, i.obj, i.stmt, i.reason, i.gain, pg_size_pretty(i.gain)
	  FROM items i
	 ORDER BY 1
$$;
COMMENT ON FUNCTION infraguard.maintenance_plan(boolean) IS
	'Suggested maintenance statements that run as written, with reasons and estimated gains (text only; never executed)';
REVOKE ALL ON FUNCTION infraguard.maintenance_plan(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infraguard.maintenance_plan(boolean) TO pg_monitor;
