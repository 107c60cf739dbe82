# Bad configuration fails to start, naming the directive, the file and line,
# and the reason.

use lib 't/lib';
use Test::Apisec 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: apisec_hsts with a max-age that is not a number
--- config
    location /api {
        apisec_hsts max-age=abc;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid max-age "max-age=abc", expected a number of seconds in \S+nginx\.conf:\d+/



=== TEST 2: apisec_hsts without max-age
--- config
    apisec_hsts includeSubDomains;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid value "includeSubDomains", expected "off" or "max-age=<seconds>" in \S+nginx\.conf:\d+/



=== TEST 3: apisec_hsts with an unknown parameter
--- config
    apisec_hsts max-age=60 includeSubDomains sometimes;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "sometimes" in \S+nginx\.conf:\d+/



=== TEST 4: apisec_hsts preload without includeSubDomains
--- config
    apisec_hsts max-age=63072000 preload;
--- must_die
--- error_log eval
qr/\[emerg\] .*"preload" requires "includeSubDomains" and a max-age of at least 31536000 seconds in \S+nginx\.conf:\d+/



=== TEST 5: apisec_hsts preload with a short max-age
--- config
    apisec_hsts max-age=600 includeSubDomains preload;
--- must_die
--- error_log eval
qr/\[emerg\] .*"preload" requires/



=== TEST 6: apisec_hsts given twice at one level
--- config
    apisec_hsts max-age=600;
    apisec_hsts max-age=60;
--- must_die
--- error_log eval
qr/\[emerg\] .*"apisec_hsts" directive is duplicate in \S+nginx\.conf:\d+/



=== TEST 7: an unknown apisec_https_only value
--- config
    location /api {
        apisec_https_only sometimes;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid value "sometimes", expected "off", "redirect" or "reject" in \S+nginx\.conf:\d+/



=== TEST 8: apisec_https_only redirect with a bad port
--- config
    apisec_https_only redirect port=70000;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid port in "port=70000" in \S+nginx\.conf:\d+/



=== TEST 9: a port with reject is an error, not ignored
--- config
    apisec_https_only reject port=8443;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "port=8443" in \S+nginx\.conf:\d+/



=== TEST 10: an empty CSP policy
--- config
    apisec_csp "";
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid policy "": empty, or control characters in a header value in \S+nginx\.conf:\d+/



=== TEST 11: apisec_security_headers with a value other than on/off
--- config
    apisec_security_headers yes;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid value "yes" in "apisec_security_headers" directive, it must be "on" or "off" in \S+nginx\.conf:\d+/



=== TEST 12: an unknown apisec_error_format
--- config
    apisec_error_format xml;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid value "xml" in "apisec_error_format" directive in \S+nginx\.conf:\d+|\[emerg\] .*invalid value "xml" in \S+nginx\.conf:\d+/



=== TEST 13: security directives are not allowed in "if"
--- config
    location /api {
        if ($arg_x) {
            apisec_security_headers off;
        }
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"apisec_security_headers" directive is not allowed here in \S+nginx\.conf:\d+/



=== TEST 14: apisec_https_only is not allowed in "if"
--- config
    location /api {
        if ($arg_x) {
            apisec_https_only off;
        }
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"apisec_https_only" directive is not allowed here in \S+nginx\.conf:\d+/



=== TEST 15: a wrong number of arguments
--- config
    apisec_csp "a" "b";
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid number of arguments in "apisec_csp" directive in \S+nginx\.conf:\d+/



=== TEST 16: a valid configuration starts
--- http_config
    apisec_security_headers on;
    apisec_hsts max-age=63072000 includeSubDomains preload;
    apisec_csp "default-src 'none'";
    apisec_https_only off;
    apisec_error_format json;
--- config
    location /api {
        apisec_https_only redirect port=8443;
        apisec_hsts off;
        empty_gif;
    }
--- request
GET /nothing/here
--- error_code: 404
