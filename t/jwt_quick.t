# A bearer token whose header the worker has parsed before is split at its
# dots and decoded without a scan of its characters first (the decoding
# checks each one); anything that decoding refuses goes the way every
# token went before (the scan, the split, then each step in order), so
# that each refusal is the one it always was, with its status, its
# $apisec_auth_result and its reason.  A good token comes first (its
# header is then the worker's), then the hostile ones, each in a block of
# its own sent to the same nginx (--- same_nginx, which only this project's
# runner keeps running between blocks: CPAN's runner skips those blocks),
# each to a URI of its own so that its log line is told from the others'.

use lib 't/lib';
use Test::Apisec 'no_plan';
use ApisecJwt;
use MIME::Base64 ();

my $D = $DATA;

sub b64u { my $s = MIME::Base64::encode_base64url($_[0]); $s =~ s/=+$//; $s }

our %T = (
    hs  => mint('--alg', 'HS256', '--key', "$D/hs.jwk",
                '--claims', '{"sub":"alice"}', '--exp', 600),
    hs2 => mint('--alg', 'HS256', '--key', "$D/hs.jwk",
                '--claims', '{"sub":"bob","scope":"read"}', '--exp', 600),
    rs  => mint('--alg', 'RS256', '--key', "$D/rsa.key", '--kid', 'rsa1',
                '--claims', '{"sub":"alice"}', '--exp', 600),
);

my ($h, $c, $s) = split /\./, $T{hs};

# one character of a segment changed to c, at i from the start
sub at { my ($seg, $i, $ch) = @_; substr($seg, $i, 1) = $ch; $seg }

# claims whose last character has unused bits set: base64url characters
# only, which strict decoding refuses; a text of 3n+1 bytes ends in two
# characters, the last one's low 4 bits unused
my $json = '{"sub":"alice","exp":' . (time() + 600) . '}';
$json .= ' ' while length($json) % 3 != 1;
my $bad_bits = b64u($json);
$bad_bits = at($bad_bits, length($bad_bits) - 1,
               substr($bad_bits, -1) eq 'B' ? 'C' : 'B');

$T{tilde_claims} = join '.', $h, at($c, 3, '~'), $s;
$T{plus_sig} = join '.', $h, $c, at($s, 5, '+');
$T{bang_sig} = join '.', $h, $c, at($s, 5, '!');
$T{padded} = "$T{hs}=";
$T{four} = join '.', $h, $c, substr($s, 0, 10), substr($s, 10);
$T{empty_sig} = "$h.$c.";
$T{empty_claims} = "$h..$s";
$T{bad_bits} = join '.', $h, $bad_bits, $s;
$T{sig_bits} = join '.', $h, $c, at($s, length($s) - 1,
                                  substr($s, -1) eq 'B' ? 'C' : 'B');
$T{tampered} = join '.', $h, $c, at($s, 5, substr($s, 5, 1) eq 'A' ? 'B' : 'A');

my ($rh, $rc, $rs) = split /\./, $T{rs};
$T{rs_tilde} = join '.', $rh, $rc, at($rs, 7, '~');
$T{rs_tampered} = join '.', $rh, $rc,
                  at($rs, 7, substr($rs, 7, 1) eq 'A' ? 'B' : 'A');
$T{rs_dot} = join '.', $rh, $rc, at($rs, 7, '.');

sub bearer { [map { "Authorization: Bearer $_" } @_] }

add_block_preprocessor(sub {
    my $block = shift;
    return if defined $block->config || defined $block->same_nginx;
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

log_level('debug');
no_shuffle();
run_tests();

__DATA__

=== TEST 1: a good token: its header is kept
--- request
GET /api/1
--- more_headers eval
"Authorization: Bearer $::T{hs}"
--- error_code: 200
--- response_headers
X-Subject: alice
--- no_error_log eval
qr{apisec: JWT refused[^\n]*request: "GET /api/1 HTTP}



=== TEST 2: "~" in the claims: refused as the split refuses it
--- same_nginx
--- skip_eval: 4: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- request
GET /api/2
--- more_headers eval
"Authorization: Bearer $::T{tilde_claims}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
!X-Subject
--- error_log eval
qr{apisec: JWT refused: \Qtoken is not three base64url segments\E[^\n]*request: "GET /api/2 HTTP}



=== TEST 3: "+" in the signature: the same
--- same_nginx
--- skip_eval: 3: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- request
GET /api/3
--- more_headers eval
"Authorization: Bearer $::T{plus_sig}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
--- error_log eval
qr{apisec: JWT refused: \Qtoken is not three base64url segments\E[^\n]*request: "GET /api/3 HTTP}



=== TEST 4: "!" in the signature: not a b64token, the scan refuses the header
--- same_nginx
--- skip_eval: 3: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- request
GET /api/4
--- more_headers eval
"Authorization: Bearer $::T{bang_sig}"
--- error_code: 400
--- response_headers
X-Auth-Result: invalid_request
--- error_log eval
qr{apisec: JWT refused: \Qmalformed Authorization header\E[^\n]*request: "GET /api/4 HTTP}



=== TEST 5: "=" padding: refused by the split
--- same_nginx
--- skip_eval: 3: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- request
GET /api/5
--- more_headers eval
"Authorization: Bearer $::T{padded}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
--- error_log eval
qr{apisec: JWT refused: \Qtoken is not three base64url segments\E[^\n]*request: "GET /api/5 HTTP}



=== TEST 6: four segments: refused by the split
--- same_nginx
--- skip_eval: 3: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- request
GET /api/6
--- more_headers eval
"Authorization: Bearer $::T{four}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
--- error_log eval
qr{apisec: JWT refused: \Qtoken is not three base64url segments\E[^\n]*request: "GET /api/6 HTTP}



=== TEST 7: claims whose last character has unused bits set: the signature is checked first, as always
--- same_nginx
--- skip_eval: 3: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- request
GET /api/7
--- more_headers eval
"Authorization: Bearer $::T{bad_bits}"
--- error_code: 401
--- response_headers
X-Auth-Result: bad_signature
--- error_log eval
qr{apisec: JWT refused: \Qsignature invalid\E[^\n]*request: "GET /api/7 HTTP}



=== TEST 8: a signature whose last character has unused bits set (none of the hostile tokens so far was taken without a scan)
--- same_nginx
--- skip_eval: 4: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- request
GET /api/8
--- more_headers eval
"Authorization: Bearer $::T{sig_bits}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
--- no_error_log
apisec: JWT split and decoded
--- error_log eval
qr{apisec: JWT refused: \Qsignature is not base64url\E[^\n]*request: "GET /api/8 HTTP}



=== TEST 9: an empty signature
--- same_nginx
--- skip_eval: 3: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- request
GET /api/9
--- more_headers eval
"Authorization: Bearer $::T{empty_sig}"
--- error_code: 401
--- response_headers
X-Auth-Result: bad_signature
--- error_log eval
qr{apisec: JWT refused: \Qsignature invalid\E[^\n]*request: "GET /api/9 HTTP}



=== TEST 10: empty claims
--- same_nginx
--- skip_eval: 3: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- request
GET /api/10
--- more_headers eval
"Authorization: Bearer $::T{empty_claims}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
--- error_log eval
qr{apisec: JWT refused: \Qtoken is not three base64url segments\E[^\n]*request: "GET /api/10 HTTP}



=== TEST 11: one signature character changed
--- same_nginx
--- skip_eval: 4: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- request
GET /api/11
--- more_headers eval
"Authorization: Bearer $::T{tampered}"
--- error_code: 401
--- response_headers
X-Auth-Result: bad_signature
--- error_log eval
[qr{apisec: JWT split and decoded, a kept header},
 qr{apisec: JWT refused: \Qsignature invalid\E[^\n]*request: "GET /api/11 HTTP}]



=== TEST 12: another good token with the kept header: accepted without a scan
--- same_nginx
--- skip_eval: 4: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- request
GET /api/12
--- more_headers eval
"Authorization: Bearer $::T{hs2}"
--- error_code: 200
--- response_headers
X-Subject: bob
X-Auth-Result: ok
--- no_error_log eval
qr{apisec: JWT refused[^\n]*request: "GET /api/12 HTTP}



=== TEST 13: a header kept in one location ...
--- config
    location /hs {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }

    location /rs {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        apisec_jwt_algorithms RS256;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
--- request
GET /hs/13
--- more_headers eval
"Authorization: Bearer $::T{hs}"
--- error_code: 200
--- response_headers
X-Auth-Result: ok
--- no_error_log eval
qr{apisec: JWT refused[^\n]*request: "GET /hs/13 HTTP}



=== TEST 14: ... is checked against the policy of another: its alg refused there
--- same_nginx
--- skip_eval: 3: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- request
GET /rs/14
--- more_headers eval
"Authorization: Bearer $::T{hs2}"
--- error_code: 401
--- response_headers
X-Auth-Result: bad_alg
--- error_log eval
qr{apisec: JWT refused: \Qalg not in apisec_jwt_algorithms\E[^\n]*request: "GET /rs/14 HTTP}



=== TEST 15: RS256 with the cache: a good token, a miss, its header kept
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        apisec_jwt_cache zone=jwt:1m;
        add_header X-Cache $apisec_jwt_cache_status always;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
--- request
GET /api/15
--- more_headers eval
"Authorization: Bearer $::T{rs}"
--- error_code: 200
--- response_headers
X-Cache: MISS
X-Auth-Result: ok
--- no_error_log eval
qr{apisec: JWT refused[^\n]*request: "GET /api/15 HTTP}



=== TEST 16: "~" in its signature (checked, not decoded, before the cache): refused by the split
--- same_nginx
--- skip_eval: 3: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- request
GET /api/16
--- more_headers eval
"Authorization: Bearer $::T{rs_tilde}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
--- error_log eval
qr{apisec: JWT refused: \Qtoken is not three base64url segments\E[^\n]*request: "GET /api/16 HTTP}



=== TEST 17: a dot in its signature: four segments
--- same_nginx
--- skip_eval: 3: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- request
GET /api/17
--- more_headers eval
"Authorization: Bearer $::T{rs_dot}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
--- error_log eval
qr{apisec: JWT refused: \Qtoken is not three base64url segments\E[^\n]*request: "GET /api/17 HTTP}



=== TEST 18: one character of its signature changed: a miss, verified, refused
--- same_nginx
--- skip_eval: 3: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- request
GET /api/18
--- more_headers eval
"Authorization: Bearer $::T{rs_tampered}"
--- error_code: 401
--- response_headers
X-Auth-Result: bad_signature
--- error_log eval
qr{apisec: JWT refused: \Qsignature invalid\E[^\n]*request: "GET /api/18 HTTP}



=== TEST 19: the good token again: the cache still answers
--- same_nginx
--- skip_eval: 4: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- request
GET /api/19
--- more_headers eval
"Authorization: Bearer $::T{rs}"
--- error_code: 200
--- response_headers
X-Cache: HIT
X-Auth-Result: ok
--- no_error_log eval
qr{apisec: JWT refused[^\n]*request: "GET /api/19 HTTP}
