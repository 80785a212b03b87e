/* SPDX-License-Identifier: ISC */
/*
 * agent/spool: numbering, persistence across reopen, crash windows, and
 * reports that cannot be sent set aside as bad-<seq>.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "../../agent/spool.h"
#include "util.h"
#include "wire.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static char tmpl[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpl, sizeof(tmpl), "/tmp/spool_test.XXXXXX");
	assert_non_null(mkdtemp(tmpl));
	return (0);
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpl);
	assert_int_equal(system(cmd), 0);
	return (0);
}

static struct spool *
open_ok(size_t max)
{
	struct spool *s;
	char err[256];

	if (spool_open(&s, tmpl, max, err, sizeof(err)) == -1)
		fail_msg("spool_open: %s", err);
	return (s);
}

/* An encoded Report of (epoch, seq) whose hostname is text. */
static uint8_t *
encode(uint64_t epoch, uint64_t seq, const char *text, size_t *len)
{
	struct wire_report r = {.epoch = epoch, .seq = seq};
	const char *errstr;
	uint8_t *buf;

	util_strlcpy(r.hostname, text, sizeof(r.hostname));
	if (wire_report_encode(&r, &buf, len, &errstr) == -1)
		fail_msg("encode: %s", errstr);
	return (buf);
}

static void
put(struct spool *s, const char *text)
{
	uint8_t *buf;
	size_t len;

	buf = encode(spool_epoch(s), spool_next_seq(s), text, &len);
	assert_int_equal(spool_put(s, spool_next_seq(s), buf, len, NULL), 0);
	free(buf);
}

static void
put_raw(struct spool *s, const char *text)
{
	assert_int_equal(spool_put(s, spool_next_seq(s), (const uint8_t *)text,
	                     strlen(text), NULL),
	    0);
}

/* Peeks a good report and checks its seq and hostname. */
static void
peek_is(struct spool *s, uint64_t want, const char *text)
{
	struct wire_report r;
	const char *errstr, *why = NULL;
	uint8_t *buf;
	size_t len;
	uint64_t seq;

	if (spool_peek(s, &seq, &buf, &len, &why) != 1)
		fail_msg("peek: %s", why);
	assert_int_equal(seq, want);
	assert_int_equal(wire_report_decode(&r, buf, len, &errstr), 0);
	assert_string_equal(r.hostname, text);
	wire_report_fini(&r);
	free(buf);
}

static void
test_numbering_and_order(void **state)
{
	struct spool *s = open_ok(10);
	const char *why;
	uint8_t *buf;
	size_t len;
	uint64_t seq;

	(void)state;
	assert_int_not_equal(spool_epoch(s), 0);
	assert_int_equal(spool_next_seq(s), 1);
	assert_int_equal(spool_peek(s, &seq, &buf, &len, &why), 0);
	put(s, "one");
	put(s, "two");
	assert_int_equal(spool_pending(s), 2);
	peek_is(s, 1, "one");
	assert_int_equal(spool_ack(s, 2), -1); /* not the oldest */
	assert_int_equal(spool_ack(s, 1), 0);
	peek_is(s, 2, "two");
	assert_int_equal(spool_put(s, 7, (const uint8_t *)"x", 1, NULL), -1);
	assert_int_equal(spool_put(s, 3, (const uint8_t *)"x", 1, "a\nb"), -1);
	spool_close(s);
}

static void
test_reopen_keeps_state(void **state)
{
	struct spool *s = open_ok(10);
	uint64_t epoch = spool_epoch(s);

	(void)state;
	put(s, "a");
	put(s, "b");
	put(s, "c");
	assert_int_equal(spool_ack(s, 1), 0);
	spool_close(s);
	s = open_ok(10);
	assert_int_equal(spool_epoch(s), epoch);
	assert_int_equal(spool_next_seq(s), 4);
	assert_int_equal(spool_pending(s), 2);
	peek_is(s, 2, "b");
	assert_int_equal(spool_ack(s, 2), 0);
	assert_int_equal(spool_ack(s, 3), 0);
	spool_close(s);
	/* all acked: the seq still continues after a restart */
	s = open_ok(10);
	assert_int_equal(spool_next_seq(s), 4);
	assert_int_equal(spool_pending(s), 0);
	spool_close(s);
}

static void
test_full(void **state)
{
	struct spool *s = open_ok(2);

	(void)state;
	put(s, "a");
	assert_false(spool_full(s));
	put(s, "b");
	assert_true(spool_full(s));
	assert_int_equal(spool_ack(s, 1), 0);
	assert_false(spool_full(s));
	spool_close(s);
}

static void
test_cursor(void **state)
{
	struct spool *s = open_ok(10);

	(void)state;
	assert_string_equal(spool_cursor(s), "");
	assert_int_equal(
	    spool_put(s, 1, (const uint8_t *)"a", 1, "ino=5 off=10"), 0);
	put(s, "b"); /* NULL keeps the cursor */
	assert_string_equal(spool_cursor(s), "ino=5 off=10");
	spool_close(s);
	s = open_ok(10);
	assert_string_equal(spool_cursor(s), "ino=5 off=10");
	assert_int_equal(
	    spool_put(s, 3, (const uint8_t *)"c", 1, "ino=5 off=99"), 0);
	spool_close(s);
	s = open_ok(10);
	assert_string_equal(spool_cursor(s), "ino=5 off=99");
	spool_close(s);
}

/*
 * A crash after the report file but before the state (the commit) was
 * written: the orphan goes, its seq and its log lines are used again.
 */
static void
test_crash_before_state(void **state)
{
	struct spool *s = open_ok(10);
	char path[128], st[128];
	FILE *f;

	(void)state;
	put(s, "a");
	spool_close(s);
	snprintf(path, sizeof(path), "%s/report-%020d", tmpl, 2);
	assert_non_null(f = fopen(path, "w"));
	fputs("b", f);
	fclose(f);
	s = open_ok(10);
	assert_int_equal(spool_next_seq(s), 2);
	assert_int_equal(spool_pending(s), 1);
	assert_int_equal(access(path, F_OK), -1);
	spool_close(s);
	/* reports without a state file are refused, not dropped */
	snprintf(st, sizeof(st), "%s/state", tmpl);
	assert_int_equal(unlink(st), 0);
	{
		char err[256];

		assert_int_equal(
		    spool_open(&s, tmpl, 10, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "without a state"));
	}
}

static void
test_bad_state(void **state)
{
	const char *bad[] = {"", "epoch=zz\nlast_seq=1\n",
	    "epoch=0000000000000000\nlast_seq=1\n",
	    "epoch=0123456789abcdef\nlast_seq=1", "garbage"};
	struct spool *s;
	char path[128], err[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/state", tmpl);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(bad[i], f);
		fclose(f);
		assert_int_equal(
		    spool_open(&s, tmpl, 10, err, sizeof(err)), -1);
	}
}

/* ---- reports that cannot be sent ---------------------------------- */

struct bad_case {
	const char *name;
	void (*make)(struct spool *); /* spools the bad report as seq 1 */
	const char *why;              /* in spool_peek()'s reason */
};

static void
bad_truncated(struct spool *s)
{
	uint8_t *buf;
	size_t len;

	buf = encode(spool_epoch(s), 1, "relay1", &len);
	assert_int_equal(spool_put(s, 1, buf, len - 1, NULL), 0);
	free(buf);
}

static void
bad_garbage(struct spool *s)
{
	put_raw(s, "\xff\xff\xff\xff");
}

static void
bad_epoch(struct spool *s)
{
	uint8_t *buf;
	size_t len;

	buf = encode(spool_epoch(s) ^ 1, 1, "relay1", &len);
	assert_int_equal(spool_put(s, 1, buf, len, NULL), 0);
	free(buf);
}

static void
bad_seq(struct spool *s)
{
	uint8_t *buf;
	size_t len;

	buf = encode(spool_epoch(s), 2, "relay1", &len);
	assert_int_equal(spool_put(s, 1, buf, len, NULL), 0);
	free(buf);
}

static void
bad_missing(struct spool *s)
{
	char path[128];

	put(s, "relay1");
	snprintf(path, sizeof(path), "%s/report-%020d", tmpl, 1);
	assert_int_equal(unlink(path), 0);
}

static struct bad_case bad_cases[] = {
    {"bad: truncated", bad_truncated, ""},
    {"bad: garbage", bad_garbage, ""},
    {"bad: epoch not the spool's", bad_epoch, "epoch"},
    {"bad: seq not its name's", bad_seq, "seq"},
    {"bad: file missing", bad_missing, "missing"},
};

static bool
exists(const char *prefix, uint64_t seq)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s%020" PRIu64, tmpl, prefix, seq);
	return (access(path, F_OK) == 0);
}

/* The bad report is set aside, the good one after it comes next. */
static void
test_bad(void **state)
{
	const struct bad_case *c = *state;
	struct spool *s = open_ok(10);
	const char *why = NULL;
	uint8_t *buf = NULL;
	size_t len;
	uint64_t seq;

	c->make(s);
	put(s, "next");
	assert_int_equal(spool_peek(s, &seq, &buf, &len, &why), SPOOL_PEEK_BAD);
	assert_null(buf);
	assert_int_equal(seq, 1);
	assert_non_null(why);
	assert_non_null(strstr(why, c->why));
	assert_int_equal(spool_set_aside(s, 2), -1); /* not the oldest */
	assert_int_equal(spool_set_aside(s, 1), 0);
	assert_false(exists("report-", 1));
	assert_true(exists("bad-", 1) != (c->make == bad_missing));
	assert_int_equal(spool_bad_new(s), 1);
	assert_int_equal(spool_pending(s), 1);
	peek_is(s, 2, "next");
	spool_bad_announced(s, 1);
	assert_int_equal(spool_bad_new(s), 0);
	spool_close(s);
	s = open_ok(10); /* bad-* files do not disturb the next open */
	assert_int_equal(spool_pending(s), 1);
	peek_is(s, 2, "next");
	assert_int_equal(spool_next_seq(s), 3);
	spool_close(s);
}

static size_t
count_bad(uint64_t *oldest)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	*oldest = UINT64_MAX;
	assert_non_null(d = opendir(tmpl));
	while ((de = readdir(d)) != NULL) {
		uint64_t seq;

		if (strncmp(de->d_name, "bad-", 4) != 0)
			continue;
		seq = strtoull(de->d_name + 4, NULL, 10);
		*oldest = seq < *oldest ? seq : *oldest;
		n++;
	}
	closedir(d);
	return (n);
}

/* Only the newest SPOOL_BAD_KEEP bad files stay. */
static void
test_bad_bound(void **state)
{
	struct spool *s = open_ok(SPOOL_BAD_KEEP + 10);
	const char *why;
	uint8_t *buf;
	size_t len, n = SPOOL_BAD_KEEP + 4;
	uint64_t seq, oldest;

	(void)state;
	for (size_t i = 0; i < n; i++)
		put_raw(s, "garbage");
	put(s, "good");
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(
		    spool_peek(s, &seq, &buf, &len, &why), SPOOL_PEEK_BAD);
		assert_int_equal(seq, i + 1);
		assert_int_equal(spool_set_aside(s, seq), 0);
	}
	peek_is(s, n + 1, "good");
	assert_int_equal(count_bad(&oldest), SPOOL_BAD_KEEP);
	assert_int_equal(oldest, n - SPOOL_BAD_KEEP + 1);
	assert_int_equal(spool_bad_new(s), n);
	spool_bad_announced(s, 3);
	assert_int_equal(spool_bad_new(s), n - 3);
	spool_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_numbering_and_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_reopen_keeps_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_full, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cursor, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_crash_before_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_bound, setup, teardown),
	};
	struct CMUnitTest bad[NELEM(bad_cases)];

	for (size_t i = 0; i < NELEM(bad_cases); i++) {
		bad[i] =
		    (struct CMUnitTest)cmocka_unit_test_prestate_setup_teardown(
		        test_bad, setup, teardown, &bad_cases[i]);
		bad[i].name = bad_cases[i].name;
	}
	if (sodium_init() == -1)
		return (1);
	if (cmocka_run_group_tests(tests, NULL, NULL) != 0)
		return (1);
	return (_cmocka_run_group_tests(
	    "spool bad files", bad, NELEM(bad), NULL, NULL));
}
