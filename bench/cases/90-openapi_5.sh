# an OpenAPI document of 5 resources, /resourceI/items and
# /resourceI/items/{id} (an integer path parameter) under the base path
# /openapi_5, written by bench/openapi-doc
"$BENCH_ROOT"/bench/openapi-doc 5 /openapi_5 > "$BENCH_TMP"/openapi-5.yaml
