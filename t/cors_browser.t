# CORS and CSRF as a real browser sees them.
#
# Debian's chromium (headless) loads a page from one origin
# (http://127.0.0.1:PAGE) that calls the API on another origin
# (http://localhost:API: another host and port) with fetch(): with
# credentials, with a custom header that forces a preflight, from an origin
# that is not allowed, against "*" and against a location without
# credentials.  The page writes what the browser let it see into the DOM;
# the test reads the DOM (chromium --dump-dom) and nginx's access log (what
# reached the server).  Skipped, with the reason, only where Chromium cannot
# start.
#
# Plain Test::More: this suite runs its own nginx with three listening
# ports, which the data-format runner does not model.

use strict;
use warnings;

use Test::More;
use File::Temp qw(tempdir);
use File::Spec;
use IO::Socket::INET;
use POSIX qw(WNOHANG);

my $root = File::Spec->rel2abs('.');
my $nginx = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
my $module = $ENV{TEST_NGINX_APISEC_MODULE}
             || "$root/build/ngx_http_apisec_module.so";
my ($chromium) = grep { -x $_ } map { "$_/chromium" } split /:/, $ENV{PATH};

plan skip_all => 'chromium is not installed (apt-get install chromium)'
    unless $chromium;
plan skip_all => "no module at $module (make build)" unless -f $module;

my $dir = tempdir('apisec-browser-XXXXXX', TMPDIR => 1, CLEANUP => 1);

sub chromium_args {
    my ($profile) = @_;
    return ($chromium, '--headless', '--no-sandbox', '--disable-gpu',
            '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update',
            '--disable-sync', '--disable-dev-shm-usage',
            "--user-data-dir=$profile");
}

# the DOM of a page after its scripts ran, or undef
sub dump_dom {
    my ($url, $budget) = @_;
    my $profile = tempdir('profile-XXXXXX', DIR => $dir, CLEANUP => 1);
    my $pid = open(my $fh, '-|') // return undef;

    if ($pid == 0) {
        open STDERR, '>', "$dir/chromium.log";
        exec chromium_args($profile), "--virtual-time-budget=$budget",
             '--dump-dom', $url;
        exit 127;
    }

    my $out = '';
    local $SIG{ALRM} = sub { kill 'KILL', $pid };
    alarm 90;
    $out .= $_ while <$fh>;
    close $fh;
    alarm 0;

    return $? == 0 ? $out : undef;
}

# can Chromium start at all here?
{
    my $dom = dump_dom('data:text/html,<p id=x></p><script>'
                       . 'document.getElementById("x").textContent='
                       . '"chromium-ok"</script>', 1000);

    unless (defined $dom && $dom =~ /chromium-ok/) {
        my $log = '';
        if (open my $l, '<', "$dir/chromium.log") { local $/; $log = <$l> }
        $log =~ s/\s+/ /g;
        plan skip_all => 'chromium cannot start here: '
                         . substr($log, -300);
    }
}

sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                  LocalPort => 0, ReuseAddr => 1)
        or die "no free port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

my ($page, $other, $api) = (free_port(), free_port(), free_port());
($other, $api) = (free_port(), free_port()) while $other == $page
    || $api == $page || $api == $other;

my $page_origin = "http://127.0.0.1:$page";
my $api_base = "http://localhost:$api";
my $site_base = "http://127.0.0.1:$api";

mkdir "$dir/$_" for qw(conf logs html);
chmod 0755, $dir, "$dir/html";      # workers read the page as nginx's user

open my $conf, '>', "$dir/conf/nginx.conf" or die $!;
print $conf <<"CONF";
load_module $module;
daemon on;
master_process on;
worker_processes 1;
pid $dir/logs/nginx.pid;
error_log $dir/logs/error.log info;

events { worker_connections 64; }

http {
    log_format browser '\$request_method \$uri \$status origin="\$http_origin" cookie="\$http_cookie"';
    access_log $dir/logs/access.log browser;
    root $dir/html;
    default_type text/html;

    # the pages: an allowed origin, and one that is not
    server {
        listen 127.0.0.1:$page;
        listen 127.0.0.1:$other;
        location / { add_header Cache-Control no-store; }
    }

    server {
        listen 127.0.0.1:$api;
        server_name localhost;

        apisec_cors_origins $page_origin;
        apisec_cors_methods GET POST PUT DELETE;
        apisec_cors_headers X-Custom Content-Type;
        apisec_cors_expose_headers X-Request-Id;
        apisec_cors_credentials on;
        apisec_cors_max_age 0;

        location /api/ {
            proxy_pass http://127.0.0.1:$api/backend/;
        }

        location /api/login {
            add_header Set-Cookie "sid=s3cr3t; Path=/; SameSite=Lax";
            proxy_pass http://127.0.0.1:$api/backend/;
        }

        location /api/denied {
            deny all;
            proxy_pass http://127.0.0.1:$api/backend/;
        }

        location /api/challenge {
            add_header WWW-Authenticate 'Bearer realm="api"' always;
            return 401;
        }

        location /api/csrf {
            apisec_csrf origin;
            proxy_pass http://127.0.0.1:$api/backend/;
        }

        location /public/ {
            apisec_cors_origins *;
            apisec_cors_credentials off;
            proxy_pass http://127.0.0.1:$api/backend/;
        }

        location /nocred/ {
            apisec_cors_credentials off;
            proxy_pass http://127.0.0.1:$api/backend/;
        }

        location /backend/ {
            apisec_cors_origins off;
            add_header X-Request-Id req-42;
            add_header X-Secret hidden;
            return 200 "backend:\$request_method:\$http_cookie";
        }
    }
}
CONF
close $conf;

# the page: each check writes its outcome into <li id="...">
open my $html, '>', "$dir/html/page.html" or die $!;
print $html <<"HTML";
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>running</title></head>
<body><ul id="results"></ul>
<script>
const API = "$api_base";
const SITE = "$site_base";

function put(id, text) {
    const li = document.createElement("li");
    li.id = id;
    li.textContent = text;
    document.getElementById("results").appendChild(li);
}

async function check(id, url, init, read) {
    try {
        const r = await fetch(url, init);
        const body = await r.text();
        put(id, "ok " + r.status + " " + (read ? read(r, body) : body));
    } catch (e) {
        put(id, "blocked " + e.name);
    }
}

(async () => {
    /* same site, other origin (port): the browser keeps its cookie */
    await check("login", SITE + "/api/login",
                {credentials: "include"});
    await check("cookie", SITE + "/api/data",
                {credentials: "include"});
    await check("cookie-omitted", SITE + "/api/data", {});
    await check("credentialed", API + "/api/data",
                {credentials: "include"},
                (r, b) => b + " id=" + r.headers.get("X-Request-Id")
                          + " secret=" + r.headers.get("X-Secret"));
    await check("preflighted", API + "/api/item",
                {method: "PUT", credentials: "include",
                 headers: {"X-Custom": "1",
                           "Content-Type": "application/json"},
                 body: "{}"});
    await check("bad-header", API + "/api/item",
                {method: "DELETE", credentials: "include",
                 headers: {"X-Not-Listed": "1"}});
    await check("denied", API + "/api/denied",
                {credentials: "include"},
                (r, b) => r.headers.get("Content-Type"));
    await check("challenge", API + "/api/challenge",
                {credentials: "include"},
                (r, b) => r.headers.get("WWW-Authenticate"));
    await check("csrf", API + "/api/csrf",
                {method: "POST", credentials: "include", body: "x=1",
                 headers: {"Content-Type":
                           "application/x-www-form-urlencoded"}});
    await check("star", API + "/public/data", {});
    await check("star-credentialed", API + "/public/data",
                {credentials: "include"});
    await check("nocred-credentialed", API + "/nocred/data",
                {credentials: "include"});
    await check("nocred-plain", API + "/nocred/data", {});
    if (location.port == "$other") {
        /* a forged form post: simple request, opaque answer */
        await check("forged", API + "/api/csrf",
                    {method: "POST", mode: "no-cors", credentials: "include",
                     body: "x=1",
                     headers: {"Content-Type":
                               "application/x-www-form-urlencoded"}});
    }
    document.title = "done";
})();
</script>
</body></html>
HTML
close $html;

system($nginx, '-p', "$dir/", '-c', "$dir/conf/nginx.conf", '-t', '-q') == 0
    or BAIL_OUT("nginx -t failed: " . slurp("$dir/logs/error.log"));
system($nginx, '-p', "$dir/", '-c', "$dir/conf/nginx.conf") == 0
    or BAIL_OUT("nginx did not start: " . slurp("$dir/logs/error.log"));

my $nginx_pid;
for (1 .. 50) {
    last if $nginx_pid = slurp("$dir/logs/nginx.pid");
    select undef, undef, undef, 0.1;
}
chomp $nginx_pid if $nginx_pid;

END {
    if ($nginx_pid && $nginx_pid =~ /^\d+$/) {
        kill 'QUIT', $nginx_pid;
        for (1 .. 50) {
            last unless kill 0, $nginx_pid;
            select undef, undef, undef, 0.1;
        }
    }
}

sub slurp {
    my ($f) = @_;
    open my $fh, '<', $f or return '';
    local $/;
    return scalar <$fh>;
}

sub results {
    my ($dom) = @_;
    my %r;
    $r{$1} = $2 while $dom =~ m{<li id="([^"]+)">([^<]*)</li>}g;
    return \%r;
}

# --- the allowed origin

my $dom = dump_dom("$page_origin/page.html", 20000);
ok(defined $dom && $dom =~ m{<title>done</title>},
   'the page at the allowed origin ran all its fetches')
    or diag($dom // slurp("$dir/chromium.log"));

my $r = results($dom // '');

like($r->{credentialed} // '', qr/^ok 200 backend:GET:/,
     'credentialed GET: the browser let the page read the response');
like($r->{credentialed} // '', qr/ id=req-42 /,
     'an exposed header (X-Request-Id) is readable');
like($r->{credentialed} // '', qr/ secret=null$/,
     'a header not exposed (X-Secret) is not');

is($r->{cookie}, 'ok 200 backend:GET:sid=s3cr3t',
   'credentialed fetch: the cookie the API set went along, answer read');
is($r->{'cookie-omitted'}, 'ok 200 backend:GET:',
   'without credentials: no cookie, answer still readable');

like($r->{preflighted} // '', qr/^ok 200 backend:PUT:/,
     'PUT with a custom header: preflight passed, actual request answered');

is($r->{'bad-header'}, 'blocked TypeError',
   'a header not allowed: the browser refused after the preflight');

is($r->{denied}, 'ok 403 application/problem+json',
   'a 403 refusal is readable by the page (CORS headers on errors)');

is($r->{challenge}, 'ok 401 Bearer realm="api"',
   'WWW-Authenticate of a 401 is exposed without being listed');

like($r->{csrf} // '', qr/^ok 200 backend:POST:/,
     'CSRF origin mode lets an allowed CORS origin POST');

is($r->{star}, 'ok 200 backend:GET:',
   '"*" location: a plain fetch is allowed');

is($r->{'star-credentialed'}, 'blocked TypeError',
   '"*" location: the browser refuses a credentialed fetch');

is($r->{'nocred-credentialed'}, 'blocked TypeError',
   'credentials off: the browser refuses a credentialed fetch');

is($r->{'nocred-plain'}, 'ok 200 backend:GET:',
   'credentials off: a plain fetch is allowed');

my $log = slurp("$dir/logs/access.log");

like($log, qr/^OPTIONS \/api\/item 204 origin="\Q$page_origin\E"/m,
     'the preflight for PUT was answered 204');
like($log, qr/^OPTIONS \/api\/item 403 origin="\Q$page_origin\E"/m,
     'the preflight for the unlisted header was answered 403');
unlike($log, qr/^DELETE /m,
       'the DELETE after a failed preflight never reached nginx');

# --- an origin that is not allowed

my $other_origin = "http://127.0.0.1:$other";

$dom = dump_dom("$other_origin/page.html", 20000);
ok(defined $dom && $dom =~ m{<title>done</title>},
   'the page at the disallowed origin ran all its fetches')
    or diag($dom // slurp("$dir/chromium.log"));

$r = results($dom // '');

is($r->{credentialed}, 'blocked TypeError',
   'disallowed origin: the browser hides the response');
is($r->{preflighted}, 'blocked TypeError',
   'disallowed origin: the preflight fails');
is($r->{denied}, 'blocked TypeError',
   'disallowed origin: even a refusal is not readable');
is($r->{star}, 'ok 200 backend:GET:',
   'disallowed origin: a "*" location still answers a plain fetch');
is($r->{forged}, 'ok 0 ',
   'a forged no-cors POST is sent, its answer opaque');

$log = slurp("$dir/logs/access.log");

like($log, qr/^OPTIONS \/api\/item 403 origin="\Q$other_origin\E"/m,
     'the preflight from the disallowed origin was answered 403');
like($log, qr/^POST \/api\/csrf 403 origin="\Q$other_origin\E"/m,
     'the forged POST reached nginx with its Origin and was refused (CSRF)');
unlike($log, qr/^PUT \/api\/item \d+ origin="\Q$other_origin\E"/m,
       'no PUT from the disallowed origin ever reached nginx');

done_testing();
