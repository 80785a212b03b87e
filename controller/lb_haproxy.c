/* SPDX-License-Identifier: ISC */
/*
 * The haproxy driver (lb_driver.h): HAProxy's runtime API over its admin
 * unix socket.  One command per connection: HAProxy's non-interactive
 * mode answers one line and closes, so a reply ends at EOF and nothing
 * carries over from one exchange to the next.  Each exchange is bounded
 * by the section's timeout as a whole and looks at the cancel flag at
 * least every UTIL_CANCEL_MS.  A slot is one `backend/server` pair of a
 * relay's lb_server.  Runs on the load balancer's own thread only.
 */
#include "lb_driver.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define HAPROXY_REPLY_MAX (4u << 20) /* bytes; a bigger reply is refused */
#define HAPROXY_CMD_MAX   256

struct haproxy_priv {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/* One exchange under way: its socket, deadline and where errors go. */
struct haproxy_io {
	const struct lb_driver *d;
	const char *path;
	int fd;
	uint64_t deadline; /* util_now_ms() time */
	char *err;
	size_t errlen;
};

/* The deadline passed or fleetd is stopping: say which. */
static int
haproxy_expired(const struct haproxy_io *io)
{
	if (io->d->cancel != NULL && atomic_load(io->d->cancel))
		snprintf(io->err, io->errlen, "cancelled");
	else
		snprintf(io->err, io->errlen, "timeout after %llu ms",
		    (unsigned long long)io->d->lb->timeout_ms);
	return (-1);
}

/* Waits until fd has one of events (or an error to report) in time. */
static int
haproxy_wait(const struct haproxy_io *io, short events)
{
	struct pollfd pfd = {.fd = io->fd, .events = events};
	int ms, rc;

	for (;;) {
		if ((ms = util_poll_timeout(io->deadline, io->d->cancel)) == -1)
			return (haproxy_expired(io));
		if ((rc = poll(&pfd, 1, ms)) > 0)
			return (0);
		if (rc == -1 && errno != EINTR) {
			snprintf(io->err, io->errlen, "poll %s: %s", io->path,
			    strerror(errno));
			return (-1);
		}
	}
}

static int
haproxy_fail(const struct haproxy_io *io, const char *what, int error)
{
	snprintf(
	    io->err, io->errlen, "%s %s: %s", what, io->path, strerror(error));
	return (-1);
}

/*
 * A unix socket connects at once or fails, except that a full backlog
 * gives EAGAIN: HAProxy is busy, so try again shortly until the deadline.
 */
static int
haproxy_connect(struct haproxy_io *io)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	socklen_t slen = sizeof(int);
	int ms, error = 0;

	util_strlcpy(sun.sun_path, io->path, sizeof(sun.sun_path));
	io->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (io->fd == -1)
		return (haproxy_fail(io, "socket", errno));
	while (connect(io->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EINPROGRESS) {
			if (haproxy_wait(io, POLLOUT) == -1)
				return (-1);
			if (getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &error,
			        &slen) == -1)
				error = errno;
			return (error == 0
			            ? 0
			            : haproxy_fail(io, "connect", error));
		}
		if (errno != EAGAIN)
			return (haproxy_fail(io, "connect", errno));
		if ((ms = util_poll_timeout(io->deadline, io->d->cancel)) == -1)
			return (haproxy_expired(io));
		poll(NULL, 0, ms < 10 ? ms : 10);
	}
	return (0);
}

static int
haproxy_send(const struct haproxy_io *io, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = send(io->fd, buf, len, MSG_NOSIGNAL)) >= 0) {
			buf += n;
			len -= (size_t)n;
		} else if (errno == EAGAIN) {
			if (haproxy_wait(io, POLLOUT) == -1)
				return (-1);
		} else if (errno != EINTR)
			return (haproxy_fail(io, "write", errno));
	}
	return (0);
}

/*
 * Reads until EOF into a malloc'd, NUL-terminated *buf (caller frees).
 * The deadline is checked before every read, so that a peer trickling
 * bytes cannot hold the thread past it.
 */
static int
haproxy_recv(const struct haproxy_io *io, char **buf, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *b = xmalloc(cap);
	ssize_t r;

	for (;;) {
		if (n + 1 == cap)
			b = xreallocarray(b, cap *= 2, 1);
		if (haproxy_wait(io, POLLIN) == -1)
			goto fail;
		if ((r = recv(io->fd, b + n, cap - n - 1, 0)) == 0)
			break;
		if (r > 0 && (n += (size_t)r) > HAPROXY_REPLY_MAX) {
			snprintf(io->err, io->errlen,
			    "reply larger than %u bytes", HAPROXY_REPLY_MAX);
			goto fail;
		}
		if (r == -1 && errno != EINTR && errno != EAGAIN) {
			haproxy_fail(io, "read", errno);
			goto fail;
		}
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return (0);
fail:
	free(b);
	return (-1);
}

/* Sends "cmd\n" and reads the whole reply (*reply: caller frees). */
static int
haproxy_exchange(const struct lb_driver *d, const char *cmd, char **reply,
    size_t *rlen, char *err, size_t errlen)
{
	const struct haproxy_priv *p = d->priv;
	struct haproxy_io io = {
	    .d = d, .path = p->path, .fd = -1, .err = err, .errlen = errlen};
	char line[HAPROXY_CMD_MAX + 1];
	int rc = -1;

	io.deadline = util_now_ms() + d->lb->timeout_ms;
	if ((size_t)snprintf(line, sizeof(line), "%s\n", cmd) >= sizeof(line)) {
		snprintf(err, errlen, "command too long");
		return (-1);
	}
	if (haproxy_connect(&io) == 0 &&
	    haproxy_send(&io, line, strlen(line)) == 0 &&
	    haproxy_recv(&io, reply, rlen) == 0)
		rc = 0;
	if (io.fd != -1)
		close(io.fd);
	return (rc);
}

/* "backend/server" with two names HAProxy accepts, and nothing else. */
static bool
haproxy_target_ok(const char *target)
{
	size_t len = strnlen(target, LB_TARGET_MAX);
	const char *slash = memchr(target, '/', len);

	if (len == LB_TARGET_MAX || slash == NULL)
		return (false);
	return (haproxy_name_ok(target, (size_t)(slash - target)) &&
	        haproxy_name_ok(slash + 1, len - (size_t)(slash - target) - 1));
}

/* The row of target ("backend/server"), or NULL. */
static const struct haproxy_server *
haproxy_find(
    const struct haproxy_server *rows, size_t nrows, const char *target)
{
	const char *slash = strchr(target, '/');
	size_t belen;

	if (slash == NULL)
		return (NULL);
	belen = (size_t)(slash - target);
	for (size_t i = 0; i < nrows; i++)
		if (strlen(rows[i].backend) == belen &&
		    memcmp(rows[i].backend, target, belen) == 0 &&
		    strcmp(rows[i].server, slash + 1) == 0)
			return (&rows[i]);
	return (NULL);
}

/* A reply that is no state at all is HAProxy's error text: pass it on. */
static void
haproxy_read_error(const char *reply, size_t rlen, const char *errstr,
    char *err, size_t errlen)
{
	if (strcmp(errstr, "not a servers state reply") != 0) {
		snprintf(err, errlen, "show servers state: %s", errstr);
		return;
	}
	lb_text_clean(err, errlen, reply, rlen);
	if (err[0] == '\0')
		snprintf(err, errlen, "show servers state: empty reply");
}

static int
haproxy_read(struct lb_driver *d, const struct lb_slot *slots, size_t n,
    struct lb_state *seen, char *err, size_t errlen)
{
	const struct haproxy_server *row;
	struct haproxy_server *rows;
	const char *errstr;
	size_t rlen, nrows;
	char *reply;

	if (n > 0)
		memset(seen, 0, n * sizeof(*seen));
	if (haproxy_exchange(
	        d, "show servers state", &reply, &rlen, err, errlen) == -1)
		return (-1);
	if (haproxy_parse_servers_state(reply, rlen, &rows, &nrows, &errstr) ==
	    -1) {
		haproxy_read_error(reply, rlen, errstr, err, errlen);
		free(reply);
		return (-1);
	}
	for (size_t i = 0; i < n; i++)
		if ((row = haproxy_find(rows, nrows, slots[i].target)) != NULL)
			haproxy_server_state(row, &seen[i]);
	free(rows);
	free(reply);
	return (0);
}

/* `set server TARGET what`; an answer other than nothing is a failure. */
static enum lb_apply_rc
haproxy_set(struct lb_driver *d, const char *target, const char *what,
    char *err, size_t errlen)
{
	char cmd[HAPROXY_CMD_MAX], answer[LB_ERROR_MAX], *reply;
	size_t rlen;
	bool ok;

	snprintf(cmd, sizeof(cmd), "set server %s %s", target, what);
	if (haproxy_exchange(d, cmd, &reply, &rlen, err, errlen) == -1)
		return (LB_APPLY_UNREACHABLE);
	ok = haproxy_reply_ok(reply, rlen, answer, sizeof(answer));
	free(reply);
	if (ok)
		return (LB_APPLY_OK);
	snprintf(err, errlen, "%s: %s", cmd, answer);
	return (LB_APPLY_FAILED);
}

/*
 * The weight first, then the state, so that a server never comes back
 * at its full weight.  Without a known iweight, HAProxy works out the
 * percentage itself (it rounds down; the next round corrects it).
 */
static enum lb_apply_rc
haproxy_apply_ready(struct lb_driver *d, const char *target,
    const struct lb_want *want, const struct lb_state *seen, char *err,
    size_t errlen)
{
	enum lb_apply_rc rc;
	uint32_t w, pct = want->weight > 100 ? 100 : want->weight;
	char what[32] = "";

	if (!seen->known)
		snprintf(what, sizeof(what), "weight %u%%", pct);
	else if (seen->uweight != (w = haproxy_weight_for(seen->iweight, pct)))
		snprintf(what, sizeof(what), "weight %u", w);
	if (what[0] != '\0' &&
	    (rc = haproxy_set(d, target, what, err, errlen)) != LB_APPLY_OK)
		return (rc);
	if (seen->known && seen->intent == POLICY_INTENT_READY)
		return (LB_APPLY_OK);
	return (haproxy_set(d, target, "state ready", err, errlen));
}

static enum lb_apply_rc
haproxy_apply(struct lb_driver *d, const struct lb_slot *slot,
    const struct lb_want *want, const struct lb_state *seen, char *err,
    size_t errlen)
{
	char shown[LB_TARGET_MAX];

	/* checked at load too; a name must never carry a second command */
	if (!haproxy_target_ok(slot->target)) {
		lb_text_clean(shown, sizeof(shown), slot->target,
		    strnlen(slot->target, LB_TARGET_MAX));
		snprintf(err, errlen,
		    "refused target \"%s\": not backend/server of "
		    "[A-Za-z0-9_.:-]",
		    shown);
		return (LB_APPLY_FAILED);
	}
	switch (want->intent) {
	case POLICY_INTENT_READY:
		return (haproxy_apply_ready(
		    d, slot->target, want, seen, err, errlen));
	case POLICY_INTENT_DRAIN:
		return (
		    haproxy_set(d, slot->target, "state drain", err, errlen));
	case POLICY_INTENT_MAINT:
		return (
		    haproxy_set(d, slot->target, "state maint", err, errlen));
	}
	snprintf(err, errlen, "unknown intent %d", (int)want->intent);
	return (LB_APPLY_FAILED);
}

static void
haproxy_free(struct lb_driver *d)
{
	if (d == NULL)
		return;
	free(d->priv);
	free(d);
}

/*
 * One slot per backend/server pair of every relay's lb_server; a relay
 * without one is not on this load balancer (said once, at start).
 */
static void
haproxy_slots(const struct fleetd_config *conf, const struct fleetd_lb *lb,
    struct lb_slot **slots, size_t *nslots)
{
	char pairs[FLEETD_LB_PAIRS][CFG_NAME_MAX * 2 + 2];
	struct lb_slot *s = NULL;
	size_t n = 0, np;

	for (size_t i = 0; i < conf->nrelays; i++) {
		np = fleetd_lb_pairs(
		    conf->relays[i].lb_server, pairs, FLEETD_LB_PAIRS);
		if (np == 0) {
			log_info("lb %s: relay=%s has no lb_server: not on "
			         "this load balancer",
			    lb->name, conf->relays[i].name);
			continue;
		}
		s = xreallocarray(s, n + np, sizeof(*s));
		for (size_t k = 0; k < np; k++, n++) {
			memset(&s[n], 0, sizeof(s[n]));
			s[n].relay = i;
			util_strlcpy(
			    s[n].target, pairs[k], sizeof(s[n].target));
		}
	}
	*slots = s;
	*nslots = n;
}

struct lb_driver *
lb_haproxy_new(const struct fleetd_config *conf, const struct fleetd_lb *lb,
    struct lb_slot **slots, size_t *nslots, char *err, size_t errlen)
{
	struct haproxy_priv *p;
	struct lb_driver *d;
	size_t len = strlen(lb->target);

	if (len == 0 || len >= sizeof(p->path)) {
		snprintf(err, errlen,
		    "[lb %s]: socket \"%s\": must be 1 to %zu bytes", lb->name,
		    lb->target, sizeof(p->path) - 1);
		return (NULL);
	}
	p = xcalloc(1, sizeof(*p));
	util_strlcpy(p->path, lb->target, sizeof(p->path));
	d = xcalloc(1, sizeof(*d));
	d->conf = conf;
	d->lb = lb;
	d->can_read = true;
	d->priv = p;
	d->read = haproxy_read;
	d->same = haproxy_same;
	d->apply = haproxy_apply;
	d->flush = NULL;
	d->free = haproxy_free;
	haproxy_slots(conf, lb, slots, nslots);
	return (d);
}
