# The background worker on a primary: snapshots at a 1 s interval, SIGHUP,
# alerts (row, log line, NOTIFY), retention, DROP DATABASE and DROP
# EXTENSION while it runs, pg_terminate_backend and kill -9.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $node = PostgreSQL::Test::Cluster->new('worker');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_stat_statements,infraguard'
infraguard.snapshot_interval = 1s
infraguard.alert_log_level = warning
# Cluster.pm turns this off; the kill -9 case needs the real default
restart_after_crash = on
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_stat_statements');
$node->safe_psql('postgres', 'CREATE EXTENSION infraguard');

sub snapshots
{
	return $node->safe_psql('postgres',
		"SELECT count(*) FROM infraguard.snapshots WHERE source = 'worker'");
}

sub worker_pid
{
	return $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'infraguard worker'");
}

# 1. the worker is visible and records snapshots every second
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'infraguard worker' AND application_name = 'infraguard worker'"),
	'worker visible in pg_stat_activity');
ok($node->poll_query_until('postgres',
		"SELECT count(*) >= 3 FROM infraguard.snapshots WHERE source = 'worker'"),
	'snapshots appear at a 1 s interval');
is( $node->safe_psql('postgres', q{
	SELECT count(DISTINCT metric) >= 20 AND bool_and(value IS NOT NULL)
	  FROM infraguard.metric_history
	 WHERE snapshot_id = (SELECT max(snapshot_id) FROM infraguard.snapshots)}),
	't', 'each snapshot records the server-level metrics');
ok($node->poll_query_until('postgres',
		"SELECT count(*) > 0 FROM infraguard.latency_history WHERE p95_ms IS NOT NULL"),
	'latency_history has interval percentiles');

# 2. SIGHUP changes the interval both ways
$node->append_conf('postgresql.conf', "infraguard.snapshot_interval = 1h");
$node->reload;
sleep 2;
my $before = snapshots();
sleep 3;
is(snapshots(), $before, 'no snapshot for 3 s after the interval became 1 h');
$node->append_conf('postgresql.conf', "infraguard.snapshot_interval = 1s");
$node->reload;
ok($node->poll_query_until('postgres',
		"SELECT count(*) > $before FROM infraguard.snapshots WHERE source = 'worker'"),
	'snapshots resume at once when the interval is shortened again');

# 3. a lowered threshold opens an alert: row, log line, NOTIFY; raising it resolves
my $listener = $node->background_psql('postgres');
$listener->query_safe('LISTEN infraguard_alerts');
my $log_offset = -s $node->logfile;
# no hold and no clear margin or hold: each snapshot decides (013 tests the rules)
$node->safe_psql('postgres',
	"SELECT infraguard.set_threshold('connection_count', 0.0001, 1000, hold => '0', clear_margin => 0, clear_hold => '0')");
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM infraguard.active_alerts WHERE metric = 'connection_count' AND level = 'warning'"),
	'alert opened');
ok($node->wait_for_log(qr/WARNING:  infraguard: connection_count is warning/, $log_offset),
	'alert logged at infraguard.alert_log_level');
my $notified = $listener->query_safe('SELECT 1');
like($notified, qr/Asynchronous notification "infraguard_alerts" with payload "\{"event" : "open".*"metric" : "connection_count"/,
	'alert sent with NOTIFY');

$node->safe_psql('postgres', "SELECT infraguard.set_threshold('connection_count', 0.0001, 0.0002)");
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM infraguard.active_alerts WHERE metric = 'connection_count' AND level = 'critical'"),
	'alert escalated to critical, still one open alert');
$node->safe_psql('postgres', "SELECT infraguard.set_threshold('connection_count', 80, 95)");
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM infraguard.active_alerts WHERE metric = 'connection_count'"),
	'alert resolved when the value is back under the warning level');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM infraguard.alerts WHERE metric = 'connection_count' AND resolved_at IS NOT NULL"),
	'1', 'one alert for the whole episode');
ok($node->wait_for_log(qr/LOG:  infraguard: connection_count resolved/, $log_offset),
	'resolution logged');
$notified = $listener->query_safe('SELECT 1');
like($notified, qr/"event" : "resolve"/, 'resolution sent with NOTIFY');
$listener->quit;

# 4. retention prunes old history in batches and never an open alert
$node->safe_psql('postgres', q{
	INSERT INTO infraguard.metric_history
	SELECT now() - interval '40 days' + i * interval '1 minute', 0, 'old_metric', i
	  FROM generate_series(1, 500) i;
	INSERT INTO infraguard.alerts (metric, level, value, threshold, opened_at, last_seen_at, resolved_at, message)
	VALUES ('old_resolved', 'warning', 1, 1, now() - interval '41 days', now() - interval '41 days',
			now() - interval '40 days', 'old'),
		   ('old_open', 'warning', 1, 1, now() - interval '41 days', now() - interval '41 days', NULL, 'old');
	INSERT INTO infraguard.alert_events (alert_id, time, event, metric, level, value, threshold, message)
	SELECT a.alert_id, a.opened_at, 'open', a.metric, a.level, a.value, a.threshold, a.message
	  FROM infraguard.alerts a WHERE a.metric IN ('old_resolved', 'old_open');
});
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM infraguard.metric_history WHERE metric = 'old_metric'"),
	'history older than infraguard.retention is pruned');
is($node->safe_psql('postgres',
		"SELECT string_agg(metric, ',' ORDER BY metric) FROM infraguard.alerts WHERE metric LIKE 'old_%'"),
	'old_open', 'old resolved alert pruned, old open alert kept');
is($node->safe_psql('postgres',
		"SELECT string_agg(metric || ':' || event, ',' ORDER BY time) FROM infraguard.alert_events WHERE metric LIKE 'old_%' AND event = 'open'"),
	'old_open:open', 'its events too: those of the pruned alert went with it, those of the open one stay');
# (old_open has no threshold, so the next evaluation resolves it; it is still never pruned while open)

# 5. DROP DATABASE of another database does not wait for the worker
$node->append_conf('postgresql.conf', "infraguard.snapshot_interval = 1h");
$node->reload;
$node->safe_psql('postgres', 'CREATE DATABASE scratch');
my $t0 = time();
$node->safe_psql('postgres', 'DROP DATABASE scratch');
cmp_ok(time() - $t0, '<', 5, 'DROP DATABASE completes promptly while the worker sleeps');
$node->append_conf('postgresql.conf', "infraguard.snapshot_interval = 1s");
$node->reload;

# 6. DROP EXTENSION while it runs: one log line, no errors; CREATE brings it back
$log_offset = -s $node->logfile;
# No retry: the worker takes the extension's own lock first in every cycle
# (src/worker.c, lock_extension()), so DROP EXTENSION cannot deadlock with
# it; test/t/006_drop_while_running.pl repeats this 20 times.
my ($drop_rc, undef, $drop_err) = $node->psql('postgres', 'DROP EXTENSION infraguard');
is($drop_rc, 0, 'DROP EXTENSION while the worker runs') or diag($drop_err);
ok($node->wait_for_log(qr/infraguard worker is idle: extension "infraguard" is not installed/, $log_offset),
	'DROP EXTENSION noticed');
sleep 3;
my $log = slurp_file($node->logfile, $log_offset);
my $idle_lines = () = $log =~ /is not installed in database/g;
is($idle_lines, 1, 'logged once, not every cycle');
unlike($log, qr/ERROR:.*infraguard/, 'no errors while the extension is missing');
$node->safe_psql('postgres', 'CREATE EXTENSION infraguard');
ok($node->wait_for_log(qr/found extension "infraguard" in database "postgres"; resuming/, $log_offset),
	'CREATE EXTENSION noticed');
ok($node->poll_query_until('postgres',
		"SELECT count(*) > 0 FROM infraguard.snapshots WHERE source = 'worker'"),
	'snapshots resume');

# 7. a history that cannot be recorded is logged once, the cycles go on
# (alerts are still evaluated meanwhile: test/t/013_alert_model.pl)
$log_offset = -s $node->logfile;
$node->safe_psql('postgres', 'ALTER TABLE infraguard.metric_history RENAME TO metric_history_moved');
ok($node->wait_for_log(qr/WARNING:  infraguard worker could not record history: relation "infraguard.metric_history" does not exist/,
		$log_offset),
	'a failing history logs its error');
my $pid = worker_pid();
sleep 4;
$log = slurp_file($node->logfile, $log_offset);
my $failure_lines = () = $log =~ /could not record history/g;
is($failure_lines, 1, 'logged once while it fails, not every cycle');
$node->safe_psql('postgres', 'ALTER TABLE infraguard.metric_history_moved RENAME TO metric_history');
ok($node->wait_for_log(qr/LOG:  infraguard worker can record history again, after \d+ failed snapshots/, $log_offset),
	'and once more when it works again');
my $count = snapshots();
ok($node->poll_query_until('postgres',
		"SELECT count(*) > $count FROM infraguard.snapshots WHERE source = 'worker'"),
	'the next cycles record again');
is(worker_pid(), $pid, 'the worker did not restart for it');

# 7b. a cycle that hangs is cancelled by the worker's statement_timeout
$log_offset = -s $node->logfile;
$node->safe_psql('postgres', q{
	CREATE FUNCTION public.slow_insert() RETURNS trigger LANGUAGE plpgsql AS
	$$ BEGIN PERFORM pg_sleep(60); RETURN NEW; END $$;
	CREATE TRIGGER slow BEFORE INSERT ON infraguard.snapshots
	   FOR EACH ROW EXECUTE FUNCTION public.slow_insert();
});
my $t_hang = time();
ok($node->wait_for_log(qr/ERROR:  canceling statement due to statement timeout/, $log_offset),
	'a hanging cycle is cancelled by statement_timeout');
cmp_ok(time() - $t_hang, '<', 30, 'within the worker\'s 10 s timeout, not the 60 s hang');
$node->safe_psql('postgres', 'DROP TRIGGER slow ON infraguard.snapshots; DROP FUNCTION public.slow_insert()');
$count = snapshots();
ok($node->poll_query_until('postgres',
		"SELECT count(*) > $count FROM infraguard.snapshots WHERE source = 'worker'"),
	'snapshots go on after the timeout');
$pid = worker_pid();

# 8. pg_terminate_backend: the worker exits with 1 and the postmaster restarts it
$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'infraguard worker' AND pid <> $pid"),
	'terminated worker comes back');

# 9. kill -9: crash restart of the cluster, then the worker continues
$pid = worker_pid();
$log_offset = -s $node->logfile;
kill 'KILL', $pid;
ok($node->wait_for_log(qr/all server processes terminated; reinitializing/, $log_offset),
	'kill -9 makes the postmaster reinitialize');
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'infraguard worker' AND pid <> $pid"),
	'worker back after crash recovery');
$count = snapshots();
ok($node->poll_query_until('postgres',
		"SELECT count(*) > $count + 1 FROM infraguard.snapshots WHERE source = 'worker'"),
	'snapshots continue after the crash');

# statement deltas: the baseline was lost in the crash (unlogged state) and is rebuilt
$node->safe_psql('postgres', 'SELECT count(*) FROM pg_class') for 1 .. 5;
ok($node->poll_query_until('postgres', q{
	SELECT count(*) > 0 FROM infraguard.statement_history h
	  JOIN infraguard.statement_texts t USING (dbid, queryid)
	 WHERE t.query LIKE 'SELECT count(*) FROM pg_class%' AND h.calls >= 1}),
	'statement deltas and texts are recorded');
is($node->safe_psql('postgres', 'SELECT count(*) FROM infraguard.statement_history WHERE calls < 0 OR total_exec_ms < 0'),
	'0', 'no negative delta, even across the crash');

$node->stop;
done_testing();
