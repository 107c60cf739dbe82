. "$BENCH_CASES/jwt-tokens.sh" HS256 t/data/hs.jwk hs1
