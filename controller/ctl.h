/* SPDX-License-Identifier: ISC */
/*
 * fleetctl's requests, executed on fleetd's core thread.  The operator
 * (and so the role) comes from the Noise session, never from the request;
 * roles deny by default: only `admin` may run the verbs that change state
 * (drain, enable, maint add, maint cancel).
 */
#ifndef FLEET_CONTROLLER_CTL_H
#define FLEET_CONTROLLER_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "health.h"
#include "lb.h"
#include "policy.h"
#include "store.h"
#include "wire.h"

/* What a request runs against; all borrowed from the core. */
struct ctl_ctx {
	struct store *st;
	const struct fleetd_config *conf;
	struct policy *policy;
	const struct health *health;
	uint64_t now;                /* unix seconds */
	struct policy_out *out;      /* events the verbs decide */
	const struct lb_status *lbs; /* conf->nlbs entries; NULL: none yet */
	bool windows_changed;        /* a window was added or cancelled */
};

/* True for the ops that change state (audited, admin only). */
bool ctl_op_mutates(enum wire_ctl_op op);

const char *ctl_op_name(enum wire_ctl_op op);

/*
 * Keeps the events of rep (oldest first) under about `budget` encoded
 * bytes: the verbatim samples of the oldest events go first, then the
 * oldest events themselves; the newest are kept whole.
 */
void ctl_trim_events(struct wire_ctl_reply *rep, size_t budget);

/*
 * Executes req for operator op into *rep (rep->ok and rep->error say how
 * it went; caller frees with wire_ctl_reply_fini()).  Never fails as a
 * whole: every problem is an error reply.  Returns false if the operator's
 * role refused the request (nothing was done).
 */
bool ctl_execute(struct ctl_ctx *c, const struct fleetd_operator *op,
    const struct wire_ctl_request *req, struct wire_ctl_reply *rep);

#endif /* FLEET_CONTROLLER_CTL_H */
