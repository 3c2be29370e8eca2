#!/bin/sh
# Runs every integration test against the binaries in $KBD_BIN; stops at
# the first failure. TESTS="t_basic t_remove" runs a subset.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
: "${KBD_BIN:?set KBD_BIN to the directory holding kbd and kbctl}"
tests=${TESTS:-$(cd "$here" && ls t_*.sh | sed 's/\.sh$//')}
n=0
for t in $tests; do
	start=$(date +%s)
	bash "$here/$t.sh"
	echo "   ok ($(( $(date +%s) - start )) s)"
	n=$((n + 1))
done
echo "integration: $n tests passed"
