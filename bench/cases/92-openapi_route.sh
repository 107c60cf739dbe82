# the document of 91-openapi_200 (200 resources) under /openapi_route
"$BENCH_ROOT"/bench/openapi-doc 200 /openapi_route > "$BENCH_TMP"/openapi-route.yaml
