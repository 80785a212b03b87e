/* SPDX-License-Identifier: ISC */
/*
 * fleetd's decisions: named rules over health windows, relay states, the
 * capacity floor, maintenance windows and operator verbs (docs/policy.md).
 *
 * A pure state machine: every entry point takes `now` (unix seconds) from
 * the caller and appends what it decided to a struct policy_out; nothing
 * here reads a clock, the store or the network, so tests drive it on
 * simulated time.  fleetd's core thread owns it, persists every relay the
 * policy marks dirty (policy_relay_to_json) together with the events,
 * and only then acts on them.
 *
 * Rules are edge-triggered: a rule fires only when a Report brings a new
 * result (or failing check) it matches, and the count in its window,
 * including that result, reaches its threshold.  So a restart, a
 * duplicate Report or a tick never fires a rule again on old results.
 * Time-driven changes (holds ending, ramp steps, windows starting and
 * ending, silent agents, the sustained deferred queue) happen in
 * policy_tick().
 */
#ifndef FLEET_CONTROLLER_POLICY_H
#define FLEET_CONTROLLER_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "health.h"
#include "reason.h"
#include "wire.h"

#define POLICY_NAME_MAX       63
#define POLICY_RULES_MAX      32
#define POLICY_PROVIDERS_MAX  16
#define POLICY_CHECKS_MAX     8
#define POLICY_RAMP_MAX       8
#define POLICY_MARKS_MAX      16 /* blocks and suspicions kept per relay */
#define POLICY_CMD_MAX        180
#define POLICY_REBLOCK_S      (24 * 3600)   /* a block within this doubles */
#define POLICY_FIRES_MAX      8             /* firings of one rule per Report */
#define POLICY_WINDOW_MAX_S   (30 * 86400)  /* the longest window */
#define POLICY_WINDOW_AHEAD_S (366 * 86400) /* how far ahead one may end */
#define POLICY_CORDON_MAX_S   (366 * 86400) /* drain --for */

enum policy_action {
	POLICY_ACT_BLOCK,   /* drained for one provider, with a hold */
	POLICY_ACT_DRAIN,   /* drained relay-wide, with a hold */
	POLICY_ACT_SUSPECT, /* stays in service, alerting, for the hold */
};

/*
 * One named rule ([rule NAME] in fleetd.conf).  It matches new results of
 * any class in `classes` (a bit per enum reason_class, never
 * CLASS_DELIVERED) from a provider in `providers` (none: any), and failing
 * self checks named in `checks` ("dnsbl" matches every "dnsbl:ZONE").  It
 * fires when the results of those classes from that provider within
 * window_s reach `count`; with min_providers > 1, when that many distinct
 * providers gave such results (and, with no_delivery, nothing was
 * delivered to any provider) in the window; a failing check fires at
 * once.  queue_deferred rules instead fire when the relay's deferred
 * queue stayed above `count` for window_s.
 */
struct policy_rule {
	char name[POLICY_NAME_MAX + 1];
	uint32_t classes; /* 1u << CLASS_x */
	size_t nchecks;
	char checks[POLICY_CHECKS_MAX][POLICY_NAME_MAX + 1];
	bool queue_deferred;
	bool drain_providers; /* providers = [policy] drain_providers */
	size_t nproviders;
	char providers[POLICY_PROVIDERS_MAX][WIRE_PROVIDER_MAX + 1];
	uint32_t count;         /* >= 1 */
	uint64_t window_s;      /* 1 .. HEALTH_SPAN_MAX */
	uint32_t min_providers; /* 0 or 1: per provider */
	bool no_delivery;
	enum policy_action action;
	uint64_t hold_s; /* >= 1 */
};

/* [policy] of fleetd.conf; policy_conf_defaults() gives every default. */
struct policy_conf {
	size_t ndrain;
	char drain_providers[POLICY_PROVIDERS_MAX][WIRE_PROVIDER_MAX + 1];
	uint32_t min_active; /* a count, or a percentage if min_active_pct */
	bool min_active_pct; /* rounded up: 50% of 7 relays is 4 */
	uint32_t max_maintenance;
	uint64_t hold_max_s;
	size_t nramp;
	uint32_t ramp[POLICY_RAMP_MAX]; /* percent, increasing, ends at 100 */
	uint64_t ramp_step_s;
	uint32_t agent_silent;      /* report intervals; 0: never alert */
	uint64_t report_interval_s; /* what the agents use */
	uint64_t tick_ms;           /* the core wakes at least this often */
	char notify_command[POLICY_CMD_MAX]; /* "" none; absolute path */
	uint64_t notify_timeout_ms;
	uint64_t retention_s; /* stored reports and events kept this long */
	size_t nrules;
	struct policy_rule rules[POLICY_RULES_MAX]; /* in evaluation order */
};

/*
 * Fills *pc with the defaults of docs/config.md and the built-in rules:
 * ip-blocked, ip-blocked-other, ip-throttled, ptr, network,
 * deferred-queue, dnsbl.
 */
void policy_conf_defaults(struct policy_conf *pc);

/*
 * Called once the whole file is read: resolves drain_providers into the
 * rules that use it and checks cross-field limits.  Returns 0, or -1 with
 * *errstr set.
 */
int policy_conf_finish(struct policy_conf *pc, const char **errstr);

/* Finds a rule by name; NULL if none. */
struct policy_rule *policy_conf_rule(struct policy_conf *pc, const char *name);

enum policy_state {
	POLICY_ACTIVE,
	POLICY_SUSPECT,
	POLICY_DRAINED,
	POLICY_PROBATION,
	POLICY_CORDONED,
	POLICY_MAINTENANCE,
};
#define POLICY_STATE_LAST POLICY_MAINTENANCE

enum policy_intent {
	POLICY_INTENT_READY,
	POLICY_INTENT_DRAIN,
	POLICY_INTENT_MAINT,
};

/* A block (action block or drain) or a suspicion, kept 24 h past until. */
struct policy_mark {
	char provider[WIRE_PROVIDER_MAX + 1]; /* "" relay-wide */
	char rule[POLICY_NAME_MAX + 1];
	enum policy_action action;
	uint64_t since, until, hold_s;
};

/* What fleetd keeps per relay; persisted as JSON by the core. */
struct policy_relay {
	enum policy_state state;
	uint64_t since;                       /* entered this state */
	uint64_t until;                       /* 0: open-ended */
	char rule[POLICY_NAME_MAX + 1];       /* or "operator", "window" */
	char provider[WIRE_PROVIDER_MAX + 1]; /* "" relay-wide */
	char reason[WIRE_REASON_MAX + 1];
	enum policy_intent intent;
	uint32_t weight;      /* percent */
	size_t ramp_idx;      /* probation: index into conf ramp */
	uint64_t step_at;     /* probation: next ramp step */
	bool floor_held;      /* a drain was refused by min_active */
	uint64_t last_report; /* fleetd's clock; 0 never */
	bool silent_alerted;
	uint64_t deferred_since; /* queue above a rule's threshold since */
	uint32_t deferred_now;   /* the latest snapshot's deferred count */
	bool deferred_fired;
	size_t nmarks;
	struct policy_mark marks[POLICY_MARKS_MAX];
};

enum policy_event_kind {
	POLICY_EV_TRANSITION, /* a change of state, intent or weight */
	POLICY_EV_ALERT,      /* needs a human; no change of state */
	POLICY_EV_REFUSED,    /* a drain min_active refused */
	POLICY_EV_OPERATOR,   /* an operator's verb */
};

struct policy_event {
	size_t relay;
	enum policy_event_kind kind;
	enum policy_state from, to;
	char rule[POLICY_NAME_MAX + 1];
	char provider[WIRE_PROVIDER_MAX + 1];
	uint32_t classes; /* the rule's classes: which samples explain it */
	char operator[POLICY_NAME_MAX + 1];
	char counts[WIRE_DETAIL_MAX + 1]; /* "3 ip_throttled from outlook" */
	uint64_t window_s;
	enum policy_intent intent;
	uint32_t weight;
	uint64_t until;
	char reason[WIRE_REASON_MAX + 1];
};

/* Events appended by one call; the caller owns and finishes it. */
struct policy_out {
	size_t n, cap;
	struct policy_event *ev;
};

void policy_out_fini(struct policy_out *o);

struct policy_relay_conf {
	const char *name;    /* borrowed; lives as long as the policy */
	const char *hosting; /* "" if none */
};

struct policy;

/*
 * A policy for relays 0..n-1, every one active at weight 100.  pc and
 * relays are borrowed and must outlive it.  Never fails.
 */
struct policy *policy_new(const struct policy_conf *pc,
    const struct policy_relay_conf *relays, size_t n, uint64_t now);

/* Accepts NULL. */
void policy_free(struct policy *p);

/*
 * Persistence.  policy_relay_to_json() returns a malloc'd JSON text of
 * relay's state (caller frees).  policy_relay_from_json() restores it
 * (at start, before anything else); returns 0, or -1 with *errstr set
 * and the relay left as it was.
 */
char *policy_relay_to_json(const struct policy *p, size_t relay);
int policy_relay_from_json(
    struct policy *p, size_t relay, const char *json, const char **errstr);

/* The relays whose state changed since policy_clear_dirty(). */
bool policy_is_dirty(const struct policy *p, size_t relay);
void policy_clear_dirty(struct policy *p, size_t relay);

/*
 * A new, stored Report r of relay, received at now; t is the time its
 * results count at (its interval end, never after now).  h already holds
 * its results.  Evaluates the rules and appends events to out.
 */
void policy_report(struct policy *p, const struct health *h, size_t relay,
    const struct wire_report *r, uint64_t t, uint64_t now,
    struct policy_out *out);

/* Time-driven changes at now; appends events to out. */
void policy_tick(struct policy *p, const struct health *h, uint64_t now,
    struct policy_out *out);

/*
 * Operator verbs; op is the operator key's name.  Each returns 0 (events
 * appended to out), or -1 with a one-line reason in err when refused
 * (a limit without force, a relay in a window, a bad window); a refusal
 * changes nothing.
 *
 * policy_drain: cordon relay; until 0 is open-ended.
 * policy_enable: end a cordon or a drain (its blocks too); probation, or
 * active at once with skip_ramp.
 * policy_window_add: w->relays or w->hosting names the relays (unknown
 * names are refused); w is copied.
 * policy_window_cancel: a running window ends now, a scheduled one never
 * starts.
 */
int policy_drain(struct policy *p, size_t relay, const char *op,
    const char *reason, uint64_t until, bool force, uint64_t now,
    struct policy_out *out, char *err, size_t errlen);
int policy_enable(struct policy *p, size_t relay, const char *op,
    bool skip_ramp, uint64_t now, struct policy_out *out, char *err,
    size_t errlen);
int policy_window_add(struct policy *p, const struct wire_window *w, bool force,
    uint64_t now, struct policy_out *out, char *err, size_t errlen);
int policy_window_cancel(struct policy *p, const char *name, const char *op,
    uint64_t now, struct policy_out *out, char *err, size_t errlen);

/*
 * Loads a stored window at start (no limits checked, no events).  Returns
 * 0, or -1 with *errstr set (unknown relay, bad times).
 */
int policy_window_load(
    struct policy *p, const struct wire_window *w, const char **errstr);

/*
 * The windows, oldest start first, with state filled for now
 * (scheduled running ended cancelled); borrowed until the next call that
 * changes windows.  Ended windows are kept POLICY_REBLOCK_S.
 */
size_t policy_nwindows(const struct policy *p);
const struct wire_window *policy_window(
    struct policy *p, size_t i, uint64_t now);

/* Relay lookups; index < n. */
size_t policy_nrelays(const struct policy *p);
const struct policy_relay *policy_relay(const struct policy *p, size_t relay);
size_t policy_relay_index(
    const struct policy *p, const char *name); /* n if none */

/* Relays in active, suspect or probation; and the floor for this fleet. */
size_t policy_in_service(const struct policy *p);
size_t policy_min_active(const struct policy *p);

const char *policy_state_name(enum policy_state s);
const char *policy_intent_name(enum policy_intent i);
const char *policy_event_kind_name(enum policy_event_kind k);
const char *policy_action_name(enum policy_action a);

#endif /* FLEET_CONTROLLER_POLICY_H */
