/* SPDX-License-Identifier: ISC */
/*
 * Load balancers in the control messages (see wire_ctl_lb.h): the
 * RelayStatus.lb entries that fleetd sends where an lb's applied state
 * differs from the intent, and the CtlReply.lbs rows of `fleetctl lb`.
 * Same scheme as wire_ctl.c: counts checked before allocating, copies
 * checked for length, then the formats checked by the validator that the
 * encoder runs too.  No state, no logging; any thread.
 */
#include "wire_ctl_lb.h"

#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "util.h"
#include "wire_check.h"

/* The states and intents of wire.h, and the driver names. */
#define WIRE_LB_STATE_CHARS "abcdefghijklmnopqrstuvwxyz_"

/* ---- generated structs -> ours ----------------------------------------- */

static int
wire_lb_one_applied_from_pb(
    struct wire_lb_applied *l, const Fleet__LbApplied *p, const char **errstr)
{
	l->known = p->known != 0;
	l->weight = p->weight;
	l->held = p->held != 0;
	if (wire_copy(l->lb, sizeof(l->lb), p->lb, "lb_applied.lb length",
	        errstr) == -1 ||
	    wire_copy(l->intent, sizeof(l->intent), p->intent,
	        "lb_applied.intent length", errstr) == -1 ||
	    wire_copy(l->target, sizeof(l->target), p->target,
	        "lb_applied.target length", errstr) == -1)
		return (-1);
	return (wire_copy(l->error, sizeof(l->error), p->error,
	    "lb_applied.error length", errstr));
}

int
wire_lb_applied_from_pb(struct wire_relay_status *s,
    const Fleet__RelayStatus *p, const char **errstr)
{
	if (p->n_lb > WIRE_LBS_MAX) {
		*errstr = "relay.lb count";
		return (-1);
	}
	if (p->n_lb > 0)
		s->lb = xcalloc(p->n_lb, sizeof(*s->lb));
	s->n_lb = p->n_lb;
	for (size_t i = 0; i < s->n_lb; i++) {
		if (wire_lb_one_applied_from_pb(&s->lb[i], p->lb[i], errstr) ==
		    -1)
			return (-1);
	}
	return (0);
}

int
wire_lb_status_from_pb(
    struct wire_lb_status *l, const Fleet__LbStatus *p, const char **errstr)
{
	l->last_attempt_at = p->last_attempt_at;
	l->last_success_at = p->last_success_at;
	l->last_error_at = p->last_error_at;
	l->out_of_sync = p->out_of_sync;
	l->held = p->held;
	l->rounds = p->rounds;
	l->failures = p->failures;
	l->drift = p->drift;
	l->applied = p->applied;
	if (wire_copy(l->name, sizeof(l->name), p->name,
	        "lb_status.name length", errstr) == -1 ||
	    wire_copy(l->driver, sizeof(l->driver), p->driver,
	        "lb_status.driver length", errstr) == -1 ||
	    wire_copy(l->target, sizeof(l->target), p->target,
	        "lb_status.target length", errstr) == -1)
		return (-1);
	return (wire_copy(l->last_error, sizeof(l->last_error), p->last_error,
	    "lb_status.last_error length", errstr));
}

/* ---- ours -> generated structs ------------------------------------------- */

/* A string field sent only when set, as wire_ctl.c does. */
static char *
wire_lb_opt(const char *s)
{
	return (s[0] != '\0' ? wire_unconst(s) : NULL);
}

void
wire_lb_applied_to_pb(Fleet__RelayStatus *v, const struct wire_relay_status *s,
    struct wire_arena *a)
{
	Fleet__LbApplied *e = wire_arena_alloc(a, s->n_lb, sizeof(*e));
	const struct wire_lb_applied *l;

	v->lb = wire_arena_alloc(a, s->n_lb, sizeof(*v->lb));
	v->n_lb = s->n_lb;
	for (size_t i = 0; i < s->n_lb; i++) {
		l = &s->lb[i];
		fleet__lb_applied__init(&e[i]);
		e[i].lb = wire_unconst(l->lb);
		e[i].has_known = e[i].has_weight = e[i].has_held = 1;
		e[i].known = l->known;
		e[i].intent = wire_lb_opt(l->intent);
		e[i].weight = l->weight;
		e[i].target = wire_lb_opt(l->target);
		e[i].error = wire_lb_opt(l->error);
		e[i].held = l->held;
		v->lb[i] = &e[i];
	}
}

static void
wire_lb_status_to_pb(Fleet__LbStatus *v, const struct wire_lb_status *l)
{
	fleet__lb_status__init(v);
	v->name = wire_unconst(l->name);
	v->driver = wire_lb_opt(l->driver);
	v->target = wire_lb_opt(l->target);
	v->has_last_attempt_at = v->has_last_success_at = 1;
	v->has_last_error_at = v->has_out_of_sync = v->has_held = 1;
	v->has_rounds = v->has_failures = v->has_drift = v->has_applied = 1;
	v->last_attempt_at = l->last_attempt_at;
	v->last_success_at = l->last_success_at;
	v->last_error_at = l->last_error_at;
	v->out_of_sync = l->out_of_sync;
	v->held = l->held;
	v->rounds = l->rounds;
	v->failures = l->failures;
	v->drift = l->drift;
	v->applied = l->applied;
	v->last_error = wire_lb_opt(l->last_error);
}

void
wire_lbs_to_pb(
    Fleet__CtlReply *p, const struct wire_ctl_reply *c, struct wire_arena *a)
{
	Fleet__LbStatus *v = wire_arena_alloc(a, c->n_lbs, sizeof(*v));

	p->lbs = wire_arena_alloc(a, c->n_lbs, sizeof(*p->lbs));
	p->n_lbs = c->n_lbs;
	for (size_t i = 0; i < c->n_lbs; i++) {
		wire_lb_status_to_pb(&v[i], &c->lbs[i]);
		p->lbs[i] = &v[i];
	}
}

/* ---- validation ---------------------------------------------------------- */

/* A config name ([lb NAME]): never "", [A-Za-z0-9_.-]. */
static int
wire_lb_check_name(
    const char *s, const char *elen, const char *ecs, const char **errstr)
{
	if (wire_check_str(s, WIRE_NAME_MAX, WIRE_CS_NAME, elen, ecs, errstr) ==
	    -1)
		return (-1);
	if (!cfg_name_ok(s)) { /* s is terminated within WIRE_NAME_MAX */
		*errstr = ecs;
		return (-1);
	}
	return (0);
}

/* A state, intent or driver: [a-z_]{0,WIRE_STATE_MAX}. */
static int
wire_lb_check_state(
    const char *s, const char *elen, const char *ecs, const char **errstr)
{
	if (wire_check_str(
	        s, WIRE_STATE_MAX, WIRE_CS_WORD, elen, ecs, errstr) == -1)
		return (-1);
	if (strspn(s, WIRE_LB_STATE_CHARS) != strlen(s)) {
		*errstr = ecs;
		return (-1);
	}
	return (0);
}

static int
wire_validate_lb_applied(const struct wire_lb_applied *l, const char **errstr)
{
	if (wire_lb_check_name(l->lb, "lb_applied.lb length",
	        "lb_applied.lb charset", errstr) == -1)
		return (-1);
	if (wire_lb_check_state(l->intent, "lb_applied.intent length",
	        "lb_applied.intent charset", errstr) == -1)
		return (-1);
	if (l->weight > 100) {
		*errstr = "lb_applied.weight";
		return (-1);
	}
	if (wire_check_str(l->target, WIRE_TARGET_MAX, WIRE_CS_TEXT,
	        "lb_applied.target length", "lb_applied.target charset",
	        errstr) == -1)
		return (-1);
	return (wire_check_str(l->error, WIRE_DETAIL_MAX, WIRE_CS_TEXT,
	    "lb_applied.error length", "lb_applied.error charset", errstr));
}

static int
wire_validate_lb_status(const struct wire_lb_status *l, const char **errstr)
{
	if (wire_lb_check_name(l->name, "lb_status.name length",
	        "lb_status.name charset", errstr) == -1)
		return (-1);
	if (wire_lb_check_state(l->driver, "lb_status.driver length",
	        "lb_status.driver charset", errstr) == -1)
		return (-1);
	if (wire_check_str(l->target, WIRE_PATH_MAX, WIRE_CS_TEXT,
	        "lb_status.target length", "lb_status.target charset",
	        errstr) == -1)
		return (-1);
	return (wire_check_str(l->last_error, WIRE_DETAIL_MAX, WIRE_CS_TEXT,
	    "lb_status.last_error length", "lb_status.last_error charset",
	    errstr));
}

/* One relay's entries; the relays themselves were checked already. */
static int
wire_validate_relay_lb(const struct wire_relay_status *s, const char **errstr)
{
	if (s->n_lb > WIRE_LBS_MAX || (s->n_lb > 0 && s->lb == NULL)) {
		*errstr = "relay.lb count";
		return (-1);
	}
	for (size_t i = 0; i < s->n_lb; i++) {
		if (wire_validate_lb_applied(&s->lb[i], errstr) == -1)
			return (-1);
	}
	return (0);
}

int
wire_validate_ctl_reply_lb(const struct wire_ctl_reply *c, const char **errstr)
{
	if (c->n_lbs > WIRE_LBS_MAX || (c->n_lbs > 0 && c->lbs == NULL)) {
		*errstr = "ctl_reply.lbs count";
		return (-1);
	}
	for (size_t i = 0; i < c->n_relays; i++) {
		if (wire_validate_relay_lb(&c->relays[i], errstr) == -1)
			return (-1);
	}
	for (size_t i = 0; i < c->n_lbs; i++) {
		if (wire_validate_lb_status(&c->lbs[i], errstr) == -1)
			return (-1);
	}
	return (0);
}
