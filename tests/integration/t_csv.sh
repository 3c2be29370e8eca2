# CSV files: each becomes one Markdown table with the first record as its
# header, whatever the delimiter; broken ones fail with their reason.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in"
printf 'city,country,population\r\nOslo,Norway,709037\r\n"Zurich, ZH","Switzerland",421878\r\n"St. ""John\047s""","Antigua\r\nand Barbuda",22219\r\n' \
    > "$T/in/cities.csv"
printf 'sku;label;price\nA1;zzwidget;"1,50"\nB2;gadget\n' > "$T/in/prices.csv"
printf 'a,b\n1,"never closed\n2,3\n' > "$T/in/unbalanced.csv"
printf 'name,note\ncaf\351,latin-1\n' > "$T/in/latin1.csv"
: > "$T/in/empty.csv"

kbctl init >/dev/null
set +e
kbctl add "$T/in" --json > "$T/add.json"
st=$?
set -e
assert_eq 1 "$st" "exit status with failed inputs"
status_of() {
	event_field "$T/add.json" "$T/in/$1" status
}
reason_of() {
	event_field "$T/add.json" "$T/in/$1" reason
}
assert_eq added "$(status_of cities.csv)" "cities.csv"
assert_eq added "$(status_of prices.csv)" "prices.csv"
assert_eq added "$(status_of empty.csv)" "empty.csv"
assert_eq failed "$(status_of unbalanced.csv)" "unbalanced quote"
assert_eq "CSV quoted field opened on line 2 is never closed" \
    "$(reason_of unbalanced.csv)" "unbalanced quote reason"
# Not UTF-8: read as Windows-1252 (docs/converters.md, "Charsets").
assert_eq added "$(status_of latin1.csv)" "Latin-1 CSV"
assert_contains "$(cat "$KB/wiki/sources/latin1.md")" "| café | latin-1 |" \
    "Latin-1 CSV transcoded"
assert_contains "$(cat "$KB/wiki/sources/latin1.md")" \
    "<!-- kbd: read as windows-1252 -->" "Latin-1 CSV charset"

src="$KB/wiki/sources"
cat > "$T/want.md" <<'MD'
3 rows, 3 columns: city, country, population.

| city | country | population |
| --- | --- | --- |
| Oslo | Norway | 709037 |
| Zurich, ZH | Switzerland | 421878 |
| St. "John's" | Antigua and Barbuda | 22219 |
MD
diff -u "$T/want.md" "$src/cities.md" || fail "cities.md is not the table"
grep -qx '| A1 | zzwidget | 1,50 |' "$src/prices.md" || fail "; delimiter"
grep -qx '| B2 | gadget |  |' "$src/prices.md" || fail "ragged row padded"
# The name is the title; the size line is the description.
assert_eq cities "$(kbctl list --json | jq -r '.[] | select(.doc == "cities") | .title')" "title"
grep -qx '3 rows, 3 columns: city, country, population.' \
    "$KB/wiki/summaries/cities.md" || fail "description"
assert_eq prices "$(kbctl search zzwidget --json | jq -r '.[0].doc')" "search"
alive "$(kbd_pid)" || fail "kbd died"
lint_clean
