# The Grafana dashboard's SQL works: every panel query of
# grafana/infraguard-dashboard.json, with its macros expanded exactly as
# Grafana's PostgreSQL datasource expands them for a fixed time range, runs
# as a role that is only a member of pg_monitor, against a history that has
# data for every panel, and returns what the panel needs (a "time" column,
# sorted, for a time series; rows for every panel).
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Spec;
use JSON::PP;
use POSIX qw(floor strftime);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use Time::Local qw(timegm);

# test/t/ -> the source tree (make installcheck runs prove from the top directory)
my $top = File::Spec->rel2abs(File::Spec->catdir(dirname(__FILE__), '..', '..'));
my $dashboard_file = "$top/grafana/infraguard-dashboard.json";
my $datasource_file = "$top/grafana/provisioning/datasources/infraguard.yaml";
my $provider_file = "$top/grafana/provisioning/dashboards/infraguard.yaml";

# ---------------------------------------------------------------------------
# Grafana's macro expansion, ported from its source so that the test runs the
# SQL Grafana would send (Grafana 11/12, PostgreSQL datasource, timescaledb
# off):
#   - grafana/grafana pkg/tsdb/grafana-postgresql-datasource/sqleng/sql_engine.go,
#     Interpolate(): the "global substitutions", in this order:
#       $__interval_ms    -> interval in milliseconds        (60000)
#       $__interval       -> gtime.FormatInterval(interval)  (1m)
#       $__unixEpochFrom() / $__unixEpochTo() -> Unix seconds
#   - grafana/grafana pkg/tsdb/grafana-postgresql-datasource/macros.go,
#     postgresMacroEngine.Interpolate()/evaluateMacro(): every match of
#     \$([_a-zA-Z0-9]+)\(([^\)]*)\), arguments split on "," and trimmed of
#     spaces, time.RFC3339Nano in UTC for timestamps:
#       $__time(c)             -> c AS "time"
#       $__timeEpoch(c)        -> extract(epoch from c) as "time"
#       $__timeFilter(c)       -> c BETWEEN '<from>' AND '<to>'
#       $__timeFrom()          -> '<from>'          $__timeTo() -> '<to>'
#       $__timeGroup(c,'5m'[,fill])      -> floor(extract(epoch from c)/300)*300
#         (followed directly by "," it becomes $__timeGroupAlias: pre-5.3 compat)
#       $__timeGroupAlias(c,'5m')        -> floor(extract(epoch from c)/300)*300 AS "time"
#       $__unixEpochFilter(c)            -> c >= <from s> AND c <= <to s>
#       $__unixEpochNanoFilter(c)        -> c >= <from ns> AND c <= <to ns>
#       $__unixEpochNanoFrom() / $__unixEpochNanoTo() -> ns
#       $__unixEpochGroup(c,'5m')        -> floor((c)/300)*300
#       $__unixEpochGroupAlias(c,'5m')   -> floor((c)/300)*300 AS "time"
#     any other name is an error ("unknown macro"), which fails the query.
#   - grafana/grafana-plugin-sdk-go backend/gtime/gtime.go: ParseInterval()
#     (Nd, Nw, NM, Ny, else Go's time.ParseDuration) and FormatInterval().
# The dashboard's template variable (datasource) is replaced first, as
# Grafana's frontend does; any variable left over fails the test.
# ---------------------------------------------------------------------------

# Go's time.ParseDuration (decimal numbers with ns/us/µs/ms/s/m/h), in seconds
sub go_parse_duration
{
	my ($s) = @_;
	my %unit = (ns => 1e-9, us => 1e-6, "\x{b5}s" => 1e-6, "\x{3bc}s" => 1e-6,
		ms => 1e-3, s => 1, m => 60, h => 3600);
	return 0 if $s eq '0';
	my $sign = ($s =~ s/^([-+])//) && $1 eq '-' ? -1 : 1;
	die "invalid duration \"$s\"\n" if $s eq '';
	my $total = 0;
	while ($s ne '')
	{
		$s =~ s/^([0-9]*(?:\.[0-9]*)?)(ns|us|\x{b5}s|\x{3bc}s|ms|s|m|h)//
		  or die "invalid duration \"$s\"\n";
		my ($n, $u) = ($1, $2);
		die "invalid duration \"$s\"\n" if $n eq '' || $n eq '.';
		$total += $n * $unit{$u};
	}
	return $sign * $total;
}

# gtime.ParseInterval, in seconds: calendar units relative to now (UTC)
sub grafana_parse_interval
{
	my ($s) = @_;
	if ($s =~ /^(\d+)([dwMy])$/)
	{
		my ($n, $p) = ($1, $2);
		return $n * 86400 if $p eq 'd';
		return $n * 7 * 86400 if $p eq 'w';
		my $now = int(time());
		my @t = gmtime($now);
		my ($y, $m) = ($t[5] + 1900, $t[4]);
		if ($p eq 'M') { $m += $n; $y += floor($m / 12); $m %= 12; }
		else { $y += $n; }
		# Go's AddDate normalises an overflowing day (Jan 31 + 1 month = Mar 3)
		my $then = timegm(0, 0, 0, 1, $m, $y) + ($t[3] - 1) * 86400
		  + $t[2] * 3600 + $t[1] * 60 + $t[0];
		return $then - $now;
	}
	return go_parse_duration($s);
}

# gtime.FormatInterval (truncating integer division, as Go's Duration does)
sub grafana_format_interval
{
	my ($ms) = @_;
	my @units = ([ 'y', 365 * 86400000 ], [ 'd', 86400000 ], [ 'h', 3600000 ],
		[ 'm', 60000 ], [ 's', 1000 ], [ 'ms', 1 ]);
	foreach my $u (@units)
	{
		return int($ms / $u->[1]) . $u->[0] if $ms >= $u->[1];
	}
	return '1ms';
}

# Go's fmt %v of a float64: strconv 'g' with the shortest exact digits,
# exponent form when the exponent is < -4 or >= 6 (e.g. 60, 0.5, 1e+06)
sub go_float_v
{
	my ($x) = @_;
	return '0' if $x == 0;
	my $e;
	for my $p (0 .. 16)
	{
		$e = sprintf('%.*e', $p, $x);
		last if $e + 0 == $x;
	}
	my ($mant, $exp) = $e =~ /^(-?[0-9.]+)e([-+][0-9]+)$/;
	$exp += 0;
	if ($exp < -4 || $exp >= 6)
	{
		return sprintf('%se%s%02d', $mant, $exp < 0 ? '-' : '+', abs($exp));
	}
	my $digits = ($mant =~ tr/0-9//) - 1;
	return sprintf('%.*f', ($digits - $exp > 0 ? $digits - $exp : 0), $x);
}

# time.RFC3339Nano in UTC ("2006-01-02T15:04:05.999999999Z07:00"): the
# fraction loses its trailing zeros, and its dot when it is zero
sub rfc3339nano
{
	my ($ms) = @_;
	my $s = strftime('%Y-%m-%dT%H:%M:%S', gmtime(floor($ms / 1000)));
	my $frac = sprintf('%03d', $ms % 1000);
	$frac =~ s/0+$//;
	return $s . ($frac eq '' ? '' : ".$frac") . 'Z';
}

# the SQL Grafana sends for a rawSql, or dies with Grafana's error
sub grafana_expand
{
	my ($sql, $r) = @_;

	# frontend: template variables ($var, ${var}, [[var]])
	# (a multi-value variable is an array: ${var:sqlstring} quotes each value
	# as an SQL string and joins them with commas, Grafana's "sqlstring" format)
	foreach my $var (keys %{ $r->{vars} })
	{
		my $v = $r->{vars}{$var};
		my @v = ref $v ? @$v : ($v);
		my $quoted = join(',', map { "'" . s/'/''/gr . "'" } @v);
		$sql =~ s/\$\{\Q$var\E:sqlstring\}/$quoted/g;
		my $plain = join(',', @v);
		$sql =~ s/\$\{\Q$var\E\}|\$\Q$var\E\b|\[\[\Q$var\E\]\]/$plain/g;
	}

	# backend, sqleng.Interpolate
	my $from_s = floor($r->{from_ms} / 1000);
	my $to_s = floor($r->{to_ms} / 1000);
	$sql =~ s/\$__interval_ms/$r->{interval_ms}/g;
	my $iv = grafana_format_interval($r->{interval_ms});
	$sql =~ s/\$__interval/$iv/g;
	$sql =~ s/\$__unixEpochFrom\(\)/$from_s/g;
	$sql =~ s/\$__unixEpochTo\(\)/$to_s/g;

	# backend, postgresMacroEngine.Interpolate
	my $from = rfc3339nano($r->{from_ms});
	my $to = rfc3339nano($r->{to_ms});
	my $from_ns = $r->{from_ms} * 1000000;
	my $to_ns = $r->{to_ms} * 1000000;
	my $original = $sql;
	my $group = sub {
		my ($name, @args) = @_;
		die "macro $name needs time column and interval and optional fill value\n"
		  if @args < 2;
		(my $ivs = $args[1]) =~ s/^'+|'+$//g;
		my $secs = eval { grafana_parse_interval($ivs) };
		die "error parsing interval $args[1]\n" unless defined $secs;
		if (@args == 3 && $args[2] ne 'NULL' && $args[2] ne 'previous')
		{
			die "error parsing fill value $args[2]\n"
			  unless $args[2] =~ /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
		}
		return go_float_v($secs);
	};
	my $evaluate;
	$evaluate = sub {
		my ($name, @args) = @_;
		my $need_col = sub {
			die "missing time column argument for macro $name\n"
			  if @args == 0 || $args[0] eq '';
		};
		if ($name eq '__time') { $need_col->(); return qq{$args[0] AS "time"}; }
		if ($name eq '__timeEpoch')
		{
			$need_col->();
			return qq{extract(epoch from $args[0]) as "time"};
		}
		if ($name eq '__timeFilter')
		{
			$need_col->();
			return "$args[0] BETWEEN '$from' AND '$to'";
		}
		return "'$from'" if $name eq '__timeFrom';
		return "'$to'" if $name eq '__timeTo';
		if ($name eq '__timeGroup')
		{
			my $s = $group->($name, @args);
			return "floor(extract(epoch from $args[0])/$s)*$s";
		}
		if ($name eq '__timeGroupAlias')
		{
			return $evaluate->('__timeGroup', @args) . ' AS "time"';
		}
		if ($name eq '__unixEpochFilter')
		{
			$need_col->();
			return "$args[0] >= $from_s AND $args[0] <= $to_s";
		}
		if ($name eq '__unixEpochNanoFilter')
		{
			$need_col->();
			return "$args[0] >= $from_ns AND $args[0] <= $to_ns";
		}
		return "$from_ns" if $name eq '__unixEpochNanoFrom';
		return "$to_ns" if $name eq '__unixEpochNanoTo';
		if ($name eq '__unixEpochGroup')
		{
			my $s = $group->($name, @args);
			return "floor(($args[0])/$s)*$s";
		}
		if ($name eq '__unixEpochGroupAlias')
		{
			return $evaluate->('__unixEpochGroup', @args) . ' AS "time"';
		}
		die "unknown macro \"$name\"\n";
	};
	$sql =~ s{\$([_a-zA-Z0-9]+)\(([^\)]*)\)}{
		my ($whole, $name, $argstr) = ($&, $1, $2);
		if ($name eq '__timeGroup')
		{
			my $at = index($original, $whole);
			$name = '__timeGroupAlias'
			  if $at >= 0 && substr($original, $at + length($whole), 1) eq ',';
		}
		my @args = map { s/^ +| +$//gr } split(/,/, $argstr, -1);
		@args = ('') unless @args;    # Go's strings.Split("") is [""]
		$evaluate->($name, @args);
	}ge;

	die "variable or macro left unexpanded: $1\n"
	  if $sql =~ /(\$(?:\{[^}]*\}|[A-Za-z_]\w*)|\[\[[^\]]*\]\])/;
	return $sql;
}

# ---------------------------------------------------------------------------
# The expansion itself, against the examples in Grafana's macros_test.go
# ---------------------------------------------------------------------------
{
	my $r = {
		from_ms => 1500376552001, to_ms => 1500376552002, interval_ms => 60000,
		vars => {} };
	is(grafana_expand('WHERE $__timeFilter(time_column)', $r),
		"WHERE time_column BETWEEN '2017-07-18T11:15:52.001Z' AND '2017-07-18T11:15:52.002Z'",
		'macro: $__timeFilter');
	is(grafana_expand('GROUP BY $__timeGroup(time_column,\'5m\')', $r),
		'GROUP BY floor(extract(epoch from time_column)/300)*300',
		'macro: $__timeGroup');
	is(grafana_expand('SELECT $__timeGroup(time_column,\'5m\'), x', $r),
		'SELECT floor(extract(epoch from time_column)/300)*300 AS "time", x',
		'macro: $__timeGroup followed by "," gets the alias (pre-5.3 compat)');
	is(grafana_expand('SELECT $__timeGroupAlias(time_column, $__interval)', $r),
		'SELECT floor(extract(epoch from time_column)/60)*60 AS "time"',
		'macro: $__timeGroupAlias with $__interval');
	is(grafana_expand('$__timeGroupAlias(t, 500ms) $__timeGroupAlias(t, 2w)', $r),
		'floor(extract(epoch from t)/0.5)*0.5 AS "time" floor(extract(epoch from t)/1.2096e+06)*1.2096e+06 AS "time"',
		'macro: interval seconds formatted like Go');
	is(grafana_expand('$__interval_ms $__interval $__unixEpochFrom() $__unixEpochTo()', $r),
		'60000 1m 1500376552 1500376552', 'global substitutions');
	is(grafana_expand('select $__timeFrom(), $__timeTo(), $__timeEpoch(t), $__time(t)', $r),
		"select '2017-07-18T11:15:52.001Z', '2017-07-18T11:15:52.002Z', extract(epoch from t) as \"time\", t AS \"time\"",
		'macro: $__timeFrom, $__timeTo, $__timeEpoch, $__time');
	is(grafana_expand('$__unixEpochGroupAlias(c, 1h) $__unixEpochNanoFilter(c)', $r),
		'floor((c)/3600)*3600 AS "time" c >= 1500376552001000000 AND c <= 1500376552002000000',
		'macro: $__unixEpochGroupAlias, $__unixEpochNanoFilter');
	is(rfc3339nano(1500376552000), '2017-07-18T11:15:52Z', 'RFC3339Nano drops a zero fraction');
	is(grafana_expand('IN (${m:sqlstring}) $m', { %$r, vars => { m => [ 'a', "o'k" ] } }),
		"IN ('a','o''k') a,o'k", 'variable: ${var:sqlstring} quotes each value');
	ok(!defined eval { grafana_expand('$__nosuchmacro(x)', $r) }, 'an unknown macro is an error');
	ok(!defined eval { grafana_expand('WHERE x = $novar', $r) }, 'an unknown variable is an error');
}

# ---------------------------------------------------------------------------
# The dashboard and provisioning files
# ---------------------------------------------------------------------------
ok(-f $dashboard_file, "dashboard file exists: $dashboard_file")
  or BAIL_OUT('no dashboard to test');
my $dashboard = JSON::PP->new->decode(slurp_file($dashboard_file));

# every panel, rows' nested panels included
my @panels;
my @todo = @{ $dashboard->{panels} || [] };
while (my $p = shift @todo)
{
	push @panels, $p;
	push @todo, @{ $p->{panels} || [] };
}
my @query_panels = grep { @{ $_->{targets} || [] } } @panels;
cmp_ok(scalar @query_panels, '>=', 10, 'dashboard has panels with queries');

my %ids;
$ids{ $_->{id} }++ foreach @panels;
is(scalar(grep { $ids{$_} > 1 } keys %ids), 0, 'panel ids are unique');

my ($ds_var) = grep { $_->{type} eq 'datasource' } @{ $dashboard->{templating}{list} };
ok($ds_var && $ds_var->{query} eq 'grafana-postgresql-datasource',
	'datasource template variable of type grafana-postgresql-datasource');
my $ds_var_name = $ds_var ? $ds_var->{name} : 'datasource';
my @bad_ds = map { $_->{title} }
  grep {
	my $p = $_;
	grep { ($_->{datasource} || $p->{datasource} || {})->{uid} ne "\${$ds_var_name}" }
	  @{ $p->{targets} }
  } @query_panels;
is_deeply(\@bad_ds, [], 'every query uses the datasource variable');

my @anno = grep { ($_->{datasource} || {})->{uid} && $_->{target} }
  @{ $dashboard->{annotations}{list} || [] };

# provisioning: the datasource's uid is the variable's default, the provider
# points at the directory of the dashboard through a documented variable
my $ds_yaml = slurp_file($datasource_file);
my ($ds_uid) = $ds_yaml =~ /^\s*uid:\s*["']?([\w-]+)/m;
ok(defined $ds_uid && $ds_var && $ds_var->{current}{value} eq $ds_uid,
	'provisioned datasource uid is the datasource variable\'s default');
like($ds_yaml, qr/^\s*type:\s*grafana-postgresql-datasource\s*$/m, 'provisioned datasource type');
like(slurp_file($provider_file), qr/^\s*path:\s*\S+/m, 'dashboard provider has a path');

# ---------------------------------------------------------------------------
# A cluster with a history that has data for every panel
# ---------------------------------------------------------------------------
my $node = PostgreSQL::Test::Cluster->new('grafana');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_stat_statements,infraguard'
infraguard.snapshot_interval = 1s
});
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION pg_stat_statements;
	CREATE EXTENSION infraguard;
	CREATE ROLE grafana LOGIN;
	GRANT pg_monitor TO grafana;
	-- an alert to show: any used disk space is over this warning level, and
	-- stays so (unlike a connection count, which the worker itself lowers)
	SELECT infraguard.set_threshold('storage_used_percent', 0.0001, 100, hold => '0');
	CREATE TABLE public.orders (id bigserial PRIMARY KEY, note text);
	INSERT INTO public.orders (note) SELECT repeat('x', 100) FROM generate_series(1, 2000);
});
is($node->safe_psql('postgres',
		"SELECT rolsuper OR rolcreaterole OR rolbypassrls FROM pg_roles WHERE rolname = 'grafana'"),
	'f', 'the grafana role is not privileged');
is($node->safe_psql('postgres', q{
	SELECT string_agg(b.rolname, ',') FROM pg_auth_members m
	  JOIN pg_roles r ON r.oid = m.member JOIN pg_roles b ON b.oid = m.roleid
	 WHERE r.rolname = 'grafana'}),
	'pg_monitor', 'the grafana role is only a member of pg_monitor');

# the worker's snapshots, some workload between manual snapshots
for my $i (1 .. 4)
{
	$node->safe_psql('postgres', qq{
		SELECT count(*) FROM public.orders WHERE id % 7 = $i;
		INSERT INTO public.orders (note) SELECT repeat('y', 200) FROM generate_series(1, 500);
		SELECT infraguard.take_snapshot();
	});
	sleep 1;
}

# A fresh cluster (seconds of history, growing): the capacity and growth
# panels give no date and no rate per day, and say why (0.1: days to the
# storage levels extrapolated from seconds)
{
	my ($capacity) = grep { ($_->{title} // '') eq 'Capacity forecast' } @query_panels;
	my ($growth) = grep { ($_->{title} // '') eq 'Table growth' } @query_panels;
	my $now_ms = int(time() * 1000);
	my %range = (from_ms => $now_ms - 6 * 3600 * 1000, to_ms => $now_ms, interval_ms => 20000,
		vars => { $ds_var_name => $ds_uid // 'infraguard' });
	for my $panel ($capacity, $growth)
	{
		my $title = $panel ? $panel->{title} : 'missing panel';
		my ($ret, $out, $err) = $panel
		  ? $node->psql('postgres', grafana_expand($panel->{targets}[0]{rawSql}, \%range),
			extra_params => [ '--csv', '-P', 'tuples_only=off', '-U', 'grafana' ])
		  : (1, '', 'no such panel');
		my @rows = parse_csv($out);
		my $cols = shift @rows;
		my %c;
		@c{ @{ $cols || [] } } = (0 .. $#{ $cols || [] });
		ok($ret == 0 && @rows >= 1, "fresh: panel \"$title\" has rows") or diag($err);
		if ($panel && $panel eq $capacity)
		{
			my @dated = grep { $_->[ $c{'days to warning'} ] ne '' || $_->[ $c{'days to critical'} ] ne '' } @rows;
			is(scalar @dated, 0, 'fresh: no "days to" in the capacity forecast');
			my @unexplained = grep { $_->[ $c{forecast} // 0 ] !~ /of history, need|samples?, need at least 6/ } @rows;
			is(scalar @unexplained, 0, 'fresh: every forecast says how much history it has')
			  or diag(join("\n", map { join(',', @$_) } @rows));
		}
		elsif ($panel)
		{
			my ($orders) = grep { $_->[ $c{table} ] eq 'orders' } @rows;
			ok($orders && $orders->[ $c{'growth per day'} ] eq '' && $orders->[ $c{growth} ] > 0
				  && $orders->[ $c{note} // 0 ] =~ /seconds? of history, need 6 hours: no rate per day/,
				'fresh: the table grew, with no rate per day, and the note says why')
			  or diag(join("\n", map { join(',', @$_) } @rows));
		}
	}
}

# older synthetic history, so that the last 6 hours have data for every
# panel, and a replication lag (no standby here)
$node->safe_psql('postgres', q{
	INSERT INTO infraguard.metric_history (taken_at, snapshot_id, metric, value)
	SELECT now() - i * interval '10 minutes', 0, m.metric, m.value + i
	  FROM generate_series(1, 35) i,
		   (VALUES ('connections:active', 1), ('connections:idle', 3),
				   ('connections:idle in transaction', 0), ('connection_count', 4),
				   ('latency_p50_ms', 0.2), ('latency_p95_ms', 3), ('latency_p99_ms', 12),
				   ('statements_per_second', 40), ('database_size_bytes:postgres', 7000000),
				   ('disk_used_pct:data:data_directory', 40), ('cpu_percent', 20),
				   ('memory_percent', 50), ('replication_lag', 2)) m(metric, value);
	-- pg_stat_database's counters as the snapshot records them per database
	-- (db_<counter>:<database>), 30 snapshots a second apart two hours ago,
	-- growing by a known step a second (a rate needs two adjacent snapshots)
	INSERT INTO infraguard.metric_history (taken_at, snapshot_id, metric, value)
	SELECT date_trunc('minute', now()) - interval '2 hours' + i * interval '1 second', 0,
		   'db_' || c.counter || ':postgres', c.base + i * c.step
	  FROM generate_series(1, 30) i,
		   (VALUES ('xact_commit', 1e6, 1), ('xact_rollback', 1e4, 0.5), ('tup_returned', 1e8, 100),
				   ('tup_fetched', 1e7, 10), ('blks_hit', 1e8, 100), ('blks_read', 1e6, 1),
				   ('temp_files', 100, 0), ('temp_bytes', 1e9, 10000), ('deadlocks', 3, 0),
				   ('conflicts', 0, 0)) c(counter, base, step);
	-- the snapshots of those times (the dashboard's time axis is the snapshots')
	INSERT INTO infraguard.snapshots (taken_at, source)
	SELECT DISTINCT taken_at, 'manual' FROM infraguard.metric_history WHERE snapshot_id = 0;
	INSERT INTO infraguard.table_history
		(taken_at, snapshot_id, relid, schema_name, table_name, total_bytes, table_bytes, index_bytes,
		 live_tuples, dead_tuples, inserts, updates, deletes, seq_scans, idx_scans)
	VALUES (now() - interval '5 hours', 0, 'public.orders'::regclass, 'public', 'orders',
			16384, 8192, 8192, 10, 0, 10, 0, 0, 1, 0);
});

ok($node->poll_query_until('postgres',
		"SELECT count(*) >= 3 FROM infraguard.snapshots WHERE source = 'worker'"),
	'fixture: the worker records snapshots');
ok($node->poll_query_until('postgres',
		"SELECT count(*) > 0 FROM infraguard.active_alerts WHERE metric = 'storage_used_percent'"),
	'fixture: an open alert');
ok($node->poll_query_until('postgres', q{
	SELECT count(*) > 0 FROM infraguard.statement_history h
	  JOIN infraguard.statement_texts t USING (dbid, queryid)}),
	'fixture: statement deltas with their texts');
ok($node->poll_query_until('postgres',
		"SELECT count(*) > 0 FROM infraguard.latency_history WHERE p95_ms IS NOT NULL AND time > now() - interval '1 minute'"),
	'fixture: recent latency percentiles');

# server log events and wait samples for the Log events and Wait profile
# panels: refused logins (a role that does not exist), counted against the
# server log; a session sleeping, which the sampler sees waiting (Timeout)
my $log_offset = -s $node->logfile;
for my $i (1 .. 3)
{
	my ($ret) = $node->psql('postgres', 'SELECT 1',
		connstr => $node->connstr('postgres') . ' user=no_such_role');
	isnt($ret, 0, "fixture: login $i as a role that does not exist is refused");
}
$node->safe_psql('postgres', 'SELECT pg_sleep(3)');
ok($node->poll_query_until('postgres', q{
	SELECT count(*) = 3 FROM infraguard.log_event_history
	 WHERE kind = 'auth_failure' AND username = 'no_such_role'}),
	'fixture: the three refused logins are recorded');
ok($node->poll_query_until('postgres', q{
	SELECT count(*) > 0 FROM infraguard.wait_profile_history
	 WHERE wait_event_type = 'Timeout' AND wait_event = 'PgSleep'}),
	'fixture: the sampler saw the sleeping session');
my $refused_in_log = () = slurp_file($node->logfile, $log_offset)
  =~ /FATAL:  role "no_such_role" does not exist/g;
is($refused_in_log, 3, 'the server log has the three refused logins');

# ---------------------------------------------------------------------------
# Every panel's queries as Grafana runs them, for the last 6 hours
# ---------------------------------------------------------------------------
my $to_ms = int(time() * 1000);
my $from_ms = $to_ms - 6 * 3600 * 1000;
my $connstr = $node->connstr('postgres') . ' user=grafana';
# the dashboard's variables: the datasource, and three recorded metrics for
# the "Any recorded metric" panel (a multi-value variable)
my %test_vars = ($ds_var_name => $ds_uid // 'infraguard',
	metric => [ 'cpu_percent', 'wal_bytes', 'connections:active' ]);

# RFC 4180 as psql --csv writes it: NULL is an empty unquoted field
sub parse_csv
{
	my ($text) = @_;
	my (@rows, @row);
	my $field = '';
	my $quoted = 0;
	my $i = 0;
	my $n = length($text);
	while ($i < $n)
	{
		my $c = substr($text, $i, 1);
		if ($c eq '"')
		{
			if ($quoted && substr($text, $i + 1, 1) eq '"') { $field .= '"'; $i++; }
			else { $quoted = !$quoted; $field = '' if !defined $field; }
		}
		elsif (!$quoted && $c eq ',') { push @row, $field; $field = ''; }
		elsif (!$quoted && $c eq "\n") { push @row, $field; push @rows, [@row]; @row = (); $field = ''; }
		else { $field .= $c; }
		$i++;
	}
	if ($field ne '' || @row) { push @row, $field; push @rows, [@row]; }
	return @rows;
}

# run one query as the grafana role; returns (error, [columns], [[row]...])
sub run_as_grafana
{
	my ($sql) = @_;
	my ($ret, $out, $err) = $node->psql('postgres', $sql,
		connstr => $connstr,
		extra_params => [ '--csv', '-P', 'tuples_only=off' ],
		timeout => $PostgreSQL::Test::Utils::timeout_default);
	return ("psql exit $ret: $err") if $ret != 0 || $err =~ /ERROR/;
	my @rows = parse_csv($out);
	my $cols = shift @rows;
	return ("no result set") unless $cols;
	return (undef, $cols, \@rows);
}

# check one target; returns a list of problems
sub check_target
{
	my ($title, $target, $panel_interval) = @_;
	my $format = $target->{format} // 'time_series';    # Grafana's default
	my $interval_ms = 20000;    # Grafana's choice for 6 hours on a wide panel
	if ($panel_interval)
	{
		my $min = int(grafana_parse_interval($panel_interval) * 1000);
		$interval_ms = $min if $min > $interval_ms;
	}
	my %r = (from_ms => $from_ms, to_ms => $to_ms, interval_ms => $interval_ms,
		vars => { %test_vars });
	my $sql = eval { grafana_expand($target->{rawSql} // '', \%r) };
	return ("macro expansion: $@") unless defined $sql;
	return ('empty rawSql') if $sql !~ /\S/;
	return ('not a raw SQL query (rawQuery/editorMode code)')
	  unless $target->{rawQuery} && ($target->{editorMode} // 'code') eq 'code';

	my ($error, $cols, $rows) = run_as_grafana($sql);
	return ("$error\n--- SQL sent:\n$sql") if $error;
	my @problems;
	push @problems, 'empty result, but the fixture has data for it' unless @$rows;

	my %col;
	@col{@$cols} = (0 .. $#$cols);
	if ($format eq 'time_series')
	{
		if (!exists $col{time})
		{
			push @problems, "time series without a \"time\" column (columns: @$cols)";
		}
		else
		{
			my $t = $col{time};
			my @times = map { $_->[$t] } @$rows;
			push @problems, 'NULL time' if grep { $_ eq '' } @times;
			my $numeric = !grep { !/^-?[0-9.]+(?:e[-+]?\d+)?$/i } @times;
			for my $k (1 .. $#times)
			{
				my $earlier = $numeric ? $times[$k] < $times[ $k - 1 ] : $times[$k] lt $times[ $k - 1 ];
				if ($earlier)
				{
					push @problems, "not sorted by time (row $k)";
					last;
				}
			}
			if ($numeric)
			{
				my @out = grep { $_ < $from_ms / 1000 - $interval_ms / 1000 || $_ > $to_ms / 1000 } @times;
				push @problems, "time outside the range: @out[0 .. ($#out < 2 ? $#out : 2)]" if @out;
			}
			# values are numbers; a text column other than "metric" would become a label
			foreach my $c (grep { $_ ne 'time' && $_ ne 'metric' } @$cols)
			{
				my @bad = grep { $_ ne '' && !/^-?(?:[0-9.]+(?:e[-+]?\d+)?|NaN|Infinity)$/i }
				  map { $_->[ $col{$c} ] } @$rows;
				push @problems, "column \"$c\" is not numeric (\"$bad[0]\")" if @bad;
			}
		}
	}
	elsif ($format ne 'table')
	{
		push @problems, "unknown format \"$format\"";
	}
	return @problems;
}

foreach my $panel (@query_panels)
{
	my $title = $panel->{title} // "panel $panel->{id}";
	my $is_series = $panel->{type} eq 'timeseries';
	my @problems;
	foreach my $target (@{ $panel->{targets} })
	{
		my $format = $target->{format} // 'time_series';
		push @problems, "$target->{refId}: format $format in a $panel->{type} panel"
		  if ($is_series && $format ne 'time_series')
		  || ($panel->{type} eq 'table' && $format ne 'table');
		push @problems, map { "$target->{refId}: $_" }
		  check_target($title, $target, $panel->{interval});
	}
	ok(!@problems, "panel \"$title\" ($panel->{type}): queries run as pg_monitor and return data")
	  or diag(join("\n", @problems));
}

foreach my $a (@anno)
{
	my @problems = check_target($a->{name}, $a->{target}, undef);
	# an annotation query is a table with time (and timeend), text and tags
	my ($error, $cols) = run_as_grafana(grafana_expand($a->{target}{rawSql},
			{ from_ms => $from_ms, to_ms => $to_ms, interval_ms => 20000,
			  vars => { %test_vars } }));
	push @problems, "annotation columns: @{ $cols || [] }"
	  unless $cols && grep({ $_ eq 'time' } @$cols) && grep({ $_ eq 'text' } @$cols);
	ok(!@problems, "annotation \"$a->{name}\": query runs as pg_monitor and returns alerts")
	  or diag(join("\n", @problems));
}

# ---------------------------------------------------------------------------
# The dashboard's variable queries run as pg_monitor, and "metric" lists
# every recorded name
# ---------------------------------------------------------------------------
foreach my $v (grep { $_->{type} eq 'query' } @{ $dashboard->{templating}{list} })
{
	my ($error, $cols, $rows) = run_as_grafana(grafana_expand($v->{query},
			{ from_ms => $from_ms, to_ms => $to_ms, interval_ms => 20000, vars => { %test_vars } }));
	my @got = map { $_->[0] } @{ $rows || [] };
	my @want = split /\n/, $node->safe_psql('postgres', qq{
		SELECT DISTINCT metric FROM infraguard.metric_history
		 WHERE taken_at BETWEEN to_timestamp($from_ms / 1000.0) AND to_timestamp($to_ms / 1000.0) ORDER BY 1});
	ok(!$error && "@got" eq "@want", "variable \"$v->{name}\": its query lists every recorded metric")
	  or diag($error // "got @got\nwant @want");
}

# ---------------------------------------------------------------------------
# Nothing drawn that is not there, and levels from infraguard.thresholds
# ---------------------------------------------------------------------------
my @series_panels = grep { $_->{type} eq 'timeseries' } @query_panels;
# a line across a NULL would join two points over time without data
my @spanning = map { $_->{title} } grep {
	my $c = $_->{fieldConfig}{defaults}{custom} || {};
	!defined $c->{spanNulls} || $c->{spanNulls} ne '0' || ($c->{insertNulls} // 0) ne '0'
} @series_panels;
is_deeply(\@spanning, [], 'no time series joins points across NULLs (spanNulls false)');
# levels come from the table, never from the JSON
my @hard_coded = map { $_->{title} } grep {
	my $f = $_->{fieldConfig};
	(grep { defined $_->{value} } @{ $f->{defaults}{thresholds}{steps} || [] })
	  || ($f->{defaults}{custom}{thresholdsStyle}{mode} // 'off') ne 'off'
} @series_panels;
is_deeply(\@hard_coded, [], 'no time series has a level written in the JSON');
# every time series reads the history through metric_series(), but for
# counts of recorded events (log events, wait samples): an interval without
# a row there had none recorded, which a bar left out says
my %event_panels = ('Log events' => 'log_event_history', 'Wait profile' => 'wait_profile_history');
my @raw_history = map { $_->{title} } grep {
	my $p = $_;
	grep {
		$_->{rawSql} !~ /infraguard\.metric_series\(/
		  && !($event_panels{ $p->{title} } && $_->{rawSql} =~ /infraguard\.\Q$event_panels{ $p->{title} }\E\b/)
	} @{ $p->{targets} }
} @series_panels;
is_deeply(\@raw_history, [], 'every time series reads infraguard.metric_series()');
# a panel of one check's own metric draws that check's levels
my %has_levels = map { $_ => 1 } split /\n/,
  $node->safe_psql('postgres', 'SELECT metric FROM infraguard.thresholds');
my @no_levels;
foreach my $p (@series_panels)
{
	foreach my $t (@{ $p->{targets} })
	{
		# (a panel of several checks, like Longest waits, leaves levels to the Health checks table)
		my @called = $t->{rawSql} =~ /metric_series\('([^']+)'/g;
		next unless @called == 1;
		my @single = grep { $has_levels{$_} } map { s/\\//gr } @called;
		push @no_levels, "$p->{title} ($_)"
		  foreach grep { my $m = $_; $t->{rawSql} !~ /levels_of => '\Q$m\E'/ } @single;
	}
}
is_deeply(\@no_levels, [], 'a panel of a single check\'s metric draws its levels (levels_of)');

my %range = (from_ms => $from_ms, to_ms => $to_ms, interval_ms => 20000, vars => { %test_vars });
sub panel_rows
{
	my ($title) = @_;
	my ($p) = grep { $_->{title} eq $title } @query_panels;
	return () unless $p;
	my ($error, $cols, $rows) = run_as_grafana(grafana_expand($p->{targets}[0]{rawSql}, \%range));
	die "panel \"$title\": $error" if $error;
	my %c;
	@c{@$cols} = (0 .. $#$cols);
	return map { { time => $_->[ $c{time} ], metric => $_->[ $c{metric} ], value => $_->[ $c{value} ] } } @$rows;
}

# connections: every state at every time, 0 rather than missing (the
# fixture's "idle in transaction" is recorded only in the synthetic hours;
# the worker's snapshots have no row for it)
{
	my @rows = panel_rows('Connections by state');
	my (%states, %per_time);
	foreach my $r (@rows) { $states{ $r->{metric} } = 1; $per_time{ $r->{time} }{ $r->{metric} } = $r->{value}; }
	my @incomplete = grep { scalar(keys %{ $per_time{$_} }) != scalar(keys %states) } sort keys %per_time;
	is_deeply(\@incomplete, [], 'Connections by state: every state has a row at every time (' . join(', ', sort keys %states) . ')');
	my $zeros = grep { defined $_->{value} && $_->{value} eq '0' && $_->{metric} eq 'idle in transaction' } @rows;
	cmp_ok($zeros, '>', 0, 'Connections by state: a state without sessions is drawn at 0');
	my $gaps = grep { $_->{value} eq '' } @rows;
	cmp_ok($gaps, '>', 0, 'Connections by state: NULL across the gaps between the fixture\'s snapshots');
}
# replication lag: not measured on the worker's snapshots (no standby), so
# NULL there, never 0
{
	my @rows = grep { $_->{metric} eq 'replication lag' } panel_rows('Replication lag');
	my $recent = $to_ms / 1000 - 120;
	my @invented = grep { $_->{time} > $recent && $_->{value} ne '' } @rows;
	is_deeply(\@invented, [], 'Replication lag: no value where none was measured (the last two minutes)');
	cmp_ok(scalar(grep { $_->{value} ne '' } @rows), '>', 0, 'Replication lag: the synthetic hours are drawn');
}
# the storage level the fixture set (0.0001 %) is the line drawn, and moves
{
	my @levels = grep { $_->{metric} eq 'warning level' } panel_rows('Disk used per file system');
	ok(@levels && !grep({ $_->{value} != 0.0001 } @levels),
		'Disk used per file system: the warning line is infraguard.thresholds\' 0.0001 %');
	$node->safe_psql('postgres', "SELECT infraguard.set_threshold('storage_used_percent', 42, 100, hold => '0')");
	@levels = grep { $_->{metric} eq 'warning level' } panel_rows('Disk used per file system');
	ok(@levels && !grep({ $_->{value} != 42 } @levels), 'set_threshold() moves the warning line to 42 %');
	$node->safe_psql('postgres', "SELECT infraguard.disable_threshold('storage_used_percent')");
	is(scalar(grep { $_->{metric} =~ /level$/ } panel_rows('Disk used per file system')), 0,
		'a disabled check draws no level line');
	$node->safe_psql('postgres', "SELECT infraguard.enable_threshold('storage_used_percent')");
}

# Log events: each bar counts the events logged in its interval: the refused
# logins add up to the server log's count (other kinds may be there too)
{
	my @rows = grep { $_->{metric} eq 'auth_failure' } panel_rows('Log events');
	my $sum = 0;
	$sum += $_->{value} foreach @rows;
	is($sum, $refused_in_log, "Log events: auth_failure bars add up to the server log's refused logins ($refused_in_log)");
	my @bad = grep { $_->{value} eq '' || $_->{value} <= 0 } panel_rows('Log events');
	is(scalar @bad, 0, 'Log events: no empty or zero bar (an interval without events has none)');
}
# Wait profile: per interval the shares of the wait event types add up to
# 100 %, and the sleeping session is there as Timeout
{
	my @rows = panel_rows('Wait profile');
	my %total;
	$total{ $_->{time} } += $_->{value} foreach grep { $_->{value} ne '' } @rows;
	my @off = grep { abs($total{$_} - 100) > 1e-6 } keys %total;
	ok(%total && !@off, 'Wait profile: the shares of every interval add up to 100 %')
	  or diag(join(' ', map { "$_=$total{$_}" } @off));
	ok((grep { $_->{metric} eq 'Timeout' && $_->{value} > 0 } @rows), 'Wait profile: the sleeping session is drawn as Timeout');
}

# counters become rates per second between adjacent snapshots (1 commit, 0.5
# rollback, 10 kB of temporary files a second), and none across the gaps
# around them
{
	# the synthetic hour only: the worker's own snapshots record the real
	# counters of database postgres too (the last minutes)
	my $synthetic_end = time() - 3600;
	my @tps = grep { $_->{time} < $synthetic_end } panel_rows('Transactions per second');
	my @commit = grep { $_->{metric} eq 'postgres commit' && $_->{value} ne '' } @tps;
	my @rollback = grep { $_->{metric} eq 'postgres rollback' && $_->{value} ne '' } @tps;
	ok(@commit && !grep({ abs($_->{value} - 1) > 1e-9 } @commit),
		'Transactions per second: 1 commit a second') or diag(join(' ', map { $_->{value} } @commit));
	ok(@rollback && !grep({ abs($_->{value} - 0.5) > 1e-9 } @rollback), 'Transactions per second: 0.5 rollback a second');
	my @temp = grep { $_->{metric} eq 'postgres' && $_->{value} ne '' && $_->{time} < $synthetic_end }
	  panel_rows('Temporary files written per second');
	ok(@temp && !grep({ abs($_->{value} - 10000) > 1e-6 } @temp), 'Temporary files written per second: 10 kB/s');
	cmp_ok(scalar(@commit), '<=', 2, 'Transactions per second: rates only in the minute or two of the adjacent snapshots');
	# the worker's own snapshots a second apart: WAL rates, never negative
	my @wal = grep { $_->{value} ne '' } panel_rows('WAL written per second');
	ok(@wal && !grep({ $_->{value} < 0 } @wal), 'WAL written per second: rates from the worker\'s snapshots, none negative');
}

# ---------------------------------------------------------------------------
# Every metric the worker records is reachable from the dashboard: named by a
# panel's metric_series() pattern or a string in its SQL, or listed here as
# drawn only by the "Any recorded metric" panel.  A new metric joins with a
# panel, or with one line in %generic_only (a LIKE pattern and why).
# ---------------------------------------------------------------------------
my %generic_only = (
	'cpu\_window\_seconds' => 'the window cpu_percent covers (the snapshot interval)',
	'query\_time\_p95' => 'the check behind the p95 line of Statement latency',
	'storage\_used\_percent' => 'the fullest file system of Disk used per file system',
	'disk\_used\_bytes:%' => 'used bytes per file system; Disk used per file system draws them as %',
	'disk\_total\_bytes:%' => 'file system sizes',
	'next\_xid' => 'the next transaction id; its rate is xid_forecast()\'s',
	'database\_deadlocks' => 'the check; "Temporary files, deadlocks and conflicts per second" draws db_deadlocks per database',
	'temp\_written\_mb' => 'the check; Temporary files written per second draws db_temp_bytes per database',
	'statements\_evicted' => 'the check (statements_saturation())',
	'pgss\_dealloc\_total' => 'the cumulative counter statements_evicted is the difference of',
);
{
	my ($generic) = grep { ($_->{targets}[0]{rawSql} // '') =~ /\$\{metric:sqlstring\}/ } @series_panels;
	ok($generic, 'the "Any recorded metric" panel exists');
	my @strings;
	foreach my $p (@query_panels)
	{
		push @strings, map { s/''/'/gr } $_->{rawSql} =~ /'((?:[^']|'')*)'/g foreach @{ $p->{targets} };
	}
	@strings = grep { /[a-z]/ && $_ ne '%' } @strings;
	push @strings, keys %generic_only;
	my $patterns = join(',', map { "'" . s/'/''/gr . "'" } @strings);
	my @unreachable = split /\n/, $node->safe_psql('postgres', qq{
		SELECT DISTINCT m.metric FROM infraguard.metric_history m
		 WHERE NOT EXISTS (SELECT 1 FROM unnest(ARRAY[$patterns]::text[]) p WHERE m.metric LIKE p)
		 ORDER BY 1});
	my $recorded = $node->safe_psql('postgres', 'SELECT count(DISTINCT metric) FROM infraguard.metric_history');
	cmp_ok($recorded, '>=', 20, "the fixture's history has the worker's metrics ($recorded names)");
	is_deeply(\@unreachable, [], 'every recorded metric is drawn by a panel or listed as generic-only');
}

# the README's panel query is a panel's query, which this test runs
{
	my @readme_sql = grep { /\$__/ } slurp_file("$top/grafana/README.md") =~ /```sql\n(.*?)\n```/sg;
	my %panel_sql = map { ($_->{rawSql} => 1) } map { @{ $_->{targets} } } @query_panels;
	cmp_ok(scalar @readme_sql, '>=', 1, 'grafana/README.md shows a panel query');
	is_deeply([ grep { !$panel_sql{$_} } @readme_sql ], [], 'every panel query in grafana/README.md is the dashboard\'s');
}

$node->stop;
done_testing();
