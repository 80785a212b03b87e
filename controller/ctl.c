/* SPDX-License-Identifier: ISC */
/* Control requests (see ctl.h).  Runs on fleetd's core thread. */
#include "ctl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"
#include "wire_check.h"

#define CTL_EVENTS_DEFAULT  200 /* events when the request names no limit */
#define CTL_SHOW_EVENTS     20
#define CTL_SHOW_SAMPLES    10
#define CTL_SHOW_SPAN       86400 /* s: samples shown by show */
#define CTL_REPLY_BUDGET    (WIRE_MAX_MSG / 4 * 3) /* bytes of events */
#define CTL_EVENT_OVERHEAD  512 /* an event's fields but reason, counts */
#define CTL_SAMPLE_OVERHEAD 384 /* a sample's fields but its text */

static const uint64_t ctl_health_spans[WIRE_HEALTH_WINDOWS] = {
    300, 3600, 86400};

bool
ctl_op_mutates(enum wire_ctl_op op)
{
	return (op == WIRE_CTL_DRAIN || op == WIRE_CTL_ENABLE ||
	        op == WIRE_CTL_MAINT_ADD || op == WIRE_CTL_MAINT_CANCEL);
}

const char *
ctl_op_name(enum wire_ctl_op op)
{
	switch (op) {
	case WIRE_CTL_STATUS:
		return ("status");
	case WIRE_CTL_SHOW:
		return ("show");
	case WIRE_CTL_DRAIN:
		return ("drain");
	case WIRE_CTL_ENABLE:
		return ("enable");
	case WIRE_CTL_MAINT_ADD:
		return ("maint add");
	case WIRE_CTL_MAINT_LIST:
		return ("maint list");
	case WIRE_CTL_MAINT_CANCEL:
		return ("maint cancel");
	case WIRE_CTL_EVENTS:
		return ("events");
	case WIRE_CTL_AGENTS:
		return ("agents");
	case WIRE_CTL_LB:
		return ("lb");
	}
	return ("unknown");
}

static void __attribute__((format(printf, 2, 3)))
ctl_error(struct wire_ctl_reply *rep, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(rep->error, sizeof(rep->error), fmt, ap);
	(void)wire_text_sanitize(
	    rep->error, sizeof(rep->error), rep->error, strlen(rep->error));
	va_end(ap);
	rep->ok = false;
}

static void
ctl_store_error(struct ctl_ctx *c, struct wire_ctl_reply *rep, const char *op)
{
	log_warnx("ctl: %s: %s", op, store_errmsg(c->st));
	ctl_error(rep, "store error");
}

/* The relay index named by req->relay, or n with an error reply. */
static size_t
ctl_relay(struct ctl_ctx *c, const char *name, struct wire_ctl_reply *rep)
{
	size_t n = policy_nrelays(c->policy);
	size_t i;

	if (name[0] == '\0') {
		ctl_error(rep, "a relay name is required");
		return (n);
	}
	if ((i = policy_relay_index(c->policy, name)) == n)
		ctl_error(rep, "no relay named %s", name);
	return (i);
}

/* Each load balancer that does not have what relay i should. */
static void
ctl_fill_lb(struct ctl_ctx *c, size_t i, struct wire_relay_status *rs)
{
	size_t n = 0;

	if (c->lbs == NULL || c->conf->nlbs == 0)
		return;
	rs->lb = xcalloc(c->conf->nlbs, sizeof(*rs->lb));
	for (size_t k = 0; k < c->conf->nlbs && n < WIRE_LBS_MAX; k++) {
		const struct lb_relay_result *rr;
		struct wire_lb_applied *a = &rs->lb[n];

		if (c->lbs[k].relays == NULL)
			continue; /* no round yet */
		rr = &c->lbs[k].relays[i];
		if (!rr->has_targets || (rr->in_sync && !rr->held))
			continue;
		util_strlcpy(a->lb, c->conf->lbs[k].name, sizeof(a->lb));
		a->known = rr->known;
		if (rr->known) {
			util_strlcpy(a->intent, policy_intent_name(rr->intent),
			    sizeof(a->intent));
			a->weight = rr->weight > 100 ? 100 : rr->weight;
		}
		util_strlcpy(a->target, rr->target, sizeof(a->target));
		util_strlcpy(a->error, rr->error, sizeof(a->error));
		a->held = rr->held;
		n++;
	}
	rs->n_lb = n;
	if (n == 0) {
		free(rs->lb);
		rs->lb = NULL;
	}
}

/* Adds the policy's decision and the score to a status row. */
static void
ctl_fill_decision(struct ctl_ctx *c, struct wire_relay_status *rs)
{
	size_t i = policy_relay_index(c->policy, rs->name);
	const struct policy_relay *pr;

	rs->score = -1;
	if (i == policy_nrelays(c->policy))
		return;
	pr = policy_relay(c->policy, i);
	util_strlcpy(
	    rs->state, policy_state_name(pr->state), sizeof(rs->state));
	rs->since = pr->since;
	rs->until = pr->until;
	util_strlcpy(rs->rule, pr->rule, sizeof(rs->rule));
	util_strlcpy(rs->provider, pr->provider, sizeof(rs->provider));
	util_strlcpy(rs->reason, pr->reason, sizeof(rs->reason));
	util_strlcpy(
	    rs->intent, policy_intent_name(pr->intent), sizeof(rs->intent));
	rs->weight = pr->weight;
	rs->score = health_score(c->health, i, NULL, c->now);
	ctl_fill_lb(c, i, rs);
}

/* Status rows of every relay, or of `only` ("" all). */
static int
ctl_load_status(struct ctl_ctx *c, const char *only, struct wire_ctl_reply *rep)
{
	size_t j = 0;

	if (store_relay_status(c->st, rep) == -1) {
		ctl_store_error(c, rep, "status");
		return (-1);
	}
	for (size_t i = 0; i < rep->n_relays; i++) {
		if (only[0] != '\0' && strcmp(rep->relays[i].name, only) != 0) {
			wire_queue_fini(&rep->relays[i].queue);
			continue;
		}
		ctl_fill_decision(c, &rep->relays[i]);
		rep->relays[j++] = rep->relays[i];
	}
	rep->n_relays = j;
	if (only[0] != '\0' && j == 0) {
		ctl_error(rep, "no relay named %s", only);
		return (-1);
	}
	return (0);
}

static void
ctl_status(struct ctl_ctx *c, const struct wire_ctl_request *req,
    struct wire_ctl_reply *rep)
{
	if (ctl_load_status(c, req->relay, rep) == 0)
		rep->ok = true;
}

/* The health of one relay x provider over the three spans. */
static void
ctl_fill_health(struct ctl_ctx *c, size_t relay, const char *provider,
    struct wire_provider_health *ph)
{
	util_strlcpy(ph->provider, provider, sizeof(ph->provider));
	ph->score = health_score(c->health, relay, provider, c->now);
	ph->n_windows = WIRE_HEALTH_WINDOWS;
	for (size_t w = 0; w < WIRE_HEALTH_WINDOWS; w++) {
		struct wire_health_window *hw = &ph->windows[w];
		struct health_counts hc;

		health_count(c->health, relay, provider, ctl_health_spans[w],
		    c->now, &hc);
		hw->span_s = ctl_health_spans[w];
		hw->attempts = hc.attempts;
		hw->delivered = hc.delivered;
		hw->deferred = hc.deferred;
		hw->bounced = hc.bounced;
		for (int k = CLASS_DELIVERED + 1; k <= CLASS_LAST; k++) {
			if (hc.by_class[k] > hw->worst_count) {
				hw->worst_count = hc.by_class[k];
				hw->worst_class = (enum reason_class)k;
			}
		}
	}
}

static int
ctl_show_health(struct ctl_ctx *c, size_t relay, struct wire_ctl_reply *rep)
{
	size_t n = health_nproviders(c->health, relay);

	if (n > WIRE_HEALTH_MAX)
		n = WIRE_HEALTH_MAX;
	rep->health = xcalloc(n + 1, sizeof(*rep->health));
	for (size_t i = 0; i < n; i++)
		ctl_fill_health(c, relay, health_provider(c->health, relay, i),
		    &rep->health[rep->n_health++]);
	return (0);
}

/* events[0]: what put the relay in its state; then the recent ones. */
static int
ctl_show_events(struct ctl_ctx *c, const struct wire_relay_status *rs,
    struct wire_ctl_reply *rep)
{
	struct wire_ctl_reply recent = {0};
	struct wire_event latest;
	bool found = false;

	memset(&latest, 0, sizeof(latest));
	if (store_event_latest(c->st, rs->name, rs->state, &latest, &found) ==
	        -1 ||
	    store_events(c->st, rs->name, 0, CTL_SHOW_EVENTS, &recent) == -1) {
		wire_event_fini(&latest);
		wire_ctl_reply_fini(&recent);
		return (-1);
	}
	rep->events = xcalloc(recent.n_events + 1, sizeof(*rep->events));
	if (found)
		rep->events[rep->n_events++] = latest;
	for (size_t i = 0; i < recent.n_events; i++) {
		if (found && recent.events[i].id == latest.id) {
			wire_event_fini(&recent.events[i]); /* sent first */
			continue;
		}
		rep->events[rep->n_events++] = recent.events[i];
	}
	free(recent.events);
	recent.events = NULL;
	recent.n_events = 0;
	wire_ctl_reply_fini(&recent);
	return (0);
}

static int
ctl_show_samples(
    struct ctl_ctx *c, const char *relay, struct wire_ctl_reply *rep)
{
	size_t n = 0;

	rep->samples = xcalloc(CTL_SHOW_SAMPLES, sizeof(*rep->samples));
	if (store_samples_recent(c->st, relay, "", 0,
	        c->now > CTL_SHOW_SPAN ? c->now - CTL_SHOW_SPAN : 0,
	        CTL_SHOW_SAMPLES, rep->samples, &n) == -1)
		return (-1);
	rep->n_samples = n;
	return (0);
}

/* Windows of relay that have not ended (or every window if relay is n). */
static void
ctl_fill_windows(struct ctl_ctx *c, size_t relay, struct wire_ctl_reply *rep)
{
	size_t n = policy_nwindows(c->policy);

	rep->windows = xcalloc(n + 1, sizeof(*rep->windows));
	for (size_t i = 0; i < n && rep->n_windows < WIRE_WINDOWS_MAX; i++) {
		const struct wire_window *w =
		    policy_window(c->policy, i, c->now);
		struct wire_window *d;
		bool has = relay == policy_nrelays(c->policy);

		for (size_t k = 0; !has && k < w->n_relays; k++)
			has = policy_relay_index(c->policy, w->relays[k]) ==
			      relay;
		if (!has || (relay != policy_nrelays(c->policy) &&
		                (strcmp(w->state, "ended") == 0 ||
		                    strcmp(w->state, "cancelled") == 0)))
			continue;
		d = &rep->windows[rep->n_windows++];
		*d = *w;
		d->relays = xcalloc(w->n_relays + 1, sizeof(*d->relays));
		memcpy(d->relays, w->relays, w->n_relays * sizeof(*d->relays));
	}
}

static void
ctl_show(struct ctl_ctx *c, const struct wire_ctl_request *req,
    struct wire_ctl_reply *rep)
{
	size_t relay = ctl_relay(c, req->relay, rep);

	if (relay == policy_nrelays(c->policy) ||
	    ctl_load_status(c, req->relay, rep) == -1)
		return;
	if (ctl_show_health(c, relay, rep) == -1 ||
	    ctl_show_events(c, &rep->relays[0], rep) == -1 ||
	    ctl_show_samples(c, req->relay, rep) == -1 ||
	    store_checks_latest(c->st, req->relay, rep) == -1) {
		ctl_store_error(c, rep, "show");
		return;
	}
	ctl_fill_windows(c, relay, rep);
	rep->ok = true;
}

static void
ctl_drain(struct ctl_ctx *c, const struct fleetd_operator *op,
    const struct wire_ctl_request *req, struct wire_ctl_reply *rep)
{
	size_t relay = ctl_relay(c, req->relay, rep);
	uint64_t until = req->duration_s != 0 ? c->now + req->duration_s : 0;

	if (relay == policy_nrelays(c->policy))
		return;
	if (req->reason[0] == '\0') {
		ctl_error(rep, "a reason is required");
		return;
	}
	if (req->duration_s > POLICY_CORDON_MAX_S) {
		ctl_error(rep, "--for is at most 366 days");
		return;
	}
	if (policy_drain(c->policy, relay, op->name, req->reason, until,
	        req->force, c->now, c->out, rep->error,
	        sizeof(rep->error)) == -1)
		return;
	if (ctl_load_status(c, req->relay, rep) == 0)
		rep->ok = true;
}

static void
ctl_enable(struct ctl_ctx *c, const struct fleetd_operator *op,
    const struct wire_ctl_request *req, struct wire_ctl_reply *rep)
{
	size_t relay = ctl_relay(c, req->relay, rep);

	if (relay == policy_nrelays(c->policy))
		return;
	if (policy_enable(c->policy, relay, op->name, req->now, c->now, c->out,
	        rep->error, sizeof(rep->error)) == -1)
		return;
	if (ctl_load_status(c, req->relay, rep) == 0)
		rep->ok = true;
}

static void
ctl_maint_add(struct ctl_ctx *c, const struct fleetd_operator *op,
    const struct wire_ctl_request *req, struct wire_ctl_reply *rep)
{
	struct wire_window w;

	memset(&w, 0, sizeof(w));
	if (req->name[0] == '\0' || req->reason[0] == '\0' ||
	    (req->n_relays == 0) == (req->hosting[0] == '\0')) {
		ctl_error(rep, "maint add needs a name, a reason, and either "
		               "relays or a hosting provider");
		return;
	}
	util_strlcpy(w.name, req->name, sizeof(w.name));
	w.n_relays = req->n_relays;
	w.relays = req->relays; /* borrowed: policy_window_add copies */
	util_strlcpy(w.hosting, req->hosting, sizeof(w.hosting));
	w.start = req->start != 0 ? req->start : c->now;
	w.end = req->end;
	util_strlcpy(w.reason, req->reason, sizeof(w.reason));
	util_strlcpy(w.created_by, op->name, sizeof(w.created_by));
	if (policy_window_add(c->policy, &w, req->force, c->now, c->out,
	        rep->error, sizeof(rep->error)) == -1)
		return;
	c->windows_changed = true;
	ctl_fill_windows(c, policy_nrelays(c->policy), rep);
	rep->ok = true;
}

static void
ctl_maint_cancel(struct ctl_ctx *c, const struct fleetd_operator *op,
    const struct wire_ctl_request *req, struct wire_ctl_reply *rep)
{
	if (policy_window_cancel(c->policy, req->name, op->name, c->now, c->out,
	        rep->error, sizeof(rep->error)) == -1)
		return;
	c->windows_changed = true;
	ctl_fill_windows(c, policy_nrelays(c->policy), rep);
	rep->ok = true;
}

/* An upper bound of what an event costs on the wire, in bytes. */
static size_t
ctl_event_size(const struct wire_event *e, bool with_samples)
{
	size_t n = CTL_EVENT_OVERHEAD + strlen(e->reason) + strlen(e->counts);

	for (size_t i = 0; with_samples && i < e->n_samples; i++)
		n += CTL_SAMPLE_OVERHEAD + strlen(e->samples[i].text);
	return (n);
}

void
ctl_trim_events(struct wire_ctl_reply *rep, size_t budget)
{
	size_t total = 0, skip = 0;

	for (size_t i = 0; i < rep->n_events; i++)
		total += ctl_event_size(&rep->events[i], true);
	for (size_t i = 0; total > budget && i < rep->n_events; i++) {
		total -= ctl_event_size(&rep->events[i], true);
		total += ctl_event_size(&rep->events[i], false);
		wire_event_fini(&rep->events[i]);
	}
	while (total > budget && skip < rep->n_events)
		total -= ctl_event_size(&rep->events[skip++], false);
	if (skip == 0)
		return;
	memmove(rep->events, rep->events + skip,
	    (rep->n_events - skip) * sizeof(*rep->events));
	rep->n_events -= skip;
}

static void
ctl_events(struct ctl_ctx *c, const struct wire_ctl_request *req,
    struct wire_ctl_reply *rep)
{
	uint32_t limit = req->limit != 0 ? req->limit : CTL_EVENTS_DEFAULT;

	if (req->relay[0] != '\0' &&
	    ctl_relay(c, req->relay, rep) == policy_nrelays(c->policy))
		return;
	if (limit > WIRE_EVENTS_MAX)
		limit = WIRE_EVENTS_MAX;
	if (store_events(c->st, req->relay, req->since, limit, rep) == -1) {
		ctl_store_error(c, rep, "events");
		return;
	}
	ctl_trim_events(rep, CTL_REPLY_BUDGET);
	rep->ok = true;
}

/* Each load balancer as the core last heard of it. */
static void
ctl_lb(struct ctl_ctx *c, struct wire_ctl_reply *rep)
{
	const struct fleetd_config *conf = c->conf;

	rep->ok = true;
	if (conf->nlbs == 0)
		return;
	rep->lbs = xcalloc(conf->nlbs, sizeof(*rep->lbs));
	rep->n_lbs = conf->nlbs;
	for (size_t i = 0; i < conf->nlbs; i++) {
		const struct fleetd_lb *lb = &conf->lbs[i];
		struct wire_lb_status *w = &rep->lbs[i];

		util_strlcpy(w->name, lb->name, sizeof(w->name));
		util_strlcpy(w->driver, fleetd_lb_driver_name(lb->driver),
		    sizeof(w->driver));
		util_strlcpy(w->target, lb->target, sizeof(w->target));
		if (c->lbs == NULL)
			continue;
		w->last_attempt_at = c->lbs[i].last_attempt_at;
		w->last_success_at = c->lbs[i].last_success_at;
		w->last_error_at = c->lbs[i].last_error_at;
		w->out_of_sync = c->lbs[i].out_of_sync;
		w->held = c->lbs[i].held;
		w->rounds = c->lbs[i].rounds;
		w->failures = c->lbs[i].failures;
		w->drift = c->lbs[i].drift;
		w->applied = c->lbs[i].applied;
		util_strlcpy(
		    w->last_error, c->lbs[i].last_error, sizeof(w->last_error));
	}
}

static void
ctl_dispatch(struct ctl_ctx *c, const struct fleetd_operator *op,
    const struct wire_ctl_request *req, struct wire_ctl_reply *rep)
{
	switch (req->op) {
	case WIRE_CTL_STATUS:
	case WIRE_CTL_AGENTS:
		ctl_status(c, req, rep);
		break;
	case WIRE_CTL_SHOW:
		ctl_show(c, req, rep);
		break;
	case WIRE_CTL_DRAIN:
		ctl_drain(c, op, req, rep);
		break;
	case WIRE_CTL_ENABLE:
		ctl_enable(c, op, req, rep);
		break;
	case WIRE_CTL_MAINT_ADD:
		ctl_maint_add(c, op, req, rep);
		break;
	case WIRE_CTL_MAINT_LIST:
		ctl_fill_windows(c, policy_nrelays(c->policy), rep);
		rep->ok = true;
		break;
	case WIRE_CTL_MAINT_CANCEL:
		ctl_maint_cancel(c, op, req, rep);
		break;
	case WIRE_CTL_EVENTS:
		ctl_events(c, req, rep);
		break;
	case WIRE_CTL_LB:
		ctl_lb(c, rep);
		break;
	}
}

bool
ctl_execute(struct ctl_ctx *c, const struct fleetd_operator *op,
    const struct wire_ctl_request *req, struct wire_ctl_reply *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->now = c->now;
	if (ctl_op_mutates(req->op) && op->role != ROLE_ADMIN) {
		ctl_error(rep,
		    "refused: operator %s has role read; %s needs "
		    "admin",
		    op->name, ctl_op_name(req->op));
		log_warnx("ctl: operator=%s: %s refused: role read", op->name,
		    ctl_op_name(req->op));
		return (false);
	}
	ctl_dispatch(c, op, req, rep);
	log_debug("ctl: operator=%s op=%s %s", op->name, ctl_op_name(req->op),
	    rep->ok ? "ok" : rep->error);
	return (true);
}
