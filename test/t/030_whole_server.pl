# The whole server (issue 11): the extension only in postgres, dead tuples
# and an unused index only in app2.  The worker's collectors read app2:
# health() names app2's table, an alert opens for it, the history covers
# its table and index, and the suggested VACUUM, run there, clears it.  A
# database refusing connections is skipped with one log line; DROP DATABASE
# does not hang on a collector connected to it (WITH (FORCE) ends it, a
# plain DROP waits for it to leave); the worker goes on.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $node = PostgreSQL::Test::Cluster->new('whole_server');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_stat_statements,infraguard'
infraguard.snapshot_interval = 1s
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION infraguard');
# alerts at once: this test is about where, not about when
$node->safe_psql('postgres',
	"SELECT infraguard.set_threshold('dead_tuple_ratio', 20, 50, hold => '0', clear_hold => '0')");
$node->safe_psql('postgres', "CREATE DATABASE $_") for qw(app1 app2 app3);

# ground truth in app2: what DELETE removed and what count(*) still sees
$node->safe_psql('app2', q{
	CREATE TABLE t (id int PRIMARY KEY, v text) WITH (autovacuum_enabled = off);
	CREATE INDEX t_v_unused ON t (v);
	INSERT INTO t SELECT g, 'x' || g FROM generate_series(1, 20000) g});
$node->safe_psql('app2', 'ANALYZE t');
my $deleted = $node->safe_psql('app2', q{
	WITH d AS (DELETE FROM t WHERE id % 2 = 0 RETURNING 1) SELECT count(*) FROM d});
my $live = $node->safe_psql('app2', 'SELECT count(*) FROM t');
is($deleted, 10000, 'app2: 10000 rows deleted');
is($live, 10000, 'app2: 10000 rows left');
is($node->safe_psql('app2', "SELECT count(*) FROM pg_extension WHERE extname = 'infraguard'"),
	0, 'the extension is not installed in app2');

is($node->safe_psql('postgres', q{
	SELECT string_agg(database_name || ':' || watched, ',' ORDER BY database_name)
	  FROM infraguard.watched_databases()}),
	'app1:true,app2:true,app3:true,postgres:true,template0:false,template1:false',
	'watched_databases(): every database but the templates');

# 1. health() in postgres names app2's table, with the true counts
ok($node->poll_query_until('postgres', q{
	SELECT detail LIKE 'app2.public.t:%' FROM infraguard.health() WHERE check_name = 'dead_tuple_ratio'}),
	'health() names the worst table of the whole server: app2.public.t');
my ($status, $value, $detail, $action) = split /\|/, $node->safe_psql('postgres', q{
	SELECT status, value, detail, action FROM infraguard.health() WHERE check_name = 'dead_tuple_ratio'});
is($status, 'critical', 'dead_tuple_ratio is critical (50 % dead)');
is($value, 100.0 * $deleted / ($deleted + $live), 'the ratio is what DELETE and count(*) say');
like($detail, qr/^app2\.public\.t: $deleted dead of @{[$deleted + $live]} tuples in database app2/,
	'the detail gives the database, the table and the counts');
like($action, qr/^In database app2 \(psql -d app2\): Autovacuum is disabled on public\.t: re-enable it with ALTER TABLE public\.t RESET \(autovacuum_enabled\); and vacuum it now: VACUUM \(ANALYZE\) public\.t;$/,
	'the action says where to run the statement');

# 2. an alert for it
ok($node->poll_query_until('postgres', q{
	SELECT count(*) = 1 FROM infraguard.alerts
	 WHERE metric = 'dead_tuple_ratio' AND resolved_at IS NULL AND action LIKE 'In database app2%'}),
	'an open alert names app2');

# 3. the history covers app2's table and unused index, by database name
is($node->safe_psql('postgres', q{
	SELECT dead_tuples FROM infraguard.table_history
	 WHERE database_name = 'app2' AND schema_name = 'public' AND table_name = 't'
	 ORDER BY taken_at DESC LIMIT 1}), $deleted, 'table_history has app2.public.t with its dead tuples');
is($node->safe_psql('postgres', q{
	SELECT scans FROM infraguard.index_history
	 WHERE database_name = 'app2' AND index_name = 't_v_unused'
	 ORDER BY taken_at DESC LIMIT 1}), '0', 'index_history has the unused index of app2, 0 scans');
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM infraguard.table_history WHERE database_name IN ('app1', 'app3')}),
	'0', 'nothing recorded for the databases without tables');
is($node->safe_psql('postgres', q{
	SELECT value FROM infraguard.metric_history WHERE metric = 'dead_tuple_ratio:app2'
	 ORDER BY taken_at DESC LIMIT 1}), 50, 'metric_history has the per-database series');
# relation oids repeat across databases: the local functions read only their own
is($node->safe_psql('postgres', "SELECT count(*) FROM infraguard.table_growth() WHERE table_name = 't'"),
	'0', 'table_growth() in postgres does not show app2\'s table');
my $dur = $node->safe_psql('postgres', q{
	SELECT bool_and(duration_ms > 0) FROM infraguard.snapshots});
is($dur, 't', 'snapshots have a duration');

# 4. the suggested statement, run where it says, clears the finding
my @stmts = $action =~ /((?:ALTER TABLE|VACUUM) [^;]+;)/g;
is(scalar(@stmts), 2, 'two statements suggested');
$node->safe_psql('app2', $_) for @stmts;
ok($node->poll_query_until('postgres', q{
	SELECT count(*) = 0 FROM infraguard.alerts WHERE metric = 'dead_tuple_ratio' AND resolved_at IS NULL}),
	'after the suggested VACUUM in app2 the alert resolves');

# 5. a database that refuses connections: skipped, one log line
my $log_offset = -s $node->logfile;
$node->safe_psql('postgres', 'ALTER DATABASE app3 ALLOW_CONNECTIONS false');
ok($node->wait_for_log(qr/infraguard worker skips database "app3": it does not accept connections/, $log_offset),
	'datallowconn = false: logged');
my $snap = $node->safe_psql('postgres', 'SELECT max(snapshot_id) FROM infraguard.snapshots');
$node->poll_query_until('postgres', "SELECT max(snapshot_id) >= $snap + 3 FROM infraguard.snapshots");
my $log = slurp_file($node->logfile, $log_offset);
my @lines = $log =~ /skips database "app3"/g;
is(scalar(@lines), 1, 'logged once over several snapshots');
unlike($log, qr/FATAL:.*app3/, 'no collector tried to connect to app3');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM infraguard.database_findings WHERE database_name = 'app3'"),
	'0', 'its findings are forgotten');

# 6. DROP DATABASE ... WITH (FORCE) while a collector sits in it
$node->append_conf('postgresql.conf', qq{
infraguard.databases = 'app1'
infraguard.database_timeout = '120s'
infraguard.collector_test_delay = '60s'
});
$node->reload;
ok($node->poll_query_until('postgres', q{
	SELECT count(*) = 1 FROM pg_stat_activity
	 WHERE backend_type = 'infraguard collector' AND datname = 'app1'}),
	'a collector is connected to app1');
my $worker_pid = $node->safe_psql('postgres',
	"SELECT pid FROM pg_stat_activity WHERE backend_type = 'infraguard worker'");
$log_offset = -s $node->logfile;
my $t0 = time();
$node->safe_psql('postgres', 'DROP DATABASE app1 WITH (FORCE)');
cmp_ok(time() - $t0, '<', 30, 'DROP DATABASE WITH (FORCE) does not wait for the collector\'s 60 s');
ok($node->wait_for_log(qr/infraguard worker skipped database "app1" in this snapshot/, $log_offset),
	'the worker logs the skip');
is($node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'infraguard worker'"),
	$worker_pid, 'the worker itself goes on');

# 7. a plain DROP DATABASE waits for a short collector to leave
$node->safe_psql('postgres', 'CREATE DATABASE app4');
$node->append_conf('postgresql.conf', qq{
infraguard.databases = 'app4'
infraguard.collector_test_delay = '1s'
});
$node->reload;
ok($node->poll_query_until('postgres', q{
	SELECT count(*) = 1 FROM pg_stat_activity
	 WHERE backend_type = 'infraguard collector' AND datname = 'app4'}),
	'a collector is connected to app4');
$t0 = time();
$node->safe_psql('postgres', 'DROP DATABASE app4');
cmp_ok(time() - $t0, '<', 5, 'a plain DROP DATABASE completes within its 5 s wait');

# 8. back to every database: snapshots go on
$node->append_conf('postgresql.conf', qq{
infraguard.databases = '*'
infraguard.collector_test_delay = 0
});
$node->reload;
$snap = $node->safe_psql('postgres', 'SELECT max(snapshot_id) FROM infraguard.snapshots');
ok($node->poll_query_until('postgres', "SELECT max(snapshot_id) >= $snap + 2 FROM infraguard.snapshots"),
	'snapshots go on');
is($node->safe_psql('postgres', q{
	SELECT string_agg(database_name, ',' ORDER BY database_name) FROM infraguard.database_findings}),
	'app2', 'findings are kept for the watched databases only');

$node->stop;
done_testing();
