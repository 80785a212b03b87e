/* SPDX-License-Identifier: ISC */
/*
 * Rules parser, provider lookup and reason classifier (classify.h,
 * docs/rules.md).  Loaded tables never change; classify_class() writes only
 * the cache and scratch buffers, hence one struct classify per thread.
 */
#include "classify.h"

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

#define CLASSIFY_NAME_MAX  253 /* a DNS name without the final dot */
#define CLASSIFY_KEY_MAX   64  /* longest cached provider or dsn argument */
#define CLASSIFY_CHARS     "abcdefghijklmnopqrstuvwxyz0123456789_.-"
#define CLASSIFY_BLANK     " \t"
#define CLASSIFY_SUSPENDED "delivery temporarily suspended:"
#define CLASSIFY_LIT_MAX   16 /* prefilter literals of one rule */
#define CLASSIFY_QUANT     "?*+{"
#define CLASSIFY_RE_FLAGS  (REG_EXTENDED | REG_ICASE | REG_NOSUB)
/* FNV-1a; the seed may fold in one more bit (mx or domain name) */
#define CLASSIFY_HASH_SEED(is_mx) (0xcbf29ce484222325ULL ^ (uint64_t)(is_mx))
#define CLASSIFY_HASH_STEP(h, ch)                                              \
	(((h) ^ (unsigned char)(ch)) * 0x100000001b3ULL)

struct classify_name {
	bool is_mx;    /* else a domain line's */
	char *name;    /* lower case, no leading or trailing dot */
	uint64_t hash; /* classify_name_hash() */
	int prov;
	unsigned line;
};

struct classify_rule {
	regex_t re;
	bool is_compiled; /* re is compiled on the rule's first use */
	bool matches_all; /* the regex is "^": no need to run it */
	char *pattern;
	size_t nlit;                 /* 0: no prefilter */
	char *lit[CLASSIFY_LIT_MAX]; /* lower case; a match contains one */
	enum reason_class cls;
	size_t nprov, ndsn;
	int prov[CLASSIFY_COND_MAX];
	char dsn[CLASSIFY_COND_MAX][CLASSIFY_DSN_MAX + 1];
	bool is_prefix[CLASSIFY_COND_MAX];
};

struct classify_id {
	char name[CLASSIFY_ID_MAX + 1];
	bool is_declared; /* named by an mx or domain line */
	unsigned first_use;
};

struct classify_slot {
	char *key; /* provider NUL dsn NUL text; NULL if free */
	size_t len;
	enum reason_class cls;
};

struct classify {
	struct classify_id ids[CLASSIFY_PROVIDERS_MAX]; /* [0] is "other" */
	size_t nids;
	struct classify_name *names; /* CLASSIFY_NAMES_MAX, sorted */
	size_t nnames;
	uint32_t *htab; /* open addressing: index + 1 into names, 0 free */
	size_t hmask;
	struct classify_rule *rules[CLASSIFY_RULES_MAX];
	size_t nrules;
	struct classify_slot cache[CLASSIFY_CACHE_MAX];
	struct classify_stats st;
	char key[2 * CLASSIFY_KEY_MAX + CLASSIFY_CACHE_TEXT + 3];
	char text[CLASSIFY_TEXT_MAX + 1];  /* the normalised text */
	char lower[CLASSIFY_TEXT_MAX + 1]; /* text in lower case, */
	bool has_lower;                    /* made at the first prefilter */
	size_t textlen;
	bool ran_regex; /* the last classify_run() needed a regexec() */
	bool re_failed; /* ... and a regcomp() failed: do not cache it */
};

struct classify_parse {
	struct classify *c;
	const char *name;
	unsigned line;
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 2, 3)))
classify_perr(struct classify_parse *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(p->err, p->errlen, "%s:%u: ", p->name, p->line);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		(void)vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return (-1);
}

/* Cuts the next blank-separated word off *sp; NULL at the end of line. */
static char *
classify_word(char **sp)
{
	char *s = *sp + strspn(*sp, CLASSIFY_BLANK), *w = s;

	if (*s == '\0')
		return (NULL);
	s += strcspn(s, CLASSIFY_BLANK);
	if (*s != '\0')
		*s++ = '\0';
	*sp = s;
	return (w);
}

/* Index of provider id s, added if new; -1 if s is bad or too many. */
static int
classify_id(struct classify_parse *p, const char *s, bool declare)
{
	struct classify *c = p->c;
	size_t i, n = strlen(s);

	if (n == 0 || n > CLASSIFY_ID_MAX || strspn(s, CLASSIFY_CHARS) != n)
		return (classify_perr(p, "bad provider id '%.64s'", s));
	for (i = 0; i < c->nids && strcmp(c->ids[i].name, s) != 0; i++)
		;
	if (i == CLASSIFY_PROVIDERS_MAX)
		return (classify_perr(
		    p, "more than %d providers", CLASSIFY_PROVIDERS_MAX));
	if (i == c->nids) {
		util_strlcpy(c->ids[i].name, s, sizeof(c->ids[i].name));
		c->ids[c->nids++].first_use = p->line;
	}
	c->ids[i].is_declared |= declare;
	return ((int)i);
}

/* Copies name to dst in lower case without "*.", "." or a final dot. */
static int
classify_name_norm(char *dst, const char *name)
{
	size_t n, i;

	if (strncmp(name, "*.", 2) == 0 || name[0] == '.')
		name += name[0] == '.' ? 1 : 2;
	n = strlen(name);
	n -= n > 0 && name[n - 1] == '.';
	if (n == 0 || n > CLASSIFY_NAME_MAX)
		return (-1);
	for (i = 0; i < n; i++)
		dst[i] = (char)tolower((unsigned char)name[i]);
	dst[n] = '\0';
	if (strspn(dst, CLASSIFY_CHARS) != n || dst[0] == '.' ||
	    strstr(dst, "..") != NULL)
		return (-1);
	return (0);
}

/* "mx ID NAME..." or "domain ID NAME..." */
static int
classify_parse_names(struct classify_parse *p, char *s, const char *what)
{
	struct classify *c = p->c;
	char *w, name[CLASSIFY_NAME_MAX + 1];
	int id;

	if ((w = classify_word(&s)) == NULL)
		return (classify_perr(p, "missing provider id"));
	if ((id = classify_id(p, w, true)) == -1)
		return (-1);
	if ((w = classify_word(&s)) == NULL)
		return (classify_perr(p, "missing %s name", what));
	do {
		if (classify_name_norm(name, w) == -1)
			return (
			    classify_perr(p, "bad %s name '%.64s'", what, w));
		if (c->nnames == CLASSIFY_NAMES_MAX)
			return (classify_perr(
			    p, "more than %d names", CLASSIFY_NAMES_MAX));
		c->names[c->nnames] =
		    (struct classify_name){.is_mx = what[0] == 'm',
		        .name = xstrdup(name),
		        .prov = id,
		        .line = p->line};
		c->nnames++;
	} while ((w = classify_word(&s)) != NULL);
	return (0);
}

/* Length of a status code ("5.7.1") at s, 0 if none; not of an IP. */
static size_t
classify_dsn_len(const char *s)
{
	char a[2], b[4], d[4];
	int n = 0;

	if (strchr("245", s[0]) == NULL || s[0] == '\0' ||
	    sscanf(s, "%1[245].%3[0-9].%3[0-9]%n", a, b, d, &n) != 3 ||
	    isalnum((unsigned char)s[n]) ||
	    (s[n] == '.' && isdigit((unsigned char)s[n + 1])))
		return (0);
	return ((size_t)n);
}

/* One dsn= item: "5.7.1" (exact), "5.7." or "4.7.5*" (prefix). */
static bool
classify_dsn_item(const char *s, char *out, bool *is_prefix)
{
	size_t n = strlen(s);

	if (n < 2 || n > CLASSIFY_DSN_MAX)
		return (false);
	*is_prefix = s[n - 1] == '*' || s[n - 1] == '.';
	n -= s[n - 1] == '*';
	if (*is_prefix
	        ? strspn(s, "0123456789.") != n || s[1] != '.' ||
	              strstr(s, "..") != NULL || strchr("245", s[0]) == NULL
	        : classify_dsn_len(s) != n)
		return (false);
	memcpy(out, s, n);
	out[n] = '\0';
	return (true);
}

/* The comma-separated list of a provider= or dsn= word. */
static int
classify_parse_list(
    struct classify_parse *p, struct classify_rule *r, char *list, bool is_dsn)
{
	char *item, *next;
	size_t *n = is_dsn ? &r->ndsn : &r->nprov;

	for (item = list; item != NULL; item = next) {
		if ((next = strchr(item, ',')) != NULL)
			*next++ = '\0';
		if (*n == CLASSIFY_COND_MAX)
			return (classify_perr(p, "more than %d values in %s=",
			    CLASSIFY_COND_MAX, is_dsn ? "dsn" : "provider"));
		if (!is_dsn &&
		    (r->prov[*n] = classify_id(p, item, false)) == -1)
			return (-1);
		if (is_dsn &&
		    !classify_dsn_item(item, r->dsn[*n], &r->is_prefix[*n]))
			return (classify_perr(p, "bad dsn '%.64s'", item));
		(*n)++;
	}
	return (0);
}

/* Length of the bracket expression at s ('['), to its ']' or the end. */
static size_t
classify_re_bracket(const char *s)
{
	size_t i = 1 + (s[1] == '^');
	char d;

	i += s[i] == ']';
	while (s[i] != '\0' && s[i] != ']') {
		if (s[i] == '[' && s[i + 1] != '\0' &&
		    strchr(":.=", s[i + 1]) != NULL) {
			for (d = s[i + 1], i += 2; s[i] != '\0'; i++)
				if (s[i] == d && s[i + 1] == ']')
					break;
			i += s[i] != '\0' ? 2 : 0;
		} else
			i++;
	}
	return (s[i] == ']' ? i + 1 : i);
}

/* Copies regcomp makes of "x{m,n}" (max(m, n)) or "x+" (2); -1 if none. */
static int
classify_re_repeat(const char *re, size_t *len)
{
	const char *q = re + 1;
	int v, max = 0;

	*len = 1;
	if (re[0] == '+')
		return (2);
	if (re[0] != '{' || !(isdigit((unsigned char)*q) || *q == ','))
		return (-1);
	for (int part = 0; part < 2; part++) {
		for (v = 0; isdigit((unsigned char)*q); q++)
			v = v < 100000 ? v * 10 + (*q - '0') : v;
		max = v > max ? v : max;
		if (part > 0 || *q != ',')
			break;
		q++;
	}
	if (*q != '}')
		return (-1);
	*len = (size_t)(q - re) + 1;
	return (max);
}

/*
 * Refuses regexes glibc would run slowly: back-references, deep nesting,
 * repeats whose copies (nested ones multiply) add more than
 * CLASSIFY_RE_COST_MAX nodes: each copy of an optional part may be live at
 * every text byte.  regcomp() judges the syntax afterwards.
 */
static const char *
classify_re_check(const char *re)
{
	size_t stack[CLASSIFY_RE_DEPTH_MAX], depth = 0, cur = 0, last = 0;
	size_t i = 0, len, atom, added = 0;
	int n;

	while (re[i] != '\0') {
		atom = 1;
		if (re[i] == '\\' && re[i + 1] >= '1' && re[i + 1] <= '9')
			return ("back-references are not allowed");
		if (re[i] == '(' && depth == CLASSIFY_RE_DEPTH_MAX)
			return ("nested too deep");
		/* glibc also reads "{1\,2}" as a repeat: plain ones only */
		if ((n = classify_re_repeat(re + i, &len)) < 0 && re[i] == '{')
			return ("'{' is not a repeat {m}, {m,} or {m,n} "
			        "(\\{ is the character)");
		if (n > 0) {
			if (n > CLASSIFY_RE_REPEAT_MAX)
				return ("repeat count too large");
			if ((added += last * (size_t)(n - 1)) >
			    CLASSIFY_RE_COST_MAX)
				return ("too complex");
			cur += last * (size_t)(n - 1);
			last *= (size_t)n;
			atom = 0;
		} else if (re[i] == '(') {
			stack[depth++] = cur;
			cur = last = atom = 0;
		} else if (re[i] == ')' && depth > 0) {
			atom = cur + 1;
			cur = stack[--depth];
		} else if (re[i] == '|')
			last = atom = 0;
		else if (re[i] == '[')
			len = classify_re_bracket(re + i);
		else if (re[i] == '\\')
			len = re[i + 1] != '\0' ? 2 : 1;
		i += n == 0 ? 1 : len;
		cur += atom;
		last = atom > 0 ? atom : last;
	}
	return (NULL);
}

/*
 * The character the regex token at s stands for if it is a plain one
 * ('x', "\\."), else -1 ('.', '[...]', '(', "{2,3}", "\\<", ...); *len is
 * the token's length.
 */
static int
classify_re_plain(const char *s, size_t *len)
{
	*len = 1;
	if (s[0] == '[') {
		*len = classify_re_bracket(s);
		return (-1);
	}
	if (s[0] == '\\') {
		if (s[1] == '\0')
			return (-1);
		*len = 2;
		return (
		    isalnum((unsigned char)s[1]) || strchr("<>`'", s[1]) != NULL
		        ? -1
		        : (unsigned char)s[1]);
	}
	if (s[0] == '{' && classify_re_repeat(s, len) < 0)
		*len = 1;
	return (strchr(".^$|(){}?*+", s[0]) != NULL ? -1 : (unsigned char)s[0]);
}

/* Drops r's literals from the k-th on. */
static void
classify_re_drop(struct classify_rule *r, size_t k)
{
	while (r->nlit > k)
		free(r->lit[--r->nlit]);
}

/*
 * Adds to r the literals one of which a match of re[0, len) contains:
 * for each branch, the longest run of plain characters outside groups and
 * not under a repeat, in lower case (the regexes are case-insensitive);
 * for a branch without one, the literals of a group it requires, such as
 * "(spf|dkim)" in "(^|[^a-z])(spf|dkim)([^a-z]|$)".  Returns false (and
 * adds nothing) if some branch has neither: then there is no prefilter.
 * Anything unusual ends a run: a missed literal costs a regexec(), a
 * wrong one would lose a match.
 */
static bool
classify_re_lits(struct classify_rule *r, const char *re, size_t len)
{
	char run[CLASSIFY_PATTERN_MAX + 1], best[CLASSIFY_PATTERN_MAX + 1];
	size_t i = 0, depth = 0, n = 0, nbest = 0, tok, k0 = r->nlit;
	size_t gstart[CLASSIFY_LIT_MAX], gend[CLASSIFY_LIT_MAX], ng = 0,
	                                                         open = 0;
	int ch;

	for (;;) {
		bool is_end = i >= len || (re[i] == '|' && depth == 0);
		bool ok;

		ch = is_end ? -1 : classify_re_plain(re + i, &tok);
		if (!is_end && re[i] == '(' && depth++ == 0)
			open = i;
		else if (!is_end && re[i] == ')' && depth > 0 && --depth == 0 &&
		         ng < CLASSIFY_LIT_MAX &&
		         (i + 1 >= len ||
		             strchr(CLASSIFY_QUANT, re[i + 1]) == NULL)) {
			gstart[ng] = open + 1; /* a group the branch requires */
			gend[ng++] = i;
		}
		if (ch != -1 && depth == 0 &&
		    (i + tok >= len ||
		        strchr(CLASSIFY_QUANT, re[i + tok]) == NULL)) {
			run[n++] = (char)tolower(ch);
		} else {
			if (n > nbest) {
				memcpy(best, run, n);
				nbest = n;
			}
			n = 0;
		}
		if (!is_end) {
			i += tok;
			continue;
		}
		if (nbest > 0 && r->nlit < CLASSIFY_LIT_MAX) {
			r->lit[r->nlit] = xmalloc(nbest + 1);
			memcpy(r->lit[r->nlit], best, nbest);
			r->lit[r->nlit++][nbest] = '\0';
		} else {
			ok = false;
			for (size_t g = 0; !ok && g < ng; g++)
				ok = classify_re_lits(
				    r, re + gstart[g], gend[g] - gstart[g]);
			if (!ok) {
				classify_re_drop(r, k0);
				return (false);
			}
		}
		if (i >= len)
			return (true);
		nbest = ng = 0;
		i++;
	}
}

static int
classify_parse_regex(
    struct classify_parse *p, struct classify_rule *r, const char *pat)
{
	char msg[128];
	const char *why;
	int rc;

	if (*pat == '\0')
		return (classify_perr(p, "missing pattern"));
	if (strlen(pat) > CLASSIFY_PATTERN_MAX)
		return (classify_perr(
		    p, "pattern longer than %d bytes", CLASSIFY_PATTERN_MAX));
	if ((why = classify_re_check(pat)) != NULL)
		return (classify_perr(p, "bad regex '%.64s': %s", pat, why));
	/* compiled here to judge it, again on first use: few rules run */
	rc = regcomp(&r->re, pat, CLASSIFY_RE_FLAGS);
	if (rc != 0) {
		regerror(rc, &r->re, msg, sizeof(msg));
		return (classify_perr(p, "bad regex '%.64s': %s", pat, msg));
	}
	regfree(&r->re);
	r->pattern = xstrdup(pat);
	r->matches_all = strcmp(pat, "^") == 0;
	classify_re_lits(r, pat, strlen(pat));
	return (0);
}

static void
classify_rule_free(struct classify_rule *r)
{
	if (r->is_compiled)
		regfree(&r->re);
	for (size_t i = 0; i < r->nlit; i++)
		free(r->lit[i]);
	free(r->pattern);
	free(r);
}

/* "class CLASS [provider=P,...] [dsn=D,...] REGEX" */
static int
classify_parse_class(struct classify_parse *p, char *s)
{
	struct classify *c = p->c;
	struct classify_rule *r;
	enum reason_class cls;
	char *w;
	int rv = 0;

	if ((w = classify_word(&s)) == NULL)
		return (classify_perr(p, "missing class"));
	if (!reason_class_parse(w, &cls))
		return (classify_perr(p, "unknown class '%.64s'", w));
	if (c->nrules == CLASSIFY_RULES_MAX)
		return (classify_perr(
		    p, "more than %d class lines", CLASSIFY_RULES_MAX));
	r = xcalloc(1, sizeof(*r));
	r->cls = cls;
	while (rv == 0) {
		s += strspn(s, CLASSIFY_BLANK);
		if (strncmp(s, "provider=", 9) == 0)
			rv = classify_parse_list(
			    p, r, classify_word(&s) + 9, false);
		else if (strncmp(s, "dsn=", 4) == 0)
			rv = classify_parse_list(
			    p, r, classify_word(&s) + 4, true);
		else
			break;
	}
	if (rv == -1 || classify_parse_regex(p, r, s) == -1) {
		classify_rule_free(r);
		return (-1);
	}
	c->rules[c->nrules++] = r;
	return (0);
}

static int
classify_parse_text(struct classify_parse *p, const char *text)
{
	char line[CLASSIFY_LINE_MAX + 1], *s, *kw;
	const char *nl;
	size_t len, n;

	for (p->line = 1; *text != '\0'; p->line++) {
		nl = strchr(text, '\n');
		len = nl != NULL ? (size_t)(nl - text) : strlen(text);
		if (len > CLASSIFY_LINE_MAX)
			return (classify_perr(
			    p, "line longer than %d bytes", CLASSIFY_LINE_MAX));
		for (n = len; n > 0 && strchr(" \t\r", text[n - 1]); n--)
			;
		memcpy(line, text, n);
		line[n] = '\0';
		text += len + (nl != NULL);
		s = line;
		if ((kw = classify_word(&s)) == NULL || kw[0] == '#')
			continue;
		if (strcmp(kw, "mx") == 0 || strcmp(kw, "domain") == 0) {
			if (classify_parse_names(p, s, kw) == -1)
				return (-1);
		} else if (strcmp(kw, "class") == 0) {
			if (classify_parse_class(p, s) == -1)
				return (-1);
		} else
			return (
			    classify_perr(p, "unknown keyword '%.64s'", kw));
	}
	return (0);
}

/* FNV-1a of the name from its last byte back, and of its kind of line. */
static uint64_t
classify_name_hash(bool is_mx, const char *name)
{
	uint64_t h = CLASSIFY_HASH_SEED(is_mx);

	for (size_t i = strlen(name); i-- > 0;)
		h = CLASSIFY_HASH_STEP(h, name[i]);
	return (h);
}

/* The hash table over c->names that classify_lookup() probes. */
static void
classify_hash_names(struct classify *c)
{
	size_t size = 16, j;

	while (size < 2 * c->nnames)
		size *= 2;
	c->htab = xcalloc(size, sizeof(*c->htab));
	c->hmask = size - 1;
	for (size_t i = 0; i < c->nnames; i++) {
		c->names[i].hash =
		    classify_name_hash(c->names[i].is_mx, c->names[i].name);
		j = c->names[i].hash & c->hmask;
		while (c->htab[j] != 0)
			j = (j + 1) & c->hmask;
		c->htab[j] = (uint32_t)i + 1;
	}
}

static int
classify_name_cmp(const void *a, const void *b)
{
	const struct classify_name *x = a, *y = b;

	if (x->is_mx != y->is_mx)
		return (x->is_mx ? 1 : -1);
	return (strcmp(x->name, y->name));
}

/* Refuses duplicate names (sorted to find them), hashes the names; each
 * provider= id must be declared. */
static int
classify_finish(struct classify_parse *p)
{
	struct classify *c = p->c;
	const struct classify_name *a, *b;

	if (c->nnames > 1)
		qsort(c->names, c->nnames, sizeof(*a), classify_name_cmp);
	for (size_t i = 1; i < c->nnames; i++) {
		a = &c->names[i - 1];
		b = &c->names[i];
		if (classify_name_cmp(a, b) != 0)
			continue;
		p->line = a->line > b->line ? a->line : b->line;
		return (classify_perr(p, "duplicate %s name '%s' (line %u)",
		    a->is_mx ? "mx" : "domain", a->name,
		    a->line < b->line ? a->line : b->line));
	}
	classify_hash_names(c);
	for (size_t i = 0; i < c->nids; i++)
		if (!c->ids[i].is_declared) {
			p->line = c->ids[i].first_use;
			return (classify_perr(p,
			    "unknown provider '%s' (no mx or domain line names "
			    "it)",
			    c->ids[i].name));
		}
	return (0);
}

int
classify_load_string(struct classify **cp, const char *text, const char *name,
    char *err, size_t errlen)
{
	struct classify_parse p = {.name = name != NULL ? name : "rules",
	    .err = err,
	    .errlen = errlen};
	struct classify *c;

	if (strnlen(text, CLASSIFY_FILE_MAX + 1) > CLASSIFY_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", p.name,
		    CLASSIFY_FILE_MAX);
		return (-1);
	}
	c = p.c = xcalloc(1, sizeof(*c));
	c->names = xcalloc(CLASSIFY_NAMES_MAX, sizeof(*c->names));
	util_strlcpy(c->ids[0].name, CLASSIFY_OTHER, sizeof(c->ids[0].name));
	c->ids[0].is_declared = true;
	c->nids = 1;
	if (classify_parse_text(&p, text) == -1 || classify_finish(&p) == -1) {
		classify_free(c);
		return (-1);
	}
	*cp = c;
	return (0);
}

int
classify_load(struct classify **cp, const char *path, char *err, size_t errlen)
{
	char *buf;
	size_t len;
	int rv = -1;

	if (path == NULL)
		return (classify_load_string(
		    cp, classify_builtin_rules, "built-in rules", err, errlen));
	if (util_read_file(path, CLASSIFY_FILE_MAX, &buf, &len) == -1) {
		snprintf(err, errlen, "%s: %s", path,
		    errno == EFBIG ? "file too large" : strerror(errno));
		return (-1);
	}
	if (strlen(buf) != len)
		snprintf(err, errlen, "%s: contains a NUL byte", path);
	else
		rv = classify_load_string(cp, buf, path, err, errlen);
	free(buf);
	return (rv);
}

void
classify_free(struct classify *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nrules; i++)
		classify_rule_free(c->rules[i]);
	for (size_t i = 0; i < c->nnames; i++)
		free(c->names[i].name);
	free(c->names);
	free(c->htab);
	for (size_t i = 0; i < CLASSIFY_CACHE_MAX; i++)
		free(c->cache[i].key);
	free(c);
}

/*
 * Provider of the longest mx (or domain) name that is host or a parent.
 * One backward pass hashes every parent (classify_name_hash() runs from
 * the end), then the longest is probed first.
 */
static int
classify_lookup(const struct classify *c, bool is_mx, const char *host)
{
	char buf[CLASSIFY_NAME_MAX + 2];
	uint64_t hash[CLASSIFY_NAME_MAX / 2 + 2], h = CLASSIFY_HASH_SEED(is_mx);
	size_t pos[CLASSIFY_NAME_MAX / 2 + 2], n, k = 0;
	const struct classify_name *e;

	if (host == NULL || (n = strcspn(host, "[")) > CLASSIFY_NAME_MAX + 1)
		return (-1);
	n -= n > 0 && host[n - 1] == '.';
	buf[n] = '\0';
	for (size_t i = n; i-- > 0;) {
		buf[i] = (char)tolower((unsigned char)host[i]);
		h = CLASSIFY_HASH_STEP(h, buf[i]);
		if ((i == 0 || host[i - 1] == '.') && buf[i] != '.') {
			pos[k] = i;
			hash[k++] = h;
		}
	}
	while (k-- > 0) {
		for (size_t j = hash[k] & c->hmask; c->htab[j] != 0;
		     j = (j + 1) & c->hmask) {
			e = &c->names[c->htab[j] - 1];
			if (e->hash == hash[k] && e->is_mx == is_mx &&
			    strcmp(e->name, buf + pos[k]) == 0)
				return (e->prov);
		}
	}
	return (-1);
}

const char *
classify_provider(
    struct classify *c, const char *mx_host, const char *rcpt_domain)
{
	int i;

	if ((i = classify_lookup(c, true, mx_host)) == -1 &&
	    (i = classify_lookup(c, false, rcpt_domain)) == -1)
		i = 0;
	return (c->ids[i].name);
}

/* Case-insensitive search for needle in [s, e); NULL if absent. */
static const char *
classify_find(const char *s, const char *e, const char *needle)
{
	size_t n = strlen(needle);

	for (; s + n <= e; s++)
		if (strncasecmp(s, needle, n) == 0)
			return (s);
	return (NULL);
}

/* Skips blanks, "smtp;", "delivery temporarily suspended:", "host X said:". */
static const char *
classify_skip_prefixes(const char *s)
{
	static const char *const said[] = {
	    " said:", " refused to talk to me:", ":"};
	const char *prev, *q;
	size_t n;

	do {
		prev = s;
		s += strspn(s, " \t\r\n");
		n = strspn(
		    s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-");
		s += n > 0 && n <= 16 && s[n] == ';' ? n + 1 : 0;
		n = strlen(CLASSIFY_SUSPENDED);
		s += strncasecmp(s, CLASSIFY_SUSPENDED, n) == 0 ? n : 0;
		q = strncasecmp(s, "host ", 5) == 0
		        ? memchr(s, ']', strnlen(s, 300))
		        : NULL;
		for (size_t i = 0; q != NULL && i < 3; i++)
			if (strncasecmp(q + 1, said[i], strlen(said[i])) == 0) {
				s = q + 1 + strlen(said[i]);
				break;
			}
	} while (s != prev);
	return (s);
}

/* True for a reply code "[245]xy" at s followed by ' ', '-' or the end. */
static bool
classify_is_code(const char *s)
{
	return (strchr("245", s[0]) != NULL && s[0] != '\0' &&
	        isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[2]) &&
	        strchr(" -", s[3]) != NULL);
}

/*
 * "554 4.4.7 Message expired: ... <451 4.7.651 inner>": narrows [*sp, *ep)
 * to the inner reply, which names the real cause.  Returns true if so.
 */
static bool
classify_unwrap(const char **sp, const char **ep)
{
	const char *s = *sp, *e = *ep, *q;

	if ((q = classify_find(s, e - s > 256 ? s + 256 : e, "expired")) ==
	    NULL)
		return (false);
	while ((q = memchr(q, '<', (size_t)(e - q))) != NULL &&
	       !classify_is_code(q + 1))
		q++;
	if (q == NULL)
		return (false);
	*sp = q + 1;
	while (e > *sp && e[-1] != '>')
		e--;
	*ep = e > *sp ? e - 1 : *ep;
	return (true);
}

/* Length of a continuation marker "550-", "550-5.7.1 " or "550 5.7.1 ". */
static size_t
classify_cont(const char *s, const char *code)
{
	size_t n;

	if (strncmp(s, code, 3) != 0 || !classify_is_code(s))
		return (0);
	if (s[3] == '\0')
		return (3);
	if ((n = classify_dsn_len(s + 4)) == 0 && s[3] == ' ')
		return (0);
	n += 4;
	return (n + strspn(s + n, " "));
}

/* Copies [s, e) to c->text, collapsing white space and continuations. */
static void
classify_copy(struct classify *c, const char *s, const char *e)
{
	char code[4] = "", *t = c->text;
	const char *x;
	size_t n = 0, k;

	if (classify_is_code(s) && s + 3 < e) {
		memcpy(code, s, 3);
		n = (size_t)snprintf(t, 5, "%s ", code);
		s += 4;
	}
	while (s < e && n < CLASSIFY_TEXT_MAX) {
		if (isspace((unsigned char)*s)) {
			if (n > 0 && t[n - 1] != ' ')
				t[n++] = ' ';
			s++;
		} else if (code[0] != '\0' && t[n - 1] == ' ' &&
		           (k = classify_cont(s, code)) > 0)
			s += k;
		else
			t[n++] = *s++;
	}
	if ((x = classify_find(t, t + n, "(in reply to ")) != NULL &&
	    t[n - 1] == ')')
		n = (size_t)(x - t);
	while (n > 0 && t[n - 1] == ' ')
		n--;
	t[n] = '\0';
	c->textlen = n;
}

/* The first enhanced status code in t, or "". */
static void
classify_text_dsn(const char *t, char *dsn)
{
	size_t n;

	dsn[0] = '\0';
	for (const char *s = t; *s != '\0'; s++) {
		if (s > t && (isalnum((unsigned char)s[-1]) || s[-1] == '.'))
			continue;
		if ((n = classify_dsn_len(s)) > 0 && n <= CLASSIFY_DSN_MAX) {
			memcpy(dsn, s, n);
			dsn[n] = '\0';
			return;
		}
	}
}

/* True if the text (c->text) may match r's regex: it holds a literal. */
static bool
classify_rule_may_match(struct classify *c, const struct classify_rule *r)
{
	if (r->nlit > 0 && !c->has_lower) {
		for (size_t i = 0; i <= c->textlen; i++)
			c->lower[i] = (char)tolower((unsigned char)c->text[i]);
		c->has_lower = true;
	}
	for (size_t i = 0; i < r->nlit; i++)
		if (strstr(c->lower, r->lit[i]) != NULL)
			return (true);
	return (r->nlit == 0);
}

/* regexec() on c->text; the regex is compiled at its first use. */
static bool
classify_rule_exec(struct classify *c, struct classify_rule *r)
{
	if (r->matches_all)
		return (true);
#ifndef CLASSIFY_CHECK_PREFILTER
	if (!classify_rule_may_match(c, r))
		return (false);
#endif
	c->ran_regex = true;
	if (!r->is_compiled) {
		if (regcomp(&r->re, r->pattern, CLASSIFY_RE_FLAGS) != 0) {
			c->st.re_errors++; /* out of memory: no match */
			c->re_failed = true;
			return (false);
		}
		r->is_compiled = true;
	}
#ifdef CLASSIFY_CHECK_PREFILTER
	/* the fuzz harness: a text the prefilter turns away never matches */
	if (regexec(&r->re, c->text, 0, NULL, 0) != 0)
		return (false);
	if (!classify_rule_may_match(c, r))
		abort();
	return (true);
#else
	return (regexec(&r->re, c->text, 0, NULL, 0) == 0);
#endif
}

static bool
classify_rule_match(
    struct classify *c, struct classify_rule *r, int prov, const char *dsn)
{
	size_t i;

	for (i = 0; i < r->nprov && r->prov[i] != prov; i++)
		;
	if (r->nprov > 0 && i == r->nprov)
		return (false);
	for (i = 0; i < r->ndsn; i++)
		if (r->is_prefix[i]
		        ? strncmp(dsn, r->dsn[i], strlen(r->dsn[i])) == 0
		        : strcmp(dsn, r->dsn[i]) == 0)
			break;
	if (r->ndsn > 0 && i == r->ndsn)
		return (false);
	return (classify_rule_exec(c, r));
}

/* Normalises text; the dsn is the inner reply's, the caller's or the text's. */
static enum reason_class
classify_run(
    struct classify *c, const char *provider, const char *dsn, const char *text)
{
	char d[CLASSIFY_DSN_MAX + 1] = "";
	const char *s, *e;
	int prov = -1;

	for (size_t i = 0; i < c->nids; i++)
		if (strcasecmp(*provider ? provider : CLASSIFY_OTHER,
		        c->ids[i].name) == 0)
			prov = (int)i;
	s = classify_skip_prefixes(text);
	e = s + strlen(s);
	if (classify_unwrap(&s, &e))
		classify_text_dsn(s, d);
	classify_copy(c, classify_skip_prefixes(s), e);
	if (d[0] == '\0' && classify_dsn_len(dsn) == strlen(dsn))
		util_strlcpy(d, dsn, sizeof(d));
	if (d[0] == '\0')
		classify_text_dsn(c->text, d);
	c->has_lower = c->ran_regex = c->re_failed = false;
	for (size_t i = 0; i < c->nrules; i++)
		if (classify_rule_match(c, c->rules[i], prov, d))
			return (c->rules[i]->cls);
	return (CLASS_OTHER);
}

enum reason_class
classify_class(
    struct classify *c, const char *provider, const char *dsn, const char *text)
{
	struct classify_slot *sl;
	enum reason_class cls;
	uint64_t h = CLASSIFY_HASH_SEED(0);
	size_t len;

	provider = provider != NULL ? provider : "";
	dsn = dsn != NULL ? dsn : "";
	text = text != NULL ? text : "";
	if (strlen(provider) > CLASSIFY_KEY_MAX ||
	    strlen(dsn) > CLASSIFY_KEY_MAX ||
	    strlen(text) > CLASSIFY_CACHE_TEXT) {
		c->st.misses++;
		return (classify_run(c, provider, dsn, text));
	}
	len = (size_t)snprintf(
	    c->key, sizeof(c->key), "%s%c%s%c%s", provider, 0, dsn, 0, text);
	for (size_t i = 0; i < len; i++)
		h = CLASSIFY_HASH_STEP(h, c->key[i]);
	sl = &c->cache[h % CLASSIFY_CACHE_MAX];
	if (sl->key != NULL && sl->len == len &&
	    memcmp(sl->key, c->key, len) == 0) {
		c->st.hits++;
		return (sl->cls);
	}
	c->st.misses++;
	cls = classify_run(c, provider, dsn, text);
	if (!c->ran_regex || c->re_failed)
		return (cls); /* as fast as a lookup, or to be tried again */
	c->st.evictions += sl->key != NULL;
	c->st.entries += sl->key == NULL;
	free(sl->key);
	sl->key = xmalloc(len);
	memcpy(sl->key, c->key, len);
	sl->len = len;
	return (sl->cls = cls);
}

void
classify_stats(const struct classify *c, struct classify_stats *st)
{
	*st = c->st;
}
