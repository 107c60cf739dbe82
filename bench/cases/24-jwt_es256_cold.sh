"$BENCH_ROOT"/t/lib/jwt-mint --alg ES256 --key "$BENCH_ROOT"/t/data/ec256.key \
    --claims '{"sub":"bench","iss":"https://idp.example"}' --exp 3600 \
    --count 2000 | sed 's/^/Authorization: Bearer /' \
    > "$BENCH_TMP/$BENCH_CASE.cycle"
