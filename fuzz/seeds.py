#!/usr/bin/python3
# Writes the seed corpus fuzz/corpus/<target>/ (file name: the input's
# sha1, truncated).  Run from the repository root with Debian's python3
# (python3-jwt): /usr/bin/python3 fuzz/seeds.py [target ...] (names given:
# only those targets' seeds are written).  Inputs that once crashed a
# target are added by hand (see fuzz/README.md) and are not made here.

import base64
import glob
import hashlib
import json
import os
import hmac
import random
import struct
import sys

import jwt

C = 'fuzz/corpus'
ONLY = set(sys.argv[1:])


def w(t, data):
    if ONLY and t not in ONLY:
        return
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(C, t)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()[:16]), 'wb') as f:
        f.write(data)


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b'=').decode()


def h(o):
    return b64(json.dumps(o, separators=(',', ':')).encode())


# base64url
for s in ["", "AA", "AAA", "AAAA", "eyJhbGciOiJIUzI1NiJ9", "_-_-", "QQ",
          "QR", "QUI", "QUJ", "A", "a+b/", "AA==", "7w"]:
    w('base64url', s)

# jwt_token: Authorization header values
secret = base64.urlsafe_b64decode(json.load(open('t/data/hs.jwk'))['k'] + '==')
claims = {"iss": "https://issuer.example", "aud": ["x", "api"], "sub": "alice",
          "exp": 1700000600, "nbf": 1699999000, "iat": 1699999990}
toks = [
    jwt.encode(claims, secret, algorithm="HS256",
               headers={"kid": "hs1", "typ": "at+jwt"}),
    jwt.encode({"iss": "https://other.example", "aud": "api", "exp": 1e308},
               secret, algorithm="HS512", headers={"typ": "application/jwt"}),
    jwt.encode(claims, open('t/data/ec256.key').read(), algorithm="ES256",
               headers={"typ": "JWT", "kid": "ec256"}),
    jwt.encode(claims, open('t/data/ed25519.key').read(), algorithm="EdDSA",
               headers={"typ": "JWT"}),
    jwt.encode(claims, open('t/data/rsa.key').read(), algorithm="PS256",
               headers={"typ": "JWT"}),
    h({"alg": "none", "typ": "JWT"}) + "." + h(claims) + ".",
    h({"alg": "HS256", "crit": ["exp"]}) + "." + h(claims) + ".AAAA",
    b64(b'{"alg":"HS256","alg":"HS256"}') + "." + h(claims) + ".AAAA",
    h({"alg": "RS256", "typ": "JWT"}) + "." + b64(b'{"sub":"a","sub":"b"}')
    + ".AAAA",
    h({"alg": "HS256", "typ": "JWT"}) + "."
    + b64(b'{"a":' + b'[' * 64 + b']' * 64 + b',"exp":"soon"}') + ".AAAA",
    h({"alg": "ES512", "typ": "jwt", "kid": 7}) + "." + h({"aud": [1, 2]})
    + "." + b64(b'\0' * 132),
]
for t in toks:
    w('jwt_token', "Bearer " + t)
for v in ["bearer \t" + toks[0] + "  ", "Basic dXNlcjpwYXNz", "Bearer ",
          "Bearer a.b.c===", "BearerX abc"]:
    w('jwt_token', v)

# jose: header and claims JSON
for o in [{"alg": "HS256", "typ": "JWT", "kid": "hs1"},
          {"alg": "ES384", "typ": "application/at+jwt"}, {"alg": "none"},
          {"alg": "NONE"}, {"alg": "RS256", "crit": ["b64"], "b64": False},
          claims,
          {"iss": "https://issuer.example", "aud": "api", "exp": -1e308,
           "nbf": "x"},
          {"aud": ["a", {"b": [1, 2, {"c": None}]}], "iat": 9.9e307},
          {"exp": 18446744073709551616}, {"sub": 5}]:
    w('jose', json.dumps(o))
for s in ['{"alg":"HS256","alg":"RS256"}', '{"a":{"x":1,"x":2}}',
          '[' * 100 + ']' * 100, '{"exp":1e400}', '{"sub":"\\u0000admin"}',
          '{"iss":"https://issuer.example\\ud800"}']:
    w('jose', s)

# claims_scan: claims JSON text on both sides of each edge of the
# scanner's subset (ngx_http_apisec_jose_scan())
def nest(k, inner='{}'):
    return '{"a":' * (k - 1) + inner + '}' * (k - 1)


def arrays(k):
    return '{"a":' + '[' * (k - 1) + ']' * (k - 1) + '}'


def members(n):
    return '{' + ','.join('"m%d":%d' % (i, i) for i in range(n)) + '}'


def auds(n, last='api'):
    return json.dumps({"aud": ["a%d" % i for i in range(n - 1)] + [last]},
                      separators=(',', ':'))


for s in [json.dumps(claims, separators=(',', ':')), '{}',
          ' \t\r\n{ \t\r\n"sub" \t\r\n: \t\r\n"alice" \t\r\n, "aud" :\n'
          '[ "x" ,\t"api" ] }\r\n ',
          '{"a":1,"a":2}', '{"o":{"p":{"q":{"x":1,"x":2}}}}',
          '{"a":1,"\\u0061":2}', '{"sub":"\\u0000admin"}',
          b'{"sub":"\xff\xfe"}', '{"sub":"\u00e9lise"}',
          b'{"sub":"a\x01b"}', b'{"sub":"a\x7fb"}',
          '{"exp":999999999999999}', '{"exp":-999999999999999}',
          '{"exp":9999999999999999}', '{"exp":99999999999999999999}',
          '{"exp":1.7e9}', '{"exp":-0}', '{"exp":"-0"}', '{"exp":-0.0}',
          '{"exp":01}', '{"exp":-}', '{"exp":0,"nbf":-1,"iat":1}',
          '{"t":true,"f":false,"n":null}', '{"t":truex}', '{"exp":null}',
          '{"exp":"1","nbf":[1],"iat":{},"sub":1,"iss":true,"aud":null}',
          nest(16), nest(17), nest(16, '[]'), arrays(16), arrays(17),
          '[' * 2100 + ']' * 2100, members(32), members(33),
          auds(16), auds(17), '{"aud":[1,"api"]}', '{"aud":[]}',
          '{"aud":[["a"],{"b":"c"},true,null,-5,"api"]}', '{"aud":"api"}',
          '{"o":{"aud":[1,2]}}', '{"":1}', '{"":1,"":2}',
          '{"a":1}x', '{"a":1}}', '{"a":1} {}', b'{"a":1}\x00',
          '["a"]', '"str"', '1', 'null', '', ' ',
          '{"a":1,}', '{"a"1}', '{"a":[1,]}', '{"a":}', '{,}', '{"a":1',
          '{"a', '{"a":"b\\"c"}', '{"a":tru}', '{"a":nul}', '{"a":fals}']:
    w('claims_scan', s)

# keys: the test suite's key files, good and bad
for f in sorted(glob.glob('t/data/*.jwk') + glob.glob('t/data/*.jwks')
                + glob.glob('t/data/*.pub') + glob.glob('t/data/*.json')
                + glob.glob('t/data/bad-*')):
    w('keys', open(f, 'rb').read())
w('keys', open('t/data/ec256.pub').read() + open('t/data/rsa.pub').read())

# jws_verify: an alg index, then a signature (never a valid one)
random.seed(1)
for a, n in {0: 32, 1: 48, 2: 64, 3: 256, 6: 256, 9: 64, 10: 96, 11: 132,
             12: 64}.items():
    w('jws_verify', bytes([a]) + bytes(random.getrandbits(8)
                                       for _ in range(n)))
w('jws_verify', bytes([9]) + b'\0' * 64)
w('jws_verify', bytes([11]) + b'\x80' * 132)
w('jws_verify', bytes([11]) + b'\xff' * 66 + b'\0' * 65 + b'\x01')

# cors_origin: configured value, newline, Origin header
for v, o in [("https://*.example.com", "https://a.b.example.com"),
             ("https://app.example.com", "https://APP.example.com"),
             ("http://localhost:8080", "http://localhost:8080"),
             ("https://a.example.com:443", "https://a.example.com"),
             ("~^https://.*$", "https://x"), ("*", "null"),
             ("https://*.example.com:8443", "https://..example.com:8443"),
             ("https://[::1]:8443", "https://[::1]:8443"),
             ("HTTPS://Xn--Bcher-kva.example", "https://xn--bcher-kva.example")]:
    w('cors_origin', v + "\n" + o)
w('cors_origin', "a.example\nx-custom, content-type ,, \tauthorization")


# limit: rate (8 bytes: the top 2 bits the unit, s m h d, the rest N),
# burst (4), then ms between requests (4 each)
S, M, H, D = 0, 1, 2, 3


def lim(unit, n, burst, steps):
    return struct.pack('>QI', unit << 62 | (n - 1), burst) + b''.join(
        struct.pack('>i', s) for s in steps)


w('limit', lim(S, 10, 5, [0, 0, 0, 0, 0, 0, 0, 100, 100, -50, 1000,
                          86400001]))
w('limit', lim(M, 1, 1000000000, [1] * 10 + [2 ** 31 - 1]))
w('limit', lim(S, 1000000, 0, [0, 1, 1, 1, 0, -2 ** 31]))
w('limit', struct.pack('>QI', 2 ** 64 - 1, 2 ** 32 - 1)
           + struct.pack('>iiii', 5, 5, 5, 5))
# quotas: 1 r/h burst 2 (3 at once, then one an hour); 2 r/d burst 1;
# 1000 r/d burst 999 idle for a week (no clamp at one day)
w('limit', lim(H, 1, 2, [0, 0, 0, 0, 3599999, 1, 3600000]))
w('limit', lim(D, 2, 1, [0, 0, 0, 43199999, 1, 86400000]))
w('limit', lim(D, 1000, 999, [0] * 1001 + [7 * 86400000] + [0] * 3))
w('limit', lim(D, 86400000000, 0, [1, 1, 86400, 2 ** 31 - 1]))


# apikey: API-key files (apisec_api_key_file)
def kline(name, *rest):
    return ' '.join([name, 'sha256:' + hashlib.sha256(
        ('key-' + name).encode()).hexdigest()] + list(rest))


w('apikey', '\n'.join([
    "# consumers", "",
    kline('alice', 'roles=admin,ops'),
    kline('bob', 'allow=127.0.0.1,10.0.0.0/8,::1'),
    kline('carol', 'revoked'),
    kline('erin', 'expires=2999-12-31', 'roles=partner'),
    kline('frank', 'expires=2020-01-01T00:00:00Z', 'rate=10r/s'),
    kline('alice', 'rate=5r/m'),
    kline('gus', 'rate=1r/h'), kline('hal', 'rate=1000r/d'),
    kline('ivy', 'rate=1', 'r/d', 'roles=old'), ""]))
w('apikey', kline('x', 'rate=1r/w') + "\n")
w('apikey', kline('x', 'rate=86400000001r/d') + "\n")
w('apikey', kline('x', 'rate=18446744073709551617', 'r/m') + "\n")
w('apikey', kline('x', 'rate=') + "\n" + kline('y', 'rate=1 r/'))
w('apikey', kline('dup') + "\n" + kline('dup') + "\n")
w('apikey', "x sha256:zz\n")
w('apikey', "y\tsha256:" + "0" * 64 + "\troles=\tallow=300.1.1.1/40\n")
w('apikey', "\n\n# only comments\n")

# claims: path, claims JSON, operator, value (four lines)
for path, cl, op, val in [
        ("roles", {"roles": ["admin", "ops"]}, "contains", "admin"),
        ("realm_access.roles", {"realm_access": {"roles": ["a"]}}, "eq",
         "a"),
        ("https://example.com/roles", {"https://example.com/roles": "x y"},
         "contains", "y"),
        ("resource_access.orders.roles",
         {"resource_access": {"orders": {"roles": ["r"]}}}, "exists", ""),
        ("n", {"n": 9007199254740993}, "ge", "9007199254740992"),
        ("f", {"f": 1.5e300}, "lt", "1e308"),
        ("b", {"b": True}, "ne", "false"),
        ("scope", {"scope": "read write"}, "in", "read"),
        ("a.b.c.d.e", {"a": {"b": {"c": {"d": {"e": None}}}}}, "exists",
         ""),
        ("x", {"x": "abc"}, "match", "^a"),
        # apisec_claim_set's text: the value's line sizes the buffer
        ("g", {"g": ["a", 1, True, None, {"x": 1}, ["n"], 2.5]}, "eq",
         "0123456789"),
        ("g", {"g": ["a,b", "c"]}, "exists", ""),
        ("e", {"e": "a\r\nX-Evil: 1"}, "exists", ""),
        ("s", {"s": 0.30000000000000004}, "eq", "0.3")]:
    w('claims', path + "\n" + json.dumps(cl) + "\n" + op + "\n" + val)


# jwks, discovery, introspect: an identity provider's answers,
# "Content-Type\nbody" (introspect: a token's line first)
def answer(t, body, ctype="application/json", pre=""):
    if not isinstance(body, str):
        body = json.dumps(body)
    w(t, pre + ctype + "\n" + body)


jwks = json.load(open('t/data/jwks.json'))
answer('jwks', jwks)
answer('jwks', jwks, "application/jwk-set+json; charset=utf-8")
answer('jwks', jwks, "text/html")
answer('jwks', {"keys": []})
answer('jwks', {"keys": [jwks['keys'][0], jwks['keys'][0]]})
answer('jwks', {"keys": [dict(jwks['keys'][0], alg="HS256")]})
answer('jwks', {"keys": [json.load(open('t/data/hs.jwk'))]})
# a published HMAC secret and an RSA key with e = 1 beside a good key:
# both skipped, the good key serves
answer('jwks', {"keys": [json.load(open('t/data/rsa.jwk')),
                         json.load(open('t/data/hs.jwk')),
                         json.load(open('t/data/bad-weak-rsa-e1.jwk'))]})
answer('jwks', {"keys": [{"kty": "oct", "k": ""}, {"kty": "none"}]})
answer('jwks', json.load(open('t/data/rsa.jwk')))
answer('jwks', '{"keys":[{"kty":"EC","kty":"RSA"}]}')
answer('jwks', '{"keys":' + '[' * 200 + ']' * 200 + '}')
answer('jwks', '[]')
answer('jwks', '')
for f in sorted(glob.glob('t/data/*.jwks')):
    answer('jwks', open(f).read(), "Application/JSON")

iss = "https://issuer.example"
for d in [{"issuer": iss, "jwks_uri": iss + "/jwks"},
          {"issuer": iss, "jwks_uri": iss + "/keys"},
          {"issuer": iss, "jwks_uri": "http://127.0.0.1:8090/jwks",
           "id_token_signing_alg_values_supported": ["RS256", "ES256"]},
          {"issuer": iss, "jwks_uri": "ftp://issuer.example/jwks"},
          {"issuer": iss, "jwks_uri": "https://"},
          {"issuer": "", "jwks_uri": iss + "/jwks"},
          {"issuer": iss + "\"x", "jwks_uri": iss + "/jwks"},
          {"issuer": iss, "jwks_uri": iss + "/jwks x"},
          {"issuer": iss, "jwks_uri": iss + "/" + "a" * 2100},
          {"issuer": 5, "jwks_uri": [iss]}, {"jwks_uri": iss + "/jwks"}]:
    answer('discovery', d)
answer('discovery', {"issuer": iss, "jwks_uri": iss + "/jwks"},
       "application/json;charset=UTF-8")
answer('discovery', '{"issuer":"a","issuer":"b","jwks_uri":"https://x/"}')
answer('discovery', '{"issuer":"https://\\u00e9.example",'
       '"jwks_uri":"https://x/\\u0000"}')

now = 1700000000
for tok, body in [
        ("opaque-token-1", {"active": True, "sub": "alice",
                            "scope": "read write", "iss": iss,
                            "aud": "api", "exp": 4102444800}),
        ("act-bob", {"active": True, "sub": "bob", "iss": iss,
                     "aud": ["api", "x"], "exp": 4102444800,
                     "client_id": "c", "token_type": "Bearer"}),
        ("noexp", {"active": True, "iss": iss, "aud": "api"}),
        ("past", {"active": True, "iss": iss, "aud": "api", "exp": now}),
        ("soon", {"active": True, "iss": iss, "aud": "api",
                  "exp": 4102444800.5}),
        ("scp", {"active": True, "iss": iss, "aud": "api", "scope": 5}),
        ("iss", {"active": True, "iss": "https://other", "aud": "api"}),
        ("off", {"active": False}), ("none", {}), ("str", {"active": "true"}),
        ("one", {"active": 1}),
        ("big", {"active": True, "iss": iss, "aud": "api",
                 "x": "y" * 17000}),
        ("a b+c/d=%", {"active": True, "iss": iss, "aud": "api",
                       "exp": "tomorrow"})]:
    answer('introspect', body, pre=tok + "\n")
answer('introspect', '{"active":true,"active":false}', pre="dup\n")
answer('introspect', {"active": True}, "application/token-introspection+jwt",
       pre="jwt-answer\n")
answer('introspect', {"active": True}, "application/token-introspection+json",
       pre="\xff\x00\n")

# apikey_arg: the argument's name, newline, the request's arguments
for name, args in [
        ("api_key", "a=1&api_key=k-123&b=2"),
        ("api_key", "api_key=k-123&" + "b" * 200 + "=2"),
        ("api_key", "API_KEY=x&api_key=y"),
        ("api_key", "api_key"), ("api_key", "api_key="),
        ("api_key", "&&api_key=1&&x&"), ("key", "keys=1&ke=2&key=3=4"),
        ("api_key", ""), ("k", "k&k&k&k")]:
    w('apikey_arg', name + "\n" + args)

# jws_differential: a pair index (alg and key, see the target), then a
# token signed with the test suite's key for it, mutated or not
secret_hs = base64.urlsafe_b64decode(
    json.load(open('t/data/hs.jwk'))['k'] + '==')
secret_hs256 = base64.urlsafe_b64decode(
    json.load(open('t/data/hs256.jwk'))['k'] + '=')
pairs = [("HS256", secret_hs256), ("HS384", secret_hs), ("HS512", secret_hs),
         ("RS256", open('t/data/rsa.key').read()),
         ("RS384", open('t/data/rsa.key').read()),
         ("RS512", open('t/data/rsa.key').read()),
         ("ES256", open('t/data/ec256.key').read()),
         ("ES384", open('t/data/ec384.key').read()),
         ("ES512", open('t/data/ec521.key').read())]
# the curves' orders (SEC 2): with (r, s), (r, n - s) verifies too
order = {a: int(x, 16) for a, x in {
    "ES256": "ffffffff00000000ffffffffffffffff"
             "bce6faada7179e84f3b9cac2fc632551",
    "ES384": "ffffffffffffffffffffffffffffffffffffffffffffffff"
             "c7634d81f4372ddf581a0db248b0a77aecec196accc52973",
    "ES512": "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
             "fffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e9138"
             "6409"}.items()}
dclaims = {"iss": "https://issuer.example", "aud": "api", "sub": "alice",
           "exp": 1700000600}


def dw(i, tok):
    w('jws_differential', bytes([i]) + tok.encode())


def resign(tok, sig):
    return tok.rsplit('.', 1)[0] + '.' + b64(sig)


for i, (alg, key) in enumerate(pairs):
    tok = jwt.encode(dclaims, key, algorithm=alg,
                     headers={"typ": "JWT", "kid": alg.lower()})
    head, _, s = tok.rpartition('.')
    sig = base64.urlsafe_b64decode(s + '=' * (-len(s) % 4))
    dw(i, tok)                                          # valid
    dw(i, resign(tok, sig[:-1] + bytes([sig[-1] ^ 1])))  # last byte flipped
    dw(i, resign(tok, sig[:-1]))                        # one byte short
    dw(i, jwt.encode(dclaims, key, algorithm=alg))      # no typ, no kid
    if alg[0] != 'H':
        dw(i, tok + '==')                   # libjwt alone: padding
        dw(i, tok[:-4] + '.' + tok[-4:])    # libjwt alone: four segments
    if alg[0] == 'E':
        n = len(sig) // 2
        r, s_ = int.from_bytes(sig[:n], 'big'), int.from_bytes(sig[n:], 'big')
        # (r, n - s) verifies too: ECDSA is malleable, for both verifiers
        dw(i, resign(tok, sig[:n] + (order[alg] - s_).to_bytes(n, 'big')))
        dw(i, resign(tok, b'\0' * n + sig[n:]))                 # r = 0
        if r + order[alg] < 1 << (8 * n):                        # r + n
            dw(i, resign(tok, (r + order[alg]).to_bytes(n, 'big') + sig[n:]))

# HS512 under the HS384 pair: libjwt verifies the header's alg
dw(1, jwt.encode(dclaims, secret_hs, algorithm="HS512"))

# the RS256 -> HS256 key confusion: HMAC keyed with the RSA key's PEM text,
# under the RS256 pair; libjwt accepts it as HS256, the module refuses
pem = open('t/data/rsa.pub', 'rb').read()
si = h({"alg": "HS256", "typ": "JWT"}) + "." + h(dclaims)
dw(3, si + "." + b64(hmac.new(pem, si.encode(), 'sha256').digest()))

# ES256 signatures whose R starts with a zero byte, or with its high bit
# set: the module's R || S to DER conversion strips, or pads
ec256 = open('t/data/ec256.key').read()
want = {0: None, 0x80: None}
for _ in range(4000):
    tok = jwt.encode(dclaims, ec256, algorithm="ES256")
    s = tok.rpartition('.')[2]
    sig = base64.urlsafe_b64decode(s + '=' * (-len(s) % 4))
    if sig[0] == 0 and want[0] is None:
        want[0] = tok
    if sig[0] & 0x80 and want[0x80] is None:
        want[0x80] = tok
    if want[0] and want[0x80]:
        break
for tok in want.values():
    if tok:
        dw(6, tok)

# schema_compile: a dialect byte, then a schema; schema_validate: a schema,
# a NUL, a body.  From the unit cases of t/data/schema/.
for f in sorted(glob.glob('t/data/schema/*.json')):
    for g in json.load(open(f)):
        if 'file' in g:
            continue
        s = json.dumps(g['schema'], ensure_ascii=False)
        d = {'draft7': 1, 'oas30': 2}.get(g.get('dialect'), 0)
        w('schema_compile', bytes([d | (4 if g.get('format') else 0)])
          + s.encode())
        for t in g.get('tests', [])[:2]:
            w('schema_validate', s.encode() + b'\0'
              + json.dumps(t['data'], ensure_ascii=False).encode())
w('schema_validate', b'{"items":{"pattern":"^(a+)+$"}}\0["'
  + b'a' * 3000 + b'!"]')
w('schema_validate', b'true\0' + b'[' * 70 + b']' * 70)
w('schema_validate', b'{"uniqueItems":true}\0[' + b','.join(
  str(i).encode() for i in range(500)) + b',1.0]')
