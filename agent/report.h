/* SPDX-License-Identifier: ISC */
/*
 * The agent's worker: every queue_interval it scans the queue, every
 * report_interval it cuts a Report into the spool, and it sends spooled
 * Reports to fleetd oldest first, removing each when its Ack arrives.
 * While fleetd is unreachable it retries with backoff (report_interval
 * doubling up to 30 s).  One thread, started and stopped from main.
 */
#ifndef FLEET_AGENT_REPORT_H
#define FLEET_AGENT_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "wire.h"

struct report_loop;

/* The worker's schedule: what fleetd's commands change. */
struct report_sched {
	uint64_t report_ms, queue_ms;    /* intervals */
	uint64_t next_queue, next_check; /* monotonic ms */
};

/*
 * Applies a command from an Ack at now (monotonic ms): new intervals
 * (values under 100 ms are ignored), or the self checks at once.
 */
void report_sched_command(
    struct report_sched *s, const struct wire_command *c, uint64_t now);

/*
 * Opens the spool and the connection and starts the worker thread.  conf
 * is borrowed and must outlive the loop; priv is copied.  Returns 0, or
 * -1 with err set.
 */
int report_loop_start(struct report_loop **lp, const struct agent_config *conf,
    const uint8_t *priv, char *err, size_t errlen);

/* Stops the thread (waits for a send in flight) and frees; accepts NULL. */
void report_loop_stop(struct report_loop *l);

#endif /* FLEET_AGENT_REPORT_H */
