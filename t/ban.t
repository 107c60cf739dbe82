# apisec_ban_zone, apisec_ban: authentication failures (401s of this
# module) counted per key; at the threshold within the window the key is
# refused with 429 for the duration, before any cryptography; the ban
# expires by itself; ban and expiry are logged at warn.

use lib 't/lib';
use Test::Apisec 'no_plan';
use ApisecJwt;
use ApisecLimit;

add_response_body_check(\&ApisecLimit::check_final_log);

my @hs = ('--alg', 'HS256', '--key', "$DATA/hs.jwk", '--kid', 'hs1');

our $GOOD = mint(@hs, '--claims', '{"sub":"alice"}', '--exp', 600);
our $BAD = mint(@hs, '--claims', '{"sub":"alice"}', '--exp', 600,
                '--sig-flip');

# apisec_ban statuses=: a login form of the application behind nginx, on a
# server of its own, answers 401 to a bad password and 200 to "good"
our $LOGIN = <<'CONF';
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            if ($arg_pw != good) {
                return 401 "bad password\n";
            }
            return 200 "welcome\n";
        }
    }
CONF

add_block_preprocessor(sub {
    my $block = shift;
    my $hc = $block->http_config;

    if (defined $hc && $hc =~ /\$LOGIN_SERVER/) {
        $hc =~ s/\$LOGIN_SERVER\n?/$LOGIN/;
        $block->set_value('http_config', $hc);
    }
});

no_shuffle();
run_tests();

__DATA__

=== TEST 1: the threshold reached, the key is refused with 429 and Retry-After
--- http_config
    apisec_ban_zone $remote_addr zone=auth:1m threshold=3 window=10s
                    duration=60s;
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_ban zone=auth;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api?t=$::GOOD"]
--- error_code eval
[401, 401, 401, 429]
--- response_headers eval
["!Retry-After", "!Retry-After", "!Retry-After",
 "Retry-After: 60\nCache-Control: no-store\nContent-Type: application/problem+json"]
--- response_body eval
[qr/"status":401/, qr/"status":401/, qr/"status":401/,
 qq({"type":"about:blank","title":"Too Many Requests","status":429,"detail":"too many authentication failures"}\n)]
--- final_error_log eval
[qr/\[warn\] .*"127\.0\.0\.1" banned in zone "auth" for 60000 ms after 3 authentication failures/,
 qr/\[info\] .*request refused, "127\.0\.0\.1" is banned in zone "auth" for \d+ ms more/]



=== TEST 2: a banned key is refused before any cryptography
--- http_config
    apisec_ban_zone $remote_addr zone=auth:1m threshold=1 window=10s
                    duration=60s;
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_ban zone=auth;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api?t=$::BAD", "GET /api?t=$::GOOD"]
--- error_code eval
[401, 429, 429]
--- no_error_log
signature



=== TEST 3: the ban expires by itself, and its end is logged
--- http_config
    apisec_ban_zone $remote_addr zone=auth:1m threshold=2 window=10s
                    duration=1s;
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_ban zone=auth;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api", "GET /api?t=$::GOOD", "GET /api?t=$::GOOD",
 "GET /api?t=$::GOOD"]
--- wait: 0.4
--- error_code eval
[401, 401, 429, 429, 200]
--- response_headers eval
["", "", "Retry-After: 1", "Retry-After: 1", "!Retry-After"]
--- final_error_log eval
[qr/\[warn\] .*"127\.0\.0\.1" banned in zone "auth" for 1000 ms after 2 authentication failures/,
 qr/\[warn\] .*ban of "127\.0\.0\.1" expired in zone "auth"/]



=== TEST 4: failures further apart than the window do not add up
--- http_config
    apisec_ban_zone $remote_addr zone=auth:1m threshold=2 window=300ms
                    duration=60s;
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_ban zone=auth;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api?t=$::GOOD"]
--- wait: 0.4
--- error_code eval
[401, 401, 401, 200]
--- no_error_log
banned



=== TEST 5: successful authentications are not counted
--- http_config
    apisec_ban_zone $remote_addr zone=auth:1m threshold=1 window=10s
                    duration=60s;
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_ban zone=auth;
        empty_gif;
    }
--- request eval
["GET /api?t=$::GOOD", "GET /api?t=$::GOOD", "GET /api?t=$::GOOD"]
--- error_code eval
[200, 200, 200]



=== TEST 6: a ban is per key; an empty key is never banned
--- http_config
    apisec_ban_zone $arg_c zone=auth:1m threshold=1 window=10s
                    duration=60s;
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_ban zone=auth;
        empty_gif;
    }
--- request eval
["GET /api?c=a", "GET /api?c=a&t=$::GOOD", "GET /api?c=b&t=$::GOOD",
 "GET /api", "GET /api", "GET /api?t=$::GOOD"]
--- error_code eval
[401, 429, 200, 401, 401, 200]



=== TEST 7: failures in a location without apisec_ban are not counted
--- http_config
    apisec_ban_zone $remote_addr zone=auth:1m threshold=1 window=10s
                    duration=60s;
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_ban zone=auth;
        empty_gif;
    }
    location /other {
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        empty_gif;
    }
--- request eval
["GET /other", "GET /other", "GET /api?t=$::GOOD"]
--- error_code eval
[401, 401, 200]



=== TEST 8: a ban zone needs all its parameters
--- http_config
    apisec_ban_zone $remote_addr zone=auth:1m threshold=3 window=10s;
--- config
--- must_die
--- error_log eval
qr/"apisec_ban_zone" must have "threshold", "window" and "duration" parameters in .*nginx\.conf:\d+/



=== TEST 9: an unknown ban zone
--- config
    location /api {
        apisec_ban zone=nope;
    }
--- must_die
--- error_log eval
qr/unknown apisec_ban_zone "nope" in .*nginx\.conf:\d+/



=== TEST 10: a limit zone is not a ban zone
--- http_config
    apisec_limit_zone $remote_addr zone=one:1m rate=1r/s;
--- config
    location /api {
        apisec_ban zone=one;
    }
--- must_die
--- error_log eval
qr/the shared memory zone "one" is already declared for a different use in .*nginx\.conf:\d+/



=== TEST 11: a ban in force survives a flood of failures on other keys
--- http_config
    apisec_ban_zone $arg_k zone=auth:32k threshold=2 window=60s
                    duration=60s;
--- config
    keepalive_requests 2000;

    location /api {
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_ban zone=auth;
        empty_gif;
    }
--- pipelined_requests eval
["GET /api?k=A", "GET /api?k=A", (map { "GET /api?k=key$_" } 1 .. 400),
 "GET /api?k=A&t=$::GOOD", "GET /api?k=key400&t=$::GOOD"]
--- error_code eval
[401, 401, (401) x 400, 429, 200]
--- log_level: warn
--- final_error_log eval
[qr/\[warn\] .*"A" banned in zone "auth" for 60000 ms after 2 authentication failures/,
 qr/\[warn\] .*zone is full, \d+ least recently used entries evicted \(\d+ in all\) in apisec_ban_zone "auth"/]
--- no_error_log
[alert]
[crit]



=== TEST 12: a zone full of bans in force refuses new keys, with one alert
--- http_config
    apisec_ban_zone $arg_k zone=auth:32k threshold=1 window=60s
                    duration=60s;
--- config
    keepalive_requests 2000;

    location /api {
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_ban zone=auth;
        empty_gif;
    }
--- pipelined_requests eval
["GET /api?k=A", (map { "GET /api?k=key$_" } 1 .. 400),
 "GET /api?k=A&t=$::GOOD", "GET /api?k=key400&t=$::GOOD"]
--- error_code eval
[401, (401) x 400, 429, 200]
--- log_level: warn
--- final_error_log eval
[qr/\[alert\] .*could not allocate node in apisec_ban_zone "auth": the zone is full and no entry could be evicted, 1 new keys refused \(1 in all\)/]
--- no_error_log eval
[qr/keys refused \((?!1 in all\))/, qr/least recently used entries evicted/]



=== TEST 13: a key from the request is escaped and bounded in the log
--- http_config
    apisec_ban_zone $http_x_key zone=auth:1m threshold=1 window=10s
                    duration=60s;
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_ban zone=auth;
        empty_gif;
    }
--- raw_request eval
"GET /api HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
. "X-Key: a\"b \x1b[31m\x7f\x01c\\d" . ("x" x 100) . "\r\n\r\n"
--- error_code: 401
--- log_level: info
--- error_log eval
qr/\[warn\] .*"a\\x22b\\x20\\x1b\[31m\\x7f\\x01c\\x5cdx{50}\.\.\." banned in zone "auth" for 60000 ms after 1 authentication failures/
--- no_error_log eval
[qr/\x1b/, qr/\x7f/, qr/\x01/, qr/x{51}/, qr/a"b/]



=== TEST 14: a $binary_remote_addr key is logged as the address
--- http_config
    apisec_ban_zone $binary_remote_addr zone=auth:1m threshold=1
                    window=10s duration=60s;
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_ban zone=auth;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api?t=$::GOOD"]
--- error_code eval
[401, 429]
--- log_level: info
--- final_error_log eval
[qr/\[warn\] .*"127\.0\.0\.1" banned in zone "auth" for 60000 ms after 1 authentication failures/,
 qr/\[info\] .*request refused, "127\.0\.0\.1" is banned in zone "auth" for \d+ ms more/]
--- no_error_log eval
[qr/\x7f/, qr/\x00/]



=== TEST 15: the old "NAME key= size=" form is refused, the message shows it in the new form
--- http_config
    apisec_ban_zone brute key=$binary_remote_addr size=1m threshold=5
                    window=1m duration=10m;
--- config
--- must_die
--- error_log eval
qr/"apisec_ban_zone" takes the shape of "limit_req_zone" now: apisec_ban_zone \$binary_remote_addr zone=brute:1m threshold=5 window=1m duration=10m; \(the "NAME key= size=" form is gone\) in .*nginx\.conf:\d+/



=== TEST 16: a ban zone needs zone=
--- http_config
    apisec_ban_zone $remote_addr threshold=3 window=10s duration=60s;
--- config
--- must_die
--- error_log eval
qr/"apisec_ban_zone" must have "zone" parameter in .*nginx\.conf:\d+/



=== TEST 17: zone= needs a size
--- http_config
    apisec_ban_zone $remote_addr zone=auth threshold=3 window=10s duration=60s;
--- config
--- must_die
--- error_log eval
qr/invalid zone size "zone=auth", "zone=name:size" expected in .*nginx\.conf:\d+/



=== TEST 18: a ban zone under 8 pages is refused
--- http_config
    apisec_ban_zone $remote_addr zone=auth:16k threshold=3 window=10s
                    duration=60s;
--- config
--- must_die
--- error_log eval
qr/zone "zone=auth:16k" is too small in .*nginx\.conf:\d+/



=== TEST 19: two ban zones of the same name
--- http_config
    apisec_ban_zone $remote_addr zone=auth:1m threshold=3 window=10s
                    duration=60s;
    apisec_ban_zone $http_x_key zone=auth:1m threshold=3 window=10s
                    duration=60s;
--- config
--- must_die
--- error_log eval
qr/apisec_ban_zone "auth" is duplicate in .*nginx\.conf:\d+/



=== TEST 20: an unknown parameter of apisec_ban_zone
--- http_config
    apisec_ban_zone $remote_addr zone=auth:1m threshold=3 window=10s
                    duration=60s rate=1r/s;
--- config
--- must_die
--- error_log eval
qr/invalid parameter "rate=1r\/s" in .*nginx\.conf:\d+/



=== TEST 21: statuses=: the upstream's 401 to a posted password counts; the key is banned
--- http_config
    apisec_ban_zone $binary_remote_addr zone=login:1m threshold=3 window=10s
                    duration=60s;
    $LOGIN_SERVER
--- config
    location /login {
        apisec_ban zone=login statuses=401,403;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request eval
["POST /login?pw=bad\nuser=alice&pw=bad", "POST /login?pw=bad\nuser=alice&pw=bad",
 "POST /login?pw=bad\nuser=alice&pw=bad", "POST /login?pw=good\nuser=alice&pw=good"]
--- error_code eval
[401, 401, 401, 429]
--- response_body eval
["bad password\n", "bad password\n", "bad password\n",
 qq({"type":"about:blank","title":"Too Many Requests","status":429,"detail":"too many authentication failures"}\n)]
--- final_error_log eval
[qr/\[warn\] .*"127\.0\.0\.1" banned in zone "login" for 60000 ms after 3 failures, the last with status 401/,
 qr/\[info\] .*request refused, "127\.0\.0\.1" is banned in zone "login"/]



=== TEST 22: statuses=: a request without credentials (no body, no Authorization) does not count
--- http_config
    apisec_ban_zone $binary_remote_addr zone=login:1m threshold=2 window=10s
                    duration=60s;
    $LOGIN_SERVER
--- config
    location /login {
        apisec_ban zone=login statuses=401;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request eval
["GET /login?pw=bad", "GET /login?pw=bad", "GET /login?pw=bad",
 "GET /login?pw=bad"]
--- error_code eval
[401, 401, 401, 401]
--- no_error_log
banned



=== TEST 23: statuses=: an Authorization header is credentials
--- http_config
    apisec_ban_zone $binary_remote_addr zone=login:1m threshold=2 window=10s
                    duration=60s;
    $LOGIN_SERVER
--- config
    location /login {
        apisec_ban zone=login statuses=401;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request eval
["GET /login?pw=bad", "GET /login?pw=bad", "GET /login?pw=good"]
--- more_headers
Authorization: Basic YWxpY2U6YmFk
--- error_code eval
[401, 401, 429]
--- final_error_log eval
[qr/\[warn\] .*"127\.0\.0\.1" banned in zone "login" for 60000 ms after 2 failures, the last with status 401/]



=== TEST 24: statuses= credentials=any: every request with a listed status counts
--- http_config
    apisec_ban_zone $binary_remote_addr zone=login:1m threshold=2 window=10s
                    duration=60s;
    $LOGIN_SERVER
--- config
    location /login {
        apisec_ban zone=login statuses=401 credentials=any;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request eval
["GET /login?pw=bad", "GET /login?pw=bad", "GET /login?pw=good"]
--- error_code eval
[401, 401, 429]



=== TEST 25: statuses=: a status not in the list does not count
--- http_config
    apisec_ban_zone $binary_remote_addr zone=login:1m threshold=2 window=10s
                    duration=60s;
    $LOGIN_SERVER
--- config
    location /login {
        apisec_ban zone=login statuses=403,429 credentials=any;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request eval
["GET /login?pw=bad", "GET /login?pw=bad", "GET /login?pw=good"]
--- error_code eval
[401, 401, 200]



=== TEST 26: reset=on: a success clears the failures, so no ban
--- http_config
    apisec_ban_zone $binary_remote_addr zone=login:1m threshold=3 window=10s
                    duration=60s;
    $LOGIN_SERVER
--- config
    location /login {
        apisec_ban zone=login statuses=401 credentials=any reset=on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request eval
["GET /login?pw=bad", "GET /login?pw=bad", "GET /login?pw=good",
 "GET /login?pw=bad", "GET /login?pw=bad", "GET /login?pw=good"]
--- error_code eval
[401, 401, 200, 401, 401, 200]
--- no_error_log
banned



=== TEST 27: without reset=, a success in between does not clear the failures
--- http_config
    apisec_ban_zone $binary_remote_addr zone=login:1m threshold=3 window=10s
                    duration=60s;
    $LOGIN_SERVER
--- config
    location /login {
        apisec_ban zone=login statuses=401 credentials=any;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request eval
["GET /login?pw=bad", "GET /login?pw=bad", "GET /login?pw=good",
 "GET /login?pw=bad", "GET /login?pw=good"]
--- error_code eval
[401, 401, 200, 401, 429]



=== TEST 28: statuses=401 and the module's own 401: one failure a request, not two
--- http_config
    apisec_ban_zone $binary_remote_addr zone=auth:1m threshold=2 window=10s
                    duration=60s;
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_ban zone=auth statuses=401;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api?t=$::BAD", "GET /api?t=$::BAD", "GET /api?t=$::GOOD"]
--- error_code eval
[401, 401, 401, 429]
--- final_error_log eval
[qr/\[warn\] .*"127\.0\.0\.1" banned in zone "auth" for 60000 ms after 2 failures, the last with status 401/]



=== TEST 29: statuses=: an error_page redirect counts the request once
--- http_config
    apisec_ban_zone $binary_remote_addr zone=login:1m threshold=2 window=10s
                    duration=60s;
    $LOGIN_SERVER
--- config
    location /login {
        apisec_ban zone=login statuses=401 credentials=any;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        proxy_intercept_errors on;
        error_page 401 /denied;
    }
    location = /denied {
        internal;
        apisec_ban zone=login statuses=401 credentials=any;
        empty_gif;
    }
--- request eval
["GET /login?pw=bad", "GET /login?pw=bad", "GET /login?pw=good"]
--- error_code eval
[401, 401, 429]



=== TEST 30: statuses= takes codes from 400 to 599
--- http_config
    apisec_ban_zone $binary_remote_addr zone=login:1m threshold=2 window=10s
                    duration=60s;
--- config
    location /login {
        apisec_ban zone=login statuses=401,200;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "statuses=401,200": at most 16 codes from 400 to 599 in .*nginx\.conf:\d+/



=== TEST 31: credentials= needs statuses=
--- http_config
    apisec_ban_zone $binary_remote_addr zone=login:1m threshold=2 window=10s
                    duration=60s;
--- config
    location /login {
        apisec_ban zone=login credentials=any;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"credentials=" needs "statuses=" in .*nginx\.conf:\d+/



=== TEST 32: an unknown parameter of apisec_ban
--- http_config
    apisec_ban_zone $binary_remote_addr zone=login:1m threshold=2 window=10s
                    duration=60s;
--- config
    location /login {
        apisec_ban zone=login statuses=401 credentials=some;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "credentials=some" in .*nginx\.conf:\d+/



=== TEST 33: statuses=: subrequests never count (SSI includes of the login form, log_subrequest on)
--- http_config
    apisec_ban_zone $binary_remote_addr zone=login:1m threshold=1 window=10s
                    duration=60s;
    $LOGIN_SERVER
--- config
    log_subrequest on;
    location /login {
        apisec_ban zone=login statuses=401 credentials=any;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
    location = /page.html {
        apisec_ban zone=login statuses=401 credentials=any;
        ssi on;
    }
--- user_files
>>> page.html
<!--# include virtual="/login?pw=bad" --><!--# include virtual="/login?pw=bad" --><!--# include virtual="/login?pw=bad" -->
--- request eval
["GET /page.html", "GET /login?pw=good"]
--- error_code eval
[200, 200]
--- response_body eval
["bad password\nbad password\nbad password\n\n", "welcome\n"]
--- no_error_log
banned



=== TEST 34: satisfy any: a 401 delayed by a limit counts once, though the access phase runs again after the delay
--- http_config
    apisec_ban_zone $remote_addr zone=auth:1m threshold=2 window=10s
                    duration=60s;
    apisec_limit_zone $remote_addr zone=tenth:1m rate=10r/s;
--- config
    location /api {
        satisfy any;
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_ban zone=auth;
        apisec_limit zone=tenth burst=5;
        empty_gif;
    }
--- request eval
["GET /api?t=$::GOOD", "GET /api", "GET /api?t=$::GOOD"]
--- error_code eval
[200, 401, 200]
