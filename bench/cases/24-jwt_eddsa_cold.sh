. "$BENCH_CASES/jwt-tokens.sh" EdDSA t/data/ed25519.key
