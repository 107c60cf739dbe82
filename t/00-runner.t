# Self-tests of the test runner (t/lib/Test/Apisec.pm and, when CPAN's
# Test::Nginx is not installed, t/lib/Test/Apisec/Runner.pm).  Stock nginx
# directives only; blocks with --- no_module do not need the module.
#
# Blocks using this repository's own extensions (--- tls, --- reload_config)
# and the meta-tests at the end (which run small .t files in a child perl
# and check that failures are reported) are skipped under CPAN's runner.

use lib 't/lib';
use Test::Apisec 'no_plan';

use IO::Socket::INET ();
use File::Temp ();

my $own = Test::Apisec::backend() eq 'Test::Apisec::Runner';

# A TCP listener that never accepts: requests proxied to it hang (timeout).
our $Hang = IO::Socket::INET->new(Listen => 5, LocalAddr => '127.0.0.1',
                                  LocalPort => 0, Proto => 'tcp')
    or die "cannot listen: $!";
$ENV{TEST_NGINX_HANG_PORT} = $Hang->sockport;
$ENV{TEST_NGINX_SELFTEST_WORD} = 'expanded';

# Global settings: every block runs twice, with a master and 4 workers.
repeat_each(2);
master_on();
workers(4);
worker_connections(128);
log_level('debug');
no_long_string();
no_root_location();
no_shuffle();
env_to_nginx('APISEC_SELFTEST=hello');

# --- pp_word: <w> is expanded by this preprocessor into a whole block.
add_block_preprocessor(sub {
    my $block = shift;
    my $word = $block->pp_word;
    return unless defined $word;
    $block->set_value(config => qq{location = /pp { return 200 "$word\\n"; }});
    $block->set_value(request => 'GET /pp');
    $block->set_value(response_body => "$word\n");
});

run_tests();

# After the blocks: what the last nginx.conf says, and the html dir.
{
    my $conf = do {
        local (@ARGV, $/) = (server_root() . '/conf/nginx.conf');
        <>;
    };
    like($conf, qr/^env APISEC_SELFTEST=hello;$/m,
         'env_to_nginx() puts an env line in nginx.conf');
    like($conf, qr/^worker_processes\s+4;$/m, 'workers(4) in nginx.conf');
    # under valgrind the runner keeps one process (t/README.md)
    like($conf, $ENV{TEST_NGINX_USE_VALGRIND} ? qr/^master_process off;$/m
                                              : qr/^master_process on;$/m,
         'master_on() in nginx.conf (off under valgrind)');
    unlike($conf, qr/location \/ \{/, 'no_root_location()');
    is($ENV{TEST_NGINX_HTML_DIR}, html_dir(), 'TEST_NGINX_HTML_DIR is html_dir()');
    is(html_dir(), server_root() . '/html', 'html_dir() is under server_root()');
    ok(-s $ENV{TEST_NGINX_CERT} && -s $ENV{TEST_NGINX_CERT_KEY},
       'the test certificate and key exist');
    is(server_port(), $ENV{TEST_NGINX_SERVER_PORT}, 'server_port()');
    ok(blocks() > 30, 'blocks() counts the blocks');
}

meta_tests() if $own;

# Runs a small .t file (the given data) in a child perl with our runner and
# returns (exit status, TAP output).
# (The key _perl of %env is not an environment variable: Perl code put
# before run_tests().)
sub run_child {
    my ($data, %env) = @_;
    my $perl = delete $env{_perl} // '';
    my $dir = File::Temp->newdir('apisec-meta-XXXXXX', TMPDIR => 1);
    my $file = "$dir/meta.t";
    open my $fh, '>', $file or die "$file: $!";
    print $fh "use lib 't/lib';\nuse Test::Apisec 'no_plan';\n"
              . "no_shuffle();\nmaster_on();\n$perl\nrun_tests();\n"
              . "__DATA__\n$data";
    close $fh;
    local $ENV{TEST_APISEC_RUNNER} = 'own';
    local $ENV{TEST_NGINX_RANDOMIZE} = 1;
    local @ENV{keys %env} = values %env;
    my $out = `$^X $file 2>&1`;
    return ($? >> 8, $out);
}

sub meta_tests {
    my ($rc, $out);

    ($rc, $out) = run_child(<<'_EOD_');
=== TEST 1: not run
--- no_module
--- config
    location = /t { return 200; }
--- request
GET /t
--- error_code: 500

=== TEST 2: only this one
--- ONLY
--- no_module
--- config
    location = /t { return 200; }
--- request
GET /t
_EOD_
    is($rc, 0, 'meta: --- ONLY: passes');
    like($out, qr/^ok 1 .*TEST 2/m, 'meta: --- ONLY: runs the ONLY block');
    unlike($out, qr/TEST 1/, 'meta: --- ONLY: skips the others');

    ($rc, $out) = run_child(<<'_EOD_');
=== TEST 1: a bad directive without --- must_die
--- no_module
--- config
    location = /t { bogus_directive_abc; }
--- request
GET /t
_EOD_
    isnt($rc, 0, 'meta: nginx failing to start fails the file');
    like($out, qr/^not ok 1 .*nginx failed to start/m,
         'meta: start failure is a failed test');
    like($out, qr/unknown directive "bogus_directive_abc"/,
         "meta: start failure shows nginx's own message");

    # (no worker to kill under valgrind: one process)
    goto NO_WORKERS if $ENV{TEST_NGINX_USE_VALGRIND};

    ($rc, $out) = run_child(<<'_EOD_');
=== TEST 1: a worker dies of SIGSEGV
--- no_module
--- init
kill 'SEGV', Test::Apisec::worker_pids();
sleep 0.3;
--- config
    location = /t { return 200; }
--- request
GET /t
_EOD_
    isnt($rc, 0, 'meta: a crashed worker fails the file');
    like($out, qr/^not ok \d+ .*crash or a sanitizer error/m,
         'meta: a crashed worker fails the block');
    # under ASan (make test-asan) its SEGV handler reports, then aborts (6)
    like($out, qr/exited on signal (?:11|6)\b/,
         'meta: the crash line is shown');

  NO_WORKERS:

    ($rc, $out) = run_child(<<'_EOD_');
=== TEST 1: a sanitizer report in error.log
--- no_module
--- config
    location /m/ { root html; }
--- request
GET /m/AddressSanitizer
--- error_code: 404

=== TEST 2: the same, with --- no_crash_check
--- no_module
--- no_crash_check
--- config
    location /m/ { root html; }
--- request
GET /m/LeakSanitizer
--- error_code: 404
_EOD_
    isnt($rc, 0, 'meta: a sanitizer report fails the file');
    like($out, qr/^not ok \d+ .*TEST 1.*sanitizer error/m,
         'meta: a sanitizer report fails the block');
    unlike($out, qr/^not ok \d+ .*TEST 2/m, 'meta: --- no_crash_check');

    # a report written to a log_path file (ASAN_OPTIONS=log_path=...), as a
    # worker would at exit: the block that ran fails, the next one does not
    {
        my $dir = File::Temp->newdir('apisec-san-XXXXXX', TMPDIR => 1);
        ($rc, $out) = run_child(<<"_EOD_", ASAN_OPTIONS => "log_path=$dir/asan");
=== TEST 1: a sanitizer report in a log_path file
--- no_module
--- init
open my \$fh, '>', '$dir/asan.4242' or die \$!;
print \$fh "==4242==ERROR: LeakSanitizer: detected memory leaks\\n";
close \$fh;
--- config
    location = /t { return 200; }
--- request
GET /t

=== TEST 2: nothing new in the file
--- no_module
--- config
    location = /t { return 200; }
--- request
GET /t
_EOD_
        isnt($rc, 0, 'meta: a report in a log_path file fails the file');
        like($out, qr/^not ok \d+ .*TEST 1.*sanitizer wrote a report/m,
             'meta: a report in a log_path file fails the block');
        like($out, qr/detected memory leaks/, 'meta: the report is shown');
        unlike($out, qr/^not ok \d+ .*TEST 2/m,
               'meta: a report is blamed on one block only');
    }

    ($rc, $out) = run_child(<<'_EOD_');
=== TEST 1: wrong expectations are failures
--- no_module
--- config
    location = /t { return 200 "a\n"; }
--- request
GET /t
--- response_body
b
_EOD_
    isnt($rc, 0, 'meta: a failed check gives a non-zero exit status');
    like($out, qr/^not ok 2 .*response_body/m, 'meta: ... and a not ok line');

    # --- skip_eval: a true condition skips the block (its nginx is never
    # started: the bad directive would fail it), N tests per repetition;
    # a false one runs it.  Test::Apisec::cpan_skip() is false here.
    ($rc, $out) = run_child(<<'_EOD_');
=== TEST 1: skipped, and it would fail
--- skip_eval: 2: 1 + 1 == 2
--- no_module
--- config
    location = /t { bogus_directive_skipped; }
--- request
GET /t
--- error_code: 500

=== TEST 2: run: the condition is false
--- skip_eval: 2: Test::Apisec::cpan_skip('never under our runner')
--- no_module
--- config
    location = /t { return 200 "ran\n"; }
--- request
GET /t
--- response_body
ran
_EOD_
    is($rc, 0, 'meta: --- skip_eval: passes');
    like($out, qr/^ok 1 # skip .*TEST 1: .* - skip_eval\n^ok 2 # skip .*TEST 1:/m,
         'meta: --- skip_eval: N tests skipped when the condition is true');
    unlike($out, qr/bogus_directive_skipped|^ok 3 # skip/m,
           'meta: --- skip_eval: ... and the block not run');
    like($out, qr/^ok 3 - .*TEST 2.*\n^ok 4 - .*TEST 2/m,
         'meta: --- skip_eval: the block runs when it is false');
    unlike($out, qr/skipped under CPAN/,
           'meta: cpan_skip() is false under our runner');

    # What Test::Apisec does under CPAN's runner, shown with ours by making
    # Test::Apisec believe that CPAN's is in use: a block with our own
    # sections and no --- skip_eval is not run, cpan_skip() skips with its
    # reason, and other blocks run.
    ($rc, $out) = run_child(<<'_EOD_', _perl => <<'_PERL_');
=== TEST 1: our reload section, no skip_eval: not run
--- no_module
--- config
    location = /t { return 200 "v1\n"; }
--- reload_config
    location = /t { return 200 "v2\n"; }
--- request eval
["GET /t", "GET /t"]
--- response_body eval
["v1\n", "v1\n"]

=== TEST 2: cpan_skip() in skip_eval
--- skip_eval: 1: Test::Apisec::cpan_skip('the reason for it')
--- no_module
--- config
    location = /t { return 200; }
--- request
GET /t
--- error_code: 500

=== TEST 3: a common block runs
--- no_module
--- config
    location = /t { return 200 "common\n"; }
--- request
GET /t
--- response_body
common
_EOD_
$Test::Apisec::Backend = 'Test::Nginx::Socket';
_PERL_
    is($rc, 0, 'meta: as under CPAN: passes');
    unlike($out, qr/^(?:not )?ok \d+ - .*TEST 1/m,
           'meta: as under CPAN: a block with --- reload_config is not run');
    like($out, qr/^# .*TEST 1: .*not run under CPAN's Test::Nginx: it has --- reload_config$/m,
         'meta: as under CPAN: ... and a note says why');
    like($out, qr/^# skipped under CPAN's Test::Nginx: the reason for it\n^ok 1 # skip .*TEST 2/m,
         'meta: as under CPAN: cpan_skip() skips, with its reason');
    like($out, qr/^ok 2 - .*TEST 3/m, 'meta: as under CPAN: other blocks run');

    if (!eval { require Test::Nginx::Socket; 1 }) {
        ($rc, $out) = run_child("", TEST_APISEC_RUNNER => 'cpan');
        isnt($rc, 0, 'meta: TEST_APISEC_RUNNER=cpan without Test::Nginx dies');
        like($out, qr/Test::Nginx::Socket cannot be loaded/,
             'meta: ... saying why');
    }
}

__DATA__

=== TEST 1: sanity: status, headers (value, absent, repeated), body
--- no_module
--- config
    location = /t {
        add_header X-Multi one;
        add_header X-Multi two;
        add_header X-Empty "";
        return 200 "hello\n";
    }
--- request
GET /t
--- error_code: 200
--- response_headers
X-Multi: one, two
Content-Type: text/plain
!X-Absent
X-Empty:
--- response_body
hello
--- no_error_log
[error]
[alert]



=== TEST 2: error_code_like, response_headers_like, raw_response_headers_like
--- no_module
--- config
    location = /teapot {
        add_header X-Version "v1.22.33" always;
        return 418;
    }
--- request
GET /teapot
--- error_code_like: ^4\d\d$
--- response_headers_like
X-Version: v\d+\.\d+\.\d+
--- raw_response_headers_like: ^HTTP/1\.1 418 \r\n



=== TEST 3: a block without --- config talks to the previous block's nginx
--- no_module
--- request
GET /teapot
--- error_code: 418
--- response_headers
X-Version: v1.22.33



=== TEST 4: http_config, $TEST_NGINX_* expansion, $ServerPort in bodies
--- no_module
--- http_config
    map $arg_x $mapped {
        default none;
        1       one;
    }
--- config
    location = /map {
        return 200 "$mapped $server_port $TEST_NGINX_SELFTEST_WORD\n";
    }
--- request
GET /map?x=1
--- response_body
one $ServerPort expanded



=== TEST 5: main_config lands in the main context; --- log_level: warn
--- no_module
--- main_config
    worker_shutdown_timeout 1s;
--- config
    location = /q { return 200 "q\n"; }
--- log_level: warn
--- request
GET /q
--- response_body
q
--- no_error_log
[debug]
[notice]



=== TEST 6: the default log level is debug
--- no_module
--- config
    location = /q { return 200 "q\n"; }
--- request
GET /q
--- error_log
[debug]



=== TEST 7: request comments, body + Content-Length, repeated request headers
--- no_module
--- config
    location = /len { return 200 "len=$content_length\n"; }
--- more_headers
X-Dup: 1
X-Dup: 2
--- request
# a comment line before the request line
POST /len
hello
--- response_body
len=5
--- error_log eval
[qr/http header: "X-Dup: 1"/, qr/http header: "X-Dup: 2"/]



=== TEST 8: several requests, per-request headers and expectations
--- no_module
--- config
    location = /h { return 200 "x=$http_x_n\n"; }
    location = /nf { return 404; }
--- request eval
["GET /h", "GET /h", "GET /nf"]
--- more_headers eval
["X-N: 1", "X-N: 2", ""]
--- error_code eval
[200, 200, 404]
--- response_headers eval
["Content-Type: text/plain", "!X-Nothing", "Content-Type: text/html"]
--- response_body eval
["x=1\n", "x=2\n", qr/404 Not Found/]



=== TEST 9: a request in packets, with a delay
--- no_module
--- config
    location = /len { return 200 "len=$content_length\n"; }
--- request eval
[["POST /len\nhel", {value => "lo", delay_before => 0.05}]]
--- response_body
len=5



=== TEST 10: raw_request: exact bytes (HTTP/1.0, no Host)
--- no_module
--- config
    location = /raw { return 200 "host=[$http_host] proto=$server_protocol\n"; }
--- raw_request eval
"GET /raw HTTP/1.0\r\n\r\n"
--- response_body
host=[] proto=HTTP/1.0



=== TEST 11: raw_request in packets, with raw_request_middle_delay
--- no_module
--- config
    location = /raw { return 200 "host=[$http_host] proto=$server_protocol\n"; }
--- raw_request eval
["GET /raw HTTP/1.1\r\nHo", "st: example.com\r\nConnection: close\r\n\r\n"]
--- raw_request_middle_delay: 0.05
--- response_body
host=[example.com] proto=HTTP/1.1



=== TEST 12: pipelined_requests on one connection
--- no_module
--- config
    location = /a { return 200 "a\n"; }
    location = /b { return 200 "b $connection_requests\n"; }
--- pipelined_requests eval
["GET /a", "GET /b"]
--- response_body eval
["a\n", "b 2\n"]



=== TEST 13: response_body_like and response_body_filters
--- no_module
--- config
    location = /body { return 200 "Hello, World 42\n"; }
--- request
GET /body
--- response_body_filters
uc
--- response_body_like
^HELLO, WORLD \d+$



=== TEST 14: response_body_unlike
--- no_module
--- request
GET /body
--- response_body_unlike
^Bye



=== TEST 15: response_body eval qr//
--- no_module
--- request
GET /body
--- response_body eval
qr/^Hello, World \d+\n\z/



=== TEST 16: empty_gif, and a response_body_filters length
--- no_module
--- config
    location = /gif { empty_gif; }
--- request
GET /gif
--- response_headers
Content-Type: image/gif
--- response_body_filters
length
--- response_body chomp
43



=== TEST 17: deny; error_log lines must all appear; grep_error_log
--- no_module
--- config
    location = /denied { deny all; }
--- request
GET /denied
--- error_code: 403
--- error_log
[error]
access forbidden by rule
--- grep_error_log eval
qr/access forbidden by rule/
--- grep_error_log_out
access forbidden by rule



=== TEST 18: user_files under the html dir, found through $TEST_NGINX_HTML_DIR
--- no_module
--- config
    location /files/ { alias $TEST_NGINX_HTML_DIR/; }
--- user_files
>>> hello.txt
hello from a user file
>>> sub/dir/deep.txt
deep
--- request eval
["GET /files/hello.txt", "GET /files/sub/dir/deep.txt"]
--- response_body eval
["hello from a user file\n", "deep\n"]



=== TEST 19: timeout and abort: the client gives up on a hanging upstream
--- no_module
--- config
    location = /hang {
        proxy_pass http://127.0.0.1:$TEST_NGINX_HANG_PORT;
        proxy_read_timeout 10s;
    }
--- request
GET /hang
--- timeout: 300ms
--- abort
--- ignore_response
--- wait: 0.1
--- error_log
client prematurely closed connection



=== TEST 20: four workers under a master (grep_error_log per repetition)
--- no_module
--- skip_eval: 3: $ENV{TEST_NGINX_USE_VALGRIND}
--- config
    location = /w { return 200 "$pid\n"; }
--- request
GET /w
--- response_body_like: ^\d+$
--- grep_error_log eval
qr/start worker process(?= \d)/
--- grep_error_log_out eval
["start worker process\n" x 4, ""]



=== TEST 21: must_die: a bad directive; error_log matches nginx's stderr
--- no_module
--- config
    location = /t { bogus_directive_xyz; }
--- must_die
--- error_log
[emerg]
unknown directive "bogus_directive_xyz"



=== TEST 22: must_die with an exit code, from --- main_config
--- no_module
--- main_config
    bogus_main_directive on;
--- config
--- must_die: 1
--- error_log
[emerg]
unknown directive "bogus_main_directive"



=== TEST 23: skip_nginx skips the given number of tests
--- no_module
--- skip_nginx: 2: >= 0.0.1
--- config
    location = /t { return 200; }
--- request
GET /t
--- error_code: 500
--- response_body
never



=== TEST 24: a --- SKIP block is not run at all
--- SKIP
--- no_module
--- config
    this is not nginx configuration
--- request
GET /t



=== TEST 25: add_block_preprocessor fills in a block
--- no_module
--- pp_word: bonjour



=== TEST 26: TLS, portable: proxy_pass to a TLS unix socket with the test cert
--- no_module
--- http_config
    server {
        listen unix:$TEST_NGINX_HTML_DIR/tls.sock ssl;
        ssl_certificate $TEST_NGINX_CERT;
        ssl_certificate_key $TEST_NGINX_CERT_KEY;
        location / { return 200 "scheme=$scheme sni=$ssl_server_name\n"; }
    }
--- config
    location = /via-tls {
        proxy_pass https://unix:$TEST_NGINX_HTML_DIR/tls.sock;
        proxy_ssl_server_name on;
        proxy_ssl_name localhost;
    }
--- request
GET /via-tls
--- response_body
scheme=https sni=localhost



=== TEST 27: TLS, CPAN's way: --- http2 with curl_protocol https
--- skip_eval: 2: Test::Apisec::cpan_skip('HTTP/2 over TLS through curl failed here in its 0.33 (issue 13)')
--- no_module
--- http2
--- curl_protocol: https
--- curl_options: -k
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_SERVER_PORT ssl http2;
        ssl_certificate $TEST_NGINX_CERT;
        ssl_certificate_key $TEST_NGINX_CERT_KEY;
        location / { return 200 "scheme=$scheme proto=$server_protocol\n"; }
    }
--- config
--- request
GET /h2
--- response_body
scheme=https proto=HTTP/2.0



=== TEST 28: TLS, ours: --- tls sends the request bytes over TLS (HTTP/1.1)
--- skip_eval: 2: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- no_module
--- tls
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_SERVER_PORT ssl;
        ssl_certificate $TEST_NGINX_CERT;
        ssl_certificate_key $TEST_NGINX_CERT_KEY;
        location / {
            return 200 "scheme=$scheme proto=$server_protocol sni=$ssl_server_name\n";
        }
    }
--- config
--- request
GET /tls
--- response_body
scheme=https proto=HTTP/1.1 sni=localhost



=== TEST 29: --- tls to a unix socket, with a raw request
--- skip_eval: 2: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- no_module
--- tls: unix:$TEST_NGINX_HTML_DIR/tls.sock
--- http_config
    server {
        listen unix:$TEST_NGINX_HTML_DIR/tls.sock ssl;
        ssl_certificate $TEST_NGINX_CERT;
        ssl_certificate_key $TEST_NGINX_CERT_KEY;
        location / { return 200 "scheme=$scheme host=$http_host\n"; }
    }
--- config
--- raw_request eval
"GET /x HTTP/1.1\r\nHost: raw.example\r\nConnection: close\r\n\r\n"
--- response_body
scheme=https host=raw.example



=== TEST 30: reload in the middle of a block (SIGHUP between request 1 and 2)
--- skip_eval: 6: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- no_module
--- config
    location = /v { return 200 "v1 $TEST_NGINX_SELFTEST_WORD\n"; }
--- reload_config
    location = /v { return 200 "v2 $TEST_NGINX_SELFTEST_WORD\n"; }
--- reload_after: 1
--- request eval
["GET /v", "GET /v"]
--- response_body eval
["v1 expanded\n", "v2 expanded\n"]
--- no_error_log
[emerg]



=== TEST 31: a reload that fails (--- reload_fails): the old config serves
--- skip_eval: 4: $Test::Apisec::Backend ne 'Test::Apisec::Runner'
--- no_module
--- config
    location = /v { return 200 "old\n"; }
--- reload_http_config
    bogus_http_directive on;
--- reload_fails
--- reload_after: 0
--- request
GET /v
--- response_body
old
--- error_log
[emerg]
unknown directive "bogus_http_directive"



=== TEST 32: $TEST_NGINX_RAND_PORT_N, and proxy_pass to the test server itself
--- no_module
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "backend\n"; }
    }
--- config
    location = /rp { proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/; }
    location = /self { proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/rp; }
--- request
GET /self
--- response_body
backend



=== TEST 33: access_log
--- no_module
--- config
    location = /acc { return 204; }
--- request
GET /acc?x=1
--- error_code: 204
--- access_log
"GET /acc?x=1 HTTP/1.1" 204
--- no_access_log
/nothing-like-this



=== TEST 34: the module is loaded into blocks without --- no_module
--- skip_eval: 2: !-f $ENV{TEST_NGINX_APISEC_MODULE}
--- config
    location = /m { return 200 "m\n"; }
--- request
GET /m
--- response_body
m



=== TEST 35: Test::Apisec::nginx_pid() and worker_pids() (both runners): the master and its 4 workers
--- skip_eval: 2: $ENV{TEST_NGINX_USE_VALGRIND}
--- no_module
--- init
my $master = Test::Apisec::nginx_pid();
my @w;
for (1 .. 100) {
    @w = Test::Apisec::worker_pids();
    last if @w == 4;
    select undef, undef, undef, 0.05;
}
Test::More::is(scalar @w, 4, 'worker_pids(): the 4 workers');
Test::More::ok(!grep({ $_ == $master } @w), 'worker_pids(): not the master');
Test::More::is($master, $Test::Apisec::Runner::NginxPid,
               'nginx_pid(): the master our runner started')
    if Test::Apisec::backend() eq 'Test::Apisec::Runner';
--- config
    location = /w { return 200 "w\n"; }
--- request
GET /w
--- response_body
w
