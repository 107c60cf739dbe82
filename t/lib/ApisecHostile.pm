package ApisecHostile;

# Hostile shapes of tokens and traffic for t/hostile.t (and t/reload_load.t):
#
#   hs($header_json, $claims_json [, $key])
#       an HS256 token over exactly these JSON texts, signed with the
#       t/data/hs.jwk secret (or $key): the signature is valid, so whatever
#       is in the claims reaches the parser.  For shapes jwt-mint cannot
#       pass on a command line (a 100,000-deep JSON is more than Linux's
#       128 KiB limit on one argument).
#   sized($len)
#       a valid HS256 token (kid "hs1", sub "alice", exp in 10 minutes) of
#       exactly $len bytes, whatever $len (from about 100 to many MiB).
#   slowloris(%opt)
#       slow clients that dribble a request header byte by byte, while
#       ordinary requests are made and checked; reports when nginx closed
#       each slow connection.

use strict;
use warnings;

use Digest::SHA qw(hmac_sha256);
use MIME::Base64 qw(encode_base64url decode_base64url);
use JSON::PP ();
use IO::Socket::INET;
use IO::Select;
use Time::HiRes qw(time sleep);
use Errno qw(EAGAIN EWOULDBLOCK EINTR);

use Exporter 'import';
our @EXPORT = qw(hs sized b64u slowloris http_get);

use ApisecJwt ();

my $jwk = do {
    open my $fh, '<', "$ApisecJwt::DATA/hs.jwk" or die "hs.jwk: $!";
    local $/;
    JSON::PP::decode_json(<$fh>);
};

our $HS_KEY = decode_base64url($jwk->{k});

sub b64u { my $s = encode_base64url($_[0]); $s =~ s/=+$//; $s }

sub hs {
    my ($h, $c, $key) = @_;
    my $input = b64u($h) . '.' . b64u($c);
    return $input . '.' . b64u(hmac_sha256($input, $key // $HS_KEY));
}

# base64url without padding: n bytes make ceil(4n/3) characters, never a
# length of 4k+1; a header member of 0..3 bytes moves the total around that
sub sized {
    my ($len) = @_;
    my $exp = int(time) + 600;

    for my $extra (0 .. 3) {
        my $h = '{"alg":"HS256","typ":"JWT","kid":"hs1"'
                . ($extra ? ',"p":"' . ('x' x $extra) . '"' : '') . '}';
        my $base = qq({"sub":"alice","exp":$exp,"pad":""});
        my $want = $len - length(b64u($h)) - 2 - 43;   # claims' b64 length
        next if $want < length(b64u($base)) || $want % 4 == 1;
        my $n = int($want / 4) * 3 + ($want % 4 ? $want % 4 - 1 : 0);
        my $c = qq({"sub":"alice","exp":$exp,"pad":") . ('x' x ($n - length $base))
                . '"}';
        my $t = hs($h, $c);
        return $t if length $t == $len;
    }

    die "sized: cannot make a token of $len bytes\n";
}

# One GET on its own connection: (status, raw response).
sub http_get {
    my ($port, $uri, @headers) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Proto => 'tcp', Timeout => 5)
        or return (undef, "connect: $!");
    my $req = "GET $uri HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
              . join('', map { "$_\r\n" } @headers) . "\r\n";
    print $s $req;
    my $resp = '';
    my $sel = IO::Select->new($s);
    my $deadline = time + 5;
    while (time < $deadline && $sel->can_read($deadline - time)) {
        my $n = sysread($s, my $buf, 65536);
        last unless $n;
        $resp .= $buf;
    }
    close $s;
    my ($status) = $resp =~ m{^HTTP/1\.\d (\d{3})};
    return ($status, $resp);
}

# slowloris(port => P, conns => N, every => seconds, uri => '/jwt',
#           probes => [[uri, [headers], status], ...], max => seconds)
#
# Opens N connections that each send "GET <uri> HTTP/1.1\r\nHost: ..."
# and then one more byte of a never-ending header every "every" seconds.
# Between the bytes, the probes are made on fresh connections, in a loop,
# until every slow connection is closed by nginx or "max" seconds pass.
# Returns { closed => [seconds after connect, or undef], answered =>
# [response bytes a slow client got], probes => [[status, want], ...] }.
sub slowloris {
    my (%o) = @_;
    my @slow;

    for my $i (1 .. $o{conns}) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $o{port}, Proto => 'tcp',
                                      Timeout => 5)
            or die "slowloris: connect: $!";
        $s->blocking(0);
        syswrite($s, "GET $o{uri} HTTP/1.1\r\nHost: localhost\r\n"
                     . "X-Slow-$i: ");
        push @slow, { sock => $s, start => time, closed => undef,
                      got => '' };
    }

    my @probes;
    my $start = time;
    local $SIG{PIPE} = 'IGNORE';

    while (time - $start < $o{max}) {
        my $open = 0;

        for my $c (@slow) {
            next if defined $c->{closed};

            # nginx answered or closed?
            my $n = sysread($c->{sock}, my $buf, 4096);
            if (defined $n && $n > 0) {
                $c->{got} .= $buf;
                next;
            }
            if ((defined $n && $n == 0)
                || (!defined $n && $! != EAGAIN && $! != EWOULDBLOCK
                    && $! != EINTR))
            {
                $c->{closed} = time - $c->{start};
                close $c->{sock};
                next;
            }

            # one more byte of header value: never a line end
            my $w = syswrite($c->{sock}, 'a');
            if (!defined $w && $! != EAGAIN && $! != EWOULDBLOCK) {
                $c->{closed} = time - $c->{start};
                close $c->{sock};
                next;
            }
            $open++;
        }

        last unless $open;

        for my $p (@{ $o{probes} }) {
            my ($status) = http_get($o{port}, $p->[0], @{ $p->[1] });
            push @probes, [$status, $p->[2], $p->[0]];
        }

        sleep $o{every};
    }

    for my $c (@slow) {
        close $c->{sock} unless defined $c->{closed};
    }

    return { closed => [map { $_->{closed} } @slow],
             answered => [map { $_->{got} } @slow],
             probes => \@probes };
}

1;
