/* SPDX-License-Identifier: ISC */
/*
 * The agent's spool (see spool.h).  Pending reports are always the
 * contiguous range first..last_seq: put appends at the end, ack removes
 * the head, so the directory is listed only once, at open.
 */
#include "spool.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "util.h"

#define SPOOL_STATE_MAX 256

struct spool {
	char dir[PATH_MAX];
	size_t max;
	uint64_t epoch;
	uint64_t last_seq; /* highest seq ever spooled */
	uint64_t first;	   /* oldest pending seq; > last_seq if none */
};

static void
spool_path(const struct spool *s, uint64_t seq, char *path, size_t len)
{
	snprintf(path, len, "%s/report-%020" PRIu64, s->dir, seq);
}

static int
spool_write_state(const struct spool *s)
{
	char path[PATH_MAX + 16], buf[SPOOL_STATE_MAX];
	int n;

	snprintf(path, sizeof(path), "%s/state", s->dir);
	n = snprintf(buf, sizeof(buf), "epoch=%016" PRIx64 "\nlast_seq=%" PRIu64
	    "\n", s->epoch, s->last_seq);
	return (util_write_file_atomic(path, buf, (size_t)n, 0600));
}

/* Returns 1 if the state was read, 0 if there is none, -1 if bad. */
static int
spool_read_state(struct spool *s)
{
	char path[PATH_MAX + 16], *buf, *end;
	size_t len;

	snprintf(path, sizeof(path), "%s/state", s->dir);
	if (util_read_file(path, SPOOL_STATE_MAX, &buf, &len) == -1)
		return (errno == ENOENT ? 0 : -1);
	errno = EINVAL;
	if (strncmp(buf, "epoch=", 6) != 0)
		goto bad;
	s->epoch = strtoull(buf + 6, &end, 16);
	if (end != buf + 22 || strncmp(end, "\nlast_seq=", 10) != 0 ||
	    s->epoch == 0)
		goto bad;
	s->last_seq = strtoull(end + 10, &end, 10);
	if (strcmp(end, "\n") != 0)
		goto bad;
	free(buf);
	return (1);
bad:
	free(buf);
	return (-1);
}

/* Finds the pending range; returns -1 (errno) if the directory is odd. */
static int
spool_scan(struct spool *s, bool *has_files)
{
	uint64_t lo = UINT64_MAX, hi = 0, n = 0, seq;
	struct dirent *de;
	char *end;
	DIR *d;

	if ((d = opendir(s->dir)) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "report-", 7) != 0 ||
		    strlen(de->d_name) != 27)
			continue;
		seq = strtoull(de->d_name + 7, &end, 10);
		if (*end != '\0' || seq == 0)
			continue;
		lo = seq < lo ? seq : lo;
		hi = seq > hi ? seq : hi;
		n++;
	}
	closedir(d);
	*has_files = n > 0;
	if (n == 0) {
		s->first = s->last_seq + 1;
		return (0);
	}
	if (hi - lo + 1 != n) { /* a hole: someone removed files by hand */
		errno = EBADMSG;
		return (-1);
	}
	s->first = lo;
	if (hi > s->last_seq)
		s->last_seq = hi; /* crashed between report and state write */
	return (0);
}

int
spool_open(struct spool **sp, const char *dir, size_t max, char *err,
    size_t errlen)
{
	struct spool *s = xcalloc(1, sizeof(*s));
	bool has_files;
	int rv;

	util_strlcpy(s->dir, dir, sizeof(s->dir));
	s->max = max;
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	if ((rv = spool_read_state(s)) == -1) {
		snprintf(err, errlen, "%s/state: unreadable or malformed: %s",
		    dir, strerror(errno));
		goto fail;
	}
	if (spool_scan(s, &has_files) == -1) {
		snprintf(err, errlen, "%s: %s", dir, errno == EBADMSG
			? "spooled reports are not contiguous"
			: strerror(errno));
		goto fail;
	}
	if (rv == 0 && has_files) {
		snprintf(err, errlen, "%s: reports without a state file", dir);
		goto fail;
	}
	if (rv == 0) {
		while (s->epoch == 0)
			randombytes_buf(&s->epoch, sizeof(s->epoch));
		if (spool_write_state(s) == -1) {
			snprintf(err, errlen, "%s/state: %s", dir,
			    strerror(errno));
			goto fail;
		}
	}
	*sp = s;
	return (0);
fail:
	free(s);
	return (-1);
}

void
spool_close(struct spool *s)
{
	free(s);
}

uint64_t
spool_epoch(const struct spool *s)
{
	return (s->epoch);
}

uint64_t
spool_next_seq(const struct spool *s)
{
	return (s->last_seq + 1);
}

size_t
spool_pending(const struct spool *s)
{
	return ((size_t)(s->last_seq + 1 - s->first));
}

bool
spool_full(const struct spool *s)
{
	return (spool_pending(s) >= s->max);
}

int
spool_put(struct spool *s, uint64_t seq, const uint8_t *buf, size_t len)
{
	char path[PATH_MAX + 32];

	if (seq != s->last_seq + 1 || len > SPOOL_REPORT_MAX) {
		errno = EINVAL;
		return (-1);
	}
	spool_path(s, seq, path, sizeof(path));
	if (util_write_file_atomic(path, buf, len, 0600) == -1)
		return (-1);
	s->last_seq = seq; /* first == seq already if the spool was empty */
	return (spool_write_state(s));
}

int
spool_peek(struct spool *s, uint64_t *seq, uint8_t **buf, size_t *len)
{
	char path[PATH_MAX + 32], *p;

	if (s->first > s->last_seq)
		return (0);
	spool_path(s, s->first, path, sizeof(path));
	if (util_read_file(path, SPOOL_REPORT_MAX, &p, len) == -1)
		return (-1);
	*seq = s->first;
	*buf = (uint8_t *)p;
	return (1);
}

int
spool_ack(struct spool *s, uint64_t seq)
{
	char path[PATH_MAX + 32];

	if (seq != s->first || s->first > s->last_seq) {
		errno = EINVAL;
		return (-1);
	}
	spool_path(s, seq, path, sizeof(path));
	if (unlink(path) == -1 && errno != ENOENT)
		return (-1);
	s->first++;
	return (0);
}
