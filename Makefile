# Hashtag leaderboard: the commands a user and CI run. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
# The Python tools (moto_server, cfn-lint) live in pyenv's shims, which only ~/.bashrc adds.
export PATH := $(HOME)/.pyenv/shims:/root/.pyenv/shims:$(PATH)

GO        ?= go
FUZZTIME  ?= 5s
ARTIFACTS ?= $(CURDIR)/.artifacts
RIE_VERSION := v0.0.0-20261030222936-bef5c4ba774d
BIN       := $(CURDIR)/.bin
RIE       := $(BIN)/aws-lambda-rie

FUNCTION  ?= ingest
EVENT     ?= events/schedule.json

.PHONY: help run test deps lint unit fuzz bench build invoke clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

run: ## run the whole app locally: ingest on a sample + the leaderboard at http://localhost:3000
	$(GO) build -o $(BIN)/local ./cmd/local
	exec $(BIN)/local $(ARGS)

test: deps lint unit fuzz ## the full test suite (CI runs exactly this)

deps: ## install what the tests need (redis-server, chromium, ...) when missing
	bash scripts/ensure-deps.sh
	@$(MAKE) --no-print-directory $(RIE)

$(RIE):
	GOBIN=$(BIN) $(GO) install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$(RIE_VERSION)

lint: ## gofmt, go vet, staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

unit: ## go test -race over every package (real redis-server, moto, chromium, RIE)
	mkdir -p $(ARTIFACTS)
	ARTIFACTS_DIR=$(ARTIFACTS) RIE=$(RIE) $(GO) test -race -count=1 -timeout 20m ./...

fuzz: ## run every fuzz target briefly (FUZZTIME each) on its committed corpus
	bash scripts/fuzz.sh $(FUZZTIME)

bench: deps ## benchmarks with figures and ratios against raw Redis, measured in one run
	bash scripts/bench.sh

build: ## linux/arm64 bootstraps the way sam build makes them, into build/<function>/bootstrap
	for f in ingest leaderboard; do \
	  CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -trimpath -tags lambda.norpc \
	    -ldflags "-s -w" -o build/$$f/bootstrap ./$$f; \
	done
	ls -l build/*/bootstrap

invoke: $(RIE) ## run one function's real bootstrap under the Lambda RIE, no Docker: make invoke FUNCTION=leaderboard EVENT=events/function-url-get.json
	RIE=$(RIE) $(GO) run ./cmd/invoke -function $(FUNCTION) -event $(EVENT) $(ARGS)

clean: ## remove build output and test artifacts
	rm -rf build .artifacts .bin
