/* SPDX-License-Identifier: ISC */
/*
 * agent/maillog: appends and partial lines, rotation by rename (old tail
 * first), copytruncate, restarts from a cursor (nothing lost, nothing
 * repeated), rotation while stopped, bad cursors, long lines, a file that
 * appears later.  Each test works in its own temporary directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../agent/maillog.h"

struct got {
	char *buf; /* every line handed out, each with a '\n' added */
	size_t len;
	int lines;
};

static char dir[64];
static char path[128];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/maillog_test.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/mail.log", dir);
	return (0);
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return (0);
}

static void
line_cb(void *arg, const char *line, size_t len)
{
	struct got *g = arg;

	assert_null(memchr(line, '\n', len));
	g->buf = realloc(g->buf, g->len + len + 2);
	assert_non_null(g->buf);
	memcpy(g->buf + g->len, line, len);
	g->len += len;
	g->buf[g->len++] = '\n';
	g->buf[g->len] = '\0';
	g->lines++;
}

static void
got_reset(struct got *g)
{
	free(g->buf);
	memset(g, 0, sizeof(*g));
}

static void
append_to(const char *p, const char *s, size_t n)
{
	int fd = open(p, O_WRONLY | O_APPEND | O_CREAT, 0644);

	assert_true(fd != -1);
	assert_int_equal(write(fd, s, n), (ssize_t)n);
	close(fd);
}

static void
append(const char *s)
{
	append_to(path, s, strlen(s));
}

static void
rotate(const char *suffix)
{
	char to[160];

	snprintf(to, sizeof(to), "%s%s", path, suffix);
	assert_int_equal(rename(path, to), 0);
}

static struct maillog *
open_ok(const char *cursor)
{
	struct maillog *m;
	char err[256];

	if (maillog_open(&m, path, cursor, err, sizeof(err)) == -1)
		fail_msg("maillog_open: %s", err);
	return (m);
}

/* Reads until nothing is left; returns what was handed out. */
static int
drain(struct maillog *m, struct got *g, size_t max_bytes)
{
	int n, total = 0;

	while ((n = maillog_read(m, line_cb, g, max_bytes)) > 0)
		total += n;
	assert_int_equal(n, 0);
	return (total);
}

static struct maillog_stats
stats(const struct maillog *m)
{
	struct maillog_stats st;

	maillog_stats(m, &st);
	return (st);
}

static void
test_append_and_partial(void **state)
{
	struct maillog *m;
	struct got g = {0};

	(void)state;
	append("old 1\nold 2\n");
	m = open_ok(""); /* a new install skips history */
	assert_int_equal(drain(m, &g, 0), 0);
	append("new 1\nnew 2\npart");
	assert_int_equal(drain(m, &g, 0), 2);
	assert_string_equal(g.buf, "new 1\nnew 2\n");
	append("ial");
	assert_int_equal(drain(m, &g, 0), 0); /* still no newline */
	append("\n\n");
	assert_int_equal(drain(m, &g, 0), 2);
	assert_string_equal(g.buf, "new 1\nnew 2\npartial\n\n");
	assert_int_equal(stats(m).lines, 4);
	maillog_close(m);
	got_reset(&g);
}

static void
test_open_mid_line(void **state)
{
	struct maillog *m;
	struct got g = {0};

	(void)state;
	append("a\nb\nhalf of c");
	m = open_ok("");
	append(" and the rest\nd\n");
	assert_int_equal(drain(m, &g, 0), 2);
	assert_string_equal(g.buf, "half of c and the rest\nd\n");
	maillog_close(m);
	got_reset(&g);
}

static void
test_rotation_rename(void **state)
{
	struct maillog *m;
	struct got g = {0};
	char old[160];

	(void)state;
	snprintf(old, sizeof(old), "%s.1", path);
	append("");
	m = open_ok("");
	append("1\n2\n");
	assert_int_equal(drain(m, &g, 0), 2);
	append("3\n");
	rotate(".1");
	append_to(old, "4\n", 2); /* the writer has not reopened yet */
	append("");               /* the new file exists but is empty */
	assert_int_equal(drain(m, &g, 0), 2);
	assert_int_equal(stats(m).rotations, 0);
	append_to(old, "5\nunterminated", 14);
	append("6\n7\n");
	assert_int_equal(drain(m, &g, 0), 4);
	assert_string_equal(g.buf, "1\n2\n3\n4\n5\nunterminated\n6\n7\n");
	assert_int_equal(stats(m).rotations, 1);
	maillog_close(m);
	got_reset(&g);
}

static void
test_truncation(void **state)
{
	struct maillog *m;
	struct got g = {0};

	(void)state;
	append("");
	m = open_ok("");
	append("a fairly long first line\nsecond\n");
	assert_int_equal(drain(m, &g, 0), 2);
	assert_int_equal(truncate(path, 0), 0);
	append("x\n");
	assert_int_equal(drain(m, &g, 0), 1);
	assert_int_equal(stats(m).truncations, 1);
	/* truncated and grown past the old offset before the next poll */
	assert_int_equal(truncate(path, 0), 0);
	append("y: a new first line longer than x\nz\n");
	assert_int_equal(drain(m, &g, 0), 2);
	assert_string_equal(g.buf, "a fairly long first line\nsecond\nx\n"
	                           "y: a new first line longer than x\nz\n");
	assert_int_equal(stats(m).truncations, 2);
	maillog_close(m);
	got_reset(&g);
}

/* A reader restarted from its cursor at random points sees every line once. */
static void
test_restart_cursor(void **state)
{
	struct maillog *m;
	struct got g = {0};
	char want[65536], cursor[MAILLOG_CURSOR_MAX], chunk[64];
	size_t wlen = 0, n;
	uint32_t x = 7;
	int i, done = 0;

	(void)state;
	append("");
	m = open_ok("");
	for (i = 0; i < 2000; i++) {
		x = x * 1103515245 + 12345;
		n = (size_t)snprintf(chunk, sizeof(chunk), "line %d%s", i,
		    (x >> 16) % 3 == 0 ? "" : "\n"); /* some lines in pieces */
		append_to(path, chunk, n);
		memcpy(want + wlen, chunk, n);
		wlen += n;
		done += maillog_read(m, line_cb, &g, 1 + (x >> 8) % 50);
		if ((x >> 20) % 17 == 0) {
			snprintf(
			    cursor, sizeof(cursor), "%s", maillog_cursor(m));
			maillog_close(m);
			m = open_ok(cursor);
		}
	}
	append("\n");
	want[wlen++] = '\n';
	done += drain(m, &g, 0);
	want[wlen] = '\0';
	assert_string_equal(g.buf, want);
	assert_int_equal(done, g.lines);
	assert_int_equal(stats(m).lost, 0);
	maillog_close(m);
	got_reset(&g);
}

static void
restart_rotated(const char *suffix)
{
	struct maillog *m;
	struct got g = {0};
	char cursor[MAILLOG_CURSOR_MAX], old[160];

	snprintf(old, sizeof(old), "%s%s", path, suffix);
	append("");
	m = open_ok("");
	append("1\n2\n");
	assert_int_equal(drain(m, &g, 0), 2);
	snprintf(cursor, sizeof(cursor), "%s", maillog_cursor(m));
	maillog_close(m);
	append("3\n4\n"); /* while stopped */
	rotate(suffix);
	append_to(old, "5\n", 2);
	append("6\n");
	m = open_ok(cursor);
	assert_int_equal(drain(m, &g, 0), 4);
	assert_string_equal(g.buf, "1\n2\n3\n4\n5\n6\n");
	assert_int_equal(stats(m).lost, 0);
	assert_int_equal(stats(m).rotations, 1);
	maillog_close(m);
	got_reset(&g);
}

static void
test_restart_after_rotation(void **state)
{
	(void)state;
	restart_rotated(".1");
}

static void
test_restart_after_dateext_rotation(void **state)
{
	(void)state;
	restart_rotated("-20261128");
}

static void
test_restart_lost(void **state)
{
	struct maillog *m;
	struct got g = {0};
	char cursor[MAILLOG_CURSOR_MAX], next[160];

	(void)state;
	append("");
	m = open_ok("");
	append("1\n");
	assert_int_equal(drain(m, &g, 0), 1);
	snprintf(cursor, sizeof(cursor), "%s", maillog_cursor(m));
	maillog_close(m);
	/* rotated away and deleted; made first so its inode is another */
	snprintf(next, sizeof(next), "%s.new", path);
	append_to(next, "x\n", 2);
	assert_int_equal(rename(next, path), 0);
	m = open_ok(cursor);
	assert_int_equal(drain(m, &g, 0), 1);
	assert_string_equal(g.buf, "1\nx\n");
	assert_int_equal(stats(m).lost, 1);
	maillog_close(m);
	got_reset(&g);
}

static void
test_restart_truncated(void **state)
{
	struct maillog *m;
	struct got g = {0};
	char cursor[MAILLOG_CURSOR_MAX];

	(void)state;
	append("");
	m = open_ok("");
	append("first\n");
	assert_int_equal(drain(m, &g, 0), 1);
	snprintf(cursor, sizeof(cursor), "%s", maillog_cursor(m));
	maillog_close(m);
	/* same inode, new content longer than the old offset */
	assert_int_equal(truncate(path, 0), 0);
	append("other content\n");
	m = open_ok(cursor);
	assert_int_equal(drain(m, &g, 0), 1);
	assert_string_equal(g.buf, "first\nother content\n");
	assert_int_equal(stats(m).truncations, 1);
	assert_int_equal(stats(m).lost, 0);
	maillog_close(m);
	got_reset(&g);
}

static void
test_bad_cursors(void **state)
{
	static const char *bad[] = {
	    "x",
	    "dev=1",
	    "dev=1,ino=2,off=3,hlen=4",
	    "dev=1,ino=2,off=3,hlen=4,hash=0123456789abcdef ",
	    "dev=1,ino=2,off=3,hlen=4,hash=0123456789abcdeg",
	    "dev=1,ino=2,off=3,hlen=4,hash=0123456789ABCDEF",
	    "dev=1,ino=2,off=3,hlen=4,hash=0123456789abcde",
	    "dev=01,ino=2,off=3,hlen=4,hash=0123456789abcdef",
	    "dev=-1,ino=2,off=3,hlen=4,hash=0123456789abcdef",
	    "dev=+1,ino=2,off=3,hlen=4,hash=0123456789abcdef",
	    "dev=18446744073709551616,ino=2,off=3,hlen=4,hash=0123456789abcdef",
	    "dev=1,ino=2,off=9223372036854775808,hlen=4,hash=0123456789abcdef",
	    "dev=1,ino=2,off=3,hlen=65,hash=0123456789abcdef",
	    "dev=0,ino=0,off=3,hlen=0,hash=0123456789abcdef",
	    "ino=2,dev=1,off=3,hlen=4,hash=0123456789abcdef",
	    " dev=1,ino=2,off=3,hlen=4,hash=0123456789abcdef",
	    "dev=1, ino=2,off=3,hlen=4,hash=0123456789abcdef",
	};
	struct maillog *m;
	char err[256];
	size_t i;

	(void)state;
	append("1\n");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (maillog_open(&m, path, bad[i], err, sizeof(err)) != -1)
			fail_msg("accepted cursor \"%s\"", bad[i]);
		assert_non_null(strstr(err, "bad cursor"));
	}
	/* well-formed but of no file here: starts over, counted */
	m = open_ok("dev=1,ino=2,off=3,hlen=4,hash=0123456789abcdef");
	assert_int_equal(stats(m).lost, 1);
	maillog_close(m);
	/* a directory is not a log */
	assert_int_equal(maillog_open(&m, dir, "", err, sizeof(err)), -1);
}

static void
test_long_lines(void **state)
{
	struct maillog *m;
	struct got g = {0};
	char *big = malloc(3 * MAILLOG_LINE_MAX);
	size_t i;

	(void)state;
	assert_non_null(big);
	memset(big, 'x', 3 * MAILLOG_LINE_MAX);
	append("");
	m = open_ok("");
	append_to(path, big, MAILLOG_LINE_MAX); /* the longest allowed */
	append("\nshort\n");
	append_to(path, big, MAILLOG_LINE_MAX + 1); /* one byte too long */
	append("\nafter 1\n");
	assert_int_equal(drain(m, &g, 0), 3);
	/* a huge line written in pieces across reads, with small budgets */
	for (i = 0; i < 3; i++) {
		append_to(path, big, 3 * MAILLOG_LINE_MAX);
		assert_int_equal(drain(m, &g, 1000), 0);
	}
	append("\nafter 2\n");
	assert_int_equal(drain(m, &g, 0), 1);
	assert_int_equal(g.lines, 4);
	assert_int_equal(g.len, MAILLOG_LINE_MAX + 1 + 6 + 8 + 8);
	assert_string_equal(
	    g.buf + MAILLOG_LINE_MAX + 1, "short\nafter 1\nafter 2\n");
	assert_int_equal(stats(m).long_lines, 2);
	maillog_close(m);
	got_reset(&g);
	free(big);
}

/* A new install whose file ends inside an over-long line. */
static void
test_open_in_long_line(void **state)
{
	struct maillog *m;
	struct got g = {0};
	char *big = malloc(MAILLOG_LINE_MAX + 1);

	(void)state;
	assert_non_null(big);
	memset(big, 'x', MAILLOG_LINE_MAX + 1);
	append("a\n");
	append_to(path, big, MAILLOG_LINE_MAX + 1);
	m = open_ok("");
	append("y\nz\n");
	assert_int_equal(drain(m, &g, 0), 1);
	assert_string_equal(g.buf, "z\n");
	assert_int_equal(stats(m).long_lines, 1);
	maillog_close(m);
	got_reset(&g);
	free(big);
}

static void
test_missing_file_appears(void **state)
{
	struct maillog *m;
	struct got g = {0};
	char cursor[MAILLOG_CURSOR_MAX];

	(void)state;
	m = open_ok("");
	assert_int_equal(maillog_read(m, line_cb, &g, 0), 0);
	snprintf(cursor, sizeof(cursor), "%s", maillog_cursor(m));
	assert_non_null(strstr(cursor, "ino=0,"));
	append("1\n2\n");
	assert_int_equal(drain(m, &g, 0), 2); /* a new file: from 0 */
	maillog_close(m);
	/* stopped before the file appeared: its cursor reads it from 0 */
	m = open_ok(cursor);
	assert_int_equal(drain(m, &g, 0), 2);
	assert_string_equal(g.buf, "1\n2\n1\n2\n");
	assert_int_equal(stats(m).lost, 0);
	maillog_close(m);
	got_reset(&g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_append_and_partial, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_open_mid_line, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_rotation_rename, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_truncation, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_restart_cursor, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_restart_after_rotation, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_restart_after_dateext_rotation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_restart_lost, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_restart_truncated, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_cursors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_long_lines, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_open_in_long_line, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_missing_file_appears, setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
