/* SPDX-License-Identifier: ISC */
/*
 * controller/health: windows on simulated time.  Each case is a timeline
 * of results (times relative to HT_BASE, an exact hour) and one question
 * with its answer.  HT_M(n) is the start of the n-th minute after
 * HT_BASE, so a now of HT_M(n) + 59 ends a minute and a window of k
 * minutes holds exactly k buckets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../controller/health.h"

#define HT_BASE  1699999200ULL /* 472222 * 3600 */
#define HT_M(n)  ((long long)(n)*60)
#define HT_H(n)  ((long long)(n)*3600)
#define HT_ADDS  8
#define HT_RELAY 0

struct ht_add {
	const char *prov; /* NULL ends the list */
	enum reason_class cls;
	enum delivery_status st;
	uint32_t n;
	long long at; /* s after HT_BASE */
};

static void
ht_run(struct health *h, size_t relay, const struct ht_add *a)
{
	for (size_t i = 0; i < HT_ADDS && a[i].prov != NULL; i++)
		health_add(h, relay, a[i].prov, a[i].cls, a[i].st, a[i].n,
		    (uint64_t)((long long)HT_BASE + a[i].at));
}

/* The invariants every answer keeps, whatever was added. */
static void
ht_check_sums(const struct health_counts *k)
{
	uint64_t sum = 0;

	for (size_t i = 0; i <= CLASS_LAST; i++)
		sum += k->by_class[i];
	assert_int_equal(sum, k->attempts);
	assert_int_equal(k->by_class[CLASS_DELIVERED], k->delivered);
	assert_true(k->delivered + k->deferred + k->bounced == k->attempts);
}

/* ---- windows ------------------------------------------------------------ */

#define S  STATUS_SENT
#define D  STATUS_DEFERRED
#define BO STATUS_BOUNCED
#define EX STATUS_EXPIRED

static const struct window_case {
	const char *name;
	struct ht_add adds[HT_ADDS];
	const char *prov; /* NULL: every provider */
	uint64_t span;
	long long now;
	uint64_t attempts, delivered, deferred, bounced;
	enum reason_class cls; /* and its count */
	uint64_t cls_n;
} window_cases[] = {
    {"5m counts the last five minutes",
        {{"outlook", CLASS_DELIVERED, S, 1, HT_M(120) + 59},
            {"outlook", CLASS_IP_THROTTLED, D, 2, HT_M(116)},
            {"outlook", CLASS_IP_BLOCKED, BO, 4, HT_M(116) - 1}},
        "outlook", 300, HT_M(120) + 59, 3, 1, 2, 0, CLASS_IP_THROTTLED, 2},
    {"5m resolves to the minute: a bucket partly in counts",
        {{"outlook", CLASS_NETWORK, D, 1, HT_M(115)},
            {"outlook", CLASS_NETWORK, D, 2, HT_M(115) - 1}},
        "outlook", 300, HT_M(120) + 30, 1, 0, 1, 0, CLASS_NETWORK, 1},
    {"10m",
        {{"google", CLASS_DELIVERED, S, 3, HT_M(120)},
            {"google", CLASS_BUSY, D, 5, HT_M(111)},
            {"google", CLASS_BUSY, D, 7, HT_M(111) - 1}},
        "google", 600, HT_M(120) + 59, 8, 3, 5, 0, CLASS_BUSY, 5},
    {"1h in minutes",
        {{"google", CLASS_DELIVERED, S, 1, HT_M(120)},
            {"google", CLASS_CONTENT, BO, 2, HT_M(61)},
            {"google", CLASS_CONTENT, BO, 4, HT_M(61) - 1}},
        "google", 3600, HT_M(120) + 59, 3, 1, 0, 2, CLASS_CONTENT, 2},
    {"1h reads the 60 minutes ending with now's",
        {{"google", CLASS_TLS, D, 2, HT_M(60) + 50},
            {"google", CLASS_DELIVERED, S, 1, HT_M(119)}},
        "google", 3600, HT_M(120) + 30, 1, 1, 0, 0, CLASS_TLS, 0},
    {"2h resolves to the hour",
        {{"yahoo", CLASS_DELIVERED, S, 1, HT_H(2)},
            {"yahoo", CLASS_PTR, BO, 2, 0}, {"yahoo", CLASS_PTR, BO, 4, -1}},
        "yahoo", 7200, HT_H(2) + 1800, 3, 1, 0, 2, CLASS_PTR, 2},
    {"24h in hours",
        {{"yahoo", CLASS_DELIVERED, S, 1, HT_H(30) + 3599},
            {"yahoo", CLASS_AUTH, EX, 2, HT_H(7)},
            {"yahoo", CLASS_AUTH, EX, 4, HT_H(7) - 1}},
        "yahoo", 86400, HT_H(30) + 3599, 3, 1, 0, 2, CLASS_AUTH, 2},
    {"a minute after now does not count",
        {{"yahoo", CLASS_DELIVERED, S, 1, HT_M(120)},
            {"yahoo", CLASS_DNS, D, 2, HT_M(121)}},
        "yahoo", 300, HT_M(120) + 59, 1, 1, 0, 0, CLASS_DNS, 0},
    {"an hour after now does not count",
        {{"yahoo", CLASS_DELIVERED, S, 1, HT_M(120)},
            {"yahoo", CLASS_DNS, D, 4, HT_H(3)}},
        "yahoo", 86400, HT_M(120) + 59, 1, 1, 0, 0, CLASS_DNS, 0},
    {"zero span is empty", {{"yahoo", CLASS_DELIVERED, S, 1, HT_M(120)}},
        "yahoo", 0, HT_M(120) + 59, 0, 0, 0, 0, CLASS_DELIVERED, 0},
    {"a stale minute slot reads as zero",
        {{"gmx", CLASS_DELIVERED, S, 1, 0},
            {"gmx", CLASS_DELIVERED, S, 2, HT_M(30)}},
        "gmx", 3600, HT_M(60) + 59, 2, 2, 0, 0, CLASS_DELIVERED, 2},
    {"a reused minute slot holds the new minute only",
        {{"gmx", CLASS_DELIVERED, S, 1, 0},
            {"gmx", CLASS_NETWORK, D, 2, HT_M(60)}},
        "gmx", 120, HT_M(60) + 59, 2, 0, 2, 0, CLASS_NETWORK, 2},
    {"a reused minute slot no longer holds the old minute",
        {{"gmx", CLASS_DELIVERED, S, 1, 0},
            {"gmx", CLASS_NETWORK, D, 2, HT_M(60)}},
        "gmx", 60, 59, 0, 0, 0, 0, CLASS_DELIVERED, 0},
    {"a stale hour slot reads as zero",
        {{"gmx", CLASS_DELIVERED, S, 1, 0},
            {"gmx", CLASS_DELIVERED, S, 2, HT_H(10)}},
        "gmx", 86400, HT_H(25) + 3599, 2, 2, 0, 0, CLASS_DELIVERED, 2},
    {"older than 24 h before the newest is dropped",
        {{"web.de", CLASS_DELIVERED, S, 1, HT_H(30) + 1800},
            {"web.de", CLASS_BUSY, D, 2, HT_H(6) + 1800},
            {"web.de", CLASS_BUSY, BO, 4, HT_H(6) + 1799}},
        "web.de", 86400, HT_H(6) + 1800, 2, 0, 2, 0, CLASS_BUSY, 2},
    {"out of order within the hour: 1h",
        {{"free.fr", CLASS_DELIVERED, S, 1, HT_M(120)},
            {"free.fr", CLASS_IP_BLOCKED, D, 2, HT_M(90)},
            {"free.fr", CLASS_DELIVERED, S, 4, HT_M(119)},
            {"free.fr", CLASS_IP_BLOCKED, D, 8, HT_M(70)}},
        "free.fr", 3600, HT_M(120) + 59, 15, 5, 10, 0, CLASS_IP_BLOCKED, 10},
    {"out of order within the hour: 5m",
        {{"free.fr", CLASS_DELIVERED, S, 1, HT_M(120)},
            {"free.fr", CLASS_IP_BLOCKED, D, 2, HT_M(90)},
            {"free.fr", CLASS_DELIVERED, S, 4, HT_M(119)},
            {"free.fr", CLASS_IP_BLOCKED, D, 8, HT_M(70)}},
        "free.fr", 300, HT_M(120) + 59, 5, 5, 0, 0, CLASS_IP_BLOCKED, 0},
    {"over an hour late: not in the minutes",
        {{"free.fr", CLASS_DELIVERED, S, 1, HT_M(200)},
            {"free.fr", CLASS_IP_BLOCKED, D, 2, HT_M(130)}},
        "free.fr", 3600, HT_M(130) + 59, 0, 0, 0, 0, CLASS_IP_BLOCKED, 0},
    {"over an hour late: in the hours",
        {{"free.fr", CLASS_DELIVERED, S, 1, HT_M(200)},
            {"free.fr", CLASS_IP_BLOCKED, D, 2, HT_M(130)}},
        "free.fr", 7200, HT_M(200) + 59, 3, 1, 2, 0, CLASS_IP_BLOCKED, 2},
    {"NULL provider sums every provider",
        {{"outlook", CLASS_DELIVERED, S, 1, HT_M(120)},
            {"google", CLASS_IP_BLOCKED, BO, 2, HT_M(119)},
            {"yahoo", CLASS_IP_BLOCKED, D, 4, HT_M(118)},
            {"yahoo", CLASS_IP_BLOCKED, D, 8, HT_M(100)}},
        NULL, 300, HT_M(120) + 59, 7, 1, 4, 2, CLASS_IP_BLOCKED, 6},
    {"an unknown provider reads zero",
        {{"outlook", CLASS_DELIVERED, S, 1, HT_M(120)}}, "google", 300,
        HT_M(120) + 59, 0, 0, 0, 0, CLASS_DELIVERED, 0},
    {"a sent result is a delivery whatever its class",
        {{"outlook", CLASS_IP_BLOCKED, S, 3, HT_M(120)}}, "outlook", 300,
        HT_M(120) + 59, 3, 3, 0, 0, CLASS_IP_BLOCKED, 0},
    {"expired counts as bounced",
        {{"outlook", CLASS_MAILBOX_FULL, EX, 3, HT_M(120)},
            {"outlook", CLASS_MAILBOX_FULL, BO, 1, HT_M(120)}},
        "outlook", 300, HT_M(120) + 59, 4, 0, 0, 4, CLASS_MAILBOX_FULL, 4},
    {"a failure given as delivered counts as other",
        {{"outlook", CLASS_DELIVERED, D, 3, HT_M(120)}}, "outlook", 300,
        HT_M(120) + 59, 3, 0, 3, 0, CLASS_OTHER, 3},
    {"unspec status, count 0 and bad values are ignored",
        {{"outlook", CLASS_NETWORK, STATUS_UNSPEC, 3, HT_M(120)},
            {"outlook", CLASS_NETWORK, D, 0, HT_M(120)},
            {"outlook", (enum reason_class)(CLASS_LAST + 1), D, 5, HT_M(120)},
            {"outlook", CLASS_NETWORK, (enum delivery_status)(STATUS_LAST + 1),
                5, HT_M(120)},
            {"outlook", CLASS_NETWORK, D, 1, HT_M(120)}},
        "outlook", 300, HT_M(120) + 59, 1, 0, 1, 0, CLASS_NETWORK, 1},
};

static void
test_windows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(window_cases) / sizeof(window_cases[0]);
	     i++) {
		const struct window_case *c = &window_cases[i];
		struct health *h = health_new(2);
		struct health_counts k, other;

		print_message("case: %s\n", c->name);
		ht_run(h, HT_RELAY, c->adds);
		memset(&k, 0xa5, sizeof(k)); /* health_count zeroes it */
		health_count(h, HT_RELAY, c->prov, c->span,
		    (uint64_t)((long long)HT_BASE + c->now), &k);
		ht_check_sums(&k);
		assert_int_equal(k.attempts, c->attempts);
		assert_int_equal(k.delivered, c->delivered);
		assert_int_equal(k.deferred, c->deferred);
		assert_int_equal(k.bounced, c->bounced);
		assert_int_equal(k.by_class[c->cls], c->cls_n);
		/* the other relay saw nothing */
		health_count(h, 1, NULL, HEALTH_SPAN_MAX,
		    (uint64_t)((long long)HT_BASE + c->now), &other);
		assert_int_equal(other.attempts, 0);
		health_free(h);
	}
}

/* ---- providers ---------------------------------------------------------- */

static void
test_providers_order(void **state)
{
	static const struct ht_add adds[HT_ADDS] = {
	    {"outlook", CLASS_DELIVERED, S, 1, 10},
	    {"google", CLASS_NETWORK, D, 1, 5}, /* earlier t, later add */
	    {"outlook", CLASS_NETWORK, D, 1, 20},
	    {"nobody", CLASS_NETWORK, STATUS_UNSPEC, 1, 20}, /* no cell */
	    {"yahoo", CLASS_DELIVERED, S, 1, 30},
	    {"google", CLASS_DELIVERED, S, 1, 40},
	};
	static const char *const want[] = {"outlook", "google", "yahoo"};
	struct health *h = health_new(3);
	char big[HEALTH_PROVIDER_MAX + 2];

	(void)state;
	ht_run(h, 1, adds);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	health_add(h, 1, big, CLASS_NETWORK, D, 1, HT_BASE);
	health_add(h, 1, "", CLASS_NETWORK, D, 1, HT_BASE);
	health_add(h, 1, NULL, CLASS_NETWORK, D, 1, HT_BASE);
	assert_int_equal(health_nproviders(h, 1), 3);
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(health_provider(h, 1, i), want[i]);
	assert_int_equal(health_nproviders(h, 0), 0);
	assert_int_equal(health_nproviders(h, 2), 0);
	health_free(h);
	health_free(NULL);
}

static void
test_providers_with(void **state)
{
	static const struct ht_add adds[HT_ADDS] = {
	    {"outlook", CLASS_NETWORK, D, 1, HT_M(120)},
	    {"outlook", CLASS_NETWORK, D, 5, HT_M(118)},
	    {"google", CLASS_NETWORK, D, 1, HT_M(115)},
	    {"yahoo", CLASS_DELIVERED, S, 1, HT_M(120)},
	    {"gmx", CLASS_NETWORK, D, 1, HT_M(60)},
	    {"web.de", CLASS_NETWORK, D, 1, HT_H(3)}, /* after now */
	};
	static const struct {
		const char *name;
		enum reason_class cls;
		uint64_t span;
		size_t want;
	} cases[] = {
	    {"network in 10m", CLASS_NETWORK, 600, 2},
	    {"network in 5m", CLASS_NETWORK, 300, 1},
	    {"network in 24h", CLASS_NETWORK, 86400, 3},
	    {"delivered in 10m", CLASS_DELIVERED, 600, 1},
	    {"ip_blocked in 24h", CLASS_IP_BLOCKED, 86400, 0},
	    {"zero span", CLASS_NETWORK, 0, 0},
	    {"bad class", (enum reason_class)(CLASS_LAST + 1), 600, 0},
	};
	struct health *h = health_new(1);

	(void)state;
	ht_run(h, HT_RELAY, adds);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("case: %s\n", cases[i].name);
		assert_int_equal(
		    health_providers_with(h, HT_RELAY, cases[i].cls,
		        cases[i].span, HT_BASE + HT_M(120) + 59),
		    cases[i].want);
	}
	health_free(h);
}

/* Past HEALTH_PROVIDERS_MAX - 1 providers, new ones count as "other". */
static void
test_many_providers(void **state)
{
	const size_t nprov = HEALTH_PROVIDERS_MAX + 44;
	struct health *h = health_new(2);
	struct health_counts k;
	char name[HEALTH_PROVIDER_MAX + 1];
	size_t last;

	(void)state;
	for (size_t i = 0; i < nprov; i++) {
		snprintf(name, sizeof(name), "p%zu.example", i);
		health_add(h, 0, name, CLASS_NETWORK, D, 1, HT_BASE + i);
	}
	health_add(h, 0, "p0.example", CLASS_DELIVERED, S, 1, HT_BASE);
	last = health_nproviders(h, 0) - 1;
	assert_int_equal(last + 1, HEALTH_PROVIDERS_MAX);
	assert_string_equal(health_provider(h, 0, 0), "p0.example");
	assert_string_equal(health_provider(h, 0, last - 1), "p254.example");
	assert_string_equal(health_provider(h, 0, last), "other");
	health_count(h, 0, "other", 3600, HT_BASE + nprov, &k);
	assert_int_equal(k.attempts, nprov - (HEALTH_PROVIDERS_MAX - 1));
	health_count(h, 0, "p0.example", 3600, HT_BASE + nprov, &k);
	assert_int_equal(k.attempts, 2);
	health_count(h, 0, NULL, 3600, HT_BASE + nprov, &k);
	ht_check_sums(&k);
	assert_int_equal(k.attempts, nprov + 1);
	assert_int_equal(
	    health_providers_with(h, 0, CLASS_NETWORK, 3600, HT_BASE + nprov),
	    HEALTH_PROVIDERS_MAX);
	assert_int_equal(health_nproviders(h, 1), 0);
	health_free(h);
}

/* ---- saturation --------------------------------------------------------- */

static void
test_saturation(void **state)
{
	struct health *h = health_new(1);
	struct health_counts k;
	uint64_t now = HT_BASE + HT_M(1) + 59;

	(void)state;
	health_add(h, 0, "outlook", CLASS_DELIVERED, S, UINT32_MAX, HT_BASE);
	health_add(h, 0, "outlook", CLASS_DELIVERED, S, 5, HT_BASE + 1);
	health_count(h, 0, "outlook", 60, HT_BASE + 59, &k);
	assert_int_equal(k.delivered, UINT32_MAX);
	assert_int_equal(k.attempts, UINT32_MAX);
	/* the sum of two saturated buckets goes past 32 bits */
	health_add(
	    h, 0, "outlook", CLASS_DELIVERED, S, UINT32_MAX, HT_BASE + HT_M(1));
	health_add(h, 0, "outlook", CLASS_IP_BLOCKED, D, UINT32_MAX,
	    HT_BASE + HT_M(1));
	health_add(h, 0, "outlook", CLASS_IP_BLOCKED, D, 7, HT_BASE + HT_M(1));
	health_count(h, 0, "outlook", 120, now, &k);
	ht_check_sums(&k);
	assert_int_equal(k.delivered, 2ULL * UINT32_MAX);
	assert_int_equal(k.deferred, UINT32_MAX);
	assert_int_equal(k.by_class[CLASS_IP_BLOCKED], UINT32_MAX);
	assert_int_equal(k.attempts, 3ULL * UINT32_MAX);
	/* the hour bucket saturated too */
	health_count(h, 0, "outlook", 7200, now, &k);
	assert_int_equal(k.delivered, UINT32_MAX);
	assert_int_equal(health_score(h, 0, "outlook", now), 67);
	health_free(h);
}

/* ---- score -------------------------------------------------------------- */

#define NOW (HT_M(120) + 59)

static const struct score_case {
	const char *name;
	struct ht_add adds[HT_ADDS];
	const char *prov; /* NULL: the relay */
	int want;
} score_cases[] = {
    {"no data", {{NULL}}, "outlook", -1},
    {"no data for the relay", {{NULL}}, NULL, -1},
    {"all delivered", {{"outlook", CLASS_DELIVERED, S, 10, NOW}}, "outlook",
        100},
    {"half ip_blocked",
        {{"outlook", CLASS_DELIVERED, S, 5, NOW},
            {"outlook", CLASS_IP_BLOCKED, D, 5, NOW - 60}},
        "outlook", 50},
    {"all ip_throttled and ptr",
        {{"outlook", CLASS_IP_THROTTLED, D, 5, NOW},
            {"outlook", CLASS_PTR, BO, 5, NOW}},
        "outlook", 0},
    {"auth, content and unknown_user do not lower it",
        {{"outlook", CLASS_DELIVERED, S, 4, NOW},
            {"outlook", CLASS_AUTH, BO, 3, NOW},
            {"outlook", CLASS_UNKNOWN_USER, BO, 2, NOW},
            {"outlook", CLASS_CONTENT, BO, 1, NOW}},
        "outlook", 100},
    {"network counts half",
        {{"outlook", CLASS_DELIVERED, S, 5, NOW},
            {"outlook", CLASS_NETWORK, D, 5, NOW}},
        "outlook", 75},
    {"busy and tls count half",
        {{"outlook", CLASS_BUSY, D, 5, NOW}, {"outlook", CLASS_TLS, D, 5, NOW}},
        "outlook", 50},
    {"a half rounds up",
        {{"outlook", CLASS_DELIVERED, S, 3, NOW},
            {"outlook", CLASS_BUSY, D, 1, NOW}},
        "outlook", 87},
    {"only the last hour",
        {{"outlook", CLASS_IP_BLOCKED, D, 5, NOW - 3600},
            {"outlook", CLASS_DELIVERED, S, 1, NOW - 3599}},
        "outlook", 100},
    {"nothing in the last hour",
        {{"outlook", CLASS_IP_BLOCKED, D, 5, NOW - 3600}}, "outlook", -1},
    {"relay: the worst provider with enough attempts",
        {{"outlook", CLASS_DELIVERED, S, 5, NOW},
            {"outlook", CLASS_IP_BLOCKED, D, 5, NOW},
            {"google", CLASS_DELIVERED, S, 10, NOW},
            {"yahoo", CLASS_IP_BLOCKED, D, HEALTH_SCORE_MIN - 1, NOW},
            {"gmx", CLASS_NETWORK, D, 4, NOW},
            {"gmx", CLASS_DELIVERED, S, 6, NOW}},
        NULL, 50},
    {"relay: none with enough, the worst of all",
        {{"google", CLASS_DELIVERED, S, 2, NOW},
            {"yahoo", CLASS_NETWORK, D, 1, NOW},
            {"yahoo", CLASS_DELIVERED, S, 1, NOW}},
        NULL, 75},
    {"relay: a provider silent for an hour is left out",
        {{"google", CLASS_DELIVERED, S, 10, NOW},
            {"yahoo", CLASS_IP_BLOCKED, D, 10, NOW - 3600}},
        NULL, 100},
};

#undef NOW

static void
test_score(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(score_cases) / sizeof(score_cases[0]);
	     i++) {
		const struct score_case *c = &score_cases[i];
		struct health *h = health_new(1);

		print_message("case: %s\n", c->name);
		ht_run(h, HT_RELAY, c->adds);
		assert_int_equal(health_score(h, HT_RELAY, c->prov,
		                     HT_BASE + HT_M(120) + 59),
		    c->want);
		health_free(h);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_windows),
	    cmocka_unit_test(test_providers_order),
	    cmocka_unit_test(test_providers_with),
	    cmocka_unit_test(test_many_providers),
	    cmocka_unit_test(test_saturation),
	    cmocka_unit_test(test_score),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
