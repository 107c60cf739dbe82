# Bad configuration fails to start, naming the directive, the file and line,
# and the reason.

use lib 't/lib';
use Test::Apisec 'no_plan';
use ApisecJwt;                       # $TEST_NGINX_DATA

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



=== TEST 17: a mistake found at merge time is reported where it was made, in an included file
--- user_files
>>> shop.conf
location /shop {
    apisec_jwt on;
    empty_gif;
}
--- config
    include $TEST_NGINX_HTML_DIR/shop.conf;
--- must_die
--- error_log eval
qr/\[emerg\] .*"apisec_jwt" is on, but no "apisec_jwt_key_file" is set \(nor "apisec_jwt_key_request", "apisec_introspect"\) \(location "\/shop" of server "localhost"\) in \S+\/shop\.conf:2$/m



=== TEST 18: apisec_api_key without a key file, in an included file
--- user_files
>>> shop.conf

location /partners {
    apisec_api_key header=X-Key;
    empty_gif;
}
--- config
    include $TEST_NGINX_HTML_DIR/shop.conf;
--- must_die
--- error_log eval
qr/\[emerg\] .*"apisec_api_key" is on, but no "apisec_api_key_file" is set \(location "\/partners" of server "localhost"\) in \S+\/shop\.conf:3$/m



=== TEST 19: CORS "*" with credentials, reported at apisec_cors_origins
--- user_files
>>> shop.conf
location /spa {
    apisec_cors_credentials on;
    apisec_cors_origins *;
    empty_gif;
}
--- config
    include $TEST_NGINX_HTML_DIR/shop.conf;
--- must_die
--- error_log eval
qr/\[emerg\] .*"apisec_cors_origins \*" cannot be used with "apisec_cors_credentials on".* \(location "\/spa" of server "localhost"\) in \S+\/shop\.conf:3$/m



=== TEST 20: an inherited apisec_jwt is reported at the level that set it, naming the location
--- user_files
>>> shop.conf
apisec_jwt on;
location /a { empty_gif; }
--- config
    include $TEST_NGINX_HTML_DIR/shop.conf;
--- must_die
--- error_log eval
qr/\[emerg\] .*"apisec_jwt" is on, but no "apisec_jwt_key_file" is set .* in \S+\/shop\.conf:1$/m



=== TEST 21: apisec_jwt_algorithms that no key can verify, without a remote key source
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_jwt_algorithms RS256 ES256;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*no key can verify any of "apisec_jwt_algorithms": every token would be refused \(location "\/api" of server "localhost"\) in \S+nginx\.conf:\d+$/m



=== TEST 22: one algorithm no key can verify is a warning at the directive
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_jwt_algorithms HS256 ES256;
        empty_gif;
    }
--- request
GET /api
--- error_code: 401
--- error_log eval
qr/\[warn\] .*no key can verify "ES256" of "apisec_jwt_algorithms" \(location "\/api" of server "localhost"\) in \S+nginx\.conf:\d+$/m



=== TEST 23: a limit keyed on the caller's identity where nothing authenticates is refused
--- http_config
    apisec_limit_zone $apisec_subject zone=per_user:1m rate=10r/s;
--- config
    location /api {
        apisec_limit zone=per_user;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*apisec_limit_zone "per_user" is keyed on the caller's identity, but nothing authenticates here .* \(location "\/api" of server "localhost"\) in \S+nginx\.conf:\d+$/m



=== TEST 24: a ban keyed on the caller's identity where nothing authenticates is refused
--- http_config
    apisec_ban_zone ${apisec_consumer} zone=brute:1m threshold=3 window=1m
                    duration=1m;
--- config
    location /api {
        apisec_ban zone=brute;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*apisec_ban_zone "brute" is keyed on the caller's identity, but nothing authenticates here.* in \S+nginx\.conf:\d+$/m



=== TEST 25: the same limit where the location authenticates starts
--- http_config
    apisec_limit_zone $apisec_subject zone=per_user:1m rate=10r/s;
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_limit zone=per_user;
        empty_gif;
    }
--- request
GET /api
--- error_code: 401
--- no_error_log
[emerg]
keyed on the caller's identity



=== TEST 26: a requirement without an authenticator warns, and refuses every request
--- config
    location /api {
        apisec_require_role admin;
        empty_gif;
    }
--- request
GET /api
--- error_code: 403
--- error_log eval
[qr/\[warn\] .*a requirement of "apisec_require_\*" without "apisec_jwt", "apisec_introspect" or "apisec_api_key": every request is refused with 403 \(location "\/api" of server "localhost"\) in \S+nginx\.conf:\d+$/m,
 qr/access denied: not authenticated/]



=== TEST 27: "return" in a protected location is a warning: the access phase never runs for it
--- config
    location /api {
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        return 200 "open\n";
    }
--- request
GET /api
--- error_code: 200
--- response_body
open
--- error_log eval
qr/\[warn\] .*"return" answers in the rewrite phase, before the access phase: the apisec checks of this location never run for what it answers \(location "\/api" of server "localhost"\)/



=== TEST 28: "return" where the module does nothing is not warned about
--- config
    location /api {
        apisec_security_headers on;
        return 200 "open\n";
    }
--- request
GET /api
--- error_code: 200
--- no_error_log
answers in the rewrite phase
