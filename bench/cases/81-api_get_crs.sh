# the same headers as 80-api_get
exec bash "$BENCH_CASES"/80-api_get.sh
