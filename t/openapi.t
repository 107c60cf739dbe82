# apisec_openapi: an OpenAPI 3 document as the positive security model.
# The petstore of t/data/openapi/ in YAML and in JSON; every refusal
# (404, 405 with Allow, 400 for parameters, 415, 400 for a missing body,
# 403 for security requirements) with its log line, $apisec_refusal and the
# problem+json "errors"; style/explode; concrete paths before templates;
# dry_run; JWT scopes and API keys; hostile documents for nginx -t and
# hostile requests.

use lib 't/lib';
use Test::Apisec 'no_plan';
use ApisecJwt;

my @hs = ('--alg', 'HS256', '--key', "$DATA/hs.jwk", '--kid', 'hs1',
          '--exp', 600);

our %T = (
    read  => mint(@hs, '--claims', '{"sub":"rita","scope":"pets:read"}'),
    write => mint(@hs, '--claims',
                  '{"sub":"will","scope":"pets:read pets:write"}'),
    admin => mint(@hs, '--claims',
                  '{"sub":"ada","scp":["pets:read","pets:admin"]}'),
    none  => mint(@hs, '--claims', '{"sub":"nobody"}'),
);

our $KEY = 'clinic-key-0123456789';

# the protected API: the document, a bearer token or an API key
sub api {
    my ($doc, $extra) = @_;
    $extra //= '';
    return <<"EOF";
    location /v1/ {
        apisec_openapi \$TEST_NGINX_DATA/openapi/$doc;
        apisec_jwt on;
        apisec_jwt_key_file \$TEST_NGINX_DATA/hs.jwk;
        apisec_api_key on;
        apisec_api_key_file \$TEST_NGINX_DATA/openapi/keys;
        add_header X-Refusal \$apisec_refusal always;
$extra        proxy_pass http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/backend/;
    }
    location /backend/ {
        return 200 "backend\\n";
    }
EOF
}

our $API = api('petstore.yaml');
our $JSON = api('petstore.json');
our $DRY = api('petstore.yaml')
           =~ s{petstore\.yaml;}{petstore.yaml dry_run;}r;
our $SEC = api('petstore.yaml', "        apisec_security_headers on;\n");

# a minimal document around one path item, for nginx -t
sub doc {
    my ($paths, $more) = @_;
    $more //= '';
    return "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n$more"
           . "paths:\n$paths";
}

# 129 query arguments
our $ARGS = join('&', map { "a$_=1" } 1 .. 129);

no_shuffle();
run_tests();

__DATA__

=== TEST 1: YAML document: a declared operation with a valid token passes
--- config eval: $::API
--- request
GET /v1/pets?limit=10&tags=a,b&sort=age
--- more_headers eval
"Authorization: Bearer $::T{read}"
--- error_code: 200
--- response_body
backend
--- no_error_log
apisec: openapi



=== TEST 2: the same document in JSON
--- config eval: $::JSON
--- request
GET /v1/pets?limit=10
--- more_headers eval
"Authorization: Bearer $::T{read}"
--- error_code: 200
--- response_body
backend
--- no_error_log
apisec: openapi



=== TEST 3: an unknown path: 404 before any credentials, unknown_path
--- config eval: $::API
--- request
GET /v1/cats
--- error_code: 404
--- response_headers
X-Refusal: unknown_path
Content-Type: application/problem+json
--- response_body_like
^\{"type":"about:blank","title":"Not Found","status":404,"detail":"no such path"\}$
--- error_log
apisec: openapi: no path of the document matches the URI



=== TEST 4: outside the servers' base path (/v1) nothing matches
--- config
    location /pets {
        apisec_openapi $TEST_NGINX_DATA/openapi/petstore.yaml;
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_DATA/openapi/keys;
        empty_gif;
    }
--- request
GET /pets
--- error_code: 404
--- error_log
apisec: openapi: no path of the document matches the URI



=== TEST 5: a method the path has not: 405 with Allow (HEAD with GET)
--- config eval: $::API
--- request
DELETE /v1/pets
--- error_code: 405
--- response_headers
Allow: GET, POST, HEAD
X-Refusal: method_not_allowed
--- response_body_like
"status":405,"detail":"method not allowed"\}$
--- error_log
apisec: openapi: the path has no operation for the method (Allow: GET, POST, HEAD)



=== TEST 6: HEAD is served as the GET operation (RFC 9110)
--- config eval: $::API
--- request
HEAD /v1/pets/mine
--- more_headers eval
"Authorization: Bearer $::T{read}"
--- error_code: 200
--- no_error_log
apisec: openapi



=== TEST 7: a concrete path wins over a template (/pets/mine, /pets/{petId})
--- config eval: $::API
--- request
GET /v1/pets/mine
--- more_headers eval
"Authorization: Bearer $::T{read}"
--- error_code: 200
--- no_error_log
apisec: openapi



=== TEST 8: a path parameter that is not an integer: 400 with errors
--- config eval: $::API
--- request
GET /v1/pets/abc
--- more_headers eval
"Authorization: Bearer $::T{read}\nX-Request-Id: r1"
--- error_code: 400
--- response_headers
X-Refusal: invalid_parameter
--- response_body_like
^\{"type":"about:blank","title":"Bad Request","status":400,"detail":"invalid parameter","errors":\[\{"parameter":"petId","in":"path","detail":"is not an integer"\}\]\}$
--- error_log
apisec: openapi: GET /pets/{petId}: parameter "petId" in path is not an integer



=== TEST 9: a required header missing, a boolean and a cookie wrong: every error listed
--- config eval: $::API
--- request
GET /v1/pets/12?verbose=yes
--- more_headers eval
"Authorization: Bearer $::T{read}\nCookie: a=1; session=abc"
--- error_code: 400
--- response_body_like
"errors":\[\{"parameter":"X-Request-Id","in":"header","detail":"is required"\},\{"parameter":"verbose","in":"query","detail":"is not a boolean \(true, false\)"\},\{"parameter":"session","in":"cookie","detail":"is not an integer"\}\]\}$
--- error_log
apisec: openapi: GET /pets/{petId}: parameter "X-Request-Id" in header is required



=== TEST 10: path, header, query and cookie parameters that hold
--- config eval: $::API
--- request
GET /v1/pets/12?verbose=true
--- more_headers eval
"Authorization: Bearer $::T{read}\nX-Request-Id: r1\nCookie: session=7"
--- error_code: 200
--- no_error_log
apisec: openapi



=== TEST 11: a query parameter given twice is refused (not an array)
--- config eval: $::API
--- request
GET /v1/pets?limit=1&limit=2
--- more_headers eval
"Authorization: Bearer $::T{read}"
--- error_code: 400
--- response_body_like
"errors":\[\{"parameter":"limit","in":"query","detail":"is given more than once"\}\]\}$
--- error_log
apisec: openapi: GET /pets: parameter "limit" in query is given more than once



=== TEST 12: pipeDelimited arrays of integers: 1|2 and 1%7C2 hold
--- config eval: $::API
--- request eval
["GET /v1/pets/1/photos/p1?size=1%7C2", "GET /v1/pets/1/photos/p1?size=1|2"]
--- more_headers eval
"Authorization: Bearer $::T{read}"
--- error_code eval
[200, 200]
--- no_error_log
apisec: openapi



=== TEST 13: pipeDelimited: 1|x is not an array of integers
--- config eval: $::API
--- request
GET /v1/pets/1/photos/p1?size=1|x
--- more_headers eval
"Authorization: Bearer $::T{read}"
--- error_code: 400
--- response_body_like
"errors":\[\{"parameter":"size","in":"query","detail":"is not an integer"\}\]\}$
--- error_log
apisec: openapi: GET /pets/{petId}/photos/{photoId}: parameter "size" in query is not an integer



=== TEST 14: a body of a media type the operation does not declare: 415
--- config eval: $::API
--- request
POST /v1/pets
{"name":"rex"}
--- more_headers eval
"Authorization: Bearer $::T{write}\nContent-Type: text/plain"
--- error_code: 415
--- response_headers
X-Refusal: unsupported_media_type
--- response_body_like
"status":415,"detail":"content type not declared for the operation"\}$
--- error_log
apisec: openapi: POST /pets: a Content-Type the operation does not declare



=== TEST 15: a declared media type passes (parameters ignored, case-insensitive)
--- config eval: $::API
--- request
POST /v1/pets
{"name":"rex"}
--- more_headers eval
"Authorization: Bearer $::T{write}\nContent-Type: Application/JSON; charset=utf-8"
--- error_code: 200
--- no_error_log
apisec: openapi



=== TEST 16: a body where the operation declares none: 415
--- config eval: $::API
--- request
GET /v1/pets
{"x":1}
--- more_headers eval
"Authorization: Bearer $::T{read}\nContent-Type: application/json"
--- error_code: 415
--- error_log
apisec: openapi: GET /pets: a request body the operation does not declare



=== TEST 17: no body where the operation requires one: 400 invalid_request_body
--- config eval: $::API
--- request
POST /v1/pets
--- more_headers eval
"Authorization: Bearer $::T{write}"
--- error_code: 400
--- response_headers
X-Refusal: invalid_request_body
--- error_log
apisec: openapi: POST /pets: no request body



=== TEST 18: media ranges: text/* and an exact type pass, another type does not
--- config eval: $::API
--- request eval
["PUT /v1/files\nhello", "PUT /v1/files\nhello", "PUT /v1/files\n{}"]
--- more_headers eval
["Authorization: Bearer $::T{read}\nContent-Type: text/csv",
 "Authorization: Bearer $::T{read}\nContent-Type: application/octet-stream",
 "Authorization: Bearer $::T{read}\nContent-Type: application/json"]
--- error_code eval
[200, 200, 415]



=== TEST 19: the operation's security: a token without its scope is 403 insufficient_scope
--- config eval: $::API
--- request
POST /v1/pets
{"name":"rex"}
--- more_headers eval
"Authorization: Bearer $::T{read}\nContent-Type: application/json"
--- error_code: 403
--- response_headers
X-Refusal: insufficient_scope
WWW-Authenticate: Bearer realm="api", error="insufficient_scope", scope="pets:write"
--- response_body_like
"status":403,"detail":"insufficient scope"\}$
--- error_log
apisec: openapi: POST /pets: no security requirement is met (scope "pets:write" missing)



=== TEST 20: alternatives: an API key, or a token with pets:admin ("scp" array)
--- config eval: $::API
--- request eval
["DELETE /v1/pets/3", "DELETE /v1/pets/3"]
--- more_headers eval
["X-API-Key: $::KEY", "Authorization: Bearer $::T{admin}"]
--- error_code eval
[200, 200]
--- no_error_log
apisec: openapi



=== TEST 21: neither alternative: 403 names the first missing scope
--- config eval: $::API
--- request
DELETE /v1/pets/3
--- more_headers eval
"Authorization: Bearer $::T{read}"
--- error_code: 403
--- error_log
apisec: openapi: DELETE /pets/{petId}: no security requirement is met (scope "pets:admin" missing)



=== TEST 22: the document's own security (bearer): an API key alone is 403 security_requirement
--- config eval: $::API
--- request
GET /v1/pets
--- more_headers eval
"X-API-Key: $::KEY"
--- error_code: 403
--- response_headers
X-Refusal: security_requirement
!WWW-Authenticate
--- error_log
apisec: openapi: GET /pets: no security requirement is met by the caller's credentials



=== TEST 23: "security: []" never lets an anonymous caller past the location's authentication
--- config eval: $::API
--- request eval
["GET /v1/health", "GET /v1/health"]
--- more_headers eval
["", "X-API-Key: $::KEY"]
--- error_code eval
[401, 200]



=== TEST 24: a token without any scope meets no requirement
--- config eval: $::API
--- request
GET /v1/pets
--- more_headers eval
"Authorization: Bearer $::T{none}"
--- error_code: 403
--- error_log
(scope "pets:read" missing)



=== TEST 25: dry_run: an unknown path is not refused, one warning
--- config eval: $::DRY
--- request
GET /v1/cats
--- more_headers eval
"Authorization: Bearer $::T{read}"
--- error_code: 200
--- response_headers
X-Refusal:
--- error_log eval
qr/\[warn\] .*apisec: openapi dry_run: would refuse with 404: no path of the document matches the URI/
--- no_error_log
apisec: openapi: 



=== TEST 26: dry_run: several bad parameters, one warning for the request
--- config eval: $::DRY
--- request
GET /v1/pets/abc?verbose=no
--- more_headers eval
"Authorization: Bearer $::T{read}"
--- error_code: 200
--- response_headers
X-Refusal:
--- grep_error_log eval
qr/would refuse with \d+/
--- grep_error_log_out
would refuse with 400
--- error_log eval
qr/\[warn\] .*apisec: openapi dry_run: would refuse with 400: GET \/pets\/\{petId\}: parameter "petId" in path is not an integer/



=== TEST 27: dry_run: a method the path has not
--- config eval: $::DRY
--- request
DELETE /v1/pets
--- more_headers eval
"Authorization: Bearer $::T{read}"
--- error_code: 200
--- response_headers
!Allow
--- error_log eval
qr/\[warn\] .*apisec: openapi dry_run: would refuse with 405: the path has no operation for the method \(Allow: GET, POST, HEAD\)/



=== TEST 28: security headers on an OpenAPI refusal, as on every refusal
--- config eval: $::SEC
--- request
GET /v1/cats
--- error_code: 404
--- response_headers
X-Content-Type-Options: nosniff
Content-Type: application/problem+json



=== TEST 29: an encoded "/" in a path parameter is a "/": no path matches
--- config eval: $::API
--- request
GET /v1/pets/1%2F2
--- more_headers eval
"Authorization: Bearer $::T{read}\nX-Request-Id: r1"
--- error_code: 404
--- error_log
apisec: openapi: no path of the document matches the URI



=== TEST 30: ".." is resolved by nginx before the route: /pets/x/../mine is /pets/mine
--- config eval: $::API
--- request eval
["GET /v1/pets/x/../mine", "GET /v1/pets/%2e%2e/mine"]
--- more_headers eval
"Authorization: Bearer $::T{read}"
--- error_code eval
[200, 404]



=== TEST 31: an overlong parameter: 400, nothing echoed
--- config eval: $::API
--- request eval
"GET /v1/pets?sort=" . ("x" x 5000)
--- more_headers eval
"Authorization: Bearer $::T{read}"
--- error_code: 400
--- response_body_like
"errors":\[\{"parameter":"sort","in":"query","detail":"is longer than 4096 bytes"\}\]\}$
--- error_log
parameter "sort" in query is longer than 4096 bytes



=== TEST 32: bytes that are not UTF-8: 400
--- config eval: $::API
--- request
GET /v1/pets?sort=%ff%fe
--- more_headers eval
"Authorization: Bearer $::T{read}"
--- error_code: 400
--- response_body_like
"errors":\[\{"parameter":"sort","in":"query","detail":"is not UTF-8 text"\}\]\}$
--- error_log
parameter "sort" in query is not UTF-8 text



=== TEST 33: 129 query arguments: 400
--- config eval: $::API
--- request eval
"GET /v1/pets?$::ARGS"
--- more_headers eval
"Authorization: Bearer $::T{read}"
--- error_code: 400
--- response_body_like
"detail":"too many query arguments"\}$
--- error_log
apisec: openapi: GET /pets: more than 128 query arguments



=== TEST 34: "apisec_openapi off" in a nested location
--- config
    location /v1/ {
        apisec_openapi $TEST_NGINX_DATA/openapi/petstore.yaml;
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_DATA/openapi/keys;
        location /v1/free/ {
            apisec_openapi off;
            empty_gif;
        }
        empty_gif;
    }
--- request
GET /v1/free/x
--- more_headers eval
"Authorization: Bearer $::T{read}"
--- error_code: 200
--- no_error_log
apisec: openapi



=== TEST 35: nginx -t: an alias (the billion laughs) is refused
--- user_files eval
[["bomb.yaml", "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"
  . "x: &a [1, 2]\ny: [*a, *a]\npaths: {}\n"]]
--- config
    location /v1/ {
        apisec_openapi $TEST_NGINX_HTML_DIR/bomb.yaml;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*apisec_openapi "\S+bomb\.yaml": line 3: anchors are not allowed in \S+nginx\.conf:\d+/



=== TEST 36: nginx -t: an alias without its anchor
--- user_files eval
[["alias.yaml", "openapi: 3.0.3\nx: *a\n"]]
--- config
    apisec_openapi $TEST_NGINX_HTML_DIR/alias.yaml;
--- must_die
--- error_log eval
qr/\[emerg\] .*apisec_openapi "\S+alias\.yaml": line 2: /



=== TEST 37: nginx -t: nesting deeper than 64 (YAML and JSON)
--- user_files eval
[["deep.yaml", "openapi: 3.0.3\nx: " . ("[" x 100) . ("]" x 100) . "\n"],
 ["deep.json", '{"openapi":"3.0.3","x":' . ("[" x 100) . ("]" x 100) . "}"]]
--- config
    location /a/ { apisec_openapi $TEST_NGINX_HTML_DIR/deep.yaml; }
    location /b/ { apisec_openapi $TEST_NGINX_HTML_DIR/deep.json; }
--- must_die
--- error_log eval
qr/\[emerg\] .*apisec_openapi "\S+deep\.yaml": line 2: nested deeper than 64/



=== TEST 38: nginx -t: JSON nested deeper than 64
--- user_files eval
[["deep.json", '{"openapi":"3.0.3","x":' . ("[" x 100) . ("]" x 100) . "}"]]
--- config
    apisec_openapi $TEST_NGINX_HTML_DIR/deep.json;
--- must_die
--- error_log eval
qr/\[emerg\] .*apisec_openapi "\S+deep\.json": nested deeper than 64 or more than 500000 values/



=== TEST 39: nginx -t: a $ref cycle
--- user_files eval
[["cycle.yaml", ::doc("  /a/{id}:\n    get:\n      parameters:\n"
    . "        - \$ref: '#/components/parameters/A'\n",
    "components:\n  parameters:\n    A: {\$ref: '#/components/parameters/B'}\n"
    . "    B: {\$ref: '#/components/parameters/A'}\n")]]
--- config
    apisec_openapi $TEST_NGINX_HTML_DIR/cycle.yaml;
--- must_die
--- error_log eval
qr/\[emerg\] .*apisec_openapi "\S+cycle\.yaml": \/paths\/~1a~1\{id\}\/get\/parameters\/0: a \$ref cycle \(or more than 32 \$refs in a row\)/



=== TEST 40: nginx -t: a $ref out of the document's directory
--- user_files eval
[["up.yaml", ::doc("  /a:\n    \$ref: '../secret.yaml#/x'\n")]]
--- config
    location /a/ { apisec_openapi $TEST_NGINX_HTML_DIR/up.yaml; }
--- must_die
--- error_log eval
qr/\[emerg\] .*apisec_openapi "\S+up\.yaml": \/paths\/~1a: \$ref to "\.\.\/secret\.yaml": only relative files beside the document \(no "\.\.", no URL\)/



=== TEST 41: nginx -t: a $ref to a URL
--- user_files eval
[["url.yaml", ::doc("  /a:\n    \$ref: 'https://evil.example/x.yaml#/x'\n")]]
--- config
    apisec_openapi $TEST_NGINX_HTML_DIR/url.yaml;
--- must_die
--- error_log eval
qr/\[emerg\] .*url\.yaml": \/paths\/~1a: \$ref to "https:\/\/evil\.example\/x\.yaml": only relative files/



=== TEST 42: a $ref to a file beside the document works (and a path item in it)
--- user_files eval
[["split/api.yaml", ::doc("  /items/{id}:\n    \$ref: 'items.yaml#/item'\n")],
 ["split/items.yaml", "item:\n  get:\n    parameters:\n"
   . "      - \$ref: 'items.yaml#/id'\n    responses: {200: {description: ok}}\n"
   . "id: {name: id, in: path, required: true, schema: {type: integer}}\n"]]
--- config
    location /items/ {
        apisec_openapi $TEST_NGINX_HTML_DIR/split/api.yaml;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend/;
    }
    location /backend/ {
        return 200 "backend\n";
    }
--- request eval
["GET /items/7", "GET /items/x"]
--- error_code eval
[200, 400]



=== TEST 43: nginx -t: a template with text around it in a segment
--- user_files eval
[["tmpl.yaml", ::doc("  /a/{id}.json:\n    get: {responses: {200: {description: ok}}}\n")]]
--- config
    apisec_openapi $TEST_NGINX_HTML_DIR/tmpl.yaml;
--- must_die
--- error_log eval
qr/\[emerg\] .*tmpl\.yaml": \/paths\/~1a~1\{id\}\.json: a bad template segment \(one "\{name\}" a segment, nothing around it\)/



=== TEST 44: nginx -t: a template without its path parameter
--- user_files eval
[["nop.yaml", ::doc("  /a/{id}:\n    get: {responses: {200: {description: ok}}}\n")]]
--- config
    apisec_openapi $TEST_NGINX_HTML_DIR/nop.yaml;
--- must_die
--- error_log eval
qr/\[emerg\] .*nop\.yaml": \/paths\/~1a~1\{id\}\/get: the template "\{id\}" has no path parameter/



=== TEST 45: nginx -t: an unknown style, and one not supported (deepObject)
--- user_files eval
[["style.yaml", ::doc("  /a:\n    get:\n      parameters:\n"
   . "        - {name: q, in: query, style: deepObject, schema: {type: object}}\n")]]
--- config
    apisec_openapi $TEST_NGINX_HTML_DIR/style.yaml;
--- must_die
--- error_log eval
qr/\[emerg\] .*style\.yaml": \/paths\/~1a\/get\/parameters\/0: style "deepObject" is unknown or not supported/



=== TEST 46: nginx -t: OpenAPI 2.0 (Swagger) is not supported
--- user_files eval
[["v2.json", '{"swagger":"2.0","paths":{}}']]
--- config
    apisec_openapi $TEST_NGINX_HTML_DIR/v2.json;
--- must_die
--- error_log eval
qr/\[emerg\] .*v2\.json": \/openapi: unsupported version \(3\.0\.x and 3\.1\.x are\) in \S+nginx\.conf:\d+/



=== TEST 47: nginx -t: a scheme the module has no authenticator for (http basic)
--- user_files eval
[["basic.yaml", ::doc("  /a:\n    get: {responses: {200: {description: ok}}}\n",
   "security: [{basic: []}]\ncomponents:\n  securitySchemes:\n"
   . "    basic: {type: http, scheme: basic}\n")]]
--- config
    apisec_openapi $TEST_NGINX_HTML_DIR/basic.yaml;
--- must_die
--- error_log eval
qr/\[emerg\] .*basic\.yaml": \/components\/securitySchemes\/basic: the module has no authenticator for this scheme \(type "http", scheme "basic"\)/



=== TEST 48: nginx -t: an OAuth2 requirement where nothing checks bearer tokens
--- config
    location /v1/ {
        apisec_openapi $TEST_NGINX_DATA/openapi/petstore.yaml;
        apisec_api_key on;
        apisec_api_key_file $TEST_NGINX_DATA/openapi/keys;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*apisec_openapi "\S+petstore\.yaml": the document requires an OAuth2, OpenID Connect or bearer scheme, but neither "apisec_jwt" nor "apisec_introspect" authenticates here \(location "\/v1\/" of server "localhost"\) in \S+nginx\.conf:\d+/



=== TEST 49: nginx -t: the apiKey scheme's header is not the one apisec_api_key reads
--- config
    location /v1/ {
        apisec_openapi $TEST_NGINX_DATA/openapi/petstore.yaml;
        apisec_jwt on;
        apisec_jwt_key_file $TEST_NGINX_DATA/hs.jwk;
        apisec_api_key header=X-Key;
        apisec_api_key_file $TEST_NGINX_DATA/openapi/keys;
        empty_gif;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*the apiKey scheme "apikey" is the header "X-API-Key", but "apisec_api_key" reads the header "X-Key"/



=== TEST 50: nginx -t: YAML 1.2, not 1.1: "required: yes" is the string "yes"
--- user_files eval
[["yes.yaml", ::doc("  /a/{id}:\n    get:\n      parameters:\n"
   . "        - {name: id, in: path, required: yes}\n")]]
--- config
    apisec_openapi $TEST_NGINX_HTML_DIR/yes.yaml;
--- must_die
--- error_log eval
qr/\[emerg\] .*yes\.yaml": \/paths\/~1a~1\{id\}\/get\/parameters\/0: a path parameter must be "required": true/



=== TEST 51: nginx -t: duplicate keys (YAML and JSON), tags beyond the core schema
--- user_files eval
[["dup.yaml", "openapi: 3.0.3\nopenapi: 3.1.0\n"]]
--- config
    apisec_openapi $TEST_NGINX_HTML_DIR/dup.yaml;
--- must_die
--- error_log eval
qr/\[emerg\] .*dup\.yaml": line 2: a duplicate key/



=== TEST 52: nginx -t: duplicate keys in JSON
--- user_files eval
[["dup.json", '{"openapi":"3.0.3","openapi":"3.1.0"}']]
--- config
    apisec_openapi $TEST_NGINX_HTML_DIR/dup.json;
--- must_die
--- error_log eval
qr/\[emerg\] .*dup\.json": line 1: duplicate object key/



=== TEST 53: nginx -t: a tag beyond the core schema
--- user_files eval
[["tag.yaml", "openapi: !!python/object:os.system 3.0.3\n"]]
--- config
    apisec_openapi $TEST_NGINX_HTML_DIR/tag.yaml;
--- must_die
--- error_log eval
qr/\[emerg\] .*tag\.yaml": line 1: a tag beyond the core schema/



=== TEST 54: nginx -t: dry_run is the only parameter
--- config
    apisec_openapi $TEST_NGINX_DATA/openapi/petstore.yaml quietly;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "quietly" in \S+nginx\.conf:\d+/



=== TEST 55: Allow is on the 405 only, never on what an error_page answers after it
--- config
    location /o/ {
        apisec_openapi $TEST_NGINX_DATA/openapi/interplay.yaml;
        error_page 405 = @t;
        empty_gif;
    }
    location @t {
        rewrite ^ /backend/ break;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT;
    }
    location /backend/ {
        return 200 "backend\n";
    }
--- request
POST /o/1
x=1
--- error_code: 200
--- response_headers
!Allow
--- response_body
backend
--- error_log
apisec: openapi: the path has no operation for the method (Allow: GET, HEAD)



=== TEST 56: parameters against their schemas (the JSON Schema core): maximum, enum
--- config eval: $::API
--- request
GET /v1/pets?limit=500&sort=foo&tags=a
--- more_headers eval
"Authorization: Bearer $::T{read}"
--- error_code: 400
--- response_body_like
^\{"type":"about:blank","title":"Bad Request","status":400,"detail":"invalid parameter","errors":\[\{"parameter":"limit","in":"query","detail":"must be at most maximum"\},\{"parameter":"sort","in":"query","detail":"must be one of the values of enum"\}\]\}$
--- error_log
apisec: openapi: GET /pets: parameter "limit" in query must be at most maximum



=== TEST 57: nginx -t: a parameter's schema the core refuses names its pointer
--- user_files eval
[["badschema.yaml", ::doc("  /a:\n    get:\n      parameters:\n"
   . "        - {name: q, in: query, schema: {type: integer, minimum: x}}\n")]]
--- config
    apisec_openapi $TEST_NGINX_HTML_DIR/badschema.yaml;
--- must_die
--- error_log eval
qr/\[emerg\] .*badschema\.yaml": \/paths\/~1a\/get\/parameters\/0\/schema: .*minimum/



=== TEST 58: a recursive schema (a tree of nodes through $ref) compiles
--- user_files eval
[["tree.yaml", ::doc("  /trees:\n    post:\n      requestBody:\n"
   . "        content:\n          application/json:\n"
   . "            schema: {\$ref: '#/components/schemas/Node'}\n"
   . "      responses: {201: {description: ok}}\n",
   "components:\n  schemas:\n    Node:\n      type: object\n"
   . "      properties:\n        children:\n          type: array\n"
   . "          items: {\$ref: '#/components/schemas/Node'}\n")]]
--- config
    location /trees {
        apisec_openapi $TEST_NGINX_HTML_DIR/tree.yaml;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend/;
    }
    location /backend/ {
        return 200 "backend\n";
    }
--- request
POST /trees
{"children":[{"children":[]}]}
--- more_headers
Content-Type: application/json
--- error_code: 200



=== TEST 59: the operation's JSON body against its schema: 422 with pointers
--- config eval: $::API
--- request
POST /v1/pets
{"name":5,"tag":"x"}
--- more_headers eval
"Authorization: Bearer $::T{write}\nContent-Type: application/json"
--- error_code: 422
--- response_headers
X-Refusal: invalid_request_body
--- response_body_like
"status":422,.*"errors":\[\{"pointer":"/name","detail":"[^"]+"\}\]\}$
--- error_log
apisec: request body does not conform to the schema "POST /pets": 1 violation(s), first at "/name"



=== TEST 60: a required member missing, and malformed JSON (400)
--- config eval: $::API
--- request eval
["POST /v1/pets\n{\"tag\":\"x\"}", "POST /v1/pets\n{\"name\":"]
--- more_headers eval
"Authorization: Bearer $::T{write}\nContent-Type: application/json"
--- error_code eval
[422, 400]



=== TEST 61: a body over apisec_json_max_size: 413
--- config eval: ::api('petstore.yaml', "        apisec_json_max_size 16;\n")
--- request
POST /v1/pets
{"name":"a long name, longer than sixteen bytes"}
--- more_headers eval
"Authorization: Bearer $::T{write}\nContent-Type: application/json"
--- error_code: 413
--- error_log
apisec: request body of 49 bytes is larger than 16



=== TEST 62: a recursive schema checks the nested levels
--- user_files eval
[["tree.yaml", ::doc("  /trees:\n    post:\n      requestBody:\n"
   . "        content:\n          application/json:\n"
   . "            schema: {\$ref: '#/components/schemas/Node'}\n"
   . "      responses: {201: {description: ok}}\n",
   "components:\n  schemas:\n    Node:\n      type: object\n"
   . "      properties:\n        children:\n          type: array\n"
   . "          items: {\$ref: '#/components/schemas/Node'}\n")]]
--- config
    location /trees {
        apisec_openapi $TEST_NGINX_HTML_DIR/tree.yaml;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend/;
    }
    location /backend/ {
        return 200 "backend\n";
    }
--- request
POST /trees
{"children":[{"children":[{"children":7}]}]}
--- more_headers
Content-Type: application/json
--- error_code: 422
--- response_body_like
"errors":\[\{"pointer":"/children/0/children/0/children","detail":"[^"]+"\}\]\}$



=== TEST 63: dry_run: a body against its schema is logged, not refused
--- config eval: $::DRY
--- request
POST /v1/pets
{"name":5}
--- more_headers eval
"Authorization: Bearer $::T{write}\nContent-Type: application/json"
--- error_code: 200
--- response_headers
X-Refusal:
--- error_log eval
qr/\[warn\] .*apisec: openapi dry_run: would refuse with 422: POST \/pets: the request body/



=== TEST 64: a schema with $refs into components, not itself in components
--- user_files eval
[["inl.yaml", ::doc("  /pets:\n    post:\n      requestBody:\n"
   . "        content:\n          application/json:\n"
   . "            schema: {type: array, maxItems: 2, items: {\$ref: '#/components/schemas/Pet'}}\n"
   . "      responses: {201: {description: ok}}\n",
   "components:\n  schemas:\n    Pet:\n      type: object\n      required: [name]\n"
   . "      properties: {name: {type: string}}\n")]]
--- config
    location /pets {
        apisec_openapi $TEST_NGINX_HTML_DIR/inl.yaml;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend/;
    }
    location /backend/ {
        return 200 "backend\n";
    }
--- request eval
["POST /pets\n[{\"name\":\"a\"}]", "POST /pets\n[{\"name\":\"a\"},{}]", "POST /pets\n[{},{},{}]"]
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 422, 422]
--- response_body_like eval
["backend", '"errors":\[\{"pointer":"/1","detail":"misses the required property \\\\"name\\\\""\}\]\}$', '"errors":\[\{"pointer":"","detail":"[^"]+"\}']



=== TEST 65: nginx -t: a $ref to an absolute path
--- user_files eval
[["abs.yaml", ::doc("  /a:\n    \$ref: '/etc/passwd'\n")]]
--- config
    apisec_openapi $TEST_NGINX_HTML_DIR/abs.yaml;
--- must_die
--- error_log eval
qr/\[emerg\] .*abs\.yaml": \/paths\/~1a: \$ref to "\/etc\/passwd": only relative files beside the document/



=== TEST 66: nginx -t: a $ref to a file beside the document that has a cycle with the document
--- user_files eval
[["loop/a.yaml", ::doc("  /a:\n    \$ref: 'b.yaml#/item'\n")],
 ["loop/b.yaml", "item: {\$ref: 'a.yaml#/paths/~1a'}\n"]]
--- config
    apisec_openapi $TEST_NGINX_HTML_DIR/loop/a.yaml;
--- must_die
--- error_log eval
qr/\[emerg\] .*a\.yaml": \/paths\/~1a: a \$ref cycle/



=== TEST 67: nginx -t: a schema's $ref into components of a document without components (fuzz find: a crash)
--- user_files eval
[["nocomp.yaml", ::doc("  /a:\n    get:\n      parameters:\n"
   . "        - {name: q, in: query, schema: {type: object, properties: {x: {\$ref: '#/components/schemas/X'}}}}\n")]]
--- config
    apisec_openapi $TEST_NGINX_HTML_DIR/nocomp.yaml;
--- must_die
--- error_log eval
qr/\[emerg\] .*nocomp\.yaml": \/paths\/~1a\/get\/parameters\/0\/schema: .*components\/schemas\/X/
--- no_error_log
exited on signal
