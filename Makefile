# serfiq: the two commands a fresh machine needs are `make demo` and `make test`.
SHELL := /bin/bash
CACHE ?= .cache
RELEASE := target/release
ORT_DIR := $(CACHE)/onnxruntime/lib
MODEL := $(CACHE)/models/fr_feature.onnx
DETECTOR := $(CACHE)/models/retinaface_mnet025.onnx
CFLAGS_TEST := -std=c11 -Wall -Wextra -Werror -pedantic -g -fsanitize=address,undefined -fno-omit-frame-pointer

.PHONY: all fetch build jni-lib check-32bit header demo test rust-test c-test fixtures examples bindings-test eval fairness-bench bench clean

all: build

## Fetch ONNX Runtime, the default model and the demo faces (pinned, sha256-checked, cached).
fetch:
	@bash scripts/fetch.sh

## Build libserfiq.{so,a} and the CLI; put ONNX Runtime next to libserfiq.so.
build: fetch
	cargo build --release --locked --workspace
	@ln -sf $(abspath $(ORT_DIR))/libonnxruntime.so.1.31.1 $(RELEASE)/libonnxruntime.so.1
	@ln -sf libserfiq.so $(RELEASE)/libserfiq.so.1

## libserfiq with the JNI entry points (the `jni` feature) for bindings/java, in
## its own target folder so that the C library above carries no Java symbols.
JNI_RELEASE := target/jni/release
jni-lib: fetch
	cargo build --release --locked -p serfiq --features jni --target-dir target/jni
	@ln -sf $(abspath $(ORT_DIR))/libonnxruntime.so.1.31.1 $(JNI_RELEASE)/libonnxruntime.so.1

## Regenerate the committed C header (include/serfiq.h).
header:
	SERFIQ_WRITE_HEADER=1 cargo build --release --locked

## Score the demo photos (faces found by the detector), draw what was scored on one of
## them, then a clean crop against blurred, noisy and rotated copies.
demo: build
	@echo "== serfiq score: the demo photos as they are (the detector finds the face)"
	$(RELEASE)/serfiq score $(CACHE)/faces/*.jpg
	@echo "== serfiq score --annotate: box, landmarks and s/q drawn on the photo"
	$(RELEASE)/serfiq score --annotate target/demo-annotated/obama.png $(CACHE)/faces/obama.jpg
	@echo "   written to target/demo-annotated/obama.png"
	@echo "== degraded copies of obama.jpg's aligned crop"
	cargo run --release --locked --quiet --example demo -- $(CACHE)/faces/obama.jpg target/demo
	$(RELEASE)/serfiq score target/demo

## Error-versus-discard evaluation of the default model on LFW folds 1-5 (../shared/data),
## with the per-group fairness report by sex when the label file is there.
LFW ?= ../shared/data/lfw
eval: build
	$(RELEASE)/serfiq eval $(LFW)/aligned112 --pairs $(LFW)/pairs.txt --no-detect --fmr 0.001,0.01 --out target/eval \
	    $(if $(wildcard $(LFW)/sex.tsv),--groups $(LFW)/sex.tsv)

## `serfiq fairness` on a synthetic 1-million-row scores table, timed.
fairness-bench: build
	bash scripts/fairness-bench.sh $(RELEASE)/serfiq 1000000 target/fairness-bench

## Embed-only vs score+embed, and the Python references (a venv in $(CACHE)/pyref).
bench: build
	@bash scripts/reference/setup.sh
	$(RELEASE)/serfiq bench --json target/bench.json

## Every test: Rust unit and integration tests, the C API test under ASan/UBSan,
## then each language binding's tests and examples against the C API's reference.
test: build rust-test c-test check-32bit bindings-test python-test quickstart docs platforms

rust-test: fetch
	@bash tests/video_tools.sh
	cargo test --release --locked --workspace

c-test: build fixtures
	bash tests/c/exports.sh $(RELEASE)/libserfiq.so include/serfiq.h
	@mkdir -p target/c-test
	gcc -shared -fPIC -o target/c-test/libfake_old_ort.so tests/c/fake_ort.c
	gcc $(CFLAGS_TEST) -Iinclude tests/c/api_test.c -o target/c-test/api_test \
	    -L$(RELEASE) -lserfiq -Wl,-rpath,$(abspath $(RELEASE)) -lm
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 \
	    target/c-test/api_test $(MODEL) $(abspath $(ORT_DIR))/libonnxruntime.so.1.31.1 \
	    $(abspath target/c-test/libfake_old_ort.so) $(DETECTOR) $(FIXTURES)/face.ppm $(FIXTURES)/face.landmarks

## The library for 32-bit targets (x86 Linux; ARMv7 Android with JNI): no layout
## or size may assume 64-bit pointers.
check-32bit:
	rustup target add i686-unknown-linux-gnu armv7-linux-androideabi >/dev/null 2>&1
	cargo check --release --locked -p serfiq --target i686-unknown-linux-gnu
	cargo check --release --locked -p serfiq --features jni --target armv7-linux-androideabi

## Other platforms, cross-built here (README "Platforms"): Windows x64 with mingw-w64, checked
## under wine; Linux arm64 with Debian's aarch64 gcc, checked under qemu-user; Android compile-only
## (no NDK here). ONNX Runtime for each comes from `fetch.sh --platform`.
.PHONY: platforms platform-fetch platform-targets windows arm64 windows-test arm64-test android-check dist dist-test
WIN_TARGET := x86_64-pc-windows-gnu
ARM_TARGET := aarch64-unknown-linux-gnu
WIN_RELEASE := target/$(WIN_TARGET)/release
ARM_RELEASE := target/$(ARM_TARGET)/release
CROSS_ENV := CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc \
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc

platforms: windows-test arm64-test android-check dist-test

platform-fetch:
	@bash scripts/fetch.sh --platform all

platform-targets:
	@bash tests/platforms/tools.sh
	rustup target add $(WIN_TARGET) $(ARM_TARGET) aarch64-linux-android armv7-linux-androideabi >/dev/null 2>&1

## serfiq.dll, its import library libserfiq.dll.a, libserfiq.a and serfiq.exe.
windows: platform-fetch platform-targets
	$(CROSS_ENV) cargo build --release --locked --target $(WIN_TARGET) -p serfiq -p serfiq-cli

## libserfiq.so (SONAME libserfiq.so.1) and libserfiq.a for aarch64 glibc Linux.
arm64: platform-fetch platform-targets
	$(CROSS_ENV) cargo build --release --locked --target $(ARM_TARGET) -p serfiq

windows-test: windows fixtures
	bash tests/platforms/windows.sh $(WIN_RELEASE) $(CACHE)/onnxruntime/windows-x86_64 target/platforms/windows-x86_64

arm64-test: arm64 fixtures
	bash tests/platforms/arm64.sh $(ARM_RELEASE) $(CACHE)/onnxruntime/linux-aarch64 target/platforms/linux-aarch64

## Android arm64-v8a and armeabi-v7a, JNI included: compiled, not linked (README "Android").
android-check: platform-targets
	cargo check --release --locked -p serfiq --features jni --target aarch64-linux-android
	cargo check --release --locked -p serfiq --features jni --target armv7-linux-androideabi

## Packages into target/dist/: C/C++ archives per platform (+ SHA256SUMS), the Java jar with
## natives for linux-x86_64, linux-aarch64 and windows-x86_64, the NuGet layout (README "Platforms").
dist: build jni-lib windows arm64
	bash scripts/dist.sh

dist-test: dist fixtures
	bash tests/platforms/dist.sh

## A real face as PPM + landmarks, and the C example's output for it: the reference
## that every binding must reproduce.
FIXTURES := target/fixtures
fixtures: build
	cargo run --release --locked --quiet --example fixture -- $(CACHE)/faces/obama.jpg $(FIXTURES)
	@mkdir -p target/examples
	gcc -std=c11 -Wall -Wextra -Werror -pedantic -Iinclude examples/c/score.c -o target/examples/c-score \
	    -L$(RELEASE) -lserfiq -Wl,-rpath,$(abspath $(RELEASE))
	target/examples/c-score $(MODEL) $(FIXTURES)/face.ppm $(FIXTURES)/face.landmarks --embedding > $(FIXTURES)/face.reference
	@echo "C example (examples/c/score.c): s q = $$(head -1 $(FIXTURES)/face.reference)"
	target/examples/c-score $(MODEL) $(FIXTURES)/face.ppm $(FIXTURES)/face.landmarks --components > $(FIXTURES)/face.components
	@echo "C example's components of the face: $$(tail -1 $(FIXTURES)/face.components)"
	target/examples/c-score $(MODEL) $(FIXTURES)/face.ppm $(FIXTURES)/face.landmarks \
	    --quality-net models/quality/lightqnet-dm025.onnx > $(FIXTURES)/face.quality-net.reference
	@echo "C example with the quality network: s q l f = $$(cat $(FIXTURES)/face.quality-net.reference)"
	target/examples/c-score $(MODEL) $(FIXTURES)/face.ppm --detector $(DETECTOR) --embedding > $(FIXTURES)/photo.reference
	@echo "C example on the whole photo: $$(head -1 $(FIXTURES)/photo.reference), $$(sed -n 2p $(FIXTURES)/photo.reference | cut -c1-60)..."

## Environment shared by the binding scripts.
BINDING_ENV := SERFIQ_LIB_DIR=$(abspath $(RELEASE)) SERFIQ_INCLUDE_DIR=$(abspath include) \
    SERFIQ_MODEL=$(abspath $(MODEL)) SERFIQ_ORT_LIB=$(abspath $(ORT_DIR))/libonnxruntime.so.1.31.1 \
    SERFIQ_DETECTOR=$(abspath $(DETECTOR)) SERFIQ_FIXTURES=$(abspath $(FIXTURES)) \
    SERFIQ_JNI_LIB_DIR=$(abspath $(JNI_RELEASE))

bindings-test: fixtures jni-lib
	@for lang in cpp csharp java; do \
	    if [ -f bindings/$$lang/test.sh ]; then echo "== bindings/$$lang"; $(BINDING_ENV) bash bindings/$$lang/test.sh || exit 1; fi; \
	done

## The README's examples (examples/*/quickstart.*): each built and run, each prints what C prints.
.PHONY: quickstart
quickstart: fixtures jni-lib
	$(BINDING_ENV) bash tests/quickstart.sh

## The Python package (bindings/python): an abi3 wheel built by maturin (pinned, in its own
## venv) with the default model and detector inside, then its tests in a fresh venv holding
## only the wheel and the pinned test packages (pytest, numpy, pillow, opencv, pyspark, ...),
## with the capture's shared frame sequence and its C reference (tests/capture/reference.sh).
.PHONY: python-models python-wheel python-test python-bench-spark
PY_TARGET := target/python
PY_WHEELS := $(PY_TARGET)/wheels
PY_BUILD_VENV := $(PY_TARGET)/build-venv
PY_TEST_VENV := $(PY_TARGET)/test-venv
PY_MODELS := bindings/python/python/serfiq/models

python-models: fetch
	@mkdir -p $(PY_MODELS)
	cp $(MODEL) $(CACHE)/models/fr_feature.LICENSE $(DETECTOR) $(CACHE)/models/retinaface_mnet025.LICENSE $(PY_MODELS)/
	cp models/quality/lightqnet-dm025.onnx models/quality/LICENSE.lightqnet models/quality/PROVENANCE.md $(PY_MODELS)/

python-wheel: python-models
	@[ -x $(PY_BUILD_VENV)/bin/maturin ] || { python3 -m venv $(PY_BUILD_VENV) && $(PY_BUILD_VENV)/bin/pip install -q maturin==1.16.0; }
	@rm -f $(PY_WHEELS)/serfiq-*.whl
	cd bindings/python && CARGO_TARGET_DIR=$(abspath $(PY_TARGET)) $(abspath $(PY_BUILD_VENV))/bin/maturin build \
	    --release --locked --quiet -o $(abspath $(PY_WHEELS))
	@ls -l $(PY_WHEELS)/serfiq-*.whl

PY_CAPTURE := $(PY_TARGET)/capture
PY_TEST_ENV := SERFIQ_REPO=$(abspath .) SERFIQ_FIXTURES=$(abspath $(FIXTURES)) SERFIQ_CLI=$(abspath $(RELEASE))/serfiq \
    SERFIQ_FACES=$(abspath $(CACHE))/faces SERFIQ_LFW=$(abspath $(LFW)) SERFIQ_CAPTURE_DIR=$(abspath $(PY_CAPTURE))

python-test: python-wheel build fixtures
	$(BINDING_ENV) bash tests/capture/reference.sh $(PY_CAPTURE)
	rm -rf $(PY_TEST_VENV)
	python3 -m venv $(PY_TEST_VENV)
	$(PY_TEST_VENV)/bin/pip install -q $(PY_WHEELS)/serfiq-*.whl -r bindings/python/requirements-test.txt
	cd $(PY_TEST_VENV) && env -u SERFIQ_ORT_LIB $(PY_TEST_ENV) bin/python -m pytest -p no:cacheprovider -q \
	    $(abspath bindings/python/tests)

## Spark throughput on the LFW crops: local[1] vs local[2] next to `serfiq score` on 1 and 2 cores.
python-bench-spark: python-test
	env -u SERFIQ_ORT_LIB $(PY_TEST_ENV) $(PY_TEST_VENV)/bin/python bindings/python/bench/spark_lfw.py --out target/python/bench.json

## The book (docs/, mdBook pinned below) into target/book, with the Rust API docs of serfiq-core
## (rustdoc with -D warnings) under target/book/api, then the offline link, anchor, README and
## example checks (scripts/check_docs.py).
.PHONY: docs
MDBOOK_VERSION := 0.4.52
MDBOOK := target/tools/bin/mdbook
docs:
	@[ "$$($(MDBOOK) --version 2>/dev/null)" = "mdbook v$(MDBOOK_VERSION)" ] || \
	    cargo install mdbook --version $(MDBOOK_VERSION) --locked --no-default-features --root target/tools
	RUSTDOCFLAGS="-D warnings" cargo doc --locked -p serfiq-core --no-deps
	$(MDBOOK) build docs
	rm -rf target/book/api && cp -r target/doc target/book/api
	python3 scripts/check_docs.py

clean:
	cargo clean
