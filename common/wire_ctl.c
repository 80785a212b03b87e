/* SPDX-License-Identifier: ISC */
/*
 * The control messages of wire.h: CtlRequest (fleetctl -> fleetd) and
 * CtlReply with its relays, events, windows, provider health, samples,
 * checks and load balancers (the lb parts are in wire_ctl_lb.c).  Same
 * scheme as wire.c: unpack with the bounded allocator, copy into our
 * structs checking presence, counts, lengths and enum numbers, then run
 * the validator the encoder runs.  A decoder sets each count right after
 * allocating the zeroed array it counts, so the _fini() functions free
 * exactly what a half-built struct holds.  Encoders send the newer string
 * fields only when they are not empty (absent and "" decode alike) to
 * keep a status reply of a large fleet small.  No state, no logging; any
 * thread.
 */
#include "wire.h"

#include <stdlib.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>

#include "fleet.pb-c.h"
#include "util.h"
#include "wire_check.h"
#include "wire_ctl_lb.h"
#include "wire_pb.h"

/* ---- generated structs -> ours ----------------------------------------- */

/*
 * Copies n names into a new *dst (caller frees), setting *ndst first.
 * Lengths only; wire_check.c checks the charset.
 */
static int
wire_names_from_pb(char (**dst)[WIRE_NAME_MAX + 1], size_t *ndst,
    char *const *src, size_t n, const char *elen, const char **errstr)
{
	if (n > 0)
		*dst = xcalloc(n, sizeof(**dst));
	*ndst = n;
	for (size_t i = 0; i < n; i++) {
		if (wire_copy((*dst)[i], sizeof((*dst)[i]), src[i], elen,
		        errstr) == -1)
			return (-1);
	}
	return (0);
}

static int
wire_ctl_request_from_pb(
    struct wire_ctl_request *q, const Fleet__CtlRequest *p, const char **errstr)
{
	if (!p->has_op || !wire_enum_ok(p->op, WIRE_CTL_LAST)) {
		*errstr = "ctl_request.op";
		return (-1);
	}
	if (p->n_relays > WIRE_RELAYS_MAX) {
		*errstr = "ctl_request.relays count";
		return (-1);
	}
	q->op = (enum wire_ctl_op)p->op;
	q->duration_s = p->duration_s;
	q->force = p->force != 0;
	q->now = p->now != 0;
	q->start = p->start;
	q->end = p->end;
	q->since = p->since;
	q->limit = p->limit;
	if (wire_copy(q->relay, sizeof(q->relay), p->relay,
	        "ctl_request.relay length", errstr) == -1 ||
	    wire_copy(q->reason, sizeof(q->reason), p->reason,
	        "ctl_request.reason length", errstr) == -1 ||
	    wire_copy(q->name, sizeof(q->name), p->name,
	        "ctl_request.name length", errstr) == -1 ||
	    wire_copy(q->hosting, sizeof(q->hosting), p->hosting,
	        "ctl_request.hosting length", errstr) == -1)
		return (-1);
	return (wire_names_from_pb(&q->relays, &q->n_relays, p->relays,
	    p->n_relays, "ctl_request.relays length", errstr));
}

/* RelayStatus fields 12..23: the decision and the agent. */
static int
wire_relay_decision_from_pb(struct wire_relay_status *s,
    const Fleet__RelayStatus *p, const char **errstr)
{
	s->since = p->since;
	s->until = p->until;
	s->weight = p->weight;
	s->score = p->score;
	if (wire_copy(s->state, sizeof(s->state), p->state,
	        "relay.state length", errstr) == -1 ||
	    wire_copy(s->rule, sizeof(s->rule), p->rule, "relay.rule length",
	        errstr) == -1 ||
	    wire_copy(s->provider, sizeof(s->provider), p->provider,
	        "relay.provider length", errstr) == -1 ||
	    wire_copy(s->reason, sizeof(s->reason), p->reason,
	        "relay.reason length", errstr) == -1 ||
	    wire_copy(s->intent, sizeof(s->intent), p->intent,
	        "relay.intent length", errstr) == -1 ||
	    wire_copy(s->agent_key, sizeof(s->agent_key), p->agent_key,
	        "relay.agent_key length", errstr) == -1 ||
	    wire_copy(s->agent_version, sizeof(s->agent_version),
	        p->agent_version, "relay.agent_version length", errstr) == -1)
		return (-1);
	return (wire_copy(s->hostname, sizeof(s->hostname), p->hostname,
	    "relay.hostname length", errstr));
}

static int
wire_relay_from_pb(struct wire_relay_status *s, const Fleet__RelayStatus *p,
    const char **errstr)
{
	s->has_report = p->has_report != 0;
	s->last_report_at = p->last_report_at;
	s->last_seq = p->last_seq;
	s->reports = p->reports;
	if (wire_copy(s->name, sizeof(s->name), p->name, "relay.name length",
	        errstr) == -1 ||
	    wire_copy(s->ip, sizeof(s->ip), p->ip, "relay.ip length", errstr) ==
	        -1 ||
	    wire_copy(s->hosting, sizeof(s->hosting), p->hosting,
	        "relay.hosting length", errstr) == -1 ||
	    wire_copy(s->worst_provider, sizeof(s->worst_provider),
	        p->worst_provider, "relay.worst_provider length", errstr) == -1)
		return (-1);
	if (p->has_worst_class) {
		if (!wire_enum_ok((int)p->worst_class, CLASS_LAST)) {
			*errstr = "relay.worst_class";
			return (-1);
		}
		s->worst_class = (enum reason_class)p->worst_class;
	}
	s->worst_count = p->worst_count;
	if (wire_relay_decision_from_pb(s, p, errstr) == -1 ||
	    wire_lb_applied_from_pb(s, p, errstr) == -1)
		return (-1);
	s->has_queue = p->queue != NULL;
	if (s->has_queue)
		return (wire_queue_from_pb(&s->queue, p->queue, errstr));
	return (0);
}

static int
wire_event_words_from_pb(
    struct wire_event *e, const Fleet__Event *p, const char **errstr)
{
	if (wire_copy(e->relay, sizeof(e->relay), p->relay,
	        "event.relay length", errstr) == -1 ||
	    wire_copy(e->kind, sizeof(e->kind), p->kind, "event.kind length",
	        errstr) == -1 ||
	    wire_copy(e->from_state, sizeof(e->from_state), p->from_state,
	        "event.from_state length", errstr) == -1 ||
	    wire_copy(e->to_state, sizeof(e->to_state), p->to_state,
	        "event.to_state length", errstr) == -1 ||
	    wire_copy(e->rule, sizeof(e->rule), p->rule, "event.rule length",
	        errstr) == -1 ||
	    wire_copy(e->provider, sizeof(e->provider), p->provider,
	        "event.provider length", errstr) == -1 ||
	    wire_copy(e->operator, sizeof(e->operator), p->operator_,
	        "event.operator length", errstr) == -1 ||
	    wire_copy(e->counts, sizeof(e->counts), p->counts,
	        "event.counts length", errstr) == -1 ||
	    wire_copy(e->intent, sizeof(e->intent), p->intent,
	        "event.intent length", errstr) == -1)
		return (-1);
	return (wire_copy(e->reason, sizeof(e->reason), p->reason,
	    "event.reason length", errstr));
}

static int
wire_event_from_pb(
    struct wire_event *e, const Fleet__Event *p, const char **errstr)
{
	if (p->n_samples > WIRE_EVENT_SAMPLES_MAX) {
		*errstr = "event.samples count";
		return (-1);
	}
	e->id = p->id;
	e->at = p->at;
	e->window_s = p->window_s;
	e->weight = p->weight;
	e->until = p->until;
	if (wire_event_words_from_pb(e, p, errstr) == -1)
		return (-1);
	e->n_samples = p->n_samples; /* e->samples[] are zeroed */
	for (size_t i = 0; i < e->n_samples; i++) {
		if (wire_sample_from_pb(
		        &e->samples[i], p->samples[i], errstr) == -1)
			return (-1);
	}
	return (0);
}

static int
wire_window_from_pb(
    struct wire_window *w, const Fleet__Window *p, const char **errstr)
{
	if (p->n_relays > WIRE_RELAYS_MAX) {
		*errstr = "window.relays count";
		return (-1);
	}
	w->start = p->start;
	w->end = p->end;
	if (wire_copy(w->name, sizeof(w->name), p->name, "window.name length",
	        errstr) == -1 ||
	    wire_copy(w->hosting, sizeof(w->hosting), p->hosting,
	        "window.hosting length", errstr) == -1 ||
	    wire_copy(w->reason, sizeof(w->reason), p->reason,
	        "window.reason length", errstr) == -1 ||
	    wire_copy(w->created_by, sizeof(w->created_by), p->created_by,
	        "window.created_by length", errstr) == -1 ||
	    wire_copy(w->state, sizeof(w->state), p->state,
	        "window.state length", errstr) == -1)
		return (-1);
	return (wire_names_from_pb(&w->relays, &w->n_relays, p->relays,
	    p->n_relays, "window.relays length", errstr));
}

/* An absent worst_class is CLASS_UNSPEC (no failure in the window). */
static int
wire_health_from_pb(struct wire_provider_health *h,
    const Fleet__ProviderHealth *p, const char **errstr)
{
	const Fleet__HealthWindow *pw;
	struct wire_health_window *w;

	if (p->n_windows > WIRE_HEALTH_WINDOWS) {
		*errstr = "health.windows count";
		return (-1);
	}
	h->score = p->score;
	h->n_windows = p->n_windows;
	for (size_t i = 0; i < h->n_windows; i++) {
		pw = p->windows[i];
		w = &h->windows[i];
		if (pw->has_worst_class &&
		    ((int)pw->worst_class < 0 ||
		        (int)pw->worst_class > CLASS_LAST)) {
			*errstr = "health_window.worst_class";
			return (-1);
		}
		w->worst_class = (enum reason_class)pw->worst_class;
		w->span_s = pw->span_s;
		w->attempts = pw->attempts;
		w->delivered = pw->delivered;
		w->deferred = pw->deferred;
		w->bounced = pw->bounced;
		w->worst_count = pw->worst_count;
	}
	return (wire_copy(h->provider, sizeof(h->provider), p->provider,
	    "health.provider length", errstr));
}

/* Checks every count before anything is allocated. */
static int
wire_ctl_reply_counts_from_pb(const Fleet__CtlReply *p, const char **errstr)
{
	if (p->n_relays > WIRE_RELAYS_MAX)
		*errstr = "ctl_reply.relays count";
	else if (p->n_events > WIRE_EVENTS_MAX)
		*errstr = "ctl_reply.events count";
	else if (p->n_windows > WIRE_WINDOWS_MAX)
		*errstr = "ctl_reply.windows count";
	else if (p->n_health > WIRE_HEALTH_MAX)
		*errstr = "ctl_reply.health count";
	else if (p->n_samples > WIRE_SAMPLES_MAX)
		*errstr = "ctl_reply.samples count";
	else if (p->n_checks > WIRE_CHECKS_MAX)
		*errstr = "ctl_reply.checks count";
	else if (p->n_lbs > WIRE_LBS_MAX)
		*errstr = "ctl_reply.lbs count";
	else
		return (0);
	return (-1);
}

/* Zeroed arrays for every repeated field, each count set next to it. */
static void
wire_ctl_reply_alloc(struct wire_ctl_reply *c, const Fleet__CtlReply *p)
{
	if (p->n_relays > 0)
		c->relays = xcalloc(p->n_relays, sizeof(*c->relays));
	c->n_relays = p->n_relays;
	if (p->n_events > 0)
		c->events = xcalloc(p->n_events, sizeof(*c->events));
	c->n_events = p->n_events;
	if (p->n_windows > 0)
		c->windows = xcalloc(p->n_windows, sizeof(*c->windows));
	c->n_windows = p->n_windows;
	if (p->n_health > 0)
		c->health = xcalloc(p->n_health, sizeof(*c->health));
	c->n_health = p->n_health;
	if (p->n_samples > 0)
		c->samples = xcalloc(p->n_samples, sizeof(*c->samples));
	c->n_samples = p->n_samples;
	if (p->n_checks > 0)
		c->checks = xcalloc(p->n_checks, sizeof(*c->checks));
	c->n_checks = p->n_checks;
	if (p->n_lbs > 0)
		c->lbs = xcalloc(p->n_lbs, sizeof(*c->lbs));
	c->n_lbs = p->n_lbs;
}

static int
wire_ctl_reply_items_from_pb(
    struct wire_ctl_reply *c, const Fleet__CtlReply *p, const char **errstr)
{
	size_t i;
	int rv = 0;

	for (i = 0; rv == 0 && i < c->n_relays; i++)
		rv = wire_relay_from_pb(&c->relays[i], p->relays[i], errstr);
	for (i = 0; rv == 0 && i < c->n_events; i++)
		rv = wire_event_from_pb(&c->events[i], p->events[i], errstr);
	for (i = 0; rv == 0 && i < c->n_windows; i++)
		rv = wire_window_from_pb(&c->windows[i], p->windows[i], errstr);
	for (i = 0; rv == 0 && i < c->n_health; i++)
		rv = wire_health_from_pb(&c->health[i], p->health[i], errstr);
	for (i = 0; rv == 0 && i < c->n_samples; i++)
		rv = wire_sample_from_pb(&c->samples[i], p->samples[i], errstr);
	for (i = 0; rv == 0 && i < c->n_checks; i++)
		rv = wire_check_from_pb(&c->checks[i], p->checks[i], errstr);
	for (i = 0; rv == 0 && i < c->n_lbs; i++)
		rv = wire_lb_status_from_pb(&c->lbs[i], p->lbs[i], errstr);
	return (rv);
}

static int
wire_ctl_reply_from_pb(
    struct wire_ctl_reply *c, const Fleet__CtlReply *p, const char **errstr)
{
	if (!p->has_ok) {
		*errstr = "ctl_reply.ok missing";
		return (-1);
	}
	if (wire_ctl_reply_counts_from_pb(p, errstr) == -1)
		return (-1);
	c->ok = p->ok != 0;
	c->now = p->now;
	if (wire_copy(c->error, sizeof(c->error), p->error,
	        "ctl_reply.error length", errstr) == -1)
		return (-1);
	wire_ctl_reply_alloc(c, p);
	return (wire_ctl_reply_items_from_pb(c, p, errstr));
}

/* ---- ours -> generated structs ------------------------------------------- */

/* A string field sent only when set. */
static char *
wire_opt(const char *s)
{
	return (s[0] != '\0' ? wire_unconst(s) : NULL);
}

/* n names as a char *[] in a; NULL for n == 0. */
static char **
wire_names_to_pb(
    char (*names)[WIRE_NAME_MAX + 1], size_t n, struct wire_arena *a)
{
	char **v = wire_arena_alloc(a, n, sizeof(*v));

	for (size_t i = 0; i < n; i++)
		v[i] = names[i];
	return (v);
}

static void
wire_relay_decision_to_pb(
    Fleet__RelayStatus *v, const struct wire_relay_status *s)
{
	v->state = wire_opt(s->state);
	v->has_since = v->has_until = v->has_weight = v->has_score = 1;
	v->since = s->since;
	v->until = s->until;
	v->rule = wire_opt(s->rule);
	v->provider = wire_opt(s->provider);
	v->reason = wire_opt(s->reason);
	v->intent = wire_opt(s->intent);
	v->weight = s->weight;
	v->score = s->score;
	v->agent_key = wire_opt(s->agent_key);
	v->agent_version = wire_opt(s->agent_version);
	v->hostname = wire_opt(s->hostname);
}

static void
wire_relay_to_pb(Fleet__RelayStatus *v, const struct wire_relay_status *s,
    struct wire_arena *a)
{
	fleet__relay_status__init(v);
	v->name = wire_unconst(s->name);
	v->ip = wire_unconst(s->ip);
	v->hosting = wire_unconst(s->hosting);
	v->has_has_report = v->has_last_report_at = 1;
	v->has_last_seq = v->has_reports = 1;
	v->has_report = s->has_report;
	v->last_report_at = s->last_report_at;
	v->last_seq = s->last_seq;
	v->reports = s->reports;
	if (s->worst_provider[0] != '\0') {
		v->worst_provider = wire_unconst(s->worst_provider);
		v->has_worst_class = v->has_worst_count = 1;
		v->worst_class = (Fleet__ReasonClass)s->worst_class;
		v->worst_count = s->worst_count;
	}
	if (s->has_queue) {
		v->queue = wire_arena_alloc(a, 1, sizeof(*v->queue));
		wire_queue_to_pb(v->queue, &s->queue, a);
	}
	wire_relay_decision_to_pb(v, s);
	wire_lb_applied_to_pb(v, s, a);
}

static void
wire_relays_to_pb(
    Fleet__CtlReply *p, const struct wire_ctl_reply *c, struct wire_arena *a)
{
	Fleet__RelayStatus *v = wire_arena_alloc(a, c->n_relays, sizeof(*v));

	p->relays = wire_arena_alloc(a, c->n_relays, sizeof(*p->relays));
	p->n_relays = c->n_relays;
	for (size_t i = 0; i < c->n_relays; i++) {
		wire_relay_to_pb(&v[i], &c->relays[i], a);
		p->relays[i] = &v[i];
	}
}

static void
wire_event_to_pb(
    Fleet__Event *v, const struct wire_event *e, struct wire_arena *a)
{
	fleet__event__init(v);
	v->has_id = v->has_at = v->has_window_s = 1;
	v->has_weight = v->has_until = 1;
	v->id = e->id;
	v->at = e->at;
	v->relay = wire_opt(e->relay);
	v->kind = wire_opt(e->kind);
	v->from_state = wire_opt(e->from_state);
	v->to_state = wire_opt(e->to_state);
	v->rule = wire_opt(e->rule);
	v->provider = wire_opt(e->provider);
	v->operator_ = wire_opt(e->operator);
	v->counts = wire_opt(e->counts);
	v->window_s = e->window_s;
	v->intent = wire_opt(e->intent);
	v->weight = e->weight;
	v->until = e->until;
	v->reason = wire_opt(e->reason);
	v->samples = wire_samples_to_pb(e->samples, e->n_samples, a);
	v->n_samples = e->n_samples;
}

static void
wire_events_to_pb(
    Fleet__CtlReply *p, const struct wire_ctl_reply *c, struct wire_arena *a)
{
	Fleet__Event *v = wire_arena_alloc(a, c->n_events, sizeof(*v));

	p->events = wire_arena_alloc(a, c->n_events, sizeof(*p->events));
	p->n_events = c->n_events;
	for (size_t i = 0; i < c->n_events; i++) {
		wire_event_to_pb(&v[i], &c->events[i], a);
		p->events[i] = &v[i];
	}
}

static void
wire_windows_to_pb(
    Fleet__CtlReply *p, const struct wire_ctl_reply *c, struct wire_arena *a)
{
	Fleet__Window *v = wire_arena_alloc(a, c->n_windows, sizeof(*v));
	const struct wire_window *w;

	p->windows = wire_arena_alloc(a, c->n_windows, sizeof(*p->windows));
	p->n_windows = c->n_windows;
	for (size_t i = 0; i < c->n_windows; i++) {
		w = &c->windows[i];
		fleet__window__init(&v[i]);
		v[i].name = wire_unconst(w->name);
		v[i].relays = wire_names_to_pb(w->relays, w->n_relays, a);
		v[i].n_relays = w->n_relays;
		v[i].hosting = wire_opt(w->hosting);
		v[i].has_start = v[i].has_end = 1;
		v[i].start = w->start;
		v[i].end = w->end;
		v[i].reason = wire_opt(w->reason);
		v[i].created_by = wire_opt(w->created_by);
		v[i].state = wire_opt(w->state);
		p->windows[i] = &v[i];
	}
}

static Fleet__HealthWindow **
wire_health_windows_to_pb(
    const struct wire_provider_health *h, struct wire_arena *a)
{
	Fleet__HealthWindow *v = wire_arena_alloc(a, h->n_windows, sizeof(*v));
	Fleet__HealthWindow **vp =
	    wire_arena_alloc(a, h->n_windows, sizeof(*vp));
	const struct wire_health_window *w;

	for (size_t i = 0; i < h->n_windows; i++) {
		w = &h->windows[i];
		fleet__health_window__init(&v[i]);
		v[i].has_span_s = v[i].has_attempts = v[i].has_delivered = 1;
		v[i].has_deferred = v[i].has_bounced = 1;
		v[i].has_worst_class = v[i].has_worst_count = 1;
		v[i].span_s = w->span_s;
		v[i].attempts = w->attempts;
		v[i].delivered = w->delivered;
		v[i].deferred = w->deferred;
		v[i].bounced = w->bounced;
		v[i].worst_class = (Fleet__ReasonClass)w->worst_class;
		v[i].worst_count = w->worst_count;
		vp[i] = &v[i];
	}
	return (vp);
}

static void
wire_health_to_pb(
    Fleet__CtlReply *p, const struct wire_ctl_reply *c, struct wire_arena *a)
{
	Fleet__ProviderHealth *v = wire_arena_alloc(a, c->n_health, sizeof(*v));

	p->health = wire_arena_alloc(a, c->n_health, sizeof(*p->health));
	p->n_health = c->n_health;
	for (size_t i = 0; i < c->n_health; i++) {
		fleet__provider_health__init(&v[i]);
		v[i].provider = wire_unconst(c->health[i].provider);
		v[i].has_score = 1;
		v[i].score = c->health[i].score;
		v[i].windows = wire_health_windows_to_pb(&c->health[i], a);
		v[i].n_windows = c->health[i].n_windows;
		p->health[i] = &v[i];
	}
}

/* ---- public API ---------------------------------------------------------- */

int
wire_ctl_request_encode(const struct wire_ctl_request *q, uint8_t **buf,
    size_t *len, const char **errstr)
{
	Fleet__CtlRequest req = FLEET__CTL_REQUEST__INIT;
	struct wire_arena a = {NULL, 0, 0};
	int rv;

	if (wire_validate_ctl_request(q, errstr) == -1)
		return (-1);
	req.has_version = req.has_op = 1;
	req.version = WIRE_VERSION;
	req.op = (Fleet__CtlRequest__Op)q->op;
	req.relay = wire_unconst(q->relay);
	req.reason = wire_opt(q->reason);
	req.has_duration_s = req.has_force = req.has_now = 1;
	req.duration_s = q->duration_s;
	req.force = q->force;
	req.now = q->now;
	req.name = wire_opt(q->name);
	req.relays = wire_names_to_pb(q->relays, q->n_relays, &a);
	req.n_relays = q->n_relays;
	req.hosting = wire_opt(q->hosting);
	req.has_start = req.has_end = req.has_since = req.has_limit = 1;
	req.start = q->start;
	req.end = q->end;
	req.since = q->since;
	req.limit = q->limit;
	rv = wire_pack(&req.base, buf, len, errstr);
	wire_arena_free(&a);
	return (rv);
}

int
wire_ctl_reply_encode(const struct wire_ctl_reply *c, uint8_t **buf,
    size_t *len, const char **errstr)
{
	Fleet__CtlReply rep = FLEET__CTL_REPLY__INIT;
	struct wire_arena a = {NULL, 0, 0};
	int rv;

	if (wire_validate_ctl_reply(c, errstr) == -1 ||
	    wire_validate_ctl_reply_lb(c, errstr) == -1)
		return (-1);
	rep.has_version = rep.has_ok = rep.has_now = 1;
	rep.version = WIRE_VERSION;
	rep.ok = c->ok;
	rep.error = wire_unconst(c->error);
	rep.now = c->now;
	wire_relays_to_pb(&rep, c, &a);
	wire_events_to_pb(&rep, c, &a);
	wire_windows_to_pb(&rep, c, &a);
	wire_health_to_pb(&rep, c, &a);
	rep.samples = wire_samples_to_pb(c->samples, c->n_samples, &a);
	rep.n_samples = c->n_samples;
	rep.checks = wire_checks_to_pb(c->checks, c->n_checks, &a);
	rep.n_checks = c->n_checks;
	wire_lbs_to_pb(&rep, c, &a);
	rv = wire_pack(&rep.base, buf, len, errstr);
	wire_arena_free(&a);
	return (rv);
}

int
wire_ctl_request_decode(struct wire_ctl_request *out, const uint8_t *buf,
    size_t len, const char **errstr)
{
	struct wire_unpacker u;
	Fleet__CtlRequest *m;
	struct wire_ctl_request q;
	int rv = -1;

	if ((m = (Fleet__CtlRequest *)wire_unpack(&u,
	         &fleet__ctl_request__descriptor, buf, len, errstr)) == NULL)
		return (-1);
	memset(&q, 0, sizeof(q));
	if (!m->has_version || m->version != WIRE_VERSION)
		*errstr = "version";
	else if (wire_ctl_request_from_pb(&q, m, errstr) == 0 &&
	         wire_validate_ctl_request(&q, errstr) == 0)
		rv = 0;
	protobuf_c_message_free_unpacked(&m->base, &u.pa);
	if (rv == 0)
		*out = q;
	else
		wire_ctl_request_fini(&q);
	return (rv);
}

int
wire_ctl_reply_decode(struct wire_ctl_reply *out, const uint8_t *buf,
    size_t len, const char **errstr)
{
	struct wire_unpacker u;
	Fleet__CtlReply *m;
	struct wire_ctl_reply c;
	int rv = -1;

	if ((m = (Fleet__CtlReply *)wire_unpack(
	         &u, &fleet__ctl_reply__descriptor, buf, len, errstr)) == NULL)
		return (-1);
	memset(&c, 0, sizeof(c));
	if (!m->has_version || m->version != WIRE_VERSION)
		*errstr = "version";
	else if (wire_ctl_reply_from_pb(&c, m, errstr) == 0 &&
	         wire_validate_ctl_reply(&c, errstr) == 0 &&
	         wire_validate_ctl_reply_lb(&c, errstr) == 0)
		rv = 0;
	protobuf_c_message_free_unpacked(&m->base, &u.pa);
	if (rv == 0)
		*out = c;
	else
		wire_ctl_reply_fini(&c);
	return (rv);
}

void
wire_ctl_request_fini(struct wire_ctl_request *q)
{
	free(q->relays);
	q->relays = NULL;
	q->n_relays = 0;
}

void
wire_event_fini(struct wire_event *e)
{
	for (size_t i = 0; i < e->n_samples && i < WIRE_EVENT_SAMPLES_MAX;
	     i++) {
		free(e->samples[i].text);
		e->samples[i].text = NULL;
	}
	e->n_samples = 0;
}

void
wire_window_fini(struct wire_window *w)
{
	free(w->relays);
	w->relays = NULL;
	w->n_relays = 0;
}

void
wire_ctl_reply_fini(struct wire_ctl_reply *c)
{
	for (size_t i = 0; i < c->n_relays; i++) {
		wire_queue_fini(&c->relays[i].queue);
		free(c->relays[i].lb);
	}
	free(c->relays);
	for (size_t i = 0; i < c->n_events; i++)
		wire_event_fini(&c->events[i]);
	free(c->events);
	for (size_t i = 0; i < c->n_windows; i++)
		wire_window_fini(&c->windows[i]);
	free(c->windows);
	free(c->health);
	for (size_t i = 0; i < c->n_samples; i++)
		free(c->samples[i].text);
	free(c->samples);
	free(c->checks);
	free(c->lbs);
	memset(c, 0, sizeof(*c));
}
