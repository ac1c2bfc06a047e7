# config_review() against pg_settings and pg_file_settings: a reloaded
# change logged by the next snapshot with its old and new value, a
# postmaster setting waiting for a restart (and in force after it), and a
# risk whose suggested statement, executed, removes it.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('config');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pg_stat_statements,infraguard'
infraguard.enabled = off
autovacuum = off
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION infraguard');

# the risk, and its statement executed
my $fix = $node->safe_psql('postgres',
	"SELECT suggestion FROM infraguard.config_review() WHERE kind = 'risk' AND name = 'autovacuum'");
is($fix, 'ALTER SYSTEM SET autovacuum = on; SELECT pg_reload_conf();', 'autovacuum off is a risk, with the statement');
$node->safe_psql('postgres', $fix);
ok($node->poll_query_until('postgres', "SELECT current_setting('autovacuum') = 'on'"), 'the statement turned autovacuum on');
is($node->safe_psql('postgres', "SELECT count(*) FROM infraguard.config_review() WHERE name = 'autovacuum'"),
	'0', 'and the finding is gone');

# a change between two snapshots: logged with the values pg_settings had
$node->safe_psql('postgres', 'SELECT infraguard.take_snapshot()');
my $old = $node->safe_psql('postgres', "SELECT setting FROM pg_settings WHERE name = 'log_autovacuum_min_duration'");
$node->safe_psql('postgres', "ALTER SYSTEM SET log_autovacuum_min_duration = '42s'; SELECT pg_reload_conf();");
ok($node->poll_query_until('postgres', "SELECT current_setting('log_autovacuum_min_duration') = '42s'"), 'reloaded');
my $new = $node->safe_psql('postgres', "SELECT setting FROM pg_settings WHERE name = 'log_autovacuum_min_duration'");
$node->safe_psql('postgres', 'SELECT infraguard.take_snapshot()');
is($node->safe_psql('postgres',
		"SELECT old_value || ' -> ' || new_value FROM infraguard.setting_changes WHERE name = 'log_autovacuum_min_duration'"),
	"$old -> $new", "the snapshot logged $old -> $new");
like($node->safe_psql('postgres',
		"SELECT detail FROM infraguard.config_review() WHERE kind = 'changed' AND name = 'log_autovacuum_min_duration'"),
	qr/^\Q$old -> $new\E \(sighup setting\)$/, 'config_review lists the change');
# autovacuum's change was made before the first snapshot: the baseline, not a change
is($node->safe_psql('postgres', "SELECT count(*) FROM infraguard.setting_changes WHERE name = 'autovacuum'"),
	'0', 'the first snapshot is the baseline');

# a postmaster setting changed in the files waits for a restart
$node->safe_psql('postgres', "ALTER SYSTEM SET max_connections = 42; SELECT pg_reload_conf();");
ok($node->poll_query_until('postgres', "SELECT pending_restart FROM pg_settings WHERE name = 'max_connections'"),
	'pg_settings: max_connections pending restart');
like($node->safe_psql('postgres',
		"SELECT detail FROM infraguard.config_review() WHERE kind = 'pending restart' AND name = 'max_connections'"),
	qr/in force: 100; in the configuration files: 42;/, 'config_review: running 100, files 42');
$node->restart;
is($node->safe_psql('postgres', "SELECT count(*) FROM infraguard.config_review() WHERE kind = 'pending restart'"),
	'0', 'nothing pending after the restart');
$node->safe_psql('postgres', 'SELECT infraguard.take_snapshot()');
is($node->safe_psql('postgres',
		"SELECT old_value || ' -> ' || new_value || ' ' || context FROM infraguard.setting_changes WHERE name = 'max_connections'"),
	'100 -> 42 postmaster', 'and the snapshot after it logged the new value');

$node->stop;
done_testing();
