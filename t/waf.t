# ModSecurity with the OWASP Core Rule Set beside the module (docs/waf.md),
# with Debian's packages: libnginx-mod-http-modsecurity (libmodsecurity3,
# ModSecurity-nginx 1.0.3) and modsecurity-crs (CRS 3.3.4), which
# util/deps.sh installs.  nginx loads both modules; ModSecurity runs the
# configuration of docs/waf.md (written below into a temporary file).
#
# What it shows:
#   - SQL injection and XSS in the query, in the headers CRS inspects
#     (User-Agent, Referer) and in a JSON body are refused with 403, and
#     the module renders the refusal: problem+json, security headers, CORS;
#   - authenticated API traffic (HS256, RS256, ES256 tokens, an API key,
#     JSON bodies of ordinary text, PUT/PATCH/DELETE) raises no rule at the
#     default paranoia level;
#   - the phase order: ModSecurity inspects first (rewrite and preaccess
#     phases), the module after it (access phase): a clean request gets
#     the module's 401/403/204/429 unchanged, an attack gets ModSecurity's
#     403 with or without credentials, banned or not, and ModSecurity's
#     403s are not counted by apisec_ban, nor by limit_req (which runs
#     after ModSecurity in the preaccess phase);
#   - a rule excluded for one location (ctl:ruleRemoveTargetById in the
#     rules, or modsecurity_rules in the location).
#
# Blocks without --- config reuse the nginx of the block before (one start
# per group: CRS takes about half a second to load).

use lib 't/lib';
use Test::Apisec;
use ApisecJwt;
use File::Temp qw(tempdir);
use Digest::SHA qw(sha256_hex);

our $MODSEC = '/usr/lib/nginx/modules/ngx_http_modsecurity_module.so';
our $CRS = '/usr/share/modsecurity-crs/rules';
our $CRS_SETUP = '/etc/modsecurity/crs/crs-setup.conf';

if (!-f $MODSEC || !-d $CRS || !-f $CRS_SETUP) {
    plan(skip_all => 'ModSecurity or the CRS is not installed '
         . '(util/deps.sh: libnginx-mod-http-modsecurity modsecurity-crs)');
} else {
    plan('no_plan');
}

my $dir = tempdir('apisec-waf-XXXXXX', TMPDIR => 1, CLEANUP => 1);

# docs/modsecurity-api.conf, the configuration docs/waf.md shows, and the
# test's exclusion for /search/ (a phase 1 rule: it runs before the CRS's
# phase 2 rule 942100 even though it comes after the Include).
our $API_CONF = "$Test::Apisec::RepoRoot/docs/modsecurity-api.conf";
my $conf = <<"EOF";
Include $API_CONF
SecRule REQUEST_FILENAME "\@beginsWith /search/" \\
    "id:1000,phase:1,pass,nolog,ctl:ruleRemoveTargetById=942100;ARGS:q"
EOF

open my $fh, '>', "$dir/modsecurity.conf" or die "$dir: $!";
print $fh $conf;
close $fh;
$ENV{TEST_NGINX_WAF_CONF} = "$dir/modsecurity.conf";
$ENV{TEST_NGINX_MODSEC} = $MODSEC;

my @hs = ('--alg', 'HS256', '--kid', 'hs1', '--key', "$DATA/hs.jwk",
          '--exp', 600);
our %T = (
    hs => mint(@hs, '--claims', '{"sub":"alice","scope":"orders:read '
               . 'orders:write","roles":["viewer"],'
               . '"email":"alice@example.com","name":"Alice O\'Brien"}'),
    rs => mint('--alg', 'RS256', '--kid', 'rsa1', '--key', "$DATA/rsa.key",
               '--exp', 600, '--claims', '{"sub":"bob",'
               . '"iss":"https://id.example.com/realms/shop",'
               . '"aud":["orders","https://api.example.com"],'
               . '"scope":"orders:read"}'),
    es => mint('--alg', 'ES256', '--kid', 'ec256', '--key',
               "$DATA/ec256.key", '--exp', 600,
               '--claims', '{"sub":"carol","scope":"orders:read"}'),
    bad => mint(@hs, '--claims', '{"sub":"mallory"}', '--sig-flip'),
    noscope => mint(@hs, '--claims', '{"sub":"dave"}'),
);
our $KEY = 'k_live_' . sha256_hex('waf-key');
our $KEYS = "partner sha256:" . sha256_hex($KEY) . " roles=partner\n";

our $ORIGIN = 'Origin: https://app.example.com';
our $SQLI = "1' or 1=1--";
our $SQLI_Q = "1%27%20or%201%3D1--";
our $XSS_Q = "%3Cscript%3Ealert(1)%3C%2Fscript%3E";

# Every refusal of ModSecurity, rendered by the module.
our $REFUSED_HEADERS = <<'EOF';
Content-Type: application/problem+json
Cache-Control: no-store
X-Content-Type-Options: nosniff
X-Frame-Options: DENY
Content-Security-Policy: default-src 'none'; frame-ancestors 'none'
Referrer-Policy: no-referrer
Access-Control-Allow-Origin: https://app.example.com
Vary: Origin
EOF
our $FORBIDDEN =
    qr/^\{"type":"about:blank","title":"Forbidden","status":403\}$/;

# ModSecurity refuses in phase 2 (CRS's blocking evaluation, 949110), the
# transaction named by $request_id (modsecurity_transaction_id).
our $DENIED = join '', '\[error\] .*ModSecurity: Access denied with code ',
                      '403 \(phase 2\)\. .*\[id "949110"\] .*',
                      '\[unique_id "[0-9a-f]{32}"\]';
$DENIED = qr/$DENIED/;

our $MAIN = "load_module $MODSEC;";

our $HTTP = <<'EOF';
    apisec_ban_zone $binary_remote_addr zone=brute:32k threshold=2
                    window=1m duration=1m;
    limit_req_zone $binary_remote_addr zone=perip:1m rate=1r/m;
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 200 "backend\n";
        }
    }
EOF

our $CONF = <<'EOF';
    modsecurity on;
    modsecurity_rules_file $TEST_NGINX_WAF_CONF;
    modsecurity_transaction_id $request_id;

    apisec_security_headers on;
    apisec_cors_origins https://app.example.com;
    apisec_cors_methods GET HEAD POST PUT PATCH DELETE;
    apisec_cors_headers Authorization Content-Type;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    apisec_jwt_key_file $TEST_NGINX_DATA/rsa.jwk;
    apisec_jwt_key_file $TEST_NGINX_DATA/ec256.jwk;
    apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;

    location /api/ {
        apisec_jwt on;
        add_header X-Auth $apisec_auth_result always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }

    location /admin/ {
        apisec_jwt on;
        apisec_require_scope orders:write;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }

    location /partner/ {
        apisec_api_key on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }

    location /ban/ {
        apisec_ban zone=brute;
        apisec_jwt on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }

    location /limited/ {
        limit_req zone=perip;
        apisec_jwt on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }

    # the rules exclude 942100 for the argument q under /search/
    location /search/ {
        apisec_jwt on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }

    # this location's rules: the server's without 942100
    location /legacy/ {
        modsecurity_rules 'SecRuleRemoveById 942100';
        apisec_jwt on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
EOF

# A JSON body of ordinary text: apostrophes, punctuation, an e-mail, a URL,
# words that are SQL keywords, numbers, nesting.
our $JSON = '{"name":"O\'Brien\'s order","note":"Please deliver before '
    . '5 pm; ring twice - thanks! (door code: 1234)",'
    . '"email":"bob@example.com","callback":"https://example.com/a?b=c&d=e",'
    . '"items":[{"sku":"A-1","qty":2,"price":9.99},{"sku":"B/2","qty":1}],'
    . '"tags":["select","update","drop-off","union"],'
    . '"when":"2026-12-03T09:00:00Z","gift":true,"comment":null}';

# docs/waf.md shows docs/modsecurity-api.conf whole
{
    local $/;
    open my $f, '<', $API_CONF or die "$API_CONF: $!";
    my $file = <$f>;
    my $md = "$Test::Apisec::RepoRoot/docs/waf.md";
    open my $d, '<', $md or die "$md: $!";
    my $doc = <$d>;
    ok(index($doc, "\n$file```\n") >= 0,
       'docs/waf.md shows docs/modsecurity-api.conf as it is');
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: SQL injection in the query, no credentials: ModSecurity's 403 rendered by the module (not the module's 401)
--- main_config eval: $::MAIN
--- http_config eval: $::HTTP
--- config eval: $::CONF
--- user_files eval
[["keys", $::KEYS]]
--- request eval
"GET /api/orders?id=$::SQLI_Q"
--- more_headers eval
$::ORIGIN
--- error_code: 403
--- response_headers eval
$::REFUSED_HEADERS . "!WWW-Authenticate\n"
--- response_body_like eval
$::FORBIDDEN
--- error_log eval
[$::DENIED, qr/\[id "942100"\] .*ARGS:id: 1' or 1=1--/]
--- no_error_log
apisec: JWT refused



=== TEST 2: XSS in the query, with a valid token: refused all the same, the token never looked at ($apisec_auth_result empty)
--- main_config eval: $::MAIN
--- http_config eval: $::HTTP
--- config eval: $::CONF
--- user_files eval
[["keys", $::KEYS]]
--- request eval
"GET /api/orders?q=$::XSS_Q"
--- more_headers eval
"$::ORIGIN\nAuthorization: Bearer $::T{hs}"
--- error_code: 403
--- response_headers eval
$::REFUSED_HEADERS . "X-Auth:\n"
--- response_body_like eval
$::FORBIDDEN
--- error_log eval
[$::DENIED, qr/\[id "941100"\] .*ARGS:q: <script>alert\(1\)<\/script>/]
--- no_error_log
apisec: JWT refused



=== TEST 3: SQL injection in User-Agent
--- main_config eval: $::MAIN
--- http_config eval: $::HTTP
--- config eval: $::CONF
--- user_files eval
[["keys", $::KEYS]]
--- request
GET /api/orders
--- more_headers eval
"$::ORIGIN\nAuthorization: Bearer $::T{hs}\nUser-Agent: $::SQLI"
--- error_code: 403
--- response_headers eval
$::REFUSED_HEADERS
--- response_body_like eval
$::FORBIDDEN
--- error_log eval
[$::DENIED, qr/\[id "942100"\] .*REQUEST_HEADERS:User-Agent: 1' or 1=1--/]



=== TEST 4: XSS in Referer
--- main_config eval: $::MAIN
--- http_config eval: $::HTTP
--- config eval: $::CONF
--- user_files eval
[["keys", $::KEYS]]
--- request
GET /api/orders
--- more_headers eval
"$::ORIGIN\nAuthorization: Bearer $::T{hs}\n"
. "Referer: https://app.example.com/<script>alert(1)</script>"
--- error_code: 403
--- response_headers eval
$::REFUSED_HEADERS
--- response_body_like eval
$::FORBIDDEN
--- error_log eval
[$::DENIED, qr/\[id "941110"\] .*REQUEST_HEADERS:Referer: /]



=== TEST 5: SQL injection in a JSON body (the JSON body processor names it json.order.note)
--- main_config eval: $::MAIN
--- http_config eval: $::HTTP
--- config eval: $::CONF
--- user_files eval
[["keys", $::KEYS]]
--- request eval
"POST /api/orders\n{\"order\":{\"note\":\"$::SQLI\"}}"
--- more_headers eval
"$::ORIGIN\nAuthorization: Bearer $::T{hs}\nContent-Type: application/json"
--- error_code: 403
--- response_headers eval
$::REFUSED_HEADERS
--- response_body_like eval
$::FORBIDDEN
--- error_log eval
[$::DENIED, qr/\[id "942100"\] .*ARGS:json\.order\.note: 1' or 1=1--/]



=== TEST 6: XSS in a JSON array, with a vendor JSON type (application/vnd.api+json)
--- main_config eval: $::MAIN
--- http_config eval: $::HTTP
--- config eval: $::CONF
--- user_files eval
[["keys", $::KEYS]]
--- request
POST /api/orders
{"items":[{"sku":"A-1"},{"sku":"<img src=x onerror=alert(1)>"}]}
--- more_headers eval
"$::ORIGIN\nAuthorization: Bearer $::T{hs}\n"
. "Content-Type: application/vnd.api+json"
--- error_code: 403
--- response_headers eval
$::REFUSED_HEADERS
--- response_body_like eval
$::FORBIDDEN
--- error_log eval
[$::DENIED, qr/\[id "941100"\] .*ARGS:json\.items\.array_1\.sku: <img/]



=== TEST 7: a JSON body that does not parse: ModSecurity's 400, as problem+json
--- main_config eval: $::MAIN
--- http_config eval: $::HTTP
--- config eval: $::CONF
--- user_files eval
[["keys", $::KEYS]]
--- request
POST /api/orders
{"name":
--- more_headers eval
"$::ORIGIN\nAuthorization: Bearer $::T{hs}\nContent-Type: application/json"
--- error_code: 400
--- response_headers eval
$::REFUSED_HEADERS
--- response_body_like eval
qr/^\{"type":"about:blank","title":"Bad Request","status":400\}$/
--- error_log eval
[qr/ModSecurity: Access denied with code 400 \(phase 2\)\. .*\[id "200002"\] .*JSON parsing error/]



=== TEST 8: a header CRS does not inspect (documented in docs/waf.md): an injection in X-Filter passes
--- main_config eval: $::MAIN
--- http_config eval: $::HTTP
--- config eval: $::CONF
--- user_files eval
[["keys", $::KEYS]]
--- request
GET /api/orders
--- more_headers eval
"Authorization: Bearer $::T{hs}\nX-Filter: $::SQLI"
--- error_code: 200
--- response_body
backend
--- no_error_log
ModSecurity:



=== TEST 9: authenticated API traffic: no rule fires on tokens, an API key, ordinary JSON, REST methods
--- main_config eval: $::MAIN
--- http_config eval: $::HTTP
--- config eval: $::CONF
--- user_files eval
[["keys", $::KEYS]]
--- request eval
["GET /api/orders?page=2&sort=-created_at&fields=id,name&filter[status]=open",
 "GET /api/orders/42",
 "GET /api/orders/42?expand=items",
 "GET /partner/reports?from=2026-01-01&to=2026-12-31",
 "POST /api/orders\n$::JSON",
 "PUT /api/orders/42\n$::JSON",
 "PATCH /api/orders/42\n{\"note\":\"don't ring; it's fine\"}",
 "DELETE /api/orders/42",
 "GET /api/orders/42"]
--- more_headers eval
["Authorization: Bearer $::T{hs}\nAccept: application/json",
 "Authorization: Bearer $::T{rs}\nAccept: application/json",
 "Authorization: Bearer $::T{es}\n$::ORIGIN",
 "X-API-Key: $::KEY",
 "Authorization: Bearer $::T{hs}\nContent-Type: application/json",
 "Authorization: Bearer $::T{rs}\nContent-Type: application/json; charset=utf-8",
 "Authorization: Bearer $::T{es}\nContent-Type: application/merge-patch+json",
 "Authorization: Bearer $::T{hs}",
 "Authorization: Bearer $::T{hs}\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\nReferer: https://app.example.com/orders?tab=open&q=O'Brien"]
--- error_code eval
[200, 200, 200, 200, 200, 200, 200, 200, 200]
--- response_body eval
["backend\n", "backend\n", "backend\n", "backend\n", "backend\n",
 "backend\n", "backend\n", "backend\n", "backend\n"]
--- no_error_log
ModSecurity:
apisec: JWT refused
API key refused



=== TEST 10: a clean request without a token: the module's 401, ModSecurity silent
--- main_config eval: $::MAIN
--- http_config eval: $::HTTP
--- config eval: $::CONF
--- user_files eval
[["keys", $::KEYS]]
--- request
GET /api/orders
--- more_headers eval
$::ORIGIN
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api"
Content-Type: application/problem+json
Access-Control-Allow-Origin: https://app.example.com
X-Auth: missing
--- error_log
apisec: JWT refused: no Authorization header
--- no_error_log
ModSecurity:



=== TEST 11: a clean request with a token lacking the scope: the module's 403 insufficient_scope
--- main_config eval: $::MAIN
--- http_config eval: $::HTTP
--- config eval: $::CONF
--- user_files eval
[["keys", $::KEYS]]
--- request
GET /admin/orders
--- more_headers eval
"Authorization: Bearer $::T{noscope}"
--- error_code: 403
--- response_headers
WWW-Authenticate: Bearer realm="api", error="insufficient_scope", scope="orders:write"
--- response_body
{"type":"about:blank","title":"Forbidden","status":403,"detail":"insufficient scope"}
--- error_log
apisec: access denied: insufficient scope: "apisec_require_scope orders:write"
--- no_error_log
ModSecurity:



=== TEST 12: an allowed CORS preflight passes CRS and is answered 204 by the module
--- main_config eval: $::MAIN
--- http_config eval: $::HTTP
--- config eval: $::CONF
--- user_files eval
[["keys", $::KEYS]]
--- request
OPTIONS /api/orders
--- more_headers eval
"$::ORIGIN\nAccess-Control-Request-Method: PATCH\n"
. "Access-Control-Request-Headers: authorization, content-type"
--- error_code: 204
--- response_headers
Access-Control-Allow-Origin: https://app.example.com
--- no_error_log
ModSecurity:
CORS preflight refused



=== TEST 13: a preflight from a foreign origin: the module's 403
--- main_config eval: $::MAIN
--- http_config eval: $::HTTP
--- config eval: $::CONF
--- user_files eval
[["keys", $::KEYS]]
--- request
OPTIONS /api/orders
--- more_headers
Origin: https://evil.example
Access-Control-Request-Method: DELETE
--- error_code: 403
--- response_body
{"type":"about:blank","title":"Forbidden","status":403,"detail":"CORS preflight refused"}
--- error_log
apisec: CORS preflight refused: origin "https://evil.example" not allowed
--- no_error_log
ModSecurity:



=== TEST 14: bans: three ModSecurity 403s in a location with apisec_ban (threshold 2) ...
--- main_config eval: $::MAIN
--- http_config eval: $::HTTP
--- config eval: $::CONF
--- user_files eval
[["keys", $::KEYS]]
--- request eval
["GET /ban/x?id=$::SQLI_Q", "GET /ban/x?id=$::SQLI_Q", "GET /ban/x?id=$::SQLI_Q"]
--- error_code eval
[403, 403, 403]
--- error_log eval
$::DENIED
--- no_error_log
banned



=== TEST 15: ... are not counted: the next bad token gets 401, not 429
--- request
GET /ban/x
--- more_headers eval
"Authorization: Bearer $::T{bad}"
--- error_code: 401
--- error_log
apisec: JWT refused
--- no_error_log
banned



=== TEST 16: the second 401 bans the address
--- request
GET /ban/x
--- more_headers eval
"Authorization: Bearer $::T{bad}"
--- error_code: 401
--- error_log eval
qr/\[warn\] .*"127\.0\.0\.1" banned in zone "brute" for 60000 ms after 2 authentication failures/



=== TEST 17: a clean request of the banned address: the module's 429
--- request
GET /ban/x
--- more_headers eval
"Authorization: Bearer $::T{hs}"
--- error_code: 429
--- response_headers_like
Retry-After: \d+
--- error_log eval
qr/\[info\] .*request refused, "127\.0\.0\.1" is banned in zone "brute" for \d+ ms more/



=== TEST 18: an attack of the banned address: ModSecurity's 403 comes first, the ban is not looked at
--- request eval
"GET /ban/x?id=$::SQLI_Q"
--- more_headers eval
"Authorization: Bearer $::T{hs}"
--- error_code: 403
--- response_headers
!Retry-After
--- error_log eval
[$::DENIED, qr/\[uri "\/ban\/x"\]/]



=== TEST 19: rule 942100 excluded for the argument q under /search/: q passes
--- main_config eval: $::MAIN
--- http_config eval: $::HTTP
--- config eval: $::CONF
--- user_files eval
[["keys", $::KEYS]]
--- request eval
"GET /search/orders?q=$::SQLI_Q"
--- more_headers eval
"Authorization: Bearer $::T{hs}"
--- error_code: 200
--- response_body
backend
--- no_error_log
ModSecurity:



=== TEST 20: ... another argument of /search/ is still inspected by 942100
--- main_config eval: $::MAIN
--- http_config eval: $::HTTP
--- config eval: $::CONF
--- user_files eval
[["keys", $::KEYS]]
--- request eval
"GET /search/orders?id=$::SQLI_Q"
--- more_headers eval
"Authorization: Bearer $::T{hs}"
--- error_code: 403
--- error_log eval
[$::DENIED, qr/\[id "942100"\] .*ARGS:id: /]



=== TEST 21: modsecurity_rules 'SecRuleRemoveById 942100' in /legacy/: the rule is off there ...
--- main_config eval: $::MAIN
--- http_config eval: $::HTTP
--- config eval: $::CONF
--- user_files eval
[["keys", $::KEYS]]
--- request eval
"GET /legacy/orders?id=$::SQLI_Q"
--- more_headers eval
"Authorization: Bearer $::T{hs}"
--- error_code: 200
--- response_body
backend
--- no_error_log
ModSecurity:



=== TEST 22: ... the other rules are on (XSS refused in /legacy/)
--- main_config eval: $::MAIN
--- http_config eval: $::HTTP
--- config eval: $::CONF
--- user_files eval
[["keys", $::KEYS]]
--- request eval
"GET /legacy/orders?q=$::XSS_Q"
--- more_headers eval
"Authorization: Bearer $::T{hs}"
--- error_code: 403
--- error_log eval
[$::DENIED, qr/\[id "941100"\] /]



=== TEST 23: limit_req (1r/m) runs after ModSecurity: three refused attacks ...
--- main_config eval: $::MAIN
--- http_config eval: $::HTTP
--- config eval: $::CONF
--- user_files eval
[["keys", $::KEYS]]
--- request eval
["GET /limited/x?id=$::SQLI_Q", "GET /limited/x?id=$::SQLI_Q",
 "GET /limited/x?id=$::SQLI_Q"]
--- error_code eval
[403, 403, 403]
--- error_log eval
$::DENIED
--- no_error_log
limiting requests



=== TEST 24: ... were not counted: the first clean request passes
--- request
GET /limited/x
--- more_headers eval
"Authorization: Bearer $::T{hs}"
--- error_code: 200
--- response_body
backend
--- no_error_log
limiting requests



=== TEST 25: ... and the second is limited (limit_req works here)
--- request
GET /limited/x
--- more_headers eval
"Authorization: Bearer $::T{hs}"
--- error_code: 503
--- error_log eval
qr/\[error\] .*limiting requests, excess: (?:0\.9\d\d|1\.000) by zone "perip"/
