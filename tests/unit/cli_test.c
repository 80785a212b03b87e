/* SPDX-License-Identifier: ISC */
/*
 * fleetctl's pure parts, the input side: the time parser and the formats
 * of times and spans, and the argv parsers of every verb (what each puts
 * into the wire request, and which command lines are usage errors).
 * What fleetctl prints is tested in cli_print_test.c, what it prints of
 * the load balancers in cli_lb_test.c.  No fleetd is needed.
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

#define ARGV_MAX 16

/* A table row for a command line the parser must refuse with err. */
#define BAD(n, e, ...)                                                         \
	{                                                                      \
		.name = (n), .argv = {__VA_ARGS__}, .err = (e)                 \
	}
#define SBAD(n, f, e, ...)                                                     \
	{                                                                      \
		.name = (n), .fn = (f), .argv = {__VA_ARGS__}, .err = (e)      \
	}

/* A writable copy of a NULL-terminated argv (the parsers take char **). */
struct argv_copy {
	int argc;
	char *argv[ARGV_MAX + 1];
};

static void
argv_copy_init(struct argv_copy *a, const char *const *src)
{
	memset(a, 0, sizeof(*a));
	while (a->argc < ARGV_MAX && src[a->argc] != NULL) {
		a->argv[a->argc] = xstrdup(src[a->argc]);
		a->argc++;
	}
}

static void
argv_copy_fini(struct argv_copy *a)
{
	for (int i = 0; i < a->argc; i++)
		free(a->argv[i]);
}

/* Checks a parser's verdict against the expected error (NULL: none). */
static bool
verdict_ok(const char *name, int rv, const char *errstr, const char *err)
{
	if (err == NULL && rv != 0)
		fail_msg("%s: refused: %s", name, errstr);
	if (err != NULL && rv != -1)
		fail_msg("%s: accepted, wanted '%s'", name, err);
	if (err != NULL && strstr(errstr, err) == NULL)
		fail_msg("%s: got '%s', wanted '%s'", name, errstr, err);
	return (err == NULL);
}

/* ---- cli_parse_time ----------------------------------------------------- */

static const struct {
	const char *name, *in;
	uint64_t want; /* when err is NULL */
	const char *err;
} time_cases[] = {
    {"utc", "2026-12-02T10:00:00Z", 1796205600, NULL},
    {"lower case t and z", "2026-12-02t10:00:00z", 1796205600, NULL},
    {"space for T", "2026-12-02 10:00:00Z", 1796205600, NULL},
    {"offset +01:00", "2026-12-02T11:00:00+01:00", 1796205600, NULL},
    {"offset -05:30", "2026-12-02T04:30:00-05:30", 1796205600, NULL},
    {"offset -00:00", "2026-12-02T10:00:00-00:00", 1796205600, NULL},
    {"offset crosses the day", "2026-12-03T00:30:00+14:30", 1796205600, NULL},
    {"fraction dropped", "2026-12-02T10:00:00.999Z", 1796205600, NULL},
    {"leap day 2024", "2024-02-29T00:00:00Z", 1709164800, NULL},
    {"leap day 2000", "2000-02-29T12:34:56Z", 951827696, NULL},
    {"leap second", "2016-12-31T23:59:60Z", 1483228800, NULL},
    {"leap second in +01:00", "2017-01-01T00:59:60+01:00", 1483228800, NULL},
    {"first second", "1970-01-01T00:00:01Z", 1, NULL},
    {"last second", "9999-12-31T23:59:59Z", CLI_TIME_MAX, NULL},
    {"now", "now", 0, NULL},
    {"relative minutes", "+30m", NOW + 1800, NULL},
    {"relative days", "+2d", NOW + 172800, NULL},
    {"relative zero", "+0s", NOW, NULL},
    {"relative ms truncated", "+1500ms", NOW + 1, NULL},
    {"no leap day 2026", "2026-02-29T00:00:00Z", 0, "day out of range"},
    {"no leap day 1900", "1900-02-29T00:00:00Z", 0, "day out of range"},
    {"no leap day 2100", "2100-02-29T00:00:00Z", 0, "day out of range"},
    {"april 31", "2026-04-31T00:00:00Z", 0, "day out of range"},
    {"day 0", "2026-12-00T10:00:00Z", 0, "day out of range"},
    {"month 13", "2026-13-02T10:00:00Z", 0, "month out of range"},
    {"month 0", "2026-00-02T10:00:00Z", 0, "month out of range"},
    {"hour 24", "2026-12-02T24:00:00Z", 0, "hour out of range"},
    {"minute 60", "2026-12-02T10:60:00Z", 0, "minute out of range"},
    {"second 61", "2026-12-02T10:00:61Z", 0, "second out of range"},
    {"leap second at noon", "2016-12-31T12:00:60Z", 0, "second out of range"},
    {"offset hour 24", "2026-12-02T10:00:00+24:00", 0, "offset out of range"},
    {"offset minute 60", "2026-12-02T10:00:00+01:60", 0, "offset out of range"},
    {"offset without colon", "2026-12-02T10:00:00+0100", 0, "not a time"},
    {"no zone", "2026-12-02T10:00:00", 0, "not a time"},
    {"date only", "2026-12-02", 0, "not a time"},
    {"no seconds", "2026-12-02T10:00Z", 0, "not a time"},
    {"trailing garbage", "2026-12-02T10:00:00Zx", 0, "not a time"},
    {"empty fraction", "2026-12-02T10:00:00.Z", 0, "not a time"},
    {"five digit year", "20260-12-02T10:00:00Z", 0, "not a time"},
    {"signed field", "2026-+2-02T10:00:00Z", 0, "not a time"},
    {"garbage", "tomorrow", 0, "not a time"},
    {"empty", "", 0, "not a time"},
    {"Now is not now", "Now", 0, "not a time"},
    {"before 1970", "1969-12-31T23:59:59Z", 0, "before 1970"},
    {"epoch itself", "1970-01-01T00:00:00Z", 0, "before 1970"},
    {"epoch by offset", "1970-01-01T00:30:00+01:00", 0, "before 1970"},
    {"past 9999 by offset", "9999-12-31T23:59:59-01:00", 0, "after 9999"},
    {"relative negative", "-30m", 0, "not a time"},
    {"relative bare plus", "+", 0, "duration"},
    {"relative unknown unit", "+3w", 0, "unit"},
    {"relative overflow", "+99999999999999999999d", 0, ""},
    {"relative past 9999", "+3000000d", 0, "after 9999"},
};

static void
test_parse_time(void **state)
{
	(void)state;
	for (size_t i = 0; i < NITEMS(time_cases); i++) {
		uint64_t out = 12345;
		const char *errstr = "";
		int rv = cli_parse_time(time_cases[i].in, NOW, &out, &errstr);

		if (!verdict_ok(
		        time_cases[i].name, rv, errstr, time_cases[i].err)) {
			if (out != 12345)
				fail_msg("%s: *out written on failure",
				    time_cases[i].name);
			continue;
		}
		if (out != time_cases[i].want)
			fail_msg("%s: %llu, wanted %llu", time_cases[i].name,
			    (unsigned long long)out,
			    (unsigned long long)time_cases[i].want);
	}
}

/* cli_format_time() writes what cli_parse_time() reads back. */
static void
test_format_time(void **state)
{
	static const char *const canon[] = {"1970-01-01T00:00:01Z",
	    "2000-02-29T12:34:56Z", "2016-12-31T23:59:59Z",
	    "2026-12-02T10:00:00Z", "9999-12-31T23:59:59Z"};
	char buf[32];
	const char *errstr;
	uint64_t t;

	(void)state;
	for (size_t i = 0; i < NITEMS(canon); i++) {
		assert_int_equal(cli_parse_time(canon[i], NOW, &t, &errstr), 0);
		cli_format_time(buf, sizeof(buf), t);
		assert_string_equal(buf, canon[i]);
	}
	cli_format_time(buf, sizeof(buf), 0);
	assert_string_equal(buf, "-");
	cli_format_time(buf, sizeof(buf), CLI_TIME_MAX + 1);
	assert_string_equal(buf, "-");
}

static const struct {
	const char *name;
	uint64_t secs;
	const char *age, *span;
} format_cases[] = {
    {"zero", 0, "0s", "0s"},
    {"seconds", 90, "90s", "90s"},
    {"five minutes", 300, "5m", "5m"},
    {"an hour", 3600, "60m", "1h"},
    {"ninety minutes", 5400, "90m", "90m"},
    {"a day", 86400, "24h", "24h"},
    {"three days", 259200, "3d", "72h"},
};

static void
test_format_age_span(void **state)
{
	char buf[32];

	(void)state;
	for (size_t i = 0; i < NITEMS(format_cases); i++) {
		cli_format_age(buf, sizeof(buf), format_cases[i].secs);
		if (strcmp(buf, format_cases[i].age) != 0)
			fail_msg("%s: age %s", format_cases[i].name, buf);
		cli_format_span(buf, sizeof(buf), format_cases[i].secs);
		if (strcmp(buf, format_cases[i].span) != 0)
			fail_msg("%s: span %s", format_cases[i].name, buf);
	}
}

/* ---- drain and enable --------------------------------------------------- */

static const struct {
	const char *name;
	const char *argv[ARGV_MAX];
	const char *err;
	const char *relay, *reason;
	uint64_t duration_s;
	bool force;
} drain_cases[] = {
    {"reason only", {"drain", "relay3", "--reason", "ptr lost"}, NULL, "relay3",
        "ptr lost", 0, false},
    {"options first", {"drain", "--reason=ptr lost", "--for", "4h", "r1"}, NULL,
        "r1", "ptr lost", 14400, false},
    {"for and force", {"drain", "r1", "--for=90s", "--force", "--reason", "x"},
        NULL, "r1", "x", 90, true},
    {"for in days", {"drain", "r1", "--reason", "x", "--for", "2d"}, NULL, "r1",
        "x", 172800, false},
    {"dashdash relay", {"drain", "--reason", "x", "--", "-odd-"}, NULL, "-odd-",
        "x", 0, false},
    {"utf-8 reason", {"drain", "r1", "--reason", "Störung – hoster"}, NULL,
        "r1", "Störung – hoster", 0, false},
    BAD("no reason", "--reason is required", "drain", "r1"),
    BAD("no reason with for", "--reason is required", "drain", "r1", "--for",
        "1h"),
    BAD("empty reason", "--reason is empty", "drain", "r1", "--reason", ""),
    BAD("reason with a newline", "control character", "drain", "r1", "--reason",
        "a\nb"),
    BAD("reason with escape", "control character", "drain", "r1", "--reason",
        "a\033[2Jb"),
    BAD("reason value missing", "option needs a value", "drain", "r1",
        "--reason"),
    BAD("no relay", "RELAY missing", "drain", "--reason", "x"),
    BAD("two relays", "too many arguments", "drain", "r1", "r2", "--reason",
        "x"),
    BAD("bad relay", "RELAY is 1-63", "drain", "r/1", "--reason", "x"),
    BAD("reason twice", "given twice", "drain", "r1", "--reason", "x",
        "--reason", "y"),
    BAD("unknown option", "unknown option", "drain", "r1", "--reason", "x",
        "--now"),
    BAD("prefix is no option", "unknown option", "drain", "r1", "--reas", "x"),
    BAD("flag with value", "takes no value", "drain", "r1", "--reason", "x",
        "--force=yes"),
    BAD("for garbage", "--for takes a duration", "drain", "r1", "--reason", "x",
        "--for", "soon"),
    BAD("for zero", "--for takes a duration", "drain", "r1", "--reason", "x",
        "--for", "0"),
    BAD("for too long", "--for takes a duration", "drain", "r1", "--reason",
        "x", "--for", "367d"),
    BAD("for overflow", "--for takes a duration", "drain", "r1", "--reason",
        "x", "--for", "99999999999999999999d"),
};

static void
test_drain_parse(void **state)
{
	char longreason[WIRE_REASON_MAX + 2];
	const char *argv[] = {"drain", "r1", "--reason", longreason, NULL};
	struct wire_ctl_request req;
	struct argv_copy a;
	const char *errstr;

	(void)state;
	for (size_t i = 0; i < NITEMS(drain_cases); i++) {
		int rv;

		argv_copy_init(&a, drain_cases[i].argv);
		errstr = "";
		rv = cmd_drain_parse(a.argc, a.argv, &req, &errstr);
		argv_copy_fini(&a);
		if (!verdict_ok(
		        drain_cases[i].name, rv, errstr, drain_cases[i].err))
			continue;
		if (req.op != WIRE_CTL_DRAIN ||
		    strcmp(req.relay, drain_cases[i].relay) != 0 ||
		    strcmp(req.reason, drain_cases[i].reason) != 0 ||
		    req.duration_s != drain_cases[i].duration_s ||
		    req.force != drain_cases[i].force || req.now)
			fail_msg("%s: op %d relay '%s' reason '%s' for %llu "
			         "force %d",
			    drain_cases[i].name, (int)req.op, req.relay,
			    req.reason, (unsigned long long)req.duration_s,
			    req.force);
		wire_ctl_request_fini(&req);
	}
	memset(longreason, 'x', sizeof(longreason) - 1);
	longreason[sizeof(longreason) - 1] = '\0';
	argv_copy_init(&a, argv);
	assert_int_equal(cmd_drain_parse(a.argc, a.argv, &req, &errstr), -1);
	assert_non_null(strstr(errstr, "longer than 255"));
	longreason[WIRE_REASON_MAX] = '\0'; /* exactly the limit */
	argv_copy_fini(&a);
	argv_copy_init(&a, argv);
	assert_int_equal(cmd_drain_parse(a.argc, a.argv, &req, &errstr), 0);
	assert_int_equal(strlen(req.reason), WIRE_REASON_MAX);
	wire_ctl_request_fini(&req);
	argv_copy_fini(&a);
}

static const struct {
	const char *name;
	const char *argv[ARGV_MAX];
	const char *err;
	const char *relay;
	bool now;
} enable_cases[] = {
    {"probation", {"enable", "relay3"}, NULL, "relay3", false},
    {"now", {"enable", "relay3", "--now"}, NULL, "relay3", true},
    {"now first", {"enable", "--now", "relay3"}, NULL, "relay3", true},
    BAD("no relay", "RELAY missing", "enable"),
    BAD("no relay with now", "RELAY missing", "enable", "--now"),
    BAD("two relays", "too many arguments", "enable", "a", "b"),
    BAD("now twice", "given twice", "enable", "a", "--now", "--now"),
    BAD("force is no enable option", "unknown option", "enable", "a",
        "--force"),
    BAD("long relay", "RELAY is 1-63", "enable",
        "r123456789012345678901234567890123456789012345678901234567890"
        "1234"),
};

static void
test_enable_parse(void **state)
{
	struct wire_ctl_request req;
	struct argv_copy a;
	const char *errstr;

	(void)state;
	for (size_t i = 0; i < NITEMS(enable_cases); i++) {
		int rv;

		argv_copy_init(&a, enable_cases[i].argv);
		errstr = "";
		rv = cmd_enable_parse(a.argc, a.argv, &req, &errstr);
		argv_copy_fini(&a);
		if (!verdict_ok(
		        enable_cases[i].name, rv, errstr, enable_cases[i].err))
			continue;
		if (req.op != WIRE_CTL_ENABLE ||
		    strcmp(req.relay, enable_cases[i].relay) != 0 ||
		    req.now != enable_cases[i].now || req.force)
			fail_msg("%s: relay '%s' now %d", enable_cases[i].name,
			    req.relay, req.now);
		wire_ctl_request_fini(&req);
	}
}

/* ---- maint -------------------------------------------------------------- */

#define T10 "2026-12-02T10:00:00Z"
#define T12 "2026-12-02T12:00:00Z"

static const struct {
	const char *name;
	const char *argv[ARGV_MAX];
	const char *err;
	enum wire_ctl_op op;
	const char *wname, *relays, *hosting; /* relays joined by ',' */
	uint64_t start, end;
	const char *reason;
	bool force;
} maint_cases[] = {
    {"add relays",
        {"maint", "add", "w1", "--relays", "r1,r2", "--start", T10, "--end",
            T12, "--reason", "kernel"},
        NULL, WIRE_CTL_MAINT_ADD, "w1", "r1,r2", "", 1796205600, 1796212800,
        "kernel", false},
    {"add hosting now",
        {"maint", "add", "--hosting", "hz-fsn", "--start", "now", "--end",
            "+2h", "--reason", "rack move", "--force", "w2"},
        NULL, WIRE_CTL_MAINT_ADD, "w2", "", "hz-fsn", 0, NOW + 7200,
        "rack move", true},
    {"add with offsets",
        {"maint", "add", "w3", "--relays=r1", "--start=" T10,
            "--end=2026-12-02T13:00:00+01:00", "--reason=x"},
        NULL, WIRE_CTL_MAINT_ADD, "w3", "r1", "", 1796205600, 1796212800, "x",
        false},
    {"add relative start",
        {"maint", "add", "w4", "--relays", "r1", "--start", "+30m", "--end",
            "+90m", "--reason", "x"},
        NULL, WIRE_CTL_MAINT_ADD, "w4", "r1", "", NOW + 1800, NOW + 5400, "x",
        false},
    {"list", {"maint", "list"}, NULL, WIRE_CTL_MAINT_LIST, "", "", "", 0, 0, "",
        false},
    {"cancel", {"maint", "cancel", "w1"}, NULL, WIRE_CTL_MAINT_CANCEL, "w1", "",
        "", 0, 0, "", false},
    BAD("no subcommand", "add, list or cancel missing", "maint"),
    BAD("unknown subcommand", "unknown subcommand", "maint", "remove", "w1"),
    BAD("list takes nothing", "too many arguments", "maint", "list", "w1"),
    BAD("list takes no option", "unknown option", "maint", "list", "--all"),
    BAD("cancel without name", "NAME missing", "maint", "cancel"),
    BAD("cancel bad name", "NAME is 1-63", "maint", "cancel", "w 1"),
    BAD("add without name", "NAME missing", "maint", "add", "--relays", "r1",
        "--start", T10, "--end", T12, "--reason", "x"),
    BAD("add both targets", "not both", "maint", "add", "w", "--relays", "r1",
        "--hosting", "h", "--start", T10, "--end", T12, "--reason", "x"),
    BAD("add no target", "--relays or --hosting is required", "maint", "add",
        "w", "--start", T10, "--end", T12, "--reason", "x"),
    BAD("add provider", "--hosting names the hosting provider", "maint", "add",
        "w", "--provider", "outlook", "--start", T10, "--end", T12, "--reason",
        "x"),
    BAD("add provider with hosting", "--hosting names the hosting provider",
        "maint", "add", "w", "--hosting", "h", "--provider", "h", "--start",
        T10, "--end", T12, "--reason", "x"),
    BAD("add empty relay", "--relays: an empty name", "maint", "add", "w",
        "--relays", "r1,,r2", "--start", T10, "--end", T12, "--reason", "x"),
    BAD("add trailing comma", "--relays: an empty name", "maint", "add", "w",
        "--relays", "r1,", "--start", T10, "--end", T12, "--reason", "x"),
    BAD("add empty relays", "--relays: an empty name", "maint", "add", "w",
        "--relays", "", "--start", T10, "--end", T12, "--reason", "x"),
    BAD("add relay twice", "given twice", "maint", "add", "w", "--relays",
        "r1,r2,r1", "--start", T10, "--end", T12, "--reason", "x"),
    BAD("add bad relay", "--relays: a name is", "maint", "add", "w", "--relays",
        "r1,r 2", "--start", T10, "--end", T12, "--reason", "x"),
    BAD("add bad hosting", "--hosting is 1-63", "maint", "add", "w",
        "--hosting", "a b", "--start", T10, "--end", T12, "--reason", "x"),
    BAD("add no start", "--start is required", "maint", "add", "w", "--relays",
        "r1", "--end", T12, "--reason", "x"),
    BAD("add no end", "--end is required", "maint", "add", "w", "--relays",
        "r1", "--start", T10, "--reason", "x"),
    BAD("add end now", "--end cannot be now", "maint", "add", "w", "--relays",
        "r1", "--start", "now", "--end", "now", "--reason", "x"),
    BAD("add end before start", "--end must be after --start", "maint", "add",
        "w", "--relays", "r1", "--start", T12, "--end", T10, "--reason", "x"),
    BAD("add end equals start", "--end must be after --start", "maint", "add",
        "w", "--relays", "r1", "--start", T12, "--end", T12, "--reason", "x"),
    BAD("add end in the past", "--end is in the past", "maint", "add", "w",
        "--relays", "r1", "--start", "now", "--end", "2026-12-02T09:00:00Z",
        "--reason", "x"),
    BAD("add bad start", "day out of range", "maint", "add", "w", "--relays",
        "r1", "--start", "2026-02-30T00:00:00Z", "--end", T12, "--reason", "x"),
    BAD("add bad end", "not a time", "maint", "add", "w", "--relays", "r1",
        "--start", T10, "--end", "noon", "--reason", "x"),
    BAD("add no reason", "--reason is required", "maint", "add", "w",
        "--relays", "r1", "--start", T10, "--end", T12),
    BAD("add two names", "too many arguments", "maint", "add", "w", "v",
        "--relays", "r1", "--start", T10, "--end", T12, "--reason", "x"),
};

static void
join_relays(char *buf, size_t len, const struct wire_ctl_request *req)
{
	buf[0] = '\0';
	for (size_t i = 0; i < req->n_relays; i++) {
		if (i > 0)
			strncat(buf, ",", len - strlen(buf) - 1);
		strncat(buf, req->relays[i], len - strlen(buf) - 1);
	}
}

static void
test_maint_parse(void **state)
{
	struct wire_ctl_request req;
	struct argv_copy a;
	const char *errstr;
	char joined[256];

	(void)state;
	for (size_t i = 0; i < NITEMS(maint_cases); i++) {
		int rv;

		argv_copy_init(&a, maint_cases[i].argv);
		errstr = "";
		rv = cmd_maint_parse(a.argc, a.argv, NOW, &req, &errstr);
		argv_copy_fini(&a);
		if (!verdict_ok(
		        maint_cases[i].name, rv, errstr, maint_cases[i].err)) {
			if (req.relays != NULL || req.n_relays != 0)
				fail_msg("%s: relays left on failure",
				    maint_cases[i].name);
			continue;
		}
		join_relays(joined, sizeof(joined), &req);
		if (req.op != maint_cases[i].op ||
		    strcmp(req.name, maint_cases[i].wname) != 0 ||
		    strcmp(joined, maint_cases[i].relays) != 0 ||
		    strcmp(req.hosting, maint_cases[i].hosting) != 0 ||
		    req.start != maint_cases[i].start ||
		    req.end != maint_cases[i].end ||
		    strcmp(req.reason, maint_cases[i].reason) != 0 ||
		    req.force != maint_cases[i].force)
			fail_msg("%s: op %d name '%s' relays '%s' hosting '%s' "
			         "start %llu end %llu reason '%s' force %d",
			    maint_cases[i].name, (int)req.op, req.name, joined,
			    req.hosting, (unsigned long long)req.start,
			    (unsigned long long)req.end, req.reason, req.force);
		wire_ctl_request_fini(&req);
	}
}

/* A list of WIRE_RELAYS_MAX names passes; one more is refused. */
static void
test_maint_many_relays(void **state)
{
	size_t cap = (WIRE_RELAYS_MAX + 1) * 8;
	char *list = xcalloc(1, cap);
	const char *argv[] = {"maint", "add", "w", "--relays", list, "--start",
	    "now", "--end", "+1h", "--reason", "x", NULL};
	struct wire_ctl_request req;
	struct argv_copy a;
	const char *errstr;

	(void)state;
	for (size_t i = 0; i < WIRE_RELAYS_MAX; i++)
		snprintf(list + strlen(list), cap - strlen(list), "%sr%zu",
		    i > 0 ? "," : "", i);
	argv_copy_init(&a, argv);
	assert_int_equal(
	    cmd_maint_parse(a.argc, a.argv, NOW, &req, &errstr), 0);
	assert_int_equal(req.n_relays, WIRE_RELAYS_MAX);
	assert_string_equal(req.relays[WIRE_RELAYS_MAX - 1], "r4095");
	wire_ctl_request_fini(&req);
	argv_copy_fini(&a);
	strcat(list, ",r4096");
	argv_copy_init(&a, argv);
	assert_int_equal(
	    cmd_maint_parse(a.argc, a.argv, NOW, &req, &errstr), -1);
	assert_non_null(strstr(errstr, "more than 4096"));
	argv_copy_fini(&a);
	free(list);
}

/* ---- events, status, show, agents --------------------------------------- */

static const struct {
	const char *name;
	const char *argv[ARGV_MAX];
	const char *err;
	const char *relay;
	uint64_t since;
	uint32_t limit;
} events_cases[] = {
    {"all", {"events"}, NULL, "", 0, 0},
    {"relay", {"events", "--relay", "relay3"}, NULL, "relay3", 0, 0},
    {"since", {"events", "--since", "2h"}, NULL, "", NOW - 7200, 0},
    {"since zero", {"events", "--since=0"}, NULL, "", NOW, 0},
    {"since before 1970", {"events", "--since", "30000d"}, NULL, "", 0, 0},
    {"limit", {"events", "--limit", "50", "--relay=r1"}, NULL, "r1", 0, 50},
    {"limit max", {"events", "--limit", "1000"}, NULL, "", 0, 1000},
    BAD("limit zero", "--limit is a number", "events", "--limit", "0"),
    BAD("limit too big", "--limit is a number", "events", "--limit", "1001"),
    BAD("limit signed", "--limit is a number", "events", "--limit", "-5"),
    BAD("since garbage", "--since takes a duration", "events", "--since",
        "yesterday"),
    BAD("bad relay", "--relay is 1-63", "events", "--relay", "r;1"),
    BAD("positional", "too many arguments", "events", "relay3"),
};

static void
test_events_parse(void **state)
{
	struct wire_ctl_request req;
	struct argv_copy a;
	const char *errstr;

	(void)state;
	for (size_t i = 0; i < NITEMS(events_cases); i++) {
		int rv;

		argv_copy_init(&a, events_cases[i].argv);
		errstr = "";
		rv = cmd_events_parse(a.argc, a.argv, NOW, &req, &errstr);
		argv_copy_fini(&a);
		if (!verdict_ok(
		        events_cases[i].name, rv, errstr, events_cases[i].err))
			continue;
		if (req.op != WIRE_CTL_EVENTS ||
		    strcmp(req.relay, events_cases[i].relay) != 0 ||
		    req.since != events_cases[i].since ||
		    req.limit != events_cases[i].limit)
			fail_msg("%s: relay '%s' since %llu limit %u",
			    events_cases[i].name, req.relay,
			    (unsigned long long)req.since, req.limit);
		wire_ctl_request_fini(&req);
	}
}

typedef int (*parse_fn)(int, char **, struct wire_ctl_request *, const char **);

static const struct {
	const char *name;
	parse_fn fn;
	const char *argv[ARGV_MAX];
	const char *err;
	enum wire_ctl_op op;
	const char *relay;
} simple_cases[] = {
    {"status all", cmd_status_parse, {"status"}, NULL, WIRE_CTL_STATUS, ""},
    {"status one", cmd_status_parse, {"status", "r1"}, NULL, WIRE_CTL_STATUS,
        "r1"},
    {"show", cmd_show_parse, {"show", "relay3"}, NULL, WIRE_CTL_SHOW, "relay3"},
    {"agents", cmd_agents_parse, {"agents"}, NULL, WIRE_CTL_AGENTS, ""},
    {"lb", cmd_lb_parse, {"lb"}, NULL, WIRE_CTL_LB, ""},
    SBAD("status two", cmd_status_parse, "too many arguments", "status", "r1",
        "r2"),
    SBAD(
        "status option", cmd_status_parse, "unknown option", "status", "--all"),
    SBAD("status bad name", cmd_status_parse, "RELAY is 1-63", "status",
        "r\001"),
    SBAD("show nothing", cmd_show_parse, "RELAY missing", "show"),
    SBAD("show two", cmd_show_parse, "too many arguments", "show", "a", "b"),
    SBAD(
        "agents extra", cmd_agents_parse, "too many arguments", "agents", "r1"),
    SBAD("lb extra", cmd_lb_parse, "too many arguments", "lb", "edge1"),
    SBAD("lb option", cmd_lb_parse, "unknown option", "lb", "--all"),
};

static void
test_simple_parse(void **state)
{
	struct wire_ctl_request req;
	struct argv_copy a;
	const char *errstr;

	(void)state;
	for (size_t i = 0; i < NITEMS(simple_cases); i++) {
		int rv;

		argv_copy_init(&a, simple_cases[i].argv);
		errstr = "";
		rv = simple_cases[i].fn(a.argc, a.argv, &req, &errstr);
		argv_copy_fini(&a);
		if (!verdict_ok(
		        simple_cases[i].name, rv, errstr, simple_cases[i].err))
			continue;
		if (req.op != simple_cases[i].op ||
		    strcmp(req.relay, simple_cases[i].relay) != 0)
			fail_msg("%s: op %d relay '%s'", simple_cases[i].name,
			    (int)req.op, req.relay);
		wire_ctl_request_fini(&req);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_time),
	    cmocka_unit_test(test_format_time),
	    cmocka_unit_test(test_format_age_span),
	    cmocka_unit_test(test_drain_parse),
	    cmocka_unit_test(test_enable_parse),
	    cmocka_unit_test(test_maint_parse),
	    cmocka_unit_test(test_maint_many_relays),
	    cmocka_unit_test(test_events_parse),
	    cmocka_unit_test(test_simple_parse),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
