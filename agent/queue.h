/* SPDX-License-Identifier: ISC */
/*
 * The queue scan: runs `postqueue [-c DIR] -j` with posix_spawn (fixed
 * argv, clean environment, no shell) and streams its output, one JSON
 * object per line, into counts per queue and the age of the oldest
 * deferred message.  Memory stays flat whatever the queue length: one
 * line buffer, capped at QUEUE_LINE_MAX.  Runs on the agent's worker
 * thread and may block up to the scan timeout.
 */
#ifndef FLEET_AGENT_QUEUE_H
#define FLEET_AGENT_QUEUE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define QUEUE_LINE_MAX (1024 * 1024) /* bytes; longer lines are skipped */

struct classify;

struct queue_scan {
	struct wire_queue snap;  /* counts; snap.by when rules is set */
	struct classify *rules;  /* NULL: no deferred_by; borrowed */
	uint64_t now;            /* unix seconds, for ages */
	uint64_t oldest_arrival; /* 0 = no deferred message yet */
	uint64_t lines;
	uint64_t bad_lines;  /* not JSON, or no known queue_name */
	uint64_t long_lines; /* over QUEUE_LINE_MAX, skipped */
};

/*
 * Starts a scan at wall-clock time now (unix seconds).  With rules, each
 * deferred recipient is counted in snap.by under the provider of its
 * domain (or of the host its delay_reason names) and the class of its
 * delay_reason.  The caller frees snap.by with wire_queue_fini().
 */
void queue_scan_init(
    struct queue_scan *qs, uint64_t now, struct classify *rules);

/*
 * Counts one line of `postqueue -j` output (without its newline; it need
 * not be NUL-terminated).  Untrusted: a bad line is counted in bad_lines
 * and otherwise ignored.
 */
void queue_scan_line(struct queue_scan *qs, const char *line, size_t len);

/* Finishes the scan: fills snap.oldest_deferred_age and snap.valid. */
void queue_scan_finish(struct queue_scan *qs);

/*
 * Runs postqueue (the program at path, with -c config_dir unless it is
 * "") and scans its output within timeout_ms, or until *cancel (NULL:
 * none) is set: a stopping agent does not wait for a large queue.  On
 * success fills *qs and returns 0.  On failure returns -1 with
 * qs->snap.valid false and qs->snap.error saying why (exit status and
 * postqueue's first line of stderr, the timeout or the cancel).
 */
int queue_run(struct queue_scan *qs, const char *path, const char *config_dir,
    unsigned timeout_ms, struct classify *rules, const atomic_bool *cancel);

#endif /* FLEET_AGENT_QUEUE_H */
