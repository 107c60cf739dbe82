# The verified-token cache (apisec_jwt_cache): a token seen before skips
# its signature verification, never its claims; entries end at the token's
# "exp" at the latest; the zone evicts the least recently used entries; a
# reload with other keys never reuses a verdict of the old ones.
# $apisec_jwt_cache_status (HIT/MISS) shows what the cache did.

use lib 't/lib';
use Test::Apisec 'no_plan';
use ApisecJwt;
use ApisecLimit;
use MIME::Base64 ();

# --- final_error_log (TEST 11)
add_response_body_check(\&ApisecLimit::check_final_log);

my $D = $DATA;
my @rs = ('--alg', 'RS256', '--key', "$D/rsa.key", '--kid', 'rsa1');
my @ok = ('--claims', '{"sub":"alice"}', '--exp', 600);

our %T = (
    rs          => mint(@rs, @ok),
    rs_nokid    => mint('--alg', 'RS256', '--key', "$D/rsa.key", @ok),
    es          => mint('--alg', 'ES256', '--key', "$D/ec256.key",
                        '--kid', 'ec256', @ok),
    hs          => mint('--alg', 'HS256', '--key', "$D/hs.jwk",
                        '--kid', 'hs1', @ok),
    iss_a       => mint(@rs, '--claims', '{"sub":"alice","iss":"https://a"}',
                        '--exp', 600),
    noexp       => mint(@rs, '--claims', '{"sub":"alice"}'),
    hs_noexp    => mint('--alg', 'HS256', '--key', "$D/hs.jwk",
                        '--kid', 'hs1', '--claims', '{"sub":"alice"}'),
);

# tampering: one signature character replaced (still canonical base64url),
# or the claims of another token under this token's signature
sub tamper_sig {
    my ($t) = @_;
    my $i = length($t) - 10;
    my $c = substr($t, $i, 1);
    substr($t, $i, 1) = $c eq 'A' ? 'B' : 'A';
    return $t;
}

sub swap_claims {
    my ($t, $from) = @_;
    my @a = split /\./, $t;
    my @b = split /\./, $from;
    return join '.', $a[0], $b[1], $a[2];
}

$T{tampered} = tamper_sig($T{rs});
$T{swapped} = swap_claims($T{rs}, $T{iss_a});

# The zone's key is the digest of the header and claims (and the key set)
# only; the entry holds the signature, which must match byte for byte.
# These change the signature alone: one character in its middle (still
# canonical base64url, as long), or its length: its first 4 characters
# dropped (3 bytes less, its end unchanged) or "AAAA" appended (3 bytes
# more, ending in "AA"): still canonical base64url either way.
sub tamper_mid {
    my ($t) = @_;
    my @a = split /\./, $t;
    my $i = int(length($a[2]) / 2);
    my $c = substr($a[2], $i, 1);
    substr($a[2], $i, 1) = $c eq 'A' ? 'B' : 'A';
    return join '.', @a;
}

sub sig_shorter {
    my ($t) = @_;
    my @a = split /\./, $t;
    substr($a[2], 0, 4) = '';
    return join '.', @a;
}

sub sig_longer { my ($t) = @_; return $t . 'AAAA' }

$T{ps} = mint('--alg', 'PS256', '--key', "$D/rsa.key", '--kid', 'rsa1', @ok);
$T{ed} = mint('--alg', 'EdDSA', '--key', "$D/ed25519.key", '--kid', 'ed1',
              @ok);

for my $k (qw(rs ps es ed)) {
    $T{"${k}_mid"} = tamper_mid($T{$k});
    $T{"${k}_short"} = sig_shorter($T{$k});
    $T{"${k}_long"} = sig_longer($T{$k});
}

# two valid ES256 tokens of the same header and claims (ECDSA signs with
# a random nonce): one zone key, two signatures
{
    my $claims = sprintf '{"sub":"alice","exp":%d}', time() + 600;
    my @es = ('--alg', 'ES256', '--key', "$D/ec256.key", '--kid', 'ec256',
              '--claims', $claims);
    $T{es_a} = mint(@es);
    $T{es_b} = mint(@es);
    my @a = split /\./, $T{es_a};
    my @b = split /\./, $T{es_b};
    die "ES256: not the same signing input twice\n"
        unless "$a[0].$a[1]" eq "$b[0].$b[1]" && $a[2] ne $b[2];
}

# many distinct tokens for the eviction blocks
our @FILL = do {
    open(my $fh, '-|', '/usr/bin/python3', "$D/../lib/jwt-mint", @rs,
         '--claims', '{"sub":"fill"}', '--exp', 600, '--count', 600)
        or die "jwt-mint: $!";
    my @t = <$fh>;
    close $fh or die "jwt-mint --count failed\n";
    chomp @t;
    @t;
};

# A, B, then the fill tokens, with A asked for again every $EVERY of them:
# LRU keeps A, and lets B (never asked for again) go.  An RS256 entry
# takes 512 bytes (it holds the signature's text): a 32k zone holds 40 of
# them, so A comes round well before 40 others have been stored.
our $EVERY = 16;

sub lru_sequence {
    my ($touch) = @_;
    my (@tok, @cache);
    push @tok, $T{rs}, $T{es};
    push @cache, 'MISS', 'MISS';
    for my $i (0 .. $#FILL) {
        push @tok, $FILL[$i];
        push @cache, 'MISS';
        if ($touch && $i % $EVERY == $EVERY - 1) {
            push @tok, $T{rs};
            push @cache, 'HIT';
        }
    }
    return (\@tok, \@cache);
}

our ($LRU_TOK, $LRU_CACHE) = lru_sequence(1);
our ($BIG_TOK, $BIG_CACHE) = lru_sequence(0);

# tokens that expire a few seconds from now, minted last (the expiry
# blocks come first)
# long enough to outlive the start of the run up to TEST 1 on a loaded
# machine (the rest of the setup above, Test::Base filters, nginx start),
# and its start under valgrind (make test-valgrind)
our $SHORT_TTL = $ENV{TEST_NGINX_USE_VALGRIND} ? 30 : 10;
$T{short} = mint(@rs, '--claims', '{"sub":"alice"}', '--exp', $SHORT_TTL);
$T{short2} = mint(@rs, '--claims', '{"sub":"bob"}', '--exp', $SHORT_TTL);

# sleeps until a second after the token's own "exp"
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
    # "--- same_nginx": the requests go to the previous block's nginx
    return if defined $block->config || defined $block->same_nginx;
    $block->set_value('config', <<'CONF');
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        apisec_jwt_cache zone=jwt:1m;
        add_header X-Subject $apisec_subject always;
        add_header X-Cache $apisec_jwt_cache_status always;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
CONF
});

log_level('info');
no_shuffle();
run_tests();

__DATA__

=== TEST 1: a token seen before is a hit; identity and claims still set
--- more_headers eval
main::bearer($::T{short}, $::T{short})
--- request eval
["GET /api", "GET /api"]
--- error_code eval
[200, 200]
--- response_headers eval
["X-Cache: MISS\nX-Subject: alice\nX-Auth-Result: ok",
 "X-Cache: HIT\nX-Subject: alice\nX-Auth-Result: ok"]



=== TEST 2: past "exp", the entry is gone and the token refused
--- same_nginx
--- init
main::wait_past_exp($::T{short});
--- more_headers eval
"Authorization: Bearer $::T{short}"
--- error_code: 401
--- response_headers
X-Cache: MISS
X-Auth-Result: expired
--- error_log
apisec: JWT refused: token expired



=== TEST 3: within the leeway past "exp": accepted, but never from the cache
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        apisec_jwt_leeway 60s;
        apisec_jwt_cache zone=jwt:1m;
        add_header X-Cache $apisec_jwt_cache_status always;
        empty_gif;
    }
--- init
main::wait_past_exp($::T{short2});
--- more_headers eval
main::bearer($::T{short2}, $::T{short2})
--- request eval
["GET /api", "GET /api"]
--- error_code eval
[200, 200]
--- response_headers eval
["X-Cache: MISS", "X-Cache: MISS"]



=== TEST 4: the debug log tells a miss (verified) ...
--- log_level: debug
--- more_headers eval
"Authorization: Bearer $::T{rs}"
--- error_code: 200
--- error_log
apisec: JWT cache miss
--- no_error_log
apisec: JWT cache hit



=== TEST 4a: ... from a hit: the signature is not verified again
--- same_nginx
--- more_headers eval
"Authorization: Bearer $::T{rs}"
--- error_code: 200
--- grep_error_log eval
qr/apisec: JWT cache [^\n]*/
--- grep_error_log_out
apisec: JWT cache miss
apisec: JWT cache hit, signature not verified again (worker memo)



=== TEST 5: ES256 tokens are cached too, HS256 ones by the worker's memo
--- more_headers eval
main::bearer($::T{es}, $::T{es}, $::T{hs}, $::T{hs})
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api"]
--- error_code eval
[200, 200, 200, 200]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT", "X-Cache: MISS", "X-Cache: HIT"]



=== TEST 5a: an HS256 token is verified without a zone lookup (cheaper) ...
--- log_level: debug
--- more_headers eval
"Authorization: Bearer $::T{hs}"
--- error_code: 200
--- response_headers
X-Cache: MISS
X-Subject: alice
--- no_error_log
apisec: JWT cache



=== TEST 5b: ... and a memo hit when it comes again
--- same_nginx
--- more_headers eval
"Authorization: Bearer $::T{hs}"
--- error_code: 200
--- response_headers
X-Cache: HIT
--- grep_error_log eval
qr/apisec: JWT cache [^\n]*/
--- grep_error_log_out
apisec: JWT cache hit, signature not verified again (worker memo)



=== TEST 6: a token with one signature character changed never hits
--- more_headers eval
main::bearer($::T{rs}, $::T{tampered}, $::T{tampered}, $::T{rs})
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api"]
--- error_code eval
[200, 401, 401, 200]
--- response_headers eval
["X-Cache: MISS", "X-Cache: MISS\nX-Auth-Result: bad_signature",
 "X-Cache: MISS\nX-Auth-Result: bad_signature", "X-Cache: HIT"]



=== TEST 7: other claims under a cached token's signature never hit
--- more_headers eval
main::bearer($::T{rs}, $::T{swapped})
--- request eval
["GET /api", "GET /api"]
--- error_code eval
[200, 401]
--- response_headers eval
["X-Cache: MISS", "X-Cache: MISS\nX-Auth-Result: bad_signature\n!X-Subject"]



=== TEST 7a: RS256, PS256, ES256, EdDSA tokens verified and cached, then
a reload: new workers, whose memo never saw them
--- skip_eval: 8: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- log_level: debug
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        apisec_jwt_cache zone=jwt:1m;
        add_header X-Subject $apisec_subject always;
        add_header X-Cache $apisec_jwt_cache_status always;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
--- reload_config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        apisec_jwt_cache zone=jwt:1m;
        add_header X-Subject $apisec_subject always;
        add_header X-Cache $apisec_jwt_cache_status always;
        add_header X-Auth-Result $apisec_auth_result always;
        add_header X-Reloaded yes always;
        empty_gif;
    }
--- reload_after: 4
--- more_headers eval
main::bearer($::T{rs}, $::T{ps}, $::T{es}, $::T{ed})
--- request eval
[("GET /api") x 4]
--- error_code eval
[(200) x 4]
--- response_headers eval
[("X-Cache: MISS\nX-Auth-Result: ok\n!X-Reloaded") x 4]



=== TEST 7b: RS256: the zone holds the token, but not this signature: one
character changed in its middle, 4 characters less, 4 more: a miss,
verified, refused
--- skip_eval: 9: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- same_nginx
--- more_headers eval
main::bearer($::T{rs_mid}, $::T{rs_short}, $::T{rs_long})
--- request eval
[("GET /api") x 3]
--- error_code eval
[(401) x 3]
--- response_headers eval
[("X-Cache: MISS\nX-Auth-Result: bad_signature\nX-Reloaded: yes\n"
  . "!X-Subject") x 3]
--- error_log
apisec: JWT refused: signature invalid, kid "rsa1"
--- no_error_log
apisec: JWT cache hit



=== TEST 7c: PS256: the same
--- skip_eval: 9: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- same_nginx
--- more_headers eval
main::bearer($::T{ps_mid}, $::T{ps_short}, $::T{ps_long})
--- request eval
[("GET /api") x 3]
--- error_code eval
[(401) x 3]
--- response_headers eval
[("X-Cache: MISS\nX-Auth-Result: bad_signature\n!X-Subject") x 3]
--- error_log
apisec: JWT refused: signature invalid, kid "rsa1"
--- no_error_log
apisec: JWT cache hit



=== TEST 7d: ES256: the same
--- skip_eval: 9: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- same_nginx
--- more_headers eval
main::bearer($::T{es_mid}, $::T{es_short}, $::T{es_long})
--- request eval
[("GET /api") x 3]
--- error_code eval
[(401) x 3]
--- response_headers eval
[("X-Cache: MISS\nX-Auth-Result: bad_signature\n!X-Subject") x 3]
--- error_log
apisec: JWT refused: signature invalid, kid "ec256"
--- no_error_log
apisec: JWT cache hit



=== TEST 7e: EdDSA: the same
--- skip_eval: 9: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- same_nginx
--- more_headers eval
main::bearer($::T{ed_mid}, $::T{ed_short}, $::T{ed_long})
--- request eval
[("GET /api") x 3]
--- error_code eval
[(401) x 3]
--- response_headers eval
[("X-Cache: MISS\nX-Auth-Result: bad_signature\n!X-Subject") x 3]
--- error_log
apisec: JWT refused: signature invalid, kid "ed1"
--- no_error_log
apisec: JWT cache hit



=== TEST 7f: the tokens themselves still hit, in the zone (not the worker
memo): their entries kept the verified signatures
--- skip_eval: 12: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- same_nginx
--- more_headers eval
main::bearer($::T{rs}, $::T{ps}, $::T{es}, $::T{ed})
--- request eval
[("GET /api") x 4]
--- error_code eval
[(200) x 4]
--- response_headers eval
[("X-Cache: HIT\nX-Auth-Result: ok\nX-Subject: alice") x 4]
--- error_log
apisec: JWT cache hit, signature not verified again
--- no_error_log
(worker memo)



=== TEST 7g: two valid signatures of the same header and claims: the one
verified last replaces the other in the zone
--- skip_eval: 4: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        apisec_jwt_cache zone=jwt:1m;
        add_header X-Cache $apisec_jwt_cache_status always;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
--- reload_config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        apisec_jwt_cache zone=jwt:1m;
        add_header X-Cache $apisec_jwt_cache_status always;
        add_header X-Auth-Result $apisec_auth_result always;
        add_header X-Reloaded yes always;
        empty_gif;
    }
--- reload_after: 2
--- more_headers eval
main::bearer($::T{es_a}, $::T{es_b}, $::T{es_b}, $::T{es_a})
--- request eval
[("GET /api") x 4]
--- error_code eval
[200, 200, 200, 200]
--- response_headers eval
["X-Cache: MISS\nX-Auth-Result: ok", "X-Cache: MISS\nX-Auth-Result: ok",
 "X-Cache: HIT\nX-Reloaded: yes", "X-Cache: MISS\nX-Reloaded: yes"]



=== TEST 8: a hit still has its claims checked: another location's issuer
--- config
    location /a {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        apisec_jwt_issuer https://a;
        apisec_jwt_cache zone=jwt:1m;
        add_header X-Cache $apisec_jwt_cache_status always;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
    location /b {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        apisec_jwt_issuer https://b;
        apisec_jwt_cache zone=jwt;
        add_header X-Cache $apisec_jwt_cache_status always;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
--- more_headers eval
main::bearer($::T{iss_a}, $::T{iss_a})
--- request eval
["GET /a", "GET /b"]
--- error_code eval
[200, 401]
--- response_headers eval
["X-Cache: MISS\nX-Auth-Result: ok",
 "X-Cache: HIT\nX-Auth-Result: bad_issuer"]



=== TEST 9: valid= bounds an entry's life (token without exp), and a memo's
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        apisec_jwt_cache zone=jwt:1m valid=3s;
        add_header X-Cache $apisec_jwt_cache_status always;
        empty_gif;
    }
--- more_headers eval
main::bearer($::T{noexp}, $::T{noexp}, $::T{hs_noexp}, $::T{hs_noexp})
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api"]
--- error_code eval
[200, 200, 200, 200]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT", "X-Cache: MISS", "X-Cache: HIT"]



=== TEST 10: ... and after valid=, the token is verified again
--- same_nginx
--- init
sleep 4;
--- more_headers eval
main::bearer($::T{noexp}, $::T{noexp}, $::T{hs_noexp}, $::T{hs_noexp})
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api"]
--- error_code eval
[200, 200, 200, 200]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT", "X-Cache: MISS", "X-Cache: HIT"]



=== TEST 11: a small zone evicts the least recently used token, and says so
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        apisec_jwt_cache zone=small:32k;
        add_header X-Cache $apisec_jwt_cache_status always;
        empty_gif;
    }
--- more_headers eval
main::bearer(@$::LRU_TOK, $::T{rs}, $::T{es})
--- request eval
[("GET /api") x (@$::LRU_TOK + 2)]
--- error_code eval
[(200) x (@$::LRU_TOK + 2)]
--- response_headers eval
[(map { "X-Cache: $_" } @$::LRU_CACHE), "X-Cache: HIT", "X-Cache: MISS"]
--- final_error_log eval
qr/\[warn\] .*zone is full, \d+ least recently used entries evicted \(\d+ in all\) in apisec_jwt_cache "small"/
--- no_error_log
[alert]
[crit]



=== TEST 12: the size is configurable: a larger zone keeps them all
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        apisec_jwt_cache zone=big:1m;
        add_header X-Cache $apisec_jwt_cache_status always;
        empty_gif;
    }
--- more_headers eval
main::bearer(@$::BIG_TOK, $::T{rs}, $::T{es})
--- request eval
[("GET /api") x (@$::BIG_TOK + 2)]
--- error_code eval
[(200) x (@$::BIG_TOK + 2)]
--- response_headers eval
[(map { "X-Cache: $_" } @$::BIG_CACHE), "X-Cache: HIT", "X-Cache: HIT"]



=== TEST 13: a reload keeps the zone: the token is still a hit
--- skip_eval: 4: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa.pub;
        apisec_jwt_cache zone=jwt:1m;
        add_header X-Cache $apisec_jwt_cache_status always;
        empty_gif;
    }
--- reload_config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa.pub;
        apisec_jwt_cache zone=jwt:1m;
        add_header X-Cache $apisec_jwt_cache_status always;
        add_header X-Reloaded yes always;
        empty_gif;
    }
--- reload_after: 1
--- more_headers eval
main::bearer($::T{rs_nokid}, $::T{rs_nokid})
--- request eval
["GET /api", "GET /api"]
--- error_code eval
[200, 200]
--- response_headers eval
["X-Cache: MISS\n!X-Reloaded", "X-Cache: HIT\nX-Reloaded: yes"]



=== TEST 14: a reload with a rotated key never reuses the old verdict
--- skip_eval: 4: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa.pub;
        apisec_jwt_cache zone=jwt:1m;
        add_header X-Cache $apisec_jwt_cache_status always;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
--- reload_config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa2.pub;
        apisec_jwt_cache zone=jwt:1m;
        add_header X-Cache $apisec_jwt_cache_status always;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
--- reload_after: 2
--- more_headers eval
main::bearer(($::T{rs_nokid}) x 3)
--- request eval
["GET /api", "GET /api", "GET /api"]
--- error_code eval
[200, 200, 401]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT", "X-Cache: MISS\nX-Auth-Result: bad_signature"]



=== TEST 15: old and new keys side by side: verified again, then a hit
--- skip_eval: 4: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa.pub;
        apisec_jwt_cache zone=jwt:1m;
        add_header X-Cache $apisec_jwt_cache_status always;
        empty_gif;
    }
--- reload_config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa2.pub;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa.pub;
        apisec_jwt_cache zone=jwt:1m;
        add_header X-Cache $apisec_jwt_cache_status always;
        empty_gif;
    }
--- reload_after: 2
--- more_headers eval
main::bearer(($::T{rs_nokid}) x 4)
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api"]
--- error_code eval
[200, 200, 200, 200]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT", "X-Cache: MISS", "X-Cache: HIT"]



=== TEST 16: "off" at a lower level cancels an inherited cache
--- config
    apisec_jwt_cache zone=jwt:1m;
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
        apisec_jwt_cache off;
        add_header X-Cache $apisec_jwt_cache_status always;
        add_header X-Auth-Result $apisec_auth_result always;
        empty_gif;
    }
--- more_headers eval
main::bearer($::T{rs}, $::T{rs})
--- request eval
["GET /api", "GET /api"]
--- error_code eval
[200, 200]
--- response_headers eval
["!X-Cache\nX-Auth-Result: ok", "!X-Cache\nX-Auth-Result: ok"]



=== TEST 17: inherited from server level, shared by locations
--- config
    apisec_jwt_cache zone=jwt:1m;
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
    add_header X-Cache $apisec_jwt_cache_status always;
    location /a { empty_gif; }
    location /b { empty_gif; }
--- more_headers eval
main::bearer($::T{rs}, $::T{rs})
--- request eval
["GET /a", "GET /b"]
--- error_code eval
[200, 200]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT"]



=== TEST 18: a refused token is not cached, and a malformed one not looked up
--- more_headers eval
main::bearer($::T{tampered}, "abc.def")
--- request eval
["GET /api", "GET /api"]
--- error_code eval
[401, 401]
--- response_headers eval
["X-Cache: MISS", "!X-Cache\nX-Auth-Result: malformed"]



=== TEST 19: no "zone" parameter
--- config
    apisec_jwt_cache valid=10s;
--- must_die
--- error_log eval
qr/\[emerg\] .*"apisec_jwt_cache" must have "zone" parameter in \S+nginx\.conf:\d+/



=== TEST 20: a zone under 8 pages
--- config
    apisec_jwt_cache zone=jwt:16k;
--- must_die
--- error_log eval
qr/\[emerg\] .*zone "zone=jwt:16k" is too small in \S+nginx\.conf:\d+/



=== TEST 21: a malformed size
--- config
    apisec_jwt_cache zone=jwt:lots;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid zone size "zone=jwt:lots" in \S+nginx\.conf:\d+/



=== TEST 22: an empty zone name
--- config
    apisec_jwt_cache zone=:1m;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid zone name "zone=:1m" in \S+nginx\.conf:\d+/



=== TEST 23: an unknown parameter
--- config
    apisec_jwt_cache zone=jwt:1m ttl=10s;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "ttl=10s" in \S+nginx\.conf:\d+/



=== TEST 24: valid=0 is refused
--- config
    location /a { apisec_jwt_cache zone=jwt:1m valid=0s; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid time "valid=0s" in \S+nginx\.conf:\d+/



=== TEST 25: a malformed valid=
--- config
    apisec_jwt_cache zone=jwt:1m valid=soon;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid time "valid=soon" in \S+nginx\.conf:\d+/



=== TEST 26: twice at one level
--- config
    apisec_jwt_cache zone=jwt:1m;
    apisec_jwt_cache off;
--- must_die
--- error_log eval
qr/\[emerg\] .*"apisec_jwt_cache" directive is duplicate in \S+nginx\.conf:\d+/



=== TEST 27: "off" takes no parameters
--- config
    apisec_jwt_cache off valid=1s;
--- must_die
--- error_log eval
qr/\[emerg\] .*"apisec_jwt_cache" directive takes no parameters with "off" in \S+nginx\.conf:\d+/



=== TEST 28: one zone with two valid= values
--- config
    location /a { apisec_jwt_cache zone=jwt:1m valid=10s; }
    location /b { apisec_jwt_cache zone=jwt valid=20s; }
--- must_die
--- error_log eval
qr/\[emerg\] .*zone "jwt" is already used with another "valid=" in \S+nginx\.conf:\d+/



=== TEST 29: a zone name used by a rate limit zone
--- http_config
    apisec_limit_zone $binary_remote_addr zone=jwt:1m rate=10r/s;
--- config
    apisec_jwt_cache zone=jwt:1m;
--- must_die
--- error_log eval
qr/\[emerg\] .*jwt/



=== TEST 30: a zone named but never sized
--- config
    apisec_jwt_cache zone=nosize;
--- must_die
--- error_log eval
qr/\[emerg\] .*zero size shared memory zone "nosize"/



=== TEST 31: too many parameters
--- config
    apisec_jwt_cache zone=jwt:1m valid=1s extra;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid number of arguments in "apisec_jwt_cache" directive in \S+nginx\.conf:\d+/



=== TEST 32: a reload that turns the zone into an introspection cache fails
Both caches are zones of the module: same name, same size, nginx offers the
old zone to the new directive.  Its nodes have another layout, so the
reload is refused and the running configuration keeps serving.
--- skip_eval: 3: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa.pub;
        apisec_jwt_cache zone=shared:1m;
        add_header X-Cache $apisec_jwt_cache_status always;
        empty_gif;
    }
--- reload_http_config
    apisec_introspect_cache zone=shared:1m;
--- reload_config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa.pub;
        empty_gif;
    }
--- reload_fails
--- reload_after: 0
--- more_headers eval
"Authorization: Bearer $::T{rs_nokid}"
--- request
GET /api
--- error_code: 200
--- response_headers
X-Cache: MISS
--- error_log eval
qr/\[emerg\] .*apisec_introspect_cache "shared" uses the zone while previously apisec_jwt_cache used it/
