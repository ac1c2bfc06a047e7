/*
 * The security audit.  It only reports; infraguard never changes a setting.
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
