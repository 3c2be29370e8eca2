#!/bin/sh
# One libFuzzer harness for a while (make fuzz-run runs them side by side):
# scripts/fuzz-one.sh HARNESS OUTDIR SECONDS. Its seeds are
# tests/fuzz/seeds/NAME (if any) and the corpus it grew before
# (OUTDIR/corpus/NAME); its log OUTDIR/NAME.log, a crash's input
# OUTDIR/NAME-crash-*. Prints its lines whole at the end, so that harnesses
# run at once do not interleave; writes OUTDIR/NAME.ok when it passed.
set -u
f=$1 o=$2 secs=$3
n=$(basename "$f")
rm -f "$o/$n.ok"
mkdir -p "$o/corpus/$n"
seeds=
[ -d "tests/fuzz/seeds/$n" ] && seeds="tests/fuzz/seeds/$n"
# shellcheck disable=SC2086 # seeds is one path or nothing
if "$f" -max_total_time="$secs" -rss_limit_mb=2048 -max_len=1048576 \
    -print_final_stats=0 -artifact_prefix="$o/$n-" "$o/corpus/$n" $seeds \
    2>"$o/$n.log"; then
	line=$(grep -E "^#[0-9]+.*DONE" "$o/$n.log" || tail -n 1 "$o/$n.log")
	printf '== %s (%s s)\n%s\n' "$n" "$secs" "$line"
	: > "$o/$n.ok"
else
	printf '== %s (%s s): FAILED\n%s\n' "$n" "$secs" "$(tail -n 40 "$o/$n.log")"
	exit 1
fi
