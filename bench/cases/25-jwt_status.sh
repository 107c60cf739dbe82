# one HS256 token (kid hs1), valid for an hour
echo "Authorization: Bearer $("$BENCH_ROOT"/t/lib/jwt-mint --alg HS256 \
    --key "$BENCH_ROOT"/t/data/hs.jwk --kid hs1 \
    --claims '{"sub":"bench","iss":"https://idp.example"}' --exp 3600)"
