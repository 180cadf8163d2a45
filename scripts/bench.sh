#!/usr/bin/env bash
# The performance figures, measured in one run on this machine (`make bench`): the store and
# leaderboard Go benchmarks, cold start and peak RSS of both bootstraps under aws-lambda-rie,
# and the linux/arm64 artifact sizes with what each dependency adds. Prints one markdown table
# and writes docs/PERFORMANCE.md. Every figure is measured on valkey-server (MemoryDB's default
# engine); the headline store, ingest and leaderboard figures run again on redis-server 7.0 for one
# comparison line each (-compare=false skips them). Arguments go to cmd/bench (e.g. -only lambda
# -runs 11; -h).
set -euo pipefail
cd "$(dirname "$0")/.."
# moto_server (Secrets Manager stand-in) lives in pyenv's shims.
export PATH="$HOME/.pyenv/shims:/root/.pyenv/shims:$PATH"
# The emulator `make deps` installs, unless RIE names another.
if [[ -z "${RIE:-}" && -x .bin/aws-lambda-rie ]]; then
  export RIE="$PWD/.bin/aws-lambda-rie"
fi
exec go run ./cmd/bench "$@"
