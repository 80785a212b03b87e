/* SPDX-License-Identifier: ISC */
/*
 * ctl_trim_events: an events reply with verbatim samples stays sendable
 * (under WIRE_MAX_MSG) however many events the operator asks for, and
 * what it keeps is the newest.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../controller/ctl.h"
#include "util.h"

static void
fill(struct wire_ctl_reply *rep, size_t n, size_t text_len)
{
	memset(rep, 0, sizeof(*rep));
	rep->ok = true;
	rep->events = xcalloc(n, sizeof(*rep->events));
	rep->n_events = n;
	for (size_t i = 0; i < n; i++) {
		struct wire_event *e = &rep->events[i];

		e->id = i + 1;
		e->at = 1000 + i;
		util_strlcpy(e->relay, "relay1", sizeof(e->relay));
		util_strlcpy(e->kind, "transition", sizeof(e->kind));
		memset(e->reason, 'r', WIRE_REASON_MAX);
		e->n_samples = WIRE_EVENT_SAMPLES_MAX;
		for (size_t k = 0; k < e->n_samples; k++) {
			e->samples[k].text = xcalloc(1, text_len + 1);
			memset(e->samples[k].text, 't', text_len);
			util_strlcpy(e->samples[k].provider, "outlook",
			    sizeof(e->samples[k].provider));
			e->samples[k].cls = CLASS_IP_BLOCKED;
			e->samples[k].status = STATUS_BOUNCED;
		}
	}
}

static size_t
encoded(const struct wire_ctl_reply *rep)
{
	const char *errstr;
	uint8_t *buf;
	size_t len;

	if (wire_ctl_reply_encode(rep, &buf, &len, &errstr) == -1)
		fail_msg("encode: %s", errstr);
	free(buf);
	return (len);
}

static void
test_trim_keeps_newest(void **state)
{
	struct wire_ctl_reply rep;

	(void)state;
	fill(&rep, WIRE_EVENTS_MAX, WIRE_TEXT_MAX);
	ctl_trim_events(&rep, WIRE_MAX_MSG / 4 * 3);
	assert_true(encoded(&rep) <= WIRE_MAX_MSG);
	assert_int_equal(rep.n_events, WIRE_EVENTS_MAX); /* events all kept */
	assert_int_equal(rep.events[0].id, 1);
	assert_int_equal(rep.events[0].n_samples, 0); /* oldest lost texts */
	assert_int_equal(rep.events[WIRE_EVENTS_MAX - 1].n_samples,
	    WIRE_EVENT_SAMPLES_MAX); /* the newest kept them */
	wire_ctl_reply_fini(&rep);
}

static void
test_trim_drops_oldest_events(void **state)
{
	struct wire_ctl_reply rep;

	(void)state;
	fill(&rep, 100, 16);
	ctl_trim_events(&rep, 50 * 1024); /* less than 100 bare events */
	assert_true(rep.n_events < 100);
	assert_int_equal(rep.events[rep.n_events - 1].id, 100);
	assert_true(encoded(&rep) <= 50 * 1024);
	wire_ctl_reply_fini(&rep);
}

static void
test_trim_small_untouched(void **state)
{
	struct wire_ctl_reply rep;

	(void)state;
	fill(&rep, 10, 300);
	ctl_trim_events(&rep, WIRE_MAX_MSG / 4 * 3);
	assert_int_equal(rep.n_events, 10);
	for (size_t i = 0; i < rep.n_events; i++)
		assert_int_equal(
		    rep.events[i].n_samples, WIRE_EVENT_SAMPLES_MAX);
	wire_ctl_reply_fini(&rep);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_trim_keeps_newest),
	    cmocka_unit_test(test_trim_drops_oldest_events),
	    cmocka_unit_test(test_trim_small_untouched),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
