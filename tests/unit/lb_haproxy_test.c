/* SPDX-License-Identifier: ISC */
/*
 * The haproxy driver.  The parser runs on replies copied from the
 * reference transcripts (HAProxy 2.6.12) and on broken variants; the
 * driver on a real haproxy started here on 127.0.0.1, and on a scripted
 * unix listener where HAProxy cannot show a behaviour (silence, command
 * order, odd replies).  No haproxy (PATH, /usr/sbin) fails, not skips.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../controller/lb_driver.h"
#include "util.h"

#define HDR                                                                    \
	"# be_id be_name srv_id srv_name srv_addr srv_op_state "               \
	"srv_admin_state srv_uweight srv_iweight srv_time_since_last_change "  \
	"srv_check_status srv_check_result srv_check_health srv_check_state "  \
	"srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port "    \
	"srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr "  \
	"srv_agent_port\n"
#define R(be, srv, op, adm, uw, iw) "1\n" HDR ROW(be, srv, op, adm, uw, iw)
#define ROW(be, srv, op, adm, uw, iw)                                          \
	"3 " be " 1 " srv " 127.0.0.1 " op " " adm " " uw " " iw               \
	" 9 15 3 3 6 0 0 0 - 25001 - 0 0 - - 0\n"

/* transcript-1: every backend, with the agent-checked one */
static const char t1_all[] =
    "1\n" HDR "3 be_smtp 1 s1 127.0.0.1 2 0 100 100 9 15 3 3 6 0 0 0 - 25001 "
    "- 0 0 - - 0\n"
    "3 be_smtp 2 s2 127.0.0.1 2 0 100 100 9 15 3 3 6 0 0 0 - 25002 - 0 0 - "
    "- 0\n"
    "3 be_smtp 3 s3 127.0.0.1 2 0 100 100 9 15 3 3 6 0 0 0 - 25003 - 0 0 - "
    "- 0\n"
    "5 be_agent 1 s1 127.0.0.1 2 0 100 100 9 15 3 4 6 22 0 0 - 25001 - 0 0 "
    "- - 26001\n"
    "5 be_agent 2 s2 127.0.0.1 2 0 100 100 9 15 3 4 6 22 0 0 - 25002 - 0 0 "
    "- - 26002\n"
    "5 be_agent 3 s3 127.0.0.1 2 0 100 100 9 15 3 4 6 22 0 0 - 25003 - 0 0 "
    "- - 26003\n"
    "\n";

/* transcript-6 A and transcript-2: drain (2 8), weight 50 of 100, maint */
static const char t6_mixed[] =
    "1\n" HDR "3 be_smtp 1 s1 127.0.0.1 2 8 100 100 0 15 3 3 6 0 0 0 - 25001 "
    "- 0 0 - - 0\n"
    "3 be_smtp 2 s2 127.0.0.1 2 0 50 100 110 15 3 3 6 0 0 0 - 25002 - 0 0 - "
    "- 0\n"
    "3 be_smtp 3 s3 127.0.0.1 0 1 100 100 0 15 3 0 14 0 0 0 - 25003 - 0 0 - "
    "- 0\n"
    "\n";

/* Parses a copy of exactly strlen(text) bytes: no NUL to lean on. */
static int
parse(const char *text, struct haproxy_server **rows, size_t *n,
    const char **errstr)
{
	size_t len = strlen(text);
	char *copy = xmalloc(len > 0 ? len : 1);
	int rc;

	memcpy(copy, text, len);
	rc = haproxy_parse_servers_state(copy, len, rows, n, errstr);
	free(copy);
	return (rc);
}

/* The rows of a reply that must parse (caller frees), n of them. */
static struct haproxy_server *
parse_ok(const char *text, size_t n)
{
	struct haproxy_server *rows;
	const char *errstr = "";
	size_t got;

	if (parse(text, &rows, &got, &errstr) != 0)
		fail_msg("refused: %s", errstr);
	assert_int_equal(got, n);
	return (rows);
}

static void
assert_row(const struct haproxy_server *r, const char *be, const char *srv,
    uint32_t op, uint32_t adm, uint32_t uw, uint32_t iw)
{
	assert_string_equal(r->backend, be);
	assert_string_equal(r->server, srv);
	assert_int_equal(r->op_state, op);
	assert_int_equal(r->admin_state, adm);
	assert_int_equal(r->uweight, uw);
	assert_int_equal(r->iweight, iw);
}

/*
 * The transcripts; no servers; \r\n, no final newline, reordered and
 * added columns, numbers at the edge, names of 63 and 64, a NUL.
 */
static void
test_parse_good(void **state)
{
	struct haproxy_server *rows;
	const char *errstr = NULL;
	char name63[64], text[1024];
	size_t n;

	(void)state;
	rows = parse_ok(t1_all, 6);
	assert_row(&rows[0], "be_smtp", "s1", 2, 0, 100, 100);
	assert_row(&rows[3], "be_agent", "s1", 2, 0, 100, 100);
	assert_row(&rows[5], "be_agent", "s3", 2, 0, 100, 100);
	free(rows);
	rows = parse_ok(t6_mixed, 3);
	assert_row(&rows[0], "be_smtp", "s1", 2, 8, 100, 100);
	assert_row(&rows[1], "be_smtp", "s2", 2, 0, 50, 100);
	assert_row(&rows[2], "be_smtp", "s3", 0, 1, 100, 100);
	free(rows);
	assert_null(parse_ok("1\n" HDR "\n", 0));
	rows = parse_ok("1\r\n# be_name srv_name srv_op_state srv_admin_state "
	                "srv_uweight srv_iweight\r\nbe s 2 8 10 20\r\n\r\n",
	    1);
	assert_row(&rows[0], "be", "s", 2, 8, 10, 20);
	free(rows);
	rows = parse_ok("1\n# srv_iweight x srv_uweight srv_name y "
	                "srv_admin_state be_name srv_op_state new\n"
	                "7 - 3 web1 ? 1 be:x.y-z 0 extra\n"
	                "4294967295 - 0 w2 ? 0009 b 2 extra",
	    2);
	assert_row(&rows[0], "be:x.y-z", "web1", 0, 1, 3, 7);
	assert_row(&rows[1], "b", "w2", 2, 9, 0, UINT32_MAX);
	free(rows);
	memset(name63, 'a', 63);
	name63[63] = '\0';
	snprintf(text, sizeof(text), R("%s", "%s", "2", "0", "1", "1"), name63,
	    name63);
	rows = parse_ok(text, 1);
	assert_string_equal(rows[0].backend, name63);
	assert_string_equal(rows[0].server, name63);
	free(rows);
	/* names no lb_server can hold: the row is skipped, the rest read */
	snprintf(text, sizeof(text),
	    R("b", "%sx", "2", "0", "1", "1") ROW("b;x", "s", "2", "0", "1",
	        "1") ROW("b", "ok", "2", "8", "1", "1"),
	    name63);
	rows = parse_ok(text, 1);
	assert_string_equal(rows[0].server, "ok");
	free(rows);
	n = (size_t)snprintf(
	    text, sizeof(text), R("b", "s@", "2", "0", "1", "1"));
	*strchr(text, '@') = '\0';
	assert_int_equal(
	    haproxy_parse_servers_state(text, n, &rows, &n, &errstr), 0);
	assert_int_equal(n, 0);
	assert_null(rows);
}

static const struct {
	const char *name, *text, *errstr;
} bad_cases[] = {
    {"empty", "", "not a servers state reply"},
    {"no such backend", "No such backend.\n\n", "not a servers state reply"},
    {"version 2", "2\n" HDR, "unsupported version"},
    {"no header", "1\n", "missing header"},
    {"header without #", "1\nbe_name srv_name\n", "missing header"},
    {"no uweight",
        "1\n# be_name srv_name srv_op_state srv_admin_state srv_iweight\n",
        "missing column srv_uweight"},
    {"duplicate column", "1\n# be_name srv_name be_name\n",
        "line 2: duplicate column"},
    {"truncated in the last field",
        "1\n" HDR "3 be_smtp 1 s1 127.0.0.1 2 0 100 100 9 15 3 3 6 0 0 0 - "
        "25001 - 0 0 - -",
        "line 3: too few fields"},
    {"too many fields",
        "1\n" HDR "3 b 1 s a 2 0 1 1 9 15 3 3 6 0 0 0 - 1 - "
        "0 0 - - 0 surplus\n",
        "line 3: too many fields"},
    {"bad number", R("b", "s", "2x", "0", "1", "1"), "line 3: bad number"},
    {"negative", R("b", "s", "2", "0", "-1", "1"), "line 3: bad number"},
    {"past uint32", R("b", "s", "2", "0", "4294967296", "1"),
        "line 3: bad number"},
    {"huge", R("b", "s", "2", "0", "1", "99999999999999999999"),
        "line 3: bad number"},
    {"text after the end",
        R("b", "s", "2", "0", "1", "1") "\n" ROW("b", "t", "2", "0", "1", "1"),
        "line 5: text after the end of the reply"},
};

static void
test_parse_bad(void **state)
{
	struct haproxy_server *rows = (void *)1;
	const char *errstr;
	size_t n = 99;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		errstr = NULL;
		if (parse(bad_cases[i].text, &rows, &n, &errstr) != -1)
			fail_msg("%s: accepted", bad_cases[i].name);
		if (errstr == NULL || strcmp(errstr, bad_cases[i].errstr) != 0)
			fail_msg("%s: \"%s\", want \"%s\"", bad_cases[i].name,
			    errstr, bad_cases[i].errstr);
		assert_null(rows);
		assert_int_equal(n, 0);
	}
}

#define READY POLICY_INTENT_READY
#define DRAIN POLICY_INTENT_DRAIN
#define MAINT POLICY_INTENT_MAINT

static void
test_server_state(void **state)
{
	static const struct {
		uint32_t adm, uw, iw;
		enum policy_intent intent;
		uint32_t pct;
	} cases[] = {{0, 100, 100, READY, 100}, {8, 100, 100, DRAIN, 100},
	    {1, 100, 100, MAINT, 100}, {9, 100, 100, MAINT, 100},
	    {0x10, 50, 100, DRAIN, 50},   /* IDRAIN: drained by tracking */
	    {0x04, 100, 100, MAINT, 100}, /* CMAINT: disabled in config */
	    {0x20, 100, 100, MAINT, 100}, /* RMAINT: DNS resolution */
	    {0, 1, 3, READY, 33}, {0, 2, 3, READY, 67}, {0, 0, 0, READY, 0},
	    {0, 200, 100, READY, 200}, {0, UINT32_MAX, 1, READY, 1000}};
	struct haproxy_server s = {.op_state = 2};
	struct lb_state st;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s.admin_state = cases[i].adm;
		s.uweight = cases[i].uw;
		s.iweight = cases[i].iw;
		haproxy_server_state(&s, &st);
		assert_true(st.known);
		assert_int_equal(st.intent, cases[i].intent);
		assert_int_equal(st.weight, cases[i].pct);
		assert_int_equal(st.uweight, cases[i].uw);
		assert_int_equal(st.iweight, cases[i].iw);
	}
}

static bool
same(bool known, enum policy_intent has, uint32_t uw, uint32_t iw,
    enum policy_intent wants, uint32_t pct)
{
	struct lb_state seen = {
	    .known = known, .intent = has, .uweight = uw, .iweight = iw};
	struct lb_want want = {.intent = wants, .weight = pct};

	return (haproxy_same(&seen, &want));
}

/* The weight table, then same() on it. */
static void
test_weight_for_same(void **state)
{
	static const uint32_t pct[] = {0, 10, 25, 50, 100};
	static const struct {
		uint32_t iweight, want[5];
	} cases[] = {{1, {0, 1, 1, 1, 1}}, {100, {0, 10, 25, 50, 100}},
	    {256, {0, 26, 64, 128, 256}}, {0, {0, 0, 0, 0, 0}},
	    {UINT32_MAX, {0, 256, 256, 256, 256}}};
	uint32_t w;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (size_t k = 0; k < 5; k++)
			if ((w = haproxy_weight_for(
			         cases[i].iweight, pct[k])) != cases[i].want[k])
				fail_msg("iweight %u pct %u: %u, want %u",
				    cases[i].iweight, pct[k], w,
				    cases[i].want[k]);
	assert_true(same(true, READY, 10, 100, READY, 10));
	assert_false(same(true, READY, 10, 100, READY, 100));
	assert_false(same(true, READY, 10, 100, DRAIN, 10));
	assert_true(same(true, DRAIN, 10, 100, DRAIN, 100)); /* any weight */
	assert_false(same(true, DRAIN, 10, 100, MAINT, 100));
	assert_true(same(true, MAINT, 0, 100, MAINT, 0));
	assert_false(same(false, MAINT, 0, 100, MAINT, 0));
	assert_true(same(true, READY, 1, 1, READY, 10)); /* 1 stays 1 */
	assert_false(same(true, READY, 1, 1, READY, 0));
	assert_true(same(true, READY, 0, 1, READY, 0));
}

static void
test_reply_ok(void **state)
{
	char err[LB_ERROR_MAX], small[8];

	(void)state;
	assert_true(haproxy_reply_ok("", 0, err, sizeof(err)));
	assert_true(haproxy_reply_ok("\n", 1, err, sizeof(err)));
	assert_true(haproxy_reply_ok(" \r\n\n", 4, err, sizeof(err)));
	assert_false(
	    haproxy_reply_ok("No such server.\n\n", 17, err, sizeof(err)));
	assert_string_equal(err, "No such server.");
	assert_false(haproxy_reply_ok("\n\001\250\n", 4, err, sizeof(err)));
	assert_string_equal(err, "unprintable reply");
	assert_false(haproxy_reply_ok("Absolute weight\n", 16, small, 8));
	assert_string_equal(small, "Absolut");
	assert_false(haproxy_reply_ok("x", 1, NULL, 0));
}

static char tmpdir[64];
static pid_t haproxy_pid = -1;
static struct fleetd_relay relays[5] = {{.lb_server = "be_smtp/s1"},
    {.lb_server = "be_smtp/s2 be_other/s2"}, {.lb_server = ""},
    {.lb_server = "be_smtp/s3"}, {.lb_server = "be_smtp/nosuch"}};
static struct fleetd_config conf = {.nrelays = 5, .relays = relays};

static void
tmp_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

/* The haproxy on PATH, else where Debian puts it (/usr/sbin). */
static bool
find_haproxy(char *buf, size_t len)
{
	char path[4096], *dir, *save = NULL;
	const char *env = getenv("PATH");

	snprintf(path, sizeof(path), "%s:/usr/sbin", env ? env : "");
	for (dir = strtok_r(path, ":", &save); dir != NULL;
	     dir = strtok_r(NULL, ":", &save)) {
		snprintf(buf, len, "%s/haproxy", dir);
		if (access(buf, X_OK) == 0)
			return (true);
	}
	return (false);
}

/* A 127.0.0.1 port that was free a moment ago; nothing listens on it. */
static int
free_port(void)
{
	struct sockaddr_in sin = {
	    .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t slen = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &slen) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return (port);
}

static int
write_config(void)
{
	char p[128];
	FILE *f;

	tmp_path(p, sizeof(p), "haproxy.cfg");
	if ((f = fopen(p, "w")) == NULL)
		return (-1);
	fprintf(f,
	    "global\n stats socket %s/admin.sock mode 600 level admin\n"
	    "defaults\n mode tcp\n timeout connect 5s\n timeout client 1m\n"
	    " timeout server 1m\nfrontend fe_smtp\n bind 127.0.0.1:%d\n"
	    " default_backend be_smtp\nbackend be_smtp\n balance roundrobin\n"
	    " default-server weight 100\n server s1 127.0.0.1:%d\n"
	    " server s2 127.0.0.1:%d\n server s3 127.0.0.1:%d\n"
	    "backend be_other\n server s2 127.0.0.1:%d weight 1\n",
	    tmpdir, free_port(), free_port(), free_port(), free_port(),
	    free_port());
	return (fclose(f));
}

/* A driver on tmpdir/name; lb lives in here, so v must not move. */
struct drv {
	struct fleetd_lb lb;
	struct lb_driver *d;
	struct lb_slot *slots;
	size_t n;
	atomic_bool cancel;
	char err[LB_ERROR_MAX];
	struct lb_state seen[5];
};

static int
drv_open(struct drv *v, const char *name, uint64_t timeout_ms)
{
	memset(v, 0, sizeof(*v));
	v->lb.driver = LB_DRIVER_HAPROXY;
	tmp_path(v->lb.target, sizeof(v->lb.target), name);
	v->lb.timeout_ms = timeout_ms;
	v->d = lb_haproxy_new(
	    &conf, &v->lb, &v->slots, &v->n, v->err, sizeof(v->err));
	if (v->d == NULL)
		return (-1);
	atomic_init(&v->cancel, false);
	v->d->cancel = &v->cancel;
	return (0);
}

static void
drv_close(struct drv *v)
{
	v->d->free(v->d);
	free(v->slots);
}

/* Reads every slot, expecting rc (else says why). */
static void
drv_read(struct drv *v, int rc)
{
	if (v->d->read(v->d, v->slots, v->n, v->seen, v->err, sizeof(v->err)) !=
	    rc)
		fail_msg("read: not %d: %s", rc, v->err);
}

/* Applies intent/weight to target, expecting rc (else says why). */
static void
drv_apply(struct drv *v, const char *target, enum policy_intent intent,
    uint32_t weight, const struct lb_state *seen, enum lb_apply_rc rc)
{
	struct lb_slot slot = {.relay = 0};
	struct lb_want want = {.intent = intent, .weight = weight};

	util_strlcpy(slot.target, target, sizeof(slot.target));
	v->err[0] = '\0';
	if (v->d->apply(v->d, &slot, &want, seen, v->err, sizeof(v->err)) != rc)
		fail_msg("apply %s: not %d: %s", target, rc, v->err);
}

/* Until the admin socket answers (or haproxy exits), for 10 s at most. */
static int
wait_up(void)
{
	uint64_t deadline = util_now_ms() + 10000;
	char p[128], *log;
	struct drv v;
	size_t len;
	int rc = -1;

	if (drv_open(&v, "admin.sock", 1000) == -1)
		return (-1);
	while (rc == -1 && util_now_ms() < deadline &&
	       waitpid(haproxy_pid, NULL, WNOHANG) == 0)
		if ((rc = v.d->read(v.d, v.slots, v.n, v.seen, v.err,
		         sizeof(v.err))) == -1)
			poll(NULL, 0, 20);
	drv_close(&v);
	tmp_path(p, sizeof(p), "haproxy.log");
	if (rc == -1 && util_read_file(p, 1 << 16, &log, &len) == 0) {
		print_error("haproxy did not answer: %s\n%s\n", v.err, log);
		free(log);
	}
	return (rc);
}

static int
live_setup(void **state)
{
	char bin[512], p[128];
	const char *argv[] = {"haproxy", "-db", "-f", p, NULL};
	int fd;

	(void)state;
	if (!find_haproxy(bin, sizeof(bin))) {
		print_error("haproxy is not on PATH: run scripts/bootstrap\n");
		return (-1);
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/lb_haproxy_test.XXXXXX");
	if (mkdtemp(tmpdir) == NULL || write_config() != 0)
		return (-1);
	tmp_path(p, sizeof(p), "haproxy.log");
	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		return (-1);
	tmp_path(p, sizeof(p), "haproxy.cfg");
	haproxy_pid = util_spawn(bin, argv, fd, fd);
	close(fd);
	return (haproxy_pid == -1 ? -1 : wait_up());
}

static int
live_teardown(void **state)
{
	char cmd[128];

	(void)state;
	if (haproxy_pid > 0 && kill(haproxy_pid, SIGTERM) == 0)
		waitpid(haproxy_pid, NULL, 0); /* -db: it ends on TERM */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return (system(cmd));
}

static void
assert_seen(const struct lb_state *s, enum policy_intent intent,
    uint32_t weight, uint32_t uweight, uint32_t iweight)
{
	assert_true(s->known);
	assert_int_equal(s->intent, intent);
	assert_int_equal(s->weight, weight);
	assert_int_equal(s->uweight, uweight);
	assert_int_equal(s->iweight, iweight);
}

/* Slots per pair, in relay order; every backend in one read; changes. */
static void
test_live_read_apply(void **state)
{
	static const char *const targets[] = {"be_smtp/s1", "be_smtp/s2",
	    "be_other/s2", "be_smtp/s3", "be_smtp/nosuch"};
	static const size_t relay[] = {0, 1, 1, 3, 4};
	struct lb_want want = {READY, 100, false, 0},
	               ten = {READY, 10, false, 0};
	struct lb_state unknown = {.known = false};
	struct drv v;

	(void)state;
	assert_int_equal(drv_open(&v, "admin.sock", 2000), 0);
	assert_true(v.d->can_read && v.d->flush == NULL);
	assert_int_equal(v.n, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(v.slots[i].target, targets[i]);
		assert_int_equal(v.slots[i].relay, relay[i]);
	}
	drv_read(&v, 0);
	assert_seen(&v.seen[0], READY, 100, 100, 100);
	assert_seen(&v.seen[1], READY, 100, 100, 100);
	assert_seen(&v.seen[2], READY, 100, 1, 1);
	assert_seen(&v.seen[3], READY, 100, 100, 100);
	assert_false(v.seen[4].known);
	for (size_t i = 0; i < 4; i++)
		assert_true(v.d->same(&v.seen[i], &want));
	/* drain, 10%, maint, ready from maint, a weight without a read */
	drv_apply(&v, v.slots[0].target, DRAIN, 0, &v.seen[0], LB_APPLY_OK);
	drv_read(&v, 0);
	assert_seen(&v.seen[0], DRAIN, 100, 100, 100);
	assert_seen(&v.seen[1], READY, 100, 100, 100);
	drv_apply(&v, v.slots[0].target, READY, 10, &v.seen[0], LB_APPLY_OK);
	drv_read(&v, 0);
	assert_seen(&v.seen[0], READY, 10, 10, 100);
	assert_true(v.d->same(&v.seen[0], &ten));
	assert_true(v.d->same(&v.seen[2], &ten)); /* weight 1 stays 1 */
	drv_apply(&v, v.slots[3].target, MAINT, 0, &v.seen[3], LB_APPLY_OK);
	drv_read(&v, 0);
	assert_seen(&v.seen[3], MAINT, 100, 100, 100);
	drv_apply(&v, v.slots[3].target, READY, 100, &v.seen[3], LB_APPLY_OK);
	drv_apply(&v, v.slots[0].target, READY, 50, &unknown, LB_APPLY_OK);
	drv_read(&v, 0);
	assert_seen(&v.seen[0], READY, 50, 50, 100);
	assert_seen(&v.seen[3], READY, 100, 100, 100);
	drv_apply(&v, v.slots[0].target, READY, 100, &v.seen[0], LB_APPLY_OK);
	drv_read(&v, 0);
	assert_seen(&v.seen[0], READY, 100, 100, 100);
	drv_close(&v);
}

/* HAProxy's refusals, and names that could carry a second command. */
static void
test_live_refused(void **state)
{
	static const char *const bad[] = {
	    "be_smtp/s2\nset server be_smtp/s3 state maint",
	    "be_smtp/s2;set server be_smtp/s3 state maint", "be_smtp/s2 x",
	    "be_smtp", "/s2", "be_smtp/", "be_smtp/s2/s3", ""};
	struct lb_state unknown = {.known = false};
	struct drv v;

	(void)state;
	assert_int_equal(drv_open(&v, "admin.sock", 2000), 0);
	drv_apply(&v, "be_smtp/nosuch", DRAIN, 0, &unknown, LB_APPLY_FAILED);
	assert_string_equal(
	    v.err, "set server be_smtp/nosuch state drain: No such server.");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		drv_apply(&v, bad[i], READY, 100, &unknown, LB_APPLY_FAILED);
		assert_non_null(strstr(v.err, "refused target"));
		assert_null(strchr(v.err, '\n'));
	}
	drv_read(&v, 0);
	assert_seen(&v.seen[1], READY, 100, 100, 100);
	assert_seen(&v.seen[3], READY, 100, 100, 100);
	drv_close(&v);
}

static int
unix_socket(const char *name, bool do_listen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	tmp_path(sun.sun_path, sizeof(sun.sun_path), name);
	unlink(sun.sun_path);
	assert_true((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	if (do_listen)
		assert_int_equal(listen(fd, 8), 0);
	return (fd);
}

/*
 * On tmpdir/peer.sock: takes nconn connections, records each command,
 * answers reply[i] (len[i] bytes, else strlen), or if NULL, sets *cancel
 * (if given) and says nothing until the driver gives up.
 */
struct peer {
	size_t nconn;
	const char *reply[2];
	size_t len[2];
	atomic_bool *cancel;
	int fd;
	pthread_t th;
	size_t served;
	char cmd[2][160];
};

static void *
peer_main(void *arg)
{
	struct peer *p = arg;
	struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
	ssize_t r;
	char c;
	int fd;

	for (size_t i = 0; i < p->nconn; i++, p->served++) {
		if (poll(&pfd, 1, 5000) != 1 ||
		    (fd = accept(p->fd, NULL, NULL)) == -1 ||
		    (r = read(fd, p->cmd[i], sizeof(p->cmd[i]) - 1)) <= 0)
			break;
		p->cmd[i][strcspn(p->cmd[i], "\n")] = '\0';
		if (p->reply[i] == NULL && p->cancel != NULL)
			atomic_store(p->cancel, true);
		if (p->reply[i] != NULL && p->len[i] == 0)
			p->len[i] = strlen(p->reply[i]);
		for (size_t off = 0; off < p->len[i] && r > 0; off += (size_t)r)
			r = send(fd, p->reply[i] + off, p->len[i] - off,
			    MSG_NOSIGNAL);
		while (p->reply[i] == NULL && read(fd, &c, 1) == 1)
			;
		close(fd);
	}
	return (NULL);
}

static void
peer_start(struct peer *p, struct peer init)
{
	*p = init;
	p->fd = unix_socket("peer.sock", true);
	assert_int_equal(pthread_create(&p->th, NULL, peer_main, p), 0);
}

/* Joins the peer; no connection may be left waiting. */
static void
peer_join(struct peer *p)
{
	struct pollfd pfd = {.fd = p->fd, .events = POLLIN};

	assert_int_equal(pthread_join(p->th, NULL), 0);
	assert_int_equal(p->served, p->nconn);
	assert_int_equal(poll(&pfd, 1, 0), 0);
	close(p->fd);
}

/* Read fails as a whole (every slot unknown), in time; apply too.
 * err: the connect error, or the whole "timeout ..." text. */
static void
expect_unreachable(const char *name, uint64_t timeout_ms, const char *err)
{
	uint64_t t0 = util_now_ms();
	char want[LB_ERROR_MAX];
	struct drv v;

	assert_int_equal(drv_open(&v, name, timeout_ms), 0);
	if (strncmp(err, "timeout", 7) == 0)
		util_strlcpy(want, err, sizeof(want));
	else
		snprintf(
		    want, sizeof(want), "connect %s: %s", v.lb.target, err);
	v.seen[0].known = v.seen[1].known = true;
	drv_read(&v, -1);
	assert_string_equal(v.err, want);
	assert_false(v.seen[0].known || v.seen[1].known);
	assert_true(util_now_ms() - t0 < timeout_ms + 700);
	drv_apply(&v, "be_smtp/s1", DRAIN, 0, &v.seen[0], LB_APPLY_UNREACHABLE);
	assert_string_equal(v.err, want);
	drv_close(&v);
}

/* No socket, nobody listening, nobody answering, fleetd stopping. */
static void
test_live_unreachable(void **state)
{
	struct peer p;
	struct drv v;
	uint64_t t0;
	int fd;

	(void)state;
	expect_unreachable("nope.sock", 2000, "No such file or directory");
	fd = unix_socket("refused.sock", false); /* bound, not listening */
	expect_unreachable("refused.sock", 2000, "Connection refused");
	close(fd);
	peer_start(&p, (struct peer){.nconn = 2});
	t0 = util_now_ms();
	expect_unreachable("peer.sock", 300, "timeout after 300 ms");
	assert_true(util_now_ms() - t0 >= 600); /* read, then apply */
	peer_join(&p);
	assert_int_equal(drv_open(&v, "peer.sock", 10000), 0);
	peer_start(&p, (struct peer){.nconn = 1, .cancel = &v.cancel});
	t0 = util_now_ms();
	drv_read(&v, -1);
	assert_string_equal(v.err, "cancelled");
	assert_true(util_now_ms() - t0 < 1000);
	peer_join(&p);
	drv_close(&v);
}

/*
 * The weight goes before the state; a refused weight stops there; a
 * reply with no state is the error; an oversized reply is refused.
 */
static void
test_live_scripted(void **state)
{
	static const char unknown_cmd[] = "Unknown command, but maybe one of "
	                                  "the following:\n  help\n\n";
	static const char refused[] = "Absolute weight can only be between 0 "
	                              "and 256 inclusive.\n\n";
	struct lb_state drained = {
	    .known = true, .intent = DRAIN, .uweight = 100, .iweight = 100};
	size_t big = (4u << 20) + 1;
	char *huge = xmalloc(big);
	struct peer p;
	struct drv v;

	(void)state;
	assert_int_equal(drv_open(&v, "peer.sock", 2000), 0);
	peer_start(&p, (struct peer){.nconn = 2, .reply = {"\n", "\n"}});
	drv_apply(&v, v.slots[0].target, READY, 10, &drained, LB_APPLY_OK);
	peer_join(&p);
	assert_string_equal(p.cmd[0], "set server be_smtp/s1 weight 10");
	assert_string_equal(p.cmd[1], "set server be_smtp/s1 state ready");
	peer_start(&p, (struct peer){.nconn = 1, .reply = {refused}});
	drv_apply(&v, "be_smtp/s1", READY, 25, &drained, LB_APPLY_FAILED);
	peer_join(&p);
	assert_string_equal(v.err, "set server be_smtp/s1 weight 25: Absolute "
	                           "weight can only be between 0 and 256 "
	                           "inclusive.");
	peer_start(&p, (struct peer){.nconn = 1, .reply = {unknown_cmd}});
	drv_read(&v, -1);
	peer_join(&p);
	assert_string_equal(
	    v.err, "Unknown command, but maybe one of the following: help");
	memset(huge, '1', big);
	peer_start(
	    &p, (struct peer){.nconn = 1, .reply = {huge}, .len = {big}});
	drv_read(&v, -1);
	peer_join(&p);
	assert_string_equal(v.err, "reply larger than 4194304 bytes");
	free(huge);
	drv_close(&v);
}

int
main(void)
{
	const struct CMUnitTest pure[] = {
	    cmocka_unit_test(test_parse_good),
	    cmocka_unit_test(test_parse_bad),
	    cmocka_unit_test(test_server_state),
	    cmocka_unit_test(test_weight_for_same),
	    cmocka_unit_test(test_reply_ok),
	};
	const struct CMUnitTest live[] = {
	    cmocka_unit_test(test_live_read_apply),
	    cmocka_unit_test(test_live_refused),
	    cmocka_unit_test(test_live_unreachable),
	    cmocka_unit_test(test_live_scripted),
	};
	int rc;

	rc = cmocka_run_group_tests_name("haproxy parse", pure, NULL, NULL);
	rc += cmocka_run_group_tests_name(
	    "haproxy live", live, live_setup, live_teardown);
	return (rc);
}
