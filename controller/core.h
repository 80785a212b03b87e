/* SPDX-License-Identifier: ISC */
/*
 * fleetd's core: the one thread that owns the store, the health windows
 * and the policy.  ingest (the nng side) decodes requests and hands each
 * to the core as a job with core_submit(); the core takes every queued job
 * in one batch:
 *
 *   1. stores the batch's Reports in one transaction and, once it is
 *      committed, acks them (an Ack means the Report is on disk).  A
 *      resend of a stored Report is acked as a duplicate without cost;
 *      a new one must pass the relay's limits first (docs/protocol.md,
 *      "Report limits"), else it is answered with an error: temporary
 *      (over the rate: the agent keeps it and retries) or for good;
 *      while the store fails (a full disk) every Report gets a temporary
 *      error and nothing is acked;
 *   2. feeds the new (not duplicate) Reports to health and policy;
 *   3. runs the batch's control requests;
 *   4. commits every event, relay state, window and audit line those
 *      produced in a second transaction, then answers the control requests
 *      and only then acts on them: the notify hook, and the intents
 *      published to the load balancer reconciler (lb.h), whose rounds
 *      come back as jobs too (CORE_LB) and become status and events.
 *
 * It also wakes at least every `tick` for time-driven decisions (holds,
 * ramp steps, windows, silent agents) and hourly for retention.  Decisions
 * use the wall clock (unix seconds); a restart rebuilds health and policy
 * from the store and fires nothing again.
 *
 * Stopping: core_detach() (no answer is sent after it returns), then stop
 * the listeners (their calls are freed), then core_stop().
 */
#ifndef FLEET_CONTROLLER_CORE_H
#define FLEET_CONTROLLER_CORE_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chan_nng.h"
#include "config.h"
#include "lb.h"
#include "store.h"
#include "wire.h"

#define CORE_BATCH_MAX 256 /* jobs per transaction */

enum core_job_kind {
	CORE_REPORT,
	CORE_CTL,
	CORE_LB, /* a load balancer's round (lb.h): no call to answer */
};

/* Why a Report was turned away (core_limits.c). */
enum core_limit {
	CORE_LIMIT_NONE,
	CORE_LIMIT_RATE,   /* over report_rate: try again later */
	CORE_LIMIT_EPOCHS, /* too many new epochs this hour: later */
	CORE_LIMIT_BYTES,  /* samples' text over max_report_bytes: for good */
	CORE_LIMIT_SEQ_AHEAD, /* seq beyond last + max_seq_ahead: for good */
};

/* A decoded request and the call to answer; the core takes ownership. */
struct core_job {
	STAILQ_ENTRY(core_job) entry;
	enum core_job_kind kind;
	struct chan_call *call;
	size_t peer; /* relay index (reports) or operator index (ctl) */
	struct wire_report report;
	struct wire_ctl_request ctl;
	struct lb_result *lb; /* owned */
	bool is_dup;
	enum core_limit limit;               /* set by the core */
	char limit_why[WIRE_DETAIL_MAX + 1]; /* the error it answers */
};

struct core_stats {
	uint64_t reports;       /* stored */
	uint64_t duplicates;    /* acked again, not stored again */
	uint64_t rate_limited;  /* over report_rate, told to retry */
	uint64_t epoch_limited; /* too many new epochs, told to retry */
	uint64_t too_large;     /* samples over max_report_bytes: refused */
	uint64_t seq_ahead;     /* seq too far ahead: refused */
	uint64_t store_errors;
	uint64_t store_full; /* of store_errors: the disk was full */
	uint64_t ctl;        /* control requests */
	uint64_t ctl_denied; /* refused for the operator's role */
	uint64_t events;     /* committed */
	uint64_t pruned;     /* reports removed by retention */
	uint64_t lb_rounds;  /* load balancer rounds taken */
	uint64_t lb_failures;
	uint64_t lb_drift; /* relays found changed behind fleetd's back */
};

struct core;

/*
 * Restores health, relay states and windows from st, then starts the
 * thread.  conf and st are borrowed and must outlive the core; st is used
 * only by the core thread from now on.  Returns 0, or -1 with err set.
 */
int core_start(struct core **cp, const struct fleetd_config *conf,
    struct store *st, char *err, size_t errlen);

/* Queues j (takes ownership).  Never blocks for long; any thread. */
void core_submit(struct core *c, struct core_job *j);

/*
 * From now on no call is answered (jobs are dropped; peers retry).
 * Returns once no answer is in progress.
 */
void core_detach(struct core *c);

/*
 * Finishes the batch in progress, commits what it decided, stops the
 * thread and frees c; queued jobs are dropped unanswered.  Accepts NULL.
 */
void core_stop(struct core *c);

void core_get_stats(struct core *c, struct core_stats *st);

/* Frees a job (and what it owns) without answering it. */
void core_job_free(struct core_job *j);

/* Encode and send an answer; an encoding failure sends an error reply. */
void core_reply_agent(struct chan_call *call, const struct wire_agent_reply *a);
void core_reply_ctl(struct chan_call *call, const struct wire_ctl_reply *c);

#endif /* FLEET_CONTROLLER_CORE_H */
