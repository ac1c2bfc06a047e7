# report() rendered by a real browser.  A cluster records a snapshot every
# second under a small workload, with two alerts opened on the way; its
# report is rendered by headless Chromium (Debian package "chromium").  The
# rendered DOM must hold every chart with its points and nothing a browser
# could not draw; the screenshot must be a real picture of the page.  The
# page and the screenshot stay in tmp_check/ (report.html, report.png) for a
# look after the run.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# Without a browser this test cannot do its job: fail, and say what to install.
my ($chromium) = grep { -x $_ } map { "$_/chromium" } (split(/:/, $ENV{PATH} // ''), '/usr/bin');
if (!$chromium)
{
	fail('chromium is installed');
	diag('headless Chromium is needed to render the report: apt-get install chromium (Debian package "chromium")');
	done_testing();
	exit 0;
}

my $node = PostgreSQL::Test::Cluster->new('report');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_stat_statements,infraguard'
infraguard.snapshot_interval = 1s
});
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION pg_stat_statements;
	CREATE EXTENSION infraguard;
	CREATE TABLE load (id integer, payload text);
});
my $since = $node->safe_psql('postgres', "SELECT now() - interval '1 second'");

# A workload: an idle session and a busy one, for about twelve seconds.  On
# the way, thresholds low enough to open a warning and a critical alert.
my $idle = $node->background_psql('postgres');
my $busy = $node->background_psql('postgres');
for my $i (1 .. 12)
{
	$busy->query_safe("INSERT INTO load SELECT g, md5(g::text) FROM generate_series(1, 20000) g");
	$busy->query_safe("SELECT count(*) FROM load WHERE id % 7 = $i % 7");
	if ($i == 4)
	{
		$node->safe_psql('postgres', q{
			SELECT infraguard.set_threshold('connection_count', 0.5, 90, hold => '0');
			SELECT infraguard.set_threshold('memory_percent', 0.1, 0.2, hold => '0');
		});
	}
	sleep 1;
}
ok( $node->poll_query_until('postgres',
		"SELECT count(*) >= 10 FROM infraguard.snapshots WHERE source = 'worker'"),
	'the worker recorded snapshots');
ok( $node->poll_query_until('postgres', q{
		SELECT count(*) = 2 FROM infraguard.alerts
		 WHERE (metric, level) IN (('connection_count', 'warning'), ('memory_percent', 'critical'))}),
	'a warning and a critical alert are open');

my $html = $node->safe_psql('postgres', "SELECT infraguard.report('$since', now())");

# The default window is the last 24 hours: its charts start at the first
# sample, so seconds of history fill the axis (labelled in seconds) instead
# of its last pixel of a 24-hour axis (0.1: ticks every 6 hours)
my $default_html = $node->safe_psql('postgres', 'SELECT infraguard.report()');
my ($latency_chart) = $default_html =~ m{<figure class="chart" id="chart-statement-latency">(.*?)</figure>}s;
my @xlabels = ($latency_chart // '') =~ m{<text class="xlabel"[^>]*>([^<]*)</text>}g;
ok(@xlabels >= 2 && !grep({ !/^\d\d:\d\d:\d\d$/ } @xlabels),
	"default report: the time axis spans the seconds of history (@xlabels)");
like($default_html, qr{<dt>Window</dt><dd>[^<]*\(1 day\); history from }, 'the header says where the history starts');
like($html, qr/\A<!DOCTYPE html>/, 'report() returns an HTML document');

my $dir = $PostgreSQL::Test::Utils::tmp_check;
my $html_file = "$dir/report.html";
my $png = "$dir/report.png";
open(my $fh, '>:raw', $html_file) or die "could not write $html_file: $!";
print $fh $html;
close($fh);

# Chromium, each run with a fresh profile and HOME, no network, bounded in time.
sub chromium
{
	my @args = @_;
	my $profile = PostgreSQL::Test::Utils::tempdir();
	local $ENV{HOME} = $profile;
	my ($out, $err) = ('', '');
	my $ok = IPC::Run::run(
		[
			'timeout', '60', $chromium, '--headless', '--no-sandbox', '--disable-gpu',
			'--disable-quic', '--no-first-run', '--disable-background-networking',
			'--disable-component-update', '--disable-sync', "--user-data-dir=$profile",
			'--window-size=1400,3000', @args, "file://$html_file"
		],
		'<', \undef, '>', \$out, '2>', \$err);
	diag("chromium failed: $err") unless $ok;
	return ($ok, $out);
}

my ($dumped, $dom) = chromium('--dump-dom');
ok($dumped, 'chromium rendered the page');

# the parsed DOM: seven inline SVGs, each closed
my @svgs = $dom =~ m{(<svg\b.*?</svg>)}gs;
is(scalar(@svgs), 7, 'the DOM holds seven SVG charts');
unlike($dom, qr/no data in this window|no alerts in this window/, 'no chart is empty');
unlike($dom, qr/<script/i, 'no script');
unlike($dom, qr{https?://}, 'no external reference');

# every line chart has points, every series more than one
for my $id (qw(chart-statement-latency chart-connections-by-state chart-connection-slots-used
	chart-cpu-and-memory chart-database-size chart-disk-used))
{
	my ($figure) = $dom =~ m{<figure class="chart[^"]*" id="\Q$id\E">(.*?)</figure>}s;
	ok(defined $figure, "$id is in the DOM") or next;
	my $points = () = $figure =~ m{<circle class="pt"}g;
	cmp_ok($points, '>', 1, "$id has points ($points)");
	my @series = $figure =~ m{<g class="series" data-series="[^"]*" data-points="(\d+)"}g;
	ok(@series && !grep({ $_ < 2 } @series), "$id: every series has several points (@series)");
	like($figure, qr{class="legend"}, "$id has a legend");
}
# twelve seconds of history: no dashed forecast, and the chart says why
# (0.1 drew a line from them to a quarter of the window ahead)
unlike($dom, qr{<polyline class="projection"}, 'no forecast is drawn from seconds of history');
like($dom, qr{<p class="note">postgres: [^<]*; no forecast: [0-9.]+ seconds of history, need 6 hours</p>},
	'the size chart says how much history there is and how much a forecast needs');

my ($alerts) = $dom =~ m{<figure class="chart wide" id="chart-alerts">(.*?)</figure>}s;
like($alerts // '', qr{<rect class="alert" data-level="warning"}, 'the warning is on the timeline');
like($alerts // '', qr{<rect class="alert" data-level="critical"}, 'the critical alert is on the timeline');

# nothing a browser could not draw: every coordinate is a number
my @bad;
for my $svg (@svgs)
{
	while ($svg =~ m{\s(x|y|cx|cy|r|x1|x2|y1|y2|width|height|points)="([^"]*)"}g)
	{
		my ($attr, $value) = ($1, $2);
		my $number = qr/-?[0-9]+(?:\.[0-9]+)?/;
		push @bad, "$attr=\"$value\""
		  unless $attr eq 'points'
		  ? $value =~ /\A$number,$number(?: $number,$number)*\z/
		  : $value =~ /\A$number\z/;
	}
}
is_deeply(\@bad, [], 'every SVG coordinate is a number');
unlike(join('', map { join('', m{<[^>]*>}g) } @svgs), qr/NaN|undefined|null|Infinity/,
	'no NaN, undefined, null or Infinity in the charts\' markup');

# the tables, with what the workload did
like($dom, qr{<h2>Health now</h2>.*<td class="status st-critical">}s, 'the health table shows the critical check');
like($dom, qr{<h2>Top queries</h2>.*INSERT INTO load}s, 'the workload is among the top queries');
like($dom, qr{<h2>Largest growth</h2>.*public\.load}s, 'the loaded table is the largest growth');

# the screenshot: a PNG of the requested size, with something on it
my ($shot) = chromium("--screenshot=$png");
ok($shot && -f $png, 'chromium took a screenshot');
my $size = -s $png // 0;
cmp_ok($size, '>', 20_000, "the screenshot is not blank ($size bytes)");
open(my $img, '<:raw', $png) or die "could not read $png: $!";
read($img, my $header, 24);
close($img);
is(substr($header, 0, 8), "\x89PNG\r\n\x1a\n", 'the screenshot is a PNG');
is(join('x', unpack('N N', substr($header, 16, 8))), '1400x3000', 'the screenshot is 1400x3000');

$idle->quit;
$busy->quit;
$node->stop;
done_testing();
