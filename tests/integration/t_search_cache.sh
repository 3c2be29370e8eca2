# Searches for a fleet (docs/architecture.md, "Searches for a fleet"):
# the IDFs a reader connection keeps for its recent queries follow the
# registry (scores after an add are those a freshly started kbd gives);
# the conversion workers run under SCHED_BATCH unless KBD_WORKER_SCHED
# says normal, at KBD_WORKER_NICE.
. "$(dirname "$0")/lib.sh"

# One reader a pool: the searches before and after the add run on the
# same connection, so the second would find the first's cached IDFs.
export KBD_SEARCH_THREADS=1

scores() {
	kbctl search --json zebra | python3 -c '
import json, sys
print(" ".join("%s=%.6f" % (h["doc"], h["score"]) for h in json.load(sys.stdin)))'
}

mkdir -p "$T/a" "$T/b"
printf 'zebra apple\n' > "$T/a/one.txt"
printf 'zebra zebra banana cherry\n' > "$T/a/two.txt"
for i in 1 2 3 4 5 6 7 8; do
	printf 'plain words number %s here\n' "$i" > "$T/a/p$i.txt"
done
# More documents without zebra: its IDF and the average length change.
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	printf 'other longer text about nothing in particular %s\n' "$i" > "$T/b/q$i.txt"
done

kbctl init >/dev/null
kbctl add "$T/a" >/dev/null
before=$(scores)
assert_eq "$before" "$(scores)" "the same query twice (the second from the cache)"
kbctl add "$T/b" >/dev/null
after=$(scores)
[ "$after" != "$before" ] || fail "scores unchanged by an add that changes zebra's IDF: $after"
kbctl stop >/dev/null
assert_eq "$after" "$(scores)" "scores after the add, against a fresh kbd"

# The workers' scheduling policy (/proc/PID/stat field 41: 3 is
# SCHED_BATCH, 0 SCHED_OTHER) and nice value (field 19), seen on a worker
# while an add runs (a worker sets them once started, before its sandbox).
wn=0
worker_sched_is() {	# "policy nice" env...
	want=$1
	shift
	wn=$((wn + 1))
	kbctl stop >/dev/null
	make_corpus "$T/c$wn" 400
	env "$@" "$KBCTL" -C "$KB" status >/dev/null
	kbctl add "$T/c$wn" --jobs 2 >/dev/null &
	addpid=$!
	seen=
	for i in $(seq 1 400); do
		for p in $(child_pids worker); do
			v=$(awk '{print $41, $19}' "/proc/$p/stat" 2>/dev/null) || continue
			[ "$v" = "$want" ] && seen=1
		done
		[ -z "$seen" ] || break
		sleep 0.05
	done
	wait "$addpid" || fail "add of $T/c$wn"
	[ -n "$seen" ] || fail "no worker with policy and nice \"$want\" ($*)"
}
# By default SCHED_BATCH at nice 5: searches first, the add keeps going.
worker_sched_is "3 5" KBD_WORKER_SCHED=batch
worker_sched_is "0 5" KBD_WORKER_SCHED=normal
worker_sched_is "3 0" KBD_WORKER_NICE=0
worker_sched_is "3 10" KBD_WORKER_NICE=10
lint_clean
