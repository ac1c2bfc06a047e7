# activity(), activity_summary() and activity_waits() with real sessions: a
# holder idle in transaction, two sessions waiting for its lock; checked
# against the pids the sessions report themselves and pg_locks.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('activity');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pg_stat_statements,infraguard'
infraguard.enabled = off
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION infraguard; CREATE TABLE t (id int)');

my $holder = $node->background_psql('postgres');
my $holder_pid = $holder->query_safe("SET application_name = 'ig holder'; SELECT pg_backend_pid()");
$holder->query_safe('BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE;');
my @waiters;
my @waiter_pids;
for my $i (1 .. 2)
{
	my $w = $node->background_psql('postgres');
	push @waiter_pids, $w->query_safe("SET application_name = 'ig waiter'; SELECT pg_backend_pid()");
	$w->query_until(qr/waiting/, "\\echo waiting\nSELECT count(*) FROM t;\n");
	push @waiters, $w;
}
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 2 FROM pg_locks WHERE relation = 't'::regclass AND NOT granted"),
	'pg_locks: two waiters on t');

# each waiter is blocked by the holder (pg_locks: the holder has the granted lock)
my $granted = $node->safe_psql('postgres',
	"SELECT pid FROM pg_locks WHERE relation = 't'::regclass AND granted AND mode = 'AccessExclusiveLock'");
is($granted, $holder_pid, 'pg_locks: the holder has the lock');
for my $pid (@waiter_pids)
{
	my ($state, $wait, $blocked_by, $app) = split /\|/, $node->safe_psql('postgres',
		"SELECT state, wait_event_type || '/' || wait_event, blocked_by, application_name FROM infraguard.activity() WHERE pid = $pid");
	is("$state $wait $app", 'active Lock/relation ig waiter', "waiter $pid: active, waiting for a relation lock");
	like($blocked_by, qr/\b$holder_pid\b/, "waiter $pid: blocked_by has the holder $holder_pid ($blocked_by)");
}
my ($hstate, $hblocked) = split /\|/, $node->safe_psql('postgres',
	"SELECT state, coalesce(blocked_by::text, 'none') FROM infraguard.activity() WHERE pid = $holder_pid");
is("$hstate $hblocked", 'idle in transaction none', 'the holder: idle in transaction, blocked by nobody');

# the summary: per application and state
is($node->safe_psql('postgres',
		"SELECT state || ' ' || sessions || ' ' || waiting FROM infraguard.activity_summary() WHERE application_name = 'ig waiter'"),
	'active 2 2', 'summary: two active waiters');
is($node->safe_psql('postgres',
		"SELECT state || ' ' || sessions FROM infraguard.activity_summary() WHERE application_name = 'ig holder'"),
	'idle in transaction 1', 'summary: one holder idle in transaction');

# the waits of the moment: Lock/relation, both waiters
my ($n, $clients, $pids) = split /\|/, $node->safe_psql('postgres',
	"SELECT processes, client_sessions, pids FROM infraguard.activity_waits() WHERE wait_event_type = 'Lock' AND wait_event = 'relation'");
is("$n $clients", '2 2', 'waits: two sessions on Lock/relation');
my $want = '{' . join(',', sort { $a <=> $b } @waiter_pids) . '}';
is($pids, $want, 'waits: their pids');

$holder->query_safe('ROLLBACK');
$_->quit for @waiters;
$holder->quit;
$node->stop;
done_testing();
