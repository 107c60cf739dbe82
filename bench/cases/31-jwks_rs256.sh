# a token for the key "rsa1" of t/data/jwks.json, minted now
echo "Authorization: Bearer $(/usr/bin/python3 "$BENCH_ROOT"/t/lib/jwt-mint \
    --alg RS256 --key "$BENCH_ROOT"/t/data/rsa.key --kid rsa1 --exp 86400 \
    --claims '{"sub":"bench"}')"
