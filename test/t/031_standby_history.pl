# The standby (issue 11, part 2) — what is done so far: the functions that
# write fail there with a clear message and a HINT ("run this on the
# primary"), not "cannot execute UPDATE in a read-only transaction", while
# the read functions keep working; the worker runs on the standby and starts
# no collector there.  (The standby's own history in shared memory is not
# built yet: docs/design.md, "Not yet: a standby's own history".)
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_stat_statements,infraguard'
infraguard.snapshot_interval = 1s
# the postmaster logs each dynamic background worker it registers at DEBUG1
log_min_messages = debug1
});
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION infraguard');
$primary->safe_psql('postgres', 'CREATE DATABASE app');
$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby);
is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'), 't', 'standby in recovery');

# every function that writes: the same error, with the hint
my @writers = (
	["SELECT infraguard.set_threshold('cpu_percent', 70, 90)", 'infraguard.set_threshold()'],
	["SELECT infraguard.disable_threshold('cpu_percent')", 'infraguard.disable_threshold()'],
	["SELECT infraguard.enable_threshold('cpu_percent')", 'infraguard.enable_threshold()'],
	["SELECT infraguard.record_backup('full', 'nightly', now(), 1000, '/backups/x')", 'infraguard.record_backup()'],
);
for my $w (@writers)
{
	my ($sql, $name) = @$w;
	my ($rc, $out, $err) = $standby->psql('postgres', $sql, extra_params => ['-v', 'VERBOSITY=verbose']);
	isnt($rc, 0, "$name fails on the standby");
	like($err, qr/ERROR:  25006: \Q$name\E cannot run on a standby/, "$name: a clear message, SQLSTATE 25006");
	like($err, qr/HINT:  Run this on the primary/, "$name: the hint says where to run it");
	unlike($err, qr/read-only transaction/, "$name: not PostgreSQL's generic read-only error");
}
# take_snapshot() says it too (snapshot_cycle's own check)
my ($rc, $out, $err) = $standby->psql('postgres', 'SELECT infraguard.take_snapshot()');
like($err, qr/cannot record a snapshot on a standby/, 'take_snapshot(): a clear message');
like($err, qr/HINT:  Take snapshots on the primary/, 'take_snapshot(): the hint');

# on the primary the same calls work
$primary->safe_psql('postgres', "SELECT infraguard.set_threshold('cpu_percent', 70, 90)");
is($primary->safe_psql('postgres', "SELECT warning FROM infraguard.thresholds WHERE metric = 'cpu_percent'"),
	'70', 'set_threshold() works on the primary');

# the read side works on the standby
is($standby->safe_psql('postgres',
		"SELECT count(*) > 10 FROM infraguard.health()"), 't', 'health() works on the standby');
is($standby->safe_psql('postgres',
		"SELECT count(*) >= 0 FROM infraguard.check_thresholds()"), 't', 'check_thresholds() works on the standby');

# the worker runs on the standby, and starts no collector there
ok($standby->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'infraguard worker'"),
	'worker running on the standby');
sleep 3;
is($standby->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'infraguard collector'"),
	'0', 'no collector on the standby');
like(slurp_file($primary->logfile), qr/registering background worker "infraguard collector"/,
	'the primary starts collectors (for database app)');
unlike(slurp_file($standby->logfile), qr/registering background worker "infraguard collector"/,
	'no collector was ever started on the standby');

$standby->stop;
$primary->stop;
done_testing();
