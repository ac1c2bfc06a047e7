# pg_dump and restore keep what the DBA set: changed and added thresholds
# (and only those: the defaults come from CREATE EXTENSION), the backup
# registry and the alerts, with their sequences, so the restored database
# goes on without duplicate keys.  History is not dumped (README, "Backup and
# restore").  Both the custom format through pg_restore and a plain SQL
# script through psql are restored into a fresh cluster.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $conf = qq{
shared_preload_libraries = 'pg_stat_statements,infraguard'
infraguard.enabled = off
};
my $source = PostgreSQL::Test::Cluster->new('dump_source');
$source->init;
$source->append_conf('postgresql.conf', $conf);
$source->start;

$source->safe_psql('postgres', 'CREATE DATABASE app');
$source->safe_psql('app', q{
	CREATE EXTENSION infraguard;
	CREATE TABLE app_data (id int PRIMARY KEY);
	INSERT INTO app_data SELECT generate_series(1, 10);
	SELECT infraguard.set_threshold('cpu_percent', 60, 80);
	SELECT infraguard.disable_threshold('cache_hit_ratio');
	SELECT infraguard.set_threshold('connection_count', 0.0001, 99, hold => '0 s');
	SELECT infraguard.record_backup('pg_dump', 'nightly', now() - interval '2 hours', 12345, '/backups/n', true);
	SELECT infraguard.record_backup('pg_basebackup', 'weekly', now() - interval '1 day', 67890, '/backups/w', true);
	SELECT infraguard.take_snapshot();
});
# a threshold row the DBA added by hand is theirs as well
$source->safe_psql('app', q{
	INSERT INTO infraguard.thresholds (metric, warning, critical, direction, action)
	VALUES ('my_metric', 1, 2, 'above', 'my runbook')});

my $thresholds_sql = q{
	SELECT string_agg(format('%s|%s|%s|%s|%s|%s|%s', metric, warning, critical, direction,
							 enabled, action, customized), E'\n' ORDER BY metric)
	  FROM infraguard.thresholds};
my $registry_sql = q{
	SELECT string_agg(format('%s|%s|%s|%s|%s|%s', backup_id, kind, label, size_bytes, location, verified),
					  E'\n' ORDER BY backup_id)
	  FROM infraguard.backup_registry};
my $alerts_sql = q{
	SELECT string_agg(format('%s|%s|%s|%s', alert_id, metric, level, resolved_at IS NULL),
					  E'\n' ORDER BY alert_id)
	  FROM infraguard.alerts};
my $events_sql = q{
	SELECT string_agg(format('%s|%s|%s', alert_id, event, level), E'\n' ORDER BY alert_id, time)
	  FROM infraguard.alert_events};
my %expect = (
	count => $source->safe_psql('app', 'SELECT count(*) FROM infraguard.thresholds'),
	events => $source->safe_psql('app', $events_sql),
	thresholds => $source->safe_psql('app', $thresholds_sql),
	registry => $source->safe_psql('app', $registry_sql),
	alerts => $source->safe_psql('app', $alerts_sql));
like($expect{thresholds}, qr/^cpu_percent\|60\|80\|above\|t\|.*\|t$/m, 'a changed threshold is customized');
like($expect{thresholds}, qr/^xid_wraparound\|50\|75\|above\|t\|.*\|f$/m, 'a default threshold is not');
like($expect{alerts}, qr/connection_count\|\w+\|t/, 'an open alert to carry over');
like($expect{events}, qr/\|open\|/, 'with its opening event');

my $tempdir = PostgreSQL::Test::Utils::tempdir;
my $custom = "$tempdir/app.dump";
my $plain = "$tempdir/app.sql";
$source->command_ok([ 'pg_dump', '-Fc', '-d', $source->connstr('app'), '-f', $custom ],
	'pg_dump, custom format');
$source->command_ok([ 'pg_dump', '-d', $source->connstr('app'), '-f', $plain ],
	'pg_dump, plain SQL');

my $dump_text = slurp_file($plain);
unlike($dump_text, qr/^COPY infraguard\.(metric_history|snapshots)/m, 'history is not dumped');
like($dump_text, qr/^COPY infraguard\.thresholds /m, 'thresholds are dumped');
my ($seeded_in_dump) = $dump_text =~ /^COPY infraguard\.thresholds .*?\n(.*?)^\\\.$/ms;
unlike($seeded_in_dump // '', qr/^xid_wraparound\t/m, 'unchanged defaults are not dumped');

my $target = PostgreSQL::Test::Cluster->new('dump_target');
$target->init;
$target->append_conf('postgresql.conf', $conf);
$target->start;

$target->safe_psql('postgres', 'CREATE DATABASE from_custom');
$target->safe_psql('postgres', 'CREATE DATABASE from_plain');
my ($out, $err) = ('', '');
my $ok = IPC::Run::run([ 'pg_restore', '--exit-on-error', '-d', $target->connstr('from_custom'), $custom ],
	'>', \$out, '2>', \$err);
ok($ok, 'pg_restore exits without error');
is($err, '', 'pg_restore reports nothing');
$ok = IPC::Run::run([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $target->connstr('from_plain'), '-f', $plain ],
	'>', \$out, '2>', \$err);
ok($ok, 'the plain script restores with ON_ERROR_STOP');
is($err, '', 'psql reports no error (no duplicate key)');

# What a restored database must hold: the source's thresholds, registry,
# alerts and events, and it must go on working.
sub check_restored
{
	my ($db, $expect, $what) = @_;
	is($target->safe_psql($db, $thresholds_sql), $expect->{thresholds}, "$what: thresholds as the DBA set them");
	is($target->safe_psql($db, $registry_sql), $expect->{registry}, "$what: the backup registry");
	is($target->safe_psql($db, $alerts_sql), $expect->{alerts}, "$what: the alerts");
	is($target->safe_psql($db, $events_sql), $expect->{events}, "$what: the alerts' events");
	is($target->safe_psql($db, 'SELECT count(*) FROM infraguard.thresholds'),
		$expect->{count},
		"$what: no threshold twice, none missing");
	# the sequences came along: new rows do not collide
	my ($ret, $o, $e) = $target->psql($db, q{
		SELECT infraguard.record_backup('pg_dump', 'after restore', now(), 1, '/b', false)});
	is($ret, 0, "$what: a new backup is recorded after the restore") or diag($e);
	cmp_ok($o, '>', 2, "$what: its id follows the restored ones");
	($ret, $o, $e) = $target->psql($db, q{
		SELECT infraguard.set_threshold('connection_count', 80, 95);
		SELECT count(*) FROM infraguard.check_thresholds()});
	is($ret, 0, "$what: alerts go on after the restore") or diag($e);
	is($target->safe_psql($db, 'SELECT count(*) FROM app_data'), '10', "$what: the application's data");
}

check_restored($_, \%expect, $_) for ('from_custom', 'from_plain');

# Across majors (test/matrix.sh): the run on one major leaves its dumps and
# what they hold in IG_DUMP_EXPORT; the runs on newer majors restore them
# from IG_DUMP_IMPORT with their own pg_restore and psql.
if (my $dir = $ENV{IG_DUMP_EXPORT})
{
	PostgreSQL::Test::Utils::system_or_bail('cp', $custom, $plain, $dir);
	for my $k (keys %expect)
	{
		open my $fh, '>', "$dir/expect_$k.txt" or die "$dir/expect_$k.txt: $!";
		print $fh $expect{$k};
		close $fh;
	}
	open my $fh, '>', "$dir/major.txt" or die;
	print $fh $source->safe_psql('postgres', 'SHOW server_version_num');
	close $fh;
	# the other majors' roots have another postgres user id
	chmod 0644, glob("$dir/*");
	pass('dumps left for the other majors in IG_DUMP_EXPORT');
}
if ((my $dir = $ENV{IG_DUMP_IMPORT}) && -f "$ENV{IG_DUMP_IMPORT}/app.dump")
{
	my %old = map { $_ => slurp_file("$dir/expect_$_.txt") } keys %expect;
	my $from = slurp_file("$dir/major.txt");
	$target->safe_psql('postgres', 'CREATE DATABASE old_custom');
	$target->safe_psql('postgres', 'CREATE DATABASE old_plain');
	$ok = IPC::Run::run([ 'pg_restore', '--exit-on-error', '-d', $target->connstr('old_custom'), "$dir/app.dump" ],
		'>', \$out, '2>', \$err);
	ok($ok, "pg_restore of a dump from server $from");
	is($err, '', 'pg_restore reports nothing');
	$ok = IPC::Run::run([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $target->connstr('old_plain'), '-f', "$dir/app.sql" ],
		'>', \$out, '2>', \$err);
	ok($ok, "psql restores a plain dump from server $from");
	is($err, '', 'psql reports no error');
	check_restored('old_custom', \%old, "custom dump from $from");
	check_restored('old_plain', \%old, "plain dump from $from");
}

$source->stop;
$target->stop;
done_testing();
