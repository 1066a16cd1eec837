# keymint — the two commands a newcomer needs are `make demo` and `make test`.
# Every install a fresh machine needs happens inside these targets (scripts/tools.sh).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(CURDIR)/.tools/cargo/bin:$(PATH)
NODE_TEST := node --test --test-reporter=dot

.PHONY: demo test build tools bench test-rust test-wasm test-js test-browser lint clean

demo: build
	node examples/demo.mjs

tools:
	@scripts/tools.sh rust npm_deps

build: tools
	@scripts/build-wasm.sh
	@cd js && node scripts/build.mjs

lint: tools
	cargo fmt --check
	cargo clippy -q --lib -- -D warnings
	cd js && node_modules/.bin/tsc --noEmit -p .

test-rust:
	cargo test -q

test-wasm: tools
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	  cargo test --target wasm32-unknown-unknown --tests 2>&1 | grep -E "^(test |test result|Running|error|no tests)"

test-js: build
	cd js && $(NODE_TEST) test/*.test.mjs

test: lint test-rust test-wasm test-js
	@echo "make test: all suites passed"

bench: build
	node benches/run.mjs

clean:
	rm -rf target pkg js/dist js/build

test-browser: build
	@scripts/tools.sh chrome
	cd js && $(NODE_TEST) test/browser/*.test.mjs
