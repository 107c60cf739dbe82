package Test::Apisec;

# The one line every t/*.t file uses:
#
#     use lib 't/lib';
#     use Test::Apisec 'no_plan';     # or: use Test::Apisec tests => 12;
#
# It picks the backend that runs the Test::Nginx::Socket data format:
# CPAN's Test::Nginx::Socket when it can be loaded, else the repository's
# own runner, Test::Apisec::Runner.  TEST_APISEC_RUNNER=cpan|own forces
# one.  Either way the caller gets the backend's exports (run_tests,
# no_shuffle, repeat_each, ..., and Test::More's functions) exactly as
# with "use Test::Nginx::Socket", and the defaults below:
#
#   TEST_NGINX_BINARY          /usr/sbin/nginx if it exists (set it to
#                              "nginx" to take nginx from PATH)
#   TEST_NGINX_APISEC_MODULE   <repo>/build/ngx_http_apisec_module.so
#   TEST_NGINX_HTML_DIR        the backend's html_dir()
#   TEST_NGINX_RANDOMIZE       1 (random port and t/servroot_<port>) unless
#                              a port or server root is given
#   TEST_NGINX_CERT            a self-signed certificate (CN localhost,
#   TEST_NGINX_CERT_KEY        SAN DNS:localhost, IP:127.0.0.1) and its key
#
# and a block preprocessor that puts "load_module <module>;" first in each
# block's --- main_config, unless the block has a --- no_module section.

use strict;
use warnings;

use Cwd ();
use File::Basename ();
use File::Spec ();
use File::Path ();
use Time::HiRes ();
use Test::More ();

# <repo>/t/lib/Test/Apisec.pm -> <repo>
our $RepoRoot = File::Spec->rel2abs(File::Spec->catdir(
    File::Basename::dirname(Cwd::abs_path(__FILE__)), '..', '..', '..'));
$RepoRoot = Cwd::abs_path($RepoRoot);

our $Backend;       # 'Test::Nginx::Socket' or 'Test::Apisec::Runner'
our $CertDir = File::Spec->catdir($RepoRoot, 't', 'servroot-certs');

sub backend { $Backend }

# Sections that only our runner knows (t/README.md).  CPAN's runner would
# run such a block without them, so without the TLS or the reload that its
# expectations rely on.
our @OwnOnlySections = qw(tls tls_sni reload_config reload_http_config
                          reload_after reload_fails);

# For "--- skip_eval: N: Test::Apisec::cpan_skip('why')": true under CPAN's
# Test::Nginx, where the block cannot run (the reason is shown as a note),
# false under our runner.
sub cpan_skip {
    my ($reason) = @_;
    return 0 if $Backend eq 'Test::Apisec::Runner';
    Test::More::note("skipped under CPAN's Test::Nginx: $reason");
    return 1;
}

# The pid of the running nginx (its master, or the single process), from
# the pid file that both runners have nginx write under server_root().
# Waits up to the runner's timeout for the file (CPAN's runner does not wait
# for nginx to write it); undef if it never comes.
sub nginx_pid {
    my $file = File::Spec->catfile($Backend->can('server_root')->(),
                                   'logs', 'nginx.pid');
    my $deadline = Time::HiRes::time() + $Backend->can('timeout')->();
    while (1) {
        if (open my $fh, '<', $file) {
            my $pid = <$fh>;
            close $fh;
            return $1 if defined $pid && $pid =~ /^\s*(\d+)\s*$/;
        }
        return undef if Time::HiRes::time() > $deadline;
        Time::HiRes::sleep(0.05);
    }
}

# The worker processes of the running nginx: the master's children (from
# /proc, Linux) other than the cache manager and loader.  Waits up to the
# runner's timeout for at least one.  Empty without a master process.
sub worker_pids {
    my $master = nginx_pid();
    return () unless defined $master;
    my $deadline = Time::HiRes::time() + $Backend->can('timeout')->();
    while (1) {
        my @workers;
        if (opendir my $dh, '/proc') {
            for my $p (grep { /^\d+$/ } readdir $dh) {
                open my $fh, '<', "/proc/$p/stat" or next;
                my $stat = <$fh> // '';
                close $fh;
                next unless $stat =~ /^\d+ \(.*\) [^Z] (\d+)/s
                            && $1 == $master;
                my $cmd = '';
                if (open my $cf, '<', "/proc/$p/cmdline") {
                    $cmd = do { local $/; <$cf> } // '';
                    close $cf;
                }
                push @workers, $p unless $cmd =~ /cache (?:manager|loader)/;
            }
            closedir $dh;
        }
        return sort { $a <=> $b } @workers
            if @workers || Time::HiRes::time() > $deadline;
        Time::HiRes::sleep(0.05);
    }
}

# Environment defaults.  They must be in place before the backend is
# loaded: Test::Nginx::Util reads them at load time.
sub _set_env_defaults {
    if (!defined $ENV{TEST_NGINX_BINARY}) {
        $ENV{TEST_NGINX_BINARY} = -x '/usr/sbin/nginx' ? '/usr/sbin/nginx'
                                                       : 'nginx';
    }
    $ENV{TEST_NGINX_APISEC_MODULE} ||= File::Spec->catfile(
        $RepoRoot, 'build', 'ngx_http_apisec_module.so');

    # Several test runs may share this checkout at once: unless told which
    # port or server root to use, take a random free port and
    # t/servroot_<port> (removed at exit).  TEST_NGINX_RANDOMIZE=0 gives
    # Test::Nginx's fixed 1984 and t/servroot.
    if (!grep { defined $ENV{$_} } qw(TEST_NGINX_RANDOMIZE TEST_NGINX_PORT
                                      TEST_NGINX_SERVER_PORT
                                      TEST_NGINX_SERVROOT))
    {
        $ENV{TEST_NGINX_RANDOMIZE} = 1;
    }
}

# A self-signed certificate for TLS tests, made with openssl once and
# reused until it is a day old.  Written atomically (temp name + rename)
# so that parallel test files never see half a file.
sub _make_cert {
    my $crt = File::Spec->catfile($CertDir, 'localhost.crt');
    my $key = File::Spec->catfile($CertDir, 'localhost.key');
    $ENV{TEST_NGINX_CERT} ||= $crt;
    $ENV{TEST_NGINX_CERT_KEY} ||= $key;
    return if $ENV{TEST_NGINX_CERT} ne $crt;    # the caller brought its own

    return if -s $crt && -s $key && -M $crt < 1;

    File::Path::make_path($CertDir);
    my ($tcrt, $tkey) = ("$crt.$$", "$key.$$");
    my @cmd = ('openssl', 'req', '-x509', '-newkey', 'ec',
               '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
               '-days', '3', '-subj', '/CN=localhost',
               '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
               '-keyout', $tkey, '-out', $tcrt);
    my $pid = fork();
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        open STDOUT, '>', '/dev/null';
        open STDERR, '>', '/dev/null';
        { exec { $cmd[0] } @cmd }
        require POSIX;
        POSIX::_exit(127);
    }
    waitpid($pid, 0);
    if ($? != 0 || !-s $tcrt || !-s $tkey) {
        unlink $tcrt, $tkey;
        die "Test::Apisec: could not make a test certificate with: @cmd\n";
    }
    rename $tkey, $key or die "rename $tkey: $!";
    rename $tcrt, $crt or die "rename $tcrt: $!";
}

# Under CPAN's Test::Nginx, nginx's own startup errors (the ones
# --- must_die blocks match with --- error_log) go to nginx's compiled-in
# error log.  Debian's nginx is built with --error-log-path=stderr, so they
# would never reach t/servroot/logs/error.log, where Test::Nginx looks.  In
# that case, and only when we chose the binary ourselves, run nginx through
# a wrapper that adds "-e logs/error.log" (relative to the -p prefix).  Our
# own runner redirects nginx's stderr into error.log itself.
sub _cpan_stderr_wrapper {
    my ($bin) = @_;
    my $out = `'$bin' -V 2>&1`;
    return unless defined $out && $out =~ /--error-log-path=stderr\b/;
    File::Path::make_path($CertDir);
    my $wrapper = File::Spec->catfile($CertDir, 'nginx-errlog-wrapper');
    my $tmp = "$wrapper.$$";
    open my $fh, '>', $tmp or die "$tmp: $!";
    print $fh "#!/bin/sh\n# made by t/lib/Test/Apisec.pm\n"
              . "exec '$bin' -e logs/error.log \"\$@\"\n";
    close $fh;
    chmod 0755, $tmp;
    rename $tmp, $wrapper or die "rename $tmp: $!";
    $ENV{TEST_NGINX_BINARY} = $wrapper;
}

sub _choose_backend {
    my $want = $ENV{TEST_APISEC_RUNNER} // '';
    die "TEST_APISEC_RUNNER must be 'own' or 'cpan', not '$want'\n"
        if $want ne '' && $want ne 'own' && $want ne 'cpan';

    if ($want ne 'own') {
        my $user_binary = defined $ENV{TEST_NGINX_BINARY};
        _set_env_defaults();
        if (eval { require Test::Nginx::Socket; 1 }) {
            _cpan_stderr_wrapper($ENV{TEST_NGINX_BINARY}) unless $user_binary;
            return 'Test::Nginx::Socket';
        }
        die "TEST_APISEC_RUNNER=cpan but Test::Nginx::Socket cannot be "
            . "loaded: $@" if $want eq 'cpan';
    }
    _set_env_defaults();
    require Test::Apisec::Runner;
    return 'Test::Apisec::Runner';
}

sub import {
    my $class = shift;
    my @args = @_;

    $Backend ||= _choose_backend();
    _make_cert();

    my $html_dir = $Backend->can('html_dir')->();
    $ENV{TEST_NGINX_HTML_DIR} ||= $html_dir;

    my $module = $ENV{TEST_NGINX_APISEC_MODULE};
    $Backend->can('add_block_preprocessor')->(sub {
        my $block = shift;

        # Under CPAN's runner, a block with our own sections that does not
        # say itself when to skip (--- skip_eval) is not run at all.
        if ($Backend ne 'Test::Apisec::Runner' && !defined $block->skip_eval
            && !defined $block->SKIP)
        {
            my @own = grep { defined $block->$_ } @OwnOnlySections;
            if (@own) {
                Test::More::note($block->name . ": not run under CPAN's "
                                 . "Test::Nginx: it has --- @own");
                $block->set_value('SKIP', 1);
                return;
            }
        }

        return if defined $block->no_module;
        my $main = $block->main_config;
        $main = '' unless defined $main;
        $block->set_value('main_config', "load_module $module;\n$main");
    });

    # Hand over to the backend's import (Test::Base's, via Spiffy) so that
    # the exports land in our caller's package and the plan arguments are
    # honoured, exactly as with "use Test::Nginx::Socket @args".
    @_ = ($Backend, @args);
    goto &{ $Backend->can('import') };
}

1;
