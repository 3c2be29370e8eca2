# search: the query language on a real KB (AND, OR, -word, NOT, phrases,
# prefixes, each field), exit statuses 0/1/2 and their messages, --offset
# paging, --files, the JSON shape with match offsets, colour at a terminal
# and NO_COLOR; then 200 searches at once while an add runs, all answered.
. "$(dirname "$0")/lib.sh"

PTY="python3 $(dirname "$0")/pty_run.py"

mkdir -p "$T/in/docs" "$T/in/notes"
printf '# Owls\n\nOwls hunt mice at night. See [Lib/[asyncio]/runners.py].\n' \
    > "$T/in/notes/owls.md"
printf '# Event loop\n\nEvery event loop runs tasks at night.\n' \
    > "$T/in/docs/loop.md"
printf 'C++ notes\n\nTemplates and the event model of c++.\n' \
    > "$T/in/notes/cpp.txt"
printf '# Kestrels\n\nKestrels hover over fields by day.\n' \
    > "$T/in/docs/kestrels.md"
kbctl init >/dev/null
kbctl add "$T/in" >/dev/null
assert_eq 4 "$(doc_count)" "documents"

# docs QUERY...: the names found, sorted, on one line.
docs() {
	kbctl search --files --limit 100 "$@" | sort | tr '\n' ' ' | sed 's/ $//'
}

# The language.
assert_eq "loop owls" "$(docs night)" "a word"
assert_eq "loop" "$(docs event night)" "words are ANDed"
assert_eq "kestrels loop owls" "$(docs night OR kestrels)" "OR"
assert_eq "cpp" "$(docs event -night)" "-word"
assert_eq "cpp" "$(docs event NOT night)" "NOT word"
assert_eq "loop" "$(docs '"event loop"')" "phrase"
expect_status 1 kbctl search '"loop event"'
assert_eq "kestrels" "$(docs 'kestr*')" "prefix"
assert_eq "cpp loop" "$(docs '(loop OR templates) event')" "parentheses"
assert_eq "owls" "$(docs 'title:owls')" "title:"
expect_status 1 kbctl search 'title:mice'
assert_eq "cpp" "$(docs 'type:txt')" "type: alone"
assert_eq "loop owls" "$(docs 'type:md' night)" "type: with a word"
assert_eq "cpp" "$(docs '-type:md' event)" "-type:"
assert_eq "kestrels loop" "$(docs 'path:docs/*')" "path: glob"
assert_eq "owls" "$(docs "path:$T/in/notes/*" night)" "path: absolute glob"
assert_eq "kestrels loop owls" "$(docs 'added:>2000-01-01' '(night OR fields)')" "added:>"
expect_status 1 kbctl search 'added:<2000-01-01' night
assert_eq "loop owls" "$(docs "added:$(date -u +%Y-%m)" night)" "added:YYYY-MM"
# FTS5 syntax is text: no FTS5 message ever reaches the user.
assert_eq "cpp" "$(docs 'c++' templates)" "c++ as typed"
expect_status 1 kbctl search 'NEAR(owls mice)' zzzz

# Exit statuses and messages: 2 and one line pointing at the problem.
qerr() {
	set +e
	"$KBCTL" -C "$KB" search "$@" >"$T/q.out" 2>"$T/q.err"
	st=$?
	set -e
	[ "$st" = 2 ] || fail "search $*: exit $st, expected 2"
	[ ! -s "$T/q.out" ] || fail "search $*: printed $(cat "$T/q.out")"
	assert_eq 1 "$(wc -l < "$T/q.err")" "search $*: one line"
	cat "$T/q.err"
}
assert_eq "kbctl: search: unbalanced quote at column 5" "$(qerr 'foo "bar')" "quote"
assert_eq "kbctl: search: unbalanced parenthesis at column 1" "$(qerr '(a OR b')" "paren"
assert_eq "kbctl: search: OR needs a term on each side at column 3" "$(qerr 'a OR')" "lone OR"
assert_contains "$(qerr -- -owls)" "only exclusions at column 1" "only exclusions"
assert_contains "$(qerr 'foo:bar')" 'unknown field "foo:" at column 1' "unknown field"
assert_contains "$(qerr 'added:2026-13-01')" 'added: bad date "2026-13-01"' "bad date"
assert_eq "kbctl: search: empty query" "$(qerr '  ')" "whitespace only"
assert_contains "$(qerr '!!!')" '"!!!" has no letter or digit' "punctuation only"
assert_contains "$(qerr 'lang:xx' owls)" 'lang: unknown language "xx"' "lang: an unknown code"
for q in 'foo "bar' '(a' 'a OR' '!!!' '  '; do
	set +e
	e=$("$KBCTL" -C "$KB" search "$q" 2>&1 >/dev/null)
	set -e
	case "$e" in *fts5*|*syntax\ error*) fail "an FTS5 message: $e" ;; esac
done
# No hits: exit 1, silent to a pipe, "no matches" at a terminal.
expect_status 1 kbctl search nosuchwordanywhere
assert_eq "" "$(kbctl search nosuchwordanywhere 2>&1 || true)" "no hits to a pipe"
r=$(TERM=xterm $PTY --out "$T/pty-none" --limit 60 --expect "no matches" -- \
    "$KBCTL" -C "$KB" search nosuchwordanywhere)
assert_eq true "$(echo "$r" | jq .expect_seen)" "no matches at a terminal: $(cat "$T/pty-none")"
assert_eq 1 "$(echo "$r" | jq .exit)" "exit at a terminal, no hits"

# Paging: --offset continues where --limit stopped, no overlap.
all=$(kbctl search --files --limit 10 'night OR fields OR event')
assert_eq 4 "$(echo "$all" | wc -l)" "four hits"
p1=$(kbctl search --files --limit 2 'night OR fields OR event')
p2=$(kbctl search --files --limit 2 --offset 2 'night OR fields OR event')
assert_eq "$all" "$p1
$p2" "pages in rank order"
expect_status 1 kbctl search --offset 4 'night OR fields OR event'
assert_eq "$(echo "$all" | sed -n 1p)" "$(kbctl search -l -n 1 'night OR fields OR event')" "-l -n 1"

# JSON: the snippet as plain text, matches as byte offsets into it.
j=$(kbctl search --json owls)
assert_eq 1 "$(echo "$j" | jq length)" "json hits"
assert_eq "owls|Owls|wiki/sources/owls.md|wiki/summaries/owls.md|$T/in/notes/owls.md" \
    "$(echo "$j" | jq -r '.[0] | .doc + "|" + .title + "|" + .source + "|" + .wiki + "|" + .src_path')" \
    "json fields"
assert_eq number "$(echo "$j" | jq -r '.[0].score | type')" "score"
snip=$(echo "$j" | jq -r '.[0].snippet')
case "$snip" in *$'\x01'*|*$'\x02'*) fail "markers in the snippet" ;; esac
assert_contains "$snip" "[Lib/[asyncio]/runners.py]" "brackets of the text kept as text"
# Every match names "owls" (any case) at its offsets; the title's word and the body's.
n=$(echo "$j" | jq '.[0].matches | length')
[ "$n" -ge 2 ] || fail "matches: $(echo "$j" | jq -c '.[0].matches')"
python3 - "$j" <<'PY' || fail "match offsets do not point at the word"
import json, sys
h = json.loads(sys.argv[1])[0]
b = h["snippet"].encode()
words = [b[s:s + n].decode().lower() for s, n in h["matches"]]
assert words and all(w == "owls" for w in words), words
PY

# Colour: --color=always highlights the match; never brackets it.
out=$(kbctl search --color=always mice)
assert_contains "$out" $'\033[01;31mmice\033[0m' "highlighted match"
out=$(kbctl search mice)
case "$out" in *$'\033'*) fail "colour to a pipe" ;; esac
assert_contains "$out" "Owls hunt mice at night" "plain snippet, no markers"
r=$(TERM=xterm $PTY --out "$T/pty-col" --limit 60 --expect "night" -- \
    "$KBCTL" -C "$KB" search mice)
grep -q $'\033\[01;31mmice' "$T/pty-col" || fail "no colour at a terminal: $(cat -v "$T/pty-col")"
r=$(NO_COLOR=1 TERM=xterm $PTY --out "$T/pty-nocol" --limit 60 --expect "night" -- \
    "$KBCTL" -C "$KB" search mice)
assert_eq 0 "$(echo "$r" | jq .exit)" "exit with NO_COLOR"
grep -q 'mice' "$T/pty-nocol" || fail "NO_COLOR: no output"
if grep -q $'\033\[01;31m' "$T/pty-nocol"; then fail "colour despite NO_COLOR"; fi

# Clients that go away while their query runs: 100 send a search and
# close at once (the reply finds no client and is dropped), 100 more take
# their places (control.c reuses their slots) with another query, fill
# every slot and wait: each gets the reply to its own query; kbd stays up.
pid=$(kbd_pid)
python3 - "$KB" "$(dirname "$0")/../../scripts" <<'PY' || fail "clients that leave"
import socket, sys
sys.path.insert(0, sys.argv[2])
import searchbench as sb
path = sb.sock_path(sys.argv[1])
def client():
    c = sb.Conn(path)
    c.s.sendall(sb.hello())
    c.recv_one()
    return c
ref = client()
ref.s.sendall(sb.search_req("mice", 1000))
want = ref.recv_one()
assert sb.rep_ok(*want), want[0]
ref.s.close()
for rounds in range(2):
    socks = []
    for i in range(100):
        c = client()
        c.s.sendall(sb.search_req("night OR event OR fields" if rounds == 0
                                  else "mice", 1000))
        socks.append(c)
    if rounds == 0:
        for c in socks:
            c.s.close()
    else:
        for c in socks:
            got = c.recv_one()
            assert got == want, (got, want)
            c.s.close()
# A client stays watched while its request is served (control.c): two
# requests sent at once are answered in order, each its own; one that
# sends a request and closes its side still gets the answer.
c = client()
c.s.sendall(sb.search_req("night OR event OR fields", 1000) +
            sb.search_req("mice", 1000) + sb.search_req("mice", 1000))
first = c.recv_one()
assert sb.rep_ok(*first) and first != want, first
assert c.recv_one() == want
assert c.recv_one() == want
c.s.close()
c = client()
c.s.sendall(sb.search_req("mice", 1000))
c.s.shutdown(socket.SHUT_WR)
assert c.recv_one() == want
c.s.close()
# Two requests, then its end: both answered, in order, then kbd closes.
c = client()
c.s.sendall(sb.search_req("night OR event OR fields", 1000) +
            sb.search_req("mice", 1000))
c.s.shutdown(socket.SHUT_WR)
assert c.recv_one() == first
assert c.recv_one() == want
c.s.settimeout(30)
assert c.s.recv(1) == b"", "kbd keeps a client that has ended"
c.s.close()
PY
assert_eq "$pid" "$(kbd_pid)" "kbd still up"
assert_eq "owls" "$(docs mice)" "a search after clients left"

# By default every reader runs at nice 0 (the job's workers yield
# instead): all of kbd's threads at 0.
nices=$(for t in /proc/"$(kbd_pid)"/task/*/stat; do awk '{print $19}' "$t"; done | sort -u | tr '\n' ' ')
assert_eq "0 " "$nices" "kbd's threads' nice values by default"
# A fleet at once: 200 searches while an add runs, each answered right,
# with the background pool lowered (KBD_SEARCH_NICE) to see the two pools.
kbctl stop >/dev/null
KBD_SEARCH_NICE=10 kbctl status >/dev/null
make_corpus "$T/big" 1500
job=$(kbctl add --no-wait --json "$T/big" | jq .job)
mkdir -p "$T/fleet"
for i in $(seq 1 200); do
	case $((i % 4)) in
	0) q='mice' ;;
	1) q='event -night' ;;
	2) q='kestr* fields' ;;
	3) q='nosuchwordanywhere' ;;
	esac
	( set +e; "$KBCTL" -C "$KB" search --files "$q" > "$T/fleet/$i.out" 2>"$T/fleet/$i.err"
	  echo $? > "$T/fleet/$i.rc" ) &
done
wait
# Two pools of readers (supervisor/search.c): the background one, which
# takes the searches sent while a job runs, at KBD_SEARCH_NICE's 10, the
# other (and the loop's thread) at 0.
nices=$(for t in /proc/"$(kbd_pid)"/task/*/stat; do awk '{print $19}' "$t"; done | sort | uniq -c | awk '{print $2 ":" $1}' | tr '\n' ' ')
case "$nices" in
"0:"*" 10:"*) ;;
*) fail "reader threads' nice values: $nices" ;;
esac
fg=$(echo "$nices" | sed 's/^0:\([0-9]*\) .*/\1/')
bg=$(echo "$nices" | sed 's/.* 10:\([0-9]*\) *$/\1/')
# Twice as many in the background pool, at most 8 (the loop's thread is
# one of the nice-0 threads).
want=$((2 * (fg - 1)))
[ "$want" -le 8 ] || want=8
assert_eq "$want" "$bg" "twice as many background readers as foreground ones ($nices)"
kbctl wait "$job" >/dev/null || true
for i in $(seq 1 200); do
	rc=$(cat "$T/fleet/$i.rc")
	case $((i % 4)) in
	0) want=owls; wrc=0 ;;
	1) want=cpp; wrc=0 ;;
	2) want=kestrels; wrc=0 ;;
	3) want=; wrc=1 ;;
	esac
	assert_eq "$wrc" "$rc" "search $i exit ($(cat "$T/fleet/$i.err"))"
	assert_eq "$want" "$(cat "$T/fleet/$i.out")" "search $i output"
	[ ! -s "$T/fleet/$i.err" ] || fail "search $i: $(cat "$T/fleet/$i.err")"
done

# The best hits kept (dbreadsearch.c's heap of offset + limit rows): over
# 750 matches, pages of 7 at every offset are the full list's, which is
# best first (scores never better further down; ties by document age).
q='note OR topic3 OR topic5'
all=$(kbctl search --files --limit 300 "$q")
assert_eq 300 "$(echo "$all" | wc -l)" "300 of the matches"
pages=$(for off in $(seq 0 7 299); do kbctl search --files --limit 7 --offset "$off" "$q"; done | head -300)
assert_eq "$all" "$pages" "pages of 7 are the full list's"
# Scores as bm25()'s: lower is better, so the list ascends.
scores=$(kbctl search --json --limit 300 "$q" | jq -r '[.[].score] | . == sort')
assert_eq true "$scores" "hits in score order"
lint_clean

# A full-text row whose body is gone (NULL, written outside kbd): the
# hit is still found, with no snippet, and the search does not fail.
"$KBD_BIN/kbsql" "$KB/.kb/kb.db" "UPDATE fts_content SET c3 = NULL WHERE id = (SELECT id FROM documents WHERE name = 'kestrels')" >/dev/null
r=$(kbctl search --json kestrels)
assert_eq kestrels "$(echo "$r" | jq -r '.[0].doc')" "a hit without its body"
assert_eq '' "$(echo "$r" | jq -r '.[0].snippet')" "no snippet without a body"
