package ApisecJwt;

# Tokens for the JWT tests, minted when the test file starts (so that no
# fixture ever expires) by t/lib/jwt-mint: python3-jwt for well-formed
# tokens, hand-made shapes for hostile ones.
#
#     use lib 't/lib';
#     use ApisecJwt;
#     our %T = (hs => mint(qw(--alg HS256 --key), "$DATA/hs.jwk"), ...);
#
# Sets $ENV{TEST_NGINX_DATA} (t/data, absolute) for the config sections.

use strict;
use warnings;

use Cwd ();
use File::Basename ();
use File::Spec ();
use Exporter 'import';

our @EXPORT = qw(mint sig_of $DATA);

my $root = Cwd::abs_path(File::Spec->catdir(
    File::Basename::dirname(Cwd::abs_path(__FILE__)), '..', '..'));

our $DATA = "$root/t/data";
$ENV{TEST_NGINX_DATA} = $DATA;

my $python = '/usr/bin/python3';
my $mint = "$root/t/lib/jwt-mint";

# mint(args...): the token jwt-mint prints for these arguments
# Under valgrind (make test-valgrind) a file runs up to 20 times longer
# than its tokens were made for: lifetimes and offsets of a minute or more
# (--exp 600, --nbf 120) are stretched 20 times, so that a token meant to
# be valid, or not yet valid, stays so.  Shorter ones are left alone: the
# blocks that wait for them to pass scale them themselves.
sub mint {
    my @args = @_;
    if ($ENV{TEST_NGINX_USE_VALGRIND}) {
        for my $i (0 .. $#args - 1) {
            $args[$i + 1] *= 20 if $args[$i] =~ /^--(?:exp|nbf|iat)$/
                                   && $args[$i + 1] =~ /^\d+$/
                                   && $args[$i + 1] >= 60;
        }
    }
    open(my $fh, '-|', $python, $mint, @args)
        or die "cannot run $mint: $!";
    my $token = do { local $/; <$fh> };
    close $fh or die "jwt-mint @args failed\n";
    chomp $token;
    return $token;
}

# the part of a token that must never appear in a log: its longest segment
sub sig_of {
    my ($token) = @_;
    my @seg = sort { length $b <=> length $a } split /\./, $token;
    return $seg[0];
}

1;
