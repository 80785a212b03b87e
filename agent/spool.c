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
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "util.h"
#include "wire.h"

#define SPOOL_STATE_MAX 512

struct spool {
	char dir[PATH_MAX];
	size_t max;
	uint64_t epoch;
	uint64_t last_seq; /* highest seq ever spooled */
	uint64_t first;    /* oldest pending seq; > last_seq if none */
	uint32_t bad_new;  /* set aside, not yet in a Report */
	char cursor[SPOOL_CURSOR_MAX + 1];
};

static void
spool_path(const struct spool *s, uint64_t seq, char *path, size_t len)
{
	snprintf(path, len, "%s/report-%020" PRIu64, s->dir, seq);
}

static int
spool_write_state(const struct spool *s, uint64_t last_seq, const char *cursor)
{
	char path[PATH_MAX + 16], buf[SPOOL_STATE_MAX];
	int n;

	snprintf(path, sizeof(path), "%s/state", s->dir);
	n = snprintf(buf, sizeof(buf),
	    "epoch=%016" PRIx64 "\nlast_seq=%" PRIu64 "\ncursor=%s\n", s->epoch,
	    last_seq, cursor);
	return (util_write_file_atomic(path, buf, (size_t)n, 0600));
}

static bool
spool_cursor_ok(const char *c)
{
	size_t n = strlen(c);

	if (n > SPOOL_CURSOR_MAX)
		return (false);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)c[i] < 0x20 || c[i] == 0x7f)
			return (false);
	return (true);
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
	if (strncmp(end, "\ncursor=", 8) != 0)
		goto bad;
	end += 8;
	if ((len = strcspn(end, "\n")) > SPOOL_CURSOR_MAX ||
	    strcmp(end + len, "\n") != 0)
		goto bad;
	end[len] = '\0';
	if (!spool_cursor_ok(end))
		goto bad;
	memcpy(s->cursor, end, len + 1);
	free(buf);
	return (1);
bad:
	free(buf);
	return (-1);
}

/* Parses "<prefix><20 digits>"; returns 0 if name is not one. */
static uint64_t
spool_name_seq(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);
	uint64_t seq;
	char *end;

	if (strncmp(name, prefix, n) != 0 || strlen(name) != n + 20 ||
	    strspn(name + n, "0123456789") != 20)
		return (0);
	seq = strtoull(name + n, &end, 10);
	return (*end == '\0' ? seq : 0);
}

static uint64_t
spool_file_seq(const char *name)
{
	return (spool_name_seq(name, "report-"));
}

/*
 * Finds the pending range.  Files past last_seq were never committed (a
 * crash before the state write): they are removed.  With has_state false
 * every file counts as orphan and *has_files tells the caller.  Returns
 * -1 (errno) if the directory is unreadable or has a hole.
 */
static int
spool_scan(struct spool *s, bool has_state, bool *has_files)
{
	uint64_t lo = UINT64_MAX, hi = 0, n = 0, seq;
	char path[PATH_MAX + 32];
	struct dirent *de;
	DIR *d;

	*has_files = false;
	if ((d = opendir(s->dir)) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL) {
		if ((seq = spool_file_seq(de->d_name)) == 0)
			continue;
		*has_files = true;
		if (has_state && seq > s->last_seq) {
			spool_path(s, seq, path, sizeof(path));
			(void)unlink(path);
			continue;
		}
		lo = seq < lo ? seq : lo;
		hi = seq > hi ? seq : hi;
		n++;
	}
	closedir(d);
	s->first = n == 0 ? s->last_seq + 1 : lo;
	if (has_state && n != 0 && (hi - lo + 1 != n || hi != s->last_seq)) {
		errno = EBADMSG; /* a hole: someone removed files by hand */
		return (-1);
	}
	return (0);
}

int
spool_open(
    struct spool **sp, const char *dir, size_t max, char *err, size_t errlen)
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
	if (spool_scan(s, rv == 1, &has_files) == -1) {
		snprintf(err, errlen, "%s: %s", dir,
		    errno == EBADMSG ? "spooled reports are not contiguous"
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
		if (spool_write_state(s, 0, "") == -1) {
			snprintf(
			    err, errlen, "%s/state: %s", dir, strerror(errno));
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

const char *
spool_cursor(const struct spool *s)
{
	return (s->cursor);
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
spool_put(struct spool *s, uint64_t seq, const uint8_t *buf, size_t len,
    const char *cursor)
{
	char path[PATH_MAX + 32];

	if (cursor == NULL)
		cursor = s->cursor;
	if (seq != s->last_seq + 1 || len > SPOOL_REPORT_MAX ||
	    !spool_cursor_ok(cursor)) {
		errno = EINVAL;
		return (-1);
	}
	spool_path(s, seq, path, sizeof(path));
	if (util_write_file_atomic(path, buf, len, 0600) == -1)
		return (-1);
	if (spool_write_state(s, seq, cursor) == -1) {
		(void)unlink(path);
		return (-1);
	}
	s->last_seq = seq; /* first == seq already if the spool was empty */
	if (cursor != s->cursor)
		util_strlcpy(s->cursor, cursor, sizeof(s->cursor));
	return (0);
}

/* Returns NULL if buf is the Report the spool holds as seq, else why. */
static const char *
spool_check(const struct spool *s, uint64_t seq, const uint8_t *buf, size_t len)
{
	struct wire_report r;
	const char *errstr;

	if (wire_report_decode(&r, buf, len, &errstr) == -1)
		return (errstr);
	if (r.epoch != s->epoch)
		errstr = "epoch is not the spool's";
	else if (r.seq != seq)
		errstr = "seq is not the one in the file name";
	else
		errstr = NULL;
	wire_report_fini(&r);
	return (errstr);
}

int
spool_peek(struct spool *s, uint64_t *seq, uint8_t **buf, size_t *len,
    const char **why)
{
	char path[PATH_MAX + 32], *p;
	size_t n;

	if (s->first > s->last_seq)
		return (0);
	*seq = s->first;
	spool_path(s, s->first, path, sizeof(path));
	if (util_read_file(path, SPOOL_REPORT_MAX, &p, &n) == -1) {
		if (errno == ENOENT)
			*why = "file missing";
		else if (errno == EFBIG)
			*why = "file too large";
		else if (errno == EINVAL)
			*why = "not a regular file";
		else
			return (-1);
		return (SPOOL_PEEK_BAD);
	}
	if ((*why = spool_check(s, s->first, (uint8_t *)p, n)) != NULL) {
		free(p);
		return (SPOOL_PEEK_BAD);
	}
	*buf = (uint8_t *)p;
	*len = n;
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

static int
spool_sync_dir(const struct spool *s)
{
	int fd, rv;

	if ((fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (-1);
	rv = fsync(fd);
	(void)close(fd);
	return (rv);
}

/*
 * Counts the bad-* files and finds the oldest.  Returns the count, or
 * -1 (errno) if the directory is unreadable.
 */
static long
spool_bad_scan(const struct spool *s, uint64_t *oldest)
{
	struct dirent *de;
	uint64_t seq;
	long n = 0;
	DIR *d;

	*oldest = UINT64_MAX;
	if ((d = opendir(s->dir)) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL) {
		if ((seq = spool_name_seq(de->d_name, "bad-")) == 0)
			continue;
		*oldest = seq < *oldest ? seq : *oldest;
		n++;
	}
	closedir(d);
	return (n);
}

/* Removes the oldest bad-* files beyond SPOOL_BAD_KEEP. */
static int
spool_bad_prune(const struct spool *s)
{
	char path[PATH_MAX + 32];
	uint64_t oldest;
	long n;

	while ((n = spool_bad_scan(s, &oldest)) > SPOOL_BAD_KEEP) {
		snprintf(
		    path, sizeof(path), "%s/bad-%020" PRIu64, s->dir, oldest);
		if (unlink(path) == -1 && errno != ENOENT)
			return (-1);
	}
	return (n == -1 ? -1 : 0);
}

int
spool_set_aside(struct spool *s, uint64_t seq)
{
	char from[PATH_MAX + 32], to[PATH_MAX + 32];
	int rv = 0;

	if (seq != s->first || s->first > s->last_seq) {
		errno = EINVAL;
		return (-1);
	}
	spool_path(s, seq, from, sizeof(from));
	snprintf(to, sizeof(to), "%s/bad-%020" PRIu64, s->dir, seq);
	if (rename(from, to) == -1 && errno != ENOENT && unlink(from) == -1 &&
	    errno != ENOENT)
		rv = -1;
	s->first++;
	if (s->bad_new < UINT32_MAX)
		s->bad_new++;
	if (spool_sync_dir(s) == -1 || spool_bad_prune(s) == -1)
		rv = -1;
	return (rv);
}

uint32_t
spool_bad_new(const struct spool *s)
{
	return (s->bad_new);
}

void
spool_bad_announced(struct spool *s, uint32_t n)
{
	s->bad_new -= n < s->bad_new ? n : s->bad_new;
}
