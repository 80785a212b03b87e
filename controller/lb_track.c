/* SPDX-License-Identifier: ISC */
/* The core's record of the load balancers and their events (lb_track.h). */
#include "lb_track.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"
#include "wire_check.h"

/* Per load balancer and relay: what the last event said. */
struct lb_track_relay {
	char error[LB_ERROR_MAX]; /* the failure last reported */
	uint64_t drift_at;        /* the last drift event */
	bool held;
};

struct lb_track {
	const struct fleetd_config *conf;
	struct lb_status *st;          /* conf->nlbs */
	bool *failing;                 /* conf->nlbs */
	struct lb_track_relay *relays; /* conf->nlbs x conf->nrelays */
};

struct lb_track *
lb_track_new(const struct fleetd_config *conf)
{
	struct lb_track *t = xcalloc(1, sizeof(*t));

	t->conf = conf;
	t->st = xcalloc(conf->nlbs + 1, sizeof(*t->st));
	t->failing = xcalloc(conf->nlbs + 1, sizeof(*t->failing));
	t->relays = xcalloc(conf->nlbs * conf->nrelays + 1, sizeof(*t->relays));
	return (t);
}

void
lb_track_free(struct lb_track *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->conf->nlbs; i++)
		free(t->st[i].relays);
	free(t->st);
	free(t->failing);
	free(t->relays);
	free(t);
}

const struct lb_status *
lb_track_status(const struct lb_track *t)
{
	return (t->st);
}

void
lb_track_totals(const struct lb_track *t, uint64_t *rounds, uint64_t *failures,
    uint64_t *drift)
{
	*rounds = *failures = *drift = 0;
	for (size_t i = 0; i < t->conf->nlbs; i++) {
		*rounds += t->st[i].rounds;
		*failures += t->st[i].failures;
		*drift += t->st[i].drift;
	}
}

void
lb_track_wants(const struct policy *p, struct lb_want *wants)
{
	for (size_t i = 0; i < policy_nrelays(p); i++) {
		const struct policy_relay *rs = policy_relay(p, i);

		wants[i].intent = rs->intent;
		wants[i].weight = rs->weight;
		wants[i].operator= rs->state == POLICY_CORDONED ||
		    rs->state == POLICY_MAINTENANCE;
		wants[i].since = rs->since;
	}
}

/* ---- events -------------------------------------------------------------- */

struct lb_track_ctx {
	struct lb_track *t;
	const struct fleetd_lb *lb;
	const struct policy *p;
	uint64_t now;
	lb_track_event_fn ev;
	void *arg;
};

static void __attribute__((format(printf, 3, 4)))
lb_track_event(struct lb_track_ctx *x, size_t relay, const char *fmt, ...)
{
	struct wire_event *e = x->ev(x->arg);
	va_list ap;

	if (e == NULL)
		return;
	e->at = x->now;
	util_strlcpy(e->kind, "lb", sizeof(e->kind));
	/* a section name has at most 45 characters (CONFIG_SECTION_MAX) */
	snprintf(e->rule, sizeof(e->rule), "lb:%.60s", x->lb->name);
	if (relay < policy_nrelays(x->p)) {
		const struct policy_relay *rs = policy_relay(x->p, relay);

		util_strlcpy(
		    e->relay, x->t->conf->relays[relay].name, sizeof(e->relay));
		util_strlcpy(e->intent, policy_intent_name(rs->intent),
		    sizeof(e->intent));
		e->weight = rs->weight;
	}
	va_start(ap, fmt);
	vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
	(void)wire_text_sanitize(
	    e->reason, sizeof(e->reason), e->reason, strlen(e->reason));
	va_end(ap);
	log_info("lb %s:%s%s %s", x->lb->name, e->relay[0] ? " relay=" : "",
	    e->relay, e->reason);
}

/* The load balancer as a whole: unreachable, or answering again. */
static void
lb_track_reach(struct lb_track_ctx *x, size_t k, const struct lb_result *r)
{
	struct lb_status *st = &x->t->st[k];
	size_t none = policy_nrelays(x->p);

	if (r->error[0] != '\0') {
		if (!x->t->failing[k] || strcmp(st->last_error, r->error) != 0)
			lb_track_event(x, none,
			    "%s %s: %s; intents are kept and applied when "
			    "it answers",
			    fleetd_lb_driver_name(x->lb->driver), x->lb->target,
			    r->error);
		x->t->failing[k] = true;
		util_strlcpy(st->last_error, r->error, sizeof(st->last_error));
		st->last_error_at = x->now;
		return;
	}
	if (x->t->failing[k])
		lb_track_event(x, none, "answers again (%u change%s applied)",
		    r->applied, r->applied == 1 ? "" : "s");
	x->t->failing[k] = false;
}

static const char *
lb_track_seen(const struct lb_relay_result *rr, char *buf, size_t len)
{
	if (!rr->known)
		return ("unknown");
	if (rr->intent == POLICY_INTENT_READY)
		snprintf(buf, len, "ready %u%%", rr->weight);
	else
		snprintf(buf, len, "%s", policy_intent_name(rr->intent));
	return (buf);
}

static void
lb_track_relay(struct lb_track_ctx *x, size_t k, size_t i,
    const struct lb_relay_result *rr)
{
	struct lb_track_relay *m = &x->t->relays[k * x->t->conf->nrelays + i];
	struct lb_status *st = &x->t->st[k];
	char buf[32];

	if (rr->drift) {
		st->drift++;
		if (m->drift_at == 0 ||
		    x->now >= m->drift_at + LB_TRACK_DRIFT_S) {
			m->drift_at = x->now;
			lb_track_event(x, i,
			    "drift: changed behind fleetd's back (reload, "
			    "hand edit or agent-check); %s",
			    rr->in_sync ? "put back" : "putting back");
		}
	}
	if (rr->error[0] != '\0' && strcmp(rr->error, m->error) != 0) {
		lb_track_event(x, i, "failed: %s (it has %s)", rr->error,
		    lb_track_seen(rr, buf, sizeof(buf)));
	}
	if (rr->error[0] != '\0')
		util_strlcpy(m->error, rr->error, sizeof(m->error));
	else if (rr->in_sync)
		m->error[0] = '\0';
	if (rr->held != m->held)
		lb_track_event(x, i,
		    rr->held ? "drain held back: it would leave fewer relays "
		               "taking mail than the floor (%zu); in at 50%%"
		             : "drain no longer held back by the floor (%zu)",
		    policy_min_active(x->p));
	m->held = rr->held;
}

void
lb_track_take(struct lb_track *t, struct lb_result *r, const struct policy *p,
    uint64_t now, lb_track_event_fn ev, void *arg)
{
	size_t k = r->lb;
	struct lb_status *st;
	struct lb_track_ctx x = {
	    .t = t, .p = p, .now = now, .ev = ev, .arg = arg};

	if (k >= t->conf->nlbs || r->nrelays != t->conf->nrelays) {
		lb_result_free(r);
		return;
	}
	st = &t->st[k];
	x.lb = &t->conf->lbs[k];
	st->rounds++;
	st->last_attempt_at = r->at;
	st->applied += r->applied;
	if (r->error[0] != '\0' || r->failed > 0)
		st->failures++;
	/* reached and applied; one relay's failure shows on that relay */
	if (r->reached && r->error[0] == '\0')
		st->last_success_at = r->at;
	lb_track_reach(&x, k, r);
	st->out_of_sync = st->held = 0;
	for (size_t i = 0; i < r->nrelays; i++) {
		const struct lb_relay_result *rr = &r->relays[i];

		lb_track_relay(&x, k, i, rr);
		st->out_of_sync += rr->has_targets && !rr->in_sync;
		st->held += rr->held;
		if (rr->error[0] != '\0' && r->error[0] == '\0') {
			util_strlcpy(
			    st->last_error, rr->error, sizeof(st->last_error));
			st->last_error_at = now;
		}
	}
	free(st->relays);
	st->relays = r->relays;
	r->relays = NULL;
	lb_result_free(r);
}
