/* SPDX-License-Identifier: ISC */
/*
 * fleetd's store thread and the two request handlers that feed it.
 *
 * The handlers run on nng threads: they decode the request (untrusted:
 * wire_*_decode checks every field), look the sender up from the session
 * (allowlist index -> relay or operator) and queue a job.  The store
 * thread, the only user of the sqlite store, takes every queued job in one
 * batch, stores all Reports of the batch in one transaction and answers
 * each call only after the commit: an Ack means the Report is on disk.
 * Control requests run on the same thread, after the batch's commit, so
 * they see what was just acked.
 */
#ifndef FLEET_CONTROLLER_INGEST_H
#define FLEET_CONTROLLER_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "chan_nng.h"
#include "config.h"
#include "store.h"

#define INGEST_BATCH_MAX 256 /* jobs per transaction */

struct ingest;

struct ingest_stats {
	uint64_t reports;    /* stored */
	uint64_t duplicates; /* acked again, not stored again */
	uint64_t bad;        /* refused by the decoder */
	uint64_t store_errors;
	uint64_t ctl; /* control requests */
};

/*
 * Starts the store thread.  conf and st are borrowed and must outlive the
 * ingest; st is used only by the store thread from now on.
 */
int ingest_start(struct ingest **ip, const struct fleetd_config *conf,
    struct store *st, char *err, size_t errlen);

/*
 * Stops the thread after it answered every queued job; calls arriving
 * afterwards are left unanswered (stop the listeners next).  Accepts NULL.
 */
void ingest_stop(struct ingest *in);

/* chan_handler_cb for the agent endpoint (peer = relay index). */
void ingest_agent_cb(void *arg, struct chan_call *call, size_t peer,
    const uint8_t *payload, size_t len);

/* chan_handler_cb for the control endpoint (peer = operator index). */
void ingest_ctl_cb(void *arg, struct chan_call *call, size_t peer,
    const uint8_t *payload, size_t len);

void ingest_get_stats(struct ingest *in, struct ingest_stats *st);

#endif /* FLEET_CONTROLLER_INGEST_H */
