/* SPDX-License-Identifier: ISC */
/*
 * The notify hook: `notify_command` of [policy] runs once per event
 * (transition, alert, refusal, operator action) with the event in its
 * environment: FLEET_EVENT (kind), FLEET_EVENT_ID, FLEET_AT, FLEET_RELAY,
 * FLEET_FROM, FLEET_TO, FLEET_RULE, FLEET_PROVIDER, FLEET_REASON,
 * FLEET_UNTIL (unix seconds, 0 open-ended), FLEET_INTENT, FLEET_WEIGHT,
 * FLEET_OPERATOR, plus PATH and LC_ALL=C.  No shell, no arguments, stdin
 * from /dev/null, output to fleetd's stderr.
 *
 * A thread of its own runs the commands one at a time from a bounded
 * queue, so the core never waits: notify_post() copies the event and
 * returns at once (a full queue drops the event and counts it).  A
 * command that runs past its timeout is killed (SIGKILL) and counted;
 * a non-zero exit is logged and counted.
 */
#ifndef FLEET_CONTROLLER_NOTIFY_H
#define FLEET_CONTROLLER_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define NOTIFY_QUEUE_MAX 1024 /* events waiting to run */
#define NOTIFY_STOP_MS   5000 /* at stop, queued events run this long */

struct notify;

struct notify_stats {
	uint64_t posted;    /* accepted into the queue */
	uint64_t ok;        /* ran and exited 0 */
	uint64_t failed;    /* could not start, or exited non-zero */
	uint64_t timed_out; /* killed at the timeout */
	uint64_t dropped;   /* the queue was full */
};

/*
 * Starts the thread for command (an absolute path; "" gives a notify that
 * accepts and ignores every event, without a thread).  Returns 0 and sets
 * *np, or -1 with err set.
 */
int notify_start(struct notify **np, const char *command, uint64_t timeout_ms,
    char *err, size_t errlen);

/* Queues e (copied; samples are not passed on).  Never blocks. */
void notify_post(struct notify *n, const struct wire_event *e);

/*
 * Runs what is queued for up to NOTIFY_STOP_MS (the command running then
 * is still bounded by its timeout; the rest is dropped and logged), then
 * stops the thread and frees n.  Accepts NULL.
 */
void notify_stop(struct notify *n);

void notify_get_stats(struct notify *n, struct notify_stats *st);

#endif /* FLEET_CONTROLLER_NOTIFY_H */
