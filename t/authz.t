# apisec_roles_claim, apisec_require_role, apisec_require_scope,
# apisec_require_claim: roles (any of a line), scopes (all of a line),
# claim conditions with every operator and every claim type, several lines,
# inheritance, limit_except, "satisfy any", the 403 challenge (RFC 6750),
# unicode roles and 10,000 roles in one claim.

use lib 't/lib';
use Test::Apisec 'no_plan';
use ApisecJwt;

my @hs = ('--alg', 'HS256', '--key', "$DATA/hs.jwk", '--kid', 'hs1',
          '--exp', 600);

sub tok { return mint(@hs, '--claims', $_[0]) }

my $many = join(',', map { "\"r$_\"" } 1 .. 10000);

our %T = (
    admin      => tok('{"sub":"alice","roles":["admin","ops"]}'),
    ops        => tok('{"sub":"bob","roles":["ops"]}'),
    none       => tok('{"sub":"carol"}'),
    str_roles  => tok('{"sub":"dan","roles":"viewer editor,auditor"}'),
    num_roles  => tok('{"sub":"dan","roles":42}'),
    realm      => tok('{"sub":"erin","realm_access":{"roles":["admin"]},'
                      . '"resource_access":{"orders":{"roles":["clerk"]}}}'),
    dotted     => tok('{"sub":"fay","https://example.com/roles":["admin"]}'),
    unicode    => tok('{"sub":"gus","roles":["\u7ba1\u7406\u8005","r\u00f4le-\u00e9"]}'),
    many       => tok('{"sub":"hal","roles":[' . $many . ']}'),
    scope_rw   => tok('{"sub":"ivy","scope":"orders:read orders:write"}'),
    scope_r    => tok('{"sub":"ivy","scope":"orders:read"}'),
    scp_rw     => tok('{"sub":"ivy","scp":["orders:read","orders:write"]}'),
    scope_sub  => tok('{"sub":"ivy","scope":"orders:readwrite"}'),
    types      => tok('{"sub":"jo","s":"gold","n":42,"f":2.5,"t":true,'
                      . '"b":false,"a":["x","y",7],"o":{"k":1},"z":null,'
                      . '"big":9007199254740993,"email":"jo@example.com"}'),
    types2     => tok('{"sub":"jo","s":"silver","n":41,"f":2.4,"t":false,'
                      . '"b":true,"a":["x"],"o":{},"z":null,'
                      . '"big":9007199254740992,"email":"jo@evil.example"}'),
    # the same claims with JSON types an attacker may choose
    typed      => tok('{"sub":"kim","ev":true,"n":5,"a":[true,5],'
                      . '"r":"admin"}'),
    typed_real => tok('{"sub":"kim","ev":true,"n":5.0,"a":[true,5.0],'
                      . '"r":"ops"}'),
    typed_str  => tok('{"sub":"kim","ev":"true","n":"5","a":["true","5"],'
                      . '"r":"admin\n"}'),
    line_ends  => tok('{"sub":"kim","r":"ops\r","r2":"x\nadmin"}'),
    nul        => tok('{"sub":"kim","roles":["admin\u0000"],'
                      . '"r":"admin\u0000x"}'),
);

no_shuffle();
run_tests();

__DATA__

=== TEST 1: one of the roles of a line is enough
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_require_role admin ops;
        add_header X-Roles $apisec_roles always;
        add_header X-Consumer $apisec_consumer always;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer $::T{admin}", "Authorization: Bearer $::T{ops}"]
--- error_code eval
[200, 200]
--- response_headers eval
["X-Roles: admin,ops\nX-Consumer: alice", "X-Roles: ops\nX-Consumer: bob"]
--- no_error_log
access denied



=== TEST 2: no listed role: 403, insufficient_scope challenge, problem+json, log names the line
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_require_role admin;
        add_header X-Auth $apisec_auth_result always;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{ops}"
--- error_code: 403
--- response_headers
WWW-Authenticate: Bearer realm="api", error="insufficient_scope", scope="admin"
Content-Type: application/problem+json
X-Auth: role_required
--- response_body
{"type":"about:blank","title":"Forbidden","status":403,"detail":"role required"}
--- error_log
apisec: access denied: role required: "apisec_require_role admin"



=== TEST 3: a token without any roles claim is refused
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_require_role admin;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer $::T{none}", "Authorization: Bearer $::T{num_roles}"]
--- error_code eval
[403, 403]



=== TEST 4: roles as one string, separated by spaces or commas
--- config
    location /viewer {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_require_role viewer;
        add_header X-Roles $apisec_roles always;
        empty_gif;
    }
    location /auditor {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_require_role auditor;
        empty_gif;
    }
    location /edit {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_require_role edit;
        empty_gif;
    }
--- request eval
["GET /viewer", "GET /auditor", "GET /edit"]
--- more_headers eval
["Authorization: Bearer $::T{str_roles}", "Authorization: Bearer $::T{str_roles}",
 "Authorization: Bearer $::T{str_roles}"]
--- error_code eval
[200, 200, 403]
--- response_headers eval
["X-Roles: viewer,editor,auditor", "", ""]



=== TEST 5: nested claim paths (realm_access.roles, resource_access.orders.roles)
--- config
    location /realm {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_roles_claim realm_access.roles;
        apisec_require_role admin;
        empty_gif;
    }
    location /orders {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_roles_claim resource_access.orders.roles;
        apisec_require_role clerk;
        empty_gif;
    }
    location /wrong {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_roles_claim resource_access.orders.roles;
        apisec_require_role admin;
        empty_gif;
    }
--- request eval
["GET /realm", "GET /orders", "GET /wrong"]
--- more_headers eval
["Authorization: Bearer $::T{realm}", "Authorization: Bearer $::T{realm}",
 "Authorization: Bearer $::T{realm}"]
--- error_code eval
[200, 200, 403]



=== TEST 6: a claim name with dots in it is found whole
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_roles_claim https://example.com/roles;
        apisec_require_role admin;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{dotted}"
--- error_code: 200



=== TEST 7: several lines at one level all must hold
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_require_role ops;
        apisec_require_role admin;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer $::T{admin}", "Authorization: Bearer $::T{ops}"]
--- error_code eval
[200, 403]



=== TEST 8: scopes: all of a line, from "scope" (string) or "scp" (array)
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_require_scope orders:read orders:write;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer $::T{scope_rw}", "Authorization: Bearer $::T{scp_rw}",
 "Authorization: Bearer $::T{scope_r}", "Authorization: Bearer $::T{scope_sub}"]
--- error_code eval
[200, 200, 403, 403]



=== TEST 9: a missing scope: the challenge names the scopes needed
--- config
    location /api {
        apisec_jwt "orders";
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_require_scope orders:read orders:write;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{scope_r}"
--- error_code: 403
--- response_headers
WWW-Authenticate: Bearer realm="orders", error="insufficient_scope", scope="orders:read orders:write"
--- response_body
{"type":"about:blank","title":"Forbidden","status":403,"detail":"insufficient scope"}
--- error_log
apisec: access denied: insufficient scope: "apisec_require_scope orders:read orders:write"



=== TEST 10: per method with limit_except: GET needs orders:read, others orders:write
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_require_scope orders:read;
        limit_except GET {
            apisec_require_scope orders:write;
        }
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "ok\n";
    }
--- request eval
["GET /api", "POST /api\nx", "POST /api\nx", "DELETE /api"]
--- more_headers eval
["Authorization: Bearer $::T{scope_r}", "Authorization: Bearer $::T{scope_r}",
 "Authorization: Bearer $::T{scope_rw}", "Authorization: Bearer $::T{scope_r}"]
--- error_code eval
[200, 403, 200, 403]
--- response_headers eval
["", "WWW-Authenticate: Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"orders:write\"",
 "", ""]



=== TEST 11: inheritance: each directive inherited whole, a level's lines replace, "off" drops
--- config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    apisec_require_role admin;
    apisec_require_scope orders:read;

    location /inherits {
        empty_gif;
    }
    location /replaces {
        apisec_require_role ops;
        empty_gif;
    }
    location /off {
        apisec_require_role off;
        empty_gif;
    }
    location /nested {
        apisec_require_role ops;
        location /nested/inner {
            empty_gif;
        }
    }
--- request eval
["GET /inherits", "GET /inherits", "GET /replaces", "GET /replaces",
 "GET /off", "GET /off", "GET /nested/inner"]
--- more_headers eval
["Authorization: Bearer $::T{admin}",
 "Authorization: Bearer " . ApisecJwt::mint('--alg', 'HS256', '--key', "$ApisecJwt::DATA/hs.jwk", '--kid', 'hs1', '--exp', 600, '--claims', '{"roles":["admin"],"scope":"orders:read"}'),
 "Authorization: Bearer " . ApisecJwt::mint('--alg', 'HS256', '--key', "$ApisecJwt::DATA/hs.jwk", '--kid', 'hs1', '--exp', 600, '--claims', '{"roles":["admin"],"scope":"orders:read"}'),
 "Authorization: Bearer " . ApisecJwt::mint('--alg', 'HS256', '--key', "$ApisecJwt::DATA/hs.jwk", '--kid', 'hs1', '--exp', 600, '--claims', '{"roles":["ops"],"scope":"orders:read"}'),
 "Authorization: Bearer " . ApisecJwt::mint('--alg', 'HS256', '--key', "$ApisecJwt::DATA/hs.jwk", '--kid', 'hs1', '--exp', 600, '--claims', '{"scope":"orders:read"}'),
 "Authorization: Bearer $::T{none}",
 "Authorization: Bearer " . ApisecJwt::mint('--alg', 'HS256', '--key', "$ApisecJwt::DATA/hs.jwk", '--kid', 'hs1', '--exp', 600, '--claims', '{"roles":["ops"],"scope":"orders:read"}')]
--- error_code eval
[403, 200, 403, 200, 200, 403, 200]



=== TEST 12: "satisfy any": a refused role is waived by an allow rule, not by "deny all"
--- config
    location /allowed {
        satisfy any;
        allow 127.0.0.1;
        deny all;
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_require_role admin;
        empty_gif;
    }
    location /denied {
        satisfy any;
        deny all;
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_require_role admin;
        empty_gif;
    }
    location /granted {
        satisfy any;
        deny all;
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_require_role admin;
        empty_gif;
    }
--- request eval
["GET /allowed", "GET /denied", "GET /granted"]
--- more_headers eval
["Authorization: Bearer $::T{ops}", "Authorization: Bearer $::T{ops}",
 "Authorization: Bearer $::T{admin}"]
--- error_code eval
[200, 403, 200]



=== TEST 13: unicode role names, compared as UTF-8 bytes
--- config
    location /kanji {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_require_role 管理者;
        add_header X-Roles $apisec_roles always;
        empty_gif;
    }
    location /accent {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_require_role rôle-é;
        empty_gif;
    }
    location /decomposed {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_require_role rôle-é;
        empty_gif;
    }
--- request eval
["GET /kanji", "GET /accent", "GET /decomposed"]
--- more_headers eval
["Authorization: Bearer $::T{unicode}", "Authorization: Bearer $::T{unicode}",
 "Authorization: Bearer $::T{unicode}"]
--- error_code eval
[200, 200, 403]
--- response_headers eval
["X-Roles: 管理者,rôle-é", "", ""]



=== TEST 14: 10,000 roles in one claim: the last one is found, an absent one refused
--- http_config
    large_client_header_buffers 4 256k;
--- config
    location /last {
        apisec_jwt on;
        apisec_jwt_max_size 256k;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_require_role nope r10000;
        empty_gif;
    }
    location /absent {
        apisec_jwt on;
        apisec_jwt_max_size 256k;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_require_role r10001 r0;
        empty_gif;
    }
--- request eval
["GET /last", "GET /absent"]
--- more_headers eval
["Authorization: Bearer $::T{many}", "Authorization: Bearer $::T{many}"]
--- error_code eval
[200, 403]



=== TEST 15: eq and ne: strings, numbers, booleans
--- config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    location /s-eq { apisec_require_claim s eq gold; empty_gif; }
    location /n-eq { apisec_require_claim n eq 42; empty_gif; }
    location /n-eq-real { apisec_require_claim n eq 42.0; empty_gif; }
    location /f-eq { apisec_require_claim f eq 2.5; empty_gif; }
    location /t-eq { apisec_require_claim t eq true; empty_gif; }
    location /s-ne { apisec_require_claim s ne silver; empty_gif; }
    location /n-ne { apisec_require_claim n ne 41; empty_gif; }
    location /b-ne { apisec_require_claim b ne true; empty_gif; }
    location /big { apisec_require_claim big eq 9007199254740993; empty_gif; }
--- request eval
["GET /s-eq", "GET /s-eq", "GET /n-eq", "GET /n-eq", "GET /n-eq-real",
 "GET /f-eq", "GET /f-eq", "GET /t-eq", "GET /t-eq", "GET /s-ne", "GET /s-ne",
 "GET /n-ne", "GET /n-ne", "GET /b-ne", "GET /b-ne", "GET /big", "GET /big"]
--- more_headers eval
[map { "Authorization: Bearer $::T{$_}" }
 qw(types types2 types types2 types types types2 types types2 types types2
    types types2 types types2 types types2)]
--- error_code eval
[200, 403, 200, 403, 200, 200, 403, 200, 403, 200, 403, 200, 403, 200, 403,
 200, 403]



=== TEST 16: in and nin, and numbers compared as numbers
--- config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    location /s-in { apisec_require_claim s in gold platinum; empty_gif; }
    location /n-in { apisec_require_claim n in 1 42 1e3; empty_gif; }
    location /s-nin { apisec_require_claim s nin silver bronze; empty_gif; }
    location /n-nin { apisec_require_claim n nin 41 40; empty_gif; }
    location /t-in { apisec_require_claim t in true; empty_gif; }
--- request eval
["GET /s-in", "GET /s-in", "GET /n-in", "GET /n-in", "GET /s-nin",
 "GET /s-nin", "GET /n-nin", "GET /n-nin", "GET /t-in", "GET /t-in"]
--- more_headers eval
[map { "Authorization: Bearer $::T{$_}" }
 qw(types types2 types types2 types types2 types types2 types types2)]
--- error_code eval
[200, 403, 200, 403, 200, 403, 200, 403, 200, 403]



=== TEST 17: gt ge lt le, on integers and reals
--- config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    location /gt { apisec_require_claim n gt 41; empty_gif; }
    location /ge { apisec_require_claim n ge 42; empty_gif; }
    location /lt { apisec_require_claim f lt 2.45; empty_gif; }
    location /le { apisec_require_claim f le 2.4; empty_gif; }
    location /gt-real { apisec_require_claim n gt 41.5; empty_gif; }
--- request eval
["GET /gt", "GET /gt", "GET /ge", "GET /ge", "GET /lt", "GET /lt",
 "GET /le", "GET /le", "GET /gt-real", "GET /gt-real"]
--- more_headers eval
[map { "Authorization: Bearer $::T{$_}" }
 qw(types types2 types types2 types2 types types2 types types types2)]
--- error_code eval
[200, 403, 200, 403, 200, 403, 200, 403, 200, 403]



=== TEST 18: contains (arrays: every value an element, typed; strings: tokens), match, exists
--- config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    location /a-contains { apisec_require_claim a contains x y; empty_gif; }
    location /a-num { apisec_require_claim a contains 7; empty_gif; }
    location /match { apisec_require_claim email match "@example\.com$"; empty_gif; }
    location /exists { apisec_require_claim o exists; empty_gif; }
    location /exists-null { apisec_require_claim z exists; empty_gif; }
    location /missing { apisec_require_claim nope exists; empty_gif; }
--- request eval
["GET /a-contains", "GET /a-contains", "GET /a-num", "GET /a-num",
 "GET /match", "GET /match", "GET /exists", "GET /exists-null", "GET /missing"]
--- more_headers eval
[map { "Authorization: Bearer $::T{$_}" }
 qw(types types2 types types2 types types2 types types types)]
--- error_code eval
[200, 403, 200, 403, 200, 403, 200, 200, 403]



=== TEST 19: a type mismatch refuses, whatever the operator, "ne" and "nin" included
--- config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    location /string-gt { apisec_require_claim s gt 1; empty_gif; }
    location /number-ne-string { apisec_require_claim n ne gold; empty_gif; }
    location /bool-nin-string { apisec_require_claim t nin yes; empty_gif; }
    location /array-eq { apisec_require_claim a ne x; empty_gif; }
    location /object-eq { apisec_require_claim o ne x; empty_gif; }
    location /null-ne { apisec_require_claim z ne x; empty_gif; }
    location /number-match { apisec_require_claim n match "."; empty_gif; }
    location /missing-nin { apisec_require_claim nope nin x; empty_gif; }
    location /number-contains { apisec_require_claim n contains 4; empty_gif; }
--- request eval
["GET /string-gt", "GET /number-ne-string", "GET /bool-nin-string",
 "GET /array-eq", "GET /object-eq", "GET /null-ne", "GET /number-match",
 "GET /missing-nin", "GET /number-contains"]
--- more_headers eval
[map { "Authorization: Bearer $::T{types}" } 1 .. 9]
--- error_code eval
[403, 403, 403, 403, 403, 403, 403, 403, 403]



=== TEST 20: the log says why a claim condition failed
--- config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    location /api {
        apisec_require_claim n ne gold;
        add_header X-Auth $apisec_auth_result always;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{types}"
--- error_code: 403
--- response_headers
WWW-Authenticate: Bearer realm="api", error="insufficient_scope"
X-Auth: claim_type_mismatch
--- error_log
apisec: access denied: claim type mismatch: "apisec_require_claim n ne gold"



=== TEST 21: a missing claim is logged as such
--- config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    location /api { apisec_require_claim tier eq gold; empty_gif; }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{types}"
--- error_code: 403
--- error_log
apisec: access denied: claim missing: "apisec_require_claim tier eq gold"



=== TEST 22: nested claim paths in conditions
--- config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    location /api { apisec_require_claim resource_access.orders.roles contains clerk; empty_gif; }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{realm}"
--- error_code: 200



=== TEST 23: requirements without any authentication refuse (403), never pass
--- config
    location /api {
        apisec_require_role admin;
        empty_gif;
    }
--- request
GET /api
--- error_code: 403
--- response_headers
!WWW-Authenticate
--- error_log
apisec: access denied: not authenticated



=== TEST 24: authentication comes first: no token is 401, not 403
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_require_role admin;
        empty_gif;
    }
--- request
GET /api
--- error_code: 401
--- no_error_log
access denied



=== TEST 25: an unknown operator fails
--- config
    location /api { apisec_require_claim s like gold; empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*unknown operator "like", expected eq, ne, in, nin, contains, gt, ge, lt, le, match or exists in \S+nginx\.conf:\d+/



=== TEST 26: gt with a value that is no number fails
--- config
    location /api { apisec_require_claim n gt ten; empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*operator "gt" needs a number, not "ten" in \S+nginx\.conf:\d+/



=== TEST 27: a bad regex fails at configuration time
--- config
    location /api { apisec_require_claim s match "(unclosed"; empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*pcre2?_compile\(\) failed: .* in "\(unclosed" .*nginx\.conf:\d+/



=== TEST 28: wrong numbers of values fail
--- config
    location /a { apisec_require_claim s exists x; empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*operator "exists" takes no value in \S+nginx\.conf:\d+/



=== TEST 29: eq takes exactly one value
--- config
    location /a { apisec_require_claim s eq a b; empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*operator "eq" takes exactly one value/



=== TEST 30: a scope with a character RFC 6749 does not allow fails
--- config
    location /a { apisec_require_scope "orders\\read"; empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid scope "orders\\read" \(RFC 6749, 3\.3\) in \S+nginx\.conf:\d+/



=== TEST 31: a role with a comma fails; a bad claim path fails
--- config
    location /a { apisec_require_role "a,b"; empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid role "a,b": no spaces, commas or control characters/



=== TEST 32: a claim path with an empty segment fails
--- config
    location /a { apisec_roles_claim realm..roles; empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid claim path "realm\.\.roles" in \S+nginx\.conf:\d+/



=== TEST 33: "off" next to lines at one level is a duplicate
--- config
    location /a { apisec_require_role admin; apisec_require_role off; empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*"apisec_require_role" directive is duplicate/



=== TEST 34: a claim condition does not hold for an API key (no claims): 403, no Bearer challenge
--- user_files
>>> keys
alice sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae roles=admin
--- config
    location /role {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        apisec_require_role admin;
        add_header X-Roles $apisec_roles always;
        empty_gif;
    }
    location /scope {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        apisec_require_scope orders:read;
        empty_gif;
    }
    location /claim {
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        apisec_require_claim sub exists;
        empty_gif;
    }
--- request eval
["GET /role", "GET /scope", "GET /claim"]
--- more_headers eval
["X-API-Key: foo", "X-API-Key: foo", "X-API-Key: foo"]
--- error_code eval
[200, 403, 403]
--- response_headers eval
["X-Roles: admin", "!WWW-Authenticate", "!WWW-Authenticate"]




=== TEST 35: claims of the configured JSON type are admitted: true, 5 and 5.0, quoted strings, typed array elements, match
--- config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    location /ev { apisec_require_claim ev eq true; empty_gif; }
    location /ev-in { apisec_require_claim ev in true false; empty_gif; }
    location /ev-ne { apisec_require_claim ev ne false; empty_gif; }
    location /n { apisec_require_claim n eq 5; empty_gif; }
    location /n-ne { apisec_require_claim n ne 4; empty_gif; }
    location /n-in { apisec_require_claim n in 4 5; empty_gif; }
    location /q-ev { apisec_require_claim ev eq '"true"'; empty_gif; }
    location /q-n { apisec_require_claim n eq '"5"'; empty_gif; }
    location /a { apisec_require_claim a contains true 5; empty_gif; }
    location /q-a { apisec_require_claim a contains '"true"' '"5"'; empty_gif; }
    location /r { apisec_require_claim r match "^(admin|ops)$"; empty_gif; }
--- request eval
["GET /ev", "GET /ev-in", "GET /ev-ne", "GET /n", "GET /n", "GET /n-ne",
 "GET /n-in", "GET /q-ev", "GET /q-n", "GET /a", "GET /a", "GET /q-a",
 "GET /r", "GET /r"]
--- more_headers eval
[map { "Authorization: Bearer $::T{$_}" }
 qw(typed typed typed typed typed_real typed typed_real typed_str typed_str
    typed typed_real typed_str typed typed_real)]
--- error_code eval
[200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]
--- no_error_log
access denied



=== TEST 36: "eq true" refuses the string "true": type mismatch
--- config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    location /api {
        apisec_require_claim ev eq true;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{typed_str}"
--- error_code: 403
--- error_log
apisec: access denied: claim type mismatch: "apisec_require_claim ev eq true"



=== TEST 37: "in true false" refuses the string "true"
--- config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    location /api {
        apisec_require_claim ev in true false;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{typed_str}"
--- error_code: 403
--- error_log
apisec: access denied: claim type mismatch: "apisec_require_claim ev in true false"



=== TEST 38: "ne false" refuses the string "true" too: a type mismatch never passes
--- config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    location /api {
        apisec_require_claim ev ne false;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{typed_str}"
--- error_code: 403
--- error_log
apisec: access denied: claim type mismatch: "apisec_require_claim ev ne false"



=== TEST 39: "eq 5" refuses the string "5"
--- config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    location /api {
        apisec_require_claim n eq 5;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{typed_str}"
--- error_code: 403
--- error_log
apisec: access denied: claim type mismatch: "apisec_require_claim n eq 5"



=== TEST 40: "ne 4" refuses the string "5"
--- config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    location /api {
        apisec_require_claim n ne 4;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{typed_str}"
--- error_code: 403
--- error_log
apisec: access denied: claim type mismatch: "apisec_require_claim n ne 4"



=== TEST 41: "in 4 5" refuses the string "5"
--- config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    location /api {
        apisec_require_claim n in 4 5;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{typed_str}"
--- error_code: 403
--- error_log
apisec: access denied: claim type mismatch: "apisec_require_claim n in 4 5"



=== TEST 42: "gt 4" refuses the string "5" (a string that looks like a number is no number)
--- config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    location /api {
        apisec_require_claim n gt 4;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{typed_str}"
--- error_code: 403
--- error_log
apisec: access denied: claim type mismatch: "apisec_require_claim n gt 4"



=== TEST 43: a quoted value is a string: '"true"' refuses the boolean true
--- config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    location /api {
        apisec_require_claim ev eq '"true"';
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{typed}"
--- error_code: 403
--- error_log
apisec: access denied: claim type mismatch: "apisec_require_claim ev eq "true""



=== TEST 44: a quoted value is a string: '"5"' refuses the number 5
--- config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    location /api {
        apisec_require_claim n eq '"5"';
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{typed}"
--- error_code: 403
--- error_log
apisec: access denied: claim type mismatch: "apisec_require_claim n eq "5""



=== TEST 45: "contains true 5" on ["true","5"]: no element of those types
--- config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    location /api {
        apisec_require_claim a contains true 5;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{typed_str}"
--- error_code: 403
--- error_log
apisec: access denied: claim condition not met: "apisec_require_claim a contains true 5"



=== TEST 46: "contains '"true"' '"5"'" on [true,5]: no string elements
--- config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    location /api {
        apisec_require_claim a contains '"true"' '"5"';
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{typed}"
--- error_code: 403
--- error_log
apisec: access denied: claim condition not met: "apisec_require_claim a contains "true" "5""



=== TEST 47: "match ^(admin|ops)$" refuses "admin\n" ($ only at the very end)
--- config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    location /api {
        apisec_require_claim r match "^(admin|ops)$";
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{typed_str}"
--- error_code: 403
--- error_log
apisec: access denied: claim condition not met: "apisec_require_claim r match ^(admin|ops)$"



=== TEST 48: "match ^admin\Z" refuses "admin\n"
--- config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    location /api {
        apisec_require_claim r match "^admin\Z";
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{typed_str}"
--- error_code: 403
--- error_log
apisec: access denied: claim condition not met: "apisec_require_claim r match ^admin\Z"



=== TEST 49: "match ^(admin|ops)$" refuses "ops\r"
--- config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    location /api {
        apisec_require_claim r match "^(admin|ops)$";
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{line_ends}"
--- error_code: 403
--- error_log
apisec: access denied: claim condition not met: "apisec_require_claim r match ^(admin|ops)$"



=== TEST 50: "match (?m)^admin$" refuses "x\nadmin"
--- config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    location /api {
        apisec_require_claim r2 match "(?m)^admin$";
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{line_ends}"
--- error_code: 403
--- error_log
apisec: access denied: claim condition not met: "apisec_require_claim r2 match (?m)^admin$"



=== TEST 51: a claim with an embedded NUL ("admin\u0000x") never reaches a comparison: the token is refused
--- config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
    location /role { apisec_require_role admin; empty_gif; }
    location /match { apisec_require_claim r match "^admin"; empty_gif; }
--- request eval
["GET /role", "GET /match"]
--- more_headers eval
[map { "Authorization: Bearer $::T{nul}" } 1 .. 2]
--- error_code eval
[401, 401]
--- error_log
claims are not JSON
--- no_error_log
access denied



=== TEST 52: "in" with values of two types can never be met: it fails, and says how to quote
--- config
    location /a { apisec_require_claim tier in gold 5; empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*operator "in" needs values of one type, not "gold" and "5" \(write '"5"' for a string that looks like a number or a boolean\) in \S+nginx\.conf:\d+/



=== TEST 53: "null" compares with no claim: it fails, and says how to write the string null
--- config
    location /a { apisec_require_claim tier ne null; empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*value "null" compares with no claim \(a null claim meets "exists" only\); write '"null"' for the string null in \S+nginx\.conf:\d+/
