# The claims scanner (ngx_http_apisec_jose_scan(), src/ngx_http_apisec_jose.c)
# through nginx: tokens whose claims text sits on either side of each edge
# of the JSON subset the scanner reads (escapes, non-ASCII and control
# bytes, DEL, 15 digits, reals, 16 levels, 32 members, 16 aud elements,
# duplicates, whitespace, trailing bytes), each answered exactly as jansson
# decides: what the scanner declines jansson reads or refuses, with its
# reason in the log.  Then the claims' json_t, built lazily for
# authorization and variables, on a cold token and on one the worker's memo
# holds, read by the scanner or by jansson: the same values either way.
# fuzz/claims_scan.c checks the scanner against jansson on any text.

use lib 't/lib';
use Test::Apisec 'no_plan';
use ApisecJwt;

my @hs = ('--alg', 'HS256', '--key', "$DATA/hs.jwk", '--kid', 'hs1');

# an hour ahead, as a 10-digit integer
my $F = time() + ($ENV{TEST_NGINX_USE_VALGRIND} ? 72000 : 3600);

# a token whose claims are these bytes exactly
sub raw { mint(@hs, '--raw-claims-hex', unpack('H*', $_[0])) }

# alice's claims, then more members
sub alice { raw(qq({"sub":"alice","exp":$F$_[0]})) }

# objects k levels deep in all, the claims' object the first
sub nest { my ($k) = @_; ('{"a":' x ($k - 2)) . '{}' . ('}' x ($k - 2)) }

# n members in all, alice's sub and exp the first two; "dup": the last one
# named as the first
sub members {
    my ($n, $dup) = @_;
    my @m = map { qq("m$_":$_) } 3 .. $n;
    $m[-1] = '"sub":"eve"' if $dup;
    return ',' . join(',', @m);
}

# an aud array of n strings, "last" the last
sub auds {
    my ($n, $last, @before) = @_;
    return ',"aud":[' . join(',', @before, map({ qq("a$_") } 2 .. $n
                                              - @before), qq("$last")) . ']';
}

our %T = (
    plain           => alice(''),
    dup_top         => alice(',"sub":"eve"'),
    dup_deep        => alice(',"o":{"p":{"q":{"x":1,"x":2}}}'),
    deep            => alice(',"o":{"p":{"q":{"x":1,"y":2}}}'),
    dup_esc         => alice(',"a":1,"\u0061":2'),
    esc             => alice(',"a":1,"\u0062":2'),
    nul             => raw(qq({"sub":"al\\u0000ice","exp":$F})),
    bad_utf8        => raw(qq({"sub":"al\xffice","exp":$F})),
    utf8            => raw(qq({"sub":"\xc3\xa9lise","exp":$F})),
    ctl             => alice(qq(,"note":"a\x01b")),
    tab             => alice(qq(,"note":"a\tb")),
    del             => alice(qq(,"note":"a\x7fb")),
    exp15           => raw('{"sub":"alice","exp":999999999999999}'),
    exp16           => raw('{"sub":"alice","exp":9999999999999999}'),
    exp15neg        => raw('{"sub":"alice","exp":-999999999999999}'),
    exp16neg        => raw('{"sub":"alice","exp":-9999999999999999}'),
    exp20           => raw('{"sub":"alice","exp":99999999999999999999}'),
    exp_real_past   => raw('{"sub":"alice","exp":1.7e9}'),
    exp_real        => raw('{"sub":"alice","exp":9.9e9}'),
    exp_str0        => raw('{"sub":"alice","exp":"-0"}'),
    exp_neg0        => raw('{"sub":"alice","exp":-0}'),
    exp_0           => raw('{"sub":"alice","exp":0}'),
    exp_lead0       => raw(qq({"sub":"alice","exp":0$F})),
    zero0           => alice(',"n":00'),
    literals        => alice(',"t":true,"f":false,"n":null,"a":[true,null]'),
    truex           => alice(',"t":truex'),
    exp_null        => raw('{"sub":"alice","exp":null}'),
    nest16          => alice(',"o":' . nest(16)),
    nest17          => alice(',"o":' . nest(17)),
    arr17           => alice(',"a":' . ('[' x 15) . (']' x 15)
                             . ',"b":' . ('[' x 16) . (']' x 16)),
    nest2048        => alice(',"n":' . ('[' x 2047) . (']' x 2047)),
    nest2049        => alice(',"n":' . ('[' x 2048) . (']' x 2048)),
    m32             => alice(members(32)),
    m33             => alice(members(33)),
    m33dup          => alice(members(33, 1)),
    m33dup_nested   => alice(',"o":{' . join(',', map { qq("m$_":$_) } 1 .. 32)
                             . ',"m1":0}'),
    aud16           => alice(auds(16, 'api')),
    aud17           => alice(auds(17, 'api')),
    aud16_no        => alice(auds(16, 'web')),
    aud17_no        => alice(auds(17, 'web')),
    aud_num         => alice(auds(3, 'api', 1)),
    aud_num17       => alice(auds(17, 'api', 1)),
    aud_first       => alice(',"aud":["api",1]'),
    aud_empty       => alice(',"aud":[]'),
    aud_obj         => alice(',"aud":{"api":1}'),
    ws              => raw(qq(\t\r\n {\t"sub"\r\n:\n"alice" ,\t"aud"\r:\n)
                           . qq([ "x" ,\t"api"\n] , "exp" :\t$F\r\n} \r\n\t)),
    trailing        => raw(qq({"sub":"alice","exp":$F}x)),
    trailing_obj    => raw(qq({"sub":"alice","exp":$F} {})),
    trailing_comma  => raw(qq({"sub":"alice","exp":$F,})),
    array           => raw(qq(["alice",$F])),
    string          => raw('"alice"'),
    empty           => raw('{}'),
    sub_num         => raw(qq({"sub":42,"exp":$F})),
    nbf_arr         => alice(',"nbf":[1]'),
    iat_obj         => alice(',"iat":{}'),

    # authorization and variables: the claims' json_t built lazily
    role            => alice(',"role":"admin","n":42,"roles":["a","b"]'),
    role_esc        => raw(qq({"sub":"\\u0061lice","exp":$F,"role":)
                           . '"\u0061dmin","n":42,"roles":["a","b"]}'),
    role_user       => alice(',"role":"user"'),
    role_user_esc   => alice(',"role":"\u0075ser"'),
);

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value('request', "GET /api\n") unless defined $block->request;

    # no token sent ever reaches the error log; and never the alert of
    # claims the scanner read that jansson, asked later, refuses
    if (!defined $block->no_error_log) {
        my @no = ('claims read before are not parsed now');
        if (defined $block->more_headers) {
            my $mh = $block->more_headers;
            push @no, map { sig_of($_) } grep { length > 40 }
                      map { /([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-.]+)/g }
                      ref $mh ? @$mh : ($mh);
        }
        $block->set_value('no_error_log', \@no);
    }
    return if defined $block->config;
    $block->set_value('config', <<'CONF');
    apisec_jwt on;
    apisec_jwt_key_file $TEST_NGINX_DATA/jwks.json;
    add_header X-Subject $apisec_subject always;
    add_header X-Auth-Result $apisec_auth_result always;

    location /api {
        empty_gif;
    }

    location /aud {
        apisec_jwt_audience api;
        empty_gif;
    }

    location /authz {
        apisec_require_claim role eq admin;
        add_header X-Subject $apisec_subject always;
        add_header X-Auth-Result $apisec_auth_result always;
        add_header X-Role $apisec_jwt_claim_role always;
        add_header X-N $apisec_jwt_claim_n always;
        add_header X-Roles $apisec_jwt_claim_roles always;
        empty_gif;
    }

    location /var {
        add_header X-Subject $apisec_subject always;
        add_header X-Role $apisec_jwt_claim_role always;
        empty_gif;
    }
CONF
});

# at "debug", nginx itself logs request headers, the token with them
log_level('info');
no_shuffle();
run_tests();

__DATA__

=== TEST 1: plain claims the scanner reads: 200, sub as the scanner found it
--- more_headers eval
"Authorization: Bearer $::T{plain}"
--- error_code: 200
--- response_headers
X-Subject: alice
X-Auth-Result: ok



=== TEST 2: a duplicate member at the top level: refused as jansson refuses it
--- more_headers eval
"Authorization: Bearer $::T{dup_top}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
!X-Subject
--- error_log
apisec: JWT refused: duplicate member name in claims, kid "hs1"



=== TEST 3: a duplicate member in an object 3 levels below the top: refused
--- more_headers eval
"Authorization: Bearer $::T{dup_deep}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
!X-Subject
--- error_log
apisec: JWT refused: duplicate member name in claims, kid "hs1"



=== TEST 4: the same nesting without a duplicate: 200
--- more_headers eval
"Authorization: Bearer $::T{deep}"
--- error_code: 200
--- response_headers
X-Subject: alice



=== TEST 5: a duplicate spelt with an escape ("a" and "\u0061"): refused
--- more_headers eval
"Authorization: Bearer $::T{dup_esc}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
!X-Subject
--- error_log
apisec: JWT refused: duplicate member name in claims, kid "hs1"



=== TEST 6: an escaped name that is no duplicate ("a" and "\u0062"): 200 (jansson)
--- more_headers eval
"Authorization: Bearer $::T{esc}"
--- error_code: 200
--- response_headers
X-Subject: alice



=== TEST 7: a \u0000 in a string: refused, claims are not JSON
--- more_headers eval
"Authorization: Bearer $::T{nul}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
!X-Subject
--- error_log
apisec: JWT refused: claims are not JSON, kid "hs1"



=== TEST 8: invalid UTF-8 (0xff) in sub: refused, claims are not JSON
--- more_headers eval
"Authorization: Bearer $::T{bad_utf8}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
!X-Subject
--- error_log
apisec: JWT refused: claims are not JSON, kid "hs1"



=== TEST 9: valid UTF-8 in sub: 200 (jansson), the same bytes in $apisec_subject
--- more_headers eval
"Authorization: Bearer $::T{utf8}"
--- error_code: 200
--- response_headers eval
"X-Subject: \xc3\xa9lise"



=== TEST 10: a control byte (0x01) in a string: refused, claims are not JSON
--- more_headers eval
"Authorization: Bearer $::T{ctl}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
!X-Subject
--- error_log
apisec: JWT refused: claims are not JSON, kid "hs1"



=== TEST 11: a raw tab inside a string: refused, claims are not JSON
--- more_headers eval
"Authorization: Bearer $::T{tab}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
!X-Subject
--- error_log
apisec: JWT refused: claims are not JSON, kid "hs1"



=== TEST 12: DEL (0x7f) in a string: 200 (jansson takes it, the scanner does not)
--- more_headers eval
"Authorization: Bearer $::T{del}"
--- error_code: 200
--- response_headers
X-Subject: alice



=== TEST 13: a 15-digit exp (the scanner's longest integer): 200
--- more_headers eval
"Authorization: Bearer $::T{exp15}"
--- error_code: 200
--- response_headers
X-Subject: alice



=== TEST 14: a 16-digit exp (jansson's): 200
--- more_headers eval
"Authorization: Bearer $::T{exp16}"
--- error_code: 200
--- response_headers
X-Subject: alice



=== TEST 15: a negative 15-digit exp: token expired
--- more_headers eval
"Authorization: Bearer $::T{exp15neg}"
--- error_code: 401
--- response_headers
X-Auth-Result: expired
!X-Subject
--- error_log
apisec: JWT refused: token expired, kid "hs1"



=== TEST 16: a negative 16-digit exp: token expired
--- more_headers eval
"Authorization: Bearer $::T{exp16neg}"
--- error_code: 401
--- response_headers
X-Auth-Result: expired
!X-Subject
--- error_log
apisec: JWT refused: token expired, kid "hs1"



=== TEST 17: a 20-digit exp, too big an integer for jansson: claims are not JSON
--- more_headers eval
"Authorization: Bearer $::T{exp20}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
!X-Subject
--- error_log
apisec: JWT refused: claims are not JSON, kid "hs1"



=== TEST 18: exp as the real 1.7e9 (jansson's, in the past): token expired
--- more_headers eval
"Authorization: Bearer $::T{exp_real_past}"
--- error_code: 401
--- response_headers
X-Auth-Result: expired
!X-Subject
--- error_log
apisec: JWT refused: token expired, kid "hs1"



=== TEST 19: exp as the real 9.9e9 (jansson's, in the future): 200
--- more_headers eval
"Authorization: Bearer $::T{exp_real}"
--- error_code: 200
--- response_headers
X-Subject: alice



=== TEST 20: exp as the string "-0": exp is not a number
--- more_headers eval
"Authorization: Bearer $::T{exp_str0}"
--- error_code: 401
--- response_headers
X-Auth-Result: bad_claim
!X-Subject
--- error_log
apisec: JWT refused: exp is not a number, kid "hs1"



=== TEST 21: exp as the number -0: token expired
--- more_headers eval
"Authorization: Bearer $::T{exp_neg0}"
--- error_code: 401
--- response_headers
X-Auth-Result: expired
!X-Subject
--- error_log
apisec: JWT refused: token expired, kid "hs1"



=== TEST 22: exp 0 (a single zero): token expired
--- more_headers eval
"Authorization: Bearer $::T{exp_0}"
--- error_code: 401
--- response_headers
X-Auth-Result: expired
!X-Subject
--- error_log
apisec: JWT refused: token expired, kid "hs1"



=== TEST 23: an exp with a leading zero: claims are not JSON
--- more_headers eval
"Authorization: Bearer $::T{exp_lead0}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
!X-Subject
--- error_log
apisec: JWT refused: claims are not JSON, kid "hs1"



=== TEST 24: "00" as a value: claims are not JSON
--- more_headers eval
"Authorization: Bearer $::T{zero0}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
!X-Subject
--- error_log
apisec: JWT refused: claims are not JSON, kid "hs1"



=== TEST 25: true, false and null as values: 200
--- more_headers eval
"Authorization: Bearer $::T{literals}"
--- error_code: 200
--- response_headers
X-Subject: alice



=== TEST 26: "truex": claims are not JSON
--- more_headers eval
"Authorization: Bearer $::T{truex}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
!X-Subject
--- error_log
apisec: JWT refused: claims are not JSON, kid "hs1"



=== TEST 27: exp null: exp is not a number
--- more_headers eval
"Authorization: Bearer $::T{exp_null}"
--- error_code: 401
--- response_headers
X-Auth-Result: bad_claim
!X-Subject
--- error_log
apisec: JWT refused: exp is not a number, kid "hs1"



=== TEST 28: objects 16 deep (the scanner's deepest): 200
--- more_headers eval
"Authorization: Bearer $::T{nest16}"
--- error_code: 200
--- response_headers
X-Subject: alice



=== TEST 29: objects 17 deep (jansson's): 200
--- more_headers eval
"Authorization: Bearer $::T{nest17}"
--- error_code: 200
--- response_headers
X-Subject: alice



=== TEST 30: arrays 16 and 17 deep: 200
--- more_headers eval
"Authorization: Bearer $::T{arr17}"
--- error_code: 200
--- response_headers
X-Subject: alice



=== TEST 31: 2048 levels (jansson's deepest): 200
--- more_headers eval
"Authorization: Bearer $::T{nest2048}"
--- error_code: 200
--- response_headers
X-Subject: alice



=== TEST 32: 2049 levels, past jansson's depth limit: claims are not JSON
--- more_headers eval
"Authorization: Bearer $::T{nest2049}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
!X-Subject
--- error_log
apisec: JWT refused: claims are not JSON, kid "hs1"



=== TEST 33: 32 members (the scanner's most): 200
--- more_headers eval
"Authorization: Bearer $::T{m32}"
--- error_code: 200
--- response_headers
X-Subject: alice



=== TEST 34: 33 members (jansson's): 200
--- more_headers eval
"Authorization: Bearer $::T{m33}"
--- error_code: 200
--- response_headers
X-Subject: alice



=== TEST 35: 33 members, the 33rd a duplicate of the first: refused
--- more_headers eval
"Authorization: Bearer $::T{m33dup}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
!X-Subject
--- error_log
apisec: JWT refused: duplicate member name in claims, kid "hs1"



=== TEST 36: 33 members in a nested object, one a duplicate: refused
--- more_headers eval
"Authorization: Bearer $::T{m33dup_nested}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
!X-Subject
--- error_log
apisec: JWT refused: duplicate member name in claims, kid "hs1"



=== TEST 37: an aud array of 16 strings, only the last accepted: 200
--- request
GET /aud
--- more_headers eval
"Authorization: Bearer $::T{aud16}"
--- error_code: 200
--- response_headers
X-Subject: alice



=== TEST 38: an aud array of 17 strings (jansson's), only the last accepted: 200
--- request
GET /aud
--- more_headers eval
"Authorization: Bearer $::T{aud17}"
--- error_code: 200
--- response_headers
X-Subject: alice



=== TEST 39: an aud array of 16 strings, none accepted: aud not accepted
--- request
GET /aud
--- more_headers eval
"Authorization: Bearer $::T{aud16_no}"
--- error_code: 401
--- response_headers
X-Auth-Result: bad_audience
!X-Subject
--- error_log
apisec: JWT refused: aud not accepted, kid "hs1"



=== TEST 40: an aud array of 17 strings, none accepted: aud not accepted
--- request
GET /aud
--- more_headers eval
"Authorization: Bearer $::T{aud17_no}"
--- error_code: 401
--- response_headers
X-Auth-Result: bad_audience
!X-Subject
--- error_log
apisec: JWT refused: aud not accepted, kid "hs1"



=== TEST 41: aud holding a number before the accepted one: aud holds a non-string
--- request
GET /aud
--- more_headers eval
"Authorization: Bearer $::T{aud_num}"
--- error_code: 401
--- response_headers
X-Auth-Result: bad_audience
!X-Subject
--- error_log
apisec: JWT refused: aud holds a non-string, kid "hs1"



=== TEST 42: the same, 17 elements (jansson's): aud holds a non-string
--- request
GET /aud
--- more_headers eval
"Authorization: Bearer $::T{aud_num17}"
--- error_code: 401
--- response_headers
X-Auth-Result: bad_audience
!X-Subject
--- error_log
apisec: JWT refused: aud holds a non-string, kid "hs1"



=== TEST 43: aud: the accepted one before a number: 200
--- request
GET /aud
--- more_headers eval
"Authorization: Bearer $::T{aud_first}"
--- error_code: 200
--- response_headers
X-Subject: alice



=== TEST 44: an empty aud array: aud not accepted
--- request
GET /aud
--- more_headers eval
"Authorization: Bearer $::T{aud_empty}"
--- error_code: 401
--- response_headers
X-Auth-Result: bad_audience
!X-Subject
--- error_log
apisec: JWT refused: aud not accepted, kid "hs1"



=== TEST 45: aud an object: aud is neither a string nor an array
--- request
GET /aud
--- more_headers eval
"Authorization: Bearer $::T{aud_obj}"
--- error_code: 401
--- response_headers
X-Auth-Result: bad_audience
!X-Subject
--- error_log
apisec: JWT refused: aud is neither a string nor an array, kid "hs1"



=== TEST 46: whitespace everywhere (tab, CR, LF, space), before and after: 200
--- more_headers eval
"Authorization: Bearer $::T{ws}"
--- error_code: 200
--- response_headers
X-Subject: alice



=== TEST 47: trailing garbage after the object: claims are not JSON
--- more_headers eval
"Authorization: Bearer $::T{trailing}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
!X-Subject
--- error_log
apisec: JWT refused: claims are not JSON, kid "hs1"



=== TEST 48: a second object after the first: claims are not JSON
--- more_headers eval
"Authorization: Bearer $::T{trailing_obj}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
!X-Subject
--- error_log
apisec: JWT refused: claims are not JSON, kid "hs1"



=== TEST 49: a trailing comma: claims are not JSON
--- more_headers eval
"Authorization: Bearer $::T{trailing_comma}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
!X-Subject
--- error_log
apisec: JWT refused: claims are not JSON, kid "hs1"



=== TEST 50: a top-level array: claims are not a JSON object
--- more_headers eval
"Authorization: Bearer $::T{array}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
!X-Subject
--- error_log
apisec: JWT refused: claims are not a JSON object, kid "hs1"



=== TEST 51: a top-level string (jansson decodes no scalar at the top): claims are not JSON
--- more_headers eval
"Authorization: Bearer $::T{string}"
--- error_code: 401
--- response_headers
X-Auth-Result: malformed
!X-Subject
--- error_log
apisec: JWT refused: claims are not JSON, kid "hs1"



=== TEST 52: the empty object: 200, no subject
--- more_headers eval
"Authorization: Bearer $::T{empty}"
--- error_code: 200
--- response_headers
X-Subject:
X-Auth-Result: ok



=== TEST 53: registered claims of the wrong types, sub a number: sub is not a string
--- more_headers eval
"Authorization: Bearer $::T{sub_num}"
--- error_code: 401
--- response_headers
X-Auth-Result: bad_claim
!X-Subject
--- error_log
apisec: JWT refused: sub is not a string, kid "hs1"



=== TEST 54: nbf an array: nbf is not a number
--- more_headers eval
"Authorization: Bearer $::T{nbf_arr}"
--- error_code: 401
--- response_headers
X-Auth-Result: bad_claim
!X-Subject
--- error_log
apisec: JWT refused: nbf is not a number, kid "hs1"



=== TEST 55: iat an object: iat is not a number
--- more_headers eval
"Authorization: Bearer $::T{iat_obj}"
--- error_code: 401
--- response_headers
X-Auth-Result: bad_claim
!X-Subject
--- error_log
apisec: JWT refused: iat is not a number, kid "hs1"



=== TEST 56: claims the scanner read: authz and variables, cold then memo
--- request eval
["GET /authz", "GET /authz"]
--- more_headers eval
"Authorization: Bearer $::T{role}"
--- error_code eval
[200, 200]
--- response_headers eval
["X-Subject: alice\nX-Auth-Result: ok\nX-Role: admin\nX-N: 42\nX-Roles: a,b",
 "X-Subject: alice\nX-Auth-Result: ok\nX-Role: admin\nX-N: 42\nX-Roles: a,b"]



=== TEST 57: claims jansson read (escapes): the same values, cold then memo
--- request eval
["GET /authz", "GET /authz"]
--- more_headers eval
"Authorization: Bearer $::T{role_esc}"
--- error_code eval
[200, 200]
--- response_headers eval
["X-Subject: alice\nX-Auth-Result: ok\nX-Role: admin\nX-N: 42\nX-Roles: a,b",
 "X-Subject: alice\nX-Auth-Result: ok\nX-Role: admin\nX-N: 42\nX-Roles: a,b"]



=== TEST 58: in the memo without a json_t: built for a variable, then authz
--- request eval
["GET /api", "GET /var", "GET /authz"]
--- more_headers eval
"Authorization: Bearer $::T{role}"
--- error_code eval
[200, 200, 200]
--- response_headers eval
["X-Subject: alice\n!X-Role", "X-Subject: alice\nX-Role: admin",
 "X-Subject: alice\nX-Role: admin\nX-N: 42\nX-Roles: a,b"]



=== TEST 59: the same, claims jansson read: its json_t kept in the memo
--- request eval
["GET /api", "GET /var", "GET /authz"]
--- more_headers eval
"Authorization: Bearer $::T{role_esc}"
--- error_code eval
[200, 200, 200]
--- response_headers eval
["X-Subject: alice\n!X-Role", "X-Subject: alice\nX-Role: admin",
 "X-Subject: alice\nX-Role: admin\nX-N: 42\nX-Roles: a,b"]



=== TEST 60: a variable alone on a cold token the scanner read
--- request
GET /var
--- more_headers eval
"Authorization: Bearer $::T{role}"
--- error_code: 200
--- response_headers
X-Subject: alice
X-Role: admin



=== TEST 61: a variable alone on a cold token jansson read
--- request
GET /var
--- more_headers eval
"Authorization: Bearer $::T{role_esc}"
--- error_code: 200
--- response_headers
X-Subject: alice
X-Role: admin



=== TEST 62: authorization refuses a claim the scanner read
--- request
GET /authz
--- more_headers eval
"Authorization: Bearer $::T{role_user}"
--- error_code: 403
--- response_headers
X-Role: user
--- error_log
apisec: access denied: claim condition not met: "apisec_require_claim role eq admin"



=== TEST 63: authorization refuses a claim jansson read (escaped)
--- request
GET /authz
--- more_headers eval
"Authorization: Bearer $::T{role_user_esc}"
--- error_code: 403
--- response_headers
X-Role: user
--- error_log
apisec: access denied: claim condition not met: "apisec_require_claim role eq admin"
