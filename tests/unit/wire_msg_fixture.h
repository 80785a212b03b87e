/* SPDX-License-Identifier: ISC */
/*
 * The wire tests' messages in our own structs: a fixture and a comparison
 * for each of the four messages (Report, AgentReply, CtlRequest,
 * CtlReply), and the dispatch on their kind.  wire_fixture.h includes it
 * and adds the generated structs and the runners of the case tables.
 * Test-only; the helpers are static inline so each test file takes what
 * it uses.
 */
#ifndef FLEET_TESTS_UNIT_WIRE_MSG_FIXTURE_H
#define FLEET_TESTS_UNIT_WIRE_MSG_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"
#include "util.h"

enum kind { K_REPORT, K_AGENT_REPLY, K_CTL_REQUEST, K_CTL_REPLY };

struct buf {
	uint8_t *p;
	size_t len;
};

/* ---- our structs: fixtures and comparisons ------------------------------ */

union any_msg {
	struct wire_report r;
	struct wire_agent_reply a;
	struct wire_ctl_request q;
	struct wire_ctl_reply c;
};

static inline void
fx_queue(struct wire_queue *q, size_t n_by)
{
	static const char *const prov[] = {"gmail", "outlook", "yahoo.jp"};

	q->valid = true;
	q->taken_at = 1700000030;
	q->incoming = 1;
	q->active = 2;
	q->deferred = 300;
	q->hold = 4;
	q->maildrop = 5;
	q->oldest_deferred_age = 86400;
	q->n_by = n_by;
	q->by = n_by > 0 ? xcalloc(n_by, sizeof(*q->by)) : NULL;
	for (size_t i = 0; i < n_by; i++) {
		util_strlcpy(
		    q->by[i].provider, prov[i % 3], sizeof(q->by[i].provider));
		q->by[i].cls = (enum reason_class)(CLASS_IP_BLOCKED + i % 3);
		q->by[i].count = (uint32_t)(100 + i);
	}
}

static inline void
fx_report_items(struct wire_report *r)
{
	r->n_counters = 2;
	r->counters = xcalloc(2, sizeof(*r->counters));
	util_strlcpy(r->counters[0].provider, "gmail", WIRE_PROVIDER_MAX + 1);
	r->counters[0].cls = CLASS_DELIVERED;
	r->counters[0].status = STATUS_SENT;
	util_strlcpy(r->counters[0].dsn, "2.0.0", WIRE_DSN_MAX + 1);
	r->counters[0].count = 1234;
	util_strlcpy(r->counters[1].provider, "outlook", WIRE_PROVIDER_MAX + 1);
	r->counters[1].cls = CLASS_IP_BLOCKED;
	r->counters[1].status = STATUS_DEFERRED;
	util_strlcpy(r->counters[1].dsn, "4.7.650", WIRE_DSN_MAX + 1);
	r->counters[1].count = 17;
	r->n_samples = 1;
	r->samples = xcalloc(1, sizeof(*r->samples));
	util_strlcpy(r->samples[0].provider, "outlook", WIRE_PROVIDER_MAX + 1);
	r->samples[0].cls = CLASS_IP_BLOCKED;
	r->samples[0].status = STATUS_DEFERRED;
	util_strlcpy(r->samples[0].dsn, "4.7.650", WIRE_DSN_MAX + 1);
	r->samples[0].text =
	    xstrdup("451 4.7.650 The mail server [192.0.2.1] "
	            "has been temporarily rate limited \xc3\xa9");
	r->samples[0].first_seen = 1700000001;
	r->samples[0].last_seen = 1700000059;
	util_strlcpy(r->samples[0].mx_host,
	    "outlook-com.olc.protection.outlook.com", WIRE_HOST_MAX + 1);
	r->n_checks = 1;
	r->checks = xcalloc(1, sizeof(*r->checks));
	util_strlcpy(
	    r->checks[0].name, "dnsbl:zen.spamhaus.org", WIRE_NAME_MAX + 1);
	r->checks[0].state = CHECK_FAIL;
	util_strlcpy(
	    r->checks[0].detail, "listed: 127.0.0.2", WIRE_DETAIL_MAX + 1);
	r->checks[0].checked_at = 1700000000;
}

static inline void
fx_report(struct wire_report *r)
{
	memset(r, 0, sizeof(*r));
	r->epoch = 0x1122334455667788ull;
	r->seq = 42;
	r->interval_start = 1700000000;
	r->interval_end = 1700000060;
	r->has_queue = true;
	fx_queue(&r->queue, 3);
	fx_report_items(r);
	util_strlcpy(r->agent_version, "0.1.0", sizeof(r->agent_version));
	util_strlcpy(r->hostname, "relay3.example.net", sizeof(r->hostname));
}

static inline void
fx_agent_reply(struct wire_agent_reply *a)
{
	memset(a, 0, sizeof(*a));
	a->acked_epoch = 0x1122334455667788ull;
	a->acked_seq = 42;
	a->duplicate = true;
	a->n_commands = 2;
	a->commands[0].type = WIRE_CMD_SET_INTERVALS;
	a->commands[0].report_interval_ms = 60000;
	a->commands[0].queue_interval_ms = 30000;
	a->commands[1].type = WIRE_CMD_RUN_CHECKS;
}

/* Every field set, whatever the op uses: the decoder checks formats only. */
static inline void
fx_ctl_request(struct wire_ctl_request *q)
{
	memset(q, 0, sizeof(*q));
	q->op = WIRE_CTL_STATUS;
	util_strlcpy(q->relay, "relay3", sizeof(q->relay));
	util_strlcpy(q->reason, "move to new rack \xc3\xa9", sizeof(q->reason));
	q->duration_s = 7200;
	q->force = true;
	q->now = true;
	util_strlcpy(q->name, "rack-move.2", sizeof(q->name));
	q->n_relays = 2;
	q->relays = xcalloc(2, sizeof(*q->relays));
	util_strlcpy(q->relays[0], "relay1", sizeof(q->relays[0]));
	util_strlcpy(q->relays[1], "Relay_2.example-net", sizeof(q->relays[1]));
	util_strlcpy(q->hosting, "hetzner", sizeof(q->hosting));
	q->start = 1700000000;
	q->end = 1700003600;
	q->since = 1699990000;
	q->limit = 50;
}

static inline void
fx_sample(struct wire_sample *s, const char *provider, const char *text)
{
	util_strlcpy(s->provider, provider, sizeof(s->provider));
	s->cls = CLASS_IP_BLOCKED;
	s->status = STATUS_DEFERRED;
	util_strlcpy(s->dsn, "5.7.1", sizeof(s->dsn));
	s->text = xstrdup(text);
	s->first_seen = 1700000001;
	s->last_seen = 1700000050;
	util_strlcpy(s->mx_host, "mx1.example.com", sizeof(s->mx_host));
}

/* relays[0] drained by a rule, relays[1] as the agents verb shows it. */
static inline void
fx_relay_decision(struct wire_ctl_reply *c)
{
	struct wire_relay_status *s = &c->relays[0];

	util_strlcpy(s->state, "drained", sizeof(s->state));
	s->since = 1700000000;
	s->until = 1700014400;
	util_strlcpy(s->rule, "ip-blocked", sizeof(s->rule));
	util_strlcpy(s->provider, "outlook", sizeof(s->provider));
	util_strlcpy(
	    s->reason, "550 5.7.1 S3150 from outlook", sizeof(s->reason));
	util_strlcpy(s->intent, "drain", sizeof(s->intent));
	s->weight = 0;
	s->score = 12;
	s = &c->relays[1];
	util_strlcpy(s->state, "cordoned", sizeof(s->state));
	util_strlcpy(s->rule, "operator:alice", sizeof(s->rule));
	util_strlcpy(s->intent, "ready", sizeof(s->intent));
	s->weight = 100;
	s->score = -1;
	util_strlcpy(s->agent_key,
	    "q83vEjRWeJqrze8SNFZ4mqvN7xI0VniaoBI0VniaeRo=",
	    sizeof(s->agent_key));
	util_strlcpy(s->agent_version, "0.2.0-rc1", sizeof(s->agent_version));
	util_strlcpy(s->hostname, "relay2.example.net", sizeof(s->hostname));
}

static inline void
fx_events(struct wire_ctl_reply *c)
{
	struct wire_event *e;

	c->n_events = 2;
	c->events = xcalloc(2, sizeof(*c->events));
	e = &c->events[0];
	e->id = 17;
	e->at = 1700000000;
	util_strlcpy(e->relay, "relay1", sizeof(e->relay));
	util_strlcpy(e->kind, "transition", sizeof(e->kind));
	util_strlcpy(e->from_state, "active", sizeof(e->from_state));
	util_strlcpy(e->to_state, "drained", sizeof(e->to_state));
	util_strlcpy(e->rule, "ip-blocked", sizeof(e->rule));
	util_strlcpy(e->provider, "outlook", sizeof(e->provider));
	util_strlcpy(e->counts, "1 ip_blocked in 10m", sizeof(e->counts));
	e->window_s = 600;
	util_strlcpy(e->intent, "drain", sizeof(e->intent));
	e->until = 1700014400;
	util_strlcpy(e->reason, "blocked by outlook", sizeof(e->reason));
	e->n_samples = WIRE_EVENT_SAMPLES_MAX;
	for (size_t i = 0; i < WIRE_EVENT_SAMPLES_MAX; i++)
		fx_sample(&e->samples[i], "outlook",
		    "550 5.7.1 Unfortunately, messages from [192.0.2.1] "
		    "weren't sent. (S3150)");
	e = &c->events[1];
	e->id = 18;
	e->at = 1700000100;
	util_strlcpy(e->relay, "relay2", sizeof(e->relay));
	util_strlcpy(e->kind, "operator", sizeof(e->kind));
	util_strlcpy(e->operator, "alice", sizeof(e->operator));
	util_strlcpy(e->rule, "operator:alice", sizeof(e->rule));
	e->weight = 100;
}

static inline void
fx_windows(struct wire_ctl_reply *c)
{
	struct wire_window *w;

	c->n_windows = 2;
	c->windows = xcalloc(2, sizeof(*c->windows));
	w = &c->windows[0];
	util_strlcpy(w->name, "rack-move", sizeof(w->name));
	w->n_relays = 2;
	w->relays = xcalloc(2, sizeof(*w->relays));
	util_strlcpy(w->relays[0], "relay1", sizeof(w->relays[0]));
	util_strlcpy(w->relays[1], "relay2", sizeof(w->relays[1]));
	w->start = 1700000000;
	w->end = 1700007200;
	util_strlcpy(w->reason, "kernel upgrade", sizeof(w->reason));
	util_strlcpy(w->created_by, "alice", sizeof(w->created_by));
	util_strlcpy(w->state, "scheduled", sizeof(w->state));
	w = &c->windows[1];
	util_strlcpy(w->name, "dc-power", sizeof(w->name));
	util_strlcpy(w->hosting, "hetzner", sizeof(w->hosting));
	util_strlcpy(w->state, "cancelled", sizeof(w->state));
}

static inline void
fx_health(struct wire_ctl_reply *c)
{
	static const uint64_t span[WIRE_HEALTH_WINDOWS] = {300, 3600, 86400};
	struct wire_provider_health *h;

	c->n_health = 1;
	c->health = xcalloc(1, sizeof(*c->health));
	h = &c->health[0];
	util_strlcpy(h->provider, "outlook", sizeof(h->provider));
	h->score = 40;
	h->n_windows = WIRE_HEALTH_WINDOWS;
	for (size_t i = 0; i < WIRE_HEALTH_WINDOWS; i++) {
		h->windows[i].span_s = span[i];
		h->windows[i].attempts = 100 * (i + 1);
		h->windows[i].delivered = 90 * (i + 1);
		h->windows[i].deferred = 7 * (i + 1);
		h->windows[i].bounced = 3 * (i + 1);
		h->windows[i].worst_class = CLASS_IP_THROTTLED;
		h->windows[i].worst_count = 5 * (i + 1);
	}
	h->windows[0].worst_class = CLASS_UNSPEC;
	h->windows[0].worst_count = 0;
}

static inline void
fx_ctl_reply_show(struct wire_ctl_reply *c)
{
	fx_relay_decision(c);
	fx_events(c);
	fx_windows(c);
	fx_health(c);
	c->n_samples = 1;
	c->samples = xcalloc(1, sizeof(*c->samples));
	fx_sample(&c->samples[0], "gmail", "421 4.7.0 try again later");
	c->n_checks = 2;
	c->checks = xcalloc(2, sizeof(*c->checks));
	util_strlcpy(c->checks[0].name, "ptr", sizeof(c->checks[0].name));
	c->checks[0].state = CHECK_OK;
	c->checks[0].checked_at = 1700000000;
	util_strlcpy(c->checks[1].name, "dnsbl:zen.spamhaus.org",
	    sizeof(c->checks[1].name));
	c->checks[1].state = CHECK_FAIL;
	util_strlcpy(c->checks[1].detail, "listed: 127.0.0.2",
	    sizeof(c->checks[1].detail));
}

static inline void
fx_ctl_reply(struct wire_ctl_reply *c)
{
	memset(c, 0, sizeof(*c));
	c->ok = true;
	c->now = 1700000100;
	c->n_relays = 2;
	c->relays = xcalloc(2, sizeof(*c->relays));
	util_strlcpy(c->relays[0].name, "relay1", WIRE_NAME_MAX + 1);
	util_strlcpy(c->relays[0].ip, "2001:db8::25", WIRE_IP_MAX + 1);
	util_strlcpy(c->relays[0].hosting, "hetzner", WIRE_NAME_MAX + 1);
	c->relays[0].has_report = true;
	c->relays[0].last_report_at = 1700000060;
	c->relays[0].last_seq = 42;
	c->relays[0].reports = 7;
	c->relays[0].has_queue = true;
	fx_queue(&c->relays[0].queue, 2);
	util_strlcpy(
	    c->relays[0].worst_provider, "outlook", WIRE_PROVIDER_MAX + 1);
	c->relays[0].worst_class = CLASS_IP_THROTTLED;
	c->relays[0].worst_count = 12;
	util_strlcpy(c->relays[1].name, "relay2", WIRE_NAME_MAX + 1);
	util_strlcpy(c->relays[1].ip, "192.0.2.2", WIRE_IP_MAX + 1);
	fx_ctl_reply_show(c);
}

static inline void
fx(enum kind k, union any_msg *m)
{
	switch (k) {
	case K_REPORT:
		fx_report(&m->r);
		break;
	case K_AGENT_REPLY:
		fx_agent_reply(&m->a);
		break;
	case K_CTL_REQUEST:
		fx_ctl_request(&m->q);
		break;
	case K_CTL_REPLY:
		fx_ctl_reply(&m->c);
		break;
	}
}

static inline void
fini(enum kind k, union any_msg *m)
{
	if (k == K_REPORT)
		wire_report_fini(&m->r);
	else if (k == K_CTL_REQUEST)
		wire_ctl_request_fini(&m->q);
	else if (k == K_CTL_REPLY)
		wire_ctl_reply_fini(&m->c);
}

static inline int
encode(enum kind k, const union any_msg *m, struct buf *b, const char **errstr)
{
	switch (k) {
	case K_REPORT:
		return (wire_report_encode(&m->r, &b->p, &b->len, errstr));
	case K_AGENT_REPLY:
		return (wire_agent_reply_encode(&m->a, &b->p, &b->len, errstr));
	case K_CTL_REQUEST:
		return (wire_ctl_request_encode(&m->q, &b->p, &b->len, errstr));
	case K_CTL_REPLY:
		return (wire_ctl_reply_encode(&m->c, &b->p, &b->len, errstr));
	}
	return (-1);
}

static inline int
decode(enum kind k, union any_msg *m, const struct buf *b, const char **errstr)
{
	switch (k) {
	case K_REPORT:
		return (wire_report_decode(&m->r, b->p, b->len, errstr));
	case K_AGENT_REPLY:
		return (wire_agent_reply_decode(&m->a, b->p, b->len, errstr));
	case K_CTL_REQUEST:
		return (wire_ctl_request_decode(&m->q, b->p, b->len, errstr));
	case K_CTL_REPLY:
		return (wire_ctl_reply_decode(&m->c, b->p, b->len, errstr));
	}
	return (-1);
}

static inline void
queue_eq(const struct wire_queue *a, const struct wire_queue *b)
{
	assert_int_equal(a->valid, b->valid);
	assert_int_equal(a->taken_at, b->taken_at);
	assert_int_equal(a->incoming, b->incoming);
	assert_int_equal(a->active, b->active);
	assert_int_equal(a->deferred, b->deferred);
	assert_int_equal(a->hold, b->hold);
	assert_int_equal(a->maildrop, b->maildrop);
	assert_int_equal(a->oldest_deferred_age, b->oldest_deferred_age);
	assert_string_equal(a->error, b->error);
	assert_int_equal(a->n_by, b->n_by);
	for (size_t i = 0; i < a->n_by; i++) {
		assert_string_equal(a->by[i].provider, b->by[i].provider);
		assert_int_equal(a->by[i].cls, b->by[i].cls);
		assert_int_equal(a->by[i].count, b->by[i].count);
	}
}

static inline void
counter_eq(const struct wire_counter *a, const struct wire_counter *b)
{
	assert_string_equal(a->provider, b->provider);
	assert_int_equal(a->cls, b->cls);
	assert_int_equal(a->status, b->status);
	assert_string_equal(a->dsn, b->dsn);
	assert_int_equal(a->count, b->count);
}

static inline void
sample_eq(const struct wire_sample *a, const struct wire_sample *b)
{
	assert_string_equal(a->provider, b->provider);
	assert_int_equal(a->cls, b->cls);
	assert_int_equal(a->status, b->status);
	assert_string_equal(a->dsn, b->dsn);
	assert_string_equal(a->text, b->text);
	assert_int_equal(a->first_seen, b->first_seen);
	assert_int_equal(a->last_seen, b->last_seen);
	assert_string_equal(a->mx_host, b->mx_host);
}

static inline void
report_eq(const struct wire_report *a, const struct wire_report *b)
{
	assert_int_equal(a->epoch, b->epoch);
	assert_int_equal(a->seq, b->seq);
	assert_int_equal(a->interval_start, b->interval_start);
	assert_int_equal(a->interval_end, b->interval_end);
	assert_int_equal(a->has_queue, b->has_queue);
	queue_eq(&a->queue, &b->queue);
	assert_int_equal(a->n_counters, b->n_counters);
	for (size_t i = 0; i < a->n_counters; i++)
		counter_eq(&a->counters[i], &b->counters[i]);
	assert_int_equal(a->n_samples, b->n_samples);
	for (size_t i = 0; i < a->n_samples; i++)
		sample_eq(&a->samples[i], &b->samples[i]);
	assert_int_equal(a->n_checks, b->n_checks);
	for (size_t i = 0; i < a->n_checks; i++) {
		assert_string_equal(a->checks[i].name, b->checks[i].name);
		assert_int_equal(a->checks[i].state, b->checks[i].state);
		assert_string_equal(a->checks[i].detail, b->checks[i].detail);
		assert_int_equal(
		    a->checks[i].checked_at, b->checks[i].checked_at);
	}
	assert_string_equal(a->agent_version, b->agent_version);
	assert_string_equal(a->hostname, b->hostname);
}

static inline void
agent_reply_eq(
    const struct wire_agent_reply *a, const struct wire_agent_reply *b)
{
	assert_int_equal(a->acked_epoch, b->acked_epoch);
	assert_int_equal(a->acked_seq, b->acked_seq);
	assert_int_equal(a->duplicate, b->duplicate);
	assert_int_equal(a->n_commands, b->n_commands);
	for (size_t i = 0; i < a->n_commands; i++) {
		assert_int_equal(a->commands[i].type, b->commands[i].type);
		assert_int_equal(a->commands[i].report_interval_ms,
		    b->commands[i].report_interval_ms);
		assert_int_equal(a->commands[i].queue_interval_ms,
		    b->commands[i].queue_interval_ms);
	}
	assert_string_equal(a->error, b->error);
}

static inline void
ctl_request_eq(
    const struct wire_ctl_request *a, const struct wire_ctl_request *b)
{
	assert_int_equal(a->op, b->op);
	assert_string_equal(a->relay, b->relay);
	assert_string_equal(a->reason, b->reason);
	assert_int_equal(a->duration_s, b->duration_s);
	assert_int_equal(a->force, b->force);
	assert_int_equal(a->now, b->now);
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->n_relays, b->n_relays);
	for (size_t i = 0; i < a->n_relays; i++)
		assert_string_equal(a->relays[i], b->relays[i]);
	assert_string_equal(a->hosting, b->hosting);
	assert_int_equal(a->start, b->start);
	assert_int_equal(a->end, b->end);
	assert_int_equal(a->since, b->since);
	assert_int_equal(a->limit, b->limit);
}

static inline void
relay_eq(const struct wire_relay_status *x, const struct wire_relay_status *y)
{
	assert_string_equal(x->name, y->name);
	assert_string_equal(x->ip, y->ip);
	assert_string_equal(x->hosting, y->hosting);
	assert_int_equal(x->has_report, y->has_report);
	assert_int_equal(x->last_report_at, y->last_report_at);
	assert_int_equal(x->last_seq, y->last_seq);
	assert_int_equal(x->reports, y->reports);
	assert_int_equal(x->has_queue, y->has_queue);
	queue_eq(&x->queue, &y->queue);
	assert_string_equal(x->worst_provider, y->worst_provider);
	assert_int_equal(x->worst_class, y->worst_class);
	assert_int_equal(x->worst_count, y->worst_count);
	assert_string_equal(x->state, y->state);
	assert_int_equal(x->since, y->since);
	assert_int_equal(x->until, y->until);
	assert_string_equal(x->rule, y->rule);
	assert_string_equal(x->provider, y->provider);
	assert_string_equal(x->reason, y->reason);
	assert_string_equal(x->intent, y->intent);
	assert_int_equal(x->weight, y->weight);
	assert_int_equal(x->score, y->score);
	assert_string_equal(x->agent_key, y->agent_key);
	assert_string_equal(x->agent_version, y->agent_version);
	assert_string_equal(x->hostname, y->hostname);
}

static inline void
event_eq(const struct wire_event *x, const struct wire_event *y)
{
	assert_int_equal(x->id, y->id);
	assert_int_equal(x->at, y->at);
	assert_string_equal(x->relay, y->relay);
	assert_string_equal(x->kind, y->kind);
	assert_string_equal(x->from_state, y->from_state);
	assert_string_equal(x->to_state, y->to_state);
	assert_string_equal(x->rule, y->rule);
	assert_string_equal(x->provider, y->provider);
	assert_string_equal(x->operator, y->operator);
	assert_string_equal(x->counts, y->counts);
	assert_int_equal(x->window_s, y->window_s);
	assert_string_equal(x->intent, y->intent);
	assert_int_equal(x->weight, y->weight);
	assert_int_equal(x->until, y->until);
	assert_string_equal(x->reason, y->reason);
	assert_int_equal(x->n_samples, y->n_samples);
	for (size_t i = 0; i < x->n_samples; i++)
		sample_eq(&x->samples[i], &y->samples[i]);
}

static inline void
window_eq(const struct wire_window *x, const struct wire_window *y)
{
	assert_string_equal(x->name, y->name);
	assert_int_equal(x->n_relays, y->n_relays);
	for (size_t i = 0; i < x->n_relays; i++)
		assert_string_equal(x->relays[i], y->relays[i]);
	assert_string_equal(x->hosting, y->hosting);
	assert_int_equal(x->start, y->start);
	assert_int_equal(x->end, y->end);
	assert_string_equal(x->reason, y->reason);
	assert_string_equal(x->created_by, y->created_by);
	assert_string_equal(x->state, y->state);
}

static inline void
health_eq(
    const struct wire_provider_health *x, const struct wire_provider_health *y)
{
	const struct wire_health_window *v, *w;

	assert_string_equal(x->provider, y->provider);
	assert_int_equal(x->score, y->score);
	assert_int_equal(x->n_windows, y->n_windows);
	for (size_t i = 0; i < x->n_windows; i++) {
		v = &x->windows[i];
		w = &y->windows[i];
		assert_int_equal(v->span_s, w->span_s);
		assert_int_equal(v->attempts, w->attempts);
		assert_int_equal(v->delivered, w->delivered);
		assert_int_equal(v->deferred, w->deferred);
		assert_int_equal(v->bounced, w->bounced);
		assert_int_equal(v->worst_class, w->worst_class);
		assert_int_equal(v->worst_count, w->worst_count);
	}
}

static inline void
check_eq(const struct wire_check *x, const struct wire_check *y)
{
	assert_string_equal(x->name, y->name);
	assert_int_equal(x->state, y->state);
	assert_string_equal(x->detail, y->detail);
	assert_int_equal(x->checked_at, y->checked_at);
}

static inline void
ctl_reply_eq(const struct wire_ctl_reply *a, const struct wire_ctl_reply *b)
{
	assert_int_equal(a->ok, b->ok);
	assert_string_equal(a->error, b->error);
	assert_int_equal(a->now, b->now);
	assert_int_equal(a->n_relays, b->n_relays);
	for (size_t i = 0; i < a->n_relays; i++)
		relay_eq(&a->relays[i], &b->relays[i]);
	assert_int_equal(a->n_events, b->n_events);
	for (size_t i = 0; i < a->n_events; i++)
		event_eq(&a->events[i], &b->events[i]);
	assert_int_equal(a->n_windows, b->n_windows);
	for (size_t i = 0; i < a->n_windows; i++)
		window_eq(&a->windows[i], &b->windows[i]);
	assert_int_equal(a->n_health, b->n_health);
	for (size_t i = 0; i < a->n_health; i++)
		health_eq(&a->health[i], &b->health[i]);
	assert_int_equal(a->n_samples, b->n_samples);
	for (size_t i = 0; i < a->n_samples; i++)
		sample_eq(&a->samples[i], &b->samples[i]);
	assert_int_equal(a->n_checks, b->n_checks);
	for (size_t i = 0; i < a->n_checks; i++)
		check_eq(&a->checks[i], &b->checks[i]);
}

static inline void
msg_eq(enum kind k, const union any_msg *a, const union any_msg *b)
{
	switch (k) {
	case K_REPORT:
		report_eq(&a->r, &b->r);
		break;
	case K_AGENT_REPLY:
		agent_reply_eq(&a->a, &b->a);
		break;
	case K_CTL_REQUEST:
		ctl_request_eq(&a->q, &b->q);
		break;
	case K_CTL_REPLY:
		ctl_reply_eq(&a->c, &b->c);
		break;
	}
}

#endif /* FLEET_TESTS_UNIT_WIRE_MSG_FIXTURE_H */
