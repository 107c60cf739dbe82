echo "Authorization: Bearer $("$BENCH_ROOT"/t/lib/jwt-mint --alg EdDSA \
    --key "$BENCH_ROOT"/t/data/ed25519.key \
    --claims '{"sub":"bench","iss":"https://idp.example"}' --exp 3600)"
