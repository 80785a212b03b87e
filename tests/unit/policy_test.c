/* SPDX-License-Identifier: ISC */
/*
 * controller/policy, specified from policy.h and docs/policy.md: each
 * entry of `cases` is a timeline on simulated time (Reports fed through
 * controller/health first, ticks, operator verbs, restarts through the
 * JSON persistence) with the states, intents, weights and events expected
 * after each step.  A small interpreter runs one case per cmocka test.
 * Direct tests cover the built-in rules, the floor's rounding and the
 * relay JSON round trip.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../controller/health.h"
#include "../../controller/policy.h"
#include "util.h"

#define T0   1699999200ULL /* an hour boundary: every `at` is after it */
#define M(x) ((uint64_t)(x)*60)
#define H(x) ((uint64_t)(x)*3600)

#define RELAYS_MAX        16
#define STEP_COUNTERS_MAX 4
#define NITEMS(a)         (sizeof(a) / sizeof((a)[0]))

enum step_op {
	OP_END, /* zero: ends a case */
	OP_REPORT,
	OP_TICK,
	OP_DRAIN,
	OP_ENABLE,
	OP_WINDOW_ADD,
	OP_WINDOW_CANCEL,
	OP_RESTART,
	OP_EXPECT,
	OP_EXPECT_EVENT,
	OP_EXPECT_EV_REASON,
	OP_EXPECT_COUNTS,
	OP_EXPECT_NEVENTS,
	OP_EXPECT_UNTIL,
	OP_EXPECT_RULE,
	OP_EXPECT_RELAY_REASON,
	OP_EXPECT_IN_SERVICE,
	OP_EXPECT_WINDOW,
	OP_EXPECT_NWINDOWS,
	OP_EXPECT_NMARKS,
};

struct step_counter {
	const char *provider; /* NULL: unused slot */
	enum reason_class cls;
	enum delivery_status status;
	uint32_t count;
};

/*
 * One step.  Inputs happen at T0 + at; expectations look at the relays
 * now and at the events of the last input step.
 */
struct step {
	enum step_op op;
	uint64_t at;
	size_t relay;
	struct step_counter c[STEP_COUNTERS_MAX];
	const char *check; /* a self check in the Report */
	enum check_state check_state;
	bool has_queue; /* a queue snapshot in the Report */
	uint32_t deferred;
	bool flag; /* force; enable --now; open-ended; an invalid snapshot */
	uint64_t t1, t2; /* drain until (0 open-ended); window start, end */
	const char *name, *relays, *hosting; /* windows */
	const char *err; /* verbs: NULL succeeds, else refused naming err */
	enum policy_state state;
	enum policy_intent intent;
	uint32_t weight;
	enum policy_event_kind kind;
	bool any_state;
	const char *text, *text2;
	size_t n;
};

struct policy_case {
	const char *name;
	size_t nrelays;      /* 0: 4; relay i is "r<i>", hosting-a or -b */
	uint32_t min_active; /* 0: the default 50%; else a count */
	uint64_t hold_max_s; /* 0: the default */
	bool silent_alerts;  /* else agent_silent 0: quiet ticks */
	const struct step *steps;
};

/*
 * The table reads as a timeline: one input per line, its expectations
 * after it.  clang-format would pack the steps into paragraphs.
 */
/* clang-format off */
#define STEPS(...) ((const struct step[]){__VA_ARGS__, {.op = OP_END}})

/* Inputs. */
#define REPORT(t, r, prov, cl, st, cnt) \
	{.op = OP_REPORT, .at = (t), .relay = (r), \
	    .c = {{(prov), CLASS_##cl, STATUS_##st, (cnt)}}}
#define C(prov, cl, st, cnt) {(prov), CLASS_##cl, STATUS_##st, (cnt)}
#define REPORTN(t, r, ...) \
	{.op = OP_REPORT, .at = (t), .relay = (r), .c = {__VA_ARGS__}}
#define CHECK(t, r, nm, cs) \
	{.op = OP_REPORT, .at = (t), .relay = (r), .check = (nm), \
	    .check_state = CHECK_##cs}
#define QUEUE(t, r, d) \
	{.op = OP_REPORT, .at = (t), .relay = (r), .has_queue = true, \
	    .deferred = (d)}
/* A snapshot the agent could not take: counts for nothing. */
#define QUEUE_INVALID(t, r, d) \
	{.op = OP_REPORT, .at = (t), .relay = (r), .has_queue = true, \
	    .deferred = (d), .flag = true}
#define TICK(t) {.op = OP_TICK, .at = (t)}
#define DRAIN(t, r, until, force, e) \
	{.op = OP_DRAIN, .at = (t), .relay = (r), .t1 = (until), \
	    .flag = (force), .err = (e)}
#define ENABLE(t, r, now, e) \
	{.op = OP_ENABLE, .at = (t), .relay = (r), .flag = (now), .err = (e)}
#define WINDOW_ADD(t, nm, rl, host, start, end, force, e) \
	{.op = OP_WINDOW_ADD, .at = (t), .name = (nm), .relays = (rl), \
	    .hosting = (host), .t1 = (start), .t2 = (end), .flag = (force), \
	    .err = (e)}
#define WINDOW_CANCEL(t, nm, e) \
	{.op = OP_WINDOW_CANCEL, .at = (t), .name = (nm), .err = (e)}
#define RESTART(t) {.op = OP_RESTART, .at = (t)}

/* A block from a drain provider, as Microsoft's S3150 is classified. */
#define BLOCK(t, r, prov) REPORT(t, r, prov, IP_BLOCKED, BOUNCED, 1)
#define THROTTLE(t, r, n) REPORT(t, r, "outlook", IP_THROTTLED, DEFERRED, n)

/* Expectations. */
#define EXPECT(r, st, in, w) \
	{.op = OP_EXPECT, .relay = (r), .state = POLICY_##st, \
	    .intent = POLICY_INTENT_##in, .weight = (w)}
#define EXPECT_EVENT(r, k, to, rule) \
	{.op = OP_EXPECT_EVENT, .relay = (r), .kind = POLICY_EV_##k, \
	    .state = POLICY_##to, .text = (rule)}
#define EXPECT_EVENT_P(r, k, to, rule, prov) \
	{.op = OP_EXPECT_EVENT, .relay = (r), .kind = POLICY_EV_##k, \
	    .state = POLICY_##to, .text = (rule), .text2 = (prov)}
#define EXPECT_EVENT_ANY(r, k, rule) \
	{.op = OP_EXPECT_EVENT, .relay = (r), .kind = POLICY_EV_##k, \
	    .any_state = true, .text = (rule)}
#define EXPECT_EV_REASON(r, k, s) \
	{.op = OP_EXPECT_EV_REASON, .relay = (r), .kind = POLICY_EV_##k, \
	    .text = (s)}
#define EXPECT_COUNTS(r, s) {.op = OP_EXPECT_COUNTS, .relay = (r), .text = (s)}
#define EXPECT_NEVENTS(k) {.op = OP_EXPECT_NEVENTS, .n = (k)}
#define EXPECT_NO_EVENT EXPECT_NEVENTS(0)
#define EXPECT_UNTIL(r, u) {.op = OP_EXPECT_UNTIL, .relay = (r), .t1 = (u)}
#define EXPECT_OPEN(r) {.op = OP_EXPECT_UNTIL, .relay = (r), .flag = true}
#define EXPECT_RULE(r, rule, prov) \
	{.op = OP_EXPECT_RULE, .relay = (r), .text = (rule), .text2 = (prov)}
#define EXPECT_RELAY_REASON(r, s) \
	{.op = OP_EXPECT_RELAY_REASON, .relay = (r), .text = (s)}
#define EXPECT_IN_SERVICE(k) {.op = OP_EXPECT_IN_SERVICE, .n = (k)}
#define EXPECT_WINDOW(t, nm, st) \
	{.op = OP_EXPECT_WINDOW, .at = (t), .name = (nm), .text = (st)}
#define EXPECT_NWINDOWS(k) {.op = OP_EXPECT_NWINDOWS, .n = (k)}
#define EXPECT_NMARKS(r, k) {.op = OP_EXPECT_NMARKS, .relay = (r), .n = (k)}

/* Six relays of 14 in maintenance from 1 min to `end`: in service 8. */
#define RACK_OF_SIX(end) \
	WINDOW_ADD(0, "rack1", "r0 r1 r2 r3 r4 r5", NULL, M(1), end, false, \
	    NULL), \
	TICK(M(1)), EXPECT(5, MAINTENANCE, MAINT, 0), EXPECT_IN_SERVICE(8)

static struct policy_case cases[] = {
{.name = "s3150-drained-4h-probation-ramp-active", .steps = STEPS(
	BLOCK(0, 0, "outlook"),
	    EXPECT_NEVENTS(1),
	    EXPECT_EVENT(0, TRANSITION, DRAINED, "ip-blocked"),
	    EXPECT(0, DRAINED, DRAIN, 0), EXPECT_UNTIL(0, H(4)),
	    EXPECT_RULE(0, "ip-blocked", "outlook"), EXPECT_IN_SERVICE(3),
	    EXPECT(1, ACTIVE, READY, 100),
	TICK(H(1)), EXPECT_NO_EVENT, EXPECT(0, DRAINED, DRAIN, 0),
	TICK(H(4) - 1), EXPECT_NO_EVENT, EXPECT(0, DRAINED, DRAIN, 0),
	TICK(H(4)),
	    EXPECT_NEVENTS(1), EXPECT_EVENT(0, TRANSITION, PROBATION, ""),
	    EXPECT(0, PROBATION, READY, 10), EXPECT_IN_SERVICE(4),
	TICK(H(4) + M(15) - 1),
	    EXPECT_NO_EVENT, EXPECT(0, PROBATION, READY, 10),
	TICK(H(4) + M(15)),
	    EXPECT_NEVENTS(1), EXPECT_EVENT(0, TRANSITION, PROBATION, ""),
	    EXPECT(0, PROBATION, READY, 25),
	TICK(H(4) + M(30)), EXPECT(0, PROBATION, READY, 50),
	TICK(H(4) + M(45)), EXPECT(0, PROBATION, READY, 100),
	TICK(H(5) - 1), EXPECT_NO_EVENT, EXPECT(0, PROBATION, READY, 100),
	TICK(H(5)),
	    EXPECT_NEVENTS(1), EXPECT_EVENT(0, TRANSITION, ACTIVE, ""),
	    EXPECT(0, ACTIVE, READY, 100),
	TICK(H(6)), EXPECT_NO_EVENT)},

{.name = "second-block-in-probation-doubles-hold", .steps = STEPS(
	BLOCK(0, 0, "outlook"), EXPECT_UNTIL(0, H(4)),
	TICK(H(4)), EXPECT(0, PROBATION, READY, 10),
	TICK(H(4) + M(15)), EXPECT(0, PROBATION, READY, 25),
	BLOCK(H(4) + M(20), 0, "outlook"),
	    EXPECT_NEVENTS(1),
	    EXPECT_EVENT(0, TRANSITION, DRAINED, "ip-blocked"),
	    EXPECT(0, DRAINED, DRAIN, 0), EXPECT_UNTIL(0, H(12) + M(20)),
	TICK(H(12) + M(20) - 1), EXPECT_NO_EVENT, EXPECT(0, DRAINED, DRAIN, 0),
	TICK(H(12) + M(20)), EXPECT(0, PROBATION, READY, 10))},

{.name = "repeated-blocks-double-to-hold-max-then-reset", .steps = STEPS(
	BLOCK(0, 0, "outlook"), EXPECT_UNTIL(0, H(4)),
	TICK(H(4)),
	BLOCK(H(4) + M(1), 0, "outlook"), EXPECT_UNTIL(0, H(12) + M(1)),
	TICK(H(12) + M(1)), EXPECT(0, PROBATION, READY, 10),
	BLOCK(H(12) + M(2), 0, "outlook"), EXPECT_UNTIL(0, H(28) + M(2)),
	TICK(H(28) + M(2)),
	/* 32 h, capped by hold_max */
	BLOCK(H(28) + M(3), 0, "outlook"), EXPECT_UNTIL(0, H(52) + M(3)),
	TICK(H(52) + M(3)), EXPECT(0, PROBATION, READY, 10),
	/* the last block started more than 24 h ago: no doubling */
	BLOCK(H(52) + M(4), 0, "outlook"),
	    EXPECT(0, DRAINED, DRAIN, 0), EXPECT_UNTIL(0, H(56) + M(4)))},

{.name = "hold-max-12h-caps-every-repeat", .hold_max_s = H(12), .steps = STEPS(
	BLOCK(0, 0, "outlook"), EXPECT_UNTIL(0, H(4)),
	TICK(H(4)),
	BLOCK(H(4) + M(1), 0, "outlook"), EXPECT_UNTIL(0, H(12) + M(1)),
	TICK(H(12) + M(1)),
	BLOCK(H(12) + M(2), 0, "outlook"), EXPECT_UNTIL(0, H(24) + M(2)),
	TICK(H(24) + M(2)),
	BLOCK(H(24) + M(3), 0, "outlook"), EXPECT_UNTIL(0, H(36) + M(3)))},

{.name = "ip-throttled-3-in-10m-blocks-1h", .steps = STEPS(
	THROTTLE(0, 0, 1), EXPECT_NO_EVENT, EXPECT(0, ACTIVE, READY, 100),
	THROTTLE(M(4), 0, 1), EXPECT_NO_EVENT,
	THROTTLE(M(9), 0, 1),
	    EXPECT_NEVENTS(1),
	    EXPECT_EVENT(0, TRANSITION, DRAINED, "ip-throttled"),
	    EXPECT_COUNTS(0, "3 ip_throttled"), EXPECT(0, DRAINED, DRAIN, 0),
	    EXPECT_RULE(0, "ip-throttled", "outlook"),
	    EXPECT_UNTIL(0, H(1) + M(9)),
	TICK(H(1) + M(9)), EXPECT(0, PROBATION, READY, 10))},

{.name = "ip-throttled-2-in-10m-nothing", .steps = STEPS(
	THROTTLE(0, 0, 1),
	THROTTLE(M(5), 0, 1), EXPECT_NO_EVENT,
	/* a third, but from another provider: counted per provider */
	REPORT(M(7), 0, "google", IP_THROTTLED, DEFERRED, 1), EXPECT_NO_EVENT,
	TICK(M(8)),
	TICK(H(1)), EXPECT_NO_EVENT, EXPECT(0, ACTIVE, READY, 100))},

{.name = "ip-throttled-3-over-12m-nothing", .steps = STEPS(
	THROTTLE(0, 0, 1),
	THROTTLE(M(6), 0, 1),
	THROTTLE(M(12), 0, 1), EXPECT_NO_EVENT, EXPECT(0, ACTIVE, READY, 100),
	/* the window slides: 6, 12 and 14 min are within 10 min */
	THROTTLE(M(14), 0, 1),
	    EXPECT_EVENT(0, TRANSITION, DRAINED, "ip-throttled"))},

{.name = "ip-throttled-3-in-one-report", .steps = STEPS(
	REPORT(0, 0, "office365", IP_THROTTLED, DEFERRED, 3),
	    EXPECT_EVENT(0, TRANSITION, DRAINED, "ip-throttled"),
	    EXPECT_RULE(0, "ip-throttled", "office365"),
	    EXPECT_UNTIL(0, H(1)))},

{.name = "ip-blocked-other-provider-suspect-only", .steps = STEPS(
	BLOCK(0, 0, "gmx"),
	    EXPECT_NEVENTS(1),
	    EXPECT_EVENT(0, TRANSITION, SUSPECT, "ip-blocked-other"),
	    EXPECT(0, SUSPECT, READY, 100), EXPECT_UNTIL(0, H(1)),
	    EXPECT_RULE(0, "ip-blocked-other", "gmx"), EXPECT_IN_SERVICE(4),
	TICK(H(1) - 1), EXPECT_NO_EVENT, EXPECT(0, SUSPECT, READY, 100),
	TICK(H(1)),
	    EXPECT_NEVENTS(1), EXPECT_EVENT(0, TRANSITION, ACTIVE, ""),
	    EXPECT(0, ACTIVE, READY, 100))},

{.name = "suspect-repeat-extends-hold-silently", .steps = STEPS(
	BLOCK(0, 0, "gmx"), EXPECT(0, SUSPECT, READY, 100),
	BLOCK(M(30), 0, "gmx"), EXPECT_NO_EVENT, EXPECT(0, SUSPECT, READY, 100),
	TICK(H(1)), EXPECT_NO_EVENT, EXPECT(0, SUSPECT, READY, 100),
	TICK(H(1) + M(30)),
	    EXPECT_EVENT(0, TRANSITION, ACTIVE, ""),
	    EXPECT(0, ACTIVE, READY, 100))},

{.name = "suspect-rule-on-drained-relay-alerts", .steps = STEPS(
	BLOCK(0, 0, "outlook"),
	BLOCK(M(1), 0, "gmx"),
	    EXPECT_NEVENTS(1), EXPECT_EVENT_ANY(0, ALERT, "ip-blocked-other"),
	    EXPECT(0, DRAINED, DRAIN, 0), EXPECT_UNTIL(0, H(4)),
	CHECK(M(2), 0, "dnsbl:bl.example.org", FAIL),
	    EXPECT_NEVENTS(1), EXPECT_EVENT_ANY(0, ALERT, "dnsbl"),
	    EXPECT(0, DRAINED, DRAIN, 0))},

{.name = "one-report-blocked-by-outlook-and-gmx", .steps = STEPS(
	REPORTN(0, 0, C("outlook", IP_BLOCKED, BOUNCED, 1),
	    C("gmx", IP_BLOCKED, BOUNCED, 1)),
	    EXPECT_NEVENTS(2),
	    EXPECT_EVENT_P(0, TRANSITION, DRAINED, "ip-blocked", "outlook"),
	    EXPECT_EVENT_ANY(0, ALERT, "ip-blocked-other"),
	    EXPECT(0, DRAINED, DRAIN, 0), EXPECT_UNTIL(0, H(4)))},

{.name = "deferred-queue-above-10-for-10m-suspect", .steps = STEPS(
	QUEUE(0, 0, 11), EXPECT_NO_EVENT,
	QUEUE(M(5), 0, 40), EXPECT_NO_EVENT,
	/* a Report without a snapshot resets nothing */
	REPORT(M(7), 0, "gmx", DELIVERED, SENT, 20), EXPECT_NO_EVENT,
	TICK(M(10) - 1), EXPECT_NO_EVENT, EXPECT(0, ACTIVE, READY, 100),
	TICK(M(10)),
	    EXPECT_NEVENTS(1),
	    EXPECT_EVENT(0, TRANSITION, SUSPECT, "deferred-queue"),
	    EXPECT(0, SUSPECT, READY, 100), EXPECT_UNTIL(0, M(10) + H(1)),
	/* fires once while the queue stays above */
	QUEUE(M(11), 0, 50), EXPECT_NO_EVENT,
	TICK(M(20)), EXPECT_NO_EVENT,
	TICK(M(10) + H(1)), EXPECT(0, ACTIVE, READY, 100))},

{.name = "deferred-queue-5m-then-reset-nothing", .steps = STEPS(
	QUEUE(0, 0, 11),
	QUEUE(M(5), 0, 11),
	QUEUE(M(6), 0, 4),
	TICK(M(10)),
	TICK(M(11)), EXPECT_NO_EVENT,
	/* above again from 12 min: 10 min later, not before */
	QUEUE(M(12), 0, 11),
	TICK(M(21)), EXPECT_NO_EVENT,
	TICK(M(22)), EXPECT_EVENT(0, TRANSITION, SUSPECT, "deferred-queue"))},

{.name = "deferred-queue-at-10-is-not-above", .steps = STEPS(
	QUEUE(0, 0, 10),
	QUEUE(M(10), 0, 10),
	QUEUE(M(20), 0, 10),
	TICK(M(30)), EXPECT_NO_EVENT, EXPECT(0, ACTIVE, READY, 100))},

{.name = "invalid-queue-snapshot-counts-for-nothing", .steps = STEPS(
	QUEUE(0, 0, 20),
	QUEUE_INVALID(M(4), 0, 0),
	TICK(M(10)), EXPECT_EVENT(0, TRANSITION, SUSPECT, "deferred-queue"),
	QUEUE_INVALID(M(11), 1, 500),
	TICK(M(40)), EXPECT_NO_EVENT, EXPECT(1, ACTIVE, READY, 100))},

{.name = "floor-refuses-second-block-then-window-end-applies-it",
    .nrelays = 14, .steps = STEPS(
	RACK_OF_SIX(H(2)),
	BLOCK(M(2), 6, "outlook"),
	    EXPECT_EVENT(6, TRANSITION, DRAINED, "ip-blocked"),
	    EXPECT_IN_SERVICE(7),
	BLOCK(M(3), 7, "outlook"),
	    EXPECT_NEVENTS(1), EXPECT_EVENT_ANY(7, REFUSED, "ip-blocked"),
	    EXPECT_EV_REASON(7, REFUSED, "min_active"),
	    EXPECT_EV_REASON(7, REFUSED, "ip-blocked"),
	    EXPECT(7, SUSPECT, READY, 50), EXPECT_IN_SERVICE(7),
	/* its block mark is kept: no second refusal, no second halving */
	BLOCK(M(5), 7, "outlook"),
	    EXPECT_NO_EVENT, EXPECT(7, SUSPECT, READY, 50),
	TICK(H(1)), EXPECT_NO_EVENT, EXPECT(7, SUSPECT, READY, 50),
	TICK(H(2)),
	    EXPECT_EVENT(0, TRANSITION, PROBATION, ""),
	    EXPECT(0, PROBATION, READY, 10),
	    EXPECT_EVENT(7, TRANSITION, DRAINED, "ip-blocked"),
	    EXPECT(7, DRAINED, DRAIN, 0), EXPECT_UNTIL(7, H(4) + M(3)),
	    EXPECT_IN_SERVICE(12),
	TICK(H(4) + M(3)), EXPECT(7, PROBATION, READY, 10))},

{.name = "floor-held-block-applied-when-another-relay-returns",
    .nrelays = 14, .steps = STEPS(
	RACK_OF_SIX(H(6)),
	CHECK(M(2), 6, "ptr", FAIL),
	    EXPECT(6, DRAINED, DRAIN, 0), EXPECT_UNTIL(6, H(1) + M(2)),
	BLOCK(M(3), 7, "outlook"), EXPECT(7, SUSPECT, READY, 50),
	TICK(H(1) + M(2)),
	    EXPECT_EVENT(6, TRANSITION, PROBATION, ""),
	    EXPECT_EVENT(7, TRANSITION, DRAINED, "ip-blocked"),
	    EXPECT(7, DRAINED, DRAIN, 0), EXPECT_UNTIL(7, H(4) + M(3)))},

{.name = "floor-held-block-expires-relay-back-to-active",
    .nrelays = 14, .steps = STEPS(
	RACK_OF_SIX(H(6)),
	BLOCK(M(2), 6, "outlook"),
	THROTTLE(M(3), 7, 3),
	    EXPECT_EVENT_ANY(7, REFUSED, "ip-throttled"),
	    EXPECT(7, SUSPECT, READY, 50),
	TICK(H(1)), EXPECT(7, SUSPECT, READY, 50),
	TICK(H(1) + M(3)),
	TICK(H(1) + M(4)), EXPECT(7, ACTIVE, READY, 100),
	TICK(H(6)), EXPECT(7, ACTIVE, READY, 100),
	    EXPECT(0, PROBATION, READY, 10))},

{.name = "floor-refusal-halves-probation-ramp-weight",
    .min_active = 4, .steps = STEPS(
	DRAIN(0, 0, 0, true, NULL), EXPECT(0, CORDONED, DRAIN, 0),
	ENABLE(M(1), 0, false, NULL), EXPECT(0, PROBATION, READY, 10),
	BLOCK(M(2), 0, "outlook"),
	    EXPECT_EVENT_ANY(0, REFUSED, "ip-blocked"),
	    EXPECT_EV_REASON(0, REFUSED, "min_active"),
	    /* it keeps its ramp, at half weight */
	    EXPECT(0, PROBATION, READY, 5), EXPECT_IN_SERVICE(4),
	TICK(M(16)), EXPECT(0, PROBATION, READY, 12))},

{.name = "floor-held-probation-relay-drained-when-capacity-frees",
    .nrelays = 5, .min_active = 4, .steps = STEPS(
	DRAIN(0, 0, 0, true, NULL),
	ENABLE(M(1), 0, false, NULL), EXPECT(0, PROBATION, READY, 10),
	DRAIN(M(2), 1, 0, false, NULL), EXPECT_IN_SERVICE(4),
	BLOCK(M(3), 0, "outlook"),
	    EXPECT_EVENT_ANY(0, REFUSED, "ip-blocked"), EXPECT_IN_SERVICE(4),
	ENABLE(M(4), 1, true, NULL), EXPECT_IN_SERVICE(5),
	TICK(M(5)),
	    EXPECT_EVENT(0, TRANSITION, DRAINED, "ip-blocked"),
	    EXPECT(0, DRAINED, DRAIN, 0), EXPECT_UNTIL(0, H(4) + M(3)))},

{.name = "overlapping-windows-merge-per-relay", .steps = STEPS(
	WINDOW_ADD(0, "kernel-a", "r0", NULL, M(10), H(1), false, NULL),
	WINDOW_ADD(0, "switch-b", "r0 r1", NULL, M(30), H(2), false, NULL),
	    EXPECT_NWINDOWS(2),
	TICK(M(5)), EXPECT_NO_EVENT,
	    EXPECT_WINDOW(M(5), "kernel-a", "scheduled"),
	TICK(M(10)),
	    EXPECT_NEVENTS(1),
	    EXPECT_EVENT(0, TRANSITION, MAINTENANCE, "window"),
	    EXPECT(0, MAINTENANCE, MAINT, 0), EXPECT_RELAY_REASON(0, "kernel-a"),
	    EXPECT_WINDOW(M(10), "kernel-a", "running"),
	    EXPECT_WINDOW(M(10), "switch-b", "scheduled"),
	TICK(M(30)),
	    EXPECT_NEVENTS(1),
	    EXPECT_EVENT(1, TRANSITION, MAINTENANCE, "window"),
	TICK(H(1)),
	    EXPECT_NO_EVENT, EXPECT(0, MAINTENANCE, MAINT, 0),
	    EXPECT_WINDOW(H(1), "kernel-a", "ended"),
	    EXPECT_WINDOW(H(1), "switch-b", "running"),
	TICK(H(2) - 1), EXPECT_NO_EVENT,
	TICK(H(2)),
	    EXPECT_NEVENTS(2), EXPECT(0, PROBATION, READY, 10),
	    EXPECT(1, PROBATION, READY, 10),
	    EXPECT_WINDOW(H(2), "switch-b", "ended"))},

{.name = "window-ends-during-block-drained-until-block-end", .steps = STEPS(
	WINDOW_ADD(0, "kernel", "r0", NULL, M(1), H(1), false, NULL),
	TICK(M(1)), EXPECT(0, MAINTENANCE, MAINT, 0),
	BLOCK(M(10), 0, "outlook"),
	    EXPECT_NEVENTS(1), EXPECT_EVENT_ANY(0, ALERT, "ip-blocked"),
	    EXPECT(0, MAINTENANCE, MAINT, 0),
	TICK(H(1)),
	    EXPECT_EVENT(0, TRANSITION, DRAINED, ""),
	    EXPECT(0, DRAINED, DRAIN, 0), EXPECT_UNTIL(0, H(4) + M(10)),
	    EXPECT_RULE(0, "ip-blocked", "outlook"),
	TICK(H(4) + M(10) - 1), EXPECT(0, DRAINED, DRAIN, 0),
	TICK(H(4) + M(10)), EXPECT(0, PROBATION, READY, 10))},

{.name = "window-outlives-block-probation", .steps = STEPS(
	WINDOW_ADD(0, "kernel", "r0", NULL, M(1), H(6), false, NULL),
	TICK(M(1)),
	BLOCK(M(10), 0, "outlook"),
	TICK(H(4) + M(10)), EXPECT(0, MAINTENANCE, MAINT, 0),
	TICK(H(6)), EXPECT(0, PROBATION, READY, 10))},

{.name = "window-starting-now-applies-by-next-tick", .steps = STEPS(
	TICK(M(5)),
	WINDOW_ADD(M(5), "urgent", "r3", NULL, M(5), H(1), false, NULL),
	TICK(M(5)),
	    EXPECT(3, MAINTENANCE, MAINT, 0),
	    EXPECT_WINDOW(M(5), "urgent", "running"),
	TICK(H(1)), EXPECT(3, PROBATION, READY, 10))},

{.name = "window-cancel-running-and-scheduled", .steps = STEPS(
	WINDOW_ADD(0, "kernel", "r0 r1", NULL, M(1), H(2), false, NULL),
	WINDOW_ADD(0, "later", "r2", NULL, H(3), H(4), false, NULL),
	TICK(M(1)), EXPECT(1, MAINTENANCE, MAINT, 0),
	WINDOW_CANCEL(M(30), "kernel", NULL),
	TICK(M(30)),
	    EXPECT(0, PROBATION, READY, 10), EXPECT(1, PROBATION, READY, 10),
	    EXPECT_WINDOW(M(30), "kernel", "cancelled"),
	WINDOW_CANCEL(M(31), "later", NULL),
	    EXPECT_WINDOW(M(31), "later", "cancelled"),
	WINDOW_CANCEL(M(32), "nosuch", ""),
	TICK(H(3)), EXPECT(2, ACTIVE, READY, 100),
	TICK(H(3) + M(1)), EXPECT(2, ACTIVE, READY, 100))},

{.name = "window-refused-over-max-maintenance-unless-force",
    .nrelays = 14, .steps = STEPS(
	WINDOW_ADD(0, "seven", "r0 r1 r2 r3 r4 r5 r6", NULL, M(10), H(1), false,
	    "max_maintenance"),
	    EXPECT_NO_EVENT, EXPECT_NWINDOWS(0),
	WINDOW_ADD(0, "six", "r0 r1 r2 r3 r4 r5", NULL, M(10), H(1), false,
	    NULL),
	WINDOW_ADD(0, "one-more", "r6", NULL, M(30), H(2), false,
	    "max_maintenance"),
	    EXPECT_NWINDOWS(1),
	/* starts as "six" ends: no overlap */
	WINDOW_ADD(0, "after", "r6", NULL, H(1), H(2), false, NULL),
	WINDOW_ADD(0, "one-more", "r6", NULL, M(30), H(2), true, NULL),
	    EXPECT_NWINDOWS(3),
	TICK(M(30)), EXPECT(6, MAINTENANCE, MAINT, 0), EXPECT_IN_SERVICE(7))},

{.name = "window-refused-by-floor-unless-force", .steps = STEPS(
	WINDOW_ADD(0, "three", "r0 r1 r2", NULL, M(10), H(1), false,
	    "min_active"),
	    EXPECT_NWINDOWS(0),
	WINDOW_ADD(0, "two", "r0 r1", NULL, M(10), H(1), false, NULL),
	/* overlaps "two": three relays out of four */
	WINDOW_ADD(0, "other", "r2", NULL, M(30), H(2), false, "min_active"),
	WINDOW_ADD(0, "other", "r2", NULL, M(30), H(2), true, NULL),
	    EXPECT_NWINDOWS(2),
	TICK(M(30)), EXPECT_IN_SERVICE(1))},

{.name = "window-bad-input-refused", .steps = STEPS(
	WINDOW_ADD(0, "backwards", "r0", NULL, H(1), M(10), false, ""),
	WINDOW_ADD(0, "ghost", "r0 r9", NULL, M(10), H(1), false, ""),
	WINDOW_ADD(0, "nohost", NULL, "hoster-z", M(10), H(1), false, ""),
	WINDOW_ADD(0, "", "r0", NULL, M(10), H(1), false, ""),
	    EXPECT_NWINDOWS(0),
	WINDOW_ADD(0, "rack-a", NULL, "hoster-a", M(10), H(1), false, NULL),
	WINDOW_ADD(0, "rack-a", "r1", NULL, H(2), H(3), false, ""),
	    EXPECT_NWINDOWS(1),
	TICK(M(10)),
	    EXPECT(0, MAINTENANCE, MAINT, 0), EXPECT(2, MAINTENANCE, MAINT, 0),
	    EXPECT(1, ACTIVE, READY, 100), EXPECT(3, ACTIVE, READY, 100),
	WINDOW_ADD(H(2), "past", "r1", NULL, M(10), H(1), false, ""),
	    EXPECT_NWINDOWS(1))},

{.name = "restart-mid-hold", .steps = STEPS(
	BLOCK(0, 0, "outlook"),
	BLOCK(M(5), 1, "gmx"),
	TICK(M(30)),
	RESTART(M(30)),
	    EXPECT(0, DRAINED, DRAIN, 0), EXPECT_UNTIL(0, H(4)),
	    EXPECT(1, SUSPECT, READY, 100),
	/* the block mark survived: nothing new */
	BLOCK(M(40), 0, "outlook"), EXPECT_NO_EVENT,
	TICK(H(1) + M(5)),
	    EXPECT_NEVENTS(1), EXPECT_EVENT(1, TRANSITION, ACTIVE, ""),
	TICK(H(4) - 1), EXPECT_NO_EVENT,
	TICK(H(4)), EXPECT(0, PROBATION, READY, 10),
	/* and so did its hold: a new block doubles it */
	BLOCK(H(4) + M(1), 0, "outlook"), EXPECT_UNTIL(0, H(12) + M(1)))},

{.name = "restart-mid-ramp", .steps = STEPS(
	BLOCK(0, 0, "outlook"),
	TICK(H(4)),
	TICK(H(4) + M(15)),
	TICK(H(4) + M(20)),
	RESTART(H(4) + M(20)), EXPECT(0, PROBATION, READY, 25),
	TICK(H(4) + M(30) - 1), EXPECT_NO_EVENT,
	TICK(H(4) + M(30)), EXPECT_NEVENTS(1), EXPECT(0, PROBATION, READY, 50),
	TICK(H(4) + M(45)), EXPECT(0, PROBATION, READY, 100),
	TICK(H(4) + M(50)),
	RESTART(H(4) + M(50)),
	TICK(H(5)), EXPECT_NEVENTS(1), EXPECT(0, ACTIVE, READY, 100))},

{.name = "restart-in-window-with-held-block",
    .nrelays = 14, .steps = STEPS(
	RACK_OF_SIX(H(2)),
	BLOCK(M(2), 6, "outlook"),
	BLOCK(M(3), 7, "outlook"), EXPECT(7, SUSPECT, READY, 50),
	TICK(M(30)),
	RESTART(M(30)),
	    EXPECT(0, MAINTENANCE, MAINT, 0), EXPECT(7, SUSPECT, READY, 50),
	    EXPECT_WINDOW(M(30), "rack1", "running"),
	TICK(H(2)),
	    EXPECT(0, PROBATION, READY, 10), EXPECT(7, DRAINED, DRAIN, 0),
	    EXPECT_UNTIL(7, H(4) + M(3)))},

{.name = "agent-silent-3-intervals-one-alert",
    .nrelays = 1, .silent_alerts = true, .steps = STEPS(
	REPORT(0, 0, "gmx", DELIVERED, SENT, 5), EXPECT_NO_EVENT,
	TICK(20),
	TICK(30), EXPECT_NO_EVENT,
	TICK(31),
	    EXPECT_NEVENTS(1), EXPECT_EVENT_ANY(0, ALERT, ""),
	    EXPECT(0, ACTIVE, READY, 100),
	TICK(M(1)), EXPECT_NO_EVENT,
	TICK(M(10)), EXPECT_NO_EVENT, EXPECT(0, ACTIVE, READY, 100),
	RESTART(M(10)),
	TICK(M(11) - 1), EXPECT_NO_EVENT,
	REPORT(M(11), 0, "gmx", DELIVERED, SENT, 5),
	    EXPECT_NEVENTS(1), EXPECT_EV_REASON(0, ALERT, "reporting again"),
	TICK(M(11) + 30), EXPECT_NO_EVENT,
	TICK(M(11) + 31),
	    EXPECT_NEVENTS(1), EXPECT_EVENT_ANY(0, ALERT, ""),
	    EXPECT(0, ACTIVE, READY, 100))},

{.name = "agent-never-reporting-alerts-per-relay",
    .nrelays = 2, .silent_alerts = true, .steps = STEPS(
	REPORT(10, 0, "gmx", DELIVERED, SENT, 1),
	REPORT(20, 0, "gmx", DELIVERED, SENT, 1),
	TICK(30), EXPECT_NO_EVENT,
	REPORT(30, 0, "gmx", DELIVERED, SENT, 1),
	TICK(31),
	    EXPECT_NEVENTS(1), EXPECT_EVENT_ANY(1, ALERT, ""),
	    EXPECT(1, ACTIVE, READY, 100))},

{.name = "storm-auth-content-unknown-user-never-drains", .steps = STEPS(
	REPORTN(0, 0, C("outlook", AUTH, BOUNCED, 300),
	    C("outlook", CONTENT, BOUNCED, 300),
	    C("outlook", UNKNOWN_USER, BOUNCED, 500),
	    C("outlook", AUTH, DEFERRED, 200)),
	    EXPECT_NO_EVENT,
	REPORTN(M(1), 0, C("outlook", UNKNOWN_USER, BOUNCED, 900),
	    C("google", AUTH, BOUNCED, 400), C("yahoo", CONTENT, DEFERRED, 400),
	    C("apple", UNKNOWN_USER, BOUNCED, 400)),
	    EXPECT_NO_EVENT,
	REPORTN(M(2), 0, C("outlook", CONTENT, DEFERRED, 700),
	    C("outlook", AUTH, BOUNCED, 700)),
	    EXPECT_NO_EVENT,
	TICK(M(10)), EXPECT_NO_EVENT, EXPECT(0, ACTIVE, READY, 100))},

{.name = "storm-of-other-recipient-classes-never-drains", .steps = STEPS(
	REPORTN(0, 0, C("outlook", MAILBOX_FULL, DEFERRED, 300),
	    C("outlook", GREYLISTED, DEFERRED, 300),
	    C("outlook", RECIPIENT_LIMIT, DEFERRED, 300),
	    C("outlook", DOMAIN_REPUTATION, BOUNCED, 300)),
	REPORTN(M(1), 0, C("outlook", BUSY, DEFERRED, 300),
	    C("outlook", TLS, DEFERRED, 300), C("outlook", DNS, DEFERRED, 300),
	    C("outlook", OTHER, BOUNCED, 300)),
	    EXPECT_NO_EVENT,
	TICK(M(10)), EXPECT_NO_EVENT, EXPECT(0, ACTIVE, READY, 100))},

{.name = "duplicate-report-changes-nothing", .steps = STEPS(
	THROTTLE(0, 0, 2), EXPECT_NO_EVENT,
	/* the duplicate: already counted, so not fed again */
	TICK(M(1)), EXPECT_NO_EVENT, EXPECT(0, ACTIVE, READY, 100),
	THROTTLE(M(2), 0, 1),
	    EXPECT_EVENT(0, TRANSITION, DRAINED, "ip-throttled"),
	    EXPECT_UNTIL(0, H(1) + M(2)),
	TICK(M(3)), EXPECT_NO_EVENT, EXPECT_UNTIL(0, H(1) + M(2)),
	REPORT(M(4), 0, "outlook", DELIVERED, SENT, 1),
	    EXPECT_NO_EVENT, EXPECT_UNTIL(0, H(1) + M(2)))},

{.name = "ptr-check-failing-drains-relay-wide", .steps = STEPS(
	CHECK(0, 0, "ptr", FAIL),
	    EXPECT_NEVENTS(1), EXPECT_EVENT(0, TRANSITION, DRAINED, "ptr"),
	    EXPECT(0, DRAINED, DRAIN, 0), EXPECT_RULE(0, "ptr", ""),
	    EXPECT_UNTIL(0, H(1)),
	TICK(H(1)), EXPECT(0, PROBATION, READY, 10))},

{.name = "ptr-helo-fcrdns-checks-and-errors", .steps = STEPS(
	CHECK(0, 0, "ptr", ERROR),
	CHECK(0, 0, "fcrdns", OK),
	    EXPECT_NO_EVENT, EXPECT(0, ACTIVE, READY, 100),
	CHECK(M(1), 1, "helo", FAIL),
	    EXPECT_EVENT(1, TRANSITION, DRAINED, "ptr"),
	CHECK(M(2), 2, "fcrdns", FAIL),
	    EXPECT_EVENT(2, TRANSITION, DRAINED, "ptr"), EXPECT_IN_SERVICE(2))},

{.name = "ptr-class-result-drains-relay-wide", .steps = STEPS(
	REPORT(0, 0, "google", PTR, BOUNCED, 1),
	    EXPECT_EVENT(0, TRANSITION, DRAINED, "ptr"),
	    EXPECT_RULE(0, "ptr", ""), EXPECT_UNTIL(0, H(1)))},

{.name = "dnsbl-listing-suspect", .steps = STEPS(
	CHECK(0, 0, "dnsbl:zen.spamhaus.org", FAIL),
	    EXPECT_NEVENTS(1), EXPECT_EVENT(0, TRANSITION, SUSPECT, "dnsbl"),
	    EXPECT(0, SUSPECT, READY, 100), EXPECT_UNTIL(0, H(1)),
	TICK(H(1)), EXPECT(0, ACTIVE, READY, 100))},

{.name = "network-errors-3-providers-no-delivery-drains", .steps = STEPS(
	REPORTN(0, 0, C("outlook", NETWORK, DEFERRED, 2),
	    C("google", NETWORK, DEFERRED, 1)),
	    EXPECT_NO_EVENT,
	REPORT(M(3), 0, "yahoo", NETWORK, DEFERRED, 1),
	    EXPECT_NEVENTS(1), EXPECT_EVENT(0, TRANSITION, DRAINED, "network"),
	    EXPECT_RULE(0, "network", ""), EXPECT_UNTIL(0, M(33)),
	TICK(M(33)), EXPECT(0, PROBATION, READY, 10))},

{.name = "network-errors-with-one-delivery-nothing", .steps = STEPS(
	REPORTN(0, 0, C("outlook", NETWORK, DEFERRED, 2),
	    C("google", NETWORK, DEFERRED, 1)),
	REPORT(M(1), 0, "gmx", DELIVERED, SENT, 1),
	REPORT(M(3), 0, "yahoo", NETWORK, DEFERRED, 1),
	    EXPECT_NO_EVENT, EXPECT(0, ACTIVE, READY, 100),
	/* the delivery is out of the window now */
	REPORTN(M(12), 0, C("outlook", NETWORK, DEFERRED, 1),
	    C("google", NETWORK, DEFERRED, 1)),
	    EXPECT_EVENT(0, TRANSITION, DRAINED, "network"))},

{.name = "operator-drain-floor-refused-unless-force", .steps = STEPS(
	DRAIN(0, 0, 0, false, NULL),
	    EXPECT_EVENT(0, OPERATOR, CORDONED, ""),
	    EXPECT(0, CORDONED, DRAIN, 0), EXPECT_OPEN(0),
	    EXPECT_RELAY_REASON(0, "disk swap"),
	DRAIN(M(1), 1, 0, false, NULL), EXPECT_IN_SERVICE(2),
	DRAIN(M(2), 2, 0, false, "min_active"),
	    EXPECT_NO_EVENT, EXPECT(2, ACTIVE, READY, 100),
	DRAIN(M(3), 2, 0, true, NULL),
	    EXPECT_EVENT(2, OPERATOR, CORDONED, ""),
	    EXPECT(2, CORDONED, DRAIN, 0), EXPECT_IN_SERVICE(1),
	TICK(H(30)), EXPECT_NO_EVENT, EXPECT(0, CORDONED, DRAIN, 0))},

/* the relay's rule says who decided: "operator:NAME", "window:NAME" */
{.name = "cordon-and-window-rule-names", .steps = STEPS(
	WINDOW_ADD(0, "kernel", "r1", NULL, M(1), H(1), false, NULL),
	DRAIN(0, 0, 0, false, NULL),
	    EXPECT_RULE(0, "operator:alice", ""),
	    EXPECT_RELAY_REASON(0, "disk swap"),
	TICK(M(1)),
	    EXPECT_RULE(1, "window:kernel", ""),
	    EXPECT_RELAY_REASON(1, "kernel"))},

{.name = "operator-drain-for-ends-in-probation", .steps = STEPS(
	DRAIN(0, 0, M(30), false, NULL), EXPECT_UNTIL(0, M(30)),
	TICK(M(30) - 1), EXPECT(0, CORDONED, DRAIN, 0),
	TICK(M(30)), EXPECT(0, PROBATION, READY, 10))},

{.name = "cordon-ends-during-block-drained", .steps = STEPS(
	DRAIN(0, 0, H(1), false, NULL),
	BLOCK(M(10), 0, "outlook"),
	    EXPECT_NEVENTS(1), EXPECT_EVENT_ANY(0, ALERT, "ip-blocked"),
	    EXPECT(0, CORDONED, DRAIN, 0), EXPECT_UNTIL(0, H(1)),
	TICK(H(1)),
	    EXPECT_EVENT(0, TRANSITION, DRAINED, ""),
	    EXPECT(0, DRAINED, DRAIN, 0), EXPECT_UNTIL(0, H(4) + M(10)),
	TICK(H(4) + M(10)), EXPECT(0, PROBATION, READY, 10))},

{.name = "operator-drain-over-auto-drain-then-block-resumes", .steps = STEPS(
	BLOCK(0, 0, "outlook"),
	DRAIN(M(5), 0, H(1), false, NULL),
	    EXPECT(0, CORDONED, DRAIN, 0), EXPECT_IN_SERVICE(3),
	TICK(H(1)), EXPECT(0, DRAINED, DRAIN, 0), EXPECT_UNTIL(0, H(4)),
	TICK(H(4)), EXPECT(0, PROBATION, READY, 10))},

{.name = "enable-probation-vs-enable-now", .steps = STEPS(
	DRAIN(0, 0, 0, false, NULL),
	DRAIN(0, 1, 0, false, NULL),
	ENABLE(M(5), 0, false, NULL),
	    EXPECT_EVENT(0, OPERATOR, PROBATION, ""),
	    EXPECT(0, PROBATION, READY, 10),
	ENABLE(M(5), 1, true, NULL),
	    EXPECT_EVENT(1, OPERATOR, ACTIVE, ""),
	    EXPECT(1, ACTIVE, READY, 100),
	/* an active relay: nothing to do */
	ENABLE(M(6), 2, false, NULL),
	    EXPECT_NO_EVENT, EXPECT(2, ACTIVE, READY, 100),
	TICK(M(20)), EXPECT(0, PROBATION, READY, 25))},

/* enable ends the hold but not its memory: a block soon after doubles */
{.name = "enable-ends-block-remembers-it", .steps = STEPS(
	BLOCK(0, 0, "outlook"),
	ENABLE(M(5), 0, false, NULL), EXPECT(0, PROBATION, READY, 10),
	TICK(M(6)), EXPECT(0, PROBATION, READY, 10),
	BLOCK(M(10), 0, "outlook"),
	    EXPECT(0, DRAINED, DRAIN, 0), EXPECT_UNTIL(0, H(8) + M(10)),
	/* a day after the first block it is a first block again */
	ENABLE(H(9), 0, true, NULL), EXPECT(0, ACTIVE, READY, 100),
	BLOCK(H(33), 0, "outlook"), EXPECT_UNTIL(0, H(37)))},

{.name = "enable-refused-in-window-drain-allowed", .steps = STEPS(
	WINDOW_ADD(0, "kernel", "r0", NULL, M(1), H(1), false, NULL),
	TICK(M(1)),
	ENABLE(M(2), 0, true, ""),
	    EXPECT_NO_EVENT, EXPECT(0, MAINTENANCE, MAINT, 0),
	/* the cordon wins over the window */
	DRAIN(M(3), 0, 0, false, NULL), EXPECT(0, CORDONED, DRAIN, 0),
	TICK(H(1)), EXPECT(0, CORDONED, DRAIN, 0),
	ENABLE(H(1) + M(1), 0, false, NULL), EXPECT(0, PROBATION, READY, 10))},

{.name = "drained-relay-blocked-by-another-provider", .steps = STEPS(
	BLOCK(0, 0, "outlook"), EXPECT_UNTIL(0, H(4)),
	BLOCK(H(1), 0, "google"),
	    EXPECT_NEVENTS(1),
	    EXPECT_EVENT_P(0, TRANSITION, DRAINED, "ip-blocked", "google"),
	    EXPECT_UNTIL(0, H(5)), EXPECT_RULE(0, "ip-blocked", "google"),
	TICK(H(4)), EXPECT_NO_EVENT, EXPECT(0, DRAINED, DRAIN, 0),
	TICK(H(5)), EXPECT(0, PROBATION, READY, 10))},

{.name = "marks-dropped-24h-after-their-hold", .steps = STEPS(
	BLOCK(0, 0, "outlook"),
	BLOCK(M(1), 1, "gmx"), EXPECT_NMARKS(0, 1), EXPECT_NMARKS(1, 1),
	TICK(H(27)), EXPECT_NMARKS(0, 1), EXPECT_NMARKS(1, 0),
	TICK(H(29)), EXPECT_NMARKS(0, 0), EXPECT(0, ACTIVE, READY, 100))},

/* a held drain keeps a probation relay at its last step, then it goes on */
{.name = "floor-held-probation-waits-at-last-step", .min_active = 2,
    .steps = STEPS(
	BLOCK(0, 0, "outlook"), EXPECT(0, DRAINED, DRAIN, 0),
	DRAIN(0, 1, 0, true, NULL), DRAIN(0, 2, 0, true, NULL),
	TICK(H(4)), EXPECT(0, PROBATION, READY, 10), EXPECT_IN_SERVICE(2),
	BLOCK(H(4) + M(1), 0, "google"),
	    EXPECT_EVENT_ANY(0, REFUSED, "ip-blocked"),
	    EXPECT(0, PROBATION, READY, 5),
	TICK(H(4) + M(45)), EXPECT(0, PROBATION, READY, 50),
	TICK(H(5)), EXPECT_NO_EVENT, EXPECT(0, PROBATION, READY, 50),
	TICK(H(7)), EXPECT(0, PROBATION, READY, 50),
	/* google's first block held 4 h: full weight, then active */
	TICK(H(8) + M(1)),
	    EXPECT_EVENT(0, TRANSITION, PROBATION, "floor"),
	    EXPECT_EVENT(0, TRANSITION, ACTIVE, "ramp"),
	    EXPECT(0, ACTIVE, READY, 100))},

/* ... and is drained as soon as another relay brings capacity back */
{.name = "floor-held-probation-drained-when-capacity-returns",
    .min_active = 2, .steps = STEPS(
	BLOCK(0, 0, "outlook"),
	DRAIN(0, 1, 0, true, NULL), DRAIN(0, 2, 0, true, NULL),
	TICK(H(4)),
	BLOCK(H(4) + M(1), 0, "google"), EXPECT(0, PROBATION, READY, 5),
	ENABLE(H(4) + M(2), 1, true, NULL), EXPECT_IN_SERVICE(3),
	TICK(H(4) + M(3)),
	    EXPECT_EVENT(0, TRANSITION, DRAINED, "ip-blocked"),
	    EXPECT(0, DRAINED, DRAIN, 0), EXPECT_UNTIL(0, H(8) + M(1)),
	TICK(H(8) + M(1)), EXPECT(0, PROBATION, READY, 10))},

/* a full mark table never drops a block that still holds */
{.name = "full-mark-table-keeps-the-live-block", .steps = STEPS(
	THROTTLE(0, 0, 3), EXPECT(0, DRAINED, DRAIN, 0), EXPECT_UNTIL(0, H(1)),
	REPORTN(M(1), 0, C("p01", IP_BLOCKED, BOUNCED, 1),
	    C("p02", IP_BLOCKED, BOUNCED, 1), C("p03", IP_BLOCKED, BOUNCED, 1),
	    C("p04", IP_BLOCKED, BOUNCED, 1)),
	REPORTN(M(1), 0, C("p05", IP_BLOCKED, BOUNCED, 1),
	    C("p06", IP_BLOCKED, BOUNCED, 1), C("p07", IP_BLOCKED, BOUNCED, 1),
	    C("p08", IP_BLOCKED, BOUNCED, 1)),
	REPORTN(M(1), 0, C("p09", IP_BLOCKED, BOUNCED, 1),
	    C("p10", IP_BLOCKED, BOUNCED, 1), C("p11", IP_BLOCKED, BOUNCED, 1),
	    C("p12", IP_BLOCKED, BOUNCED, 1)),
	REPORTN(M(1), 0, C("p13", IP_BLOCKED, BOUNCED, 1),
	    C("p14", IP_BLOCKED, BOUNCED, 1), C("p15", IP_BLOCKED, BOUNCED, 1),
	    C("p16", IP_BLOCKED, BOUNCED, 1)),
	    EXPECT_NMARKS(0, 16),
	TICK(M(30)), EXPECT(0, DRAINED, DRAIN, 0), EXPECT_UNTIL(0, H(1)),
	TICK(H(1)), EXPECT(0, PROBATION, READY, 10))},

/* an ended or cancelled window keeps its name for a day */
{.name = "window-name-not-reused-while-remembered", .steps = STEPS(
	WINDOW_ADD(0, "w1", "r0", NULL, H(24), H(26), false, NULL),
	WINDOW_CANCEL(M(1), "w1", NULL),
	WINDOW_ADD(M(2), "w1", "r0", NULL, M(2), H(2), false, "exists"),
	WINDOW_ADD(M(2), "w2", "r0", NULL, M(2), H(2), false, NULL),
	TICK(M(2)), EXPECT(0, MAINTENANCE, MAINT, 0),
	RESTART(M(3)), EXPECT(0, MAINTENANCE, MAINT, 0),
	TICK(H(2)), EXPECT(0, PROBATION, READY, 10))},

/* a cordon that ends inside a running window goes straight to it */
{.name = "cordon-ends-inside-a-window", .steps = STEPS(
	DRAIN(0, 0, M(30), false, NULL),
	WINDOW_ADD(M(1), "w1", "r0", NULL, M(1), H(1), false, NULL),
	TICK(M(2)), EXPECT(0, CORDONED, DRAIN, 0),
	TICK(M(30)), EXPECT_NEVENTS(1),
	    EXPECT_EVENT(0, TRANSITION, MAINTENANCE, "window:w1"),
	    EXPECT(0, MAINTENANCE, MAINT, 0),
	TICK(H(1)), EXPECT(0, PROBATION, READY, 10))},
};
/* clang-format on */

/* One case being run. */
struct run {
	const char *name;
	const struct step *steps;
	size_t nstep;
	uint64_t now; /* the last input's time */
	uint64_t seq;
	struct policy_conf conf;
	char names[RELAYS_MAX][24];
	struct policy_relay_conf relays[RELAYS_MAX];
	size_t nrelays;
	struct health *h;
	struct policy *p;
	struct policy_out out; /* the events of the last input */
};

static void run_fail(const struct run *run, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
run_fail(const struct run *run, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail_msg("%s: step %zu (t=+%llus): %s", run->name, run->nstep,
	    (unsigned long long)(run->now - T0), msg);
}

static void
run_dump_events(const struct run *run)
{
	const struct policy_event *e;
	size_t i;

	for (i = 0; i < run->out.n; i++) {
		e = &run->out.ev[i];
		print_message(
		    "  event %zu: relay %zu %s %s -> %s rule '%s' "
		    "provider '%s' weight %u until %llu reason '%s'\n",
		    i, e->relay, policy_event_kind_name(e->kind),
		    policy_state_name(e->from), policy_state_name(e->to),
		    e->rule, e->provider, e->weight,
		    (unsigned long long)e->until, e->reason);
	}
}

static void
run_conf(struct run *run, const struct policy_case *c)
{
	const char *errstr = NULL;

	policy_conf_defaults(&run->conf);
	if (c->min_active != 0) {
		run->conf.min_active = c->min_active;
		run->conf.min_active_pct = false;
	}
	if (c->hold_max_s != 0)
		run->conf.hold_max_s = c->hold_max_s;
	if (!c->silent_alerts)
		run->conf.agent_silent = 0;
	if (policy_conf_finish(&run->conf, &errstr) != 0)
		fail_msg("%s: policy_conf_finish: %s", c->name, errstr);
}

static struct run *
run_new(const struct policy_case *c)
{
	struct run *run = calloc(1, sizeof(*run));
	size_t i;

	assert_non_null(run);
	run->name = c->name;
	run->steps = c->steps;
	run->nrelays = c->nrelays != 0 ? c->nrelays : 4;
	assert_true(run->nrelays <= RELAYS_MAX);
	run_conf(run, c);
	for (i = 0; i < run->nrelays; i++) {
		snprintf(run->names[i], sizeof(run->names[i]), "r%zu", i);
		run->relays[i].name = run->names[i];
		run->relays[i].hosting = i % 2 == 0 ? "hoster-a" : "hoster-b";
	}
	run->now = T0;
	run->h = health_new(run->nrelays);
	run->p = policy_new(&run->conf, run->relays, run->nrelays, T0);
	assert_non_null(run->p);
	return (run);
}

static void
run_free(struct run *run)
{
	policy_out_fini(&run->out);
	policy_free(run->p);
	health_free(run->h);
	free(run);
}

/* Starts an input step at T0 + at: time never goes back. */
static uint64_t
run_input(struct run *run, const struct step *s)
{
	if (T0 + s->at < run->now)
		run_fail(run, "the timeline goes back to +%llu",
		    (unsigned long long)s->at);
	run->now = T0 + s->at;
	policy_out_fini(&run->out);
	memset(&run->out, 0, sizeof(run->out));
	return (run->now);
}

/* Every event names a relay of the fleet and a known kind and state. */
static void
run_check_events(const struct run *run)
{
	const struct policy_event *e;
	size_t i;

	for (i = 0; i < run->out.n; i++) {
		e = &run->out.ev[i];
		if (e->relay >= run->nrelays || e->kind > POLICY_EV_OPERATOR ||
		    e->from > POLICY_STATE_LAST || e->to > POLICY_STATE_LAST) {
			run_dump_events(run);
			run_fail(run, "event %zu is malformed", i);
		}
	}
}

static void
run_report(struct run *run, const struct step *s)
{
	uint64_t t = run_input(run, s);
	struct wire_counter counters[STEP_COUNTERS_MAX];
	struct wire_check check;
	struct wire_report r;
	size_t i;

	memset(&r, 0, sizeof(r));
	memset(counters, 0, sizeof(counters));
	memset(&check, 0, sizeof(check));
	r.epoch = 1;
	r.seq = ++run->seq;
	r.interval_start = t - 10;
	r.interval_end = t;
	for (i = 0; i < STEP_COUNTERS_MAX && s->c[i].provider != NULL; i++) {
		util_strlcpy(counters[i].provider, s->c[i].provider,
		    sizeof(counters[i].provider));
		counters[i].cls = s->c[i].cls;
		counters[i].status = s->c[i].status;
		counters[i].count = s->c[i].count;
		health_add(run->h, s->relay, s->c[i].provider, s->c[i].cls,
		    s->c[i].status, s->c[i].count, t);
	}
	r.n_counters = i;
	r.counters = i > 0 ? counters : NULL;
	if (s->check != NULL) {
		util_strlcpy(check.name, s->check, sizeof(check.name));
		check.state = s->check_state;
		check.checked_at = t;
		r.n_checks = 1;
		r.checks = &check;
	}
	if (s->has_queue) {
		r.has_queue = true;
		r.queue.valid = !s->flag;
		r.queue.taken_at = t;
		r.queue.deferred = s->deferred;
	}
	policy_report(run->p, run->h, s->relay, &r, t, t, &run->out);
}

static void relay_same(const struct run *, size_t, const struct policy_relay *,
    const struct policy_relay *);

/* Fills *w from a WINDOW_ADD step; the caller frees w->relays. */
static void
run_window_build(struct wire_window *w, const struct step *s)
{
	char list[256], *word, *last;
	size_t n = 0;

	memset(w, 0, sizeof(*w));
	util_strlcpy(w->name, s->name, sizeof(w->name));
	if (s->hosting != NULL)
		util_strlcpy(w->hosting, s->hosting, sizeof(w->hosting));
	w->start = T0 + s->t1;
	w->end = T0 + s->t2;
	util_strlcpy(w->reason, "planned work", sizeof(w->reason));
	util_strlcpy(w->created_by, "alice", sizeof(w->created_by));
	if (s->relays == NULL)
		return;
	w->relays = calloc(RELAYS_MAX, sizeof(*w->relays));
	assert_non_null(w->relays);
	util_strlcpy(list, s->relays, sizeof(list));
	for (word = strtok_r(list, " ", &last); word != NULL;
	     word = strtok_r(NULL, " ", &last)) {
		assert_true(n < RELAYS_MAX);
		util_strlcpy(w->relays[n++], word, sizeof(w->relays[0]));
	}
	w->n_relays = n;
}

static void
run_verb(struct run *run, const struct step *s)
{
	uint64_t now = run_input(run, s);
	struct policy_relay before[RELAYS_MAX];
	size_t i, nwindows = policy_nwindows(run->p);
	struct wire_window w;
	char err[256] = "";
	int rv = -2;

	for (i = 0; i < run->nrelays; i++)
		before[i] = *policy_relay(run->p, i);

	switch (s->op) {
	case OP_DRAIN:
		rv = policy_drain(run->p, s->relay, "alice", "disk swap",
		    s->t1 == 0 ? 0 : T0 + s->t1, s->flag, now, &run->out, err,
		    sizeof(err));
		break;
	case OP_ENABLE:
		rv = policy_enable(run->p, s->relay, "alice", s->flag, now,
		    &run->out, err, sizeof(err));
		break;
	case OP_WINDOW_ADD:
		run_window_build(&w, s);
		rv = policy_window_add(
		    run->p, &w, s->flag, now, &run->out, err, sizeof(err));
		free(w.relays);
		break;
	case OP_WINDOW_CANCEL:
		rv = policy_window_cancel(
		    run->p, s->name, "alice", now, &run->out, err, sizeof(err));
		break;
	default:
		run_fail(run, "not a verb");
	}
	if (s->err == NULL && rv != 0)
		run_fail(run, "verb refused: %d '%s'", rv, err);
	if (s->err != NULL && rv != -1)
		run_fail(run, "verb accepted (%d), expected a refusal", rv);
	if (s->err != NULL && (err[0] == '\0' || strstr(err, s->err) == NULL))
		run_fail(run, "refusal '%s' does not name '%s'", err, s->err);
	if (rv != -1)
		return;
	/* a refusal changes nothing */
	if (run->out.n != 0 || policy_nwindows(run->p) != nwindows)
		run_fail(run, "a refusal left events or a window");
	for (i = 0; i < run->nrelays; i++)
		relay_same(run, i, &before[i], policy_relay(run->p, i));
}

static void
relay_same(const struct run *run, size_t r, const struct policy_relay *a,
    const struct policy_relay *b)
{
	size_t i;

#define SAME(f)                                                                \
	do {                                                                   \
		if (a->f != b->f)                                              \
			run_fail(run, "relay %zu: %s %llu became %llu", r, #f, \
			    (unsigned long long)a->f,                          \
			    (unsigned long long)b->f);                         \
	} while (0)
#define SAME_STR(f)                                                            \
	do {                                                                   \
		if (strcmp(a->f, b->f) != 0)                                   \
			run_fail(run, "relay %zu: %s '%s' became '%s'", r, #f, \
			    a->f, b->f);                                       \
	} while (0)
	SAME(state);
	SAME(since);
	SAME(until);
	SAME_STR(rule);
	SAME_STR(provider);
	SAME_STR(reason);
	SAME(intent);
	SAME(weight);
	SAME(ramp_idx);
	SAME(step_at);
	SAME(floor_held);
	SAME(last_report);
	SAME(silent_alerted);
	SAME(deferred_since);
	SAME(deferred_now);
	SAME(deferred_fired);
	SAME(nmarks);
	for (i = 0; i < a->nmarks; i++) {
		SAME_STR(marks[i].provider);
		SAME_STR(marks[i].rule);
		SAME(marks[i].action);
		SAME(marks[i].since);
		SAME(marks[i].until);
		SAME(marks[i].hold_s);
	}
#undef SAME
#undef SAME_STR
}

/* A deep copy of a borrowed window. */
static void
window_copy(struct wire_window *dst, const struct wire_window *src)
{
	*dst = *src;
	dst->relays = NULL;
	if (src->n_relays == 0)
		return;
	dst->relays = calloc(src->n_relays, sizeof(*dst->relays));
	assert_non_null(dst->relays);
	memcpy(dst->relays, src->relays, src->n_relays * sizeof(*src->relays));
}

/*
 * fleetd stops and starts again: every relay through its JSON, every
 * window reloaded, the same health.  Nothing may change and the first
 * tick may decide nothing.
 */
static void
run_restart(struct run *run, const struct step *s)
{
	uint64_t now = run_input(run, s);
	struct policy_relay before[RELAYS_MAX];
	struct wire_window w[WIRE_WINDOWS_MAX];
	char *json[RELAYS_MAX];
	const char *errstr;
	size_t i, nw;

	nw = policy_nwindows(run->p);
	assert_true(nw <= WIRE_WINDOWS_MAX);
	for (i = 0; i < nw; i++)
		window_copy(&w[i], policy_window(run->p, i, now));
	for (i = 0; i < run->nrelays; i++) {
		before[i] = *policy_relay(run->p, i);
		json[i] = policy_relay_to_json(run->p, i);
		assert_non_null(json[i]);
	}
	policy_free(run->p);
	run->p = policy_new(&run->conf, run->relays, run->nrelays, now);
	for (i = 0; i < run->nrelays; i++) {
		errstr = NULL;
		if (policy_relay_from_json(run->p, i, json[i], &errstr) != 0)
			run_fail(run, "relay %zu from_json: %s (%s)", i, errstr,
			    json[i]);
		free(json[i]);
		relay_same(run, i, &before[i], policy_relay(run->p, i));
	}
	for (i = 0; i < nw; i++) {
		if (policy_window_load(run->p, &w[i], &errstr) != 0)
			run_fail(run, "window %s load: %s", w[i].name, errstr);
		free(w[i].relays);
	}
	assert_int_equal(policy_nwindows(run->p), nw);
	policy_tick(run->p, run->h, now, &run->out);
	if (run->out.n != 0) {
		run_dump_events(run);
		run_fail(run, "the first tick after a restart decided things");
	}
	for (i = 0; i < run->nrelays; i++)
		relay_same(run, i, &before[i], policy_relay(run->p, i));
}

static bool
event_matches(const struct policy_event *e, const struct step *s)
{
	if (e->relay != s->relay || e->kind != s->kind)
		return (false);
	switch (s->op) {
	case OP_EXPECT_EVENT:
		return (
		    (s->any_state || e->to == s->state) &&
		    strstr(e->rule, s->text) != NULL &&
		    (s->text2 == NULL || strcmp(e->provider, s->text2) == 0));
	case OP_EXPECT_EV_REASON:
		return (strstr(e->reason, s->text) != NULL);
	default:
		return (false);
	}
}

static void
run_expect_event(const struct run *run, const struct step *s)
{
	size_t i;

	for (i = 0; i < run->out.n; i++)
		if (event_matches(&run->out.ev[i], s))
			return;
	run_dump_events(run);
	run_fail(run, "no %s event for relay %zu (to %s, '%s')",
	    policy_event_kind_name(s->kind), s->relay,
	    s->any_state ? "any" : policy_state_name(s->state), s->text);
}

static void
run_expect_counts(const struct run *run, const struct step *s)
{
	size_t i;

	for (i = 0; i < run->out.n; i++)
		if (run->out.ev[i].relay == s->relay &&
		    strstr(run->out.ev[i].counts, s->text) != NULL)
			return;
	run_dump_events(run);
	for (i = 0; i < run->out.n; i++)
		print_message("  counts %zu: '%s'\n", i, run->out.ev[i].counts);
	run_fail(run, "no event of relay %zu counts '%s'", s->relay, s->text);
}

static void
run_expect_relay(const struct run *run, const struct step *s)
{
	const struct policy_relay *pr = policy_relay(run->p, s->relay);

	if (pr->state != s->state || pr->intent != s->intent ||
	    pr->weight != s->weight)
		run_fail(run, "relay %zu is %s/%s/%u, expected %s/%s/%u",
		    s->relay, policy_state_name(pr->state),
		    policy_intent_name(pr->intent), pr->weight,
		    policy_state_name(s->state), policy_intent_name(s->intent),
		    s->weight);
}

static void
run_expect_until(const struct run *run, const struct step *s)
{
	const struct policy_relay *pr = policy_relay(run->p, s->relay);
	uint64_t want = s->flag ? 0 : T0 + s->t1;

	if (pr->until != want)
		run_fail(run, "relay %zu until +%lld s, expected +%lld s",
		    s->relay, (long long)(pr->until - T0),
		    (long long)(want - T0));
}

static void
run_expect_rule(const struct run *run, const struct step *s)
{
	const struct policy_relay *pr = policy_relay(run->p, s->relay);

	if (strcmp(pr->rule, s->text) != 0 ||
	    strcmp(pr->provider, s->text2) != 0)
		run_fail(run,
		    "relay %zu rule '%s' provider '%s', expected "
		    "'%s' '%s'",
		    s->relay, pr->rule, pr->provider, s->text, s->text2);
}

static void
run_expect_window(const struct run *run, const struct step *s)
{
	const struct wire_window *w;
	size_t i;

	for (i = 0; i < policy_nwindows(run->p); i++) {
		w = policy_window(run->p, i, T0 + s->at);
		if (strcmp(w->name, s->name) != 0)
			continue;
		if (strcmp(w->state, s->text) != 0)
			run_fail(run, "window %s is %s, expected %s", s->name,
			    w->state, s->text);
		return;
	}
	run_fail(run, "no window %s", s->name);
}

static void
run_expect(const struct run *run, const struct step *s)
{
	const struct policy_relay *pr;

	switch (s->op) {
	case OP_EXPECT:
		run_expect_relay(run, s);
		break;
	case OP_EXPECT_EVENT:
	case OP_EXPECT_EV_REASON:
		run_expect_event(run, s);
		break;
	case OP_EXPECT_COUNTS:
		run_expect_counts(run, s);
		break;
	case OP_EXPECT_NEVENTS:
		if (run->out.n != s->n) {
			run_dump_events(run);
			run_fail(
			    run, "%zu events, expected %zu", run->out.n, s->n);
		}
		break;
	case OP_EXPECT_UNTIL:
		run_expect_until(run, s);
		break;
	case OP_EXPECT_RULE:
		run_expect_rule(run, s);
		break;
	case OP_EXPECT_RELAY_REASON:
		pr = policy_relay(run->p, s->relay);
		if (strstr(pr->reason, s->text) == NULL)
			run_fail(run, "relay %zu reason '%s' lacks '%s'",
			    s->relay, pr->reason, s->text);
		break;
	case OP_EXPECT_IN_SERVICE:
		if (policy_in_service(run->p) != s->n)
			run_fail(run, "%zu relays in service, expected %zu",
			    policy_in_service(run->p), s->n);
		break;
	case OP_EXPECT_WINDOW:
		run_expect_window(run, s);
		break;
	case OP_EXPECT_NWINDOWS:
		if (policy_nwindows(run->p) != s->n)
			run_fail(run, "%zu windows, expected %zu",
			    policy_nwindows(run->p), s->n);
		break;
	case OP_EXPECT_NMARKS:
		pr = policy_relay(run->p, s->relay);
		if (pr->nmarks != s->n)
			run_fail(run, "relay %zu has %zu marks, expected %zu",
			    s->relay, pr->nmarks, s->n);
		break;
	default:
		run_fail(run, "not an expectation");
	}
}

static void
run_step(struct run *run, const struct step *s)
{
	switch (s->op) {
	case OP_REPORT:
		run_report(run, s);
		run_check_events(run);
		break;
	case OP_TICK:
		policy_tick(run->p, run->h, run_input(run, s), &run->out);
		run_check_events(run);
		break;
	case OP_DRAIN:
	case OP_ENABLE:
	case OP_WINDOW_ADD:
	case OP_WINDOW_CANCEL:
		run_verb(run, s);
		run_check_events(run);
		break;
	case OP_RESTART:
		run_restart(run, s);
		break;
	default:
		run_expect(run, s);
		break;
	}
}

static void
run_steps(struct run *run, const struct step *steps)
{
	for (run->nstep = 0; steps[run->nstep].op != OP_END; run->nstep++)
		run_step(run, &steps[run->nstep]);
}

/* The case's run lives in the cmocka state: a failure still frees it. */
static int
case_setup(void **state)
{
	*state = run_new(*state);
	return (0);
}

static int
case_teardown(void **state)
{
	run_free(*state);
	return (0);
}

static void
test_case(void **state)
{
	struct run *run = *state;

	run_steps(run, run->steps);
}

/* --- direct tests --------------------------------------------------- */

struct rule_want {
	const char *name;
	uint32_t classes;
	bool drain_providers, queue_deferred, no_delivery;
	uint32_t count, min_providers;
	uint64_t window_s;
	enum policy_action action;
	uint64_t hold_s;
	const char *checks; /* space separated, in any order */
};

static const struct rule_want builtin_rules[] = {
    {"ip-blocked", 1u << CLASS_IP_BLOCKED, true, false, false, 1, 0, 600,
        POLICY_ACT_BLOCK, H(4), ""},
    {"ip-blocked-other", 1u << CLASS_IP_BLOCKED, false, false, false, 1, 0, 600,
        POLICY_ACT_SUSPECT, H(1), ""},
    {"ip-throttled", 1u << CLASS_IP_THROTTLED, true, false, false, 3, 0, 600,
        POLICY_ACT_BLOCK, H(1), ""},
    {"ptr", 1u << CLASS_PTR, false, false, false, 1, 0, 600, POLICY_ACT_DRAIN,
        H(1), "ptr fcrdns helo"},
    {"network", 1u << CLASS_NETWORK, false, false, true, 1, 3, 600,
        POLICY_ACT_DRAIN, M(30), ""},
    {"deferred-queue", 0, false, true, false, 10, 0, 600, POLICY_ACT_SUSPECT,
        H(1), ""},
    {"dnsbl", 0, false, false, false, 1, 0, 0, POLICY_ACT_SUSPECT, H(1),
        "dnsbl"},
};

static bool
rule_has_check(const struct policy_rule *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nchecks; i++)
		if (strcmp(r->checks[i], name) == 0)
			return (true);
	return (false);
}

static void
rule_check(const struct policy_rule *r, const struct rule_want *w)
{
	char list[64], *word, *last;
	size_t n = 0;

	assert_string_equal(r->name, w->name);
	assert_int_equal(r->classes, w->classes);
	assert_int_equal(r->drain_providers, w->drain_providers);
	assert_int_equal(r->queue_deferred, w->queue_deferred);
	assert_int_equal(r->no_delivery, w->no_delivery);
	assert_int_equal(r->action, w->action);
	assert_int_equal(r->hold_s, w->hold_s);
	if (!w->drain_providers)
		assert_int_equal(r->nproviders, 0);
	if (w->count > 1 || w->queue_deferred || w->classes != 0) {
		assert_int_equal(r->count, w->count);
		assert_int_equal(r->window_s, w->window_s);
	}
	if (w->min_providers > 1)
		assert_int_equal(r->min_providers, w->min_providers);
	else
		assert_true(r->min_providers <= 1);
	util_strlcpy(list, w->checks, sizeof(list));
	for (word = strtok_r(list, " ", &last); word != NULL;
	     word = strtok_r(NULL, " ", &last), n++)
		if (!rule_has_check(r, word))
			fail_msg("rule %s lacks check %s", r->name, word);
	assert_int_equal(r->nchecks, n);
}

static void
test_conf_defaults(void **state)
{
	static const char *const drain[] = {
	    "outlook", "office365", "google", "yahoo", "apple"};
	static const uint32_t ramp[] = {10, 25, 50, 100};
	struct policy_conf pc;
	const char *errstr = NULL;
	size_t i;

	(void)state;
	policy_conf_defaults(&pc);
	assert_int_equal(pc.nrules, NITEMS(builtin_rules));
	for (i = 0; i < NITEMS(builtin_rules); i++)
		rule_check(&pc.rules[i], &builtin_rules[i]);
	assert_int_equal(pc.ndrain, NITEMS(drain));
	for (i = 0; i < NITEMS(drain); i++)
		assert_string_equal(pc.drain_providers[i], drain[i]);
	assert_int_equal(pc.min_active, 50);
	assert_true(pc.min_active_pct);
	assert_int_equal(pc.max_maintenance, 6);
	assert_int_equal(pc.hold_max_s, H(24));
	assert_int_equal(pc.nramp, NITEMS(ramp));
	for (i = 0; i < NITEMS(ramp); i++)
		assert_int_equal(pc.ramp[i], ramp[i]);
	assert_int_equal(pc.ramp_step_s, M(15));
	assert_int_equal(pc.agent_silent, 3);
	assert_int_equal(pc.report_interval_s, 10);
	assert_int_equal(policy_conf_finish(&pc, &errstr), 0);
	assert_ptr_equal(policy_conf_rule(&pc, "ptr"), &pc.rules[3]);
	assert_ptr_equal(policy_conf_rule(&pc, "dnsbl"), &pc.rules[6]);
	assert_null(policy_conf_rule(&pc, "no-such-rule"));
	/* drain_providers resolved into the rules that use it */
	assert_int_equal(pc.rules[0].nproviders, NITEMS(drain));
	assert_string_equal(pc.rules[0].providers[0], "outlook");
	assert_int_equal(pc.rules[2].nproviders, NITEMS(drain));
}

static void
test_conf_one_queue_rule(void **state)
{
	struct policy_conf pc;
	struct policy_rule *r;
	const char *errstr = NULL;

	(void)state;
	policy_conf_defaults(&pc);
	r = &pc.rules[pc.nrules++];
	*r = *policy_conf_rule(&pc, "deferred-queue");
	snprintf(r->name, sizeof(r->name), "deferred-queue-2");
	r->count = 100;
	assert_int_equal(policy_conf_finish(&pc, &errstr), -1);
	assert_non_null(strstr(errstr, "queue_deferred"));
}

static void
test_min_active_rounding(void **state)
{
	static const struct {
		size_t n;
		uint32_t min_active;
		bool pct;
		size_t want;
	} floors[] = {
	    {7, 50, true, 4},
	    {14, 50, true, 7},
	    {4, 50, true, 2},
	    {1, 50, true, 1},
	    {7, 30, true, 3},
	    {10, 30, true, 3},
	    {7, 3, false, 3},
	};
	struct policy_relay_conf relays[RELAYS_MAX];
	char names[RELAYS_MAX][24];
	struct policy_conf pc;
	struct policy *p;
	const char *errstr;
	size_t i, j;

	(void)state;
	for (j = 0; j < RELAYS_MAX; j++) {
		snprintf(names[j], sizeof(names[j]), "r%zu", j);
		relays[j].name = names[j];
		relays[j].hosting = "";
	}
	for (i = 0; i < NITEMS(floors); i++) {
		policy_conf_defaults(&pc);
		pc.min_active = floors[i].min_active;
		pc.min_active_pct = floors[i].pct;
		assert_int_equal(policy_conf_finish(&pc, &errstr), 0);
		p = policy_new(&pc, relays, floors[i].n, T0);
		if (policy_min_active(p) != floors[i].want)
			fail_msg("%zu relays, min_active %u%s: %zu, expected "
			         "%zu",
			    floors[i].n, floors[i].min_active,
			    floors[i].pct ? "%" : "", policy_min_active(p),
			    floors[i].want);
		assert_int_equal(policy_in_service(p), floors[i].n);
		assert_int_equal(policy_nrelays(p), floors[i].n);
		assert_int_equal(policy_relay_index(p, "r0"), 0);
		assert_int_equal(policy_relay_index(p, "nope"), floors[i].n);
		policy_free(p);
	}
}

static void
test_new_relays_active(void **state)
{
	static const struct policy_case c = {.name = "new"};
	struct run *run = run_new(&c);
	const struct policy_relay *pr;
	size_t i;

	(void)state;
	for (i = 0; i < run->nrelays; i++) {
		pr = policy_relay(run->p, i);
		assert_int_equal(pr->state, POLICY_ACTIVE);
		assert_int_equal(pr->intent, POLICY_INTENT_READY);
		assert_int_equal(pr->weight, 100);
		assert_int_equal(pr->since, T0);
		assert_int_equal(pr->nmarks, 0);
		assert_false(pr->floor_held);
	}
	assert_int_equal(policy_relay_index(run->p, "r3"), 3);
	run_free(run);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(policy_state_name(POLICY_ACTIVE), "active");
	assert_string_equal(policy_state_name(POLICY_SUSPECT), "suspect");
	assert_string_equal(policy_state_name(POLICY_DRAINED), "drained");
	assert_string_equal(policy_state_name(POLICY_PROBATION), "probation");
	assert_string_equal(policy_state_name(POLICY_CORDONED), "cordoned");
	assert_string_equal(
	    policy_state_name(POLICY_MAINTENANCE), "maintenance");
	assert_string_equal(policy_intent_name(POLICY_INTENT_READY), "ready");
	assert_string_equal(policy_intent_name(POLICY_INTENT_DRAIN), "drain");
	assert_string_equal(policy_intent_name(POLICY_INTENT_MAINT), "maint");
	assert_string_equal(
	    policy_event_kind_name(POLICY_EV_TRANSITION), "transition");
	assert_string_equal(policy_event_kind_name(POLICY_EV_ALERT), "alert");
	assert_string_equal(
	    policy_event_kind_name(POLICY_EV_REFUSED), "refused");
	assert_string_equal(
	    policy_event_kind_name(POLICY_EV_OPERATOR), "operator");
	assert_string_equal(policy_action_name(POLICY_ACT_BLOCK), "block");
	assert_string_equal(policy_action_name(POLICY_ACT_DRAIN), "drain");
	assert_string_equal(policy_action_name(POLICY_ACT_SUSPECT), "suspect");
}

static void
test_dirty(void **state)
{
	static const struct policy_case c = {.name = "dirty"};
	static const struct step block[] = {
	    BLOCK(M(1), 1, "outlook"), {.op = OP_END}};
	struct run *run = run_new(&c);
	size_t i;

	(void)state;
	for (i = 0; i < run->nrelays; i++)
		policy_clear_dirty(run->p, i);
	policy_tick(run->p, run->h, T0 + 30, &run->out);
	for (i = 0; i < run->nrelays; i++)
		assert_false(policy_is_dirty(run->p, i));
	run_steps(run, block);
	assert_true(policy_is_dirty(run->p, 1));
	assert_false(policy_is_dirty(run->p, 0));
	policy_clear_dirty(run->p, 1);
	assert_false(policy_is_dirty(run->p, 1));
	run_free(run);
}

/*
 * Every field of struct policy_relay away from its initial value: a
 * drained relay with two marks, one mid-ramp, one with a deferred queue
 * being timed, one held by the floor, and silent alerts.
 */
/* clang-format off */
static const struct policy_case json_fleet = {
    .name = "json-fleet", .min_active = 3, .silent_alerts = true,
    .steps = STEPS(
	BLOCK(0, 0, "outlook"),
	BLOCK(M(1), 0, "gmx"),
	DRAIN(M(1), 1, 0, true, NULL),
	ENABLE(M(2), 1, false, NULL),
	TICK(M(17)), EXPECT(1, PROBATION, READY, 25),
	QUEUE(M(18), 2, 30),
	BLOCK(M(19), 3, "outlook"), EXPECT(3, SUSPECT, READY, 50),
	TICK(M(20)),
	QUEUE(M(21), 2, 31)),
};
/* clang-format on */

static char *
json_replace(const char *json, const char *from, const char *to)
{
	const char *at = strstr(json, from);
	size_t n = strlen(json) + strlen(to) + 1;
	char *out;

	if (at == NULL)
		fail_msg("'%s' not in %s", from, json);
	out = malloc(n);
	assert_non_null(out);
	snprintf(
	    out, n, "%.*s%s%s", (int)(at - json), json, to, at + strlen(from));
	return (out);
}

static void
test_json_round_trip(void **state)
{
	struct run *run = run_new(&json_fleet);
	struct policy *p2;
	const char *errstr;
	char *json, *json2;
	size_t i;

	(void)state;
	run_steps(run, json_fleet.steps);
	assert_int_equal(policy_relay(run->p, 0)->nmarks, 2);
	assert_true(policy_relay(run->p, 3)->floor_held);
	assert_true(policy_relay(run->p, 1)->silent_alerted);
	assert_int_not_equal(policy_relay(run->p, 2)->deferred_since, 0);
	p2 = policy_new(&run->conf, run->relays, run->nrelays, T0 + H(1));
	for (i = 0; i < run->nrelays; i++) {
		json = policy_relay_to_json(run->p, i);
		assert_non_null(json);
		errstr = NULL;
		if (policy_relay_from_json(p2, i, json, &errstr) != 0)
			fail_msg("relay %zu: %s: %s", i, errstr, json);
		relay_same(
		    run, i, policy_relay(run->p, i), policy_relay(p2, i));
		json2 = policy_relay_to_json(p2, i);
		assert_string_equal(json, json2);
		free(json);
		free(json2);
	}
	policy_free(p2);
	run_free(run);
}

static void
test_json_garbage(void **state)
{
	struct run *run = run_new(&json_fleet);
	struct policy_relay before;
	const char *errstr;
	char *json, *bad[8];
	size_t i, n = 0;

	(void)state;
	run_steps(run, json_fleet.steps);
	json = policy_relay_to_json(run->p, 0);
	assert_non_null(json);
	bad[n++] = strdup("{");
	bad[n++] = strdup("[]");
	bad[n++] = strdup("");
	bad[n++] = strdup("null");
	bad[n++] = strdup("\"drained\"");
	bad[n++] = json_replace(json, "\"drained\"", "\"sleeping\"");
	bad[n++] = strndup(json, strlen(json) - 1);
	before = *policy_relay(run->p, 0);
	for (i = 0; i < n; i++) {
		assert_non_null(bad[i]);
		errstr = NULL;
		if (policy_relay_from_json(run->p, 0, bad[i], &errstr) != -1)
			fail_msg("accepted: %s", bad[i]);
		if (errstr == NULL || errstr[0] == '\0')
			fail_msg("no error for: %s", bad[i]);
		relay_same(run, 0, &before, policy_relay(run->p, 0));
		free(bad[i]);
	}
	free(json);
	run_free(run);
}

int
main(void)
{
	static const struct CMUnitTest direct[] = {
	    cmocka_unit_test(test_conf_defaults),
	    cmocka_unit_test(test_min_active_rounding),
	    cmocka_unit_test(test_conf_one_queue_rule),
	    cmocka_unit_test(test_new_relays_active),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_dirty),
	    cmocka_unit_test(test_json_round_trip),
	    cmocka_unit_test(test_json_garbage),
	};
	struct CMUnitTest tests[NITEMS(direct) + NITEMS(cases)];
	size_t i;

	for (i = 0; i < NITEMS(direct); i++)
		tests[i] = direct[i];
	for (i = 0; i < NITEMS(cases); i++) {
		memset(&tests[NITEMS(direct) + i], 0, sizeof(tests[0]));
		tests[NITEMS(direct) + i].name = cases[i].name;
		tests[NITEMS(direct) + i].test_func = test_case;
		tests[NITEMS(direct) + i].setup_func = case_setup;
		tests[NITEMS(direct) + i].teardown_func = case_teardown;
		tests[NITEMS(direct) + i].initial_state = &cases[i];
	}
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
