# apisec_claim_set: claims (nested, namespaced, arrays joined with commas)
# as variables, for JWT and introspection alike; no value for a refused
# token or an API key; values that could split a header line or be read
# back wrongly are not set; configuration errors.

use lib 't/lib';
use Test::Apisec 'no_plan';
use ApisecJwt;
use Digest::SHA qw(hmac_sha256);
use MIME::Base64 qw(encode_base64url decode_base64url);

my $D = $DATA;
my @hs = ('--alg', 'HS256', '--key', "$D/hs.jwk", '--kid', 'hs1');

sub tok { return mint(@hs, '--exp', 600, '--claims', $_[0]) }

# tokens too large for a command line (a single argument is at most
# 128 KiB): HS256 by hand, with the key of t/data/hs.jwk
sub big_tok {
    my ($claims) = @_;
    open(my $fh, '<', "$D/hs.jwk") or die "$D/hs.jwk: $!";
    my ($k) = do { local $/; <$fh> } =~ /"k":\s*"([^"]+)"/;
    my $h = encode_base64url('{"alg":"HS256","typ":"JWT","kid":"hs1"}');
    my $c = encode_base64url($claims);
    return "$h.$c." . encode_base64url(hmac_sha256("$h.$c",
                                                   decode_base64url($k)));
}

my $exp = time() + 600 * ($ENV{TEST_NGINX_USE_VALGRIND} ? 20 : 1);

our %T = (
    all => tok('{"sub":"alice","email":"alice@example.com",'
               . '"realm_access":{"roles":["admin","ops"]},'
               . '"https://example.com/roles":["reader"],'
               . '"n":42,"big":9007199254740993,'
               . '"min":-9223372036854775808,"f":1.5,"tenth":0.1,'
               . '"sum":0.30000000000000004,"huge":1e300,'
               . '"t":true,"fa":false,"nul":null,"o":{"a":[1,2]},'
               . '"mixed":["a",1,true,null,{"x":1},["n"],2.5,false],'
               . '"empty":[]}'),
    bob => tok('{"sub":"bob","email":"bob@example.com"}'),
    nomail => tok('{"sub":"carol"}'),
    expired => mint(@hs, '--exp', -30,
                    '--claims', '{"sub":"dave","email":"dave@example.com"}'),
    crlf => tok('{"sub":"eve","email":"eve@example.com\r\nX-Evil: 1",'
                . '"groups":["a","b\nX-Evil: 1"],"tab":"a\tb",'
                . '"del":"a\u007fb","comma":["a,b","c"],'
                . '"commastr":"a,b"}'),
    # 100,000 elements: 199,999 bytes joined, far over the bound
    many => big_tok('{"sub":"frank","exp":' . $exp . ',"many":['
                    . join(',', (1) x 100000) . ']}'),
    # the bound exactly, and one byte over
    at_bound => tok('{"sub":"gina","s":"' . ('a' x 4096) . '",'
                    . '"arr":[' . join(',', ('"b"') x 2048) . ']}'),
    over => tok('{"sub":"hank","s":"' . ('a' x 4097) . '",'
                . '"arr":[' . join(',', ('"b"') x 2048) . ',"cc"]}'),
);

our $HC = <<'EOF';
    apisec_claim_set $email email;
    apisec_claim_set $kc_roles realm_access.roles;
    apisec_claim_set $ns_roles https://example.com/roles;
    apisec_claim_set $n n;
    apisec_claim_set $big big;
    apisec_claim_set $min min;
    apisec_claim_set $f f;
    apisec_claim_set $tenth tenth;
    apisec_claim_set $sum sum;
    apisec_claim_set $huge huge;
    apisec_claim_set $t t;
    apisec_claim_set $fa fa;
    apisec_claim_set $nul nul;
    apisec_claim_set $o o;
    apisec_claim_set $oa o.a;
    apisec_claim_set $mixed mixed;
    apisec_claim_set $empty empty;
    apisec_claim_set $missing no.such.claim;
EOF

our $JWT = <<'EOF';
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
EOF

log_level('info');
no_shuffle();
run_tests();

__DATA__

=== TEST 1: nested, namespaced, numbers, booleans and arrays as text
--- http_config eval
$::HC
--- config eval
"    location /api {
$::JWT
        add_header X-Email \$email always;
        add_header X-Kc-Roles \$kc_roles always;
        add_header X-Ns-Roles \$ns_roles always;
        add_header X-N \$n always;
        add_header X-Big \$big always;
        add_header X-Min \$min always;
        add_header X-F \$f always;
        add_header X-Tenth \$tenth always;
        add_header X-Sum \$sum always;
        add_header X-Huge \$huge always;
        add_header X-T \$t always;
        add_header X-Fa \$fa always;
        add_header X-Oa \$oa always;
        add_header X-Mixed \$mixed always;
        empty_gif;
    }"
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{all}"
--- error_code: 200
--- response_headers
X-Email: alice@example.com
X-Kc-Roles: admin,ops
X-Ns-Roles: reader
X-N: 42
X-Big: 9007199254740993
X-Min: -9223372036854775808
X-F: 1.5
X-Tenth: 0.1
X-Sum: 0.30000000000000004
X-Huge: 1e+300
X-T: true
X-Fa: false
X-Oa: 1,2
X-Mixed: a,1,true,2.5,false



=== TEST 2: not found (null, object, missing) is told from empty ([]) in the log
--- http_config eval
$::HC . '    log_format cs "email=$email nul=$nul o=$o missing=$missing empty=[$empty] mixed=$mixed";'
--- config eval
"    location /api {
$::JWT
        access_log logs/access.log cs;
        empty_gif;
    }"
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{all}"
--- error_code: 200
--- access_log
email=alice@example.com nul=- o=- missing=- empty=[] mixed=a,1,true,2.5,false



=== TEST 3: header mapping: the claim replaces a client's header of the name; a missing claim sends none
--- http_config eval
$::HC
--- config eval
"    location /api {
$::JWT
        proxy_set_header X-User-Email \$email;
        proxy_set_header X-Roles \$kc_roles;
        proxy_set_header Authorization \"\";
        proxy_pass http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/echo;
    }
    location = /echo {
        return 200 \"email=[\$http_x_user_email] roles=[\$http_x_roles]\\n\";
    }"
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer $::T{all}\nX-User-Email: evil\@example.com\nX-Roles: root",
 "Authorization: Bearer $::T{bob}\nX-User-Email: evil\@example.com",
 "Authorization: Bearer $::T{nomail}\nX-User-Email: evil\@example.com\nX-Roles: root"]
--- error_code eval
[200, 200, 200]
--- response_body eval
["email=[alice\@example.com] roles=[admin,ops]\n",
 "email=[bob\@example.com] roles=[]\n",
 "email=[] roles=[]\n"]



=== TEST 4: a refused token's claims are never set
--- http_config eval
$::HC . '    log_format cs "auth=$apisec_auth_result email=$email";'
--- config eval
"    location /api {
$::JWT
        access_log logs/access.log cs;
        add_header X-Email \"[\$email]\" always;
        empty_gif;
    }"
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{expired}"
--- error_code: 401
--- response_headers
X-Email: []
--- access_log
auth=expired email=-



=== TEST 5: an API-key caller has no claims: not found, while the caller is known
--- http_config eval
$::HC . '    log_format cs "sub=$apisec_subject email=$email";'
--- user_files eval
[["keys", "svc sha256:" . Digest::SHA::sha256_hex("k-svc") . " roles=service\n"]]
--- config eval
"    location /api {
$::JWT
        apisec_api_key on;
        apisec_api_key_file \$TEST_NGINX_HTML_DIR/keys;
        access_log logs/access.log cs;
        add_header X-Sub \$apisec_subject always;
        add_header X-Email \"[\$email]\" always;
        empty_gif;
    }"
--- request
GET /api
--- more_headers
X-API-Key: k-svc
--- error_code: 200
--- response_headers
X-Sub: svc
X-Email: []
--- access_log
sub=svc email=-



=== TEST 6: an introspection answer: nested and plain claims as for a JWT
--- http_config eval
$::HC
--- config
    location /api {
        apisec_introspect /_introspect;
        add_header X-Email $email always;
        add_header X-Kc-Roles $kc_roles always;
        add_header X-N $n always;
        empty_gif;
    }
    location = /_introspect {
        internal;
        default_type application/json;
        return 200 '{"active":true,"sub":"ivan","email":"ivan@example.com","realm_access":{"roles":["reader","writer"]},"n":7}';
    }
--- request
GET /api
--- more_headers
Authorization: Bearer opaque-ivan
--- error_code: 200
--- response_headers
X-Email: ivan@example.com
X-Kc-Roles: reader,writer
X-N: 7



=== TEST 7: an error page after an internal redirect shows the identity established before (for the logs)
--- http_config eval
$::HC
--- config eval
"    location /api {
$::JWT
        error_page 404 /oops;
    }
    location = /oops {
        return 404 \"oops email=[\$email]\\n\";
    }"
--- request
GET /api/none
--- more_headers eval
"Authorization: Bearer $::T{bob}"
--- error_code: 404
--- response_body
oops email=[bob@example.com]



=== TEST 8: a location with its own authentication after a redirect shows its own identity
--- http_config eval
$::HC
--- config eval
"    location /api {
$::JWT
        error_page 404 = \@other;
    }
    location \@other {
$::JWT
        apisec_jwt_token \$http_x_other_token;
        add_header X-Email \"[\$email]\" always;
        empty_gif;
    }"
--- request eval
["GET /api/none", "GET /api/none"]
--- more_headers eval
["Authorization: Bearer $::T{bob}\nX-Other-Token: $::T{all}",
 "Authorization: Bearer $::T{bob}\nX-Other-Token: $::T{expired}"]
--- error_code eval
[200, 401]
--- response_headers eval
["X-Email: [alice\@example.com]", "X-Email: []"]



=== TEST 9: CR, LF, tab and DEL in a claim: not set (no header injection upstream), with an INFO line
--- http_config
    apisec_claim_set $email email;
    apisec_claim_set $groups groups;
    apisec_claim_set $tab tab;
    apisec_claim_set $del del;
--- config eval
"    location /api {
$::JWT
        proxy_set_header X-User-Email \$email;
        proxy_set_header X-Groups \$groups;
        proxy_set_header X-Tab \$tab;
        proxy_set_header X-Del \$del;
        proxy_pass http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/echo;
    }
    location = /echo {
        return 200 \"email=[\$http_x_user_email] groups=[\$http_x_groups] tab=[\$http_x_tab] del=[\$http_x_del] evil=[\$http_x_evil]\\n\";
    }"
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{crlf}"
--- error_code: 200
--- response_body
email=[] groups=[] tab=[] del=[] evil=[]
--- error_log
apisec: claim "email" of "$email" has a control character, not set
apisec: claim "groups" of "$groups" has a control character, not set
apisec: claim "tab" of "$tab" has a control character, not set
apisec: claim "del" of "$del" has a control character, not set



=== TEST 10: an array element with a comma: not set (the joined text would lie); a string with one is as it is
--- http_config
    apisec_claim_set $comma comma;
    apisec_claim_set $commastr commastr;
--- config eval
"    location /api {
$::JWT
        add_header X-Comma \"[\$comma]\" always;
        add_header X-Comma-Str \"[\$commastr]\" always;
        empty_gif;
    }"
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{crlf}"
--- error_code: 200
--- response_headers
X-Comma: []
X-Comma-Str: [a,b]
--- error_log
apisec: claim "comma" of "$comma" has an element with a comma, not set



=== TEST 11: 4096 bytes are set (strings and joined arrays alike)
--- http_config
    apisec_claim_set $s s;
    apisec_claim_set $arr arr;
    large_client_header_buffers 4 64k;
--- config eval
"    location /api {
$::JWT
        apisec_jwt_max_size 64k;
        add_header X-S \$s always;
        add_header X-Arr \$arr always;
        empty_gif;
    }"
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{at_bound}"
--- error_code: 200
--- response_headers eval
"X-S: " . ("a" x 4096) . "\nX-Arr: " . CORE::join(",", ("b") x 2048)
--- no_error_log
is longer than



=== TEST 12: 4097 bytes are not set (strings and joined arrays alike)
--- http_config
    apisec_claim_set $s s;
    apisec_claim_set $arr arr;
    large_client_header_buffers 4 64k;
--- config eval
"    location /api {
$::JWT
        apisec_jwt_max_size 64k;
        add_header X-S \"[\$s]\" always;
        add_header X-Arr \"[\$arr]\" always;
        empty_gif;
    }"
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{over}"
--- error_code: 200
--- response_headers
X-S: []
X-Arr: []
--- error_log
apisec: claim "s" of "$s" is longer than 4096 bytes, not set
apisec: claim "arr" of "$arr" is longer than 4096 bytes, not set



=== TEST 13: hostile: a claim of 100,000 elements is not set, at once
--- http_config
    apisec_claim_set $many many;
    large_client_header_buffers 4 512k;
--- config eval
"    location /api {
$::JWT
        apisec_jwt_max_size 512k;
        add_header X-Many \"[\$many]\" always;
        add_header X-Sub \$apisec_subject always;
        empty_gif;
    }"
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{many}"
--- error_code: 200
--- response_headers
X-Many: []
X-Sub: frank
--- error_log
apisec: claim "many" of "$many" is longer than 4096 bytes, not set
--- timeout: 5



=== TEST 14: the same declaration twice is allowed
--- http_config
    apisec_claim_set $email email;
    apisec_claim_set $email email;
--- config eval
"    location /api {
$::JWT
        add_header X-Email \$email always;
        empty_gif;
    }"
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{bob}"
--- error_code: 200
--- response_headers
X-Email: bob@example.com



=== TEST 15: config: the same variable with another path
--- http_config
    apisec_claim_set $email email;
    apisec_claim_set $email mail;
--- config
    location /api { empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*variable "\$email" is already set to claim "email" in \S+nginx\.conf:\d+/



=== TEST 16: config: not a variable
--- http_config
    apisec_claim_set email email;
--- config
    location /api { empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid variable name "email" in \S+nginx\.conf:\d+/



=== TEST 17: config: a name nginx could not refer to
--- http_config
    apisec_claim_set $a-b email;
--- config
    location /api { empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid variable name "\$a-b" in \S+nginx\.conf:\d+/



=== TEST 18: config: "$" alone
--- http_config
    apisec_claim_set $ email;
--- config
    location /api { empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid variable name "\$" in \S+nginx\.conf:\d+/



=== TEST 19: config: an empty path
--- http_config
    apisec_claim_set $email "";
--- config
    location /api { empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid claim path "" in \S+nginx\.conf:\d+/



=== TEST 20: config: an empty name in a path
--- http_config
    apisec_claim_set $email realm_access..roles;
--- config
    location /api { empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid claim path "realm_access\.\.roles" in \S+nginx\.conf:\d+/



=== TEST 21: config: a path ending in a dot
--- http_config
    apisec_claim_set $email realm_access.;
--- config
    location /api { empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid claim path "realm_access\." in \S+nginx\.conf:\d+/



=== TEST 22: config: a path over 256 bytes (as for apisec_roles_claim); 256 pass
--- http_config eval
"    apisec_claim_set \$ok " . CORE::join('.', ('a') x 128) . "b;\n"
. "    apisec_claim_set \$deep " . CORE::join('.', ('a') x 129) . ";\n"
--- config
    location /api { empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid claim path "(a\.){128}a" in \S+nginx\.conf:\d+/



=== TEST 23: config: a variable nginx already has
--- http_config
    apisec_claim_set $host email;
--- config
    location /api { empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*the duplicate "host" variable in \S+nginx\.conf:\d+/



=== TEST 24: config: a variable of the module
--- http_config
    apisec_claim_set $apisec_subject email;
--- config
    location /api { empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*the duplicate "apisec_subject" variable in \S+nginx\.conf:\d+/



=== TEST 25: config: a map's variable, before
--- http_config
    map $uri $email { default x; }
    apisec_claim_set $email email;
--- config
    location /api { empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*the duplicate "email" variable in \S+nginx\.conf:\d+/



=== TEST 26: config: "set" of the variable, after
--- http_config
    apisec_claim_set $email email;
--- config
    location /api {
        set $email x;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*the duplicate "email" variable in \S+nginx\.conf:\d+/



=== TEST 27: config: http only (it declares a variable for every server)
--- config
    location /api {
        apisec_claim_set $email email;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"apisec_claim_set" directive is not allowed here in \S+nginx\.conf:\d+/
