/* SPDX-License-Identifier: ISC */
/*
 * Table tests for common/wire_ctl.c, the encoding side: CtlRequest and
 * CtlReply with the relays' decisions, events, windows, provider health,
 * samples and checks round-trip through our structs, and the encoder
 * refuses what a peer would reject.  The decoder's rejections are in
 * wire_ctl_decode_test.c, the load balancers in wire_lb_test.c.
 * Same scheme as wire_test.c, with the fixtures of wire_fixture.h: every
 * refusal checks the errstr and that the output was left alone;
 * ASan/valgrind catch leaks.
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
	/* UTF-8 to the last byte: ' ' then 127 two-byte characters (e9) */
	m->q.reason[0] = ' ';
	for (size_t i = 1; i + 1 < WIRE_REASON_MAX + 1; i += 2)
		memcpy(m->q.reason + i, "\xc3\xa9", 2);
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

static struct rt_case rt_cases[] = {
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

/* ---- encode rejections -------------------------------------------------- */

/* clang-format off */
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

static struct enc_case enc_cases[] = {
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

/* ---- _fini -------------------------------------------------------------- */

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

int
main(void)
{
	struct CMUnitTest t[NELEM(rt_cases) + NELEM(enc_cases) + 1];
	size_t n = 0;

	for (size_t i = 0; i < NELEM(rt_cases); i++)
		add_case(t, &n, rt_cases[i].name, test_roundtrip, &rt_cases[i]);
	for (size_t i = 0; i < NELEM(enc_cases); i++)
		add_case(t, &n, enc_cases[i].name, test_encode_reject,
		    &enc_cases[i]);
	add_case(t, &n, "fini parts", test_fini_parts, NULL);
	return (_cmocka_run_group_tests("wire_ctl", t, n, NULL, NULL));
}
