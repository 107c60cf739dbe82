# JWT keys and algorithms: every algorithm with tokens from python3-jwt,
# PEM keys, single JWKs and JWKSs, kid selection, and every key or
# configuration that must fail "nginx -t".

use lib 't/lib';
use Test::Apisec 'no_plan';
use ApisecJwt;

my $D = $DATA;
my @ok = ('--claims', '{"sub":"alice"}', '--exp', 600);

our %T;
for my $alg (qw(HS256 HS384 HS512)) {
    $T{$alg} = mint('--alg', $alg, '--key', "$D/hs.jwk", '--kid', 'hs1', @ok);
    $T{"$alg-nokid"} = mint('--alg', $alg, '--key', "$D/hs.jwk", @ok);
}
for my $alg (qw(RS256 RS384 RS512 PS256 PS384 PS512)) {
    $T{$alg} = mint('--alg', $alg, '--key', "$D/rsa.key", '--kid', 'rsa1',
                    @ok);
}
$T{ES256} = mint('--alg', 'ES256', '--key', "$D/ec256.key", '--kid', 'ec256',
                 @ok);
$T{ES384} = mint('--alg', 'ES384', '--key', "$D/ec384.key", '--kid', 'ec384',
                 @ok);
$T{ES512} = mint('--alg', 'ES512', '--key', "$D/ec521.key", '--kid', 'ec521',
                 @ok);
$T{EdDSA} = mint('--alg', 'EdDSA', '--key', "$D/ed25519.key", '--kid', 'ed1',
                 @ok);
$T{'HS256-32'} = mint('--alg', 'HS256', '--key', "$D/hs256.jwk", @ok);
$T{'HS384-32'} = mint('--alg', 'HS384', '--key', "$D/hs256.jwk", @ok);
$T{rsa2} = mint('--alg', 'RS256', '--key', "$D/rsa2.key", @ok);
$T{rsa_nokid} = mint('--alg', 'RS256', '--key', "$D/rsa.key", @ok);
# issuers A and B, each with its own PEM key (no kid: every key is tried)
for my $who (['A', 'rsa'], ['B', 'rsa2']) {
    for my $iss ('A', 'B', 'C') {
        $T{"iss$iss-by$who->[0]"} = mint('--alg', 'RS256', '--key',
            "$D/$who->[1].key", '--exp', 600, '--claims',
            qq({"sub":"alice","iss":"https://$iss.example"}));
    }
    $T{"noiss-by$who->[0]"} = mint('--alg', 'RS256', '--key',
        "$D/$who->[1].key", @ok);
}
$T{ES256_as_ES384} = mint('--alg', 'ES384', '--key', "$D/ec384.key",
                          '--kid', 'ec256', @ok);
# the per-key verify state is prepared once and reused (TEST 6a): a bad
# signature between good ones, with and without the cache's shared digest
for my $a (['EdDSA', 'ed25519.key', 'ed1'], ['PS256', 'rsa.key', 'rsa1'],
           ['ES256', 'ec256.key', 'ec256'], ['RS256', 'rsa.key', 'rsa1'])
{
    my @m = ('--alg', $a->[0], '--key', "$D/$a->[1]", '--kid', $a->[2]);
    $T{"$a->[0]-flip"} = mint(@m, '--sig-flip', @ok);
    $T{"$a->[0]-2"} = mint(@m, '--claims', '{"sub":"bob"}', '--exp', 600);
}

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
});

log_level('info');
no_shuffle();
run_tests();

__DATA__

=== TEST 1: HS256, HS384, HS512 with an oct JWK of 64 bytes
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        empty_gif;
    }
--- more_headers eval
["Authorization: Bearer $::T{HS256}", "Authorization: Bearer $::T{HS384}",
 "Authorization: Bearer $::T{HS512}", "Authorization: Bearer $::T{'HS512-nokid'}"]
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api"]
--- error_code eval
[200, 200, 200, 200]



=== TEST 2: an oct JWK with "alg":"HS256" verifies HS256 only
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs256.jwk;
        empty_gif;
    }
--- more_headers eval
["Authorization: Bearer $::T{'HS256-32'}",
 "Authorization: Bearer $::T{'HS384-32'}"]
--- request eval
["GET /api", "GET /api"]
--- error_code eval
[200, 401]



=== TEST 3: RS256, RS384, RS512 with a PEM public key
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa.pub;
        empty_gif;
    }
--- more_headers eval
["Authorization: Bearer $::T{RS256}", "Authorization: Bearer $::T{RS384}",
 "Authorization: Bearer $::T{RS512}"]
--- request eval
["GET /api", "GET /api", "GET /api"]
--- error_code eval
[200, 200, 200]



=== TEST 4: PS256, PS384, PS512 with an RSA JWK
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa.jwk;
        empty_gif;
    }
--- more_headers eval
["Authorization: Bearer $::T{PS256}", "Authorization: Bearer $::T{PS384}",
 "Authorization: Bearer $::T{PS512}"]
--- request eval
["GET /api", "GET /api", "GET /api"]
--- error_code eval
[200, 200, 200]



=== TEST 5: ES256, ES384, ES512 with PEM keys
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/ec256.pub;
        apisec_jwt_key_file $TEST_NGINX_DATA/ec384.pub;
        apisec_jwt_key_file $TEST_NGINX_DATA/ec521.pub;
        empty_gif;
    }
--- more_headers eval
["Authorization: Bearer $::T{ES256}", "Authorization: Bearer $::T{ES384}",
 "Authorization: Bearer $::T{ES512}"]
--- request eval
["GET /api", "GET /api", "GET /api"]
--- error_code eval
[200, 200, 200]



=== TEST 6: EdDSA with a PEM key and with an OKP JWK
--- config
    location /pem {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/ed25519.pub;
        empty_gif;
    }
    location /jwk {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/ed25519.jwk;
        empty_gif;
    }
--- more_headers eval
["Authorization: Bearer $::T{EdDSA}", "Authorization: Bearer $::T{EdDSA}"]
--- request eval
["GET /pem", "GET /jwk"]
--- error_code eval
[200, 200]



=== TEST 6a: prepared verify state reused: a flipped signature bit is refused between good tokens, with and without the cache
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
    location /cached {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        apisec_jwt_cache zone=keys6a:1m;
        add_header X-Auth-Result $apisec_auth_result always;
        add_header X-Cache $apisec_jwt_cache_status always;
        empty_gif;
    }
--- more_headers eval
[map { my $a = $_;
       map { "Authorization: Bearer $::T{$_}" } ($a, "$a-flip", "$a-2") x 2 }
     qw(EdDSA PS256 ES256 RS256)]
--- request eval
[map { (("GET /api") x 3, ("GET /cached") x 3) } 1 .. 4]
--- error_code eval
[map { (200, 401, 200) x 2 } 1 .. 4]
--- response_headers eval
[map { ("X-Auth-Result: ok", "X-Auth-Result: bad_signature",
        "X-Auth-Result: ok",
        "X-Auth-Result: ok\nX-Cache: MISS",
        "X-Auth-Result: bad_signature\nX-Cache: MISS",
        "X-Auth-Result: ok\nX-Cache: MISS") } 1 .. 4]



=== TEST 7: one JWKS, every algorithm
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- more_headers eval
[map { "Authorization: Bearer $::T{$_}" }
     qw(HS256 HS384 HS512 RS256 RS384 RS512 PS256 PS384 PS512
        ES256 ES384 ES512 EdDSA)]
--- request eval
[("GET /api") x 13]
--- error_code eval
[(200) x 13]



=== TEST 8: the curve pins the algorithm: ES384 with a P-256 kid
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{ES256_as_ES384}"
--- error_code: 401
--- error_log
apisec: JWT refused: the key with the kid does not fit alg, kid "ec256"



=== TEST 9: apisec_jwt_algorithms restricts what the keys could verify
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_algorithms RS256 ES256;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- more_headers eval
["Authorization: Bearer $::T{RS256}", "Authorization: Bearer $::T{PS256}",
 "Authorization: Bearer $::T{HS256}"]
--- request eval
["GET /api", "GET /api", "GET /api"]
--- error_code eval
[200, 401, 401]



=== TEST 10: an algorithm not in apisec_jwt_algorithms is logged
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_algorithms RS256 ES256;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{HS256}"
--- error_code: 401
--- error_log
apisec: JWT refused: alg not in apisec_jwt_algorithms, kid "hs1"



=== TEST 11: apisec_jwt_algorithms at a lower level replaces the list
--- config
    apisec_jwt_algorithms RS256;
    location /api {
        apisec_jwt on;
        apisec_jwt_algorithms HS256;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        empty_gif;
    }
--- more_headers eval
["Authorization: Bearer $::T{RS256}", "Authorization: Bearer $::T{HS256}"]
--- request eval
["GET /api", "GET /api"]
--- error_code eval
[401, 200]



=== TEST 12: key files at a lower level replace the inherited ones
--- config
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/rsa.pub;
    location /api {
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa2.pub;
        empty_gif;
    }
    location /other {
        empty_gif;
    }
--- more_headers eval
["Authorization: Bearer $::T{rsa_nokid}", "Authorization: Bearer $::T{rsa2}",
 "Authorization: Bearer $::T{rsa_nokid}"]
--- request eval
["GET /api", "GET /api", "GET /other"]
--- error_code eval
[401, 200, 200]



=== TEST 13: without kid, at most 4 keys of the type are tried: the 4th
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs-4th.jwks;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{'HS256-nokid'}"
--- error_code: 200



=== TEST 14: without kid, at most 4 keys of the type are tried: not the 5th
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs-5th.jwks;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{'HS256-nokid'}"
--- error_code: 401
--- error_log
apisec: JWT refused: signature invalid



=== TEST 15: an IdP's JWKS: encryption and sign-only keys skipped, warned
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/mixed.jwks;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{RS256}"
--- error_code: 200
--- error_log
key with kid "enc1" and "use":"enc" skipped
key with kid "ops" without "verify" in "key_ops" skipped



=== TEST 16: "alg":"RS256" in the JWK pins it: PS256 refused
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/mixed.jwks;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{PS256}"
--- error_code: 401
--- error_log
apisec: JWT refused: the key with the kid does not fit alg, kid "rsa1"



=== TEST 17: key rotation by reload: old and new side by side, then new
--- skip_eval: 4: Test::Apisec::cpan_skip('it reloads nginx in the middle of the block')
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa.pub;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa2.pub;
        empty_gif;
    }
--- reload_config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa2.pub;
        empty_gif;
    }
--- reload_after: 2
--- more_headers eval
["Authorization: Bearer $::T{rsa_nokid}", "Authorization: Bearer $::T{rsa2}",
 "Authorization: Bearer $::T{rsa2}", "Authorization: Bearer $::T{rsa_nokid}"]
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api"]
--- error_code eval
[200, 200, 200, 401]



=== TEST 18: a certificate's public key
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_CERT;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{RS256}"
--- error_code: 401
--- error_log
apisec: JWT refused: no key with the kid, and no key without a kid fits alg, kid "rsa1"



=== TEST 19: an RSA key under 2048 bits (PEM) fails
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/bad-rsa1024.pub;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*bad-rsa1024\.pub": RSA key of 1024 bits, at least 2048 required in \S+nginx\.conf:\d+/



=== TEST 20: an RSA key under 2048 bits (JWK) fails
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/bad-rsa1024.jwk;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*bad-rsa1024\.jwk": key 1 \(kid "weak"\): RSA key of 1024 bits, at least 2048 required/



=== TEST 21: an HMAC key shorter than SHA-256's output fails
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/bad-hs-short.jwk;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*bad-hs-short\.jwk": key 1 \(kid "short"\): HMAC key of 16 bytes is shorter than 32 bytes, the hash of HS256/



=== TEST 22: an HMAC key of 32 bytes with "alg":"HS384" fails
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/bad-hs384-short.jwk;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*bad-hs384-short\.jwk": key 1 \(kid "short"\): HMAC key of 32 bytes is shorter than the HS384 hash/



=== TEST 23: a JWK whose alg contradicts its kty fails
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/bad-alg-kty.jwk;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*bad-alg-kty\.jwk": key 1 \(kid "rsa1"\): "alg":"ES256" contradicts the key type/



=== TEST 24: a JWK whose alg contradicts its curve fails
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/bad-alg-crv.jwk;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*bad-alg-crv\.jwk": key 1 \(kid "ec384"\): "alg":"ES256" contradicts the key type/



=== TEST 25: a JWK with "alg":"none" fails
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/bad-alg-none.jwk;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*bad-alg-none\.jwk": key 1 \(kid "rsa1"\): "alg":"none" is never accepted/



=== TEST 26: a JWKS with no signature key fails
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/bad-enc-only.jwks;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*bad-enc-only\.jwks": no signature verification key/



=== TEST 27: an EC point off its curve fails
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/bad-ec-offcurve.jwk;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*bad-ec-offcurve\.jwk": key 1 \(kid "off"\): invalid EC key/



=== TEST 28: an Ed448 key fails (unsupported)
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/bad-ed448.jwk;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*bad-ed448\.jwk": key 1: unsupported "crv", expected "Ed25519"/



=== TEST 29: a secp256k1 PEM key fails (unsupported curve)
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/bad-secp256k1.pub;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*bad-secp256k1\.pub": unsupported EC curve/



=== TEST 30: a JWK member that is not base64url fails
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/bad-b64.jwk;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*bad-b64\.jwk": key 1 \(kid "rsa1"\): "n" is not base64url/



=== TEST 31: duplicate members in a JWK fail
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/bad-dup.jwk;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*bad-dup\.jwk": invalid JSON at line 1: duplicate object key/



=== TEST 32: a file that is no key fails
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/bad-garbage.key;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*bad-garbage\.key": neither a JWK, a JWKS nor a PEM public key/



=== TEST 33: a truncated PEM file fails
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/bad-truncated.pub;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*bad-truncated\.pub": invalid PEM/



=== TEST 34: a private key fails
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/bad-private.key;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*bad-private\.key": a private key, expected a public key or a certificate/



=== TEST 35: a missing key file fails
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/no-such-file.pem;
--- must_die
--- error_log eval
qr/\[emerg\] .*open\(\) ".*no-such-file\.pem" failed/



=== TEST 36: apisec_jwt_algorithms none fails
--- config
    apisec_jwt_algorithms RS256 none;
--- must_die
--- error_log eval
qr/\[emerg\] .*algorithm "none" is never accepted in \S+nginx\.conf:\d+/



=== TEST 37: apisec_jwt_algorithms with an unknown algorithm fails
--- config
    apisec_jwt_algorithms RS256 HS1;
--- must_die
--- error_log eval
qr/\[emerg\] .*unknown algorithm "HS1"/



=== TEST 38: apisec_jwt_algorithms that no key can verify: a warning
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_algorithms RS256 ES256;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa.pub;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{RS256}"
--- error_code: 200
--- error_log eval
qr/\[warn\] .*no key can verify "ES256" of "apisec_jwt_algorithms"/



=== TEST 39: apisec_jwt on without keys fails
--- config
    location /api {
        apisec_jwt on;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"apisec_jwt" is on, but no "apisec_jwt_key_file" is set/



=== TEST 40: a realm with a quote fails
--- config
    apisec_jwt 'a"b';
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid realm "a"b": quotes, backslashes and control characters are not allowed/



=== TEST 41: apisec_jwt_token without a variable fails
--- config
    apisec_jwt_token cookie;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid variable name "cookie"/



=== TEST 42: apisec_jwt twice at one level fails
--- config
    apisec_jwt on;
    apisec_jwt off;
--- must_die
--- error_log eval
qr/\[emerg\] .*"apisec_jwt" directive is duplicate/



=== TEST 43: apisec_jwt is not allowed in "if"
--- config
    location /api {
        if ($arg_a) {
            apisec_jwt on;
        }
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"apisec_jwt" directive is not allowed here/



=== TEST 44: apisec_jwt_issuer off cancels an inherited issuer
--- config
    apisec_jwt_issuer https://idp.example;
    location /api {
        apisec_jwt on;
        apisec_jwt_issuer off;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa.pub;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{RS256}"
--- error_code: 200



=== TEST 45: an RSA key with e = 1 (JWK) fails: anyone could sign for it
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/bad-weak-rsa-e1.jwk;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*bad-weak-rsa-e1\.jwk": key 1 \(kid "e1"\): RSA public exponent 1 is not odd and >= 3 in \S+nginx\.conf:\d+/



=== TEST 46: an RSA key with e = 1 (PEM) fails
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/bad-weak-rsa-e1.pub;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*bad-weak-rsa-e1\.pub": RSA public exponent 1 is not odd and >= 3 in \S+nginx\.conf:\d+/



=== TEST 47: an RSA key with e = 2 fails
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/bad-weak-rsa-e2.jwk;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*bad-weak-rsa-e2\.jwk": key 1 \(kid "e2"\): RSA public exponent 2 is not odd and >= 3 in \S+nginx\.conf:\d+/



=== TEST 48: an RSA key with an even e (65536) fails
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/bad-weak-rsa-even.jwk;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*bad-weak-rsa-even\.jwk": key 1 \(kid "even"\): RSA public exponent 65536 is not odd and >= 3 in \S+nginx\.conf:\d+/



=== TEST 49: an RSA key with e = n fails
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/bad-weak-rsa-e-n.jwk;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*bad-weak-rsa-e-n\.jwk": key 1 \(kid "en"\): RSA public exponent of 2048 bits is not smaller than the modulus in \S+nginx\.conf:\d+/



=== TEST 50: an EC key at the point at infinity (PEM) fails
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/bad-weak-ec-infinity.pub;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*bad-weak-ec-infinity\.pub": EC public key is the point at infinity or not a point of the curve in \S+nginx\.conf:\d+/



=== TEST 51: an Ed25519 key of all zeros (a point of order 4) fails
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/bad-weak-ed25519-zero.jwk;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*bad-weak-ed25519-zero\.jwk": key 1 \(kid "zero"\): Ed25519 public key is a point of small order in \S+nginx\.conf:\d+/



=== TEST 52: an Ed25519 key at the identity point (JWK) fails
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/bad-weak-ed25519-identity.jwk;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*bad-weak-ed25519-identity\.jwk": key 1 \(kid "id"\): Ed25519 public key is a point of small order in \S+nginx\.conf:\d+/



=== TEST 53: an Ed25519 key at the identity point (PEM) fails
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/bad-weak-ed25519-identity.pub;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*bad-weak-ed25519-identity\.pub": Ed25519 public key is a point of small order in \S+nginx\.conf:\d+/



=== TEST 54: key files bound to issuers: the other issuer's key never verifies a token
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa.pub issuer=https://A.example;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa2.pub issuer=https://B.example;
        empty_gif;
    }
--- more_headers eval
["Authorization: Bearer $::T{'issA-byB'}",
 "Authorization: Bearer $::T{'issB-byA'}"]
--- request eval
["GET /api", "GET /api"]
--- error_code eval
[401, 401]
--- error_log
apisec: JWT refused: signature invalid



=== TEST 55: key files bound to issuers: each issuer's own key verifies its tokens
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa.pub issuer=https://A.example;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa2.pub issuer=https://B.example;
        empty_gif;
    }
--- more_headers eval
["Authorization: Bearer $::T{'issA-byA'}",
 "Authorization: Bearer $::T{'issB-byB'}"]
--- request eval
["GET /api", "GET /api"]
--- error_code eval
[200, 200]



=== TEST 56: all keys bound: a token of another issuer, or of none, is refused before any signature
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa.pub issuer=https://A.example;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa2.pub issuer=https://B.example;
        empty_gif;
    }
--- more_headers eval
["Authorization: Bearer $::T{'issC-byA'}",
 "Authorization: Bearer $::T{'noiss-byA'}"]
--- request eval
["GET /api", "GET /api"]
--- error_code eval
[401, 401]
--- response_body_like eval
["issuer not accepted", "issuer not accepted"]
--- error_log
apisec: JWT refused: no key is bound to the token's issuer



=== TEST 57: bound and unbound keys: a bound issuer's token is verified by its key only
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa.pub issuer=https://A.example;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa2.pub;
        empty_gif;
    }
--- more_headers eval
["Authorization: Bearer $::T{'issA-byB'}",
 "Authorization: Bearer $::T{'issC-byA'}"]
--- request eval
["GET /api", "GET /api"]
--- error_code eval
[401, 401]
--- error_log
apisec: JWT refused: signature invalid



=== TEST 58: bound and unbound keys: the unbound ones verify the issuers no key is bound to
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa.pub issuer=https://A.example;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa2.pub;
        empty_gif;
    }
--- more_headers eval
["Authorization: Bearer $::T{'issC-byB'}",
 "Authorization: Bearer $::T{'noiss-byB'}",
 "Authorization: Bearer $::T{'issA-byA'}"]
--- request eval
["GET /api", "GET /api", "GET /api"]
--- error_code eval
[200, 200, 200]



=== TEST 59: "issuer=" empty fails
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/rsa.pub issuer=;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid "issuer=": empty in \S+nginx\.conf:\d+/



=== TEST 60: an issuer with a space fails
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/rsa.pub "issuer=https://a.example x";
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid "issuer=": spaces, quotes, backslashes and non-ASCII characters are not allowed in \S+nginx\.conf:\d+/



=== TEST 61: a key file with an unknown parameter fails
--- config
    apisec_jwt_key_file $TEST_NGINX_DATA/rsa.pub iss=https://a.example;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "iss=https:\/\/a\.example" in \S+nginx\.conf:\d+/



=== TEST 62: a verdict kept under unbound keys (apisec_jwt_cache) ...
--- http_config
    apisec_jwt_cache zone=jwt:1m;
--- config
    location /open {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa.pub;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa2.pub;
        empty_gif;
    }
    location /bound {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa.pub issuer=https://A.example;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa2.pub issuer=https://B.example;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{'issA-byB'}"
--- request
GET /open
--- error_code: 200



=== TEST 63: ... never passes a location whose keys are bound to issuers (continued)
--- more_headers eval
"Authorization: Bearer $::T{'issA-byB'}"
--- request
GET /bound
--- error_code: 401
--- error_log
apisec: JWT refused: signature invalid
