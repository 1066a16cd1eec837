# keymint — the two commands a newcomer needs are `make demo` and `make test`.
# Every install a fresh machine needs happens inside these targets (scripts/tools.sh).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(CURDIR)/.tools/cargo/bin:$(PATH)
NODE_TEST := node --test --test-reporter=dot

.PHONY: demo test build tools bench test-rust test-rust-api test-wasm test-js test-browser test-package lint clean

demo: build
	node examples/demo.mjs

tools:
	@scripts/tools.sh rust npm_deps

build: tools
	@scripts/build-wasm.sh
	@cd js && node scripts/build.mjs

# tsc reads the modules the build writes (js/build/wasm-inline*.mjs): build first.
lint: build
	cargo fmt --check
	cargo clippy -q --lib -- -D warnings
	cargo clippy -q --no-default-features --features std --lib --test otp_only -- -D warnings
	cd js && node_modules/.bin/tsc --noEmit -p .

# The second line: the core without the `sessions` feature (the default entry's wasm).
test-rust:
	cargo test -q
	cargo test -q --no-default-features --features std --test otp_only

# The crate as a Rust API: the native example drives a full Scripto flow against the
# emulator (it starts and stops its own, on a free port), and the serde feature's tests.
# Quiet unless something fails; then the example's output is shown.
test-rust-api: tools
	@out=$$(cargo run -q --example scripto_native 2>&1) || { echo "$$out"; exit 1; }
	@out=$$(cargo test -q --features serde --test rust_api 2>&1) || { echo "$$out"; exit 1; }
	@echo "test-rust-api: scripto_native example and serde tests passed"

test-wasm: tools
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	  cargo test --target wasm32-unknown-unknown --tests 2>&1 | grep -E "^(test |test result|Running|error|no tests)"

# Every byte the JS suites print is kept and searched for each raw key or token
# the emulator minted during the run (scripts/secrets-check.mjs).
SECRETS_LOG := $(CURDIR)/target/keymint-secrets.log
JS_LOG := $(CURDIR)/target/test-js.log
test-js: build
	@scripts/tools.sh pocketbase
	@mkdir -p target test-output && rm -f $(SECRETS_LOG) && touch $(SECRETS_LOG)
	cd js && KEYMINT_SECRETS_LOG=$(SECRETS_LOG) node --test --test-reporter=dot --test-reporter-destination=stdout \
	  --test-reporter=tap --test-reporter-destination=$(JS_LOG).tap test/*.test.mjs 2>&1 | tee $(JS_LOG)
	node scripts/secrets-check.mjs $(SECRETS_LOG) $(JS_LOG) $(JS_LOG).tap

test: lint test-rust test-rust-api test-wasm test-js test-browser test-package
	node scripts/size-budget.mjs
	@echo "make test: all suites passed"

bench: build
	node benches/run.mjs

clean:
	rm -rf target pkg pkg-otp js/dist js/build

# The packed tarball installed into a fresh project outside the repo, on Node 18/20/22, Bun
# and Deno (js/test/package/installed.test.mjs).
test-package: build
	@scripts/tools.sh runtimes
	cd js && $(NODE_TEST) test/package/installed.test.mjs

test-browser: build
	@scripts/tools.sh chrome
	cd js && $(NODE_TEST) test/browser/*.test.mjs
