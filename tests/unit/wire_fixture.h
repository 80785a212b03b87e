/* SPDX-License-Identifier: ISC */
/*
 * What wire_test.c (common/wire.c) and wire_ctl_test.c (common/wire_ctl.c)
 * share: a fixture and a comparison for each of the four messages, the
 * dispatch on their kind, the generated structs that bad input is built
 * from, and the runners of the case tables.  Test-only; the helpers are
 * static inline so each test file takes what it uses.
 */
#ifndef FLEET_TESTS_UNIT_WIRE_FIXTURE_H
#define FLEET_TESTS_UNIT_WIRE_FIXTURE_H

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
#include "fleet.pb-c.h"

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

/* ---- round trips -------------------------------------------------------- */

static inline void
rt_none(union any_msg *m)
{
	(void)m;
}

struct rt_case {
	const char *name;
	enum kind kind;
	void (*edit)(union any_msg *);
};

static inline void
test_roundtrip(void **state)
{
	const struct rt_case *tc = *state;
	union any_msg in, out;
	struct buf b = {NULL, 0};
	const char *errstr = NULL;

	fx(tc->kind, &in);
	tc->edit(&in);
	assert_int_equal(encode(tc->kind, &in, &b, &errstr), 0);
	assert_null(errstr);
	assert_true(b.len <= WIRE_MAX_MSG);
	memset(&out, 0, sizeof(out));
	if (decode(tc->kind, &out, &b, &errstr) != 0)
		fail_msg("decode: %s", errstr);
	msg_eq(tc->kind, &in, &out);
	free(b.p);
	fini(tc->kind, &in);
	fini(tc->kind, &out);
}

/* ---- decode rejections, built from the generated structs ---------------- */

struct pb_all {
	Fleet__AgentRequest req;
	Fleet__Report rep;
	Fleet__QueueSnapshot q;
	Fleet__QueueCount qc, *qcp[1];
	Fleet__Counter c, *cp[1];
	Fleet__Sample s, *sp[1];
	Fleet__CheckResult k, *kp[1];
	Fleet__AgentReply ar;
	Fleet__Command cmd, *cmdp[1];
	Fleet__CtlRequest cq;
	Fleet__CtlReply cr;
	Fleet__RelayStatus rs, *rsp[1];
	Fleet__QueueSnapshot rq;
	char *cq_relays[2];
	Fleet__Event ev, *evp[1];
	Fleet__Sample es, *esp[2]; /* esp[1]: see pb_ev_sample_second */
	Fleet__Window win, *winp[1];
	char *win_relays[2];
	Fleet__ProviderHealth ph, *php[1];
	Fleet__HealthWindow hw, *hwp[1];
};

static char long_text[WIRE_TEXT_MAX + 2];
static char long_host[WIRE_HOST_MAX + 2];
static Fleet__Sample *many_samples[WIRE_SAMPLES_MAX + 1];
static Fleet__CheckResult *many_checks[WIRE_CHECKS_MAX + 1];

static inline void
pb_report(struct pb_all *m)
{
	fleet__queue_count__init(&m->qc);
	m->qc.provider = "gmail";
	m->qc.has_class_ = m->qc.has_count = 1;
	m->qc.class_ = FLEET__REASON_CLASS__CLASS_BUSY;
	m->qc.count = 3;
	m->qcp[0] = &m->qc;
	fleet__queue_snapshot__init(&m->q);
	m->q.has_valid = m->q.valid = 1;
	m->q.n_deferred_by = 1;
	m->q.deferred_by = m->qcp;
	fleet__counter__init(&m->c);
	m->c.provider = "gmail";
	m->c.has_class_ = m->c.has_status = m->c.has_count = 1;
	m->c.class_ = FLEET__REASON_CLASS__CLASS_DELIVERED;
	m->c.status = FLEET__STATUS__STATUS_SENT;
	m->c.dsn = "2.0.0";
	m->c.count = 9;
	m->cp[0] = &m->c;
	fleet__sample__init(&m->s);
	m->s.provider = "gmail";
	m->s.has_class_ = m->s.has_status = 1;
	m->s.class_ = FLEET__REASON_CLASS__CLASS_GREYLISTED;
	m->s.status = FLEET__STATUS__STATUS_DEFERRED;
	m->s.text = "450 4.2.0 greylisted";
	m->s.mx_host = "mx.example.com";
	m->sp[0] = &m->s;
	fleet__check_result__init(&m->k);
	m->k.name = "ptr";
	m->k.has_state = 1;
	m->k.state = FLEET__CHECK_STATE__CHECK_OK;
	m->kp[0] = &m->k;
}

/* CtlRequest with the maint add fields; RelayStatus with a decision. */
static inline void
pb_init_ctl(struct pb_all *m)
{
	fleet__ctl_request__init(&m->cq);
	m->cq.has_version = m->cq.has_op = 1;
	m->cq.version = WIRE_VERSION;
	m->cq.op = FLEET__CTL_REQUEST__OP__OP_STATUS;
	m->cq.reason = "planned";
	m->cq.name = "w1";
	m->cq_relays[0] = "relay1";
	m->cq_relays[1] = "relay2";
	m->cq.n_relays = 2;
	m->cq.relays = m->cq_relays;
	m->cq.hosting = "hetzner";
	fleet__relay_status__init(&m->rs);
	m->rs.name = "relay1";
	m->rs.queue = &m->rq;
	m->rs.state = "probation";
	m->rs.rule = "operator:alice";
	m->rs.provider = "outlook";
	m->rs.intent = "ready";
	m->rs.has_weight = m->rs.has_score = 1;
	m->rs.weight = 25;
	m->rs.score = -1;
	m->rs.agent_key = "AAAA+/9=";
	m->rsp[0] = &m->rs;
}

/* CtlReply's events, windows and health, one of each. */
static inline void
pb_init_show(struct pb_all *m)
{
	fleet__sample__init(&m->es);
	m->es.provider = "outlook";
	m->es.has_class_ = m->es.has_status = 1;
	m->es.class_ = FLEET__REASON_CLASS__CLASS_IP_BLOCKED;
	m->es.status = FLEET__STATUS__STATUS_BOUNCED;
	m->es.text = "550 5.7.1 S3150";
	m->esp[0] = m->esp[1] = &m->es;
	fleet__event__init(&m->ev);
	m->ev.relay = "relay1";
	m->ev.kind = "transition";
	m->ev.rule = "window:rack-move";
	m->ev.n_samples = 1;
	m->ev.samples = m->esp;
	m->evp[0] = &m->ev;
	fleet__window__init(&m->win);
	m->win.name = "rack-move";
	m->win_relays[0] = "relay1";
	m->win_relays[1] = "relay2";
	m->win.n_relays = 2;
	m->win.relays = m->win_relays;
	m->win.state = "running";
	m->winp[0] = &m->win;
	fleet__health_window__init(&m->hw);
	m->hw.has_span_s = m->hw.has_worst_class = 1;
	m->hw.span_s = 300;
	m->hw.worst_class = FLEET__REASON_CLASS__CLASS_IP_THROTTLED;
	m->hwp[0] = &m->hw;
	fleet__provider_health__init(&m->ph);
	m->ph.provider = "outlook";
	m->ph.n_windows = 1;
	m->ph.windows = m->hwp;
	m->php[0] = &m->ph;
}

static inline void
pb_init_replies(struct pb_all *m)
{
	fleet__command__init(&m->cmd);
	m->cmd.has_type = 1;
	m->cmd.type = FLEET__COMMAND__TYPE__CMD_RUN_CHECKS;
	m->cmdp[0] = &m->cmd;
	fleet__agent_reply__init(&m->ar);
	m->ar.has_version = 1;
	m->ar.version = WIRE_VERSION;
	m->ar.n_commands = 1;
	m->ar.commands = m->cmdp;
	pb_init_ctl(m);
	pb_init_show(m);
	fleet__queue_snapshot__init(&m->rq);
	m->rq.has_valid = 1;
	fleet__ctl_reply__init(&m->cr);
	m->cr.has_version = m->cr.has_ok = m->cr.ok = 1;
	m->cr.version = WIRE_VERSION;
	m->cr.n_relays = 1;
	m->cr.relays = m->rsp;
	m->cr.n_events = m->cr.n_windows = m->cr.n_health = 1;
	m->cr.events = m->evp;
	m->cr.windows = m->winp;
	m->cr.health = m->php;
	m->cr.n_samples = m->cr.n_checks = 1;
	m->cr.samples = m->sp;
	m->cr.checks = m->kp;
}

static inline void
pb_init(struct pb_all *m)
{
	memset(m, 0, sizeof(*m));
	pb_report(m);
	fleet__report__init(&m->rep);
	m->rep.has_epoch = m->rep.has_seq = 1;
	m->rep.has_interval_start = m->rep.has_interval_end = 1;
	m->rep.epoch = 7;
	m->rep.seq = 1;
	m->rep.interval_end = 60;
	m->rep.queue = &m->q;
	m->rep.n_counters = m->rep.n_samples = m->rep.n_checks = 1;
	m->rep.counters = m->cp;
	m->rep.samples = m->sp;
	m->rep.checks = m->kp;
	m->rep.hostname = "relay3";
	fleet__agent_request__init(&m->req);
	m->req.has_version = 1;
	m->req.version = WIRE_VERSION;
	m->req.report = &m->rep;
	pb_init_replies(m);
}

static inline void
pb_pack(const ProtobufCMessage *msg, struct buf *b)
{
	b->len = protobuf_c_message_get_packed_size(msg);
	b->p = xmalloc(b->len);
	assert_int_equal(protobuf_c_message_pack(msg, b->p), b->len);
}

static inline void
pb_pack_kind(enum kind k, const struct pb_all *m, struct buf *b)
{
	switch (k) {
	case K_REPORT:
		pb_pack(&m->req.base, b);
		break;
	case K_AGENT_REPLY:
		pb_pack(&m->ar.base, b);
		break;
	case K_CTL_REQUEST:
		pb_pack(&m->cq.base, b);
		break;
	case K_CTL_REPLY:
		pb_pack(&m->cr.base, b);
		break;
	}
}

static inline void
pb_ok(struct pb_all *m)
{
	(void)m;
}

static inline void
pb_samples_many(struct pb_all *m)
{
	for (size_t i = 0; i <= WIRE_SAMPLES_MAX; i++)
		many_samples[i] = &m->s;
	m->rep.n_samples = WIRE_SAMPLES_MAX + 1;
	m->rep.samples = many_samples;
}

static inline void
pb_checks_many(struct pb_all *m)
{
	for (size_t i = 0; i <= WIRE_CHECKS_MAX; i++)
		many_checks[i] = &m->k;
	m->rep.n_checks = WIRE_CHECKS_MAX + 1;
	m->rep.checks = many_checks;
}

struct pb_case {
	const char *name;
	enum kind kind;
	void (*edit)(struct pb_all *);
	const char *errstr; /* NULL: must be accepted */
};

/* Decodes b as kind k; checks errstr and that *out is untouched on error. */
static inline void
check_decode(enum kind k, const struct buf *b, const char *want)
{
	union any_msg out, orig;
	const char *errstr = NULL;
	int rv;

	memset(&out, 0x5a, sizeof(out));
	memcpy(&orig, &out, sizeof(out));
	rv = decode(k, &out, b, &errstr);
	if (want == NULL) {
		if (rv != 0)
			fail_msg("rejected: %s", errstr);
		fini(k, &out);
		return;
	}
	assert_int_equal(rv, -1);
	assert_non_null(errstr);
	assert_string_equal(errstr, want);
	assert_memory_equal(&out, &orig, sizeof(out));
}

static inline void
test_pb(void **state)
{
	const struct pb_case *tc = *state;
	struct pb_all *m = xcalloc(1, sizeof(*m));
	struct buf b = {NULL, 0};

	memset(long_text, 'x', sizeof(long_text) - 1);
	memset(long_host, 'h', sizeof(long_host) - 1);
	pb_init(m);
	tc->edit(m);
	pb_pack_kind(tc->kind, m, &b);
	check_decode(tc->kind, &b, tc->errstr);
	free(b.p);
	free(m);
}

/* ---- decode rejections, raw bytes --------------------------------------- */

static inline void
raw_from_pb(struct buf *b, void (*edit)(struct pb_all *), enum kind k)
{
	struct pb_all *m = xcalloc(1, sizeof(*m));

	pb_init(m);
	if (edit != NULL)
		edit(m);
	pb_pack_kind(k, m, b);
	free(m);
}

static inline void
raw_empty(struct buf *b)
{
	b->len = 0;
	b->p = NULL;
}

static inline void
raw_garbage(struct buf *b)
{
	static const uint8_t g[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

	b->len = sizeof(g);
	b->p = xmalloc(b->len);
	memcpy(b->p, g, b->len);
}

static inline void
raw_too_large(struct buf *b)
{
	b->len = WIRE_MAX_MSG + 1;
	b->p = xcalloc(1, b->len);
}

/* Packs with a marker string, then turns its first '@' into a NUL. */
static inline void
raw_nul(struct buf *b, void (*edit)(struct pb_all *), enum kind k)
{
	uint8_t *at;

	raw_from_pb(b, edit, k);
	at = memmem(b->p, b->len, "@@", 2);
	assert_non_null(at);
	*at = '\0';
}

struct raw_case {
	const char *name;
	enum kind kind;
	void (*make)(struct buf *);
	const char *errstr;
};

static inline void
test_raw(void **state)
{
	const struct raw_case *tc = *state;
	struct buf b = {NULL, 0};

	tc->make(&b);
	check_decode(tc->kind, &b, tc->errstr);
	free(b.p);
}

/* ---- encode rejections -------------------------------------------------- */

struct enc_case {
	const char *name;
	enum kind kind;
	void (*edit)(union any_msg *);
	const char *errstr;
};

static inline void
test_encode_reject(void **state)
{
	const struct enc_case *tc = *state;
	union any_msg in;
	uint8_t sentinel;
	struct buf b = {&sentinel, 7};
	const char *errstr = NULL;

	fx(tc->kind, &in);
	tc->edit(&in);
	assert_int_equal(encode(tc->kind, &in, &b, &errstr), -1);
	assert_non_null(errstr);
	assert_string_equal(errstr, tc->errstr);
	assert_ptr_equal(b.p, &sentinel);
	assert_int_equal(b.len, 7);
	fini(tc->kind, &in);
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static inline void
add_case(struct CMUnitTest *t, size_t *n, const char *name,
    CMUnitTestFunction fn, void *arg)
{
	t[*n].name = name;
	t[*n].test_func = fn;
	t[*n].setup_func = NULL;
	t[*n].teardown_func = NULL;
	t[*n].initial_state = arg;
	(*n)++;
}

#endif /* FLEET_TESTS_UNIT_WIRE_FIXTURE_H */
