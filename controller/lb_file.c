/* SPDX-License-Identifier: ISC */
/*
 * The `file` load balancer driver: a pool for senders that pick relays
 * themselves, as two files in the section's directory (path):
 *
 *   pool.json  {"generated_at": <unix s>, "relays": [{"name", "ip",
 *              "intent", "weight"}, ...]}, every configured relay in
 *              config order.  Authoritative: fleetd reads it back.
 *   pool.txt   "name ip weight" per relay taking mail (intent ready,
 *              weight > 0), config order, no header: for awk.
 *
 * flush() writes both atomically, pool.txt first and pool.json last, so
 * that pool.json never claims a state pool.txt does not carry yet.  Each
 * file is whole at any instant, but a reader of both may see a new
 * pool.txt next to the old pool.json for a moment; one that needs them to
 * agree reads pool.json alone.  read() reports what pool.json says of
 * each configured relay listed with its IP (so a hand edit there is seen,
 * as drift); when pool.txt is not exactly what pool.json implies, or the
 * pool lists other relays, other IPs or another order than the
 * configuration, it marks the driver stale, which makes the round
 * rewrite both (a crash between the two writes, a hand edit, a relay
 * removed from the config).  A file that cannot be used is no
 * error of the round (it is about to be rewritten), so read() logs why,
 * once per distinct reason.  apply() does nothing: the pool is written
 * whole by flush(), which gets every slot's want.
 *
 * Runs on its section's lb thread; the parser and builders are pure.
 */
#include "lb_driver.h"

#include <arpa/inet.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cfg.h"
#include "log.h"
#include "util.h"

#define LB_POOL_LINE_MAX 128 /* "name ip weight\n": 63 + 45 + 10 + 3 */
#define LB_POOL_U53      9007199254740992.0 /* 2^53: exact in a double */
#define LB_FILE_NONE     SIZE_MAX           /* no entry for this relay */

struct lb_file {
	char json[PATH_MAX], txt[PATH_MAX];
	char noted[LB_ERROR_MAX]; /* the last reason logged; "" none */
};

/* ---- pool.json and pool.txt, pure ---------------------------------------- */

/*
 * Finds keys[0..nkeys) among o's members into v[] (NULL when absent).
 * Returns false if one of them is there twice.
 */
static bool
lb_pool_keys(
    const cJSON *o, const char *const keys[], size_t nkeys, const cJSON *v[])
{
	const cJSON *c;

	memset(v, 0, nkeys * sizeof(*v));
	cJSON_ArrayForEach(c, o)
	{
		for (size_t k = 0; k < nkeys; k++) {
			if (c->string == NULL ||
			    strcmp(c->string, keys[k]) != 0)
				continue;
			if (v[k] != NULL)
				return (false);
			v[k] = c;
		}
	}
	return (true);
}

/* A JSON number that is a whole number in [0, max]. */
static bool
lb_pool_whole(const cJSON *v, double max, uint64_t *out)
{
	double d;

	if (!cJSON_IsNumber(v))
		return (false);
	d = v->valuedouble;
	if (!(d >= 0 && d <= max) || d != (double)(uint64_t)d)
		return (false);
	*out = (uint64_t)d;
	return (true);
}

static bool
lb_pool_intent(const cJSON *v, enum policy_intent *out)
{
	static const enum policy_intent all[] = {
	    POLICY_INTENT_READY, POLICY_INTENT_DRAIN, POLICY_INTENT_MAINT};

	if (!cJSON_IsString(v))
		return (false);
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(v->valuestring, lb_intent_name(all[i])) == 0) {
			*out = all[i];
			return (true);
		}
	return (false);
}

/* Fills *e from one element of "relays"; returns NULL or why not. */
static const char *
lb_pool_parse_entry(const cJSON *o, struct lb_pool_entry *e)
{
	static const char *const keys[] = {"name", "ip", "intent", "weight"};
	const cJSON *v[4];
	unsigned char addr[16];
	uint64_t w;

	if (!cJSON_IsObject(o))
		return ("a relay is not an object");
	if (!lb_pool_keys(o, keys, 4, v))
		return ("a relay has a key twice");
	if (!cJSON_IsString(v[0]))
		return ("relay name missing");
	if (strlen(v[0]->valuestring) >= sizeof(e->name))
		return ("relay name too long");
	if (!cfg_name_ok(v[0]->valuestring))
		return ("bad relay name");
	if (!cJSON_IsString(v[1]) ||
	    strlen(v[1]->valuestring) >= sizeof(e->ip) ||
	    (inet_pton(AF_INET, v[1]->valuestring, addr) != 1 &&
	        inet_pton(AF_INET6, v[1]->valuestring, addr) != 1))
		return ("relay ip missing or bad");
	if (!lb_pool_intent(v[2], &e->intent))
		return ("relay intent missing or unknown");
	if (!lb_pool_whole(v[3], 100, &w))
		return ("relay weight missing or not 0..100");
	util_strlcpy(e->name, v[0]->valuestring, sizeof(e->name));
	util_strlcpy(e->ip, v[1]->valuestring, sizeof(e->ip));
	e->weight = (uint32_t)w;
	return (NULL);
}

static int
lb_pool_cmp(const void *a, const void *b)
{
	const struct lb_pool_entry *const *x = a, *const *y = b;

	return (strcmp((*x)->name, (*y)->name));
}

/* True if two entries share a name (sorted copy: n may be 65536). */
static bool
lb_pool_has_dup(const struct lb_pool_entry *e, size_t n)
{
	const struct lb_pool_entry **p;
	bool dup = false;

	if (n < 2)
		return (false);
	p = xreallocarray(NULL, n, sizeof(*p));
	for (size_t i = 0; i < n; i++)
		p[i] = &e[i];
	qsort(p, n, sizeof(*p), lb_pool_cmp);
	for (size_t i = 1; i < n && !dup; i++)
		dup = strcmp(p[i - 1]->name, p[i]->name) == 0;
	free(p);
	return (dup);
}

/* The whole document; *out may be malloc'd on failure too (caller frees). */
static const char *
lb_pool_parse_root(const cJSON *root, struct lb_pool_entry **out, size_t *n)
{
	static const char *const keys[] = {"generated_at", "relays"};
	const cJSON *v[2], *c;
	const char *why;
	uint64_t at;
	size_t count = 0, i = 0;

	if (!cJSON_IsObject(root))
		return ("not an object");
	if (!lb_pool_keys(root, keys, 2, v))
		return ("a key is there twice");
	if (!lb_pool_whole(v[0], LB_POOL_U53, &at))
		return ("generated_at missing or not a whole number");
	if (!cJSON_IsArray(v[1]))
		return ("relays missing or not an array");
	cJSON_ArrayForEach(c, v[1])
	{
		if (++count > LB_POOL_MAX)
			return ("too many relays");
	}
	*out = xcalloc(count > 0 ? count : 1, sizeof(**out));
	cJSON_ArrayForEach(c, v[1])
	{
		if ((why = lb_pool_parse_entry(c, &(*out)[i++])) != NULL)
			return (why);
	}
	if (lb_pool_has_dup(*out, count))
		return ("a relay is listed twice");
	*n = count;
	return (NULL);
}

/* Only JSON white space in s[0..len). */
static bool
lb_pool_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (strchr(" \t\r\n", s[i]) == NULL || s[i] == '\0')
			return (false);
	return (true);
}

int
lb_pool_parse(const char *buf, size_t len, struct lb_pool_entry **out,
    size_t *n, const char **errstr)
{
	struct lb_pool_entry *e = NULL;
	const char *end = NULL, *why;
	size_t count = 0;
	cJSON *root;

	if ((root = cJSON_ParseWithLengthOpts(buf, len, &end, false)) == NULL) {
		*errstr = "not JSON";
		return (-1);
	}
	if (end == NULL || end < buf || end > buf + len ||
	    !lb_pool_blank(end, (size_t)(buf + len - end)))
		why = "data after the JSON";
	else
		why = lb_pool_parse_root(root, &e, &count);
	cJSON_Delete(root);
	if (why != NULL) {
		free(e);
		*errstr = why;
		return (-1);
	}
	if (count == 0) {
		free(e);
		e = NULL;
	}
	*out = e;
	*n = count;
	return (0);
}

char *
lb_pool_text(const struct lb_pool_entry *e, size_t n, size_t *len)
{
	char *s = xreallocarray(NULL, n + 1, LB_POOL_LINE_MAX);
	size_t off = 0;
	int w;

	for (size_t i = 0; i < n; i++) {
		if (e[i].intent != POLICY_INTENT_READY || e[i].weight == 0)
			continue;
		w = snprintf(s + off, LB_POOL_LINE_MAX, "%s %s %" PRIu32 "\n",
		    e[i].name, e[i].ip, e[i].weight);
		if (w < 0 || w >= LB_POOL_LINE_MAX)
			fatalx(
			    "lb: pool line of relay %.63s too long", e[i].name);
		off += (size_t)w;
	}
	s[off] = '\0';
	*len = off;
	return (s);
}

char *
lb_pool_json(
    const struct lb_pool_entry *e, size_t n, uint64_t generated_at, size_t *len)
{
	cJSON *root = cJSON_CreateObject(), *relays, *o;
	char *text, *s;
	size_t tlen;

	cJSON_AddNumberToObject(root, "generated_at", (double)generated_at);
	relays = cJSON_AddArrayToObject(root, "relays");
	for (size_t i = 0; i < n; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", e[i].name);
		cJSON_AddStringToObject(o, "ip", e[i].ip);
		cJSON_AddStringToObject(
		    o, "intent", lb_intent_name(e[i].intent));
		cJSON_AddNumberToObject(o, "weight", (double)e[i].weight);
		cJSON_AddItemToArray(relays, o);
	}
	if ((text = cJSON_Print(root)) == NULL)
		fatalx("lb: out of memory");
	cJSON_Delete(root);
	tlen = strlen(text);
	s = xmalloc(tlen + 2); /* a text file ends with a newline */
	memcpy(s, text, tlen);
	s[tlen] = '\n';
	s[tlen + 1] = '\0';
	cJSON_free(text);
	*len = tlen + 1;
	return (s);
}

/* ---- the driver ---------------------------------------------------------- */

/* Logs why the pool is rewritten, unless that reason was the last one. */
static void __attribute__((format(printf, 3, 4)))
lb_file_note(struct lb_driver *d, bool warn, const char *fmt, ...)
{
	struct lb_file *f = d->priv;
	char why[LB_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (strcmp(why, f->noted) == 0)
		return;
	util_strlcpy(f->noted, why, sizeof(f->noted));
	if (warn)
		log_warnx("lb: lb=%s: %s", d->lb->name, why);
	else
		log_info("lb: lb=%s: %s", d->lb->name, why);
}

/* pool.txt is byte for byte what e[0..n) implies. */
static bool
lb_file_txt_agrees(struct lb_driver *d, const struct lb_pool_entry *e, size_t n)
{
	struct lb_file *f = d->priv;
	char *want, *txt;
	size_t wlen, tlen;
	bool same;

	want = lb_pool_text(e, n, &wlen);
	if (util_read_file(f->txt, wlen, &txt, &tlen) == -1) {
		if (errno == EFBIG)
			lb_file_note(d, true,
			    "%s does not match pool.json; rewriting both",
			    f->txt);
		else
			lb_file_note(d, true, "%s: %s; rewriting it", f->txt,
			    strerror(errno));
		free(want);
		return (false);
	}
	if (!(same = tlen == wlen && memcmp(txt, want, wlen) == 0))
		lb_file_note(d, true,
		    "%s does not match pool.json; rewriting both", f->txt);
	free(txt);
	free(want);
	return (same);
}

/*
 * Reads pool.json and checks pool.txt against it (d->stale when it
 * disagrees).  Returns 0 with the entries (caller frees), or -1 when
 * pool.json cannot be used (noted).
 */
static int
lb_file_load(struct lb_driver *d, struct lb_pool_entry **out, size_t *n)
{
	struct lb_file *f = d->priv;
	struct lb_pool_entry *e;
	const char *why;
	char *buf;
	size_t len, ne;

	if (util_read_file(f->json, LB_POOL_MAX_BYTES, &buf, &len) == -1) {
		if (errno == ENOENT) /* first start: not a warning */
			lb_file_note(
			    d, false, "%s: missing; writing it", f->json);
		else
			lb_file_note(d, true, "%s: %s; rewriting it", f->json,
			    strerror(errno));
		return (-1);
	}
	if (lb_pool_parse(buf, len, &e, &ne, &why) == -1) {
		lb_file_note(d, true, "%s: %s; rewriting it", f->json, why);
		free(buf);
		return (-1);
	}
	free(buf);
	if (!lb_file_txt_agrees(d, e, ne))
		d->stale = true; /* pool.json still tells the states */
	*out = e;
	*n = ne;
	return (0);
}

/* The configured relay named name, or conf->nrelays. */
static size_t
lb_file_relay(const struct fleetd_config *conf, const char *name)
{
	size_t r = 0;

	while (r < conf->nrelays && strcmp(conf->relays[r].name, name) != 0)
		r++;
	return (r);
}

/*
 * Maps each configured relay to its entry in map[] (LB_FILE_NONE if
 * absent or listed with another IP).  False unless every entry is a
 * configured relay with its IP, once, in config order: else flush() must
 * rewrite the pool even if every relay's state is as wanted.
 */
static bool
lb_file_match(const struct fleetd_config *conf, const struct lb_pool_entry *e,
    size_t ne, size_t *map)
{
	bool exact = true;
	size_t r = 0;

	for (size_t i = 0; i < conf->nrelays; i++)
		map[i] = LB_FILE_NONE;
	for (size_t j = 0; j < ne; j++) {
		size_t k;

		while (r < conf->nrelays &&
		       strcmp(conf->relays[r].name, e[j].name) != 0)
			r++;
		if (r < conf->nrelays)
			k = r++;
		else if ((k = lb_file_relay(conf, e[j].name)) ==
		         conf->nrelays) {
			exact = false; /* not (or no longer) configured */
			continue;
		} else
			exact = false; /* out of order */
		if (strcmp(conf->relays[k].ip, e[j].ip) != 0 ||
		    map[k] != LB_FILE_NONE) {
			exact = false;
			continue;
		}
		map[k] = j;
	}
	return (exact);
}

static int
lb_file_read(struct lb_driver *d, const struct lb_slot *slots, size_t n,
    struct lb_state *seen, char *err, size_t errlen)
{
	const struct fleetd_config *conf = d->conf;
	struct lb_file *f = d->priv;
	struct lb_pool_entry *e = NULL;
	size_t ne = 0, *map, missing = 0;

	(void)err;
	(void)errlen;
	memset(seen, 0, n * sizeof(*seen)); /* unknown */
	if (lb_file_load(d, &e, &ne) == -1)
		return (0);
	map = xcalloc(conf->nrelays + 1, sizeof(*map));
	if (!lb_file_match(conf, e, ne, map)) {
		lb_file_note(d, false,
		    "%s lists other relays or IPs than the configuration; "
		    "rewriting it",
		    f->json);
		d->stale = true;
	}
	for (size_t i = 0; i < n; i++) {
		size_t j = map[slots[i].relay];

		if (j == LB_FILE_NONE) {
			missing++;
			continue;
		}
		seen[i].known = true;
		seen[i].intent = e[j].intent;
		seen[i].weight = e[j].weight;
	}
	if (missing > 0)
		lb_file_note(d, false,
		    "%s lacks %zu of the configured relays; "
		    "adding them",
		    f->json, missing);
	else if (!d->stale)
		f->noted[0] = '\0'; /* a good pool: the next problem is news */
	free(map);
	free(e);
	return (0);
}

/* The pool is written whole by flush(), which gets every slot's want. */
static enum lb_apply_rc
lb_file_apply(struct lb_driver *d, const struct lb_slot *slot,
    const struct lb_want *want, const struct lb_state *seen, char *err,
    size_t errlen)
{
	(void)d;
	(void)slot;
	(void)want;
	(void)seen;
	(void)err;
	(void)errlen;
	return (LB_APPLY_OK);
}

/* The entries of the pool for wants[i] of slots[i], in config order. */
static struct lb_pool_entry *
lb_file_entries(const struct fleetd_config *conf, const struct lb_slot *slots,
    const struct lb_want *wants, size_t n, size_t *ne)
{
	struct lb_pool_entry *e = xcalloc(conf->nrelays + 1, sizeof(*e));
	const struct lb_want **by = xcalloc(conf->nrelays + 1, sizeof(*by));
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		by[slots[i].relay] = &wants[i];
	for (size_t r = 0; r < conf->nrelays; r++) {
		if (by[r] == NULL)
			continue;
		util_strlcpy(
		    e[k].name, conf->relays[r].name, sizeof(e[k].name));
		util_strlcpy(e[k].ip, conf->relays[r].ip, sizeof(e[k].ip));
		e[k].intent = by[r]->intent;
		/* percent (lb.h); more would make the pool unreadable */
		e[k].weight = by[r]->weight > 100 ? 100 : by[r]->weight;
		k++;
	}
	free(by);
	*ne = k;
	return (e);
}

static int
lb_file_flush(struct lb_driver *d, const struct lb_slot *slots,
    const struct lb_want *wants, size_t n, char *err, size_t errlen)
{
	struct lb_file *f = d->priv;
	struct lb_pool_entry *e;
	char *txt, *json;
	size_t ne, tlen, jlen;
	int rv = -1;

	e = lb_file_entries(d->conf, slots, wants, n, &ne);
	txt = lb_pool_text(e, ne, &tlen);
	json = lb_pool_json(e, ne, util_wall_s(), &jlen);
	/* pool.txt first: pool.json, read back, is the commit record */
	if (util_write_file_atomic(f->txt, txt, tlen, 0644) == -1)
		snprintf(err, errlen, "%s: %s", f->txt, strerror(errno));
	else if (util_write_file_atomic(f->json, json, jlen, 0644) == -1)
		snprintf(err, errlen, "%s: %s", f->json, strerror(errno));
	else
		rv = 0;
	free(json);
	free(txt);
	free(e);
	return (rv);
}

static void
lb_file_free(struct lb_driver *d)
{
	if (d == NULL)
		return;
	free(d->priv);
	free(d);
}

struct lb_driver *
lb_file_new(const struct fleetd_config *conf, const struct fleetd_lb *lb,
    struct lb_slot **slots, size_t *nslots, char *err, size_t errlen)
{
	struct lb_driver *d;
	struct lb_file *f;

	_Static_assert(sizeof(lb->target) + sizeof("/pool.json") <= PATH_MAX,
	    "pool file paths fit");
	if (lb->target[0] != '/') {
		snprintf(err, errlen, "[lb %s]: path %s: not an absolute path",
		    lb->name, lb->target);
		return (NULL);
	}
	f = xcalloc(1, sizeof(*f));
	snprintf(f->json, sizeof(f->json), "%s/pool.json", lb->target);
	snprintf(f->txt, sizeof(f->txt), "%s/pool.txt", lb->target);
	d = xcalloc(1, sizeof(*d));
	d->conf = conf;
	d->lb = lb;
	d->can_read = true;
	d->priv = f;
	d->read = lb_file_read;
	d->apply = lb_file_apply;
	d->flush = lb_file_flush;
	d->free = lb_file_free;
	*slots = xcalloc(conf->nrelays + 1, sizeof(**slots));
	for (size_t i = 0; i < conf->nrelays; i++) {
		(*slots)[i].relay = i;
		util_strlcpy((*slots)[i].target, conf->relays[i].name,
		    sizeof((*slots)[i].target));
	}
	*nslots = conf->nrelays;
	return (d);
}
