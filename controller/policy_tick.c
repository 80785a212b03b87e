/* SPDX-License-Identifier: ISC */
/*
 * The policy's time-driven changes (holds ending, probation steps,
 * suspicions ending, held drains applied, silent agents) and the
 * operator verbs drain and enable.  See policy.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "policy_int.h"
#include "util.h"

/* ---- time ---------------------------------------------------------------- */

/* A relay leaving a cordon or a window: drained if blocked, else probation. */
void
policy_leave(struct policy *p, size_t relay, uint64_t now, const char *why,
    struct policy_out *out)
{
	struct policy_relay *rs = &p->st[relay];
	const struct policy_mark *m = policy_block_latest(rs, now);
	enum policy_state from = rs->state;
	char until[32];
	if (policy_window_enter(p, relay, now, out))
		return; /* a window that runs takes it straight back */

	if (m != NULL) {
		policy_format_time(until, sizeof(until), m->until);
		policy_enter(p, relay, POLICY_DRAINED, now, m->until, m->rule,
		    m->provider, "");
		policy_set_reason(rs, "%s; %s still holds (%s) until %s", why,
		    m->rule, m->provider[0] ? m->provider : "relay-wide",
		    until);
	} else {
		policy_enter(
		    p, relay, POLICY_PROBATION, now, 0, "ramp", "", "");
		policy_set_reason(rs, "%s; probation at %u%%", why, rs->weight);
	}
	policy_emit(p, out, relay, POLICY_EV_TRANSITION, from, rs->rule,
	    rs->provider, "%s", rs->reason);
}

static void
policy_tick_drained(
    struct policy *p, size_t relay, uint64_t now, struct policy_out *out)
{
	struct policy_relay *rs = &p->st[relay];
	uint64_t until = policy_block_until(rs, now);

	if (until != 0) {
		if (until != rs->until) {
			rs->until = until;
			p->dirty[relay] = true;
		}
		return;
	}
	policy_leave(p, relay, now, "hold ended", out);
}

/*
 * A relay whose drain min_active refused: drained once the floor allows
 * while the block holds; back to full weight when it ended.  Returns true
 * if it is still held back or was drained now.
 */
static bool
policy_tick_held(
    struct policy *p, size_t relay, uint64_t now, struct policy_out *out)
{
	struct policy_relay *rs = &p->st[relay];
	const struct policy_mark *m = policy_block_latest(rs, now);
	enum policy_state from = rs->state;

	if (!rs->floor_held)
		return (false);
	if (m == NULL) {
		rs->floor_held = false;
		policy_weigh(p, rs);
		p->dirty[relay] = true;
		policy_emit(p, out, relay, POLICY_EV_TRANSITION, from, "floor",
		    "", "the drain min_active held back is over: weight %u%%",
		    rs->weight);
		return (false);
	}
	if (!policy_floor_allows(p))
		return (true);
	rs->floor_held = false;
	policy_enter(p, relay, POLICY_DRAINED, now, policy_block_until(rs, now),
	    m->rule, m->provider, "");
	policy_set_reason(rs,
	    "%s: drain refused earlier by min_active, applied now", m->rule);
	policy_emit(p, out, relay, POLICY_EV_TRANSITION, from, m->rule,
	    m->provider, "%s", rs->reason);
	return (true);
}

static void
policy_tick_probation(
    struct policy *p, size_t relay, uint64_t now, struct policy_out *out)
{
	struct policy_relay *rs = &p->st[relay];

	(void)policy_tick_held(p, relay, now, out); /* may drain it */
	while (rs->state == POLICY_PROBATION && now >= rs->step_at) {
		uint64_t at = rs->step_at;

		if (rs->ramp_idx + 1 >= p->pc->nramp && rs->floor_held)
			return; /* at the last step until the held drain is over
			         */
		if (rs->ramp_idx + 1 >= p->pc->nramp) {
			policy_enter(p, relay, POLICY_ACTIVE, now, 0, "ramp",
			    "", "probation done");
			policy_emit(p, out, relay, POLICY_EV_TRANSITION,
			    POLICY_PROBATION, "ramp", "",
			    "probation done: active at 100%%");
			return;
		}
		rs->ramp_idx++;
		rs->step_at = at + p->pc->ramp_step_s;
		policy_weigh(p, rs);
		policy_set_reason(rs,
		    "probation: ramp step %zu of %zu, weight %u%%",
		    rs->ramp_idx + 1, p->pc->nramp, rs->weight);
		p->dirty[relay] = true;
		policy_emit(p, out, relay, POLICY_EV_TRANSITION,
		    POLICY_PROBATION, "ramp", "", "%s", rs->reason);
	}
}

static void
policy_tick_suspect(
    struct policy *p, size_t relay, uint64_t now, struct policy_out *out)
{
	struct policy_relay *rs = &p->st[relay];

	if (policy_tick_held(p, relay, now, out))
		return;
	for (size_t i = 0; i < rs->nmarks; i++)
		if (rs->marks[i].action == POLICY_ACT_SUSPECT &&
		    rs->marks[i].until > now)
			return;
	rs->floor_held = false;
	policy_enter(p, relay, POLICY_ACTIVE, now, 0, "", "", "");
	policy_emit(p, out, relay, POLICY_EV_TRANSITION, POLICY_SUSPECT, "", "",
	    "suspicion ended");
}

static void
policy_tick_silent(
    struct policy *p, size_t relay, uint64_t now, struct policy_out *out)
{
	struct policy_relay *rs = &p->st[relay];
	uint64_t last =
	    rs->last_report > p->started ? rs->last_report : p->started;
	uint64_t limit = p->pc->agent_silent * p->pc->report_interval_s;
	char s1[POLICY_SPAN_LEN], s2[POLICY_SPAN_LEN];

	if (p->pc->agent_silent == 0 || rs->silent_alerted ||
	    now <= last + limit)
		return;
	rs->silent_alerted = true;
	p->dirty[relay] = true;
	policy_emit(p, out, relay, POLICY_EV_ALERT, rs->state, "agent-silent",
	    "", "no report for %s (agent_silent %u x %s); not drained",
	    policy_format_span(s1, now - last), p->pc->agent_silent,
	    policy_format_span(s2, p->pc->report_interval_s));
}

static void
policy_tick_relay(struct policy *p, const struct health *h, size_t relay,
    uint64_t now, struct policy_out *out)
{
	struct policy_relay *rs = &p->st[relay];

	(void)h;
	policy_marks_prune(p, relay, now);
	policy_tick_windows(p, relay, now, out);
	switch (rs->state) {
	case POLICY_CORDONED:
		if (rs->until != 0 && now >= rs->until)
			policy_leave(p, relay, now, "cordon ended", out);
		break;
	case POLICY_DRAINED:
		policy_tick_drained(p, relay, now, out);
		break;
	case POLICY_PROBATION:
		policy_tick_probation(p, relay, now, out);
		break;
	case POLICY_SUSPECT:
		policy_tick_suspect(p, relay, now, out);
		break;
	case POLICY_ACTIVE:
	case POLICY_MAINTENANCE:
		break;
	}
	for (size_t i = 0; i < p->pc->nrules; i++)
		if (p->pc->rules[i].queue_deferred)
			policy_eval_queue(p, relay, &p->pc->rules[i], now, out);
	policy_tick_silent(p, relay, now, out);
}

void
policy_tick(struct policy *p, const struct health *h, uint64_t now,
    struct policy_out *out)
{
	for (size_t i = 0; i < p->n; i++)
		policy_tick_relay(p, h, i, now, out);
	policy_windows_prune(p, now);
}

/* ---- operator verbs ------------------------------------------------------ */

int
policy_drain(struct policy *p, size_t relay, const char *op, const char *reason,
    uint64_t until, bool force, uint64_t now, struct policy_out *out, char *err,
    size_t errlen)
{
	struct policy_relay *rs = &p->st[relay];
	enum policy_state from = rs->state;
	char rule[POLICY_NAME_MAX + 1] = "operator:";
	struct policy_event *e;

	util_strlcpy(rule + strlen(rule), op, sizeof(rule) - strlen(rule));
	if (policy_state_in_service(rs->state) && !policy_floor_allows(p) &&
	    !force)
		return (policy_refuse(err, errlen,
		    "refused: %zu relays in service, min_active is %zu; "
		    "--force to drain anyway",
		    policy_in_service(p), policy_min_active(p)));
	policy_enter(p, relay, POLICY_CORDONED, now, until, rule, "", reason);
	e = policy_emit(p, out, relay, POLICY_EV_OPERATOR, from, "operator", "",
	    "%s%s", force ? "(forced) " : "", reason);
	util_strlcpy(e->operator, op, sizeof(e->operator));
	return (0);
}

int
policy_enable(struct policy *p, size_t relay, const char *op, bool skip_ramp,
    uint64_t now, struct policy_out *out, char *err, size_t errlen)
{
	struct policy_relay *rs = &p->st[relay];
	enum policy_state from = rs->state;
	const char *win = policy_window_running(p, relay, now);
	struct policy_event *e;

	if (win != NULL)
		return (policy_refuse(err, errlen,
		    "refused: %s is in maintenance window %s; cancel the "
		    "window first",
		    p->relays[relay].name, win));
	if (rs->state == POLICY_ACTIVE)
		return (0);
	if (rs->state == POLICY_PROBATION && !skip_ramp) {
		if (!rs->floor_held)
			return (0);
		policy_marks_clear(p, relay, now); /* the held drain too */
		policy_weigh(p, rs);
		e = policy_emit(p, out, relay, POLICY_EV_OPERATOR, from,
		    "operator", "", "held drain dropped; probation goes on");
		util_strlcpy(e->operator, op, sizeof(e->operator));
		return (0);
	}
	policy_marks_clear(p, relay, now);
	if (skip_ramp)
		policy_enter(p, relay, POLICY_ACTIVE, now, 0, "operator", "",
		    "enabled by an operator");
	else
		policy_enter(p, relay, POLICY_PROBATION, now, 0, "operator", "",
		    "enabled by an operator; probation");
	e = policy_emit(p, out, relay, POLICY_EV_OPERATOR, from, "operator", "",
	    "%s", skip_ramp ? "enabled at once (--now)" : "enabled: probation");
	util_strlcpy(e->operator, op, sizeof(e->operator));
	return (0);
}
