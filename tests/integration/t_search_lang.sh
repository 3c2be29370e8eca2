# Search (issue 12): words in other forms (Snowball stems in the
# document's language: English, French, German, Spanish, Russian), CJK
# bigrams, tokens as people type them, a document's exact title first,
# exact forms above stems, a quoted phrase exact only; the languages the
# KB has indexed; lint's check of the index.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in"
printf '# Night birds\n\nThe owls were hunting in the forest at night.\n' > "$T/in/owls.md"
printf '# Owl\n\nAn owl is a bird that hunts.\n' > "$T/in/owl.md"
printf '# Chevaux\n\nLes chevaux mangeaient dans les prairies et le village était calme pour les enfants.\n' > "$T/in/fr.md"
printf '# Häuser\n\nDie Kinder spielten nicht in den Häusern, und der Hund ist auch nicht mit ihnen auf der Straße.\n' > "$T/in/de.md"
printf '# Ciudades\n\nLos niños corrían por las ciudades con sus perros y las niñas que juegan para el gato.\n' > "$T/in/es.md"
printf '# Книги\n\nОн читал книги в парке, и она не знала, что он так же любит все его стихи.\n' > "$T/in/ru.md"
printf '# Tokyo\n\n東京は日本の首都です。Tokyo tower.\n' > "$T/in/jp.md"
printf '# Languages\n\nI write c++ and C# on .NET, node.js too, with IPv6 and e-mail, foo_bar and Python 3.11.2.\n' > "$T/in/tok.md"
printf '# C notes\n\nThe c language and its compiler, a simple thing.\n' > "$T/in/c.md"
# A chapter overview that says the words often, and the section titled with them.
printf '# Overview\n\nAsyncio runners, asyncio runners: asyncio runners and more asyncio runners.\n' > "$T/in/overview.md"
printf '# Asyncio runners\n\nHow to run a coroutine.\n' > "$T/in/runners.md"

kbctl init >/dev/null
kbctl add "$T/in" >/dev/null
assert_eq 11 "$(doc_count)" "documents"

# hits Q: the documents search Q returns, in order, space-separated.
hits() {
	kbctl search "$1" --json | jq -r '[.[].doc] | join(" ")'
}

# The first search of a new kbd stems in the KB's languages: they are
# read before the query is compiled into its words' forms.
kbctl stop >/dev/null
assert_eq es "$(hits correr)" "a new kbd's first search: correr finds corrían"

# Forms of words, both ways.
assert_eq "owl owls" "$(hits owl)" "owl finds owls"
assert_eq "owls owl" "$(hits owls)" "owls: the exact form first"
assert_eq "owls owl" "$(hits hunting)" "hunting finds hunts"
assert_eq "owl owls" "$(hits hunt)" "hunt finds hunting"
# Other languages, by the language detected from each document's text.
assert_eq fr "$(hits cheval)" "French: cheval finds chevaux"
assert_eq de "$(hits Haus)" "German: Haus finds Häusern"
assert_eq es "$(hits ciudad)" "Spanish: ciudad finds ciudades"
assert_eq es "$(hits correr)" "Spanish: correr finds corrían"
assert_eq ru "$(hits книга)" "Russian: книга finds книги"
langs=$("$KBD_BIN/kbsql" "$KB/.kb/kb.db" "select value from meta where key = 'languages'")
for l in en fr de es ru; do
	assert_contains ",$langs," ",$l," "languages indexed"
done

# A quoted phrase matches exact forms only.
assert_eq owls "$(hits '"owls were"')" "a phrase"
assert_eq "" "$(hits '"owl were"')" "a phrase is not stemmed"

# CJK: bigrams; a single character finds its bigrams.
assert_eq jp "$(hits 東京)" "東京"
assert_eq jp "$(hits 首都)" "首都"
assert_eq jp "$(hits 日本)" "日本"
assert_eq jp "$(hits 東)" "one character"
assert_eq "" "$(hits 日本語)" "日本語 is not in the text"
assert_eq jp "$(hits tower)" "mixed scripts keep the Latin half"

# Tokens as typed.
assert_eq tok "$(hits 'c++')" "c++ is not c"
assert_eq tok "$(hits 'C#')" "C#"
assert_eq tok "$(hits '.NET')" ".NET"
assert_eq tok "$(hits node.js)" "node.js"
assert_eq tok "$(hits node)" "node, a part of node.js"
assert_eq tok "$(hits IPv6)" "IPv6"
assert_eq tok "$(hits e-mail)" "e-mail"
assert_eq tok "$(hits email)" "email for e-mail"
assert_eq tok "$(hits foo_bar)" "foo_bar"
assert_eq tok "$(hits 3.11.2)" "a version"
assert_eq tok "$(hits 3.11)" "a version's prefix"
assert_contains "$(hits c)" "c" "c alone"

# The exact title first, before a page that repeats its words.
assert_eq "runners overview" "$(hits 'Asyncio runners')" "title first"
assert_eq "owls" "$(hits 'Night birds' | cut -d' ' -f1)" "title first"

# Snippets carry no language marker.
# Snippets carry no language marker, and the match offsets point at the
# word in the plain snippet.
j=$(kbctl search owl --json | jq -c '.[0]')
s=$(echo "$j" | jq -r .snippet)
case "$s" in
*"$(printf '\037')"*) fail "language marker in a snippet: $s" ;;
esac
m=$(echo "$j" | jq -r '.snippet as $t | .matches[0] as $m |
    ($t | explode | .[$m[0]:$m[0] + $m[1]] | implode)')
assert_eq owl "$(echo "$m" | tr 'O' 'o')" "the first match in the snippet"

lint_clean
