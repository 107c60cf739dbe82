echo "Authorization: Bearer $("$BENCH_ROOT"/t/lib/jwt-mint --alg PS256 \
    --key "$BENCH_ROOT"/t/data/rsa.key \
    --claims '{"sub":"bench","iss":"https://idp.example"}' --exp 3600)"
