# Included by ingest/Makefile and leaderboard/Makefile, the files `sam build` runs for the two
# functions (Metadata BuildMethod: makefile, CodeUri ../ingest and ../leaderboard): SAM runs
# `make --makefile <repository>/<function>/Makefile build-<LogicalId>` with ARTIFACTS_DIR set,
# in a scratch copy of the function's folder (in the folder itself with --build-in-source). The
# Go module is the repository root (one go.mod), so each build-<LogicalId> hands over to the root
# Makefile, whose target of that name runs the recipe `make build` runs. Not with
# --use-container: the build container gets the function's folder only, without the module.
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
ifeq ($(wildcard $(ROOT)/go.mod),)
$(error $(ROOT) has no go.mod: run the function's Makefile in place (no sam build --use-container))
endif

build-%:
	$(MAKE) --no-print-directory -C "$(ROOT)" $@ ARTIFACTS_DIR="$(abspath $(ARTIFACTS_DIR))"
