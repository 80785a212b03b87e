/* SPDX-License-Identifier: ISC */
/*
 * Table tests for common/wire_ctl.c, the decoding side: CtlRequest and
 * CtlReply built from the generated structs with one field out of bounds,
 * and as raw bytes (garbage, a NUL inside a string, an unknown field).
 * Same scheme as wire_test.c, with the fixtures of wire_fixture.h: every
 * rejection checks the errstr and that *out was left alone; ASan/valgrind
 * catch leaks of what a half-decoded message had allocated.  The load
 * balancers' fields are in wire_lb_test.c.
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

/* ---- decode rejections, built from the generated structs ---------------- */

static Fleet__RelayStatus *many_relays[WIRE_RELAYS_MAX + 1];
static char *many_names[WIRE_RELAYS_MAX + 1];
static Fleet__Event *many_events[WIRE_EVENTS_MAX + 1];
static Fleet__Window *many_windows[WIRE_WINDOWS_MAX + 1];
static Fleet__ProviderHealth *many_health[WIRE_HEALTH_MAX + 1];
static Fleet__HealthWindow *many_hw[WIRE_HEALTH_WINDOWS + 1];

/* clang-format off */
static void pb_cq_version_missing(struct pb_all *m) { m->cq.has_version = 0; }
static void pb_cq_op_unknown(struct pb_all *m) { m->cq.op = (Fleet__CtlRequest__Op)(WIRE_CTL_LAST + 1); }
static void pb_cq_op_unspec(struct pb_all *m) { m->cq.op = FLEET__CTL_REQUEST__OP__OP_UNSPEC; }
static void pb_cq_op_last(struct pb_all *m) { m->cq.op = FLEET__CTL_REQUEST__OP__OP_LB; }
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
pb_relays_many(struct pb_all *m)
{
	for (size_t i = 0; i <= WIRE_RELAYS_MAX; i++)
		many_relays[i] = &m->rs;
	m->cr.n_relays = WIRE_RELAYS_MAX + 1;
	m->cr.relays = many_relays;
}

static struct pb_case pb_cases[] = {
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

/* ---- decode rejections, raw bytes --------------------------------------- */

static void
raw_wiretype(struct buf *b)
{
	b->len = 2;
	b->p = xmalloc(b->len);
	b->p[0] = 0x0f; /* field 1, wire type 7 */
	b->p[1] = 0x00;
}

static void
pb_relay_marker(struct pb_all *m)
{
	m->cq.relay = "ab@@cd";
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

static struct raw_case raw_cases[] = {
    {"raw: empty ctl reply", K_CTL_REPLY, raw_empty, "version"},
    {"raw: garbage ctl request", K_CTL_REQUEST, raw_garbage,
        "malformed message"},
    {"raw: garbage ctl reply", K_CTL_REPLY, raw_garbage, "malformed message"},
    {"raw: wire type 7", K_CTL_REQUEST, raw_wiretype, "malformed message"},
    {"raw: ctl reply over WIRE_MAX_MSG", K_CTL_REPLY, raw_too_large,
        "message too large"},
    {"raw: NUL in relay", K_CTL_REQUEST, raw_nul_relay, "NUL in string"},
    {"raw: NUL in relays[1]", K_CTL_REQUEST, raw_nul_relays, "NUL in string"},
    {"raw: NUL in event sample text", K_CTL_REPLY, raw_nul_event_text,
        "NUL in string"},
    {"raw: NUL in window relays[0]", K_CTL_REPLY, raw_nul_window_relays,
        "NUL in string"},
    {"raw: unknown field", K_CTL_REQUEST, raw_unknown_field, NULL},
};

int
main(void)
{
	struct CMUnitTest t[NELEM(pb_cases) + NELEM(raw_cases)];
	size_t n = 0;

	for (size_t i = 0; i < NELEM(pb_cases); i++)
		add_case(t, &n, pb_cases[i].name, test_pb, &pb_cases[i]);
	for (size_t i = 0; i < NELEM(raw_cases); i++)
		add_case(t, &n, raw_cases[i].name, test_raw, &raw_cases[i]);
	return (_cmocka_run_group_tests("wire_ctl_decode", t, n, NULL, NULL));
}
