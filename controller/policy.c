/* SPDX-License-Identifier: ISC */
/*
 * The policy (see policy.h and docs/policy.md): rules, relay states, the
 * capacity floor and the operator verbs.  Windows live in policy_window.c,
 * persistence in policy_json.c; policy_int.h holds what they share.
 *
 * Every state change goes through policy_enter(), which also sets the
 * intent and weight the state implies and marks the relay dirty, and
 * every decision is reported through policy_emit(), which copies the
 * relay's new state into the event.
 */
#include "policy.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy_int.h"
#include "util.h"
#include "wire_check.h"

/* ---- the policy object --------------------------------------------------- */

struct policy *
policy_new(const struct policy_conf *pc, const struct policy_relay_conf *relays,
    size_t n, uint64_t now)
{
	struct policy *p = xcalloc(1, sizeof(*p));

	p->pc = pc;
	p->relays = relays;
	p->n = n;
	p->started = now;
	p->st = xcalloc(n > 0 ? n : 1, sizeof(*p->st));
	p->dirty = xcalloc(n > 0 ? n : 1, sizeof(*p->dirty));
	for (size_t i = 0; i < n; i++) {
		p->st[i].state = POLICY_ACTIVE;
		p->st[i].since = now;
		p->st[i].intent = POLICY_INTENT_READY;
		p->st[i].weight = 100;
	}
	return (p);
}

void
policy_free(struct policy *p)
{
	if (p == NULL)
		return;
	policy_windows_free(p);
	free(p->st);
	free(p->dirty);
	free(p);
}

void
policy_out_fini(struct policy_out *o)
{
	free(o->ev);
	memset(o, 0, sizeof(*o));
}

bool
policy_is_dirty(const struct policy *p, size_t relay)
{
	return (p->dirty[relay]);
}

void
policy_clear_dirty(struct policy *p, size_t relay)
{
	p->dirty[relay] = false;
}

size_t
policy_nrelays(const struct policy *p)
{
	return (p->n);
}

const struct policy_relay *
policy_relay(const struct policy *p, size_t relay)
{
	return (&p->st[relay]);
}

size_t
policy_relay_index(const struct policy *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->relays[i].name, name) == 0)
			return (i);
	return (p->n);
}

bool
policy_state_in_service(enum policy_state s)
{
	return (
	    s == POLICY_ACTIVE || s == POLICY_SUSPECT || s == POLICY_PROBATION);
}

size_t
policy_in_service(const struct policy *p)
{
	size_t k = 0;

	for (size_t i = 0; i < p->n; i++)
		k += policy_state_in_service(p->st[i].state);
	return (k);
}

size_t
policy_min_active(const struct policy *p)
{
	const struct policy_conf *pc = p->pc;

	if (!pc->min_active_pct)
		return (pc->min_active);
	return ((p->n * pc->min_active + 99) / 100);
}

/* True if taking one more in-service relay out keeps the floor. */
bool
policy_floor_allows(const struct policy *p)
{
	return (policy_in_service(p) >= policy_min_active(p) + 1);
}

/* ---- states and events --------------------------------------------------- */

void
policy_weigh(const struct policy *p, struct policy_relay *rs)
{
	uint32_t w = 100;

	switch (rs->state) {
	case POLICY_PROBATION:
		w = p->pc->ramp[rs->ramp_idx < p->pc->nramp ? rs->ramp_idx
		                                            : p->pc->nramp - 1];
		/* FALLTHROUGH */
	case POLICY_ACTIVE:
	case POLICY_SUSPECT:
		rs->intent = POLICY_INTENT_READY;
		rs->weight = rs->floor_held ? (w / 2 > 0 ? w / 2 : 1) : w;
		break;
	case POLICY_DRAINED:
	case POLICY_CORDONED:
		rs->intent = POLICY_INTENT_DRAIN;
		rs->weight = 0;
		break;
	case POLICY_MAINTENANCE:
		rs->intent = POLICY_INTENT_MAINT;
		rs->weight = 0;
		break;
	}
}

void
policy_enter(struct policy *p, size_t relay, enum policy_state to, uint64_t now,
    uint64_t until, const char *rule, const char *provider, const char *reason)
{
	struct policy_relay *rs = &p->st[relay];

	if (rs->state != to)
		rs->since = now;
	rs->state = to;
	rs->until = until;
	util_strlcpy(rs->rule, rule, sizeof(rs->rule));
	util_strlcpy(rs->provider, provider, sizeof(rs->provider));
	/* cut, a reason stays UTF-8: no half character */
	(void)wire_text_sanitize(
	    rs->reason, sizeof(rs->reason), reason, strlen(reason));
	if (to == POLICY_PROBATION) {
		rs->ramp_idx = 0;
		rs->step_at = now + p->pc->ramp_step_s;
	}
	if (!policy_state_in_service(to) || to == POLICY_ACTIVE)
		rs->floor_held = false;
	policy_weigh(p, rs);
	p->dirty[relay] = true;
}

struct policy_event *
policy_emit(struct policy *p, struct policy_out *out, size_t relay,
    enum policy_event_kind kind, enum policy_state from, const char *rule,
    const char *provider, const char *fmt, ...)
{
	const struct policy_relay *rs = &p->st[relay];
	struct policy_event *e;
	va_list ap;

	if (out->n == out->cap) {
		out->cap = out->cap == 0 ? 8 : out->cap * 2;
		out->ev = xreallocarray(out->ev, out->cap, sizeof(*out->ev));
	}
	e = &out->ev[out->n++];
	memset(e, 0, sizeof(*e));
	e->relay = relay;
	e->kind = kind;
	e->from = from;
	e->to = rs->state;
	e->intent = rs->intent;
	e->weight = rs->weight;
	e->until = rs->until;
	util_strlcpy(e->rule, rule, sizeof(e->rule));
	util_strlcpy(e->provider, provider, sizeof(e->provider));
	va_start(ap, fmt);
	(void)vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
	(void)wire_text_sanitize(
	    e->reason, sizeof(e->reason), e->reason, strlen(e->reason));
	va_end(ap);
	return (e);
}

/* ---- marks: blocks, drains and suspicions -------------------------------- */

static bool
policy_mark_is_block(const struct policy_mark *m)
{
	return (m->action == POLICY_ACT_BLOCK || m->action == POLICY_ACT_DRAIN);
}

/* The latest until of rs's unexpired blocks and drains; 0 if none. */
uint64_t
policy_block_until(const struct policy_relay *rs, uint64_t now)
{
	uint64_t until = 0;

	for (size_t i = 0; i < rs->nmarks; i++) {
		const struct policy_mark *m = &rs->marks[i];

		if (policy_mark_is_block(m) && m->until > now &&
		    m->until > until)
			until = m->until;
	}
	return (until);
}

/* The unexpired block or drain with the latest until, or NULL. */
const struct policy_mark *
policy_block_latest(const struct policy_relay *rs, uint64_t now)
{
	const struct policy_mark *best = NULL;

	for (size_t i = 0; i < rs->nmarks; i++) {
		const struct policy_mark *m = &rs->marks[i];

		if (policy_mark_is_block(m) && m->until > now &&
		    (best == NULL || m->until > best->until))
			best = m;
	}
	return (best);
}

/* The mark of (provider, blocks or suspicion of rule), or NULL. */
static struct policy_mark *
policy_mark_find(struct policy_relay *rs, const char *provider,
    const struct policy_rule *rule)
{
	for (size_t i = 0; i < rs->nmarks; i++) {
		struct policy_mark *m = &rs->marks[i];

		if (strcmp(m->provider, provider) != 0)
			continue;
		if (rule->action == POLICY_ACT_SUSPECT
		        ? m->action == POLICY_ACT_SUSPECT &&
		              strcmp(m->rule, rule->name) == 0
		        : policy_mark_is_block(m))
			return (m);
	}
	return (NULL);
}

/* Which mark gives way first: ended, then suspicions, then blocks. */
static int
policy_mark_rank(const struct policy_mark *m, uint64_t now)
{
	if (m->until <= now)
		return (0);
	return (m->action == POLICY_ACT_SUSPECT ? 1 : 2);
}

/*
 * A slot for a new mark: a free one, else the one that ended first.  A
 * mark still in force is never dropped for a suspicion (NULL: the caller
 * drops the suspicion); for a block, the live suspicion or else the live
 * block that ends first gives way (the new hold outlasts that block's).
 */
static struct policy_mark *
policy_mark_slot(struct policy_relay *rs, bool for_block, uint64_t now)
{
	struct policy_mark *best = &rs->marks[0];

	if (rs->nmarks < POLICY_MARKS_MAX)
		return (&rs->marks[rs->nmarks++]);
	for (size_t i = 1; i < rs->nmarks; i++) {
		struct policy_mark *m = &rs->marks[i];
		int r = policy_mark_rank(m, now),
		    b = policy_mark_rank(best, now);

		if (r < b || (r == b && m->until < best->until))
			best = m;
	}
	if (!for_block && best->until > now)
		return (NULL);
	return (best);
}

/* Drops marks that ended more than POLICY_REBLOCK_S ago. */
void
policy_marks_prune(struct policy *p, size_t relay, uint64_t now)
{
	struct policy_relay *rs = &p->st[relay];
	size_t j = 0;

	for (size_t i = 0; i < rs->nmarks; i++) {
		if (rs->marks[i].until + POLICY_REBLOCK_S > now)
			rs->marks[j++] = rs->marks[i];
	}
	if (j != rs->nmarks) {
		rs->nmarks = j;
		p->dirty[relay] = true;
	}
}

/* Drops every block, drain and suspicion (an operator's enable). */
void
policy_marks_clear(struct policy *p, size_t relay, uint64_t now)
{
	struct policy_relay *rs = &p->st[relay];

	for (size_t i = 0; i < rs->nmarks; i++)
		if (rs->marks[i].until > now)
			rs->marks[i].until = now;
	rs->floor_held = false;
	p->dirty[relay] = true;
}

/* ---- firing -------------------------------------------------------------- */

struct policy_fire {
	const struct policy_rule *rule;
	const char *provider; /* "" relay-wide */
	const char *from;     /* a relay-wide drain: the provider that fired */
	uint64_t count;
};

static void
policy_fire_describe(struct policy_event *e, const struct policy_fire *f)
{
	char what[96] = "";

	for (int c = 0; c <= CLASS_LAST; c++) {
		if ((f->rule->classes & POLICY_CLASS(c)) == 0)
			continue;
		if (what[0] != '\0')
			util_strlcpy(what + strlen(what), "/",
			    sizeof(what) - strlen(what));
		util_strlcpy(what + strlen(what), reason_class_name(c),
		    sizeof(what) - strlen(what));
	}
	if (f->rule->queue_deferred)
		snprintf(e->counts, sizeof(e->counts),
		    "%" PRIu64 " deferred (over %u)", f->count, f->rule->count);
	else if (f->provider[0] != '\0' ||
	         (f->from != NULL && f->from[0] != '\0'))
		snprintf(e->counts, sizeof(e->counts), "%" PRIu64 " %s from %s",
		    f->count, what,
		    f->provider[0] != '\0' ? f->provider : f->from);
	else if (f->count != 0 && f->rule->min_providers > 1)
		snprintf(e->counts, sizeof(e->counts),
		    "%s from %" PRIu64 " providers%s", what, f->count,
		    f->rule->no_delivery ? ", nothing delivered" : "");
	else if (f->count != 0)
		snprintf(e->counts, sizeof(e->counts), "%" PRIu64 " %s",
		    f->count, what[0] ? what : "results");
	else
		snprintf(e->counts, sizeof(e->counts), "failing check");
	e->window_s = f->rule->window_s;
	e->classes = f->rule->classes;
}

/* The hold of a new block: doubled after a block within a day. */
static uint64_t
policy_hold(const struct policy *p, const struct policy_mark *prev,
    const struct policy_rule *rule, uint64_t now)
{
	uint64_t hold = rule->hold_s;

	if (prev != NULL && prev->since + POLICY_REBLOCK_S > now &&
	    prev->hold_s * 2 > hold)
		hold = prev->hold_s * 2;
	return (hold < p->pc->hold_max_s ? hold : p->pc->hold_max_s);
}

/* A relay in service that a block wants out. */
static void
policy_block_in_service(struct policy *p, size_t relay,
    const struct policy_fire *f, const struct policy_mark *m, uint64_t now,
    struct policy_out *out)
{
	struct policy_relay *rs = &p->st[relay];
	enum policy_state from = rs->state;
	struct policy_event *e;
	char until[32], span[POLICY_SPAN_LEN];

	policy_format_time(until, sizeof(until), m->until);
	if (policy_floor_allows(p)) {
		policy_enter(p, relay, POLICY_DRAINED, now,
		    policy_block_until(rs, now), f->rule->name, f->provider,
		    "");
		policy_set_reason(rs, "%s: %s %s, hold %s until %s",
		    f->rule->name, policy_action_name(f->rule->action),
		    f->provider[0] ? f->provider : "relay-wide",
		    policy_format_span(span, m->hold_s), until);
		e = policy_emit(p, out, relay, POLICY_EV_TRANSITION, from,
		    f->rule->name, f->provider, "%s", rs->reason);
	} else {
		/* in service at half weight; probation keeps its ramp */
		rs->floor_held = true;
		if (rs->state == POLICY_PROBATION) {
			policy_weigh(p, rs);
			p->dirty[relay] = true;
		} else {
			policy_enter(p, relay, POLICY_SUSPECT, now, m->until,
			    f->rule->name, f->provider, "");
		}
		policy_set_reason(rs,
		    "%s wanted a drain (%s) until %s; min_active %zu refused "
		    "it (%zu in service): weight halved",
		    f->rule->name, f->provider[0] ? f->provider : "relay-wide",
		    until, policy_min_active(p), policy_in_service(p));
		e = policy_emit(p, out, relay, POLICY_EV_REFUSED, from,
		    f->rule->name, f->provider, "%s", rs->reason);
	}
	policy_fire_describe(e, f);
}

static void
policy_fire_block(struct policy *p, size_t relay, const struct policy_fire *f,
    uint64_t now, struct policy_out *out)
{
	struct policy_relay *rs = &p->st[relay];
	struct policy_fire wide = *f;
	struct policy_mark *m;
	enum policy_state from = rs->state;
	struct policy_event *e;
	char span[POLICY_SPAN_LEN];
	uint64_t hold;

	if (f->rule->action == POLICY_ACT_DRAIN) {
		/* relay-wide; the provider whose text fired it is in counts */
		wide.provider = "";
		wide.from = f->provider;
		f = &wide;
	}
	m = policy_mark_find(rs, f->provider, f->rule);

	if (m != NULL && m->until > now)
		return; /* held already */
	hold = policy_hold(p, m, f->rule, now);
	if (m == NULL)
		m = policy_mark_slot(rs, true, now);
	memset(m, 0, sizeof(*m));
	util_strlcpy(m->provider, f->provider, sizeof(m->provider));
	util_strlcpy(m->rule, f->rule->name, sizeof(m->rule));
	m->action = f->rule->action;
	m->since = now;
	m->hold_s = hold;
	m->until = now + hold;
	p->dirty[relay] = true;
	if (policy_state_in_service(rs->state)) {
		policy_block_in_service(p, relay, f, m, now, out);
		return;
	}
	if (rs->state == POLICY_DRAINED) {
		if (m->until >= rs->until) { /* now the block that ends last */
			util_strlcpy(rs->rule, f->rule->name, sizeof(rs->rule));
			util_strlcpy(
			    rs->provider, f->provider, sizeof(rs->provider));
			policy_set_reason(rs, "%s: %s %s, hold %s",
			    f->rule->name, policy_action_name(f->rule->action),
			    f->provider[0] ? f->provider : "relay-wide",
			    policy_format_span(span, hold));
		}
		rs->until = policy_block_until(rs, now);
		e = policy_emit(p, out, relay, POLICY_EV_TRANSITION, from,
		    f->rule->name, f->provider, "%s: also %s, hold %s",
		    f->rule->name, f->provider[0] ? f->provider : "relay-wide",
		    policy_format_span(span, hold));
	} else {
		e = policy_emit(p, out, relay, POLICY_EV_ALERT, from,
		    f->rule->name, f->provider,
		    "%s: %s while %s; hold %s, applied when it ends",
		    f->rule->name, f->provider[0] ? f->provider : "relay-wide",
		    policy_state_name(rs->state),
		    policy_format_span(span, hold));
	}
	policy_fire_describe(e, f);
}

static void
policy_fire_suspect(struct policy *p, size_t relay, const struct policy_fire *f,
    uint64_t now, struct policy_out *out)
{
	struct policy_relay *rs = &p->st[relay];
	struct policy_mark *m = policy_mark_find(rs, f->provider, f->rule);
	enum policy_state from = rs->state;
	struct policy_event *e;

	if (m != NULL && m->until > now) {
		m->until = now + f->rule->hold_s;
		if (rs->state == POLICY_SUSPECT && !rs->floor_held &&
		    rs->until < m->until)
			rs->until = m->until;
		p->dirty[relay] = true;
		return;
	}
	if (m == NULL && (m = policy_mark_slot(rs, false, now)) == NULL)
		return; /* every slot holds a live mark: nothing to add */
	memset(m, 0, sizeof(*m));
	util_strlcpy(m->provider, f->provider, sizeof(m->provider));
	util_strlcpy(m->rule, f->rule->name, sizeof(m->rule));
	m->action = POLICY_ACT_SUSPECT;
	m->since = now;
	m->hold_s = f->rule->hold_s;
	m->until = now + f->rule->hold_s;
	p->dirty[relay] = true;
	if (rs->state == POLICY_ACTIVE) {
		policy_enter(p, relay, POLICY_SUSPECT, now, m->until,
		    f->rule->name, f->provider, "");
		policy_set_reason(rs, "%s: suspect%s%s", f->rule->name,
		    f->provider[0] ? " for " : "", f->provider);
		e = policy_emit(p, out, relay, POLICY_EV_TRANSITION, from,
		    f->rule->name, f->provider, "%s", rs->reason);
	} else {
		e = policy_emit(p, out, relay, POLICY_EV_ALERT, from,
		    f->rule->name, f->provider, "%s: suspect%s%s while %s",
		    f->rule->name, f->provider[0] ? " for " : "", f->provider,
		    policy_state_name(rs->state));
	}
	policy_fire_describe(e, f);
}

static void
policy_fire(struct policy *p, size_t relay, const struct policy_fire *f,
    uint64_t now, struct policy_out *out)
{
	if (f->rule->action == POLICY_ACT_SUSPECT)
		policy_fire_suspect(p, relay, f, now, out);
	else
		policy_fire_block(p, relay, f, now, out);
}

/* ---- rules over a report ------------------------------------------------- */

static bool
policy_rule_provider_ok(const struct policy_rule *r, const char *provider)
{
	if (r->nproviders == 0)
		return (true);
	for (size_t i = 0; i < r->nproviders; i++)
		if (strcmp(r->providers[i], provider) == 0)
			return (true);
	return (false);
}

static bool
policy_rule_check_ok(const struct policy_rule *r, const char *check)
{
	for (size_t i = 0; i < r->nchecks; i++) {
		size_t n = strlen(r->checks[i]);

		if (strcmp(r->checks[i], check) == 0 ||
		    (strncmp(r->checks[i], check, n) == 0 && check[n] == ':'))
			return (true);
	}
	return (false);
}

/* Results of the rule's classes from provider (NULL: all) in its window. */
static uint64_t
policy_rule_count(const struct health *h, size_t relay,
    const struct policy_rule *r, const char *provider, uint64_t now)
{
	struct health_counts hc;
	uint64_t n = 0;

	health_count(h, relay, provider, r->window_s, now, &hc);
	for (int c = 0; c <= CLASS_LAST; c++)
		if (r->classes & POLICY_CLASS(c))
			n += hc.by_class[c];
	return (n);
}

static size_t
policy_rule_spread(const struct health *h, size_t relay,
    const struct policy_rule *r, uint64_t now)
{
	size_t best = 0, k;

	/* distinct providers over the union of classes: at least the max */
	for (int c = 0; c <= CLASS_LAST; c++) {
		if ((r->classes & POLICY_CLASS(c)) == 0)
			continue;
		k = health_providers_with(h, relay, c, r->window_s, now);
		best = k > best ? k : best;
	}
	return (best);
}

/* Claimed (counter index) flags, one per counter of the report. */
static void
policy_eval_results(struct policy *p, const struct health *h, size_t relay,
    const struct wire_report *r, const struct policy_rule *rule, bool *claimed,
    uint64_t now, struct policy_out *out)
{
	size_t fired = 0;
	bool any = false;

	for (size_t i = 0; i < r->n_counters; i++) {
		const struct wire_counter *c = &r->counters[i];
		struct policy_fire f = {.rule = rule, .provider = c->provider};

		if (claimed[i] || c->status == STATUS_SENT || c->count == 0 ||
		    (rule->classes & POLICY_CLASS(c->cls)) == 0 ||
		    !policy_rule_provider_ok(rule, c->provider))
			continue;
		claimed[i] = true;
		any = true;
		if (rule->min_providers > 1)
			continue;
		f.count = policy_rule_count(h, relay, rule, c->provider, now);
		if (f.count >= rule->count && fired++ < POLICY_FIRES_MAX)
			policy_fire(p, relay, &f, now, out);
	}
	if (any && rule->min_providers > 1) {
		struct policy_fire f = {.rule = rule, .provider = ""};
		struct health_counts hc;

		f.count = policy_rule_spread(h, relay, rule, now);
		health_count(h, relay, NULL, rule->window_s, now, &hc);
		if (f.count >= rule->min_providers &&
		    (!rule->no_delivery || hc.delivered == 0))
			policy_fire(p, relay, &f, now, out);
	}
}

static void
policy_eval_checks(struct policy *p, size_t relay, const struct wire_report *r,
    const struct policy_rule *rule, uint64_t now, struct policy_out *out)
{
	for (size_t i = 0; i < r->n_checks; i++) {
		const struct wire_check *c = &r->checks[i];
		struct policy_fire f = {.rule = rule, .provider = ""};

		if (c->state != CHECK_FAIL ||
		    !policy_rule_check_ok(rule, c->name))
			continue;
		policy_fire(p, relay, &f, now, out);
		return; /* one firing per rule and report */
	}
}

/* The sustained deferred queue: fires once per episode. */
void
policy_eval_queue(struct policy *p, size_t relay,
    const struct policy_rule *rule, uint64_t now, struct policy_out *out)
{
	struct policy_relay *rs = &p->st[relay];
	struct policy_fire f = {.rule = rule, .provider = ""};

	if (rs->deferred_since == 0 || rs->deferred_fired ||
	    now < rs->deferred_since ||
	    now - rs->deferred_since < rule->window_s)
		return;
	rs->deferred_fired = true;
	p->dirty[relay] = true;
	f.count = rs->deferred_now;
	policy_fire(p, relay, &f, now, out);
}

static void
policy_queue_update(struct policy *p, size_t relay, const struct wire_report *r,
    const struct policy_rule *rule, uint64_t now)
{
	struct policy_relay *rs = &p->st[relay];
	struct policy_relay was = *rs;

	if (!r->has_queue || !r->queue.valid)
		return;
	rs->deferred_now = r->queue.deferred;
	if (r->queue.deferred > rule->count) {
		if (rs->deferred_since == 0)
			rs->deferred_since = now;
	} else {
		rs->deferred_since = 0;
		rs->deferred_fired = false;
	}
	/* saved when an episode starts, ends, or its size moves within one */
	if (rs->deferred_since != was.deferred_since ||
	    rs->deferred_fired != was.deferred_fired ||
	    (rs->deferred_since != 0 && rs->deferred_now != was.deferred_now))
		p->dirty[relay] = true;
}

static void
policy_heard(
    struct policy *p, size_t relay, uint64_t now, struct policy_out *out)
{
	struct policy_relay *rs = &p->st[relay];

	/*
	 * Not a reason to save the relay: after a restart silence counts
	 * from fleetd's start, which is later than any saved last_report.
	 */
	rs->last_report = now;
	if (rs->silent_alerted) {
		rs->silent_alerted = false;
		p->dirty[relay] = true;
		policy_emit(p, out, relay, POLICY_EV_ALERT, rs->state,
		    "agent-silent", "", "agent reporting again");
	}
}

void
policy_report(struct policy *p, const struct health *h, size_t relay,
    const struct wire_report *r, uint64_t t, uint64_t now,
    struct policy_out *out)
{
	bool *claimed = xcalloc(r->n_counters + 1, sizeof(*claimed));

	(void)t; /* h holds the results at t already */
	policy_heard(p, relay, now, out);
	for (size_t i = 0; i < p->pc->nrules; i++) {
		const struct policy_rule *rule = &p->pc->rules[i];

		if (rule->queue_deferred) {
			policy_queue_update(p, relay, r, rule, now);
			policy_eval_queue(p, relay, rule, now, out);
			continue;
		}
		if (rule->classes != 0)
			policy_eval_results(
			    p, h, relay, r, rule, claimed, now, out);
		if (rule->nchecks != 0)
			policy_eval_checks(p, relay, r, rule, now, out);
	}
	free(claimed);
}
