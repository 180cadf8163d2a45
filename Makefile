# Hashtag leaderboard: the commands a user and CI run. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
# The Python tools (moto_server, cfn-lint) are pip packages; under pyenv their shims are on PATH
# only in an interactive shell (~/.bashrc). Add the shims directory, looked up as
# scripts/ensure-deps.sh does: pyenv's own answer, then $PYENV_ROOT, then ~/.pyenv.
PYENV_SHIMS := $(firstword $(wildcard $(addsuffix /shims,$(shell pyenv root 2>/dev/null) $(PYENV_ROOT) $(HOME)/.pyenv)))
export PATH := $(if $(PYENV_SHIMS),$(PYENV_SHIMS):)$(PATH)

GO        ?= go
FUZZTIME  ?= 5s
ARTIFACTS ?= $(CURDIR)/.artifacts
BUILD_DIR ?= $(CURDIR)/build
RIE_VERSION := v0.0.0-20261030222936-bef5c4ba774d
BIN       := $(CURDIR)/.bin
RIE       := $(BIN)/aws-lambda-rie

FUNCTION  ?= ingest
EVENT     ?= events/schedule.json

.PHONY: help run test deps lint unit suite fuzz bench build build-IngestFunction build-LeaderboardFunction invoke clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

run: ## run the whole app locally: ingest on a sample + the leaderboard at http://localhost:3000
	$(GO) build -o $(BIN)/local ./cmd/local
	exec $(BIN)/local $(ARGS)

test: deps lint suite fuzz ## the full test suite (CI runs exactly this)

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

unit: ## the fast tier: go test -short, needs only Go (no Redis, moto, Chromium or emulator)
	$(GO) test -short -count=1 ./...

suite: ## go test -race over every package on real parts (Redis, Valkey, moto, Chromium, RIE)
	mkdir -p $(ARTIFACTS)
	rm -f $(ARTIFACTS)/engines.txt
	status=0; ARTIFACTS_DIR=$(ARTIFACTS) RIE=$(RIE) REDISTEST_REPORT=$(ARTIFACTS)/engines.txt \
	  $(GO) test -race -count=1 -timeout 20m ./... || status=$$?; \
	  echo "the servers the suites ran on (redistest):"; sort -u $(ARTIFACTS)/engines.txt 2>/dev/null || true; \
	  exit $$status

fuzz: ## run every fuzz target briefly (FUZZTIME each) on its committed corpus
	bash scripts/fuzz.sh $(FUZZTIME)

bench: deps ## benchmarks with figures and ratios against raw Redis, measured in one run
	bash scripts/bench.sh

build: ## linux/arm64 bootstraps exactly as sam build makes them, into build/<function>/bootstrap
	$(MAKE) --no-print-directory build-IngestFunction ARTIFACTS_DIR=$(BUILD_DIR)/ingest
	$(MAKE) --no-print-directory build-LeaderboardFunction ARTIFACTS_DIR=$(BUILD_DIR)/leaderboard
	ls -l $(BUILD_DIR)/*/bootstrap

# The one recipe of a Lambda bootstrap, for `make build`, `sam build` and `make bench`'s size
# figures: linux/arm64 for provided.al2023, no cgo (a static binary from any host), -trimpath,
# the lambda.norpc tag (no net/rpc server in aws-lambda-go), stripped (-s -w).
LAMBDA_BUILD = CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -trimpath -tags lambda.norpc -ldflags "-s -w"

# `sam build` (Metadata BuildMethod: makefile in nested/ingest.yaml and nested/leaderboard.yaml)
# runs `make build-<LogicalId>` with ARTIFACTS_DIR set through ingest/Makefile and
# leaderboard/Makefile (each function's CodeUri), which hand over to these targets
# (scripts/sam-build.mk): the Go module is this folder. The output is $(ARTIFACTS_DIR)/bootstrap.
build-IngestFunction: LAMBDA_MAIN := ./ingest
build-LeaderboardFunction: LAMBDA_MAIN := ./leaderboard
build-IngestFunction build-LeaderboardFunction:
	@if [ -z "$(ARTIFACTS_DIR)" ]; then \
	  echo "$@: ARTIFACTS_DIR is not set (sam build sets it; make build sets build/<function>)" >&2; exit 2; fi
	$(LAMBDA_BUILD) -o "$(abspath $(ARTIFACTS_DIR))/bootstrap" $(LAMBDA_MAIN)

invoke: $(RIE) ## run one function's real bootstrap under the Lambda RIE, no Docker: make invoke FUNCTION=leaderboard EVENT=events/function-url-get.json
	RIE=$(RIE) $(GO) run ./cmd/invoke -function $(FUNCTION) -event $(EVENT) $(ARGS)

clean: ## remove build output and test artifacts
	rm -rf build .artifacts .bin
