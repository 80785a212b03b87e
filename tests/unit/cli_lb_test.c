/* SPDX-License-Identifier: ISC */
/*
 * What fleetctl prints of the load balancers: the table and the JSON of
 * `fleetctl lb`, the APPLIED column of `status`, the load balancers
 * section of `show` and the "lb" array of a relay's JSON.  No fleetd is
 * needed.
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

/* ---- load balancers ----------------------------------------------------- */

static struct wire_lb_status lbs[3];
static struct wire_ctl_reply lb_rep;

/* edge1 failing and out of sync, pool never done, ext in sync but held. */
static void
lb_fixture(void)
{
	memset(lbs, 0, sizeof(lbs));
	memset(&lb_rep, 0, sizeof(lb_rep));
	util_strlcpy(lbs[0].name, "edge1", sizeof(lbs[0].name));
	util_strlcpy(lbs[0].driver, "haproxy", sizeof(lbs[0].driver));
	util_strlcpy(
	    lbs[0].target, "/run/haproxy/admin.sock", sizeof(lbs[0].target));
	lbs[0].last_attempt_at = NOW - 5;
	lbs[0].last_success_at = NOW - 300;
	lbs[0].out_of_sync = 3;
	lbs[0].held = 1;
	lbs[0].drift = 2;
	lbs[0].failures = 4;
	lbs[0].rounds = 40;
	util_strlcpy(lbs[0].last_error,
	    "set server mail/relay1 state drain: \033[31mNo such server.",
	    sizeof(lbs[0].last_error));
	lbs[0].last_error_at = NOW - 120;
	util_strlcpy(lbs[1].name, "pool", sizeof(lbs[1].name));
	util_strlcpy(lbs[1].driver, "file", sizeof(lbs[1].driver));
	util_strlcpy(lbs[1].target, "/var/lib/relayfleet/pool.json",
	    sizeof(lbs[1].target));
	util_strlcpy(lbs[2].name, "ext", sizeof(lbs[2].name));
	util_strlcpy(lbs[2].driver, "exec", sizeof(lbs[2].driver));
	util_strlcpy(
	    lbs[2].target, "/usr/local/bin/lb-hook", sizeof(lbs[2].target));
	lbs[2].last_success_at = NOW - 10;
	lbs[2].held = 2;
	util_strlcpy(lbs[2].last_error, "exit 1", sizeof(lbs[2].last_error));
	lb_rep.ok = true;
	lb_rep.now = NOW;
	lb_rep.n_lbs = 3;
	lb_rep.lbs = lbs;
}

static void
lb_fill(FILE *fp)
{
	lb_fixture();
	cmd_lb_print(fp, &lb_rep);
}

static void
lb_none_fill(FILE *fp)
{
	lb_fixture();
	lb_rep.n_lbs = 0;
	cmd_lb_print(fp, &lb_rep);
}

/* One row each; the errors after the table, named, aged and cleaned. */
static void
test_lb_table(void **state)
{
	char *text = capture(lb_fill);

	(void)state;
	assert_string_equal(text,
	    "NAME   DRIVER   TARGET                         LAST-OK  "
	    "SYNC                   DRIFT  FAILURES\n"
	    "edge1  haproxy  /run/haproxy/admin.sock        5m       "
	    "3 out of sync, 1 held  2      4\n"
	    "pool   file     /var/lib/relayfleet/pool.json  never    "
	    "in sync                0      0\n"
	    "ext    exec     /usr/local/bin/lb-hook         10s      "
	    "in sync, 2 held        0      0\n"
	    "  edge1: last error (2m ago): set server mail/relay1 state "
	    "drain: ?[31mNo such server.\n"
	    "  ext: last error: exit 1\n");
	free(text);
	text = capture(lb_none_fill);
	assert_string_equal(
	    text, "no load balancer configured ([lb NAME] in fleetd.conf)\n");
	free(text);
}

static void
test_lb_json(void **state)
{
	static const char *const keys[] = {"name", "driver", "target",
	    "last_attempt_at", "last_success_at", "out_of_sync", "held",
	    "rounds", "failures", "drift", "applied", "last_error",
	    "last_error_at"};
	cJSON *doc, *arr, *o;

	(void)state;
	lb_fixture();
	doc = cmd_lb_json(&lb_rep);
	assert_true(cJSON_GetObjectItem(doc, "now")->valuedouble == NOW);
	arr = cJSON_GetObjectItem(doc, "lbs");
	assert_int_equal(cJSON_GetArraySize(arr), 3);
	o = cJSON_GetArrayItem(arr, 0);
	for (size_t i = 0; i < NITEMS(keys); i++)
		if (cJSON_GetObjectItemCaseSensitive(o, keys[i]) == NULL)
			fail_msg("key %s missing", keys[i]);
	assert_string_equal(
	    cJSON_GetObjectItem(o, "driver")->valuestring, "haproxy");
	assert_int_equal(cJSON_GetObjectItem(o, "out_of_sync")->valueint, 3);
	assert_int_equal(cJSON_GetObjectItem(o, "rounds")->valueint, 40);
	assert_string_equal(cJSON_GetObjectItem(o, "last_error")->valuestring,
	    "set server mail/relay1 state drain: ?[31mNo such server.");
	o = cJSON_GetArrayItem(arr, 1);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "last_success_at")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "last_error")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "last_error_at")));
	cJSON_Delete(doc);
	lb_rep.n_lbs = 0;
	doc = cmd_lb_json(&lb_rep);
	arr = cJSON_GetObjectItem(doc, "lbs");
	assert_true(cJSON_IsArray(arr));
	assert_int_equal(cJSON_GetArraySize(arr), 0);
	cJSON_Delete(doc);
}

static struct wire_lb_applied applied[4];
static struct wire_relay_status lb_relays[3];

/* r1 drained but edge1 ready; r2 held on edge1 and unknown on edge2. */
static void
applied_fixture(struct wire_ctl_reply *rep)
{
	memset(applied, 0, sizeof(applied));
	memset(lb_relays, 0, sizeof(lb_relays));
	memset(rep, 0, sizeof(*rep));
	util_strlcpy(applied[0].lb, "edge1", sizeof(applied[0].lb));
	applied[0].known = true;
	util_strlcpy(applied[0].intent, "ready", sizeof(applied[0].intent));
	applied[0].weight = 100;
	util_strlcpy(applied[0].target, "mail/r1", sizeof(applied[0].target));
	applied[1] = applied[0];
	applied[1].held = true;
	util_strlcpy(applied[1].target, "mail/r2", sizeof(applied[1].target));
	util_strlcpy(applied[2].lb, "edge2", sizeof(applied[2].lb));
	util_strlcpy(applied[2].target, "mail/r2", sizeof(applied[2].target));
	util_strlcpy(applied[2].error, "connect: refused\x1b[2J",
	    sizeof(applied[2].error));
	util_strlcpy(lb_relays[0].name, "r1", sizeof(lb_relays[0].name));
	util_strlcpy(lb_relays[0].state, "drained", sizeof(lb_relays[0].state));
	lb_relays[0].n_lb = 1;
	lb_relays[0].lb = &applied[0];
	util_strlcpy(lb_relays[1].name, "r2", sizeof(lb_relays[1].name));
	util_strlcpy(lb_relays[1].state, "active", sizeof(lb_relays[1].state));
	lb_relays[1].weight = 100;
	lb_relays[1].n_lb = 2;
	lb_relays[1].lb = &applied[1];
	util_strlcpy(lb_relays[2].name, "r3", sizeof(lb_relays[2].name));
	rep->now = NOW;
	rep->n_relays = 3;
	rep->relays = lb_relays;
}

static void
status_fill(FILE *fp)
{
	struct wire_ctl_reply rep;

	applied_fixture(&rep);
	cmd_status_print(fp, &rep);
}

static void
show_lb_fill(FILE *fp)
{
	struct wire_ctl_reply rep;

	applied_fixture(&rep);
	cli_print_lb_applied(fp, "  ", &rep.relays[1]);
}

/* APPLIED right after WEIGHT: "-", the first entry, "+N" for the rest. */
static void
test_lb_applied(void **state)
{
	struct wire_ctl_reply rep;
	char buf[128];
	char *text = capture(status_fill);

	(void)state;
	assert_string_equal(text,
	    "RELAY  IP  HOSTING  STATE    WEIGHT  APPLIED            SINCE  "
	    "UNTIL  REASON  DEFERRED  HOLD  WORST_1H\n"
	    "r1     -   -        drained  0%      edge1: ready 100%  -      "
	    "-      -       -         -     -\n"
	    "r2     -   -        active   100%    edge1: held +1     -      "
	    "-      -       -         -     -\n"
	    "r3     -   -        -        -       -                  -      "
	    "-      -       -         -     -\n");
	free(text);
	applied_fixture(&rep);
	cli_format_applied(buf, sizeof(buf), &rep.relays[1]);
	assert_string_equal(buf, "edge1: held +1");
	rep.relays[1].lb = &applied[2];
	rep.relays[1].n_lb = 1;
	cli_format_applied(buf, sizeof(buf), &rep.relays[1]);
	assert_string_equal(buf, "edge2: unknown");
	text = capture(show_lb_fill);
	assert_string_equal(text,
	    "  LB     TARGET   APPLIED           ERROR\n"
	    "  edge1  mail/r2  ready 100%, held  -\n"
	    "  edge2  mail/r2  unknown           connect: refused?[2J\n");
	free(text);
}

/* "lb" is always an array; intent and weight null unless known. */
static void
test_json_relay_lb(void **state)
{
	struct wire_ctl_reply rep;
	cJSON *o, *arr, *e;

	(void)state;
	applied_fixture(&rep);
	o = cli_json_relay(&rep.relays[2], NOW);
	arr = cJSON_GetObjectItem(o, "lb");
	assert_true(cJSON_IsArray(arr));
	assert_int_equal(cJSON_GetArraySize(arr), 0);
	cJSON_Delete(o);
	o = cli_json_relay(&rep.relays[1], NOW);
	arr = cJSON_GetObjectItem(o, "lb");
	assert_int_equal(cJSON_GetArraySize(arr), 2);
	e = cJSON_GetArrayItem(arr, 0);
	assert_string_equal(cJSON_GetObjectItem(e, "lb")->valuestring, "edge1");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(e, "known")));
	assert_string_equal(
	    cJSON_GetObjectItem(e, "intent")->valuestring, "ready");
	assert_int_equal(cJSON_GetObjectItem(e, "weight")->valueint, 100);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(e, "held")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(e, "error")));
	e = cJSON_GetArrayItem(arr, 1);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(e, "known")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(e, "intent")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(e, "weight")));
	assert_string_equal(
	    cJSON_GetObjectItem(e, "target")->valuestring, "mail/r2");
	assert_string_equal(cJSON_GetObjectItem(e, "error")->valuestring,
	    "connect: refused?[2J");
	cJSON_Delete(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lb_table),
	    cmocka_unit_test(test_lb_json),
	    cmocka_unit_test(test_lb_applied),
	    cmocka_unit_test(test_json_relay_lb),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
