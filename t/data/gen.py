#!/usr/bin/python3
# Makes the key fixtures of t/: test keys only, never used anywhere else.
#   /usr/bin/python3 t/data/gen.py       (run from anywhere; writes beside it)
#   /usr/bin/python3 t/data/gen.py weak  only the weak public keys (bad-weak-*,
#                                        from rsa2.jwk), the others untouched
import base64, json, os, sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa, ec, ed25519

here = os.path.dirname(os.path.abspath(__file__))
only_weak = sys.argv[1:] == ['weak']


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b'=').decode()


def ib(n, size=None):
    size = size or (n.bit_length() + 7) // 8
    return n.to_bytes(size, 'big')


def write(name, data):
    mode = 'wb' if isinstance(data, bytes) else 'w'
    with open(os.path.join(here, name), mode) as f:
        f.write(data)


def pem_pair(name, key):
    write(name + '.key', key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    write(name + '.pub', key.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo))


def jwk(key, kid=None, **extra):
    pub = key.public_key()
    if isinstance(pub, rsa.RSAPublicKey):
        nums = pub.public_numbers()
        j = {'kty': 'RSA', 'n': b64u(ib(nums.n)), 'e': b64u(ib(nums.e))}
    elif isinstance(pub, ec.EllipticCurvePublicKey):
        crv, size = {'secp256r1': ('P-256', 32), 'secp384r1': ('P-384', 48),
                     'secp521r1': ('P-521', 66)}[pub.curve.name]
        nums = pub.public_numbers()
        j = {'kty': 'EC', 'crv': crv, 'x': b64u(ib(nums.x, size)),
             'y': b64u(ib(nums.y, size))}
    else:
        j = {'kty': 'OKP', 'crv': 'Ed25519', 'x': b64u(pub.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw))}
    if kid:
        j['kid'] = kid
    j.update(extra)
    return j


def dump(name, obj):
    write(name, json.dumps(obj, indent=1) + '\n')


def weak_keys():
    """Public keys anyone could forge tokens for (e = 1), or that are no
    keys at all: built from numbers, by hand (a library may refuse them)"""
    with open(os.path.join(here, 'rsa2.jwk')) as f:
        n = int.from_bytes(base64.urlsafe_b64decode(
            json.load(f)['n'] + '=='), 'big')

    def rsa_jwk(kid, e):
        return {'kty': 'RSA', 'kid': kid, 'n': b64u(ib(n)), 'e': b64u(ib(e))}

    def der(tag, body):
        size = len(body)
        if size < 128:
            return bytes([tag, size]) + body
        return bytes([tag, 0x80 | len(ib(size))]) + ib(size) + body

    def der_int(v):
        return der(0x02, v.to_bytes(v.bit_length() // 8 + 1, 'big'))

    def spki(alg, key):
        return der(0x30, der(0x30, alg) + der(0x03, b'\0' + key))

    def pem(body):
        b = base64.b64encode(body).decode()
        return ('-----BEGIN PUBLIC KEY-----\n'
                + ''.join(b[i:i + 64] + '\n' for i in range(0, len(b), 64))
                + '-----END PUBLIC KEY-----\n')

    w = 'bad-weak-'
    # e = 1: a "signature" is its own PKCS#1 padded digest
    dump(w + 'rsa-e1.jwk', rsa_jwk('e1', 1))
    dump(w + 'rsa-e2.jwk', rsa_jwk('e2', 2))
    dump(w + 'rsa-even.jwk', rsa_jwk('even', 65536))
    dump(w + 'rsa-e-n.jwk', rsa_jwk('en', n))
    rsa_alg = der(0x06, bytes.fromhex('2a864886f70d010101')) + der(0x05, b'')
    write(w + 'rsa-e1.pub',
          pem(spki(rsa_alg, der(0x30, der_int(n) + der_int(1)))))
    # P-256, the point at infinity (one byte, 0x00)
    ec_alg = (der(0x06, bytes.fromhex('2a8648ce3d0201'))
              + der(0x06, bytes.fromhex('2a8648ce3d030107')))
    write(w + 'ec-infinity.pub', pem(spki(ec_alg, b'\0')))
    # Ed25519: y = 0 (order 4), y = 1 (the identity)
    dump(w + 'ed25519-zero.jwk', {'kty': 'OKP', 'crv': 'Ed25519',
                                  'kid': 'zero', 'x': b64u(bytes(32))})
    dump(w + 'ed25519-identity.jwk', {'kty': 'OKP', 'crv': 'Ed25519',
                                      'kid': 'id',
                                      'x': b64u(b'\1' + bytes(31))})
    ed_alg = der(0x06, bytes.fromhex('2b6570'))
    write(w + 'ed25519-identity.pub',
          pem(der(0x30, der(0x30, ed_alg) + der(0x03, b'\0\1' + bytes(31)))))


if only_weak:
    weak_keys()
    sys.exit(0)

keys = {
    'rsa': rsa.generate_private_key(65537, 2048),
    'rsa2': rsa.generate_private_key(65537, 2048),
    'rsa1024': rsa.generate_private_key(65537, 1024),
    'ec256': ec.generate_private_key(ec.SECP256R1()),
    'ec384': ec.generate_private_key(ec.SECP384R1()),
    'ec521': ec.generate_private_key(ec.SECP521R1()),
    'ecp256k1': ec.generate_private_key(ec.SECP256K1()),
    'ed25519': ed25519.Ed25519PrivateKey.generate(),
}

for name, key in keys.items():
    if name not in ('rsa1024', 'ecp256k1'):
        pem_pair(name, key)


def pub_pem(key):
    return key.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo)

dump('rsa.jwk', jwk(keys['rsa'], 'rsa1'))
dump('rsa2.jwk', jwk(keys['rsa2'], 'rsa2'))
dump('ec256.jwk', jwk(keys['ec256'], 'ec256'))
dump('ed25519.jwk', jwk(keys['ed25519'], 'ed1'))

hs = os.urandom(64)
dump('hs.jwk', {'kty': 'oct', 'kid': 'hs1', 'k': b64u(hs)})
dump('hs256.jwk', {'kty': 'oct', 'kid': 'hs256', 'alg': 'HS256',
                   'k': b64u(hs[:32])})

dump('jwks.json', {'keys': [
    jwk(keys['rsa'], 'rsa1', use='sig'),
    jwk(keys['ec256'], 'ec256', alg='ES256'),
    jwk(keys['ec384'], 'ec384'),
    jwk(keys['ec521'], 'ec521'),
    jwk(keys['ed25519'], 'ed1', key_ops=['verify']),
    {'kty': 'oct', 'kid': 'hs1', 'k': b64u(hs)},
]})

# kid-less HMAC keys, the right one 5th, or 4th: at most 4 are tried
others = [{'kty': 'oct', 'k': b64u(os.urandom(32))} for i in range(4)]
dump('hs-5th.jwks', {'keys': others + [{'kty': 'oct', 'k': b64u(hs)}]})
dump('hs-4th.jwks', {'keys': others[:3] + [{'kty': 'oct', 'k': b64u(hs)}]})

# an IdP's JWKS: an encryption key beside the signing key
dump('mixed.jwks', {'keys': [
    jwk(keys['rsa2'], 'enc1', use='enc', alg='RSA-OAEP'),
    jwk(keys['rsa'], 'rsa1', use='sig', alg='RS256'),
    jwk(keys['ec256'], 'ops', key_ops=['sign']),
]})

# broken ones: every one must fail "nginx -t"
bad = 'bad-'
dump(bad + 'hs-short.jwk', {'kty': 'oct', 'kid': 'short', 'k': b64u(hs[:16])})
dump(bad + 'hs384-short.jwk', {'kty': 'oct', 'kid': 'short', 'alg': 'HS384',
                               'k': b64u(hs[:32])})
dump(bad + 'alg-kty.jwk', jwk(keys['rsa'], 'rsa1', alg='ES256'))
dump(bad + 'alg-crv.jwk', jwk(keys['ec384'], 'ec384', alg='ES256'))
dump(bad + 'alg-none.jwk', jwk(keys['rsa'], 'rsa1', alg='none'))
dump(bad + 'rsa1024.jwk', jwk(keys['rsa1024'], 'weak'))
dump(bad + 'enc-only.jwks', {'keys': [
    jwk(keys['rsa'], 'enc1', use='enc', alg='RSA-OAEP')]})
off = jwk(keys['ec256'], 'off')
y = bytearray(base64.urlsafe_b64decode(off['y'] + '=='))
y[-1] ^= 1
off['y'] = b64u(bytes(y))
dump(bad + 'ec-offcurve.jwk', off)
dump(bad + 'ed448.jwk', {'kty': 'OKP', 'crv': 'Ed448', 'x': b64u(bytes(57))})
dump(bad + 'b64.jwk', dict(jwk(keys['rsa'], 'rsa1'), n='a+b/c==='))
write(bad + 'dup.jwk', '{"kty":"RSA","kty":"EC"}\n')
write(bad + 'rsa1024.pub', pub_pem(keys['rsa1024']))
write(bad + 'secp256k1.pub', pub_pem(keys['ecp256k1']))
write(bad + 'private.key', open(os.path.join(here, 'rsa.key')).read())
write(bad + 'garbage.key', 'not a key\n')
write(bad + 'truncated.pub', open(os.path.join(here, 'rsa.pub')).read()[:200])
weak_keys()
