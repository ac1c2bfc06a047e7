# DROP EXTENSION while the worker cycles every second, many times, with no
# retry: DROP EXTENSION must never be the victim of a deadlock with the
# worker's cycle (src/worker.c, lock_extension()).  Before the worker took
# the extension's own lock first, DROP EXTENSION (which locks the extension,
# then its tables in dependency order) was aborted with "deadlock detected"
# about once in six runs of test/t/004_worker.pl on a loaded machine.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $iterations = 20;

my $node = PostgreSQL::Test::Cluster->new('drop_while_running');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_stat_statements,infraguard'
infraguard.snapshot_interval = 1s
# the defaults, stated: the worker's lock_timeout (500 ms) is below it
deadlock_timeout = 1s
log_lock_waits = on
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_stat_statements');
$node->safe_psql('postgres', 'CREATE EXTENSION infraguard');

my $worker_pid_sql =
  "SELECT pid FROM pg_stat_activity WHERE backend_type = 'infraguard worker'";
ok($node->poll_query_until('postgres', "SELECT count(*) = 1 FROM ($worker_pid_sql) w"),
	'worker running');
my $worker_pid = $node->safe_psql('postgres', $worker_pid_sql);
my $log_offset = -s $node->logfile;

my ($dropped, $created, $resumed, $overlaps) = (0, 0, 0, 0);
for my $i (1 .. $iterations)
{
	# the worker records snapshots again (after the CREATE of the last round)
	$resumed++
	  if $node->poll_query_until('postgres',
		"SELECT count(*) > 0 FROM infraguard.snapshots WHERE source = 'worker'");

	# odd rounds: DROP as soon as a cycle is seen running; even rounds: at
	# another point of the second, so that every phase of a cycle is hit
	if ($i % 2)
	{
		$node->poll_query_until('postgres',
			"SELECT state = 'active' FROM pg_stat_activity WHERE backend_type = 'infraguard worker'");
	}
	else
	{
		usleep(50_000 * ($i % 20));
	}

	# no retry: one DROP EXTENSION, which must succeed
	my ($rc, $out, $err) = $node->psql('postgres',
		"SELECT state = 'active' FROM pg_stat_activity WHERE backend_type = 'infraguard worker';\n"
		  . 'DROP EXTENSION infraguard;');
	if ($rc == 0) { $dropped++; } else { diag("round $i: DROP EXTENSION failed: $err"); }
	$overlaps++ if defined $out && $out eq 't';

	($rc, undef, $err) = $node->psql('postgres', 'CREATE EXTENSION infraguard');
	if ($rc == 0) { $created++; } else { diag("round $i: CREATE EXTENSION failed: $err"); }
}
is($dropped, $iterations, "DROP EXTENSION succeeded the first time in all $iterations rounds");
is($created, $iterations, "CREATE EXTENSION succeeded in all $iterations rounds");
is($resumed, $iterations, 'the worker resumed its snapshots after every CREATE EXTENSION');
# the stress must really meet the worker mid-cycle, or it proves nothing
cmp_ok($overlaps, '>=', 1, 'some DROP EXTENSION started while a cycle was running');
diag("$overlaps of $iterations DROP EXTENSION started during a cycle");
ok($node->poll_query_until('postgres',
		"SELECT count(*) > 0 FROM infraguard.snapshots WHERE source = 'worker'"),
	'snapshots after the last CREATE EXTENSION');

my $log = slurp_file($node->logfile, $log_offset);
unlike($log, qr/deadlock detected/, 'no deadlock in the server log');
my @waits = $log =~ /(still waiting for \w+ on object \d+ of class 3079 .*)/g;
diag(scalar(@waits) . ' waits of DROP EXTENSION for the extension lock longer than deadlock_timeout');
is($node->safe_psql('postgres', $worker_pid_sql), $worker_pid,
	'the same worker process throughout (no crash, no restart)');

$node->stop;
done_testing();
