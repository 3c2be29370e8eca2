/*
 * The languages the index knows (Snowball's, by ISO 639-1 code), the
 * language of a text guessed from its stop words, and the Markdown
 * headings the index gives a column of their own.
 *
 * Detection is cheap on purpose: count, over the first 16 KiB, the words
 * that are among the most frequent function words of each language; the
 * language with the most wins when it is clearly ahead.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "lang.h"
#include "util.h"
#include "xmalloc.h"

struct lang {
	const char	*code;		/* ISO 639-1 */
	const char	*name;		/* Snowball's algorithm */
	const char	*stop;		/* space-separated, lower case */
};

/* Index order is stored nowhere: only codes are (markers, meta). */
static const struct lang langs[] = {
	{ "en", "english", "the and of to in is that it for was with as on be "
	    "are this by not or have from which but were has an" },
	{ "fr", "french", "le la les et des est une dans que pour qui pas "
	    "sur au avec ce sont du il elle nous vous aux" },
	{ "de", "german", "der die und das ist nicht ein eine zu den mit "
	    "sich des auf für im dem auch wird werden oder" },
	{ "es", "spanish", "el los las del que por una con para como pero "
	    "más sus está son al se lo muy también hay" },
	{ "it", "italian", "il della che di non per una sono del con gli "
	    "alla nel anche come più dei delle questo è" },
	{ "pt", "portuguese", "não uma com para os das dos que por mais "
	    "como ao pelo seu você são também pela está" },
	{ "nl", "dutch", "het een van en dat niet is op te zijn met voor "
	    "ook aan er maar wordt worden naar bij" },
	{ "sv", "swedish", "och att det som är på för med inte av till har "
	    "jag kan eller om ett" },
	{ "da", "danish", "og at det som er på for med ikke af til har jeg "
	    "kan eller om et være" },
	{ "no", "norwegian", "og det som er på for med ikke av til har jeg "
	    "kan eller om et være ble" },
	{ "fi", "finnish", "ja on ei se että oli kun mutta ovat tai hän joka "
	    "myös niin kuin voi" },
	{ "ru", "russian", "и в не на что с по это как он к но из у за от для "
	    "она так же то все его" },
	{ "hu", "hungarian", "a az és hogy nem egy is meg van volt ezt csak "
	    "mint már vagy még" },
	{ "ro", "romanian", "și în la cu pe nu care este un o mai din pentru "
	    "sau fost sunt" },
	{ "tr", "turkish", "ve bir bu da için ile çok daha olarak gibi ama "
	    "olan kadar sonra" },
	{ "el", "greek", "και το η του της τα να με που στο είναι για από "
	    "δεν οι στην" },
	{ "ca", "catalan", "i els amb per una és són més pel dels al seu" },
	{ "id", "indonesian", "dan yang di ini itu dengan untuk tidak dari "
	    "dalam akan pada" },
	{ "eu", "basque", NULL }, { "ga", "irish", NULL },
	{ "lt", "lithuanian", NULL }, { "sr", "serbian", NULL },
	{ "ar", "arabic", NULL }, { "hy", "armenian", NULL },
	{ "hi", "hindi", NULL }, { "ne", "nepali", NULL },
	{ "ta", "tamil", NULL }, { "yi", "yiddish", NULL },
};
#define NLANGS	((int)(sizeof(langs) / sizeof(langs[0])))

static _Atomic uint32_t	query_langs = 1;
static _Atomic int	default_lang;	/* tok_doc_lang's last resort */

int
tok_nlangs(void)
{
	return NLANGS;
}

int
tok_lang_by_code(const char *code)
{
	int	i;

	for (i = 0; i < NLANGS; i++)
		if (strcmp(langs[i].code, code) == 0 ||
		    strcmp(langs[i].name, code) == 0)
			return i;
	return -1;
}

const char *
tok_lang_code(int lang)
{
	return lang >= 0 && lang < NLANGS ? langs[lang].code : NULL;
}

const char *
tok_lang_name(int lang)
{
	return lang >= 0 && lang < NLANGS ? langs[lang].name : NULL;
}

void
tok_set_query_langs(uint32_t mask)
{
	atomic_store(&query_langs, mask != 0 ? mask : 1);
}

uint32_t
tok_query_langs(void)
{
	return atomic_load(&query_langs);
}

/*
 * Every stop word with the languages it belongs to, sorted, built once:
 * detection looks each word of a text up in it.
 */
struct stopword {
	char		 w[24];
	uint32_t	 langs;
};
static struct stopword	 stops[NLANGS * 32];
static size_t		 nstops;
static pthread_once_t	 stops_once = PTHREAD_ONCE_INIT;
/*
 * And by hash, 1 + the index in stops (0: empty): every word of every
 * document is looked up, and a binary search's strcmp calls were a tenth
 * of a convert worker's time on small files.
 */
#define STOP_HASH	4096
_Static_assert(sizeof(stops) / sizeof(stops[0]) * 2 <= STOP_HASH,
    "STOP_HASH: at most half full");
static uint16_t		 stop_slot[STOP_HASH];

static int
stop_cmp(const void *a, const void *b)
{
	return strcmp(((const struct stopword *)a)->w,
	    ((const struct stopword *)b)->w);
}

static void
stops_build(void)
{
	const char	*p, *e;
	size_t		 n, i, k;
	int		 l;

	for (l = 0; l < NLANGS; l++) {
		for (p = langs[l].stop; p != NULL && *p != '\0'; p = e) {
			if ((e = strchr(p, ' ')) == NULL)
				e = p + strlen(p);
			n = (size_t)(e - p);
			if (n > 0 && n < sizeof(stops[0].w) &&
			    nstops < sizeof(stops) / sizeof(stops[0])) {
				memcpy(stops[nstops].w, p, n);
				stops[nstops].w[n] = '\0';
				stops[nstops++].langs = 1u << l;
			}
			if (*e == ' ')
				e++;
		}
	}
	qsort(stops, nstops, sizeof(stops[0]), stop_cmp);
	/* One entry a word: "de" is French, Spanish, Dutch... */
	for (i = 0, k = 0; i < nstops; i++) {
		if (k > 0 && strcmp(stops[k - 1].w, stops[i].w) == 0)
			stops[k - 1].langs |= stops[i].langs;
		else
			stops[k++] = stops[i];
	}
	nstops = k;
	for (i = 0; i < nstops; i++) {
		for (k = hash_fnv1a(stops[i].w) & (STOP_HASH - 1);
		    stop_slot[k] != 0; k = (k + 1) & (STOP_HASH - 1))
			;
		stop_slot[k] = (uint16_t)(i + 1);
	}
}

/* The stop word w (NUL-terminated, h its hash_fnv1a), or NULL. */
static const struct stopword *
stop_find(const char *w, uint32_t h)
{
	size_t	k;

	for (k = h & (STOP_HASH - 1); stop_slot[k] != 0;
	    k = (k + 1) & (STOP_HASH - 1))
		if (strcmp(stops[stop_slot[k] - 1].w, w) == 0)
			return &stops[stop_slot[k] - 1];
	return NULL;
}

uint32_t
tok_langs_parse(const char *list)
{
	char		 code[3];
	uint32_t	 mask = 0;
	int		 l;

	while (list[0] != '\0' && list[1] != '\0') {
		code[0] = list[0];
		code[1] = list[1];
		code[2] = '\0';
		if ((l = tok_lang_by_code(code)) >= 0 && l < 32)
			mask |= 1u << l;
		list += 2;
		if (*list != ',')
			break;
		list++;
	}
	return mask;
}

int
tok_detect_lang(const char *text, size_t len)
{
	const struct stopword *hit;
	char		 key[sizeof(stops[0].w)];
	unsigned	 count[NLANGS];
	unsigned char	 c;
	size_t		 i = 0, n;
	uint32_t	 h;
	int		 l, best = -1, second = -1;

	(void)pthread_once(&stops_once, stops_build);
	memset(count, 0, sizeof(count));
	/* Enough evidence, at a bounded cost per document. */
	if (len > 16384)
		len = 16384;
	while (i < len) {
		c = (unsigned char)text[i];
		/* Neither a letter nor a span's start: no word, skip it. */
		if (c < 0x80 && !((c | 0x20) >= 'a' && (c | 0x20) <= 'z') &&
		    c != ']' && c != '`') {
			i++;
			continue;
		}
		/*
		 * Not the words of a link's target or of code: a page of
		 * links to os.path and de.md is no Portuguese. To the end of
		 * the span, or of its line when it has none.
		 */
		if ((text[i] == ']' && i + 1 < len && text[i + 1] == '(') ||
		    text[i] == '`') {
			c = text[i] == '`' ? '`' : ')';
			for (i += c == ')' ? 2 : 1; i < len && text[i] != c &&
			    text[i] != '\n'; i++)
				;
			i++;
			continue;
		}
		/* A word: ASCII letters or any non-ASCII byte. */
		n = 0;
		h = 2166136261u;	/* hash_fnv1a's, as it goes */
		while (i < len) {
			c = (unsigned char)text[i];
			if (c < 0x80 && !((c | 0x20) >= 'a' &&
			    (c | 0x20) <= 'z'))
				break;
			if (c >= 'A' && c <= 'Z')
				c |= 0x20;
			if (n < sizeof(key) - 1) {
				key[n] = (char)c;
				h = (h ^ c) * 16777619u;
			}
			n++;
			i++;
		}
		if (n == 0) {
			i++;
			continue;
		}
		if (n >= sizeof(key) - 1)
			continue;
		key[n] = '\0';
		if ((hit = stop_find(key, h)) == NULL)
			continue;
		for (l = 0; l < NLANGS; l++)
			if (hit->langs & (1u << l))
				count[l]++;
	}
	for (l = 0; l < NLANGS; l++) {
		if (best == -1 || count[l] > count[best]) {
			second = best;
			best = l;
		} else if (second == -1 || count[l] > count[second])
			second = l;
	}
	/* Clearly ahead: enough evidence and a quarter more than the next. */
	if (best == -1 || count[best] < 4 ||
	    (second != -1 && count[best] * 4 < count[second] * 5))
		return -1;
	return best;
}

/*
 * The language of a document: its YAML front matter's "lang:" or
 * "language:" when it has one, else its stop words, else the default
 * (kbd.conf's language; english).
 */
int
tok_doc_lang(const char *md, size_t len)
{
	const char	*p, *e, *end = md + len, *v;
	char		 code[3];
	int		 l;

	if (len > 4 && memcmp(md, "---\n", 4) == 0) {
		for (p = md + 4; p < end; p = e + 1) {
			if ((e = memchr(p, '\n', (size_t)(end - p))) == NULL)
				break;
			if (e - p >= 3 && memcmp(p, "---", 3) == 0)
				break;
			if ((size_t)(e - p) > 5 && strncmp(p, "lang:", 5) == 0)
				v = p + 5;
			else if ((size_t)(e - p) > 9 &&
			    strncmp(p, "language:", 9) == 0)
				v = p + 9;
			else
				continue;
			while (v < e && (*v == ' ' || *v == '"' || *v == '\''))
				v++;
			if (e - v < 2)
				continue;
			code[0] = (char)(v[0] | 0x20);
			code[1] = (char)(v[1] | 0x20);
			code[2] = '\0';
			if ((l = tok_lang_by_code(code)) >= 0)
				return l;
		}
	}
	if ((l = tok_detect_lang(md, len)) >= 0)
		return l;
	return atomic_load(&default_lang);
}

int
tok_set_default_lang(const char *code)
{
	int	l;

	if ((l = tok_lang_by_code(code)) == -1)
		return -1;
	atomic_store(&default_lang, l);
	return 0;
}

char *
tok_md_headings(const char *md, size_t len, size_t *outlen)
{
	const char	*p = md, *end = md + len, *e, *s;
	char		*out, fence = 0;
	size_t		 n = 0, k;

	out = xmalloc(len + 1);
	while (p < end) {
		if ((e = memchr(p, '\n', (size_t)(end - p))) == NULL)
			e = end;
		s = p;
		while (s < e && s - p < 4 && *s == ' ')
			s++;
		if (e - s >= 3 && (*s == '`' || *s == '~') && s[1] == *s &&
		    s[2] == *s) {
			if (fence == 0)
				fence = *s;
			else if (fence == *s)
				fence = 0;
		} else if (fence == 0 && s - p < 4 && *s == '#') {
			k = 0;
			while (s + k < e && s[k] == '#')
				k++;
			if (k <= 6 && (s + k == e || s[k] == ' ' ||
			    s[k] == '\t')) {
				s += k;
				while (s < e && (*s == ' ' || *s == '\t'))
					s++;
				memcpy(out + n, s, (size_t)(e - s));
				n += (size_t)(e - s);
				out[n++] = '\n';
			}
		}
		p = e < end ? e + 1 : end;
	}
	out[n] = '\0';
	*outlen = n;
	return out;
}

int
tok_stopword(const char *w, int lang)
{
	return tok_stopword_hash(w, hash_fnv1a(w), lang);
}

int
tok_stopword_hash(const char *w, uint32_t h, int lang)
{
	const struct stopword	*hit;

	if (lang < 0 || lang >= NLANGS)
		return 0;
	(void)pthread_once(&stops_once, stops_build);
	hit = stop_find(w, h);
	return hit != NULL && (hit->langs & (1u << lang)) != 0;
}
