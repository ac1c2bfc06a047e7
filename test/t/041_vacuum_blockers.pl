# What holds back VACUUM (issue 15, part 3): vacuum_blockers() against the
# server's own account, VACUUM VERBOSE's "removable cutoff" and its "dead but
# not yet removable" count.
#
# Three holders, oldest first: a physical slot whose standby (with
# hot_standby_feedback and a REPEATABLE READ transaction open) went away,
# keeping its xmin; a REPEATABLE READ transaction on the primary; a prepared
# transaction.  Ten rows are deleted after each one appeared.  The top row of
# vacuum_blockers() must be the cutoff VACUUM reports, and executing that
# row's own action must let the next VACUUM remove exactly the rows deleted
# before the next holder.  On the standby, vacuum_blockers() lists the
# standby's own session, which is what its feedback holds on the primary.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('vb_primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pg_stat_statements,infraguard'
max_prepared_transactions = 5
autovacuum = off
# the worker's own snapshots would hold the horizon for a moment
infraguard.enabled = off
});
$primary->start;
$primary->safe_psql('postgres', q{
	CREATE EXTENSION infraguard;
	CREATE TABLE t (id int) WITH (autovacuum_enabled = off);
	INSERT INTO t SELECT generate_series(1, 100);
	CREATE TABLE t2 (id int);
	SELECT pg_create_physical_replication_slot('sb');
});
is($primary->safe_psql('postgres', 'SELECT count(*) FROM infraguard.vacuum_blockers()'),
	'0', 'at rest (no standby yet, so the slot holds no xmin): nothing holds the horizon');
$primary->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('vb_standby');
$standby->init_from_backup($primary, 'b', has_streaming => 1);
$standby->append_conf('postgresql.conf', q{
hot_standby_feedback = on
primary_slot_name = 'sb'
wal_receiver_status_interval = 1s
});
$standby->start;
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));


# on the standby: a REPEATABLE READ transaction, listed by the standby's own vacuum_blockers()
my $sb = $standby->background_psql('postgres');
my $sb_pid = $sb->query_safe('SELECT pg_backend_pid()');
$sb_pid =~ s/\s+//g;
$sb->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
$sb->query_safe('SELECT count(*) FROM t');
my $sb_xmin = $standby->safe_psql('postgres', "SELECT backend_xmin FROM pg_stat_activity WHERE pid = $sb_pid");
is($standby->safe_psql('postgres',
		'SELECT kind || \' \' || pid || \' \' || horizon_xid FROM infraguard.vacuum_blockers() ORDER BY rank LIMIT 1'),
	"backend $sb_pid $sb_xmin", 'on the standby: its REPEATABLE READ session is the top holder, with its xmin');

# its feedback reaches the primary's slot; the standby then goes away, the slot keeps the xmin
ok($primary->poll_query_until('postgres',
		"SELECT xmin IS NOT NULL FROM pg_replication_slots WHERE slot_name = 'sb'"),
	'the standby\'s hot_standby_feedback sets the slot\'s xmin');
$sb->quit;
$standby->stop('fast');
my $slot_xmin = $primary->safe_psql('postgres', "SELECT xmin FROM pg_replication_slots WHERE slot_name = 'sb'");
ok($slot_xmin ne '', "the inactive slot keeps xmin $slot_xmin");

# ten rows deleted after each holder appeared
$primary->safe_psql('postgres', 'DELETE FROM t WHERE id BETWEEN 1 AND 10');
my $rr = $primary->background_psql('postgres');
my $rr_pid = $rr->query_safe('SELECT pg_backend_pid()');
$rr_pid =~ s/\s+//g;
$rr->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
$rr->query_safe('SELECT count(*) FROM t');
$primary->safe_psql('postgres', 'DELETE FROM t WHERE id BETWEEN 11 AND 20');
$primary->safe_psql('postgres', q{BEGIN; INSERT INTO t2 VALUES (1); PREPARE TRANSACTION 'ig_2pc'});
$primary->safe_psql('postgres', 'DELETE FROM t WHERE id BETWEEN 21 AND 30');

is($primary->safe_psql('postgres', 'SELECT string_agg(kind, \' \' ORDER BY rank) FROM infraguard.vacuum_blockers()'),
	'replication_slot backend prepared_transaction', 'three holders, ranked oldest first');
like($primary->safe_psql('postgres',
		"SELECT check_name || ' ' || status || ' ' || value FROM infraguard.health() WHERE check_name = 'xmin_horizon_age'"),
	qr/^xmin_horizon_age ok \d+$/, 'the health check reads the horizon\'s age (ok: far below 10 million)');
is($primary->safe_psql('postgres',
		"SELECT value = (SELECT max(xid_age) FROM infraguard.vacuum_blockers()) FROM infraguard.current_metrics() WHERE metric = 'xmin_horizon_age'"),
	't', 'the check\'s value is the top holder\'s age');

# VACUUM VERBOSE's own numbers: the cutoff and the dead rows it had to keep
sub vacuum
{
	my ($stdout, $stderr);
	$primary->psql('postgres', 'VACUUM (VERBOSE) t', stdout => \$stdout, stderr => \$stderr);
	my ($cutoff) = $stderr =~ /removable cutoff: (\d+)/;
	my ($removed, $kept) = $stderr =~ /tuples: (\d+) removed, \d+ remain, (\d+) are dead but not yet removable/;
	die "unexpected VACUUM VERBOSE output: $stderr" unless defined $cutoff && defined $kept;
	return ($cutoff, $removed, $kept);
}

my @steps = (
	[ 'replication_slot', 'sb', 0, 30 ],
	[ 'backend', $rr_pid, 10, 20 ],
	[ 'prepared_transaction', 'ig_2pc', 10, 10 ],
);
foreach my $step (@steps)
{
	my ($kind, $name, $removed_expected, $kept_expected) = @$step;
	my ($top_kind, $top_name, $top_xid, $dbname, $action) = split /\|/,
	  $primary->safe_psql('postgres',
		'SELECT kind, name, horizon_xid, dbname, action FROM infraguard.vacuum_blockers() ORDER BY rank LIMIT 1');
	is("$top_kind $top_name", "$kind $name", "top holder: $kind $name");
	my ($cutoff, $removed, $kept) = vacuum();
	is($cutoff, $top_xid, "VACUUM VERBOSE's removable cutoff is the top holder's xid ($top_xid)");
	is($removed, $removed_expected, "VACUUM removed $removed_expected rows");
	is($kept, $kept_expected, "VACUUM kept $kept_expected dead rows");
	# the holder's own action, as given
	$primary->safe_psql($dbname || 'postgres', $action);
	note "executed: $action";
}
# (the terminated session is gone: nothing to quit)

is($primary->safe_psql('postgres', 'SELECT count(*) FROM infraguard.vacuum_blockers()'),
	'0', 'every holder removed: none is listed');
my ($cutoff, $removed, $kept) = vacuum();
is("$removed $kept", '10 0', 'and VACUUM removes the last ten dead rows, keeping none');
is($primary->safe_psql('postgres', 'SELECT count(*) FROM t'), '70', 'the 70 live rows stay');
is($primary->safe_psql('postgres', 'SELECT count(*) FROM pg_prepared_xacts'), '0',
	'ROLLBACK PREPARED, run as suggested, ended the prepared transaction');

# a standby's hot_standby_feedback without a slot: pg_stat_replication.backend_xmin
$primary->backup('b2');
my $standby2 = PostgreSQL::Test::Cluster->new('vb_standby2');
$standby2->init_from_backup($primary, 'b2', has_streaming => 1);
$standby2->append_conf('postgresql.conf', q{
hot_standby_feedback = on
wal_receiver_status_interval = 1s
});
$standby2->start;
$primary->wait_for_catchup($standby2, 'replay', $primary->lsn('insert'));
my $rd = $standby2->background_psql('postgres');
$rd->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
$rd->query_safe('SELECT count(*) FROM t');
my $rd_xmin = $standby2->safe_psql('postgres', q{SELECT backend_xmin FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'});
ok($primary->poll_query_until('postgres',
		"SELECT backend_xmin = '$rd_xmin' FROM pg_stat_replication"),
	"the standby's feedback reaches the primary: backend_xmin $rd_xmin");
$primary->safe_psql('postgres', 'DELETE FROM t WHERE id BETWEEN 31 AND 40');
my ($fb_kind, $fb_name, $fb_xid, $fb_action) = split /\|/,
  $primary->safe_psql('postgres',
	'SELECT kind, name, horizon_xid, coalesce(action, \'none\') FROM infraguard.vacuum_blockers() ORDER BY rank LIMIT 1');
is("$fb_kind $fb_name $fb_xid $fb_action", "standby_feedback vb_standby2 $rd_xmin none",
	'top holder: the standby\'s feedback, by application_name, with no action on the primary');
($cutoff, $removed, $kept) = vacuum();
is("$cutoff $removed $kept", "$rd_xmin 0 10", 'VACUUM VERBOSE: cutoff at the feedback, the ten new dead rows kept');
# the cure is on the standby: its own top holder's action
my $sb_action = $standby2->safe_psql('postgres', 'SELECT action FROM infraguard.vacuum_blockers() ORDER BY rank LIMIT 1');
like($sb_action, qr/^SELECT pg_terminate_backend\(\d+\);$/, 'the standby names its reader');
$standby2->safe_psql('postgres', $sb_action);
ok($primary->poll_query_until('postgres',
		"SELECT backend_xmin IS NULL OR age(backend_xmin) < age('$rd_xmin'::xid) FROM pg_stat_replication"),
	'the feedback moves on once the reader is gone');
($cutoff, $removed, $kept) = vacuum();
is("$removed $kept", '10 0', 'and VACUUM removes the ten rows');
$standby2->stop;

done_testing();
