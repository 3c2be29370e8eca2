# index_groups (schema 15): each index group's document count (a type, a
# folder), kept by the registry's statements that change documents, is
# what index.md and the group pages read. Through adds, updates, moves, a type change and removes it
# equals the count over the documents and holds no empty group; lint
# finds a wrong count and lint --fix rebuilds it; a schema-14 KB gets the
# table on its first start.
. "$(dirname "$0")/lib.sh"

KBSQL="$KBD_BIN/kbsql"
sql() { "$KBSQL" "$KB/.kb/kb.db" "$1"; }

# The groups as the table keeps them, and as the documents count them.
kept() {
	sql "select folder || ' ' || value || ' ' || n from index_groups
	    order by folder, value"
}
counted() {
	sql "select * from (select '0 ' || ext || ' ' || count(*) from documents
	    group by ext order by ext)
	    union all select * from (select '1 ' || f || ' ' || count(*) from
	    (select rtrim(src_path, replace(src_path, '/', '')) as f
	    from documents) group by f order by f)"
}
check_groups() {
	assert_eq "$(counted)" "$(kept)" "index_groups after $1"
	assert_eq 0 "$(sql 'select count(*) from index_groups where n <= 0')" \
	    "no empty group after $1"
	lint_clean
}

mkdir -p "$T/src/a" "$T/src/b"
for i in 1 2 3; do
	printf '# Alpha %s\n\nalpha text %s\n' "$i" "$i" > "$T/src/a/a$i.md"
	printf 'beta text %s\n' "$i" > "$T/src/b/b$i.txt"
done
kbctl init >/dev/null
kbctl add "$T/src" >/dev/null
assert_eq "0 md 3
0 txt 3
1 $T/src/a/ 3
1 $T/src/b/ 3" "$(kept)" "the groups of a first add"
check_groups "an add"

# An update in place: the same groups.
printf '# Alpha 1\n\nalpha text changed\n' > "$T/src/a/a1.md"
kbctl sync "$T/src" >/dev/null
check_groups "an update"

# A move to the other folder: a folder loses what the other gains.
mv "$T/src/a/a2.md" "$T/src/b/a2.md"
kbctl sync "$T/src" >/dev/null
assert_eq "2" "$(sql "select n from index_groups where folder = 1 and value = '$T/src/a/'")" "folder a after the move"
check_groups "a move"

# The same content under another type, its old path gone: a move that
# changes the document's type is counted under its new one.
mv "$T/src/b/b1.txt" "$T/src/b/b1.md"
kbctl sync "$T/src" >/dev/null
check_groups "a change of type"

# One batch of new files whose types and folders alternate, with a move
# among them: a batch counts its new documents a run of one type or
# folder at a time (db_groups_hold), and a loss between them is written
# behind the gains before it.
mkdir -p "$T/src/c/d"
for i in 1 2 3 4; do
	printf '# Gamma %s\n\ngamma text %s\n' "$i" "$i" > "$T/src/c/c$i.md"
	printf 'delta text %s\n' "$i" > "$T/src/c/c$i.txt"
	printf 'epsilon text %s\n' "$i" > "$T/src/c/d/e$i.txt"
done
mv "$T/src/a/a3.md" "$T/src/c/a3.md"
kbctl sync "$T/src" >/dev/null
assert_eq "9" "$(sql "select n from index_groups where folder = 1 and value = '$T/src/c/'")" "folder c after a mixed batch"
assert_eq "4" "$(sql "select n from index_groups where folder = 1 and value = '$T/src/c/d/'")" "folder c/d after a mixed batch"
check_groups "a batch of mixed types and folders"

# Removes, down to an empty folder: its group goes.
kbctl remove --path "$T/src/a" >/dev/null
assert_eq 0 "$(sql "select count(*) from index_groups where value = '$T/src/a/'")" "the emptied folder's group"
check_groups "a remove"

# A count that differs (a damaged registry) is found and rebuilt.
kbctl stop >/dev/null
sql "update index_groups set n = n + 5 where folder = 0;
    insert into index_groups values (1, '/nowhere/', 2)"
set +e
"$KBCTL" -C "$KB" lint > "$T/lint.out" 2>&1
st=$?
set -e
assert_eq 1 "$st" "lint of wrong counts"
assert_contains "$(cat "$T/lint.out")" ".kb/kb.db: index group count differs from the documents: folder /nowhere/; run kbctl lint --fix" "lint names the group"
# One hint a line, even where the committer's wording has it.
[ "$(grep -c 'lint --fix; run kbctl lint --fix' "$T/lint.out")" = 0 ] ||
    fail "a hint twice: $(cat "$T/lint.out")"
kbctl lint --fix > "$T/fix.out"
assert_contains "$(cat "$T/fix.out")" "index group counts rebuilt from the documents" "lint --fix"
check_groups "lint --fix"

# A schema-14 KB (no index_groups) gets the table and its counts on the
# first start, in its migration step.
kbctl stop >/dev/null
sql "drop table index_groups;
    update meta set value = '14' where key = 'schema'"
kbctl status >/dev/null
assert_eq "$SCHEMA" "$(sql "select value from meta where key = 'schema'")" "schema after the upgrade"
grep -q "schema 14 migrated to 15" "$KB/.kb/kbd.log" || fail "no log line: schema 14 migrated to 15"
check_groups "the upgrade"
kbctl add "$T/src" >/dev/null
printf 'gamma\n' > "$T/src/b/g.txt"
kbctl add "$T/src" >/dev/null
check_groups "an add after the upgrade"
