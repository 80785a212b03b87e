/* SPDX-License-Identifier: ISC */
/*
 * Private to controller/core*.c: what core.c hands to its two helpers,
 * the limits a Report must pass before it is stored (core_limits.c) and
 * the rebuild of health and policy from the store at start
 * (core_restore.c).  Both run on the core thread only (the restore
 * before it starts), so nothing here locks.
 */
#ifndef FLEET_CONTROLLER_CORE_INT_H
#define FLEET_CONTROLLER_CORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "core.h"
#include "health.h"
#include "policy.h"
#include "store.h"

/*
 * New epochs (an agent whose state was reset starts one) a relay may
 * open per hour, and in a burst: an honest agent opens one per reset.
 */
#define CORE_EPOCHS_PER_HOUR 10
#define CORE_LIMITS_WARN_MS  60000 /* one warning per relay and limit */

struct core_limits;

/*
 * Limits of nrelays relays from l (borrowed: must outlive them), every
 * bucket full at now_ms (CLOCK_MONOTONIC).
 */
struct core_limits *core_limits_new(
    const struct fleetd_limits *l, size_t nrelays, uint64_t now_ms);

/* Accepts NULL. */
void core_limits_free(struct core_limits *cl);

/*
 * Decides on report r of relay (an index) that the store does not hold
 * (seen from store_report_seen()) at now_ms: CORE_LIMIT_NONE takes a
 * token (and an epoch token for an epoch the store does not know) and
 * lets it be stored; otherwise why (whylen bytes) gets the error text
 * for the agent and no token is taken.  Pure but for the buckets.
 */
enum core_limit core_limits_check(struct core_limits *cl, size_t relay,
    const struct wire_report *r, const struct store_seen *seen, uint64_t now_ms,
    char *why, size_t whylen);

/*
 * Inside the batch's transaction, for report job j of relay `name`
 * (index j->peer): sets j->is_dup for a stored one (free), else
 * j->limit and j->limit_why from core_limits_check(), and logs a
 * Report turned away, once per CORE_LIMITS_WARN_MS per relay and limit.
 * Returns 0, or -1 on a store error (the caller rolls back).
 */
int core_limits_admit(struct core_limits *cl, struct store *st,
    const char *name, struct core_job *j, uint64_t now_ms);

/* Whether a Report turned away for l must never be sent again. */
bool core_limit_is_final(enum core_limit l);

/*
 * The answer to report job j once its batch's transaction is over:
 * committed (stored) or not, is_full if the store failed for a full
 * disk.  Uncommitted, every Report gets a temporary error (a refusal
 * decided inside the failed transaction waits for the retry); else an
 * Ack, a duplicate's Ack, or j's refusal.
 */
void core_limits_answer(const struct core_job *j, bool stored, bool is_full,
    struct wire_agent_reply *a);

/*
 * Rebuilds health from the last day's counters, and the policy's relay
 * states and windows, from st; relays[] are the policy's (nrelays).
 * Returns 0, or -1 with err set.
 */
int core_restore(struct store *st, struct health *h, struct policy *p,
    const struct policy_relay_conf *relays, size_t nrelays, uint64_t now,
    char *err, size_t errlen);

#endif /* FLEET_CONTROLLER_CORE_INT_H */
