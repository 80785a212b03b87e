/* SPDX-License-Identifier: ISC */
/*
 * The core's start (see core_int.h): health from the counters of the
 * last day, relay states and maintenance windows from the store, before
 * the core thread runs.  A restart so decides nothing again: what was
 * decided is in the saved states, and the windows of health see the same
 * counts they saw.
 */
#include "core_int.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

struct core_restore {
	struct health *health;
	struct policy *policy;
	const struct policy_relay_conf *relays;
	size_t nrelays;
	size_t last; /* the relay of the previous row: rows come by report */
	uint64_t rows, skipped;
};

static size_t
core_relay_index(struct core_restore *r, const char *name)
{
	if (r->last < r->nrelays && strcmp(r->relays[r->last].name, name) == 0)
		return (r->last);
	return (r->last = policy_relay_index(r->policy, name));
}

static void
core_restore_counter_cb(
    void *arg, const char *relay, const struct wire_counter *k, uint64_t t)
{
	struct core_restore *r = arg;
	size_t i = core_relay_index(r, relay);

	if (i == r->nrelays) {
		r->skipped++; /* a retired relay */
		return;
	}
	health_add(r->health, i, k->provider, k->cls, k->status, k->count, t);
	r->rows++;
}

static int
core_restore_state_cb(void *arg, const char *relay, const char *json)
{
	struct core_restore *r = arg;
	size_t i = core_relay_index(r, relay);
	const char *errstr;

	if (i == r->nrelays)
		return (0);
	if (policy_relay_from_json(r->policy, i, json, &errstr) == -1)
		log_warnx("core: relay=%s: saved state unreadable (%s); "
		          "starting active",
		    relay, errstr);
	return (0);
}

static int
core_restore_window_cb(void *arg, const struct wire_window *w)
{
	struct core_restore *r = arg;
	const char *errstr;

	if (policy_window_load(r->policy, w, &errstr) == -1)
		log_warnx("core: window %s not restored: %s", w->name, errstr);
	return (0);
}

int
core_restore(struct store *st, struct health *h, struct policy *p,
    const struct policy_relay_conf *relays, size_t nrelays, uint64_t now,
    char *err, size_t errlen)
{
	struct core_restore r = {.health = h,
	    .policy = p,
	    .relays = relays,
	    .nrelays = nrelays,
	    .last = SIZE_MAX};

	if (store_counters_since(st,
	        now > HEALTH_SPAN_MAX ? now - HEALTH_SPAN_MAX : 0,
	        core_restore_counter_cb, &r) == -1 ||
	    store_state_load(st, core_restore_state_cb, &r) == -1 ||
	    store_windows_load(st,
	        now > POLICY_REBLOCK_S ? now - POLICY_REBLOCK_S : 0,
	        core_restore_window_cb, &r) == -1) {
		snprintf(err, errlen, "restore: %s", store_errmsg(st));
		return (-1);
	}
	log_info("core: restored %" PRIu64 " counters of the last day, "
	         "%zu windows",
	    r.rows, policy_nwindows(p));
	return (0);
}
