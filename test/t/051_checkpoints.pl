# checkpoints() against ground truth nobody here wrote: the server log's
# "checkpoint starting" lines, WAL positions (pg_current_wal_lsn) and the
# .ready files in pg_wal/archive_status; and its advice, executed.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('checkpoints');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pg_stat_statements,infraguard'
infraguard.enabled = off
log_checkpoints = on
# every segment fails to archive: they wait as .ready files
wal_level = replica
archive_mode = on
archive_command = 'false'
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION infraguard');

sub reading
{
	my ($cols) = @_;
	return split /\|/, $node->safe_psql('postgres', "SELECT $cols FROM infraguard.checkpoints()");
}

# requested checkpoints: three CHECKPOINT commands, three log lines
my ($req0) = reading('checkpoints_requested');
my $log_offset = -s $node->logfile;
$node->safe_psql('postgres', 'CHECKPOINT') for 1 .. 3;
# the checkpointer publishes its counters just after waking the requester
ok($node->poll_query_until('postgres', "SELECT checkpoints_requested >= $req0 + 3 FROM infraguard.checkpoints()"),
	'the counters caught up');
my ($req1) = reading('checkpoints_requested');
my @lines = grep { /checkpoint starting:/ && !/checkpoint starting: time/ }
	split /\n/, substr(slurp_file($node->logfile), $log_offset);
is(scalar(@lines), 3, 'the log shows 3 requested checkpoints');
is($req1 - $req0, 3, 'checkpoints_requested counted the same 3');

# WAL: pg_stat_wal's bytes against the WAL positions around a known workload
my ($wal0) = reading('wal_bytes');
my $lsn0 = $node->safe_psql('postgres', 'SELECT pg_current_wal_lsn()');
$node->safe_psql('postgres', 'CREATE TABLE w AS SELECT g, repeat(\'x\', 100) AS pad FROM generate_series(1, 100000) g');
my $lsn_diff = $node->safe_psql('postgres', "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$lsn0')");
my ($wal1) = reading('wal_bytes');
my $ratio = ($wal1 - $wal0) / $lsn_diff;
# page headers are in the positions, not in the record bytes: a few percent
ok($ratio > 0.95 && $ratio <= 1.01, sprintf('wal_bytes grew by %.3f of the WAL positions\' %d bytes', $ratio, $lsn_diff));

# archiving: segments switched while archive_command fails stay .ready
$node->safe_psql('postgres', 'SELECT pg_switch_wal(); CREATE TABLE s1 (i int); SELECT pg_switch_wal(); CREATE TABLE s2 (i int); SELECT pg_switch_wal();');
ok($node->poll_query_until('postgres', 'SELECT archive_failed_count > 0 FROM infraguard.checkpoints()'),
	'the archiver failures are counted');
my $datadir = $node->data_dir;
my @ready = glob("$datadir/pg_wal/archive_status/*.ready");
my ($ready, $mode) = reading('archive_ready_files, archive_mode');
is($ready, scalar(@ready), "archive_ready_files: the $ready .ready files in pg_wal/archive_status");
cmp_ok($ready, '>=', 3, 'at least the 3 switched segments wait');
is($mode, 'on', 'archive_mode');

# all checkpoints so far were requested: the advice raises max_wal_size, and its statement works
my ($advice) = reading('advice');
like($advice, qr/were requested rather than timed/, 'advice: checkpoints requested');
my ($stmt, $reload) = $advice =~ /(ALTER SYSTEM SET max_wal_size = '[^']+'); (SELECT pg_reload_conf\(\);)/;
ok(defined $stmt, "advice carries the statement: $stmt");
my ($want) = $stmt =~ /'([^']+)'/;
my $before = $node->safe_psql('postgres', "SELECT pg_size_bytes(current_setting('max_wal_size'))");
$node->safe_psql('postgres', $stmt);
$node->safe_psql('postgres', $reload);
ok($node->poll_query_until('postgres',
		"SELECT pg_size_bytes(current_setting('max_wal_size')) = pg_size_bytes('$want')"),
	"max_wal_size is now $want");
cmp_ok($node->safe_psql('postgres', "SELECT pg_size_bytes(current_setting('max_wal_size'))"), '>', $before,
	'and larger than before');

$node->stop;
done_testing();
