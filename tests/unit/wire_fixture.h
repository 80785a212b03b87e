/* SPDX-License-Identifier: ISC */
/*
 * What wire_test.c (common/wire.c), wire_ctl_test.c and
 * wire_ctl_decode_test.c (common/wire_ctl.c) and wire_lb_test.c
 * (common/wire_ctl_lb.c) share: the messages of wire_msg_fixture.h, the
 * generated structs that bad input is built from, and the runners of the
 * case tables.  Test-only; the helpers are static inline so each test
 * file takes what it uses.
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
#include "wire_msg_fixture.h"

/* ---- round trips -------------------------------------------------------- */

static inline void
rt_none(union any_msg *m)
{
	(void)m;
}

/* An empty CtlRequest for op; a case's edit adds that op's fields. */
static inline void
rt_cq(union any_msg *m, enum wire_ctl_op op)
{
	wire_ctl_request_fini(&m->q);
	memset(&m->q, 0, sizeof(m->q));
	m->q.op = op;
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
