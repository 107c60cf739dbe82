# a key file of N consumers (the key of consumer i is "bench-key-<i, 6
# digits>"), and the header with consumer 7's key, in either file
n=10
out=$BENCH_TMP/apikey-$n.keys
perl -MDigest::SHA=sha256_hex -e \
    'printf "c%d sha256:%s roles=r%d\n", $_, sha256_hex(sprintf "bench-key-%06d", $_), $_ for 1 .. $ARGV[0]' \
    "$n" > "$out"
echo "X-API-Key: bench-key-000007"
