# health() against real concurrent sessions: a long-running query, a session
# idle in transaction holding a lock, and sessions blocked behind it.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('sessions');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'pg_stat_statements,infraguard'");
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION infraguard;
	CREATE TABLE t (id int);
	INSERT INTO t VALUES (1);
	-- make every session count: a second is already "long" here
	UPDATE infraguard.thresholds SET warning = 1, critical = 1000
	 WHERE metric IN ('long_running_query', 'idle_in_transaction');
	UPDATE infraguard.thresholds SET warning = 1, critical = 2
	 WHERE metric = 'blocked_sessions';
});

sub check
{
	my ($name) = @_;
	return $node->safe_psql('postgres',
		"SELECT status || ' ' || coalesce(value::text, 'null') FROM infraguard.health() WHERE check_name = '$name'");
}

like(check('long_running_query'), qr/^ok 0$/, 'no long query at rest');
like(check('idle_in_transaction'), qr/^ok 0$/, 'nobody idle in transaction at rest');
like(check('blocked_sessions'), qr/^ok 0$/, 'nobody blocked at rest');

# a session that sleeps: long_running_query
my $sleeper = $node->background_psql('postgres');
$sleeper->query_until(qr/sleeping/, "\\echo sleeping\nSELECT pg_sleep(600);\n");

# a session idle in transaction that holds an exclusive lock
my $holder = $node->background_psql('postgres');
$holder->query_safe('BEGIN');
$holder->query_safe('LOCK TABLE t IN ACCESS EXCLUSIVE MODE');

# two sessions waiting for it
my @waiters;
for my $i (1 .. 2)
{
	my $w = $node->background_psql('postgres');
	$w->query_until(qr/waiting/, "\\echo waiting\nSELECT count(*) FROM t;\n");
	push @waiters, $w;
}

ok( $node->poll_query_until('postgres',
		"SELECT count(*) = 2 FROM pg_stat_activity WHERE wait_event_type = 'Lock'"),
	'two sessions are waiting for the lock');

# A diagnostic never waits behind a user's lock: every function that sizes
# or lists relations answers while t is locked ACCESS EXCLUSIVE (0.2: sizes
# are read without a lock; pg_relation_size() would wait here for ever).
for my $f (qw(health() table_health() index_usage() unused_indexes() bloat()
	duplicate_indexes() maintenance_plan() take_snapshot()))
{
	my ($ret, $out, $err) = $node->psql('postgres',
		"SET statement_timeout = '30s'; SELECT count(*) >= 0 FROM infraguard.$f");
	is($ret, 0, "$f answers while a table is locked") or diag($err);
}
like($node->safe_psql('postgres', "SELECT infraguard.relation_size('t') > 0"),
	qr/^t$/, 'relation_size() measures the locked table');
sleep 2;

like(check('long_running_query'), qr/^warning [0-9.]+$/, 'long-running query is a warning');
my $secs = $node->safe_psql('postgres',
	"SELECT value >= 2 FROM infraguard.health() WHERE check_name = 'long_running_query'");
is($secs, 't', 'long_running_query counts seconds of the longest query');
like(check('idle_in_transaction'), qr/^warning [0-9.]+$/, 'idle in transaction is a warning');
is(check('blocked_sessions'), 'critical 2', 'two blocked sessions cross the critical level');
like(
	$node->safe_psql('postgres',
		"SELECT detail FROM infraguard.health() WHERE check_name = 'idle_in_transaction'"),
	qr/^pid \d+ idle in transaction for [0-9.]+ s$/,
	'detail names the idle session');

my $idle = $node->safe_psql('postgres',
	"SELECT count FROM infraguard.connections() WHERE state = 'idle in transaction'");
is($idle, '1', 'connections() counts the idle-in-transaction session');

# release everything; the checks come back to ok
$node->safe_psql('postgres',
	"SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(600);'");
$holder->query_safe('COMMIT');
ok( $node->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM pg_stat_activity WHERE wait_event_type = 'Lock'"),
	'the waiters got the lock');
like(check('blocked_sessions'), qr/^ok 0$/, 'no blocked session after commit');
like(check('idle_in_transaction'), qr/^ok 0$/, 'no idle transaction after commit');
like(check('long_running_query'), qr/^ok/, 'no long query after cancel');

$_->quit for ($holder, @waiters);
eval { $sleeper->quit };

# terminate_long_running(): a dry run names the session, a real run ends it,
# logs who asked, and spares this session and every background process
$node->safe_psql('postgres', q{
	CREATE ROLE ops LOGIN IN ROLE pg_signal_backend, pg_monitor;
	GRANT USAGE ON SCHEMA infraguard TO ops;
});
$node->safe_psql('postgres', 'CREATE ROLE app LOGIN');
my $idle_session = $node->background_psql('postgres', extra_params => [ '-U', 'app' ]);
$idle_session->query_safe('BEGIN');
$idle_session->query_safe('SELECT 1');
my $idle_pid = $node->safe_psql('postgres',
	"SELECT pid FROM pg_stat_activity WHERE state = 'idle in transaction' AND usename = 'app'");
# a superuser's old transaction: pg_signal_backend may not end it
my $su_idle = $node->background_psql('postgres');
$su_idle->query_safe('BEGIN');
$su_idle->query_safe('SELECT 1');
my $su_pid = $node->safe_psql('postgres',
	"SELECT pid FROM pg_stat_activity WHERE state = 'idle in transaction' AND usename <> 'app'");
sleep 2;

sub actions
{
	my ($dry) = @_;
	return $node->safe_psql('postgres',
		"SELECT string_agg(CASE pid WHEN $idle_pid THEN 'app' WHEN $su_pid THEN 'superuser' ELSE pid::text END
						   || ': ' || action, ', ' ORDER BY pid = $su_pid)
		   FROM infraguard.terminate_long_running('1 second', $dry)",
		extra_params => [ '-U', 'ops' ]);
}
is(actions('true'), 'app: would terminate, superuser: would terminate',
	'dry run names the old transactions and nothing else');
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_stat_activity WHERE pid IN ($idle_pid, $su_pid)"),
	'2', 'dry run ends nothing');
my $offset = -s $node->logfile;
# the server's own refusal, worded differently since 16
like(actions('false'),
	qr/^app: terminated, superuser: not terminated: (must be a superuser to terminate superuser process|permission denied to terminate process)$/,
	'a real run ends what it may, and says what it may not');
ok($node->poll_query_until('postgres', "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $idle_pid"),
	'the session is gone');
ok($node->wait_for_log(qr/LOG:  infraguard: ops terminated pid $idle_pid \(user app, database postgres, state idle in transaction/, $offset),
	'the termination is logged with who asked');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type IN ('autovacuum launcher', 'checkpointer', 'walwriter')"),
	'3', 'background processes untouched');
$su_idle->query_safe('COMMIT');
$su_idle->quit;
my ($ret, $stdout, $stderr) = $node->psql('postgres',
	"SELECT * FROM infraguard.terminate_long_running('0 seconds')", extra_params => [ '-U', 'ops' ]);
like($stderr, qr/min_duration must be a positive interval/, 'a zero interval is refused');
$node->safe_psql('postgres', 'CREATE ROLE viewer LOGIN IN ROLE pg_monitor');
($ret, $stdout, $stderr) = $node->psql('postgres',
	"SELECT * FROM infraguard.terminate_long_running('1 second', false)", extra_params => [ '-U', 'viewer' ]);
like($stderr, qr/permission denied for function terminate_long_running/, 'pg_monitor alone may not terminate');
$node->safe_psql('postgres', 'CREATE ROLE blind LOGIN IN ROLE pg_signal_backend; GRANT USAGE ON SCHEMA infraguard TO blind');
($ret, $stdout, $stderr) = $node->psql('postgres',
	"SELECT * FROM infraguard.terminate_long_running('1 second')", extra_params => [ '-U', 'blind' ]);
like($stderr, qr/WARNING:  only your own sessions are visible to you.*HINT:  GRANT pg_monitor/s,
	'without pg_read_all_stats the caller is told it sees only its own sessions');
eval { $idle_session->quit };

# dead tuples on a table autovacuum is on for but has not reached (its
# threshold set out of reach): the advice is the VACUUM and where to look,
# and every statement in it runs as written
$node->safe_psql('postgres', q{
	CREATE TABLE lazy (id integer) WITH (autovacuum_vacuum_threshold = 2000000000,
										autovacuum_analyze_threshold = 2000000000);
	INSERT INTO lazy SELECT g FROM generate_series(1, 20000) g;
	SELECT pg_stat_force_next_flush();
	VACUUM lazy;
	DELETE FROM lazy WHERE id % 10 < 6;
	SELECT pg_stat_force_next_flush();
});
my ($dead_detail, $dead_action) = split /\|/, $node->safe_psql('postgres',
	"SELECT detail, action FROM infraguard.health() WHERE check_name = 'dead_tuple_ratio'");
like($dead_detail, qr/^public\.lazy: 12000 dead of 20000 tuples .*; last vacuumed at/, 'the worst table, and when it was vacuumed');
like($dead_action, qr/^VACUUM \(ANALYZE\) public\.lazy; if dead rows stay, something holds back the xmin horizon/,
	'the advice starts with the VACUUM');
my @suggested = ($dead_action =~ /((?:SELECT|VACUUM|ALTER TABLE) [^;]*;)/g);
is(scalar @suggested, 4, 'four statements suggested');
for my $stmt (@suggested)
{
	my ($rc, $out, $err) = $node->psql('postgres', $stmt);
	is($rc, 0, "suggested statement runs: $stmt");
}
is($node->safe_psql('postgres', "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'lazy'"),
	'0', 'the VACUUM removed the dead rows');
like($node->safe_psql('postgres', "SELECT reloptions FROM pg_class WHERE relname = 'lazy'"),
	qr/autovacuum_vacuum_scale_factor=0\.05/, 'and the scale factor is set');

$node->stop;
done_testing();
