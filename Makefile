# ngx_http_apisec_module
#
#   make            build build/ngx_http_apisec_module.so (nginx-dev tree;
#                   NGINX_SRC=<nginx-1.22.1 tree> for upstream source)
#   make demo       install what is missing, build, run the demo
#   make test       install what is missing, build, run the whole suite
#   make bench      wrk + callgrind figures, see bench/README.md
#   make test-asan  the suite against nginx built with ASan + UBSan
#                   (fails on any sanitizer report)
#   make fuzz       build the libFuzzer targets, run each FUZZ_SECONDS
#                   (default 60; fails on a crash), see fuzz/README.md
#   make test-valgrind  the suite under valgrind's memcheck (slow)

PROVE ?= prove
T     ?= t
FUZZ_SECONDS ?= 60

.PHONY: all build deps demo test test-asan fuzz test-valgrind bench clean

all: build

build:
	./util/build.sh

deps:
	./util/deps.sh

demo:
	./util/deps.sh demo
	./util/build.sh
	./util/demo.sh

test: deps build
	$(PROVE) -r $(T)

test-asan: deps
	./util/deps.sh asan
	./util/build-asan.sh
	set -a && . ./util/asan.env && set +a && $(PROVE) -r $(T)

fuzz:
	./util/deps.sh fuzz
	./fuzz/build.sh
	FUZZ_SECONDS=$(FUZZ_SECONDS) ./fuzz/run.sh

test-valgrind: deps build
	./util/deps.sh valgrind
	set -a && . ./util/valgrind.env && set +a && $(PROVE) -r $(T)

bench: build
	./util/deps.sh bench
	./bench/run

clean:
	rm -rf build t/servroot*
