# Install and load paths: preloaded with pg_stat_statements, loaded on demand
# without preloading, and slow_queries()' hint when pg_stat_statements is
# created but not preloaded.  Also: the library survives a restart.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('preloaded');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'pg_stat_statements,infraguard'");
$node->start;

$node->safe_psql('postgres', 'CREATE EXTENSION infraguard');
is( $node->safe_psql('postgres',
		"SELECT infraguard.version() = extversion FROM pg_extension WHERE extname = 'infraguard'"),
	't', 'library version matches the catalog');
# (as many as the thresholds table has rows: 18 in 0.2 with lock_wait_seconds)
my $thresholds = $node->safe_psql('postgres', 'SELECT count(*) FROM infraguard.thresholds WHERE enabled');
cmp_ok($thresholds, '>=', 18, "0.2 seeds at least 18 thresholds ($thresholds)");
# 18 lists loaded libraries with the name and version of their magic block
# (PG_MODULE_MAGIC_EXT, src/compat.h)
if ($node->safe_psql('postgres', 'SHOW server_version_num') >= 180000)
{
	is( $node->safe_psql('postgres',
			"SELECT version = infraguard.version() FROM pg_get_loaded_modules() WHERE module_name = 'infraguard'"),
		't', 'pg_get_loaded_modules() names infraguard with its version');
}
is($node->safe_psql('postgres', "SELECT count(*) FROM infraguard.health()"),
	$thresholds, 'health() has one row per default threshold');

$node->restart;
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM infraguard.health() WHERE status IN ('ok','warning','critical','unknown')"),
	$thresholds, 'health() works after a restart');

# a typo in an infraguard.* setting is reported, not silently kept
$node->append_conf('postgresql.conf', "infraguard.no_such_setting = 1");
$node->reload;
my ($ret, $stdout, $stderr) = $node->psql('postgres', "SHOW infraguard.no_such_setting");
isnt($ret, 0, 'an unknown infraguard.* setting does not exist');
$node->stop;

# Without shared_preload_libraries the SQL diagnostics still work.
my $plain = PostgreSQL::Test::Cluster->new('not_preloaded');
$plain->init;
$plain->start;
$plain->safe_psql('postgres', 'CREATE EXTENSION infraguard');
is( $plain->safe_psql('postgres',
		"SELECT status FROM infraguard.health() WHERE check_name = 'connection_count'"),
	'ok', 'health() works when infraguard is not preloaded');

# pg_stat_statements created but not preloaded: an actionable error
$plain->safe_psql('postgres', 'CREATE EXTENSION pg_stat_statements');
($ret, $stdout, $stderr) = $plain->psql('postgres', 'SELECT * FROM infraguard.slow_queries()');
isnt($ret, 0, 'slow_queries() fails without the preloaded library');
like($stderr, qr/pg_stat_statements is installed but its library is not loaded/,
	'error says the library is not loaded');
like($stderr, qr/HINT:\s+Add pg_stat_statements to shared_preload_libraries/,
	'hint says how to fix it');
$plain->stop;

done_testing();
