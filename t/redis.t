# apisec_redis: limit and ban zones kept in Redis and shared by several
# nginx nodes.  A real redis-server (Debian's) runs on 127.0.0.1, on a free
# port, with a password, in a directory of its own; two more nginx
# processes (nodes 2 and 3, their own configuration, same zones) run beside
# the test's nginx (node 1), which reaches them by proxy_pass.  Redis is
# stopped and started again between blocks: the zones fall back, say so
# once, and use Redis again when it answers.  A second redis-server speaks
# TLS only ("tls", TEST 31-46), with a CA and certificates minted by openssl
# at start; a listener that keeps what it is sent shows what goes on the
# wire first.

use lib 't/lib';
use Test::Apisec 'no_plan';
use ApisecJwt;
use IO::Socket::INET;
use File::Temp qw(tempdir);
use POSIX ();

my @hs = ('--alg', 'HS256', '--key', "$DATA/hs.jwk", '--kid', 'hs1');

our $GOOD = mint(@hs, '--claims', '{"sub":"alice"}', '--exp', 600);

our $REDIS_SERVER = -x '/usr/bin/redis-server' ? '/usr/bin/redis-server'
                                                 : undef;
our $REDIS_CLI = -x '/usr/bin/redis-cli' ? '/usr/bin/redis-cli' : undef;

unless ($REDIS_SERVER && $REDIS_CLI) {
    Test::More::plan(skip_all =>
                     'no redis-server (apt-get install redis-server)');
}

our $DIR = tempdir('apisec-redis-XXXXXX', TMPDIR => 1, CLEANUP => 1);
our $PASSWORD = 'p' . join '', map { int rand 10 } 1 .. 24;
our ($REDIS_PID, $SILENT_PID, @NODE_PIDS);

sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                  LocalPort => 0, Proto => 'tcp') or die;
    my $port = $s->sockport;
    close $s;
    return $port;
}

sub write_file {
    my ($name, $text) = @_;
    open my $fh, '>', $name or die "$name: $!";
    print $fh $text;
    close $fh;
}

sub wait_port {
    my ($port) = @_;
    for (1 .. 100) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $port, Proto => 'tcp');
        return 1 if $s;
        select undef, undef, undef, 0.05;
    }
    die "nothing listens on port $port";
}

sub stop_pid {
    my ($pid) = @_;
    return unless $pid;
    kill 'TERM', $pid;
    my $t = time + 5;
    while (time < $t) {
        return if waitpid($pid, POSIX::WNOHANG()) == $pid;
        select undef, undef, undef, 0.05;
    }
    kill 'KILL', $pid;
    waitpid $pid, 0;
}

$ENV{TEST_NGINX_REDIS_PORT} = free_port();
$ENV{TEST_NGINX_REDIS_PASSWORD_FILE} = "$DIR/password";
$ENV{TEST_NGINX_REDIS_WRONG_FILE} = "$DIR/wrong";
$ENV{TEST_NGINX_SILENT_PORT} = free_port();
$ENV{TEST_NGINX_NODE2_PORT} = free_port();
$ENV{TEST_NGINX_NODE3_PORT} = free_port();

write_file("$DIR/password", "$PASSWORD\n");
write_file("$DIR/wrong", "not-$PASSWORD\n");

# redis-server in the foreground, no persistence, killed at the end
sub redis_start {
    $REDIS_PID = fork;
    die "fork: $!" unless defined $REDIS_PID;
    if ($REDIS_PID == 0) {
        open STDOUT, '>>', "$DIR/redis.log";
        open STDERR, '>&', \*STDOUT;
        exec $REDIS_SERVER, '--port', $ENV{TEST_NGINX_REDIS_PORT},
             '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
             '--dir', $DIR, '--requirepass', $PASSWORD,
             '--daemonize', 'no';
        POSIX::_exit(127);
    }
    wait_port($ENV{TEST_NGINX_REDIS_PORT});
    return 1;
}

sub redis_stop {
    stop_pid($REDIS_PID);
    undef $REDIS_PID;
    return 1;
}

sub redis_cli {
    my $cmd = join ' ', map { "'$_'" } @_;
    my $out = `$REDIS_CLI -h 127.0.0.1 -p $ENV{TEST_NGINX_REDIS_PORT} --no-auth-warning -a '$PASSWORD' $cmd 2>&1`;
    chomp $out;
    return $out;
}

# a server that accepts and never answers: Redis too slow
sub silent_start {
    my $l = IO::Socket::INET->new(Listen => 16, LocalAddr => '127.0.0.1',
                                  LocalPort => $ENV{TEST_NGINX_SILENT_PORT},
                                  Proto => 'tcp', ReuseAddr => 1) or die;
    $SILENT_PID = fork;
    die "fork: $!" unless defined $SILENT_PID;
    if ($SILENT_PID == 0) {
        my @held;
        while (my $c = $l->accept) { push @held, $c }
        POSIX::_exit(0);
    }
    close $l;
}

# nodes 2 and 3: the zones of node 1's blocks, the same names
sub node_start {
    my ($n, $port) = @_;
    my $d = "$DIR/node$n";
    mkdir $d;
    mkdir "$d/logs";
    write_file("$d/nginx.conf", <<"_EOC_");
load_module $ENV{TEST_NGINX_APISEC_MODULE};
daemon off;
master_process off;
worker_processes 1;
error_log $d/logs/error.log info;
pid $d/logs/nginx.pid;
events { worker_connections 64; }
http {
    access_log off;
    apisec_redis r server=127.0.0.1:$ENV{TEST_NGINX_REDIS_PORT}
                 password_file=$DIR/password timeout=1s;
    apisec_limit_zone \$http_x_key zone=shared:1m rate=1r/m redis=r;
    apisec_ban_zone \$http_x_key zone=bans:1m threshold=3 window=60s
                    duration=60s redis=r;
    server {
        listen 127.0.0.1:$port;
        location /limit {
            apisec_limit zone=shared burst=5 nodelay;
            empty_gif;
        }
        location /ban {
            apisec_jwt on;
            apisec_jwt_token \$arg_t;
            apisec_jwt_key_file $DATA/hs.jwk;
            apisec_ban zone=bans;
            empty_gif;
        }
    }
}
_EOC_
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        open STDOUT, '>>', "$d/logs/stdout.log";
        open STDERR, '>&', \*STDOUT;
        exec $ENV{TEST_NGINX_BINARY} || 'nginx', '-p', "$d/", '-c',
             "$d/nginx.conf", '-e', "$d/logs/error.log";
        POSIX::_exit(127);
    }
    push @NODE_PIDS, $pid;
    wait_port($port);
}

# lines of the running nginx (node 1; its pid, so that the lines of an
# earlier nginx in the same file do not count) that match
sub log_count {
    my ($re) = @_;
    my $pid = Test::Apisec::nginx_pid() or return -1;
    open my $fh, '<', server_root() . '/logs/error.log' or return -1;
    my $n = grep { /^\S+ \S+ \[\w+\] $pid#\d+: / && /$re/ } <$fh>;
    close $fh;
    return $n;
}

# how many EVALSHA Redis ran so far
sub evalsha_calls {
    my $info = redis_cli('INFO', 'commandstats');
    return $info =~ /^cmdstat_evalsha:calls=(\d+)/m ? $1 : 0;
}

# GET on node 1 until apisec_status says Redis is up (or 5 s)
sub wait_redis_up {
    my $port = $ENV{TEST_NGINX_SERVER_PORT} || server_port();
    for (1 .. 100) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $port, Proto => 'tcp');
        if ($s) {
            print $s "GET /status HTTP/1.0\r\nHost: localhost\r\n\r\n";
            local $/;
            my $r = <$s> // '';
            return 1 if $r =~ /^apisec_redis_up\{redis="r"\} 1$/m;
        }
        select undef, undef, undef, 0.05;
    }
    return 0;
}

# "tls": a CA and Redis's certificate (SAN redis.test and 127.0.0.1),
# minted now, and a second CA that signed nothing of Redis's
our $TLS_PID;
$ENV{TEST_NGINX_TLS_PORT} = free_port();
$ENV{TEST_NGINX_TLS_DIR} = $DIR;

sub tls_certs {
    my @ec = ('-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
              '-nodes');
    for my $ca ('ca', 'other-ca') {
        system("openssl req -x509 @ec -keyout $DIR/$ca.key -out $DIR/$ca.crt"
               . " -subj /CN=apisec-test-$ca -days 2 2>/dev/null") == 0
            or die "openssl: $ca";
    }
    write_file("$DIR/san.ext",
               "subjectAltName=DNS:redis.test,IP:127.0.0.1\n");
    system("openssl req @ec -keyout $DIR/redis.key -out $DIR/redis.csr"
           . " -subj /CN=redis.test 2>/dev/null") == 0 or die "openssl: csr";
    system("openssl x509 -req -in $DIR/redis.csr -CA $DIR/ca.crt"
           . " -CAkey $DIR/ca.key -CAcreateserial -days 2"
           . " -extfile $DIR/san.ext -out $DIR/redis.crt 2>/dev/null") == 0
        or die "openssl: x509";
    system("openssl req @ec -keyout $DIR/client.key -out $DIR/client.csr"
           . " -subj /CN=apisec-node 2>/dev/null") == 0 or die "openssl: csr";
    system("openssl x509 -req -in $DIR/client.csr -CA $DIR/ca.crt"
           . " -CAkey $DIR/ca.key -CAcreateserial -days 2"
           . " -out $DIR/client.crt 2>/dev/null") == 0
        or die "openssl: x509";
}

sub tls_redis_start {
    $TLS_PID = fork;
    die "fork: $!" unless defined $TLS_PID;
    if ($TLS_PID == 0) {
        open STDOUT, '>>', "$DIR/redis-tls.log";
        open STDERR, '>&', \*STDOUT;
        exec $REDIS_SERVER, '--port', '0',
             '--tls-port', $ENV{TEST_NGINX_TLS_PORT},
             '--tls-cert-file', "$DIR/redis.crt",
             '--tls-key-file', "$DIR/redis.key",
             '--tls-ca-cert-file', "$DIR/ca.crt",
             '--tls-auth-clients', 'no',
             '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
             '--dir', $DIR, '--requirepass', $PASSWORD,
             '--daemonize', 'no';
        POSIX::_exit(127);
    }
    wait_port($ENV{TEST_NGINX_TLS_PORT});
}

sub tls_redis_cli {
    my $cmd = join ' ', map { "'$_'" } @_;
    my $out = `$REDIS_CLI --tls --cacert $DIR/ca.crt --cert $DIR/client.crt --key $DIR/client.key --sni redis.test -h 127.0.0.1 -p $ENV{TEST_NGINX_TLS_PORT} --no-auth-warning -a '$PASSWORD' $cmd 2>&1`;
    chomp $out;
    return $out;
}

# a server that keeps what the first client sends it (2 s at most)
our $CAPTURE_PID;
$ENV{TEST_NGINX_CAPTURE_PORT} = free_port();

sub capture_start {
    my $l = IO::Socket::INET->new(Listen => 16, LocalAddr => '127.0.0.1',
                                  LocalPort => $ENV{TEST_NGINX_CAPTURE_PORT},
                                  Proto => 'tcp', ReuseAddr => 1) or die;
    $CAPTURE_PID = fork;
    die "fork: $!" unless defined $CAPTURE_PID;
    if ($CAPTURE_PID == 0) {
        my $c = $l->accept or POSIX::_exit(1);
        my ($data, $buf) = ('', '');
        my $end = time + 2;
        while (time < $end) {
            my $rin = '';
            vec($rin, fileno($c), 1) = 1;
            last unless select($rin, undef, undef, 0.2) >= 0;
            next unless vec($rin, fileno($c), 1);
            last unless sysread($c, $buf, 65536);
            $data .= $buf;
        }
        write_file("$DIR/captured", $data);
        POSIX::_exit(0);
    }
    close $l;
}

END {
    stop_pid($_) for @NODE_PIDS;
    stop_pid($SILENT_PID);
    stop_pid($TLS_PID);
    stop_pid($CAPTURE_PID);
    redis_stop();
}

tls_certs();
tls_redis_start();
capture_start();

redis_start();
silent_start();
node_start(2, $ENV{TEST_NGINX_NODE2_PORT});
node_start(3, $ENV{TEST_NGINX_NODE3_PORT});

no_shuffle();
run_tests();

__DATA__

=== TEST 1: three nodes, one key, 1r/m burst=5: 6 requests admitted in all, not 18
--- http_config
    apisec_redis r server=127.0.0.1:$TEST_NGINX_REDIS_PORT
                 password_file=$TEST_NGINX_REDIS_PASSWORD_FILE timeout=1s;
    apisec_limit_zone $http_x_key zone=shared:1m rate=1r/m redis=r;
--- config
    location /limit {
        apisec_limit zone=shared burst=5 nodelay;
        empty_gif;
    }
    location /n2/ { proxy_pass http://127.0.0.1:$TEST_NGINX_NODE2_PORT/; }
    location /n3/ { proxy_pass http://127.0.0.1:$TEST_NGINX_NODE3_PORT/; }
--- more_headers
X-Key: t1
--- request eval
[map { ("GET /limit", "GET /n2/limit", "GET /n3/limit") } 1 .. 6]
--- error_code eval
[(200) x 6, (429) x 12]
--- no_error_log
[error]



=== TEST 2: the bucket lives in Redis under the zone's name, with a TTL
--- init
my $ttl = main::redis_cli('PTTL', 'apisec:shared:l:t1');
Test::More::ok($ttl > 300_000 && $ttl <= 361_000, "PTTL $ttl of the bucket");
Test::More::like(main::redis_cli('HGET', 'apisec:shared:l:t1', 'x'),
                 qr/^[56]\d{3}$/, "level of the bucket, in milli-requests");
--- http_config
    apisec_redis r server=127.0.0.1:$TEST_NGINX_REDIS_PORT
                 password_file=$TEST_NGINX_REDIS_PASSWORD_FILE;
    apisec_limit_zone $http_x_key zone=shared:1m rate=1r/m redis=r;
--- config
    location /limit {
        apisec_limit zone=shared burst=5 nodelay;
        empty_gif;
    }
    location /status { apisec_status; }
--- more_headers
X-Key: t1
--- request eval
["GET /limit", "GET /status"]
--- error_code eval
[429, 200]
--- response_body_like eval
["", qr/\napisec_redis_up\{redis="r"\} 1\n[\s\S]*\napisec_redis_fallbacks_total\{redis="r"\} 0\n/]



=== TEST 3: a Redis zone's charge is taken back when another limit of the location refuses
--- http_config
    apisec_redis r server=127.0.0.1:$TEST_NGINX_REDIS_PORT
                 password_file=$TEST_NGINX_REDIS_PASSWORD_FILE;
    apisec_limit_zone $http_x_key zone=shared:1m rate=1r/m redis=r;
    apisec_limit_zone $http_x_key zone=tight:1m rate=1r/m;
--- config
    location /two {
        apisec_limit zone=shared burst=5 nodelay;
        apisec_limit zone=tight nodelay;
        empty_gif;
    }
--- more_headers
X-Key: t3
--- request eval
["GET /two", "GET /two", "GET /two"]
--- error_code eval
[200, 429, 429]



=== TEST 4: ... (the bucket in Redis holds one request, not three) and a delayed request is asked about once
--- init
Test::More::like(main::redis_cli('HGET', 'apisec:shared:l:t3', 'x'),
                 qr/^(9\d\d|1000)$/, "refunded: one request in the bucket");
$::EVALSHA = main::evalsha_calls();
--- http_config
    apisec_redis r server=127.0.0.1:$TEST_NGINX_REDIS_PORT
                 password_file=$TEST_NGINX_REDIS_PASSWORD_FILE;
    apisec_limit_zone $http_x_key zone=halfsec:1m rate=2r/s redis=r;
--- config
    location /delay {
        apisec_limit zone=halfsec burst=5;
        empty_gif;
    }
--- more_headers
X-Key: t4
--- request eval
["GET /delay", "GET /delay"]
--- error_code eval
[200, 200]



=== TEST 5: ... two requests, two questions to Redis: the end of the delay asks nothing
--- init
Test::More::is(main::evalsha_calls() - $::EVALSHA, 2,
               "one question to Redis a request");
Test::More::is(main::log_count(qr/delaying request by \d+ ms, by zone "halfsec"/), 1,
               "the second request was delayed");
--- more_headers
X-Key: t4b
--- request
GET /delay



=== TEST 6: satisfy any: a 401 is one failure for a local ban zone, though the access phase runs again for a Redis limit
--- http_config
    apisec_redis r server=127.0.0.1:$TEST_NGINX_REDIS_PORT
                 password_file=$TEST_NGINX_REDIS_PASSWORD_FILE;
    apisec_limit_zone $http_x_key zone=shared:1m rate=1r/m redis=r;
    apisec_ban_zone $http_x_key zone=local_bans:1m threshold=2 window=60s
                    duration=60s;
--- config
    location /any {
        satisfy any;
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_ban zone=local_bans;
        apisec_limit zone=shared burst=5 nodelay;
        empty_gif;
    }
--- more_headers
X-Key: t6
--- request eval
["GET /any", "GET /any?t=$::GOOD"]
--- error_code eval
[401, 200]



=== TEST 7: bans counted and enforced across nodes: a failure on each, then banned on node 1
--- http_config
    apisec_redis r server=127.0.0.1:$TEST_NGINX_REDIS_PORT
                 password_file=$TEST_NGINX_REDIS_PASSWORD_FILE;
    apisec_ban_zone $http_x_key zone=bans:1m threshold=3 window=60s
                    duration=60s redis=r;
--- config
    location /ban {
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_ban zone=bans;
        empty_gif;
    }
    location /n2/ { proxy_pass http://127.0.0.1:$TEST_NGINX_NODE2_PORT/; }
    location /n3/ { proxy_pass http://127.0.0.1:$TEST_NGINX_NODE3_PORT/; }
--- more_headers
X-Key: t3
--- request eval
["GET /ban", "GET /n2/ban", "GET /n3/ban", "GET /n2/ban?t=$::GOOD"]
--- error_code eval
[401, 401, 401, 429]
--- response_headers eval
["", "", "", "Retry-After: 60"]



=== TEST 8: ... and node 1 refuses the key banned by node 3
--- more_headers
X-Key: t3
--- request
GET /ban?t=$::GOOD
--- error_code: 429
--- response_headers
Retry-After: 60
--- error_log eval
qr/\[info\] .*request refused, "t3" is banned in zone "bans" for \d+ ms more/



=== TEST 9: the scripts are loaded (a first request through this node)
--- http_config
    apisec_redis r server=127.0.0.1:$TEST_NGINX_REDIS_PORT
                 password_file=$TEST_NGINX_REDIS_PASSWORD_FILE;
    apisec_limit_zone $http_x_key zone=shared:1m rate=1r/m redis=r;
--- config
    location /limit {
        apisec_limit zone=shared burst=5 nodelay;
        empty_gif;
    }
--- more_headers
X-Key: t4
--- request
GET /limit
--- no_error_log
lost the scripts



=== TEST 10: SCRIPT FLUSH: the next EVALSHA gets NOSCRIPT, goes again as EVAL, and the scripts are loaded again
--- init
main::redis_cli('SCRIPT', 'FLUSH');
--- more_headers
X-Key: t4
--- request
GET /limit
--- error_log eval
qr/\[warn\] .*apisec: redis "r" lost the scripts, loading them again/
--- no_error_log
[error]



=== TEST 11: ... once: the next request finds the scripts loaded again
--- init
Test::More::is(main::log_count(qr/lost the scripts/), 1,
               "NOSCRIPT said once");
--- more_headers
X-Key: t4
--- request eval
["GET /limit", "GET /limit", "GET /limit", "GET /limit", "GET /limit"]
--- error_code eval
[200, 200, 200, 200, 429]



=== TEST 12: a wrong password: a clear error at first use, the zone falls back, no crash
--- http_config
    apisec_redis r server=127.0.0.1:$TEST_NGINX_REDIS_PORT
                 password_file=$TEST_NGINX_REDIS_WRONG_FILE;
    apisec_limit_zone $http_x_key zone=wrongpw:1m rate=1r/m redis=r;
--- config
    location /limit {
        apisec_limit zone=wrongpw burst=1 nodelay;
        empty_gif;
    }
--- more_headers
X-Key: t6
--- request
GET /limit
--- error_code: 200
--- error_log eval
qr/\[error\] .*apisec: redis "r" at 127\.0\.0\.1:\d+ is unavailable, its zones fall back: Redis answered "WRONGPASS invalid username-password pair or user is disabled\."/



=== TEST 13: ... the zone is the node's own (burst=1), and the password is never logged
--- init
Test::More::is(main::log_count(qr/\Q$::PASSWORD/), 0, "no password in the log");
--- more_headers
X-Key: t6
--- request eval
["GET /limit", "GET /limit"]
--- error_code eval
[200, 429]



=== TEST 14: no password where Redis wants one: NOAUTH said at first use
--- http_config
    apisec_redis r server=127.0.0.1:$TEST_NGINX_REDIS_PORT;
    apisec_limit_zone $http_x_key zone=nopw:1m rate=1r/m redis=r;
--- config
    location /limit {
        apisec_limit zone=nopw burst=1 nodelay;
        empty_gif;
    }
--- more_headers
X-Key: t7
--- request
GET /limit
--- error_code: 200
--- error_log
its zones fall back: Redis answered "NOAUTH Authentication required."



=== TEST 15: Redis too slow: after timeout= the zone falls back, said once
--- http_config
    apisec_redis r server=127.0.0.1:$TEST_NGINX_SILENT_PORT timeout=200ms;
    apisec_limit_zone $http_x_key zone=slow:1m rate=1r/m redis=r;
--- config
    location /limit {
        apisec_limit zone=slow burst=1 nodelay;
        empty_gif;
    }
--- more_headers
X-Key: t8
--- request
GET /limit
--- error_code: 200
--- error_log eval
qr/\[error\] .*apisec: redis "r" at 127\.0\.0\.1:\d+ is unavailable, its zones fall back: timed out/



=== TEST 16: ... and falls back at once for the next requests, said once
--- more_headers
X-Key: t8
--- request eval
["GET /limit", "GET /limit"]
--- error_code eval
[200, 429]



=== TEST 17: ... (the count)
--- init
Test::More::is(main::log_count(qr/is unavailable/), 1, "the switch said once");
--- more_headers
X-Key: t8
--- request
GET /limit
--- error_code: 429



=== TEST 18: the client goes away while its request waits for Redis: the waiter is cancelled, no crash
--- http_config
    apisec_redis r server=127.0.0.1:$TEST_NGINX_SILENT_PORT timeout=1s;
    apisec_limit_zone $http_x_key zone=slow:1m rate=1r/m redis=r;
--- config
    location /limit {
        apisec_limit zone=slow burst=1 nodelay;
        empty_gif;
    }
--- more_headers
X-Key: t9
--- request
GET /limit
--- timeout: 0.3
--- abort
--- ignore_response
--- wait: 1.2
--- error_log
its zones fall back: timed out
--- no_error_log
[alert]



=== TEST 19: Redis stopped: fallback=local, the node's own zone; the switch said once
--- init
main::redis_stop();
--- http_config
    apisec_redis r server=127.0.0.1:$TEST_NGINX_REDIS_PORT
                 password_file=$TEST_NGINX_REDIS_PASSWORD_FILE;
    apisec_limit_zone $http_x_key zone=fb:1m rate=1r/m redis=r
                      fallback=local;
--- config
    location /limit {
        apisec_limit zone=fb burst=1 nodelay;
        empty_gif;
    }
    location /status { apisec_status; }
--- more_headers
X-Key: t10
--- request
GET /limit
--- error_code: 200
--- error_log eval
qr/\[error\] .*apisec: redis "r" at 127\.0\.0\.1:\d+ is unavailable, its zones fall back: /



=== TEST 20: ... the local zone is exact per node, and the switch is not said again
--- more_headers
X-Key: t10
--- request eval
["GET /limit", "GET /limit", "GET /limit"]
--- error_code eval
[200, 429, 429]



=== TEST 21: ... apisec_status says Redis is down and counts the decisions made without it
--- init
Test::More::is(main::log_count(qr/is unavailable/), 1, "the switch said once");
--- request
GET /status
--- response_body_like eval
qr/\napisec_redis_up\{redis="r"\} 0\n[\s\S]*\napisec_redis_fallbacks_total\{redis="r"\} 4\n/



=== TEST 22: Redis started again: a probe finds it, the return is said once, the zone uses Redis again
--- init
main::redis_start();
Test::More::ok(main::wait_redis_up(), "a probe found Redis again");
--- more_headers
X-Key: t13
--- request eval
["GET /limit", "GET /limit", "GET /limit"]
--- error_code eval
[200, 200, 429]



=== TEST 23: ... and the bucket is Redis's
--- init
Test::More::like(main::redis_cli('HGET', 'apisec:fb:l:t13', 'x'),
                 qr/^\d+$/, "the bucket of t13 is in Redis");
Test::More::is(main::log_count(qr/\[warn\] .*apisec: redis "r" at 127\.0\.0\.1:\d+ answers again, its zones use it$/),
               1, "the return said once");
--- request
GET /status
--- response_body_like eval
qr/\napisec_redis_up\{redis="r"\} 1\n/



=== TEST 24: fallback=open admits, fallback=closed refuses with 429 and Retry-After: 1
--- init
main::redis_stop();
--- http_config
    apisec_redis r server=127.0.0.1:$TEST_NGINX_REDIS_PORT
                 password_file=$TEST_NGINX_REDIS_PASSWORD_FILE;
    apisec_limit_zone $http_x_key zone=open:1m rate=1r/m redis=r
                      fallback=open;
    apisec_limit_zone $http_x_key zone=closed:1m rate=1r/m redis=r
                      fallback=closed;
    apisec_ban_zone $http_x_key zone=bans_open:1m threshold=1 window=60s
                    duration=60s redis=r fallback=open;
--- config
    location /open {
        apisec_limit zone=open;
        empty_gif;
    }
    location /closed {
        apisec_limit zone=closed;
        empty_gif;
    }
    location /ban {
        apisec_jwt on;
        apisec_jwt_token $arg_t;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_ban zone=bans_open;
        empty_gif;
    }
--- more_headers
X-Key: t15
--- request eval
["GET /open", "GET /open", "GET /open", "GET /closed", "GET /ban",
 "GET /ban?t=$::GOOD"]
--- error_code eval
[200, 200, 200, 429, 401, 200]
--- response_headers eval
["", "", "", "Retry-After: 1", "", ""]



=== TEST 25: Redis back for the blocks after this one
--- init
main::redis_start();
--- config
    location /t { empty_gif; }
--- request
GET /t



=== TEST 26: an unknown apisec_redis
--- http_config
    apisec_limit_zone $http_x_key zone=z:1m rate=1r/m redis=nowhere;
--- config
--- must_die
--- error_log
unknown apisec_redis "nowhere" (it must be defined before the zones that use it)



=== TEST 27: tls_name= without tls is refused, not silently plain text
--- http_config
    apisec_redis r server=127.0.0.1:6379 tls_name=redis.test;
--- config
--- must_die
--- error_log
"tls_*" parameters need "tls"



=== TEST 28: fallback= without redis=
--- http_config
    apisec_redis r server=127.0.0.1:6379;
    apisec_limit_zone $http_x_key zone=z:1m rate=1r/m fallback=open;
--- config
--- must_die
--- error_log
"fallback" needs "redis"



=== TEST 29: an unknown fallback
--- http_config
    apisec_redis r server=127.0.0.1:6379;
    apisec_ban_zone $http_x_key zone=z:1m threshold=1 window=1s duration=1s
                    redis=r fallback=maybe;
--- config
--- must_die
--- error_log
invalid parameter "fallback=maybe", expected "fallback=local", "fallback=open" or "fallback=closed"



=== TEST 30: an unreadable password file
--- http_config
    apisec_redis r server=127.0.0.1:6379 password_file=/nonexistent/pw;
--- config
--- must_die
--- error_log
open() "/nonexistent/pw" failed



=== TEST 31: tls: a limit shared through Redis over TLS (AUTH inside the TLS session, requirepass), the name checked is server='s address
--- http_config
    apisec_redis t server=127.0.0.1:$TEST_NGINX_TLS_PORT tls
                 tls_trusted_certificate=$TEST_NGINX_TLS_DIR/ca.crt
                 password_file=$TEST_NGINX_REDIS_PASSWORD_FILE timeout=1s;
    apisec_limit_zone $http_x_key zone=tlsz:1m rate=1r/m
                      redis=t fallback=closed;
--- config
    location /limit {
        apisec_limit zone=tlsz burst=1 nodelay;
        empty_gif;
    }
--- more_headers
X-Key: k31
--- request eval
["GET /limit", "GET /limit", "GET /limit"]
--- error_code eval
[200, 200, 429]
--- no_error_log
[error]



=== TEST 32: tls: ... the bucket is in the TLS Redis; tls_name= (SNI and the name checked) a DNS name of the certificate
--- init
Test::More::like(main::tls_redis_cli('HGET', 'apisec:tlsz:l:k31', 'x'),
                 qr/^\d{4}$/, "the bucket of k31 is in the TLS Redis");
--- http_config
    apisec_redis t server=127.0.0.1:$TEST_NGINX_TLS_PORT tls
                 tls_name=redis.test
                 tls_trusted_certificate=$TEST_NGINX_TLS_DIR/ca.crt
                 password_file=$TEST_NGINX_REDIS_PASSWORD_FILE timeout=1s;
    apisec_limit_zone $http_x_key zone=tlsz:1m rate=1r/m
                      redis=t fallback=closed;
--- config
    location /limit {
        apisec_limit zone=tlsz burst=1 nodelay;
        empty_gif;
    }
--- more_headers
X-Key: k31
--- request
GET /limit
--- error_code: 429
--- no_error_log
[error]



=== TEST 33: tls: a certificate of a CA not trusted: refused, the zone falls back, the reason said
--- http_config
    apisec_redis t server=127.0.0.1:$TEST_NGINX_TLS_PORT tls
                 tls_trusted_certificate=$TEST_NGINX_TLS_DIR/other-ca.crt
                 password_file=$TEST_NGINX_REDIS_PASSWORD_FILE timeout=1s;
    apisec_limit_zone $http_x_key zone=tlsz:1m rate=1r/m
                      redis=t fallback=open;
--- config
    location /limit {
        apisec_limit zone=tlsz burst=1 nodelay;
        empty_gif;
    }
    location /status { apisec_status; }
--- more_headers
X-Key: k33
--- request
GET /limit
--- error_code: 200
--- error_log
apisec: redis "t" at 127.0.0.1:
is unavailable, its zones fall back: TLS certificate not trusted: self-signed certificate in certificate chain



=== TEST 34: tls: ... said once, and nothing reached the TLS Redis
--- init
Test::More::is(main::log_count(qr/is unavailable, its zones fall back/), 1,
               "the refusal said once");
Test::More::is(main::tls_redis_cli('EXISTS', 'apisec:tlsz:l:k33'), '0',
               "no bucket of k33 in the TLS Redis");
--- more_headers
X-Key: k33
--- request eval
["GET /limit", "GET /limit", "GET /status"]
--- error_code eval
[200, 200, 200]
--- response_body_like eval
["", "", qr/\napisec_redis_up\{redis="t"\} 0\n[\s\S]*\napisec_redis_fallbacks_total\{redis="t"\} 3\n/]



=== TEST 35: tls: a trusted certificate for another name: refused, the reason said
--- http_config
    apisec_redis t server=127.0.0.1:$TEST_NGINX_TLS_PORT tls
                 tls_name=wrong.test
                 tls_trusted_certificate=$TEST_NGINX_TLS_DIR/ca.crt
                 password_file=$TEST_NGINX_REDIS_PASSWORD_FILE timeout=1s;
    apisec_limit_zone $http_x_key zone=tlsz:1m rate=1r/m
                      redis=t fallback=closed;
--- config
    location /limit {
        apisec_limit zone=tlsz burst=1 nodelay;
        empty_gif;
    }
--- more_headers
X-Key: k35
--- request
GET /limit
--- error_code: 429
--- error_log
apisec: redis "t" at 127.0.0.1:
is unavailable, its zones fall back: TLS certificate does not match "wrong.test"



=== TEST 36: tls: without tls_trusted_certificate= the system store, which does not know the test CA
--- http_config
    apisec_redis t server=127.0.0.1:$TEST_NGINX_TLS_PORT tls
                 password_file=$TEST_NGINX_REDIS_PASSWORD_FILE timeout=1s;
    apisec_limit_zone $http_x_key zone=tlsz:1m rate=1r/m
                      redis=t fallback=closed;
--- config
    location /limit {
        apisec_limit zone=tlsz burst=1 nodelay;
        empty_gif;
    }
--- more_headers
X-Key: k36
--- request
GET /limit
--- error_code: 429
--- error_log
is unavailable, its zones fall back: TLS certificate not trusted: self-signed certificate in certificate chain



=== TEST 37: tls: plain Redis behind "tls" never answers the handshake: timeout= covers it, said so
--- http_config
    apisec_redis r server=127.0.0.1:$TEST_NGINX_REDIS_PORT tls
                 tls_trusted_certificate=$TEST_NGINX_TLS_DIR/ca.crt
                 password_file=$TEST_NGINX_REDIS_PASSWORD_FILE timeout=200ms;
    apisec_limit_zone $http_x_key zone=z:1m rate=1r/m
                      redis=r fallback=closed;
--- config
    location /limit {
        apisec_limit zone=z burst=1 nodelay;
        empty_gif;
    }
--- more_headers
X-Key: k37
--- request
GET /limit
--- error_code: 429
--- error_log
is unavailable, its zones fall back: TLS handshake timed out



=== TEST 38: tls: a client certificate without its key
--- http_config
    apisec_redis t server=127.0.0.1:6379 tls
                 tls_certificate=$TEST_NGINX_TLS_DIR/redis.crt;
--- config
--- must_die
--- error_log
"tls_certificate" and "tls_certificate_key" go together



=== TEST 39: tls: a CA file that does not exist
--- http_config
    apisec_redis t server=127.0.0.1:6379 tls
                 tls_trusted_certificate=/nonexistent/ca.crt;
--- config
--- must_die
--- error_log
SSL_CTX_load_verify_locations("/nonexistent/ca.crt") failed



=== TEST 40: tls: an empty or unprintable tls_name
--- http_config
    apisec_redis t server=127.0.0.1:6379 tls "tls_name=a b";
--- config
--- must_die
--- error_log
invalid name "tls_name=a b": a host name or an IP address



=== TEST 41: tls: tls given twice
--- http_config
    apisec_redis t server=127.0.0.1:6379 tls tls;
--- config
--- must_die
--- error_log
invalid parameter "tls"



=== TEST 42: tls: what goes on the wire first is a TLS ClientHello, never the AUTH and its password
--- http_config
    apisec_redis t server=127.0.0.1:$TEST_NGINX_CAPTURE_PORT tls
                 tls_trusted_certificate=$TEST_NGINX_TLS_DIR/ca.crt
                 password_file=$TEST_NGINX_REDIS_PASSWORD_FILE timeout=200ms;
    apisec_limit_zone $http_x_key zone=tlsz:1m rate=1r/m
                      redis=t fallback=closed;
--- config
    location /limit {
        apisec_limit zone=tlsz nodelay;
        empty_gif;
    }
--- more_headers
X-Key: k42
--- request
GET /limit
--- error_code: 429
--- error_log
is unavailable, its zones fall back: TLS handshake timed out



=== TEST 43: tls: ... (the bytes the server got)
--- init
for (1 .. 60) {
    last if -e "$main::DIR/captured";
    select undef, undef, undef, 0.05;
}
main::stop_pid($main::CAPTURE_PID);
undef $main::CAPTURE_PID;
open my $fh, '<', "$main::DIR/captured" or die "captured: $!";
my $wire = do { local $/; <$fh> };
close $fh;
Test::More::like($wire, qr/^\x16\x03[\x01-\x03]/, "a TLS handshake record");
Test::More::unlike($wire, qr/AUTH|\Q$main::PASSWORD\E|SCRIPT/,
                   "no AUTH, password or command in clear");
--- config
    location /t { empty_gif; }
--- request
GET /t



=== TEST 44: tls: Redis asks for a client certificate (tls-auth-clients yes): tls_certificate= gives it
--- init
Test::More::is(main::tls_redis_cli('CONFIG', 'SET', 'tls-auth-clients', 'yes'),
               'OK', "Redis asks for client certificates");
--- http_config
    apisec_redis t server=127.0.0.1:$TEST_NGINX_TLS_PORT tls
                 tls_trusted_certificate=$TEST_NGINX_TLS_DIR/ca.crt
                 tls_certificate=$TEST_NGINX_TLS_DIR/client.crt
                 tls_certificate_key=$TEST_NGINX_TLS_DIR/client.key
                 password_file=$TEST_NGINX_REDIS_PASSWORD_FILE timeout=1s;
    apisec_limit_zone $http_x_key zone=tlsz:1m rate=1r/m
                      redis=t fallback=closed;
--- config
    location /limit {
        apisec_limit zone=tlsz burst=1 nodelay;
        empty_gif;
    }
--- more_headers
X-Key: k44
--- request eval
["GET /limit", "GET /limit", "GET /limit"]
--- error_code eval
[200, 200, 429]
--- no_error_log
[error]



=== TEST 45: tls: ... and a node without one is refused by Redis
--- http_config
    apisec_redis t server=127.0.0.1:$TEST_NGINX_TLS_PORT tls
                 tls_trusted_certificate=$TEST_NGINX_TLS_DIR/ca.crt
                 password_file=$TEST_NGINX_REDIS_PASSWORD_FILE timeout=1s;
    apisec_limit_zone $http_x_key zone=tlsz:1m rate=1r/m
                      redis=t fallback=closed;
--- config
    location /limit {
        apisec_limit zone=tlsz burst=1 nodelay;
        empty_gif;
    }
--- more_headers
X-Key: k45
--- request
GET /limit
--- error_code: 429
--- error_log
apisec: redis "t" at 127.0.0.1:
is unavailable, its zones fall back:



=== TEST 46: tls: ... (client certificates no longer asked)
--- init
Test::More::is(main::tls_redis_cli('CONFIG', 'SET', 'tls-auth-clients', 'no'),
               'OK', "Redis no longer asks for client certificates");
--- config
    location /t { empty_gif; }
--- request
GET /t
