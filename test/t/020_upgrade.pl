# Upgrade in place: a database on 0.1 (the frozen install script), with
# history, thresholds, alerts and backups in it, keeps working with the new
# library until ALTER EXTENSION UPDATE, loses nothing in the update, and ends
# with exactly the catalog of a fresh install (every function definition,
# view, table, column, constraint, index, trigger, grant, comment and pg_dump
# mark compared).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_stat_statements,infraguard'
infraguard.snapshot_interval = '1s'
});
$node->start;

# the worker's database holds the old catalog; another gets a fresh install
my $old = 'postgres';
$node->safe_psql('postgres', 'CREATE DATABASE fresh');

# --- a 0.1 catalog, in use -----------------------------------------------
$node->safe_psql($old, q{
	CREATE EXTENSION pg_stat_statements;
	CREATE EXTENSION infraguard VERSION '0.1';
});
is($node->safe_psql($old, "SELECT extversion FROM pg_extension WHERE extname = 'infraguard'"),
	'0.1', 'the frozen 0.1 script installs');

# the worker refuses the old catalog, with the command that fixes it
ok( $node->wait_for_log(
		qr/extension "infraguard" is at version 0\.1 but the library is 0\.2.*\n.*HINT:  Run ALTER EXTENSION infraguard UPDATE; in database "postgres"/,
		0),
	'the worker refuses a 0.1 catalog and says how to update it');

# the new library serves the 0.1 catalog's functions
for my $call (
	'SELECT count(*) > 0 FROM infraguard.health()',
	'SELECT count(*) >= 0 FROM infraguard.latency()',
	'SELECT count(*) >= 0 FROM infraguard.latency_histogram()',
	'SELECT count(*) > 0 FROM infraguard.latency_buckets()',
	'SELECT count(*) > 0 FROM infraguard.disk_usage()',
	'SELECT count(*) > 0 FROM infraguard.system_stats()',
	'SELECT count(*) > 0 FROM infraguard.table_health() WHERE true OR true',
	'SELECT infraguard.take_snapshot() > 0')
{
	my ($ret, $out, $err) = $node->psql($old, $call);
	is($ret, 0, "0.1 catalog, new library: $call") or diag($err);
}

# history, thresholds the DBA changed, an open alert, backups
$node->safe_psql($old, q{
	SELECT infraguard.set_threshold('cpu_percent', 60, 80);
	SELECT infraguard.disable_threshold('cache_hit_ratio');
	SELECT infraguard.set_threshold('connection_count', 0.0001, 99);
	SELECT infraguard.take_snapshot();
	SELECT infraguard.record_backup('pg_dump', 'nightly', now() - interval '2 hours', 12345, '/backups/n', true);
	SELECT infraguard.record_backup('pg_basebackup', 'weekly', now() - interval '1 day', 67890, '/backups/w', true);
});
my $count_rows = q{
	SELECT string_agg(format('%s=%s', t, n), ' ' ORDER BY t) FROM (
		SELECT 'snapshots' AS t, count(*) AS n FROM infraguard.snapshots
		UNION ALL SELECT 'metric_history', count(*) FROM infraguard.metric_history
		UNION ALL SELECT 'latency_snapshots', count(*) FROM infraguard.latency_snapshots
		UNION ALL SELECT 'table_history', count(*) FROM infraguard.table_history
		UNION ALL SELECT 'index_history', count(*) FROM infraguard.index_history
		UNION ALL SELECT 'statement_history', count(*) FROM infraguard.statement_history
		UNION ALL SELECT 'alerts', count(*) FROM infraguard.alerts
		UNION ALL SELECT 'backups', count(*) FROM infraguard.backup_registry) c};
my $before = $node->safe_psql($old, $count_rows);
like($before, qr/alerts=[1-9].*backups=2.*metric_history=[1-9]\d*.*snapshots=[2-9]/s,
	"the 0.1 database has history, alerts and backups ($before)");
my $thresholds_sql =
  q{SELECT string_agg(format('%s %s %s %s', metric, warning, critical, enabled), ', ' ORDER BY metric)
	  FROM infraguard.thresholds};
my $thresholds_before = $node->safe_psql($old, $thresholds_sql);
# 0.2 seeds new checks of its own; the rows that existed must be unchanged
my $metrics_before = $node->safe_psql($old, q{SELECT string_agg(quote_literal(metric), ',') FROM infraguard.thresholds});
$thresholds_sql =~ s/FROM infraguard\.thresholds/FROM infraguard.thresholds WHERE metric IN ($metrics_before)/;

# --- the update ------------------------------------------------------------
$node->safe_psql($old, 'ALTER EXTENSION infraguard UPDATE');
is($node->safe_psql($old, "SELECT extversion FROM pg_extension WHERE extname = 'infraguard'"),
	'0.2', 'ALTER EXTENSION UPDATE reaches 0.2');
# the worker may add snapshots from now on: every count may only grow
my %was = map { split /=/ } split / /, $before;
my %now = map { split /=/ } split / /, $node->safe_psql($old, $count_rows);
is(join(' ', grep { $now{$_} < $was{$_} } sort keys %was), '',
	'no history, alert or backup row lost');
is($node->safe_psql($old, $thresholds_sql), $thresholds_before,
	'thresholds as the DBA left them');
is( $node->safe_psql($old,
		"SELECT string_agg(metric, ',' ORDER BY metric) FROM infraguard.thresholds WHERE customized"),
	'cache_hit_ratio,connection_count,cpu_percent',
	'the rows the DBA changed on 0.1 are marked as the DBA\'s');
ok( $node->wait_for_log(qr/found extension "infraguard" in database "postgres"; resuming/, 0),
	'the worker resumes on the updated catalog');

# --- catalog: updated == fresh ----------------------------------------------
$node->safe_psql('fresh', 'CREATE EXTENSION infraguard');

# Every member object of the extension, described by what defines it (never
# by OIDs or data).
my $describe = q{
WITH ext AS (SELECT oid, extconfig, extcondition FROM pg_extension WHERE extname = 'infraguard'),
members AS (
	SELECT d.classid, d.objid FROM pg_depend d, ext
	 WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'),
rels AS (SELECT c.* FROM pg_class c JOIN members m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid)
SELECT line FROM (
	SELECT 'function ' || pg_get_functiondef(p.oid) || ' acl=' || coalesce(p.proacl::text, '-')
		   || ' comment=' || coalesce(obj_description(p.oid, 'pg_proc'), '-') AS line
	  FROM pg_proc p JOIN members m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
	UNION ALL
	SELECT format('relation %s kind=%s persistence=%s options=%s acl=%s comment=%s',
				  c.oid::regclass, c.relkind, c.relpersistence, c.reloptions, c.relacl,
				  obj_description(c.oid, 'pg_class'))
	  FROM rels c
	UNION ALL
	SELECT format('column %s.%s #%s %s notnull=%s default=%s identity=%s generated=%s collation=%s acl=%s comment=%s',
				  c.oid::regclass, a.attname, a.attnum, format_type(a.atttypid, a.atttypmod),
				  a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated,
				  a.attcollation::regcollation, a.attacl, col_description(c.oid, a.attnum))
	  FROM rels c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
	  LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
	 WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')
	UNION ALL
	SELECT format('view %s %s', c.oid::regclass, pg_get_viewdef(c.oid)) FROM rels c WHERE c.relkind IN ('v', 'm')
	UNION ALL
	SELECT format('index %s', pg_get_indexdef(i.indexrelid))
	  FROM pg_index i JOIN rels c ON c.oid = i.indrelid
	UNION ALL
	SELECT format('constraint %s %s %s', co.conrelid::regclass, co.conname, pg_get_constraintdef(co.oid))
	  FROM pg_constraint co JOIN rels c ON c.oid = co.conrelid
	UNION ALL
	SELECT format('trigger %s enabled=%s', pg_get_triggerdef(t.oid), t.tgenabled)
	  FROM pg_trigger t JOIN rels c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal
	UNION ALL
	SELECT format('sequence %s %s %s %s %s %s', s.seqrelid::regclass, s.seqtypid::regtype, s.seqstart,
				  s.seqincrement, s.seqmax, s.seqcycle)
	  FROM pg_sequence s JOIN rels c ON c.oid = s.seqrelid
	UNION ALL
	SELECT format('dump %s %s', cfg::regclass, cond)
	  FROM ext, unnest(ext.extconfig, ext.extcondition) AS u(cfg, cond)
	UNION ALL
	SELECT format('init_privs %s %s %s', pg_describe_object(ip.classoid, ip.objoid, ip.objsubid),
				  ip.privtype, ip.initprivs)
	  FROM pg_init_privs ip JOIN members m ON m.classid = ip.classoid AND m.objid = ip.objoid
	UNION ALL
	SELECT format('other %s', pg_describe_object(m.classid, m.objid, 0))
	  FROM members m WHERE m.classid NOT IN ('pg_proc'::regclass, 'pg_class'::regclass)
	UNION ALL
	SELECT format('schema acl=%s', n.nspacl) FROM pg_namespace n WHERE n.nspname = 'infraguard'
) all_lines ORDER BY line};

my $updated = $node->safe_psql($old, $describe);
my $fresh = $node->safe_psql('fresh', $describe);
cmp_ok(scalar(split /\n/, $fresh), '>', 300, 'the catalog description covers the extension');
like($fresh, qr/^dump infraguard\.thresholds WHERE customized$/m,
	'pg_dump keeps the DBA\'s thresholds');
# is() on the whole text would print both in full; show the first difference
my @u = split /\n/, $updated;
my @f = split /\n/, $fresh;
my $first_diff = '';
for my $i (0 .. ($#u > $#f ? $#u : $#f))
{
	my ($a, $b) = ($u[$i] // '<none>', $f[$i] // '<none>');
	next if $a eq $b;
	$first_diff = "updated: $a\nfresh:   $b";
	last;
}
is($first_diff, '', 'the updated catalog is the fresh install\'s, object for object');

$node->stop;
done_testing();
