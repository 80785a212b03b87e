/* SPDX-License-Identifier: ISC */
/*
 * The notify hook runs real commands: shell scripts the tests write into
 * a temporary directory.  fleetd's stderr (fd 2) is captured into a file
 * while a notify runs, so the tests see the commands' output and the log
 * lines.  notify_stop() runs what is queued, so the counters are final
 * once it returns: nothing here sleeps for a fixed time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../controller/notify.h"
#include "util.h"

static char dir[64];

static void
dir_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* Writes an executable script: "#!/bin/sh", then body with @DIR@ = dir. */
static void
write_script(const char *name, const char *body)
{
	char p[128];
	const char *at;
	FILE *f;

	dir_path(p, sizeof(p), name);
	assert_non_null(f = fopen(p, "w"));
	fputs("#!/bin/sh\n", f);
	while ((at = strstr(body, "@DIR@")) != NULL) {
		fwrite(body, 1, (size_t)(at - body), f);
		fputs(dir, f);
		body = at + 5;
	}
	fputs(body, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(p, 0755), 0);
}

static char *
read_text(const char *name)
{
	char p[128], *buf;
	size_t len;

	dir_path(p, sizeof(p), name);
	if (util_read_file(p, 1 << 20, &buf, &len) == -1)
		fail_msg("%s: %s", p, strerror(errno));
	return (buf);
}

static int stderr_saved = -1;

static void
capture_start(void)
{
	char p[128];
	int fd;

	dir_path(p, sizeof(p), "stderr");
	fflush(stderr);
	assert_true((stderr_saved = dup(STDERR_FILENO)) != -1);
	assert_true((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600)) != -1);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
}

/* Ends the capture; returns what was written to fd 2 (caller frees). */
static char *
capture_end(void)
{
	assert_int_equal(dup2(stderr_saved, STDERR_FILENO), STDERR_FILENO);
	close(stderr_saved);
	return (read_text("stderr"));
}

static void
event_init(struct wire_event *e, uint64_t id)
{
	memset(e, 0, sizeof(*e));
	e->id = id;
	e->at = 1700000000;
	util_strlcpy(e->relay, "r1", sizeof(e->relay));
	util_strlcpy(e->kind, "transition", sizeof(e->kind));
	util_strlcpy(e->from_state, "active", sizeof(e->from_state));
	util_strlcpy(e->to_state, "drained", sizeof(e->to_state));
	util_strlcpy(e->rule, "ip-blocked", sizeof(e->rule));
	util_strlcpy(e->provider, "outlook", sizeof(e->provider));
	util_strlcpy(e->intent, "drain", sizeof(e->intent));
	e->until = 1700014400;
	util_strlcpy(e->reason, "S3150 from outlook", sizeof(e->reason));
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/notify_test.XXXXXX");
	return (mkdtemp(dir) == NULL ? -1 : 0);
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return (system(cmd));
}

/*
 * Waits until the commands of `posted` events have ended (notify_stop()
 * frees the notify, so the counters are read before it), for at most
 * limit_ms; returns the counters.
 */
static void
wait_settled(struct notify *n, uint64_t posted, uint64_t limit_ms,
    struct notify_stats *st)
{
	struct timespec ms = {.tv_sec = 0, .tv_nsec = 1000000};
	uint64_t deadline = util_now_ms() + limit_ms;

	for (;;) {
		notify_get_stats(n, st);
		if (st->ok + st->failed + st->timed_out >= posted ||
		    util_now_ms() > deadline)
			return;
		nanosleep(&ms, NULL);
	}
}

static const struct {
	const char *name, *script; /* script NULL: no such file */
	uint64_t timeout_ms;
	uint64_t ok, failed, timed_out;
	const char *err; /* in fd 2 */
} cases[] = {
    {"exit 0", "echo hook ran for $FLEET_RELAY\n", 5000, 1, 0, 0,
        "hook ran for r1"},
    {"exit 3", "echo oops >&2\nexit 3\n", 5000, 0, 1, 0, "oops\n"},
    {"exit 3 logged", "exit 3\n", 5000, 0, 1, 0,
        "notify: relay=r1 event=1: command exited 3"},
    {"killed by a signal", "kill -TERM $$\n", 5000, 0, 1, 0,
        "notify: relay=r1 event=1: command killed by signal 15"},
    {"past the timeout", "exec sleep 10\n", 200, 0, 0, 1,
        "notify: relay=r1 event=1: command killed after 200 ms"},
    {"no such command", NULL, 5000, 0, 1, 0, "notify: relay=r1 event=1: "},
};

static void
test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct notify_stats st;
		struct wire_event e;
		struct notify *n;
		char cmd[128], err[256], name[16], *out;

		snprintf(name, sizeof(name), "case%zu", i);
		if (cases[i].script != NULL)
			write_script(name, cases[i].script);
		dir_path(cmd, sizeof(cmd), name);
		assert_int_equal(notify_start(&n, cmd, cases[i].timeout_ms, err,
		                     sizeof(err)),
		    0);
		event_init(&e, 1);
		capture_start();
		notify_post(n, &e);
		wait_settled(n, 1, 10000, &st);
		notify_stop(n);
		out = capture_end();
		if (st.posted != 1 || st.ok != cases[i].ok ||
		    st.failed != cases[i].failed ||
		    st.timed_out != cases[i].timed_out || st.dropped != 0)
			fail_msg(
			    "%s: posted %llu ok %llu failed %llu timed out "
			    "%llu dropped %llu",
			    cases[i].name, (unsigned long long)st.posted,
			    (unsigned long long)st.ok,
			    (unsigned long long)st.failed,
			    (unsigned long long)st.timed_out,
			    (unsigned long long)st.dropped);
		if (strstr(out, cases[i].err) == NULL)
			fail_msg("%s: stderr '%s'", cases[i].name, out);
		free(out);
	}
}

/* Every variable, control characters stripped, nothing of ours leaks. */
static void
test_env(void **state)
{
	static const char *const want[] = {
	    "FLEET_EVENT=operator\n",
	    "FLEET_EVENT_ID=42\n",
	    "FLEET_AT=1700000000\n",
	    "FLEET_RELAY=r1\n",
	    "FLEET_FROM=active\n",
	    "FLEET_TO=drained\n",
	    "FLEET_RULE=ip-blocked\n",
	    "FLEET_PROVIDER=outlook\n",
	    "FLEET_REASON=blocked by outlook; see it\n",
	    "FLEET_UNTIL=1700014400\n",
	    "FLEET_INTENT=drain\n",
	    "FLEET_WEIGHT=50\n",
	    "FLEET_OPERATOR=alice\n",
	    "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n",
	    "LC_ALL=C\n",
	};
	struct notify_stats st;
	struct wire_event e;
	struct notify *n;
	char cmd[128], err[256], *out, *env;

	(void)state;
	setenv("NOTIFY_TEST_LEAK", "1", 1);
	write_script("env", "env > @DIR@/env.$FLEET_EVENT_ID\n");
	dir_path(cmd, sizeof(cmd), "env");
	assert_int_equal(notify_start(&n, cmd, 5000, err, sizeof(err)), 0);
	event_init(&e, 42);
	util_strlcpy(e.kind, "operator", sizeof(e.kind));
	util_strlcpy(e.operator, "alice", sizeof(e.operator));
	util_strlcpy(e.reason, "blocked\n by\t outlook;\x01 see\x7f it",
	    sizeof(e.reason));
	e.weight = 50;
	capture_start();
	notify_post(n, &e);
	wait_settled(n, 1, 10000, &st);
	notify_stop(n);
	out = capture_end();
	free(out);
	assert_int_equal(st.ok, 1);
	env = read_text("env.42");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strstr(env, want[i]) == NULL)
			fail_msg("no %s in:\n%s", want[i], env);
	assert_null(strstr(env, "NOTIFY_TEST_LEAK"));
	assert_null(strstr(env, "HOME="));
	free(env);
	unsetenv("NOTIFY_TEST_LEAK");
}

/*
 * A command that leaves a child behind: at the timeout the whole process
 * group is killed, so the child does not outlive it.
 */
static void
test_timeout_group(void **state)
{
	struct timespec ms = {.tv_sec = 0, .tv_nsec = 1000000};
	struct notify_stats st;
	struct wire_event e;
	struct notify *n;
	char cmd[128], err[256], proc[64], *out, *pid;
	uint64_t deadline;
	FILE *f;
	char line[512], *state_c;
	bool gone = false;

	(void)state;
	write_script("group", "sleep 30 &\necho $! > @DIR@/child\nwait\n");
	dir_path(cmd, sizeof(cmd), "group");
	assert_int_equal(notify_start(&n, cmd, 300, err, sizeof(err)), 0);
	event_init(&e, 1);
	capture_start();
	notify_post(n, &e);
	wait_settled(n, 1, 10000, &st);
	notify_stop(n);
	out = capture_end();
	free(out);
	assert_int_equal(st.timed_out, 1);
	pid = read_text("child");
	pid[strcspn(pid, "\n")] = '\0';
	snprintf(proc, sizeof(proc), "/proc/%s/stat", pid);
	free(pid);
	/* SIGKILL lands at once but the exit is asynchronous */
	deadline = util_now_ms() + 5000;
	while (!gone && util_now_ms() < deadline) {
		if ((f = fopen(proc, "r")) == NULL) {
			gone = true; /* reaped */
			break;
		}
		if (fgets(line, sizeof(line), f) != NULL &&
		    (state_c = strrchr(line, ')')) != NULL &&
		    (state_c[2] == 'Z' || state_c[2] == 'X'))
			gone = true;
		fclose(f);
		if (!gone)
			nanosleep(&ms, NULL);
	}
	assert_true(gone);
}

/*
 * The first command holds the thread until the test opens the gate, so
 * the queue fills: NOTIFY_QUEUE_MAX + 10 posts leave 9 or 10 dropped
 * (10 if the thread had not taken the first yet), each counted, and one
 * log line.  Then every accepted event runs.
 */
static void
test_queue_full(void **state)
{
	const uint64_t total = NOTIFY_QUEUE_MAX + 10;
	struct notify_stats st;
	struct wire_event e;
	struct notify *n;
	char cmd[128], gate[128], err[256], *out;
	FILE *f;

	(void)state;
	write_script("gated",
	    "[ \"$FLEET_EVENT_ID\" = 1 ] || exit 0\n"
	    "while [ ! -e @DIR@/gate ]; do sleep 0.01; done\n");
	dir_path(cmd, sizeof(cmd), "gated");
	dir_path(gate, sizeof(gate), "gate");
	assert_int_equal(notify_start(&n, cmd, 10000, err, sizeof(err)), 0);
	capture_start();
	for (uint64_t id = 1; id <= total; id++) {
		event_init(&e, id);
		notify_post(n, &e);
	}
	notify_get_stats(n, &st);
	if ((f = fopen(gate, "w")) != NULL)
		fclose(f);
	/* 1024 runs: about 1 s, 20 s under valgrind */
	wait_settled(n, st.posted, 120000, &st);
	notify_stop(n);
	out = capture_end();
	assert_non_null(f);
	assert_int_equal(st.posted + st.dropped, total);
	assert_in_range(st.dropped, 9, 10);
	assert_int_equal(st.ok, st.posted);
	assert_int_equal(st.failed + st.timed_out, 0);
	assert_non_null(strstr(out, "notify: queue full (1024 events)"));
	assert_null(strstr(strstr(out, "queue full") + 1, "queue full"));
	free(out);
}

/* "" accepts and ignores; a relative path is refused; NULL is a no-op. */
static void
test_start(void **state)
{
	struct notify_stats st;
	struct wire_event e;
	struct notify *n = NULL;
	char err[256] = "";

	(void)state;
	assert_int_equal(notify_start(&n, "", 0, err, sizeof(err)), 0);
	assert_non_null(n);
	event_init(&e, 1);
	notify_post(n, &e);
	notify_get_stats(n, &st);
	assert_int_equal(st.posted + st.ok + st.failed + st.dropped, 0);
	notify_stop(n);
	n = NULL;
	assert_int_equal(
	    notify_start(&n, "bin/hook", 1000, err, sizeof(err)), -1);
	assert_null(n);
	assert_non_null(strstr(err, "bin/hook: needs an absolute path"));
	assert_int_equal(
	    notify_start(&n, "/bin/true", 0, err, sizeof(err)), -1);
	notify_post(NULL, &e);
	notify_get_stats(NULL, &st);
	assert_int_equal(st.posted, 0);
	notify_stop(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_env),
	    cmocka_unit_test(test_timeout_group),
	    cmocka_unit_test(test_queue_full),
	    cmocka_unit_test(test_start),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
