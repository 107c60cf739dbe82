# an HS256 token (kid hs1), valid for an hour, and a client's usual headers
echo "Authorization: Bearer $("$BENCH_ROOT"/t/lib/jwt-mint --alg HS256 \
    --key "$BENCH_ROOT"/t/data/hs.jwk --kid hs1 \
    --claims '{"sub":"bench","iss":"https://idp.example","scope":"orders:read"}' \
    --exp 3600)"
echo "Accept: application/json"
echo "User-Agent: shop-web/4.12.0 (Linux; x86_64)"
