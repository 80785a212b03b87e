/* SPDX-License-Identifier: ISC */
/*
 * The exec driver runs real commands: shell scripts the tests write into
 * a temporary directory, which record their argv, environment and pids
 * in files there.  Waits for a condition (a file, a process gone) are
 * bounded by a deadline; nothing sleeps for a fixed time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../controller/lb_driver.h"
#include "util.h"

#define NRELAYS 2

static char dir[64];
static struct fleetd_relay relays[NRELAYS];
static struct fleetd_lb lbconf;
static struct fleetd_config conf;

static void
dir_path(char *buf, size_t len, const char *name)
{
	if ((size_t)snprintf(buf, len, "%s/%s", dir, name) >= len)
		fail_msg("path too long: %s", name);
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

/* The file's text (caller frees), or NULL if there is none. */
static char *
read_text(const char *name)
{
	char p[128], *buf;
	size_t len;

	dir_path(p, sizeof(p), name);
	if (util_read_file(p, 1 << 20, &buf, &len) == -1) {
		if (errno != ENOENT)
			fail_msg("%s: %s", p, strerror(errno));
		return (NULL);
	}
	return (buf);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = ms * 1000000};

	nanosleep(&ts, NULL);
}

/* Waits up to limit_ms for a file holding a pid and a newline. */
static pid_t
wait_pid_file(const char *name, uint64_t limit_ms)
{
	uint64_t deadline = util_now_ms() + limit_ms;
	char *s;
	long pid;

	while (util_now_ms() < deadline) {
		if ((s = read_text(name)) != NULL && strchr(s, '\n') != NULL) {
			pid = strtol(s, NULL, 10);
			free(s);
			return ((pid_t)pid);
		}
		free(s);
		sleep_ms(2);
	}
	fail_msg("%s: not written within %llu ms", name,
	    (unsigned long long)limit_ms);
	return (-1);
}

/* True once pid is gone or a zombie of a process that is not ours. */
static bool
pid_dead(pid_t pid)
{
	char p[64], s[512], *rp;
	bool zombie = false;
	size_t n;
	FILE *f;

	if (kill(pid, 0) == -1 && errno == ESRCH)
		return (true);
	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	if ((f = fopen(p, "r")) != NULL) {
		n = fread(s, 1, sizeof(s) - 1, f);
		s[n] = '\0';
		fclose(f);
		/* "pid (comm) S ...": the state follows the last ')' */
		zombie = (rp = strrchr(s, ')')) != NULL && rp[1] == ' ' &&
		         rp[2] == 'Z';
	}
	return (zombie);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/lb_exec_test.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return (-1);
	memset(&conf, 0, sizeof(conf));
	memset(relays, 0, sizeof(relays));
	util_strlcpy(relays[0].name, "r1", sizeof(relays[0].name));
	util_strlcpy(relays[0].ip, "192.0.2.1", sizeof(relays[0].ip));
	util_strlcpy(relays[1].name, "r2", sizeof(relays[1].name));
	util_strlcpy(relays[1].ip, "192.0.2.2", sizeof(relays[1].ip));
	memset(&lbconf, 0, sizeof(lbconf));
	util_strlcpy(lbconf.name, "hook", sizeof(lbconf.name));
	lbconf.driver = LB_DRIVER_EXEC;
	lbconf.timeout_ms = FLEETD_LB_EXEC_MS;
	conf.nrelays = NRELAYS;
	conf.relays = relays;
	conf.nlbs = 1;
	conf.lbs = &lbconf;
	return (0);
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return (system(cmd));
}

struct fx {
	struct lb_driver *d;
	struct lb_slot *slots;
	size_t n;
	atomic_bool cancel;
};

/* A driver for the script `name` of dir, with timeout_ms. */
static void
fx_open(struct fx *f, const char *name, uint64_t timeout_ms)
{
	char err[256];

	dir_path(lbconf.target, sizeof(lbconf.target), name);
	lbconf.timeout_ms = timeout_ms;
	f->d = lb_exec_new(&conf, &lbconf, &f->slots, &f->n, err, sizeof(err));
	if (f->d == NULL)
		fail_msg("lb_exec_new: %s", err);
	atomic_init(&f->cancel, false);
	f->d->cancel = &f->cancel;
	assert_false(f->d->can_read);
	assert_null(f->d->read);
	assert_null(f->d->same);
	assert_null(f->d->flush);
	assert_int_equal(f->n, NRELAYS);
	assert_string_equal(f->slots[0].target, "r1");
	assert_string_equal(f->slots[1].target, "r2");
	assert_int_equal(f->slots[1].relay, 1);
}

static void
fx_close(struct fx *f)
{
	f->d->free(f->d);
	free(f->slots);
	/* every command was reaped: no child of ours is left */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static enum lb_apply_rc
fx_apply(struct fx *f, size_t slot, enum policy_intent intent, uint32_t weight,
    char *err, size_t errlen)
{
	struct lb_want w = {.intent = intent, .weight = weight};
	struct lb_state seen = {0};

	err[0] = '\0';
	return (f->d->apply(f->d, &f->slots[slot], &w, &seen, err, errlen));
}

static void
test_argv(void **state)
{
	static const struct {
		size_t slot;
		enum policy_intent intent;
		uint32_t weight;
	} calls[] = {
	    {0, POLICY_INTENT_DRAIN, 0},
	    {1, POLICY_INTENT_READY, 25},
	    {0, POLICY_INTENT_MAINT, 40},
	    {0, POLICY_INTENT_READY, 100},
	};
	char err[LB_ERROR_MAX], *args;
	struct fx f;

	(void)state;
	write_script("rec", "echo \"$#:$*\" >> @DIR@/args\n");
	fx_open(&f, "rec", 5000);
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		assert_int_equal(fx_apply(&f, calls[i].slot, calls[i].intent,
		                     calls[i].weight, err, sizeof(err)),
		    LB_APPLY_OK);
		assert_string_equal(err, "");
	}
	assert_non_null(args = read_text("args"));
	assert_string_equal(args, "3:r1 drain 0\n3:r2 ready 25\n"
	                          "3:r1 maint 40\n3:r1 ready 100\n");
	free(args);
	fx_close(&f);
}

static const struct {
	const char *name, *script; /* script NULL: no such file */
	enum lb_apply_rc rc;
	const char *err;
} fail_cases[] = {
    {"exit 3", "exit 3\n", LB_APPLY_FAILED, "exit status 3"},
    {"exit 255", "exit 255\n", LB_APPLY_FAILED, "exit status 255"},
    {"killed", "kill -KILL $$\n", LB_APPLY_FAILED, "killed by signal 9"},
    {"terminated", "kill -TERM $$\n", LB_APPLY_FAILED, "killed by signal 15"},
    {"no such command", NULL, LB_APPLY_FAILED, "No such file or directory"},
    {"not executable", "", LB_APPLY_FAILED, "Permission denied"},
};

static void
test_failures(void **state)
{
	char err[LB_ERROR_MAX], name[16], p[128];
	struct fx f;

	(void)state;
	for (size_t i = 0; i < sizeof(fail_cases) / sizeof(fail_cases[0]);
	     i++) {
		snprintf(name, sizeof(name), "case%zu", i);
		if (fail_cases[i].script != NULL)
			write_script(name, fail_cases[i].script);
		if (strcmp(fail_cases[i].name, "not executable") == 0) {
			dir_path(p, sizeof(p), name);
			assert_int_equal(chmod(p, 0644), 0);
		}
		fx_open(&f, name, 5000);
		if (fx_apply(&f, 0, POLICY_INTENT_DRAIN, 0, err, sizeof(err)) !=
		        fail_cases[i].rc ||
		    strstr(err, fail_cases[i].err) == NULL)
			fail_msg("%s: err \"%s\"", fail_cases[i].name, err);
		fx_close(&f);
	}
}

/* The script and the child it starts are both gone after a timeout. */
static void
test_timeout(void **state)
{
	char err[LB_ERROR_MAX];
	struct fx f;
	uint64_t t0, took, deadline;
	pid_t self, child;

	(void)state;
	write_script("slow", "echo $$ > @DIR@/self.tmp\n"
	                     "mv @DIR@/self.tmp @DIR@/self\n"
	                     "sleep 30 &\n"
	                     "echo $! > @DIR@/child.tmp\n"
	                     "mv @DIR@/child.tmp @DIR@/child\n"
	                     "wait\n");
	fx_open(&f, "slow", 300);
	t0 = util_now_ms();
	assert_int_equal(
	    fx_apply(&f, 0, POLICY_INTENT_DRAIN, 0, err, sizeof(err)),
	    LB_APPLY_FAILED);
	took = util_now_ms() - t0;
	assert_string_equal(err, "timeout after 300 ms");
	if (took < 300 || took > 2000)
		fail_msg("returned after %llu ms", (unsigned long long)took);
	self = wait_pid_file("self", 1000);
	child = wait_pid_file("child", 1000);
	/* our own child is reaped at once: not even a zombie */
	assert_int_equal(kill(self, 0), -1);
	assert_int_equal(errno, ESRCH);
	/* the grandchild got SIGKILL too; init reaps it */
	deadline = util_now_ms() + 2000;
	while (!pid_dead(child) && util_now_ms() < deadline)
		sleep_ms(2);
	if (!pid_dead(child))
		fail_msg("sleep %d survived the timeout", (int)child);
	fx_close(&f);
}

static void *
cancel_main(void *arg)
{
	struct fx *f = arg;
	char p[128];
	FILE *fp;

	(void)wait_pid_file("started", 5000);
	atomic_store(&f->cancel, true);
	snprintf(p, sizeof(p), "%s/go", dir);
	if ((fp = fopen(p, "w")) != NULL)
		fclose(fp);
	return (NULL);
}

/*
 * fleetd stopping lets a run in progress finish (within its timeout):
 * killing a hook half-way could leave an external load balancer half
 * changed.  Nothing new starts once stopping.
 */
static void
test_cancel(void **state)
{
	char err[LB_ERROR_MAX] = "";
	struct fx f;
	pthread_t t;

	(void)state;
	write_script("wait", "echo $$ > @DIR@/started.tmp\n"
	                     "mv @DIR@/started.tmp @DIR@/started\n"
	                     "while [ ! -e @DIR@/go ]; do sleep 0.02; done\n"
	                     "exit 0\n");
	fx_open(&f, "wait", 20000);
	assert_int_equal(pthread_create(&t, NULL, cancel_main, &f), 0);
	assert_int_equal(
	    fx_apply(&f, 1, POLICY_INTENT_READY, 50, err, sizeof(err)),
	    LB_APPLY_OK);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_true(atomic_load(&f.cancel));
	fx_close(&f);
	/* once cancelled, nothing more runs: not even a missing command */
	fx_open(&f, "missing", 5000);
	atomic_store(&f.cancel, true);
	assert_int_equal(
	    fx_apply(&f, 0, POLICY_INTENT_DRAIN, 0, err, sizeof(err)),
	    LB_APPLY_UNREACHABLE);
	assert_string_equal(err, "cancelled: fleetd is stopping");
	fx_close(&f);
}

/*
 * The command sees PATH, LC_ALL=C and FLEET_LB, and PWD, which /bin/sh
 * sets itself; nothing of the caller's environment.  stdin is empty,
 * stdout and stderr are fleetd's fd 2.
 */
static void
test_env(void **state)
{
	char err[LB_ERROR_MAX], p[128], *env, *line, *save, *out;
	int saved, fd;
	struct fx f;
	size_t n = 0;

	(void)state;
	assert_int_equal(setenv("FLEET_SECRET", "hunter2", 1), 0);
	write_script("env", "env > @DIR@/env\n"
	                    "wc -c > @DIR@/stdin\n"
	                    "echo to-stdout\n"
	                    "echo to-stderr >&2\n");
	fx_open(&f, "env", 5000);
	dir_path(p, sizeof(p), "fd2");
	fflush(stderr);
	assert_true((saved = dup(STDERR_FILENO)) != -1);
	assert_true((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600)) != -1);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
	assert_int_equal(
	    fx_apply(&f, 0, POLICY_INTENT_READY, 100, err, sizeof(err)),
	    LB_APPLY_OK);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	assert_non_null(out = read_text("fd2"));
	assert_string_equal(out, "to-stdout\nto-stderr\n");
	free(out);
	assert_non_null(out = read_text("stdin"));
	assert_string_equal(out, "0\n");
	free(out);
	assert_non_null(env = read_text("env"));
	for (line = strtok_r(env, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save), n++)
		if (strncmp(line, "PATH=/", 6) != 0 &&
		    strcmp(line, "LC_ALL=C") != 0 &&
		    strcmp(line, "FLEET_LB=hook") != 0 &&
		    strncmp(line, "PWD=", 4) != 0)
			fail_msg("unexpected variable: %s", line);
	assert_true(n >= 3 && n <= 4);
	free(env);
	fx_close(&f);
	unsetenv("FLEET_SECRET");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_argv, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_env, setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
