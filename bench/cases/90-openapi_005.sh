# an OpenAPI document of 5 resources, /resourceI/items and
# /resourceI/items/{id} (an integer path parameter) under the base path
# /openapi_005, written by bench/openapi-doc
"$BENCH_ROOT"/bench/openapi-doc 5 /openapi_005 > "$BENCH_TMP"/openapi-005.yaml
