#!/bin/bash
# How the committer makes published files durable: one syncfs on a local
# disk file system or tmpfs, an fsync of each published file elsewhere,
# and KBD_DURABILITY=fsync|syncfs forcing either (kbd(8)). Each mode adds,
# removes and repairs with lint --fix, and the KB stays lint clean.
. "$(dirname "$0")/lib.sh"

mode_of() {
	grep -o 'durability: [^(]*([^)]*)' "$KB/.kb/kbd.log" | tail -n 1
}

exercise() {
	mkdir -p "$T/in.$1"
	for i in 1 2 3; do
		printf '# Doc %s %s\n\nbody %s\n' "$1" "$i" "$i" > "$T/in.$1/d$i.md"
	done
	kbctl add "$T/in.$1" >/dev/null
	assert_eq 3 "$(doc_count)" "documents ($1)"
	kbctl remove "$(kbctl list --json | jq -r '.[0].doc')" >/dev/null
	assert_eq 2 "$(doc_count)" "documents after a remove ($1)"
	rm -f "$KB"/wiki/summaries/*
	kbctl lint --fix >/dev/null || true
	lint_clean
	kbctl stop >/dev/null
}

# The machine's own file system decides.
KB="$T/kb"
kbctl init >/dev/null
case $(stat -f -c %T "$T") in
ext2/ext3|xfs|btrfs|tmpfs)
	assert_eq "durability: syncfs ($(stat -f -c %T "$T" | sed 's|ext2/ext3|ext4|'))" \
	    "$(mode_of)" "mode on $(stat -f -c %T "$T")" ;;
*)
	echo "   ($(mode_of) on $(stat -f -c %T "$T"))" ;;
esac
exercise auto

# Forced per-file fsync, and forced syncfs.
for m in fsync syncfs; do
	KB="$T/kb-$m"
	export KBD_DURABILITY=$m KBD_FAILPOINT_TRACE=1
	kbctl init >/dev/null
	want="fsync per file"
	[ $m = syncfs ] && want=syncfs
	assert_eq "durability: $want (KBD_DURABILITY=$m)" "$(mode_of)" "forced $m"
	exercise $m
	unset KBD_DURABILITY KBD_FAILPOINT_TRACE
	# The points passed say what was done: 3 documents of 3 files each,
	# the 2 summaries lint --fix wrote again, and the 2 index pages (type
	# and folder) of the remove and of each batch of the add: 15 at
	# least, more when the add was cut into more than one batch.
	files=$(grep -c ' publish.fsyncfile$' "$KB/.kb/failpoints.trace" || true)
	syncs=$(grep -c ' publish.syncfs$' "$KB/.kb/failpoints.trace" || true)
	if [ $m = fsync ]; then
		assert_eq 0 "$syncs" "syncfs calls ($m)"
		[ "$files" -ge 15 ] ||
		    fail "per-file fsyncs ($m): $files, want 15 at least"
	else
		assert_eq 0 "$files" "per-file fsyncs ($m)"
		[ "$syncs" -ge 3 ] || fail "syncfs calls ($m): $syncs"
	fi
done

# A bad value is said, and the safe mode used.
KB="$T/kb-bad"
KBD_DURABILITY=sometimes kbctl init >/dev/null
assert_contains "$(cat "$KB/.kb/kbd.log")" \
    "KBD_DURABILITY=sometimes is neither fsync nor syncfs; using fsync per file" \
    "bad KBD_DURABILITY"
kbctl stop >/dev/null
