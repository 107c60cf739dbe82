# the headers of 80-api_get, and the body's type
bash "$BENCH_CASES"/80-api_get.sh
echo "Content-Type: application/json"
