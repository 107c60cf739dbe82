# apisec_admin: the operators' JSON API.  Bans listed, set by hand (on
# every worker: the zone is shared), lifted; one key's limiter state; the
# key sets; read_only; 404/405/400 as problem+json; hostile paths and keys;
# the API protected by allow/deny and by apisec_jwt + apisec_require_role.

use lib 't/lib';
use Test::Apisec 'no_plan';
use ApisecJwt;
use ApisecLimit;

add_response_body_check(\&ApisecLimit::check_final_log);

# "--- log_once eval": regexes that must each match exactly one line of
# error.log once the block's last request is answered (a change logged once)
add_response_body_check(sub {
    my ($block, $body, $idx, $repeated, $dry_run) = @_;

    my $pats = $block->log_once;
    return unless defined $pats && !$dry_run;

    my $reqs = $block->request;
    return unless $idx == (ref $reqs eq 'ARRAY' ? $#$reqs : 0);

    sleep 0.05;

    my $file = server_root() . '/logs/error.log';
    open my $f, '<', $file or die "$file: $!";
    my @lines = <$f>;
    close $f;

    for my $pat (ref $pats eq 'ARRAY' ? @$pats : ($pats)) {
        is(scalar(grep { /$pat/ } @lines), 1,
           $block->name . " - one line of error.log matches $pat");
    }
});

my @hs = ('--alg', 'HS256', '--key', "$DATA/hs.jwk", '--kid', 'hs1',
          '--exp', 600);

our $ADMIN = mint(@hs, '--claims', '{"sub":"alice","roles":["admin"]}');
our $OPS = mint(@hs, '--claims', '{"sub":"bob","roles":["ops"]}');
our $LONG = 'k' x 300;
our $HUGE = 'h' x 65536;
our $EC = mint('--alg', 'ES256', '--key', "$DATA/ec256.key", '--kid', 'ec256',
               '--claims', '{"sub":"carol"}', '--exp', 600);

master_on();
workers(2);
no_shuffle();
run_tests();

__DATA__

=== TEST 1: no bans yet: an empty list
--- http_config
    apisec_ban_zone $binary_remote_addr zone=auth:1m threshold=2 window=10s
                    duration=60s;
--- config
    location /admin/ {
        apisec_admin;
    }
--- request
GET /admin/bans
--- response_headers
Content-Type: application/json
Cache-Control: no-store
--- response_body
{"bans":[],"truncated":false}



=== TEST 2: a ban by failures is listed, its key as an address
--- http_config
    apisec_ban_zone $binary_remote_addr zone=auth:1m threshold=2 window=10s
                    duration=60s;
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_ban zone=auth;
        empty_gif;
    }
    location /admin/ {
        apisec_admin;
    }
--- request eval
["GET /api", "GET /api", "GET /admin/bans", "GET /admin/bans/auth/127.0.0.1",
 "HEAD /admin/bans"]
--- error_code eval
[401, 401, 200, 200, 200]
--- response_body_like eval
[qr/./, qr/./,
 qr/^\{"bans":\[\{"zone":"auth","key":"127\.0\.0\.1","until":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ","until_epoch":\d+,"left_ms":\d+,"failures":0\}\],"truncated":false\}$/,
 qr/^\{"zone":"auth","key":"127\.0\.0\.1","until":"[-0-9T:]+Z","until_epoch":\d+,"left_ms":(59\d\d\d|60000),"failures":0\}$/,
 qr/^$/]



=== TEST 3: a ban set by POST refuses the key on the next connection; DELETE lifts it
--- http_config
    apisec_ban_zone $binary_remote_addr zone=auth:1m threshold=5 window=10s
                    duration=60s;
--- config
    location /api {
        apisec_ban zone=auth;
        empty_gif;
    }
    location /admin/ {
        apisec_admin;
    }
--- request eval
["GET /api", "POST /admin/bans/auth/127.0.0.1?duration=10m", "GET /api",
 "GET /api", "DELETE /admin/bans/auth/127.0.0.1", "GET /api",
 "DELETE /admin/bans/auth/127.0.0.1"]
--- error_code eval
[200, 200, 429, 429, 204, 200, 404]
--- response_body_like eval
[qr/./,
 qr/^\{"zone":"auth","key":"127\.0\.0\.1","until":"[-0-9T:]+Z","until_epoch":\d+,"left_ms":600000,"failures":0\}$/,
 qr/"status":429/, qr/"status":429/, qr/^$/, qr/./,
 qr/^\{"type":"about:blank","title":"Not Found","status":404,"detail":"the key is not banned"\}$/]
--- log_once eval
[qr/\[warn\] .*apisec: "127\.0\.0\.1" banned in zone "auth" for 600000 ms by apisec_admin/,
 qr/\[warn\] .*apisec: ban of "127\.0\.0\.1" lifted in zone "auth" by apisec_admin/]
--- final_error_log eval
[qr/\[info\] .*request refused, "127\.0\.0\.1" is banned in zone "auth"/]



=== TEST 4: the ban set by POST is in force on every worker
--- http_config
    apisec_ban_zone $binary_remote_addr zone=auth:1m threshold=5 window=10s
                    duration=60s;
--- config
    location /api {
        apisec_ban zone=auth;
        add_header X-Pid $pid always;
        empty_gif;
    }
    location /admin/ {
        apisec_admin;
    }
--- request eval
["POST /admin/bans/auth/127.0.0.1", (map { "GET /api" } 1 .. 12)]
--- error_code eval
[200, (429) x 12]
--- response_body_like eval
[qr/"left_ms":60000,/, (qr/"status":429/) x 12]



=== TEST 5: an IPv6 address is a key of a $binary_remote_addr zone
--- http_config
    apisec_ban_zone $binary_remote_addr zone=auth:1m threshold=5 window=10s
                    duration=60s;
--- config
    location /admin/ {
        apisec_admin;
    }
--- request eval
["POST /admin/bans/auth/2001:db8::1", "GET /admin/bans?zone=auth",
 "DELETE /admin/bans/auth/2001:0db8:0:0::1"]
--- error_code eval
[200, 200, 204]
--- response_body_like eval
[qr/"key":"2001:db8::1"/, qr/^\{"bans":\[\{"zone":"auth","key":"2001:db8::1",/,
 qr/^$/]



=== TEST 6: other keys are the exact bytes, percent-decoded, and print escaped
--- http_config
    apisec_ban_zone $http_x_user zone=users:1m threshold=5 window=10s
                    duration=60s;
--- config
    location /api {
        apisec_ban zone=users;
        empty_gif;
    }
    location /admin/ {
        apisec_admin;
    }
--- request eval
["POST /admin/bans/users/a%20b%2Fc%22%5C%0A?duration=30s", "GET /api",
 "GET /api", "GET /admin/bans"]
--- more_headers eval
["", "X-User: a b/c\"\\", "X-User: a b", ""]
--- error_code eval
[200, 200, 200, 200]
--- response_body_like eval
[qr/^\{"zone":"users","key":"a\\\\x20b\/c\\\\x22\\\\x5c\\\\x0a","until/,
 qr/./, qr/./,
 qr/"key":"a\\\\x20b\/c\\\\x22\\\\x5c\\\\x0a"/]
--- log_once eval
qr/\[warn\] .*apisec: "a\\x20b\/c\\x22\\x5c\\x0a" banned in zone "users" for 30000 ms by apisec_admin/



=== TEST 7: a raw key with a newline refuses that key, not its neighbours
--- http_config
    apisec_ban_zone $http_x_user zone=users:1m threshold=5 window=10s
                    duration=60s;
--- config
    location /api {
        apisec_ban zone=users;
        empty_gif;
    }
    location /admin/ {
        apisec_admin;
    }
--- request eval
["POST /admin/bans/users/mallory", "GET /api", "GET /api"]
--- more_headers eval
["", "X-User: mallory", "X-User: mallor"]
--- error_code eval
[200, 429, 200]



=== TEST 8: a long key: its first 64 bytes shown, then "..."
--- http_config
    apisec_ban_zone $http_x_user zone=users:1m threshold=5 window=10s
                    duration=60s;
--- config
    location /admin/ {
        apisec_admin;
    }
--- request eval
["POST /admin/bans/users/$::LONG", "DELETE /admin/bans/users/$::LONG"]
--- error_code eval
[200, 204]
--- response_body_like eval
[qr/"key":"k{64}\.\.\."/, qr/^$/]
--- log_once eval
qr/apisec: ban of "k{64}\.\.\." lifted in zone "users"/



=== TEST 9: bad paths are 404 problem+json
--- config
    location /admin/ {
        apisec_admin;
    }
--- request eval
["GET /admin/", "GET /admin/nope", "GET /admin/keys/x", "GET /admin/bans/",
 "GET /admin/limits/one", "GET /admin/bansx", "GET /admin/bans/auth/1.2.3.4",
 "GET /admin/limits/auth/1.2.3.4"]
--- error_code eval
[404, 404, 404, 404, 404, 404, 404, 404]
--- response_headers eval
[("Content-Type: application/problem+json") x 8]
--- response_body_like eval
[(qr/^\{"type":"about:blank","title":"Not Found","status":404,"detail":"no such resource"\}$/) x 6,
 (qr/"detail":"no such zone"/) x 2]



=== TEST 10: a path that nginx normalized, or a traversal, is refused 400
--- config
    location /admin/ {
        apisec_admin;
    }
    location /etc/ {
        return 200 "not here\n";
    }
--- request eval
["GET /admin/bans/../keys", "GET /admin//keys",
 "GET /admin/bans/auth/..%2F..%2Fetc%2Fpasswd", "GET /admin/%6beys",
 "GET /admin/bans/auth/%zz", "GET /admin/bans/auth/%4"]
--- error_code eval
[400, 400, 400, 404, 400, 400]
--- response_body_like eval
[(qr/"detail":"the path is not in normal form"/) x 3,
 qr/"detail":"no such resource"/,
 (qr/400 Bad Request/) x 2]



=== TEST 11: malformed zone names, keys and durations are 400
--- http_config
    apisec_ban_zone $binary_remote_addr zone=auth:1m threshold=5 window=10s
                    duration=60s;
--- config
    location /admin/ {
        apisec_admin;
    }
--- request eval
["GET /admin/bans/a%22b/1.2.3.4", "GET /admin/bans/a%20b/1.2.3.4",
 "GET /admin/bans?zone=a%22", "POST /admin/bans/auth/not-an-ip",
 "POST /admin/bans/auth/1.2.3.4.5", "POST /admin/bans/auth/1.2.3.4?duration=0",
 "POST /admin/bans/auth/1.2.3.4?duration=xyz",
 "POST /admin/bans/auth/1.2.3.4?duration=30d", "GET /admin/bans?zone=nope",
 "GET /admin/bans/auth/"]
--- error_code eval
[400, 400, 400, 400, 400, 400, 400, 400, 404, 400]
--- response_body_like eval
[(qr/"detail":"invalid zone name"/) x 3,
 (qr/"detail":"invalid key: an IP address in a \$binary_remote_addr zone, else 1 to 65535 bytes"/) x 2,
 (qr/"detail":"invalid duration: 1ms to 24d"/) x 3, qr/"detail":"no such zone"/,
 qr/"detail":"invalid key/]
--- no_error_log
by apisec_admin



=== TEST 12: methods: 405 with Allow
--- http_config
    apisec_ban_zone $binary_remote_addr zone=auth:1m threshold=5 window=10s
                    duration=60s;
--- config
    location /admin/ {
        apisec_admin;
    }
--- request eval
["PUT /admin/bans", "POST /admin/bans", "DELETE /admin/keys",
 "PATCH /admin/bans/auth/1.2.3.4", "POST /admin/limits/auth/1.2.3.4",
 "OPTIONS /admin/bans/auth/1.2.3.4"]
--- error_code eval
[405, 405, 405, 405, 405, 405]
--- response_headers eval
["Allow: GET, HEAD\nContent-Type: application/problem+json",
 "Allow: GET, HEAD", "Allow: GET, HEAD",
 "Allow: GET, HEAD, POST, DELETE", "Allow: GET, HEAD",
 "Allow: GET, HEAD, POST, DELETE"]
--- response_body_like eval
[(qr/"title":"Method Not Allowed","status":405/) x 6]



=== TEST 13: read_only refuses POST and DELETE with 405, and reads
--- http_config
    apisec_ban_zone $binary_remote_addr zone=auth:1m threshold=5 window=10s
                    duration=60s;
--- config
    location /admin/ {
        apisec_admin read_only;
    }
--- request eval
["POST /admin/bans/auth/127.0.0.1", "DELETE /admin/bans/auth/127.0.0.1",
 "GET /admin/bans", "GET /admin/bans/auth/127.0.0.1"]
--- error_code eval
[405, 405, 200, 404]
--- response_headers eval
["Allow: GET, HEAD", "Allow: GET, HEAD", "!Allow", "!Allow"]
--- response_body_like eval
[(qr/"detail":"method not allowed here, or the API is read-only"/) x 2,
 qr/^\{"bans":\[\],"truncated":false\}$/, qr/"status":404/]
--- no_error_log
by apisec_admin



=== TEST 14: one key's limiter state; 404 for a key the zone does not hold
--- http_config
    apisec_limit_zone $binary_remote_addr zone=one:1m rate=10r/s;
--- config
    location /api {
        apisec_limit zone=one burst=5 nodelay;
        empty_gif;
    }
    location /admin/ {
        apisec_admin;
    }
--- request eval
["GET /api", "GET /api", "GET /admin/limits/one/127.0.0.1",
 "GET /admin/limits/one/10.0.0.1", "GET /admin/bans/one/127.0.0.1"]
--- error_code eval
[200, 200, 200, 404, 404]
--- response_body_like eval
[qr/./, qr/./,
 qr/^\{"zone":"one","key":"127\.0\.0\.1","zone_rate_per_day":864000,"rate_per_day":864000,"excess":[0-2]\.\d{3},"reset_ms":\d+,"last_ms":\d+\}$/,
 qr/"detail":"no state for the key"/, qr/"detail":"no such zone"/]



=== TEST 15: the key sets: a key file's kids, algorithms and path
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        empty_gif;
    }
    location /admin/ {
        apisec_admin;
    }
--- request
GET /admin/keys
--- response_body_like
^\{"worker":\d+,"key_sets":\[\{"source":"file","path":"[^"]*/hs\.jwk","keys":\[\{"kid":"hs1","kty":"oct","algorithms":\["HS256"[^\]]*\]\}\]\}\]\}$



=== TEST 16: a fetched key set: never fetched, then fetched, with its age (one connection: the key sets are the worker's)
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_request /_jwks;
        empty_gif;
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/jwks-src;
    }
    location = /jwks-src {
        default_type application/json;
        return 200 '{"keys":[{"kty":"EC","crv":"P-256","kid":"ec256","x":"ueP5ZowbTRFFzcBkbKNiE_SadK0GolGv8XBD3_uA1iw","y":"g74kVPDRk30f4lgpkcj4qSIRIkp2JOpCl2Sc4sDIKac"}]}';
    }
    location /admin/ {
        apisec_admin;
    }
--- pipelined_requests eval
["GET /admin/keys", "GET /api?t=$::EC", "GET /admin/keys"]
--- error_code eval
[200, 200, 200]
--- response_body_like eval
[qr/"source":"key_request","uri":"\/_jwks","last_fetch":"never","keys":\[\]/,
 qr/./,
 qr/"source":"key_request","uri":"\/_jwks","last_fetch":"ok","age_ms":\d+,"keys":\[\{"kid":"ec256","kty":"EC","algorithms":\["ES256"\]\}\]\}\]\}$/]



=== TEST 17: protected by allow/deny
--- config
    location /admin/ {
        allow 10.255.255.1;
        deny all;
        apisec_admin;
    }
--- request
GET /admin/bans
--- error_code: 403
--- response_headers
Content-Type: application/problem+json
--- error_log
access forbidden by rule



=== TEST 18: protected by apisec_jwt and apisec_require_role
--- config
    location /admin/ {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_require_role admin;
        apisec_admin;
    }
--- request eval
["GET /admin/bans", "GET /admin/bans", "GET /admin/bans"]
--- more_headers eval
["", "Authorization: Bearer $::OPS", "Authorization: Bearer $::ADMIN"]
--- error_code eval
[401, 403, 200]
--- response_body_like eval
[qr/"status":401/, qr/"status":403/, qr/^\{"bans":\[\],"truncated":false\}$/]



=== TEST 19: apisec_admin takes read_only only, in prefix locations
--- config
    location /admin/ {
        apisec_admin read-only;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "read-only": expected "read_only" in .*nginx\.conf:\d+/



=== TEST 20: apisec_admin in a regex location is refused
--- config
    location ~ ^/admin/ {
        apisec_admin;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"apisec_admin" needs a prefix or exact location: its paths are relative to the prefix in .*nginx\.conf:\d+/



=== TEST 21: a ban set by hand is kept across a reload (the zone is)
--- skip_eval: 2: Test::Apisec::cpan_skip('it reloads nginx in the middle of the block')
--- http_config
    apisec_ban_zone $binary_remote_addr zone=auth:1m threshold=5 window=10s
                    duration=60s;
--- config
    location /api {
        apisec_ban zone=auth;
        empty_gif;
    }
    location /admin/ {
        apisec_admin;
    }
--- reload_config
    location /api {
        apisec_ban zone=auth;
        empty_gif;
    }
    location /admin/ {
        apisec_admin read_only;
    }
--- reload_after: 1
--- request eval
["POST /admin/bans/auth/127.0.0.1?duration=5m", "GET /api"]
--- error_code eval
[200, 429]



=== TEST 22: a key longer than a key may be (65535 bytes) is 400, and nothing is logged
--- http_config
    apisec_ban_zone $http_x_user zone=users:1m threshold=5 window=10s
                    duration=60s;
    large_client_header_buffers 4 128k;
--- config
    location /admin/ {
        apisec_admin;
    }
--- request eval
"POST /admin/bans/users/$::HUGE"
--- error_code: 400
--- response_body_like eval
qr/"detail":"invalid key: an IP address in a \$binary_remote_addr zone, else 1 to 65535 bytes"/
--- no_error_log
by apisec_admin



=== TEST 23: one decoding only: %252F is the three bytes "%2F"; %00 is refused by nginx
--- http_config
    apisec_ban_zone $http_x_user zone=users:1m threshold=5 window=10s
                    duration=60s;
--- config
    location /api {
        apisec_ban zone=users;
        empty_gif;
    }
    location /admin/ {
        apisec_admin;
    }
--- request eval
["POST /admin/bans/users/%252F", "GET /api", "GET /api",
 "POST /admin/bans/users/a%00b"]
--- more_headers eval
["", "X-User: %2F", "X-User: /", ""]
--- error_code eval
[200, 429, 200, 400]
--- response_body_like eval
[qr/"key":"%2F"/, qr/"status":429/, qr/./, qr/400 Bad Request/]




=== TEST 24: ?limit=N bans in one answer (1000 at most), then "truncated":true
--- http_config
    apisec_ban_zone $http_x_user zone=users:1m threshold=5 window=10s
                    duration=60s;
    apisec_ban_zone $binary_remote_addr zone=auth:1m threshold=5 window=10s
                    duration=60s;
--- config
    location /admin/ {
        apisec_admin;
    }
--- request eval
["POST /admin/bans/users/u1", "POST /admin/bans/users/u2",
 "POST /admin/bans/auth/10.0.0.1", "GET /admin/bans?limit=2",
 "GET /admin/bans?limit=3", "GET /admin/bans?zone=users&limit=1",
 "GET /admin/bans?limit=0", "GET /admin/bans?limit=1001",
 "GET /admin/bans?limit=x"]
--- error_code eval
[200, 200, 200, 200, 200, 200, 400, 400, 400]
--- response_body_like eval
[qr/./, qr/./, qr/./,
 qr/^\{"bans":\[\{[^{}]+\},\{[^{}]+\}\],"truncated":true\}$/,
 qr/^\{"bans":\[\{[^{}]+\},\{[^{}]+\},\{[^{}]+\}\],"truncated":false\}$/,
 qr/^\{"bans":\[\{"zone":"users","key":"u\d"[^{}]+\}\],"truncated":true\}$/,
 (qr/"detail":"invalid limit: 1 to 1000"/) x 3]
