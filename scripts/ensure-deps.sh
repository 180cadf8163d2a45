#!/usr/bin/env bash
# ensure-deps.sh - make sure the programs the tests and the local stand-ins need are installed.
#
# Debian packages (installed with apt-get when missing and we are root):
#   redis-server, redis-tools  -> redis-server, redis-cli, redis-benchmark
#   openssl                    -> openssl
#   chromium, chromium-driver  -> chromium, chromedriver
#   valgrind                   -> valgrind, callgrind_control (make bench's instruction counts)
# Python tools (checked only; they are pip packages and cannot be installed from here):
#   moto_server (pip "moto[server]"), cfn-lint (pip "cfn-lint"), looked up on PATH and in the
#   pyenv shims directories.
#
# Idempotent: when everything is present it changes nothing. It never starts, stops or
# reconfigures a Redis service (the one on 127.0.0.1:6379 is left alone): installing the
# redis-server package is done with policy-rc.d denying service starts.
set -euo pipefail

# program:debian-package
debs=(
	"redis-server:redis-server"
	"redis-cli:redis-tools"
	"redis-benchmark:redis-tools"
	"openssl:openssl"
	"chromium:chromium"
	"chromedriver:chromium-driver"
	"valgrind:valgrind"
	"callgrind_control:valgrind"
)

missing_pkgs=()
missing_progs=()
for entry in "${debs[@]}"; do
	prog=${entry%%:*}
	pkg=${entry#*:}
	if ! command -v "$prog" >/dev/null 2>&1; then
		missing_progs+=("$prog")
		case " ${missing_pkgs[*]-} " in
		*" $pkg "*) ;;
		*) missing_pkgs+=("$pkg") ;;
		esac
	fi
done

if ((${#missing_pkgs[@]} > 0)); then
	if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
		echo "ensure-deps: installing ${missing_pkgs[*]} (missing: ${missing_progs[*]})" >&2
		# Do not let package installation start (or restart) any service, in particular a Redis
		# on 6379: policy-rc.d exit code 101 means "action forbidden".
		policy=/usr/sbin/policy-rc.d
		created_policy=0
		if [[ ! -e $policy ]]; then
			printf '#!/bin/sh\nexit 101\n' >"$policy"
			chmod 0755 "$policy"
			created_policy=1
		fi
		cleanup() { if ((created_policy)); then rm -f "$policy"; fi; }
		trap cleanup EXIT
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${missing_pkgs[@]}" >/dev/null
		cleanup
		trap - EXIT
		still=()
		for prog in "${missing_progs[@]}"; do
			command -v "$prog" >/dev/null 2>&1 || still+=("$prog")
		done
		if ((${#still[@]} > 0)); then
			echo "ensure-deps: still missing after apt-get install: ${still[*]}" >&2
			exit 1
		fi
	else
		echo "ensure-deps: missing programs: ${missing_progs[*]}" >&2
		echo "ensure-deps: install them as root with: apt-get update && apt-get install -y ${missing_pkgs[*]}" >&2
		exit 1
	fi
fi

# Python tools: PATH first, then the pyenv shims.
find_tool() {
	local name=$1 dir
	if command -v "$name" >/dev/null 2>&1; then
		command -v "$name"
		return 0
	fi
	for dir in /root/.pyenv/shims "${HOME:-/root}/.pyenv/shims"; do
		if [[ -x $dir/$name ]]; then
			echo "$dir/$name"
			return 0
		fi
	done
	return 1
}

missing_py=()
moto=$(find_tool moto_server) || missing_py+=("moto_server (pip install 'moto[server]')")
cfnlint=$(find_tool cfn-lint) || missing_py+=("cfn-lint (pip install cfn-lint)")
if ((${#missing_py[@]} > 0)); then
	echo "ensure-deps: missing Python tools: ${missing_py[*]}" >&2
	echo "ensure-deps: looked on PATH, in /root/.pyenv/shims and ~/.pyenv/shims" >&2
	exit 1
fi

redis_version=$(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')
echo "ensure-deps: ok: redis-server ${redis_version:-?}, redis-cli, redis-benchmark, openssl, chromium, chromedriver, valgrind, moto_server=$moto, cfn-lint=$cfnlint"
