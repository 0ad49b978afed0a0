# Wave's two entry points: `make demo` (set up and run the main job) and `make test` (the whole suite).
SHELL := /bin/bash
NODE_TEST := node --import tsx --test --test-reporter=spec --test-concurrency=1
unit_tests := $(shell find test/unit -name '*.test.ts' 2>/dev/null | sort)
integration_tests := $(shell find test/integration -name '*.test.ts' 2>/dev/null | sort)
e2e_tests := $(shell find test/e2e -name '*.test.ts' 2>/dev/null | sort)

.PHONY: all install build typecheck lint test test-unit test-integration test-e2e images base-image bench demo docker-engine clean

all: build

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

install: node_modules/.package-lock.json

build: install
	npx tsc -p tsconfig.json

typecheck: install
	npx tsc -p test/tsconfig.json

# eslint (type-aware: floating promises, no import cycles) and prettier's layout, zero warnings.
lint: install
	npx eslint --max-warnings=0 --cache --cache-location node_modules/.cache/eslint/ src test
	npx prettier --check --log-level=warn 'src/**/*.ts' 'test/**/*.ts' eslint.config.js

# Images trust the host's CA bundle by default, so builds work behind TLS-inspecting proxies (npm installs in
# the adapter images). `make images EXTRA_CA=` builds without it; EXTRA_CA=/path/to/bundle.pem adds another.
EXTRA_CA ?= $(wildcard /etc/ssl/certs/ca-certificates.crt)
CA_FLAG = $(if $(EXTRA_CA),--extra-ca $(EXTRA_CA))
WAVE := node bin/wave.js

# No registry needed: the base's Debian is bootstrapped from Debian's packages when no base image is present.
base-image: build
	$(WAVE) images build base --bootstrap-base $(CA_FLAG)

# The base and one image per agent CLI (claude, codex, gemini, opencode); unchanged images are not rebuilt.
images: build
	$(WAVE) images build base claude codex gemini opencode --bootstrap-base $(CA_FLAG)

# Unit tests need nothing; integration and e2e tests need a Docker engine (skipped locally without one,
# failed under CI=true).
test: build typecheck lint
	$(NODE_TEST) $(unit_tests) $(integration_tests) $(e2e_tests)

test-unit: install
	$(NODE_TEST) $(unit_tests)

test-integration: install
	$(NODE_TEST) $(integration_tests)

test-e2e: install
	$(NODE_TEST) $(e2e_tests)

bench: build
	@for f in test/bench/*.ts; do echo "== $$f"; node --import tsx "$$f" || exit 1; done

demo: docker-engine build images
	bash scripts/demo.sh

docker-engine:
	bash scripts/ensure-docker.sh

clean:
	rm -rf dist
