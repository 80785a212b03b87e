/* SPDX-License-Identifier: ISC */
/*
 * The load balancer reconciler (docs/lb.md).  The core publishes the
 * desired intent of every relay (lb_publish(), after the decision is on
 * disk); one thread per [lb NAME] section applies each change as it comes,
 * reads back what the load balancer really has, goes over everything
 * again every `resync` and at start, retries a failed round with backoff
 * (1 s, 2 s, 4 s ... up to `resync`), and hands the result of every round
 * to the core through a callback.  Nothing here touches the store or
 * blocks the core: a slow socket costs its own thread only.
 *
 * The reconciler is a second line of defence behind the policy's capacity
 * floor: it never applies a set of intents that leaves fewer than
 * min_active relays taking mail because of automatic drains; such drains
 * are held back (the relay stays in at half its weight) and reported.
 * An operator's cordon or window is applied as asked (the core checked
 * it, or the operator forced it, audited).
 *
 * Fail-static: stopping fleetd changes nothing on the load balancers, and
 * an unreachable one keeps what it had until it answers again.
 */
#ifndef FLEET_CONTROLLER_LB_H
#define FLEET_CONTROLLER_LB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "policy.h"

#define LB_TARGET_MAX 130 /* "backend/server", or a relay name */
#define LB_ERROR_MAX  240 /* one line, no control characters */

/* What fleetd wants for one relay. */
struct lb_want {
	enum policy_intent intent;
	uint32_t weight; /* percent, 0..100; used with intent ready */
	bool operator;   /* an operator's cordon or window: never held */
	uint64_t since;  /* entered its state (unix s): the floor holds the
	                    most recent automatic drains back first */
};

/* One relay after a round on one load balancer. */
struct lb_relay_result {
	bool in_sync; /* every target of the relay has the effective want */
	bool known;   /* intent and weight below were read back (or written) */
	enum policy_intent intent;  /* what the LB has: the first target off */
	uint32_t weight;            /* percent */
	char target[LB_TARGET_MAX]; /* that target; "" when in sync */
	char error[LB_ERROR_MAX];   /* this round's failure; "" none */
	bool drift; /* changed behind fleetd's back since it last confirmed */
	bool held;  /* the floor held an automatic drain back */
	bool has_targets; /* the relay is on this LB at all */
};

/* One round on one load balancer. */
struct lb_result {
	size_t lb;                /* index in conf->lbs */
	uint64_t at;              /* wall clock, unix seconds */
	uint64_t elapsed_ms;      /* the round's duration */
	bool reached;             /* the LB answered (its state was read) */
	char error[LB_ERROR_MAX]; /* LB-wide failure; "" */
	uint32_t applied;         /* changes applied and verified */
	uint32_t failed;          /* relays whose change failed */
	size_t nrelays;
	struct lb_relay_result *relays; /* owned; conf->nrelays entries */
};

/* Called on an lb thread; takes ownership of r (lb_result_free()). */
typedef void (*lb_result_fn)(void *arg, struct lb_result *r);

void lb_result_free(struct lb_result *r);

/* What the core keeps of each load balancer, for fleetctl lb and status. */
struct lb_status {
	/* unix s; success: the LB answered and the round ran to its end
	 * (a relay's own failure shows on that relay, not here) */
	uint64_t last_attempt_at, last_success_at, last_error_at;
	char last_error[LB_ERROR_MAX];
	uint64_t rounds, failures, drift, applied; /* since fleetd started */
	uint32_t out_of_sync, held;     /* relays, after the last round */
	struct lb_relay_result *relays; /* the last round's; NULL before */
};

struct lb;

/*
 * Builds a driver for every conf->lbs[] and starts their threads, which
 * wait for the first lb_publish().  conf must outlive the reconciler.
 * With no [lb] section it starts nothing and lb_publish() does nothing.
 * Returns 0, or -1 with err set (a driver that cannot be built).
 */
int lb_start(struct lb **lp, const struct fleetd_config *conf, lb_result_fn fn,
    void *arg, char *err, size_t errlen);

/*
 * The desired intents, conf->nrelays entries, copied, and the capacity
 * floor (policy_min_active()).  A set equal to the last one published
 * wakes nobody.  Any thread; never blocks for long.
 */
void lb_publish(struct lb *l, const struct lb_want *wants, size_t floor);

/*
 * Stops the threads and frees l: a round in progress stops before its
 * next change (a hook already running finishes, within its timeout).
 */
void lb_stop(struct lb *l);

/*
 * The floor's second line, pure: copies wants[0..n) to out[], except that
 * while fewer than `floor` relays would take mail (intent ready, weight
 * > 0), automatic drains (intent drain or maint, not operator) are held
 * back, the most recent first (the highest since; ties: the highest
 * index): a held relay is ready at 50%, and held[i] is set (else
 * cleared).  Returns how many were held.
 */
size_t lb_floor_plan(const struct lb_want *wants, size_t n, size_t floor,
    struct lb_want *out, bool *held);

#endif /* FLEET_CONTROLLER_LB_H */
