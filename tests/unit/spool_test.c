/* SPDX-License-Identifier: ISC */
/* agent/spool: numbering, persistence across reopen, crash windows. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "../../agent/spool.h"

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

static void
put(struct spool *s, const char *text)
{
	assert_int_equal(spool_put(s, spool_next_seq(s), (const uint8_t *)text,
	                     strlen(text), NULL),
	    0);
}

static void
test_numbering_and_order(void **state)
{
	struct spool *s = open_ok(10);
	uint8_t *buf;
	size_t len;
	uint64_t seq;

	(void)state;
	assert_int_not_equal(spool_epoch(s), 0);
	assert_int_equal(spool_next_seq(s), 1);
	assert_int_equal(spool_peek(s, &seq, &buf, &len), 0);
	put(s, "one");
	put(s, "two");
	assert_int_equal(spool_pending(s), 2);
	assert_int_equal(spool_peek(s, &seq, &buf, &len), 1);
	assert_int_equal(seq, 1);
	assert_memory_equal(buf, "one", 3);
	free(buf);
	assert_int_equal(spool_ack(s, 2), -1); /* not the oldest */
	assert_int_equal(spool_ack(s, 1), 0);
	assert_int_equal(spool_peek(s, &seq, &buf, &len), 1);
	assert_int_equal(seq, 2);
	free(buf);
	assert_int_equal(spool_put(s, 7, (const uint8_t *)"x", 1, NULL), -1);
	assert_int_equal(spool_put(s, 3, (const uint8_t *)"x", 1, "a\nb"), -1);
	spool_close(s);
}

static void
test_reopen_keeps_state(void **state)
{
	struct spool *s = open_ok(10);
	uint64_t epoch = spool_epoch(s), seq;
	uint8_t *buf;
	size_t len;

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
	assert_int_equal(spool_peek(s, &seq, &buf, &len), 1);
	assert_int_equal(seq, 2);
	free(buf);
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
	};

	if (sodium_init() == -1)
		return (1);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
