/* SPDX-License-Identifier: ISC */
/*
 * agent/checks against a real dnsmasq on 127.0.0.1 (a free port, the test
 * zones in dns_zones) and the real postconf with a temporary config dir.  A
 * shell script stands in for postconf only where the real one cannot be
 * made to hang or to show its argv and environment.  dnsmasq is started
 * in the group setup and stopped in the group teardown; every wait is
 * bounded.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../agent/checks.h"
#include "util.h"

#define DNSMASQ  "/usr/sbin/dnsmasq"
#define POSTCONF "/usr/sbin/postconf"
#define NOPE     "/nonexistent/postconf"
#define V6_REV   "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
#define SLACK_MS 1500 /* valgrind and a busy box on top of a timeout */

static struct {
	char dir[32]; /* mkdtemp */
	pid_t dnsmasq;
	char resolver[32]; /* "127.0.0.1:P" */
	bool has_postconf;
} t = {.dir = "/tmp/checks_test.XXXXXX"};

/* ---- helpers ------------------------------------------------------- */

static int
bind_port(int type, int port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int s;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	if ((s = socket(AF_INET, type, 0)) == -1)
		return (-1);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(s);
		return (-1);
	}
	return (s);
}

/* A UDP port the kernel just handed out and that TCP can bind too. */
static int
free_port(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len;
	int s, s2, port;

	for (int i = 0; i < 20; i++) {
		len = sizeof(sin);
		if ((s = bind_port(SOCK_DGRAM, 0)) == -1)
			return (-1);
		if (getsockname(s, (struct sockaddr *)&sin, &len) == -1) {
			close(s);
			return (-1);
		}
		port = ntohs(sin.sin_port);
		close(s);
		if ((s2 = bind_port(SOCK_STREAM, port)) != -1) {
			close(s2);
			return (port);
		}
	}
	return (-1);
}

static pid_t
spawn(const char **argv)
{
	char *const env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int rv;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	rv = posix_spawn(
	    &pid, argv[0], &fa, NULL, (char *const *)(void *)argv, env);
	posix_spawn_file_actions_destroy(&fa);
	return (rv == 0 ? pid : -1);
}

static void
write_file(const char *dir, const char *name, const char *body, mode_t mode)
{
	struct timeval old[2] = {{time(NULL) - 60, 0}, {time(NULL) - 60, 0}};
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(body, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
	/* Postfix rereads a main.cf younger than 1 s, 300 ms a time */
	assert_int_equal(utimes(path, old), 0);
}

static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return (remove(path));
}

/* Every result must pass the wire rules whatever DNS said. */
static void
assert_wire_ok(const struct wire_check *c, size_t n, uint64_t t0)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(c[i].detail);

		assert_in_range(strlen(c[i].name), 1, WIRE_NAME_MAX);
		assert_in_range(len, 1, WIRE_DETAIL_MAX);
		for (size_t j = 0; j < len; j++)
			assert_in_range(
			    (unsigned char)c[i].detail[j], 0x20, 0x7e);
		assert_in_range(c[i].state, CHECK_OK, CHECK_ERROR);
		assert_in_range(c[i].checked_at, t0, util_wall_s());
	}
}

static void
run(struct checks_conf *conf, struct wire_check *out, size_t *n)
{
	uint64_t t0 = util_wall_s();

	assert_int_equal(checks_run(conf, out, WIRE_CHECKS_MAX, n), 0);
	assert_int_equal(*n, CHECKS_COUNT(conf));
	assert_wire_ok(out, *n, t0);
}

static const struct wire_check *
find(const struct wire_check *c, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(c[i].name, name) == 0)
			return (&c[i]);
	fail_msg("no check %s", name);
	return (NULL);
}

static void
expect(const struct wire_check *c, size_t n, const char *name,
    enum check_state st, const char *detail, const char *what)
{
	const struct wire_check *r = find(c, n, name);

	if (r->state != st)
		fail_msg("%s: %s: state %s, want %s (%s)", what, name,
		    reason_check_name(r->state), reason_check_name(st),
		    r->detail);
	if (detail != NULL && strcmp(r->detail, detail) != 0)
		fail_msg("%s: %s: detail \"%s\", want \"%s\"", what, name,
		    r->detail, detail);
}

/* ---- dnsmasq ------------------------------------------------------- */

static const char *const dns_fixed[] = {DNSMASQ, "--keep-in-foreground",
    "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
    "--pid-file=", /* none */
    "--listen-address=127.0.0.1", "--bind-interfaces", "--log-queries"};

/* The test zones; as root, dnsmasq drops to nobody once it has its port. */
static const char *const dns_zones[] = {
    /* authoritative: names not below are NXDOMAIN, not REFUSED */
    "--local=/test/",
    "--local=/2.0.192.in-addr.arpa/",
    "--local=/8.b.d.0.1.0.0.2.ip6.arpa/",
    /* .10: all good, .11: fcrdns fails and bl.test lists it */
    "--host-record=relay1.test,192.0.2.10", /* A and PTR */
    "--ptr-record=11.2.0.192.in-addr.arpa,bad.test",
    "--host-record=bad.test,192.0.2.99",
    "--address=/11.2.0.192.bl.test/127.0.0.2",
    "--txt-record=11.2.0.192.bl.test,listed for testing",
    /* .12: NXDOMAIN, .13: the name exists but has no PTR (NODATA) */
    "--txt-record=13.2.0.192.in-addr.arpa,no ptr here",
    /* .14: PTR to a name without A, .21: PTR to a name with two A */
    "--ptr-record=14.2.0.192.in-addr.arpa,noaddr.test",
    "--ptr-record=21.2.0.192.in-addr.arpa,multi.test",
    "--address=/multi.test/192.0.2.20",
    "--address=/multi.test/192.0.2.21",
    /* 2001:db8::10 good and listed, 2001:db8::11 no PTR */
    "--host-record=relay6.test,2001:db8::10",
    "--address=/" V6_REV ".bl.test/127.0.0.2",
    /* DNSBL answers every list must survive */
    "--address=/refused.test/127.255.255.254",
    "--address=/odd.test/10.0.0.1",
    "--address=/one.test/127.0.0.1",
    "--address=/ctl.test/127.0.0.3",
    /* raw control bytes, not \x01..\x06, which dnsmasq maps to digits */
    "--txt-record=10.2.0.192.ctl.test,a\tb\x1b[31m\x7f\xc3\xa9z",
    "--address=/long.test/127.0.0.4",
    "--txt-record=10.2.0.192.long.test,"
    "0123456789012345678901234567890123456789012345678901234567"
    "8901234567890123456789012345678901234567890123456789012345"
    "6789012345678901234567890123456789012345678901234567890123"
    "4567890123456789012345678901234567890123456789012345678901"
    "23456789012345678901234567890123456789",
};

/*
 * Waits until dnsmasq answers a query (<= 5 s).  Returns 1, 0 on timeout
 * or -1 if dnsmasq exited (and has been reaped).
 */
static int
dns_ready(int port, pid_t pid)
{
	static const char q[] = "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00"
	                        "\x00\x00\x05probe\x04test\x00\x00\x01\x00\x01";
	struct sockaddr_in sin = {.sin_family = AF_INET};
	char buf[512];
	int s, rv = 0;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	if ((s = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		return (0);
	for (int i = 0; i < 50 && rv == 0; i++) {
		struct pollfd pfd = {s, POLLIN, 0};

		if (waitpid(pid, NULL, WNOHANG) != 0) {
			rv = -1; /* a bad option, or the port was taken */
			break;
		}
		sendto(s, q, sizeof(q) - 1, 0, (struct sockaddr *)&sin,
		    sizeof(sin));
		if (poll(&pfd, 1, 100) == 1 && recv(s, buf, sizeof(buf), 0) > 0)
			rv = 1;
		else
			usleep(20000); /* ECONNREFUSED comes back at once */
	}
	close(s);
	return (rv);
}

/* Starts dnsmasq on 127.0.0.1:port; returns its pid once it answers. */
static pid_t
dns_start(int port)
{
	char port_opt[32], log_opt[64];
	const char *argv[64];
	size_t i = 0;
	pid_t pid;
	int rv;

	snprintf(port_opt, sizeof(port_opt), "--port=%d", port);
	snprintf(
	    log_opt, sizeof(log_opt), "--log-facility=%s/dnsmasq.log", t.dir);
	for (size_t j = 0; j < sizeof(dns_fixed) / sizeof(dns_fixed[0]); j++)
		argv[i++] = dns_fixed[j];
	argv[i++] = port_opt;
	argv[i++] = log_opt;
	for (size_t j = 0; j < sizeof(dns_zones) / sizeof(dns_zones[0]); j++)
		argv[i++] = dns_zones[j];
	argv[i] = NULL;
	if ((pid = spawn(argv)) == -1 || (rv = dns_ready(port, pid)) == -1)
		return (-1);
	if (rv == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return (-1);
	}
	return (pid);
}

static int
setup(void **state)
{
	int port = -1;

	(void)state;
	if (mkdtemp(t.dir) == NULL)
		return (-1);
	t.has_postconf = access(POSTCONF, X_OK) == 0;
	if (access(DNSMASQ, X_OK) != 0)
		return (0); /* the DNS tests skip */
	for (int i = 0; i < 3 && t.dnsmasq <= 0; i++)
		if ((port = free_port()) != -1)
			t.dnsmasq = dns_start(port);
	snprintf(t.resolver, sizeof(t.resolver), "127.0.0.1:%d", port);
	return (t.dnsmasq > 0 ? 0 : -1);
}

static int
teardown(void **state)
{
	int status;

	(void)state;
	if (t.dnsmasq > 0) {
		kill(t.dnsmasq, SIGTERM);
		for (int i = 0; i < 100; i++) {
			if (waitpid(t.dnsmasq, &status, WNOHANG) != 0)
				break;
			if (i == 50)
				kill(t.dnsmasq, SIGKILL);
			usleep(20000);
		}
		t.dnsmasq = 0;
	}
	nftw(t.dir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
	return (0);
}

static void
need_dns(void)
{
	if (t.dnsmasq <= 0)
		skip();
}

/* ---- cases --------------------------------------------------------- */

/* Each relay IP of the test zones, with bl.test and refused.test. */
static const char *const relay_zones[] = {"bl.test", "refused.test"};

static const struct relay_case {
	const char *name, *ip, *helo;
	enum check_state ptr, fcrdns, helo_st, bl;
	const char *ptr_d, *fcrdns_d, *helo_d, *bl_d;
} relay_cases[] = {
    {"good", "192.0.2.10", "relay1.test", CHECK_OK, CHECK_OK, CHECK_OK,
        CHECK_OK, "relay1.test", "ptr relay1.test resolves to 192.0.2.10",
        "helo relay1.test == ptr relay1.test", "not listed"},
    {"fcrdns mismatch, listed", "192.0.2.11", "bad.test", CHECK_OK, CHECK_FAIL,
        CHECK_OK, CHECK_FAIL, "bad.test",
        "ptr bad.test resolves to 192.0.2.99, not 192.0.2.11", NULL,
        "listed: 127.0.0.2: listed for testing"},
    {"nxdomain ptr", "192.0.2.12", "relay1.test", CHECK_FAIL, CHECK_FAIL,
        CHECK_FAIL, CHECK_OK, "no PTR for 192.0.2.12", "no PTR for 192.0.2.12",
        "helo relay1.test: no PTR for 192.0.2.12", NULL},
    {"nodata ptr", "192.0.2.13", "relay1.test", CHECK_FAIL, CHECK_FAIL,
        CHECK_FAIL, CHECK_OK, "no PTR for 192.0.2.13", NULL, NULL, NULL},
    {"ptr name without A", "192.0.2.14", "relay1.test", CHECK_OK, CHECK_FAIL,
        CHECK_FAIL, CHECK_OK, "noaddr.test", "ptr noaddr.test has no A record",
        "helo relay1.test != ptr noaddr.test", NULL},
    {"two A records", "192.0.2.21", "multi.test", CHECK_OK, CHECK_OK, CHECK_OK,
        CHECK_OK, NULL, NULL, NULL, NULL},
    {"helo mismatch", "192.0.2.10", "relay1.example.com", CHECK_OK, CHECK_OK,
        CHECK_FAIL, CHECK_OK, NULL, NULL,
        "helo relay1.example.com != ptr relay1.test", NULL},
    {"helo case and dot", "192.0.2.10", "RELAY1.Test.", CHECK_OK, CHECK_OK,
        CHECK_OK, CHECK_OK, NULL, NULL, NULL, NULL},
    {"no helo", "192.0.2.10", NULL, CHECK_OK, CHECK_OK, CHECK_ERROR, CHECK_OK,
        NULL, NULL, "no helo name", NULL},
    {"ipv6 good, listed", "2001:db8::10", "relay6.test", CHECK_OK, CHECK_OK,
        CHECK_OK, CHECK_FAIL, "relay6.test",
        "ptr relay6.test resolves to 2001:db8::10", NULL, "listed: 127.0.0.2"},
    {"ipv6 long form", "2001:DB8:0:0:0:0:0:0010", "relay6.test", CHECK_OK,
        CHECK_OK, CHECK_OK, CHECK_FAIL, NULL,
        "ptr relay6.test resolves to 2001:db8::10", NULL, NULL},
    {"ipv6 no ptr", "2001:db8::11", "relay6.test", CHECK_FAIL, CHECK_FAIL,
        CHECK_FAIL, CHECK_OK, "no PTR for 2001:db8::11", NULL, NULL,
        "not listed"},
};

static void
test_relays(void **state)
{
	struct wire_check out[WIRE_CHECKS_MAX];
	size_t n;

	(void)state;
	need_dns();
	for (size_t i = 0; i < sizeof(relay_cases) / sizeof(relay_cases[0]);
	     i++) {
		const struct relay_case *c = &relay_cases[i];
		struct checks_conf conf = {.ip = c->ip,
		    .helo = c->helo,
		    .resolver = t.resolver,
		    .dnsbl = relay_zones,
		    .n_dnsbl = 2,
		    .postconf = NOPE,
		    .timeout_ms = 3000};

		run(&conf, out, &n);
		expect(out, n, "ptr", c->ptr, c->ptr_d, c->name);
		expect(out, n, "fcrdns", c->fcrdns, c->fcrdns_d, c->name);
		expect(out, n, "helo", c->helo_st, c->helo_d, c->name);
		expect(out, n, "dnsbl:bl.test", c->bl, c->bl_d, c->name);
		expect(out, n, "dnsbl:refused.test", CHECK_ERROR,
		    "dnsbl refused the query: 127.255.255.254", c->name);
		expect(out, n, "master", CHECK_ERROR,
		    "cannot run " NOPE ": No such file or directory", c->name);
	}
}

static void
test_dnsbl_answers(void **state)
{
	static const char *const zones[] = {"ctl.test", "long.test", "odd.test",
	    "one.test", "nx.test", "nosuch.example."};
	struct checks_conf conf = {.ip = "192.0.2.10",
	    .helo = "relay1.test",
	    .resolver = t.resolver,
	    .dnsbl = zones,
	    .n_dnsbl = 6,
	    .timeout_ms = 3000};
	struct wire_check out[WIRE_CHECKS_MAX];
	const struct wire_check *c;
	size_t n;

	(void)state;
	need_dns();
	run(&conf, out, &n);
	/* control bytes, DEL and non-ASCII from a TXT record become '?' */
	expect(out, n, "dnsbl:ctl.test", CHECK_FAIL,
	    "listed: 127.0.0.3: a?b?[31m???z", "ctl");
	c = find(out, n, "dnsbl:long.test");
	assert_int_equal(c->state, CHECK_FAIL);
	assert_int_equal(strlen(c->detail), WIRE_DETAIL_MAX);
	expect(out, n, "dnsbl:odd.test", CHECK_ERROR,
	    "unexpected dnsbl answer: 10.0.0.1", "odd");
	expect(out, n, "dnsbl:one.test", CHECK_ERROR,
	    "unexpected dnsbl answer: 127.0.0.1", "one");
	expect(out, n, "dnsbl:nx.test", CHECK_OK, "not listed", "nx");
	/* dnsmasq without upstream servers answers REFUSED */
	expect(out, n, "dnsbl:nosuch.example.", CHECK_ERROR, NULL, "nosuch");
	expect(out, n, "ptr", CHECK_OK, "relay1.test", "ptr");
}

/* Every DNS check is ERROR, and the run ends within its timeout. */
static void
dead_resolver(const char *resolver, unsigned timeout_ms)
{
	static const char *const zones[] = {"bl.test"};
	struct checks_conf conf = {.ip = "192.0.2.10",
	    .helo = "relay1.test",
	    .resolver = resolver,
	    .dnsbl = zones,
	    .n_dnsbl = 1,
	    .postconf = NOPE,
	    .timeout_ms = timeout_ms};
	struct wire_check out[WIRE_CHECKS_MAX];
	uint64_t t0 = util_now_ms();
	size_t n;

	run(&conf, out, &n);
	assert_in_range(util_now_ms() - t0, 0, timeout_ms + SLACK_MS);
	for (size_t i = 0; i < n; i++)
		if (out[i].state != CHECK_ERROR)
			fail_msg(
			    "%s: %s %s", resolver, out[i].name, out[i].detail);
}

static void
test_unreachable_resolver(void **state)
{
	char resolver[32];
	int s, port;

	(void)state;
	/* nothing on the port: ICMP port unreachable */
	snprintf(resolver, sizeof(resolver), "127.0.0.1:%d", free_port());
	dead_resolver(resolver, 1500);
	/* a socket that never answers: c-ares' timeouts or the deadline */
	port = free_port();
	assert_int_not_equal(s = bind_port(SOCK_DGRAM, port), -1);
	snprintf(resolver, sizeof(resolver), "127.0.0.1:%d", port);
	dead_resolver(resolver, 800);
	close(s);
}

/* The master check of a run with postconf and config dir as given. */
static const struct wire_check *
master_run_cancel(const char *postconf, const char *config, unsigned timeout_ms,
    const atomic_bool *cancel, struct wire_check *out)
{
	struct checks_conf conf = {.ip = "192.0.2.10",
	    .helo = "relay1.test",
	    .resolver = t.dnsmasq > 0 ? t.resolver : "127.0.0.1:1",
	    .postconf = postconf,
	    .postfix_config = config,
	    .timeout_ms = timeout_ms,
	    .cancel = cancel};
	size_t n;

	run(&conf, out, &n);
	return (find(out, n, "master"));
}

static const struct wire_check *
master_run(const char *postconf, const char *config, unsigned timeout_ms,
    struct wire_check *out)
{
	return (master_run_cancel(postconf, config, timeout_ms, NULL, out));
}

static void
expect_master(
    const struct wire_check *c, enum check_state st, const char *prefix)
{
	if (c->state != st || strncmp(c->detail, prefix, strlen(prefix)) != 0)
		fail_msg("master: %s \"%s\", want %s \"%s...\"",
		    reason_check_name(c->state), c->detail,
		    reason_check_name(st), prefix);
}

static pid_t
dead_pid(void)
{
	pid_t pid;

	if ((pid = fork()) == 0)
		_exit(0);
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return (pid);
}

/*
 * The real postconf reads <dir>/pf/main.cf, which points queue_directory
 * at <dir>/queue; master.pid is written as Postfix does ("%10d\n").
 */
static void
test_master_real_postconf(void **state)
{
	char conf[128], qdir[128], body[256], want[64];
	struct wire_check out[WIRE_CHECKS_MAX];

	(void)state;
	if (!t.has_postconf)
		skip();
	snprintf(conf, sizeof(conf), "%s/pf", t.dir);
	snprintf(qdir, sizeof(qdir), "%s/queue", t.dir);
	assert_int_equal(mkdir(conf, 0755), 0);
	assert_int_equal(mkdir(qdir, 0755), 0);
	snprintf(qdir, sizeof(qdir), "%s/queue/pid", t.dir);
	assert_int_equal(mkdir(qdir, 0755), 0);
	snprintf(body, sizeof(body), "queue_directory = %s/queue\n", t.dir);
	write_file(conf, "main.cf", body, 0644);
	expect_master(master_run("", conf, 3000, out), CHECK_FAIL,
	    "master not running (no ");
	snprintf(body, sizeof(body), "%10ld\n", (long)getpid());
	write_file(qdir, "master.pid", body, 0644);
	snprintf(want, sizeof(want), "master pid %ld", (long)getpid());
	expect_master(master_run(NULL, conf, 3000, out), CHECK_OK, want);
	snprintf(body, sizeof(body), "%10ld\n", (long)dead_pid());
	write_file(qdir, "master.pid", body, 0644);
	expect_master(master_run(POSTCONF, conf, 3000, out), CHECK_FAIL,
	    "master not running (stale pid ");
	write_file(qdir, "master.pid", "garbage\n", 0644);
	expect_master(
	    master_run(POSTCONF, conf, 3000, out), CHECK_ERROR, "cannot read ");
	write_file(qdir, "master.pid", "0\n", 0644); /* kill(0) = group */
	expect_master(
	    master_run(POSTCONF, conf, 3000, out), CHECK_ERROR, "cannot read ");
	expect_master(master_run(POSTCONF, "/nonexistent", 3000, out),
	    CHECK_ERROR,
	    "postconf failed (status 1): " POSTCONF ": fatal: open "
	    "/nonexistent/main.cf");
}

/* A script stands in for postconf: it records argv and env, or hangs. */
static void
test_master_fake_postconf(void **state)
{
	char path[128], body[512], *buf;
	struct wire_check out[WIRE_CHECKS_MAX];
	atomic_bool stop = true;
	uint64_t t0;
	size_t len;

	(void)state;
	snprintf(path, sizeof(path), "%s/postconf", t.dir);
	snprintf(body, sizeof(body),
	    "#!/bin/sh\n# stand-in for postconf(1)\n"
	    "printf '%%s\\n' \"$@\" > %s/args\nenv > %s/env\n"
	    "echo %s/fakeq\n",
	    t.dir, t.dir, t.dir);
	write_file(t.dir, "postconf", body, 0755);
	setenv("CHECKS_TEST_MARKER", "leak", 1);
	expect_master(master_run(path, "/etc/x y", 3000, out), CHECK_FAIL,
	    "master not running (no ");
	unsetenv("CHECKS_TEST_MARKER");
	snprintf(body, sizeof(body), "%s/args", t.dir);
	assert_int_equal(util_read_file(body, 4096, &buf, &len), 0);
	assert_string_equal(buf, "-c\n/etc/x y\n-xh\nqueue_directory\n");
	free(buf);
	snprintf(body, sizeof(body), "%s/env", t.dir);
	assert_int_equal(util_read_file(body, 4096, &buf, &len), 0);
	assert_null(strstr(buf, "CHECKS_TEST_MARKER"));
	assert_non_null(strstr(buf, "LC_ALL=C\n"));
	free(buf);
	write_file(t.dir, "postconf", "#!/bin/sh\necho relative/dir\n", 0755);
	expect_master(master_run(path, "", 3000, out), CHECK_ERROR,
	    "bad queue_directory: relative/dir");
	write_file(t.dir, "postconf", "#!/bin/sh\nexec sleep 10\n", 0755);
	t0 = util_now_ms();
	expect_master(
	    master_run(path, "", 500, out), CHECK_ERROR, "postconf timed out");
	assert_in_range(util_now_ms() - t0, 400, 500 + SLACK_MS);
	/* a stopping agent: the run ends long before its timeout */
	expect_master(
	    master_run_cancel(path, "", CHECKS_TIMEOUT_MAX, &stop, out),
	    CHECK_ERROR, "postconf cancelled");
}

static void
test_helo_name(void **state)
{
	char path[128], conf[128], name[64];

	(void)state;
	snprintf(path, sizeof(path), "%s/postconf", t.dir);
	write_file(t.dir, "postconf", "#!/bin/sh\necho relay1.test\n", 0755);
	assert_int_equal(checks_helo_name(path, "", name, sizeof(name)), 0);
	assert_string_equal(name, "relay1.test");
	assert_int_equal(checks_helo_name(path, "", name, 11), -1);
	assert_int_equal(errno, ERANGE);
	write_file(t.dir, "postconf", "#!/bin/sh\necho two words\n", 0755);
	assert_int_equal(checks_helo_name(path, NULL, name, sizeof(name)), -1);
	assert_int_equal(errno, EINVAL);
	write_file(t.dir, "postconf", "#!/bin/sh\necho\n", 0755);
	assert_int_equal(checks_helo_name(path, NULL, name, sizeof(name)), -1);
	assert_int_equal(errno, EINVAL);
	write_file(t.dir, "postconf", "#!/bin/sh\nexit 1\n", 0755);
	assert_int_equal(checks_helo_name(path, NULL, name, sizeof(name)), -1);
	assert_int_equal(errno, EIO);
	assert_int_equal(checks_helo_name(NOPE, NULL, name, sizeof(name)), -1);
	assert_int_equal(errno, ENOENT);
	if (!t.has_postconf)
		return;
	/* the real one expands $myhostname, smtp_helo_name's default */
	snprintf(conf, sizeof(conf), "%s/helo", t.dir);
	assert_int_equal(mkdir(conf, 0755), 0);
	write_file(conf, "main.cf", "myhostname = Relay9.example.com\n", 0644);
	assert_int_equal(checks_helo_name(NULL, conf, name, sizeof(name)), 0);
	assert_string_equal(name, "Relay9.example.com");
	write_file(conf, "main.cf",
	    "mydomain = example.net\nsmtp_helo_name = out.$mydomain\n", 0644);
	assert_int_equal(checks_helo_name("", conf, name, sizeof(name)), 0);
	assert_string_equal(name, "out.example.net");
}

/* Confs checks_run() must refuse before doing anything. */
static const char *const bad_ok[] = {"bl.test"};
static const char *const bad_empty[] = {""};
static const char *const bad_dot[] = {".bl.test"};
static const char *const bad_space[] = {"bl test"};
static const char *const bad_nul[] = {NULL};
static const char *const bad_long[] = {
    "a23456789.123456789.123456789.123456789.123456789.12345678"};
static const char *bad_many[CHECKS_DNSBL_MAX + 1];
static const struct bad_case {
	const char *name, *ip, *resolver;
	const char *const *zones;
	size_t n;
	unsigned timeout;
} bad_cases[] = {
    {"no ip", NULL, NULL, bad_ok, 1, 1000},
    {"ip out of range", "192.0.2.300", NULL, bad_ok, 1, 1000},
    {"ip a name", "relay1.test", NULL, bad_ok, 1, 1000},
    {"ip with port", "192.0.2.1:25", NULL, bad_ok, 1, 1000},
    {"empty zone", "192.0.2.1", NULL, bad_empty, 1, 1000},
    {"zone leading dot", "192.0.2.1", NULL, bad_dot, 1, 1000},
    {"zone charset", "192.0.2.1", NULL, bad_space, 1, 1000},
    {"zone NULL", "192.0.2.1", NULL, bad_nul, 1, 1000},
    {"zones NULL", "192.0.2.1", NULL, NULL, 1, 1000},
    {"zone too long", "192.0.2.1", NULL, bad_long, 1, 1000},
    {"too many zones", "192.0.2.1", NULL, bad_many, CHECKS_DNSBL_MAX + 1, 1000},
    {"timeout 0", "192.0.2.1", NULL, bad_ok, 1, 0},
    {"timeout too long", "192.0.2.1", NULL, bad_ok, 1, CHECKS_TIMEOUT_MAX + 1},
    {"resolver", "192.0.2.1", "not a resolver", bad_ok, 1, 1000},
};

static void
test_bad_conf(void **state)
{
	struct wire_check out[WIRE_CHECKS_MAX];
	size_t n = 12345;

	(void)state;
	for (size_t i = 0; i < CHECKS_DNSBL_MAX + 1; i++)
		bad_many[i] = "bl.test";
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct checks_conf conf = {.ip = c->ip,
		    .resolver = c->resolver,
		    .dnsbl = c->zones,
		    .n_dnsbl = c->n,
		    .timeout_ms = c->timeout};

		errno = 0;
		if (checks_run(&conf, out, WIRE_CHECKS_MAX, &n) != -1 ||
		    errno != EINVAL || n != 12345)
			fail_msg("case %s", c->name);
	}
}

/* max cuts the list; max 0 writes nothing. */
static void
test_max(void **state)
{
	static const char *const zones[] = {"bl.test"};
	struct checks_conf conf = {.ip = "192.0.2.10",
	    .helo = "relay1.test",
	    .resolver = t.resolver,
	    .dnsbl = zones,
	    .n_dnsbl = 1,
	    .postconf = NOPE,
	    .timeout_ms = 3000};
	struct wire_check out[2];
	size_t n;

	(void)state;
	need_dns();
	assert_int_equal(checks_run(&conf, out, 2, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(out[0].name, "ptr");
	assert_string_equal(out[1].name, "fcrdns");
	assert_int_equal(out[1].state, CHECK_OK);
	assert_int_equal(checks_run(&conf, NULL, 0, &n), 0);
	assert_int_equal(n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_relays),
	    cmocka_unit_test(test_dnsbl_answers),
	    cmocka_unit_test(test_unreachable_resolver),
	    cmocka_unit_test(test_master_real_postconf),
	    cmocka_unit_test(test_master_fake_postconf),
	    cmocka_unit_test(test_helo_name),
	    cmocka_unit_test(test_bad_conf),
	    cmocka_unit_test(test_max),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
