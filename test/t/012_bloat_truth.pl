# bloat() against the ground truth: the space VACUUM FULL (tables, with
# their toast) and REINDEX (indexes) really give back, on every shape of
# table and B-tree we could think of.  Each shape is built, analysed, read
# through bloat(), then rewritten; the estimate must be within 5 points of
# the bytes freed as a share of the size before.  The table of all shapes
# is printed (note) for the README.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('bloat');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'infraguard'
autovacuum = off
max_wal_size = 1GB
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION infraguard; CREATE SCHEMA s');

sub sql { return $node->safe_psql('postgres', $_[0]); }

# name => [kind, setup SQL]; every table is created with autovacuum off so
# that nothing changes between the estimate and the rewrite
my @shapes = (
	[ 'fresh_narrow', 'table', q{
		CREATE TABLE s.fresh_narrow (id integer);
		INSERT INTO s.fresh_narrow SELECT g FROM generate_series(1, 100000) g;} ],
	[ 'fresh_wide', 'table', q{
		CREATE TABLE s.fresh_wide (id bigint, a integer, b text, c timestamptz, d numeric, e boolean,
			f float8, g text, h smallint, i date, j uuid, k text, l integer, m bigint, n varchar(40),
			o boolean, p float4, q interval, r text, t bigint);
		INSERT INTO s.fresh_wide SELECT g, g % 1000, 'name ' || g, now() - g * interval '1 s', g * 1.5,
			g % 2 = 0, g / 7.0, md5(g::text), (g % 100)::smallint, current_date - g % 3000,
			md5(g::text)::uuid, repeat('x', g % 50), g, g * 2, left(md5(g::text), g % 40),
			g % 3 = 0, g / 3.0, g * interval '1 min', 'r', g
		  FROM generate_series(1, 30000) g;} ],
	# bool, int8, bool, int8...: 7 bytes of padding before every int8
	[ 'fresh_padded', 'table', q{
		CREATE TABLE s.fresh_padded (a boolean, b bigint, c boolean, d bigint, e boolean, f integer, g bigint);
		INSERT INTO s.fresh_padded SELECT g % 2 = 0, g, g % 3 = 0, g, true, g, g
		  FROM generate_series(1, 100000) g;} ],
	[ 'fresh_bool_int8', 'table', q{
		CREATE TABLE s.fresh_bool_int8 (a boolean, b bigint);
		INSERT INTO s.fresh_bool_int8 SELECT g % 2 = 0, g FROM generate_series(1, 100000) g;} ],
	# toast: values of 3 to 9 kB, stored out of line uncompressed
	[ 'toast_heavy', 'table', q{
		CREATE TABLE s.toast_heavy (id integer, doc text);
		ALTER TABLE s.toast_heavy ALTER doc SET STORAGE EXTERNAL;
		INSERT INTO s.toast_heavy
		SELECT g, (SELECT string_agg(md5(g::text || ':' || x), '') FROM generate_series(1, 94 + g % 188) x)
		  FROM generate_series(1, 2000) g;} ],
	[ 'toast_60pct_deleted', 'table', q{
		CREATE TABLE s.toast_60pct_deleted (id integer, doc text);
		ALTER TABLE s.toast_60pct_deleted ALTER doc SET STORAGE EXTERNAL;
		INSERT INTO s.toast_60pct_deleted
		SELECT g, (SELECT string_agg(md5(g::text || ':' || x), '') FROM generate_series(1, 94 + g % 188) x)
		  FROM generate_series(1, 2000) g;
		DELETE FROM s.toast_60pct_deleted WHERE id % 5 < 3;
		VACUUM s.toast_60pct_deleted;} ],
	[ 'deleted_60pct_vacuumed', 'table', q{
		CREATE TABLE s.deleted_60pct_vacuumed (id integer, payload text);
		INSERT INTO s.deleted_60pct_vacuumed SELECT g, repeat(md5(g::text), 2) FROM generate_series(1, 100000) g;
		CREATE INDEX deleted_60pct_vacuumed_id ON s.deleted_60pct_vacuumed (id);
		DELETE FROM s.deleted_60pct_vacuumed WHERE id % 5 < 3;
		VACUUM s.deleted_60pct_vacuumed;} ],
	[ 'deleted_60pct_vacuumed_id', 'index', '' ],
	[ 'all_rows_deleted', 'table', q{
		CREATE TABLE s.all_rows_deleted (id integer, payload text);
		INSERT INTO s.all_rows_deleted SELECT g, md5(g::text) FROM generate_series(1, 50000) g;
		DELETE FROM s.all_rows_deleted;} ],
	[ 'fillfactor_70', 'table', q{
		CREATE TABLE s.fillfactor_70 (id integer, payload text) WITH (fillfactor = 70);
		INSERT INTO s.fillfactor_70 SELECT g, md5(g::text) FROM generate_series(1, 100000) g;} ],
	# HOT: every row updated once; the new versions fit in the fillfactor's reserve
	[ 'hot_updated', 'table', q{
		CREATE TABLE s.hot_updated (id integer PRIMARY KEY, n integer, pad text) WITH (fillfactor = 50);
		INSERT INTO s.hot_updated SELECT g, 0, md5(g::text) FROM generate_series(1, 50000) g;
		UPDATE s.hot_updated SET n = n + 1;} ],
	# every row updated without room on its page: the table doubles
	[ 'updated_all', 'table', q{
		CREATE TABLE s.updated_all (id integer, n integer, pad text);
		INSERT INTO s.updated_all SELECT g, 0, md5(g::text) FROM generate_series(1, 50000) g;
		UPDATE s.updated_all SET n = n + 1;} ],
	[ 'null_heavy', 'table', q{
		CREATE TABLE s.null_heavy (id integer, a bigint, b text, c integer, d timestamptz, e float8,
			f text, g bigint, h integer, i numeric, j boolean, k bigint);
		INSERT INTO s.null_heavy
		SELECT g, CASE WHEN g % 5 = 0 THEN g END, CASE WHEN g % 4 = 0 THEN md5(g::text) END,
			   CASE WHEN g % 3 = 0 THEN g END, CASE WHEN g % 7 = 0 THEN now() END,
			   CASE WHEN g % 2 = 0 THEN g END, NULL, CASE WHEN g % 10 = 0 THEN g END, NULL,
			   CASE WHEN g % 6 = 0 THEN g END, CASE WHEN g % 9 = 0 THEN true END, NULL
		  FROM generate_series(1, 100000) g;} ],
	[ 'varlena_heavy', 'table', q{
		CREATE TABLE s.varlena_heavy (id integer, a text, b text, c varchar(300), d bytea, e text);
		INSERT INTO s.varlena_heavy
		SELECT g, repeat('a', g % 37), repeat(md5(g::text), g % 5), left(repeat(md5(g::text), 10), g % 290),
			   decode(repeat('ab', g % 61), 'hex'), 'e' || g
		  FROM generate_series(1, 50000) g;} ],
	# analysed, then grown by 30% (relpages is stale; the file is not)
	[ 'grown_since_analyze', 'table', q{
		CREATE TABLE s.grown_since_analyze (id integer, payload text);
		INSERT INTO s.grown_since_analyze SELECT g, md5(g::text) FROM generate_series(1, 70000) g;
		VACUUM ANALYZE s.grown_since_analyze;
		INSERT INTO s.grown_since_analyze SELECT g, md5(g::text) FROM generate_series(70001, 100000) g;} ],
	# a dropped column: its data goes away with the rewrite
	[ 'dropped_column', 'table', q{
		CREATE TABLE s.dropped_column (id integer, big text, small integer);
		INSERT INTO s.dropped_column SELECT g, repeat(md5(g::text), 2), g FROM generate_series(1, 50000) g;
		ALTER TABLE s.dropped_column DROP COLUMN big;} ],
	# indexes
	[ 'unique_built', 'index', q{
		CREATE TABLE s.ix_unique (id integer, v text);
		INSERT INTO s.ix_unique SELECT g, md5(g::text) FROM generate_series(1, 100000) g;
		CREATE UNIQUE INDEX unique_built ON s.ix_unique (id);} ],
	[ 'unique_random_inserts', 'index', q{
		CREATE TABLE s.ix_unique_random (id integer);
		CREATE UNIQUE INDEX unique_random_inserts ON s.ix_unique_random (id);
		INSERT INTO s.ix_unique_random SELECT g FROM generate_series(1, 100000) g ORDER BY random();} ],
	[ 'dedup_lowcard_incremental', 'index', q{
		CREATE TABLE s.ix_lowcard (k integer, v integer);
		CREATE INDEX dedup_lowcard_incremental ON s.ix_lowcard (k);
		INSERT INTO s.ix_lowcard SELECT g % 10, g FROM generate_series(1, 100000) g;} ],
	[ 'dedup_lowcard_built', 'index', q{
		CREATE TABLE s.ix_lowcard_built (k integer, v integer);
		INSERT INTO s.ix_lowcard_built SELECT g % 10, g FROM generate_series(1, 100000) g;
		CREATE INDEX dedup_lowcard_built ON s.ix_lowcard_built (k);} ],
	# a low-cardinality index (posting lists) after 60% of the rows went
	[ 'dedup_lowcard_60pct_deleted', 'index', q{
		CREATE TABLE s.ix_lowcard_deleted (k integer, v integer);
		INSERT INTO s.ix_lowcard_deleted SELECT g % 10, g FROM generate_series(1, 100000) g;
		CREATE INDEX dedup_lowcard_60pct_deleted ON s.ix_lowcard_deleted (k);
		DELETE FROM s.ix_lowcard_deleted WHERE v % 5 < 3;
		VACUUM s.ix_lowcard_deleted;} ],
	# ... and after every row was updated twice (non-HOT: new index entries), then vacuumed
	[ 'dedup_lowcard_updated', 'index', q{
		CREATE TABLE s.ix_lowcard_updated (k integer, v integer);
		INSERT INTO s.ix_lowcard_updated SELECT g % 10, g FROM generate_series(1, 100000) g;
		CREATE INDEX dedup_lowcard_updated ON s.ix_lowcard_updated (k);
		UPDATE s.ix_lowcard_updated SET v = v + 1;
		UPDATE s.ix_lowcard_updated SET v = v + 1;
		VACUUM s.ix_lowcard_updated;} ],
	[ 'dedup_text_incremental', 'index', q{
		CREATE TABLE s.ix_text (k text);
		CREATE INDEX dedup_text_incremental ON s.ix_text (k);
		INSERT INTO s.ix_text SELECT 'status-' || (g % 7) FROM generate_series(1, 100000) g ORDER BY random();} ],
	[ 'dedup_1000_keys_random', 'index', q{
		CREATE TABLE s.ix_midcard (k bigint);
		CREATE INDEX dedup_1000_keys_random ON s.ix_midcard (k);
		INSERT INTO s.ix_midcard SELECT g % 1000 FROM generate_series(1, 100000) g ORDER BY random();} ],
	[ 'multi_column_random', 'index', q{
		CREATE TABLE s.ix_multi (a integer, b bigint, c text);
		CREATE INDEX multi_column_random ON s.ix_multi (a, b);
		INSERT INTO s.ix_multi SELECT g % 500, g, md5(g::text) FROM generate_series(1, 100000) g ORDER BY random();} ],
	[ 'multi_column_built', 'index', q{
		CREATE TABLE s.ix_multi_built (a integer, b bigint, c text);
		INSERT INTO s.ix_multi_built SELECT g % 500, g, md5(g::text) FROM generate_series(1, 100000) g;
		CREATE INDEX multi_column_built ON s.ix_multi_built (a, c);} ],
	[ 'partial_built', 'index', q{
		CREATE TABLE s.ix_partial (id integer, flag boolean);
		INSERT INTO s.ix_partial SELECT g, g % 4 = 0 FROM generate_series(1, 100000) g;
		CREATE INDEX partial_built ON s.ix_partial (id) WHERE flag;} ],
	[ 'expression_random', 'index', q{
		CREATE TABLE s.ix_expr (t text);
		CREATE INDEX expression_random ON s.ix_expr (lower(t));
		INSERT INTO s.ix_expr SELECT 'User' || md5(g::text) FROM generate_series(1, 60000) g ORDER BY random();} ],
	[ 'text_unique_random', 'index', q{
		CREATE TABLE s.ix_text_unique (t text);
		CREATE UNIQUE INDEX text_unique_random ON s.ix_text_unique (t);
		INSERT INTO s.ix_text_unique SELECT md5(g::text) FROM generate_series(1, 60000) g;} ],
	[ 'null_heavy_index', 'index', q{
		CREATE TABLE s.ix_nulls (a integer);
		INSERT INTO s.ix_nulls SELECT CASE WHEN g % 3 = 0 THEN g END FROM generate_series(1, 100000) g;
		CREATE INDEX null_heavy_index ON s.ix_nulls (a);} ],
	[ 'deleted_half_index', 'index', q{
		CREATE TABLE s.ix_deleted (id integer);
		INSERT INTO s.ix_deleted SELECT g FROM generate_series(1, 100000) g;
		CREATE INDEX deleted_half_index ON s.ix_deleted (id);
		DELETE FROM s.ix_deleted WHERE id % 2 = 0;} ],
);

for my $s (@shapes)
{
	my ($name, $kind, $setup) = @$s;
	next if $setup eq '';
	# autovacuum off for each table, so only what the shape does happens
	$setup =~ s/(CREATE TABLE s\.\w+ \([^;]*?\))( WITH \(([^)]*)\))?;/
		$1 . ' WITH (' . (defined $3 ? "$3, " : '') . 'autovacuum_enabled = off);'/ge;
	sql($setup);
}
sql('ANALYZE');

my (%estimate, %before, %after);
for my $s (@shapes)
{
	my ($name, $kind) = @$s;
	my $row = sql(qq{
		SELECT coalesce(b.bloat_pct::text, 'NULL')
		  FROM infraguard.bloat() b
		 WHERE b.schema_name = 's' AND b.object_name = '$name' AND b.kind = '$kind'});
	$estimate{$name} = $row;
}

# the table_bloat check names the worst table of 8 MB or more and how to
# rewrite it; its statements are run (after the measurements) below
my ($bloat_detail, $bloat_action) = split /\|/, sql(
	"SELECT detail, action FROM infraguard.health() WHERE check_name = 'table_bloat'");
my $worst = sql("SELECT b.object_name FROM infraguard.bloat() b
				  WHERE b.kind = 'table' AND b.size_bytes >= 8 * 1024 * 1024
				  ORDER BY b.bloat_pct DESC LIMIT 1");
like($bloat_detail, qr/^s\.$worst: estimated/, "table_bloat names the worst table ($worst)");
like($bloat_action, qr/VACUUM FULL s\.$worst;/, 'and the statement that rewrites it');

# the rewrites: indexes first (a table's rewrite would rebuild its indexes)
sub rel_bytes
{
	my ($name, $kind) = @_;
	return sql($kind eq 'index'
		? "SELECT pg_relation_size('s.$name')"
		: "SELECT pg_relation_size(c.oid) + coalesce(pg_relation_size(nullif(c.reltoastrelid, 0)), 0)
			 FROM pg_class c WHERE c.oid = 's.$name'::regclass");
}
for my $s ((grep { $_->[1] eq 'index' } @shapes), (grep { $_->[1] eq 'table' } @shapes))
{
	my ($name, $kind) = @$s;
	$before{$name} = rel_bytes($name, $kind);
	# the size shown is the files' size now (0.1 showed relpages: 8.5 MB for 11 MB)
	is(sql("SELECT size_bytes FROM infraguard.bloat() WHERE schema_name = 's' AND object_name = '$name'"),
		$before{$name}, "$name: bloat() shows the real size");
	sql($kind eq 'index' ? "REINDEX INDEX s.$name" : "VACUUM FULL s.$name");
	$after{$name} = rel_bytes($name, $kind);
}

my $table = sprintf("%-28s %-6s %10s %10s %9s %9s %6s\n",
	'shape', 'kind', 'before', 'after', 'truth %', 'bloat()', 'diff');
for my $s (@shapes)
{
	my ($name, $kind) = @$s;
	my $truth = 100.0 * ($before{$name} - $after{$name}) / $before{$name};
	$truth = 0 if $truth < 0;
	my $est = $estimate{$name};
	my $diff = $est eq '' || $est eq 'NULL' ? undef : $est - $truth;
	$table .= sprintf("%-28s %-6s %10d %10d %9.1f %9s %6s\n", $name, $kind, $before{$name}, $after{$name},
		$truth, ($est eq '' ? 'absent' : $est), defined $diff ? sprintf('%+.1f', $diff) : '-');
	ok(defined $diff && abs($diff) <= 5,
		sprintf('%s: bloat() %s%% vs %.1f%% freed by %s', $name, $est || 'absent', $truth,
			$kind eq 'index' ? 'REINDEX' : 'VACUUM FULL'));
}
note("\n" . $table);

for my $stmt ($bloat_action =~ /((?:VACUUM|SELECT) [^;]*;)/g)
{
	my ($rc, $out, $err) = $node->psql('postgres', $stmt);
	is($rc, 0, "suggested statement runs: $stmt");
}
diag("\n" . $table) if $ENV{IG_BLOAT_TABLE};

$node->stop;
done_testing();
