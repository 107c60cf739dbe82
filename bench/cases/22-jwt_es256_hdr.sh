. "$BENCH_CASES/jwt-tokens.sh" ES256 t/data/ec256.key
