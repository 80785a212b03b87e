/* SPDX-License-Identifier: ISC */
/*
 * Small helpers every program uses: allocation that cannot fail (fatal()
 * on out of memory, as OpenSMTPD's xcalloc), bounded string copies,
 * clocks, atomic file writes and duration parsing.
 */
#ifndef FLEET_COMMON_UTIL_H
#define FLEET_COMMON_UTIL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);

/* strlcpy semantics: returns strlen(src); truncates to dstsize - 1. */
size_t util_strlcpy(char *dst, const char *src, size_t dstsize);

uint64_t util_now_ms(void); /* CLOCK_MONOTONIC, milliseconds */

#define UTIL_CANCEL_MS 100 /* how often a wait looks at its cancel flag */

/*
 * For a poll() loop that ends at deadline (util_now_ms() time) or when
 * *cancel (NULL: never) is set: the timeout of the next poll(), at most
 * UTIL_CANCEL_MS when there is a flag to watch; -1 if the loop is over.
 */
int util_poll_timeout(uint64_t deadline, const atomic_bool *cancel);
uint64_t util_wall_s(void);  /* CLOCK_REALTIME, unix seconds */
uint64_t util_wall_ns(void); /* CLOCK_REALTIME, nanoseconds */

/*
 * Parses a duration: a number with an optional unit ms, s, m, h, d
 * (seconds if none), into milliseconds within [min_ms, max_ms].  Returns 0,
 * or -1 with *errstr set.
 */
int util_parse_duration(const char *s, uint64_t min_ms, uint64_t max_ms,
    uint64_t *ms, const char **errstr);

/*
 * Parses an unsigned decimal within [min, max].  Returns 0 or -1 with
 * *errstr set ("invalid", "too small", "too large").
 */
int util_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out,
    const char **errstr);

/*
 * Writes len bytes to path atomically: a new temporary file in the same
 * directory (path.tmp.XXXXXX, created O_EXCL: no link is followed),
 * fsync, rename, fsync of the directory.  mode is applied to the new
 * file.  Returns 0, or -1 with errno set: then path holds the old or the
 * new content, and if the directory's fsync failed, the new (not yet
 * durable).
 */
int util_write_file_atomic(
    const char *path, const void *buf, size_t len, unsigned mode);

/*
 * Reads a whole regular file of at most max bytes into a malloc'd buffer
 * (NUL-terminated; *len excludes the NUL).  Returns 0 or -1 with errno set
 * (EFBIG if larger than max).
 */
int util_read_file(const char *path, size_t max, char **buf, size_t *len);

/*
 * Runs the program at path with argv (NULL-terminated), a clean
 * environment (PATH, LC_ALL=C), stdin from /dev/null, stdout and stderr
 * on the given descriptors, an empty signal mask and default dispositions
 * (the daemons block every signal; their children must not inherit that).
 * No shell.  Returns the child's pid, or -1 with errno set.
 */
int util_spawn(const char *path, const char *const argv[], int out, int err);

/*
 * As util_spawn(), with the entries of env (NULL-terminated, "NAME=value",
 * borrowed) after PATH and LC_ALL, and the child leading a process group
 * of its own, so that kill(-pid, sig) reaches whatever it started.
 * Returns the child's pid, or -1 with errno set.
 */
int util_spawn_env(const char *path, const char *const argv[],
    const char *const env[], int out, int err);

/*
 * Waits for pid (a child leading its own process group, as util_spawn_env
 * starts it) until deadline (util_now_ms() time), on a pidfd where the
 * kernel has pidfd_open() and polling waitpid() every 10 ms where it has
 * not.  Returns 0 with *status set; 1 if it was still running at the
 * deadline, and was killed with its process group (SIGKILL) and reaped;
 * -1 with errno set if it cannot be waited for (not our child).
 */
int util_wait_child(pid_t pid, uint64_t deadline, int *status);

/*
 * Blocks every signal except the synchronous ones (SEGV, BUS, FPE, ILL,
 * ABRT) in the calling thread; threads started later inherit the mask.
 * The daemons call it first thing, then take signals with sigwait().
 */
void util_block_signals(void);

/* Waits for SIGTERM, SIGINT or SIGHUP (all blocked); returns which. */
int util_wait_signal(void);

#endif /* FLEET_COMMON_UTIL_H */
