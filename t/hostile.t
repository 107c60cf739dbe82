# Hostile traffic against JWT, rate-limit, ban and CORS locations: huge and
# numerous headers, several Authorization headers, tokens at the size
# boundary and of 1 MiB, invalid UTF-8 and NUL bytes, JSON nested 100,000
# deep, absurd numbers in exp, slowloris clients and pipelines mixing good
# and bad tokens.  Each gets its documented status (docs/security.md,
# "Hostile input"), a problem+json body where the module refuses, and no
# worker ever exits on a signal: nginx runs with a master process and a
# worker, so a crash is an "exited on signal" line in error.log, which fails
# the block (TEST 1 shows that the check sees one).

use lib 't/lib';
use Test::Apisec 'no_plan';
use ApisecJwt;
use ApisecHostile;

my @hs = ('--alg', 'HS256', '--key', "$DATA/hs.jwk", '--kid', 'hs1');
my $now = time;
my $H = '{"alg":"HS256","typ":"JWT","kid":"hs1"}';

our %T = (
    good     => mint(@hs, '--claims', '{"sub":"alice"}', '--exp', 600),
    bob      => mint(@hs, '--claims', '{"sub":"bob"}', '--exp', 600),
    expired  => mint(@hs, '--claims', '{"sub":"alice"}', '--exp', -60),
    bad_sig  => mint(@hs, '--claims', '{"sub":"alice"}', '--exp', 600,
                     '--sig-flip'),
    none     => mint('--alg', 'none', '--no-sig', '--claims',
                     '{"sub":"alice"}', '--exp', 600),

    len_8168 => sized(8168),
    len_8169 => sized(8169),
    len_8191 => sized(8191),
    len_8192 => sized(8192),
    len_8193 => sized(8193),
    len_1m   => sized(1024 * 1024),

    # 100,000 levels: far beyond jansson's JSON_PARSER_MAX_DEPTH (2048)
    deep_header => hs('{"alg":"HS256","kid":"hs1","x":' . ('[' x 100000)
                      . (']' x 100000) . '}', '{"sub":"alice"}'),
    deep_claims => hs($H, '{"sub":"alice","x":' . ('{"a":' x 100000) . '1'
                          . ('}' x 100000) . '}'),
    deep_claims_arr => hs($H, '{"sub":"alice","x":' . ('[' x 100000)
                              . (']' x 100000) . '}'),
    # just inside jansson's limit: parsed, verified, and dumped in a variable
    deep_ok => hs($H, '{"sub":"alice","exp":' . ($now + 600) . ',"x":'
                      . ('{"a":' x 2000) . '1' . ('}' x 2000) . '}'),

    # invalid UTF-8, NUL as \u0000, a raw control byte: inside valid JSON
    # text sent to the parser, with a valid signature
    utf8_claims => hs($H, qq({"sub":"al\xffice"})),
    utf8_over   => hs($H, qq({"sub":"\xc0\xafalice"})),
    utf8_surrogate => hs($H, qq({"sub":"\xed\xa0\x80"})),
    nul_claims  => hs($H, '{"sub":"al\u0000ice"}'),
    nul_key     => hs($H, '{"sub":"alice","a\u0000b":1}'),
    raw_nul     => hs($H, qq({"sub":"al\x00ice"})),
    nul_kid     => hs('{"alg":"HS256","kid":"hs1\u0000x"}', '{"sub":"alice"}'),
    utf8_kid    => hs(qq({"alg":"HS256","kid":"hs1\xff"}), '{"sub":"alice"}'),

    exp_1e400   => hs($H, '{"sub":"alice","exp":1e400}'),
    exp_m1e400  => hs($H, '{"sub":"alice","exp":-1e400}'),
    exp_2_63    => hs($H, '{"sub":"alice","exp":9223372036854775808}'),
    exp_2_63m1  => hs($H, '{"sub":"alice","exp":9223372036854775807}'),
    exp_m2_63   => hs($H, '{"sub":"alice","exp":-9223372036854775808}'),
    exp_m1      => hs($H, '{"sub":"alice","exp":-1}'),
    exp_0       => hs($H, '{"sub":"alice","exp":0}'),
    exp_str     => hs($H, '{"sub":"alice","exp":"' . ($now + 600) . '"}'),
    exp_float   => hs($H, '{"sub":"alice","exp":' . ($now + 600) . '.5}'),
    exp_float_past => hs($H, '{"sub":"alice","exp":' . ($now - 60) . '.5}'),
    exp_1e308   => hs($H, '{"sub":"alice","exp":1e308}'),
    exp_tiny    => hs($H, '{"sub":"alice","exp":1e-400}'),
    exp_null    => hs($H, '{"sub":"alice","exp":null}'),
    exp_arr     => hs($H, '{"sub":"alice","exp":[' . ($now + 600) . ']}'),
    nbf_2_63    => hs($H, '{"sub":"alice","nbf":9223372036854775807}'),
    nbf_m2_63   => hs($H, '{"sub":"alice","nbf":-9223372036854775808,'
                          . '"exp":' . ($now + 600) . '}'),
);

our %S = map { $_ => sig_of($T{$_}) } keys %T;

# what a refusal of the module looks like
our $PROBLEM = qr/\A\{"type":"about:blank","title":"[A-Za-z ]+","status":\d{3}(,"detail":"[A-Za-z ]+")?\}\n\z/;

# Default server for blocks without a --- config: JWT, limits, bans, CORS.
our $CONFIG = <<'CONF';
    client_header_timeout 2s;

    location /jwt {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        add_header X-Auth-Result $apisec_auth_result always;
        add_header X-Subject $apisec_subject always;
        empty_gif;
    }

    location /limit {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        apisec_limit zone=per_subject;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }

    location /ban {
        apisec_ban zone=auth;
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }

    location /cors {
        apisec_cors_origins https://app.example.com https://*.example.org
                            "~^https://pr-[0-9]+\.preview\.example\.net$";
        apisec_cors_credentials on;
        apisec_cors_headers Authorization;
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
CONF

our $HTTP_CONFIG = <<'CONF';
    apisec_limit_zone $apisec_subject zone=per_subject:1m rate=1r/m;
    apisec_ban_zone $remote_addr zone=auth:1m threshold=5 window=60s
                    duration=60s;
CONF

add_block_preprocessor(sub {
    my $block = shift;

    if (!defined $block->config && !defined $block->no_default_config) {
        $block->set_value('config', $CONFIG);
        $block->set_value('http_config', $HTTP_CONFIG)
            unless defined $block->http_config;
    }

    # no token sent ever reaches the error log (the module's lines, and at
    # "info" nginx's own: see docs/security.md on nginx's invalid-header
    # lines, which blocks with NUL bytes in a header opt out of)
    return if defined $block->no_error_log || defined $block->token_logged;
    my @sent = map { ref $_ ? @$_ : $_ }
               grep { defined } ($block->more_headers, $block->raw_request,
                                 $block->pipelined_requests);
    my @sigs = map { sig_of($_) } grep { length > 40 }
               map { /([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)/g }
               @sent;
    $block->set_value('no_error_log', [@sigs]) if @sigs;
});

# every refusal of the module (401, 403, 429 in this file) has a
# problem+json body, whatever the block checks besides
add_response_body_check(sub {
    my ($block, $body, $idx, $repeated, $dry_run) = @_;
    return if $dry_run || !defined $block->error_code;
    my $codes = $block->error_code;
    my $code = ref $codes ? $codes->[$idx] : $codes;
    return unless defined $code && $code =~ /^\s*(401|403|429)\s*$/;
    like($body, $PROBLEM, $block->name . " - request $idx: a $1 with a "
                          . "problem+json body");
});

master_on();
workers(1);
log_level('info');
no_shuffle();
run_tests();

__DATA__

=== TEST 1: the crash check sees a worker killed by a signal
The runner fails a block whose error.log has "exited on signal"; with a
master process and a worker that line is written: this block kills the
worker itself and expects the line, which proves the other blocks would
catch a crash.
--- skip_eval
2: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- request
GET /jwt
--- init
# (CPAN's runner runs --- init even in a skipped block)
if (Test::Apisec::backend() eq 'Test::Apisec::Runner') {
    kill 'KILL', Test::Apisec::worker_pids();
    sleep 0.5;
}
--- error_code: 401
--- error_log eval
qr/worker process \d+ exited on signal 9/



=== TEST 2: a 9 KiB header line other than Authorization: 400 by nginx, before the module
--- more_headers eval
"X-Long: " . ("a" x 9000) . "\nAuthorization: Bearer $::T{good}"
--- request
GET /jwt
--- error_code: 400
--- response_body_like: Request Header Or Cookie Too Large
--- error_log
client sent too long header line



=== TEST 3: 900 headers within the buffers: the token is still found and verified
--- more_headers eval
CORE::join("\n", map { "X-H$_: v$_" } 1 .. 900) . "\nAuthorization: Bearer $::T{good}"
--- request
GET /jwt
--- error_code: 200
--- response_headers
X-Auth-Result: ok
X-Subject: alice



=== TEST 4: 300 headers of 130 bytes overflow the 4 x 8k buffers: 400 by nginx
--- more_headers eval
CORE::join("\n", map { "X-Header-$_: " . ("v" x 120) } 1 .. 300) . "\nAuthorization: Bearer $::T{good}"
--- request
GET /jwt
--- error_code: 400
--- response_body_like: Request Header Or Cookie Too Large
--- error_log
client sent too long header line



=== TEST 5: 1,100 header lines: 400 by Debian's nginx (max_headers, 1000 by default)
--- skip_eval
3: system("grep -q 'too many header lines' '$ENV{TEST_NGINX_BINARY}'") != 0
--- more_headers eval
CORE::join("\n", map { "X-H$_: v$_" } 1 .. 1100) . "\nAuthorization: Bearer $::T{good}"
--- request
GET /jwt
--- error_code: 400
--- error_log
client sent too many header lines



=== TEST 6: 900 headers without a token: 401, problem+json
--- more_headers eval
CORE::join("\n", map { "X-H$_: v$_" } 1 .. 900)
--- request
GET /jwt
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api"
Content-Type: application/problem+json
--- response_body eval
$::PROBLEM



=== TEST 7: two Authorization headers, both valid: 400 by nginx (duplicate header), no challenge
--- token_logged
nginx logs a duplicate header line whole, at "info": see docs/security.md
--- more_headers eval
"Authorization: Bearer $::T{good}\nAuthorization: Bearer $::T{good}"
--- request
GET /jwt
--- error_code: 400
--- response_headers
!WWW-Authenticate
--- error_log
client sent duplicate header line



=== TEST 8: a valid and an invalid Authorization header, in either order: 400
--- token_logged
nginx logs a duplicate header line whole, at "info": see docs/security.md
--- request eval
["GET /jwt", "GET /jwt"]
--- more_headers eval
["Authorization: Bearer $::T{good}\nAuthorization: Bearer $::T{expired}",
 "Authorization: Basic YTpi\nAuthorization: Bearer $::T{good}"]
--- error_code eval
[400, 400]
--- error_log
client sent duplicate header line



=== TEST 9: two tokens in one Authorization line: 400 invalid_request, problem+json
--- more_headers eval
"Authorization: Bearer $::T{good}, Bearer $::T{good}"
--- request
GET /jwt
--- error_code: 400
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_request"
Content-Type: application/problem+json
--- response_body eval
$::PROBLEM
--- error_log
apisec: JWT refused: malformed Authorization header



=== TEST 10: tokens of 8191 and 8192 bytes pass, 8193 is refused (apisec_jwt_max_size 8k is inclusive)
--- config
    large_client_header_buffers 4 16k;
    location /jwt {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
--- request eval
["GET /jwt", "GET /jwt", "GET /jwt"]
--- more_headers eval
["Authorization: Bearer $::T{len_8191}",
 "Authorization: Bearer $::T{len_8192}",
 "Authorization: Bearer $::T{len_8193}"]
--- error_code eval
[200, 200, 401]
--- response_headers eval
["X-Auth-Result: ok", "X-Auth-Result: ok",
 qq{X-Auth-Result: too_large\nWWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="token too large"\nContent-Type: application/problem+json}]



=== TEST 11: at nginx's default buffers (4 8k) the line "Authorization: Bearer <token>" CRLF must fit in 8192 bytes: 8168 passes, 8169 and more get nginx's 400
--- request eval
[("GET /jwt") x 5]
--- more_headers eval
["Authorization: Bearer $::T{len_8168}",
 "Authorization: Bearer $::T{len_8169}",
 "Authorization: Bearer $::T{len_8191}",
 "Authorization: Bearer $::T{len_8192}",
 "Authorization: Bearer $::T{len_8193}"]
--- error_code eval
[200, 400, 400, 400, 400]
--- response_headers eval
["X-Auth-Result: ok", "!WWW-Authenticate", "!WWW-Authenticate",
 "!WWW-Authenticate", "!WWW-Authenticate"]



=== TEST 12: the same boundary with the token in a cookie
--- config
    large_client_header_buffers 4 16k;
    location /jwt {
        apisec_jwt on;
        apisec_jwt_token $cookie_at;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- request eval
["GET /jwt", "GET /jwt"]
--- more_headers eval
["Cookie: at=$::T{len_8192}", "Cookie: at=$::T{len_8193}"]
--- error_code eval
[200, 401]



=== TEST 13: a 1 MiB token with 4 8k buffers: 400 by nginx
--- more_headers eval
"Authorization: Bearer $::T{len_1m}"
--- request
GET /jwt
--- error_code: 400



=== TEST 14: a 1 MiB token with 2m buffers and the default max size: 401 too large, before any decoding
--- config
    large_client_header_buffers 4 2m;
    location /jwt {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{len_1m}"
--- request
GET /jwt
--- error_code: 401
--- response_headers
X-Auth-Result: too_large
Content-Type: application/problem+json
--- response_body eval
$::PROBLEM



=== TEST 15: a valid 1 MiB token with apisec_jwt_max_size 2m passes
--- config
    large_client_header_buffers 4 2m;
    location /jwt {
        apisec_jwt on;
        apisec_jwt_max_size 2m;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{len_1m}"
--- request
GET /jwt
--- error_code: 200
--- response_headers
X-Auth-Result: ok



=== TEST 16: a 1 MiB token in the query string: 414 by nginx
--- config
    location /jwt {
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- raw_request eval
"GET /jwt?t=$::T{len_1m} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
--- error_code: 414



=== TEST 17: a header nested 100,000 deep: 401 token malformed (jansson stops at 2048), before the signature
--- config
    large_client_header_buffers 4 1m;
    location /jwt {
        apisec_jwt on;
        apisec_jwt_max_size 1m;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{deep_header}"
--- request
GET /jwt
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="token malformed"
--- response_body eval
$::PROBLEM
--- error_log
apisec: JWT refused: header is not JSON



=== TEST 18: claims nested 100,000 deep (objects, then arrays) under a valid signature: 401 token malformed
--- config
    large_client_header_buffers 4 2m;
    location /jwt {
        apisec_jwt on;
        apisec_jwt_max_size 2m;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
--- request eval
["GET /jwt", "GET /jwt"]
--- more_headers eval
["Authorization: Bearer $::T{deep_claims}",
 "Authorization: Bearer $::T{deep_claims_arr}"]
--- error_code eval
[401, 401]
--- response_headers eval
["X-Auth-Result: malformed", "X-Auth-Result: malformed"]
--- response_body eval
[$::PROBLEM, $::PROBLEM]
--- error_log
apisec: JWT refused: claims are not JSON, kid "hs1"



=== TEST 19: claims 2,000 deep (within jansson's limit) pass, and such a claim dumps into a variable
--- config
    large_client_header_buffers 4 64k;
    location /jwt {
        apisec_jwt on;
        apisec_jwt_max_size 64k;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        add_header X-Claim $apisec_jwt_claim_x always;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{deep_ok}"
--- request
GET /jwt
--- error_code: 200
--- response_headers_like eval
"X-Claim: " . quotemeta('{"a":' x 2000 . '1' . '}' x 2000)



=== TEST 20: invalid UTF-8 in the claims (bad byte, overlong, surrogate) under a valid signature: 401 malformed
--- request eval
["GET /jwt", "GET /jwt", "GET /jwt"]
--- more_headers eval
["Authorization: Bearer $::T{utf8_claims}",
 "Authorization: Bearer $::T{utf8_over}",
 "Authorization: Bearer $::T{utf8_surrogate}"]
--- error_code eval
[401, 401, 401]
--- response_headers eval
["X-Auth-Result: malformed", "X-Auth-Result: malformed",
 "X-Auth-Result: malformed"]
--- response_body eval
[$::PROBLEM, $::PROBLEM, $::PROBLEM]



=== TEST 21: NUL in the claims (\u0000 in a value, in a name, a raw NUL byte) under a valid signature: 401 malformed
--- request eval
["GET /jwt", "GET /jwt", "GET /jwt"]
--- more_headers eval
["Authorization: Bearer $::T{nul_claims}",
 "Authorization: Bearer $::T{nul_key}",
 "Authorization: Bearer $::T{raw_nul}"]
--- error_code eval
[401, 401, 401]
--- response_headers eval
["X-Auth-Result: malformed", "X-Auth-Result: malformed",
 "X-Auth-Result: malformed"]



=== TEST 22: NUL and invalid UTF-8 in the kid: 401 malformed, and nothing raw in the log
--- request eval
["GET /jwt", "GET /jwt"]
--- more_headers eval
["Authorization: Bearer $::T{nul_kid}",
 "Authorization: Bearer $::T{utf8_kid}"]
--- error_code eval
[401, 401]
--- response_headers eval
["X-Auth-Result: malformed", "X-Auth-Result: malformed"]
--- no_error_log eval
[qr/\x00/, qr/\xff/, $::S{nul_kid}, $::S{utf8_kid}]



=== TEST 23: a NUL byte inside the token on the wire: 400 by nginx (invalid header line), the module never runs
--- token_logged
nginx logs the invalid header line up to the NUL at "info": see docs/security.md
--- raw_request eval
"GET /jwt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAuthorization: Bearer "
. substr($::T{good}, 0, 20) . "\x00" . substr($::T{good}, 20) . "\r\n\r\n"
--- error_code: 400
--- error_log
client sent invalid header line



=== TEST 24: bytes above 0x7f in the token on the wire: 400 invalid_request (not b64token)
--- raw_request eval
"GET /jwt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAuthorization: Bearer "
. substr($::T{good}, 0, 20) . "\xc3\xa9\xff" . substr($::T{good}, 20) . "\r\n\r\n"
--- error_code: 400
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_request"
Content-Type: application/problem+json
--- response_body eval
$::PROBLEM



=== TEST 25: a NUL escaped in the query-string token: 401 malformed ($arg_ is not decoded)
--- config
    location /jwt {
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
--- request eval
"GET /jwt?t=" . substr($::T{good}, 0, 20) . "%00" . substr($::T{good}, 20)
--- error_code: 401
--- response_headers
X-Auth-Result: malformed



=== TEST 26: exp of 1e400, -1e400 and 2^63 cannot be parsed: 401 token malformed
--- request eval
["GET /jwt", "GET /jwt", "GET /jwt"]
--- more_headers eval
["Authorization: Bearer $::T{exp_1e400}",
 "Authorization: Bearer $::T{exp_m1e400}",
 "Authorization: Bearer $::T{exp_2_63}"]
--- error_code eval
[401, 401, 401]
--- response_headers eval
["X-Auth-Result: malformed", "X-Auth-Result: malformed",
 "X-Auth-Result: malformed"]
--- response_body eval
[$::PROBLEM, $::PROBLEM, $::PROBLEM]



=== TEST 27: exp of -1, 0, -2^63 and a float in the past: 401 token expired
--- request eval
["GET /jwt", "GET /jwt", "GET /jwt", "GET /jwt", "GET /jwt"]
--- more_headers eval
["Authorization: Bearer $::T{exp_m1}",
 "Authorization: Bearer $::T{exp_0}",
 "Authorization: Bearer $::T{exp_m2_63}",
 "Authorization: Bearer $::T{exp_float_past}",
 "Authorization: Bearer $::T{exp_tiny}"]
--- error_code eval
[401, 401, 401, 401, 401]
--- response_headers eval
[("X-Auth-Result: expired") x 5]



=== TEST 28: exp as a string, null or an array: 401 malformed (a claim of the wrong type)
--- request eval
["GET /jwt", "GET /jwt", "GET /jwt"]
--- more_headers eval
["Authorization: Bearer $::T{exp_str}",
 "Authorization: Bearer $::T{exp_null}",
 "Authorization: Bearer $::T{exp_arr}"]
--- error_code eval
[401, 401, 401]
--- response_headers eval
[("X-Auth-Result: bad_claim") x 3]



=== TEST 29: exp of 2^63-1, 1e308 and a float in the future: a valid, far-away expiry
--- request eval
["GET /jwt", "GET /jwt", "GET /jwt"]
--- more_headers eval
["Authorization: Bearer $::T{exp_2_63m1}",
 "Authorization: Bearer $::T{exp_1e308}",
 "Authorization: Bearer $::T{exp_float}"]
--- error_code eval
[200, 200, 200]



=== TEST 30: nbf of 2^63-1 is not yet valid, nbf of -2^63 is
--- request eval
["GET /jwt", "GET /jwt"]
--- more_headers eval
["Authorization: Bearer $::T{nbf_2_63}",
 "Authorization: Bearer $::T{nbf_m2_63}"]
--- error_code eval
[401, 200]
--- response_headers eval
["X-Auth-Result: not_yet_valid", "X-Auth-Result: ok"]



=== TEST 31: pipelined: valid and invalid tokens on one connection, each answered with its own status
--- pipelined_requests eval
["GET /jwt", "GET /jwt", "GET /jwt", "GET /jwt", "GET /jwt", "GET /jwt",
 "GET /jwt", "GET /jwt"]
--- more_headers eval
["Authorization: Bearer $::T{good}",
 "Authorization: Bearer $::T{expired}",
 "Authorization: Bearer $::T{good}",
 "Authorization: Bearer $::T{bad_sig}",
 "Authorization: Bearer $::T{none}",
 "",
 "Authorization: Bearer $::T{bob}",
 "Authorization: Bearer $::T{exp_str}"]
--- error_code eval
[200, 401, 200, 401, 401, 401, 200, 401]
--- response_headers eval
["X-Subject: alice", "X-Auth-Result: expired", "X-Subject: alice",
 "X-Auth-Result: bad_signature", "X-Auth-Result: bad_alg",
 "X-Auth-Result: missing", "X-Subject: bob", "X-Auth-Result: bad_claim"]



=== TEST 32: pipelined through a rate limit keyed on the subject: each subject counted on its own
--- pipelined_requests eval
["GET /limit", "GET /limit", "GET /limit", "GET /limit", "GET /limit",
 "GET /limit"]
--- more_headers eval
["Authorization: Bearer $::T{good}",
 "Authorization: Bearer $::T{good}",
 "Authorization: Bearer $::T{bob}",
 "Authorization: Bearer $::T{expired}",
 "Authorization: Bearer $::T{bob}",
 "Authorization: Bearer $::T{good}"]
--- error_code eval
[200, 429, 200, 401, 429, 429]



=== TEST 33: pipelined: a malformed request ends the connection after its 400, those before it answered
--- pipelined_requests eval
["GET /jwt", "GET /jwt", "GET /jwt"]
--- more_headers eval
["Authorization: Bearer $::T{good}",
 "Authorization: Bearer $::T{expired}",
 "Authorization: Bearer a b"]
--- error_code eval
[200, 401, 400]



=== TEST 34: a flood of failures from one address is banned, and the ban answers problem+json
--- request eval
[("GET /ban") x 6]
--- more_headers eval
[("Authorization: Bearer $::T{bad_sig}") x 5, "Authorization: Bearer $::T{good}"]
--- error_code eval
[401, 401, 401, 401, 401, 429]
--- response_body eval
[($::PROBLEM) x 6]



=== TEST 35: Origin with a NUL byte: 400 by nginx
--- token_logged
no token sent
--- raw_request eval
"GET /cors HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nOrigin: https://app.example.com\x00.evil.net\r\n\r\n"
--- error_code: 400



=== TEST 36: Origin with invalid UTF-8 and non-ASCII bytes: never allowed, no CORS header
--- request eval
["GET /cors", "GET /cors", "GET /cors"]
--- more_headers eval
["Origin: https://app.example.com\xff",
 "Origin: https://\xc3\xa9.example.org",
 "Origin: https://app.example.com\xc0\xae"]
--- error_code eval
[401, 401, 401]
--- response_headers eval
[("!Access-Control-Allow-Origin\nVary: Origin") x 3]



=== TEST 37: a preflight with invalid UTF-8 in Origin: 403, no CORS header
--- request
OPTIONS /cors
--- more_headers eval
"Origin: https://x.example.org\xfe\xff\nAccess-Control-Request-Method: GET"
--- error_code: 403
--- response_headers
!Access-Control-Allow-Origin
Content-Type: application/problem+json
--- response_body eval
$::PROBLEM
--- error_log
apisec: CORS preflight refused: malformed or several Origin headers



=== TEST 38: long Origins: 2,040 bytes under the wildcard allowed; over 2,048 malformed; the regex sees only well-formed ones
--- request eval
["OPTIONS /cors", "OPTIONS /cors", "OPTIONS /cors", "GET /cors"]
--- more_headers eval
["Origin: https://" . ("a." x 1010) . "example.org\nAccess-Control-Request-Method: GET",
 "Origin: https://" . ("a." x 3990) . "example.org\nAccess-Control-Request-Method: GET",
 "Origin: https://pr-" . ("1" x 2000) . "x.preview.example.net\nAccess-Control-Request-Method: GET",
 "Origin: https://" . ("a." x 1010) . "example.org.evil.net"]
--- error_code eval
[204, 403, 403, 401]
--- response_headers eval
["Access-Control-Allow-Origin: https://" . ("a." x 1010) . "example.org",
 "!Access-Control-Allow-Origin", "!Access-Control-Allow-Origin",
 "!Access-Control-Allow-Origin"]



=== TEST 39: two Origin headers: never allowed
--- request eval
["OPTIONS /cors", "GET /cors"]
--- more_headers eval
["Origin: https://app.example.com\nOrigin: https://app.example.com\nAccess-Control-Request-Method: GET",
 "Origin: https://evil.example.net\nOrigin: https://app.example.com\nAuthorization: Bearer $::T{good}"]
--- error_code eval
[403, 200]
--- response_headers eval
["!Access-Control-Allow-Origin", "!Access-Control-Allow-Origin"]



=== TEST 40: slowloris: 20 clients dribbling a header are cut by client_header_timeout (2s), others served meanwhile
--- init
our $SLOW = ApisecHostile::slowloris(
    port => main::server_port(),
    conns => 20, every => 0.2, uri => '/jwt', max => 8,
    probes => [['/jwt', ["Authorization: Bearer $::T{good}"], 200],
               ['/jwt', ["Authorization: Bearer $::T{expired}"], 401],
               ['/limit', [], 401]]);
my @closed = @{ $SLOW->{closed} };
is(scalar(grep { defined } @closed), 20, 'slowloris: nginx closed every slow connection');
my @late = grep { !defined $_ || $_ < 1.8 || $_ > 3.5 } @closed;
is("@late", '', 'slowloris: each was closed at client_header_timeout (2s, +1.5s slack)');
is(join('', @{ $SLOW->{answered} }), '', 'slowloris: no slow client got a response');
my @p = @{ $SLOW->{probes} };
ok(@p >= 9, 'slowloris: ' . scalar(@p) . ' ordinary requests were made meanwhile');
my @wrong = grep { !defined $_->[0] || $_->[0] != $_->[1] } @p;
is(scalar(@wrong), 0, 'slowloris: every ordinary request got its status meanwhile');
--- request
GET /jwt
--- error_code: 401
--- error_log
client timed out (110: Connection timed out) while reading client request headers



=== TEST 41: a flood of 300 distinct 1 KiB keys into a 32k zone (1r/m: no entry goes idle): LRU eviction, logged, every request answered
--- http_config
    apisec_limit_zone $http_x_user zone=small:32k rate=1r/m;
--- config
    location /limit {
        apisec_limit zone=small;
        empty_gif;
    }
--- pipelined_requests eval
[("GET /limit") x 300]
--- more_headers eval
[map { "X-User: $_-" . ("k" x 1024) } 1 .. 300]
--- error_code eval
[(200) x 300]
--- no_error_log
could not allocate node



=== TEST 42: (the same nginx) the eviction was logged, once, at warn
--- no_default_config
--- request
GET /limit
--- more_headers
X-User: one-more
--- error_code: 200
--- error_log eval
qr/\[warn\] .*zone is full, \d+ least recently used entries evicted \(\d+ in all\) in apisec_limit_zone "small"/



=== TEST 43: a key larger than the whole zone: refused with 429 (fail closed), never a 5xx
--- http_config
    apisec_limit_zone $http_x_user zone=small:32k rate=100r/s;
--- config
    large_client_header_buffers 4 64k;
    location /limit {
        apisec_limit zone=small;
        empty_gif;
    }
--- request
GET /limit
--- more_headers eval
"X-User: " . ("k" x 40000)
--- error_code: 429
--- response_body eval
$::PROBLEM
--- error_log
could not allocate node in apisec_limit_zone "small"



=== TEST 44: (the same nginx) other keys are still served
--- no_default_config
--- request
GET /limit
--- more_headers
X-User: small
--- error_code: 200
--- response_body_like: ^GIF89a



=== TEST 45: pipelined through a throttled limit (burst without nodelay): delayed ones wait their turn, refusals are not delayed
--- http_config
    apisec_limit_zone $apisec_subject zone=per_subject:1m rate=10r/s;
--- config
    location /throttle {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        apisec_limit zone=per_subject burst=5;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
--- pipelined_requests eval
[("GET /throttle") x 6]
--- more_headers eval
["Authorization: Bearer $::T{good}", "Authorization: Bearer $::T{good}",
 "Authorization: Bearer $::T{expired}", "Authorization: Bearer $::T{good}",
 "Authorization: Bearer $::T{bad_sig}", "Authorization: Bearer $::T{good}"]
--- error_code eval
[200, 200, 401, 200, 401, 200]
--- response_headers eval
["X-Auth-Result: ok", "X-Auth-Result: ok", "X-Auth-Result: expired",
 "X-Auth-Result: ok", "X-Auth-Result: bad_signature", "X-Auth-Result: ok"]



=== TEST 46: clients that leave while their request is throttled: no crash, others served after
--- http_config
    apisec_limit_zone $binary_remote_addr zone=per_ip:1m rate=2r/s;
--- config
    location /throttle {
        apisec_limit zone=per_ip burst=10;
        empty_gif;
    }
    location /ping { empty_gif; }
--- init
# five requests: the first passes, four wait 0.5 to 2 s; all five leave
my @s;
for (1 .. 5) {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => main::server_port(),
                                  Proto => 'tcp') or die "connect: $!";
    print $s "GET /throttle HTTP/1.1\r\nHost: localhost\r\n\r\n";
    push @s, $s;
}
Time::HiRes::sleep(0.2);
close $_ for @s;
Time::HiRes::sleep(2.2);
--- request
GET /ping
--- error_code: 200
--- error_log eval
[qr/delaying request by \d+ ms, by zone "per_ip"/,
 qr/client prematurely closed connection/]



=== TEST 47: a limit key over 65535 bytes: not counted (as documented), its length logged, never its bytes
--- http_config
    apisec_limit_zone $http_x_key zone=per_key:1m rate=1r/m;
--- config
    large_client_header_buffers 4 128k;
    location /limit {
        apisec_limit zone=per_key;
        empty_gif;
    }
--- more_headers eval
"X-Key: secret-" . ("s" x 70000)
--- request
GET /limit
--- error_code: 200
--- error_log
the value of the "$http_x_key" key is 70007 bytes, more than 65535
--- no_error_log
secret-sss



=== TEST 48: a malformed key file: nginx -t names the file and line, never the secret's text
--- user_files eval
[["broken.jwk", qq({"kty":"oct","kid":"k1","k":"c2VjcmV0LXN\tlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC1zZWNyZXQ"}\n)]]
--- config
    location /jwt {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_HTML_DIR/broken.jwk;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/invalid key file ".*broken\.jwk": invalid JSON at line 1: control character 0x9 in /
--- no_error_log
c2VjcmV0



=== TEST 49: a reload with a broken key file fails, and the running keys keep serving
--- skip_eval
3: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- user_files eval
[["broken.jwk", qq({"kty":"oct","kid":"hs1","k":"AAAA"\n)]]
--- config
    location /jwt {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- reload_config
    location /jwt {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_HTML_DIR/broken.jwk;
        empty_gif;
    }
--- reload_fails
--- reload_after: 0
--- request
GET /jwt
--- more_headers eval
"Authorization: Bearer $::T{good}"
--- error_code: 200
--- error_log eval
qr/\[emerg\] .*invalid key file ".*broken\.jwk": invalid JSON/
