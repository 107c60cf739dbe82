# the same headers as 82-api_post
exec bash "$BENCH_CASES"/82-api_post.sh
