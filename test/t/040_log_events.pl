# Server log events as rows (issue 15, part 1), against the server log.
#
# Each kind is provoked for real: a deadlock, lock waits (log_lock_waits),
# temp files (log_temp_files = 0), statement_timeout cancels, checkpoints,
# refused password logins (scram-sha-256 for one role), too many
# connections.  For each kind, the rows of infraguard.log_events() must be
# exactly as many as the matching lines of the server log, the file the
# server itself wrote, before and after a snapshot moved them from memory to
# history.  On a hot standby, the events the standby logs are read from its
# memory and match its own log.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('log_events');
$node->init(allows_streaming => 1);
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pg_stat_statements,infraguard'
log_lock_waits = on
deadlock_timeout = '200ms'
log_temp_files = 0
log_checkpoints = on
max_connections = 12
superuser_reserved_connections = 0
autovacuum = off
# the test takes its snapshots itself
infraguard.enabled = off
});
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION infraguard;
	CREATE EXTENSION pg_stat_statements;
	CREATE TABLE t (id int PRIMARY KEY, v int);
	INSERT INTO t VALUES (1, 0), (2, 0);
	SET password_encryption = 'scram-sha-256';
	CREATE ROLE pwuser LOGIN PASSWORD 'right';
});
my $hba = $node->data_dir . '/pg_hba.conf';
my $old_hba = slurp_file($hba);
open my $fh, '>', $hba or die $!;
print $fh "local all pwuser scram-sha-256\n", $old_hba;
close $fh;
$node->reload;

# what the server log shows, counted per kind (the lines' own prefixes)
my %log_pattern = (
	deadlock => qr/ERROR:  deadlock detected/,
	lock_wait => qr/LOG:  process \d+ still waiting for /,
	temp_file => qr/LOG:  temporary file: path /,
	statement_timeout => qr/ERROR:  canceling statement due to statement timeout/,
	lock_timeout => qr/ERROR:  canceling statement due to lock timeout/,
	session_timeout => qr/FATAL:  terminating connection due to idle-in-transaction timeout/,
	checkpoint => qr/LOG:  (?:checkpoint|restartpoint) complete: /,
	auth_failure => qr/FATAL:  password authentication failed for user /,
	too_many_connections => qr/FATAL:  sorry, too many clients already/,
	autovacuum => qr/LOG:  automatic (?:aggressive )?vacuum (?:to prevent wraparound )?of table /,
	autoanalyze => qr/LOG:  automatic analyze of table /,
	recovery_conflict => qr/(?:ERROR|FATAL):  (?:canceling statement|terminating connection) due to conflict with recovery/,
);

sub log_counts
{
	my ($n) = @_;
	my %c = map { $_ => 0 } keys %log_pattern;
	foreach my $line (split /\n/, slurp_file($n->logfile))
	{
		foreach my $k (keys %log_pattern)
		{
			$c{$k}++ if $line =~ $log_pattern{$k};
		}
	}
	return \%c;
}

sub row_counts
{
	my ($n, $where) = @_;
	$where //= 'true';
	my %c = map { $_ => 0 } keys %log_pattern;
	foreach my $row (split /\n/, $n->safe_psql('postgres',
			"SELECT kind, count(*) FROM infraguard.log_events('-infinity') WHERE $where GROUP BY kind"))
	{
		my ($k, $v) = split /\|/, $row;
		$c{$k} = $v;
	}
	return \%c;
}

sub compare
{
	my ($n, $what) = @_;
	my $rows = row_counts($n);
	my $log = log_counts($n);
	foreach my $k (sort keys %log_pattern)
	{
		is($rows->{$k}, $log->{$k}, "$what: $k: $log->{$k} in the server log, as many rows");
	}
	return $log;
}

# a deadlock, with a lock wait logged before it
my $s1 = $node->background_psql('postgres');
my $s2 = $node->background_psql('postgres');
# (the victim's error must not end its psql)
$_->query_safe('\\set ON_ERROR_STOP off') foreach ($s1, $s2);
$s1->query_safe('BEGIN');
$s1->query_safe('UPDATE t SET v = 1 WHERE id = 1');
$s2->query_safe('BEGIN');
$s2->query_safe('UPDATE t SET v = 2 WHERE id = 2');
$s1->query_until(qr/waiting/, "\\echo waiting\nUPDATE t SET v = 1 WHERE id = 2;\n");
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'"),
	's1 waits for s2');
# past deadlock_timeout, s1 logs its wait; then s2 closes the cycle
ok($node->poll_query_until('postgres', "SELECT count(*) > 0 FROM infraguard.log_events('-infinity') WHERE kind = 'lock_wait'"),
	'the wait is an event as soon as it is logged');
$s2->query('UPDATE t SET v = 2 WHERE id = 1');
my $victim_err = $s2->{stderr};
# (the error may reach stderr after the query's end marker: read with the next query)
$s2->query('ROLLBACK');
$victim_err .= $s2->{stderr};
like($victim_err, qr/deadlock detected/, 's2 is chosen as the deadlock victim');
$s1->query('ROLLBACK');
$s1->quit;
$s2->quit;

# temp files, statement timeouts, checkpoints
$node->safe_psql('postgres', q{
	SET work_mem = '64kB';
	SELECT count(*) FROM (SELECT g FROM generate_series(1, 100000) g ORDER BY g DESC) s;
});
for (1 .. 2)
{
	my ($ret, $out, $err) = $node->psql('postgres', "SET statement_timeout = '100ms'; SELECT pg_sleep(10)");
	like($err, qr/statement timeout/, 'a statement is cancelled by statement_timeout');
}
$node->safe_psql('postgres', 'CHECKPOINT');

# lock_timeout: a row held by another transaction
my $holder = $node->background_psql('postgres');
$holder->query_safe('BEGIN');
$holder->query_safe('UPDATE t SET v = 3 WHERE id = 1');
{
	my ($ret, $out, $err) = $node->psql('postgres', "SET lock_timeout = '100ms'; UPDATE t SET v = 4 WHERE id = 1");
	like($err, qr/lock timeout/, 'a statement is cancelled by lock_timeout');
}
$holder->query_safe('ROLLBACK');
$holder->quit;

# idle_in_transaction_session_timeout: a session left idle in its transaction
my $idle = $node->background_psql('postgres', on_error_stop => 0);
$idle->query_safe("SET idle_in_transaction_session_timeout = '200ms'");
$idle->query_safe('BEGIN');
ok($node->poll_query_until('postgres',
		"SELECT count(*) > 0 FROM infraguard.log_events('-infinity') WHERE kind = 'session_timeout'"),
	'a session is ended by idle_in_transaction_session_timeout, an event');
eval { $idle->quit };

# refused logins: a wrong password three times
{
	local $ENV{PGPASSWORD} = 'wrong';
	for (1 .. 3)
	{
		my ($ret, $out, $err) = $node->psql('postgres', 'SELECT 1', extra_params => [ '-U', 'pwuser', '-w' ]);
		like($err, qr/password authentication failed/, 'a wrong password is refused');
	}
}
{
	local $ENV{PGPASSWORD} = 'right';
	is($node->safe_psql('postgres', 'SELECT current_user', extra_params => [ '-U', 'pwuser', '-w' ]),
		'pwuser', 'the right password logs in (and is no event)');
}

my $log = compare($node, 'in memory');
ok($log->{$_} > 0, "the test provoked at least one $_")
  foreach qw(deadlock lock_wait temp_file statement_timeout lock_timeout session_timeout checkpoint auth_failure);

# what is kept: tags, and an excerpt, never the statements
is($node->safe_psql('postgres', q{
	SELECT sqlstate || ' ' || level || ' ' || dbname || ' ' || (excerpt LIKE 'Process % waits for ShareLock on transaction %')
		   || ' ' || (excerpt LIKE '%UPDATE%')
	  FROM infraguard.log_events('-infinity') WHERE kind = 'deadlock'}),
	'40P01 ERROR postgres true false', 'a deadlock: SQLSTATE, level, database, the lock cycle without the statements');
# (a cancelled statement never reaches pg_stat_statements: the same one, completed)
$node->safe_psql('postgres', 'SELECT pg_sleep(0)');
is($node->safe_psql('postgres', q{
	SELECT count(*) FILTER (WHERE e.query_id = s.queryid) || ' of ' || count(*)
	  FROM infraguard.log_events('-infinity') e
	  LEFT JOIN pg_stat_statements s ON s.query = 'SELECT pg_sleep($1)'
	 WHERE e.kind = 'statement_timeout'}),
	'2 of 2', 'a cancelled statement carries its query id (pg_stat_statements\' queryid)');
is($node->safe_psql('postgres', q{SELECT username || ' ' || client_addr || ' ' || failures || ' ' || sqlstates::text FROM infraguard.auth_failures('-infinity')}),
	'pwuser [local] 3 {28P01}', 'refused logins by user and client address');
is($node->safe_psql('postgres', q{SELECT max(length(excerpt)) < 280 FROM infraguard.log_events('-infinity')}),
	't', 'excerpts stay under 280 bytes');

# the checks: one deadlock is a warning, three refused logins are fine
is($node->safe_psql('postgres', q{SELECT string_agg(check_name || ' ' || status || ' ' || value, ', ' ORDER BY check_name)
	  FROM infraguard.health() WHERE check_name IN ('deadlocks', 'auth_failures')}),
	'auth_failures ok 3, deadlocks warning 1', 'health: deadlocks warns at one, auth_failures counts three');

# a snapshot records them: the same counts, now from history, none twice
$node->safe_psql('postgres', 'SELECT infraguard.take_snapshot()');
is($node->safe_psql('postgres', q{SELECT count(*) FILTER (WHERE NOT recorded) FROM infraguard.log_events('-infinity')}),
	'0', 'after a snapshot every event is recorded in history');
compare($node, 'from history');
is($node->safe_psql('postgres', q{SELECT sum(total) = (SELECT count(*) FROM infraguard.log_event_history WHERE kind <> 'lost') FROM infraguard.log_event_totals()}),
	't', 'the totals since start equal the recorded rows');
is($node->safe_psql('postgres', q{SELECT infraguard_internal.drain_log_events()}), '0', 'a second drain records nothing twice');

# per interval: the counts add up to the same
is($node->safe_psql('postgres', q{SELECT sum(events) FROM infraguard.log_event_counts(now() - interval '1 day', '1 minute')}),
	$node->safe_psql('postgres', q{SELECT count(*) FROM infraguard.log_events(now() - interval '1 day') WHERE kind <> 'lost'}),
	'log_event_counts() adds up to log_events()');

# too many connections: fill every slot, then two more attempts
my @sessions;
push @sessions, $node->background_psql('postgres') for (1 .. 12);
for (1 .. 2)
{
	my ($ret, $out, $err) = $node->psql('postgres', 'SELECT 1');
	like($err, qr/too many clients/, 'a connection beyond max_connections is refused');
}
$_->quit foreach @sessions;
compare($node, 'with refused connections');

# autovacuum and autoanalyze reports (log_autovacuum_min_duration = 0):
# built at run time and logged as "%s", told apart by the analyze prefix
$node->safe_psql('postgres', q{
	CREATE TABLE churn (id int, v int);
	INSERT INTO churn SELECT g, 0 FROM generate_series(1, 2000) g;
	UPDATE churn SET v = 1;
	ALTER SYSTEM SET autovacuum = on;
	ALTER SYSTEM SET autovacuum_naptime = '1s';
	ALTER SYSTEM SET log_autovacuum_min_duration = 0;
	SELECT pg_reload_conf();
});
ok($node->poll_query_until('postgres',
		"SELECT autovacuum_count > 0 AND autoanalyze_count > 0 FROM pg_stat_user_tables WHERE relname = 'churn'"),
	'autovacuum vacuums and analyzes the table');
$node->safe_psql('postgres', q{ALTER SYSTEM SET autovacuum = off; SELECT pg_reload_conf();});
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"),
	'autovacuum is off again, no worker left');
# the launcher may not have read the reload yet: past two of its naps, still none
sleep 3;
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"),
	'and none started since');
$log = compare($node, 'with autovacuum');
ok($log->{autovacuum} > 0 && $log->{autoanalyze} > 0, 'the log has both autovacuum and autoanalyze reports');
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM infraguard.log_events('-infinity')
	 WHERE kind = 'autovacuum' AND excerpt LIKE 'automatic vacuum of table "postgres.public.churn": %'}),
	'1', 'the excerpt names the table vacuumed');
like($node->safe_psql('postgres', q{
	SELECT excerpt FROM infraguard.log_events('-infinity')
	 WHERE kind = 'autovacuum' AND excerpt LIKE 'automatic vacuum of table "postgres.public.churn": %'}),
	qr/tuples: \d+ removed, \d+ remain, \d+ are dead but not yet removable/,
	'and, on one line, its tuples: removed, remaining, dead but not yet removable');

# a hot standby: its own events, read from its memory
$node->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('log_events_standby');
$standby->init_from_backup($node, 'b', has_streaming => 1);
$standby->append_conf('postgresql.conf', "log_temp_files = 0\nmax_standby_streaming_delay = 0\nhot_standby_feedback = off\n");
$standby->start;
$node->wait_for_catchup($standby, 'replay', $node->lsn('insert'));
my ($ret, $out, $err) = $standby->psql('postgres', "SET statement_timeout = '100ms'; SELECT pg_sleep(10)");
like($err, qr/statement timeout/, 'on the standby: a statement_timeout cancel');
$standby->safe_psql('postgres', q{
	SET work_mem = '64kB';
	SELECT count(*) FROM (SELECT g FROM generate_series(1, 100000) g ORDER BY g DESC) s;
});
is($standby->safe_psql('postgres', q{SELECT count(*) FROM infraguard.log_events('-infinity') WHERE NOT recorded AND kind = 'statement_timeout'}),
	'1', 'on the standby: its own cancel, from memory');
my $standby_log = log_counts($standby);
is($standby->safe_psql('postgres', q{SELECT count(*) FROM infraguard.log_events('-infinity') WHERE NOT recorded AND kind = 'temp_file'}),
	$standby_log->{temp_file}, "on the standby: its temp files ($standby_log->{temp_file}), as in its log");
# a recovery conflict: a snapshot on the standby needs rows the primary's VACUUM removes
my $reader = $standby->background_psql('postgres', on_error_stop => 0);
$reader->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
$reader->query_safe('SELECT count(*) FROM t');
$node->safe_psql('postgres', 'DELETE FROM t; VACUUM t');
$node->wait_for_catchup($standby, 'replay', $node->lsn('insert'));
ok($standby->poll_query_until('postgres',
		"SELECT count(*) > 0 FROM infraguard.log_events('-infinity') WHERE kind = 'recovery_conflict'"),
	'on the standby: replay cancelled the reader, an event');
eval { $reader->quit };
$standby_log = log_counts($standby);
# (its own events are the ones in its memory; recorded ones are the primary's)
my $standby_rows = row_counts($standby, 'NOT recorded');
is($standby_rows->{$_}, $standby_log->{$_}, "on the standby: $_: $standby_log->{$_} in its log, as many rows")
  foreach sort keys %log_pattern;
is($standby->safe_psql('postgres', q{SELECT count(*) FROM infraguard.log_events('-infinity') WHERE recorded}),
	$node->safe_psql('postgres', q{SELECT count(*) FROM infraguard.log_event_history}),
	'on the standby, recorded rows are the primary\'s history, replicated');
is($standby->safe_psql('postgres', q{SELECT infraguard_internal.drain_log_events()}), '0', 'on the standby, nothing is written');
$standby->stop;

# a ring too small for what is logged between two snapshots: the overwritten
# events are counted as lost, the totals stay exact
my $small = PostgreSQL::Test::Cluster->new('log_events_small');
$small->init;
$small->append_conf('postgresql.conf', q{
shared_preload_libraries = 'infraguard'
infraguard.log_events_max = 16
infraguard.enabled = off
log_temp_files = 0
});
$small->start;
$small->safe_psql('postgres', 'CREATE EXTENSION infraguard');
$small->safe_psql('postgres', q{
	SET work_mem = '64kB';
	SELECT count(*) FROM (SELECT g FROM generate_series(1, 100000) g ORDER BY g DESC) s;
}) for (1 .. 15);
my $small_log = log_counts($small);
ok($small_log->{temp_file} > 16, "more temp files ($small_log->{temp_file}) than the ring holds (16)");
is($small->safe_psql('postgres', q{SELECT total FROM infraguard.log_event_totals() WHERE kind = 'temp_file'}),
	$small_log->{temp_file}, 'log_event_totals() still counts every one');
$small->safe_psql('postgres', 'SELECT infraguard.take_snapshot()');
my ($lost, $kept_rows, $all) = split /\|/, $small->safe_psql('postgres', q{
	SELECT (SELECT substring(excerpt FROM '^(\d+) events overwritten')::int FROM infraguard.log_event_history WHERE kind = 'lost'),
		   (SELECT count(*) FROM infraguard.log_event_history WHERE kind <> 'lost'),
		   (SELECT sum(total) FROM infraguard.log_event_totals())});
is($kept_rows, '16', 'the snapshot records the 16 events still in memory');
is($lost + $kept_rows, $all, "and one 'lost' row counts the $lost overwritten: together every event logged");
$small->stop;

done_testing();
