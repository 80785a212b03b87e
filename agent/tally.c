/* SPDX-License-Identifier: ISC */
/*
 * Result counters (see tally.h): two open-addressing hash tables keyed by
 * FNV-1a, one for counters and one for sample groups.  Both hold a few
 * hundred keys in practice; they are sized for the wire limits, allocated
 * once and never grow.
 */
#include "tally.h"

#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "logline.h"
#include "util.h"
#include "wire_check.h"

#define TALLY_COUNTER_SLOTS (2 * WIRE_COUNTERS_MAX) /* load <= 1/2 */
#define TALLY_GROUPS_MAX    (WIRE_SAMPLES_MAX / TALLY_SAMPLES)
#define TALLY_GROUP_SLOTS   (4 * TALLY_GROUPS_MAX)

struct tally_counter {
	char provider[WIRE_PROVIDER_MAX + 1];
	enum reason_class cls;
	enum delivery_status status;
	char dsn[WIRE_DSN_MAX + 1];
	uint64_t count;
};

struct tally_sample {
	char *text;     /* NULL: unused; sanitized (wire_text_sanitize) */
	size_t raw_len; /* the receiver's text was raw_len bytes and, */
	bool raw_same;  /* if raw_same, byte for byte text: compared raw */
	enum delivery_status status;
	char dsn[WIRE_DSN_MAX + 1];
	char mx_host[WIRE_HOST_MAX + 1];
	uint64_t first, last, count;
};

struct tally_group {
	char provider[WIRE_PROVIDER_MAX + 1];
	enum reason_class cls;
	struct tally_sample s[TALLY_SAMPLES];
};

/*
 * Counters and groups fill dense arrays in order of arrival; open
 * addressing tables of their index + 1 (0: free) find them.  Only the
 * used part of an array is ever touched, so a tally that sees a few
 * providers stays a few pages however large its limits.
 */
struct tally {
	struct tally_counter *counters; /* WIRE_COUNTERS_MAX */
	uint16_t *cslot;                /* TALLY_COUNTER_SLOTS */
	size_t ncounters;
	struct tally_group *groups; /* TALLY_GROUPS_MAX */
	uint16_t *gslot;            /* TALLY_GROUP_SLOTS */
	size_t ngroups, nsamples;
	uint64_t total;
	bool ip_alert;
};

static uint64_t
tally_hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return (h);
}

static uint64_t
tally_key(
    const char *provider, enum reason_class cls, int status, const char *dsn)
{
	uint64_t h = 0xcbf29ce484222325ull;
	int v[2] = {(int)cls, status};

	h = tally_hash(h, provider, strlen(provider));
	h = tally_hash(h, v, sizeof(v));
	return (tally_hash(h, dsn, strlen(dsn)));
}

struct tally *
tally_new(void)
{
	struct tally *t = xcalloc(1, sizeof(*t));

	t->counters = xcalloc(WIRE_COUNTERS_MAX, sizeof(*t->counters));
	t->cslot = xcalloc(TALLY_COUNTER_SLOTS, sizeof(*t->cslot));
	t->groups = xcalloc(TALLY_GROUPS_MAX, sizeof(*t->groups));
	t->gslot = xcalloc(TALLY_GROUP_SLOTS, sizeof(*t->gslot));
	return (t);
}

void
tally_reset(struct tally *t)
{
	for (size_t i = 0; i < t->ngroups; i++)
		for (int j = 0; j < TALLY_SAMPLES; j++)
			free(t->groups[i].s[j].text);
	memset(t->counters, 0, t->ncounters * sizeof(*t->counters));
	memset(t->cslot, 0, TALLY_COUNTER_SLOTS * sizeof(*t->cslot));
	memset(t->groups, 0, t->ngroups * sizeof(*t->groups));
	memset(t->gslot, 0, TALLY_GROUP_SLOTS * sizeof(*t->gslot));
	t->ncounters = t->ngroups = t->nsamples = 0;
	t->total = 0;
	t->ip_alert = false;
}

void
tally_free(struct tally *t)
{
	if (t == NULL)
		return;
	tally_reset(t);
	free(t->counters);
	free(t->cslot);
	free(t->groups);
	free(t->gslot);
	free(t);
}

uint64_t
tally_total(const struct tally *t)
{
	return (t->total);
}

bool
tally_has_ip_alert(const struct tally *t)
{
	return (t->ip_alert);
}

/*
 * Finds or adds the counter; NULL when the table has no room below limit
 * (the last STATUS_LAST + 1 slots are kept for the overflow keys, one
 * per status value).
 */
static struct tally_counter *
tally_counter(struct tally *t, const char *provider, enum reason_class cls,
    enum delivery_status status, const char *dsn, size_t limit)
{
	uint64_t h = tally_key(provider, cls, (int)status, dsn);
	struct tally_counter *c;

	for (size_t i = 0; i < TALLY_COUNTER_SLOTS; i++) {
		uint16_t *slot = &t->cslot[(h + i) % TALLY_COUNTER_SLOTS];

		if (*slot == 0) {
			if (t->ncounters >= limit ||
			    t->ncounters >= WIRE_COUNTERS_MAX)
				return (NULL);
			c = &t->counters[t->ncounters++];
			*slot = (uint16_t)t->ncounters;
			util_strlcpy(
			    c->provider, provider, sizeof(c->provider));
			c->cls = cls;
			c->status = status;
			util_strlcpy(c->dsn, dsn, sizeof(c->dsn));
			return (c);
		}
		c = &t->counters[*slot - 1];
		if (c->cls == cls && c->status == status &&
		    strcmp(c->provider, provider) == 0 &&
		    strcmp(c->dsn, dsn) == 0)
			return (c);
	}
	return (NULL);
}

static struct tally_group *
tally_group(struct tally *t, const char *provider, enum reason_class cls)
{
	uint64_t h = tally_key(provider, cls, 0, "");
	struct tally_group *g;

	for (size_t i = 0; i < TALLY_GROUP_SLOTS; i++) {
		uint16_t *slot = &t->gslot[(h + i) % TALLY_GROUP_SLOTS];

		if (*slot == 0) {
			if (t->ngroups >= TALLY_GROUPS_MAX)
				return (NULL);
			g = &t->groups[t->ngroups++];
			*slot = (uint16_t)t->ngroups;
			util_strlcpy(
			    g->provider, provider, sizeof(g->provider));
			g->cls = cls;
			return (g);
		}
		g = &t->groups[*slot - 1];
		if (g->cls == cls && strcmp(g->provider, provider) == 0)
			return (g);
	}
	return (NULL);
}

/*
 * Adds r to the samples of its group.  The text is sanitized first
 * (wire_text_sanitize(): cut to WIRE_TEXT_MAX, bytes that are not UTF-8
 * and hidden code points -> '?'), so that a receiver's text never makes a
 * Report fleetd refuses, and a repeated text is found again as one.
 */
/* The sample of g holding r's text, a free one, or NULL if g is full. */
static struct tally_sample *
tally_sample_find(struct tally_group *g, const struct tally_result *r,
    char *text, size_t size, bool *have)
{
	for (int i = 0; i < TALLY_SAMPLES; i++) {
		struct tally_sample *s = &g->s[i];

		if (s->text == NULL)
			return (s);
		/* the common case, a clean text seen before: no sanitizing */
		if (s->raw_same) {
			if (s->raw_len == r->textlen &&
			    memcmp(s->text, r->text, r->textlen) == 0)
				return (s);
			continue;
		}
		if (!*have) {
			wire_text_sanitize(text, size, r->text, r->textlen);
			*have = true;
		}
		if (strcmp(s->text, text) == 0)
			return (s);
	}
	return (NULL);
}

static void
tally_sample(struct tally *t, const struct tally_result *r, const char *dsn)
{
	char text[WIRE_TEXT_MAX + 1];
	struct tally_group *g;
	struct tally_sample *s;
	bool have = false;

	if ((g = tally_group(t, r->provider, r->cls)) == NULL)
		return;
	if ((s = tally_sample_find(g, r, text, sizeof(text), &have)) == NULL)
		return; /* TALLY_SAMPLES distinct texts kept already */
	if (s->text == NULL) {
		size_t len = have ? strlen(text)
		                  : wire_text_sanitize(text, sizeof(text),
		                        r->text, r->textlen);

		s->text = xstrdup(text);
		s->raw_len = r->textlen;
		s->raw_same =
		    len == r->textlen && memcmp(text, r->text, r->textlen) == 0;
		s->status = r->status;
		util_strlcpy(s->dsn, dsn, sizeof(s->dsn));
		if (r->mx_host != NULL &&
		    wire_word_ok(r->mx_host, WIRE_HOST_MAX))
			util_strlcpy(
			    s->mx_host, r->mx_host, sizeof(s->mx_host));
		s->first = r->when;
		t->nsamples++;
	}
	s->last = r->when > s->last ? r->when : s->last;
	s->first = r->when < s->first ? r->when : s->first;
	s->count++;
}

void
tally_add(struct tally *t, const struct tally_result *r)
{
	const char *dsn = r->dsn != NULL && wire_dsn_ok(r->dsn) ? r->dsn : "";
	const char *provider =
	    wire_provider_ok(r->provider) ? r->provider : "other";
	struct tally_counter *c;
	struct tally_result rr = *r;

	rr.provider = provider;
	if ((c = tally_counter(t, provider, r->cls, r->status, dsn,
	         WIRE_COUNTERS_MAX - (STATUS_LAST + 1))) == NULL &&
	    (c = tally_counter(t, "other", CLASS_OTHER, r->status, "",
	         WIRE_COUNTERS_MAX)) == NULL)
		return; /* cannot happen: room is kept for these */
	c->count++;
	t->total++;
	if (r->cls == CLASS_IP_BLOCKED || r->cls == CLASS_IP_THROTTLED)
		t->ip_alert = true;
	if (r->status != STATUS_SENT && r->text != NULL && r->textlen > 0)
		tally_sample(t, &rr, dsn);
}

static void
tally_fill_samples(const struct tally *t, struct wire_report *r)
{
	size_t n = 0;

	r->samples = xcalloc(t->nsamples, sizeof(*r->samples));
	for (size_t i = 0; i < t->ngroups; i++) {
		const struct tally_group *g = &t->groups[i];

		for (int j = 0; j < TALLY_SAMPLES; j++) {
			const struct tally_sample *s = &g->s[j];
			struct wire_sample *w = &r->samples[n];

			if (s->text == NULL)
				continue;
			util_strlcpy(
			    w->provider, g->provider, sizeof(w->provider));
			w->cls = g->cls;
			w->status = s->status;
			util_strlcpy(w->dsn, s->dsn, sizeof(w->dsn));
			w->text = xstrdup(s->text);
			w->first_seen = s->first;
			w->last_seen = s->last;
			util_strlcpy(
			    w->mx_host, s->mx_host, sizeof(w->mx_host));
			n++;
		}
	}
	r->n_samples = n;
}

void
tally_fill_report(const struct tally *t, struct wire_report *r)
{
	size_t n = 0;

	r->counters = xcalloc(t->ncounters, sizeof(*r->counters));
	for (size_t i = 0; i < t->ncounters; i++) {
		const struct tally_counter *c = &t->counters[i];
		struct wire_counter *w = &r->counters[n];

		util_strlcpy(w->provider, c->provider, sizeof(w->provider));
		w->cls = c->cls;
		w->status = c->status;
		util_strlcpy(w->dsn, c->dsn, sizeof(w->dsn));
		w->count =
		    c->count > UINT32_MAX ? UINT32_MAX : (uint32_t)c->count;
		n++;
	}
	r->n_counters = n;
	tally_fill_samples(t, r);
}

void
tally_add_logline(
    struct tally *t, struct classify *rules, const struct logline_result *lr)
{
	char text[WIRE_TEXT_MAX + 1];
	size_t n = lr->textlen < WIRE_TEXT_MAX ? lr->textlen : WIRE_TEXT_MAX;
	struct tally_result tr = {0};

	/* relay=none, relay=local: no MX to go by */
	tr.mx_host = lr->relay_addr[0] != '\0' ? lr->relay_host : NULL;
	tr.provider = classify_provider(rules, tr.mx_host, lr->domain);
	tr.status = lr->status;
	tr.dsn = lr->dsn;
	tr.text = lr->text;
	tr.textlen = lr->textlen;
	tr.when = lr->time > 0 ? (uint64_t)lr->time : 0;
	if (lr->status == STATUS_SENT) {
		tr.cls = CLASS_DELIVERED;
	} else {
		memcpy(text, lr->text, n);
		text[n] = '\0';
		tr.cls = classify_class(rules, tr.provider, lr->dsn, text);
	}
	tally_add(t, &tr);
}
