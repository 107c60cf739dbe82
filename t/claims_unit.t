# Unit test of the pure authorization functions (claim paths, role and
# scope lists, typed comparisons with every operator and claim type), built
# without nginx from src/ngx_http_apisec_claims.c and t/unit/claims.c.
# The C program prints TAP; this file compiles and runs it.

use strict;
use warnings;
use File::Temp qw(tempdir);

my $tree = (grep { -f "$_/objs/ngx_auto_config.h" }
            'build/nginx-dev-src', 'build/upstream-src')[0];

unless ($tree) {
    print "1..0 # SKIP no configured nginx tree under build/ (make build)\n";
    exit 0;
}

my $dir = tempdir('apisec-unit-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my @inc = map { "-I$tree/$_" }
          qw(objs src/core src/event src/event/modules src/os/unix);

# sanitizers when this gcc has them
my @san = ('-fsanitize=address,undefined', '-fno-sanitize-recover=all');
@san = () if system("echo 'int main(void){return 0;}' | gcc -x c @san "
                    . "-o $dir/probe - >/dev/null 2>&1") != 0;

my @cmd = ('gcc', '-std=gnu99', '-g', '-O1', '-Wall', '-Wextra', '-Werror',
           '-Wno-unused-parameter', @san, @inc, '-Isrc',
           't/unit/claims.c', 'src/ngx_http_apisec_claims.c', '-ljansson',
           '-o', "$dir/claims");

if (system(@cmd) != 0) {
    print "1..1\nnot ok 1 - the unit test compiles: @cmd\n";
    exit 1;
}

exec "$dir/claims" or die "exec: $!";
