# The worker where things are wrong: the target database missing, the
# extension not created there, and a streaming standby (read-only).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes;

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

# replay paused: the lag is the age of the last replayed commit at the
# moment of reading, never 0 and never understated (0.1 said "replayed all
# WAL it received" or understated), and the action is the statement that
# resumes replay, which works
$primary->safe_psql('postgres',
	"UPDATE infraguard.thresholds SET warning = 1, critical = 100000 WHERE metric = 'replication_lag'");
$primary->wait_for_catchup($standby);
my $caught_up_at = Time::HiRes::time();
$standby->safe_psql('postgres', 'SELECT pg_wal_replay_pause()');
my $paused_at = Time::HiRes::time();
$primary->safe_psql('postgres', 'CREATE TABLE after_pause AS SELECT 1 AS x');
sleep 3;
my $t0 = Time::HiRes::time();
my ($lag_status, $lag, $lag_detail, $lag_action) = split /\|/, $standby->safe_psql('postgres',
	"SELECT status, value, detail, action FROM infraguard.health() WHERE check_name = 'replication_lag'");
my $t1 = Time::HiRes::time();
like($lag_detail, qr/standby replay is paused/, 'the paused replay is named');
is($lag_status, 'warning', 'and judged against the thresholds');
# the last commit replayed happened between the catch-up and the pause
cmp_ok($lag, '>=', $t0 - $paused_at - 0.2, "lag $lag s is not understated");
cmp_ok($lag, '<=', $t1 - $caught_up_at + 1.5, "lag $lag s is not overstated");
like($lag_action, qr/SELECT pg_wal_replay_resume\(\);/, 'the action resumes replay');
# every statement the actions name runs on the standby
my @statements = ($lag_action =~ /(SELECT [^;]*;)/g);
push @statements, ($standby->safe_psql('postgres',
	"SELECT action FROM infraguard.thresholds WHERE metric = 'replication_lag'") =~ /(SELECT [^;]*;)/g);
for my $stmt (@statements)
{
	my ($rc, $out, $err) = $standby->psql('postgres', $stmt);
	is($rc, 0, "suggested statement runs on the standby: $stmt");
}
ok($standby->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_class WHERE relname = 'after_pause'"),
	'replay resumed');
ok($standby->poll_query_until('postgres',
		"SELECT value = 0 FROM infraguard.health() WHERE check_name = 'replication_lag'"),
	'caught up again: lag 0');

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
