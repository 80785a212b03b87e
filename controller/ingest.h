/* SPDX-License-Identifier: ISC */
/*
 * fleetd's two request handlers, on nng threads: they decode the request
 * (untrusted: wire_*_decode checks every field), take the sender from the
 * session (allowlist index -> relay or operator) and hand a job to the
 * core (core.h), which answers it.  A request that does not decode is
 * answered here at once with an error and counted.
 */
#ifndef FLEET_CONTROLLER_INGEST_H
#define FLEET_CONTROLLER_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "chan_nng.h"
#include "config.h"
#include "core.h"

struct ingest;

struct ingest_stats {
	uint64_t bad_reports;  /* refused by the decoder */
	uint64_t bad_requests; /* control requests refused by the decoder */
};

/* conf and core are borrowed and must outlive the ingest. */
struct ingest *ingest_new(const struct fleetd_config *conf, struct core *core);

/* Accepts NULL.  Only after the listeners that use it have stopped. */
void ingest_free(struct ingest *in);

/* chan_handler_cb for the agent endpoint (peer = relay index). */
void ingest_agent_cb(void *arg, struct chan_call *call, size_t peer,
    const uint8_t *payload, size_t len);

/* chan_handler_cb for the control endpoint (peer = operator index). */
void ingest_ctl_cb(void *arg, struct chan_call *call, size_t peer,
    const uint8_t *payload, size_t len);

void ingest_get_stats(struct ingest *in, struct ingest_stats *st);

#endif /* FLEET_CONTROLLER_INGEST_H */
