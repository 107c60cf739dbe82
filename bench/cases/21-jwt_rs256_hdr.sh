. "$BENCH_CASES/jwt-tokens.sh" RS256 t/data/rsa.key
