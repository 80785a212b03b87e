/* SPDX-License-Identifier: ISC */
/*
 * The log tail.  One open file (fd) at a time, read with pread() at
 * explicit offsets: `off` is the cursor (the byte after the last line
 * consumed), `roff` the next byte to read, and buf holds the bytes of
 * [roff - len, roff) that do not yet end in a newline, except while a
 * line over MAILLOG_LINE_MAX is skipped (is_skipping: buf is dropped and
 * off stays at that line's start).  A file is recognised by device,
 * inode and a hash of its first MAILLOG_HEAD bytes, so an inode that the
 * filesystem reuses for a new log is not mistaken for the old one.
 */
#include "maillog.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define MAILLOG_FNV_BASIS 0xcbf29ce484222325ULL
#define MAILLOG_FNV_PRIME 0x100000001b3ULL

struct maillog_pos {
	uint64_t dev;
	uint64_t ino;
	uint64_t off;
	size_t hlen;
	uint64_t hash;
};

struct maillog {
	char *path;
	char *dir;        /* path's directory, for rotated siblings */
	const char *base; /* path's file name, inside path */
	int fd;           /* -1: waiting for the file to appear */
	uint64_t dev;
	uint64_t ino;
	off_t off;
	off_t roff;
	size_t len;
	bool is_skipping;
	size_t hlen; /* bytes of the file's start hashed so far */
	uint64_t hash;
	struct maillog_stats st;
	char cursor[MAILLOG_CURSOR_MAX];
	char buf[MAILLOG_BUFSZ];
};

static uint64_t
maillog_fnv(const char *p, size_t n)
{
	uint64_t h = MAILLOG_FNV_BASIS;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * MAILLOG_FNV_PRIME;
	return (h);
}

static ssize_t
maillog_pread(int fd, char *buf, size_t n, off_t off)
{
	ssize_t got;

	while ((got = pread(fd, buf, n, off)) == -1 && errno == EINTR)
		;
	return (got);
}

/* Reads an unsigned decimal (no sign, no leading zero) up to ','/end. */
static const char *
maillog_num(const char *s, const char *key, uint64_t max, uint64_t *v)
{
	size_t n = strlen(key);

	if (strncmp(s, key, n) != 0)
		return (NULL);
	s += n;
	if (*s < '0' || *s > '9' || (*s == '0' && s[1] >= '0' && s[1] <= '9'))
		return (NULL);
	for (*v = 0; *s >= '0' && *s <= '9'; s++) {
		if (*v > (max - (uint64_t)(*s - '0')) / 10)
			return (NULL);
		*v = *v * 10 + (uint64_t)(*s - '0');
	}
	return (s);
}

/* "dev=D,ino=I,off=O,hlen=H,hash=16 lower-case hex digits", nothing else. */
static int
maillog_cursor_parse(
    const char *s, struct maillog_pos *pos, const char **errstr)
{
	uint64_t hlen;
	size_t i;

	*errstr = "malformed";
	if ((s = maillog_num(s, "dev=", UINT64_MAX, &pos->dev)) == NULL ||
	    (s = maillog_num(s, ",ino=", UINT64_MAX, &pos->ino)) == NULL ||
	    (s = maillog_num(s, ",off=", INT64_MAX, &pos->off)) == NULL ||
	    (s = maillog_num(s, ",hlen=", MAILLOG_HEAD, &hlen)) == NULL ||
	    strncmp(s, ",hash=", 6) != 0)
		return (-1);
	s += 6;
	pos->hash = 0;
	for (i = 0; i < 16; i++, s++) {
		if (*s >= '0' && *s <= '9')
			pos->hash = pos->hash << 4 | (uint64_t)(*s - '0');
		else if (*s >= 'a' && *s <= 'f')
			pos->hash = pos->hash << 4 | (uint64_t)(*s - 'a' + 10);
		else
			return (-1);
	}
	pos->hlen = (size_t)hlen;
	if (*s != '\0')
		return (-1);
	if (pos->ino == 0 && (pos->dev != 0 || pos->off != 0 || hlen != 0)) {
		*errstr = "inode 0 with a position";
		return (-1);
	}
	return (0);
}

/* Takes ownership of fd and makes it the file read, from offset 0. */
static int
maillog_use(struct maillog *m, int fd)
{
	struct stat st;
	int rv, saved;

	if ((rv = fstat(fd, &st)) == 0 && !S_ISREG(st.st_mode)) {
		errno = EINVAL; /* a pipe, a directory, a device */
		rv = -1;
	}
	if (rv == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return (-1);
	}
	if (m->fd != -1)
		close(m->fd);
	m->fd = fd;
	m->dev = (uint64_t)st.st_dev;
	m->ino = (uint64_t)st.st_ino;
	m->off = m->roff = 0;
	m->len = 0;
	m->is_skipping = false;
	m->hlen = 0;
	m->hash = MAILLOG_FNV_BASIS;
	return (0);
}

/* Opens the file at path at offset 0; a missing one leaves fd at -1. */
static int
maillog_attach(struct maillog *m)
{
	int fd;

	if ((fd = open(m->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return (errno == ENOENT ? 0 : -1);
	return (maillog_use(m, fd));
}

/*
 * Compares the file's start with the bytes hashed so far and hashes more
 * of them while the file is shorter than MAILLOG_HEAD.  Returns 0 if the
 * start is unchanged, 1 if it changed or shrank, -1 on error.
 */
static int
maillog_head(struct maillog *m)
{
	char h[MAILLOG_HEAD];
	ssize_t n;

	if ((n = maillog_pread(m->fd, h, sizeof(h), 0)) == -1)
		return (-1);
	if ((size_t)n < m->hlen || maillog_fnv(h, m->hlen) != m->hash)
		return (1);
	m->hlen = (size_t)n;
	m->hash = maillog_fnv(h, m->hlen);
	return (0);
}

/*
 * A new install starts after the last newline of the file.  If the last
 * MAILLOG_LINE_MAX + 1 bytes hold none, that line is already too long.
 */
static int
maillog_seek_end(struct maillog *m)
{
	struct stat st;
	size_t n;
	ssize_t got;
	off_t base;
	const char *nl;

	if (fstat(m->fd, &st) == -1)
		return (-1);
	n = (size_t)st.st_size < MAILLOG_LINE_MAX + 1 ? (size_t)st.st_size
	                                              : MAILLOG_LINE_MAX + 1;
	base = st.st_size - (off_t)n;
	if ((got = maillog_pread(m->fd, m->buf, n, base)) == -1)
		return (-1);
	if ((nl = memrchr(m->buf, '\n', (size_t)got)) != NULL)
		m->off = base + (nl - m->buf) + 1;
	else if (base == 0)
		m->off = 0;
	else {
		m->off = base + got;
		m->is_skipping = true;
		m->st.long_lines++;
	}
	m->roff = m->off;
	return (maillog_head(m) == -1 ? -1 : 0);
}

/* Does fd still hold the file of pos, at least up to pos->off? */
static bool
maillog_same(struct maillog *m, const struct maillog_pos *pos)
{
	struct stat st;

	if (m->dev != pos->dev || m->ino != pos->ino ||
	    fstat(m->fd, &st) == -1 || (uint64_t)st.st_size < pos->off)
		return (false);
	m->hlen = pos->hlen;
	m->hash = pos->hash;
	if (maillog_head(m) != 0) {
		m->hlen = 0;
		m->hash = MAILLOG_FNV_BASIS;
		return (false);
	}
	m->off = m->roff = (off_t)pos->off;
	return (true);
}

static bool
maillog_sibling(const char *base, const char *name)
{
	size_t n = strlen(base);

	return (
	    strncmp(name, base, n) == 0 && (name[n] == '.' || name[n] == '-'));
}

/* Opens the sibling of path with pos's device and inode; -1 if none. */
static int
maillog_find_rotated(const struct maillog *m, const struct maillog_pos *pos)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd = -1;

	if ((d = opendir(m->dir)) == NULL)
		return (-1);
	while (fd == -1 && (de = readdir(d)) != NULL) {
		if (!maillog_sibling(m->base, de->d_name) ||
		    fstatat(dirfd(d), de->d_name, &st, 0) == -1 ||
		    (uint64_t)st.st_dev != pos->dev ||
		    (uint64_t)st.st_ino != pos->ino)
			continue;
		fd = openat(
		    dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	}
	closedir(d);
	return (fd);
}

/* Resumes at a parsed cursor (see maillog_open()). */
static int
maillog_resume(struct maillog *m, const struct maillog_pos *pos)
{
	bool was_here;
	int fd;

	if (maillog_attach(m) == -1)
		return (-1);
	if (pos->ino == 0) /* the file did not exist yet */
		return (0);
	if (m->fd != -1 && maillog_same(m, pos))
		return (0);
	was_here = m->fd != -1 && m->dev == pos->dev && m->ino == pos->ino;
	if (!was_here && (fd = maillog_find_rotated(m, pos)) != -1) {
		if (maillog_use(m, fd) == -1)
			return (-1);
		if (maillog_same(m, pos))
			return (0);
		if (maillog_attach(m) == -1)
			return (-1);
	}
	if (was_here)
		m->st.truncations++;
	else
		m->st.lost++;
	return (0);
}

int
maillog_open(struct maillog **mp, const char *path, const char *cursor,
    char *err, size_t errlen)
{
	struct maillog *m;
	struct maillog_pos pos;
	const char *errstr, *slash;
	int rv;

	if (*cursor != '\0' &&
	    maillog_cursor_parse(cursor, &pos, &errstr) == -1) {
		snprintf(err, errlen, "bad cursor: %s", errstr);
		return (-1);
	}
	m = xcalloc(1, sizeof(*m));
	m->fd = -1;
	m->path = xstrdup(path);
	slash = strrchr(m->path, '/');
	m->base = slash != NULL ? slash + 1 : m->path;
	m->dir = xstrdup(slash != NULL ? m->path : ".");
	if (slash != NULL)
		m->dir[slash == m->path ? 1 : slash - m->path] = '\0';
	if (*cursor != '\0')
		rv = maillog_resume(m, &pos);
	else if ((rv = maillog_attach(m)) == 0 && m->fd != -1)
		rv = maillog_seek_end(m);
	if (rv == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		maillog_close(m);
		return (-1);
	}
	*mp = m;
	return (0);
}

void
maillog_close(struct maillog *m)
{
	if (m == NULL)
		return;
	if (m->fd != -1)
		close(m->fd);
	free(m->path);
	free(m->dir);
	free(m);
}

/* Hands out the complete lines in buf; keeps the unterminated rest. */
static int
maillog_scan(struct maillog *m, maillog_line_cb cb, void *arg)
{
	char *p = m->buf, *end = m->buf + m->len, *nl;
	size_t n;
	int lines = 0;

	if (m->is_skipping) {
		if ((nl = memchr(p, '\n', m->len)) == NULL) {
			m->len = 0;
			return (0);
		}
		m->is_skipping = false;
		p = nl + 1;
		m->off = m->roff - (end - p);
	}
	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n = (size_t)(nl - p);
		m->off = m->roff - (end - nl - 1);
		if (n > MAILLOG_LINE_MAX)
			m->st.long_lines++;
		else {
			m->st.lines++;
			lines++;
			cb(arg, p, n);
		}
		p = nl + 1;
	}
	m->len = (size_t)(end - p);
	memmove(m->buf, p, m->len);
	if (m->len > MAILLOG_LINE_MAX) {
		m->st.long_lines++;
		m->is_skipping = true;
		m->len = 0;
	}
	return (lines);
}

/* Reads up to *budget bytes after roff; returns the count, 0 at EOF. */
static ssize_t
maillog_fill(struct maillog *m, size_t *budget)
{
	size_t want = MAILLOG_BUFSZ - m->len;
	ssize_t got;

	if (want > *budget)
		want = *budget;
	if ((got = maillog_pread(m->fd, m->buf + m->len, want, m->roff)) <= 0)
		return (got);
	m->len += (size_t)got;
	m->roff += got;
	*budget -= (size_t)got;
	return (got);
}

/*
 * At EOF: if path now names another file with data, hands out the old
 * file's unterminated last line and switches.  An empty new file is not
 * taken yet: the writer may still be appending to the old one.
 * Returns 1 after a switch, 0 if none, -1 on error.
 */
static int
maillog_rotate(struct maillog *m, maillog_line_cb cb, void *arg, int *lines)
{
	struct stat st;
	int fd;

	if (stat(m->path, &st) == -1)
		return (errno == ENOENT ? 0 : -1);
	if ((uint64_t)st.st_dev == m->dev && (uint64_t)st.st_ino == m->ino)
		return (0);
	if ((fd = open(m->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return (errno == ENOENT ? 0 : -1);
	if (fstat(fd, &st) == -1 || st.st_size == 0 ||
	    ((uint64_t)st.st_dev == m->dev && (uint64_t)st.st_ino == m->ino)) {
		close(fd);
		return (0);
	}
	if (!m->is_skipping && m->len > 0) {
		m->off = m->roff;
		m->st.lines++;
		(*lines)++;
		cb(arg, m->buf, m->len);
	}
	if (maillog_use(m, fd) == -1)
		return (-1);
	m->st.rotations++;
	return (1);
}

/* Restarts at 0 when the file shrank below roff or its start changed. */
static int
maillog_check(struct maillog *m)
{
	struct stat st;
	int rv;

	if (fstat(m->fd, &st) == -1 || (rv = maillog_head(m)) == -1)
		return (-1);
	if (st.st_size >= m->roff && rv == 0)
		return (0);
	m->off = m->roff = 0;
	m->len = 0;
	m->is_skipping = false;
	m->hlen = 0;
	m->hash = MAILLOG_FNV_BASIS;
	m->st.truncations++;
	return (maillog_head(m) == -1 ? -1 : 0);
}

int
maillog_read(struct maillog *m, maillog_line_cb cb, void *arg, size_t max_bytes)
{
	size_t budget = max_bytes == 0 ? SIZE_MAX : max_bytes;
	ssize_t got;
	int lines = 0, rv;

	if (m->fd == -1 && maillog_attach(m) == -1)
		return (-1);
	if (m->fd == -1)
		return (0);
	if (maillog_check(m) == -1)
		return (-1);
	while (budget > 0 && lines < INT_MAX - MAILLOG_BUFSZ) {
		if ((got = maillog_fill(m, &budget)) == -1)
			return (-1);
		if (got > 0) {
			lines += maillog_scan(m, cb, arg);
			continue;
		}
		if ((rv = maillog_rotate(m, cb, arg, &lines)) == -1)
			return (-1);
		if (rv == 0)
			break;
	}
	return (lines);
}

const char *
maillog_cursor(struct maillog *m)
{
	if (m->fd == -1)
		snprintf(m->cursor, sizeof(m->cursor),
		    "dev=0,ino=0,off=0,hlen=0,hash=%016" PRIx64,
		    (uint64_t)MAILLOG_FNV_BASIS);
	else
		snprintf(m->cursor, sizeof(m->cursor),
		    "dev=%" PRIu64 ",ino=%" PRIu64 ",off=%jd,hlen=%zu,"
		    "hash=%016" PRIx64,
		    m->dev, m->ino, (intmax_t)m->off, m->hlen, m->hash);
	return (m->cursor);
}

void
maillog_stats(const struct maillog *m, struct maillog_stats *st)
{
	*st = m->st;
}
