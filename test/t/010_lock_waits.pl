# Lock waits by duration (issue 10): the lock_wait_seconds check against real
# sessions waiting 5 s and 60 s with the default levels (warning 30 s,
# critical 300 s), naming the waiter and the ROOT blocker of a two-step wait
# chain; terminate_blockers() in a dry run and for real, refused to pg_monitor,
# sparing a superuser's session and the caller's own.
#
# The chain: root (idle in transaction, holding row 1), A (holding row 2,
# waiting for row 1, so blocked by root), B (waiting for row 2, so blocked by
# A, whose root blocker is root).  B waits longest, and its immediate blocker
# is not its root blocker: a check that named the first blocker would name A.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $started = time();
my $node = PostgreSQL::Test::Cluster->new('lock_waits');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'pg_stat_statements,infraguard'");
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION infraguard;
	CREATE TABLE t (id int PRIMARY KEY, v int);
	INSERT INTO t VALUES (1, 0), (2, 0);
	CREATE TABLE t2 (id int);
	CREATE TABLE t3 (id int);
	CREATE ROLE ig_app LOGIN;
	CREATE ROLE ig_ops LOGIN IN ROLE pg_signal_backend, pg_monitor;
	CREATE ROLE ig_mon LOGIN IN ROLE pg_monitor;
	GRANT USAGE ON SCHEMA infraguard TO ig_ops, ig_mon;
	GRANT ALL ON t, t2, t3 TO ig_app;
	GRANT ALL ON t3 TO ig_ops;
});

sub check
{
	my ($field) = @_;
	return $node->safe_psql('postgres',
		"SELECT $field FROM infraguard.health() WHERE check_name = 'lock_wait_seconds'");
}

is(check("status || ' ' || value || ' ' || warning || ' ' || critical"), 'ok 0 30 300',
	'at rest: lock_wait_seconds is ok 0, levels 30 s and 300 s');
is(check('detail'), 'no session is waiting for a lock', 'at rest: the detail says so');

sub session
{
	my ($user) = @_;
	my $s = $node->background_psql('postgres', extra_params => [ '-U', $user ]);
	my $pid = $s->query_safe('SELECT pg_backend_pid()');
	$pid =~ s/\s+//g;
	return ($s, $pid);
}

my ($root, $root_pid) = session('ig_app');
my ($a, $a_pid) = session('ig_app');
my ($b, $b_pid) = session('ig_app');
$root->query_safe('BEGIN');
$root->query_safe('UPDATE t SET v = v + 1 WHERE id = 1');
$a->query_safe('BEGIN');
$a->query_safe('UPDATE t SET v = v + 1 WHERE id = 2');
$b->query_until(qr/waiting/, "\\echo waiting\nUPDATE t SET v = v + 1 WHERE id = 2;\n");
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid = $b_pid"),
	'B waits for A');
sleep 1;	# so that B's wait is clearly the longer one
$a->query_until(qr/waiting/, "\\echo waiting\nUPDATE t SET v = v + 1 WHERE id = 1;\n");
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 2 FROM pg_stat_activity WHERE wait_event_type = 'Lock'"),
	'A waits for root: a chain B -> A -> root');
is($node->safe_psql('postgres', "SELECT blocked_by[1] || ' ' || root_blocker FROM infraguard.blocking() WHERE pid = $b_pid"),
	"$a_pid $root_pid", 'ground truth: pg_blocking_pids() says B is blocked by A, whose chain ends at root');

# ~5 s of waiting, against a 30 s warning: ok
ok($node->poll_query_until('postgres',
		"SELECT value >= 5 FROM infraguard.health() WHERE check_name = 'lock_wait_seconds'"),
	'the longest wait reaches 5 s');
my ($status, $value) = split /\|/, check('status || \'|\' || value');
is($status, 'ok', "a 5 s wait is ok against 30 s ($value s)");
cmp_ok($value, '<', 30, 'the value is the wait in seconds, not a count');
my $detail = check('detail');
like($detail, qr/^pid $b_pid \(ig_app\) has waited [0-9.]+ s for ShareLock on transactionid; root blocker: pid $root_pid \(ig_app, idle in transaction\): UPDATE t SET v = v \+ 1 WHERE id = 1( ;)?$/,
	'the detail names the longest waiter (B) and its ROOT blocker (root), not its immediate blocker (A)')
  or diag($detail . "\n" . $node->safe_psql('postgres', 'SELECT * FROM infraguard.blocking()')
	  . "\n" . $node->safe_psql('postgres', 'SELECT * FROM pg_locks WHERE NOT granted'));
is(check("(SELECT status || ' ' || value FROM infraguard.health() WHERE check_name = 'blocked_sessions')"),
	'ok 2', 'blocked_sessions still counts the two waiters');

# ~60 s of waiting: a warning
sleep 50;
ok($node->poll_query_until('postgres',
		"SELECT value >= 60 FROM infraguard.health() WHERE check_name = 'lock_wait_seconds'"),
	'the longest wait reaches 60 s');
($status, $value) = split /\|/, check('status || \'|\' || value');
is($status, 'warning', "a 60 s wait is a warning against 30 s ($value s)");
my $pg_locks_wait = $node->safe_psql('postgres', "SELECT extract(epoch FROM now() - waitstart) FROM pg_locks WHERE pid = $b_pid AND NOT granted");
cmp_ok(abs($pg_locks_wait - $value), '<', 5, "the value is pg_locks.waitstart's age ($pg_locks_wait s)");

# terminate_blockers(): refused to pg_monitor
my ($ret, $out, $err) = $node->psql('postgres', "SELECT * FROM infraguard.terminate_blockers('30 seconds')",
	extra_params => [ '-U', 'ig_mon' ]);
like($err, qr/permission denied for function terminate_blockers/, 'a pg_monitor member may not call terminate_blockers()');

# a dry run names the root blocker once, with both victims, and ends nothing
sub as_ops
{
	my ($sql) = @_;
	return $node->safe_psql('postgres', $sql, extra_params => [ '-U', 'ig_ops' ]);
}
is(as_ops("SELECT pid || ' ' || array_to_string(victims, ',') || ' ' || action FROM infraguard.terminate_blockers('30 seconds')"),
	"$root_pid $b_pid,$a_pid would terminate", 'dry run: the root blocker, its victims longest first, "would terminate"');
is(as_ops("SELECT count(*) FROM infraguard.terminate_blockers('5 minutes')"), '0',
	'nobody has waited 5 minutes: nothing to terminate');
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_stat_activity WHERE pid = $root_pid"), '1',
	'the dry run ended nothing');

# for real: root goes, A gets row 1, B still waits for A
is(as_ops("SELECT pid || ' ' || action FROM infraguard.terminate_blockers('30 seconds', dry_run => false)"),
	"$root_pid terminated", 'the root blocker is terminated');
ok($node->poll_query_until('postgres', "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $root_pid"),
	'the root blocker is gone');
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid = $b_pid"),
	'A got its lock; B still waits for A, which is not a root blocker of a long wait any more... until A commits');
ok($node->wait_for_log(qr/infraguard: ig_ops terminated pid $root_pid \(user ig_app, database postgres, state idle in transaction\), root blocker of pids \{$b_pid,$a_pid\} waiting up to [0-9.]+ s for a lock/),
	'the termination is logged with who asked');
$a->query_safe('COMMIT');
ok($node->poll_query_until('postgres', "SELECT count(*) = 0 FROM pg_stat_activity WHERE wait_event_type = 'Lock'"),
	'no wait left');
is(check("status || ' ' || value"), 'ok 0', 'lock_wait_seconds is back to ok 0');
$b->quit;
$a->quit;
eval { $root->quit };

# a superuser's session is spared unless the caller is a superuser
my ($su, $su_pid) = session('postgres');
$su->query_safe('BEGIN');
$su->query_safe('LOCK TABLE t2 IN ACCESS EXCLUSIVE MODE');
my ($c, $c_pid) = session('ig_app');
$c->query_until(qr/waiting/, "\\echo waiting\nSELECT count(*) FROM t2;\n");
ok($node->poll_query_until('postgres', "SELECT bool_or(wait_seconds > 1.5) FROM infraguard.blocking() WHERE pid = $c_pid"),
	'a session waits for a superuser\'s lock');
like(as_ops("SELECT pid || ' ' || action FROM infraguard.terminate_blockers('1 second', false)"),
	qr/^$su_pid spared: a superuser's session; only a superuser may end it$/, 'a superuser blocker is spared for ig_ops');
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_stat_activity WHERE pid = $su_pid"), '1',
	'and still there');
is($node->safe_psql('postgres', "SELECT pid || ' ' || action FROM infraguard.terminate_blockers('1 second')"),
	"$su_pid would terminate", 'a superuser caller would end it (dry run)');
$su->query_safe('COMMIT');
$su->quit;
$c->quit;

# never the caller's own session, even when it is the root blocker
my ($ops, $ops_pid) = session('ig_ops');
$ops->query_safe('BEGIN');
$ops->query_safe('LOCK TABLE t3 IN ACCESS EXCLUSIVE MODE');
my ($d, $d_pid) = session('ig_app');
$d->query_until(qr/waiting/, "\\echo waiting\nSELECT count(*) FROM t3;\n");
ok($node->poll_query_until('postgres', "SELECT bool_or(wait_seconds > 1.5) FROM infraguard.blocking() WHERE pid = $d_pid"),
	'a session waits for the caller\'s lock');
is($ops->query_safe("SELECT pid || ' ' || action FROM infraguard.terminate_blockers('1 second', false)"),
	"$ops_pid spared: this session", 'the caller never terminates itself');
$ops->query_safe('COMMIT');
$ops->quit;
$d->quit;

# bad input
($ret, $out, $err) = $node->psql('postgres', "SELECT * FROM infraguard.terminate_blockers(NULL)");
like($err, qr/min_wait must be a positive interval/, 'min_wait NULL is refused');
($ret, $out, $err) = $node->psql('postgres', "SELECT * FROM infraguard.terminate_blockers('-1 second')");
like($err, qr/min_wait must be a positive interval/, 'a negative min_wait is refused');
($ret, $out, $err) = $node->psql('postgres', "SELECT * FROM infraguard.terminate_blockers('1 second', NULL)");
like($err, qr/dry_run must not be NULL/, 'dry_run NULL is refused');

note(sprintf('test time %.0f s', time() - $started));
$node->stop;
done_testing();
