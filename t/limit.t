# apisec_limit_zone, apisec_limit, apisec_limit_headers: the algorithm's
# exact admitted counts (allowing only for the time the client measured,
# see t/lib/ApisecLimit.pm), delays without a blocked worker, the 429,
# Retry-After, RateLimit headers, dry runs, several limits, redirects,
# reloads and the configuration errors.  Bans are in ban.t; 4 workers and
# 64 connections in limit_concurrency.t.

use lib 't/lib';
use Test::Apisec 'no_plan';
use ApisecLimit;
use ApisecJwt;

my @hs = ('--alg', 'HS256', '--key', "$DATA/hs.jwk", '--kid', 'hs1');
our $ALICE = mint(@hs, '--claims', '{"sub":"alice"}', '--exp', 600);
our $BOB = mint(@hs, '--claims', '{"sub":"bob"}', '--exp', 600);

add_response_body_check(\&ApisecLimit::check_block);

# several requests a block, each refusal logged once: look at the whole log
check_accum_error_log();
no_shuffle();
run_tests();

__DATA__

=== TEST 1: rate=10r/s, no burst: 50 requests back to back admit exactly 1
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=10r/s;
--- config
    location /api {
        apisec_limit zone=one;
        empty_gif;
    }
    location /ping { empty_gif; }
--- request
GET /ping
--- fire
{ path => '/api', n => 50, rate => 10, burst => 0 }
--- error_code: 200
--- error_log eval
qr/\[info\] .*limiting requests, excess: 0\.9\d\d by zone "one"|limiting requests, excess: 1\.000 by zone "one"/



=== TEST 2: burst=5 nodelay admits exactly 6; after 1 s of silence exactly 6 again
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=10r/s;
--- config
    location /api {
        apisec_limit zone=one burst=5 nodelay;
        empty_gif;
    }
    location /ping { empty_gif; }
--- request
GET /ping
--- fire
{ path => '/api', n => 50, rate => 10, burst => 5, rounds => [1000] }
--- error_code: 200



=== TEST 3: burst=5 without nodelay: the burst is delayed k x 100 ms, the rest refused at once, the worker keeps serving
--- skip_eval: 16: $ENV{TEST_NGINX_USE_VALGRIND}  # times to the ms
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=10r/s;
--- config
    location /api {
        apisec_limit zone=one burst=5;
        empty_gif;
    }
    location /ping { empty_gif; }
--- request
GET /ping
--- fire
{ path => '/api', n => 1, conns => 9, rate => 10, burst => 5, delay => 1,
  probe => '/ping' }
--- error_code: 200
--- error_log eval
qr/delaying request by (?:49\d|500) ms, by zone "one"/



=== TEST 4: the refusal: 429, Retry-After rounded up, no-store, problem+json
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=1r/m;
--- config
    location /api {
        apisec_limit zone=one;
        empty_gif;
    }
--- pipelined_requests eval
["GET /api", "GET /api"]
--- more_headers
X-User: alice
--- error_code eval
[200, 429]
--- response_headers eval
["!Retry-After", "Retry-After: 60\nCache-Control: no-store\nContent-Type: application/problem+json"]
--- response_body eval
[qr/^GIF/, '{"type":"about:blank","title":"Too Many Requests","status":429,"detail":"rate limit exceeded"}
']
--- error_log
limiting requests, excess: 1.000 by zone "one"



=== TEST 5: an empty key is not limited
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=1r/m;
--- config
    location /api {
        apisec_limit zone=one;
        add_header X-Limit "[$apisec_limit_status]" always;
        empty_gif;
    }
--- pipelined_requests eval
["GET /api", "GET /api", "GET /api"]
--- error_code eval
[200, 200, 200]
--- response_headers eval
["X-Limit: []", "X-Limit: []", "X-Limit: []"]



=== TEST 6: apisec_limit_status and $apisec_limit_status
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=1r/m;
--- config
    location /api {
        apisec_limit zone=one;
        apisec_limit_status 503;
        add_header X-Limit $apisec_limit_status always;
        empty_gif;
    }
--- pipelined_requests eval
["GET /api", "GET /api"]
--- more_headers
X-User: bob
--- error_code eval
[200, 503]
--- response_headers eval
["X-Limit: PASSED", "X-Limit: REJECTED\nRetry-After: 60"]



=== TEST 7: dry_run refuses nothing, logs, and says what it would have done
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=1r/m;
--- config
    location /api {
        apisec_limit zone=one dry_run;
        add_header X-Limit $apisec_limit_status always;
        empty_gif;
    }
--- pipelined_requests eval
["GET /api", "GET /api", "GET /api"]
--- more_headers
X-User: carol
--- error_code eval
[200, 200, 200]
--- response_headers eval
["X-Limit: PASSED\n!Retry-After", "X-Limit: REJECTED_DRY_RUN\n!Retry-After", "X-Limit: REJECTED_DRY_RUN"]
--- error_log
limiting requests, dry run, excess: 1.000 by zone "one"



=== TEST 8: dry_run with a burst: the delay is not applied, and said
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=1r/m;
--- config
    location /api {
        apisec_limit zone=one burst=3 dry_run;
        add_header X-Limit $apisec_limit_status always;
        empty_gif;
    }
--- pipelined_requests eval
["GET /api", "GET /api"]
--- more_headers
X-User: dave
--- error_code eval
[200, 200]
--- response_headers eval
["X-Limit: PASSED", "X-Limit: DELAYED_DRY_RUN"]
--- error_log
delaying request, dry run, excess: 1.000, by zone "one"



=== TEST 9: several limits all apply; a refusal by one is not charged to the others
--- http_config
    apisec_limit_zone $http_x_user zone=a:1m rate=1r/m;
    apisec_limit_zone $arg_b zone=b:1m rate=1r/m;
--- config
    location /api {
        apisec_limit zone=a burst=2 nodelay;
        apisec_limit zone=b;
        empty_gif;
    }
--- pipelined_requests eval
["GET /api?b=k1", "GET /api?b=k1", "GET /api?b=k2", "GET /api?b=k3",
 "GET /api?b=k4"]
--- more_headers
X-User: u
--- error_code eval
[200, 429, 200, 200, 429]
--- error_log
limiting requests, excess: 1.000 by zone "b"
limiting requests, excess: 3.000 by zone "a"



=== TEST 10: the most restrictive refusal wins: the longest Retry-After
--- http_config
    apisec_limit_zone $http_x_user zone=fast:1m rate=1r/s;
    apisec_limit_zone $http_x_user zone=slow:1m rate=2r/m;
--- config
    location /api {
        apisec_limit zone=fast;
        apisec_limit zone=slow;
        empty_gif;
    }
--- pipelined_requests eval
["GET /api", "GET /api"]
--- more_headers
X-User: erin
--- error_code eval
[200, 429]
--- response_headers eval
["", "Retry-After: 30"]
--- error_log
limiting requests, excess: 1.000 by zone "slow"



=== TEST 11: RateLimit-Policy and RateLimit on successes and refusals
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=1r/m;
--- config
    location /api {
        apisec_limit zone=one burst=2 nodelay;
        apisec_limit_headers on;
        empty_gif;
    }
--- pipelined_requests eval
["GET /api", "GET /api", "GET /api", "GET /api"]
--- more_headers
X-User: frank
--- error_code eval
[200, 200, 200, 429]
--- response_headers eval
["RateLimit-Policy: \"one\";q=1;w=60\nRateLimit: \"one\";r=2;t=60",
 "RateLimit-Policy: \"one\";q=1;w=60\nRateLimit: \"one\";r=1;t=120",
 "RateLimit-Policy: \"one\";q=1;w=60\nRateLimit: \"one\";r=0;t=180",
 "RateLimit-Policy: \"one\";q=1;w=60\nRateLimit: \"one\";r=0;t=180\nRetry-After: 60"]



=== TEST 12: RateLimit headers with a per-second zone, two zones, and a request that was not counted
--- http_config
    apisec_limit_zone $arg_u zone=one:1m rate=10r/s;
    apisec_limit_zone $arg_two zone=two:1m rate=600r/m;
--- config
    location /api {
        apisec_limit zone=one burst=5 nodelay;
        apisec_limit zone=two;
        apisec_limit_headers on;
        empty_gif;
    }
--- pipelined_requests eval
["GET /api?u=g", "GET /api"]
--- error_code eval
[200, 200]
--- response_headers eval
["RateLimit-Policy: \"one\";q=10;w=1, \"two\";q=10;w=1\nRateLimit: \"one\";r=5;t=1",
 "RateLimit-Policy: \"one\";q=10;w=1, \"two\";q=10;w=1\n!RateLimit"]



=== TEST 13: no RateLimit headers unless apisec_limit_headers is on
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=10r/s;
--- config
    location /api {
        apisec_limit zone=one;
        empty_gif;
    }
--- request
GET /api
--- more_headers
X-User: h
--- response_headers
!RateLimit-Policy
!RateLimit



=== TEST 14: counted once across an internal redirect
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=1r/m;
--- config
    location /api {
        apisec_limit zone=one;
        root html;
        error_page 404 = /fallback;
    }
    location /fallback {
        apisec_limit zone=one;
        empty_gif;
    }
--- pipelined_requests eval
["GET /api/missing", "GET /api/missing"]
--- more_headers
X-User: ivan
--- error_code eval
[200, 429]



=== TEST 15: "apisec_limit off" cancels an inherited limit
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=1r/m;
--- config
    apisec_limit zone=one;
    location /api {
        empty_gif;
    }
    location /free {
        apisec_limit off;
        empty_gif;
    }
--- pipelined_requests eval
["GET /api", "GET /api", "GET /free", "GET /free"]
--- more_headers
X-User: judy
--- error_code eval
[200, 429, 200, 200]



=== TEST 16: a rate-limit refusal is final under "satisfy any"
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=1r/m;
--- config
    location /api {
        satisfy any;
        allow all;
        apisec_limit zone=one;
        empty_gif;
    }
--- pipelined_requests eval
["GET /api", "GET /api"]
--- more_headers
X-User: kim
--- error_code eval
[200, 429]



=== TEST 17: the zone's state survives a reload
--- skip_eval: 4: Test::Apisec::cpan_skip('it reloads nginx in the middle of the block')
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=1r/m;
--- config
    location /api {
        apisec_limit zone=one;
        empty_gif;
    }
--- reload_config
    location /api {
        apisec_limit zone=one;
        add_header X-Reloaded yes always;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers
X-User: leo
--- error_code eval
[200, 429]
--- response_headers eval
["!X-Reloaded", "X-Reloaded: yes"]



=== TEST 18: a reload that changes a zone's key fails, and the old configuration keeps serving
--- skip_eval: 4: Test::Apisec::cpan_skip('it reloads nginx in the middle of the block')
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=1r/m;
--- config
    location /api {
        apisec_limit zone=one;
        empty_gif;
    }
--- reload_http_config
    apisec_limit_zone $remote_addr zone=one:1m rate=1r/m;
--- reload_fails
--- reload_after: 0
--- request eval
["GET /api", "GET /api"]
--- more_headers
X-User: mia
--- error_code eval
[200, 429]
--- error_log
apisec_limit_zone "one" uses the "$remote_addr" key while previously it used the "$http_x_user" key



=== TEST 19: a zone under 8 pages is refused
--- http_config
    apisec_limit_zone $http_x_user zone=one:16k rate=1r/s;
--- config
--- must_die
--- error_log eval
qr/zone "zone=one:16k" is too small in .*nginx\.conf:\d+/



=== TEST 20: an invalid rate is refused
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=10r/w;
--- config
--- must_die
--- error_log eval
qr/invalid rate "rate=10r\/w", expected "rate=<N>r\/s", "rate=<N>r\/m", "rate=<N>r\/h" or "rate=<N>r\/d" with N > 0 in .*nginx\.conf:\d+/



=== TEST 21: a zone needs a rate
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m;
--- config
--- must_die
--- error_log eval
qr/"apisec_limit_zone" must have "rate" parameter in .*nginx\.conf:\d+/



=== TEST 22: apisec_limit_zone is http-only
--- config
    apisec_limit_zone $http_x_user zone=one:1m rate=1r/s;
--- must_die
--- error_log eval
qr/"apisec_limit_zone" directive is not allowed here in .*nginx\.conf:\d+/



=== TEST 23: an unknown zone, an unknown parameter
--- config
    location /api {
        apisec_limit zone=nope;
    }
--- must_die
--- error_log eval
qr/unknown apisec_limit_zone "nope" in .*nginx\.conf:\d+/



=== TEST 24: an unknown parameter of apisec_limit
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=1r/s;
--- config
    location /api {
        apisec_limit zone=one burst=5 fast;
    }
--- must_die
--- error_log eval
qr/invalid parameter "fast" in .*nginx\.conf:\d+/



=== TEST 25: the same zone twice in a location
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=1r/s;
--- config
    location /api {
        apisec_limit zone=one;
        apisec_limit zone=one burst=2;
    }
--- must_die
--- error_log eval
qr/"apisec_limit" directive is duplicate in .*nginx\.conf:\d+/



=== TEST 26: a key on $apisec_subject: limits run after authentication, per consumer
--- http_config
    apisec_limit_zone $apisec_subject zone=subj:1m rate=1r/m;
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_limit zone=subj;
        empty_gif;
    }
--- pipelined_requests eval
["GET /api?t=$::ALICE", "GET /api?t=$::ALICE", "GET /api?t=$::BOB",
 "GET /api", "GET /api"]
--- error_code eval
[200, 429, 200, 401, 401]



=== TEST 27: a full zone evicts the least recently used keys, says so once a minute, and keeps admitting
--- http_config
    apisec_limit_zone $arg_k zone=one:32k rate=1r/m;
--- config
    location /api {
        apisec_limit zone=one;
        empty_gif;
    }
--- pipelined_requests eval
[(map { "GET /api?k=key$_" } 1 .. 300), "GET /api?k=key300", "GET /api?k=key1"]
--- error_code eval
[(200) x 300, 429, 200]
--- log_level: warn
--- grep_error_log eval
qr/zone is full, \d+ least recently used entries evicted/
--- grep_error_log_out eval
qr/\A(zone is full, \d+ least recently used entries evicted\n)\z/
--- no_error_log
could not allocate node
[alert]
[crit]



=== TEST 28: the old "NAME key= size=" form is refused, the message shows it in the new form
--- http_config
    apisec_limit_zone per_ip key=$binary_remote_addr size=10m rate=10r/s;
--- config
--- must_die
--- error_log eval
qr/"apisec_limit_zone" takes the shape of "limit_req_zone" now: apisec_limit_zone \$binary_remote_addr zone=per_ip:10m rate=10r\/s; \(the "NAME key= size=" form is gone\) in .*nginx\.conf:\d+/



=== TEST 29: the old form with a parameter missing, a key in quotes: the missing size as a placeholder, the key in quotes
--- http_config
    apisec_limit_zone one "key=$http_x_user $arg_t" rate=1r/m;
--- config
--- must_die
--- error_log eval
qr/"apisec_limit_zone" takes the shape of "limit_req_zone" now: apisec_limit_zone "\$http_x_user \$arg_t" zone=one:<size> rate=1r\/m; \(the "NAME key= size=" form is gone\) in .*nginx\.conf:\d+/



=== TEST 30: a zone needs zone=
--- http_config
    apisec_limit_zone $http_x_user rate=1r/m;
--- config
--- must_die
--- error_log eval
qr/"apisec_limit_zone" must have "zone" parameter in .*nginx\.conf:\d+/



=== TEST 31: zone= needs a size
--- http_config
    apisec_limit_zone $http_x_user zone=one rate=1r/m;
--- config
--- must_die
--- error_log eval
qr/invalid zone size "zone=one", "zone=name:size" expected in .*nginx\.conf:\d+/



=== TEST 32: a zone size that is not a size
--- http_config
    apisec_limit_zone $http_x_user zone=one:lots rate=1r/m;
--- config
--- must_die
--- error_log eval
qr/invalid zone size "zone=one:lots" in .*nginx\.conf:\d+/



=== TEST 33: a zone without a name
--- http_config
    apisec_limit_zone $http_x_user zone=:1m rate=1r/m;
--- config
--- must_die
--- error_log eval
qr/invalid zone name "zone=:1m" in .*nginx\.conf:\d+/



=== TEST 34: two zones of the same name
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=1r/m;
    apisec_limit_zone $remote_addr zone=one:1m rate=1r/s;
--- config
--- must_die
--- error_log eval
qr/apisec_limit_zone "one" is duplicate in .*nginx\.conf:\d+/



=== TEST 35: an unknown parameter of apisec_limit_zone
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=1r/m burst=5;
--- config
--- must_die
--- error_log eval
qr/invalid parameter "burst=5" in .*nginx\.conf:\d+/



=== TEST 36: a key without variables is one bucket for every client
--- http_config
    apisec_limit_zone everyone zone=all:1m rate=1r/m;
--- config
    location /api {
        apisec_limit zone=all;
        empty_gif;
    }
--- pipelined_requests eval
["GET /api?u=a", "GET /api?u=b"]
--- error_code eval
[200, 429]
--- error_log
limiting requests, excess: 1.000 by zone "all"



=== TEST 37: a new-form zone with a stray key= is told its parameter is invalid, not rewritten
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m key=$arg_k rate=1r/m;
--- config
--- must_die
--- error_log eval
qr/invalid parameter "key=\$arg_k" in .*nginx\.conf:\d+/



=== TEST 38: rate=1r/h burst=2 nodelay: exactly 3 admitted, then 429 with Retry-After: 3600
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=1r/h;
--- config
    location /api {
        apisec_limit zone=one burst=2 nodelay;
        apisec_limit_headers on;
        empty_gif;
    }
--- pipelined_requests eval
["GET /api", "GET /api", "GET /api", "GET /api"]
--- more_headers
X-User: hourly
--- error_code eval
[200, 200, 200, 429]
--- response_headers eval
["RateLimit-Policy: \"one\";q=1;w=3600\nRateLimit: \"one\";r=2;t=3600\n!Retry-After",
 "RateLimit-Policy: \"one\";q=1;w=3600\nRateLimit: \"one\";r=1;t=7200\n!Retry-After",
 "RateLimit-Policy: \"one\";q=1;w=3600\nRateLimit: \"one\";r=0;t=10800\n!Retry-After",
 "RateLimit-Policy: \"one\";q=1;w=3600\nRateLimit: \"one\";r=0;t=10800\nRetry-After: 3600"]
--- error_log
limiting requests, excess: 3.000 by zone "one"



=== TEST 39: rate=2r/d burst=1 nodelay: exactly 2 admitted, then 429 with Retry-After: 43200
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=2r/d;
--- config
    location /api {
        apisec_limit zone=one burst=1 nodelay;
        apisec_limit_headers on;
        empty_gif;
    }
--- pipelined_requests eval
["GET /api", "GET /api", "GET /api"]
--- more_headers
X-User: daily
--- error_code eval
[200, 200, 429]
--- response_headers eval
["RateLimit-Policy: \"one\";q=2;w=86400\nRateLimit: \"one\";r=1;t=43200",
 "RateLimit-Policy: \"one\";q=2;w=86400\nRateLimit: \"one\";r=0;t=86400",
 "RateLimit-Policy: \"one\";q=2;w=86400\nRateLimit: \"one\";r=0;t=86400\nRetry-After: 43200"]
--- error_log
limiting requests, excess: 2.000 by zone "one"



=== TEST 40: RateLimit-Policy: the shortest window of a whole number of requests, for each spelling
--- http_config
    apisec_limit_zone $arg_a zone=a:1m rate=90r/h;
    apisec_limit_zone $arg_b zone=b:1m rate=1000r/d;
    apisec_limit_zone $arg_c zone=c:1m rate=24r/d;
    apisec_limit_zone $arg_d zone=d:1m rate=120r/h;
    apisec_limit_zone $arg_e zone=e:1m rate=3600r/h;
    apisec_limit_zone $arg_f zone=f:1m rate=86400000000r/d;
--- config
    location /api {
        apisec_limit zone=a;
        apisec_limit zone=b;
        apisec_limit zone=c;
        apisec_limit zone=d;
        apisec_limit zone=e;
        apisec_limit zone=f;
        apisec_limit_headers on;
        empty_gif;
    }
--- request
GET /api
--- error_code: 200
--- response_headers
RateLimit-Policy: "a";q=90;w=3600, "b";q=1000;w=86400, "c";q=1;w=3600, "d";q=2;w=60, "e";q=1;w=1, "f";q=1000000;w=1
!RateLimit



=== TEST 41: a zero rate is refused, in any unit
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=0r/h;
--- config
--- must_die
--- error_log eval
qr/invalid rate "rate=0r\/h", expected "rate=<N>r\/s", "rate=<N>r\/m", "rate=<N>r\/h" or "rate=<N>r\/d" with N > 0 in .*nginx\.conf:\d+/



=== TEST 42: the two-word spelling "rate=1 r/h" is not a zone's: the message names the one spelling
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=1 r/h;
--- config
--- must_die
--- error_log eval
qr/invalid rate "rate=1", expected "rate=<N>r\/s", "rate=<N>r\/m", "rate=<N>r\/h" or "rate=<N>r\/d" with N > 0 in .*nginx\.conf:\d+/



=== TEST 43: a rate above 1000000r/s is refused
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=1000001r/s;
--- config
--- must_die
--- error_log eval
qr/rate "rate=1000001r\/s" is too high, the most is "rate=1000000r\/s" in .*nginx\.conf:\d+/



=== TEST 44: the same bound in requests a day
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=86400000001r/d;
--- config
--- must_die
--- error_log eval
qr/rate "rate=86400000001r\/d" is too high, the most is "rate=1000000r\/s" in .*nginx\.conf:\d+/



=== TEST 45: a rate of 2^64 + 1 requests a minute is too high, not 1 r/m wrapped around
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=18446744073709551617r/m;
--- config
--- must_die
--- error_log eval
qr/rate "rate=18446744073709551617r\/m" is too high, the most is "rate=1000000r\/s" in .*nginx\.conf:\d+/



=== TEST 46: a key in braces, "${http_x_user}", is the variable's value: one bucket a user
--- http_config
    apisec_limit_zone ${http_x_user} zone=one:1m rate=1r/m;
--- config
    location /api {
        apisec_limit zone=one;
        empty_gif;
    }
--- pipelined_requests eval
["GET /api", "GET /api"]
--- more_headers
X-User: bob
--- error_code eval
[200, 429]
--- error_log
limiting requests, excess: 1.000 by zone "one"



=== TEST 47: a key of text and variables counts each combination apart, and is never empty
--- http_config
    apisec_limit_zone u=$http_x_user,t=$arg_t zone=one:1m rate=1r/m;
--- config
    location /api {
        apisec_limit zone=one;
        empty_gif;
    }
--- pipelined_requests eval
["GET /api?t=1", "GET /api?t=2", "GET /api?t=1", "GET /api"]
--- more_headers
X-User: bob
--- error_code eval
[200, 200, 429, 200]



=== TEST 48: a key of a variable that is not found (no such header) is empty: not counted
--- http_config
    apisec_limit_zone $cookie_session zone=one:1m rate=1r/m;
--- config
    location /api {
        apisec_limit zone=one;
        add_header X-Limit "[$apisec_limit_status]" always;
        empty_gif;
    }
--- pipelined_requests eval
["GET /api", "GET /api"]
--- error_code eval
[200, 200]
--- response_headers eval
["X-Limit: []", "X-Limit: []"]
