# The worker where things are wrong: the target database missing, the
# extension not created there, and a streaming standby (read-only).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# 1. infraguard.database does not exist: one clear line with a HINT, then
# retries with backoff, not a FATAL every 10 seconds
my $nodb = PostgreSQL::Test::Cluster->new('nodb');
$nodb->init;
$nodb->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'infraguard'
infraguard.database = 'no_such_db'
infraguard.snapshot_interval = 1s
});
$nodb->start;
ok($nodb->wait_for_log(qr/infraguard worker could not connect to database "no_such_db"; retrying in \d+ s/),
	'missing database reported by the restarted worker');
my $log = slurp_file($nodb->logfile);
like($log, qr/HINT:  Create the database, or set infraguard.database/, 'with a hint');
sleep 15;
$log = slurp_file($nodb->logfile);
my $fatals = () = $log =~ /FATAL:  database "no_such_db" does not exist/g;
cmp_ok($fatals, '<=', 2, "backoff: $fatals failed connections in the first ~25 s");
is($nodb->safe_psql('postgres', 'SELECT 1'), '1', 'the server is up and serving');
$nodb->stop;

# 2. extension not created in the target database: one line, no errors
my $noext = PostgreSQL::Test::Cluster->new('noext');
$noext->init;
$noext->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'infraguard'
infraguard.snapshot_interval = 1s
});
$noext->start;
ok($noext->wait_for_log(qr/infraguard worker is idle: extension "infraguard" is not installed in database "postgres"/),
	'missing extension reported');
sleep 4;
$log = slurp_file($noext->logfile);
my $lines = () = $log =~ /is not installed in database/g;
is($lines, 1, 'reported once');
like($log, qr/HINT:  Run CREATE EXTENSION infraguard; in database "postgres"/, 'with a hint');
unlike($log, qr/ERROR|FATAL/, 'no error, no crash loop');
$noext->stop;

# 3. a streaming standby runs the worker without writing
my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_stat_statements,infraguard'
infraguard.snapshot_interval = 1s
});
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION infraguard');
$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby);

ok($standby->wait_for_log(qr/infraguard worker started in database "postgres"/),
	'worker started on the standby');
ok($standby->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'infraguard worker'"),
	'worker running on the standby');

# a threshold crossed (set on the primary, replicated) is logged by the standby
my $offset = -s $standby->logfile;
$primary->safe_psql('postgres',
	"SELECT infraguard.set_threshold('xid_wraparound', 0, 0, hold => '0', clear_margin => 0, clear_hold => '0')");
$primary->wait_for_catchup($standby);
ok($standby->wait_for_log(qr/infraguard \(standby\): xid_wraparound is critical/, $offset),
	'the standby evaluates thresholds and logs');
$primary->safe_psql('postgres', "SELECT infraguard.set_threshold('xid_wraparound', 50, 75)");
$primary->wait_for_catchup($standby);
ok($standby->wait_for_log(qr/infraguard \(standby\): xid_wraparound resolved/, $offset),
	'and logs the resolution');

# the standby's replication lag is measured; it never tried to write
like($standby->safe_psql('postgres',
		"SELECT status FROM infraguard.health() WHERE check_name = 'replication_lag'"),
	qr/^(ok|warning|critical)$/, 'replication_lag is measured on the standby');
like($primary->safe_psql('postgres',
		"SELECT status || ' ' || detail FROM infraguard.health() WHERE check_name = 'replication_lag'"),
	qr/^(ok|warning|critical) slowest standby/, 'and on the primary, from its standby');
# replication() on both sides
like($primary->safe_psql('postgres',
		"SELECT role || ' ' || state || ' ' || (replay_lag_bytes >= 0) FROM infraguard.replication()"),
	qr/^primary streaming true$/, 'replication() on the primary lists the standby');
like($standby->safe_psql('postgres',
		"SELECT role || ' ' || state || ' ' || (replay_lag_bytes >= 0) FROM infraguard.replication()"),
	qr/^standby streaming true$/, 'replication() on the standby describes itself');
is($standby->safe_psql('postgres', "SELECT count(*) FROM infraguard.wraparound() WHERE kind = 'database'"),
	'3', 'read-only diagnostics work on the standby');

$log = slurp_file($standby->logfile);
unlike($log, qr/ERROR:/, 'no errors on the standby');
is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'), 't', 'still a standby');
my ($ret, $stdout, $stderr) = $standby->psql('postgres', 'SELECT infraguard.take_snapshot()');
like($stderr, qr/cannot record a snapshot on a standby/, 'take_snapshot() on a standby says why it cannot');

# the primary's worker keeps writing history that the standby can read
ok($standby->poll_query_until('postgres',
		"SELECT count(*) > 0 FROM infraguard.snapshots WHERE source = 'worker'"),
	'history replicated to the standby');

$standby->stop;
$primary->stop;
done_testing();
