# apisec_api_key, apisec_api_key_file: keys in a header or the query string
# (stripped on request), stored as SHA-256, per-consumer roles, allow lists
# (IPv4, IPv6, after realip), expiry, revocation and rates; JWT and API keys
# together; the variables; malformed key files; a reload re-reads the file;
# a file of 100,000 consumers.

use lib 't/lib';
use Test::Apisec 'no_plan';
use ApisecJwt;
use Digest::SHA qw(sha256_hex);

our %K = map { $_ => "key-$_-" . sha256_hex("seed-$_") }
         qw(alice bob carol dave erin fay gus hal ivy);

sub kline { my ($n, @rest) = @_;
            return join(' ', $n, 'sha256:' . sha256_hex($K{$n}), @rest) }

our $FILE = join("\n",
    "# consumers of the tests",
    "",
    kline('alice', 'roles=admin,ops'),
    kline('bob', 'rate=100r/s') . "   # a comment",
    kline('carol', 'revoked'),
    kline('dave', 'expires=2000-01-01'),
    kline('erin', 'expires=2999-12-31', 'roles=partner'),
    kline('fay', 'allow=127.0.0.1/32,::1/128'),
    kline('gus', 'allow=10.0.0.0/8'),
    kline('hal', 'allow=192.0.2.0/24,2001:db8::/32'),
    kline('ivy', 'rate=1', 'r/m')) . "\n";

# quotas (rate=N r/h, r/d), and the older two-word spelling of rate=
our %Q = map { $_ => "key-quota-$_" } qw(hourly daily oldday plain);
sub qline { my ($n, @rest) = @_;
            return join(' ', $n, 'sha256:' . sha256_hex($Q{$n}), @rest) }
our $QUOTA = join("\n",
    qline('hourly', 'rate=1r/h'),
    qline('daily', 'roles=a', 'rate=1r/d', 'allow=127.0.0.1'),
    qline('oldday', 'rate=1', 'r/d', 'roles=b'),
    qline('plain')) . "\n";

# 100,000 consumers; the key of consumer N is "big-N"
our $BIG = join('', map { "c$_ sha256:" . sha256_hex("big-$_") . " roles=r$_\n" }
                    1 .. 100000);

my @hs = ('--alg', 'HS256', '--key', "$DATA/hs.jwk", '--kid', 'hs1');
our $JWT = mint(@hs, '--claims', '{"sub":"jwt-user","roles":["reader"]}',
                '--exp', 600);
our $BADJWT = mint(@hs, '--claims', '{"sub":"jwt-user"}', '--exp', 600,
                   '--sig-flip');

# the complete example of docs/authorization.md
our $PARTNERS = join("\n",
    "acme sha256:" . sha256_hex("acme-key") . " roles=partner,reports "
        . "allow=198.51.100.0/24,2001:db8:ace::/48 rate=20r/s",
    "globex sha256:" . sha256_hex("globex-new") . " roles=partner "
        . "allow=203.0.113.17 expires=2999-03-31",
    "globex sha256:" . sha256_hex("globex-old") . " roles=partner "
        . "allow=203.0.113.17 expires=2999-12-31",
    "initech sha256:" . sha256_hex("initech-key") . " revoked") . "\n";

my @shop = (@hs, '--exp', 600);
our %G = (
    reader => mint(@shop, '--claims', '{"sub":"rita","iss":"https://id.example.com/realms/shop","aud":"shop-api","scope":"orders:read","realm_access":{"roles":["customer"]}}'),
    admin  => mint(@shop, '--claims', '{"sub":"adam","iss":"https://id.example.com/realms/shop","aud":"shop-api","scope":"orders:read","realm_access":{"roles":["admin","reports"]}}'),
    alien  => mint(@shop, '--claims', '{"sub":"eve","iss":"https://evil.example","aud":"shop-api","scope":"orders:read","realm_access":{"roles":["admin"]}}'),
);

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a valid key in X-API-Key: the consumer, subject, roles and result
--- user_files eval
[["keys", $::FILE]]
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        add_header X-Consumer $apisec_consumer always;
        add_header X-Subject $apisec_subject always;
        add_header X-Roles $apisec_roles always;
        add_header X-Auth $apisec_auth_result always;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"X-API-Key: $::K{alice}"
--- error_code: 200
--- response_headers
X-Consumer: alice
X-Subject: alice
X-Roles: admin,ops
X-Auth: ok
--- no_error_log
API key refused



=== TEST 2: no key: 401 with an ApiKey challenge and a problem+json body
--- user_files eval
[["keys", $::FILE]]
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        add_header X-Auth $apisec_auth_result always;
        empty_gif;
    }
--- request
GET /api
--- error_code: 401
--- response_headers
WWW-Authenticate: ApiKey realm="api"
Content-Type: application/problem+json
X-Auth: missing
--- response_body
{"type":"about:blank","title":"Unauthorized","status":401,"detail":"API key required"}



=== TEST 3: an unknown key: 401, a short digest in the log, never the key
--- user_files eval
[["keys", $::FILE]]
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        empty_gif;
    }
--- request
GET /api
--- more_headers
X-API-Key: not-a-key-of-anyone
--- error_code: 401
--- response_body
{"type":"about:blank","title":"Unauthorized","status":401,"detail":"invalid API key"}
--- error_log eval
qr/\[info\] .*apisec: API key refused: unknown key, sha256 "[0-9a-f]{8}\.\.\."/
--- no_error_log eval
qr/^(?!.*\[debug\]).*not-a-key-of-anyone/



=== TEST 4: a revoked key and an expired key are refused; a key expiring later passes
--- user_files eval
[["keys", $::FILE]]
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        add_header X-Auth $apisec_auth_result always;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
["X-API-Key: $::K{carol}", "X-API-Key: $::K{dave}", "X-API-Key: $::K{erin}"]
--- error_code eval
[401, 401, 200]
--- response_headers eval
["X-Auth: revoked_key", "X-Auth: expired_key", "X-Auth: ok"]
--- response_body eval
[qr/"detail":"invalid API key"/, qr/"detail":"API key expired"/, qr/^GIF/]



=== TEST 4a: the log names the revoked key's consumer and line
--- user_files eval
[["keys", $::FILE]]
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"X-API-Key: $::K{carol}"
--- error_code: 401
--- error_log
apisec: API key refused: revoked key of consumer "carol" (line 5)



=== TEST 4b: the log names the expired key's consumer and line
--- user_files eval
[["keys", $::FILE]]
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"X-API-Key: $::K{dave}"
--- error_code: 401
--- error_log
apisec: API key refused: expired key of consumer "dave" (line 6)



=== TEST 5: allow lists, IPv4 and IPv6, on the address realip found
--- user_files eval
[["keys", $::FILE]]
--- config
    location /api {
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Real-IP;
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api", "GET /api", "GET /api",
 "GET /api"]
--- more_headers eval
["X-API-Key: $::K{fay}",
 "X-API-Key: $::K{fay}\nX-Real-IP: ::1",
 "X-API-Key: $::K{fay}\nX-Real-IP: 2001:db8::1",
 "X-API-Key: $::K{gus}",
 "X-API-Key: $::K{hal}\nX-Real-IP: 2001:db8:ffff::5",
 "X-API-Key: $::K{hal}\nX-Real-IP: 2001:db9::5",
 "X-API-Key: $::K{hal}\nX-Real-IP: 192.0.2.77"]
--- error_code eval
[200, 200, 401, 401, 200, 401, 200]



=== TEST 6: the refusal for an address names it and the consumer
--- user_files eval
[["keys", $::FILE]]
--- config
    location /api {
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Real-IP;
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"X-API-Key: $::K{hal}\nX-Real-IP: 2001:db9::5"
--- error_code: 401
--- error_log
apisec: API key refused: address 2001:db9::5 not allowed for consumer "hal"



=== TEST 7: header=Name: the key is read from that header only
--- user_files eval
[["keys", $::FILE]]
--- config
    location /api {
        apisec_api_key header=X-Partner-Key;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["X-Partner-Key: $::K{alice}", "X-API-Key: $::K{alice}"]
--- error_code eval
[200, 401]



=== TEST 8: several keys: 400
--- user_files eval
[["keys", $::FILE]]
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"X-API-Key: $::K{alice}\nX-API-Key: $::K{bob}"
--- error_code: 400
--- error_log
apisec: API key refused: several keys



=== TEST 9: query=name without strip: the upstream sees the key
--- user_files eval
[["keys", $::FILE]]
--- config
    location /api {
        apisec_api_key query=api_key;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "args=[$args]\n";
    }
--- request eval
"GET /api?a=1&api_key=$::K{bob}&b=2"
--- error_code: 200
--- response_body eval
"args=[a=1&api_key=$::K{bob}&b=2]\n"



=== TEST 10: query=name strip: gone from $args, $request_uri, $request, the upstream and the access log
--- user_files eval
[["keys", $::FILE]]
--- http_config
    log_format apikeys '$request|$request_uri|$args';
--- config
    location /api {
        access_log logs/access.log apikeys;
        apisec_api_key query=api_key strip;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        add_header X-Consumer $apisec_consumer always;
        add_header X-Seen "$args|$request_uri" always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        access_log logs/access.log apikeys;
        return 200 "args=[$args] uri=[$request_uri]\n";
    }
--- request eval
"GET /api/x?a=1&api_key=$::K{bob}&b=2"
--- error_code: 200
--- response_headers
X-Consumer: bob
X-Seen: a=1&b=2|/api/x?a=1&b=2
--- response_body
args=[a=1&b=2] uri=[/backend/x?a=1&b=2]
--- access_log
GET /api/x?a=1&b=2 HTTP/1.1|/api/x?a=1&b=2|a=1&b=2
--- no_access_log eval
$::K{bob}



=== TEST 11: strip, a key that is the only argument
--- user_files eval
[["keys", $::FILE]]
--- config
    location /api {
        apisec_api_key query=api_key strip;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "args=[$args] uri=[$request_uri]\n";
    }
--- request eval
["GET /api?api_key=$::K{bob}", "GET /api?api_key=$::K{bob}&API_KEY=x",
 "GET /api?x=$::K{bob}"]
--- error_code eval
[200, 400, 401]
--- response_body eval
["args=[] uri=[/backend]\n", qr/several API keys/, qr/API key required/]



=== TEST 12: strip survives an internal redirect: the key is still the request's
--- user_files eval
[["keys", $::FILE]]
--- config
    location /api {
        apisec_api_key query=api_key strip;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        add_header X-Consumer $apisec_consumer always;
        error_page 404 = /fallback;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/missing;
        proxy_intercept_errors on;
    }
    location /fallback {
        apisec_api_key query=api_key strip;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        add_header X-Consumer $apisec_consumer always;
        add_header X-Args "[$args]" always;
        empty_gif;
    }
    location /missing {
        return 404;
    }
--- request eval
"GET /api?api_key=$::K{bob}"
--- error_code: 200
--- response_headers
X-Consumer: bob
X-Args: []



=== TEST 13: JWT and API key together: either valid credential passes
--- user_files eval
[["keys", $::FILE]]
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        add_header X-Subject $apisec_subject always;
        add_header X-Consumer $apisec_consumer always;
        add_header X-Roles $apisec_roles always;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
["X-API-Key: $::K{alice}", "Authorization: Bearer $::JWT",
 "X-API-Key: $::K{alice}\nAuthorization: Bearer $::JWT"]
--- error_code eval
[200, 200, 200]
--- response_headers eval
["X-Subject: alice\nX-Consumer: alice\nX-Roles: admin,ops",
 "X-Subject: jwt-user\nX-Consumer: jwt-user\nX-Roles: reader",
 "X-Subject: jwt-user\nX-Consumer: alice\nX-Roles: reader"]



=== TEST 14: JWT and API key together: an invalid credential of either kind is refused
--- user_files eval
[["keys", $::FILE]]
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api"]
--- more_headers eval
["X-API-Key: $::K{alice}\nAuthorization: Bearer $::BADJWT",
 "X-API-Key: wrong\nAuthorization: Bearer $::JWT",
 "X-API-Key: $::K{carol}\nAuthorization: Bearer $::JWT",
 ""]
--- error_code eval
[401, 401, 401, 401]
--- response_headers eval
["WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"signature invalid\"",
 "WWW-Authenticate: ApiKey realm=\"api\"",
 "WWW-Authenticate: ApiKey realm=\"api\"",
 "WWW-Authenticate: Bearer realm=\"api\", ApiKey realm=\"api\""]



=== TEST 15: an API key's roles meet apisec_require_role
--- user_files eval
[["keys", $::FILE]]
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        apisec_require_role partner admin;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
["X-API-Key: $::K{alice}", "X-API-Key: $::K{erin}", "X-API-Key: $::K{bob}"]
--- error_code eval
[200, 200, 403]
--- response_headers eval
["", "", "!WWW-Authenticate"]



=== TEST 16: rate= replaces the zone's rate for the consumer (faster and slower)
--- user_files eval
[["keys", $::FILE]]
--- http_config
    apisec_limit_zone $apisec_consumer zone=slow:1m rate=1r/m;
    apisec_limit_zone $apisec_consumer zone=fast:1m rate=100r/s;
--- config
    location /slow {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        apisec_limit zone=slow;
        empty_gif;
    }
    location /fast {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        apisec_limit zone=fast;
        empty_gif;
    }
--- request eval
["GET /slow", "GET /slow", "GET /slow", "GET /slow", "GET /slow", "GET /slow",
 "GET /fast", "GET /fast", "GET /fast", "GET /fast"]
--- more_headers eval
[("X-API-Key: $::K{bob}") x 4, ("X-API-Key: $::K{alice}") x 2,
 ("X-API-Key: $::K{erin}") x 2, ("X-API-Key: $::K{ivy}") x 2]
--- error_code eval
[200, 200, 200, 200, 200, 429, 200, 200, 200, 429]



=== TEST 17: 401s of API keys feed the ban zones
--- user_files eval
[["keys", $::FILE]]
--- http_config
    apisec_ban_zone $remote_addr zone=auth:1m threshold=2 window=10s
                    duration=60s;
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        apisec_ban zone=auth;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
["X-API-Key: guess-1", "X-API-Key: guess-2", "X-API-Key: $::K{alice}"]
--- error_code eval
[401, 401, 429]



=== TEST 18: "satisfy any": a missing key is waived by an allow rule
--- user_files eval
[["keys", $::FILE]]
--- config
    location /api {
        satisfy any;
        allow 127.0.0.1;
        deny all;
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        empty_gif;
    }
    location /denied {
        satisfy any;
        deny all;
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        empty_gif;
    }
--- request eval
["GET /api", "GET /denied", "GET /denied"]
--- more_headers eval
["", "", "X-API-Key: $::K{alice}"]
--- error_code eval
[200, 401, 200]



=== TEST 19: the CSRF exemption follows apisec_api_key header=, and a query key is none
--- user_files eval
[["keys", $::FILE]]
--- config
    location /partner {
        apisec_csrf origin;
        apisec_api_key header=X-Partner-Key;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        empty_gif;
    }
    location /query {
        apisec_csrf origin;
        apisec_api_key query=api_key;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        empty_gif;
    }
--- request eval
["POST /partner\nx", "POST /partner\nx", "POST /query?api_key=$::K{alice}\nx"]
--- more_headers eval
["Origin: https://evil.example.net\nX-Partner-Key: $::K{alice}",
 "Origin: https://evil.example.net\nX-API-Key: $::K{alice}",
 "Origin: https://evil.example.net"]
--- error_code eval
[405, 403, 403]



=== TEST 20: a file of 100,000 consumers: first, middle and last found, unknown refused
--- user_files eval
[["keys", $::BIG]]
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        add_header X-Consumer $apisec_consumer always;
        add_header X-Roles $apisec_roles always;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api"]
--- more_headers eval
["X-API-Key: big-1", "X-API-Key: big-50000", "X-API-Key: big-100000",
 "X-API-Key: big-100001"]
--- error_code eval
[200, 200, 200, 401]
--- response_headers eval
["X-Consumer: c1\nX-Roles: r1", "X-Consumer: c50000",
 "X-Consumer: c100000\nX-Roles: r100000", "!X-Consumer"]



=== TEST 21: a reload reads the key file again
--- user_files eval
[["keys", $::FILE]]
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        empty_gif;
    }
--- reload_config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        empty_gif;
    }
--- init
open(my $fh, '>', main::html_dir() . '/keys') or die $!;
print $fh "newcomer sha256:" . Digest::SHA::sha256_hex("fresh") . "\n";
close $fh;
--- reload_after: 1
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
["X-API-Key: $::K{alice}", "X-API-Key: $::K{alice}", "X-API-Key: fresh"]
--- error_code eval
[200, 401, 200]
--- skip_eval: 3: $Test::Apisec::Backend ne 'Test::Apisec::Runner'



=== TEST 22: apisec_api_key on without a key file fails
--- config
    location /api { apisec_api_key on; empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*"apisec_api_key" is on, but no "apisec_api_key_file" is set/



=== TEST 23: strip is for query keys only; unknown parameters fail
--- config
    location /api { apisec_api_key header=X-Key strip; empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*"strip" is for "query=" only in \S+nginx\.conf:\d+/



=== TEST 24: an invalid header name fails
--- config
    location /api { apisec_api_key "header=X Key"; empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "header=X Key" in \S+nginx\.conf:\d+/



=== TEST 25: a missing key file fails
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/nope;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*open\(\) ".*nope" failed/



=== TEST 26: malformed key files fail with the file, the line and the reason
--- user_files eval
[["k1", "# ok\nalice sha256:" . ('a' x 64) . "\nbob sha256:abc\n"]]
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/k1;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid API key file ".*k1", line 3: expected "sha256:" and 64 hex digits after the consumer name in \S+nginx\.conf:\d+/



=== TEST 27: a non-hex digit in the digest
--- user_files eval
[["k1", "alice sha256:" . ('g' x 64) . "\n"]]
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/k1;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid API key file ".*k1", line 1: invalid hex digit in the key digest/



=== TEST 28: a bad network in allow=
--- user_files eval
[["k1", "alice sha256:" . ('a' x 64) . " allow=10.0.0.0/33\n"]]
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/k1;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid API key file ".*k1", line 1: invalid address or network "10\.0\.0\.0\/33" in "allow="/



=== TEST 29: a date that does not exist in expires=
--- user_files eval
[["k1", "alice sha256:" . ('a' x 64) . " expires=2023-02-29\n"]]
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/k1;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid API key file ".*k1", line 1: invalid date "2023-02-29" in "expires="/



=== TEST 30: an unknown parameter, and a duplicate one
--- user_files eval
[["k1", "alice sha256:" . ('a' x 64) . " tier=gold\n"]]
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/k1;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid API key file ".*k1", line 1: invalid parameter "tier=gold"/



=== TEST 31: a duplicate parameter
--- user_files eval
[["k1", "alice sha256:" . ('a' x 64) . " roles=a roles=b\n"]]
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/k1;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid API key file ".*k1", line 1: duplicate parameter "roles=b"/



=== TEST 32: the same key twice
--- user_files eval
[["k1", "alice sha256:" . ('a' x 64) . "\n\nbob sha256:" . ('A' x 64) . "\n"]]
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/k1;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid API key file ".*k1", line 3: the key of consumer "bob" is already the key of line 1/



=== TEST 33: a consumer name with characters outside the allowed set
--- user_files eval
[["k1", "al\"ice sha256:" . ('a' x 64) . "\n"]]
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/k1;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid API key file ".*k1", line 1: invalid consumer name/



=== TEST 34: a bad rate
--- user_files eval
[["k1", "alice sha256:" . ('a' x 64) . " rate=0r/s\n"]]
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/k1;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid API key file ".*k1", line 1: invalid "rate=", expected rate=<N>r\/s, r\/m, r\/h or r\/d with N > 0/



=== TEST 35: a control character (a NUL) in a line
--- user_files eval
[["k1", "alice sha256:" . ('a' x 64) . " roles=a\0b\n"]]
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/k1;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid API key file ".*k1", line 1: control character/



=== TEST 36: a key longer than 512 bytes is refused without a crash
--- user_files eval
[["keys", $::FILE]]
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"X-API-Key: " . ('k' x 4000)
--- error_code: 401
--- error_log
apisec: API key refused: key too long



=== TEST 37: the complete example of docs/authorization.md
--- user_files eval
[["partners.keys", $::PARTNERS]]
--- http_config
    apisec_limit_zone $apisec_consumer zone=per_consumer:10m rate=5r/s;
--- config
    set_real_ip_from 127.0.0.1;
    real_ip_header   X-Forwarded-For;

    apisec_security_headers on;

    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    apisec_jwt_issuer   https://id.example.com/realms/shop;
    apisec_jwt_audience shop-api;
    apisec_roles_claim  realm_access.roles;

    apisec_api_key_file $TEST_NGINX_HTML_DIR/partners.keys;

    location /api/catalog/ {
        limit_except GET HEAD {
            deny all;
        }
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/shop/;
    }

    location /api/orders/ {
        apisec_jwt on;
        apisec_require_scope orders:read;
        limit_except GET HEAD {
            apisec_require_role admin;
        }
        proxy_set_header X-User $apisec_subject;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/shop/;
    }

    location /api/partner/ {
        apisec_api_key header=X-Partner-Key;
        apisec_require_role partner;
        apisec_limit zone=per_consumer burst=10 nodelay;
        apisec_limit_headers on;
        proxy_set_header X-Partner $apisec_consumer;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/shop/;
    }

    location /api/reports/ {
        apisec_jwt on;
        apisec_api_key header=X-Partner-Key;
        apisec_require_role reports;
        proxy_set_header X-Caller $apisec_subject;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/shop/;
    }

    location /shop/ {
        return 200 "user=$http_x_user partner=$http_x_partner caller=$http_x_caller\n";
    }
--- request eval
["GET /api/catalog/", "POST /api/catalog/\nx",
 "GET /api/orders/", "GET /api/orders/", "POST /api/orders/\nx",
 "POST /api/orders/\nx", "GET /api/orders/",
 "GET /api/partner/stock", "GET /api/partner/stock",
 "GET /api/partner/stock", "GET /api/partner/stock", "GET /api/partner/stock",
 "GET /api/reports/", "GET /api/reports/", "GET /api/reports/",
 "GET /api/reports/"]
--- more_headers eval
["", "",
 "", "Authorization: Bearer $::G{reader}", "Authorization: Bearer $::G{reader}",
 "Authorization: Bearer $::G{admin}", "Authorization: Bearer $::G{alien}",
 "X-Partner-Key: acme-key\nX-Forwarded-For: 198.51.100.7",
 "X-Partner-Key: acme-key\nX-Forwarded-For: 2001:db8:ace:1::9",
 "X-Partner-Key: acme-key\nX-Forwarded-For: 192.0.2.99",
 "X-Partner-Key: globex-old\nX-Forwarded-For: 203.0.113.17",
 "X-Partner-Key: initech-key\nX-Forwarded-For: 203.0.113.17",
 "X-Partner-Key: acme-key\nX-Forwarded-For: 198.51.100.7",
 "X-Partner-Key: globex-new\nX-Forwarded-For: 203.0.113.17",
 "Authorization: Bearer $::G{admin}",
 "Authorization: Bearer $::G{reader}"]
--- error_code eval
[200, 403,
 401, 200, 403, 200, 401,
 200, 200, 401, 200, 401,
 200, 403, 200, 403]
--- response_body eval
["user= partner= caller=\n", qr/"status":403/,
 qr/"status":401/, "user=rita partner= caller=\n", qr/"detail":"role required"/,
 "user=adam partner= caller=\n", qr/"detail":"issuer not accepted"/,
 "user= partner=acme caller=\n", "user= partner=acme caller=\n",
 qr/"detail":"invalid API key"/, "user= partner=globex caller=\n",
 qr/"detail":"invalid API key"/,
 "user= partner= caller=acme\n", qr/"detail":"role required"/,
 "user= partner= caller=adam\n", qr/"status":403/]
--- response_headers eval
["", "", "WWW-Authenticate: Bearer realm=\"api\"", "",
 "WWW-Authenticate: Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"admin\"",
 "", "", "", "", "WWW-Authenticate: ApiKey realm=\"api\"", "", "", "",
 "!WWW-Authenticate", "", ""]



=== TEST 38: no key is looked up for a request refused before authentication (plain HTTP), variables or not
--- user_files eval
[["keys", $::FILE]]
--- config
    location /api {
        apisec_https_only reject;
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        add_header X-Consumer $apisec_consumer always;
        add_header X-Auth $apisec_auth_result always;
        empty_gif;
    }
--- request
GET /api
--- more_headers
X-API-Key: a-wrong-key
--- error_code: 403
--- response_headers
!X-Consumer
!X-Auth
--- no_error_log
API key refused



=== TEST 39: a ban: the first failure is counted
--- user_files eval
[["keys", $::FILE]]
--- http_config
    apisec_ban_zone $remote_addr zone=auth:1m threshold=1 window=10s
                    duration=60s;
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        apisec_ban zone=auth;
        add_header X-Consumer $apisec_consumer always;
        empty_gif;
    }
--- request
GET /api
--- more_headers
X-API-Key: a-wrong-key
--- error_code: 401
--- error_log
API key refused: unknown key



=== TEST 40: ... then the banned client's key is never looked up, not even by the variables
--- request
GET /api
--- more_headers
X-API-Key: a-wrong-key
--- error_code: 429
--- response_headers
!X-Consumer
--- no_error_log eval
qr/\*2 apisec: API key refused/
--- error_log eval
qr/\*2 .*request refused, "127\.0\.0\.1" is banned in zone "auth"/



=== TEST 41: strip, a long argument after the key: the key is still read whole
(stripping moved the arguments after the key over the key's own text
before it was saved; the fuzz target apikey_arg checks strip_arg's value)
--- user_files eval
[["keys", $::FILE]]
--- config
    location /api {
        apisec_api_key query=api_key strip;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        add_header X-Consumer $apisec_consumer always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "args=[$args]\n";
    }
--- request eval
"GET /api/x?a=1&api_key=$::K{bob}&" . ("b" x 200) . "=2"
--- error_code: 200
--- response_headers
X-Consumer: bob
--- response_body eval
"args=[a=1&" . ("b" x 200) . "=2]\n"



=== TEST 42: allow lists, an IPv4-mapped IPv6 client is its IPv4 address
(a client over IPv4 on a dual-stack "listen [::]:port ipv6only=off" has an
address ::ffff:a.b.c.d, matched as a.b.c.d as nginx's allow/deny do; under
make test-asan, 192.0.2.77 stopped the worker while ngx_cidr_match() did
the mapping itself: a signed "192 << 24" in nginx 1.22.1's core)
--- user_files eval
[["keys", $::FILE]]
--- config
    location /api {
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Real-IP;
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        add_header X-Consumer $apisec_consumer always;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api", "GET /api"]
--- more_headers eval
["X-API-Key: $::K{hal}\nX-Real-IP: ::ffff:192.0.2.77",
 "X-API-Key: $::K{hal}\nX-Real-IP: ::ffff:198.51.100.1",
 "X-API-Key: $::K{fay}\nX-Real-IP: ::ffff:127.0.0.1",
 "X-API-Key: $::K{gus}\nX-Real-IP: ::ffff:192.0.2.77",
 "X-API-Key: $::K{gus}\nX-Real-IP: ::ffff:10.1.2.3"]
--- error_code eval
[200, 401, 200, 401, 200]
--- response_headers eval
["X-Consumer: hal", "X-Consumer: ", "X-Consumer: fay", "X-Consumer: ",
 "X-Consumer: gus"]



=== TEST 43: rate=1r/h replaces the zone's rate for its consumer: Retry-After and RateLimit-Policy in hours
(the refusals' log lines, checked after each request here, are asserted
in t/limit.t TEST 38 and 39)
--- user_files eval
[["keys", $::QUOTA]]
--- http_config
    apisec_limit_zone $apisec_consumer zone=per_consumer:1m rate=100r/s;
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        apisec_limit zone=per_consumer burst=1 nodelay;
        apisec_limit_headers on;
        empty_gif;
    }
--- pipelined_requests eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
"X-API-Key: $::Q{hourly}"
--- error_code eval
[200, 200, 429]
--- response_headers eval
["RateLimit-Policy: \"per_consumer\";q=1;w=3600\nRateLimit: \"per_consumer\";r=1;t=3600",
 "RateLimit-Policy: \"per_consumer\";q=1;w=3600\nRateLimit: \"per_consumer\";r=0;t=7200",
 "RateLimit-Policy: \"per_consumer\";q=1;w=3600\nRetry-After: 3600"]



=== TEST 44: rate=1r/d, among other parameters, in days
--- user_files eval
[["keys", $::QUOTA]]
--- http_config
    apisec_limit_zone $apisec_consumer zone=per_consumer:1m rate=100r/s;
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        apisec_limit zone=per_consumer burst=1 nodelay;
        apisec_limit_headers on;
        add_header X-Roles $apisec_roles always;
        empty_gif;
    }
--- pipelined_requests eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
"X-API-Key: $::Q{daily}"
--- error_code eval
[200, 200, 429]
--- response_headers eval
["RateLimit-Policy: \"per_consumer\";q=1;w=86400\nRateLimit: \"per_consumer\";r=1;t=86400\nX-Roles: a",
 "RateLimit-Policy: \"per_consumer\";q=1;w=86400\nRateLimit: \"per_consumer\";r=0;t=172800\nX-Roles: a",
 "RateLimit-Policy: \"per_consumer\";q=1;w=86400\nRetry-After: 86400\nX-Roles: a"]



=== TEST 45: a consumer of the same file without rate= keeps the zone's rate
--- user_files eval
[["keys", $::QUOTA]]
--- http_config
    apisec_limit_zone $apisec_consumer zone=per_consumer:1m rate=100r/s;
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        apisec_limit zone=per_consumer burst=1 nodelay;
        apisec_limit_headers on;
        empty_gif;
    }
--- pipelined_requests eval
["GET /api", "GET /api"]
--- more_headers eval
"X-API-Key: $::Q{plain}"
--- error_code eval
[200, 200]
--- response_headers eval
["RateLimit-Policy: \"per_consumer\";q=100;w=1\n!Retry-After",
 "RateLimit-Policy: \"per_consumer\";q=100;w=1\n!Retry-After"]



=== TEST 46: the older two-word spelling "rate=1 r/d" is still read, as "rate=1r/d"
--- user_files eval
[["keys", $::QUOTA]]
--- http_config
    apisec_limit_zone $apisec_consumer zone=per_consumer:1m rate=100r/s;
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        apisec_limit zone=per_consumer;
        apisec_limit_headers on;
        add_header X-Roles $apisec_roles always;
        empty_gif;
    }
--- pipelined_requests eval
["GET /api", "GET /api"]
--- more_headers eval
"X-API-Key: $::Q{oldday}"
--- error_code eval
[200, 429]
--- response_headers eval
["RateLimit-Policy: \"per_consumer\";q=1;w=86400\nX-Roles: b",
 "Retry-After: 86400\nX-Roles: b"]



=== TEST 47: a key file's rate in an unknown unit is refused, with the one spelling
--- user_files eval
[["k1", "alice sha256:" . ('a' x 64) . " rate=1r/w\n"]]
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/k1;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid API key file ".*k1", line 1: invalid "rate=", expected rate=<N>r\/s, r\/m, r\/h or r\/d with N > 0/



=== TEST 48: ... in the two-word spelling too
--- user_files eval
[["k1", "alice sha256:" . ('a' x 64) . " rate=1 r/w\n"]]
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/k1;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid API key file ".*k1", line 1: invalid "rate=", expected rate=<N>r\/s, r\/m, r\/h or r\/d with N > 0/



=== TEST 49: a key file's rate above the zones' bound is refused
--- user_files eval
[["k1", "alice sha256:" . ('a' x 64) . "\nbob sha256:" . ('b' x 64) . " rate=86400000001r/d\n"]]
--- config
    location /api {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/k1;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid API key file ".*k1", line 2: "rate=" too high, the most is rate=1000000r\/s/
