/* SPDX-License-Identifier: ISC */
/*
 * Health windows (see health.h).  Each relay owns a growable array of
 * pointers to provider cells, in the order the providers first appeared;
 * a cell never moves, so health_provider() strings stay valid.  A bucket
 * is tagged with the absolute minute (t / 60) or hour (t / 3600) it holds:
 * a slot whose tag is not the one asked for reads as empty, and a write
 * to it starts it afresh, so time moving on costs nothing.  Counters are
 * uint32_t per bucket and saturate; sums are uint64_t.
 */
#include "health.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define HEALTH_MINUTE 60   /* s */
#define HEALTH_HOUR   3600 /* s */
#define HEALTH_OTHER  "other"

/*
 * 80 bytes.  delivered is by_class[CLASS_DELIVERED] and attempts is the
 * sum of by_class (every result counts under exactly one class), so
 * neither is stored twice.
 */
struct health_bucket {
	uint32_t at; /* absolute minute or hour held */
	uint32_t deferred;
	uint32_t bounced;
	uint32_t by_class[CLASS_LAST + 1];
};

/*
 * (HEALTH_MINUTES + HEALTH_HOURS) * 80 + 48 = 6848 bytes on LP64: a fleet
 * of 100 relays seeing 20 providers each holds about 13.7 MB.
 */
struct health_cell {
	char provider[HEALTH_PROVIDER_MAX + 1];
	uint64_t newest; /* unix s: the latest result time seen */
	struct health_bucket minutes[HEALTH_MINUTES];
	struct health_bucket hours[HEALTH_HOURS];
};

struct health_relay {
	struct health_cell **cells; /* owned, in order of first appearance */
	size_t n, cap;
};

struct health {
	size_t nrelays;
	struct health_relay *relays; /* owned, nrelays entries */
};

/* The bucket range of a window: ring[at % nslots] for at in first..last. */
struct health_range {
	const struct health_bucket *ring;
	size_t nslots;
	uint64_t first, last;
};

_Static_assert(sizeof(struct health_bucket) == 80, "bucket size");

struct health *
health_new(size_t nrelays)
{
	struct health *h = xcalloc(1, sizeof(*h));

	h->nrelays = nrelays;
	h->relays = xcalloc(nrelays, sizeof(*h->relays));
	return (h);
}

void
health_free(struct health *h)
{
	if (h == NULL)
		return;
	for (size_t r = 0; h->relays != NULL && r < h->nrelays; r++) {
		struct health_relay *hr = &h->relays[r];

		for (size_t i = 0; i < hr->n; i++)
			free(hr->cells[i]);
		free(hr->cells);
		hr->cells = NULL;
	}
	free(h->relays);
	h->relays = NULL;
	free(h);
}

/* The index of provider's cell, or hr->n if it has none. */
static size_t
health_cell_find(const struct health_relay *hr, const char *provider)
{
	size_t i;

	for (i = 0; i < hr->n; i++)
		if (strcmp(hr->cells[i]->provider, provider) == 0)
			break;
	return (i);
}

/*
 * The cell of provider, created if new.  The last of the
 * HEALTH_PROVIDERS_MAX places is kept for "other", which takes the
 * results of every provider beyond the limit.
 */
static struct health_cell *
health_cell_get(struct health_relay *hr, const char *provider, uint64_t t)
{
	struct health_cell *c;
	size_t i;

	if ((i = health_cell_find(hr, provider)) < hr->n)
		return (hr->cells[i]);
	if (hr->n >= HEALTH_PROVIDERS_MAX - 1 &&
	    strcmp(provider, HEALTH_OTHER) != 0) {
		provider = HEALTH_OTHER;
		if ((i = health_cell_find(hr, provider)) < hr->n)
			return (hr->cells[i]);
	}
	if (hr->n == hr->cap) {
		hr->cap = hr->cap == 0 ? 4 : hr->cap * 2;
		hr->cells =
		    xreallocarray(hr->cells, hr->cap, sizeof(*hr->cells));
	}
	c = xcalloc(1, sizeof(*c));
	util_strlcpy(c->provider, provider, sizeof(c->provider));
	c->newest = t;
	hr->cells[hr->n++] = c;
	return (c);
}

static void
health_sat_add(uint32_t *v, uint32_t n)
{
	*v = n > UINT32_MAX - *v ? UINT32_MAX : *v + n;
}

/* Adds to the bucket of absolute minute or hour at in ring. */
static void
health_bucket_add(struct health_bucket *ring, size_t nslots, uint64_t at,
    enum reason_class cls, enum delivery_status status, uint32_t count)
{
	struct health_bucket *b = &ring[at % nslots];

	if (b->at != at) {
		/* health_add's limits keep a newer period out of the slot */
		assert(b->at < at);
		memset(b, 0, sizeof(*b));
		b->at = (uint32_t)at;
	}
	if (status == STATUS_DEFERRED)
		health_sat_add(&b->deferred, count);
	else if (status == STATUS_BOUNCED || status == STATUS_EXPIRED)
		health_sat_add(&b->bounced, count);
	health_sat_add(&b->by_class[cls], count);
}

void
health_add(struct health *h, size_t relay, const char *provider,
    enum reason_class cls, enum delivery_status status, uint32_t count,
    uint64_t t)
{
	struct health_cell *c;
	size_t n;

	assert(relay < h->nrelays);
	n = provider != NULL ? strnlen(provider, HEALTH_PROVIDER_MAX + 1) : 0;
	if (count == 0 || status <= STATUS_UNSPEC || status > STATUS_LAST ||
	    cls > CLASS_LAST || n == 0 || n > HEALTH_PROVIDER_MAX ||
	    t / HEALTH_MINUTE > UINT32_MAX) /* the tags are 32 bits */
		return;
	if (status == STATUS_SENT)
		cls = CLASS_DELIVERED;
	else if (cls == CLASS_DELIVERED) /* a failure cannot be a delivery */
		cls = CLASS_OTHER;
	c = health_cell_get(&h->relays[relay], provider, t);
	if (t + HEALTH_SPAN_MAX < c->newest)
		return;
	if (t > c->newest)
		c->newest = t;
	/* the minute ring holds the HEALTH_MINUTES minutes up to the newest */
	if (t / HEALTH_MINUTE + HEALTH_MINUTES > c->newest / HEALTH_MINUTE)
		health_bucket_add(c->minutes, HEALTH_MINUTES, t / HEALTH_MINUTE,
		    cls, status, count);
	health_bucket_add(
	    c->hours, HEALTH_HOURS, t / HEALTH_HOUR, cls, status, count);
}

/*
 * The buckets of cell that have a part in (now - span_s, now]: at most a
 * whole ring, ending with the bucket that holds now.  Returns false for an
 * empty window.
 */
static bool
health_range(const struct health_cell *c, uint64_t span_s, uint64_t now,
    struct health_range *rg)
{
	uint64_t unit, lo;

	if (span_s == 0)
		return (false);
	if (span_s > HEALTH_SPAN_MAX)
		span_s = HEALTH_SPAN_MAX;
	if (span_s <= HEALTH_HOUR) {
		rg->ring = c->minutes;
		rg->nslots = HEALTH_MINUTES;
		unit = HEALTH_MINUTE;
	} else {
		rg->ring = c->hours;
		rg->nslots = HEALTH_HOURS;
		unit = HEALTH_HOUR;
	}
	lo = now >= span_s ? now - span_s + 1 : 0; /* the first second in */
	rg->last = now / unit;
	rg->first = lo / unit;
	if (rg->last - rg->first >= rg->nslots)
		rg->first = rg->last - rg->nslots + 1;
	return (true);
}

/* The bucket of rg for absolute period at, or NULL if its slot is stale. */
static const struct health_bucket *
health_range_bucket(const struct health_range *rg, uint64_t at)
{
	const struct health_bucket *b = &rg->ring[at % rg->nslots];

	return (b->at == at ? b : NULL);
}

static void
health_cell_count(const struct health_cell *c, uint64_t span_s, uint64_t now,
    struct health_counts *out)
{
	const struct health_bucket *b;
	struct health_range rg;

	if (!health_range(c, span_s, now, &rg))
		return;
	for (uint64_t at = rg.first; at <= rg.last; at++) {
		if ((b = health_range_bucket(&rg, at)) == NULL)
			continue;
		out->deferred += b->deferred;
		out->bounced += b->bounced;
		for (size_t k = 0; k <= CLASS_LAST; k++) {
			out->by_class[k] += b->by_class[k];
			out->attempts += b->by_class[k];
		}
	}
	out->delivered = out->by_class[CLASS_DELIVERED];
}

void
health_count(const struct health *h, size_t relay, const char *provider,
    uint64_t span_s, uint64_t now, struct health_counts *out)
{
	const struct health_relay *hr;
	size_t i;

	assert(relay < h->nrelays);
	memset(out, 0, sizeof(*out));
	hr = &h->relays[relay];
	if (provider != NULL) {
		if ((i = health_cell_find(hr, provider)) < hr->n)
			health_cell_count(hr->cells[i], span_s, now, out);
		return;
	}
	for (i = 0; i < hr->n; i++)
		health_cell_count(hr->cells[i], span_s, now, out);
}

static bool
health_cell_has(const struct health_cell *c, enum reason_class cls,
    uint64_t span_s, uint64_t now)
{
	const struct health_bucket *b;
	struct health_range rg;

	if (!health_range(c, span_s, now, &rg))
		return (false);
	for (uint64_t at = rg.first; at <= rg.last; at++)
		if ((b = health_range_bucket(&rg, at)) != NULL &&
		    b->by_class[cls] > 0)
			return (true);
	return (false);
}

size_t
health_providers_with(const struct health *h, size_t relay,
    enum reason_class cls, uint64_t span_s, uint64_t now)
{
	const struct health_relay *hr;
	size_t n = 0;

	assert(relay < h->nrelays);
	if (cls > CLASS_LAST)
		return (0);
	hr = &h->relays[relay];
	for (size_t i = 0; i < hr->n; i++)
		if (health_cell_has(hr->cells[i], cls, span_s, now))
			n++;
	return (n);
}

size_t
health_nproviders(const struct health *h, size_t relay)
{
	assert(relay < h->nrelays);
	return (h->relays[relay].n);
}

const char *
health_provider(const struct health *h, size_t relay, size_t i)
{
	assert(relay < h->nrelays && i < h->relays[relay].n);
	return (h->relays[relay].cells[i]->provider);
}

/*
 * 100 - round(100 * bad / attempts), where bad counts ip_blocked,
 * ip_throttled and ptr fully and network, busy and tls half; worked in
 * halves so the rounding (half up) stays in integers.
 */
static int
health_counts_score(const struct health_counts *k)
{
	const uint64_t *b = k->by_class;
	uint64_t halves, lost;

	if (k->attempts == 0)
		return (-1);
	halves =
	    2 * (b[CLASS_IP_BLOCKED] + b[CLASS_IP_THROTTLED] + b[CLASS_PTR]) +
	    b[CLASS_NETWORK] + b[CLASS_BUSY] + b[CLASS_TLS];
	lost = (100 * halves + k->attempts) / (2 * k->attempts);
	return (lost >= 100 ? 0 : (int)(100 - lost));
}

int
health_score(
    const struct health *h, size_t relay, const char *provider, uint64_t now)
{
	const struct health_relay *hr;
	struct health_counts k;
	int s, low_min = -1, low_any = -1;

	assert(relay < h->nrelays);
	if (provider != NULL) {
		health_count(h, relay, provider, HEALTH_HOUR, now, &k);
		return (health_counts_score(&k));
	}
	hr = &h->relays[relay];
	for (size_t i = 0; i < hr->n; i++) {
		memset(&k, 0, sizeof(k));
		health_cell_count(hr->cells[i], HEALTH_HOUR, now, &k);
		if ((s = health_counts_score(&k)) == -1)
			continue;
		if (low_any == -1 || s < low_any)
			low_any = s;
		if (k.attempts >= HEALTH_SCORE_MIN &&
		    (low_min == -1 || s < low_min))
			low_min = s;
	}
	return (low_min != -1 ? low_min : low_any);
}
