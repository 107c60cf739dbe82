package ApisecIdp;

# Starts t/lib/mock-idp (a mock identity provider, Python's standard
# library) on a free loopback port for the life of the test file, and sets
# $ENV{TEST_NGINX_IDP_PORT} for the configuration sections.
#
#     use lib 't/lib';
#     use ApisecIdp;

use strict;
use warnings;

use Cwd ();
use File::Basename ();
use File::Spec ();
use IO::Socket::INET;
use POSIX ();
use Time::HiRes ();

my $root = Cwd::abs_path(File::Spec->catdir(
    File::Basename::dirname(Cwd::abs_path(__FILE__)), '..', '..'));

my $pid;
my $owner = $$;

# a free port, never the test server's (chosen already, not yet bound)
# nor one handed out before
my %given;

sub free_port {
    my $server = eval { main::server_port() } || 0;

    for (1 .. 50) {
        my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                      LocalPort => 0, Proto => 'tcp')
            or die "no free port: $!";
        my $port = $s->sockport;
        close $s;
        next if $port == $server || $given{$port};
        $given{$port} = 1;
        return $port;
    }

    die "no free port\n";
}

sub start {
    my $port = free_port();

    $pid = fork();
    die "fork: $!" unless defined $pid;

    if ($pid == 0) {
        open STDOUT, '>', '/dev/null';
        exec '/usr/bin/python3', "$root/t/lib/mock-idp", $port,
             "$root/t/data"
            or POSIX::_exit(1);
    }

    for (1 .. 100) {
        my $c = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                      Proto => 'tcp');
        if ($c) {
            close $c;
            $ENV{TEST_NGINX_IDP_PORT} = $port;
            return;
        }
        Time::HiRes::sleep(0.05);
    }

    die "mock-idp did not start on port $port\n";
}

start();

END {
    if ($pid && $$ == $owner) {
        my $status = $?;        # the test's own exit status stays
        kill 'TERM', $pid;
        waitpid $pid, 0;
        $? = $status;
    }
}

1;
