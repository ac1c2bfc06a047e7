# database_activity() and the deadlocks / temp_written_mb checks against the
# server log: a provoked deadlock ("deadlock detected") and temporary files
# ("temporary file: ... size N", log_temp_files = 0) in a database with an
# awkward name, between two snapshots.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dbactivity');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pg_stat_statements,infraguard'
infraguard.enabled = off
log_temp_files = 0
deadlock_timeout = 100ms
log_line_prefix = '%m [%p] db=%d '
});
$node->start;
my $db = 'Other DB';
$node->safe_psql('postgres', qq{CREATE EXTENSION infraguard; CREATE DATABASE "$db"});
$node->safe_psql($db, 'CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 0), (2, 0)');

is($node->safe_psql('postgres', "SELECT status FROM infraguard.health() WHERE check_name = 'database_deadlocks'"),
	'unknown', 'deadlocks: unknown before any snapshot');
$node->safe_psql('postgres', 'SELECT infraguard.take_snapshot()');
my $log_offset = -s $node->logfile;

# five rolled-back transactions and a sort that spills (64 kB of work_mem)
$node->safe_psql($db, 'BEGIN; SELECT 1; ROLLBACK;') for 1 .. 5;
$node->safe_psql($db, q{SET work_mem = '64kB'; SELECT count(*) FROM (SELECT g FROM generate_series(1, 200000) g ORDER BY g DESC) s});

# a deadlock: a waits for b, then b for a; b checks first (deadlock_timeout), so b is the victim
my $a = $node->background_psql($db);
my $b = $node->background_psql($db, on_error_stop => 0);
$a->query_safe("SET deadlock_timeout = '1min'; BEGIN; UPDATE t SET v = 1 WHERE id = 1;");
$b->query_safe('BEGIN; UPDATE t SET v = 2 WHERE id = 2;');
$a->query_until(qr/sent/, "\\echo sent\nUPDATE t SET v = 1 WHERE id = 2;\n");
ok($node->poll_query_until($db, "SELECT count(*) = 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'"),
	'a waits for b');
my ($out, $failed) = $b->query('UPDATE t SET v = 2 WHERE id = 1;');
ok($failed, 'b is the deadlock victim');
$b->quit;
$a->query_safe('COMMIT;');
$a->quit;

# the server log: the same counts, for this database
ok($node->poll_query_until('postgres',
		"SELECT deadlocks = 1 FROM pg_stat_database WHERE datname = '$db'"), 'pg_stat_database has the deadlock');
my $log = substr(slurp_file($node->logfile), $log_offset);
my $log_deadlocks = () = $log =~ /db=\Q$db\E ERROR:  deadlock detected/g;
my $log_temp = 0;
$log_temp += $1 while $log =~ /db=\Q$db\E LOG:  temporary file: path "[^"]+", size (\d+)/g;
is($log_deadlocks, 1, 'the log shows one deadlock');
cmp_ok($log_temp, '>', 0, "the log shows $log_temp bytes of temporary files");

# since the snapshot: the checks
my ($dl_status, $dl_value, $dl_detail) = split /\|/, $node->safe_psql('postgres',
	"SELECT status, value, detail FROM infraguard.health() WHERE check_name = 'database_deadlocks'");
is("$dl_status $dl_value", 'warning 1', 'deadlocks: warning at 1 since the snapshot');
like($dl_detail, qr/most in database "Other DB"/, 'the detail names the database');
is($node->safe_psql('postgres',
		"SELECT value FROM infraguard.current_metrics() WHERE metric = 'temp_written_mb'"),
	sprintf('%.1f', $log_temp / 1048576) + 0, 'temp_written_mb: the log\'s bytes, in MB');

# between two snapshots: database_activity()
$node->safe_psql('postgres', 'SELECT infraguard.take_snapshot()');
my ($deadlocks, $temp_bytes, $temp_files, $rollbacks, $commits, $pct) = split /\|/, $node->safe_psql('postgres',
	"SELECT deadlocks, temp_bytes, temp_files, rollbacks, commits, rollback_pct FROM infraguard.database_activity('1 hour') WHERE dbname = '$db'");
is($deadlocks, $log_deadlocks, 'database_activity: deadlocks as in the log');
is($temp_bytes, $log_temp, 'database_activity: temp_bytes as in the log');
my $log_temp_files = () = $log =~ /db=\Q$db\E LOG:  temporary file:/g;
is($temp_files, $log_temp_files, "database_activity: $temp_files temporary files as in the log");
# 5 ROLLBACKs and the victim's transaction
cmp_ok($rollbacks, '>=', 6, "database_activity: $rollbacks rollbacks (5 + the deadlock victim)");
ok($pct > 0 && $pct < 100, "rollback_pct $pct");

# after the snapshot, nothing new: ok
is($node->safe_psql('postgres',
		"SELECT status || ' ' || value FROM infraguard.health() WHERE check_name = 'database_deadlocks'"),
	'ok 0', 'deadlocks: ok once the snapshot has it');

# a reset inside the window is said
$node->safe_psql($db, 'SELECT pg_stat_reset()');
$node->safe_psql('postgres', 'SELECT infraguard.take_snapshot()');
is($node->safe_psql('postgres', "SELECT reset_in_window FROM infraguard.database_activity('1 hour') WHERE dbname = '$db'"),
	't', 'database_activity: the reset is said');

$node->stop;
done_testing();
