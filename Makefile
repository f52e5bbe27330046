# serfiq: the two commands a fresh machine needs are `make demo` and `make test`.
SHELL := /bin/bash
CACHE ?= .cache
RELEASE := target/release
ORT_DIR := $(CACHE)/onnxruntime/lib
MODEL := $(CACHE)/models/fr_feature.onnx
CFLAGS_TEST := -std=c11 -Wall -Wextra -Werror -pedantic -g -fsanitize=address,undefined -fno-omit-frame-pointer

.PHONY: all fetch build header demo test rust-test c-test clean

all: build

## Fetch ONNX Runtime, the default model and the demo faces (pinned, sha256-checked, cached).
fetch:
	@bash scripts/fetch.sh

## Build libserfiq.{so,a} and the CLI; put ONNX Runtime next to libserfiq.so.
build: fetch
	cargo build --release --locked
	@ln -sf $(abspath $(ORT_DIR))/libonnxruntime.so.1.31.1 $(RELEASE)/libonnxruntime.so.1

## Regenerate the committed C header (include/serfiq.h).
header:
	SERFIQ_WRITE_HEADER=1 cargo build --release --locked

## Score the demo faces, then a clean crop against blurred, noisy and rotated copies.
demo: build
	@echo "== serfiq score: the demo photos, aligned by their 5 landmarks"
	$(RELEASE)/serfiq score --landmarks data/faces/landmarks.json $(CACHE)/faces/*.jpg
	@echo "== degraded copies of obama.jpg's aligned crop"
	cargo run --release --locked --quiet --example demo -- $(CACHE)/faces/obama.jpg target/demo
	$(RELEASE)/serfiq score target/demo

## Every test: Rust unit and integration tests, then the C API test under ASan/UBSan.
test: build rust-test c-test

rust-test: fetch
	cargo test --release --locked

c-test: build
	@mkdir -p target/c-test
	gcc -shared -fPIC -o target/c-test/libfake_old_ort.so tests/c/fake_ort.c
	gcc $(CFLAGS_TEST) -Iinclude tests/c/api_test.c -o target/c-test/api_test \
	    -L$(RELEASE) -lserfiq -Wl,-rpath,$(abspath $(RELEASE)) -lm
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 \
	    target/c-test/api_test $(MODEL) $(abspath $(ORT_DIR))/libonnxruntime.so.1.31.1 \
	    $(abspath target/c-test/libfake_old_ort.so)

clean:
	cargo clean
