. "$BENCH_CASES/jwt-tokens.sh" PS256 t/data/rsa.key
