# apisec_status, apisec_status_zone, $apisec_refusal: the words of every
# refusal the module makes, the counters they feed (exact counts after a
# known sequence of requests), the Prometheus text checked by promtool and
# scraped by a real Prometheus server, the JSON, reloads that keep the
# counters.

use lib 't/lib';
use Test::Apisec 'no_plan';
use ApisecJwt;
use JSON::PP;
use IO::Socket::INET;
use File::Temp qw(tempdir);
use POSIX ();

my @hs = ('--alg', 'HS256', '--key', "$DATA/hs.jwk", '--kid', 'hs1');

our $GOOD = mint(@hs, '--claims', '{"sub":"alice","roles":["reader"]}',
                 '--exp', 600);
our $NOROLE = mint(@hs, '--claims', '{"sub":"bob","roles":["x"]}',
                   '--exp', 600);
our $BADSIG = mint(@hs, '--claims', '{"sub":"alice","roles":["reader"]}',
                   '--exp', 600, '--sig-flip');
our $EXPIRED = mint(@hs, '--claims', '{"sub":"alice","roles":["reader"]}',
                    '--exp', -600);

our $EC = mint('--alg', 'ES256', '--key', "$DATA/ec256.key", '--kid', 'ec256',
               '--claims', '{"sub":"alice"}', '--exp', 600);

our $DOCS = "$DATA/../../docs";

our $PROMTOOL = -x '/usr/bin/promtool' ? '/usr/bin/promtool' : undef;
our $PROMETHEUS = -x '/usr/bin/prometheus' ? '/usr/bin/prometheus' : undef;

# every sample line named must be in the text, with that value
sub samples {
    my %want = @_;
    return qr/\A(?=[\s\S]*)/ unless %want;
    my $re = join '', map {
        my $v = $want{$_};
        "(?=[\\s\\S]*^\Q$_\E $v\$)"
    } sort keys %want;
    return qr/\A$re/m;
}

# promtool check metrics on a body: "ok", or what promtool said
sub promtool_metrics {
    my ($body) = @_;
    my $dir = tempdir(CLEANUP => 1);
    open my $fh, '>', "$dir/m" or die;
    print $fh $body;
    close $fh;
    my $out = `$PROMTOOL check metrics < $dir/m 2>&1`;
    return $? == 0 && $out eq '' ? "ok\n" : "promtool: $out";
}

# the JSON answer, parsed, and some of its values
sub json_summary {
    my ($body) = @_;
    return $body unless $body =~ /^\{"apisec_/;
    my $j = eval { JSON::PP->new->decode($body) };
    return "invalid JSON: $@" unless $j;
    my %v;
    for my $family (sort keys %$j) {
        for my $s (@{ $j->{$family} }) {
            my $l = join ',', map { "$_=$s->{labels}{$_}" }
                                  sort keys %{ $s->{labels} };
            $v{"$family\{$l}"} = $s->{value};
        }
    }
    return join '', map { "$_ $v{$_}\n" }
        grep { /refusals_total\{reason=(missing_credentials|csrf)\}|
                requests_total\{result=|zone_requests_total\{result=admitted,zone=api/x }
        sort keys %v;
}

# A real Prometheus server scrapes the status location every second; its
# query API must then hold the series with the counters' values.  The
# server is started here, on a free port of 127.0.0.1, and always stopped.
our $PROM_PID;
END { stop_prometheus() }

sub stop_prometheus {
    return unless $PROM_PID;
    kill 'TERM', $PROM_PID;
    my $t = time + 10;
    while (time < $t) {
        last if waitpid($PROM_PID, POSIX::WNOHANG()) == $PROM_PID;
        select undef, undef, undef, 0.1;
    }
    kill 'KILL', $PROM_PID if kill 0, $PROM_PID;
    waitpid $PROM_PID, 0;
    undef $PROM_PID;
}

sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                  LocalPort => 0, Proto => 'tcp') or die;
    my $port = $s->sockport;
    close $s;
    return $port;
}

sub http_get {
    my ($port, $path) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Proto => 'tcp', Timeout => 2) or return;
    print $s "GET $path HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    local $/;
    my $r = <$s>;
    close $s;
    return unless defined $r && $r =~ /\r\n\r\n(.*)\z/s;
    return $1;
}

sub prometheus_scrape {
    my ($body) = @_;
    return $body unless $body =~ /^# HELP /;
    my $dir = tempdir(CLEANUP => 1);
    my $port = free_port();
    my $nginx = $ENV{TEST_NGINX_SERVER_PORT} || server_port();

    open my $fh, '>', "$dir/prometheus.yml" or die;
    print $fh <<"_EOC_";
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: apisec
    metrics_path: /status
    static_configs:
      - targets: ['127.0.0.1:$nginx']
_EOC_
    close $fh;

    $PROM_PID = fork;
    die "fork: $!" unless defined $PROM_PID;
    if ($PROM_PID == 0) {
        open STDOUT, '>', "$dir/prometheus.log";
        open STDERR, '>&', \*STDOUT;
        { exec $PROMETHEUS, "--config.file=$dir/prometheus.yml",
               "--storage.tsdb.path=$dir/data",
               "--web.listen-address=127.0.0.1:$port" };
        POSIX::_exit(127);
    }

    my $q = '/api/v1/query?query=apisec_refusals_total%7Breason%3D%22'
            . 'missing_credentials%22%7D';
    my ($res, $j);
    my $until = time + 60;
    while (time < $until) {
        select undef, undef, undef, 0.5;
        $res = http_get($port, $q) or next;
        $j = eval { decode_json($res) } or next;
        last if $j->{status} eq 'success' && @{ $j->{data}{result} };
    }

    my $out = '';
    if ($j && $j->{status} eq 'success' && @{ $j->{data}{result} }) {
        for my $r (@{ $j->{data}{result} }) {
            my $m = $r->{metric};
            $out .= join(',', map { "$_=$m->{$_}" }
                              grep { $_ ne 'instance' } sort keys %$m)
                    . " $r->{value}[1]\n";
        }
    } else {
        local $/;
        open my $log, '<', "$dir/prometheus.log";
        $out = "no series: " . ($res // 'no answer') . "\n" . <$log>;
    }

    stop_prometheus();
    return $out;
}

# the rules shipped in docs/ are valid, and fire on the series they are for
SKIP: {
    skip 'no promtool (apt-get install prometheus)', 2 unless $PROMTOOL;
    my $out = `$PROMTOOL check rules $DOCS/prometheus-rules.yml 2>&1`;
    is($?, 0, "promtool check rules docs/prometheus-rules.yml") or diag $out;
    $out = `cd $DOCS && $PROMTOOL test rules prometheus-rules.test.yml 2>&1`;
    is($?, 0, "promtool test rules docs/prometheus-rules.test.yml")
        or diag $out;
}

# every metric that the dashboard and the rules name is one that
# apisec_status exposes (a family with "# TYPE"): "ok", or the missing ones
sub docs_metrics {
    my ($body) = @_;
    return $body unless $body =~ /^# HELP /;
    my %have = map { $_ => 1 } $body =~ /^# TYPE (\S+) /mg;
    my $dash = eval {
        open my $dh, '<', "$DOCS/grafana-dashboard.json" or die "$!\n";
        local $/;
        decode_json(<$dh>);
    };
    return "docs/grafana-dashboard.json: invalid JSON: $@" unless $dash;
    my $text = join "\n", map { $_->{expr} }
                          map { @{ $_->{targets} || [] } }
                          @{ $dash->{panels} };
    open my $fh, '<', "$DOCS/prometheus-rules.yml" or return "rules: $!\n";
    $text .= join '', grep { !/^\s*#/ } <$fh>;
    my %want = map { $_ => 1 } $text =~ /\b(apisec_[a-z_]+)\b/g;
    my @missing = grep { !$have{$_} } sort keys %want;
    return @missing ? "missing: @missing\n" : "ok\n";
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: every refusal has its word in $apisec_refusal, empty when admitted
--- http_config
    apisec_limit_zone $arg_l zone=lim:1m rate=1r/m;
    apisec_ban_zone $arg_b zone=ban:1m threshold=1 window=60s duration=60s;
--- config
    location /api {
        apisec_status_zone api;
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_require_role reader;
        apisec_ban zone=ban;
        apisec_limit zone=lim;
        add_header X-Refusal $apisec_refusal always;
        empty_gif;
    }
    location /plain {
        apisec_status_zone plain;
        apisec_https_only reject;
        add_header X-Refusal $apisec_refusal always;
        empty_gif;
    }
    location /form {
        apisec_cors_origins https://app.example.com;
        apisec_csrf origin always;
        add_header X-Refusal $apisec_refusal always;
        empty_gif;
    }
    location = /status {
        apisec_status;
    }
--- request eval
["GET /api?t=$::GOOD",
 "GET /api",
 "GET /api?t=$::BADSIG",
 "GET /api?t=$::EXPIRED",
 "GET /api?t=$::NOROLE",
 "GET /api?t=$::GOOD&l=k",
 "GET /api?t=$::GOOD&l=k",
 "GET /api?b=x",
 "GET /api?b=x&t=$::GOOD",
 "GET /plain",
 "POST /form\nx=1",
 "OPTIONS /form",
 "OPTIONS /form",
 "GET /status"]
--- more_headers eval
["", "", "", "", "", "", "", "", "", "",
 "Origin: https://evil.example",
 "Origin: https://evil.example\nAccess-Control-Request-Method: POST",
 "Origin: https://app.example.com\nAccess-Control-Request-Method: POST",
 ""]
--- error_code eval
[200, 401, 401, 401, 403, 200, 429, 401, 429, 403, 403, 403, 204, 200]
--- response_headers eval
["X-Refusal:",
 "X-Refusal: missing_credentials",
 "X-Refusal: invalid_token",
 "X-Refusal: expired_token",
 "X-Refusal: role_required",
 "X-Refusal:",
 "X-Refusal: rate_limited",
 "X-Refusal: missing_credentials",
 "X-Refusal: banned",
 "X-Refusal: https_required",
 "X-Refusal: csrf",
 "X-Refusal: cors_preflight",
 "X-Refusal:",
 "Content-Type: text/plain; version=0.0.4; charset=utf-8\nCache-Control: no-store"]
--- response_body_like eval
[qr//, qr//, qr//, qr//, qr//, qr//, qr//, qr//, qr//, qr//, qr//, qr//, qr//,
 main::samples(
    'apisec_requests_total{result="admitted"}' => 3,
    'apisec_requests_total{result="refused"}' => 10,
    'apisec_refusals_total{reason="missing_credentials"}' => 2,
    'apisec_refusals_total{reason="invalid_token"}' => 1,
    'apisec_refusals_total{reason="expired_token"}' => 1,
    'apisec_refusals_total{reason="role_required"}' => 1,
    'apisec_refusals_total{reason="rate_limited"}' => 1,
    'apisec_refusals_total{reason="banned"}' => 1,
    'apisec_refusals_total{reason="https_required"}' => 1,
    'apisec_refusals_total{reason="csrf"}' => 1,
    'apisec_refusals_total{reason="cors_preflight"}' => 1,
    'apisec_refusals_total{reason="unknown_key"}' => 0,
    'apisec_zone_requests_total{zone="api",result="admitted"}' => 2,
    'apisec_zone_requests_total{zone="api",result="refused"}' => 7,
    'apisec_zone_requests_total{zone="plain",result="admitted"}' => 0,
    'apisec_zone_requests_total{zone="plain",result="refused"}' => 1,
    'apisec_zone_refusals_total{zone="api",reason="missing_credentials"}' => 2,
    'apisec_zone_refusals_total{zone="plain",reason="https_required"}' => 1,
    'apisec_limit_zone_keys{zone="lim"}' => 1,
    'apisec_limit_zone_refusals_total{zone="lim"}' => 1,
    'apisec_limit_zone_delays_total{zone="lim"}' => 0,
    'apisec_ban_zone_keys{zone="ban"}' => 1,
    'apisec_ban_zone_bans{zone="ban"}' => 1,
 )]



=== TEST 2: the Prometheus text passes promtool check metrics
--- skip_eval: 2: !defined $::PROMTOOL
--- request
GET /status
--- response_body_filters eval
\&main::promtool_metrics
--- response_body
ok



=== TEST 3: every metric of the dashboard and the rules exists
--- request
GET /status
--- response_body_filters eval
\&main::docs_metrics
--- response_body
ok



=== TEST 4: format=json: valid JSON, the same counters
--- config
    location /api {
        apisec_status_zone api;
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        empty_gif;
    }
    location /form {
        apisec_cors_origins https://app.example.com;
        apisec_csrf origin always;
        empty_gif;
    }
    location = /status.json {
        apisec_status format=json;
    }
--- request eval
["GET /api?t=$::GOOD", "GET /api", "POST /form\nx=1", "GET /status.json"]
--- more_headers eval
["", "", "Origin: https://evil.example", ""]
--- error_code eval
[200, 401, 403, 200]
--- response_headers eval
["", "", "", "Content-Type: application/json"]
--- response_body_filters eval
\&main::json_summary
--- response_body eval
[qr//, qr//, qr//,
"apisec_introspection_cache_requests_total{result=hit} 0
apisec_introspection_cache_requests_total{result=miss} 0
apisec_jwt_cache_requests_total{result=hit} 0
apisec_jwt_cache_requests_total{result=miss} 0
apisec_refusals_total{reason=csrf} 1
apisec_refusals_total{reason=missing_credentials} 1
apisec_requests_total{result=admitted} 1
apisec_requests_total{result=refused} 2
apisec_zone_requests_total{result=admitted,zone=api} 1
apisec_zone_requests_total{result=refused,zone=api} 1
"]



=== TEST 5: GET and HEAD only: 405 with Allow
--- config
    location = /status {
        apisec_status;
    }
--- request eval
["POST /status\nx=1", "HEAD /status", "DELETE /status"]
--- error_code eval
[405, 200, 405]
--- response_headers eval
["Allow: GET, HEAD\nContent-Type: application/problem+json",
 "Content-Type: text/plain; version=0.0.4; charset=utf-8",
 "Allow: GET, HEAD"]
--- response_body eval
[qr/"status":405/, "", qr/"status":405/]



=== TEST 6: $apisec_refusal in an escape=json access log: the word, empty when admitted
--- http_config
    log_format audit escape=json
        '{"uri":"$uri","status":$status,"refusal":"$apisec_refusal",'
        '"result":"$apisec_auth_result"}';
--- config
    location /api {
        access_log logs/access.log audit;
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        empty_gif;
    }
--- request eval
"GET /api?t=$::BADSIG"
--- error_code: 401
--- access_log
{"uri":"/api","status":401,"refusal":"invalid_token","result":"bad_signature"}
--- no_access_log eval
$::BADSIG



=== TEST 7: admitted: empty in the access log
--- http_config
    log_format audit escape=json '{"uri":"$uri","refusal":"$apisec_refusal"}';
--- config
    location /api {
        access_log logs/access.log audit;
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        empty_gif;
    }
--- request eval
"GET /api?t=$::GOOD"
--- access_log
{"uri":"/api","refusal":""}



=== TEST 8: after error_page, the refusal of the location that refused
--- http_config
    log_format audit escape=json '{"uri":"$uri","refusal":"$apisec_refusal"}';
--- config
    location /api {
        access_log logs/access.log audit;
        apisec_status_zone api;
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        error_page 401 /err;
        empty_gif;
    }
    location = /err {
        access_log logs/access.log audit;
        return 200 "err\n";
    }
    location = /status {
        apisec_status;
    }
--- request eval
["GET /api", "GET /status"]
--- error_code eval
[401, 200]
--- access_log
{"uri":"/err","refusal":"missing_credentials"}
--- response_body_like eval
["err\n", main::samples(
    'apisec_requests_total{result="refused"}' => 1,
    'apisec_zone_refusals_total{zone="api",reason="missing_credentials"}' => 1)]



=== TEST 9: the first refusal stays when the error page's location refuses too
--- http_config
    log_format audit escape=json '{"uri":"$uri","refusal":"$apisec_refusal"}';
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        error_page 401 /plain/401;
        empty_gif;
    }
    location /plain/ {
        access_log logs/access.log audit;
        apisec_https_only reject;
        empty_gif;
    }
--- request
GET /api
--- error_code: 403
--- access_log
{"uri":"/plain/401","refusal":"missing_credentials"}
--- error_log
apisec: plain HTTP request refused, HTTPS required



=== TEST 10: satisfy any: a 401 another access module waived is no refusal
--- http_config
    log_format audit escape=json '{"uri":"$uri","refusal":"$apisec_refusal"}';
--- config
    location /api {
        access_log logs/access.log audit;
        satisfy any;
        allow 127.0.0.1;
        deny all;
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        empty_gif;
    }
    location = /status {
        apisec_status;
    }
--- request eval
["GET /api", "GET /status"]
--- error_code eval
[200, 200]
--- access_log
{"uri":"/api","refusal":""}
--- response_body_like eval
[qr//, main::samples(
    'apisec_requests_total{result="admitted"}' => 1,
    'apisec_requests_total{result="refused"}' => 0)]



=== TEST 11: a "return" before the access phase is not counted, nor the status itself
--- config
    location /r {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        return 200 "r\n";
    }
    location = /status {
        apisec_status;
    }
--- request eval
["GET /r", "GET /status", "GET /status"]
--- response_body_like eval
["r\n", qr//, main::samples(
    'apisec_requests_total{result="admitted"}' => 0,
    'apisec_requests_total{result="refused"}' => 0)]



=== TEST 12: a reload keeps the counters; a new tag is added beside the old ones
--- skip_eval: 8: Test::Apisec::cpan_skip('reload in the middle of a block')
--- config
    location /api {
        apisec_status_zone api;
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        empty_gif;
    }
    location = /status {
        apisec_status;
    }
--- reload_config
    location /new {
        apisec_status_zone new;
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        empty_gif;
    }
    location /api {
        apisec_status_zone api;
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        empty_gif;
    }
    location = /status {
        apisec_status;
    }
--- reload_after: 2
--- request eval
["GET /api?t=$::GOOD", "GET /api", "GET /new", "GET /status"]
--- error_code eval
[200, 401, 401, 200]
--- response_body_like eval
[qr//, qr//, qr//, main::samples(
    'apisec_requests_total{result="admitted"}' => 1,
    'apisec_requests_total{result="refused"}' => 2,
    'apisec_zone_requests_total{zone="api",result="admitted"}' => 1,
    'apisec_zone_requests_total{zone="api",result="refused"}' => 1,
    'apisec_zone_requests_total{zone="new",result="refused"}' => 1)]



=== TEST 13: a real Prometheus server scrapes the status and holds the series
--- skip_eval: 8: !defined $::PROMETHEUS
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        empty_gif;
    }
    location = /status {
        apisec_status;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /status"]
--- error_code eval
[401, 401, 401, 200]
--- response_body_filters eval
\&main::prometheus_scrape
--- response_body eval
[qr//, qr//, qr//, "__name__=apisec_refusals_total,job=apisec,reason=missing_credentials 3\n"]
--- timeout: 70



=== TEST 14: the JWT cache's hits and misses; key sets: keys, age, failures
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_request /_jwks;
        apisec_jwt_cache zone=jwt:1m;
        empty_gif;
    }
    location /down {
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_request /_down;
        empty_gif;
    }
    location = /_jwks {
        internal;
        default_type application/json;
        alias $TEST_NGINX_DATA/jwks.json;
    }
    location = /_down {
        internal;
        return 500;
    }
    location = /status {
        apisec_status;
    }
--- request eval
["GET /api?t=$::EC", "GET /api?t=$::EC", "GET /api?t=$::EC",
 "GET /down?t=$::EC", "GET /status"]
--- error_code eval
[200, 200, 200, 503, 200]
--- response_body_like eval
[qr//, qr//, qr//, qr//, main::samples(
    'apisec_jwt_cache_requests_total{result="hit"}' => 2,
    'apisec_jwt_cache_requests_total{result="miss"}' => 1,
    'apisec_key_set_keys{source="/_jwks"}' => 5,    # the oct key is not taken
    'apisec_key_set_age_seconds{source="/_jwks"}' => '[0-2]',
    'apisec_key_set_keys{source="/_down"}' => 0,
    'apisec_key_fetch_failures_total{source="/_jwks"}' => 0,
    'apisec_key_fetch_failures_total{source="/_down"}' => 1,
    'apisec_refusals_total{reason="unavailable"}' => 1)]
--- response_body_unlike eval
[qr/^$/, qr/^$/, qr/^$/, qr/^$/, qr/apisec_key_set_age_seconds\{source="\/_down"\}/]



=== TEST 15: a limit zone's delays and refusals, by zone
--- http_config
    apisec_limit_zone $arg_k zone=slow:1m rate=10r/s;
    apisec_limit_zone $arg_o zone=other:1m rate=1r/m;
--- config
    location /api {
        apisec_limit zone=slow burst=1;
        apisec_limit zone=other;
        empty_gif;
    }
    location = /status {
        apisec_status;
    }
--- request eval
["GET /api?k=a", "GET /api?k=a", "GET /api?o=x", "GET /api?o=x",
 "GET /status"]
--- error_code eval
[200, 200, 200, 429, 200]
--- response_body_like eval
[qr//, qr//, qr//, qr//, main::samples(
    'apisec_limit_zone_delays_total{zone="slow"}' => 1,
    'apisec_limit_zone_refusals_total{zone="slow"}' => 0,
    'apisec_limit_zone_delays_total{zone="other"}' => 0,
    'apisec_limit_zone_refusals_total{zone="other"}' => 1,
    'apisec_limit_zone_keys{zone="slow"}' => 1,
    'apisec_limit_zone_keys{zone="other"}' => 1,
    'apisec_refusals_total{reason="rate_limited"}' => 1,
    'apisec_requests_total{result="admitted"}' => 3)]



=== TEST 16: bad configuration
--- config
    location = /status {
        apisec_status format=xml;
    }
--- must_die
--- error_log
invalid parameter "format=xml": expected "format=json" or "format=prometheus"



=== TEST 17: a tag is a bounded, configuration-time name
--- config
    location /api {
        apisec_status_zone "a b";
        empty_gif;
    }
--- must_die
--- error_log
invalid tag "a b": letters, digits, "_", "-" and "." only
