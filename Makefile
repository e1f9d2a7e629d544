# naftiko-go — run `make help` for the targets.
SHELL := /bin/bash
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/naftiko-go/naftiko/internal/cli.Version=$(VERSION)
BIN := bin

# Ports of `make demo` (override: make demo REST_PORT=18080 MCP_PORT=19090 SANDBOX_PORT=13001).
REST_PORT ?= 8080
MCP_PORT ?= 9090
SANDBOX_PORT ?= 3001

.PHONY: help build test test-race lint fuzz fuzz-short load bench demo ci e2e-deps validate-capabilities clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-22s %s\n", $$1, $$2}'

build: ## build bin/naftiko and bin/logto-sandbox (static)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='$(LDFLAGS)' -o $(BIN)/naftiko ./cmd/naftiko
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o $(BIN)/logto-sandbox ./cmd/logto-sandbox

e2e-deps: ## install the pinned npm packages of the MCP client tests (e2e/)
	@if cat e2e/package.json e2e/package-lock.json | cmp -s - e2e/node_modules/.installed-from 2>/dev/null; then \
		echo "e2e/node_modules is up to date"; \
	else \
		cd e2e && npm ci --no-audit --no-fund --loglevel=error && cat package.json package-lock.json > node_modules/.installed-from; \
	fi

test: e2e-deps ## run every test
	$(GO) test ./...

test-race: e2e-deps ## run every test with the race detector, uncached (e2e tests build the binary themselves, which the test cache cannot see)
	$(GO) test -race -count=1 ./...

lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

validate-capabilities: ## validate every shipped capability file
	$(GO) run ./cmd/naftiko validate capabilities/*.yaml

fuzz: ## run every fuzz target of the repository briefly (FUZZTIME=10s; a count such as 20000x also works)
	@set -e; for f in $$(grep -rl --include='*_test.go' '^func Fuzz' cmd internal); do \
		for target in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$f); do \
			echo "fuzz ./$$(dirname $$f) $$target"; \
			$(GO) test ./$$(dirname $$f) -run '^$$' -fuzz "^$$target$$" -fuzztime $${FUZZTIME:-10s}; \
		done; \
	done

load: ## 10k mixed REST+MCP calls (32 workers) against a fake upstream, with -race then without (RSS); prints the numbers
	$(GO) test -race -tags load -run '^TestLoad$$' -count=1 -v ./internal/engine
	$(GO) test -tags load -run '^TestLoad$$' -count=1 -v ./internal/engine

bench: ## Go micro-benchmarks, then the end-to-end benchmark (bench/run.sh, about 2.5 min; updates docs/BENCHMARKS.md)
	$(GO) test -run '^$$' -bench . -benchmem ./internal/...
	BENCH_COMMAND="make bench" GO=$(GO) ./bench/run.sh

demo: build ## run the Logto sandbox and naftiko in front of it (Ctrl-C stops both)
	REST_PORT=$(REST_PORT) MCP_PORT=$(MCP_PORT) SANDBOX_PORT=$(SANDBOX_PORT) ./scripts/demo.sh

fuzz-short: ## every fuzz target for a fixed count of inputs (FUZZTIME=500x; counts, not durations, so a busy machine cannot time it out)
	$(MAKE) --no-print-directory fuzz FUZZTIME=$${FUZZTIME:-500x}

ci: lint test-race validate-capabilities fuzz-short ## what CI runs (.ci/run)

clean: ## remove build output
	rm -rf $(BIN)
