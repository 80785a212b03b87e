/* SPDX-License-Identifier: ISC */
/*
 * fleetctl's requests, executed on fleetd's store thread.  The operator
 * (and so the role) comes from the Noise session, never from the request.
 */
#ifndef FLEET_CONTROLLER_CTL_H
#define FLEET_CONTROLLER_CTL_H

#include "config.h"
#include "store.h"
#include "wire.h"

/*
 * Executes req for operator op into *rep (rep->ok and rep->error say how
 * it went; caller frees with wire_ctl_reply_fini()).  Never fails as a
 * whole: every problem is an error reply.
 */
void ctl_execute(struct store *st, const struct fleetd_config *conf,
    const struct fleetd_operator *op, const struct wire_ctl_request *req,
    struct wire_ctl_reply *rep);

#endif /* FLEET_CONTROLLER_CTL_H */
