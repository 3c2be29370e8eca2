#!/bin/sh
# LazyFS for the tests and drills (a FUSE file system that keeps writes in
# its own cache until fsync, and refuses Unix sockets).
#
#   lazyfs.sh find     print the path of a built LazyFS: $LAZYFS, lazyfs on
#                      the PATH, or build/lazyfs (from `lazyfs.sh build`);
#                      else say why not on stderr and exit 1
#   lazyfs.sh build    the same, building it into build/lazyfs first when
#                      missing (minutes, once) from the sources at
#                      $LAZYFS_SRC, else ../shared/tools/lazyfs beside the
#                      repository; exit 3 with the reason when neither is
#                      there, 1 when the build fails
#
# The integration suite and the drills only find it; `make lazyfs` (the
# first step of make check) and `make drills-full` build it when the
# sources are there.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cached="$top/build/lazyfs/src/lazyfs/build/lazyfs"

find_exe() {
	for x in "${LAZYFS:-}" "$(command -v lazyfs 2>/dev/null || true)" \
	    "$cached"; do
		if [ -n "$x" ] && [ -f "$x" ] && [ -x "$x" ]; then
			echo "$x"
			return 0
		fi
	done
	return 1
}

src_dir() {
	for x in "${LAZYFS_SRC:-}" "$top/../shared/tools/lazyfs"; do
		if [ -n "$x" ] && [ -x "$x/build.sh" ]; then
			(cd "$x" && pwd)
			return 0
		fi
	done
	return 1
}

case "${1:-}" in
find)
	find_exe && exit 0
	if s=$(src_dir); then
		echo "LazyFS not built (scripts/lazyfs.sh build builds it from $s)" >&2
	else
		echo "LazyFS not built and no sources (\$LAZYFS_SRC unset, no ../shared/tools/lazyfs)" >&2
	fi
	exit 1 ;;
build)
	find_exe && exit 0
	if ! s=$(src_dir); then
		echo "no LazyFS sources (\$LAZYFS_SRC unset, no ../shared/tools/lazyfs)" >&2
		exit 3
	fi
	# build.sh installs the Debian packages it lists, but LazyFS also
	# includes toml.hpp (libtoml11-dev), which it does not list.
	if ! dpkg-query -W -f='${Status}' libtoml11-dev 2>/dev/null |
	    grep -q "ok installed"; then
		sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
		$sudo apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
		    libtoml11-dev >&2
	fi
	mkdir -p "$top/build"
	sh "$s/build.sh" "$top/build/lazyfs" >"$top/build/lazyfs.log" 2>&1 || {
		echo "LazyFS build failed: see build/lazyfs.log" >&2
		exit 1
	}
	find_exe ;;
*)
	echo "usage: lazyfs.sh find|build" >&2
	exit 2 ;;
esac
