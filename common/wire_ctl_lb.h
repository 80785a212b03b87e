/* SPDX-License-Identifier: ISC */
/*
 * The load balancer parts of the control messages, for wire_ctl.c:
 * RelayStatus.lb (struct wire_lb_applied: what an lb has for a relay
 * where it differs from the intent) and CtlReply.lbs (struct
 * wire_lb_status, the `fleetctl lb` rows).  Internal to common/wire*.c,
 * like wire_pb.h.  No state, no logging; any thread.
 */
#ifndef FLEET_COMMON_WIRE_CTL_LB_H
#define FLEET_COMMON_WIRE_CTL_LB_H

#include <stddef.h>

#include "fleet.pb-c.h"
#include "wire.h"
#include "wire_pb.h"

/*
 * p->lb into s->lb: refuses more than WIRE_LBS_MAX entries before
 * allocating, then sets s->n_lb next to the zeroed array (freed by
 * wire_ctl_reply_fini(), also after a failure).  Lengths only; the
 * formats are wire_validate_ctl_reply_lb()'s.  Returns 0, or -1 with
 * *errstr set.
 */
int wire_lb_applied_from_pb(struct wire_relay_status *s,
    const Fleet__RelayStatus *p, const char **errstr);

/* One LbStatus into *l (no allocation).  Returns 0, or -1 with *errstr. */
int wire_lb_status_from_pb(
    struct wire_lb_status *l, const Fleet__LbStatus *p, const char **errstr);

/* Ours -> generated structs, pointing into the borrowed source and a. */
void wire_lb_applied_to_pb(Fleet__RelayStatus *v,
    const struct wire_relay_status *s, struct wire_arena *a);
void wire_lbs_to_pb(
    Fleet__CtlReply *p, const struct wire_ctl_reply *c, struct wire_arena *a);

/*
 * The rules of the lb fields of c (every relay's lb[] and c->lbs[]), run
 * by the encoder and the decoder after wire_validate_ctl_reply(): counts
 * at most WIRE_LBS_MAX and matching their arrays; lb names as
 * cfg_name_ok(); intent and driver [a-z_] (may be ""); targets, errors
 * and last_error text (wire_text_ok); weight <= 100.  Returns 0, or -1
 * with *errstr naming the field.
 */
int wire_validate_ctl_reply_lb(
    const struct wire_ctl_reply *c, const char **errstr);

#endif /* FLEET_COMMON_WIRE_CTL_LB_H */
