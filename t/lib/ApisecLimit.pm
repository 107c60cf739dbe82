package ApisecLimit;

# Drives the rate-limit suites (t/limit.t, t/limit_concurrency.t): fires
# many requests at the running test nginx, times them, and checks the
# admitted count against what the limiter's algorithm allows for the
# elapsed time the client itself measured.
#
# A block opts in with a "--- fire" section holding a Perl hash:
#
#     --- fire
#     { path => '/api', n => 50, rate => 10, burst => 0 }
#
#   path      the URI (all requests carry the same "X-User: <key>")
#   n         requests per connection, pipelined on that connection
#   conns     parallel connections (default 1)
#   rate      the zone's rate in requests a second
#   burst     the limit's burst
#   rounds    [ pause_ms, ... ]: fire again after each pause (same key)
#   headers   extra request headers, "Name: value" strings
#   delay     1: check the delays of a burst without nodelay (see below)
#   probe     a URI fetched on its own connection while the burst is
#             pending; it must answer before the first delayed response
#
# The algorithm (docs/rate-limiting.md) admits, from an idle key, 1 + burst
# requests at once and rate * t more over t seconds, so for a round that
# took E ms from the first byte sent to the last byte read:
#
#     1 + burst  <=  admitted  <=  1 + burst + floor(rate * E / 1000)
#
# which is exact (one value) when E < 1000 / rate.  Registered with
# add_response_body_check, so it works under CPAN's Test::Nginx too.

use strict;
use warnings;

use IO::Socket::INET;
use IO::Select;
use Time::HiRes qw(time sleep);
use Test::More;

our @EXPORT_OK = qw(fire check_block check_final_log);
use Exporter 'import';

my $Seq = 0;

# one round: returns { codes => [...], times => [ms...], elapsed => ms,
# headers => [ {...} ] }
sub fire {
    my (%o) = @_;
    my $port = $o{port};
    my $conns = $o{conns} || 1;
    my $n = $o{n} || 1;
    my $key = $o{key};
    my @extra = @{ $o{headers} || [] };

    my $req = "GET $o{path} HTTP/1.1\r\nHost: localhost\r\n"
              . "X-User: $key\r\n"
              . join('', map { "$_\r\n" } @extra) . "\r\n";

    my $t0 = time;
    my (@socks, %state);

    for my $i (1 .. $conns) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $port, Proto => 'tcp')
            or die "connect: $!";
        $s->autoflush(1);
        push @socks, $s;
        $state{fileno $s} = { buf => '', want => $n, got => [] };
    }

    # all requests out first (pipelined per connection), then read
    for my $s (@socks) {
        my $data = $req x $n;
        while (length $data) {
            my $w = syswrite($s, $data);
            die "write: $!" unless defined $w;
            substr($data, 0, $w) = '';
        }
    }

    my $written = (time - $t0) * 1000;
    my $sel = IO::Select->new(@socks);
    my (@codes, @times, @hdrs);
    my $deadline = $t0 + ($o{timeout} || 10);

    while ($sel->count && time < $deadline) {
        for my $s ($sel->can_read(0.5)) {
            my $st = $state{fileno $s};
            my $r = sysread($s, my $chunk, 65536);
            if (!$r) {
                $sel->remove($s);
                next;
            }
            $st->{buf} .= $chunk;

            while ($st->{buf} =~ /^HTTP\/1\.1 (\d+)[^\r]*\r\n(.*?)\r\n\r\n/s) {
                my ($code, $h) = ($1, $2);
                my $hlen = $+[0];
                my %h;
                for (split /\r\n/, $h) {
                    $h{lc $1} = $2 if /^([^:]+):\s*(.*)$/;
                }
                my $clen = $h{'content-length'} // 0;
                last if length($st->{buf}) < $hlen + $clen;
                substr($st->{buf}, 0, $hlen + $clen) = '';
                push @codes, $code;
                push @times, (time - $t0) * 1000;
                push @hdrs, \%h;
                if (--$st->{want} == 0) {
                    $sel->remove($s);
                    last;
                }
            }
        }
    }

    my $elapsed = (time - $t0) * 1000;
    close $_ for @socks;

    return { codes => \@codes, times => \@times, headers => \@hdrs,
             elapsed => $elapsed, written => $written };
}

sub get_one {
    my ($port, $path) = @_;
    my $r = fire(port => $port, path => $path, n => 1, key => 'probe');
    return $r;
}

# the add_response_body_check callback
sub check_block {
    my ($block, $body, $idx, $repeated, $dry_run) = @_;

    return unless defined $block->fire;
    return if $dry_run || $idx || $repeated;

    my $spec = eval $block->fire;
    die "bad --- fire: $@" if $@;

    my $name = $block->name;
    my $port = $ENV{TEST_NGINX_SERVER_PORT} || 1984;
    my $key = "u$$-" . $Seq++ . "-" . int(rand(1e9));
    my $total = ($spec->{conns} || 1) * ($spec->{n} || 1);
    my @pauses = (0, @{ $spec->{rounds} || [] });

    for my $round (0 .. $#pauses) {
        sleep($pauses[$round] / 1000) if $pauses[$round];

        my $probe_pid;
        my $probe_file = "/tmp/apisec-limit-probe.$$";
        if ($spec->{probe}) {
            unlink $probe_file;
            $probe_pid = fork();
            if (!$probe_pid) {
                sleep 0.03;     # while the burst is pending
                my $t = time;
                my $r = get_one($port, $spec->{probe});
                open my $f, '>', $probe_file;
                print $f "$r->{codes}[0] ", (time - $t) * 1000, "\n";
                close $f;
                require POSIX;
                POSIX::_exit(0);
            }
        }

        my $r = fire(%$spec, port => $port, key => $key);

        waitpid($probe_pid, 0) if $probe_pid;

        my @codes = @{ $r->{codes} };
        my $admitted = grep { $_ == 200 } @codes;
        my $refused = grep { $_ == ($spec->{status} || 429) } @codes;
        my $e = $r->{elapsed};

        if ($spec->{delay}) {
            # every request is decided when it arrives, not when its delay
            # ends: by the time the last byte was written, or the last
            # refusal read, whichever is later
            my @ref = map { $r->{times}[$_] }
                      grep { $codes[$_] != 200 } 0 .. $#codes;
            $e = $r->{written};
            for (@ref) { $e = $_ if $_ > $e }
        }
        my $min = 1 + $spec->{burst};
        my $max = $min + int($spec->{rate} * $e / 1000);
        $max = $total if $max > $total;
        $min = $total if $min > $total;

        my $desc = sprintf("%s - round %d: %d of %d admitted in %.1f ms, "
                           . "allowed %d..%d", $name, $round, $admitted,
                           $total, $e, $min, $max);

        is(scalar @codes, $total, "$name - round $round: every response");
        is($admitted + $refused, $total,
           "$name - round $round: only 200 and the refusal status");
        ok($admitted >= $min && $admitted <= $max, $desc);

        if ($e < 1000 / $spec->{rate}) {
            is($admitted, $min, "$name - round $round: exactly $min "
                                . "(elapsed under one interval)");
        } else {
            diag("$name: round $round took $e ms, over one interval");
        }

        if ($spec->{delay}) {
            # the admitted ones answer after k * interval, k = 0 .. burst
            my $iv = 1000 / $spec->{rate};
            my @t = sort { $a <=> $b }
                    map { $r->{times}[$_] }
                    grep { $codes[$_] == 200 } 0 .. $#codes;
            my @late = sort { $a <=> $b }
                       map { $r->{times}[$_] }
                       grep { $codes[$_] != 200 } 0 .. $#codes;
            for my $k (0 .. $#t) {
                my $lo = $k * $iv - 20;
                my $hi = $k * $iv + 150;
                ok($t[$k] >= $lo && $t[$k] <= $hi,
                   sprintf("%s - admitted #%d answered at %.0f ms, "
                           . "expected %.0f..%.0f", $name, $k, $t[$k],
                           $lo, $hi));
            }
            ok(!@late || $late[-1] < $iv,
               sprintf("%s - refusals are not delayed (last at %.0f ms)",
                       $name, $late[-1] // 0));
        }

        if ($spec->{probe}) {
            open my $f, '<', $probe_file or die "probe: $!";
            my ($code, $ms) = split ' ', scalar <$f>;
            close $f;
            unlink $probe_file;
            is($code, 200, "$name - the probe is served");
            ok($ms < 1000 / $spec->{rate},
               sprintf("%s - the probe answered in %.0f ms, while the "
                       . "burst was delayed", $name, $ms));
        }

        if ($spec->{check}) {
            $spec->{check}->($r, $name, $round);
        }
    }
}

# "--- final_error_log eval": regexes that must match error.log lines once
# the block's last request is answered.  For events that only the last of
# several requests causes (--- error_log is checked after every request).
sub check_final_log {
    my ($block, $body, $idx, $repeated, $dry_run) = @_;

    my $pats = $block->final_error_log;
    return unless defined $pats && !$dry_run;

    my $reqs = $block->request;
    my $last = ref $reqs eq 'ARRAY' ? $#$reqs : 0;
    return unless $idx == $last;

    sleep 0.05;     # the log phase of the last request

    my $file = main::server_root() . '/logs/error.log';
    open my $f, '<', $file or die "$file: $!";
    my @lines = <$f>;
    close $f;

    for my $pat (ref $pats eq 'ARRAY' ? @$pats : ($pats)) {
        ok(scalar(grep { /$pat/ } @lines),
           $block->name . " - error.log has a line matching $pat");
    }
}

1;
