/* SPDX-License-Identifier: ISC */
/*
 * Self checks (see checks.h).  A run validates the conf, sets up one c-ares
 * channel, runs the master check (postconf is quick and gets the same
 * deadline), then sends the PTR query and every DNSBL A query at once and
 * polls until none is pending or the deadline passes; ares_cancel() then
 * turns what is left into ERROR "no answer within N ms".  Follow-up
 * queries (the PTR name's A/AAAA, a listed zone's TXT) start from the
 * callbacks.  Results start as ERROR "not run" so a check that never got
 * an answer cannot look OK.  All text goes through checks_set(), which
 * keeps a detail printable ASCII and within WIRE_DETAIL_MAX.
 */
#include "checks.h"

#include <sys/wait.h>

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ares.h>

#include "util.h"

#define CHECKS_I_PTR    0
#define CHECKS_I_FCRDNS 1
#define CHECKS_I_HELO   2
#define CHECKS_I_DNSBL  3   /* first of n_dnsbl; master comes last */
#define CHECKS_ADDRS    8   /* addresses quoted in a detail */
#define CHECKS_QNAME    256 /* reversed IPv6 (72) + "." + zone, bytes */
#define CHECKS_OUT_MAX  (PATH_MAX + 1) /* postconf stdout kept, bytes */
#define CHECKS_ERR_MAX  192            /* postconf stderr kept, bytes */

#define CHECKS_HOST_CHARS                                                      \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_"
#define CHECKS_HAS_HELO(conf) ((conf)->helo != NULL && (conf)->helo[0] != '\0')
/* NXDOMAIN, or a name without records of the type */
#define CHECKS_NO_RECORD(st) ((st) == ARES_ENOTFOUND || (st) == ARES_ENODATA)

struct checks_run;

struct checks_bl {
	struct checks_run *run;
	struct wire_check *res;
	char qname[CHECKS_QNAME];
	char listed[WIRE_DETAIL_MAX + 1]; /* "127.0.0.2, 127.0.0.3" */
};

struct checks_run {
	const struct checks_conf *conf;
	ares_channel ch;
	int family;
	unsigned char addr[16];
	char ip[INET6_ADDRSTRLEN];
	struct wire_check *res; /* CHECKS_COUNT(conf) entries */
	struct checks_bl *bl;   /* n_dnsbl entries */
	int pending;            /* queries whose callback has not run */
	char *ptr;              /* first PTR name, c-ares' form; owned */
};

struct checks_cmd {
	char out[CHECKS_OUT_MAX]; /* start of stdout, NUL-terminated */
	char err[CHECKS_ERR_MAX]; /* start of stderr */
	size_t outlen, errlen;
	char why[WIRE_DETAIL_MAX + 1]; /* on failure */
};

/*
 * Formats the detail and replaces control bytes, DEL and bytes >= 0x80
 * with '?': DNS and postconf text is untrusted, and ASCII cannot be cut
 * inside a UTF-8 sequence by the truncation.
 */
static void __attribute__((format(printf, 3, 4)))
checks_set(struct wire_check *c, enum check_state st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	for (char *p = c->detail; *p != '\0'; p++) {
		unsigned char b = (unsigned char)*p;

		if (b < 0x20 || b >= 0x7f)
			*p = '?';
	}
	c->state = st;
}

/* ---- postconf -------------------------------------------------------- */

static pid_t
checks_spawn(
    const char *path, const char *dir, const char *param, int out, int err)
{
	const char *with_c[] = {path, "-c", dir, "-xh", param, NULL};
	const char *plain[] = {path, "-xh", param, NULL};

	return (util_spawn(
	    path, dir != NULL && dir[0] != '\0' ? with_c : plain, out, err));
}

/* Appends what fits of p to a NUL-terminated buffer; drops the rest. */
static void
checks_keep(char *buf, size_t cap, size_t *len, const char *p, size_t n)
{
	size_t room = cap - 1 - *len;

	if (n > room)
		n = room;
	memcpy(buf + *len, p, n);
	*len += n;
	buf[*len] = '\0';
}

/* Reads stdout and stderr until both reach EOF; -1 at the deadline. */
static int
checks_cmd_read(struct checks_cmd *cmd, int outfd, int errfd, uint64_t deadline,
    const atomic_bool *cancel)
{
	struct pollfd pfd[2] = {{outfd, POLLIN, 0}, {errfd, POLLIN, 0}};
	char chunk[4096];
	int open = 2, ms;

	while (open > 0) {
		if ((ms = util_poll_timeout(deadline, cancel)) == -1)
			return (-1);
		if (poll(pfd, 2, ms) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (pfd[i].fd == -1 || pfd[i].revents == 0)
				continue;
			if ((n = read(pfd[i].fd, chunk, sizeof(chunk))) == -1 &&
			    errno == EINTR)
				continue;
			if (n <= 0) {
				pfd[i].fd = -1;
				open--;
			} else {
				checks_keep(i == 0 ? cmd->out : cmd->err,
				    i == 0 ? sizeof(cmd->out)
				           : sizeof(cmd->err),
				    i == 0 ? &cmd->outlen : &cmd->errlen, chunk,
				    (size_t)n);
			}
		}
	}
	return (0);
}

/* Turns a finished postconf into cmd->out's first line, or cmd->why. */
static int
checks_cmd_result(struct checks_cmd *cmd, int status)
{
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		cmd->err[strcspn(cmd->err, "\n")] = '\0';
		snprintf(cmd->why, sizeof(cmd->why),
		    "postconf failed (status %d): %s",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1, cmd->err);
		errno = EIO;
		return (-1);
	}
	cmd->out[strcspn(cmd->out, "\n")] = '\0'; /* a cut line fails later */
	return (0);
}

/*
 * Runs `postconf [-c dir] -xh param` (path NULL or "": CHECKS_POSTCONF)
 * until deadline (monotonic ms).  Returns 0 with the first line of its
 * output in cmd->out, or -1 with errno set and cmd->why saying why.
 */
static int
checks_postconf(const char *path, const char *dir, const char *param,
    uint64_t deadline, const atomic_bool *cancel, struct checks_cmd *cmd)
{
	int fd[4] = {-1, -1, -1, -1}, status, rv = -1, saved; /* out, err */
	pid_t pid = 0;

	memset(cmd, 0, sizeof(*cmd));
	if (path == NULL || path[0] == '\0')
		path = CHECKS_POSTCONF;
	/* access(): under valgrind, spawn cannot report exec errors */
	if (access(path, X_OK) == -1 || pipe2(fd, O_CLOEXEC) == -1 ||
	    pipe2(fd + 2, O_CLOEXEC) == -1 ||
	    (pid = checks_spawn(path, dir, param, fd[1], fd[3])) == -1) {
		saved = errno;
		snprintf(cmd->why, sizeof(cmd->why), "cannot run %s: %s", path,
		    strerror(errno));
		goto out;
	}
	close(fd[1]);
	close(fd[3]);
	fd[1] = fd[3] = -1;
	if ((rv = checks_cmd_read(cmd, fd[0], fd[2], deadline, cancel)) == -1)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (rv == -1 && cancel != NULL && atomic_load(cancel)) {
		snprintf(cmd->why, sizeof(cmd->why), "postconf cancelled");
		saved = ECANCELED;
	} else if (rv == -1) {
		snprintf(cmd->why, sizeof(cmd->why), "postconf timed out");
		saved = ETIMEDOUT;
	} else if ((rv = checks_cmd_result(cmd, status)) == -1) {
		saved = errno;
	}
out:
	for (int i = 0; i < 4; i++)
		if (fd[i] != -1)
			close(fd[i]);
	if (rv == -1)
		errno = saved;
	return (rv);
}

int
checks_helo_name(
    const char *postconf, const char *config_dir, char *out, size_t len)
{
	struct checks_cmd *cmd = xcalloc(1, sizeof(*cmd));
	int rv = -1;
	size_t n;

	if (checks_postconf(postconf, config_dir, "smtp_helo_name",
	        util_now_ms() + CHECKS_HELO_MS, NULL, cmd) == 0) {
		n = strlen(cmd->out);
		if (n == 0 || n > WIRE_HOST_MAX ||
		    strspn(cmd->out, CHECKS_HOST_CHARS "[]:") != n)
			errno = EINVAL;
		else if (n >= len)
			errno = ERANGE;
		else {
			memcpy(out, cmd->out, n + 1);
			rv = 0;
		}
	}
	free(cmd);
	return (rv);
}

/* ---- master ---------------------------------------------------------- */

/* Reads a pid file ("%10d\n" in Postfix).  Returns 0, or -1 with errno. */
static int
checks_read_pid(const char *path, pid_t *pid)
{
	const char *errstr;
	char *buf, *p;
	uint64_t v;
	size_t len;
	int rv;

	if (util_read_file(path, 64, &buf, &len) == -1)
		return (-1);
	p = buf + strspn(buf, " ");
	p[strcspn(p, "\n")] = '\0';
	if ((rv = util_parse_uint(p, 1, INT_MAX, &v, &errstr)) == 0)
		*pid = (pid_t)v; /* never 0 or negative: kill() would fan out */
	else
		errno = EINVAL;
	free(buf);
	return (rv);
}

static void
checks_master(
    const struct checks_conf *conf, uint64_t deadline, struct wire_check *c)
{
	struct checks_cmd *cmd = xcalloc(1, sizeof(*cmd));
	char path[PATH_MAX];
	pid_t pid = 0;

	if (checks_postconf(conf->postconf, conf->postfix_config,
	        "queue_directory", deadline, conf->cancel, cmd) == -1) {
		checks_set(c, CHECK_ERROR, "%s", cmd->why);
	} else if (cmd->out[0] != '/' ||
	           (size_t)snprintf(path, sizeof(path), "%s/pid/master.pid",
	               cmd->out) >= sizeof(path)) {
		checks_set(c, CHECK_ERROR, "bad queue_directory: %s", cmd->out);
	} else if (checks_read_pid(path, &pid) == -1) {
		if (errno == ENOENT)
			checks_set(
			    c, CHECK_FAIL, "master not running (no %s)", path);
		else
			checks_set(c, CHECK_ERROR, "cannot read %s: %s", path,
			    strerror(errno));
	} else if (kill(pid, 0) == 0 || errno == EPERM) {
		checks_set(c, CHECK_OK, "master pid %ld", (long)pid);
	} else {
		checks_set(c, CHECK_FAIL, "master not running (stale pid %ld)",
		    (long)pid);
	}
	free(cmd);
}

/* ---- DNS helpers ----------------------------------------------------- */

/* Writes the reversed address under suffix (nibbles for IPv6). */
static void
checks_reverse(
    const struct checks_run *r, const char *suffix, char *out, size_t len)
{
	size_t o = 0; /* len is CHECKS_QNAME: the address part always fits */

	if (r->family == AF_INET)
		o = (size_t)snprintf(out, len, "%u.%u.%u.%u.", r->addr[3],
		    r->addr[2], r->addr[1], r->addr[0]);
	for (int i = 15; r->family == AF_INET6 && i >= 0; i--)
		o += (size_t)snprintf(out + o, len - o, "%x.%x.",
		    r->addr[i] & 0xfu, (unsigned)r->addr[i] >> 4);
	snprintf(out + o, len - o, "%s", suffix);
}

static void
checks_dns_error(const struct checks_run *r, struct wire_check *c,
    const char *what, int status)
{
	if (status == ARES_ECANCELLED || status == ARES_EDESTRUCTION)
		checks_set(c, CHECK_ERROR, "%s: no answer within %u ms", what,
		    r->conf->timeout_ms);
	else
		checks_set(
		    c, CHECK_ERROR, "%s: %s", what, ares_strerror(status));
}

/* Parses up to CHECKS_ADDRS A (AF_INET) or AAAA addresses into out. */
static int
checks_parse_addrs(int family, const unsigned char *abuf, int alen,
    unsigned char (*out)[16], int *n)
{
	struct ares_addrttl a[CHECKS_ADDRS];
	struct ares_addr6ttl a6[CHECKS_ADDRS];
	int rv;

	*n = CHECKS_ADDRS;
	if (family == AF_INET)
		rv = ares_parse_a_reply(abuf, alen, NULL, a, n);
	else
		rv = ares_parse_aaaa_reply(abuf, alen, NULL, a6, n);
	for (int i = 0; rv == ARES_SUCCESS && i < *n; i++) {
		memset(out[i], 0, 16);
		if (family == AF_INET)
			memcpy(out[i], &a[i].ipaddr, 4);
		else
			memcpy(out[i], &a6[i].ip6addr, 16);
	}
	if (rv == ARES_SUCCESS && *n == 0)
		rv = ARES_ENODATA;
	return (rv);
}

/* Appends ", addr" (or "addr" to an empty list) if it fits. */
static void
checks_addr_append(int family, const unsigned char *a, char *list, size_t len)
{
	char buf[INET6_ADDRSTRLEN];
	size_t o = strlen(list);

	inet_ntop(family, a, buf, sizeof(buf));
	snprintf(list + o, len - o, "%s%s", o > 0 ? ", " : "", buf);
}

/* Compares names case-insensitively, ignoring one trailing dot each. */
static bool
checks_name_eq(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	if (na > 0 && a[na - 1] == '.')
		na--;
	if (nb > 0 && b[nb - 1] == '.')
		nb--;
	return (na == nb && strncasecmp(a, b, na) == 0);
}

/* ---- ptr, fcrdns, helo ----------------------------------------------- */

static void
checks_fwd_cb(
    void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct checks_run *r = arg;
	struct wire_check *c = &r->res[CHECKS_I_FCRDNS];
	unsigned char addrs[CHECKS_ADDRS][16];
	char list[WIRE_DETAIL_MAX + 1] = "";
	int n = 0;

	(void)timeouts;
	r->pending--;
	if (status == ARES_SUCCESS)
		status = checks_parse_addrs(r->family, abuf, alen, addrs, &n);
	if (CHECKS_NO_RECORD(status)) {
		checks_set(c, CHECK_FAIL, "ptr %s has no %s record", r->ptr,
		    r->family == AF_INET ? "A" : "AAAA");
		return;
	} else if (status != ARES_SUCCESS) {
		checks_dns_error(r, c, r->ptr, status);
		return;
	}
	for (int i = 0; i < n; i++) {
		if (memcmp(addrs[i], r->addr, 16) == 0) {
			checks_set(c, CHECK_OK, "ptr %s resolves to %s", r->ptr,
			    r->ip);
			return;
		}
		checks_addr_append(r->family, addrs[i], list, sizeof(list));
	}
	checks_set(c, CHECK_FAIL, "ptr %s resolves to %s, not %s", r->ptr, list,
	    r->ip);
}

/* The PTR lookup ended without a name: fcrdns and helo follow it. */
static void
checks_ptr_none(struct checks_run *r, int status)
{
	struct wire_check *res = r->res;
	enum check_state st =
	    CHECKS_NO_RECORD(status) ? CHECK_FAIL : CHECK_ERROR;

	if (st == CHECK_FAIL)
		checks_set(&res[CHECKS_I_PTR], st, "no PTR for %s", r->ip);
	else
		checks_dns_error(r, &res[CHECKS_I_PTR], "PTR lookup", status);
	checks_set(&res[CHECKS_I_FCRDNS], st, "%s", res[CHECKS_I_PTR].detail);
	if (CHECKS_HAS_HELO(r->conf))
		checks_set(&res[CHECKS_I_HELO], st, "helo %s: %s",
		    r->conf->helo, res[CHECKS_I_PTR].detail);
}

/* Keeps the first PTR name (c-ares lists them in answer order). */
static int
checks_ptr_parse(struct checks_run *r, const unsigned char *abuf, int alen)
{
	struct hostent *he = NULL;
	const char *name;
	int rv;

	rv = ares_parse_ptr_reply(
	    abuf, alen, r->addr, r->family == AF_INET ? 4 : 16, r->family, &he);
	if (rv != ARES_SUCCESS)
		return (rv);
	name = he->h_aliases[0] != NULL ? he->h_aliases[0] : he->h_name;
	if (name[0] == '\0' || strcmp(name, ".") == 0)
		rv = ARES_ENODATA; /* a PTR to the root is no name */
	else
		r->ptr = xstrdup(name);
	ares_free_hostent(he);
	return (rv);
}

static void
checks_ptr_cb(
    void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct checks_run *r = arg;
	const char *helo = r->conf->helo;
	bool eq;

	(void)timeouts;
	r->pending--;
	if (status == ARES_SUCCESS)
		status = checks_ptr_parse(r, abuf, alen);
	if (status != ARES_SUCCESS) {
		checks_ptr_none(r, status);
		return;
	}
	checks_set(&r->res[CHECKS_I_PTR], CHECK_OK, "%s", r->ptr);
	if (CHECKS_HAS_HELO(r->conf)) {
		eq = checks_name_eq(helo, r->ptr);
		checks_set(&r->res[CHECKS_I_HELO], eq ? CHECK_OK : CHECK_FAIL,
		    "helo %s %s ptr %s", helo, eq ? "==" : "!=", r->ptr);
	}
	r->pending++;
	ares_query(r->ch, r->ptr, ns_c_in,
	    r->family == AF_INET ? ns_t_a : ns_t_aaaa, checks_fwd_cb, r);
}

/* ---- dnsbl ----------------------------------------------------------- */

static void
checks_txt_cb(
    void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct checks_bl *bl = arg;
	struct ares_txt_ext *txt = NULL;
	char text[WIRE_DETAIL_MAX + 1] = "";
	size_t o = 0;

	(void)timeouts;
	bl->run->pending--;
	if (status != ARES_SUCCESS ||
	    ares_parse_txt_reply_ext(abuf, alen, &txt) != ARES_SUCCESS)
		return; /* the listing stands without its text */
	for (const struct ares_txt_ext *t = txt; t != NULL; t = t->next) {
		if (t->record_start && o > 0)
			break; /* the first record only, in its chunks */
		checks_keep(
		    text, sizeof(text), &o, (const char *)t->txt, t->length);
	}
	ares_free_data(txt);
	if (o > 0)
		checks_set(
		    bl->res, CHECK_FAIL, "listed: %s: %s", bl->listed, text);
}

static void
checks_bl_answer(struct checks_bl *bl, const unsigned char *abuf, int alen)
{
	unsigned char addrs[CHECKS_ADDRS][16];
	char a[INET_ADDRSTRLEN];
	int n, rv;

	if ((rv = checks_parse_addrs(AF_INET, abuf, alen, addrs, &n)) !=
	    ARES_SUCCESS) {
		if (CHECKS_NO_RECORD(rv))
			checks_set(bl->res, CHECK_OK, "not listed");
		else
			checks_dns_error(bl->run, bl->res, bl->qname, rv);
		return;
	}
	for (int i = 0; i < n; i++) {
		const unsigned char *b = addrs[i];

		if (b[0] == 127 && b[1] == 0 && b[2] == 0 && b[3] >= 2 &&
		    b[3] <= 254) {
			checks_addr_append(
			    AF_INET, addrs[i], bl->listed, sizeof(bl->listed));
			continue;
		}
		inet_ntop(AF_INET, b, a, sizeof(a));
		if (b[0] == 127 && b[1] == 255 && b[2] == 255)
			checks_set(bl->res, CHECK_ERROR,
			    "dnsbl refused the query: %s", a);
		else
			checks_set(bl->res, CHECK_ERROR,
			    "unexpected dnsbl answer: %s", a);
		return;
	}
	checks_set(bl->res, CHECK_FAIL, "listed: %s", bl->listed);
	bl->run->pending++;
	ares_query(
	    bl->run->ch, bl->qname, ns_c_in, ns_t_txt, checks_txt_cb, bl);
}

static void
checks_bl_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct checks_bl *bl = arg;

	(void)timeouts;
	bl->run->pending--;
	if (status == ARES_SUCCESS)
		checks_bl_answer(bl, abuf, alen);
	else if (CHECKS_NO_RECORD(status))
		checks_set(bl->res, CHECK_OK, "not listed");
	else
		checks_dns_error(bl->run, bl->res, bl->qname, status);
}

/* ---- the run --------------------------------------------------------- */

/* One poll() round over the channel's sockets, at most ms long. */
static int
checks_dns_step(struct checks_run *r, int ms)
{
	struct pollfd pfd[ARES_GETSOCK_MAXNUM];
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	int nfds = 0, rv;
	unsigned bits; /* ARES_GETSOCK_WRITABLE() shifts a signed 1 by 31 */

	bits = (unsigned)ares_getsock(r->ch, socks, ARES_GETSOCK_MAXNUM);
	for (int i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
		short ev =
		    (bits & 1u << i ? POLLIN : 0) |
		    (bits & 1u << (i + ARES_GETSOCK_MAXNUM) ? POLLOUT : 0);

		if (ev != 0)
			pfd[nfds++] = (struct pollfd){socks[i], ev, 0};
	}
	if ((rv = poll(pfd, (nfds_t)nfds, ms)) == -1)
		return (errno == EINTR ? 0 : -1);
	if (rv == 0) /* let c-ares retry or time out its queries */
		ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	for (int i = 0; rv > 0 && i < nfds; i++) {
		short re = pfd[i].revents;

		/* POLLERR: an ICMP port unreachable for a UDP query */
		ares_process_fd(r->ch,
		    re & (POLLIN | POLLERR | POLLHUP) ? pfd[i].fd
		                                      : ARES_SOCKET_BAD,
		    re & POLLOUT ? pfd[i].fd : ARES_SOCKET_BAD);
	}
	return (0);
}

/* Runs the channel until nothing is pending or the deadline passes. */
static void
checks_dns_wait(struct checks_run *r, uint64_t deadline)
{
	struct timeval tv, *tvp;

	while (r->pending > 0) {
		long ms = util_poll_timeout(deadline, r->conf->cancel);

		if (ms == -1)
			break;
		if ((tvp = ares_timeout(r->ch, NULL, &tv)) != NULL &&
		    tvp->tv_sec * 1000L + (tvp->tv_usec + 999) / 1000 < ms)
			ms = tvp->tv_sec * 1000L + (tvp->tv_usec + 999) / 1000;
		if (checks_dns_step(r, (int)ms) == -1)
			break;
	}
	if (r->pending > 0)
		ares_cancel(r->ch); /* callbacks get ARES_ECANCELLED */
}

/*
 * Returns ARES_SUCCESS, a c-ares error (r->ch stays NULL: the DNS checks
 * keep that error), or -1 if conf->resolver does not parse.
 */
static int
checks_dns_init(struct checks_run *r)
{
	struct ares_options o;
	int rv;

	memset(&o, 0, sizeof(o));
	/* per try; two tries (1.18 may double the 2nd) fit in the run */
	o.timeout =
	    r->conf->timeout_ms / 4 > 50 ? (int)r->conf->timeout_ms / 4 : 50;
	o.tries = 2;
	if ((rv = ares_init_options(&r->ch, &o,
	         ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES)) != ARES_SUCCESS) {
		r->ch = NULL;
		return (rv);
	}
	if (r->conf->resolver != NULL && r->conf->resolver[0] != '\0' &&
	    ares_set_servers_ports_csv(r->ch, r->conf->resolver) !=
	        ARES_SUCCESS)
		return (-1);
	return (ARES_SUCCESS);
}

static void
checks_dns_start(struct checks_run *r)
{
	const struct checks_conf *conf = r->conf;
	char q[CHECKS_QNAME];

	checks_reverse(r, r->family == AF_INET ? "in-addr.arpa" : "ip6.arpa", q,
	    sizeof(q));
	r->pending++;
	ares_query(r->ch, q, ns_c_in, ns_t_ptr, checks_ptr_cb, r);
	for (size_t i = 0; i < conf->n_dnsbl; i++) {
		struct checks_bl *bl = &r->bl[i];

		bl->run = r;
		bl->res = &r->res[CHECKS_I_DNSBL + i];
		checks_reverse(r, conf->dnsbl[i], bl->qname, sizeof(bl->qname));
		r->pending++;
		ares_query(r->ch, bl->qname, ns_c_in, ns_t_a, checks_bl_cb, bl);
	}
}

static bool
checks_zone_ok(const char *z)
{
	size_t n = strnlen(z, CHECKS_ZONE_MAX + 1);

	return (n > 0 && n <= CHECKS_ZONE_MAX && z[0] != '.' &&
	        strspn(z, CHECKS_HOST_CHARS) == n);
}

static bool
checks_conf_ok(const struct checks_conf *conf, struct checks_run *r)
{
	if (conf->ip == NULL || conf->timeout_ms == 0 ||
	    conf->timeout_ms > CHECKS_TIMEOUT_MAX ||
	    conf->n_dnsbl > CHECKS_DNSBL_MAX ||
	    (conf->n_dnsbl > 0 && conf->dnsbl == NULL))
		return (false);
	for (size_t i = 0; i < conf->n_dnsbl; i++)
		if (conf->dnsbl[i] == NULL || !checks_zone_ok(conf->dnsbl[i]))
			return (false);
	if (inet_pton(AF_INET, conf->ip, r->addr) == 1)
		r->family = AF_INET;
	else if (inet_pton(AF_INET6, conf->ip, r->addr) == 1)
		r->family = AF_INET6;
	else
		return (false);
	inet_ntop(r->family, r->addr, r->ip, sizeof(r->ip));
	return (true);
}

/* Names the results; all are ERROR why until their check has run. */
static void
checks_names(
    const struct checks_conf *conf, struct wire_check *res, const char *why)
{
	size_t n = CHECKS_COUNT(conf);

	util_strlcpy(res[CHECKS_I_PTR].name, "ptr", WIRE_NAME_MAX + 1);
	util_strlcpy(res[CHECKS_I_FCRDNS].name, "fcrdns", WIRE_NAME_MAX + 1);
	util_strlcpy(res[CHECKS_I_HELO].name, "helo", WIRE_NAME_MAX + 1);
	for (size_t i = 0; i < conf->n_dnsbl; i++)
		snprintf(res[CHECKS_I_DNSBL + i].name, WIRE_NAME_MAX + 1,
		    "dnsbl:%s", conf->dnsbl[i]);
	util_strlcpy(res[n - 1].name, "master", WIRE_NAME_MAX + 1);
	for (size_t i = 0; i < n; i++)
		checks_set(&res[i], CHECK_ERROR, "%s", why);
	if (!CHECKS_HAS_HELO(conf))
		checks_set(&res[CHECKS_I_HELO], CHECK_ERROR, "no helo name");
}

int
checks_run(const struct checks_conf *conf, struct wire_check *out, size_t max,
    size_t *n)
{
	struct checks_run r = {.conf = conf};
	uint64_t deadline = util_now_ms() + conf->timeout_ms, now;
	int rv = -1;

	if (!checks_conf_ok(conf, &r)) {
		errno = EINVAL;
		return (-1);
	}
	r.res = xcalloc(CHECKS_COUNT(conf), sizeof(*r.res));
	r.bl = xcalloc(conf->n_dnsbl + 1, sizeof(*r.bl));
	ares_library_init(ARES_LIB_INIT_ALL);
	if ((rv = checks_dns_init(&r)) == -1) {
		errno = EINVAL;
		goto out;
	}
	checks_names(
	    conf, r.res, rv == ARES_SUCCESS ? "not run" : ares_strerror(rv));
	checks_master(conf, deadline, &r.res[CHECKS_COUNT(conf) - 1]);
	if (r.ch != NULL &&
	    !(conf->cancel != NULL && atomic_load(conf->cancel))) {
		checks_dns_start(&r);
		checks_dns_wait(&r, deadline);
	}
	*n = CHECKS_COUNT(conf) < max ? CHECKS_COUNT(conf) : max;
	now = util_wall_s();
	for (size_t i = 0; i < *n; i++) {
		out[i] = r.res[i];
		out[i].checked_at = now;
	}
	rv = 0;
out:
	if (r.ch != NULL)
		ares_destroy(r.ch); /* runs no callback: pending is 0 */
	ares_library_cleanup();
	free(r.ptr);
	free(r.bl);
	free(r.res);
	return (rv);
}
