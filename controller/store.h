/* SPDX-License-Identifier: ISC */
/*
 * fleetd's persistent state in sqlite: relays, reports (deduplicated by
 * relay + epoch + seq), their queue snapshots, counters, samples and check
 * results.  The only file that knows it is sqlite (DESIGN.md section 7).
 *
 * WAL mode, synchronous=FULL, one writer: a struct store is used by one
 * thread at a time (fleetd's store thread), callers batch many reports in
 * one store_begin()/store_commit() and send Acks only after the commit.
 * The schema carries a version table; store_open() migrates older files
 * forward and refuses newer ones.  Functions return 0, or -1 with the
 * reason in store_errmsg(); they never log.
 */
#ifndef FLEET_CONTROLLER_STORE_H
#define FLEET_CONTROLLER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define STORE_SCHEMA_VERSION 1
#define STORE_WORST_WINDOW                                                     \
	3600 /* s: status shows the worst of the last hour                     \
	      */

struct store;

/* A relay as the configuration declares it. */
struct store_relay {
	const char *name;
	const char *ip;
	const char *hosting;   /* "" if not given */
	const char *agent_key; /* base64 public key */
};

/*
 * Opens (creating if needed) the database at path and migrates it.
 * Returns 0 and sets *sp, or -1 with *errstr pointing to a message that
 * stays valid until the next call (file name included).
 */
int store_open(struct store **sp, const char *path, const char **errstr);

/* Closes; accepts NULL. */
void store_close(struct store *s);

/* The last error message; never NULL. */
const char *store_errmsg(const struct store *s);

/*
 * Makes the relays table match the configuration: inserts new relays,
 * updates ip/hosting/key of known ones, marks relays no longer configured
 * as retired (their history stays).  Runs in its own transaction.
 */
int store_sync_relays(
    struct store *s, const struct store_relay *relays, size_t n);

int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);

/*
 * Inside a transaction: stores report r from relay (a configured name, as
 * proved by the session) received at received_at (unix seconds).  If
 * (relay, r->epoch, r->seq) is stored already, stores nothing and sets
 * *is_dup.  Returns 0, or -1 on a database error (the caller rolls back).
 */
int store_add_report(struct store *s, const char *relay,
    const struct wire_report *r, uint64_t received_at, bool *is_dup);

/*
 * Fills out->relays with one entry per configured (not retired) relay,
 * in name order, with its latest report and queue snapshot, and its worst
 * (provider, class) of failed results in the last STORE_WORST_WINDOW
 * seconds: IP classes first, then by count.  out->ok,
 * error and now are left to the caller.  Caller frees with
 * wire_ctl_reply_fini().
 */
int store_relay_status(struct store *s, struct wire_ctl_reply *out);

/*
 * For tests and fleetctl diagnostics: the number of stored reports of
 * relay, and the highest seq in its latest epoch (0 if none).
 */
int store_report_count(
    struct store *s, const char *relay, uint64_t *count, uint64_t *max_seq);

#endif /* FLEET_CONTROLLER_STORE_H */
