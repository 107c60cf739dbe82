package Test::Apisec::Runner;

# A runner for test files written in the Test::Nginx::Socket data format
# (the CPAN distribution "Test::Nginx"), for machines where that
# distribution is not installed.  It is built on Test::Base and Test::More
# only (plus core modules), and follows Test::Nginx::Socket's semantics for
# the functions and sections it supports; see t/README.md for the list and
# for the differences.
#
# Test files do not use this module directly: they use Test::Apisec
# (t/lib/Test/Apisec.pm), which picks CPAN's Test::Nginx::Socket when it is
# installed and this runner otherwise.
#
# NOTE: "use Test::Base -Base" runs Spiffy's source filter over this file:
# a top-level "sub name {" without a prototype would get "my $self = shift;"
# inserted.  Every top-level sub below therefore has a prototype, as in
# CPAN's own Test::Nginx::Socket.

use v5.10.1;
use Test::Base -Base;

our $VERSION = '0.1';

use POSIX qw(SIGQUIT SIGKILL SIGTERM SIGHUP WNOHANG);
use Time::HiRes qw(sleep time);
use File::Spec ();
use File::Path qw(make_path remove_tree);
use File::Temp ();
use List::Util qw(shuffle min);
use IO::Socket::INET ();
use IO::Socket::UNIX ();
use IO::Select ();
use Errno qw(EAGAIN EWOULDBLOCK EINTR);
use Scalar::Util qw(looks_like_number);
use Digest::MD5 ();
use Digest::SHA ();
use Config ();

# forward declarations (prototypes), so calls before the definitions
# are checked
sub env_to_nginx (@);
sub config_preamble ($);
sub master_process_enabled (@);
sub add_block_preprocessor (&);
sub add_cleanup_handler ($);
sub add_response_body_check ($);
sub repeat_each (@);
sub workers (@);
sub worker_connections (@);
sub log_level (@);
sub timeout (@);
sub server_addr (@);
sub server_name (@);
sub server_port (@);
sub server_port_for_client (@);
sub is_str (@);
sub bail_out (@);
sub is_running ($);
sub child_pids ($);
sub gen_rand_port ($);
sub parse_time ($);
sub expand_env_in_text ($$$);
sub fmt_str ($);
sub read_file_from ($$);
sub file_size ($);
sub can_run ($);
sub get_canon_version (@);
sub get_canon_version_for_openssl (@);
sub run_cmd ($$$$);
sub skip_spec ($);
sub run_test ($);
sub run_must_die ($$$);
sub write_user_files ($$);
sub use_http2 ($);
sub write_config_file ($$$$);
sub read_pid_file ($);
sub launch_nginx ($);
sub start_nginx ($$$);
sub stop_nginx ($);
sub reload_nginx ($$$$);
sub check_crashes ($$);
sub parse_more_headers ($);
sub build_request ($$$$$);
sub get_req_from_block ($);
sub send_request_plain ($$$);
sub send_request_tls ($$$$);
sub gen_curl_cmd_from_req ($$);
sub send_http_req_by_curl ($$$);
sub send_request ($$$$);
sub resp_header ($$);
sub parse_response ($$$);
sub get_indexed_value ($$$$);
sub check_error_code ($$$$);
sub check_raw_response_headers ($$$$);
sub parse_headers ($);
sub check_response_headers ($$$$$);
sub run_filter_helper ($$$);
sub transform_response_body ($$$);
sub check_response_body ($$$$$);
sub value_contains ($$);
sub pattern_list ($);
sub line_matches ($$);
sub check_logs ($$$$$);
sub check_error_log ($$$$);
sub check_access_log ($$);
sub run_test_helper ($$$);


# The same export list as Test::Nginx::Socket, so that test files see the
# same functions whichever backend runs them.  (no_diff, blocks, is, like,
# ... come from Test::Base, which is our base class.)
our @EXPORT = qw(
    env_to_nginx is_str plan run_tests run_test
    repeat_each config_preamble worker_connections
    master_process_enabled
    no_long_string workers master_on master_off
    log_level no_shuffle no_root_location use_hup
    server_name
    server_addr server_root html_dir server_port server_port_for_client
    timeout no_nginx_manager check_accum_error_log
    add_block_preprocessor bail_out add_cleanup_handler
    add_response_body_check
);

#--------------------------------------------------------------------------
# Settings (names and defaults as in Test::Nginx::Util)
#--------------------------------------------------------------------------

our $Verbose              = $ENV{TEST_NGINX_VERBOSE};
our $NginxBinary          = $ENV{TEST_NGINX_BINARY} || 'nginx';
our $Workers              = 1;
our $WorkerConnections    = 64;
our $LogLevel             = $ENV{TEST_NGINX_LOG_LEVEL} || 'debug';
our $MasterProcessEnabled = $ENV{TEST_NGINX_MASTER_PROCESS} || 'off';
our $DaemonEnabled        = 'on';
our $ServerAddr           = '127.0.0.1';
our $ServerName           = 'localhost';
our $ServerPort           = $ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT}
                            || 1984;
our $ServerPortForClient  = $ENV{TEST_NGINX_CLIENT_PORT} || $ServerPort;
our $NoRootLocation       = 0;
our $NoShuffle            = $ENV{TEST_NGINX_NO_SHUFFLE} || 0;
our $RepeatEach           = 1;
our $Timeout              = $ENV{TEST_NGINX_TIMEOUT} || 3;
our $TestNginxSleep       = $ENV{TEST_NGINX_SLEEP} || 0.015;
our $UseValgrind          = $ENV{TEST_NGINX_USE_VALGRIND};
our $UseHup               = $ENV{TEST_NGINX_USE_HUP};
our $UseHttp2             = $ENV{TEST_NGINX_USE_HTTP2};
our $NoNginxManager       = $ENV{TEST_NGINX_NO_NGINX_MANAGER} || 0;
our $CheckAccumErrLog     = $ENV{TEST_NGINX_CHECK_ACCUM_ERR_LOG};
our $LoadModules          = $ENV{TEST_NGINX_LOAD_MODULES};
our $PostponeOutput       = $ENV{TEST_NGINX_POSTPONE_OUTPUT};
our $EventType            = $ENV{TEST_NGINX_EVENT_TYPE};
our $ReusePort            = $ENV{TEST_NGINX_REUSE_PORT};
our $Randomize            = $ENV{TEST_NGINX_RANDOMIZE};
our $WorkerUser           = $ENV{TEST_NGINX_WORKER_USER};
our $ConfigPreamble       = '';
our $NoLongString;

our (@EnvToNginx, @BlockPreprocessors, @CleanupHandlers, @ResponseBodyChecks);

# What a crash or a sanitizer report looks like in error.log.  Any of these
# fails the block (see check_crashes).
our @CrashMarkers = ('exited on signal', 'AddressSanitizer', 'LeakSanitizer',
                     'runtime error:');

# Sanitizer reports written to files instead of stderr: log_path=<path> in
# ASAN_OPTIONS, LSAN_OPTIONS or UBSAN_OPTIONS makes each process write
# <path>.<pid>.  Those files are read after each block too (from where the
# previous block left them; files that exist before the run are old).
our @SanitizerLogPaths;
for my $var (qw(ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS)) {
    my $opts = $ENV{$var} // next;
    while ($opts =~ /(?:^|:)log_path=([^:]+)/g) {
        my $path = $1;
        next if $path eq 'stderr' || $path eq 'stdout';
        push @SanitizerLogPaths, $path unless grep { $_ eq $path }
                                                   @SanitizerLogPaths;
    }
}
our %SanitizerLogPos = map { $_ => -s $_ }
                       map { glob("$_.*") } @SanitizerLogPaths;

if ($UseValgrind) {
    # as Test::Nginx: nginx in the foreground; we also keep one process
    # (see start_nginx) so that memcheck reports land in one log.
    $DaemonEnabled = 'off';
}

if ($Randomize) {
    $ServerPort = gen_rand_port({}) or die "cannot find a free port\n";
    $ServerPortForClient = $ServerPort;
}

our $ServRoot = $Randomize
    ? File::Spec->rel2abs("t/servroot_$ServerPort")
    : ($ENV{TEST_NGINX_SERVROOT} || File::Spec->rel2abs('t/servroot'));
$ENV{TEST_NGINX_SERVER_ROOT} = $ServRoot;

our $LogDir     = File::Spec->catfile($ServRoot, 'logs');
our $ErrLogFile = File::Spec->catfile($LogDir, 'error.log');
our $AccLogFile = File::Spec->catfile($LogDir, 'access.log');
our $ValgrindLog = File::Spec->catfile($LogDir, 'valgrind.log');
our $HtmlDir    = File::Spec->catfile($ServRoot, 'html');
our $ConfDir    = File::Spec->catfile($ServRoot, 'conf');
our $ConfFile   = File::Spec->catfile($ConfDir, 'nginx.conf');
our $PidFile    = File::Spec->catfile($LogDir, 'nginx.pid');

#--------------------------------------------------------------------------
# Run state
#--------------------------------------------------------------------------

our $NginxVersion;       # canonical, e.g. 1.022001
our $OpenSSLVersion;
our $NginxPid;           # master (or single) process of the running nginx
our $NginxChild;         # our own child when nginx runs in the foreground
our $NginxBlockName;     # block that started the running nginx
our $PrevConfig;         # expanded --- config of the last started block
our $ErrLogFilePos = 0;  # error_log checks read from here (CPAN semantics)
our $CrashScanPos = 0;   # crash checks read from here
our $ValgrindPos = 0;    # valgrind.log reported up to here
our $InSubprocess;
our $CurrentConf;        # what the running nginx was last (re)loaded with

#--------------------------------------------------------------------------
# Exported configuration functions
#--------------------------------------------------------------------------

sub env_to_nginx (@) {
    croak "env_to_nginx: no arguments specified" unless @_;
    for my $v (@_) {
        croak "env_to_nginx: bad argument value: $v\n"
            if $v !~ /^[A-Za-z_]/ || $v =~ /\n/;
        push @EnvToNginx, $v;
    }
}

sub no_long_string () { $NoLongString = 1 }
sub no_shuffle () { $NoShuffle = 1 }
sub no_root_location () { $NoRootLocation = 1 }
sub no_nginx_manager () { $NoNginxManager = 1 }
sub check_accum_error_log () { $CheckAccumErrLog = 1 }
sub master_on () { $MasterProcessEnabled = 'on' }
sub master_off () { $MasterProcessEnabled = 'off' }
sub config_preamble ($) { $ConfigPreamble = shift }
sub html_dir () { $HtmlDir }
sub server_root () { $ServRoot }

# Accepted for compatibility; this runner always restarts nginx between
# blocks (mid-block reloads: see --- reload_config).
sub use_hup () { $UseHup = 1 }

sub master_process_enabled (@) {
    if (@_) { $MasterProcessEnabled = shift() ? 'on' : 'off' }
    else { return $MasterProcessEnabled }
}

sub add_block_preprocessor (&) { unshift @BlockPreprocessors, shift }
sub add_cleanup_handler ($) { unshift @CleanupHandlers, shift }
sub add_response_body_check ($) { push @ResponseBodyChecks, shift }

# getter/setters
sub repeat_each (@) { $RepeatEach = shift if @_; $RepeatEach }
sub workers (@) { if (@_) { $Workers = shift } else { $Workers } }
sub worker_connections (@) {
    if (@_) { $WorkerConnections = shift } else { $WorkerConnections }
}
sub log_level (@) { if (@_) { $LogLevel = shift } else { $LogLevel } }
sub timeout (@) { if (@_) { $Timeout = shift } else { $Timeout } }
sub server_addr (@) { if (@_) { $ServerAddr = shift } else { $ServerAddr } }
sub server_name (@) { if (@_) { $ServerName = shift } else { $ServerName } }
sub server_port (@) { if (@_) { $ServerPort = shift } else { $ServerPort } }
sub server_port_for_client (@) {
    if (@_) { $ServerPortForClient = shift } else { $ServerPortForClient }
}

# String comparison honouring no_long_string and Regexp expectations.
sub is_str (@) {
    my ($got, $expected, $desc) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    if (ref $expected && ref $expected eq 'Regexp') {
        return Test::More::like($got, $expected, $desc);
    }
    return Test::Base::is($got, $expected, $desc);
}

sub bail_out (@) {
    cleanup();
    Test::More::BAIL_OUT(@_);
}

#--------------------------------------------------------------------------
# Small helpers
#--------------------------------------------------------------------------

# A zombie does not count as running: nginx daemons are children of PID 1,
# which may be slow to reap them.
sub is_running ($) {
    my $pid = shift;
    return 0 unless $pid && kill(0, $pid);
    if (open my $fh, '<', "/proc/$pid/stat") {
        my $stat = <$fh> // '';
        close $fh;
        return 0 if $stat =~ /^\d+ \(.*\) Z/s;
    }
    return 1;
}

# Children of a process, from /proc (Linux).
sub child_pids ($) {
    my $ppid = shift;
    my @kids;
    opendir my $dh, '/proc' or return ();
    for my $p (grep { /^\d+$/ } readdir $dh) {
        open my $fh, '<', "/proc/$p/stat" or next;
        my $stat = <$fh> // '';
        close $fh;
        push @kids, $p if $stat =~ /^\d+ \(.*\) \S (\d+)/s && $1 == $ppid;
    }
    closedir $dh;
    return sort { $a <=> $b } @kids;
}

sub gen_rand_port ($) {
    my $used = shift;
    for (1 .. 1000) {
        my $port = int(rand 63550) + 1985;
        next if $used->{$port};
        my $sock = IO::Socket::INET->new(LocalAddr => $ServerAddr,
                                         LocalPort => $port, Proto => 'tcp');
        if ($sock) {
            close $sock;
            return $port;
        }
    }
    return undef;
}

# "50ms" -> 0.05, "2s" -> 2, "3" -> 3
sub parse_time ($) {
    my $tm = shift;
    return $tm unless defined $tm;
    if ($tm =~ s/([^_a-zA-Z])ms$/$1/) {
        $tm = $tm / 1000;
    } else {
        $tm =~ s/([^_a-zA-Z])s$/$1/;
    }
    return $tm;
}

# $TEST_NGINX_FOO -> $ENV{TEST_NGINX_FOO}; $TEST_NGINX_RAND_PORT_N -> a free
# port, the same one everywhere in the block.
sub expand_env_in_text ($$$) {
    my ($text, $name, $rand_ports) = @_;
    return undef unless defined $text;
    $text =~ s{\$(TEST_NGINX_[_A-Z0-9]+)}{
        my $var = $1;
        my $val;
        if ($var =~ /^TEST_NGINX_RAND_PORT_[0-9]+$/) {
            $val = $rand_ports->{$var} //= do {
                my %used = ($ServerPort => 1, map { $_ => 1 } grep { defined } values %$rand_ports);
                gen_rand_port(\%used)
                    // bail_out("$name - cannot find a free port for $var");
            };
        } else {
            bail_out("$name - No environment $var defined.\n")
                unless defined $ENV{$var};
            $val = $ENV{$var};
        }
        $val;
    }ge;
    return $text;
}

sub fmt_str ($) {
    my $str = shift;
    chomp $str;
    $str =~ s/"/\\"/g;
    $str =~ s/\r/\\r/g;
    $str =~ s/\n/\\n/g;
    return $str;
}

sub read_file_from ($$) {
    my ($file, $pos) = @_;
    open my $in, '<', $file or return '';
    seek $in, $pos, 0 if $pos;
    local $/;
    my $data = <$in>;
    close $in;
    return $data // '';
}

sub file_size ($) {
    my $f = shift;
    return -s $f || 0;
}

sub can_run ($) {
    my $cmd = shift;
    if ($cmd =~ m{/}) {
        return -f $cmd && -x $cmd ? $cmd : undef;
    }
    for my $dir (split /\Q$Config::Config{path_sep}\E/, $ENV{PATH} // '') {
        next if $dir eq '';
        my $abs = File::Spec->catfile($dir, $cmd);
        return $abs if -f $abs && -x $abs;
    }
    return undef;
}

sub get_canon_version (@) {
    sprintf "%d.%03d%03d", $_[0], $_[1], $_[2];
}

sub get_canon_version_for_openssl (@) {
    return sprintf "%d.%03d%03d%03d", $_[0], $_[1], $_[2], ord($_[3]) - ord('a')
        if defined $_[3];
    return get_canon_version(@_);
}

sub get_nginx_version () {
    my ($bin, @args) = split ' ', $NginxBinary;
    my $path = can_run($bin)
        or bail_out("Cannot find the nginx executable \"$bin\" "
                    . "(set TEST_NGINX_BINARY)");
    my $out = `'$path' @args -V 2>&1`;
    bail_out("Failed to run \"$NginxBinary -V\": $out") if $? != 0;
    if ($out =~ m{built with OpenSSL (\d+)\.(\d+)\.(\d+)([a-z])?}s) {
        $OpenSSLVersion = get_canon_version_for_openssl($1, $2, $3, $4);
    }
    if ($out =~ m{(?:nginx|openresty)[^/]*/(\d+)\.(\d+)\.(\d+)}s) {
        return get_canon_version($1, $2, $3);
    }
    bail_out("Failed to parse the output of \"nginx -V\": $out");
}

# Runs a command with stdin from a file (or /dev/null), stdout and stderr
# captured, and an overall time limit.  Returns (exit status or undef on
# timeout, stdout, stderr).
sub run_cmd ($$$$) {
    my ($cmd, $stdin_data, $limit, $name) = @_;
    my $tmp = File::Temp->newdir('apisec-cmd-XXXXXX', TMPDIR => 1);
    my ($in, $out, $err) = map { "$tmp/$_" } qw(in out err);
    {
        open my $fh, '>', $in or die "$in: $!";
        binmode $fh;
        print $fh $stdin_data // '';
        close $fh;
    }
    my $pid = fork();
    bail_out("$name - fork() failed: $!") unless defined $pid;
    if ($pid == 0) {
        $InSubprocess = 1;
        open STDIN, '<', $in;
        open STDOUT, '>', $out;
        open STDERR, '>', $err;
        { exec { $cmd->[0] } @$cmd }
        POSIX::_exit(127);
    }
    my $deadline = time + $limit;
    my $status;
    while (1) {
        my $r = waitpid($pid, WNOHANG);
        if ($r == $pid) { $status = $?; last }
        if (time > $deadline) {
            kill SIGKILL, $pid;
            waitpid($pid, 0);
            last;
        }
        sleep 0.005;
    }
    return ($status, read_file_from($out, 0), read_file_from($err, 0));
}

#--------------------------------------------------------------------------
# Main loop
#--------------------------------------------------------------------------

# Leftovers of earlier runs of this runner whose perl process died without
# cleaning up (SIGKILL, ...): each server root we use carries runner.pid;
# if that process is gone, stop the nginx recorded in the root's pid file
# (only if its command line names that root) and remove randomized roots.
sub reap_dead_runs () {
    my %seen;
    for my $root (grep { !$seen{$_}++ }
                  glob(File::Spec->rel2abs('t') . '/servroot*'), $ServRoot)
    {
        my $owner_file = "$root/runner.pid";
        next unless -f $owner_file;
        my $owner = read_file_from($owner_file, 0);
        next unless $owner =~ /^(\d+)/;
        $owner = $1;
        next if $owner == $$ || is_running($owner);
        my $pidf = "$root/logs/nginx.pid";
        my $pid = read_file_from($pidf, 0) =~ /^(\d+)/ ? $1 : undef;
        if ($pid && is_running($pid)) {
            my $cmd = read_file_from("/proc/$pid/cmdline", 0);
            if (index($cmd, "$root/") >= 0) {
                warn "NOTE: stopping nginx $pid left by a dead test run in $root\n";
                local $NginxPid = $pid;
                local $NginxChild;
                stop_nginx('reaper');
            }
        }
        unlink $owner_file;
        remove_tree($root) if $root =~ m{/t/servroot_\d+$} && $root ne $ServRoot;
    }
}

sub run_tests () {
    $NginxVersion = get_nginx_version();

    unless ($NoNginxManager) {
        reap_dead_runs();
        make_path($ServRoot) unless -d $ServRoot;
        if (open my $fh, '>', "$ServRoot/runner.pid") {
            print $fh "$$\n";
            close $fh;
        }
    }

    $ENV{TEST_NGINX_SERVER_PORT} //= $ServerPort;

    my @blocks = Test::Base::blocks();
    @blocks = shuffle @blocks unless $NoShuffle;

    # Preprocessors run for every block before the first block runs (CPAN
    # runs each one just before its block): the runner needs to know
    # whether the next block has a --- config to decide whether to keep
    # nginx running (see run_test).
    for my $block (@blocks) {
        $_->($block) for @BlockPreprocessors;
        $block->set_value('name', "$0 " . $block->name);
    }

    for my $i (0 .. $#blocks) {
        local $Test::Apisec::Runner::NextBlock = $blocks[$i + 1];
        run_test($blocks[$i]);
    }

    cleanup();
}

# Decides whether the block is skipped, as Test::Nginx does for the
# --- skip_nginx, --- skip_openssl and --- skip_eval sections.
# Returns (number of tests to skip, reason) or ().
sub skip_spec ($) {
    my $block = shift;
    my $name = $block->name;

    if (defined(my $spec = $block->skip_eval)) {
        if ($spec =~ /^\s*(\d+)\s*:\s*(.*)/s) {
            my ($n, $code) = ($1, $2);
            my $skip = eval $code;
            bail_out("$name - skip_eval - failed to eval \"$code\": $@") if $@;
            return ($n, 'skip_eval') if $skip;
        } else {
            bail_out("$name - Invalid --- skip_eval spec: $spec");
        }
    }

    for my $what (qw(skip_nginx skip_openssl)) {
        my $spec = $block->$what;
        next unless defined $spec;
        $spec =~ m{^\s*(\d+)\s*:\s*([<>]=?)\s*(\d+)\.(\d+)\.(\d+)([a-z])?
                   (?:\s*:\s*(.*))?\s*$}x
            or bail_out("$name - Invalid --- $what spec: $spec");
        my ($n, $op, @v) = ($1, $2, $3, $4, $5, $6);
        my $reason = $7;
        my ($have, $want, $label);
        if ($what eq 'skip_nginx') {
            ($have, $want, $label) = ($NginxVersion,
                                      get_canon_version(@v[0..2]), 'nginx');
        } else {
            ($have, $want, $label) = ($OpenSSLVersion,
                                      get_canon_version_for_openssl(@v),
                                      'OpenSSL');
        }
        $reason ||= "$label version $op $v[0].$v[1].$v[2]" . ($v[3] // '');
        return ($n, $reason) if !defined $have || eval "$have $op $want";
    }

    return ();
}

sub run_test ($) {
    my $block = shift;
    my $name = $block->name;

    return if defined $block->SKIP;

    my $rand_ports = {};
    my $config = expand_env_in_text($block->config, $name, $rand_ports);

    local $LogLevel = $block->log_level || $LogLevel;
    local $MasterProcessEnabled = $MasterProcessEnabled;
    local $UseValgrind = $UseValgrind;
    local $DaemonEnabled = $DaemonEnabled;

    my $must_die = $block->must_die;
    if (defined $must_die) {
        # as Test::Nginx: no valgrind for nginx that must die at once
        undef $UseValgrind;
        $DaemonEnabled = 'on';
    }

    # A mid-block reload needs a master process.
    my $reloads = defined $block->reload_config
                  || defined $block->reload_http_config;
    $MasterProcessEnabled = 'on' if $reloads;
    # Under valgrind, one process (unless the block reloads).
    $MasterProcessEnabled = 'off' if $UseValgrind && !$reloads;

    my ($tests_to_skip, $skip_reason) = skip_spec($block);
    if (defined $tests_to_skip) {
        for (1 .. $RepeatEach) {
            SKIP: { Test::More::skip("$name - $skip_reason", $tests_to_skip) }
        }
        return;
    }

    my $todo = $block->todo;
    if (defined $todo) {
        $todo =~ /^\s*(\d+)\s*:\s*(.*)/s
            or bail_out("$name - Invalid --- todo spec: $todo");
        my ($n, $reason) = ($1, $2);
        for (1 .. $RepeatEach) {
            TODO: { Test::More::todo_skip("$name - $reason", $n) }
        }
        return;
    }

    if (defined $must_die) {
        run_must_die($block, $config, $rand_ports);
        return;
    }

    # Start nginx unless the block has no --- config, in which case it
    # talks to the nginx left running by the previous block (Test::Nginx
    # semantics).
    my $started;
    if ($NoNginxManager) {
        # someone else runs nginx
    } elsif (defined $config) {
        stop_nginx($NginxBlockName) if $NginxPid;
        $PrevConfig = $config;
        $ErrLogFilePos = 0;
        $CrashScanPos = 0;
        return unless start_nginx($block, $config, $rand_ports);
        $started = 1;
    } else {
        bail_out("$name - No '--- config' section specified and could not "
                 . "get previous one.") unless defined $PrevConfig;
        $CrashScanPos = file_size($ErrLogFile);
    }

    if (defined(my $init = $block->init)) {
        eval $init;
        bail_out("$name - init failed: $@") if $@;
    }

    $ErrLogFilePos = 0;
    for my $i (0 .. $RepeatEach - 1) {
        write_user_files($block, $rand_ports) if $i > 0;
        if ($reloads && $i > 0) {
            # back to the block's own config for the next round
            reload_nginx($block, 0, $rand_ports, 1);
        }
        run_test_helper($block, $i, $rand_ports);
    }

    return if $NoNginxManager;

    # Keep nginx running when the next block has no --- config: that block
    # is meant to talk to this nginx.  Otherwise stop it now, so that what
    # it writes at exit (LeakSanitizer, valgrind) is checked for this block.
    my $next = $Test::Apisec::Runner::NextBlock;
    if ($next && !defined $next->config && !defined $next->must_die
        && $NginxPid)
    {
        check_crashes($block, 0);
        $CrashScanPos = file_size($ErrLogFile);
        return;
    }

    stop_nginx($name);
    check_crashes($block, 1);
}

# --- must_die: nginx must fail to start; error_log/no_error_log are then
# matched against error.log, into which nginx's stderr is redirected.
sub run_must_die ($$$) {
    my ($block, $config, $rand_ports) = @_;
    my $name = $block->name;
    my $must_die = $block->must_die;

    stop_nginx($NginxBlockName) if $NginxPid;
    undef $PrevConfig;
    $ErrLogFilePos = 0;
    $CrashScanPos = 0;

    setup_server_root();
    write_user_files($block, $rand_ports);
    write_config_file($block, $config, undef, $rand_ports);

    for my $i (0 .. $RepeatEach - 1) {
        my $status = launch_nginx($name);
        my $exit_code = defined $status ? $status >> 8 : undef;

        if (!defined $status) {
            fail("$name - failed to execute the nginx command line");
        } elsif ($status & 127) {
            fail("$name - nginx died of signal " . ($status & 127));
        } elsif (looks_like_number($must_die)) {
            is($must_die, $exit_code, "$name - die with the expected exit code");
        } else {
            isnt($status, 0, "$name - die as expected");
        }

        check_error_log($block, undef, $i, 0);

        if (defined $status && $status == 0) {
            warn "WARNING: $name - nginx must die but it does not; "
                 . "killing it (req $i)\n";
            $NginxPid = read_pid_file(1);
            stop_nginx($name);
        }
    }

    check_crashes($block, 1);
}

#--------------------------------------------------------------------------
# Server root, configuration, nginx process
#--------------------------------------------------------------------------

sub setup_server_root () {
    $ValgrindPos = 0;
    if (-d $ServRoot) {
        remove_tree($ConfDir, $HtmlDir, $LogDir, glob("$ServRoot/*_temp"),
                    glob("$ServRoot/*_cache"));
    }
    for my $dir ($ServRoot, $LogDir, $HtmlDir, $ConfDir) {
        next if -d $dir;
        make_path($dir, { error => \my $err });
        bail_out("Failed to create $dir: " . join(' ', map { values %$_ } @$err))
            unless -d $dir;
    }
    open my $out, '>', "$HtmlDir/index.html"
        or bail_out("Can't open $HtmlDir/index.html for writing: $!");
    print $out '<html><head><title>It works!</title></head>'
               . '<body>It works!</body></html>';
    close $out;
}

# --- user_files: ">>> name [touch -t date]" followed by the content, or an
# eval'ed array of [name, content, date].
sub write_user_files ($$) {
    my ($block, $rand_ports) = @_;
    my $name = $block->name;
    my $files = $block->user_files;
    return unless $files;

    if (!ref $files) {
        my @list;
        for my $line (split /^/, $files) {
            if ($line =~ /^>>> (\S+)(?:\s+(.+))?/) {
                push @list, [$1, undef, $2];
            } elsif (@list) {
                $list[-1][1] .= $line;
            }
        }
        $files = \@list;
    } elsif (ref $files ne 'ARRAY') {
        bail_out("$name - wrong value type for --- user_files: " . ref $files);
    }

    for my $file (@$files) {
        my ($fname, $body, $date) = @$file;
        $body //= '';
        my $path = $fname =~ m{^/} ? $fname : "$HtmlDir/$fname";
        if ($path =~ m{(.*)/} && !-d $1) {
            make_path($1) or bail_out("$name - Cannot create directory $1");
        }
        $body = expand_env_in_text($body, $name, $rand_ports);
        open my $out, '>', $path
            or bail_out("$name - Cannot open $path for writing: $!");
        binmode $out;
        print $out $body;
        close $out;
        if ($date) {
            system('touch', '-t', $date, $path) == 0
                or bail_out("$name - touch -t '$date' $path failed");
        }
    }
}

sub use_http2 ($) {
    my $block = shift;
    if (defined $block->http2) {
        bail_out("cannot use --- http2 with --- raw_request")
            if defined $block->raw_request;
        bail_out("cannot use --- http2 with --- pipelined_requests")
            if defined $block->pipelined_requests;
        return 1;
    }
    return 0 unless $UseHttp2;
    return 0 if defined $block->raw_request || defined $block->pipelined_requests
        || !defined $block->request
        || (!ref $block->request && $block->request =~ m{HTTP/1\.0}s);
    return 1;
}

# Writes nginx.conf the way Test::Nginx::Util does.  $over optionally
# replaces some sections (for --- reload_config / --- reload_http_config).
sub write_config_file ($$$$) {
    my ($block, $config, $over, $rand_ports) = @_;
    my $name = $block->name;
    $over ||= {};

    my $http_config = exists $over->{http_config} ? $over->{http_config}
                                                   : $block->http_config;
    $http_config = expand_env_in_text($http_config, $name, $rand_ports) // '';
    $config = $over->{config} if exists $over->{config};
    $config //= '';

    my $main_config = $block->main_config // '';
    if ($LoadModules) {
        $main_config .= join ' ', map { "load_module $_;" }
                                  grep { $_ } split /\s+/, $LoadModules;
    }
    $main_config = expand_env_in_text($main_config, $name, $rand_ports);
    my $post_main_config =
        expand_env_in_text($block->post_main_config // '', $name, $rand_ports);

    my $err_log_file = $block->error_log_file || $ErrLogFile;
    my $server_name = $block->server_name // $ServerName;
    $server_name =~ s/\\/\\\\/g;
    $server_name =~ s/'/\\'/g;

    my $extra_http_config = '';
    if (defined $PostponeOutput && $http_config !~ /\bpostpone_output\b/) {
        bail_out("Bad TEST_NGINX_POSTPONE_OUTPUT value: $PostponeOutput")
            if $PostponeOutput !~ /^\d+$/;
        $extra_http_config = "    postpone_output $PostponeOutput;\n";
    }

    my $listen_opts = '';
    $listen_opts .= ' http2' if use_http2($block);
    $listen_opts .= ' reuseport' if $ReusePort;

    my $env = join '', map {
        my $v = $_;
        $v = "'$v'" if $v =~ /\s/;
        "env $v;\n";
    } @EnvToNginx;

    my $root_location = $NoRootLocation ? '' : <<"_EOC_";
        location / {
            root $HtmlDir;
            index index.html index.htm;
        }
_EOC_

    my $events_use = $EventType ? "    use $EventType;\n" : '';

    my $user = '';
    if (defined $WorkerUser) {
        $user = "user $WorkerUser;\n";
    } elsif ($> == 0) {
        $user = "user root;\n";
    }

    open my $out, '>', $ConfFile
        or bail_out("Can't open $ConfFile for writing: $!");
    print $out <<"_EOC_";
worker_processes  $Workers;
daemon $DaemonEnabled;
master_process $MasterProcessEnabled;
error_log $err_log_file $LogLevel;
pid       $PidFile;
env MOCKEAGAIN_VERBOSE;
env MOCKEAGAIN;
env MOCKEAGAIN_WRITE_TIMEOUT_PATTERN;
env LD_PRELOAD;
env LD_LIBRARY_PATH;
env DYLD_INSERT_LIBRARIES;
env DYLD_FORCE_FLAT_NAMESPACE;
$env
$main_config

http {
    access_log $AccLogFile;

    default_type text/plain;
    keepalive_timeout  68;
$extra_http_config
$http_config

    server {
        listen          $ServerPort$listen_opts;
        server_name     '$server_name';

        client_max_body_size 30M;

        # Begin preamble config...
$ConfigPreamble
        # End preamble config...

        # Begin test case config...
$config
        # End test case config.

$root_location    }
}

$post_main_config

events {
    accept_mutex off;

    worker_connections  $WorkerConnections;
$events_use}
env ASAN_OPTIONS;
env MOCKNOEAGAIN_VERBOSE;
env MOCKNOEAGAIN;
$user
_EOC_
    close $out;
}

sub read_pid_file ($) {
    my $wait = shift;
    my $deadline = time + $wait;
    while (1) {
        if (open my $in, '<', $PidFile) {
            my $pid = <$in>;
            close $in;
            if (defined $pid && $pid =~ /(\d+)/) {
                return $1;
            }
        }
        return undef if time >= $deadline;
        sleep 0.01;
    }
}

sub valgrind_cmd () {
    my @cmd = ('valgrind', '-q', "--log-file=$ValgrindLog",
               '--num-callers=100', '--gen-suppressions=all');
    if ($UseValgrind =~ /^\d+$/) {
        push @cmd, qw(--tool=memcheck --leak-check=full --show-possibly-lost=no);
    } else {
        push @cmd, split ' ', $UseValgrind;
    }
    for my $supp ($ENV{TEST_NGINX_VALGRIND_SUPP}, 'valgrind.suppress') {
        push @cmd, "--suppressions=$supp" if defined $supp && -f $supp;
    }
    return @cmd;
}

# Runs the nginx command line with stdout to /dev/null and stderr appended
# to error.log.  In daemon mode, returns the exit status of the command
# (nginx daemonises, so 0 means started); in foreground mode (valgrind),
# returns 0 once the pid file appears, or the exit status if nginx exits
# first.  undef: the command could not be run.
sub launch_nginx ($) {
    my $name = shift;
    my ($bin, @args) = split ' ', $NginxBinary;
    my @cmd = (can_run($bin) // $bin, @args, '-p', "$ServRoot/", '-c', $ConfFile);
    @cmd = (valgrind_cmd(), @cmd) if $UseValgrind;
    warn "$name - starting: @cmd\n" if $Verbose;

    unlink $PidFile;
    my $pid = fork();
    bail_out("$name - fork() failed: $!") unless defined $pid;
    if ($pid == 0) {
        $InSubprocess = 1;
        setpgrp(0, 0);
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', '/dev/null';
        open STDERR, '>>', $ErrLogFile;
        { exec { $cmd[0] } @cmd }
        print STDERR "exec $cmd[0] failed: $!\n";
        POSIX::_exit(255);
    }

    my $foreground = $DaemonEnabled eq 'off';
    my $deadline = time + ($UseValgrind ? 60 : 30);
    while (1) {
        my $r = waitpid($pid, WNOHANG);
        if ($r == $pid) {
            my $status = $?;
            return $status;
        }
        if ($foreground && -s $PidFile) {
            $NginxChild = $pid;
            return 0;
        }
        if (time > $deadline) {
            kill SIGKILL, -$pid;
            waitpid($pid, 0);
            return 255 << 8;
        }
        sleep 0.005;
    }
}

# Starts nginx for a block.  Returns true on success; on failure, fails a
# test showing nginx's own output.
sub start_nginx ($$$) {
    my ($block, $config, $rand_ports) = @_;
    my $name = $block->name;

    setup_server_root();
    write_user_files($block, $rand_ports);
    write_config_file($block, $config, undef, $rand_ports);
    $CurrentConf = 0;

    my $tries = 0;
    while (1) {
        my $pos = file_size($ErrLogFile);
        my $status = launch_nginx($name);
        if (defined $status && $status == 0) {
            # a daemon writes its pid file after its parent returned; a
            # loaded machine (sanitizers) may take seconds, and an nginx
            # left running unknown would hold the port for every later block
            $NginxPid = $NginxChild // read_pid_file($Timeout + 10);
            if (!$NginxPid) {
                fail("$name - nginx started but wrote no pid file $PidFile");
                return 0;
            }
            $NginxBlockName = $name;
            sleep $TestNginxSleep;
            return 1;
        }
        my $out = read_file_from($ErrLogFile, $pos);
        if ($out =~ /Address already in use/ && ++$tries < 20) {
            sleep 0.2;
            next;
        }
        my $how = !defined $status ? 'could not be run'
                : ($status & 127) ? 'died of signal ' . ($status & 127)
                : 'exited with status ' . ($status >> 8);
        fail("$name - nginx failed to start ($how): $NginxBinary -p $ServRoot/"
             . " -c $ConfFile\n--- nginx output (error.log):\n$out");
        return 0;
    }
}

# Stops the running nginx: QUIT (graceful), then TERM, then KILL.
sub stop_nginx ($) {
    my $name = shift // '';
    my $pid = $NginxPid;
    undef $NginxPid;
    my $child = $NginxChild;
    undef $NginxChild;
    undef $NginxBlockName;
    return unless $pid;

    my $reap = sub {
        if ($child) {
            my $r = waitpid($child, WNOHANG);
            return 1 if $r == $child || $r == -1;
            return 0;
        }
        return !is_running($pid);
    };

    my @kids = child_pids($pid);
    kill SIGQUIT, $pid;
    # TEST_NGINX_QUIT_TIMEOUT (ours): longer for slow exits (ASan's leak
    # check of a big heap); a killed nginx runs no exit-time leak check
    my $limit = $UseValgrind ? 30
                             : ($ENV{TEST_NGINX_QUIT_TIMEOUT} || $Timeout + 2);
    my $deadline = time + $limit;
    until ($reap->()) {
        if (time > $deadline) {
            warn "$name - nginx $pid did not quit in ${limit}s; killing it\n";
            kill SIGTERM, $pid;
            sleep 0.5;
            kill SIGKILL, $pid, @kids;
            $reap->() or ($child && waitpid($child, 0));
            last;
        }
        sleep 0.01;
    }
    # workers normally exit before their master; never leave one behind
    for my $kid (@kids) {
        kill SIGKILL, $kid if is_running($kid);
    }
    unlink $PidFile;
}

# Mid-block reload (--- reload_config, --- reload_http_config): rewrites
# nginx.conf and sends SIGHUP to the master, then waits until every worker
# is a new one.  $which: 1 = the reload_* sections, 0 = the block's own.
sub reload_nginx ($$$$) {
    my ($block, $which, $rand_ports, $quiet) = @_;
    my $name = $block->name;
    return 1 if ($CurrentConf // 0) == $which;

    my %over;
    if ($which) {
        $over{config} = expand_env_in_text($block->reload_config, $name,
                                           $rand_ports)
            if defined $block->reload_config;
        $over{http_config} = $block->reload_http_config
            if defined $block->reload_http_config;
    }
    write_config_file($block, $PrevConfig, \%over, $rand_ports);

    my $pid = $NginxPid;
    if (!is_running($pid)) {
        fail("$name - reload: nginx is not running");
        return 0;
    }
    my %old = map { $_ => 1 } child_pids($pid);
    my $pos = file_size($ErrLogFile);
    kill SIGHUP, $pid;

    my $deadline = time + ($UseValgrind ? 60 : 10);
    while (time < $deadline) {
        sleep 0.01;
        my $log = read_file_from($ErrLogFile, $pos);
        if ($log =~ /\[emerg\]/) {
            if (defined $block->reload_fails && $which) {
                $CurrentConf = 0;
                return 1;
            }
            fail("$name - nginx failed to reload its configuration:\n$log");
            return 0;
        }
        my @kids = child_pids($pid);
        if (@kids && !grep { $old{$_} } @kids) {
            $CurrentConf = $which;
            sleep $TestNginxSleep;
            return 1;
        }
    }
    fail("$name - timed out waiting for nginx to reload its configuration");
    return 0;
}

# After a block: fail it if error.log shows a crash or a sanitizer report,
# if nginx died under it, or if valgrind reported errors.
sub check_crashes ($$) {
    my ($block, $stopped) = @_;
    my $name = $block->name;
    return if defined $block->no_crash_check;

    my $expected = $block->error_log;
    my $log = read_file_from($ErrLogFile, $CrashScanPos);
    my @bad;
    for my $marker (@CrashMarkers) {
        # a block that expects the marker in --- error_log is not failed
        next if defined $expected && value_contains($expected, $marker);
        push @bad, $marker if index($log, $marker) >= 0;
    }
    if (@bad) {
        my @lines = grep { my $l = $_; grep { index($l, $_) >= 0 } @bad }
                    split /\n/, $log;
        fail("$name - error.log reports a crash or a sanitizer error:\n"
             . join("\n", @lines[0 .. min($#lines, 19)]) . "\n"
             . "(see $ErrLogFile)");
    }

    # reports in log_path files: anything written there is one
    my @reports;
    for my $file (map { glob("$_.*") } @SanitizerLogPaths) {
        my $pos = $SanitizerLogPos{$file} // 0;
        next unless file_size($file) > $pos;
        my $text = read_file_from($file, $pos);
        $SanitizerLogPos{$file} = file_size($file);
        push @reports, "$file:", grep { length } (split /\n/, $text)[0 .. 19];
    }
    if (@reports) {
        fail("$name - a sanitizer wrote a report:\n" . join("\n", @reports));
    }

    # with -q, anything valgrind writes is an error report
    if ($UseValgrind && $stopped && file_size($ValgrindLog) > $ValgrindPos) {
        my $vg = read_file_from($ValgrindLog, $ValgrindPos);
        $ValgrindPos = file_size($ValgrindLog);
        fail("$name - valgrind reported errors (see $ValgrindLog):\n$vg");
    }
}

sub cleanup () {
    $_->() for @CleanupHandlers;
    return if $ENV{TEST_NGINX_NO_CLEAN};
    stop_nginx('cleanup') if $NginxPid;
    # an nginx we lost track of (e.g. interrupted while starting)
    if (!$NoNginxManager && -f $PidFile) {
        my $pid = read_pid_file(0);
        if ($pid && is_running($pid)) {
            $NginxPid = $pid;
            stop_nginx('cleanup');
        }
    }
}

# At exit (normal or by signal): stop nginx, drop our marker, and remove a
# randomized server root unless TEST_NGINX_NO_CLEAN is set.
sub finish () {
    return if $InSubprocess;
    cleanup();
    unlink "$ServRoot/runner.pid" unless $NoNginxManager;
    if ($Randomize && -d $ServRoot && $ServRoot =~ m{/t/servroot_\d+$}
        && !$ENV{TEST_NGINX_NO_CLEAN})
    {
        remove_tree($ServRoot);
    }
}

for my $sig (qw(INT TERM HUP PIPE)) {
    $SIG{$sig} = sub {
        return if $InSubprocess;
        finish();
        print STDERR "\nInterrupted (SIG$sig); nginx stopped.\n";
        POSIX::_exit(130);
    };
}

END {
    local $?;
    finish();
}

#--------------------------------------------------------------------------
# Requests
#--------------------------------------------------------------------------

# Splits "--- more_headers" text into header lines; returns the CRLF text
# and whether the request is chunked.
sub parse_more_headers ($) {
    my $in = shift;
    my ($out, $is_chunked) = ('', 0);
    for my $header (split /\n+/, $in) {
        next if $header =~ /^\s*#/;
        my ($key, $val) = split /:\s*/, $header, 2;
        $val //= '';
        $is_chunked = 1 if lc($key) eq 'transfer-encoding' && $val eq 'chunked';
        $out .= "$key: $val\r\n";
    }
    return ($out, $is_chunked);
}

# Turns a request spec ("METHOD [URI [VERSION]]\nbody", possibly split in
# packets) into the bytes Test::Nginx sends: request line, Host,
# Connection, --- more_headers, Content-Length, body.  Returns packets.
sub build_request ($$$$$) {
    my ($name, $more_headers, $is_chunked, $conn, $packets) = @_;
    my @values = map { ref $_ ? $_->{value} : $_ } @$packets;
    my $whole = join '', @values;

    $whole =~ /\A([^\n]*)(\n?)/;
    my ($first, $nl) = ($1, $2);
    my $first_len = length($first) + length($nl);
    $first =~ /^(\s*)(\S+)( *)(?:(\S+)( *))?(?:(\S+)( *))?(\s*)$/
        or bail_out("$name - Request line is not valid. Should be 'meth "
                    . "[url [version]]' but got \"$first\".");
    my ($lead, $meth, $url, $ver) = (length $1, $2, $4 // '/', $6 // 'HTTP/1.1');

    my $content = substr($whole, $first_len);
    my $content_lead = 0;
    my $len_header = '';
    if (!$is_chunked && $content ne ''
        && $more_headers !~ /(?:^|\n)Content-Length:/)
    {
        $content =~ /\A(\s*)/;
        $content_lead = length $1;
        $content =~ s/^\s+|\s+$//gs;
        $len_header = "Content-Length: " . length($content) . "\r\n";
    }

    my $headers = '';
    $headers .= "Host: $ServerName\r\n" if $more_headers !~ /(?:^|\n)Host:/msi;
    $headers .= "Connection: $conn\r\n"
        if $more_headers !~ /(?:^|\n)Connection/msi;
    $headers .= "$more_headers$len_header\r\n";

    my $line = "$meth $url $ver\r\n";
    my $out = $line . $headers . $content;

    return [{ value => $out }] if @values == 1;

    # Map the packet boundaries of the spec onto the generated request.
    my (@cuts, $off);
    $off = 0;
    for my $v (@values[0 .. $#values - 1]) {
        $off += length $v;
        my $cut;
        if ($off < $first_len) {
            $cut = min(length($line) - 2, $off > $lead ? $off - $lead : 0);
        } else {
            my $in_content = $off - $first_len - $content_lead;
            $in_content = 0 if $in_content < 0;
            $in_content = length $content if $in_content > length $content;
            $cut = length($line) + length($headers) + $in_content;
        }
        push @cuts, $cut;
    }
    my @result;
    my $prev = 0;
    for my $idx (0 .. $#values) {
        my $end = $idx < $#values ? $cuts[$idx] : length $out;
        $end = $prev if $end < $prev;
        my %pkt = ref $packets->[$idx] ? %{ $packets->[$idx] } : ();
        $pkt{value} = substr($out, $prev, $end - $prev);
        push @result, \%pkt;
        $prev = $end;
    }
    return \@result;
}

# The list of requests of a block; each request is a list of packets
# ({ value => bytes, delay_before => seconds }).
sub get_req_from_block ($) {
    my $block = shift;
    my $name = $block->name;
    my @req_list;

    if (defined(my $raw = $block->raw_request)) {
        if (ref $raw eq 'ARRAY') {
            push @req_list, [map { ref $_ ? $_ : { value => $_ } } @$raw];
        } else {
            push @req_list, [{ value => $raw }];
        }
        return \@req_list;
    }

    my $request;
    if (defined $block->request_eval) {
        diag("$name - request_eval DEPRECATED. Use request eval instead.");
        $request = eval $block->request_eval;
        warn $@ if $@;
    } else {
        $request = $block->request;
        if (defined $request && !ref $request) {
            1 while $request =~ s/^\s*\#[^\n]+\s+|^\s+//gs;
        }
    }

    my $more_headers = $block->more_headers // '';
    my $headers_for = sub {
        my $i = shift;
        if (ref $more_headers eq 'ARRAY') {
            my $h = $more_headers->[$i];
            bail_out("$name - --- more_headers lacks data for request $i")
                unless defined $h;
            return parse_more_headers($h);
        }
        return parse_more_headers($more_headers);
    };

    if (defined(my $reqs = $block->pipelined_requests)) {
        bail_out("$name - invalid entries in --- pipelined_requests")
            unless ref $reqs eq 'ARRAY';
        my $all = '';
        for my $i (0 .. $#$reqs) {
            my ($hdr, $chunked) = $headers_for->($i);
            my $conn = $i == $#$reqs ? 'close' : 'keep-alive';
            $all .= build_request($name, $hdr, $chunked, $conn,
                                  [$reqs->[$i]])->[0]{value};
        }
        return [[{ value => $all }]];
    }

    bail_out("$name - request empty") unless defined $request;

    if (!ref $request) {
        my ($hdr, $chunked) = $headers_for->(0);
        push @req_list, build_request($name, $hdr, $chunked, 'close', [$request]);
    } elsif (ref $request eq 'ARRAY') {
        for my $i (0 .. $#$request) {
            my $one = $request->[$i];
            my ($hdr, $chunked) = $headers_for->($i);
            if (!ref $one) {
                push @req_list, build_request($name, $hdr, $chunked, 'close', [$one]);
            } elsif (ref $one eq 'ARRAY') {
                push @req_list, build_request($name, $hdr, $chunked, 'close', $one);
            } else {
                bail_out("$name - Invalid syntax. $one should be a string or "
                         . "an array of packets.");
            }
        }
    } else {
        bail_out("$name - invalid --- request: MUST be string or array of "
                 . "requests");
    }
    return \@req_list;
}

# Sends one request over a plain TCP (or unix) connection and reads until
# the server closes.  Returns the raw response.
sub send_request_plain ($$$) {
    my ($req, $timeout, $block) = @_;
    my $name = $block->name;
    my $addr = $block->server_addr_for_client // $ServerAddr;
    my $middle_delay = $block->raw_request_middle_delay;

    my ($sock, $err);
    my $deadline = time + ($UseValgrind ? 60 : 10);
    for (my $tries = 1; ; $tries++) {
        $sock = IO::Socket::INET->new(PeerAddr => $addr,
                                      PeerPort => $ServerPortForClient,
                                      Proto => 'tcp', Timeout => $timeout);
        last if $sock;
        $err = $!;
        if (time > $deadline) {
            fail("$name - Can't connect to $addr:$ServerPortForClient: $err "
                 . "(aborted)");
            return undef;
        }
        my $wait = ($TestNginxSleep + $TestNginxSleep * $tries) * $tries / 2;
        sleep($wait > 1 ? 1 : $wait);
    }

    local $SIG{PIPE} = 'IGNORE';
    $sock->blocking(0);
    my $sel = IO::Select->new($sock);
    my @bits = @$req;
    my $buf = (shift @bits)->{value};
    my $off = 0;
    my $writing = 1;
    my $resp = '';

    while (1) {
        my ($r, $w) = IO::Select->select($sel, $writing ? $sel : undef, undef,
                                         $timeout);
        if (!$r && !$w) {
            close $sock;
            if (!defined $block->abort) {
                fail("ERROR: client socket timed out - $name\n");
            }
            return $resp;
        }

        if ($w && @$w && $writing) {
            while (1) {
                if ($off < length $buf) {
                    my $n = syswrite($sock, $buf, length($buf) - $off, $off);
                    if (!defined $n) {
                        last if $! == EAGAIN || $! == EWOULDBLOCK;
                        # peer closed early: read what it said
                        $writing = 0;
                        last;
                    }
                    $off += $n;
                    next;
                }
                my $next = shift @bits;
                if (!$next) {
                    $writing = 0;
                    my $shutdown = $block->shutdown;
                    if (defined $shutdown) {
                        $shutdown = 1 if $shutdown =~ /^\s*$/;
                        shutdown($sock, $shutdown);
                    }
                    last;
                }
                my $delay = $next->{delay_before} // $middle_delay;
                sleep $delay if $delay;
                ($buf, $off) = ($next->{value}, 0);
            }
        }

        if ($r && @$r) {
            my $n = sysread($sock, my $chunk, 16384);
            if (!defined $n) {
                next if $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR;
                warn "WARNING: $name - HTTP response read failure: $!\n"
                    unless $!{ECONNRESET};
                last;
            }
            last if $n == 0;
            $resp .= $chunk;
        }
    }
    close $sock;
    return $resp;
}

# --- tls (ours): the same request bytes, over TLS, with openssl s_client.
sub send_request_tls ($$$$) {
    my ($req, $timeout, $block, $rand_ports) = @_;
    my $name = $block->name;
    my $target = expand_env_in_text($block->tls, $name, $rand_ports) // '';
    $target =~ s/^\s+|\s+$//g;
    my $addr = $block->server_addr_for_client // $ServerAddr;

    my @conn;
    if ($target eq '') {
        @conn = ('-connect', "$addr:$ServerPortForClient");
    } elsif ($target =~ /^\d+$/) {
        @conn = ('-connect', "$addr:$target");
    } elsif ($target =~ /^unix:(.+)$/) {
        @conn = ('-unix', $1);
    } else {
        @conn = ('-connect', $target);
    }
    my @cmd = ('openssl', 's_client', '-quiet', @conn,
               '-servername', $block->tls_sni // $ServerName);
    my $data = join '', map { $_->{value} } @$req;

    my $deadline = time + ($UseValgrind ? 60 : 10);
    while (1) {
        my ($status, $out, $err) = run_cmd(\@cmd, $data, $timeout, $name);
        if (!defined $status && !defined $block->abort) {
            fail("ERROR: client socket timed out - $name (tls)\n");
        }
        # nginx not listening yet (valgrind): retry like plain connects
        if ($out eq '' && $err =~ /Connection refused|connect:errno/
            && time < $deadline)
        {
            sleep 0.1;
            next;
        }
        warn "$name - openssl s_client: $err" if $Verbose || ($out eq '' && $err);
        return $out;
    }
}

# The curl command line for a request (--- http2 / TEST_NGINX_USE_HTTP2,
# and --- curl), as Test::Nginx::Socket builds it.
sub gen_curl_cmd_from_req ($$) {
    my ($block, $req) = @_;
    my $name = $block->name;
    $req = join '', map { $_->{value} } @$req;

    my ($meth, $uri, $http_ver);
    if ($req =~ m{^\s*(\w+)\s+(\S+)\s+HTTP/(\S+)\r?\n}smig) {
        ($meth, $uri, $http_ver) = ($1, $2, $3);
    } elsif ($req =~ m{^\s*(\w+)\s+(.*\S)\r?\n}smig) {
        ($meth, $uri, $http_ver) = ($1, $2, '0.9');
    } else {
        bail_out("$name - cannot parse the status line in the request: $req");
    }

    my @args = ('curl', '-i', '-H', 'User-Agent:', '-H', 'Accept:',
                '-H', 'Host:');
    my $proto = $block->curl_protocol // 'http';
    push @args, $Verbose ? '-vv' : '-sS';
    push @args, '--http2', '--http2-prior-knowledge' if use_http2($block);
    if ($meth eq 'HEAD') {
        push @args, '-I';
    } else {
        push @args, '-X', $meth;
    }
    push @args, '-0' if $http_ver ne '1.1';

    my @headers;
    if ($http_ver ge '1.0') {
        $req =~ m{\G(.*?)\r?\n\r?\n}gcs
            or bail_out("cannot parse the header entries in the request: $req");
        @headers = grep { !/^Connection\s*:/i } split /\r\n/, $1;
    }
    my $found_ct;
    for my $h (@headers) {
        $found_ct = 1 if $h =~ /^\s*Content-Type\s*:/i;
        push @args, '-H', $h;
    }
    if ($req =~ m{\G(.+)}gcsm) {
        push @args, '-H', 'Content-Type: ' unless $found_ct;
        my $file = "$HtmlDir/curl.data.bin";
        open my $fh, '>', $file or die "$file: $!";
        binmode $fh;
        print $fh $1;
        close $fh;
        push @args, '--data-binary', "\@$file";
    }
    my $timeout = parse_time($block->timeout) // $Timeout;
    # as for our own client (run_test_helper): valgrind is slow
    $timeout *= 5 if $UseValgrind;
    push @args, '--connect-timeout', $timeout, '--max-time', $timeout;
    my $addr = $block->server_addr_for_client // $ServerAddr;
    # as Test::Nginx: --- curl_options is one argument
    push @args, $block->curl_options if defined $block->curl_options;
    push @args, "$proto://$addr:$ServerPortForClient$uri";
    return \@args;
}

sub send_http_req_by_curl ($$$) {
    my ($block, $req, $timeout) = @_;
    my $name = $block->name;
    my $cmd = gen_curl_cmd_from_req($block, $req);
    my ($status, $out, $err) = run_cmd($cmd, '', $timeout + 1, $name);
    if (!defined $status) {
        fail("$name - curl timed out: @$cmd");
        return undef;
    }
    if ($out eq '') {
        if ($err ne '') {
            my $expected = $block->curl_error;
            if (defined $expected) {
                return undef if ref $expected ? $err =~ $expected
                                              : index($err, $expected) >= 0;
            }
            fail("$name - command \"@$cmd\" generates stderr output: $err");
            return undef;
        }
        fail("$name - curl command \"@$cmd\" generates no stdout output");
        return undef;
    }
    warn "WARNING: $name - command \"@$cmd\" generates stderr output: $err"
        if $err ne '';
    return $out;
}

sub send_request ($$$$) {
    my ($req, $timeout, $block, $rand_ports) = @_;
    my $head_req = (join '', map { $_->{value} } @$req) =~ /^\s*HEAD\s+/ ? 1 : 0;
    my $resp;
    if (use_http2($block)) {
        $resp = send_http_req_by_curl($block, $req, $timeout);
    } elsif (defined $block->tls) {
        $resp = send_request_tls($req, $timeout, $block, $rand_ports);
    } else {
        $resp = send_request_plain($req, $timeout, $block);
    }
    return ($resp, $head_req);
}

#--------------------------------------------------------------------------
# Responses
#--------------------------------------------------------------------------

# A response is a hash: code, message, headers (list of [name, value]),
# content.  resp_header() gives a header's value(s) joined with ", ", case
# insensitively, as HTTP::Headers does.
sub resp_header ($$) {
    my ($res, $key) = @_;
    return undef unless $res;
    my @vals = map { $_->[1] } grep { lc $_->[0] eq lc $key } @{ $res->{headers} };
    return @vals ? join(', ', @vals) : undef;
}

# Parses a raw HTTP/1.x (or curl -i) response.  Returns ($res, $raw_headers,
# $leftover) where $leftover is what follows the body (pipelining).
sub parse_response ($$$) {
    my ($name, $raw, $head_req) = @_;
    my $raw_headers = $raw =~ /(.*?\r\n)\r\n/s ? $1 : '';

    my %res = (code => undef, message => '', headers => [], content => '');
    my ($head, $body);
    if ($raw =~ /\A(.*?)\r?\n\r?\n(.*)\z/s) {
        ($head, $body) = ($1, $2);
    } else {
        ($head, $body) = ($raw, '');
    }
    my @lines = split /\r?\n/, $head;
    my $status = shift(@lines) // '';
    if ($status =~ m{^HTTP/\S+\s+(\d{3})\b\s*(.*)$}) {
        @res{qw(code message)} = ($1, $2);
    } elsif ($status ne '' && $status !~ /^HTTP/) {
        # not a response at all (e.g. HTTP/0.9): everything is content
        $res{content} = $raw;
        return (\%res, $raw_headers, undef);
    }
    for my $line (@lines) {
        if ($line =~ /^\s+(.*)/ && @{ $res{headers} }) {
            $res{headers}[-1][1] .= " $1";
        } elsif ($line =~ /^([^:\s]+)\s*:\s*(.*?)\s*$/) {
            push @{ $res{headers} }, [$1, $2];
        }
    }
    $res{content} = $body;

    my $code = $res{code};
    return (\%res, $raw_headers, undef)
        if $code && ($code == 304 || $code == 101);

    my $left;
    my $enc = resp_header(\%res, 'Transfer-Encoding');
    my $len = resp_header(\%res, 'Content-Length');
    if (defined $enc && $enc eq 'chunked') {
        my $decoded = '';
        pos($body) = 0;
        while (1) {
            if ($body =~ /\G0[ \t]*\r\n\r\n/gc) {
                $left = $1 if $body =~ /\G(.+)/gcs;
                last;
            }
            if ($body =~ /\G[ \t]*([A-Fa-f0-9]+)[ \t]*\r\n/gc) {
                my $size = hex $1;
                my $at = pos($body);
                if (length($body) - $at < $size) {
                    fail("$name - invalid chunked data received (not enough "
                         . "octets for the data section)");
                    return (\%res, $raw_headers, undef);
                }
                $decoded .= substr($body, $at, $size);
                pos($body) = $at + $size;
                if ($body !~ /\G\r\n/gc) {
                    fail("$name - invalid chunked data received (expected CRLF).");
                    return (\%res, $raw_headers, undef);
                }
            } elsif ($body =~ /\G(.+)/gcs) {
                fail("$name - invalid chunked body received: $1");
                return (\%res, $raw_headers, undef);
            } else {
                fail("$name - no last chunk found - $body");
                return (\%res, $raw_headers, undef);
            }
        }
        $res{content} = $decoded;
    } elsif (defined $len && $len =~ /^\d+$/) {
        if (length $body < $len) {
            warn "WARNING: $name - response body truncated: $len expected, "
                 . "but got " . length($body) . "\n" unless $head_req;
        } elsif (length $body > $len) {
            $left = substr($body, $len);
            $res{content} = substr($body, 0, $len);
        }
    }
    return (\%res, $raw_headers, $left);
}

# Value of an expectation section for request $idx of a block.
sub get_indexed_value ($$$$) {
    my ($name, $value, $idx, $need_array) = @_;
    if ($need_array) {
        return $value->[$idx] if ref $value eq 'ARRAY';
        fail("$name - You asked for many requests, the expected results "
             . "should be arrays as well.");
        return undef;
    }
    return $value->[0] if ref $value eq 'ARRAY';
    return $value;
}

sub check_error_code ($$$$) {
    my ($block, $res, $idx, $need_array) = @_;
    my $name = $block->name;
    my $got = ($res && $res->{code}) || '';
    if (defined $block->error_code_like) {
        my $val = get_indexed_value($name, $block->error_code_like, $idx,
                                    $need_array);
        like($got, qr/$val/sm, "$name - status code ok");
    } elsif (defined $block->error_code) {
        is($got, get_indexed_value($name, $block->error_code, $idx, $need_array),
           "$name - status code ok");
    } else {
        is($got, 200, "$name - status code ok");
    }
}

sub check_raw_response_headers ($$$$) {
    my ($block, $raw_headers, $idx, $need_array) = @_;
    my $name = $block->name;
    if (defined $block->raw_response_headers_like) {
        my $re = get_indexed_value($name, $block->raw_response_headers_like,
                                   $idx, $need_array);
        like($raw_headers, qr/$re/s, "$name - raw resp headers like");
    }
    if (defined $block->raw_response_headers_unlike) {
        my $re = get_indexed_value($name, $block->raw_response_headers_unlike,
                                   $idx, $need_array);
        unlike($raw_headers, qr/$re/s, "$name - raw resp headers unlike");
    }
}

# "Name: value" lines ("!Name" = must be absent), as Test::Nginx::Util.
sub parse_headers ($) {
    my $s = shift // '';
    my @headers;
    for my $line (split /\n/, $s) {
        $line =~ s/^\s+|\s+$//g;
        next if $line eq '';
        if ($line =~ s/^!\s*//) {
            push @headers, [$line, undef];
        } else {
            my ($key, $val) = split /\s*:\s*/, $line, 2;
            push @headers, [$key, $val // ''];
        }
    }
    return \@headers;
}

sub check_response_headers ($$$$$) {
    my ($block, $res, $raw_headers, $idx, $need_array) = @_;
    my $name = $block->name;
    if (defined $block->response_headers) {
        my $spec = get_indexed_value($name, $block->response_headers, $idx,
                                     $need_array);
        for my $h (@{ parse_headers($spec) }) {
            my ($key, $val) = @$h;
            if (!defined $val) {
                # absence: case-insensitive (CPAN's test is case-sensitive)
                unlike($raw_headers, qr/^\s*\Q$key\E\s*:/msi,
                       "$name - header $key not present in the raw headers");
                next;
            }
            $val =~ s/\$ServerPort\b/$ServerPort/g;
            $val =~ s/\$ServerPortForClient\b/$ServerPortForClient/g;
            is(resp_header($res, $key) // '', $val, "$name - header $key ok");
        }
    } elsif (defined $block->response_headers_like) {
        my $spec = get_indexed_value($name, $block->response_headers_like, $idx,
                                     $need_array);
        for my $h (@{ parse_headers($spec) }) {
            my ($key, $val) = @$h;
            like(resp_header($res, $key) // '', qr/^$val$/,
                 "$name - header $key like ok");
        }
    }
}

sub run_filter_helper ($$$) {
    my ($block, $filter, $content) = @_;
    my $name = $block->name;
    return $filter->($content) if ref $filter eq 'CODE';
    bail_out("$name - the --- response_body_filters section only supports "
             . "subroutine reference values and string values") if ref $filter;
    my %builtin = (
        md5_hex  => \&Digest::MD5::md5_hex,
        sha1_hex => \&Digest::SHA::sha1_hex,
        uc => sub { uc $_[0] }, lc => sub { lc $_[0] },
        ucfirst => sub { ucfirst $_[0] }, lcfirst => sub { lcfirst $_[0] },
        length => sub { length $_[0] },
    );
    my $f = $builtin{$filter}
        or bail_out("$name - unknown filter, \"$filter\", specified in the "
                    . "--- response_body_filters section");
    return $f->($content);
}

sub transform_response_body ($$$) {
    my ($block, $res, $idx) = @_;
    my $filters = $block->response_body_filters;
    return unless $res && defined $filters;
    if (!ref $filters) {
        $filters =~ s/^\s+|\s+$//gs;
        $filters = [split /\s+/, $filters];
    } elsif (ref $filters ne 'ARRAY') {
        $filters = [$filters];
    }
    if (ref $filters->[0] eq 'ARRAY') {
        $filters = $filters->[$idx]
            // bail_out($block->name . " - no --- response_body_filters for "
                        . "request $idx");
    }
    my $new = $res->{content};
    $new = run_filter_helper($block, $_, $new) for @$filters;
    $res->{content} = $new;
}

sub check_response_body ($$$$$) {
    my ($block, $res, $idx, $repeated_idx, $need_array) = @_;
    my $name = $block->name;
    my $content = $res ? $res->{content} : undef;

    if (defined $block->response_body || defined $block->response_body_eval) {
        my $expected;
        if ($block->response_body_eval) {
            diag("$name - response_body_eval is DEPRECATED. Use response_body "
                 . "eval instead.");
            $expected = eval get_indexed_value($name, $block->response_body_eval,
                                               $idx, $need_array);
            warn $@ if $@;
        } else {
            $expected = get_indexed_value($name, $block->response_body, $idx,
                                          $need_array);
        }
        if (defined $expected && !ref $expected) {
            $expected =~ s/\$ServerPort\b/$ServerPort/g;
            $expected =~ s/\$ServerPortForClient\b/$ServerPortForClient/g;
        }
        my $desc = "$name - response_body - response is expected "
                   . "(repeated req $repeated_idx, req $idx)";
        if (ref $expected) {
            like($content, $expected, "$name - response_body - like "
                 . "(repeated req $repeated_idx, req $idx)");
        } else {
            is($content, $expected, $desc);
        }
    } elsif (defined $block->response_body_like
             || defined $block->response_body_unlike)
    {
        my ($type, $patterns) = defined $block->response_body_like
            ? ('like', $block->response_body_like)
            : ('unlike', $block->response_body_unlike);
        my $pat = get_indexed_value($name, $patterns, $idx, $need_array) // '';
        $pat =~ s/\$ServerPort\b/$ServerPort/g;
        $pat =~ s/\$ServerPortForClient\b/$ServerPortForClient/g;
        my $summary = $content // '';
        $summary =~ s/^\s+|\s+$//g;
        $summary =~ s/\s+/ /g;
        my $desc = "$name - response_body_$type - response is expected "
                   . "($summary)";
        if ($type eq 'like') {
            like($content, qr/$pat/s, $desc);
        } else {
            unlike($content, qr/$pat/s, $desc);
        }
    }

    for my $check (@ResponseBodyChecks) {
        $check->($block, $content, $idx, $repeated_idx, 0);
    }
}

#--------------------------------------------------------------------------
# error.log / access.log checks
#--------------------------------------------------------------------------

# New error.log lines since the last check (all of them with
# check_accum_error_log), after a short pause for log-phase writes.
sub error_log_data () {
    sleep $TestNginxSleep * 3;
    open my $in, '<', $ErrLogFile or return [];
    seek $in, $ErrLogFilePos, 0 if !$CheckAccumErrLog && $ErrLogFilePos > 0;
    my @lines = <$in>;
    $ErrLogFilePos = tell($in) unless $CheckAccumErrLog;
    close $in;
    return \@lines;
}

sub access_log_data () {
    sleep $TestNginxSleep * 3;
    open my $in, '<', $AccLogFile or return [];
    my @lines = <$in>;
    close $in;
    return \@lines;
}

sub value_contains ($$) {
    my ($val, $pat) = @_;
    return $val =~ /\Q$pat\E/ if !ref $val || ref $val eq 'Regexp';
    if (ref $val eq 'ARRAY') {
        for my $v (@$val) {
            return 1 if value_contains($v, $pat);
        }
    }
    return undef;
}

sub pattern_list ($) {
    my $pats = shift;
    if (!ref $pats) {
        chomp $pats;
        return [split /\n+/, $pats];
    }
    return [$pats] if ref $pats eq 'Regexp';
    return [@$pats];
}

sub line_matches ($$) {
    my ($line, $pat) = @_;
    return ref $pat ? $line =~ /$pat/ : index($line, $pat) >= 0;
}

# --- error_log (every pattern must match a line), --- no_error_log (no
# pattern may match any line), --- grep_error_log/_out; the same for the
# access log.  As in Test::Nginx, each call looks only at the lines written
# since the previous call.
sub check_logs ($$$$$) {
    my ($block, $kind, $lines_ref, $repeated_idx, $what) = @_;
    my $name = $block->name;
    my $file = $kind eq 'error' ? 'error.log' : 'access.log';
    my $getter = $kind eq 'error' ? \&error_log_data : \&access_log_data;

    my $section = $what eq 'yes' ? "${kind}_log" : "no_${kind}_log";
    my $want = $block->$section;
    return unless defined $want;
    my $pats = pattern_list($want);
    $$lines_ref ||= $getter->();
    my $lines = $$lines_ref;

    if ($what eq 'yes') {
        for my $line (@$lines) {
            for my $pat (@$pats) {
                next unless defined $pat;
                if (line_matches($line, $pat)) {
                    pass("$name - pattern \"$pat\" matches a line in $file "
                         . "(req $repeated_idx)");
                    undef $pat;
                }
            }
        }
        for my $pat (grep { defined } @$pats) {
            fail("$name - pattern \"$pat\" should match a line in $file "
                 . "(req $repeated_idx)");
        }
        return;
    }

    my %found;
    for my $i (0 .. $#$lines) {
        my $line = $lines->[$i];
        for my $pat (@$pats) {
            next unless defined $pat && line_matches($line, $pat);
            $found{$pat} = 1;
            my @more = @$lines[$i + 1 .. min($i + 9, $#$lines)];
            fail("$name - pattern \"" . fmt_str($pat) . "\" should not match "
                 . "any line in $file but matches line \"" . fmt_str($line)
                 . "\" (req $repeated_idx)\n" . join('', @more));
        }
    }
    for my $pat (@$pats) {
        next if !defined $pat || $found{$pat};
        pass("$name - pattern \"" . fmt_str($pat) . "\" does not match a line "
             . "in $file (req $repeated_idx)");
    }
}

sub check_error_log ($$$$) {
    my ($block, $res, $repeated_idx, $need_array) = @_;
    my $name = $block->name;
    my $lines;

    my $grep_pats = $block->grep_error_log;
    if (defined $grep_pats) {
        my $grep_pat = ref $grep_pats eq 'ARRAY' ? $grep_pats->[$repeated_idx]
                                                 : $grep_pats;
        my $expected = $block->grep_error_log_out;
        bail_out("$name - No --- grep_error_log_out defined but "
                 . "--- grep_error_log is defined") unless defined $expected;
        $expected = $expected->[$repeated_idx] if ref $expected eq 'ARRAY';
        $lines ||= error_log_data();
        my $matched = '';
        for my $line (@$lines) {
            if (ref $grep_pat ? $line =~ /$grep_pat/ : $line =~ /\Q$grep_pat\E/) {
                my $m = $&;
                $matched .= "$m\n" if $m !~ /\n/;
            }
        }
        if (ref $expected eq 'Regexp') {
            like($matched, $expected, "$name - grep_error_log_out "
                 . "(req $repeated_idx)");
        } else {
            is($matched, $expected, "$name - grep_error_log_out "
               . "(req $repeated_idx)");
        }
    } elsif (defined $block->grep_error_log_out) {
        bail_out("$name - No --- grep_error_log defined but "
                 . "--- grep_error_log_out is defined");
    }

    check_logs($block, 'error', \$lines, $repeated_idx, 'yes');
    check_logs($block, 'error', \$lines, $repeated_idx, 'no');

    # as Test::Nginx: warn about [alert], [crit] and [emerg] lines the block
    # does not mention, and fail on assertion failures.
    my %mentioned;
    for my $level (qw(alert crit emerg)) {
        for my $sec ($block->error_log, $block->no_error_log) {
            $mentioned{$level} = 1 if defined $sec
                                      && value_contains($sec, "[$level");
        }
    }
    $lines ||= error_log_data();
    for my $line (@$lines) {
        for my $level (qw(alert crit emerg)) {
            warn "WARNING: $name - " . fmt_str($line) . "\n"
                if !$mentioned{$level} && $line =~ /\[$level\]/;
        }
        if ($line =~ /\bAssertion .*?failed\b/) {
            chomp(my $l = $line);
            fail("$name - $l");
        }
    }
}

sub check_access_log ($$) {
    my ($block, $repeated_idx) = @_;
    my $lines;
    check_logs($block, 'access', \$lines, $repeated_idx, 'yes');
    check_logs($block, 'access', \$lines, $repeated_idx, 'no');
}

#--------------------------------------------------------------------------
# One round of a block's requests
#--------------------------------------------------------------------------

sub run_test_helper ($$$) {
    my ($block, $repeated_idx, $rand_ports) = @_;
    my $name = $block->name;
    my $reqs = get_req_from_block($block);

    if (defined $block->curl) {
        my @cmd = @{ gen_curl_cmd_from_req($block, $reqs->[0]) };
        warn "# @cmd\n";
    }

    my $timeout = parse_time($block->timeout) // $Timeout;
    $timeout *= 5 if $UseValgrind;

    # --- reload_config: after which request to reload (0 = before the first)
    my $reload_after;
    if (defined $block->reload_config || defined $block->reload_http_config) {
        $reload_after = $block->reload_after // 1;
        $reload_after =~ s/^\s+|\s+$//g;
        $reload_after = 1 if $reload_after eq '';
    }
    my $do_reload = sub {
        reload_nginx($block, 1, $rand_ports, 0);
    };
    $do_reload->() if defined $reload_after && $reload_after == 0;

    my $pipelined = $block->pipelined_requests;
    my $need_array = $pipelined ? 1 : @$reqs > 1;
    my $idx = 0;

    for my $r (0 .. $#$reqs) {
        my ($raw, $head_req) = send_request($reqs->[$r], $timeout, $block,
                                            $rand_ports);
        $raw //= '';
        my $left_n = $pipelined ? scalar @$pipelined : 1;

        while ($left_n-- > 0) {
            my ($res, $raw_headers, $left);
            if (!defined $block->ignore_response) {
                if (defined $block->http09) {
                    ($res, $raw_headers) = ({ code => 200, headers => [],
                                              content => $raw }, '');
                } else {
                    ($res, $raw_headers, $left) =
                        parse_response($name, $raw, $head_req);
                }
                check_error_code($block, $res, $idx, $need_array);
                check_raw_response_headers($block, $raw_headers, $idx,
                                           $need_array);
                check_response_headers($block, $res, $raw_headers, $idx,
                                       $need_array);
                transform_response_body($block, $res, $idx);
                check_response_body($block, $res, $idx, $repeated_idx,
                                    $need_array);
            }
            if ($pipelined) {
                $raw = $left // '';
            } elsif (defined $left && $left ne '') {
                (my $l = $left) =~ s/([\0-\037\200-\377])/sprintf('\x{%02x}', ord $1)/eg;
                warn "WARNING: $name - unexpected extra bytes after last chunk "
                     . "in response: \"$l\"\n";
            }

            my $last = $r == $#$reqs && $left_n <= 0;
            if (!$last) {
                sleep $block->wait if $block->wait;
                check_error_log($block, $res, $repeated_idx, $need_array);
                check_access_log($block, $repeated_idx)
                    unless defined $block->ignore_response;
            }
            $idx++;
        }

        $do_reload->() if defined $reload_after && $reload_after == $r + 1;
    }
    $do_reload->() if defined $reload_after && $reload_after > @$reqs;

    sleep $block->wait if $block->wait;
    check_error_log($block, undef, $repeated_idx, $need_array);
    check_access_log($block, $repeated_idx) unless defined $block->ignore_response;
}

1;
__END__

=head1 NAME

Test::Apisec::Runner - Test::Nginx::Socket-format test runner built on Test::Base

=head1 SYNOPSIS

Not used directly; see L<Test::Apisec> and F<t/README.md>.

=cut
