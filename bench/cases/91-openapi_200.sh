# an OpenAPI document of 200 resources, /resourceI/items and
# /resourceI/items/{id} (an integer path parameter) under the base path
# /openapi_200, written by bench/openapi-doc
"$BENCH_ROOT"/bench/openapi-doc 200 /openapi_200 > "$BENCH_TMP"/openapi-200.yaml
