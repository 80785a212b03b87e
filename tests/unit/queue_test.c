/* SPDX-License-Identifier: ISC */
/* agent/queue: postqueue -j lines, streamed; a real and a failing run. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../agent/queue.h"

static void
scan_fixture(struct queue_scan *qs)
{
	const char *src = getenv("FLEET_SRCDIR");
	char path[512], line[8192];
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/fixtures/postqueue_j.txt",
	    src != NULL ? src : ".");
	assert_non_null(f = fopen(path, "r"));
	queue_scan_init(qs, 1795864758, NULL);
	while (fgets(line, sizeof(line), f) != NULL)
		queue_scan_line(qs, line, strcspn(line, "\n"));
	fclose(f);
	queue_scan_finish(qs);
}

static void
test_fixture(void **state)
{
	struct queue_scan qs;

	(void)state;
	scan_fixture(&qs);
	assert_int_equal(qs.lines, 9);
	assert_int_equal(qs.bad_lines, 0);
	assert_int_equal(qs.snap.deferred, 9);
	assert_int_equal(qs.snap.active + qs.snap.hold + qs.snap.incoming, 0);
	assert_int_equal(qs.snap.oldest_deferred_age, 1795864758 - 1795864657);
	assert_true(qs.snap.valid);
}

static void
test_lines(void **state)
{
	static const struct {
		const char *name, *line;
		int bad;
		uint32_t hold, deferred;
	} cases[] = {
	    {"hold", "{\"queue_name\":\"hold\",\"arrival_time\":5}", 0, 1, 0},
	    {"deferred", "{\"queue_name\":\"deferred\"}", 0, 0, 1},
	    {"not json", "queue_name: hold", 1, 0, 0},
	    {"unknown queue", "{\"queue_name\":\"corrupt\"}", 1, 0, 0},
	    {"name not a string", "{\"queue_name\":7}", 1, 0, 0},
	    {"truncated", "{\"queue_name\":\"hold\"", 1, 0, 0},
	    {"empty object", "{}", 1, 0, 0},
	    {"array", "[1,2]", 1, 0, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct queue_scan qs;

		queue_scan_init(&qs, 100, NULL);
		queue_scan_line(&qs, cases[i].line, strlen(cases[i].line));
		queue_scan_finish(&qs);
		if (qs.bad_lines != (uint64_t)cases[i].bad ||
		    qs.snap.hold != cases[i].hold ||
		    qs.snap.deferred != cases[i].deferred)
			fail_msg("case %s", cases[i].name);
	}
}

/* A fake postqueue (a shell script) stands in for argv and failure paths. */
static void
write_script(const char *path, const char *body)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
}

static void
test_run(void **state)
{
	char dir[] = "/tmp/queue_test.XXXXXX", path[128];
	struct queue_scan qs;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/postqueue", dir);
	/* argv is exactly -c DIR -j; long lines stream in pieces */
	write_script(path, "[ \"$1 $2 $3\" = \"-c /etc/x -j\" ] || exit 3\n"
	                   "printf '{\"queue_name\":\"hold\"}\\n'\n"
	                   "printf '{\"queue_name\":\"deferred\",'\n"
	                   "head -c 100000 /dev/zero | tr '\\0' ' '\n"
	                   "printf '\"arrival_time\":1}\\n'\n"
	                   "printf '{\"queue_name\":\"active\"}'");
	assert_int_equal(queue_run(&qs, path, "/etc/x", 5000, NULL, NULL), 0);
	assert_int_equal(qs.snap.hold, 1);
	assert_int_equal(qs.snap.deferred, 1);
	assert_int_equal(qs.snap.active, 1);
	assert_true(qs.snap.valid);
	write_script(path, "echo 'postqueue: fatal: Queue report unavailable "
	                   "- mail system is down' >&2; exit 69");
	assert_int_equal(queue_run(&qs, path, "", 5000, NULL, NULL), -1);
	assert_false(qs.snap.valid);
	assert_non_null(strstr(qs.snap.error, "status 69"));
	assert_non_null(strstr(qs.snap.error, "mail system is down"));
	write_script(path, "sleep 10");
	assert_int_equal(queue_run(&qs, path, "", 200, NULL, NULL), -1);
	assert_non_null(strstr(qs.snap.error, "timed out"));
	assert_int_equal(
	    queue_run(&qs, "/nonexistent/postqueue", "", 200, NULL, NULL), -1);
	unlink(path);
	rmdir(dir);
}

static void *
set_later(void *arg)
{
	usleep(200 * 1000);
	atomic_store((atomic_bool *)arg, true);
	return (NULL);
}

/* A stopping agent does not wait out the timeout of a slow postqueue. */
static void
test_cancel(void **state)
{
	char dir[] = "/tmp/queue_test.XXXXXX", path[128];
	struct queue_scan qs;
	atomic_bool cancel = true;
	pthread_t t;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/postqueue", dir);
	write_script(
	    path, "printf '{\"queue_name\":\"hold\"}\\n'; exec sleep 60");
	assert_int_equal(queue_run(&qs, path, "", 600000, NULL, &cancel), -1);
	assert_string_equal(qs.snap.error, "postqueue cancelled");
	/* set while postqueue runs: the scan ends long before its timeout */
	atomic_store(&cancel, false);
	assert_int_equal(pthread_create(&t, NULL, set_later, &cancel), 0);
	assert_int_equal(queue_run(&qs, path, "", 600000, NULL, &cancel), -1);
	pthread_join(t, NULL);
	assert_string_equal(qs.snap.error, "postqueue cancelled");
	assert_false(qs.snap.valid);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixture),
	    cmocka_unit_test(test_lines),
	    cmocka_unit_test(test_run),
	    cmocka_unit_test(test_cancel),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
