# Unit test of the JSON Schema core (src/ngx_http_apisec_schema*.c): every
# keyword, the dialects, the formats, the error pointers and the bounds,
# from the cases in t/data/schema/*.json (the JSON-Schema-Test-Suite's
# format; t/unit/schema.c says how to read them).  Built without a server:
# nginx's pool, array and string code are compiled from the upstream tree
# (util/nginx-src.sh), its headers from the configured tree under build/.

use strict;
use warnings;
use File::Temp qw(tempdir);

my $tree = (grep { -f "$_/objs/ngx_auto_config.h" }
            'build/nginx-dev-src', 'build/upstream-src')[0];

unless ($tree) {
    print "1..0 # SKIP no configured nginx tree under build/ (make build)\n";
    exit 0;
}

my $src = 'build/nginx-1.22.1';

if (! -f "$src/src/core/ngx_palloc.c") {
    $src = `util/nginx-src.sh 2>/dev/null`;
    chomp $src;
}

unless ($src && -f "$src/src/core/ngx_palloc.c") {
    print "1..0 # SKIP no nginx source tree (util/nginx-src.sh)\n";
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
           't/unit/schema.c', 'src/ngx_http_apisec_schema.c',
           'src/ngx_http_apisec_schema_ref.c',
           'src/ngx_http_apisec_schema_validate.c',
           'src/ngx_http_apisec_schema_format.c',
           map({ "$src/src/$_" } qw(core/ngx_palloc.c core/ngx_array.c
                                    core/ngx_string.c os/unix/ngx_alloc.c)),
           '-ljansson', '-lpcre2-8', '-lm', '-o', "$dir/schema");

if (system(@cmd) != 0) {
    print "1..1\nnot ok 1 - the unit test compiles: @cmd\n";
    exit 1;
}

# the differential cases: random schemas and instances judged by Debian's
# python3-jsonschema (t/unit/schema_differential.py), when it is installed

my @files = glob('t/data/schema/*.json');

if (system('/usr/bin/python3 -c "import jsonschema" 2>/dev/null') == 0) {
    for my $run ([1, ''], [2, ''], [3, ''], [1, 'draft7'], [2, 'draft7']) {
        my ($seed, $dialect) = @$run;
        my $f = "$dir/differential-$seed$dialect.json";
        system("/usr/bin/python3 t/unit/schema_differential.py $seed 400 "
               . "$dialect > $f") == 0
            or die "schema_differential.py $seed $dialect failed";
        push @files, $f;
    }

} else {
    print "# python3-jsonschema is not installed: no differential cases\n";
}

exec "$dir/schema", @files or die "exec: $!";
