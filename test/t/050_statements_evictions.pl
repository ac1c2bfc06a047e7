# pg_stat_statements evictions, provoked on a server whose table holds 100
# entries: statements_saturation() and the statements_evicted check count
# what pg_stat_statements_info.dealloc (the server's own counter) counts, the
# snapshot of that interval says its top statements are incomplete, and the
# statement the check suggests, executed (and the restart it asks for), ends
# the evictions for the same workload.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('evictions');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pg_stat_statements,infraguard'
pg_stat_statements.max = 100
pg_stat_statements.track = top
# an empty table after the restart: the second run starts from nothing
pg_stat_statements.save = off
# snapshots taken by the test only
infraguard.enabled = off
});
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION pg_stat_statements;
	CREATE EXTENSION infraguard;
});

# 150 statements of different shapes (1 to 150 columns): 150 queryids

$node->safe_psql('postgres', 'SELECT infraguard.take_snapshot()');
my $before = $node->safe_psql('postgres', 'SELECT dealloc FROM pg_stat_statements_info');
$node->safe_psql('postgres', q{SELECT 'SELECT ' || (SELECT string_agg('1', ', ') FROM generate_series(1, n)) FROM generate_series(1, 150) n \gexec});
my $after = $node->safe_psql('postgres', 'SELECT dealloc FROM pg_stat_statements_info');
cmp_ok($after, '>', $before, "pg_stat_statements evicted ($before -> $after deallocations)");

my ($evictions, $since, $entries, $max) = split /\|/, $node->safe_psql('postgres',
	'SELECT evictions, evictions_since_snapshot, entries, max_entries FROM infraguard.statements_saturation()');
is($evictions, $after, 'evictions: pg_stat_statements_info.dealloc');
# the counter may move again between two readings (each reading is a new statement)
cmp_ok($since, '>=', $after - $before, 'evictions since the snapshot: at least the workload\'s');
cmp_ok($entries, '<=', 100, "entries within pg_stat_statements.max ($entries of $max)");

my ($status, $value, $action) = split /\|/, $node->safe_psql('postgres',
	"SELECT status, value, action FROM infraguard.health() WHERE check_name = 'statements_evicted'");
like($status, qr/^(warning|critical)$/, "statements_evicted is $status at $value");
like($action, qr/ALTER SYSTEM SET pg_stat_statements\.max = 200;/, 'the action doubles pg_stat_statements.max');

# the snapshot of this interval says its statement history is incomplete
my $recorded = $node->safe_psql('postgres',
	'SELECT statements_evicted FROM infraguard.snapshots WHERE snapshot_id = ' . $node->safe_psql('postgres', 'SELECT infraguard.take_snapshot()'));
cmp_ok($recorded, '>=', $after - $before, "the snapshot records $recorded evictions in its interval");

# the suggested statement, executed, then the restart it asks for
my ($stmt) = $action =~ /(ALTER SYSTEM SET pg_stat_statements\.max = \d+);/;
$node->safe_psql('postgres', $stmt);
$node->restart;
is($node->safe_psql('postgres', 'SHOW pg_stat_statements.max'), '200', 'pg_stat_statements.max is 200 after the restart');
$node->safe_psql('postgres', 'SELECT infraguard.take_snapshot()');
$before = $node->safe_psql('postgres', 'SELECT dealloc FROM pg_stat_statements_info');
$node->safe_psql('postgres', q{SELECT 'SELECT ' || (SELECT string_agg('1', ', ') FROM generate_series(1, n)) FROM generate_series(1, 150) n \gexec});
is($node->safe_psql('postgres', 'SELECT dealloc FROM pg_stat_statements_info'), $before,
	'the same workload evicts nothing now');
is($node->safe_psql('postgres',
		"SELECT status || ' ' || value FROM infraguard.health() WHERE check_name = 'statements_evicted'"),
	'ok 0', 'statements_evicted is ok');
is($node->safe_psql('postgres',
		'SELECT statements_evicted FROM infraguard.snapshots WHERE snapshot_id = ' . $node->safe_psql('postgres', 'SELECT infraguard.take_snapshot()')),
	'0', 'and the snapshot of the interval is complete');

$node->stop;
done_testing();
