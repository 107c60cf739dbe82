# 2000 distinct tokens (a jti each), one header line a request, cycled by
# wrk and by the callgrind client
"$BENCH_ROOT"/t/lib/jwt-mint --alg RS256 --key "$BENCH_ROOT"/t/data/rsa.key \
    --claims '{"sub":"bench","iss":"https://idp.example"}' --exp 3600 \
    --count 2000 | sed 's/^/Authorization: Bearer /' \
    > "$BENCH_TMP/$BENCH_CASE.cycle"
