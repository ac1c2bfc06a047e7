# Every statement infraguard suggests runs as written and does only what its
# row says (issue 9, section 2).  On the messy schema of
# test/sql/messy_schema.sql, with another session holding a temporary table,
# the suggestions of unused_indexes(), duplicate_indexes() and
# maintenance_plan() are collected (observation window 0, infraguard's own
# objects included), then each list is executed, statement by statement, in
# a copy of the database (CREATE DATABASE ... TEMPLATE): nothing may fail,
# and a catalog fingerprint afterwards must differ from the one before by
# exactly the indexes that list is meant to drop.  Then what the kept
# objects are for must still work: UPDATE on the published table, a
# cascading DELETE on the foreign key's parent, CLUSTER, the unique rules.
# Last, the observation window's start against PostgreSQL's own counters:
# kept over a clean restart, moved by a crash; and an index younger than
# the window is observed since its creation (track_commit_timestamp).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('suggest');
$node->init(allows_streaming => 'logical');		# wal_level = logical: the publication is real
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_stat_statements,infraguard'
autovacuum = off
infraguard.enabled = off
track_commit_timestamp = on
});
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE messy');
$node->safe_psql('messy', 'CREATE EXTENSION infraguard');

my ($rc, $out, $err) = $node->psql('messy', slurp_file('test/sql/messy_schema.sql'), on_error_stop => 0);
like($err, qr/could not create unique index "broken_a"/, 'messy schema built, with its invalid index');
unlike($err =~ s/.*could not create unique index "broken_a".*\n?//r =~ s/^(DETAIL|psql).*\n?//mgr,
	qr/ERROR/, 'no other error building the schema');
ok($node->poll_query_until('messy',
		q{SELECT pg_stat_get_numscans('"Sug Schema"."Plain c"'::regclass) > 0
		   AND pg_stat_get_numscans('"Sug Schema"."Events_2_v_idx"'::regclass) > 0}),
	'the fixture\'s scans are counted');

# another session's temporary table, index and dead rows
my $temp = $node->background_psql('messy');
$temp->query_safe(q{
	CREATE TEMP TABLE sug_tmp (a int);
	INSERT INTO sug_tmp SELECT generate_series(1, 5000);
	CREATE INDEX sug_tmp_a ON sug_tmp (a);
	CREATE INDEX sug_tmp_a_again ON sug_tmp (a);
	DELETE FROM sug_tmp WHERE a % 2 = 0;
	SELECT pg_stat_force_next_flush();
});
$temp->query_safe('SELECT 1');
ok($node->poll_query_until('messy',
		q{SELECT n_dead_tup > 0 FROM pg_stat_all_tables WHERE relname = 'sug_tmp'}),
	'the other session\'s temporary table is visible in the statistics');

my %lists = (
	unused => q{SELECT suggestion FROM infraguard.unused_indexes(0, true)
				 WHERE suggestion IS NOT NULL ORDER BY size_bytes DESC, index_name},
	duplicate => q{SELECT suggestion FROM infraguard.duplicate_indexes(true)
					WHERE suggestion IS NOT NULL ORDER BY index_name},
	plan => q{SELECT regexp_replace(statement, '^-- ', '') FROM infraguard.maintenance_plan(true)
			   ORDER BY priority});
my %statements;
for my $list (sort keys %lists)
{
	my $text = $node->safe_psql('messy',
		"SET infraguard.min_index_observation = 0;\n" . $lists{$list});
	$statements{$list} = [ grep { $_ ne '' } split(/\n/, $text) ];
	ok(scalar @{ $statements{$list} } > 0, "$list: has suggestions");
	is(scalar(grep { /pg_(toast_)?temp/ } @{ $statements{$list} }), 0,
		"$list: nothing of the other session's temporary objects");
	is(scalar(grep { /infraguard\./ } @{ $statements{$list} }), 0,
		"$list: nothing of infraguard's own objects, though they are listed");
}

# a copy needs the source without connections
$temp->quit;
ok($node->poll_query_until('messy', q{SELECT count(*) = 0 FROM pg_class WHERE relname = 'sug_tmp'}),
	'the temporary table went with its session');

# every relation, index definition and flag, constraint, publication member
# and partition link, one line each, keyed by the object it describes
my $fingerprint_sql = q{
	SELECT k || E'\t' || d FROM (
		SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS k,
			   format('relation %s persistence %s replica identity %s', c.relkind, c.relpersistence, c.relreplident) AS d
		  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
		   AND c.relkind IN ('r', 'p', 'i', 'I', 'S', 'v', 'm')
		UNION ALL
		SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname),
			   format('%s valid %s replident %s clustered %s unique %s immediate %s nulls not distinct %s',
					  pg_get_indexdef(c.oid), i.indisvalid, i.indisreplident, i.indisclustered,
					  i.indisunique, i.indimmediate, i.indnullsnotdistinct)
		  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
		UNION ALL
		SELECT 'constraint ' || quote_ident(k.conname) || ' on ' || k.conrelid::regclass::text,
			   format('%s index %s', pg_get_constraintdef(k.oid), k.conindid::regclass)
		  FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace
		 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
		UNION ALL
		SELECT 'publication ' || quote_ident(p.pubname), format('%I.%I', p.schemaname, p.tablename)
		  FROM pg_publication_tables p
		UNION ALL
		SELECT h.inhrelid::regclass::text, 'partition of ' || h.inhparent::regclass::text
		  FROM pg_inherits h
	) f ORDER BY 1
};

sub fingerprint
{
	my ($db) = @_;
	return [ split(/\n/, $node->safe_psql($db, $fingerprint_sql)) ];
}

# What each list is meant to drop, from the schema's design: never a
# constraint's or the replica identity's index, never an attached partition
# index on its own, never the only index serving a foreign key, never the
# CLUSTER index, never a unique index whose twin is another rule.
my @events_k = ('"Sug Schema"."Events k"', map { qq{"Sug Schema"."${_}_k_idx"} } qw(Events_1 Events_1a Events_1b Events_2));
my @events_k_again = ('"Sug Schema"."Events k again"', map { qq{"Sug Schema"."${_}_k_idx1"} } qw(Events_1 Events_1a Events_1b Events_2));
my @unused = (@events_k, @events_k_again, '"Sug Schema"."Events_2 k twin"', '"Sug Schema"."odd ""name"""',
	'"Sug Schema".bloated_id', '"Sug Schema".broken_a', '"Sug Schema".clu_a_b');
my @duplicate = (@events_k_again, '"Sug Schema"."Events_2 k twin"', '"Sug Schema".child2_p',
	'"Sug Schema".published_code');
my %drops = (
	unused => [@unused],
	duplicate => [@duplicate],
	plan => [ @unused, '"Sug Schema".child2_p', '"Sug Schema".published_code' ]);

for my $list (sort keys %statements)
{
	my $copy = "copy_$list";
	$node->safe_psql('postgres', "CREATE DATABASE $copy TEMPLATE messy");
	my $before = fingerprint($copy);

	my @failed;
	for my $statement (@{ $statements{$list} })
	{
		my ($src, $stdout, $stderr) = $node->psql($copy, $statement);
		push @failed, "$statement => $stderr" if $src != 0 || $stderr =~ /ERROR|WARNING/;
	}
	is(join("\n", @failed), '', "$list: every suggested statement ran (" . scalar(@{ $statements{$list} }) . ')');

	my %dropped = map { $_ => 1 } @{ $drops{$list} };
	my @expected = grep { my ($key) = split(/\t/, $_); !$dropped{$key} } @$before;
	my $after = fingerprint($copy);
	is(join("\n", @$after), join("\n", @expected),
		"$list: the catalog changed by exactly the intended drops");
	my %seen = map { (split(/\t/, $_))[0] => 1 } @$before;
	is(join(' ', grep { !$seen{$_} } @{ $drops{$list} }), '', "$list: the intended drops existed before");

	# what the kept objects are for
	is($node->psql($copy, q{UPDATE "Sug Schema".published SET payload = 'u' WHERE id = 1}), 0,
		"$list: UPDATE on the published table works (replica identity kept)");
	is($node->safe_psql($copy, q{DELETE FROM "Sug Schema".parent WHERE id = 1;
		SELECT count(*) FROM "Sug Schema".child WHERE parent_id = 1}), '0',
		"$list: DELETE on the foreign key's parent cascades");
	is($node->psql($copy, q{CLUSTER "Sug Schema".clu}), 0, "$list: CLUSTER still finds its index");
	my ($nrc) = $node->psql($copy, q{INSERT INTO "Sug Schema".nnd VALUES (NULL), (NULL)});
	isnt($nrc, 0, "$list: NULLS NOT DISTINCT still enforced");
	my ($drc) = $node->psql($copy, q{BEGIN; INSERT INTO "Sug Schema".deferred VALUES (1), (1); ROLLBACK});
	isnt($drc, 0, "$list: the immediate unique check still fires");
}

# The window's start, against what PostgreSQL did with its counters: a clean
# restart keeps them (and the start), a crash discards them (and moves it).
# (a reset first: every index of the fixture is younger than the first
# start, so its own creation time would be its window)
$node->safe_psql('messy', 'SELECT pg_stat_reset()');
$node->safe_psql('messy', q{SET enable_seqscan = off;
	SELECT count(*) FROM "Sug Schema"."Plain" WHERE c = 5; SELECT pg_stat_force_next_flush()});
ok($node->poll_query_until('messy', q{SELECT pg_stat_get_numscans('"Sug Schema"."Plain c"'::regclass) > 0}),
	'a scan counted after the reset');
my $since_sql = q{SELECT min(stats_since) FROM infraguard.unused_indexes(0, true)};
my $since = $node->safe_psql('messy', $since_sql);
is($since, $node->safe_psql('messy', q{SELECT stats_reset FROM pg_stat_database WHERE datname = 'messy'}),
	'unused_indexes() counts scans since the database\'s statistics reset');
$node->restart;
is($node->safe_psql('messy', $since_sql), $since, 'a clean restart keeps the window');
ok($node->safe_psql('messy', q{SELECT pg_stat_get_numscans('"Sug Schema"."Plain c"'::regclass) > 0}) eq 't',
	'... as PostgreSQL kept the counters');
$node->stop('immediate');
$node->start;
ok($node->safe_psql('messy', qq{SELECT ($since_sql) > '$since'::timestamptz
									   AND ($since_sql) >= pg_postmaster_start_time() - interval '1 second'}) eq 't',
	'a crash moves the window\'s start');
is($node->safe_psql('messy', q{SELECT pg_stat_get_numscans('"Sug Schema"."Plain c"'::regclass)}), '0',
	'... as PostgreSQL discarded the counters');
like($node->safe_psql('messy', q{SELECT reason FROM infraguard.unused_indexes() WHERE index_name = 'Plain c'}),
	qr/^no scan since .* not dropped: observed for only \d+ minutes, less than infraguard.min_index_observation \(7 days\): scans are counted since .*, when statistics were discarded/,
	'and the reason says so, with no DROP below the window');

# an index created after the window began is observed since its creation
ok($node->poll_query_until('messy',
		q{SELECT now() - stats_reset > interval '12 seconds' FROM pg_stat_bgwriter}),
	'the statistics window is 12 seconds old');
$node->safe_psql('messy', q{CREATE INDEX young ON "Sug Schema"."Plain" (b, c)});
my $young = $node->safe_psql('messy', q{
	SET infraguard.min_index_observation = '10s';
	SELECT index_name, suggestion IS NOT NULL,
		   stats_since >= (SELECT pg_xact_commit_timestamp(xmin) FROM pg_class WHERE relname = 'young'),
		   reason ~ 'not dropped: observed for only \d+ minutes, less than infraguard.min_index_observation \(10 seconds\): scans are counted since .*, when the index was created'
	  FROM infraguard.unused_indexes()
	 WHERE index_name IN ('young', 'odd "name"') ORDER BY index_name});
is($young, qq{odd "name"|t|f|f\nyoung|f|t|t},
	'a young index gets the reason, an old one of the same table its DROP');

$node->stop;
done_testing();
