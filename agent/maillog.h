/* SPDX-License-Identifier: ISC */
/*
 * Follows the Postfix log file by path, as `tail -F` does, and hands out
 * complete lines.  The position after the last line handed out is a
 * cursor string the caller persists with the report that counts those
 * lines (agent/spool.h), so a restart neither loses nor repeats a line.
 * Rotation by rename (the old file is drained first), copytruncate and a
 * file that does not exist yet are handled.  Memory is flat: one buffer
 * of MAILLOG_BUFSZ bytes.  Not thread-safe: one thread polls it (every
 * 200 ms to 1 s); reads never block (regular files only, read to EOF).
 */
#ifndef FLEET_AGENT_MAILLOG_H
#define FLEET_AGENT_MAILLOG_H

#include <stddef.h>
#include <stdint.h>

#define MAILLOG_LINE_MAX   (16 * 1024) /* bytes without the newline */
#define MAILLOG_BUFSZ      (64 * 1024) /* bytes; > MAILLOG_LINE_MAX */
#define MAILLOG_HEAD       64          /* bytes of a file's start, hashed */
#define MAILLOG_CURSOR_MAX 128         /* bytes with the NUL */

struct maillog;

struct maillog_stats {
	uint64_t lines;       /* complete lines handed to the callback */
	uint64_t long_lines;  /* lines over MAILLOG_LINE_MAX, skipped */
	uint64_t rotations;   /* switches to a new file at the path */
	uint64_t truncations; /* the file shrank or its start changed */
	uint64_t lost;        /* the cursor's file was not found at open */
};

/* line is len bytes without the newline, not NUL-terminated, borrowed. */
typedef void (*maillog_line_cb)(void *arg, const char *line, size_t len);

/*
 * Opens the log at path.  cursor is "" for a new install: reading starts
 * after the last complete line at the end of the file (history is not
 * replayed), or at offset 0 of the file once it appears if it does not
 * exist yet.  Otherwise cursor is a string from maillog_cursor(): reading
 * resumes there, in the file at path if it is still the same one (device,
 * inode and first bytes), or else in a sibling rotated by rename (a name
 * that starts with path's file name and '.' or '-': mail.log.1,
 * mail.log-20261128); an older rotation in between is not read.  If the
 * cursor's file is gone, reading starts at offset 0 of the file at path
 * and stats.lost counts it.
 * Returns 0, or -1 with err set: a malformed cursor, a path that exists
 * but cannot be opened or is not a regular file.  A missing file is not
 * an error.  Never blocks.
 */
int maillog_open(struct maillog **mp, const char *path, const char *cursor,
    char *err, size_t errlen);

/* Accepts NULL. */
void maillog_close(struct maillog *m);

/*
 * Reads what was appended since the last call, at most max_bytes (0: no
 * limit), and calls cb for each complete line in order; an unterminated
 * last line waits for its newline.  At EOF, if path names another file
 * that is not empty, the rest of the old file is handed out (an
 * unterminated last line too: nothing will complete it), then reading
 * goes on at offset 0 of the new one.  If the file shrank or its first
 * bytes changed (copytruncate), reading restarts at offset 0.  Lines over
 * MAILLOG_LINE_MAX are skipped and counted.  Returns the number of lines
 * handed out (0 while the file is missing), or -1 with errno set on an
 * I/O error (the position is kept; call again later).
 */
int maillog_read(
    struct maillog *m, maillog_line_cb cb, void *arg, size_t max_bytes);

/*
 * The position after the last line handed out, e.g.
 * "dev=2049,ino=1835017,off=4096,hlen=64,hash=8c7a1b2d3e4f5061"
 * (printable, under MAILLOG_CURSOR_MAX bytes).  Inside a callback it is
 * the position after that line.  Valid until the next call on m.
 */
const char *maillog_cursor(struct maillog *m);

/* Counters since maillog_open(). */
void maillog_stats(const struct maillog *m, struct maillog_stats *st);

#endif /* FLEET_AGENT_MAILLOG_H */
