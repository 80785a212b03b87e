/* SPDX-License-Identifier: ISC */
/*
 * Table tests for common/wire.c: the agent's Report and AgentReply, the
 * string validators and the _fini() functions; the control messages are
 * in wire_ctl_test.c, the fixtures both use in wire_fixture.h.  Round
 * trips go through our structs.  Bad input is built from the generated
 * protobuf-c structs (so we can send what our encoder refuses) or by hand
 * as raw bytes.  Every rejection checks the errstr and that *out was left
 * alone; ASan/valgrind catch leaks.
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
#include "wire_fixture.h"

/* ---- round trips -------------------------------------------------------- */

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
	for (size_t i = 0; i + 1 < WIRE_TEXT_MAX; i += 2)
		memcpy(s->text + i, "\xc3\xa9", 2); /* UTF-8, 2 bytes each */
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

static struct rt_case rt_cases[] = {
    {"roundtrip: report full", K_REPORT, rt_none},
    {"roundtrip: report minimal", K_REPORT, rt_report_minimal},
    {"roundtrip: report at limits", K_REPORT, rt_report_limits},
    {"roundtrip: report queue failed", K_REPORT, rt_report_queue_failed},
    {"roundtrip: agent reply commands", K_AGENT_REPLY, rt_none},
    {"roundtrip: agent reply 8 commands", K_AGENT_REPLY, rt_reply_full},
    {"roundtrip: agent reply error", K_AGENT_REPLY, rt_reply_empty},
};

/* ---- decode rejections, built from the generated structs ---------------- */

static Fleet__Counter *many_counters[WIRE_COUNTERS_MAX + 1];
static Fleet__QueueCount *many_by[WIRE_QUEUE_BY_MAX + 1];
static Fleet__Command *many_commands[WIRE_COMMANDS_MAX + 1];

/* clang-format off */
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
static void pb_text_utf8(struct pb_all *m) { m->s.text = "450 r\xc3\xa9" "essayez \xe6\x9d\xb1 \xf0\x9f\x98\x80"; }
static void pb_text_8bit(struct pb_all *m) { m->s.text = "450 r\xe9" "essayez"; }
static void pb_text_c1(struct pb_all *m) { m->s.text = "450 \xc2\x9b" "31m"; }
static void pb_text_bidi(struct pb_all *m) { m->s.text = "450 \xe2\x80\xae" "gnp.exe"; }
static void pb_detail_lrm(struct pb_all *m) { m->k.detail = "PTR \xe2\x80\x8e" "ok"; }
static void pb_queue_error_cut(struct pb_all *m) { m->q.error = "postqueue: \xe2\x82"; }
static void pb_mx_space(struct pb_all *m) { m->s.mx_host = "mx example.com"; }
static void pb_hostname_ctl(struct pb_all *m) { m->rep.hostname = "relay\x1b"; }
static void pb_hostname_long(struct pb_all *m) { m->rep.hostname = long_host; }
static void pb_version_str_8bit(struct pb_all *m) { m->rep.agent_version = "0.1\xe9"; }
static void pb_check_name_empty(struct pb_all *m) { m->k.name = ""; }
static void pb_detail_newline(struct pb_all *m) { m->k.detail = "a\nb"; }
static void pb_queue_error_esc(struct pb_all *m) { m->q.error = "\x1b[31m"; }
static void pb_queue_valid_missing(struct pb_all *m) { m->q.has_valid = 0; }
static void pb_queue_missing(struct pb_all *m) { m->rep.queue = NULL; }
static void pb_ar_version_wrong(struct pb_all *m) { m->ar.version = 0; }
static void pb_ar_version_missing(struct pb_all *m) { m->ar.has_version = 0; }
static void pb_cmd_unknown(struct pb_all *m) { m->cmd.type = (Fleet__Command__Type)3; }
static void pb_cmd_missing(struct pb_all *m) { m->cmd.has_type = 0; }
static void pb_ar_error_ctl(struct pb_all *m) { m->ar.error = "refused\n"; }
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
pb_by_many(struct pb_all *m)
{
	for (size_t i = 0; i <= WIRE_QUEUE_BY_MAX; i++)
		many_by[i] = &m->qc;
	m->q.n_deferred_by = WIRE_QUEUE_BY_MAX + 1;
	m->q.deferred_by = many_by;
}

static void
pb_commands_many(struct pb_all *m)
{
	for (size_t i = 0; i <= WIRE_COMMANDS_MAX; i++)
		many_commands[i] = &m->cmd;
	m->ar.n_commands = WIRE_COMMANDS_MAX + 1;
	m->ar.commands = many_commands;
}

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
    {"pb: text utf-8", K_REPORT, pb_text_utf8, NULL},
    {"pb: text latin-1", K_REPORT, pb_text_8bit, "sample.text utf-8"},
    {"pb: text c1 csi", K_REPORT, pb_text_c1, "sample.text charset"},
    {"pb: text bidi override", K_REPORT, pb_text_bidi, "sample.text charset"},
    {"pb: check detail lrm", K_REPORT, pb_detail_lrm, "check.detail charset"},
    {"pb: queue error cut utf-8", K_REPORT, pb_queue_error_cut,
        "queue.error utf-8"},
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
};

/* ---- decode rejections, raw bytes --------------------------------------- */

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
raw_nul_text(struct buf *b)
{
	raw_nul(b, pb_text_marker, K_REPORT);
}

static struct raw_case raw_cases[] = {
    {"raw: empty report", K_REPORT, raw_empty, "version"},
    {"raw: garbage report", K_REPORT, raw_garbage, "malformed message"},
    {"raw: garbage agent reply", K_AGENT_REPLY, raw_garbage,
        "malformed message"},
    {"raw: truncated by one", K_REPORT, raw_truncated, "malformed message"},
    {"raw: truncated by half", K_REPORT, raw_truncated_half,
        "malformed message"},
    {"raw: over WIRE_MAX_MSG", K_REPORT, raw_too_large, "message too large"},
    {"raw: allocation bomb", K_REPORT, raw_alloc_bomb,
        "message needs too much memory"},
    {"raw: NUL in sample text", K_REPORT, raw_nul_text, "NUL in string"},
};

/* ---- encode rejections -------------------------------------------------- */

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

static void
enc_refused_no_error(union any_msg *m)
{
	m->a.is_refused = true;
	m->a.error[0] = '\0';
}

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
    {"encode: refused without error", K_AGENT_REPLY, enc_refused_no_error,
        "agent_reply.refused without error"},
};

/* ---- validators and _fini ----------------------------------------------- */

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
    {"caf\xe9", false, false, false},
    {"a\xc2\x85", false, false, false},
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

/* Report.spool_bad and AgentReply.refused survive a round trip. */
static void
test_spool_bad_refused(void **state)
{
	static const uint32_t bad[] = {0, 1, 16, UINT32_MAX};
	struct wire_report r, rr;
	struct wire_agent_reply a, ar;
	const char *errstr;
	uint8_t *buf;
	size_t len;

	(void)state;
	for (size_t i = 0; i < NELEM(bad); i++) {
		fx_report(&r);
		r.spool_bad = bad[i];
		assert_int_equal(
		    wire_report_encode(&r, &buf, &len, &errstr), 0);
		assert_int_equal(wire_report_decode(&rr, buf, len, &errstr), 0);
		assert_int_equal(rr.spool_bad, bad[i]);
		report_eq(&r, &rr);
		free(buf);
		wire_report_fini(&r);
		wire_report_fini(&rr);
	}
	for (int refused = 0; refused <= 1; refused++) {
		fx_agent_reply(&a);
		util_strlcpy(a.error, "bad report: version", sizeof(a.error));
		a.is_refused = refused;
		assert_int_equal(
		    wire_agent_reply_encode(&a, &buf, &len, &errstr), 0);
		assert_int_equal(
		    wire_agent_reply_decode(&ar, buf, len, &errstr), 0);
		assert_int_equal(ar.is_refused, refused);
		agent_reply_eq(&a, &ar);
		free(buf);
	}
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
	add_case(t, &n, "spool_bad and refused", test_spool_bad_refused, NULL);
	return (_cmocka_run_group_tests("wire", t, n, NULL, NULL));
}
