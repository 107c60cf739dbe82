# apisec_jwt_key_request, apisec_jwt_key_cache: keys fetched from a mock
# identity provider (t/lib/mock-idp, started on loopback for this file)
# through a subrequest, kept per worker, rotated, refused when bad.

use lib 't/lib';
use Test::Apisec 'no_plan';
use ApisecJwt;
use ApisecIdp;
use MIME::Base64 qw(encode_base64url);
use Digest::SHA qw(sha256);
use JSON::PP ();

our %T = (
    a => mint(qw(--alg RS256 --key), "$DATA/rsa.key",
              qw(--kid ka --exp 3600 --claims), '{"sub":"alice"}'),
    b => mint(qw(--alg RS256 --key), "$DATA/rsa2.key",
              qw(--kid kb --exp 3600 --claims), '{"sub":"bob"}'),
    forged => mint(qw(--alg RS256 --key), "$DATA/rsa2.key",
                   qw(--kid ka --exp 3600 --claims), '{"sub":"mallory"}'),
    file => mint(qw(--alg RS256 --key), "$DATA/rsa2.key",
                 qw(--kid rsa2 --exp 3600 --claims), '{"sub":"carol"}'),
    confused => mint(qw(--alg HS256 --hmac-key-file), "$DATA/rsa.jwk",
                     qw(--kid ka --exp 3600 --claims), '{"sub":"mallory"}'),
    hs => mint(qw(--alg HS256 --key), "$DATA/hs.jwk",
               qw(--kid hs1 --exp 3600 --claims), '{"sub":"mallory"}'),
    e1 => forge_e1('e1'),
);

# RS256 for a 2048-bit key with e = 1: s^1 mod n = s, so the "signature" is
# the PKCS#1 v1.5 encoding of the digest itself, no private key needed
sub forge_e1 {
    my ($kid) = @_;
    my $in = encode_base64url(qq({"alg":"RS256","typ":"JWT","kid":"$kid"}))
             . '.' . encode_base64url('{"sub":"mallory","exp":'
                                      . (time + 3600) . '}');
    my $t = pack('H*', '3031300d060960864801650304020105000420')
            . sha256($in);
    return "$in." . encode_base64url("\x00\x01" . "\xff" x (256 - 3 - length $t)
                                     . "\x00" . $t);
}

# the HMAC secret of hs.jwk, served in a JWKS: never in a log
our $hs_k = do {
    open my $f, '<', "$DATA/hs.jwk" or die "hs.jwk: $!";
    local $/;
    JSON::PP::decode_json(<$f>)->{k};
};

# the same token under made-up kids: an unknown kid is found before any
# signature is verified
sub with_kid {
    my ($token, $kid) = @_;
    my (undef, $claims, $sig) = split /\./, $token;
    return encode_base64url(qq({"alg":"RS256","typ":"JWT","kid":"$kid"}))
           . ".$claims.$sig";
}

# two providers, one kid "k1", their own keys: A signs with rsa.key, B
# with rsa2.key
for my $who (['a', 'rsa'], ['b', 'rsa2']) {
    for my $iss ('a', 'b', 'c') {
        $T{"iss${iss}_by$who->[0]"} = mint(qw(--alg RS256 --key),
            "$DATA/$who->[1].key", qw(--kid k1 --exp 3600 --claims),
            qq({"sub":"alice","iss":"https://$iss.example"}));
    }
}

$ENV{"TEST_NGINX_TOKEN_\U$_"} = $T{$_} for keys %T;
$ENV{TEST_NGINX_TOKEN_R0} = with_kid($T{a}, 'r0');

our @flood = map { with_kid($T{a}, "rand$_") } 1 .. 20;

# The stanzas most blocks share, which these sections add at the end of the
# block's --- config (and of its --- reload_config, if any), in this order:
#
#   --- idp_jwks[: ?query]   location = /_jwks: the key request location,
#                            internal, proxied to the mock IdP's /jwks (with
#                            the query, if given)
#   --- idp_jwks_extra: ...  one more directive line in /_jwks
#   --- idp_ctl              location /ctl/: the mock IdP's control URIs
#                            (/ctl/jwks?keys=..., /ctl/count, /ctl/sleep...)
#   --- fan_out              location = /fan: an SSI page whose 50 includes
#                            of /self/api?i=N run at once, and location
#                            /self/: back to this server; fan.html is added
#                            to the block's --- user_files eval
#
# A block without these sections states its whole configuration itself.
our %IDP = (
    ctl => <<'CONF',
    location /ctl/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT;
    }
CONF
    fan_out => <<'CONF',
    location = /fan {
        ssi on;
        ssi_types *;
        alias $TEST_NGINX_HTML_DIR/fan.html;
    }
    location /self/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/;
    }
CONF
);

add_block_preprocessor(sub {
    my $block = shift;
    my $add = '';

    if (defined(my $query = $block->idp_jwks)) {
        my $extra = $block->idp_jwks_extra // '';
        s/^\s+|\s+$//g for $query, $extra;
        $add .= "    location = /_jwks {\n"
              . "        internal;\n"
              . ($extra eq '' ? '' : "        $extra\n")
              . "        proxy_pass http://127.0.0.1:\$TEST_NGINX_IDP_PORT"
              . "/jwks$query;\n"
              . "    }\n";
    }
    $add .= $IDP{ctl} if defined $block->idp_ctl;
    if (defined $block->fan_out) {
        $add .= $IDP{fan_out};
        my $files = $block->user_files // [];
        die $block->name . ": --- fan_out needs --- user_files eval\n"
            unless ref $files eq 'ARRAY';
        unshift @$files, ["fan.html", join("", map {
            "<!--# include virtual=\"/self/api?i=$_\" -->" } 1 .. 50)];
        $block->set_value('user_files', $files);
    }
    return if $add eq '';

    for my $section (qw(config reload_config)) {
        my $conf = $block->$section;
        next unless defined $conf;
        $conf .= "\n" unless $conf =~ /\n\z/;
        $block->set_value($section, $conf . $add);
    }
});

worker_connections(1024);
log_level('info');
no_shuffle();
run_tests();

__DATA__

=== TEST 1: keys are fetched on first need, once, and verify tokens
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        add_header X-Sub $apisec_subject always;
        empty_gif;
    }
--- idp_jwks
--- idp_ctl
--- request eval
["GET /ctl/jwks?keys=rsa.jwk:ka", "GET /api", "GET /api", "GET /api",
 "GET /api", "GET /ctl/count?what=jwks"]
--- more_headers eval
["", "Authorization: Bearer $::T{a}", "Authorization: Bearer $::T{a}",
 "Authorization: Bearer $::T{forged}", "Authorization: Bearer $::T{confused}",
 ""]
--- error_code eval
[200, 200, 200, 401, 401, 200]
--- response_headers eval
["", "X-Sub: alice", "X-Sub: alice", "X-Sub:", "X-Sub:", ""]
--- response_body_like eval
["ok", "", "", "", "", "^1\$"]



=== TEST 2: the fetch logs how many keys came (continued)
--- request
GET /ctl/last?what=jwks
--- response_body_like eval
qr/"authorization": null/
--- error_log
apisec: 1 keys fetched from "/_jwks"



=== TEST 3: the subrequest carries none of the client's headers
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        empty_gif;
    }
--- idp_jwks
--- idp_ctl
--- request eval
["GET /ctl/jwks?keys=rsa.jwk:ka", "GET /api", "GET /ctl/last?what=jwks"]
--- more_headers eval
["", "Authorization: Bearer $::T{a}\nCookie: session=secret", ""]
--- error_code eval
[200, 200, 200]
--- response_body_like eval
["ok", "", qr/"accept": "application\/json", "authorization": null, "cookie": null/]



=== TEST 4: a key request location under "apisec_jwt on" is not itself authenticated
--- config
    apisec_jwt on;
    apisec_jwt_key_request /_jwks;
    location /api {
        empty_gif;
    }
--- idp_jwks: ?keys=rsa.jwk:ka&mode=ok
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{a}"
--- error_code: 200



=== TEST 5: rotation on expiry: the new kid verifies, the old one is gone
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        apisec_jwt_key_cache 1s;
        empty_gif;
    }
--- idp_jwks
--- idp_ctl
--- request eval
["GET /ctl/jwks?keys=rsa.jwk:ka", "GET /api", "GET /api",
 "GET /ctl/jwks?keys=rsa2.jwk:kb", "GET /ctl/sleep?s=1.1",
 "GET /api", "GET /api", "GET /ctl/count?what=jwks"]
--- more_headers eval
["", "Authorization: Bearer $::T{a}", "Authorization: Bearer $::T{b}",
 "", "", "Authorization: Bearer $::T{b}", "Authorization: Bearer $::T{a}", ""]
--- error_code eval
[200, 200, 401, 200, 200, 200, 401, 200]
--- response_body_like eval
["ok", "", "", "ok", "ok", "", "", "^1\$"]



=== TEST 6: rotation before expiry: an unknown kid fetches the keys again early
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        apisec_jwt_key_cache 10m refetch=1s;
        empty_gif;
    }
--- idp_jwks
--- idp_ctl
--- request eval
["GET /ctl/jwks?keys=rsa.jwk:ka", "GET /api",
 "GET /ctl/jwks?keys=rsa2.jwk:kb", "GET /ctl/sleep?s=1.1",
 "GET /api", "GET /api", "GET /ctl/count?what=jwks"]
--- more_headers eval
["", "Authorization: Bearer $::T{a}", "", "",
 "Authorization: Bearer $::T{b}", "Authorization: Bearer $::T{a}", ""]
--- error_code eval
[200, 200, 200, 200, 200, 401, 200]
--- response_body_like eval
["ok", "", "ok", "ok", "", "", "^1\$"]



=== TEST 7: a flood of made-up kids: one early refetch per interval
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        apisec_jwt_key_cache 10m refetch=3s;
        empty_gif;
    }
--- idp_jwks
--- idp_ctl
--- timeout: 6
--- request eval
["GET /ctl/jwks?keys=rsa.jwk:ka", "GET /api", "GET /ctl/sleep?s=3.1",
 (map { "GET /api" } @::flood), "GET /ctl/count?what=jwks",
 "GET /ctl/sleep?s=3.1", "GET /api", "GET /api", "GET /ctl/count?what=jwks"]
--- more_headers eval
["", "Authorization: Bearer $::T{a}", "",
 (map { "Authorization: Bearer $_" } @::flood), "",
 "", "Authorization: Bearer $::flood[0]", "Authorization: Bearer $::flood[1]", ""]
--- error_code eval
[200, 200, 200, (map { 401 } @::flood), 200, 200, 401, 401, 200]
--- response_body_like eval
["ok", "", "ok", (map { "" } @::flood), "^2\$", "ok", "", "", "^3\$"]



=== TEST 8: the provider down and no keys yet: 503, and no new fetch before "retry"
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        apisec_jwt_key_cache 10m retry=10s;
        empty_gif;
    }
--- idp_jwks
--- idp_ctl
--- request eval
["GET /ctl/jwks?keys=rsa.jwk:ka&mode=down", "GET /api", "GET /api",
 "GET /ctl/count?what=jwks"]
--- more_headers eval
["", "Authorization: Bearer $::T{a}", "Authorization: Bearer $::T{a}", ""]
--- error_code eval
[200, 503, 503, 200]
--- response_headers eval
["", "!WWW-Authenticate", "Content-Type: application/problem+json", ""]
--- response_body_like eval
["ok", qr/"status":503/, qr/"status":503/, "^1\$"]



=== TEST 9: why it failed is logged (continued)
--- request
GET /ctl/count?what=jwks
--- error_log
apisec: JWKS subrequest "/_jwks" failed: status is not 200
apisec: JWKS from "/_jwks" failed, no keys yet: requests get 503
apisec: bearer token not checked: no JWKS could be fetched yet



=== TEST 10: after "retry", a provider back up serves keys
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        apisec_jwt_key_cache 10m retry=1s;
        empty_gif;
    }
--- idp_jwks
--- idp_ctl
--- request eval
["GET /ctl/jwks?keys=rsa.jwk:ka&mode=down", "GET /api",
 "GET /ctl/jwks?keys=rsa.jwk:ka", "GET /ctl/sleep?s=1.1", "GET /api"]
--- more_headers eval
["", "Authorization: Bearer $::T{a}", "", "", "Authorization: Bearer $::T{a}"]
--- error_code eval
[200, 503, 200, 200, 200]



=== TEST 11: stale-if-error: a failed refresh keeps the last good keys
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        apisec_jwt_key_cache 1s;
        empty_gif;
    }
--- idp_jwks
--- idp_ctl
--- request eval
["GET /ctl/jwks?keys=rsa.jwk:ka", "GET /api",
 "GET /ctl/jwks?keys=rsa.jwk:ka&mode=down", "GET /ctl/sleep?s=1.1",
 "GET /api", "GET /api", "GET /ctl/count?what=jwks"]
--- more_headers eval
["", "Authorization: Bearer $::T{a}", "", "",
 "Authorization: Bearer $::T{a}", "Authorization: Bearer $::T{a}", ""]
--- error_code eval
[200, 200, 200, 200, 200, 200, 200]
--- response_body_like eval
["ok", "", "ok", "ok", "", "", "^1\$"]



=== TEST 12: the failed refresh is logged (continued)
--- request
GET /ctl/count?what=jwks
--- error_log
apisec: JWKS refresh from "/_jwks" failed, the last 1 keys serve on



=== TEST 13: a slow provider: proxy_read_timeout ends the wait with 503
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        empty_gif;
    }
--- idp_jwks: ?mode=slow
--- idp_jwks_extra: proxy_read_timeout 300ms;
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{a}"
--- error_code: 503
--- error_log
upstream timed out
apisec: JWKS subrequest "/_jwks" failed: timed out



=== TEST 14: a compressed answer is refused
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        empty_gif;
    }
--- idp_jwks: ?mode=gzip
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{a}"
--- error_code: 503
--- error_log
apisec: JWKS subrequest "/_jwks" failed: compressed answer (Content-Encoding)



=== TEST 15: an answer that is not application/json is refused
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        empty_gif;
    }
--- idp_jwks: ?mode=text
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{a}"
--- error_code: 503
--- error_log
apisec: JWKS subrequest "/_jwks" failed: answer is not application/json



=== TEST 16: an answer labelled JSON that is not JSON is refused
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        empty_gif;
    }
--- idp_jwks: ?mode=html
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{a}"
--- error_code: 503
--- error_log
apisec: JWKS subrequest "/_jwks" failed: answer is not JSON



=== TEST 17: truncated JSON is refused
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        empty_gif;
    }
--- idp_jwks: ?mode=malformed
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{a}"
--- error_code: 503
--- error_log
apisec: JWKS subrequest "/_jwks" failed: answer is not JSON



=== TEST 18: a JSON array is refused
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        empty_gif;
    }
--- idp_jwks: ?mode=array
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{a}"
--- error_code: 503
--- error_log
apisec: JWKS subrequest "/_jwks" failed: answer is not a JSON object



=== TEST 19: a huge answer (1 MiB) is cut at its bound and refused
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        empty_gif;
    }
--- idp_jwks: ?mode=huge
--- idp_jwks_extra: subrequest_output_buffer_size 16k;
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{a}"
--- error_code: 503
--- error_log
apisec: JWKS subrequest "/_jwks" failed: answer too large



=== TEST 20: a provider that closes the connection
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        empty_gif;
    }
--- idp_jwks: ?mode=close
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{a}"
--- error_code: 503
--- error_log
apisec: JWKS subrequest "/_jwks" failed: upstream failed



=== TEST 21: fetched keys obey the key rules: an RSA key under 2048 bits is skipped, a set with no other is refused
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        empty_gif;
    }
--- idp_jwks: ?mode=weak
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{a}"
--- error_code: 503
--- error_log eval
[qr/\[error\] .*apisec: key 1 \(kid "weak"\) of the JWKS from "\/_jwks" skipped: RSA key of 1024 bits, at least 2048 required/,
 qr/\[error\] .*invalid key file "\/_jwks": no signature verification key/,
 'apisec: JWKS from "/_jwks" failed, no keys yet']
--- no_error_log
[emerg]



=== TEST 22: fetched keys obey "use": an encryption key is skipped
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        apisec_jwt_key_cache 10m refetch=1s;
        empty_gif;
    }
--- idp_jwks: ?keys=rsa.jwk:ka,rsa2.jwk:kb:enc&mode=ok
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer $::T{a}", "Authorization: Bearer $::T{b}"]
--- error_code eval
[200, 401]



=== TEST 23: 50 concurrent requests that need the keys: one subrequest
--- user_files eval
[["ok.txt", "ok\n"]]
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        alias $TEST_NGINX_HTML_DIR/ok.txt;
    }
--- idp_jwks
--- idp_ctl
--- fan_out
--- request eval
["GET /ctl/jwks?keys=rsa.jwk:ka&mode=slow&delay=0.5", "GET /fan",
 "GET /ctl/count?what=jwks", "GET /api", "GET /ctl/count?what=jwks"]
--- more_headers eval
["", "Authorization: Bearer $::T{a}", "", "Authorization: Bearer $::T{a}", ""]
--- error_code eval
[200, 200, 200, 200, 200]
--- response_body eval
["ok\n", "ok\n" x 50, "1\n", "ok\n", "1\n"]



=== TEST 24: 50 concurrent requests with an unknown kid: one early refetch
--- user_files eval
[["ok.txt", "ok\n"]]
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        apisec_jwt_key_cache 10m refetch=1s;
        alias $TEST_NGINX_HTML_DIR/ok.txt;
    }
--- idp_jwks
--- idp_ctl
--- fan_out
--- request eval
["GET /ctl/jwks?keys=rsa.jwk:ka", "GET /api",
 "GET /ctl/jwks?keys=rsa2.jwk:kb&mode=slow&delay=0.5", "GET /ctl/sleep?s=1.1",
 "GET /fan", "GET /ctl/count?what=jwks"]
--- more_headers eval
["", "Authorization: Bearer $::T{a}", "", "", "Authorization: Bearer $::T{b}", ""]
--- error_code eval
[200, 200, 200, 200, 200, 200]
--- response_body eval
["ok\n", "ok\n", "ok\n", "ok\n", "ok\n" x 50, "1\n"]



=== TEST 25: keys of apisec_jwt_key_file and fetched keys together
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/rsa2.jwk;
        apisec_jwt_key_request /_jwks;
        empty_gif;
    }
--- idp_jwks: ?keys=rsa.jwk:ka&mode=ok
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer $::T{a}", "Authorization: Bearer $::T{file}"]
--- error_code eval
[200, 200]



=== TEST 26: apisec_jwt_key_request needs a URI of this server
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request https://idp.example/jwks;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid URI "https:\/\/idp.example\/jwks" in "apisec_jwt_key_request": a location of this server is expected, as "\/_jwks" in .*nginx.conf:\d+/



=== TEST 27: apisec_jwt_key_cache with an unknown parameter
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        apisec_jwt_key_cache 10m refresh=1s;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "refresh=1s" in .*nginx.conf:\d+/



=== TEST 28: apisec_jwt_key_cache 0 is refused
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        apisec_jwt_key_cache 0;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid time "0" in "apisec_jwt_key_cache" in .*nginx.conf:\d+/



=== TEST 29: apisec_jwt_key_request off cancels an inherited one
--- config
    apisec_jwt_key_request /_jwks;
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request off;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"apisec_jwt" is on, but no "apisec_jwt_key_file" is set/



=== TEST 30: fetched keys go with the configuration: a reload fetches them again
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        empty_gif;
    }
--- reload_config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        empty_gif;
    }
--- idp_jwks
--- idp_ctl
--- reload_after: 3
--- request eval
["GET /ctl/jwks?keys=rsa.jwk:ka", "GET /api", "GET /api", "GET /api",
 "GET /ctl/count?what=jwks"]
--- more_headers eval
["", "Authorization: Bearer $::T{a}", "Authorization: Bearer $::T{a}",
 "Authorization: Bearer $::T{a}", ""]
--- error_code eval
[200, 200, 200, 200, 200]
--- response_body_like eval
["ok", "", "", "", "^2\$"]
--- skip_eval: 10: $Test::Apisec::Backend ne 'Test::Apisec::Runner'



=== TEST 31: with apisec_jwt_cache, a key rotated away takes its cached verifications along
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        apisec_jwt_key_cache 1s;
        apisec_jwt_cache zone=jwt:1m;
        add_header X-Cache $apisec_jwt_cache_status always;
        empty_gif;
    }
--- idp_jwks
--- idp_ctl
--- request eval
["GET /ctl/jwks?keys=rsa.jwk:ka", "GET /api", "GET /api",
 "GET /ctl/jwks?keys=rsa2.jwk:kb", "GET /ctl/sleep?s=1.1", "GET /api"]
--- more_headers eval
["", "Authorization: Bearer $::T{a}", "Authorization: Bearer $::T{a}", "", "",
 "Authorization: Bearer $::T{a}"]
--- error_code eval
[200, 200, 200, 200, 200, 401]
--- response_headers eval
["", "X-Cache: MISS", "X-Cache: HIT", "", "", "X-Cache: MISS"]



=== TEST 32: an answer without a Content-Type is refused
(the jwks fuzz target found the media type check adding 0 to the absent
type's NULL, which clang's UBSan reports; fuzz/corpus/jwks/
crash-no-content-type replays it there, this block checks the behaviour)
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        empty_gif;
    }
--- idp_jwks: ?mode=notype
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{a}"
--- error_code: 503
--- error_log
apisec: JWKS subrequest "/_jwks" failed: answer is not application/json



=== TEST 33: a fetched HMAC secret or RSA key with e = 1 is skipped, the other keys verify
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        add_header X-Sub $apisec_subject always;
        empty_gif;
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/jwks?keys=rsa.jwk:ka,hs.jwk:hs1,bad-weak-rsa-e1.jwk:e1,rsa2.jwk:kb&mode=ok;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer $::T{a}", "Authorization: Bearer $::T{hs}",
 "Authorization: Bearer $::T{e1}", "Authorization: Bearer $::T{b}"]
--- error_code eval
[200, 401, 401, 200]
--- response_headers eval
["X-Sub: alice", "X-Sub:", "X-Sub:", "X-Sub: bob"]
--- no_error_log eval
[$::hs_k, '[emerg]']



=== TEST 34: a token HMAC-signed with the secret of a fetched JWKS: the key was skipped
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        add_header X-Sub $apisec_subject always;
        empty_gif;
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/jwks?keys=rsa.jwk:ka,hs.jwk:hs1,bad-weak-rsa-e1.jwk:e1,rsa2.jwk:kb&mode=ok;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{hs}"
--- error_code: 401
--- error_log eval
[qr/\[error\] .*apisec: key 2 \(kid "hs1"\) of the JWKS from "\/_jwks" skipped: an HMAC secret \("kty":"oct"\) is never taken from a fetched JWKS/,
 qr/\[error\] .*apisec: key 3 \(kid "e1"\) of the JWKS from "\/_jwks" skipped: RSA public exponent 1 is not odd and >= 3/,
 'apisec: 2 keys fetched from "/_jwks"',
 'apisec: JWT refused: no key with the kid, and no key without a kid fits alg, kid "hs1"']
--- no_error_log eval
[$::hs_k, '[emerg]']



=== TEST 35: a token "signed" for a fetched RSA key with e = 1: the key was skipped
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        add_header X-Sub $apisec_subject always;
        empty_gif;
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/jwks?keys=rsa.jwk:ka,hs.jwk:hs1,bad-weak-rsa-e1.jwk:e1,rsa2.jwk:kb&mode=ok;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{e1}"
--- error_code: 401
--- error_log eval
[qr/\[error\] .*apisec: key 3 \(kid "e1"\) of the JWKS from "\/_jwks" skipped: RSA public exponent 1 is not odd and >= 3/,
 'apisec: 2 keys fetched from "/_jwks"',
 'apisec: JWT refused: no key with the kid, and no key without a kid fits alg, kid "e1"']
--- no_error_log eval
[$::hs_k, '[emerg]']



=== TEST 36: a fetched JWKS with only such keys is refused
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        empty_gif;
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/jwks?keys=hs.jwk:hs1,bad-weak-rsa-e1.jwk:e1&mode=ok;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{hs}"
--- error_code: 503
--- error_log eval
[qr/\[error\] .*apisec: key 1 \(kid "hs1"\) of the JWKS from "\/_jwks" skipped: an HMAC secret \("kty":"oct"\) is never taken from a fetched JWKS/,
 qr/\[error\] .*apisec: key 2 \(kid "e1"\) of the JWKS from "\/_jwks" skipped: RSA public exponent 1 is not odd and >= 3/,
 qr/\[error\] .*invalid key file "\/_jwks": no signature verification key/,
 'apisec: JWKS from "/_jwks" failed, no keys yet: requests get 503']
--- no_error_log eval
[$::hs_k, '[emerg]']



=== TEST 37: two providers, one kid: a token of A signed with B's key is refused
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks_a issuer=https://a.example;
        apisec_jwt_key_request /_jwks_b issuer=https://b.example;
        empty_gif;
    }
    location = /_jwks_a {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/jwks?keys=rsa.jwk:k1&mode=ok;
    }
    location = /_jwks_b {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/jwks2?keys=rsa2.jwk:k1&mode=ok;
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer $::T{issa_byb}", "Authorization: Bearer $::T{issb_bya}"]
--- error_code eval
[401, 401]
--- error_log
apisec: JWT refused: signature invalid, kid "k1"



=== TEST 38: two providers, one kid: each provider's key verifies its own tokens
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks_a issuer=https://a.example;
        apisec_jwt_key_request /_jwks_b issuer=https://b.example;
        empty_gif;
    }
    location = /_jwks_a {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/jwks?keys=rsa.jwk:k1&mode=ok;
    }
    location = /_jwks_b {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/jwks2?keys=rsa2.jwk:k1&mode=ok;
    }
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer $::T{issa_bya}", "Authorization: Bearer $::T{issb_byb}",
 "Authorization: Bearer $::T{issa_bya}"]
--- error_code eval
[200, 200, 200]



=== TEST 39: two providers, every key bound: a token of a third issuer is refused, nothing fetched
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks_a issuer=https://a.example;
        apisec_jwt_key_request /_jwks_b issuer=https://b.example;
        empty_gif;
    }
    location = /_jwks_a {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/jwks?keys=rsa.jwk:k1&mode=ok;
    }
    location = /_jwks_b {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/jwks2?keys=rsa2.jwk:k1&mode=ok;
    }
--- idp_ctl
--- request eval
["GET /ctl/reset", "GET /api", "GET /ctl/count?what=jwks"]
--- more_headers eval
["", "Authorization: Bearer $::T{issc_bya}", ""]
--- error_code eval
[200, 401, 200]
--- response_body_like eval
["", "issuer not accepted", "^0\$"]



=== TEST 40: the third issuer's refusal is logged (continued)
--- request
GET /ctl/count?what=jwks
--- response_body_like: ^0$
--- error_log
apisec: JWT refused: no key is bound to the token's issuer, kid "k1"
--- no_error_log
keys fetched from



=== TEST 41: a bound and an unbound key request: the bound issuer's token is verified by its keys only
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks_a issuer=https://a.example;
        apisec_jwt_key_request /_jwks_b;
        empty_gif;
    }
    location = /_jwks_a {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/jwks?keys=rsa.jwk:k1&mode=ok;
    }
    location = /_jwks_b {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/jwks2?keys=rsa2.jwk:k1&mode=ok;
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer $::T{issa_byb}", "Authorization: Bearer $::T{issc_bya}"]
--- error_code eval
[401, 401]
--- error_log
apisec: JWT refused: signature invalid, kid "k1"



=== TEST 42: a bound and an unbound key request: the unbound keys verify the other issuers
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks_a issuer=https://a.example;
        apisec_jwt_key_request /_jwks_b;
        empty_gif;
    }
    location = /_jwks_a {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/jwks?keys=rsa.jwk:k1&mode=ok;
    }
    location = /_jwks_b {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_IDP_PORT/jwks2?keys=rsa2.jwk:k1&mode=ok;
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer $::T{issc_byb}", "Authorization: Bearer $::T{issa_bya}"]
--- error_code eval
[200, 200]



=== TEST 43: the same key request twice fails
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks issuer=https://a.example;
        apisec_jwt_key_request /_jwks issuer=https://b.example;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*duplicate URI "\/_jwks" in "apisec_jwt_key_request" in \S+nginx\.conf:\d+/



=== TEST 44: "issuer=" empty fails
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks issuer=;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid "issuer=": empty in \S+nginx\.conf:\d+/



=== TEST 45: discovery with two key requests fails
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_discovery /_oidc;
        apisec_jwt_key_request /_jwks_a;
        apisec_jwt_key_request /_jwks_b;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"apisec_jwt_discovery" takes one "apisec_jwt_key_request" without "issuer=" \(the document names the issuer\) in \S+nginx\.conf:\d+/



=== TEST 46: rotation: a new kid is fetched once the last fetch is older than min_refetch, not refetch
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        apisec_jwt_key_cache 10m refetch=30s min_refetch=1s;
        empty_gif;
    }
--- idp_jwks
--- idp_ctl
--- request eval
["GET /ctl/jwks?keys=rsa.jwk:ka", "GET /api",
 "GET /ctl/jwks?keys=rsa2.jwk:kb", "GET /ctl/sleep?s=1.1",
 "GET /api", "GET /api", "GET /ctl/count?what=jwks"]
--- more_headers eval
["", "Authorization: Bearer $::T{a}", "", "",
 "Authorization: Bearer $::T{b}", "Authorization: Bearer $::T{b}", ""]
--- error_code eval
[200, 200, 200, 200, 200, 200, 200]
--- response_body_like eval
["ok", "", "ok", "ok", "", "", "^1\$"]



=== TEST 47: rotation: within min_refetch of a fetch, an unknown kid fetches nothing
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        apisec_jwt_key_cache 10m refetch=30s min_refetch=5s;
        empty_gif;
    }
--- idp_jwks
--- idp_ctl
--- request eval
["GET /ctl/jwks?keys=rsa.jwk:ka", "GET /api",
 "GET /ctl/jwks?keys=rsa2.jwk:kb", "GET /ctl/sleep?s=1.1",
 "GET /api", "GET /ctl/count?what=jwks"]
--- more_headers eval
["", "Authorization: Bearer $::T{a}", "", "",
 "Authorization: Bearer $::T{b}", ""]
--- error_code eval
[200, 200, 200, 200, 401, 200]
--- response_body_like eval
["ok", "", "ok", "ok", "unknown key", "^0\$"]



=== TEST 48: the unknown kid is logged (continued)
--- request
GET /ctl/count?what=jwks
--- response_body_like: ^0$
--- error_log
apisec: JWT refused: no key with the kid, and no key without a kid fits alg, kid "kb"
--- no_error_log
JWKS fetched again early



=== TEST 49: keys due: 50 concurrent requests all wait for the refresh, none is judged by the old keys
--- user_files eval
[["ok.txt", "ok\n"]]
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        apisec_jwt_key_cache 1s;
        alias $TEST_NGINX_HTML_DIR/ok.txt;
    }
--- idp_jwks
--- idp_ctl
--- fan_out
--- request eval
["GET /ctl/jwks?keys=rsa.jwk:ka", "GET /api",
 "GET /ctl/jwks?keys=rsa2.jwk:kb&mode=slow&delay=0.5", "GET /ctl/sleep?s=1.1",
 "GET /fan", "GET /ctl/count?what=jwks"]
--- more_headers eval
["", "Authorization: Bearer $::T{a}", "", "", "Authorization: Bearer $::T{a}", ""]
--- error_code eval
[200, 200, 200, 200, 200, 200]
--- response_body_like eval
["ok", "ok", "ok", "ok", qr/\A(?:(?!ok\n).)*\z/s, "^1\$"]



=== TEST 50: the refusals by the new keys are logged (continued)
--- request
GET /ctl/count?what=jwks
--- response_body_like: ^1$
--- error_log
apisec: 1 keys fetched from "/_jwks"
apisec: JWT refused: no key with the kid, and no key without a kid fits alg, kid "ka"



=== TEST 51: keys due and the refresh failing: the 50 waiting requests are judged by the last good keys
--- user_files eval
[["ok.txt", "ok\n"]]
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_request /_jwks;
        apisec_jwt_key_cache 1s;
        alias $TEST_NGINX_HTML_DIR/ok.txt;
    }
--- idp_jwks
--- idp_ctl
--- fan_out
--- request eval
["GET /ctl/jwks?keys=rsa.jwk:ka", "GET /api",
 "GET /ctl/jwks?keys=rsa2.jwk:kb&mode=down", "GET /ctl/sleep?s=1.1",
 "GET /fan", "GET /ctl/count?what=jwks"]
--- more_headers eval
["", "Authorization: Bearer $::T{a}", "", "", "Authorization: Bearer $::T{a}", ""]
--- error_code eval
[200, 200, 200, 200, 200, 200]
--- response_body eval
["ok\n", "ok\n", "ok\n", "ok\n", "ok\n" x 50, "1\n"]
