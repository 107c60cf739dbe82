# The worker's memo of verified tokens: a token presented again, byte for
# byte, to a location whose key set verified it reuses the verdict (HMAC
# always, other algorithms with apisec_jwt_cache); alg, typ, exp, nbf, iss
# and aud are still checked on every request; another token, however
# alike, another key set, or a reload never reuses it.  The debug log line
# "(worker memo)" tells a reused verdict.

use lib 't/lib';
use Test::Apisec 'no_plan';
use ApisecJwt;
use MIME::Base64 ();

my $D = $DATA;
my @ok = ('--claims', '{"sub":"alice"}', '--exp', 600);

our %T = (
    hs    => mint('--alg', 'HS256', '--key', "$D/hs.jwk", @ok),
    rs    => mint('--alg', 'RS256', '--key', "$D/rsa.key", '--kid', 'rsa1',
                  @ok),
);

# same length, same prefix: one signature character changed; one dropped;
# one added
sub tamper_sig {
    my ($t) = @_;
    my $i = length($t) - 10;
    my $c = substr($t, $i, 1);
    substr($t, $i, 1) = $c eq 'A' ? 'B' : 'A';
    return $t;
}

$T{tampered} = tamper_sig($T{hs});
$T{shorter} = substr($T{hs}, 0, length($T{hs}) - 1);
$T{longer} = $T{hs} . 'A';

# tokens that expire a few seconds from now: more under the sanitizers and valgrind, where the blocks
# before the ones that use them take longer
our $SHORT_TTL = $ENV{TEST_NGINX_USE_VALGRIND} ? 30 : $ENV{ASAN_OPTIONS} ? 20 : 10;
$T{hs_short} = mint('--alg', 'HS256', '--key', "$D/hs.jwk",
                    '--claims', '{"sub":"alice"}', '--exp', $SHORT_TTL);
$T{rs_short} = mint('--alg', 'RS256', '--key', "$D/rsa.key", '--kid', 'rsa1',
                    '--claims', '{"sub":"alice"}', '--exp', $SHORT_TTL);

sub wait_past_exp {
    my ($t) = @_;
    my $claims = MIME::Base64::decode_base64url((split /\./, $t)[1]);
    my ($exp) = $claims =~ /"exp":\s*(\d+)/ or die "no exp in $claims";
    my $wait = $exp + 1 - time();
    sleep $wait if $wait > 0;
}

sub bearer { [map { "Authorization: Bearer $_" } @_] }

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value('request', "GET /api\n") unless defined $block->request;
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

=== TEST 1: HS256 without apisec_jwt_cache: verified at first ...
--- more_headers eval
"Authorization: Bearer $::T{hs}"
--- error_code: 200
--- response_headers
X-Subject: alice
X-Auth-Result: ok
--- no_error_log
(worker memo)



=== TEST 1a: ... then the verdict is reused, the claims checked
--- same_nginx
--- more_headers eval
main::bearer($::T{hs}, $::T{hs})
--- request eval
["GET /api", "GET /api"]
--- error_code eval
[200, 200]
--- response_headers eval
["X-Subject: alice\nX-Auth-Result: ok", "X-Subject: alice\nX-Auth-Result: ok"]
--- grep_error_log eval
qr/apisec: JWT [a-z ]+, signature not verified again[^\n]*/
--- grep_error_log_out
apisec: JWT verdict reused, signature not verified again (worker memo)



=== TEST 2: RS256 without apisec_jwt_cache: verified on every request
--- more_headers eval
main::bearer($::T{rs}, $::T{rs}, $::T{rs})
--- request eval
["GET /api", "GET /api", "GET /api"]
--- error_code eval
[200, 200, 200]
--- response_headers eval
["X-Subject: alice", "X-Subject: alice", "X-Subject: alice"]
--- no_error_log
(worker memo)



=== TEST 3: RS256 with apisec_jwt_cache: a miss ...
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        apisec_jwt_cache zone=jwt:1m;
        add_header X-Cache $apisec_jwt_cache_status always;
        add_header X-Subject $apisec_subject always;
        empty_gif;
    }
--- more_headers eval
"Authorization: Bearer $::T{rs}"
--- error_code: 200
--- response_headers
X-Cache: MISS
X-Subject: alice
--- no_error_log
(worker memo)



=== TEST 3a: ... then the memo answers the hits
--- same_nginx
--- more_headers eval
"Authorization: Bearer $::T{rs}"
--- error_code: 200
--- response_headers
X-Cache: HIT
X-Subject: alice
--- grep_error_log eval
qr/apisec: JWT cache [^\n]*/
--- grep_error_log_out
apisec: JWT cache miss
apisec: JWT cache hit, signature not verified again (worker memo)



=== TEST 4: a token remembered ...
--- more_headers eval
"Authorization: Bearer $::T{hs}"
--- error_code: 200



=== TEST 4a: ... tokens alike (same prefix) never reuse its verdict ...
--- same_nginx
--- more_headers eval
main::bearer($::T{tampered}, $::T{shorter}, $::T{longer})
--- request eval
[("GET /api") x 3]
--- error_code eval
[401, 401, 401]
--- response_headers eval
["X-Auth-Result: bad_signature\n!X-Subject", "!X-Subject",
 "X-Auth-Result: bad_signature\n!X-Subject"]
--- no_error_log
(worker memo)



=== TEST 4b: ... which the token itself still does
--- same_nginx
--- more_headers eval
"Authorization: Bearer $::T{hs}"
--- error_code: 200
--- response_headers
X-Auth-Result: ok
--- error_log
(worker memo)



=== TEST 5: short-lived tokens, HS256 and RS256 with the cache: verified ...
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
        apisec_jwt_cache zone=jwt:1m;
        add_header X-Cache $apisec_jwt_cache_status always;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
--- more_headers eval
main::bearer($::T{hs_short}, $::T{rs_short})
--- request eval
["GET /api", "GET /cached"]
--- error_code eval
[200, 200]
--- response_headers eval
["X-Auth-Result: ok", "X-Cache: MISS\nX-Auth-Result: ok"]
--- no_error_log
(worker memo)



=== TEST 5a: ... remembered until their "exp" ...
--- same_nginx
--- more_headers eval
main::bearer($::T{hs_short}, $::T{rs_short})
--- request eval
["GET /api", "GET /cached"]
--- error_code eval
[200, 200]
--- response_headers eval
["X-Auth-Result: ok", "X-Cache: HIT\nX-Auth-Result: ok"]
--- error_log
(worker memo)



=== TEST 5b: ... and refused past it, never from the memo (HS256) ...
--- same_nginx
--- init
main::wait_past_exp($::T{hs_short});
main::wait_past_exp($::T{rs_short});
--- more_headers eval
"Authorization: Bearer $::T{hs_short}"
--- error_code: 401
--- response_headers
X-Auth-Result: expired
--- grep_error_log eval
qr/apisec: JWT (?:refused: [a-z ]+|[a-z ]+, signature not verified again \(worker memo\))/
--- grep_error_log_out
apisec: JWT verdict reused, signature not verified again (worker memo)
apisec: JWT cache hit, signature not verified again (worker memo)
apisec: JWT refused: token expired



=== TEST 5c: ... (RS256 with the cache)
--- same_nginx
--- more_headers eval
"Authorization: Bearer $::T{rs_short}"
--- request
GET /cached
--- error_code: 401
--- response_headers
X-Cache: MISS
X-Auth-Result: expired
--- grep_error_log eval
qr/apisec: JWT (?:refused: [a-z ]+|[a-z ]+, signature not verified again \(worker memo\))/
--- grep_error_log_out
apisec: JWT verdict reused, signature not verified again (worker memo)
apisec: JWT cache hit, signature not verified again (worker memo)
apisec: JWT refused: token expired
apisec: JWT refused: token expired



=== TEST 6: a verdict is bound to the key set: remembered at /a, refused by /b,
--- config
    location /a {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
    location /b {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs256.jwk;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
    location /c {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs-4th.jwks;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
--- more_headers eval
main::bearer(($::T{hs}) x 5)
--- request eval
["GET /a", "GET /a", "GET /b", "GET /c", "GET /a"]
--- error_code eval
[200, 200, 401, 200, 200]
--- response_headers eval
["X-Auth-Result: ok", "X-Auth-Result: ok", "X-Auth-Result: bad_signature",
 "X-Auth-Result: ok", "X-Auth-Result: ok"]



=== TEST 6a: ... verified by /c, then again by /a, where it is reused anew
--- same_nginx
--- more_headers eval
"Authorization: Bearer $::T{hs}"
--- request
GET /a
--- error_code: 200
--- grep_error_log eval
qr/apisec: JWT (?:refused: [a-z ]+|[a-z ]+, signature not verified again \(worker memo\))/
--- grep_error_log_out
apisec: JWT verdict reused, signature not verified again (worker memo)
apisec: JWT refused: signature invalid
apisec: JWT verdict reused, signature not verified again (worker memo)



=== TEST 7: a remembered token still meets each location's alg and typ
--- config
    location /a {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
    location /b {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_jwt_algorithms HS512;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
    location /c {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_jwt_type at+jwt;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
    location /d {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_jwt_issuer https://a;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
--- more_headers eval
main::bearer(($::T{hs}) x 5)
--- request eval
["GET /a", "GET /a", "GET /b", "GET /c", "GET /d"]
--- error_code eval
[200, 200, 401, 401, 401]
--- response_headers eval
["X-Auth-Result: ok", "X-Auth-Result: ok", "X-Auth-Result: bad_alg",
 "X-Auth-Result: bad_type", "X-Auth-Result: bad_issuer"]



=== TEST 8: a reload without the key refuses a token remembered before
--- skip_eval: 3: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
--- reload_config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs256.jwk;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
--- reload_after: 2
--- more_headers eval
main::bearer(($::T{hs}) x 3)
--- request eval
["GET /api", "GET /api", "GET /api"]
--- error_code eval
[200, 200, 401]
--- response_headers eval
["X-Auth-Result: ok", "X-Auth-Result: ok", "X-Auth-Result: bad_signature"]
