--
-- Emergency tools: long_running, terminate_long_running, terminate_blockers.
-- (blocking() is in specs/blocking.spec.)
--
\set SHOW_CONTEXT never

-- nothing of ours runs long
SELECT count(*) FROM infraguard.long_running('1 hour');
SELECT count(*) FROM infraguard.terminate_long_running('1 hour');
SELECT count(*) FROM infraguard.blocking();

-- a plain role cannot terminate; pg_signal_backend members can (dry run)
CREATE ROLE ig_plain;
CREATE ROLE ig_signaller IN ROLE pg_signal_backend;
SET ROLE ig_plain;
SELECT * FROM infraguard.terminate_long_running('1 second');
RESET ROLE;
SET ROLE ig_signaller;
SELECT count(*) FROM infraguard.terminate_long_running('1 hour', true);
RESET ROLE;

DROP ROLE ig_plain;
DROP ROLE ig_signaller;
