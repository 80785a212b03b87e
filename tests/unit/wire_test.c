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

static void
fx_ctl_request(struct wire_ctl_request *q)
{
	memset(q, 0, sizeof(*q));
	q->op = WIRE_CTL_STATUS;
	util_strlcpy(q->relay, "relay3", sizeof(q->relay));
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
ctl_reply_eq(const struct wire_ctl_reply *a, const struct wire_ctl_reply *b)
{
	const struct wire_relay_status *x, *y;

	assert_int_equal(a->ok, b->ok);
	assert_string_equal(a->error, b->error);
	assert_int_equal(a->now, b->now);
	assert_int_equal(a->n_relays, b->n_relays);
	for (size_t i = 0; i < a->n_relays; i++) {
		x = &a->relays[i];
		y = &b->relays[i];
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
	}
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
		assert_int_equal(a->q.op, b->q.op);
		assert_string_equal(a->q.relay, b->q.relay);
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
    {"roundtrip: ctl reply relays", K_CTL_REPLY, rt_none},
    {"roundtrip: ctl reply error", K_CTL_REPLY, rt_ctl_reply_error},
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
};

static char long_text[WIRE_TEXT_MAX + 2];
static char long_host[WIRE_HOST_MAX + 2];
static Fleet__Counter *many_counters[WIRE_COUNTERS_MAX + 1];
static Fleet__Sample *many_samples[WIRE_SAMPLES_MAX + 1];
static Fleet__CheckResult *many_checks[WIRE_CHECKS_MAX + 1];
static Fleet__QueueCount *many_by[WIRE_QUEUE_BY_MAX + 1];
static Fleet__Command *many_commands[WIRE_COMMANDS_MAX + 1];
static Fleet__RelayStatus *many_relays[WIRE_RELAYS_MAX + 1];

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
	fleet__ctl_request__init(&m->cq);
	m->cq.has_version = m->cq.has_op = 1;
	m->cq.version = WIRE_VERSION;
	m->cq.op = FLEET__CTL_REQUEST__OP__OP_STATUS;
	fleet__relay_status__init(&m->rs);
	m->rs.name = "relay1";
	m->rs.queue = &m->rq;
	m->rsp[0] = &m->rs;
	fleet__queue_snapshot__init(&m->rq);
	m->rq.has_valid = 1;
	fleet__ctl_reply__init(&m->cr);
	m->cr.has_version = m->cr.has_ok = m->cr.ok = 1;
	m->cr.version = WIRE_VERSION;
	m->cr.n_relays = 1;
	m->cr.relays = m->rsp;
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
static void pb_cq_op_unknown(struct pb_all *m) { m->cq.op = (Fleet__CtlRequest__Op)2; }
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
/* clang-format on */

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
static void enc_op_bad(union any_msg *m) { m->q.op = (enum wire_ctl_op)2; }
static void enc_relay_tab(union any_msg *m) { m->q.relay[0] = '\t'; }
static void enc_relay_name_empty(union any_msg *m) { m->c.relays[1].name[0] = '\0'; }
static void enc_relay_queue(union any_msg *m) { m->c.relays[0].queue.by[0].provider[0] = '\0'; }
static void enc_reply_error(union any_msg *m) { util_strlcpy(m->c.error, "a\nb", sizeof(m->c.error)); }
/* clang-format on */

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

	(void)state;
	memset(&r, 0, sizeof(r));
	memset(&c, 0, sizeof(c));
	memset(&q, 0, sizeof(q));
	wire_report_fini(&r);
	wire_ctl_reply_fini(&c);
	wire_queue_fini(&q);
	fx_report(&r);
	fx_ctl_reply(&c);
	fx_queue(&q, 2);
	wire_report_fini(&r);
	wire_ctl_reply_fini(&c);
	wire_queue_fini(&q);
	assert_memory_equal(&r, &zr, sizeof(r));
	assert_memory_equal(&c, &zc, sizeof(c));
	assert_memory_equal(&q, &zq, sizeof(q));
	wire_report_fini(&r); /* twice is harmless */
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
	                    NELEM(raw_cases) + NELEM(enc_cases) + 2];
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
	return (_cmocka_run_group_tests("wire", t, n, NULL, NULL));
}
