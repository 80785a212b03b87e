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
 * reason in store_errmsg(); they never log.  store.c and store_state.c
 * (the decisions) implement it and share the private store_int.h.
 */
#ifndef FLEET_CONTROLLER_STORE_H
#define FLEET_CONTROLLER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define STORE_SCHEMA_VERSION 3
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
 * Opens (creating if needed) the database at path and migrates it.  The
 * file is created with mode 0600 (its -wal and -shm follow); an existing
 * one that others may read or write is set to 0600 (store_notice() says
 * so), and refused if that fails.  Returns 0 and sets *sp, or -1 with
 * *errstr pointing to a message that stays valid until the next call
 * (file name included).
 */
int store_open(struct store **sp, const char *path, const char **errstr);

/*
 * What store_open() repaired, for the caller to log ("" if nothing):
 * e.g. "PATH: mode was 0644, set to 0600".  Valid until store_close().
 */
const char *store_notice(const struct store *s);

/* Closes; accepts NULL. */
void store_close(struct store *s);

/* The last error message; never NULL. */
const char *store_errmsg(const struct store *s);

/*
 * Whether the last failure was the disk (or the database's size limit)
 * being full.  The store recovers by itself once space returns: the next
 * store_begin() starts afresh.
 */
bool store_is_full(const struct store *s);

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

/* What the store holds of one (relay, epoch, seq); see store_report_seen. */
struct store_seen {
	bool is_stored;   /* (relay, epoch, seq) is stored */
	bool has_epoch;   /* some report of (relay, epoch) is stored */
	uint64_t max_seq; /* the highest seq of (relay, epoch); 0 if none */
};

/*
 * Inside or outside a transaction (inside, it sees the transaction's own
 * inserts): fills *out for relay's report (epoch, seq).  Index lookups
 * only, so fleetd can answer a resend or turn a Report away before
 * storing anything.
 */
int store_report_seen(struct store *s, const char *relay, uint64_t epoch,
    uint64_t seq, struct store_seen *out);

/*
 * Fills out->relays with one entry per configured (not retired) relay,
 * in name order, with its latest report (agent_version, hostname), the
 * relay's agent_key, and queue snapshot, and its worst
 * (provider, class) of failed results in the last STORE_WORST_WINDOW
 * seconds: IP classes first, then by count; `reports` is the relay's
 * counter (kept by inserts and retention, never a count(*)).  out->ok,
 * error and now are left to the caller.  Caller frees with
 * wire_ctl_reply_fini().
 */
int store_relay_status(struct store *s, struct wire_ctl_reply *out);

/* ---- decisions (controller/store_state.c) -------------------------------
 *
 * The policy's state per relay (an opaque JSON text the policy writes and
 * reads), events with up to WIRE_EVENT_SAMPLES_MAX verbatim samples each,
 * maintenance windows and the operators' audit log.  Writers run inside
 * store_begin()/store_commit() like store_add_report(); readers outside.
 */

/*
 * Called per stored relay state; relay and json are borrowed for the
 * call.  A non-zero return stops the walk (store_state_load() returns 0).
 */
typedef int (*store_state_cb)(void *arg, const char *relay, const char *json);

/* Walks the saved state of every configured (not retired) relay. */
int store_state_load(struct store *s, store_state_cb cb, void *arg);

/*
 * Inside a transaction: saves (replaces) relay's state at time now.  An
 * unknown relay fails (foreign key).
 */
int store_state_save(
    struct store *s, const char *relay, const char *json, uint64_t now);

/*
 * Inside a transaction: stores e with its samples and sets e->id (ids
 * grow with every event).
 */
int store_event_add(struct store *s, struct wire_event *e);

/*
 * Fills out->events with the newest `limit` (clamped to
 * 1..WIRE_EVENTS_MAX) events at or after since (unix seconds), of relay
 * ("" or NULL: every relay), oldest first (by at, then id), samples
 * included.  Values a newer fleetd may have written are read bounded:
 * strings cut to their arrays, weight <= 100, unknown enums as
 * CLASS_OTHER / STATUS_UNSPEC.  Caller frees with wire_ctl_reply_fini().
 */
int store_events(struct store *s, const char *relay, uint64_t since,
    uint32_t limit, struct wire_ctl_reply *out);

/*
 * The newest event of relay that moved it into to_state (kind transition
 * or refused, or operator); *found false if none.  Caller frees with
 * wire_event_fini().
 */
int store_event_latest(struct store *s, const char *relay, const char *to_state,
    struct wire_event *out, bool *found);

/*
 * Inside a transaction: saves (inserts or replaces by name) window w.
 * Its relay names are stored separated by spaces, so a name that is
 * empty or has a space is refused, as are more than WIRE_RELAYS_MAX.
 */
int store_window_save(struct store *s, const struct wire_window *w);

/* Called per stored window; w is borrowed for the call. */
typedef int (*store_window_cb)(void *arg, const struct wire_window *w);

/*
 * Walks the windows that end at or after since, oldest start first; a
 * non-zero return of cb stops the walk.  At most WIRE_RELAYS_MAX relays
 * per window; a stored name too long for the array is skipped.
 */
int store_windows_load(
    struct store *s, uint64_t since, store_window_cb cb, void *arg);

/*
 * The newest distinct sample texts of relay at or after since (by
 * last_seen), from provider ("" any) with a class in classes (a bit per
 * enum reason_class; 0 any), at most max, newest first, into out[]
 * (texts malloc'd: the caller frees each).  Per text: provider, class,
 * status, dsn and mx_host of its newest row, the earliest first_seen and
 * latest last_seen of its rows.  Sets *n; on failure out[] holds nothing
 * to free.
 */
int store_samples_recent(struct store *s, const char *relay,
    const char *provider, uint32_t classes, uint64_t since, size_t max,
    struct wire_sample *out, size_t *n);

/*
 * Called per stored counter of a report received at or after since, in
 * the order reports were stored; t is the time its results count at:
 * the report's interval end (0 or none: received_at), clamped to
 * [received_at - 24 h, received_at].  relay and c are borrowed.
 */
typedef void (*store_counter_cb)(
    void *arg, const char *relay, const struct wire_counter *c, uint64_t t);
int store_counters_since(
    struct store *s, uint64_t since, store_counter_cb cb, void *arg);

/*
 * The check results of relay's newest report (by received_at, then id)
 * that carried any, into out->checks (n_checks 0 and NULL if none; caller
 * frees with wire_ctl_reply_fini()).
 */
int store_checks_latest(
    struct store *s, const char *relay, struct wire_ctl_reply *out);

/*
 * Inside a transaction: one line of the operators' audit log.  result is
 * "ok" or the refusal.
 */
int store_audit_add(struct store *s, uint64_t at, const char *operator_name,
    const char *role, const char *op, const char *detail, const char *result);

/*
 * Retention: deletes at most `limit` reports (with their counters,
 * samples, snapshots, checks) received before `before` (each relay's
 * newest report stays), and at most `limit` events and audit lines older
 * than it, in its own transaction (so never inside store_begin()), so a
 * large backlog goes in bounded steps; refuses to run if foreign_keys is
 * off, as the children go by ON DELETE CASCADE, and the relays'
 * counters go down in the same transaction.  Sets *deleted to the
 * reports removed and *more if a limit was reached (call again).
 * Windows and relay states stay.
 */
int store_prune(struct store *s, uint64_t before, size_t limit,
    uint64_t *deleted, bool *more);

/*
 * For tests and fleetctl diagnostics: the number of stored reports of
 * relay (its counter, which inserts and retention keep, as status reads
 * it), and the highest seq in its latest epoch (0 if none).
 */
int store_report_count(
    struct store *s, const char *relay, uint64_t *count, uint64_t *max_seq);

#endif /* FLEET_CONTROLLER_STORE_H */
