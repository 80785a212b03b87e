/* SPDX-License-Identifier: ISC */
/*
 * Delivery health per relay x receiving provider: sliding windows of the
 * results the agents reported (attempts, delivered, deferred, bounced,
 * failures by reason class), and a display score.  Decisions never come
 * from the score: controller/policy counts named classes in named windows.
 *
 * Each (relay, provider) cell keeps HEALTH_MINUTES one-minute buckets and
 * HEALTH_HOURS one-hour buckets, ring-indexed by absolute minute/hour, so
 * a window of up to an hour is resolved to the minute and a longer one to
 * the hour.  A bucket counts toward a window when any part of it lies in
 * (now - span, now]; results older than 24 h before the newest time seen
 * are dropped.  Memory grows with the (relay, provider) pairs in use, never
 * with the number of results.  Pure data: no clock (callers pass `now`),
 * no I/O, no locking; fleetd's core thread owns it.
 */
#ifndef FLEET_CONTROLLER_HEALTH_H
#define FLEET_CONTROLLER_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "reason.h"

#define HEALTH_MINUTES       60
#define HEALTH_HOURS         25          /* 24 h plus the hour in progress */
#define HEALTH_SPAN_MAX      (24 * 3600) /* s: the longest window */
#define HEALTH_PROVIDER_MAX  32
#define HEALTH_PROVIDERS_MAX 256 /* cells per relay, "other" included */

struct health;

struct health_counts {
	uint64_t attempts;  /* every result */
	uint64_t delivered; /* status sent */
	uint64_t deferred;  /* status deferred */
	uint64_t bounced;   /* status bounced or expired */
	/* results per class; by_class[CLASS_DELIVERED] == delivered */
	uint64_t by_class[CLASS_LAST + 1];
};

/* A new, empty table for relays 0..nrelays-1.  Never fails (xcalloc). */
struct health *health_new(size_t nrelays);

/* Accepts NULL. */
void health_free(struct health *h);

/*
 * Counts `count` results of (provider, cls, status) for relay (< nrelays)
 * at t (unix s; callers clamp it to their clock, as a far-future t mutes
 * the cell).  A sent result counts as CLASS_DELIVERED, a failure given as
 * CLASS_DELIVERED as CLASS_OTHER.  Ignored: count 0, STATUS_UNSPEC, unknown
 * values, a provider "" or longer than HEALTH_PROVIDER_MAX, t older than
 * HEALTH_SPAN_MAX before the cell's newest.  A relay's providers past
 * HEALTH_PROVIDERS_MAX - 1 count as "other".
 */
void health_add(struct health *h, size_t relay, const char *provider,
    enum reason_class cls, enum delivery_status status, uint32_t count,
    uint64_t t);

/*
 * Sums the results of relay for provider (NULL: every provider) over the
 * window (now - span_s, now], span_s <= HEALTH_SPAN_MAX, into *out (zeroed
 * first).  Up to an hour in minute buckets, else in hour buckets; a bucket
 * counts when any part of it is in the window, at most a ring's worth
 * (an hour reads the 60 minutes ending with now's).  Resolution is the
 * bucket: results later in now's own minute (hour) are counted.
 */
void health_count(const struct health *h, size_t relay, const char *provider,
    uint64_t span_s, uint64_t now, struct health_counts *out);

/*
 * The number of distinct providers that gave relay at least one result of
 * class cls in (now - span_s, now].
 */
size_t health_providers_with(const struct health *h, size_t relay,
    enum reason_class cls, uint64_t span_s, uint64_t now);

/*
 * The providers that have a cell for relay, in the order they first
 * appeared: health_provider(h, relay, i) for i < health_nproviders(); the
 * string is borrowed and lives as long as h.
 */
size_t health_nproviders(const struct health *h, size_t relay);
const char *health_provider(const struct health *h, size_t relay, size_t i);

/*
 * Display score 0..100 over the last hour for relay and provider (NULL:
 * the relay as a whole: the lowest score of its providers with at least
 * HEALTH_SCORE_MIN attempts, else of all), or -1 when there were no
 * attempts.  100 minus the share of attempts that failed for a reason that
 * is the relay's fault (ip_blocked, ip_throttled, ptr count fully;
 * network, busy and tls count half); recipient- and content-side failures
 * (auth, content, unknown_user, ...) do not lower it.
 */
#define HEALTH_SCORE_MIN 5
int health_score(
    const struct health *h, size_t relay, const char *provider, uint64_t now);

#endif /* FLEET_CONTROLLER_HEALTH_H */
