/* SPDX-License-Identifier: ISC */
/*
 * Table tests for common/wire.c.  Round trips go through our structs.  Bad
 * input is built from the generated protobuf-c structs (so we can send what
 * our encoder refuses) or by hand as raw bytes.  Every rejection checks the
 * errstr and that *out was left alone; ASan/valgrind catch leaks.
 */
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

static void
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

static void
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

static void
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

static void
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
static void
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

static void
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
static void
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

static void
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

static void
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

static void
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

static void
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

static void
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

static void
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

static void
fini(enum kind k, union any_msg *m)
{
	if (k == K_REPORT)
		wire_report_fini(&m->r);
	else if (k == K_CTL_REQUEST)
		wire_ctl_request_fini(&m->q);
	else if (k == K_CTL_REPLY)
		wire_ctl_reply_fini(&m->c);
}

static int
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

static int
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

static void
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

static void
counter_eq(const struct wire_counter *a, const struct wire_counter *b)
{
	assert_string_equal(a->provider, b->provider);
	assert_int_equal(a->cls, b->cls);
	assert_int_equal(a->status, b->status);
	assert_string_equal(a->dsn, b->dsn);
	assert_int_equal(a->count, b->count);
}

static void
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

static void
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

static void
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

static void
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

static void
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

static void
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

static void
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

static void
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

static void
check_eq(const struct wire_check *x, const struct wire_check *y)
{
	assert_string_equal(x->name, y->name);
	assert_int_equal(x->state, y->state);
	assert_string_equal(x->detail, y->detail);
	assert_int_equal(x->checked_at, y->checked_at);
}

static void
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

static void
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

/* ---- round trips ----------------------------------------------------------
 */

static void
rt_none(union any_msg *m)
{
	(void)m;
}

static void
rt_report_minimal(union any_msg *m)
{
	wire_report_fini(&m->r);
	m->r.epoch = 1;
	m->r.seq = 1;
}

static void
rt_report_limits(union any_msg *m)
{
	struct wire_sample *s = &m->r.samples[0];

	memset(m->r.counters[0].provider, 'z', WIRE_PROVIDER_MAX);
	memset(m->r.counters[0].dsn, '9', WIRE_DSN_MAX);
	free(s->text);
	s->text = xmalloc(WIRE_TEXT_MAX + 1);
	memset(s->text, 0xe9, WIRE_TEXT_MAX); /* bytes >= 0x80 allowed */
	s->text[WIRE_TEXT_MAX] = '\0';
	memset(m->r.hostname, '~', WIRE_HOST_MAX);
	m->r.interval_end = m->r.interval_start;
}

static void
rt_report_queue_failed(union any_msg *m)
{
	wire_queue_fini(&m->r.queue);
	m->r.has_queue = true;
	util_strlcpy(
	    m->r.queue.error, "postqueue: exit 75", sizeof(m->r.queue.error));
}

static void
rt_reply_empty(union any_msg *m)
{
	memset(&m->a, 0, sizeof(m->a));
	util_strlcpy(m->a.error, "report refused: seq", sizeof(m->a.error));
}

static void
rt_reply_full(union any_msg *m)
{
	m->a.n_commands = WIRE_COMMANDS_MAX;
	for (size_t i = 2; i < WIRE_COMMANDS_MAX; i++)
		m->a.commands[i].type = WIRE_CMD_RUN_CHECKS;
}

static void
rt_ctl_request_all(union any_msg *m)
{
	m->q.relay[0] = '\0';
}

static void
rt_ctl_reply_error(union any_msg *m)
{
	wire_ctl_reply_fini(&m->c);
	util_strlcpy(m->c.error, "no such relay: relay9", sizeof(m->c.error));
}

/* An empty request for op; the edits below add that op's fields. */
static void
rt_cq(union any_msg *m, enum wire_ctl_op op)
{
	wire_ctl_request_fini(&m->q);
	memset(&m->q, 0, sizeof(m->q));
	m->q.op = op;
}

static void
rt_cq_relays(union any_msg *m, size_t n)
{
	m->q.n_relays = n;
	m->q.relays = xcalloc(n, sizeof(*m->q.relays));
	for (size_t i = 0; i < n; i++)
		snprintf(m->q.relays[i], sizeof(m->q.relays[i]), "relay%zu", i);
}

static void
rt_cq_show(union any_msg *m)
{
	rt_cq(m, WIRE_CTL_SHOW);
	util_strlcpy(m->q.relay, "relay3", sizeof(m->q.relay));
}

static void
rt_cq_drain(union any_msg *m)
{
	rt_cq(m, WIRE_CTL_DRAIN);
	util_strlcpy(m->q.relay, "relay3", sizeof(m->q.relay));
	util_strlcpy(m->q.reason, "ticket #4711: disk", sizeof(m->q.reason));
	m->q.duration_s = 3600;
	m->q.force = true;
}

static void
rt_cq_enable(union any_msg *m)
{
	rt_cq(m, WIRE_CTL_ENABLE);
	util_strlcpy(m->q.relay, "relay3", sizeof(m->q.relay));
	m->q.now = true;
}

static void
rt_cq_maint_add(union any_msg *m)
{
	rt_cq(m, WIRE_CTL_MAINT_ADD);
	util_strlcpy(m->q.name, "kernel-5.15", sizeof(m->q.name));
	rt_cq_relays(m, 3);
	m->q.start = 1700000000;
	m->q.end = 1700003600;
	util_strlcpy(m->q.reason, "kernel upgrade", sizeof(m->q.reason));
	m->q.force = true;
}

static void
rt_cq_maint_add_hosting(union any_msg *m)
{
	rt_cq(m, WIRE_CTL_MAINT_ADD);
	util_strlcpy(m->q.name, "dc-power", sizeof(m->q.name));
	util_strlcpy(m->q.hosting, "ovh", sizeof(m->q.hosting));
	m->q.end = 1700003600;
	util_strlcpy(m->q.reason, "power work", sizeof(m->q.reason));
}

static void
rt_cq_maint_list(union any_msg *m)
{
	rt_cq(m, WIRE_CTL_MAINT_LIST);
}

static void
rt_cq_maint_cancel(union any_msg *m)
{
	rt_cq(m, WIRE_CTL_MAINT_CANCEL);
	util_strlcpy(m->q.name, "dc-power", sizeof(m->q.name));
}

static void
rt_cq_events(union any_msg *m)
{
	rt_cq(m, WIRE_CTL_EVENTS);
	util_strlcpy(m->q.relay, "relay3", sizeof(m->q.relay));
	m->q.since = 1699990000;
	m->q.limit = 100;
}

static void
rt_cq_agents(union any_msg *m)
{
	rt_cq(m, WIRE_CTL_AGENTS);
}

static void
rt_cq_limits(union any_msg *m)
{
	memset(m->q.relay, 'R', WIRE_NAME_MAX);
	memset(m->q.name, '-', WIRE_NAME_MAX);
	memset(m->q.hosting, '.', WIRE_NAME_MAX);
	memset(m->q.reason, 0xe9, WIRE_REASON_MAX); /* 8-bit text is fine */
	m->q.reason[0] = ' ';
	wire_ctl_request_fini(&m->q);
	rt_cq_relays(m, WIRE_RELAYS_MAX);
	memset(m->q.relays[WIRE_RELAYS_MAX - 1], 'z', WIRE_NAME_MAX);
	m->q.duration_s = UINT64_MAX;
	m->q.limit = UINT32_MAX;
	m->q.op = WIRE_CTL_LAST;
}

/* Replaces the events with n small ones. */
static void
rt_cr_events(union any_msg *m, size_t n)
{
	for (size_t i = 0; i < m->c.n_events; i++)
		wire_event_fini(&m->c.events[i]);
	free(m->c.events);
	m->c.n_events = n;
	m->c.events = xcalloc(n, sizeof(*m->c.events));
	for (size_t i = 0; i < n; i++) {
		m->c.events[i].id = i + 1;
		util_strlcpy(
		    m->c.events[i].kind, "alert", sizeof(m->c.events[i].kind));
	}
}

static void
rt_cr_events_max(union any_msg *m)
{
	rt_cr_events(m, WIRE_EVENTS_MAX);
	m->c.events[7].n_samples = 1;
	fx_sample(&m->c.events[7].samples[0], "yahoo", "421 4.7.0 [TSS04]");
}

static void
rt_cr_arrays_max(union any_msg *m)
{
	struct wire_ctl_reply *c = &m->c;

	wire_ctl_reply_fini(c);
	c->n_windows = WIRE_WINDOWS_MAX;
	c->windows = xcalloc(c->n_windows, sizeof(*c->windows));
	for (size_t i = 0; i < c->n_windows; i++)
		snprintf(
		    c->windows[i].name, sizeof(c->windows[i].name), "w%zu", i);
	c->n_health = WIRE_HEALTH_MAX;
	c->health = xcalloc(c->n_health, sizeof(*c->health));
	for (size_t i = 0; i < c->n_health; i++) {
		snprintf(c->health[i].provider, sizeof(c->health[i].provider),
		    "p%zu", i);
		c->health[i].score = (int32_t)(i % 102) - 1;
	}
	c->n_samples = WIRE_SAMPLES_MAX;
	c->samples = xcalloc(c->n_samples, sizeof(*c->samples));
	for (size_t i = 0; i < c->n_samples; i++)
		fx_sample(&c->samples[i], "gmail", "");
	c->n_checks = WIRE_CHECKS_MAX;
	c->checks = xcalloc(c->n_checks, sizeof(*c->checks));
	for (size_t i = 0; i < c->n_checks; i++) {
		snprintf(
		    c->checks[i].name, sizeof(c->checks[i].name), "c%zu", i);
		c->checks[i].state = CHECK_ERROR;
	}
}

static void
rt_cr_limits(union any_msg *m)
{
	struct wire_relay_status *s = &m->c.relays[0];
	struct wire_window *w = &m->c.windows[0];

	memset(s->state, 'z', WIRE_STATE_MAX);
	memset(s->rule, ':', WIRE_NAME_MAX);
	memset(s->reason, '~', WIRE_REASON_MAX);
	memset(s->intent, '_', WIRE_STATE_MAX);
	memset(s->agent_key, '+', WIRE_KEY_B64_MAX);
	memset(s->agent_version, '!', WIRE_VERSION_MAX);
	memset(s->hostname, 'h', WIRE_HOST_MAX);
	s->weight = 100;
	s->score = 100;
	memset(m->c.events[0].counts, ' ', WIRE_DETAIL_MAX);
	memset(m->c.events[0].operator, 'O', WIRE_NAME_MAX);
	m->c.events[0].weight = 100;
	free(w->relays);
	w->n_relays = WIRE_RELAYS_MAX;
	w->relays = xcalloc(w->n_relays, sizeof(*w->relays));
	for (size_t i = 0; i < w->n_relays; i++)
		snprintf(w->relays[i], sizeof(w->relays[i]), "r%zu", i);
	m->c.health[0].score = -1;
	m->c.health[0].windows[2].worst_class = CLASS_LAST;
}

/* What a status reply of fleetd before the decision fields looked like. */
static void
rt_cr_no_decision(union any_msg *m)
{
	struct wire_relay_status *s = &m->c.relays[1];

	memset(s->state, 0, sizeof(s->state));
	memset(s->rule, 0, sizeof(s->rule));
	memset(s->intent, 0, sizeof(s->intent));
	memset(s->agent_key, 0, sizeof(s->agent_key));
	memset(s->agent_version, 0, sizeof(s->agent_version));
	memset(s->hostname, 0, sizeof(s->hostname));
	s->weight = 0;
	s->score = 0;
}

struct rt_case {
	const char *name;
	enum kind kind;
	void (*edit)(union any_msg *);
};

static struct rt_case rt_cases[] = {
    {"roundtrip: report full", K_REPORT, rt_none},
    {"roundtrip: report minimal", K_REPORT, rt_report_minimal},
    {"roundtrip: report at limits", K_REPORT, rt_report_limits},
    {"roundtrip: report queue failed", K_REPORT, rt_report_queue_failed},
    {"roundtrip: agent reply commands", K_AGENT_REPLY, rt_none},
    {"roundtrip: agent reply 8 commands", K_AGENT_REPLY, rt_reply_full},
    {"roundtrip: agent reply error", K_AGENT_REPLY, rt_reply_empty},
    {"roundtrip: ctl request", K_CTL_REQUEST, rt_none},
    {"roundtrip: ctl request all", K_CTL_REQUEST, rt_ctl_request_all},
    {"roundtrip: ctl request show", K_CTL_REQUEST, rt_cq_show},
    {"roundtrip: ctl request drain", K_CTL_REQUEST, rt_cq_drain},
    {"roundtrip: ctl request enable", K_CTL_REQUEST, rt_cq_enable},
    {"roundtrip: ctl request maint add relays", K_CTL_REQUEST, rt_cq_maint_add},
    {"roundtrip: ctl request maint add hosting", K_CTL_REQUEST,
        rt_cq_maint_add_hosting},
    {"roundtrip: ctl request maint list", K_CTL_REQUEST, rt_cq_maint_list},
    {"roundtrip: ctl request maint cancel", K_CTL_REQUEST, rt_cq_maint_cancel},
    {"roundtrip: ctl request events", K_CTL_REQUEST, rt_cq_events},
    {"roundtrip: ctl request agents", K_CTL_REQUEST, rt_cq_agents},
    {"roundtrip: ctl request at limits", K_CTL_REQUEST, rt_cq_limits},
    {"roundtrip: ctl reply show", K_CTL_REPLY, rt_none},
    {"roundtrip: ctl reply error", K_CTL_REPLY, rt_ctl_reply_error},
    {"roundtrip: ctl reply events max", K_CTL_REPLY, rt_cr_events_max},
    {"roundtrip: ctl reply other arrays max", K_CTL_REPLY, rt_cr_arrays_max},
    {"roundtrip: ctl reply at limits", K_CTL_REPLY, rt_cr_limits},
    {"roundtrip: ctl reply without decision", K_CTL_REPLY, rt_cr_no_decision},
};

static void
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

/* ---- decode rejections, built from the generated structs --------------- */

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
static Fleet__Counter *many_counters[WIRE_COUNTERS_MAX + 1];
static Fleet__Sample *many_samples[WIRE_SAMPLES_MAX + 1];
static Fleet__CheckResult *many_checks[WIRE_CHECKS_MAX + 1];
static Fleet__QueueCount *many_by[WIRE_QUEUE_BY_MAX + 1];
static Fleet__Command *many_commands[WIRE_COMMANDS_MAX + 1];
static Fleet__RelayStatus *many_relays[WIRE_RELAYS_MAX + 1];
static char *many_names[WIRE_RELAYS_MAX + 1];
static Fleet__Event *many_events[WIRE_EVENTS_MAX + 1];
static Fleet__Window *many_windows[WIRE_WINDOWS_MAX + 1];
static Fleet__ProviderHealth *many_health[WIRE_HEALTH_MAX + 1];
static Fleet__HealthWindow *many_hw[WIRE_HEALTH_WINDOWS + 1];

static void
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
static void
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
static void
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

static void
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

static void
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

static void
pb_pack(const ProtobufCMessage *msg, struct buf *b)
{
	b->len = protobuf_c_message_get_packed_size(msg);
	b->p = xmalloc(b->len);
	assert_int_equal(protobuf_c_message_pack(msg, b->p), b->len);
}

static void
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

/* clang-format off */
static void pb_ok(struct pb_all *m) { (void)m; }
static void pb_version_wrong(struct pb_all *m) { m->req.version = 2; }
static void pb_version_missing(struct pb_all *m) { m->req.has_version = 0; }
static void pb_report_missing(struct pb_all *m) { m->req.report = NULL; }
static void pb_seq_missing(struct pb_all *m) { m->rep.has_seq = 0; }
static void pb_seq_zero(struct pb_all *m) { m->rep.seq = 0; }
static void pb_epoch_zero(struct pb_all *m) { m->rep.epoch = 0; }
static void pb_epoch_missing(struct pb_all *m) { m->rep.has_epoch = 0; }
static void pb_interval_reversed(struct pb_all *m) { m->rep.interval_start = 61; }
static void pb_class_unknown(struct pb_all *m) { m->c.class_ = (Fleet__ReasonClass)(CLASS_LAST + 1); }
static void pb_class_negative(struct pb_all *m) { m->c.class_ = (Fleet__ReasonClass)-1; }
static void pb_class_unspec(struct pb_all *m) { m->c.class_ = FLEET__REASON_CLASS__CLASS_UNSPEC; }
static void pb_class_missing(struct pb_all *m) { m->c.has_class_ = 0; }
static void pb_status_unknown(struct pb_all *m) { m->c.status = (Fleet__Status)(STATUS_LAST + 1); }
static void pb_status_missing(struct pb_all *m) { m->c.has_status = 0; }
static void pb_sample_status_unknown(struct pb_all *m) { m->s.status = (Fleet__Status)99; }
static void pb_sample_class_unspec(struct pb_all *m) { m->s.class_ = FLEET__REASON_CLASS__CLASS_UNSPEC; }
static void pb_check_state_unknown(struct pb_all *m) { m->k.state = (Fleet__CheckState)(CHECK_LAST + 1); }
static void pb_check_state_missing(struct pb_all *m) { m->k.has_state = 0; }
static void pb_qc_class_unknown(struct pb_all *m) { m->qc.class_ = (Fleet__ReasonClass)1000000; }
static void pb_provider_33(struct pb_all *m) { m->c.provider = "abcdefghijklmnopqrstuvwxyz0123456"; }
static void pb_provider_32(struct pb_all *m) { m->c.provider = "abcdefghijklmnopqrstuvwxyz012345"; }
static void pb_provider_empty(struct pb_all *m) { m->c.provider = ""; }
static void pb_provider_missing(struct pb_all *m) { m->c.provider = NULL; }
static void pb_provider_upper(struct pb_all *m) { m->c.provider = "Gmail"; }
static void pb_provider_space(struct pb_all *m) { m->s.provider = "g mail"; }
static void pb_provider_utf8(struct pb_all *m) { m->qc.provider = "gm\xc3\xa4il"; }
static void pb_dsn_letters(struct pb_all *m) { m->c.dsn = "4.7.x"; }
static void pb_dsn_long(struct pb_all *m) { m->c.dsn = "4.7.650.1.2.3.4.5"; }
static void pb_text_long(struct pb_all *m) { m->s.text = long_text; }
static void pb_text_max(struct pb_all *m) { long_text[WIRE_TEXT_MAX] = '\0'; m->s.text = long_text; }
static void pb_text_tab(struct pb_all *m) { m->s.text = "450\tgreylisted"; }
static void pb_text_newline(struct pb_all *m) { m->s.text = "450 greylisted\r\n"; }
static void pb_text_del(struct pb_all *m) { m->s.text = "450 \x7f"; }
static void pb_text_utf8(struct pb_all *m) { m->s.text = "450 r\xc3\xa9" "essayez \xff"; }
static void pb_mx_space(struct pb_all *m) { m->s.mx_host = "mx example.com"; }
static void pb_hostname_ctl(struct pb_all *m) { m->rep.hostname = "relay\x1b"; }
static void pb_hostname_long(struct pb_all *m) { m->rep.hostname = long_host; }
static void pb_version_str_8bit(struct pb_all *m) { m->rep.agent_version = "0.1\xe9"; }
static void pb_check_name_empty(struct pb_all *m) { m->k.name = ""; }
static void pb_detail_newline(struct pb_all *m) { m->k.detail = "a\nb"; }
static void pb_queue_error_esc(struct pb_all *m) { m->q.error = "\x1b[31m"; }
static void pb_queue_valid_missing(struct pb_all *m) { m->q.has_valid = 0; }
static void pb_queue_missing(struct pb_all *m) { m->rep.queue = NULL; }
/* clang-format on */

static void
pb_counters_many(struct pb_all *m)
{
	for (size_t i = 0; i <= WIRE_COUNTERS_MAX; i++)
		many_counters[i] = &m->c;
	m->rep.n_counters = WIRE_COUNTERS_MAX + 1;
	m->rep.counters = many_counters;
}

static void
pb_counters_max(struct pb_all *m)
{
	pb_counters_many(m);
	m->rep.n_counters = WIRE_COUNTERS_MAX;
}

static void
pb_samples_many(struct pb_all *m)
{
	for (size_t i = 0; i <= WIRE_SAMPLES_MAX; i++)
		many_samples[i] = &m->s;
	m->rep.n_samples = WIRE_SAMPLES_MAX + 1;
	m->rep.samples = many_samples;
}

static void
pb_checks_many(struct pb_all *m)
{
	for (size_t i = 0; i <= WIRE_CHECKS_MAX; i++)
		many_checks[i] = &m->k;
	m->rep.n_checks = WIRE_CHECKS_MAX + 1;
	m->rep.checks = many_checks;
}

static void
pb_by_many(struct pb_all *m)
{
	for (size_t i = 0; i <= WIRE_QUEUE_BY_MAX; i++)
		many_by[i] = &m->qc;
	m->q.n_deferred_by = WIRE_QUEUE_BY_MAX + 1;
	m->q.deferred_by = many_by;
}

/* clang-format off */
static void pb_ar_version_wrong(struct pb_all *m) { m->ar.version = 0; }
static void pb_ar_version_missing(struct pb_all *m) { m->ar.has_version = 0; }
static void pb_cmd_unknown(struct pb_all *m) { m->cmd.type = (Fleet__Command__Type)3; }
static void pb_cmd_missing(struct pb_all *m) { m->cmd.has_type = 0; }
static void pb_ar_error_ctl(struct pb_all *m) { m->ar.error = "refused\n"; }
static void pb_cq_version_missing(struct pb_all *m) { m->cq.has_version = 0; }
static void pb_cq_op_unknown(struct pb_all *m) { m->cq.op = (Fleet__CtlRequest__Op)(WIRE_CTL_LAST + 1); }
static void pb_cq_op_unspec(struct pb_all *m) { m->cq.op = FLEET__CTL_REQUEST__OP__OP_UNSPEC; }
static void pb_cq_op_last(struct pb_all *m) { m->cq.op = FLEET__CTL_REQUEST__OP__OP_AGENTS; }
static void pb_cq_relay_slash(struct pb_all *m) { m->cq.relay = "relay/1"; }
static void pb_cq_relay_colon(struct pb_all *m) { m->cq.relay = "operator:alice"; }
static void pb_cq_relay_63(struct pb_all *m) { long_host[WIRE_NAME_MAX] = '\0'; m->cq.relay = long_host; }
static void pb_cq_name_space(struct pb_all *m) { m->cq.name = "rack move"; }
static void pb_cq_name_long(struct pb_all *m) { m->cq.name = long_host; }
static void pb_cq_relays_charset(struct pb_all *m) { m->cq_relays[1] = "relay\xc3\xa9"; }
static void pb_cq_relays_empty(struct pb_all *m) { m->cq_relays[0] = ""; }
static void pb_cq_relays_long(struct pb_all *m) { m->cq_relays[1] = long_host; }
static void pb_cq_hosting_charset(struct pb_all *m) { m->cq.hosting = "het zner"; }
static void pb_cq_reason_newline(struct pb_all *m) { m->cq.reason = "disk\nfull"; }
static void pb_cq_reason_esc(struct pb_all *m) { m->cq.reason = "\x1b[2J"; }
static void pb_cq_reason_long(struct pb_all *m) { m->cq.reason = long_host; }
static void pb_cq_reason_max(struct pb_all *m) { long_host[WIRE_REASON_MAX] = '\0'; m->cq.reason = long_host; }
static void pb_cq_numbers(struct pb_all *m) { m->cq.has_duration_s = m->cq.has_limit = m->cq.has_end = 1; m->cq.duration_s = UINT64_MAX; m->cq.limit = UINT32_MAX; m->cq.end = 1; }
static void pb_cq_op_missing(struct pb_all *m) { m->cq.has_op = 0; }
static void pb_cq_relay_space(struct pb_all *m) { m->cq.relay = "relay 1"; }
static void pb_cq_relay_long(struct pb_all *m) { m->cq.relay = long_host; }
static void pb_cr_version_wrong(struct pb_all *m) { m->cr.version = WIRE_VERSION + 1; }
static void pb_cr_ok_missing(struct pb_all *m) { m->cr.has_ok = 0; }
static void pb_rs_name_empty(struct pb_all *m) { m->rs.name = NULL; }
static void pb_rs_ip_space(struct pb_all *m) { m->rs.ip = "192.0.2.1 "; }
static void pb_rs_hosting_long(struct pb_all *m) { m->rs.hosting = long_host; }
static void pb_rs_worst_no_class(struct pb_all *m) { m->rs.worst_provider = "outlook"; }
static void pb_rs_worst_bad_class(struct pb_all *m) { m->rs.worst_provider = "outlook"; m->rs.has_worst_class = 1; m->rs.worst_class = 99; }
static void pb_rs_worst_charset(struct pb_all *m) { m->rs.worst_provider = "Out Look"; m->rs.has_worst_class = 1; m->rs.worst_class = 2; }
static void pb_rs_queue_bad(struct pb_all *m) { m->rq.n_deferred_by = 1; m->rq.deferred_by = m->qcp; m->qc.provider = "A"; }
static void pb_rs_state_upper(struct pb_all *m) { m->rs.state = "Drained"; }
static void pb_rs_state_digit(struct pb_all *m) { m->rs.state = "drained2"; }
static void pb_rs_state_long(struct pb_all *m) { m->rs.state = "maintenance_long"; }
static void pb_rs_intent_dash(struct pb_all *m) { m->rs.intent = "re-ady"; }
static void pb_rs_rule_space(struct pb_all *m) { m->rs.rule = "ip blocked"; }
static void pb_rs_rule_long(struct pb_all *m) { m->rs.rule = long_host; }
static void pb_rs_provider_upper(struct pb_all *m) { m->rs.provider = "Outlook"; }
static void pb_rs_reason_tab(struct pb_all *m) { m->rs.reason = "a\tb"; }
static void pb_rs_weight_101(struct pb_all *m) { m->rs.weight = 101; }
static void pb_rs_weight_100(struct pb_all *m) { m->rs.weight = 100; }
static void pb_rs_score_minus2(struct pb_all *m) { m->rs.score = -2; }
static void pb_rs_score_101(struct pb_all *m) { m->rs.score = 101; }
static void pb_rs_score_min(struct pb_all *m) { m->rs.score = INT32_MIN; }
static void pb_rs_key_charset(struct pb_all *m) { m->rs.agent_key = "AAAA-_=="; }
static void pb_rs_key_long(struct pb_all *m) { m->rs.agent_key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"; }
static void pb_rs_version_space(struct pb_all *m) { m->rs.agent_version = "0.2 beta"; }
static void pb_rs_hostname_ctl(struct pb_all *m) { m->rs.hostname = "relay\x07"; }
static void pb_rs_hostname_long(struct pb_all *m) { m->rs.hostname = long_host; }
static void pb_ev_kind_upper(struct pb_all *m) { m->ev.kind = "Alert"; }
static void pb_ev_from_space(struct pb_all *m) { m->ev.from_state = "ac tive"; }
static void pb_ev_to_long(struct pb_all *m) { m->ev.to_state = "abcdefghijklmnop"; }
static void pb_ev_intent_digit(struct pb_all *m) { m->ev.intent = "drain1"; }
static void pb_ev_relay_charset(struct pb_all *m) { m->ev.relay = "relay#1"; }
static void pb_ev_relay_empty(struct pb_all *m) { m->ev.relay = NULL; }
static void pb_ev_rule_charset(struct pb_all *m) { m->ev.rule = "rule/1"; }
static void pb_ev_provider_charset(struct pb_all *m) { m->ev.provider = "out look"; }
static void pb_ev_operator_colon(struct pb_all *m) { m->ev.operator_ = "op:alice"; }
static void pb_ev_counts_newline(struct pb_all *m) { m->ev.counts = "3 in\n10m"; }
static void pb_ev_counts_long(struct pb_all *m) { m->ev.counts = long_host; }
static void pb_ev_reason_del(struct pb_all *m) { m->ev.reason = "x\x7f"; }
static void pb_ev_weight_101(struct pb_all *m) { m->ev.has_weight = 1; m->ev.weight = 101; }
static void pb_ev_sample_class(struct pb_all *m) { m->es.class_ = FLEET__REASON_CLASS__CLASS_UNSPEC; }
static void pb_ev_sample_text(struct pb_all *m) { m->es.text = "550\r\n"; }
static void pb_ev_sample_second(struct pb_all *m) { static Fleet__Sample b; b = m->es; b.provider = "abcdefghijklmnopqrstuvwxyz0123456"; m->esp[1] = &b; m->ev.n_samples = 2; }
static void pb_win_name_missing(struct pb_all *m) { m->win.name = NULL; }
static void pb_win_name_charset(struct pb_all *m) { m->win.name = "rack move"; }
static void pb_win_relays_charset(struct pb_all *m) { m->win_relays[1] = "relay 2"; }
static void pb_win_relays_empty(struct pb_all *m) { m->win_relays[1] = ""; }
static void pb_win_hosting_charset(struct pb_all *m) { m->win.hosting = "h:x"; }
static void pb_win_reason_ctl(struct pb_all *m) { m->win.reason = "\x01"; }
static void pb_win_by_charset(struct pb_all *m) { m->win.created_by = "alice@example"; }
static void pb_win_state_upper(struct pb_all *m) { m->win.state = "Running"; }
static void pb_ph_provider_missing(struct pb_all *m) { m->ph.provider = NULL; }
static void pb_ph_provider_upper(struct pb_all *m) { m->ph.provider = "Gmail"; }
static void pb_ph_score_minus2(struct pb_all *m) { m->ph.has_score = 1; m->ph.score = -2; }
static void pb_ph_score_101(struct pb_all *m) { m->ph.has_score = 1; m->ph.score = 101; }
static void pb_hw_class_unknown(struct pb_all *m) { m->hw.worst_class = (Fleet__ReasonClass)(CLASS_LAST + 1); }
static void pb_hw_class_negative(struct pb_all *m) { m->hw.worst_class = (Fleet__ReasonClass)-1; }
static void pb_hw_class_unspec(struct pb_all *m) { m->hw.worst_class = FLEET__REASON_CLASS__CLASS_UNSPEC; }
static void pb_hw_class_absent(struct pb_all *m) { m->hw.has_worst_class = 0; }
static void pb_cr_check_bad(struct pb_all *m) { m->cr.checks = many_checks; many_checks[0] = &m->k; m->k.state = (Fleet__CheckState)9; }
static void pb_cr_sample_bad(struct pb_all *m) { m->s.mx_host = "mx\x01"; }
/* clang-format on */

static void
pb_cq_relays_n(struct pb_all *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		many_names[i] = "relay1";
	m->cq.n_relays = n;
	m->cq.relays = many_names;
}

static void
pb_cq_relays_max(struct pb_all *m)
{
	pb_cq_relays_n(m, WIRE_RELAYS_MAX);
}

static void
pb_cq_relays_many(struct pb_all *m)
{
	pb_cq_relays_n(m, WIRE_RELAYS_MAX + 1);
}

static void
pb_win_relays_many(struct pb_all *m)
{
	for (size_t i = 0; i <= WIRE_RELAYS_MAX; i++)
		many_names[i] = "relay1";
	m->win.n_relays = WIRE_RELAYS_MAX + 1;
	m->win.relays = many_names;
}

static void
pb_ev_samples_many(struct pb_all *m)
{
	for (size_t i = 0; i <= WIRE_EVENT_SAMPLES_MAX; i++)
		many_samples[i] = &m->es;
	m->ev.n_samples = WIRE_EVENT_SAMPLES_MAX + 1;
	m->ev.samples = many_samples;
}

static void
pb_ev_samples_max(struct pb_all *m)
{
	pb_ev_samples_many(m);
	m->ev.n_samples = WIRE_EVENT_SAMPLES_MAX;
}

static void
pb_hw_many(struct pb_all *m)
{
	for (size_t i = 0; i <= WIRE_HEALTH_WINDOWS; i++)
		many_hw[i] = &m->hw;
	m->ph.n_windows = WIRE_HEALTH_WINDOWS + 1;
	m->ph.windows = many_hw;
}

static void
pb_cr_events_n(struct pb_all *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		many_events[i] = &m->ev;
	m->cr.n_events = n;
	m->cr.events = many_events;
}

static void
pb_cr_events_max(struct pb_all *m)
{
	pb_cr_events_n(m, WIRE_EVENTS_MAX);
}

static void
pb_cr_events_many(struct pb_all *m)
{
	pb_cr_events_n(m, WIRE_EVENTS_MAX + 1);
}

static void
pb_cr_windows_many(struct pb_all *m)
{
	for (size_t i = 0; i <= WIRE_WINDOWS_MAX; i++)
		many_windows[i] = &m->win;
	m->cr.n_windows = WIRE_WINDOWS_MAX + 1;
	m->cr.windows = many_windows;
}

static void
pb_cr_health_many(struct pb_all *m)
{
	for (size_t i = 0; i <= WIRE_HEALTH_MAX; i++)
		many_health[i] = &m->ph;
	m->cr.n_health = WIRE_HEALTH_MAX + 1;
	m->cr.health = many_health;
}

static void
pb_cr_samples_many(struct pb_all *m)
{
	pb_samples_many(m);
	m->cr.n_samples = WIRE_SAMPLES_MAX + 1;
	m->cr.samples = many_samples;
}

static void
pb_cr_checks_many(struct pb_all *m)
{
	pb_checks_many(m);
	m->cr.n_checks = WIRE_CHECKS_MAX + 1;
	m->cr.checks = many_checks;
}

/*
 * Everything allocated (relay queues, event sample texts, window relays)
 * when the last check fails: the decoder must free all of it.
 */
static void
pb_cr_fail_last(struct pb_all *m)
{
	pb_cr_events_n(m, 5);
	m->ev.n_samples = 2;
	m->rq.n_deferred_by = 1;
	m->rq.deferred_by = m->qcp;
	for (size_t i = 0; i < 3; i++)
		many_checks[i] = &m->k;
	m->cr.n_checks = 3;
	m->cr.checks = many_checks;
	m->k.name = long_host;
}

static void
pb_commands_many(struct pb_all *m)
{
	for (size_t i = 0; i <= WIRE_COMMANDS_MAX; i++)
		many_commands[i] = &m->cmd;
	m->ar.n_commands = WIRE_COMMANDS_MAX + 1;
	m->ar.commands = many_commands;
}

static void
pb_relays_many(struct pb_all *m)
{
	for (size_t i = 0; i <= WIRE_RELAYS_MAX; i++)
		many_relays[i] = &m->rs;
	m->cr.n_relays = WIRE_RELAYS_MAX + 1;
	m->cr.relays = many_relays;
}

struct pb_case {
	const char *name;
	enum kind kind;
	void (*edit)(struct pb_all *);
	const char *errstr; /* NULL: must be accepted */
};

static struct pb_case pb_cases[] = {
    {"pb: report ok", K_REPORT, pb_ok, NULL},
    {"pb: report version wrong", K_REPORT, pb_version_wrong, "version"},
    {"pb: report version missing", K_REPORT, pb_version_missing, "version"},
    {"pb: report missing", K_REPORT, pb_report_missing, "report missing"},
    {"pb: seq missing", K_REPORT, pb_seq_missing, "report.seq missing"},
    {"pb: seq zero", K_REPORT, pb_seq_zero, "report.seq"},
    {"pb: epoch zero", K_REPORT, pb_epoch_zero, "report.epoch"},
    {"pb: epoch missing", K_REPORT, pb_epoch_missing, "report.epoch missing"},
    {"pb: interval reversed", K_REPORT, pb_interval_reversed,
        "report.interval"},
    {"pb: class unknown", K_REPORT, pb_class_unknown, "counter.class"},
    {"pb: class negative", K_REPORT, pb_class_negative, "counter.class"},
    {"pb: class unspec", K_REPORT, pb_class_unspec, "counter.class"},
    {"pb: class missing", K_REPORT, pb_class_missing, "counter.class"},
    {"pb: status unknown", K_REPORT, pb_status_unknown, "counter.status"},
    {"pb: status missing", K_REPORT, pb_status_missing, "counter.status"},
    {"pb: sample status unknown", K_REPORT, pb_sample_status_unknown,
        "sample.status"},
    {"pb: sample class unspec", K_REPORT, pb_sample_class_unspec,
        "sample.class"},
    {"pb: check state unknown", K_REPORT, pb_check_state_unknown,
        "check.state"},
    {"pb: check state missing", K_REPORT, pb_check_state_missing,
        "check.state"},
    {"pb: queue count class unknown", K_REPORT, pb_qc_class_unknown,
        "queue_count.class"},
    {"pb: provider 33 chars", K_REPORT, pb_provider_33,
        "counter.provider length"},
    {"pb: provider 32 chars", K_REPORT, pb_provider_32, NULL},
    {"pb: provider empty", K_REPORT, pb_provider_empty,
        "counter.provider length"},
    {"pb: provider missing", K_REPORT, pb_provider_missing,
        "counter.provider length"},
    {"pb: provider upper case", K_REPORT, pb_provider_upper,
        "counter.provider charset"},
    {"pb: provider space", K_REPORT, pb_provider_space,
        "sample.provider charset"},
    {"pb: provider utf-8", K_REPORT, pb_provider_utf8,
        "queue_count.provider charset"},
    {"pb: dsn letters", K_REPORT, pb_dsn_letters, "counter.dsn charset"},
    {"pb: dsn long", K_REPORT, pb_dsn_long, "counter.dsn length"},
    {"pb: text over max", K_REPORT, pb_text_long, "sample.text length"},
    {"pb: text at max", K_REPORT, pb_text_max, NULL},
    {"pb: text tab", K_REPORT, pb_text_tab, "sample.text charset"},
    {"pb: text newline", K_REPORT, pb_text_newline, "sample.text charset"},
    {"pb: text del", K_REPORT, pb_text_del, "sample.text charset"},
    {"pb: text 8-bit", K_REPORT, pb_text_utf8, NULL},
    {"pb: mx_host space", K_REPORT, pb_mx_space, "sample.mx_host charset"},
    {"pb: hostname escape", K_REPORT, pb_hostname_ctl,
        "report.hostname charset"},
    {"pb: hostname long", K_REPORT, pb_hostname_long, "report.hostname length"},
    {"pb: agent_version 8-bit", K_REPORT, pb_version_str_8bit,
        "report.agent_version charset"},
    {"pb: check name empty", K_REPORT, pb_check_name_empty,
        "check.name length"},
    {"pb: check detail newline", K_REPORT, pb_detail_newline,
        "check.detail charset"},
    {"pb: queue error escape", K_REPORT, pb_queue_error_esc,
        "queue.error charset"},
    {"pb: queue valid missing", K_REPORT, pb_queue_valid_missing,
        "queue.valid missing"},
    {"pb: queue absent", K_REPORT, pb_queue_missing, NULL},
    {"pb: counters max", K_REPORT, pb_counters_max, NULL},
    {"pb: counters max+1", K_REPORT, pb_counters_many, "report.counters count"},
    {"pb: samples max+1", K_REPORT, pb_samples_many, "report.samples count"},
    {"pb: checks max+1", K_REPORT, pb_checks_many, "report.checks count"},
    {"pb: deferred_by max+1", K_REPORT, pb_by_many, "queue.deferred_by count"},
    {"pb: agent reply ok", K_AGENT_REPLY, pb_ok, NULL},
    {"pb: agent reply version 0", K_AGENT_REPLY, pb_ar_version_wrong,
        "version"},
    {"pb: agent reply version missing", K_AGENT_REPLY, pb_ar_version_missing,
        "version"},
    {"pb: command type unknown", K_AGENT_REPLY, pb_cmd_unknown, "command.type"},
    {"pb: command type missing", K_AGENT_REPLY, pb_cmd_missing, "command.type"},
    {"pb: commands max+1", K_AGENT_REPLY, pb_commands_many,
        "agent_reply.commands count"},
    {"pb: agent reply error newline", K_AGENT_REPLY, pb_ar_error_ctl,
        "agent_reply.error charset"},
    {"pb: ctl request ok", K_CTL_REQUEST, pb_ok, NULL},
    {"pb: ctl request version missing", K_CTL_REQUEST, pb_cq_version_missing,
        "version"},
    {"pb: ctl request op unknown", K_CTL_REQUEST, pb_cq_op_unknown,
        "ctl_request.op"},
    {"pb: ctl request op unspec", K_CTL_REQUEST, pb_cq_op_unspec,
        "ctl_request.op"},
    {"pb: ctl request op last", K_CTL_REQUEST, pb_cq_op_last, NULL},
    {"pb: ctl request relay slash", K_CTL_REQUEST, pb_cq_relay_slash,
        "ctl_request.relay charset"},
    {"pb: ctl request relay colon", K_CTL_REQUEST, pb_cq_relay_colon,
        "ctl_request.relay charset"},
    {"pb: ctl request relay 63", K_CTL_REQUEST, pb_cq_relay_63, NULL},
    {"pb: ctl request name space", K_CTL_REQUEST, pb_cq_name_space,
        "ctl_request.name charset"},
    {"pb: ctl request name long", K_CTL_REQUEST, pb_cq_name_long,
        "ctl_request.name length"},
    {"pb: ctl request relays[1] charset", K_CTL_REQUEST, pb_cq_relays_charset,
        "ctl_request.relays charset"},
    {"pb: ctl request relays[0] empty", K_CTL_REQUEST, pb_cq_relays_empty,
        "ctl_request.relays length"},
    {"pb: ctl request relays[1] long", K_CTL_REQUEST, pb_cq_relays_long,
        "ctl_request.relays length"},
    {"pb: ctl request relays max", K_CTL_REQUEST, pb_cq_relays_max, NULL},
    {"pb: ctl request relays max+1", K_CTL_REQUEST, pb_cq_relays_many,
        "ctl_request.relays count"},
    {"pb: ctl request hosting charset", K_CTL_REQUEST, pb_cq_hosting_charset,
        "ctl_request.hosting charset"},
    {"pb: ctl request reason newline", K_CTL_REQUEST, pb_cq_reason_newline,
        "ctl_request.reason charset"},
    {"pb: ctl request reason escape", K_CTL_REQUEST, pb_cq_reason_esc,
        "ctl_request.reason charset"},
    {"pb: ctl request reason long", K_CTL_REQUEST, pb_cq_reason_long,
        "ctl_request.reason length"},
    {"pb: ctl request reason at max", K_CTL_REQUEST, pb_cq_reason_max, NULL},
    {"pb: ctl request numbers as given", K_CTL_REQUEST, pb_cq_numbers, NULL},
    {"pb: ctl request op missing", K_CTL_REQUEST, pb_cq_op_missing,
        "ctl_request.op"},
    {"pb: ctl request relay space", K_CTL_REQUEST, pb_cq_relay_space,
        "ctl_request.relay charset"},
    {"pb: ctl request relay long", K_CTL_REQUEST, pb_cq_relay_long,
        "ctl_request.relay length"},
    {"pb: ctl reply ok", K_CTL_REPLY, pb_ok, NULL},
    {"pb: ctl reply version wrong", K_CTL_REPLY, pb_cr_version_wrong,
        "version"},
    {"pb: ctl reply ok missing", K_CTL_REPLY, pb_cr_ok_missing,
        "ctl_reply.ok missing"},
    {"pb: relays max+1", K_CTL_REPLY, pb_relays_many, "ctl_reply.relays count"},
    {"pb: relay name missing", K_CTL_REPLY, pb_rs_name_empty,
        "relay.name length"},
    {"pb: relay ip space", K_CTL_REPLY, pb_rs_ip_space, "relay.ip charset"},
    {"pb: relay hosting long", K_CTL_REPLY, pb_rs_hosting_long,
        "relay.hosting length"},
    {"pb: relay worst without class", K_CTL_REPLY, pb_rs_worst_no_class,
        "relay.worst_class"},
    {"pb: relay worst class unknown", K_CTL_REPLY, pb_rs_worst_bad_class,
        "relay.worst_class"},
    {"pb: relay worst provider charset", K_CTL_REPLY, pb_rs_worst_charset,
        "relay.worst_provider charset"},
    {"pb: relay queue provider", K_CTL_REPLY, pb_rs_queue_bad,
        "queue_count.provider charset"},
    {"pb: relay state upper case", K_CTL_REPLY, pb_rs_state_upper,
        "relay.state charset"},
    {"pb: relay state digit", K_CTL_REPLY, pb_rs_state_digit,
        "relay.state charset"},
    {"pb: relay state long", K_CTL_REPLY, pb_rs_state_long,
        "relay.state length"},
    {"pb: relay intent dash", K_CTL_REPLY, pb_rs_intent_dash,
        "relay.intent charset"},
    {"pb: relay rule space", K_CTL_REPLY, pb_rs_rule_space,
        "relay.rule charset"},
    {"pb: relay rule long", K_CTL_REPLY, pb_rs_rule_long, "relay.rule length"},
    {"pb: relay provider upper case", K_CTL_REPLY, pb_rs_provider_upper,
        "relay.provider charset"},
    {"pb: relay reason tab", K_CTL_REPLY, pb_rs_reason_tab,
        "relay.reason charset"},
    {"pb: relay weight 101", K_CTL_REPLY, pb_rs_weight_101, "relay.weight"},
    {"pb: relay weight 100", K_CTL_REPLY, pb_rs_weight_100, NULL},
    {"pb: relay score -2", K_CTL_REPLY, pb_rs_score_minus2, "relay.score"},
    {"pb: relay score 101", K_CTL_REPLY, pb_rs_score_101, "relay.score"},
    {"pb: relay score INT32_MIN", K_CTL_REPLY, pb_rs_score_min, "relay.score"},
    {"pb: relay agent key charset", K_CTL_REPLY, pb_rs_key_charset,
        "relay.agent_key charset"},
    {"pb: relay agent key 45", K_CTL_REPLY, pb_rs_key_long,
        "relay.agent_key length"},
    {"pb: relay agent version space", K_CTL_REPLY, pb_rs_version_space,
        "relay.agent_version charset"},
    {"pb: relay hostname bell", K_CTL_REPLY, pb_rs_hostname_ctl,
        "relay.hostname charset"},
    {"pb: relay hostname long", K_CTL_REPLY, pb_rs_hostname_long,
        "relay.hostname length"},
    {"pb: event kind upper case", K_CTL_REPLY, pb_ev_kind_upper,
        "event.kind charset"},
    {"pb: event from_state space", K_CTL_REPLY, pb_ev_from_space,
        "event.from_state charset"},
    {"pb: event to_state long", K_CTL_REPLY, pb_ev_to_long,
        "event.to_state length"},
    {"pb: event intent digit", K_CTL_REPLY, pb_ev_intent_digit,
        "event.intent charset"},
    {"pb: event relay charset", K_CTL_REPLY, pb_ev_relay_charset,
        "event.relay charset"},
    {"pb: event relay empty", K_CTL_REPLY, pb_ev_relay_empty, NULL},
    {"pb: event rule charset", K_CTL_REPLY, pb_ev_rule_charset,
        "event.rule charset"},
    {"pb: event provider charset", K_CTL_REPLY, pb_ev_provider_charset,
        "event.provider charset"},
    {"pb: event operator colon", K_CTL_REPLY, pb_ev_operator_colon,
        "event.operator charset"},
    {"pb: event counts newline", K_CTL_REPLY, pb_ev_counts_newline,
        "event.counts charset"},
    {"pb: event counts long", K_CTL_REPLY, pb_ev_counts_long,
        "event.counts length"},
    {"pb: event reason del", K_CTL_REPLY, pb_ev_reason_del,
        "event.reason charset"},
    {"pb: event weight 101", K_CTL_REPLY, pb_ev_weight_101, "event.weight"},
    {"pb: event sample class unspec", K_CTL_REPLY, pb_ev_sample_class,
        "sample.class"},
    {"pb: event sample text crlf", K_CTL_REPLY, pb_ev_sample_text,
        "sample.text charset"},
    {"pb: event second sample provider", K_CTL_REPLY, pb_ev_sample_second,
        "sample.provider length"},
    {"pb: event samples max", K_CTL_REPLY, pb_ev_samples_max, NULL},
    {"pb: event samples max+1", K_CTL_REPLY, pb_ev_samples_many,
        "event.samples count"},
    {"pb: events max", K_CTL_REPLY, pb_cr_events_max, NULL},
    {"pb: events max+1", K_CTL_REPLY, pb_cr_events_many,
        "ctl_reply.events count"},
    {"pb: window name missing", K_CTL_REPLY, pb_win_name_missing,
        "window.name length"},
    {"pb: window name charset", K_CTL_REPLY, pb_win_name_charset,
        "window.name charset"},
    {"pb: window relays[1] charset", K_CTL_REPLY, pb_win_relays_charset,
        "window.relays charset"},
    {"pb: window relays[1] empty", K_CTL_REPLY, pb_win_relays_empty,
        "window.relays length"},
    {"pb: window relays max+1", K_CTL_REPLY, pb_win_relays_many,
        "window.relays count"},
    {"pb: window hosting charset", K_CTL_REPLY, pb_win_hosting_charset,
        "window.hosting charset"},
    {"pb: window reason control", K_CTL_REPLY, pb_win_reason_ctl,
        "window.reason charset"},
    {"pb: window created_by charset", K_CTL_REPLY, pb_win_by_charset,
        "window.created_by charset"},
    {"pb: window state upper case", K_CTL_REPLY, pb_win_state_upper,
        "window.state charset"},
    {"pb: windows max+1", K_CTL_REPLY, pb_cr_windows_many,
        "ctl_reply.windows count"},
    {"pb: health provider missing", K_CTL_REPLY, pb_ph_provider_missing,
        "health.provider length"},
    {"pb: health provider upper case", K_CTL_REPLY, pb_ph_provider_upper,
        "health.provider charset"},
    {"pb: health score -2", K_CTL_REPLY, pb_ph_score_minus2, "health.score"},
    {"pb: health score 101", K_CTL_REPLY, pb_ph_score_101, "health.score"},
    {"pb: health windows max+1", K_CTL_REPLY, pb_hw_many,
        "health.windows count"},
    {"pb: health window class unknown", K_CTL_REPLY, pb_hw_class_unknown,
        "health_window.worst_class"},
    {"pb: health window class negative", K_CTL_REPLY, pb_hw_class_negative,
        "health_window.worst_class"},
    {"pb: health window class unspec", K_CTL_REPLY, pb_hw_class_unspec, NULL},
    {"pb: health window class absent", K_CTL_REPLY, pb_hw_class_absent, NULL},
    {"pb: health max+1", K_CTL_REPLY, pb_cr_health_many,
        "ctl_reply.health count"},
    {"pb: reply samples max+1", K_CTL_REPLY, pb_cr_samples_many,
        "ctl_reply.samples count"},
    {"pb: reply sample mx_host", K_CTL_REPLY, pb_cr_sample_bad,
        "sample.mx_host charset"},
    {"pb: reply checks max+1", K_CTL_REPLY, pb_cr_checks_many,
        "ctl_reply.checks count"},
    {"pb: reply check state unknown", K_CTL_REPLY, pb_cr_check_bad,
        "check.state"},
    {"pb: reply fails at the last check", K_CTL_REPLY, pb_cr_fail_last,
        "check.name length"},
};

/* Decodes b as kind k; checks errstr and that *out is untouched on error. */
static void
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

static void
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

/* ---- decode rejections, raw bytes ------------------------------------------
 */

static void
raw_from_pb(struct buf *b, void (*edit)(struct pb_all *), enum kind k)
{
	struct pb_all *m = xcalloc(1, sizeof(*m));

	pb_init(m);
	if (edit != NULL)
		edit(m);
	pb_pack_kind(k, m, b);
	free(m);
}

static void
raw_empty(struct buf *b)
{
	b->len = 0;
	b->p = NULL;
}

static void
raw_garbage(struct buf *b)
{
	static const uint8_t g[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

	b->len = sizeof(g);
	b->p = xmalloc(b->len);
	memcpy(b->p, g, b->len);
}

static void
raw_wiretype(struct buf *b)
{
	b->len = 2;
	b->p = xmalloc(b->len);
	b->p[0] = 0x0f; /* field 1, wire type 7 */
	b->p[1] = 0x00;
}

static void
raw_truncated(struct buf *b)
{
	raw_from_pb(b, NULL, K_REPORT);
	b->len--;
}

static void
raw_truncated_half(struct buf *b)
{
	raw_from_pb(b, NULL, K_REPORT);
	b->len /= 2;
}

static void
raw_too_large(struct buf *b)
{
	b->len = WIRE_MAX_MSG + 1;
	b->p = xcalloc(1, b->len);
}

/* Under WIRE_MAX_MSG, but each 2-byte empty Counter unpacks to ~100 bytes. */
static void
raw_alloc_bomb(struct buf *b)
{
	size_t n = 500000, inner = 2 * n, i = 0;

	b->len = 4 + inner;
	b->p = xmalloc(b->len);
	b->p[i++] = 0x12; /* AgentRequest.report */
	b->p[i++] = (uint8_t)(0x80 | (inner & 0x7f));
	b->p[i++] = (uint8_t)(0x80 | ((inner >> 7) & 0x7f));
	b->p[i++] = (uint8_t)(inner >> 14);
	while (i < b->len) {
		b->p[i++] = 0x32; /* Report.counters */
		b->p[i++] = 0x00;
	}
	assert_true(b->len <= WIRE_MAX_MSG);
}

static void
pb_text_marker(struct pb_all *m)
{
	m->s.text = "ab@@cd";
}

static void
pb_relay_marker(struct pb_all *m)
{
	m->cq.relay = "ab@@cd";
}

/* Packs with a marker string, then turns its first '@' into a NUL. */
static void
raw_nul(struct buf *b, void (*edit)(struct pb_all *), enum kind k)
{
	uint8_t *at;

	raw_from_pb(b, edit, k);
	at = memmem(b->p, b->len, "@@", 2);
	assert_non_null(at);
	*at = '\0';
}

static void
raw_nul_text(struct buf *b)
{
	raw_nul(b, pb_text_marker, K_REPORT);
}

static void
raw_nul_relay(struct buf *b)
{
	raw_nul(b, pb_relay_marker, K_CTL_REQUEST);
}

static void
pb_relays_marker(struct pb_all *m)
{
	m->cq_relays[1] = "ab@@cd";
}

static void
raw_nul_relays(struct buf *b)
{
	raw_nul(b, pb_relays_marker, K_CTL_REQUEST);
}

static void
pb_event_text_marker(struct pb_all *m)
{
	m->es.text = "ab@@cd";
}

static void
raw_nul_event_text(struct buf *b)
{
	raw_nul(b, pb_event_text_marker, K_CTL_REPLY);
}

static void
pb_window_relays_marker(struct pb_all *m)
{
	m->win_relays[0] = "ab@@cd";
}

static void
raw_nul_window_relays(struct buf *b)
{
	raw_nul(b, pb_window_relays_marker, K_CTL_REPLY);
}

/* A field from a newer peer (number 100, varint) is skipped. */
static void
raw_unknown_field(struct buf *b)
{
	raw_from_pb(b, NULL, K_CTL_REQUEST);
	b->p = xreallocarray(b->p, b->len + 3, 1);
	b->p[b->len++] = 0xa0;
	b->p[b->len++] = 0x06;
	b->p[b->len++] = 0x01;
}

struct raw_case {
	const char *name;
	enum kind kind;
	void (*make)(struct buf *);
	const char *errstr;
};

static struct raw_case raw_cases[] = {
    {"raw: empty report", K_REPORT, raw_empty, "version"},
    {"raw: empty ctl reply", K_CTL_REPLY, raw_empty, "version"},
    {"raw: garbage report", K_REPORT, raw_garbage, "malformed message"},
    {"raw: garbage agent reply", K_AGENT_REPLY, raw_garbage,
        "malformed message"},
    {"raw: garbage ctl request", K_CTL_REQUEST, raw_garbage,
        "malformed message"},
    {"raw: garbage ctl reply", K_CTL_REPLY, raw_garbage, "malformed message"},
    {"raw: wire type 7", K_CTL_REQUEST, raw_wiretype, "malformed message"},
    {"raw: truncated by one", K_REPORT, raw_truncated, "malformed message"},
    {"raw: truncated by half", K_REPORT, raw_truncated_half,
        "malformed message"},
    {"raw: over WIRE_MAX_MSG", K_REPORT, raw_too_large, "message too large"},
    {"raw: ctl reply over WIRE_MAX_MSG", K_CTL_REPLY, raw_too_large,
        "message too large"},
    {"raw: allocation bomb", K_REPORT, raw_alloc_bomb,
        "message needs too much memory"},
    {"raw: NUL in sample text", K_REPORT, raw_nul_text, "NUL in string"},
    {"raw: NUL in relay", K_CTL_REQUEST, raw_nul_relay, "NUL in string"},
    {"raw: NUL in relays[1]", K_CTL_REQUEST, raw_nul_relays, "NUL in string"},
    {"raw: NUL in event sample text", K_CTL_REPLY, raw_nul_event_text,
        "NUL in string"},
    {"raw: NUL in window relays[0]", K_CTL_REPLY, raw_nul_window_relays,
        "NUL in string"},
    {"raw: unknown field", K_CTL_REQUEST, raw_unknown_field, NULL},
};

static void
test_raw(void **state)
{
	const struct raw_case *tc = *state;
	struct buf b = {NULL, 0};

	tc->make(&b);
	check_decode(tc->kind, &b, tc->errstr);
	free(b.p);
}

/* ---- encode rejections ----------------------------------------------------
 */

/* clang-format off */
static void enc_seq_zero(union any_msg *m) { m->r.seq = 0; }
static void enc_epoch_zero(union any_msg *m) { m->r.epoch = 0; }
static void enc_provider_bad(union any_msg *m) { m->r.counters[1].provider[0] = 'O'; }
static void enc_class_unknown(union any_msg *m) { m->r.counters[0].cls = (enum reason_class)99; }
static void enc_status_unspec(union any_msg *m) { m->r.samples[0].status = STATUS_UNSPEC; }
static void enc_check_unspec(union any_msg *m) { m->r.checks[0].state = CHECK_UNSPEC; }
static void enc_by_class(union any_msg *m) { m->r.queue.by[2].cls = CLASS_UNSPEC; }
static void enc_hostname_space(union any_msg *m) { m->r.hostname[5] = ' '; }
static void enc_cmd_unspec(union any_msg *m) { m->a.commands[1].type = (enum wire_command_type)0; }
static void enc_cmds_many(union any_msg *m) { m->a.n_commands = WIRE_COMMANDS_MAX + 1; }
static void enc_op_bad(union any_msg *m) { m->q.op = (enum wire_ctl_op)(WIRE_CTL_LAST + 1); }
static void enc_op_zero(union any_msg *m) { m->q.op = (enum wire_ctl_op)0; }
static void enc_cq_relay_space(union any_msg *m) { m->q.relay[2] = ' '; }
static void enc_cq_relays_empty(union any_msg *m) { m->q.relays[1][0] = '\0'; }
static void enc_cq_relays_colon(union any_msg *m) { m->q.relays[0][1] = ':'; }
static void enc_cq_name_colon(union any_msg *m) { m->q.name[0] = ':'; }
static void enc_cq_hosting_tab(union any_msg *m) { m->q.hosting[0] = '\t'; }
static void enc_cq_reason_esc(union any_msg *m) { m->q.reason[3] = '\x1b'; }
static void enc_cq_reason_unterminated(union any_msg *m) { memset(m->q.reason, 'x', sizeof(m->q.reason)); }
static void enc_cq_relays_null(union any_msg *m) { wire_ctl_request_fini(&m->q); m->q.n_relays = 1; }
static void enc_rs_weight(union any_msg *m) { m->c.relays[1].weight = 101; }
static void enc_rs_score(union any_msg *m) { m->c.relays[0].score = -2; }
static void enc_rs_state(union any_msg *m) { m->c.relays[0].state[0] = 'D'; }
static void enc_rs_rule(union any_msg *m) { m->c.relays[0].rule[2] = '\n'; }
static void enc_rs_key(union any_msg *m) { m->c.relays[1].agent_key[0] = '-'; }
static void enc_ev_samples(union any_msg *m) { m->c.events[0].n_samples = WIRE_EVENT_SAMPLES_MAX + 1; }
static void enc_ev_sample_status(union any_msg *m) { m->c.events[0].samples[2].status = STATUS_UNSPEC; }
static void enc_ev_operator(union any_msg *m) { m->c.events[1].operator[0] = ' '; }
static void enc_win_name(union any_msg *m) { m->c.windows[1].name[0] = '\0'; }
static void enc_win_relays_null(union any_msg *m) { wire_window_fini(&m->c.windows[0]); m->c.windows[0].n_relays = 1; }
static void enc_win_relay(union any_msg *m) { m->c.windows[0].relays[1][0] = '/'; }
static void enc_hw_count(union any_msg *m) { m->c.health[0].n_windows = WIRE_HEALTH_WINDOWS + 1; }
static void enc_hw_class(union any_msg *m) { m->c.health[0].windows[1].worst_class = (enum reason_class)99; }
static void enc_ph_score(union any_msg *m) { m->c.health[0].score = 101; }
static void enc_cr_check(union any_msg *m) { m->c.checks[1].state = CHECK_UNSPEC; }
static void enc_cr_sample(union any_msg *m) { m->c.samples[0].provider[0] = '\0'; }
static void enc_relay_tab(union any_msg *m) { m->q.relay[0] = '\t'; }
static void enc_relay_name_empty(union any_msg *m) { m->c.relays[1].name[0] = '\0'; }
static void enc_relay_queue(union any_msg *m) { m->c.relays[0].queue.by[0].provider[0] = '\0'; }
static void enc_reply_error(union any_msg *m) { util_strlcpy(m->c.error, "a\nb", sizeof(m->c.error)); }
/* clang-format on */

static void
enc_cr_events_many(union any_msg *m)
{
	rt_cr_events(m, WIRE_EVENTS_MAX + 1);
}

/* Every event at its limits: about 6 MB, over what a peer accepts. */
static void
enc_cr_too_large(union any_msg *m)
{
	char *text = xmalloc(WIRE_TEXT_MAX + 1);

	memset(text, 't', WIRE_TEXT_MAX);
	text[WIRE_TEXT_MAX] = '\0';
	rt_cr_events(m, WIRE_EVENTS_MAX);
	for (size_t i = 0; i < WIRE_EVENTS_MAX; i++) {
		m->c.events[i].n_samples = WIRE_EVENT_SAMPLES_MAX;
		for (size_t j = 0; j < WIRE_EVENT_SAMPLES_MAX; j++)
			fx_sample(&m->c.events[i].samples[j], "gmail", text);
	}
	free(text);
}

static void
enc_provider_unterminated(union any_msg *m)
{
	memset(m->r.counters[0].provider, 'a', WIRE_PROVIDER_MAX + 1);
}

static void
enc_text_long(union any_msg *m)
{
	free(m->r.samples[0].text);
	m->r.samples[0].text = xmalloc(WIRE_TEXT_MAX + 2);
	memset(m->r.samples[0].text, 'x', WIRE_TEXT_MAX + 1);
	m->r.samples[0].text[WIRE_TEXT_MAX + 1] = '\0';
}

static void
enc_counters_many(union any_msg *m)
{
	free(m->r.counters);
	m->r.counters = xcalloc(WIRE_COUNTERS_MAX + 1, sizeof(*m->r.counters));
	m->r.n_counters = WIRE_COUNTERS_MAX + 1;
	for (size_t i = 0; i < m->r.n_counters; i++) {
		util_strlcpy(
		    m->r.counters[i].provider, "gmail", WIRE_PROVIDER_MAX + 1);
		m->r.counters[i].cls = CLASS_BUSY;
		m->r.counters[i].status = STATUS_DEFERRED;
	}
}

/* Each field valid, the sum over WIRE_MAX_MSG: the peer would refuse it. */
static void
enc_too_large(union any_msg *m)
{
	struct wire_sample *s;

	for (size_t i = 0; i < m->r.n_samples; i++)
		free(m->r.samples[i].text);
	free(m->r.samples);
	m->r.samples = xcalloc(WIRE_SAMPLES_MAX, sizeof(*m->r.samples));
	m->r.n_samples = WIRE_SAMPLES_MAX;
	for (size_t i = 0; i < WIRE_SAMPLES_MAX; i++) {
		s = &m->r.samples[i];
		util_strlcpy(s->provider, "gmail", sizeof(s->provider));
		s->cls = CLASS_CONTENT;
		s->status = STATUS_BOUNCED;
		s->text = xmalloc(WIRE_TEXT_MAX + 1);
		memset(s->text, 'y', WIRE_TEXT_MAX);
		s->text[WIRE_TEXT_MAX] = '\0';
	}
}

struct enc_case {
	const char *name;
	enum kind kind;
	void (*edit)(union any_msg *);
	const char *errstr;
};

static struct enc_case enc_cases[] = {
    {"encode: seq zero", K_REPORT, enc_seq_zero, "report.seq"},
    {"encode: epoch zero", K_REPORT, enc_epoch_zero, "report.epoch"},
    {"encode: provider upper case", K_REPORT, enc_provider_bad,
        "counter.provider charset"},
    {"encode: provider unterminated", K_REPORT, enc_provider_unterminated,
        "counter.provider length"},
    {"encode: class unknown", K_REPORT, enc_class_unknown, "counter.class"},
    {"encode: status unspec", K_REPORT, enc_status_unspec, "sample.status"},
    {"encode: check unspec", K_REPORT, enc_check_unspec, "check.state"},
    {"encode: deferred_by class", K_REPORT, enc_by_class, "queue_count.class"},
    {"encode: hostname space", K_REPORT, enc_hostname_space,
        "report.hostname charset"},
    {"encode: text over max", K_REPORT, enc_text_long, "sample.text length"},
    {"encode: counters max+1", K_REPORT, enc_counters_many,
        "report.counters count"},
    {"encode: over WIRE_MAX_MSG", K_REPORT, enc_too_large, "message too large"},
    {"encode: command unspec", K_AGENT_REPLY, enc_cmd_unspec, "command.type"},
    {"encode: commands max+1", K_AGENT_REPLY, enc_cmds_many,
        "agent_reply.commands count"},
    {"encode: op unknown", K_CTL_REQUEST, enc_op_bad, "ctl_request.op"},
    {"encode: op zero", K_CTL_REQUEST, enc_op_zero, "ctl_request.op"},
    {"encode: relay space", K_CTL_REQUEST, enc_cq_relay_space,
        "ctl_request.relay charset"},
    {"encode: relays[1] empty", K_CTL_REQUEST, enc_cq_relays_empty,
        "ctl_request.relays length"},
    {"encode: relays[0] colon", K_CTL_REQUEST, enc_cq_relays_colon,
        "ctl_request.relays charset"},
    {"encode: relays missing", K_CTL_REQUEST, enc_cq_relays_null,
        "ctl_request.relays count"},
    {"encode: window name colon", K_CTL_REQUEST, enc_cq_name_colon,
        "ctl_request.name charset"},
    {"encode: hosting tab", K_CTL_REQUEST, enc_cq_hosting_tab,
        "ctl_request.hosting charset"},
    {"encode: reason escape", K_CTL_REQUEST, enc_cq_reason_esc,
        "ctl_request.reason charset"},
    {"encode: reason unterminated", K_CTL_REQUEST, enc_cq_reason_unterminated,
        "ctl_request.reason length"},
    {"encode: relay weight 101", K_CTL_REPLY, enc_rs_weight, "relay.weight"},
    {"encode: relay score -2", K_CTL_REPLY, enc_rs_score, "relay.score"},
    {"encode: relay state upper case", K_CTL_REPLY, enc_rs_state,
        "relay.state charset"},
    {"encode: relay rule newline", K_CTL_REPLY, enc_rs_rule,
        "relay.rule charset"},
    {"encode: relay agent key", K_CTL_REPLY, enc_rs_key,
        "relay.agent_key charset"},
    {"encode: event samples max+1", K_CTL_REPLY, enc_ev_samples,
        "event.samples count"},
    {"encode: event sample status", K_CTL_REPLY, enc_ev_sample_status,
        "sample.status"},
    {"encode: event operator space", K_CTL_REPLY, enc_ev_operator,
        "event.operator charset"},
    {"encode: events max+1", K_CTL_REPLY, enc_cr_events_many,
        "ctl_reply.events count"},
    {"encode: window name empty", K_CTL_REPLY, enc_win_name,
        "window.name length"},
    {"encode: window relays missing", K_CTL_REPLY, enc_win_relays_null,
        "window.relays count"},
    {"encode: window relay slash", K_CTL_REPLY, enc_win_relay,
        "window.relays charset"},
    {"encode: health windows max+1", K_CTL_REPLY, enc_hw_count,
        "health.windows count"},
    {"encode: health window class", K_CTL_REPLY, enc_hw_class,
        "health_window.worst_class"},
    {"encode: health score 101", K_CTL_REPLY, enc_ph_score, "health.score"},
    {"encode: reply check unspec", K_CTL_REPLY, enc_cr_check, "check.state"},
    {"encode: reply sample provider", K_CTL_REPLY, enc_cr_sample,
        "sample.provider length"},
    {"encode: ctl reply over WIRE_MAX_MSG", K_CTL_REPLY, enc_cr_too_large,
        "message too large"},
    {"encode: relay tab", K_CTL_REQUEST, enc_relay_tab,
        "ctl_request.relay charset"},
    {"encode: relay name empty", K_CTL_REPLY, enc_relay_name_empty,
        "relay.name length"},
    {"encode: relay queue provider", K_CTL_REPLY, enc_relay_queue,
        "queue_count.provider length"},
    {"encode: ctl reply error", K_CTL_REPLY, enc_reply_error,
        "ctl_reply.error charset"},
};

static void
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

/* ---- validators and _fini -------------------------------------------------
 */

struct str_case {
	const char *s;
	bool is_provider, is_dsn, is_text;
};

static const struct str_case str_cases[] = {
    {"gmail", true, false, true},
    {"yahoo.co.jp", true, false, true},
    {"a_b-c", true, false, true},
    {"", false, true, true},
    {"4.7.650", true, true, true},
    {"Gmail", false, false, true},
    {"g mail", false, false, true},
    {"4.7.x", true, false, true},
    {"a\tb", false, false, false},
    {"a\x7f", false, false, false},
    {"caf\xc3\xa9", false, false, true},
    {"abcdefghijklmnopqrstuvwxyz012345", true, false, true},
    {"abcdefghijklmnopqrstuvwxyz0123456", false, false, true},
    {"1234567890.1234", true, true, true},
    {"1234567890.12345", true, false, true},
};

static void
test_validators(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(str_cases) / sizeof(str_cases[0]); i++) {
		const struct str_case *c = &str_cases[i];

		if (wire_provider_ok(c->s) != c->is_provider ||
		    wire_dsn_ok(c->s) != c->is_dsn ||
		    wire_text_ok(c->s, 64) != c->is_text)
			fail_msg("case %zu \"%s\"", i, c->s);
	}
	assert_true(wire_text_ok("abcd", 4));
	assert_false(wire_text_ok("abcde", 4));
}

static void
test_fini_zeroed(void **state)
{
	static const struct wire_report zr;
	static const struct wire_ctl_reply zc;
	static const struct wire_queue zq;
	struct wire_report r;
	struct wire_ctl_reply c;
	struct wire_queue q;
	struct wire_ctl_request rq;

	(void)state;
	memset(&r, 0, sizeof(r));
	memset(&c, 0, sizeof(c));
	memset(&q, 0, sizeof(q));
	memset(&rq, 0, sizeof(rq));
	wire_report_fini(&r);
	wire_ctl_reply_fini(&c);
	wire_queue_fini(&q);
	wire_ctl_request_fini(&rq);
	fx_report(&r);
	fx_ctl_reply(&c);
	fx_queue(&q, 2);
	fx_ctl_request(&rq);
	wire_report_fini(&r);
	wire_ctl_reply_fini(&c);
	wire_queue_fini(&q);
	wire_ctl_request_fini(&rq);
	assert_memory_equal(&r, &zr, sizeof(r));
	assert_memory_equal(&c, &zc, sizeof(c));
	assert_memory_equal(&q, &zq, sizeof(q));
	assert_null(rq.relays);
	assert_int_equal(rq.n_relays, 0);
	assert_string_equal(rq.relay, "relay3"); /* fixed fields stay */
	wire_report_fini(&r);                    /* twice is harmless */
	wire_ctl_request_fini(&rq);
}

/* The parts of a reply release what they own and can be released again. */
static void
test_fini_parts(void **state)
{
	struct wire_ctl_reply c;

	(void)state;
	fx_ctl_reply(&c);
	wire_event_fini(&c.events[0]);
	assert_int_equal(c.events[0].n_samples, 0);
	assert_null(c.events[0].samples[0].text);
	wire_event_fini(&c.events[0]);
	wire_window_fini(&c.windows[0]);
	assert_int_equal(c.windows[0].n_relays, 0);
	assert_null(c.windows[0].relays);
	wire_window_fini(&c.windows[0]);
	wire_ctl_reply_fini(&c);
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void
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

int
main(void)
{
	struct CMUnitTest t[NELEM(rt_cases) + NELEM(pb_cases) +
	                    NELEM(raw_cases) + NELEM(enc_cases) + 3];
	size_t n = 0;

	for (size_t i = 0; i < NELEM(rt_cases); i++)
		add_case(t, &n, rt_cases[i].name, test_roundtrip, &rt_cases[i]);
	for (size_t i = 0; i < NELEM(pb_cases); i++)
		add_case(t, &n, pb_cases[i].name, test_pb, &pb_cases[i]);
	for (size_t i = 0; i < NELEM(raw_cases); i++)
		add_case(t, &n, raw_cases[i].name, test_raw, &raw_cases[i]);
	for (size_t i = 0; i < NELEM(enc_cases); i++)
		add_case(t, &n, enc_cases[i].name, test_encode_reject,
		    &enc_cases[i]);
	add_case(t, &n, "validators", test_validators, NULL);
	add_case(t, &n, "fini zeroed", test_fini_zeroed, NULL);
	add_case(t, &n, "fini parts", test_fini_parts, NULL);
	return (_cmocka_run_group_tests("wire", t, n, NULL, NULL));
}
