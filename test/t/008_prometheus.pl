# prometheus/queries.yaml with the real exporter: Debian's
# prometheus-postgres-exporter, connected as a role that is only a member of
# pg_monitor, bound to 127.0.0.1 on a free port, scraped over HTTP; the
# infraguard metrics appear with the values the SQL functions give.
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Spec;
use HTTP::Tiny;
use IPC::Run;
use POSIX ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

my $exporter_bin = $ENV{IG_PG_EXPORTER} // '/usr/bin/prometheus-postgres-exporter';
my $top = File::Spec->rel2abs(File::Spec->catdir(dirname(__FILE__), '..', '..'));
my $queries_file = "$top/prometheus/queries.yaml";

# Not a skip: a missing exporter is a broken test environment.
if (!-x $exporter_bin)
{
	fail("$exporter_bin is missing: install the Debian package prometheus-postgres-exporter "
		  . "(apt-get install prometheus-postgres-exporter)");
	done_testing();
	exit 1;
}
ok(-f $queries_file, "queries file exists: $queries_file");

my ($version_out, $help_out) = ('', '');
IPC::Run::run([ $exporter_bin, '--version' ], '>&', \$version_out, IPC::Run::timeout(30));
IPC::Run::run([ $exporter_bin, '--help' ], '>&', \$help_out, IPC::Run::timeout(30));
my ($version) = $version_out =~ /version\s+(\S+)/;
note("exporter: " . ($version // $version_out));
like($help_out, qr/--extend\.query-path/, 'the exporter has --extend.query-path');

my $node = PostgreSQL::Test::Cluster->new('prometheus');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_stat_statements,infraguard'
infraguard.snapshot_interval = 1s
log_line_prefix = '%p %d '
logging_collector = off
});
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION infraguard;
	CREATE ROLE prometheus LOGIN;
	GRANT pg_monitor TO prometheus;
	CREATE TABLE filler (payload text);
	CREATE DATABASE work;
	-- ground truth for the latency histogram: every statement of database
	-- work, timed by the server log
	ALTER DATABASE work SET log_min_duration_statement = 0;
	-- (with log_statement = all, the cluster's default here, a duration line
	-- would not repeat the statement)
	ALTER DATABASE work SET log_statement = none;
});

# A fresh install under its first load: the database and the data file
# system grow by a megabyte a second for a few seconds (under the 8 MB
# table_bloat judges: every check stays ok).  0.1 extrapolated that
# to hundreds of GB a day and an ETA of hours, and InfraguardDiskFullSoon
# fired on day one.
for my $i (1 .. 6)
{
	$node->safe_psql('postgres',
		"INSERT INTO filler SELECT repeat(md5(g::text), 32) FROM generate_series(1, 1000) g");
	sleep 1;
}
ok($node->poll_query_until('postgres', q{
	SELECT count(*) >= 6 FROM infraguard.metric_history WHERE metric = 'database_size_bytes:postgres'}),
	'fresh cluster: the worker recorded the growth');

# ---------------------------------------------------------------------------
# The exporter, loopback only, stopped however the test ends
# ---------------------------------------------------------------------------
my $port = PostgreSQL::Test::Cluster::get_free_port();
my $log = "$PostgreSQL::Test::Utils::tmp_check/prometheus_exporter.log";
my $dsn = sprintf('host=%s port=%d user=prometheus dbname=postgres sslmode=disable connect_timeout=10',
	$node->host, $node->port);
my $exporter_pid;
{
	local $ENV{DATA_SOURCE_NAME} = $dsn;
	$exporter_pid = fork();
	die "fork: $!" unless defined $exporter_pid;
	if ($exporter_pid == 0)
	{
		# the child must never run this script's END blocks (they would
		# stop the cluster): leave with _exit if anything goes wrong
		open(STDIN, '<', '/dev/null')
		  && open(STDOUT, '>', $log)
		  && open(STDERR, '>&', \*STDOUT)
		  && exec($exporter_bin, "--web.listen-address=127.0.0.1:$port",
			"--extend.query-path=$queries_file", '--log.level=info');
		print STDERR "cannot start $exporter_bin: $!\n";
		POSIX::_exit(127);
	}
}

sub exporter_alive
{
	return $exporter_pid && waitpid($exporter_pid, POSIX::WNOHANG()) == 0;
}

# SIGTERM, then SIGKILL after 10 s; true if it exited on SIGTERM
sub stop_exporter
{
	return 1 unless $exporter_pid;
	my $pid = $exporter_pid;
	$exporter_pid = undef;
	kill 'TERM', $pid;
	my $deadline = time() + 10;
	while (time() < $deadline)
	{
		return 1 if waitpid($pid, POSIX::WNOHANG()) != 0;
		usleep(100_000);
	}
	kill 'KILL', $pid;
	waitpid($pid, 0);
	return 0;
}

END
{
	local $?;
	stop_exporter();
}

# loopback only: never through a proxy from the environment
my $http = HTTP::Tiny->new(timeout => 10, proxy => undef, http_proxy => undef);
my $url = "http://127.0.0.1:$port/metrics";

# one scrape with infraguard's metrics, or undef
sub scrape
{
	my $deadline = time() + $PostgreSQL::Test::Utils::timeout_default;
	while (time() < $deadline)
	{
		my $res = $http->get($url);
		return $res->{content}
		  if $res->{success} && $res->{content} =~ /^infraguard_snapshot_last_timestamp_seconds/m;
		last unless exporter_alive();
		usleep(200_000);
	}
	return undef;
}

# samples: name => [ [ {labels}, value, 'labels as exported' ], ... ]
my (%samples, %type);
sub parse
{
	my ($text) = @_;
	%samples = ();
	%type = ();
	foreach my $line (split /\n/, $text)
	{
		if ($line =~ /^# TYPE (\S+) (\S+)/) { $type{$1} = $2; next; }
		next if $line =~ /^#/ || $line !~ /\S/;
		my ($name, $labels, $value) = $line =~ /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/
		  or next;
		my %l;
		while (($labels // '') =~ /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g) { $l{$1} = $2; }
		push @{ $samples{$name} }, [ \%l, $value, $labels // '' ];
	}
}

# the value of the one sample of a metric with these labels
sub sample
{
	my ($name, %want) = @_;
	my @m = grep {
		my $l = $_->[0];
		!grep { ($l->{$_} // '') ne $want{$_} } keys %want
	} @{ $samples{$name} || [] };
	return @m == 1 ? $m[0][1] : undef;
}

# ---------------------------------------------------------------------------
# The shipped alerting rules (prometheus/rules.yaml), evaluated by promtool
# over an hour of series holding what the exporter exported
# ---------------------------------------------------------------------------
my $rules_file = "$top/prometheus/rules.yaml";
my $promtool = $ENV{IG_PROMTOOL} // '/usr/bin/promtool';
ok(-x $promtool, "$promtool is installed (Debian package prometheus)")
  or diag('install the Debian package prometheus, which has promtool');
my ($check_out, $check_ok) = ('', 0);
$check_ok = IPC::Run::run([ $promtool, 'check', 'rules', $rules_file ], '>&', \$check_out,
	IPC::Run::timeout(60)) if -x $promtool;
ok($check_ok, 'promtool check rules: prometheus/rules.yaml is valid') or diag($check_out);
my @alert_names = slurp_file($rules_file) =~ /^\s*-\s*alert:\s*(\S+)/mg;
cmp_ok(scalar @alert_names, '>=', 5, "rules.yaml has its alerts (@alert_names)");

sub yaml_quote { my ($v) = @_; $v =~ s/'/''/g; return "'$v'"; }

# promtool test rules: $series is [ [ 'name{labels}', 'values' ], ... ],
# $expect is { alertname => [ { labels => {...}, annotations => {...} } ] }
# (an alert left out is expected not to fire); true when promtool agrees
my $promtool_case = 0;
sub promtool_test
{
	my ($what, $series, $expect) = @_;
	my $file = sprintf('%s/promtool_%d.yaml', $PostgreSQL::Test::Utils::tmp_check, ++$promtool_case);
	my $y = "rule_files:\n  - " . yaml_quote($rules_file) . "\nevaluation_interval: 1m\ntests:\n"
	  . "  - interval: 1m\n    input_series:\n";
	$y .= "      - series: " . yaml_quote($_->[0]) . "\n        values: " . yaml_quote($_->[1]) . "\n"
	  foreach @$series;
	$y .= "    alert_rule_test:\n";
	foreach my $name (@alert_names)
	{
		$y .= "      - eval_time: 60m\n        alertname: $name\n        exp_alerts:";
		my @exp = @{ $expect->{$name} || [] };
		$y .= " []\n" unless @exp;
		$y .= "\n" if @exp;
		foreach my $e (@exp)
		{
			$y .= "          - exp_labels:\n";
			$y .= "              $_: " . yaml_quote($e->{labels}{$_}) . "\n" foreach sort keys %{ $e->{labels} };
			$y .= "            exp_annotations:\n";
			$y .= "              $_: " . yaml_quote($e->{annotations}{$_}) . "\n"
			  foreach sort keys %{ $e->{annotations} };
		}
	}
	open(my $fh, '>', $file) or die "could not write $file: $!";
	print $fh $y;
	close($fh);
	my $out = '';
	my $ok = -x $promtool
	  && IPC::Run::run([ $promtool, 'test', 'rules', $file ], '>&', \$out, IPC::Run::timeout(120));
	ok($ok, "promtool: $what") or diag("$out\n--- $file:\n$y");
	return $ok;
}

# the scrape as input series, constant for an hour; the last snapshot's
# timestamp moves with the clock as the worker keeps recording (its lag kept);
# NaN samples are left out (no comparison is true of NaN: the same for a rule)
sub scraped_series
{
	my (%skip) = @_;
	my $scraped_at = time();
	my @series;
	foreach my $name (sort keys %samples)
	{
		foreach my $s (@{ $samples{$name} })
		{
			my ($labels, $value, $text) = @$s;
			next if $value =~ /nan/i;
			next if $skip{$name} && $skip{$name}->($labels, $value);
			my $values = $name eq 'infraguard_snapshot_last_timestamp_seconds'
			  ? sprintf('%.3f+60x60', $value - $scraped_at)
			  : "${value}x60";
			push @series, [ "$name\{$text\}", $values ];
		}
	}
	return \@series;
}

# ---------------------------------------------------------------------------
# A fresh install: no forecast ETA, and no alert from the shipped rules
# ---------------------------------------------------------------------------
my $body = scrape();
ok(defined $body, "exporter answers on $url with infraguard metrics")
  or diag("exporter log:\n" . (-f $log ? slurp_file($log) : '(none)'));
parse($body // '');

my @capacity = @{ $samples{infraguard_capacity_critical_eta_seconds} || [] };
cmp_ok(scalar @capacity, '>=', 2, 'fresh: capacity series for the database and the file systems');
is_deeply([ map { "$_->[0]{kind}:$_->[0]{name}" } grep { $_->[1] !~ /^NaN$/ }
			@{ $samples{infraguard_capacity_critical_eta_seconds} || [] },
			@{ $samples{infraguard_capacity_warning_eta_seconds} || [] } ],
	[], 'fresh: every capacity ETA is NaN');
is_deeply([ grep { $_->[1] ne '0' } @{ $samples{infraguard_capacity_trusted} || [] } ], [],
	'fresh: no forecast is trusted');
is(sample('infraguard_capacity_growth_bytes_per_second', kind => 'database', name => 'postgres'), 'NaN',
	'fresh: the database has no growth rate yet (0.1: megabytes a second)');
cmp_ok(sample('infraguard_capacity_history_seconds', kind => 'database', name => 'postgres') // 1e9, '<', 3600,
	'fresh: the history is seconds long');
is($node->safe_psql('postgres', q{
	SELECT count(*) FILTER (WHERE days_to_warning IS NULL AND days_to_critical IS NULL AND NOT trusted
							  AND note ~ '(of history, need 1.8 days|samples?, need at least 6)')
		   || '/' || count(*)
	  FROM infraguard.capacity_forecast('7 days')}),
	$node->safe_psql('postgres', q{SELECT count(*) || '/' || count(*) FROM infraguard.capacity_forecast('7 days')}),
	'fresh: capacity_forecast() gives no date, and says how much history it has');

# The host's own CPU, memory and disk are facts about this machine, which may
# be busy: a non-ok status of theirs is left out, and said so.
my %host_check = map { $_ => 1 } qw(cpu_percent memory_percent storage_used_percent);
my @host_skipped = map { $_->[0]{check} }
  grep { $host_check{ $_->[0]{check} } && $_->[1] ne '0' } @{ $samples{infraguard_health_status} || [] };
note("host checks not ok on this machine, left out: @host_skipped") if @host_skipped;
my @fresh_bad = map { "$_->[0]{check}=$_->[1]" }
  grep { !$host_check{ $_->[0]{check} } && $_->[1] ne '0' && $_->[1] ne '-1' }
  @{ $samples{infraguard_health_status} || [] };
is_deeply(\@fresh_bad, [], 'fresh: every check of infraguard is ok or unknown');
promtool_test('fresh install: none of the shipped rules fires within an hour',
	scraped_series(infraguard_health_status => sub { my ($l, $v) = @_; $host_check{ $l->{check} } && $v ne '0' }),
	{});

# InfraguardDiskFullSoon needs a trusted ETA: the same 3-day ETA fires when
# trusted and not when the forecast is not
my $fs = 'kind="filesystem",name="data:data_directory",server="db1:5432"';
promtool_test('a trusted 3-day ETA fires InfraguardDiskFullSoon after 30 minutes',
	[ [ "infraguard_capacity_critical_eta_seconds{$fs}", '259200x60' ],
	  [ "infraguard_capacity_trusted{$fs}", '1x60' ] ],
	{ InfraguardDiskFullSoon => [ {
		labels => { kind => 'filesystem', name => 'data:data_directory', server => 'db1:5432', severity => 'warning' },
		annotations => { summary => 'file system data:data_directory reaches the critical storage level within 7 days' } } ] });
promtool_test('an untrusted ETA does not fire InfraguardDiskFullSoon',
	[ [ "infraguard_capacity_critical_eta_seconds{$fs}", '259200x60' ],
	  [ "infraguard_capacity_trusted{$fs}", '0x60' ] ], {});

# ---------------------------------------------------------------------------
# A workload whose every statement the server log times: database work
# (the exporter and the worker never connect to it), statements over five
# octaves, one psql session sending each statement as its own Query message
# ---------------------------------------------------------------------------
my $log_offset = -s $node->logfile;
{
	my @stmts = ((map { 'SELECT 1;' } 1 .. 20), (map { 'SELECT pg_sleep(0.0005);' } 1 .. 20),
		(map { 'SELECT pg_sleep(0.002);' } 1 .. 15), (map { 'SELECT pg_sleep(0.008);' } 1 .. 10),
		(map { 'SELECT pg_sleep(0.03);' } 1 .. 5));
	$node->safe_psql('work', join("\n", @stmts));
}

# ---------------------------------------------------------------------------
# Forced levels: a warning and a critical, then everything the exporter says
# ---------------------------------------------------------------------------
$node->safe_psql('postgres', q{
	-- (hold 0: this test is about what the exporter says, not the alert model)
	-- a warning: any used disk space is over this level
	SELECT infraguard.set_threshold('storage_used_percent', 0.0001, 100, hold => '0');
	-- a critical: any used memory is over both levels
	SELECT infraguard.set_threshold('memory_percent', 0.0001, 0.0002, hold => '0');
	SELECT count(*) FROM pg_class;
});
# two refused logins, which log_event_totals() counts since server start
for my $i (1 .. 2)
{
	my ($ret) = $node->psql('postgres', 'SELECT 1', connstr => $node->connstr('postgres') . ' user=no_such_role');
	isnt($ret, 0, "login $i as a role that does not exist is refused");
}
ok($node->poll_query_until('postgres', q{
	SELECT count(*) = 2 FROM infraguard.active_alerts
	 WHERE (metric, level) IN (('storage_used_percent', 'warning'), ('memory_percent', 'critical'))}),
	'the worker opened the warning and the critical alert');
$body = scrape();
ok(defined $body, 'the exporter answers again');
parse($body // '');

# log events: a counter per kind, the refused logins as many as the whole
# server log since start has
{
	my $refused = () = slurp_file($node->logfile) =~ /FATAL:  (?:role "[^"]*" does not exist|password authentication failed)/g;
	is($refused, 2, 'the server log has the two refused logins');
	is(sample('infraguard_log_events_total', kind => 'auth_failure'), $refused,
		"infraguard_log_events_total{kind=\"auth_failure\"} = the server log's refused logins ($refused)");
	my %totals = map { split /\|/ } split /\n/, sql('SELECT kind, total FROM infraguard.log_event_totals()');
	cmp_ok(scalar @{ $samples{infraguard_log_events_total} || [] }, '==', scalar keys %totals, 'a series per kind of log_event_totals()');
}

# the critical check fires the shipped rule (the real series, alone)
my ($mem) = grep { $_->[0]{check} eq 'memory_percent' } @{ $samples{infraguard_health_status} || [] };
promtool_test('a critical check fires InfraguardCheckCritical after 5 minutes',
	[ [ "infraguard_health_status{" . ($mem ? $mem->[2] : '') . "}", ($mem ? $mem->[1] : 'NaN') . 'x60' ] ],
	{ InfraguardCheckCritical => [ {
		labels => { %{ $mem ? $mem->[0] : {} }, severity => 'critical' },
		annotations => { summary => 'infraguard check memory_percent is critical' } } ] });

sub sql { return $node->safe_psql('postgres', $_[0]); }

is(sample('pg_up'), '1', 'pg_up is 1');
is(sample('pg_exporter_last_scrape_error'), '0', 'the last scrape had no error');
my ($load_error) = map { $_->[1] } grep { ($_->[0]{filename} // '') eq $queries_file }
  @{ $samples{pg_exporter_user_queries_load_error} || [] };
is($load_error, '0', 'queries.yaml loaded without error');
my $exporter_log = -f $log ? slurp_file($log) : '';
# (0.11 logs a failed query at level info, and the scrape's failure at error)
unlike($exporter_log, qr/level=error|Error running query/, 'no query failed (exporter log)');

# every metric of queries.yaml appears, with its type
my %expect_type = (
	infraguard_health_status => 'gauge',
	(map { ("infraguard_health_$_" => 'gauge') }
	  qw(time_value_seconds time_warning_seconds time_critical_seconds
		 share_value_ratio share_warning_ratio share_critical_ratio
		 size_value_bytes size_warning_bytes size_critical_bytes
		 count_value count_warning count_critical)),
	infraguard_statement_latency_seconds => 'histogram',
	infraguard_statement_latency_max_seconds => 'gauge',
	infraguard_statement_counting_since_timestamp_seconds => 'gauge',
	infraguard_connections_client_backends => 'gauge', infraguard_connections_usable => 'gauge',
	infraguard_connections_used_ratio => 'gauge',
	infraguard_disk_total_bytes => 'gauge', infraguard_disk_used_bytes => 'gauge',
	infraguard_disk_free_bytes => 'gauge', infraguard_disk_used_ratio => 'gauge',
	infraguard_alerts_active => 'gauge',
	infraguard_snapshot_last_timestamp_seconds => 'gauge',
	infraguard_snapshot_last_duration_seconds => 'gauge',
	infraguard_capacity_growth_bytes_per_second => 'gauge',
	infraguard_capacity_warning_eta_seconds => 'gauge',
	infraguard_capacity_critical_eta_seconds => 'gauge',
	infraguard_capacity_trusted => 'gauge', infraguard_capacity_history_seconds => 'gauge',
	infraguard_capacity_fit_r2 => 'gauge',
	infraguard_log_events_total => 'counter');
# (a histogram's samples are <name>_bucket, _sum and _count)
my @missing = grep {
	my $n = $_;
	($type{$n} // '') ne $expect_type{$n}
	  || ($expect_type{$n} eq 'histogram' ? grep({ !$samples{"$n$_"} } qw(_bucket _sum _count)) : !$samples{$n})
} sort keys %expect_type;
is_deeply(\@missing, [], 'every infraguard metric is exported with its type');
my @unexpected = grep {
	/^infraguard_/ && !$expect_type{$_}
	  && !(/^(.*)_(?:bucket|sum|count)$/ && ($expect_type{$1} // '') eq 'histogram')
} sort keys %samples;
is_deeply(\@unexpected, [], 'no other infraguard metric');

# low-cardinality labels only (the exporter adds "server")
my %allowed = map { $_ => 1 } qw(server check level datname le kind name);
my %bad_labels;
foreach my $name (grep { /^infraguard_/ } keys %samples)
{
	$bad_labels{$_}++ foreach grep { !$allowed{$_} } map { keys %{ $_->[0] } } @{ $samples{$name} };
}
is_deeply([ sort keys %bad_labels ], [], 'labels are check, level, datname, le (histogram), kind, name');

# health: status codes and values
my %health = map { my ($c, $s, $v) = split /\|/; ($c => [ $s, $v ]) }
  split /\n/, sql('SELECT check_name, status, value FROM infraguard.health()');
is(sample('infraguard_health_status', check => 'storage_used_percent'), '1',
	'forced warning: infraguard_health_status{check="storage_used_percent"} is 1');
is(sample('infraguard_health_status', check => 'memory_percent'), '2',
	'forced critical: infraguard_health_status{check="memory_percent"} is 2');
is(sample('infraguard_health_status', check => 'replication_lag'), '-1',
	'no standby: infraguard_health_status{check="replication_lag"} is -1 (unknown)');
is(sample('infraguard_health_time_value_seconds', check => 'replication_lag'), 'NaN',
	'an unknown check\'s value is NaN');
is(sample('infraguard_health_status', check => 'xid_wraparound'), '0',
	'infraguard_health_status{check="xid_wraparound"} is 0 (ok)');
is(scalar @{ $samples{infraguard_health_status} || [] }, scalar keys %health,
	'one status series per check of health()');
my %code = (ok => 0, warning => 1, critical => 2, unknown => -1);
# (checks whose status cannot change between the scrape and this query)
my @status_mismatch = grep { (sample('infraguard_health_status', check => $_) // 'none') ne $code{ $health{$_}[0] } }
  qw(storage_used_percent memory_percent replication_lag xid_wraparound dead_tuple_ratio blocked_sessions);
is_deeply(\@status_mismatch, [], 'status of the stable checks matches health()');

# values and levels in base units, one family per dimension: every check of
# health() in exactly one family, with the value health() gives, converted
my %unit_family = ('%' => [ 'share', 'ratio', 0.01 ], s => [ 'time', 'seconds', 1 ],
	ms => [ 'time', 'seconds', 0.001 ], h => [ 'time', 'seconds', 3600 ],
	MB => [ 'size', 'bytes', 1048576 ], sessions => [ 'count', '', 1 ], failing => [ 'count', '', 1 ],
	xids => [ 'count', '', 1 ], 'per hour' => [ 'count', '', 1 ],

	evictions => [ 'count', '', 1 ], deadlocks => [ 'count', '', 1 ]);
my @health_rows = map { [ split /\|/ ] } split /\n/,
  sql("SELECT check_name, unit, coalesce(value::text, 'NaN'), coalesce(warning::text, 'NaN'), "
	  . "coalesce(critical::text, 'NaN') FROM infraguard.health()");
my (@unmapped, @family_mismatch);
foreach my $h (@health_rows)
{
	my ($check, $unit, $value, $warning, $critical) = @$h;
	my $f = $unit_family{$unit};
	if (!$f) { push @unmapped, "$check ($unit)"; next; }
	my ($dim, $base, $factor) = @$f;
	my $suffix = $base eq '' ? '' : "_$base";
	my %family_suffix = (time => '_seconds', share => '_ratio', size => '_bytes', count => '');
	my @families = grep { defined sample("infraguard_health_${_}_value$family_suffix{$_}", check => $check) }
	  qw(time share size count);
	push @family_mismatch, "$check: in families @families, expected $dim" unless "@families" eq $dim;
	foreach my $what ([ 'warning', $warning ], [ 'critical', $critical ])
	{
		my $got = sample("infraguard_health_${dim}_$what->[0]$suffix", check => $check) // 'none';
		push @family_mismatch, "$check $what->[0]: $got, health() $what->[1] $unit"
		  unless ($what->[1] eq 'NaN' && $got eq 'NaN')
		  || ($got ne 'none' && $got ne 'NaN' && abs($got - $what->[1] * $factor) <= 1e-9 * abs($what->[1] * $factor));
	}
}
is_deeply(\@unmapped, [], 'every unit of health() has a base-unit family');
is_deeply(\@family_mismatch, [], 'each check is in exactly the family of its unit, with its levels converted');
cmp_ok(abs(sample('infraguard_health_share_value_ratio', check => 'storage_used_percent') * 100
		- $health{storage_used_percent}[1]), '<=', 1,
	'infraguard_health_share_value_ratio{check="storage_used_percent"} is health()\'s % / 100');
is(sample('infraguard_health_share_warning_ratio', check => 'storage_used_percent'), '1e-06',
	'warning level in force (0.0001 %) exported as a ratio');
is(sample('infraguard_health_share_critical_ratio', check => 'memory_percent'), '2e-06',
	'critical level in force (0.0002 %) exported as a ratio');
is(sample('infraguard_health_time_warning_seconds', check => 'query_time_p95'), '1',
	'query_time_p95\'s 1000 ms warning level exported as 1 second');

# disk: bytes per file system, as disk_usage() reports them
my @disk = map { [ split /\|/ ] } split /\n/,
  sql('SELECT kind, name, total_bytes FROM infraguard.disk_usage() ORDER BY 1, 2');
cmp_ok(scalar @disk, '>=', 2, 'disk_usage() has the data directory and pg_wal');
foreach my $d (@disk)
{
	my ($kind, $name, $total) = @$d;
	my $t = sample('infraguard_disk_total_bytes', kind => $kind, name => $name);
	ok(defined $t && $t == $total,
		"infraguard_disk_total_bytes{kind=\"$kind\",name=\"$name\"} = disk_usage().total_bytes ($total)")
	  or diag("exported: " . ($t // 'nothing'));
	my $u = sample('infraguard_disk_used_bytes', kind => $kind, name => $name);
	my $f = sample('infraguard_disk_free_bytes', kind => $kind, name => $name);
	my $r = sample('infraguard_disk_used_ratio', kind => $kind, name => $name);
	ok(defined $u && defined $f && defined $r && $u > 0 && $f >= 0 && $u + $f <= $total
		  && $r > 0 && $r <= 1 && abs($r - $u / ($u + $f)) < 0.01,
		"used/free bytes and used ratio of $kind:$name are consistent");
}

# ---------------------------------------------------------------------------
# The latency histogram of database work against the server log and latency()
# ---------------------------------------------------------------------------
# durations (seconds) of work's statements, from the log
my @logged = sort { $a <=> $b } map { /^\d+ work LOG:  duration: ([0-9.]+) ms  statement: / ? $1 / 1000 : () }
  split /\n/, slurp_file($node->logfile, $log_offset);
cmp_ok(scalar @logged, '>=', 70, 'the log timed the workload (' . scalar(@logged) . ' statements)');

my @bk = sort { $a->[0] <=> $b->[0] }
  map { [ $_->[0]{le} eq '+Inf' ? 9**9**9 : $_->[0]{le}, $_->[1], $_->[2] ] }
  grep { ($_->[0]{datname} // '') eq 'work' } @{ $samples{infraguard_statement_latency_seconds_bucket} || [] };
my $count = sample('infraguard_statement_latency_seconds_count', datname => 'work');
my $sum = sample('infraguard_statement_latency_seconds_sum', datname => 'work');
is(scalar @bk, 31, 'database work: 30 bounds and +Inf');
is($count, scalar @logged, '_count is the number of statements the log timed');
is(sql("SELECT calls FROM infraguard.latency() WHERE dbname = 'work'"), $count, '_count is latency().calls');
is(@bk ? $bk[-1][1] : undef, $count, 'the +Inf bucket is _count');
my $log_sum = 0;
$log_sum += $_ foreach @logged;
cmp_ok(abs(($sum // 0) - $log_sum), '<=', 0.02 * $log_sum + 2e-6 * @logged,
	"_sum ($sum s) is the sum of the logged durations ($log_sum s) within 2 % + 2 us a statement");
my @le_vs_log;
for my $i (0 .. $#bk - 1)
{
	my ($le, $n) = @{ $bk[$i] };
	push @le_vs_log, "le=$le: not cumulative" if $i > 0 && $n < $bk[ $i - 1 ][1];
	my $below = grep { $_ <= $le } @logged;
	# the log and the hooks read the clock a microsecond or so apart
	my $near = grep { abs($_ - $le) <= 0.02 * $le + 2e-6 } @logged;
	push @le_vs_log, "le=$le: $n counted, $below logged ($near near the bound)" if abs($n - $below) > $near;
}
is_deeply(\@le_vs_log, [], 'every bucket counts the logged statements up to its bound');

# Prometheus' histogram_quantile (promql/quantile.go, bucketQuantile, as of
# 2.42): rank q * count, the first bucket whose cumulative count reaches it,
# linear interpolation inside it (from 0 for the first); a rank in +Inf gives
# the highest finite bound.  Returns (estimate, bucket start, bucket end).
sub histogram_quantile
{
	my ($q, @b) = @_;
	my $obs = $b[-1][1];
	return ('NaN') if !$obs || @b < 2;
	my $rank = $q * $obs;
	my $i = 0;
	$i++ while $i < $#b && $b[$i][1] < $rank;
	return ($b[-2][0], $b[-2][0], 9**9**9) if $i == $#b;
	my ($start, $end, $c) = (0, $b[$i][0], $b[$i][1]);
	if ($i > 0)
	{
		$start = $b[ $i - 1 ][0];
		$c -= $b[ $i - 1 ][1];
		$rank -= $b[ $i - 1 ][1];
	}
	return ($start + ($end - $start) * ($rank / $c), $start, $end);
}

my %lat;
@lat{qw(0.5 0.9 0.95 0.99)} = split /\|/,
  sql("SELECT p50_ms / 1000, p90_ms / 1000, p95_ms / 1000, p99_ms / 1000 FROM infraguard.latency() WHERE dbname = 'work'");
foreach my $q (qw(0.5 0.9 0.95 0.99))
{
	my ($est, $lo, $hi) = histogram_quantile($q, @bk);
	my $rank = POSIX::ceil($q * @logged - 1e-9);
	my $truth = $logged[ $rank - 1 ];
	# the bucket error: both in the same octave, so at most its width apart
	ok(defined $hi && $lo <= $lat{$q} && $lat{$q} <= $hi && abs($est - $lat{$q}) <= $hi - $lo,
		"histogram_quantile($q) = $est s, latency() $lat{$q} s: the same octave [$lo, $hi]");
	ok(defined $hi && $truth >= $lo - 0.02 * $lo - 2e-6 && $truth <= $hi + 0.02 * $hi + 2e-6,
		"histogram_quantile($q): the logged order statistic $truth s is in that octave too");
}
# Prometheus itself: the README's per-database p95 and statements-per-second
# queries, evaluated by promtool over ten minutes of series that grow by the
# scraped counts every minute (rate() over 5 minutes is count / 60 a second,
# and histogram_quantile() does not change when every bucket is scaled): its
# answer is the Perl port's on the scraped buckets
{
	my $est = (histogram_quantile(0.95, @bk))[0];
	my ($count_text) = map { $_->[2] } grep { ($_->[0]{datname} // '') eq 'work' }
	  @{ $samples{infraguard_statement_latency_seconds_count} || [] };
	my @series = map { [ "infraguard_statement_latency_seconds_bucket{$_->[2]}", "0+$_->[1]x10" ] } @bk;
	push @series, [ "infraguard_statement_latency_seconds_count{" . ($count_text // '') . "}", "0+${count}x10" ];
	my ($server) = map { $_->[0]{server} } @{ $samples{infraguard_statement_latency_seconds_count} || [] };
	my $file = "$PostgreSQL::Test::Utils::tmp_check/promtool_quantile.yaml";
	my $y = "rule_files: []\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n";
	$y .= "      - series: " . yaml_quote($_->[0]) . "\n        values: " . yaml_quote($_->[1]) . "\n" foreach @series;
	$y .= "    promql_expr_test:\n";
	# (promtool compares values exactly, and Prometheus divides the rates
	# where Perl divides the counts: 1 when they agree within 1e-9 relative)
	foreach my $e ([ 'histogram_quantile(0.95, sum by (server, datname, le) (rate(infraguard_statement_latency_seconds_bucket[5m])))', $est ],
		[ 'sum by (server, datname) (rate(infraguard_statement_latency_seconds_count[5m]))', $count / 60 ])
	{
		my $want = sprintf('%.17g', $e->[1]);
		$y .= "      - expr: " . yaml_quote("abs(($e->[0]) - $want) <= bool " . sprintf('%.17g', 1e-9 * $e->[1]))
		  . "\n        eval_time: 10m\n        exp_samples:\n          - labels: "
		  . yaml_quote("{datname=\"work\", server=\"$server\"}") . "\n            value: 1\n";
	}
	open(my $fh, '>', $file) or die "could not write $file: $!";
	print $fh $y;
	close($fh);
	my $out = '';
	my $ok = -x $promtool && IPC::Run::run([ $promtool, 'test', 'rules', $file ], '>&', \$out, IPC::Run::timeout(120));
	ok($ok, "promtool evaluates the README's histogram_quantile(0.95, ...) to the Perl port's $est s, and the rate of _count")
	  or diag("$out\n--- $file:\n$y");
}
cmp_ok(abs((sample('infraguard_statement_counting_since_timestamp_seconds', datname => 'postgres') // 0)
		- sql("SELECT extract(epoch FROM since) FROM infraguard.latency() WHERE dbname = 'postgres'")),
	'<', 0.01, 'the counting period starts when latency() says');
cmp_ok(abs((sample('infraguard_statement_latency_max_seconds', datname => 'work') // 0) - $logged[-1]),
	'<=', 0.02 * $logged[-1] + 2e-6, 'the longest statement is the longest logged');

# every PromQL query of prometheus/README.md parses: promtool check rules on
# a file recording each of them
{
	my @exprs;
	foreach my $block (slurp_file("$top/prometheus/README.md") =~ /```promql\n(.*?)```/sg)
	{
		my $cur = '';
		foreach my $line (split /\n/, $block)
		{
			next if $line =~ /^\s*#/ || $line !~ /\S/;
			# a line starting with spaces continues the previous expression
			if ($line =~ /^\s/ && $cur ne '') { $cur .= " $line"; next; }
			push @exprs, $cur if $cur ne '';
			$cur = $line;
		}
		push @exprs, $cur if $cur ne '';
	}
	cmp_ok(scalar @exprs, '>=', 6, 'prometheus/README.md has its PromQL examples (' . scalar(@exprs) . ')');
	my $file = "$PostgreSQL::Test::Utils::tmp_check/readme_promql.yaml";
	my $n = 0;
	my $y = "groups:\n  - name: readme\n    rules:\n";
	$y .= "      - record: readme:example_" . ++$n . "\n        expr: " . yaml_quote($_) . "\n" foreach @exprs;
	open(my $fh, '>', $file) or die "could not write $file: $!";
	print $fh $y;
	close($fh);
	my $out = '';
	my $ok = -x $promtool && IPC::Run::run([ $promtool, 'check', 'rules', $file ], '>&', \$out, IPC::Run::timeout(60));
	ok($ok, 'every PromQL example of prometheus/README.md parses (promtool check rules)') or diag("$out\n$y");
}

# ---------------------------------------------------------------------------
# promtool check metrics: infraguard's metrics follow the naming
# conventions, with no warning (the exporter's own pg_* metrics have
# warnings of their own, not ours: none may name an infraguard metric)
# ---------------------------------------------------------------------------
{
	my $ours = join('', map { "$_\n" } grep { /^(?:# (?:HELP|TYPE) )?infraguard_/ } split /\n/, $body // '');
	my ($out, $ok) = ('', 0);
	$ok = IPC::Run::run([ $promtool, 'check', 'metrics' ], '<', \$ours, '>&', \$out, IPC::Run::timeout(60))
	  if -x $promtool;
	ok($ok && $out !~ /\S/, 'promtool check metrics: no warning on the infraguard metrics') or diag($out);
	my $all = $body // '';
	my $all_out = '';
	IPC::Run::run([ $promtool, 'check', 'metrics' ], '<', \$all, '>&', \$all_out, IPC::Run::timeout(60))
	  if -x $promtool;
	unlike($all_out, qr/infraguard_/, 'promtool check metrics on the whole scrape names no infraguard metric');
	cmp_ok(length($ours), '>', 1000, 'the infraguard metrics were checked');
}

# connections
is(sample('infraguard_connections_usable'), sql('SELECT usable_connections FROM infraguard.connection_usage()'),
	'infraguard_connections_usable = connection_usage().usable_connections');
my $ratio = sample('infraguard_connections_used_ratio');
my $clients = sample('infraguard_connections_client_backends');
ok(defined $clients && $clients >= 1 && defined $ratio && $ratio > 0 && $ratio <= 1
	  && abs($ratio - $clients / sample('infraguard_connections_usable')) < 1e-9,
	'used ratio = client backends / usable connections (the exporter is a client)');

# alerts
is(sample('infraguard_alerts_active', check => 'storage_used_percent', level => 'warning'), '1',
	'infraguard_alerts_active{check="storage_used_percent",level="warning"} is 1');
is(sample('infraguard_alerts_active', check => 'memory_percent', level => 'critical'), '1',
	'infraguard_alerts_active{check="memory_percent",level="critical"} is 1');
is(sample('infraguard_alerts_active', check => 'memory_percent', level => 'warning'), '0',
	'no warning alert next to the critical one');
is(sample('infraguard_alerts_active', check => 'blocked_sessions', level => 'warning'), '0',
	'a check with no alert has a 0 series');

# history freshness and capacity
cmp_ok(abs(sample('infraguard_snapshot_last_timestamp_seconds') - time()), '<', 60,
	'the last snapshot is recent');
ok(defined sample('infraguard_capacity_growth_bytes_per_second', kind => 'database', name => 'postgres'),
	'capacity forecast of database postgres');

ok(stop_exporter(), 'exporter stopped on SIGTERM');
$node->stop;
done_testing();
