--
-- security_audit().
--
\set SHOW_CONTEXT never
-- security audit: as a superuser every check is decided; as pg_monitor some are unknown
SELECT check_name, status IN ('ok', 'warning', 'critical') AS decided, remedy IS NOT NULL = (status <> 'ok') AS remedy_iff_finding
  FROM infraguard.security_audit() ORDER BY check_name;
SELECT check_name, status FROM infraguard.security_audit()
 WHERE check_name IN ('superusers', 'public_schema_create', 'password_encryption') ORDER BY 1;
-- what is exposed: this instance listens on no TCP address (Unix sockets
-- only), so ssl = off sends nothing over a network (0.1 warned)
SELECT current_setting('listen_addresses') AS listen_addresses, current_setting('ssl') AS ssl;
SELECT check_name, status, detail FROM infraguard.security_audit() WHERE check_name = 'ssl';
CREATE FUNCTION fixture.definer_without_path() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
GRANT CREATE ON SCHEMA public TO PUBLIC;
SELECT check_name, status, detail FROM infraguard.security_audit()
 WHERE check_name IN ('security_definer_search_path', 'public_schema_create') ORDER BY 1;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
DROP FUNCTION fixture.definer_without_path();
CREATE ROLE ig_auditor IN ROLE pg_monitor;
SET ROLE ig_auditor;
SELECT check_name, status, detail FROM infraguard.security_audit() WHERE status = 'unknown' ORDER BY 1;
RESET ROLE;

DROP ROLE ig_auditor;
