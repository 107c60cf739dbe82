echo "Authorization: Bearer $("$BENCH_ROOT"/t/lib/jwt-mint --alg ES256 \
    --key "$BENCH_ROOT"/t/data/ec256.key \
    --claims '{"sub":"bench","iss":"https://idp.example"}' --exp 3600)"
