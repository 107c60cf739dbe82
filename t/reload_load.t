# Reload under load: wrk drives traffic through JWT, rate-limit and CORS
# locations while nginx (a master, two workers) is reloaded 20 times, the
# JWT key file rotated between reloads: key N+1 is added beside key N, then
# key N is removed.  Asserted:
#
#   - no 5xx and no connection error: wrk's Lua script counts every status
#     (t/reload_load.lua), so the expected 401s and 429s are told apart
#     from 5xx, and wrk's socket errors (connect, read, write, timeout)
#     are all zero;
#   - every location answered what it should throughout (200, 204, 401,
#     429 all seen, nothing else);
#   - rate-limit state survives every reload: a key that used its one
#     request a minute before the first reload is still refused after the
#     20th (a zone reset would let it through);
#   - rotated keys take effect at each reload: a token signed with the new
#     key passes as soon as the new workers serve, both pass while both
#     keys are in the file (asked twice; HMAC verdicts stay out of the
#     shared apisec_jwt_cache zone, so only a worker's memo may answer the
#     second time), and the same token is refused once its key is removed;
#   - no worker exits on a signal, and no alert, crit or emerg is logged.
#
# wrk sends "Connection: close": nginx closes idle keep-alive connections
# when a worker shuts down gracefully, which a keep-alive client sees as a
# read error to retry (RFC 9112, 9.3.1); with one request a connection,
# any socket error wrk counts is a real one.
#
# Needs wrk (util/deps.sh installs it).  About 30 seconds.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use File::Path qw(make_path remove_tree);
use File::Spec;
use Cwd qw(abs_path);
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);

use ApisecJwt;
use ApisecHostile qw(hs http_get b64u);

my $root = abs_path('.');
my $nginx = $ENV{TEST_NGINX_BINARY} // (-x '/usr/sbin/nginx' ? '/usr/sbin/nginx'
                                                            : 'nginx');
my $module = $ENV{TEST_NGINX_APISEC_MODULE}
             // "$root/build/ngx_http_apisec_module.so";
my ($wrk) = grep { -x } map { "$_/wrk" } split /:/, $ENV{PATH} // '';

plan skip_all => 'wrk is not installed (util/deps.sh)' unless $wrk;
plan skip_all => "no module at $module (./util/build.sh)" unless -f $module;

my $RELOADS = $ENV{TEST_RELOADS} // 20;

my $port = do {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                  LocalPort => 0, Proto => 'tcp')
        or die "no free port: $!";
    my $p = $s->sockport;
    close $s;
    $p;
};

my $dir = "$root/t/servroot_reload_$port";
remove_tree($dir);
make_path("$dir/conf", "$dir/logs", "$dir/html");
my $errlog = "$dir/logs/error.log";

# --- keys: hs1 (t/data/hs.jwk) signs wrk's tokens and never changes; the
# rotated file holds "rot-N" secrets

sub secret { join '', map { chr int rand 256 } 1 .. 32 }

my @rot = map { { kid => "rot-$_", key => secret() } } 0 .. $RELOADS;

sub write_keys {
    my @keys = @_;
    my $jwks = '{"keys":['
        . join(',', map { qq({"kty":"oct","kid":"$_->{kid}","alg":"HS256",)
                          . qq("k":") . b64u($_->{key}) . '"}' } @keys)
        . ']}';
    open my $fh, '>', "$dir/conf/rotated.jwks.tmp" or die $!;
    print $fh $jwks;
    close $fh;
    rename "$dir/conf/rotated.jwks.tmp", "$dir/conf/rotated.jwks" or die $!;
}

sub token {
    my ($k, $sub) = @_;
    my $exp = int(time) + 600;
    return hs(qq({"alg":"HS256","typ":"JWT","kid":"$k->{kid}"}),
              qq({"sub":"$sub","exp":$exp}), $k->{key});
}

# one token a rotated key, the same all along: the verified-token cache
# has it from the reload its key came in, and must not serve it once the
# key is gone
$_->{token} = token($_, $_->{kid}) for @rot;

sub write_conf {
    my ($gen) = @_;
    open my $fh, '>', "$dir/conf/nginx.conf" or die $!;
    print $fh <<"CONF";
load_module $module;
worker_processes 2;
error_log logs/error.log info;
pid logs/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    apisec_limit_zone \$http_x_key zone=per_key:1m rate=1r/m;
    apisec_limit_zone \$binary_remote_addr zone=per_ip:1m rate=50r/s;

    server {
        listen 127.0.0.1:$port;
        server_name localhost;

        location = /gen { return 200 "$gen"; }

        location /jwt {
            apisec_jwt on;
            apisec_jwt_key_file $DATA/hs.jwk;
            apisec_jwt_key_file $dir/conf/rotated.jwks;
            apisec_jwt_cache zone=verified:1m;
            add_header X-Auth-Result \$apisec_auth_result always;
            add_header X-Cache \$apisec_jwt_cache_status always;
            empty_gif;
        }

        location /limit {
            apisec_limit zone=per_ip burst=20 nodelay;
            empty_gif;
        }

        location /probe {
            apisec_limit zone=per_key;
            empty_gif;
        }

        location /cors {
            apisec_cors_origins https://app.example.com;
            apisec_cors_headers Authorization;
            apisec_jwt on;
            apisec_jwt_key_file $DATA/hs.jwk;
            empty_gif;
        }
    }
}
CONF
    close $fh;
}

sub master_pid {
    open my $fh, '<', "$dir/logs/nginx.pid" or return;
    my $pid = <$fh>;
    chomp $pid if defined $pid;
    return $pid;
}

sub workers {
    my ($ppid) = @_;
    my @kids;
    opendir my $dh, '/proc' or return;
    for my $p (grep { /^\d+$/ } readdir $dh) {
        open my $fh, '<', "/proc/$p/stat" or next;
        my $stat = <$fh> // '';
        push @kids, $p if $stat =~ /^\d+ \(.*\) \S+ (\d+)/ && $1 == $ppid;
    }
    return @kids;
}

my ($master, $wrk_pid);

END {
    kill 'TERM', $wrk_pid if $wrk_pid;
    if ($master && kill 0, $master) {
        kill 'QUIT', $master;
        for (1 .. 50) { last unless kill 0, $master; sleep 0.1 }
        kill 'KILL', $master if kill 0, $master;
    }
    remove_tree($dir) unless $ENV{TEST_NGINX_NO_CLEAN} || !$dir;
}

# --- start

write_keys($rot[0]);
write_conf(0);

system($nginx, '-p', "$dir/", '-c', "$dir/conf/nginx.conf",
       '-e', $errlog) == 0
    or BAIL_OUT("nginx did not start: " . `cat $errlog`);

for (1 .. 100) { $master = master_pid() and last; sleep 0.05 }
BAIL_OUT('no master pid') unless $master;
for (1 .. 100) { last if ((http_get($port, '/gen'))[0] // 0) == 200; sleep 0.05 }

# the rate-limit probe: its one request a minute, used now
my @probe = ('X-Key: probe');
is((http_get($port, '/probe', @probe))[0], 200, 'probe: first request admitted');
is((http_get($port, '/probe', @probe))[0], 429, 'probe: second request refused');

my $good = token({ kid => 'hs1', key => $ApisecHostile::HS_KEY }, 'wrk');
my $expired = hs('{"alg":"HS256","typ":"JWT","kid":"hs1"}',
                 '{"sub":"wrk","exp":' . (int(time) - 60) . '}');
my $forged = token({ kid => 'hs1', key => secret() }, 'mallory');

# --- wrk, in the background

my $duration = int(2 + $RELOADS * 1.2);
my $wrk_out = "$dir/wrk.out";
{
    local $ENV{APISEC_GOOD} = $good;
    local $ENV{APISEC_EXPIRED} = $expired;
    local $ENV{APISEC_FORGED} = $forged;

    $wrk_pid = fork // die "fork: $!";
    if ($wrk_pid == 0) {
        open STDOUT, '>', $wrk_out or POSIX::_exit(1);
        open STDERR, '>&', \*STDOUT;
        { exec $wrk, '-t', '1', '-c', '4', '-d', "${duration}s", '--timeout',
               '5s', '-s', "$root/t/reload_load.lua", "http://127.0.0.1:$port" }
        POSIX::_exit(127);
    }
}

sleep 1;

# --- 20 reloads: even ones add the next key, odd ones remove the old one

my ($took_max, @fail) = (0);
my $cur = 0;

for my $gen (1 .. $RELOADS) {
    my $adding = $gen % 2;
    my ($old, $new) = ($rot[$cur], $rot[$cur + 1]);

    write_keys($adding ? ($old, $new) : ($new));
    write_conf($gen);

    my @before = workers($master);
    my $t0 = time;
    kill 'HUP', $master or BAIL_OUT("cannot signal the master: $!");

    # served by the new configuration: /gen answers the generation, the
    # old workers are gone (they finished what they had in flight)
    my $ok = 0;
    while (time - $t0 < 10) {
        my ($st, $resp) = http_get($port, '/gen');
        my %old = map { $_ => 1 } @before;
        if (defined $st && $resp =~ /\r\n\r\n\Q$gen\E\z/
            && !grep { $old{$_} } workers($master))
        {
            $ok = 1;
            last;
        }
        sleep 0.02;
    }
    my $took = time - $t0;
    $took_max = $took if $took > $took_max;
    push @fail, "reload $gen not done after 10 s" unless $ok;

    my ($st_new) = http_get($port, '/jwt', "Authorization: Bearer $new->{token}");
    my ($st_old, $r_old) = http_get($port, '/jwt',
                                    "Authorization: Bearer $old->{token}");
    my ($st_probe) = http_get($port, '/probe', @probe);

    push @fail, "reload $gen: token of the new key $new->{kid}: $st_new"
        unless ($st_new // 0) == 200;
    push @fail, "reload $gen: token of the " . ($adding ? 'old' : 'removed')
                . " key $old->{kid}: $st_old, expected "
                . ($adding ? 200 : 401)
        unless ($st_old // 0) == ($adding ? 200 : 401);

    # both keys listed: the old key's token passes again.  HMAC verdicts
    # never enter the shared zone (verifying costs less than caching,
    # t/jwt_cache.t TESTs 5a, 5b): only the worker that verified it may
    # answer from its memo, so with two workers either answer is right
    if ($adding) {
        my ($st_again, $again) = http_get($port, '/jwt',
                                      "Authorization: Bearer $old->{token}");
        push @fail, "reload $gen: the old key's token, asked twice: "
                    . ($st_again // 'no answer')
            unless ($st_again // 0) == 200
                   && $again =~ /^X-Cache: (?:HIT|MISS)\r$/m;
    }
    push @fail, "reload $gen: the probe got $st_probe, its zone state is lost"
        unless ($st_probe // 0) == 429;

    $cur++ unless $adding;
    sleep 0.6;
}

is("@fail", '', "$RELOADS reloads: new keys pass at once, both pass side by "
                . "side, removed ones fail, rate-limit state kept");
diag(sprintf "slowest reload: %.0f ms", $took_max * 1000);

is((http_get($port, '/probe', @probe))[0], 429,
   'probe: still refused after all reloads (zone not reset)');

# a key removed at the last rotation no longer verifies
my ($st) = http_get($port, '/jwt', "Authorization: Bearer $rot[0]{token}");
is($st, 401, 'the first key, long rotated out, is refused');

# --- wrk's report

waitpid($wrk_pid, 0);
undef $wrk_pid;
my $report = do { local $/; open my $fh, '<', $wrk_out or die $!; <$fh> };
diag($report) if $ENV{TEST_VERBOSE};

my %n = $report =~ /^STATUS (\d{3}) (\d+)$/mg;
my %err = $report =~ /^ERRORS (\w+) (\d+)$/mg;
my ($total) = $report =~ /^TOTAL (\d+)$/m;

ok(($total // 0) > 0, "wrk made " . ($total // 0) . " requests");
# wrk's "status" errors are its "Non-2xx or 3xx responses": the 401s and
# 429s expected here, and any 5xx
is(join(' ', map { "$_=$err{$_}" } grep { $_ ne 'status' } sort keys %err),
   'connect=0 read=0 timeout=0 write=0', 'wrk: no socket error');
is($err{status} // -1, ($n{401} // 0) + ($n{429} // 0),
   "wrk: its non-2xx/3xx count ($err{status}) is the 401s and 429s");
is(join(' ', grep { $_ >= 500 } sort keys %n), '', 'wrk: no 5xx status');
is(join(' ', grep { !/^(200|204|401|429)$/ } sort keys %n), '',
   'wrk: only the expected statuses');
for my $s (200, 204, 401, 429) {
    ok(($n{$s} // 0) > 0, "wrk: status $s seen " . ($n{$s} // 0) . " times");
}
diag(join ' ', map { "$_: $n{$_}" } sort keys %n);

# --- the error log

my $log = do { local $/; open my $fh, '<', $errlog or die $!; <$fh> };
my @bad = grep { /exited on signal|\[alert\]|\[crit\]|\[emerg\]|AddressSanitizer|runtime error:/ }
          split /\n/, $log;
is(join("\n", @bad[0 .. ($#bad < 9 ? $#bad : 9)]), '',
   'error.log: no crash, alert, crit or emerg');
my $reloaded = () = $log =~ /signal 1 \(SIGHUP\) received/g;
is($reloaded, $RELOADS, "error.log: $RELOADS reconfigurations");

done_testing();
