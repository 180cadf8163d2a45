#!/usr/bin/env bash
# ensure-deps.sh - make sure the programs the tests and the local stand-ins need are installed.
#
# Debian packages (installed with apt-get when missing and we are root):
#   redis-server, redis-tools  -> redis-server, redis-cli, redis-benchmark
#   openssl                    -> openssl
#   chromium, chromium-driver  -> chromium, chromedriver
#   valgrind                   -> valgrind, callgrind_control (make bench's instruction counts)
# Debian packages from <codename>-backports (bookworm has no valkey; bookworm-backports has 8.0):
#   valkey-server, valkey-tools -> valkey-server, valkey-cli, valkey-benchmark
#   When they are missing, a deb822 source for the backports suite is added (same URI and keyring as
#   the distribution's own entry in /etc/apt/sources.list.d/debian.sources) unless apt already has
#   one; backports are pinned low by default, so nothing else is taken from there.
# Python tools (checked only; they are pip packages and cannot be installed from here):
#   moto_server (pip "moto[server]"), cfn-lint (pip "cfn-lint"), looked up on PATH and in the
#   pyenv shims directories.
#
# Idempotent: when everything is present it changes nothing. It never starts, stops or
# reconfigures a Redis or Valkey service (the one on 127.0.0.1:6379 is left alone): packages are
# installed with policy-rc.d denying service starts.
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

# missing <entries...>: sets missing_pkgs and missing_progs for the program:package entries.
missing() {
	missing_pkgs=()
	missing_progs=()
	local entry prog pkg
	for entry in "$@"; do
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
}

# Do not let package installation start (or restart) any service, in particular a Redis on 6379:
# policy-rc.d exit code 101 means "action forbidden".
policy=/usr/sbin/policy-rc.d
created_policy=0
deny_services() {
	if [[ ! -e $policy ]]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 0755 "$policy"
		created_policy=1
	fi
}
allow_services() {
	if ((created_policy)); then rm -f "$policy"; fi
	created_policy=0
}
trap allow_services EXIT

# can_apt: root with apt-get, or say how to install by hand (what: the packages, how: the hint).
can_apt() {
	if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
		return 0
	fi
	echo "ensure-deps: missing programs: ${missing_progs[*]}" >&2
	echo "ensure-deps: install them as root with: $1" >&2
	exit 1
}

# check_installed: fail when a program is still missing after apt-get install.
check_installed() {
	local still=() prog
	for prog in "${missing_progs[@]}"; do
		command -v "$prog" >/dev/null 2>&1 || still+=("$prog")
	done
	if ((${#still[@]} > 0)); then
		echo "ensure-deps: still missing after apt-get install: ${still[*]}" >&2
		exit 1
	fi
}

missing "${debs[@]}"
if ((${#missing_pkgs[@]} > 0)); then
	can_apt "apt-get update && apt-get install -y ${missing_pkgs[*]}"
	echo "ensure-deps: installing ${missing_pkgs[*]} (missing: ${missing_progs[*]})" >&2
	deny_services
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing_pkgs[@]}" >/dev/null
	allow_services
	check_installed
fi

# Valkey, the engine MemoryDB deploys by default, from the backports suite.
codename=$( (. /etc/os-release && echo "${VERSION_CODENAME:-}") 2>/dev/null || true)
backports=${codename:-bookworm}-backports
backports_file=/etc/apt/sources.list.d/${backports}.sources

# has_backports: some apt source (one-line or deb822) already names the backports suite.
has_backports() {
	grep -rqsE "(^|[[:space:]])${backports}([[:space:]]|$)" /etc/apt/sources.list /etc/apt/sources.list.d/ \
		--include='*.list' --include='*.sources' --include=sources.list
}

# add_backports: a deb822 entry with the URI and keyring of the distribution's own entry.
add_backports() {
	local src=/etc/apt/sources.list.d/debian.sources uri key
	uri=$(awk -v s="$codename" 'BEGIN{RS=""} $0 ~ "Suites:[^\n]*(^|[ ])"s"([ \n]|$)" {
		if (match($0, /URIs:[ ]*[^ \n]+/)) { v=substr($0, RSTART, RLENGTH); sub(/URIs:[ ]*/, "", v); print v; exit } }' \
		"$src" 2>/dev/null || true)
	key=$(awk -v s="$codename" 'BEGIN{RS=""} $0 ~ "Suites:[^\n]*(^|[ ])"s"([ \n]|$)" {
		if (match($0, /Signed-By:[ ]*[^ \n]+/)) { v=substr($0, RSTART, RLENGTH); sub(/Signed-By:[ ]*/, "", v); print v; exit } }' \
		"$src" 2>/dev/null || true)
	uri=${uri:-http://deb.debian.org/debian}
	key=${key:-/usr/share/keyrings/debian-archive-keyring.gpg}
	echo "ensure-deps: adding apt source $backports_file ($uri $backports)" >&2
	printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' \
		"$uri" "$backports" "$key" >"$backports_file"
}

valkey_debs=(
	"valkey-server:valkey-server"
	"valkey-cli:valkey-tools"
	"valkey-benchmark:valkey-tools"
)
missing "${valkey_debs[@]}"
if ((${#missing_pkgs[@]} > 0)); then
	can_apt "add the ${backports} suite to apt's sources, then apt-get update &&
  apt-get install -y -t ${backports} ${missing_pkgs[*]}"
	echo "ensure-deps: installing ${missing_pkgs[*]} from ${backports} (missing: ${missing_progs[*]})" >&2
	has_backports || add_backports
	deny_services
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends -t "$backports" "${missing_pkgs[@]}" >/dev/null
	allow_services
	check_installed
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
valkey_version=$(valkey-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')
echo "ensure-deps: ok: redis-server ${redis_version:-?}, valkey-server ${valkey_version:-?}, redis-cli, valkey-cli, redis-benchmark, openssl, chromium, chromedriver, valgrind, moto_server=$moto, cfn-lint=$cfnlint"
