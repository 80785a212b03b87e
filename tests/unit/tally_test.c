/* SPDX-License-Identifier: ISC */
/* agent/tally: counters, samples, limits, and the report it fills. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../agent/tally.h"

static void
add(struct tally *t, const char *prov, enum reason_class cls,
    enum delivery_status st, const char *dsn, const char *text, uint64_t when)
{
	struct tally_result r = {.provider = prov,
	    .cls = cls,
	    .status = st,
	    .dsn = dsn,
	    .text = text,
	    .textlen = text ? strlen(text) : 0,
	    .mx_host = "mx.example.net",
	    .when = when};

	tally_add(t, &r);
}

static uint32_t
count_of(const struct wire_report *r, const char *prov, enum reason_class cls,
    enum delivery_status st, const char *dsn)
{
	for (size_t i = 0; i < r->n_counters; i++) {
		const struct wire_counter *c = &r->counters[i];

		if (strcmp(c->provider, prov) == 0 && c->cls == cls &&
		    c->status == st && strcmp(c->dsn, dsn) == 0)
			return (c->count);
	}
	return (0);
}

/* The one sample of (provider, text); fails the test if there is none. */
static const struct wire_sample *
sample_of(const struct wire_report *r, const char *prov, const char *text)
{
	const struct wire_sample *found = NULL;

	for (size_t i = 0; i < r->n_samples; i++) {
		const struct wire_sample *s = &r->samples[i];

		if (strcmp(s->provider, prov) == 0 &&
		    strcmp(s->text, text) == 0) {
			/* distinct texts: one sample each */
			assert_null(found);
			found = s;
		}
	}
	if (found == NULL)
		fail_msg("no sample %s \"%s\"", prov, text);
	return (found);
}

static void
test_counts_and_samples(void **state)
{
	struct tally *t = tally_new();
	struct wire_report r = {.epoch = 1, .seq = 1};
	const struct wire_sample *s;
	const char *errstr;
	uint8_t *buf;
	size_t len;

	(void)state;
	for (int i = 0; i < 5; i++)
		add(t, "google", CLASS_DELIVERED, STATUS_SENT, "2.0.0",
		    "250 ok", 100 + i);
	add(t, "outlook", CLASS_IP_THROTTLED, STATUS_DEFERRED, "4.7.650",
	    "451 4.7.650 a", 200);
	add(t, "outlook", CLASS_IP_THROTTLED, STATUS_DEFERRED, "4.7.650",
	    "451 4.7.650 a", 150);
	for (int i = 0; i < 5; i++) {
		char text[32];

		snprintf(text, sizeof(text), "451 4.7.650 text %d", i);
		add(t, "outlook", CLASS_IP_THROTTLED, STATUS_DEFERRED,
		    "4.7.650", text, 300 + i);
	}
	add(t, "yahoo", CLASS_BUSY, STATUS_DEFERRED, "bad dsn!", "421\ttab",
	    400);
	add(t, "Not A Provider", CLASS_OTHER, STATUS_BOUNCED, "5.0.0", "x", 1);
	assert_int_equal(tally_total(t), 14);
	assert_true(tally_has_ip_alert(t));
	tally_fill_report(t, &r);
	assert_int_equal(
	    count_of(&r, "google", CLASS_DELIVERED, STATUS_SENT, "2.0.0"), 5);
	assert_int_equal(count_of(&r, "outlook", CLASS_IP_THROTTLED,
	                     STATUS_DEFERRED, "4.7.650"),
	    7);
	assert_int_equal(
	    count_of(&r, "yahoo", CLASS_BUSY, STATUS_DEFERRED, ""), 1);
	assert_int_equal(
	    count_of(&r, "other", CLASS_OTHER, STATUS_BOUNCED, "5.0.0"), 1);
	/* no samples for deliveries; 3 distinct per (provider, class) */
	assert_int_equal(r.n_samples, 3 + 1 + 1);
	/* a text seen twice, the later line first: one sample spanning both */
	s = sample_of(&r, "outlook", "451 4.7.650 a");
	assert_int_equal(s->first_seen, 150);
	assert_int_equal(s->last_seen, 200);
	/* a control character in the receiver's text becomes '?' */
	s = sample_of(&r, "yahoo", "421?tab");
	assert_int_equal(s->cls, CLASS_BUSY);
	assert_int_equal(s->first_seen, 400);
	/* what the tally fills is what the wire accepts */
	if (wire_report_encode(&r, &buf, &len, &errstr) == -1)
		fail_msg("encode: %s", errstr);
	free(buf);
	wire_report_fini(&r);
	tally_reset(t);
	assert_int_equal(tally_total(t), 0);
	assert_false(tally_has_ip_alert(t));
	tally_free(t);
}

static void
test_limits(void **state)
{
	struct tally *t = tally_new();
	struct wire_report r = {.epoch = 1, .seq = 1};
	char dsn[16], big[WIRE_TEXT_MAX + 100];
	const char *errstr;
	uint8_t *buf;
	size_t len;
	uint64_t sum = 0;

	(void)state;
	/* more distinct keys than a report may carry */
	for (int i = 0; i < WIRE_COUNTERS_MAX + 50; i++) {
		snprintf(dsn, sizeof(dsn), "4.%d.%d", i / 1000, i % 1000);
		add(t, "outlook", CLASS_BUSY, STATUS_DEFERRED, dsn, NULL, 1);
	}
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	add(t, "google", CLASS_CONTENT, STATUS_BOUNCED, "5.7.1", big, 1);
	tally_fill_report(t, &r);
	assert_true(r.n_counters <= WIRE_COUNTERS_MAX);
	for (size_t i = 0; i < r.n_counters; i++)
		sum += r.counters[i].count;
	assert_int_equal(sum, WIRE_COUNTERS_MAX + 51); /* none lost */
	assert_int_equal(r.n_samples, 1); /* the text cut at the wire limit */
	assert_int_equal(strlen(r.samples[0].text), WIRE_TEXT_MAX);
	if (wire_report_encode(&r, &buf, &len, &errstr) == -1)
		fail_msg("encode: %s", errstr);
	free(buf);
	wire_report_fini(&r);
	tally_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_counts_and_samples),
	    cmocka_unit_test(test_limits),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
