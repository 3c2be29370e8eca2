#!/bin/sh
# Installs kbd's build and test dependencies from Debian's packages when any
# is missing. The Makefile calls this before building; it is a no-op on a
# machine that already has everything, so it costs one dpkg query per build.
set -eu

PKGS="build-essential pkg-config libevent-dev libprotobuf-c-dev protobuf-c-compiler \
libsqlite3-dev libmd4c-dev libcmocka-dev libseccomp-dev libssl-dev libmd-dev mandoc \
python3.11-doc \
strace procps jq python3 sqlite3 bc libxml2-dev libarchive-dev libmupdf-dev clang \
libclang-rt-14-dev groff \
libmujs-dev libgumbo-dev libopenjp2-7-dev libjbig2dec0-dev libharfbuzz-dev \
libjansson-dev nodejs libuchardet-dev libicu-dev libstemmer-dev \
w3m poppler-utils"
# For make bench only (scripts/deps.sh bench): the DocBook sites the
# fidelity figures are measured on, and valgrind, whose callgrind counts
# the committer's instructions (scripts/instrbench.py).
[ "${1:-}" = bench ] && PKGS="$PKGS debian-handbook debian-reference-en valgrind"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
# npm (kbctl mcp's test installs the official MCP client with it): Debian's
# nodejs comes without it, NodeSource's nodejs bundles it and conflicts with
# Debian's npm package; ask for the package only when the command is absent.
command -v npm >/dev/null 2>&1 || missing="$missing npm"

[ -z "$missing" ] && exit 0

echo "deps.sh: installing:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >&2
