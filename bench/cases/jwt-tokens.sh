# Sourced by the .sh of the JWT cases (bench/README.md, "The JWT cases"):
#   . "$BENCH_CASES/jwt-tokens.sh" ALG KEY [KID]
# mints 2000 distinct tokens of ALG (a jti each, valid for an hour) once a
# run, into $BENCH_TMP/tokens-ALG, shared by the cases of that algorithm
# and by bench/verify_floor, and makes them this case's cycle: one
# Authorization header a request, in turn.
jwt_alg=$1 jwt_key=$2 jwt_kid=${3:-}
jwt_tokens=$BENCH_TMP/tokens-$jwt_alg
if [ ! -s "$jwt_tokens" ]; then
    "$BENCH_ROOT"/t/lib/jwt-mint --alg "$jwt_alg" --key "$BENCH_ROOT/$jwt_key" \
        ${jwt_kid:+--kid "$jwt_kid"} \
        --claims '{"sub":"bench","iss":"https://idp.example"}' --exp 3600 \
        --count 2000 > "$jwt_tokens.new"
    mv "$jwt_tokens.new" "$jwt_tokens"
fi
sed 's/^/Authorization: Bearer /' "$jwt_tokens" > "$BENCH_TMP/$BENCH_CASE.cycle"
