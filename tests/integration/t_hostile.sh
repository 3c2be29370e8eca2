# Inputs meant to hurt, whatever their format: names that are not UTF-8 or
# hold control characters, empty files, content that contradicts its name,
# and files rewritten while kbd reads them. Each is added or fails with a
# reason that says why; kbd keeps running and the KB stays consistent.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in" "$T/moving"
printf 'latin-1 name\n' > "$T/in/caf$(printf '\351').txt"
printf 'control in name\n' > "$T/in/a$(printf '\001')b.txt"
printf 'newline in name\n' > "$T/in/line
break.txt"
: > "$T/in/zero.md"
: > "$T/in/zero.txt"
printf '%%PDF-1.7\n%%\342\343\317\323\n' > "$T/in/pdf-named.txt"
printf 'PK\003\004\024\000\000\000\010\000' > "$T/in/zip-named.md"
printf '\320\317\021\340\241\261\032\341\000\000' > "$T/in/ole-named.rst"
printf 'plain text\n' > "$T/in/no-extension"

kbctl init >/dev/null
set +e
kbctl add "$T/in" --json > "$T/out.json"
st=$?
set -e
assert_eq 1 "$st" "exit status"
jq -e . "$T/out.json" >/dev/null || fail "output does not parse"

field() {
	event_field "$T/out.json" "$1" "$2"
}
# Names: each added under a clean name, none lost.
assert_eq added "$(field "$T/in/a$(printf '\001')b.txt" status)" "control name"
assert_eq a_b "$(field "$T/in/a$(printf '\001')b.txt" doc)" "control name doc"
assert_eq added "$(field "$T/in/line
break.txt" status)" "newline name"
n=$(jq -r 'select(.doc == "caf_") | .status' "$T/out.json")
assert_eq added "$n" "latin-1 name"
assert_eq added "$(field "$T/in/zero.md" status)" "empty Markdown"
# Same (empty) content: the second is a duplicate of the first.
assert_eq duplicate "$(field "$T/in/zero.txt" status)" "empty text"
assert_contains "$(field "$T/in/zero.txt" reason)" "same content as" \
    "empty text reason"
assert_eq added "$(field "$T/in/no-extension" status)" "no extension"
# Content and name disagree: refused, the reason names both.
assert_eq failed "$(field "$T/in/pdf-named.txt" status)" "PDF named .txt"
assert_contains "$(field "$T/in/pdf-named.txt" reason)" \
    "content is a PDF document but the name says .txt" "PDF named .txt"
assert_eq failed "$(field "$T/in/zip-named.md" status)" "zip named .md"
assert_contains "$(field "$T/in/zip-named.md" reason)" "zip container" \
    "zip named .md"
assert_eq failed "$(field "$T/in/ole-named.rst" status)" "OLE named .rst"
assert_contains "$(field "$T/in/ole-named.rst" reason)" "OLE" "OLE named .rst"
# The plain output names the file and the reason on one line.
set +e
kbctl add "$T/in/pdf-named.txt" > "$T/plain.out" 2> "$T/plain.err"
st=$?
set -e
assert_eq 1 "$st" "exit status of the mismatched file's add"
assert_contains "$(cat "$T/plain.err")" \
    "$T/in/pdf-named.txt: content is a PDF document" "one-line error"
lint_clean

# Files rewritten while kbd reads them: each is added as one consistent
# version (its raw copy is what was hashed) or fails as changed.
i=0
while [ $i -lt 40 ]; do
	head -c $((20000 + i * 3000)) /dev/zero | tr '\0' 'x' | fold -w 70 \
	    > "$T/moving/m$i.txt"
	i=$((i + 1))
done
python3 - "$T" <<'PY' &
import os, sys
t = sys.argv[1]
n = 0
while not os.path.exists(t + "/stop-writer"):
    for i in range(40):
        c = "abcdefg"[n % 7]
        # In place, truncated then written: readers can see any prefix.
        with open("%s/moving/m%d.txt" % (t, i), "w") as f:
            f.write("file %d\n\n" % i + (c * 69 + "\n") * (150 + (n % 5) * 100))
    if n == 0:
        open(t + "/writer-running", "w").close()
    n += 1
PY
writer=$!
while [ ! -e "$T/writer-running" ]; do sleep 0.05; done
set +e
kbctl add "$T/moving" --json > "$T/moving.json"
set -e
touch "$T/stop-writer"
wait $writer
jq -e . "$T/moving.json" >/dev/null || fail "moving: output does not parse"
bad=$(jq -r 'select(.path != null) |
    select(.status != "added" and .status != "duplicate" and
    (.status != "failed" or (.reason | test("changed|empty|UTF-8") | not))) |
    "\(.path): \(.status) \(.reason)"' "$T/moving.json")
[ -z "$bad" ] || fail "moving files: $bad"
total=$(jq -r 'select(.path != null) | .path' "$T/moving.json" | wc -l)
assert_eq 40 "$total" "every moving file reported once"
echo "   moving files: $(jq -r 'select(.path != null) | .status' \
    "$T/moving.json" | sort | uniq -c | tr -s ' \n' ' ')"
kill -0 "$(kbd_pid)" || fail "kbd died"
lint_clean
# Every added moving file's raw copy is one whole version: one letter only.
# A loop over no file would prove nothing: each added file is checked, and
# at least one was added (all failing as "changed" fails here).
checked=0
for f in "$KB"/raw/m*.txt; do
	[ -f "$f" ] || continue
	letters=$(tail -n +3 "$f" | tr -d '\n' | fold -w1 | sort -u | wc -l)
	[ "$letters" -le 1 ] || fail "$f mixes versions"
	checked=$((checked + 1))
done
added=$(jq -r 'select(.path != null and .status == "added") | .path' \
    "$T/moving.json" | wc -l)
assert_eq "$added" "$checked" "moving files checked for one version"
[ "$checked" -gt 0 ] || fail "no moving file was added: nothing checked"
