/* SPDX-License-Identifier: ISC */
/*
 * What fleetctl prints: the cleaning of texts for the terminal, the
 * aligned table, a single line, the events table, the choice of the
 * deciding event of `show`, and the JSON of a relay and an event.  The
 * load balancers' output is in cli_lb_test.c.  No fleetd is needed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cli/cli.h"
#include "util.h"
#include "cli_fixture.h"

/* ---- cleaning and tables ------------------------------------------------ */

static const struct {
	const char *name, *in;
	size_t len; /* of dst */
	const char *out;
	size_t chars;
} clean_cases[] = {
    {"plain", "ip blocked (S3150)", 64, "ip blocked (S3150)", 18},
    {"empty", "", 8, "", 0},
    {"tab and newline", "a\tb\nc", 64, "a?b?c", 5},
    {"escape sequence", "\033[2Jx", 64, "?[2Jx", 5},
    {"del", "a\177b", 64, "a?b", 3},
    {"utf-8 kept", "Stö€😀", 64, "Stö€😀", 5},
    {"c1 control",
        "a\xc2\x9b"
        "b",
        64, "a?b", 3},
    {"c1 nel", "a\xc2\x85", 64, "a?", 2},
    {"bidi override",
        "a\xe2\x80\xae"
        "b",
        64, "a?b", 3},
    {"line separator",
        "a\xe2\x80\xa8"
        "b",
        64, "a?b", 3},
    {"lone continuation",
        "a\x80"
        "b",
        64, "a?b", 3},
    {"invalid byte", "\xff\xfe", 64, "??", 2},
    {"overlong slash", "\xc0\xaf", 64, "??", 2},
    {"surrogate", "\xed\xa0\x80", 64, "???", 3},
    {"past U+10FFFF", "\xf4\x90\x80\x80", 64, "????", 4},
    {"cut sequence", "a\xe2\x82", 64, "a??", 3},
    {"truncated ascii", "abcdef", 4, "abc", 3},
    {"truncated at a character", "ab€", 5, "ab", 2},
    {"room for the character", "ab€", 6, "ab€", 3},
};

static void
test_clean(void **state)
{
	char buf[64];

	(void)state;
	for (size_t i = 0; i < NITEMS(clean_cases); i++) {
		size_t n =
		    cli_clean(buf, clean_cases[i].len, clean_cases[i].in);

		if (strcmp(buf, clean_cases[i].out) != 0 ||
		    n != clean_cases[i].chars)
			fail_msg("%s: '%s' (%zu chars)", clean_cases[i].name,
			    buf, n);
	}
}

static void
table_fill(FILE *fp)
{
	static const char *const heads[] = {"NAME", "STATE", "REASON"};
	struct cli_table t;

	cli_table_init(&t, heads, 3);
	cli_table_add(&t, "%s", "relay1");
	cli_table_add(&t, "%s", "");
	cli_table_add(&t, "%s", "");
	cli_table_add(&t, "r%d", 2);
	cli_table_add(&t, "%s", "drained");
	cli_table_add(&t, "%s", "550 5.7.1 \033[31mS3150");
	cli_table_add(&t, "%s", "rélay");
	cli_table_add(&t, "%s", "a");
	cli_table_add(&t, "%s", "x ");
	cli_table_print(&t, fp, "  ");
	cli_table_fini(&t);
}

static void
test_table(void **state)
{
	char *text = capture(table_fill);

	(void)state;
	assert_string_equal(text, "  NAME    STATE    REASON\n"
	                          "  relay1  -        -\n"
	                          "  r2      drained  550 5.7.1 ?[31mS3150\n"
	                          "  rélay   a        x\n");
	free(text);
}

static void
line_fill(FILE *fp)
{
	cli_line(fp, "%s  %s", "reason", "");
	cli_line(fp, "%s",
	    "bell\a and \xc2\x9b"
	    "31m");
}

static void
test_line(void **state)
{
	char *text = capture(line_fill);

	(void)state;
	assert_string_equal(text, "reason\nbell? and ?31m\n");
	free(text);
}

static void
events_fill(FILE *fp)
{
	struct wire_event ev[3];

	memset(ev, 0, sizeof(ev));
	ev[0].at = NOW;
	util_strlcpy(ev[0].relay, "r1", sizeof(ev[0].relay));
	util_strlcpy(ev[0].kind, "transition", sizeof(ev[0].kind));
	util_strlcpy(ev[0].from_state, "active", sizeof(ev[0].from_state));
	util_strlcpy(ev[0].to_state, "drained", sizeof(ev[0].to_state));
	util_strlcpy(ev[0].rule, "ip-blocked", sizeof(ev[0].rule));
	util_strlcpy(ev[0].provider, "outlook", sizeof(ev[0].provider));
	util_strlcpy(ev[0].intent, "drain", sizeof(ev[0].intent));
	util_strlcpy(
	    ev[0].counts, "1 ip_blocked from outlook", sizeof(ev[0].counts));
	ev[0].until = NOW + 14400;
	util_strlcpy(ev[0].reason, "held 4h", sizeof(ev[0].reason));
	ev[1] = ev[0];
	util_strlcpy(ev[1].kind, "operator", sizeof(ev[1].kind));
	util_strlcpy(ev[1].rule, "operator", sizeof(ev[1].rule));
	util_strlcpy(ev[1].operator, "alice", sizeof(ev[1].operator));
	ev[1].provider[0] = ev[1].counts[0] = '\0';
	ev[1].until = 0;
	util_strlcpy(ev[2].relay, "r2", sizeof(ev[2].relay));
	util_strlcpy(ev[2].kind, "alert", sizeof(ev[2].kind));
	util_strlcpy(ev[2].rule, "agent-silent", sizeof(ev[2].rule));
	util_strlcpy(ev[2].operator, "bob", sizeof(ev[2].operator));
	ev[2].at = NOW + 1;
	cli_print_events(fp, "", ev, 3);
}

/* CHANGE is from->to, RULE names the operator, INTENT has the weight. */
static void
test_events_table(void **state)
{
	char *text = capture(events_fill);

	(void)state;
	assert_string_equal(text,
	    "TIME                  RELAY  KIND        CHANGE           RULE"
	    "            PROVIDER  INTENT    UNTIL                 COUNTS"
	    "                     REASON\n"
	    "2026-12-02T10:00:00Z  r1     transition  active->drained  "
	    "ip-blocked      outlook   drain/0%  2026-12-02T14:00:00Z  "
	    "1 ip_blocked from outlook  held 4h\n"
	    "2026-12-02T10:00:00Z  r1     operator    active->drained  "
	    "operator:alice  -         drain/0%  -                     "
	    "-                          held 4h\n"
	    "2026-12-02T10:00:01Z  r2     alert       -                "
	    "agent-silent    -         -         -                     "
	    "-                          -\n");
	free(text);
}

/* ---- show: the deciding event ------------------------------------------- */

struct ev {
	uint64_t id, at;
	const char *kind, *to;
};

static const struct {
	const char *name;
	const char *state;
	struct ev events[4];
	size_t n;
	bool want;
} decider_cases[] = {
    {"decider first", "drained",
        {{9, 500, "transition", "drained"}, {7, 100, "alert", ""},
            {9, 500, "transition", "drained"}},
        3, true},
    {"decider alone", "cordoned", {{4, 10, "operator", "cordoned"}}, 1, true},
    {"refused keeps state", "active",
        {{5, 10, "refused", "active"}, {3, 5, "alert", ""}}, 2, true},
    {"no events", "active", {{0}}, 0, false},
    {"first is an alert", "suspect",
        {{5, 10, "alert", "suspect"}, {6, 11, "transition", "drained"}}, 2,
        false},
    {"first is another state", "probation",
        {{5, 10, "transition", "drained"}, {6, 11, "transition", "active"}}, 2,
        false},
    {"a later move into the state", "drained",
        {{5, 10, "transition", "drained"}, {6, 11, "transition", "probation"},
            {7, 12, "transition", "drained"}},
        3, false},
    {"no state from fleetd", "", {{5, 10, "transition", ""}}, 1, false},
};

static void
test_show_decider(void **state)
{
	(void)state;
	for (size_t i = 0; i < NITEMS(decider_cases); i++) {
		struct wire_relay_status relay;
		struct wire_event events[4];
		struct wire_ctl_reply rep;

		memset(&relay, 0, sizeof(relay));
		memset(events, 0, sizeof(events));
		memset(&rep, 0, sizeof(rep));
		util_strlcpy(
		    relay.state, decider_cases[i].state, sizeof(relay.state));
		for (size_t k = 0; k < decider_cases[i].n; k++) {
			const struct ev *e = &decider_cases[i].events[k];

			events[k].id = e->id;
			events[k].at = e->at;
			util_strlcpy(
			    events[k].kind, e->kind, sizeof(events[k].kind));
			util_strlcpy(events[k].to_state, e->to,
			    sizeof(events[k].to_state));
		}
		rep.n_relays = 1;
		rep.relays = &relay;
		rep.n_events = decider_cases[i].n;
		rep.events = events;
		if (cmd_show_has_decider(&rep) != decider_cases[i].want)
			fail_msg("%s: wanted %d", decider_cases[i].name,
			    decider_cases[i].want);
	}
}

/* ---- JSON --------------------------------------------------------------- */

static void
test_json_relay(void **state)
{
	static const char *const keys[] = {"name", "ip", "hosting",
	    "last_report_age", "last_seq", "reports", "queue", "worst", "state",
	    "weight", "since", "until", "rule", "provider", "reason", "intent",
	    "score"};
	struct wire_relay_status r;
	cJSON *o;

	(void)state;
	memset(&r, 0, sizeof(r));
	util_strlcpy(r.name, "relay3", sizeof(r.name));
	util_strlcpy(r.ip, "192.0.2.13", sizeof(r.ip));
	r.score = -1;
	o = cli_json_relay(&r, NOW);
	for (size_t i = 0; i < NITEMS(keys); i++)
		if (cJSON_GetObjectItemCaseSensitive(o, keys[i]) == NULL)
			fail_msg("key %s missing", keys[i]);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "state")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "weight")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "score")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "last_report_age")));
	assert_string_equal(cJSON_GetObjectItem(o, "hosting")->valuestring, "");
	cJSON_Delete(o);

	util_strlcpy(r.state, "drained", sizeof(r.state));
	util_strlcpy(r.rule, "ip-blocked", sizeof(r.rule));
	util_strlcpy(r.provider, "outlook", sizeof(r.provider));
	util_strlcpy(r.intent, "drain", sizeof(r.intent));
	r.since = NOW - 60;
	r.until = NOW + 14400;
	r.score = 12;
	o = cli_json_relay(&r, NOW);
	assert_string_equal(
	    cJSON_GetObjectItem(o, "state")->valuestring, "drained");
	assert_string_equal(
	    cJSON_GetObjectItem(o, "rule")->valuestring, "ip-blocked");
	assert_int_equal(cJSON_GetObjectItem(o, "weight")->valueint, 0);
	assert_int_equal(cJSON_GetObjectItem(o, "score")->valueint, 12);
	assert_true(cJSON_GetObjectItem(o, "until")->valuedouble ==
	            (double)(NOW + 14400));
	cJSON_Delete(o);
}

static void
test_json_event(void **state)
{
	static char text[] = "550 5.7.1 \xff blocked";
	struct wire_event e;
	cJSON *o, *s;

	(void)state;
	memset(&e, 0, sizeof(e));
	e.id = 7;
	e.at = NOW;
	util_strlcpy(e.relay, "relay3", sizeof(e.relay));
	util_strlcpy(e.kind, "transition", sizeof(e.kind));
	util_strlcpy(e.from_state, "active", sizeof(e.from_state));
	util_strlcpy(e.to_state, "drained", sizeof(e.to_state));
	e.n_samples = 1;
	e.samples[0].text = text;
	e.samples[0].cls = CLASS_IP_BLOCKED;
	e.samples[0].status = STATUS_BOUNCED;
	e.samples[0].first_seen = NOW - 5;
	o = cli_json_event(&e);
	assert_string_equal(
	    cJSON_GetObjectItem(o, "from")->valuestring, "active");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "until")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "operator")));
	s = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "samples"), 0);
	assert_non_null(s);
	/* JSON is UTF-8: the byte that is not becomes '?' */
	assert_string_equal(
	    cJSON_GetObjectItem(s, "text")->valuestring, "550 5.7.1 ? blocked");
	assert_string_equal(
	    cJSON_GetObjectItem(s, "class")->valuestring, "ip_blocked");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(s, "last_seen")));
	cJSON_Delete(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_clean),
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_line),
	    cmocka_unit_test(test_events_table),
	    cmocka_unit_test(test_show_decider),
	    cmocka_unit_test(test_json_relay),
	    cmocka_unit_test(test_json_event),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
