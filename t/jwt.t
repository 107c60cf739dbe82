# JWT bearer authentication: the request side (RFC 6750), the strictness
# rules (RFC 8725), the claims, the refusals and the variables.  Keys and
# algorithms one by one are in jwt_keys.t.

use lib 't/lib';
use Test::Apisec 'no_plan';
use ApisecJwt;

my $D = $DATA;
my @hs = ('--alg', 'HS256', '--key', "$D/hs.jwk", '--kid', 'hs1');
my @rs = ('--alg', 'RS256', '--key', "$D/rsa.key", '--kid', 'rsa1');
my @es = ('--alg', 'ES256', '--key', "$D/ec256.key", '--kid', 'ec256');
my @ok = ('--claims', '{"sub":"alice"}', '--exp', 600);

our %T = (
    hs          => mint(@hs, @ok),
    rs          => mint(@rs, @ok),
    rs_nokid    => mint('--alg', 'RS256', '--key', "$D/rsa.key", @ok),
    none        => mint('--alg', 'none', '--no-sig', @ok),
    None        => mint('--alg', 'None', '--no-sig', @ok),
    NONE        => mint('--alg', 'NONE', '--no-sig', @ok),
    none_sig    => mint('--alg', 'none', '--key', "$D/hs.jwk", @ok),
    confusion   => mint('--alg', 'HS256', '--hmac-key-file', "$D/rsa.pub",
                        @ok),
    confusion_jwk => mint('--alg', 'HS256', '--hmac-key-file',
                          "$D/rsa.jwk", '--kid', 'rsa1', @ok),
    es          => mint(@es, @ok),
    es_der      => mint(@es, @ok, '--sig-der'),
    es_r0       => mint(@es, @ok, '--sig-zero', 'r'),
    es_s0       => mint(@es, @ok, '--sig-zero', 's'),
    bad_sig     => mint(@rs, @ok, '--sig-flip'),
    pad         => mint(@hs, @ok, '--pad'),
    std_b64     => mint(@rs, @ok, '--std-b64'),
    seg2        => mint(@hs, @ok, '--segments', 2),
    seg4        => mint(@hs, @ok, '--segments', 4),
    hdr_array   => mint(@hs, '--raw-header', '["HS256"]'),
    claims_array => mint(@hs, '--raw-claims', '["alice"]'),
    claims_bad  => mint(@hs, '--raw-claims', '{"sub":"alice",}'),
    dup_hdr     => mint(@hs, '--raw-header',
                        '{"alg":"HS256","kid":"hs1","alg":"HS256"}'),
    dup_claims  => mint(@hs, '--raw-claims', '{"sub":"alice","sub":"eve"}'),
    typ_jwt     => mint(@hs, @ok),
    typ_at      => mint(@hs, @ok, '--header', '{"typ":"at+jwt"}'),
    typ_app     => mint(@hs, @ok, '--header', '{"typ":"application/AT+JWT"}'),
    typ_none    => mint(@hs, @ok, '--raw-header',
                        '{"alg":"HS256","kid":"hs1"}'),
    crit        => mint(@hs, @ok, '--header',
                        '{"crit":["urn:example:ext"],"urn:example:ext":1}'),
    jwk_hdr     => mint('--alg', 'ES384', '--key', "$D/ec384.key", @ok,
                        '--header', '{"jwk":' . do {
                            local $/; open my $f, '<', "$D/ec256.jwk"; <$f>
                        } . '}'),
    jku_hdr     => mint('--alg', 'RS256', '--key', "$D/rsa2.key", @ok,
                        '--kid', 'rsa1', '--header',
                        '{"jku":"http://127.0.0.1:1/jwks","x5u":"http://127.0.0.1:1/x"}'),
    exp_past    => mint(@hs, '--claims', '{"sub":"alice"}', '--exp', -30),
    nbf_future  => mint(@hs, @ok, '--nbf', 120),
    iat_future  => mint(@hs, @ok, '--iat', 120),
    exp_str     => mint(@hs, '--claims', '{"sub":"alice","exp":"9999999999"}'),
    nbf_str     => mint(@hs, '--claims', '{"sub":"alice","nbf":"0"}'),
    iat_bool    => mint(@hs, '--claims', '{"sub":"alice","iat":true}'),
    exp_huge    => mint(@hs, '--claims', '{"sub":"alice","exp":1e300}'),
    exp_bigint  => mint(@hs, '--raw-claims',
                        '{"sub":"alice","exp":99999999999999999999999}'),
    sub_num     => mint(@hs, '--claims', '{"sub":42}', '--exp', 600),
    iss_ok      => mint(@hs, '--claims', '{"sub":"alice","iss":"https://idp.example"}'),
    iss_bad     => mint(@hs, '--claims', '{"sub":"alice","iss":"https://evil.example"}'),
    aud_str     => mint(@hs, '--claims', '{"sub":"alice","aud":"api"}'),
    aud_arr     => mint(@hs, '--claims', '{"sub":"alice","aud":["web","api"]}'),
    aud_bad     => mint(@hs, '--claims', '{"sub":"alice","aud":["web"]}'),
    len_8192    => mint(@hs, @ok, '--length', 8192),
    len_8193    => mint(@hs, @ok, '--length', 8193),
    kid_unknown => mint('--alg', 'RS256', '--key', "$D/rsa.key", @ok,
                        '--kid', 'nope'),
    kid_hostile => mint(@rs, @ok, '--kid', "a\"b\nc" . ('x' x 80)),
    claims      => mint(@hs, '--exp', 600, '--claims',
                        '{"sub":"alice","n":42,"f":1.5,"t":true,"nul":null,"userId":"u7",'
                        . '"roles":["admin","ops"],"o":{"a":[1,2]},'
                        . '"crlf":"a\r\nX-Evil: 1"}'),
    admin       => mint(@hs, '--exp', 600, '--claims',
                        '{"sub":"root","role":"admin"}'),
);

our %S = map { $_ => sig_of($T{$_}) } keys %T;

# the default location, for blocks without a --- config of their own
add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value('request', "GET /api\n") unless defined $block->request;

    # no token sent ever reaches the error log
    if (!defined $block->no_error_log && defined $block->more_headers) {
        my $mh = $block->more_headers;
        my @sigs = map { sig_of($_) } grep { length > 40 }
                   map { /([A-Za-z0-9_\-+\/=]+\.[A-Za-z0-9_\-+\/=.]+)/g }
                   ref $mh ? @$mh : ($mh);
        $block->set_value('no_error_log', [@sigs]) if @sigs;
    }
    return if defined $block->config;
    $block->set_value('config', <<'CONF');
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        add_header X-Subject $apisec_subject always;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
CONF
});

# at "debug", nginx itself logs request headers, the token with them
log_level('info');
no_shuffle();
run_tests();

__DATA__

=== TEST 1: a valid HS256 token passes
--- more_headers eval
"Authorization: Bearer $::T{hs}"
--- error_code: 200
--- response_headers
X-Subject: alice
X-Auth-Result: ok
--- no_error_log
JWT refused



=== TEST 2: a valid RS256 token passes (python3-jwt made it)
--- more_headers eval
"Authorization: Bearer $::T{rs}"
--- error_code: 200
--- response_headers
X-Subject: alice



=== TEST 3: no credentials: 401 with a bare challenge
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api"
Content-Type: application/problem+json
X-Auth-Result: missing
!X-Subject
--- response_body_like: "status":401,"detail":"no bearer token"
--- error_log
apisec: JWT refused: no Authorization header



=== TEST 4: another scheme is no bearer credentials: 401, bare challenge
--- more_headers
Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api"
--- error_log
apisec: JWT refused: no bearer token in Authorization header



=== TEST 5: the scheme is case-insensitive, spaces around are tolerated
--- more_headers eval
"Authorization:   bEaReR    $::T{hs}   "
--- error_code: 200



=== TEST 6: "Bearer" without a token: 400 invalid_request
--- more_headers
Authorization: Bearer
--- error_code: 400
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_request"
X-Auth-Result: invalid_request
--- error_log
apisec: JWT refused: malformed Authorization header, expected "Bearer <b64token>"



=== TEST 7: two tokens: 400 invalid_request
--- more_headers eval
"Authorization: Bearer $::T{hs} $::T{hs}"
--- error_code: 400
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_request"
--- error_log
apisec: JWT refused: malformed Authorization header
--- no_error_log eval
$::S{hs}



=== TEST 8: a token with a character outside b64token: 400 invalid_request
--- more_headers
Authorization: Bearer abc,def
--- error_code: 400
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_request"



=== TEST 9: two Authorization headers: 400 (nginx refuses them itself)
nginx logs "client sent duplicate header line" at info with both lines,
the token with them: that message is nginx's, before the module runs.
--- more_headers eval
"Authorization: Bearer $::T{hs}\nAuthorization: Bearer $::T{hs}"
--- error_code: 400
--- error_log
client sent duplicate header line
--- no_error_log
JWT refused



=== TEST 10: alg "none" is refused
--- more_headers eval
"Authorization: Bearer $::T{none}"
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="algorithm not accepted"
X-Auth-Result: bad_alg
--- error_log
apisec: JWT refused: alg "none" is never accepted



=== TEST 11: alg "None" is refused
--- more_headers eval
"Authorization: Bearer $::T{None}"
--- error_code: 401
--- error_log
apisec: JWT refused: alg "none" is never accepted



=== TEST 12: alg "NONE" is refused
--- more_headers eval
"Authorization: Bearer $::T{NONE}"
--- error_code: 401
--- error_log
apisec: JWT refused: alg "none" is never accepted



=== TEST 13: alg "none" with a signature is refused too
--- more_headers eval
"Authorization: Bearer $::T{none_sig}"
--- error_code: 401
--- error_log
apisec: JWT refused: alg "none" is never accepted
--- no_error_log eval
$::S{none_sig}



=== TEST 14: key confusion: HS256 keyed with the RSA public key's PEM text
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa.pub;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{confusion}"
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="unknown key"
--- error_log
apisec: JWT refused: no key fits alg
--- no_error_log eval
$::S{confusion}



=== TEST 15: key confusion: HS256 keyed with the RSA JWK's text, its kid
--- more_headers eval
"Authorization: Bearer $::T{confusion_jwk}"
--- error_code: 401
--- error_log
apisec: JWT refused: the key with the kid does not fit alg, kid "rsa1"



=== TEST 16: a valid ES256 token (R||S) passes
--- more_headers eval
"Authorization: Bearer $::T{es}"
--- error_code: 200



=== TEST 17: ES256 with a DER-encoded signature is refused
--- more_headers eval
"Authorization: Bearer $::T{es_der}"
--- error_code: 401
--- response_headers
X-Auth-Result: bad_signature
--- error_log
apisec: JWT refused: signature invalid, kid "ec256"
--- no_error_log eval
$::S{es_der}



=== TEST 18: ES256 with r = 0 is refused
--- more_headers eval
"Authorization: Bearer $::T{es_r0}"
--- error_code: 401
--- error_log
apisec: JWT refused: signature invalid, kid "ec256"



=== TEST 19: ES256 with s = 0 is refused
--- more_headers eval
"Authorization: Bearer $::T{es_s0}"
--- error_code: 401
--- error_log
apisec: JWT refused: signature invalid, kid "ec256"



=== TEST 20: a flipped signature bit is refused
--- more_headers eval
"Authorization: Bearer $::T{bad_sig}"
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="signature invalid"
--- error_log
apisec: JWT refused: signature invalid, kid "rsa1"
--- no_error_log eval
$::S{bad_sig}



=== TEST 21: base64 padding is refused
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_token $http_x_token;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
--- more_headers eval
"X-Token: $::T{pad}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
--- error_log
apisec: JWT refused: token is not three base64url segments



=== TEST 22: "+" and "/" (standard base64) are refused
--- more_headers eval
"Authorization: Bearer $::T{std_b64}"
--- error_code: 401
--- error_log
apisec: JWT refused: token is not three base64url segments
--- no_error_log eval
$::S{std_b64}



=== TEST 23: whitespace inside a token from a variable is refused
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_token $http_x_token;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- more_headers eval
my $t = $::T{hs}; $t =~ s/\./. /; "X-Token: $t"
--- error_code: 401
--- error_log
apisec: JWT refused: token is not three base64url segments



=== TEST 24: two segments are refused
--- more_headers eval
"Authorization: Bearer $::T{seg2}"
--- error_code: 401
--- error_log
apisec: JWT refused: token is not three base64url segments



=== TEST 25: four segments are refused
--- more_headers eval
"Authorization: Bearer $::T{seg4}"
--- error_code: 401
--- error_log
apisec: JWT refused: token is not three base64url segments



=== TEST 26: a header that is not a JSON object is refused
--- more_headers eval
"Authorization: Bearer $::T{hdr_array}"
--- error_code: 401
--- error_log
apisec: JWT refused: header is not a JSON object



=== TEST 27: claims that are not a JSON object are refused
--- more_headers eval
"Authorization: Bearer $::T{claims_array}"
--- error_code: 401
--- error_log
apisec: JWT refused: claims are not a JSON object, kid "hs1"



=== TEST 28: claims that are not JSON are refused
--- more_headers eval
"Authorization: Bearer $::T{claims_bad}"
--- error_code: 401
--- error_log
apisec: JWT refused: claims are not JSON, kid "hs1"



=== TEST 29: a duplicate member in the header is refused
--- more_headers eval
"Authorization: Bearer $::T{dup_hdr}"
--- error_code: 401
--- error_log
apisec: JWT refused: duplicate member name in header



=== TEST 30: a duplicate member in the claims is refused
--- more_headers eval
"Authorization: Bearer $::T{dup_claims}"
--- error_code: 401
--- error_log
apisec: JWT refused: duplicate member name in claims, kid "hs1"



=== TEST 31: apisec_jwt_type at+jwt refuses a "JWT" (an ID token)
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_type at+jwt;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{typ_jwt}"
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="token type not accepted"
--- error_log
apisec: JWT refused: typ not accepted, kid "hs1"



=== TEST 32: apisec_jwt_type at+jwt takes "at+jwt"
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_type at+jwt;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{typ_at}"
--- error_code: 200



=== TEST 33: apisec_jwt_type: "application/AT+JWT" is the same type
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_type application/at+jwt;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{typ_app}"
--- error_code: 200



=== TEST 34: apisec_jwt_type: a token without typ is refused
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_type at+jwt;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{typ_none}"
--- error_code: 401
--- error_log
apisec: JWT refused: no typ in header, kid "hs1"



=== TEST 35: crit naming an extension is refused
--- more_headers eval
"Authorization: Bearer $::T{crit}"
--- error_code: 401
--- response_headers
X-Auth-Result: crit
--- error_log
apisec: JWT refused: crit names an extension not understood, kid "hs1"



=== TEST 36: a jwk header is never used to find a key
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa.jwk;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{jwk_hdr}"
--- error_code: 401
--- error_log
apisec: JWT refused: no key fits alg



=== TEST 37: jku and x5u headers are never used to find a key
--- more_headers eval
"Authorization: Bearer $::T{jku_hdr}"
--- error_code: 401
--- error_log
apisec: JWT refused: signature invalid, kid "rsa1"



=== TEST 38: an expired token is refused
--- more_headers eval
"Authorization: Bearer $::T{exp_past}"
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="token expired"
X-Auth-Result: expired
--- response_body_like: "detail":"token expired"
--- error_log
apisec: JWT refused: token expired, kid "hs1"
--- no_error_log eval
$::S{exp_past}



=== TEST 39: apisec_jwt_leeway lets a token 30 s past exp pass
--- skip_eval: 1: $ENV{TEST_NGINX_USE_VALGRIND}  # minted 30 s past exp at load
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_leeway 2m;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{exp_past}"
--- error_code: 200



=== TEST 40: nbf in the future is refused
--- more_headers eval
"Authorization: Bearer $::T{nbf_future}"
--- error_code: 401
--- response_headers
X-Auth-Result: not_yet_valid
--- error_log
apisec: JWT refused: token not yet valid (nbf), kid "hs1"



=== TEST 41: nbf within the leeway passes
--- skip_eval: 1: $ENV{TEST_NGINX_USE_VALGRIND}  # nbf stretched past 5m
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_leeway 5m;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{nbf_future}"
--- error_code: 200



=== TEST 42: iat in the future is refused
--- more_headers eval
"Authorization: Bearer $::T{iat_future}"
--- error_code: 401
--- error_log
apisec: JWT refused: token issued in the future (iat), kid "hs1"



=== TEST 43: exp as a string is refused
--- more_headers eval
"Authorization: Bearer $::T{exp_str}"
--- error_code: 401
--- response_headers
X-Auth-Result: bad_claim
--- error_log
apisec: JWT refused: exp is not a number, kid "hs1"



=== TEST 44: nbf as a string is refused
--- more_headers eval
"Authorization: Bearer $::T{nbf_str}"
--- error_code: 401
--- error_log
apisec: JWT refused: nbf is not a number, kid "hs1"



=== TEST 45: iat as a boolean is refused
--- more_headers eval
"Authorization: Bearer $::T{iat_bool}"
--- error_code: 401
--- error_log
apisec: JWT refused: iat is not a number, kid "hs1"



=== TEST 46: a huge exp (1e300) is in the future, not an overflow
--- more_headers eval
"Authorization: Bearer $::T{exp_huge}"
--- error_code: 200



=== TEST 47: an integer exp too large for JSON parsing is refused
--- more_headers eval
"Authorization: Bearer $::T{exp_bigint}"
--- error_code: 401
--- error_log
apisec: JWT refused: claims are not JSON, kid "hs1"



=== TEST 48: a sub that is not a string is refused
--- more_headers eval
"Authorization: Bearer $::T{sub_num}"
--- error_code: 401
--- error_log
apisec: JWT refused: sub is not a string, kid "hs1"



=== TEST 49: apisec_jwt_issuer: the issuer matches
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_issuer https://other.example https://idp.example;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{iss_ok}"
--- error_code: 200



=== TEST 50: apisec_jwt_issuer: another issuer is refused
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_issuer https://idp.example;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{iss_bad}"
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="issuer not accepted"
--- error_log
apisec: JWT refused: iss not accepted, kid "hs1"



=== TEST 51: apisec_jwt_issuer: no iss is refused
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_issuer https://idp.example;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{hs}"
--- error_code: 401
--- error_log
apisec: JWT refused: no iss, kid "hs1"



=== TEST 52: apisec_jwt_audience: aud as a string
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_audience api;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{aud_str}"
--- error_code: 200



=== TEST 53: apisec_jwt_audience: aud as an array
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_audience api;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{aud_arr}"
--- error_code: 200



=== TEST 54: apisec_jwt_audience: another audience is refused
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_audience api;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{aud_bad}"
--- error_code: 401
--- error_log
apisec: JWT refused: aud not accepted, kid "hs1"



=== TEST 55: a token of 8192 bytes passes the default size limit
--- http_config
    large_client_header_buffers 4 16k;
--- more_headers eval
"Authorization: Bearer $::T{len_8192}"
--- error_code: 200



=== TEST 56: a token of 8193 bytes is refused before any decoding
--- http_config
    large_client_header_buffers 4 16k;
--- more_headers eval
"Authorization: Bearer $::T{len_8193}"
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="token too large"
X-Auth-Result: too_large
--- error_log
apisec: JWT refused: token too large
--- no_error_log eval
$::S{len_8193}



=== TEST 57: apisec_jwt_max_size
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_max_size 100;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{hs}"
--- error_code: 401
--- error_log
apisec: JWT refused: token too large



=== TEST 58: a kid no key has, and no kid-less key: unknown key
--- more_headers eval
"Authorization: Bearer $::T{kid_unknown}"
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="unknown key"
X-Auth-Result: unknown_key
--- error_log
apisec: JWT refused: no key with the kid, and no key without a kid fits alg, kid "nope"



=== TEST 59: a hostile kid is escaped and cut in the log
--- more_headers eval
"Authorization: Bearer $::T{kid_hostile}"
--- error_code: 401
--- error_log eval
qr/JWT refused: no key with the kid, and no key without a kid fits alg, kid "a\\x22b\\x0acx{59}\.\.\."/



=== TEST 60: a kid-less PEM key verifies a token whose kid it does not know
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa.pub;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{kid_unknown}"
--- error_code: 200



=== TEST 61: a token without kid is tried with the keys of its type
--- more_headers eval
"Authorization: Bearer $::T{rs_nokid}"
--- error_code: 200



=== TEST 62: variables: claims of every JSON type, header members
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        add_header X-Sub $apisec_subject always;
        add_header X-N $apisec_jwt_claim_n always;
        add_header X-F $apisec_jwt_claim_f always;
        add_header X-T $apisec_jwt_claim_t always;
        add_header X-Null "[$apisec_jwt_claim_nul]" always;
        add_header X-Roles $apisec_jwt_claim_roles always;
        add_header X-O $apisec_jwt_claim_o always;
        add_header X-Crlf $apisec_jwt_claim_crlf always;
        add_header X-Missing "[$apisec_jwt_claim_missing]" always;
        add_header X-Kid $apisec_jwt_header_kid always;
        add_header X-Alg $apisec_jwt_header_alg always;
        add_header X-User-Id $apisec_jwt_claim_userId always;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{claims}"
--- error_code: 200
--- response_headers
X-Sub: alice
X-N: 42
X-F: 1.5
X-T: true
X-Null: []
X-Roles: admin,ops
X-O: {"a":[1,2]}
X-Crlf: a%0D%0AX-Evil: 1
X-Missing: []
X-Kid: hs1
X-Alg: HS256
X-User-Id: u7
!X-Evil



=== TEST 63: variables of a refused token are empty, the result is set
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        add_header X-Sub "[$apisec_subject]" always;
        add_header X-Kid "[$apisec_jwt_header_kid]" always;
        add_header X-Result $apisec_auth_result always;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{exp_past}"
--- error_code: 401
--- response_headers
X-Sub: []
X-Kid: []
X-Result: expired



=== TEST 64: variables in proxy_set_header
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        proxy_set_header X-Subject $apisec_subject;
        proxy_set_header X-Roles $apisec_jwt_claim_roles;
        proxy_set_header Authorization "";
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location = /echo {
        return 200 "sub=$http_x_subject roles=$http_x_roles auth=[$http_authorization]\n";
    }
--- more_headers eval
"Authorization: Bearer $::T{claims}"
--- error_code: 200
--- response_body
sub=alice roles=admin,ops auth=[]



=== TEST 65: variables in if (evaluated before the access phase)
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        if ($apisec_jwt_claim_role != admin) {
            return 403;
        }
        empty_gif;
    }
--- more_headers eval
["Authorization: Bearer $::T{admin}", "Authorization: Bearer $::T{hs}"]
--- request eval
["GET /api", "GET /api"]
--- error_code eval
[200, 403]



=== TEST 66: variables in log_format
--- http_config
    log_format apisec "auth=$apisec_auth_result sub=$apisec_subject";
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        access_log logs/access.log apisec;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{hs}"
--- error_code: 200
--- access_log
auth=ok sub=alice



=== TEST 67: the result survives error_page's internal redirect
--- http_config
    log_format apisec "auth=$apisec_auth_result";
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        access_log logs/access.log apisec;
        error_page 401 /denied;
        empty_gif;
    }
    location = /denied {
        internal;
        access_log logs/access.log apisec;
        return 401 "denied: $apisec_auth_result\n";
    }
--- more_headers eval
"Authorization: Bearer $::T{exp_past}"
--- error_code: 401
--- response_body
denied: expired
--- access_log
auth=expired



=== TEST 68: apisec_jwt "realm"
--- config
    location /api {
        apisec_jwt "orders api";
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="orders api"



=== TEST 69: apisec_jwt off in a nested location cancels
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;

        location /api/public {
            apisec_jwt off;
            empty_gif;
        }
    }
--- request
GET /api/public
--- error_code: 200



=== TEST 70: inherited from server level, with the token from a cookie
--- config
    apisec_jwt on;
    apisec_jwt_token $cookie_access_token;
    apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;

    location /api {
        empty_gif;
    }
--- more_headers eval
"Cookie: a=b; access_token=$::T{hs}"
--- error_code: 200



=== TEST 71: the token from a variable: none there is "missing"
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_token $arg_access_token;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{hs}"
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api"
--- error_log
apisec: JWT refused: no token



=== TEST 72: satisfy any: an allowed address needs no token
--- config
    location /api {
        satisfy any;
        allow 127.0.0.1;
        deny all;
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- error_code: 200



=== TEST 73: satisfy any: a valid token passes where the address is denied
--- config
    location /api {
        satisfy any;
        deny all;
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{hs}"
--- error_code: 200



=== TEST 74: satisfy any: a bad token and a denied address: 401
--- config
    location /api {
        satisfy any;
        deny all;
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{exp_past}"
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="token expired"



=== TEST 75: satisfy any: malformed credentials are a final 400
--- config
    location /api {
        satisfy any;
        allow 127.0.0.1;
        deny all;
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- more_headers
Authorization: Bearer a b
--- error_code: 400



=== TEST 76: a CORS preflight costs no verification, even with the variables in add_header
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        apisec_cors_origins https://app.example.com;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
--- request
OPTIONS /api
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: GET
--- error_code: 204
--- response_headers
!X-Auth-Result
--- no_error_log
JWT refused



=== TEST 77: a request banned before authentication costs no verification
--- http_config
    apisec_ban_zone $binary_remote_addr zone=brute:1m threshold=1
                    window=1m duration=1m;
--- config
    location /api {
        apisec_ban zone=brute;
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        add_header X-Auth-Result $apisec_auth_result always;
        add_header X-Subject $apisec_subject always;
        empty_gif;
    }
--- more_headers eval
["Authorization: Bearer $::T{exp_past}", "Authorization: Bearer $::T{hs}"]
--- request eval
["GET /api", "GET /api"]
--- error_code eval
[401, 429]
--- response_headers eval
["X-Auth-Result: expired", "!X-Auth-Result\n!X-Subject"]



=== TEST 78: plain HTTP redirected by apisec_https_only costs no verification
--- config
    location /api {
        apisec_https_only redirect;
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{exp_past}"
--- error_code: 308
--- response_headers
!X-Auth-Result
--- no_error_log
JWT refused



=== TEST 79: query=access_token strip: gone from $args, $request_uri, $request, the upstream and the access log
--- http_config
    log_format tokens '$request|$request_uri|$args';
--- config
    location /api {
        access_log logs/access.log tokens;
        apisec_jwt on;
        apisec_jwt_token query=access_token strip;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        add_header X-Subject $apisec_subject always;
        add_header X-Seen "$args|$request_uri" always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        access_log logs/access.log tokens;
        return 200 "args=[$args] uri=[$request_uri]\n";
    }
--- request eval
"GET /api/x?a=1&access_token=$::T{hs}&b=2"
--- error_code: 200
--- response_headers
X-Subject: alice
X-Seen: a=1&b=2|/api/x?a=1&b=2
--- response_body
args=[a=1&b=2] uri=[/backend/x?a=1&b=2]
--- access_log
GET /api/x?a=1&b=2 HTTP/1.1|/api/x?a=1&b=2|a=1&b=2
--- no_access_log eval
$::S{hs}
--- no_error_log eval
$::S{hs}



=== TEST 80: strip comes first: a request refused before authentication (plain HTTP) logs no token
--- http_config
    log_format tokens '$request|$request_uri|$args';
--- config
    location /api {
        access_log logs/access.log tokens;
        apisec_https_only reject;
        apisec_jwt on;
        apisec_jwt_token query=access_token strip;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- request eval
"GET /api?access_token=$::T{exp_past}&a=1"
--- error_code: 403
--- access_log
GET /api?a=1 HTTP/1.1|/api?a=1|a=1
--- no_access_log eval
$::S{exp_past}
--- no_error_log eval
[$::S{exp_past}, "JWT refused"]



=== TEST 81: strip survives an internal redirect: the token is still the request's
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_token query=access_token strip;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        error_page 404 = /fallback;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/missing;
        proxy_intercept_errors on;
    }
    location /fallback {
        apisec_jwt on;
        apisec_jwt_token query=access_token strip;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        add_header X-Subject $apisec_subject always;
        add_header X-Args "[$args]" always;
        empty_gif;
    }
    location /missing {
        return 404;
    }
--- request eval
"GET /api?access_token=$::T{hs}"
--- error_code: 200
--- response_headers
X-Subject: alice
X-Args: []
--- no_error_log eval
$::S{hs}



=== TEST 82: several access_token arguments: 400 invalid_request, stripped or not
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_token query=access_token strip;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
    location /plain {
        apisec_jwt on;
        apisec_jwt_token query=access_token;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- request eval
["GET /api?access_token=$::T{hs}&ACCESS_TOKEN=$::T{hs}",
 "GET /plain?access_token=$::T{hs}&access_token"]
--- error_code eval
[400, 400]
--- response_headers eval
["WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_request\"",
 "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_request\""]
--- response_body_like eval
['"status":400,"detail":"several \\\\"access_token\\\\" arguments"',
 '"status":400,"detail":"several \\\\"access_token\\\\" arguments"']
--- error_log
apisec: JWT refused: several "access_token" arguments



=== TEST 83: query=access_token without strip: read from the argument, left in place
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_token query=access_token;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        add_header X-Subject $apisec_subject always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "args=[$args]\n";
    }
--- request eval
"GET /api?a=1&access_token=$::T{hs}"
--- error_code: 200
--- response_headers
X-Subject: alice
--- response_body eval
"args=[a=1&access_token=$::T{hs}]\n"



=== TEST 84: a token from the query: a refusal names the argument, the challenge is Bearer's
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_token query=access_token strip;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
--- request
GET /api?token=x&access_token=
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api"
X-Auth-Result: missing
--- response_body_like: "status":401,"detail":"no token in argument \\"access_token\\""
--- error_log
apisec: JWT refused: no token in argument "access_token"
--- no_error_log
bearer



=== TEST 85: a bad token from the query: Bearer's invalid_token challenge
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_token query=access_token strip;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- request eval
"GET /api?access_token=$::T{exp_past}"
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="token expired"
--- response_body_like: "status":401,"detail":"token expired"
--- error_log
apisec: JWT refused: token expired, kid "hs1"
--- no_error_log eval
$::S{exp_past}



=== TEST 86: a token from a cookie: none is a Cookie challenge naming the cookie, never "bearer"
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_token $cookie_session;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
--- more_headers
Cookie: other=1
--- error_code: 401
--- response_headers
WWW-Authenticate: Cookie realm="api", cookie-name="session"
X-Auth-Result: missing
--- response_body_like: "status":401,"detail":"no token in cookie \\"session\\""
--- error_log
apisec: JWT refused: no token in cookie "session"
--- no_error_log
bearer



=== TEST 87: a token from a cookie: a bad one has the same challenge, a good one passes
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_token $cookie_session;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        add_header X-Subject $apisec_subject always;
        empty_gif;
    }
--- more_headers eval
["Cookie: session=$::T{exp_past}", "Cookie: session=$::T{hs}"]
--- request eval
["GET /api", "GET /api"]
--- error_code eval
[401, 200]
--- response_headers eval
["WWW-Authenticate: Cookie realm=\"api\", cookie-name=\"session\"",
 "X-Subject: alice\n!WWW-Authenticate"]
--- response_body_like eval
['"status":401,"detail":"token expired"', '']
--- no_error_log eval
[$::S{exp_past}, $::S{hs}, "bearer"]



=== TEST 88: an API key and a token stripped from one query string: both leave
--- user_files eval
require Digest::SHA;
[["keys", "bob sha256:" . Digest::SHA::sha256_hex("key-of-bob") . "\n"]]
--- http_config
    log_format tokens '$request|$request_uri|$args';
--- config
    location /api {
        access_log logs/access.log tokens;
        apisec_jwt on;
        apisec_jwt_token query=access_token strip;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        apisec_api_key query=api_key strip;
        apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;
        add_header X-Subject $apisec_subject always;
        add_header X-Consumer $apisec_consumer always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "args=[$args] uri=[$request_uri]\n";
    }
--- request eval
"GET /api?api_key=key-of-bob&a=1&access_token=$::T{hs}&b=2"
--- error_code: 200
--- response_headers
X-Subject: alice
--- response_body
args=[a=1&b=2] uri=[/backend?a=1&b=2]
--- access_log
GET /api?a=1&b=2 HTTP/1.1|/api?a=1&b=2|a=1&b=2
--- no_access_log eval
[$::S{hs}, "key-of-bob"]



=== TEST 89: apisec_jwt_token: "strip" without "query=" fails
--- config
    location /api { apisec_jwt_token $arg_t strip; empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*"strip" is for "query=" only in \S+nginx\.conf:\d+/



=== TEST 90: apisec_jwt_token: an unknown parameter fails
--- config
    location /api { apisec_jwt_token query=t trim; empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "trim" in \S+nginx\.conf:\d+/



=== TEST 91: apisec_jwt_token: an empty argument name fails
--- config
    location /api { apisec_jwt_token query= strip; empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*empty argument name in "query=" in \S+nginx\.conf:\d+/



=== TEST 92: apisec_jwt_token: an argument name with "&" fails
--- config
    location /api { apisec_jwt_token "query=a&b"; empty_gif; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid argument name "a&b" in \S+nginx\.conf:\d+/



=== TEST 93: a stripped token is kept for its own argument name only
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_token query=access_token strip;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        error_page 404 = /fallback;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/missing;
        proxy_intercept_errors on;
    }
    location /fallback {
        apisec_jwt on;
        apisec_jwt_token query=other;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
    location /missing {
        return 404;
    }
--- request eval
"GET /api?access_token=$::T{hs}"
--- error_code: 401
--- response_body_like: "detail":"no token in argument \\"other\\""
--- error_log
apisec: JWT refused: no token in argument "other"
--- no_error_log eval
$::S{hs}
