# Strata: `make run` serves the app, `make test` runs every test.
# Every install step skips itself when the tool is already there; nothing is
# downloaded from outside crates.io, npm and Debian (see ../shared/notes/TOOLCHAIN.md).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

TRUNK_VERSION := 0.21.14
BINARYEN_VERSION := 132.0.0
PLAYWRIGHT_VERSION := 1.65.1
# wasm-bindgen-cli must equal the wasm-bindgen crate in Cargo.lock.
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/ { getline; gsub(/"/, "", $$3); print $$3 }' Cargo.lock)
PORT ?= 8080

TOOLS := $(CURDIR)/.tools
NODE_BIN := $(TOOLS)/node_modules/.bin
CARGO_BIN := $(HOME)/.cargo/bin
export PATH := $(NODE_BIN):$(CARGO_BIN):$(PATH)
export TRUNK_OFFLINE := true
export TRUNK_SKIP_VERSION_CHECK := true
export CHROMEDRIVER := /usr/bin/chromedriver
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help run build test test-native test-backends test-wasm test-e2e bench lint tools test-tools \
        tool-target tool-trunk tool-wasm-bindgen tool-npm tool-chromium tool-fuzz fuzz clean

help:
	@echo "make run    install what is missing, build, serve on http://127.0.0.1:$(PORT) (demo open)"
	@echo "make test   install what tests need, run native, wasm (headless Chromium) and end-to-end tests"
	@echo "make bench  benchmarks: native import/layout, and load/scroll in headless Chromium"
	@echo "make lint   cargo fmt --check and clippy -D warnings"
	@echo "make fuzz   each fuzz target for FUZZ_SECONDS (600) in turn (FUZZ_TARGETS to choose)"

# ---- tools -----------------------------------------------------------------

tools: tool-target tool-trunk tool-wasm-bindgen tool-npm

tool-target:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown \
	  || rustup target add wasm32-unknown-unknown

tool-trunk:
	@trunk --version 2>/dev/null | grep -q "$(TRUNK_VERSION)" \
	  || cargo install trunk --locked --version $(TRUNK_VERSION)

# Without --locked: wasm-bindgen-cli's lockfile names a crate version the
# registry lacks; the fallback resolver keeps the rest compatible with rustc.
tool-wasm-bindgen:
	@test -n "$(WASM_BINDGEN_VERSION)" || { echo "no wasm-bindgen in Cargo.lock"; exit 1; }
	@wasm-bindgen --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)" \
	  || CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)

# wasm-opt from npm's binaryen (Debian's 108 produces a wasm that fails to load);
# playwright-core drives Debian's Chromium (it never downloads a browser).
tool-npm:
	@$(NODE_BIN)/wasm-opt --version 2>/dev/null | grep -q "version_$(basename $(basename $(BINARYEN_VERSION)))" \
	  && [ -f $(TOOLS)/node_modules/playwright-core/package.json ] \
	  && grep -q '"version": "$(PLAYWRIGHT_VERSION)"' $(TOOLS)/node_modules/playwright-core/package.json \
	  || { mkdir -p $(TOOLS) && npm install --no-save --no-audit --no-fund --prefix $(TOOLS) \
	         binaryen@$(BINARYEN_VERSION) playwright-core@$(PLAYWRIGHT_VERSION); }

tool-chromium:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null \
	  || { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium chromium-driver; }

test-tools: tools tool-chromium

# ---- build and serve -------------------------------------------------------

run: tools
	trunk serve --release --offline --address 127.0.0.1 --port $(PORT)

build: tools
	trunk build --release --offline --dist dist

# ---- tests -----------------------------------------------------------------

test: test-tools test-native test-backends test-wasm test-e2e

test-native:
	cargo test --all-targets

# #[wasm_bindgen_test]s in headless Chromium (runner: .cargo/config.toml).
# The protocol tests talk to the stand-in backends of tests/backends/server.mjs,
# started here on a free port and stopped afterwards. Tempo's 168 h search
# limit is off (the recorded traces are years old), and the test page is not
# cross-origin isolated (the runner's default COEP would block the no-cors
# probe that tells CORS from unreachable; the app's page is not isolated either).
test-wasm: test-tools
	cargo test --target wasm32-unknown-unknown --test wasm
	node tests/backends/server.mjs --port 0 --tempo-max-search-duration 0 > target/backends.url & echo $$! > target/backends.pid; \
	  for i in $$(seq 50); do grep -q url target/backends.url && break; sleep 0.1; done; \
	  url=$$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' target/backends.url); \
	  STRATA_BACKENDS=$$url WASM_BINDGEN_TEST_NO_ORIGIN_ISOLATION=1 \
	    cargo test --target wasm32-unknown-unknown --test protocol; rc=$$?; \
	  kill $$(cat target/backends.pid); exit $$rc

# The stand-in backends' own tests (paths, parameters, status codes, CORS).
test-backends:
	node --test tests/backends/

# The release build, served on 127.0.0.1, driven by playwright-core.
test-e2e: test-tools
	trunk build --release --offline --dist dist-test
	node tests/e2e/run.mjs dist-test

# ---- benchmarks and lint ---------------------------------------------------

# `make bench`: native criterion benches at BENCH_SIZES spans (import of
# Jaeger and OTLP, serde_json::Value on the same bytes, tree, waterfall and
# minimap layout, search / self time / service graph, flame layout and draw
# lists; force layout), then the release app in headless Chromium dropping the
# same generated files (benches/browser.mjs): one table of medians, also
# written to target/bench/results.md. RUNS browser runs per size, each on a
# fresh page; RUNS_1M of them for 1M spans and more (a 1M run takes a minute
# or more). The native benches take 11 iterations at 300k and up, and parse
# into serde_json::Value only up to 300k (a Value needs ~15x the file in
# memory). target/bench/native.stamp marks the start of the native run: older
# criterion results are not shown. The generated files are kept between runs
# (the 1M one is 1.2 GB): delete target/bench/*.json after changing the
# generator. About 25 minutes on 2 cores, builds included.
# Fewer sizes: make bench BENCH_SIZES="10000 100000"
BENCH_SIZES ?= 10000 100000 300000 1000000
RUNS ?= 3
RUNS_1M ?= 1

bench: test-tools
	mkdir -p target/bench
	for n in $(BENCH_SIZES); do \
	  [ -f target/bench/jaeger-$$n.json ] || cargo run --release --example gen -- --spans $$n --format jaeger --out target/bench/jaeger-$$n.json; \
	done
	touch target/bench/native.stamp
	BENCH_SIZES="$(BENCH_SIZES)" cargo bench --bench import --bench flame --bench force --bench analysis
	trunk build --release --offline --dist dist-bench
	RUNS=$(RUNS) RUNS_1M=$(RUNS_1M) node benches/browser.mjs dist-bench $(BENCH_SIZES)

# ---- fuzzing ---------------------------------------------------------------
# cargo-fuzz (libFuzzer) on the nightly toolchain; targets in fuzz/, their
# checks in src/fuzzing.rs. Seeds: the real traces of ../shared/traces (cut to
# 64 KB) and the demo. A finding goes to fuzz/artifacts/<target>/; copy it to
# fuzz/regressions/<target>/ once fixed: tests/fuzz_regressions.rs replays
# those in `make test`. Limits: 64 KB inputs, 10 s each, no allocation over
# 512 MB (8,192 times the largest input), 2 GB of memory in all.

FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= detect otlp jaeger zipkin wrappers parts snapshot share otlp_proto
TRACES ?= $(CURDIR)/../shared/traces

tool-fuzz:
	@rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	@cargo +nightly fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked

fuzz: tool-fuzz
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p fuzz/corpus/$$t; \
	  find $(TRACES) -type f \( -name '*.json' -o -name '*.jsonl' -o -name '*.ndjson' \) -size -4M \
	    -exec sh -c 'head -c 65536 "$$1" > fuzz/corpus/'$$t'/seed-$$(basename "$$1")' _ {} \; ; \
	done
	@mkdir -p fuzz/corpus/otlp_proto && cp tests/captures/node/proto/*.bin fuzz/corpus/otlp_proto/
	@cargo run --release --quiet --example fuzz_seeds -- fuzz/corpus $$(find $(TRACES) -type f -name '*.json' -size -64k)
	@for t in $(FUZZ_TARGETS); do \
	  echo "== $$t: $(FUZZ_SECONDS) s"; \
	  cargo +nightly fuzz run -O $$t fuzz/corpus/$$t fuzz/regressions/$$t -- \
	    -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 -malloc_limit_mb=512 -rss_limit_mb=2048 \
	    -print_final_stats=1 2>&1 | tee target/fuzz-$$t.log | grep -E '^(#[0-9]+ +DONE|==[0-9]+== ERROR|SUMMARY|stat::number_of_executed_units)' || true; \
	done
	@for t in $(FUZZ_TARGETS); do \
	  printf '%-10s executions %-10s corpus %-6s findings %s\n' $$t \
	    "$$(sed -n 's/^stat::number_of_executed_units: *//p' target/fuzz-$$t.log | tail -1)" \
	    "$$(ls fuzz/corpus/$$t | wc -l)" "$$(ls fuzz/artifacts/$$t 2>/dev/null | wc -l)"; \
	done

lint:
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings

clean:
	rm -rf dist dist-test dist-bench target/e2e
