/* SPDX-License-Identifier: ISC */
/*
 * What the core keeps of the load balancers: the status of each (for
 * fleetctl lb and status) and the events their rounds give, on the core
 * thread only.  Events (kind "lb", rule "lb:NAME") are written when
 * something changes, never once per round:
 *
 *   - a load balancer becomes unreachable, or its error text changes, and
 *     when it answers again (relay "");
 *   - a relay's change fails there, or fails with a new text;
 *   - drift: a relay found changed behind fleetd's back (a reload, a hand
 *     edit, an agent-check), at most once per LB_TRACK_DRIFT_S per relay
 *     and load balancer (the counter counts each);
 *   - the floor holds a relay's drain back, and lets it go.
 */
#ifndef FLEET_CONTROLLER_LB_TRACK_H
#define FLEET_CONTROLLER_LB_TRACK_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "lb.h"
#include "policy.h"
#include "wire.h"

#define LB_TRACK_DRIFT_S 600

struct lb_track;

struct lb_track *lb_track_new(const struct fleetd_config *conf);
void lb_track_free(struct lb_track *t); /* accepts NULL */

/* A new zeroed event, owned by the caller's pending list. */
typedef struct wire_event *(*lb_track_event_fn)(void *arg);

/*
 * Takes one round's result r (freed here): updates that load balancer's
 * status and appends events through ev(arg) for what changed.  p gives
 * the relays' states and intents for the events.
 */
void lb_track_take(struct lb_track *t, struct lb_result *r,
    const struct policy *p, uint64_t now, lb_track_event_fn ev, void *arg);

/* conf->nlbs entries, for ctl (struct ctl_ctx lbs). */
const struct lb_status *lb_track_status(const struct lb_track *t);

/* Totals over every load balancer since start. */
void lb_track_totals(const struct lb_track *t, uint64_t *rounds,
    uint64_t *failures, uint64_t *drift);

/*
 * The intents to publish: one per relay of p, into wants[] (policy
 * nrelays entries).  A cordon or a window is the operator's.
 */
void lb_track_wants(const struct policy *p, struct lb_want *wants);

#endif /* FLEET_CONTROLLER_LB_TRACK_H */
