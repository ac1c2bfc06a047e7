# Wait-event sampling (issue 15, part 2) against ground truth:
#	- a session in pg_sleep is sampled as Timeout/PgSleep, under the query id
#	  pg_stat_statements gives its statement, with a share of the sampled
#	  period that matches the sleep's duration as the server log times it
#	  (log_min_duration_statement = 0);
#	- a session blocked on a row lock is sampled as Lock/transactionid under
#	  the query id pg_stat_activity shows for it, about hz x seconds blocked;
#	- sampling rounds agree with hz x elapsed seconds (loaded 2-core
#	  tolerance: rounds may be skipped under load, never added);
#	- the sampler comes back after pg_terminate_backend (no cluster restart)
#	  and follows a SIGHUP that changes the frequency, down to 0 (off);
#	- on a hot standby: the live view samples the standby's own sessions,
#	  nothing is recorded there, and the sampler starts new periods itself.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

my $node = PostgreSQL::Test::Cluster->new('wait_sampling');
$node->init(allows_streaming => 1);
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_stat_statements,infraguard'
log_min_duration_statement = 0
log_statement = none
infraguard.snapshot_interval = 3600
});
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION pg_stat_statements;
	CREATE EXTENSION infraguard;
	CREATE TABLE t (id int PRIMARY KEY, v int);
	INSERT INTO t VALUES (1, 0);
});

my $hz = $node->safe_psql('postgres', 'SHOW infraguard.wait_sampling_hz');
is($hz, '100', 'default frequency: 100 Hz');

sub sampler_pid
{
	my ($n) = @_;
	return $n->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'infraguard wait sampler'");
}
my $pid = sampler_pid($node);
like($pid, qr/^\d+$/, 'one sampler, in pg_stat_activity');

# --- pg_sleep: share of the period vs the logged duration -----------------
$node->safe_psql('postgres', 'SELECT infraguard.take_snapshot()');	# a new period
my $offset = -s $node->logfile;
$node->safe_psql('postgres', 'SELECT pg_sleep(3)');
sleep 1;
my $sid = $node->safe_psql('postgres', 'SELECT infraguard.take_snapshot()');
my $log = slurp_file($node->logfile, $offset);
my ($sleep_ms) = $log =~ /duration: ([\d.]+) ms  statement: SELECT pg_sleep\(3\)/;
ok(defined $sleep_ms && $sleep_ms >= 3000, "the log times the sleep: $sleep_ms ms");

my ($period_s, $rounds, $sleep_samples, $total) = split /\|/, $node->safe_psql('postgres', qq{
	SELECT extract(epoch FROM t.until - t.since), t.rounds,
		   coalesce((SELECT sum(samples) FROM infraguard.wait_profile_history h
					  WHERE h.snapshot_id = $sid AND h.wait_event = 'PgSleep'), 0),
		   t.samples
	  FROM infraguard.wait_profile_history t
	 WHERE t.snapshot_id = $sid AND t.wait_event_type IS NULL});
my $expected_rounds = $hz * $period_s;
note("period $period_s s, $rounds rounds (hz x elapsed = $expected_rounds), "
	  . "$sleep_samples PgSleep samples of $total active");
ok($rounds <= $expected_rounds * 1.02 + 2, 'rounds never exceed hz x elapsed');
ok($rounds >= $expected_rounds * 0.5, 'rounds reach at least half of hz x elapsed (a loaded machine skips some)');
my $share = $sleep_samples / $rounds;
my $truth = ($sleep_ms / 1000) / $period_s;
ok(abs($share - $truth) <= 0.15,
	sprintf('PgSleep share of the rounds %.3f matches the logged sleep over the period %.3f', $share, $truth));
is($node->safe_psql('postgres', qq{
	SELECT h.wait_event_type || '/' || h.wait_event
	  FROM infraguard.wait_profile_history h
	  JOIN pg_stat_statements s ON s.queryid = h.queryid
	 WHERE h.snapshot_id = $sid AND s.query = 'SELECT pg_sleep(\$1)'}),
	'Timeout/PgSleep', "recorded under the sleep's query id (pg_stat_statements)");
ok($node->safe_psql('postgres', q{
	SELECT share_pct > 0 AND 'Timeout' = wait_event_type
	  FROM infraguard.wait_profile(interval '1 hour') WHERE wait_event = 'PgSleep'}) eq 't',
	'wait_profile() reports it');

# --- a row lock: Lock/transactionid under the waiter's query id ------------
my $holder = $node->background_psql('postgres');
my $waiter = $node->background_psql('postgres');
my $waiter_pid = $waiter->query_safe('SELECT pg_backend_pid()');
$waiter_pid =~ s/\s+//g;
$holder->query_safe('BEGIN');
$holder->query_safe('UPDATE t SET v = v + 1 WHERE id = 1');
$node->safe_psql('postgres', 'SELECT infraguard.take_snapshot()');
$waiter->query_until(qr/waiting/, "\\echo waiting\nUPDATE t SET v = v + 1 WHERE id = 1;\n");
ok($node->poll_query_until('postgres',
		"SELECT wait_event = 'transactionid' FROM pg_stat_activity WHERE pid = $waiter_pid"),
	'ground truth: pg_stat_activity shows the waiter on transactionid');
sleep 2;
my ($lock_samples, $blocked_s) = split /\|/, $node->safe_psql('postgres', qq{
	SELECT coalesce((SELECT sum(w.samples) FROM infraguard.wait_events() w
					  WHERE w.wait_event_type = 'Lock' AND w.wait_event = 'transactionid'
						AND w.queryid = a.query_id), 0),
		   extract(epoch FROM clock_timestamp() - a.query_start)
	  FROM pg_stat_activity a WHERE a.pid = $waiter_pid});
note("$lock_samples Lock/transactionid samples over $blocked_s s blocked");
ok($lock_samples >= 0.4 * $hz * $blocked_s && $lock_samples <= 1.02 * $hz * $blocked_s + 2,
	'Lock/transactionid samples under the query id pg_stat_activity shows: about hz x seconds blocked');
$holder->query_safe('COMMIT');
$waiter->quit;
$holder->quit;

# --- pg_terminate_backend: the sampler comes back --------------------------
my $checkpointer_pid = $node->safe_psql('postgres', q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'});
$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
ok($node->poll_query_until('postgres', qq{
	SELECT count(*) = 1 FROM pg_stat_activity
	 WHERE backend_type = 'infraguard wait sampler' AND pid <> $pid}),
	'a new sampler after pg_terminate_backend');
is($node->safe_psql('postgres', q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'}),
	$checkpointer_pid, 'no cluster restart (same checkpointer)');
$node->safe_psql('postgres', 'SELECT infraguard.take_snapshot()');
sleep 1;
ok($node->safe_psql('postgres', 'SELECT rounds > 0 FROM infraguard_internal.wait_sampling_drain() LIMIT 1') eq 't',
	'the new sampler samples');

# --- SIGHUP: 20 Hz, then 0 -------------------------------------------------
$node->safe_psql('postgres', 'ALTER SYSTEM SET infraguard.wait_sampling_hz = 20');
$node->reload;
sleep 1;	# the sampler rereads the file
$node->safe_psql('postgres', 'SELECT infraguard_internal.wait_sampling_drain()');
my $t0 = time();
sleep 3;
my ($r20, $s20) = split /\|/, $node->safe_psql('postgres',
	'SELECT rounds, extract(epoch FROM until - since) FROM infraguard_internal.wait_sampling_drain() LIMIT 1');
note("after reload to 20 Hz: $r20 rounds in $s20 s");
ok($r20 <= 20 * $s20 * 1.02 + 2 && $r20 >= 20 * $s20 * 0.5, 'SIGHUP to 20 Hz: rounds follow 20 x elapsed');

$node->safe_psql('postgres', 'ALTER SYSTEM SET infraguard.wait_sampling_hz = 0');
$node->reload;
sleep 1;
$node->safe_psql('postgres', 'SELECT infraguard_internal.wait_sampling_drain()');
sleep 2;
is($node->safe_psql('postgres', 'SELECT rounds FROM infraguard_internal.wait_sampling_drain() LIMIT 1'),
	'0', 'hz = 0: no rounds');
$node->safe_psql('postgres', 'ALTER SYSTEM RESET infraguard.wait_sampling_hz');
$node->reload;

# --- hot standby ---------------------------------------------------------------
$node->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('wait_sampling_standby');
$standby->init_from_backup($node, 'base', has_streaming => 1);
$standby->start;
$node->wait_for_catchup($standby);
ok($standby->poll_query_until('postgres', q{
	SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'infraguard wait sampler'}),
	'a sampler on the standby');
$standby->safe_psql('postgres', 'SELECT pg_sleep(1.5)');
ok($standby->safe_psql('postgres', q{
	SELECT sum(samples) > 0 FROM infraguard.wait_events() WHERE wait_event = 'PgSleep'}) eq 't',
	"the standby's live view samples its own sleeping session");
my ($ret, $stdout, $stderr) = $standby->psql('postgres', 'SELECT infraguard.take_snapshot()');
like($stderr, qr/cannot record a snapshot on a standby/, 'nothing is recorded on the standby');
# nothing drains there: the sampler starts a new period after twice the snapshot interval
$standby->append_conf('postgresql.conf', 'infraguard.snapshot_interval = 1');
$standby->reload;
my $since = $standby->safe_psql('postgres', q{SELECT max(since) FROM infraguard.wait_events()});
ok($standby->poll_query_until('postgres', qq{
	SELECT coalesce((SELECT max(since) FROM infraguard.wait_events()), 'infinity') > '$since'
	    OR NOT EXISTS (SELECT FROM infraguard.wait_events() WHERE wait_event = 'PgSleep')}),
	'on the standby the sampler starts new periods itself');

$standby->stop;
$node->stop;
done_testing();
