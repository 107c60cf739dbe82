# Internal redirects and the module's per-request state.
#
# A request refused in one location (the origin) and moved by nginx to
# another (the target) by error_page, try_files, rewrite, X-Accel-Redirect
# or index must be judged by the TARGET's own protection, exactly as if it
# had been sent to the target directly: the origin's verdict (a refusal, a
# result never computed, a token accepted under other keys, audience or
# roles) never leaks into the target, no worker crashes, and the target's
# own limit zones apply (a zone is still charged once per request).
#
# The blocks are GENERATED (see the tables below) and fed to the runner
# with Test::Base's spec_string(), which both Test::Nginx::Socket and the
# own runner take their blocks from.  The matrix:
#
#   origin refusals  x  moves                 x  target protection at a level
#   https 403, 308     error_page 403 = @t       jwt       http server location
#   preflight 403      error_page 403 /t/x       api key   http server location
#   csrf 403                                     limit     http server location
#   ban 429                                      role      http server location
#   400 401                                                limit_except
#   403 role/scope/claim
#   422 json body
#   429 limit
#   openapi 404, 405, 400
#
#   admitting origins x  moves
#   none               direct, rewrite ... last, try_files ... @t,
#   jwt (admits)       X-Accel-Redirect: /t/x, index
#
# and a few rows of their own: satisfy any with allow / auth_basic /
# auth_request beside apisec_limit (limits are final under any satisfy),
# auth_request beside apisec_jwt under satisfy all, one zone at the origin
# and at the target (charged once), and HTTP/2 (h2c, --- http2: both
# runners; HTTP/2 over TLS through curl_protocol is left out, CPAN's runner
# does not provide it the same way, see t/00-runner.t TEST 27).
#
# What the target answers is computed by one function, target_answer(),
# from what the target sees (its method and credentials): the same answer
# it gives to the request sent directly ("direct" rows check exactly that).
# Every block that expects a refusal carries, where the route allows, a
# control request the target admits, so that no block passes by refusing
# everything.
#
# Requests: when every request of a block has the same headers and no
# answer closes the connection, they are pipelined on one connection (and
# every log line is checked); otherwise each has its own connection and
# only the lines of the first request are checked (check_accum_error_log:
# the checks after each request see the whole block's log).

use lib 't/lib';
use Test::Apisec 'no_plan';
use ApisecJwt;
use Digest::SHA qw(sha256_hex);

our $KEY = 'interplay-' . sha256_hex('interplay-key');

my @A = ('--alg', 'HS256', '--kid', 'hs1', '--exp', 600,
         '--key', "$DATA/hs.jwk");
my @B = ('--alg', 'ES256', '--kid', 'ec256', '--exp', 600,
         '--key', "$DATA/ec256.key");

# a: signed with key A (hs.jwk), which only origins trust
# b: signed with key B (ec256), which the target trusts; no role "admin"
# admin: key B, role "admin"
# None has role "ops", scope "orders:write" or "tier":"gold" (the origins'
# requirements).
our %TOK = (
    a     => mint(@A, '--claims', '{"sub":"alice","aud":"tgt",'
                      . '"roles":["viewer"],"scope":"orders:read",'
                      . '"tier":"silver"}'),
    b     => mint(@B, '--claims', '{"sub":"bob","aud":"tgt",'
                      . '"roles":["viewer"],"scope":"orders:read",'
                      . '"tier":"silver"}'),
    admin => mint(@B, '--claims', '{"sub":"carol","aud":"tgt",'
                      . '"roles":["admin"],"scope":"orders:read",'
                      . '"tier":"silver"}'),
    bad   => 'a b',                 # two tokens: 400 invalid_request
);

my $BACKEND = '127.0.0.1:$TEST_NGINX_RAND_PORT_1';

#--------------------------------------------------------------------------
# The tables
#--------------------------------------------------------------------------

my @JWT_A  = ('apisec_jwt "origin";',
              'apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;');
my @JWT_AB = (@JWT_A, 'apisec_jwt_key_file $TEST_NGINX_DATA/ec256.jwk;');

# Origins.  code: the refusal error_page catches; sets: the kinds of
# directive the origin sets itself (the others it cancels when the target's
# are inherited from http or server); token: the origin authenticates a
# bearer token before it refuses (a token it accepts is sent); bearer: the
# Authorization it always gets; prime: a first request (its status) that
# puts the origin in the refusing state; log: what the refusal logs.
my %ORIGIN = (
    https => {
        label => 'https-only reject 403', code => 403,
        conf  => ['apisec_https_only reject;'],
        log   => ['apisec: plain HTTP request refused, HTTPS required'],
    },
    https308 => {
        label => 'https-only redirect 308', code => 308,
        conf  => ['apisec_https_only redirect;'],
        log   => [],                # a redirect is not logged
    },
    preflight => {
        label => 'CORS preflight 403', code => 403, method => 'OPTIONS',
        conf  => ['apisec_cors_origins https://app.example.com;'],
        hdrs  => ['Origin: https://evil.example',
                  'Access-Control-Request-Method: POST'],
        log   => ['apisec: CORS preflight refused: origin '
                  . '"https://evil.example" not allowed'],
    },
    csrf => {
        label => 'csrf 403', code => 403, method => 'POST', body => 'x=1',
        conf  => ['apisec_cors_origins https://app.example.com;',
                  'apisec_csrf origin always;'],
        hdrs  => ['Origin: https://evil.example'],
        log   => ['apisec: CSRF check failed: origin "https://evil.example" '
                  . 'not allowed'],
    },
    ban => {
        label => 'ban 429', code => 429, sets => 'jwt',
        conf  => ['apisec_ban zone=ban;', @JWT_A, 'apisec_jwt_token $arg_t;'],
        prime => ['GET /o/x?t=bad', 'origin401'],
        log   => ['"127.0.0.1" banned in zone "ban"'],
    },
    e400 => {
        label => 'malformed Authorization 400', code => 400, sets => 'jwt',
        conf  => [@JWT_A], bearer => 'bad',
        log   => [],
    },
    e401 => {
        label => 'bad or no token 401', code => 401, sets => 'jwt',
        conf  => [@JWT_AB, 'apisec_jwt_audience origin;'],
        log   => [],
    },
    r403 => {
        label => 'role 403', code => 403, sets => 'jwt role', token => 1,
        conf  => [@JWT_AB, 'apisec_require_role ops;'],
        log   => ['apisec: access denied: role required: '
                  . '"apisec_require_role ops"'],
    },
    s403 => {
        label => 'scope 403', code => 403, sets => 'jwt', token => 1,
        conf  => [@JWT_AB, 'apisec_require_scope orders:write;'],
        log   => ['apisec: access denied: insufficient scope: '
                  . '"apisec_require_scope orders:write"'],
    },
    c403 => {
        label => 'claim 403', code => 403, sets => 'jwt', token => 1,
        conf  => [@JWT_AB, 'apisec_require_claim tier eq gold;'],
        log   => ['apisec: access denied: claim condition not met: '
                  . '"apisec_require_claim tier eq gold"'],
    },
    body422 => {
        label => 'json body 422', code => 422, method => 'POST',
        body  => '{"name":1}',
        conf  => ['apisec_json_schema $TEST_NGINX_DATA/schema-http/user.json;'],
        hdrs  => ['Content-Type: application/json'],
        log   => ['apisec: request body does not conform to the schema'],
    },
    l429 => {
        label => 'limit 429', code => 429, sets => 'limit',
        conf  => ['apisec_limit zone=olim;'],
        prime => ['GET /o/x', 'origin200'],
        log   => ['limiting requests, excess: 1.000 by zone "olim"'],
        log_late => 1,          # logged by the second request
    },
    oa404 => {
        label => 'openapi unknown path 404', code => 404,
        conf  => ['apisec_openapi '
                  . '$TEST_NGINX_DATA/openapi/interplay-elsewhere.yaml;'],
        log   => ['apisec: openapi: no path of the document matches the URI'],
    },
    oa405 => {
        label => 'openapi method 405', code => 405, method => 'POST',
        body  => 'x=1',
        conf  => ['apisec_openapi $TEST_NGINX_DATA/openapi/interplay.yaml;'],
        log   => ['apisec: openapi: the path has no operation for the method '
                  . '(Allow: GET, HEAD)'],
    },
    oa400 => {
        label => 'openapi parameter 400', code => 400,
        conf  => ['apisec_openapi $TEST_NGINX_DATA/openapi/interplay.yaml;'],
        log   => ['apisec: openapi: GET /o/{id}: parameter "id" in path is '
                  . 'not an integer'],
    },

    # origins that admit the request, then move it
    none => {
        label => 'unprotected', conf => [], log => [],
    },
    jwtok => {
        label => 'jwt admits', sets => 'jwt', token => 1,
        conf  => [@JWT_AB], log => [],
    },
);

my @REFUSING = qw(https https308 preflight csrf ban e400 e401 r403 s403 c403
                   body422 l429 oa404 oa405 oa400);

# Moves.  The origin location is /o/ (for index: "location = /t/"); the
# request goes to 'uri' ("direct": to the target itself).  error_page to a
# URI and X-Accel-Redirect make the request a GET; keeps_code: what the
# target admits is answered with the origin's status ("error_page 403
# /t/x" has no "=").  @t and /t/ are the targets.
my %MOVE = (
    ep_named => { label => 'error_page = @t', uri => '/o/x',
                  conf  => sub { "error_page $_[0] = \@t;" } },
    ep_uri   => { label => 'error_page /t/x', uri => '/o/x', keeps_code => 1,
                  conf  => sub { "error_page $_[0] /t/x;" } },
    direct   => { label => 'direct', uri => '/t/x' },
    rewrite  => { label => 'rewrite last', uri => '/o/x',
                  conf  => sub { 'rewrite ^ /t/x last;' } },
    try      => { label => 'try_files @t', uri => '/o/x',
                  conf  => sub { 'try_files /nonexistent @t;' } },
    accel    => { label => 'X-Accel-Redirect /t/x', uri => '/o/x',
                  proxy => "http://$BACKEND/accel/" },
    index    => { label => 'index', uri => '/t/', index => 1 },
);

# Target protections, and the credentials of the attack and of the
# control (undef: the block has no control request).
my %TARGET = (
    jwt   => { conf    => ['apisec_jwt "target";',
                           'apisec_jwt_key_file $TEST_NGINX_DATA/ec256.jwk;',
                           'apisec_jwt_audience tgt;'],
               attack  => {}, control => { bearer => 'b' } },
    key   => { conf    => ['apisec_api_key on;',
                           'apisec_api_key_file $TEST_NGINX_HTML_DIR/keys;'],
               attack  => {}, control => { key => 1 } },
    limit => { conf    => ['apisec_limit zone=tlim;'],
               attack  => {}, control => undef },
    role  => { conf    => ['apisec_jwt "target";',
                           'apisec_jwt_key_file $TEST_NGINX_DATA/ec256.jwk;',
                           'apisec_jwt_audience tgt;',
                           'apisec_require_role admin;'],
               attack  => { bearer => 'b' },
               control => { bearer => 'admin' } },
);

#--------------------------------------------------------------------------
# What the target answers, from what it sees: the same as for the request
# sent to it directly.  Returns [status, header regex, body regex, log].
#--------------------------------------------------------------------------

sub target_answer {
    my ($kind, $cred, $nth) = @_;
    my $bearer = $cred->{bearer} // '';

    if ($kind eq 'limit') {
        return $nth == 0 ? admitted()
                         : [429, 'Retry-After: \d+', '"status":429',
                            'limiting requests, excess: 1.000 by zone "tlim"'];
    }

    if ($kind eq 'key') {
        return admitted() if $cred->{key};
        return [401, 'WWW-Authenticate: ApiKey realm="api"', '"status":401'];
    }

    # jwt, role: the token first
    return [400, 'WWW-Authenticate: Bearer realm="target", '
                 . 'error="invalid_request"', '"status":400']
        if $bearer eq 'bad';
    return [401, 'WWW-Authenticate: Bearer realm="target"', '"status":401']
        if $bearer eq '';
    return [401, 'WWW-Authenticate: Bearer realm="target", '
                 . 'error="invalid_token".*', '"status":401',
            'apisec: JWT refused: ']
        if $bearer eq 'a';
    return admitted() if $kind eq 'jwt' || $bearer eq 'admin';
    return [403, 'WWW-Authenticate: Bearer realm="target", '
                 . 'error="insufficient_scope".*', '"status":403',
            'apisec: access denied: role required: '
            . '"apisec_require_role admin"'];
}

sub admitted { return [200, 'X-Backend: target', '^target ', undef] }

#--------------------------------------------------------------------------
# Configuration
#--------------------------------------------------------------------------

sub indent { my $n = shift; return join('', map { (' ' x $n) . "$_\n" } @_) }

# the directives an origin adds to cancel what it would inherit from a
# target protection set at http or server level
sub cancels {
    my ($kind, $sets) = @_;
    $sets //= '';
    my @c;
    push @c, 'apisec_jwt off;'
        if ($kind eq 'jwt' || $kind eq 'role') && $sets !~ /jwt/;
    push @c, 'apisec_require_role off;'
        if $kind eq 'role' && $sets !~ /role/;
    push @c, 'apisec_api_key off;' if $kind eq 'key';
    push @c, 'apisec_limit off;' if $kind eq 'limit' && $sets !~ /limit/;
    return @c;
}

sub http_config {
    my (@http) = @_;
    return indent(4,
        'apisec_limit_zone $remote_addr zone=olim:1m rate=1r/m;',
        'apisec_limit_zone $remote_addr zone=tlim:1m rate=1r/m;',
        'apisec_ban_zone $remote_addr zone=ban:1m threshold=1 '
            . 'window=60s duration=60s;',
        @http) . <<"_EOC_";
    server {
        listen $BACKEND;
        location /accel/ {
            add_header X-Accel-Redirect /t/x;
            return 200 "accel\\n";
        }
        location /auth {
            if (\$http_x_auth = ok) {
                return 204;
            }
            return 401;
        }
        location / {
            add_header X-Backend \$http_x_via always;
            return 200 "\$http_x_via \$request_method \$uri\\n";
        }
    }
_EOC_
}

sub target_locations {
    my ($loc, $lmt) = @_;
    my $body = indent(8, @$loc);
    $body .= "        limit_except PATCH {\n" . indent(12, @$lmt)
             . "        }\n" if @$lmt;
    $body .= indent(8, "proxy_pass http://$BACKEND;",
                    'proxy_set_header X-Via target;');
    return "    location \@t {\n$body    }\n"
           . "    location /t/ {\n$body    }\n";
}

# one block's http_config and config
sub configs {
    my ($origin, $move, $kind, $level) = @_;
    my $o = $ORIGIN{$origin};
    my $m = $MOVE{$move};
    my $t = $TARGET{$kind};

    my (@http, @server, @loc, @lmt);
    if ($level eq 'http') {
        @http = @{ $t->{conf} };
    } elsif ($level eq 'server') {
        @server = @{ $t->{conf} };
    } elsif ($level eq 'location') {
        @loc = @{ $t->{conf} };
    } else {        # limit_except: the role requirement only
        @loc = grep { !/require_role/ } @{ $t->{conf} };
        @lmt = grep { /require_role/ } @{ $t->{conf} };
    }

    my @oconf = @{ $o->{conf} };
    push @oconf, cancels($kind, $o->{sets})
        if $level eq 'http' || $level eq 'server';
    push @oconf, $m->{conf}->($o->{code} // '') if $m->{conf};

    my $config = indent(4, @server);
    if ($m->{index}) {
        $config .= "    location = /t/ {\n"
                   . indent(8, @oconf, 'root $TEST_NGINX_HTML_DIR;',
                            'index x.html;')
                   . "    }\n";
    } elsif ($move ne 'direct') {
        $config .= "    location /o/ {\n"
                   . indent(8, @oconf,
                            'proxy_pass ' . ($m->{proxy}
                                             // "http://$BACKEND") . ';',
                            'proxy_set_header X-Via origin;')
                   . "    }\n";
    }
    $config .= target_locations(\@loc, \@lmt);

    return (http_config(@http), $config);
}

#--------------------------------------------------------------------------
# Requests and expectations
#--------------------------------------------------------------------------

# the headers of a request through origin $o with target credentials $cred
sub headers {
    my ($o, $cred) = @_;
    my @h = @{ $o->{hdrs} // [] };
    my $bearer = $o->{bearer} // $cred->{bearer};
    $bearer //= 'a' if $o->{token};
    push @h, "Authorization: Bearer $TOK{$bearer}" if defined $bearer;
    push @h, "X-API-Key: $KEY" if $cred->{key};
    return join("\n", @h);
}

# what the target sees: the origin's own bearer replaces the target's
sub seen {
    my ($o, $cred) = @_;
    my %c = %$cred;
    $c{bearer} = $o->{bearer} if defined $o->{bearer};
    $c{bearer} //= 'a' if $o->{token};
    return \%c;
}

sub request_line {
    my ($o, $m) = @_;
    my $method = $m->{index} || $m->{uri} eq '/t/x' ? 'GET'
                                                    : $o->{method} // 'GET';
    my $r = "$method $m->{uri}";
    $r .= "\n$o->{body}" if defined $o->{body} && $method eq 'POST';
    return $r;
}

# an expectation after the move: admitted through "error_page code /uri"
# keeps the origin's status (nginx sets it on the target's answer)
sub after_move {
    my ($ans, $o, $m) = @_;
    return $ans unless $ans->[0] == 200 && $m->{keeps_code};
    return [$o->{code}, @$ans[1 .. $#$ans]];
}

my %PRIME = (
    origin401 => [401, 'WWW-Authenticate: Bearer realm="origin".*',
                  '"status":401', undef],
    origin200 => [200, 'X-Backend: origin', '^origin GET /o/x', undef],
);

# The requests of one scenario: [line, headers, expectation, logs].
# Returns one or two request lists (a primed origin's control is a block
# of its own, so that its requests share their headers).
sub scenarios {
    my ($origin, $move, $kind) = @_;
    my $o = $ORIGIN{$origin};
    my $m = $MOVE{$move};
    my $t = $TARGET{$kind};
    my $line = request_line($o, $m);
    my @olog = @{ $o->{log} };

    # nginx closes the connection after a 400, error_page or not
    my $closes = ($o->{code} // 0) == 400;

    my @attack;
    my $cred = $t->{attack};
    my $hdrs = headers($o, $cred);
    my $seen = seen($o, $cred);
    my $n = $kind eq 'limit' ? 2 : 1;
    for my $i (0 .. $n - 1) {
        my $ans = after_move(target_answer($kind, $seen, $i), $o, $m);
        push @attack, [$line, $hdrs, $ans,
                       [($o->{log_late} ? () : @olog),
                        defined $ans->[3] ? $ans->[3] : ()], $closes];
    }

    my @control;
    if ($t->{control}) {
        my $c = $t->{control};
        my $cseen = seen($o, $c);
        my $ans = after_move(target_answer($kind, $cseen, 0), $o, $m);
        push @control, [$line, headers($o, $c), $ans, [], $closes]
            if $ans->[0] != 400 && $ans->[1] =~ /^X-Backend/;
    }

    if ($o->{prime}) {
        my ($pl, $pe) = @{ $o->{prime} };
        my @lists = ([[$pl, $hdrs, $PRIME{$pe}, [@olog]], @attack]);
        if (@control) {
            push @lists, [[$pl, $control[0][1], $PRIME{$pe}, []], @control];
        }
        return @lists;
    }

    return ([@attack, @control]);
}

#--------------------------------------------------------------------------
# The spec text
#--------------------------------------------------------------------------

sub pq {
    my $s = shift;
    return 'undef' unless defined $s;
    $s =~ s/([\\'])/\\$1/g;
    return "'$s'";
}

my $N = 0;

sub summary {
    my ($reqs) = @_;
    my @codes = map { $_->[2][0] . ($_->[2][1] =~ /^X-Backend: target/
                                     ? ' via target' : '') } @$reqs;
    return join(', ', @codes);
}

# one block from a request list
sub block {
    my (%a) = @_;
    my $reqs = $a{reqs};
    $N++;

    my $same = !grep { $_->[1] ne $reqs->[0][1] } @$reqs;
    my $closes = grep { $_->[4] || $_->[2][0] == 400 } @$reqs;
    my $pipelined = @$reqs > 1 && $same && !$closes;
    my $several = @$reqs > 1;

    my @logs = $pipelined ? (map { @{ $_->[3] } } @$reqs)
                          : @{ $reqs->[0][3] };
    my %seen;
    @logs = grep { defined && !$seen{$_}++ } @logs;

    my $s = "=== TEST $N: $a{name}: " . summary($reqs) . "\n";
    return '' if defined $ENV{TEST_INTERPLAY_ONLY}
                 && $s !~ /$ENV{TEST_INTERPLAY_ONLY}/;
    $s .= "--- http2\n" if $a{http2};
    $s .= "--- http_config\n$a{http}";
    $s .= "--- config\n$a{config}";
    $s .= "--- user_files\n>>> keys\n"
          . "target sha256:" . sha256_hex($KEY) . " roles=admin\n"
          . ">>> t/x.html\nindex of /t/\n"
          . ">>> htpasswd\nuser:{PLAIN}secret\n";

    if (!$several) {
        $s .= "--- request\n$reqs->[0][0]\n";
        $s .= "--- more_headers\n$reqs->[0][1]\n" if $reqs->[0][1] ne '';
        my $e = $reqs->[0][2];
        $s .= "--- error_code: $e->[0]\n"
              . "--- response_headers_like eval\n" . pq($e->[1]) . "\n"
              . "--- response_body_like eval\n" . pq($e->[2]) . "\n";
    } else {
        my $arr = sub { '[' . join(', ', map { $_[0]->($_) } @$reqs) . ']' };
        if ($pipelined) {
            $s .= "--- pipelined_requests eval\n"
                  . $arr->(sub { pq($_[0][0]) }) . "\n";
            $s .= "--- more_headers\n$reqs->[0][1]\n"
                if $reqs->[0][1] ne '';
        } else {
            $s .= "--- request eval\n" . $arr->(sub { pq($_[0][0]) }) . "\n"
                  . "--- more_headers eval\n"
                  . $arr->(sub { pq($_[0][1]) }) . "\n";
        }
        $s .= "--- error_code eval\n" . $arr->(sub { $_[0][2][0] }) . "\n"
              . "--- response_headers_like eval\n"
              . $arr->(sub { pq($_[0][2][1]) }) . "\n"
              . "--- response_body_like eval\n"
              . $arr->(sub { pq($_[0][2][2]) }) . "\n";
    }

    push @logs, @{ $a{logs} } if $a{logs};
    # a refusal's excess is 1.000 when the requests come back to back, a
    # little less when the first one went through an upstream first
    if (@logs) {
        $s .= "--- error_log eval\n["
              . join(", ", map {
                    my $re = quotemeta $_;
                    $re =~ s/1\\\.000/(?:1\\.000|0\\.9\\d\\d)/;
                    "qr/$re/"
                } @logs)
              . "]\n";
    }
    $s .= "--- no_error_log\n[alert]\nsignal 11\nexited on signal\n";
    return "$s\n\n\n";
}

my $spec = '';

sub matrix_row {
    my ($origin, $move, $kind, $level) = @_;
    my ($http, $config) = configs($origin, $move, $kind, $level);
    my @lists = scenarios($origin, $move, $kind);
    for my $i (0 .. $#lists) {
        my $name = "$ORIGIN{$origin}{label} -> $MOVE{$move}{label} -> "
                   . "$kind at $level" . ($i ? ' (control)' : '');
        $spec .= block(name => $name, reqs => $lists[$i],
                       http => $http, config => $config);
    }
}

# 1. every refusal, both error_page forms, every target at location level
for my $origin (@REFUSING) {
    for my $move (qw(ep_named ep_uri)) {
        for my $kind (qw(jwt key limit role)) {
            matrix_row($origin, $move, $kind, 'location');
        }
    }
}

# 2. the level of the target's directives: http and server (error_page to
#    the named location), and limit_except (apisec_require_role only)
for my $level (qw(http server)) {
    for my $origin (qw(https csrf ban e401 r403 l429)) {
        for my $kind (qw(jwt key limit role)) {
            matrix_row($origin, 'ep_named', $kind, $level);
        }
    }
}
for my $origin (@REFUSING) {
    matrix_row($origin, 'ep_named', 'role', 'limit_except');
}

# 3. admitting origins and the other moves; "direct" is the baseline
for my $level (qw(location http server)) {
    for my $move (qw(direct rewrite try accel index)) {
        next if $level ne 'location' && $move eq 'rewrite';
        for my $kind (qw(jwt key limit role)) {
            matrix_row('none', $move, $kind, $level);
        }
    }
}
for my $move (qw(try accel index)) {
    for my $kind (qw(jwt key limit role)) {
        matrix_row('jwtok', $move, $kind, 'location');
    }
}
for my $move (qw(direct try accel index)) {
    matrix_row('none', $move, 'role', 'limit_except');
}

#--------------------------------------------------------------------------
# 4. Rows of their own
#--------------------------------------------------------------------------

my $HTTP = http_config();
my $PROXY = indent(8, "proxy_pass http://$BACKEND;",
                   'proxy_set_header X-Via target;');
my $AUTH = "    location = /_auth {\n"
           . indent(8, 'internal;', "proxy_pass http://$BACKEND/auth;",
                    'proxy_pass_request_body off;',
                    'proxy_set_header Content-Length "";')
           . "    }\n";
my $SLIM = indent(8, 'apisec_jwt "target";',
                  'apisec_jwt_key_file $TEST_NGINX_DATA/ec256.jwk;',
                  'apisec_limit zone=tlim;');
my $ADM = admitted();
my $R429 = [429, 'Retry-After: \d+', '"status":429'];
my $LIMLOG = ['limiting requests, excess: 1.000 by zone "tlim"'];
my $R401 = [401, 'WWW-Authenticate: Bearer realm="target"', '"status":401'];

my @OWN = (
    {
        name   => 'satisfy any, allow grants, no token: the limit still '
                  . 'counts',
        config => "    location /t/ {\n"
                  . indent(8, 'satisfy any;', 'allow 127.0.0.1;',
                           'deny all;') . $SLIM . $PROXY . "    }\n",
        reqs   => [['GET /t/x', '', $ADM, []],
                   ['GET /t/x', '', $R429, $LIMLOG]],
    },
    {
        name   => 'satisfy any, allow grants, valid token: the limit counts',
        config => "    location /t/ {\n"
                  . indent(8, 'satisfy any;', 'allow 127.0.0.1;',
                           'deny all;') . $SLIM . $PROXY . "    }\n",
        reqs   => [['GET /t/x', "Authorization: Bearer $TOK{b}", $ADM, []],
                   ['GET /t/x', "Authorization: Bearer $TOK{b}", $R429,
                    $LIMLOG]],
    },
    {
        name   => 'satisfy any, auth_basic grants a Basic caller: the limit '
                  . 'still counts',
        config => "    location /t/ {\n"
                  . indent(8, 'satisfy any;', 'auth_basic "basic";',
                           'auth_basic_user_file '
                           . '$TEST_NGINX_HTML_DIR/htpasswd;')
                  . $SLIM . $PROXY . "    }\n",
        reqs   => [['GET /t/x', 'Authorization: Basic dXNlcjpzZWNyZXQ=',
                    $ADM, []],
                   ['GET /t/x', 'Authorization: Basic dXNlcjpzZWNyZXQ=',
                    $R429, $LIMLOG]],
    },
    {
        name   => 'satisfy any, auth_request grants, no token: the limit '
                  . 'still counts',
        config => "    location /t/ {\n"
                  . indent(8, 'satisfy any;', 'auth_request /_auth;')
                  . $SLIM . $PROXY . "    }\n" . $AUTH,
        reqs   => [['GET /t/x', 'X-Auth: ok', $ADM, []],
                   ['GET /t/x', 'X-Auth: ok', $R429, $LIMLOG]],
    },
    {
        name   => 'satisfy any, nothing grants, no token: 401',
        config => "    location /t/ {\n"
                  . indent(8, 'satisfy any;', 'deny all;')
                  . $SLIM . $PROXY . "    }\n",
        reqs   => [['GET /t/x', '', $R401, []]],
    },
    {
        name   => 'satisfy all, auth_request allows, no token: the module '
                  . 'refuses',
        config => "    location /t/ {\n"
                  . indent(8, 'auth_request /_auth;') . $SLIM . $PROXY
                  . "    }\n" . $AUTH,
        reqs   => [['GET /t/x', 'X-Auth: ok', $R401, []],
                   ['GET /t/x', "X-Auth: ok\nAuthorization: Bearer $TOK{b}",
                    $ADM, []]],
    },
    {
        name   => 'satisfy all, auth_request refuses a valid token: 401',
        config => "    location /t/ {\n"
                  . indent(8, 'auth_request /_auth;') . $SLIM . $PROXY
                  . "    }\n" . $AUTH,
        reqs   => [['GET /t/x', "Authorization: Bearer $TOK{b}",
                    [401, '', '^(?!target )'], []]],
    },
    {
        name   => 'one zone at the origin and the target (try_files): '
                  . 'charged once',
        config => "    location /o/ {\n"
                  . indent(8, 'apisec_limit zone=tlim;',
                           'try_files /nonexistent @t;')
                  . "    }\n"
                  . "    location \@t {\n"
                  . indent(8, 'apisec_limit zone=tlim;') . $PROXY
                  . "    }\n",
        reqs   => [['GET /o/x', '', $ADM, []],
                   ['GET /o/x', '', $R429, $LIMLOG]],
    },
    {
        name   => 'a generous zone at the origin, a strict one at the '
                  . 'target (try_files): the target\'s applies',
        http   => http_config('apisec_limit_zone $remote_addr zone=gen:1m '
                              . 'rate=100r/m;'),
        config => "    location /o/ {\n"
                  . indent(8, 'apisec_limit zone=gen burst=10 nodelay;',
                           'try_files /nonexistent @t;')
                  . "    }\n"
                  . "    location \@t {\n"
                  . indent(8, 'apisec_limit zone=tlim;') . $PROXY
                  . "    }\n",
        reqs   => [['GET /o/x', '', $ADM, []],
                   ['GET /o/x', '', $R429, $LIMLOG]],
    },
);

# HTTP/2 (h2c, one request a block: curl)
{
    my ($http, $config) = configs('csrf', 'ep_named', 'jwt', 'location');
    for my $h2 (['no token', '', $R401],
                ['a token of the target', "Authorization: Bearer $TOK{b}",
                 $ADM])
    {
        push @OWN, {
            name   => "HTTP/2: csrf 403 -> error_page = \@t -> jwt at "
                      . "location, $h2->[0]",
            http2  => 1, http => $http, config => $config,
            reqs   => [["POST /o/x\nx=1",
                        join("\n", 'Origin: https://evil.example',
                             $h2->[1] ne '' ? $h2->[1] : ()),
                        $h2->[2], $ORIGIN{csrf}{log}]],
        };
    }
}

for my $own (@OWN) {
    $spec .= block(name => $own->{name}, reqs => $own->{reqs},
                   http => $own->{http} // $HTTP, config => $own->{config},
                   http2 => $own->{http2});
}

#--------------------------------------------------------------------------

# TEST_INTERPLAY_DUMP=1 perl t/interplay.t: print the generated blocks;
# TEST_INTERPLAY_ONLY=regex: run only the blocks whose title matches
if ($ENV{TEST_INTERPLAY_DUMP}) {
    print $spec;
    require POSIX;
    POSIX::_exit(0);
}

# With a master process, a worker that crashes is logged ("exited on
# signal 11", which every block looks for) and replaced at once; without
# one, the crash takes nginx down and every later request of the block
# waits 10 s to connect.
no_shuffle();
master_on();
check_accum_error_log();
spec_string($spec);
run_tests();
