/* SPDX-License-Identifier: ISC */
/*
 * postqueue -j scan (see queue.h).  The child's stdout and stderr are read
 * with poll() until EOF or the deadline; a child past the deadline is
 * killed.  The line buffer starts small and grows to QUEUE_LINE_MAX; a
 * longer line is skipped up to its newline and counted.
 */
#include "queue.h"

#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "classify.h"
#include "util.h"

#define QUEUE_BUF_INIT 65536

static const struct {
	const char *name;
	size_t off;
} queue_names[] = {
    {"incoming", offsetof(struct wire_queue, incoming)},
    {"active", offsetof(struct wire_queue, active)},
    {"deferred", offsetof(struct wire_queue, deferred)},
    {"hold", offsetof(struct wire_queue, hold)},
    {"maildrop", offsetof(struct wire_queue, maildrop)},
};

void
queue_scan_init(struct queue_scan *qs, uint64_t now, struct classify *rules)
{
	memset(qs, 0, sizeof(*qs));
	qs->now = now;
	qs->snap.taken_at = now;
	qs->rules = rules;
}

/*
 * The host a Postfix delay_reason names: "host mx.x[1.2.3.4] said",
 * "connect to mx.x[1.2.3.4]:25", "lost connection with mx.x[...]".
 * Writes it (lower case) to host, or "" if there is none.
 */
static void
queue_reason_host(const char *reason, char *host, size_t len)
{
	const char *b = strchr(reason, '['), *p = b;

	host[0] = '\0';
	if (b == NULL)
		return;
	while (p > reason && p[-1] != ' ')
		p--;
	if ((size_t)(b - p) == 0 || (size_t)(b - p) >= len ||
	    memchr(p, '.', (size_t)(b - p)) == NULL)
		return;
	for (size_t i = 0; p + i < b; i++)
		host[i] = (char)tolower((unsigned char)p[i]);
	host[b - p] = '\0';
}

/* Adds one deferred recipient to snap.by. */
static void
queue_count_by(struct queue_scan *qs, const char *address, const char *reason)
{
	struct wire_queue *q = &qs->snap;
	const char *at = strrchr(address, '@'), *prov;
	char host[WIRE_HOST_MAX + 1];
	enum reason_class cls;
	size_t i;

	queue_reason_host(reason, host, sizeof(host));
	prov = classify_provider(qs->rules, host, at != NULL ? at + 1 : NULL);
	cls = classify_class(qs->rules, prov, NULL, reason);
	for (i = 0; i < q->n_by; i++)
		if (q->by[i].cls == cls && strcmp(q->by[i].provider, prov) == 0)
			break;
	if (i == q->n_by) {
		if (q->n_by == WIRE_QUEUE_BY_MAX)
			return; /* the counts per queue still hold them */
		q->by = xreallocarray(q->by, q->n_by + 1, sizeof(*q->by));
		memset(&q->by[i], 0, sizeof(q->by[i]));
		util_strlcpy(
		    q->by[i].provider, prov, sizeof(q->by[i].provider));
		q->by[i].cls = cls;
		q->n_by++;
	}
	if (q->by[i].count < UINT32_MAX)
		q->by[i].count++;
}

static void
queue_scan_recipients(struct queue_scan *qs, const cJSON *j)
{
	const cJSON *rcpts = cJSON_GetObjectItemCaseSensitive(j, "recipients");
	const cJSON *r, *addr, *why;

	if (!cJSON_IsArray(rcpts))
		return;
	cJSON_ArrayForEach(r, rcpts)
	{
		addr = cJSON_GetObjectItemCaseSensitive(r, "address");
		why = cJSON_GetObjectItemCaseSensitive(r, "delay_reason");
		if (cJSON_IsString(addr) && cJSON_IsString(why))
			queue_count_by(qs, addr->valuestring, why->valuestring);
	}
}

static uint32_t *
queue_counter(struct wire_queue *q, const char *name)
{
	for (size_t i = 0; i < sizeof(queue_names) / sizeof(queue_names[0]);
	     i++)
		if (strcmp(name, queue_names[i].name) == 0)
			return ((uint32_t *)(void *)((char *)q +
			                             queue_names[i].off));
	return (NULL);
}

void
queue_scan_line(struct queue_scan *qs, const char *line, size_t len)
{
	const cJSON *qn, *at;
	uint32_t *counter;
	cJSON *j;

	qs->lines++;
	if ((j = cJSON_ParseWithLength(line, len)) == NULL) {
		qs->bad_lines++;
		return;
	}
	qn = cJSON_GetObjectItemCaseSensitive(j, "queue_name");
	if (!cJSON_IsString(qn) ||
	    (counter = queue_counter(&qs->snap, qn->valuestring)) == NULL) {
		qs->bad_lines++;
		cJSON_Delete(j);
		return;
	}
	if (*counter < UINT32_MAX)
		(*counter)++;
	at = cJSON_GetObjectItemCaseSensitive(j, "arrival_time");
	if (counter == &qs->snap.deferred && qs->rules != NULL)
		queue_scan_recipients(qs, j);
	if (counter == &qs->snap.deferred && cJSON_IsNumber(at) &&
	    at->valuedouble > 0 && at->valuedouble < 1e12) {
		uint64_t t = (uint64_t)at->valuedouble;

		if (qs->oldest_arrival == 0 || t < qs->oldest_arrival)
			qs->oldest_arrival = t;
	}
	cJSON_Delete(j);
}

void
queue_scan_finish(struct queue_scan *qs)
{
	if (qs->oldest_arrival != 0 && qs->oldest_arrival < qs->now) {
		uint64_t age = qs->now - qs->oldest_arrival;

		qs->snap.oldest_deferred_age =
		    age > UINT32_MAX ? UINT32_MAX : (uint32_t)age;
	}
	qs->snap.valid = true;
}

struct queue_reader {
	char *buf;
	size_t cap, len;
	int skipping; /* inside an over-long line */
};

/* Feeds n bytes of stdout to the line splitter. */
static void
queue_feed(
    struct queue_scan *qs, struct queue_reader *r, const char *p, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl != NULL ? (size_t)(nl - p) : n;

		if (!r->skipping && r->len + take > QUEUE_LINE_MAX) {
			r->skipping = 1;
			r->len = 0;
			qs->long_lines++;
		}
		if (!r->skipping) {
			if (r->len + take > r->cap) {
				while (r->len + take > r->cap)
					r->cap *= 2;
				r->buf = xreallocarray(r->buf, r->cap, 1);
			}
			memcpy(r->buf + r->len, p, take);
			r->len += take;
		}
		if (nl == NULL)
			return;
		if (!r->skipping && r->len > 0)
			queue_scan_line(qs, r->buf, r->len);
		r->skipping = 0;
		r->len = 0;
		p = nl + 1;
		n -= take + 1;
	}
}

static pid_t
queue_spawn(const char *path, const char *config_dir, int out[2], int err[2])
{
	const char *with_c[] = {path, "-c", config_dir, "-j", NULL};
	const char *plain[] = {path, "-j", NULL};

	return (util_spawn(
	    path, config_dir[0] != '\0' ? with_c : plain, out[1], err[1]));
}

/* Reads both pipes until EOF; -1 at the deadline or when cancelled. */
static int
queue_read(struct queue_scan *qs, int outfd, int errfd, char *errbuf,
    size_t errcap, uint64_t deadline, const atomic_bool *cancel)
{
	struct queue_reader r = {.cap = QUEUE_BUF_INIT};
	struct pollfd pfd[2] = {{outfd, POLLIN, 0}, {errfd, POLLIN, 0}};
	size_t errlen = 0;
	char chunk[16384];
	int open = 2, rv = 0, ms;

	r.buf = xmalloc(r.cap);
	while (open > 0) {
		if ((ms = util_poll_timeout(deadline, cancel)) == -1) {
			rv = -1;
			break;
		}
		if (poll(pfd, 2, ms) == -1) {
			if (errno == EINTR)
				continue;
			rv = -1;
			break;
		}
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (pfd[i].fd == -1 || pfd[i].revents == 0)
				continue;
			n = read(pfd[i].fd, chunk, sizeof(chunk));
			if (n == -1 && errno == EINTR)
				continue;
			if (n <= 0) {
				pfd[i].fd = -1;
				open--;
			} else if (i == 0) {
				queue_feed(qs, &r, chunk, (size_t)n);
			} else if (errlen + 1 < errcap) {
				size_t c = (size_t)n < errcap - 1 - errlen
				               ? (size_t)n
				               : errcap - 1 - errlen;
				memcpy(errbuf + errlen, chunk, c);
				errlen += c;
			}
		}
	}
	if (rv == 0 && r.len > 0 && !r.skipping)
		queue_scan_line(qs, r.buf, r.len); /* no final newline */
	errbuf[errlen] = '\0';
	free(r.buf);
	return (rv);
}

static void
queue_fail(struct queue_scan *qs, const char *what, const char *detail)
{
	char line[WIRE_DETAIL_MAX - 63]; /* room for what */
	size_t n;

	util_strlcpy(line, detail, sizeof(line));
	n = strcspn(line, "\n");
	line[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = ' ';
	free(qs->snap.by); /* a failed scan carries no partial counts */
	qs->snap.by = NULL;
	qs->snap.n_by = 0;
	snprintf(qs->snap.error, sizeof(qs->snap.error), "%s%s%s", what,
	    line[0] != '\0' ? ": " : "", line);
	qs->snap.valid = false;
}

int
queue_run(struct queue_scan *qs, const char *path, const char *config_dir,
    unsigned timeout_ms, struct classify *rules, const atomic_bool *cancel)
{
	int out[2] = {-1, -1}, err[2] = {-1, -1}, status, rv;
	char errbuf[512], what[64];
	pid_t pid;

	queue_scan_init(qs, util_wall_s(), rules);
	if (pipe2(out, O_CLOEXEC) == -1 || pipe2(err, O_CLOEXEC) == -1 ||
	    (pid = queue_spawn(path, config_dir, out, err)) == -1) {
		queue_fail(qs, "cannot run postqueue", strerror(errno));
		rv = -1;
		goto out;
	}
	close(out[1]);
	close(err[1]);
	out[1] = err[1] = -1;
	rv = queue_read(qs, out[0], err[0], errbuf, sizeof(errbuf),
	    util_now_ms() + timeout_ms, cancel);
	if (rv == -1)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (rv == -1) {
		queue_fail(qs,
		    cancel != NULL && atomic_load(cancel)
		        ? "postqueue cancelled"
		        : "postqueue timed out",
		    "");
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(what, sizeof(what), "postqueue failed (status %d)",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		queue_fail(qs, what, errbuf);
		rv = -1;
	} else {
		queue_scan_finish(qs);
	}
out:
	for (int i = 0; i < 2; i++) {
		if (out[i] != -1)
			close(out[i]);
		if (err[i] != -1)
			close(err[i]);
	}
	return (rv);
}
