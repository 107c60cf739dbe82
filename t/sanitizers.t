# The sanitizer build, end to end (make test-asan): a module that
# overflows a heap buffer, leaks, or hits undefined behaviour makes nginx
# write a real report -- into error.log, or into log_path files -- and the
# runner fails the block for it; the same module doing nothing wrong
# passes.  The module is t/unit/sanitizer_canary.c, compiled here against
# the ASan build's tree.  Skipped unless TEST_NGINX_BINARY is that build
# (. util/asan.env).

use strict;
use warnings;
use Test::More;
use File::Temp ();
use Cwd qw(abs_path);

my $bin = $ENV{TEST_NGINX_BINARY} // '';
my $v = $bin ? `$bin -V 2>&1` : '';

unless ($v =~ /-fsanitize=\S*address/) {
    plan skip_all => 'TEST_NGINX_BINARY is not the ASan build (make test-asan)';
}

# the build's tree and flags: build/asan/objs/Makefile
(my $objs = abs_path($bin)) =~ s{/sbin/nginx$}{/objs};
open my $mk, '<', "$objs/Makefile" or die "$objs/Makefile: $!";
my $makefile = do { local $/; <$mk> };
close $mk;
my ($cc) = $makefile =~ /^CC\s*=\s*(\S+)/m;
my ($cflags) = $makefile =~ /^CFLAGS\s*=\s*(.*)$/m;
# util/nginx-src.sh puts the tree beside the build: build/nginx-1.22.1
my $tree = abs_path("$objs/../../nginx-1.22.1");

my $dir = File::Temp->newdir('apisec-canary-XXXXXX', TMPDIR => 1);
my $so = "$dir/canary.so";
my @inc = map { "-I$tree/$_" } qw(src/core src/event src/event/modules
                                  src/os/unix src/http src/http/modules
                                  src/http/v2);
# as util/build-asan.sh does for nginx's own *_modules.c: ngx_modules[] and
# ngx_module_names[] repeat the binary's, which ASan's ODR check refuses
my $noglobals = `$cc --version 2>&1` =~ /clang/ ? '-mllvm -asan-globals=0'
                                                : '--param asan-globals=0';
my $cmd = "$cc -shared -fPIC $cflags $noglobals @inc -I$objs "
          . "-o $so t/unit/sanitizer_canary.c 2>&1";
my $out = `$cmd`;
is($?, 0, 'the canary module compiles') or diag("$cmd\n$out");

# Runs a .t file made of these blocks with our runner; (status, output).
sub run_child {
    my ($data, %env) = @_;
    my $file = "$dir/child.t";
    open my $fh, '>', $file or die "$file: $!";
    print $fh "use lib 't/lib';\nuse Test::Apisec 'no_plan';\n"
              . "no_shuffle();\nmaster_on();\nrun_tests();\n__DATA__\n$data";
    close $fh;
    local $ENV{TEST_APISEC_RUNNER} = 'own';
    local $ENV{TEST_NGINX_RANDOMIZE} = 1;
    local @ENV{keys %env} = values %env;
    my $out = `$^X $file 2>&1`;
    return ($? >> 8, $out);
}

sub block {
    my ($what) = @_;
    return <<"_EOD_";
=== TEST 1: canary $what
--- no_module
--- main_config
    load_module $so;
--- config
    location = /t { apisec_canary $what; }
--- request
GET /t
--- error_code: 204
_EOD_
}

my ($rc, $res);

($rc, $res) = run_child(block('none'));
is($rc, 0, 'a module doing nothing wrong passes') or diag($res);

($rc, $res) = run_child(block('overflow'));
isnt($rc, 0, 'a heap-buffer-overflow fails the file');
like($res, qr/^not ok \d+ .*crash or a sanitizer error/m,
     'a heap-buffer-overflow fails the block');
like($res, qr/AddressSanitizer: heap-buffer-overflow/,
     'the report is in error.log, shown');

($rc, $res) = run_child(block('leak'));
isnt($rc, 0, 'a leak fails the file');
like($res, qr/^not ok \d+ .*crash or a sanitizer error/m,
     'a leak fails the block');
like($res, qr/LeakSanitizer: detected memory leaks/,
     'the leak report is shown (LeakSanitizer as the worker exits)');

($rc, $res) = run_child(block('ubsan'));
isnt($rc, 0, 'undefined behaviour fails the file');
like($res, qr/runtime error: signed integer overflow/,
     'the UBSan report is shown');

{
    my $logs = File::Temp->newdir('apisec-sanlog-XXXXXX', TMPDIR => 1);
    ($rc, $res) = run_child(block('leak'),
                            ASAN_OPTIONS => "$ENV{ASAN_OPTIONS}:"
                                            . "log_path=$logs/asan");
    isnt($rc, 0, 'a leak written to a log_path file fails the file');
    like($res, qr/^not ok \d+ .*sanitizer wrote a report/m,
         'a report in a log_path file fails the block');
    ok(scalar(() = glob("$logs/asan.*")), 'the report went to the file');
}

done_testing();
