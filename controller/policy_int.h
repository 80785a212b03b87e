/* SPDX-License-Identifier: ISC */
/*
 * What policy.c, policy_window.c and policy_json.c share; nothing else
 * includes this.
 */
#ifndef FLEET_CONTROLLER_POLICY_INT_H
#define FLEET_CONTROLLER_POLICY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

#define POLICY_CLASS(c) (1u << (c)) /* a class's bit in rule->classes */

/* A maintenance window and its relays as indices. */
struct policy_win {
	struct wire_window w; /* w.state: "" or "cancelled" */
	size_t *idx;          /* w.n_relays indices */
	bool cancelled;
};

struct policy {
	const struct policy_conf *pc;
	const struct policy_relay_conf *relays;
	size_t n;
	uint64_t started;
	struct policy_relay *st;
	bool *dirty;
	size_t nwin, capwin;
	struct policy_win *win; /* by start */
};

bool policy_state_in_service(enum policy_state s);
bool policy_floor_allows(const struct policy *p);
uint64_t policy_block_until(const struct policy_relay *rs, uint64_t now);

/* Sets the intent and weight that rs's state implies. */
void policy_weigh(const struct policy *p, struct policy_relay *rs);

/* Moves relay to state `to` (intent, weight, dirty); see policy.c. */
void policy_enter(struct policy *p, size_t relay, enum policy_state to,
    uint64_t now, uint64_t until, const char *rule, const char *provider,
    const char *reason);

/* Appends an event carrying relay's current state; reason from fmt. */
struct policy_event *policy_emit(struct policy *p, struct policy_out *out,
    size_t relay, enum policy_event_kind kind, enum policy_state from,
    const char *rule, const char *provider, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

/* Leaving a cordon or window: drained if still blocked, else probation. */
void policy_leave(struct policy *p, size_t relay, uint64_t now, const char *why,
    struct policy_out *out);

/* Marks (policy.c). */
const struct policy_mark *policy_block_latest(
    const struct policy_relay *rs, uint64_t now);
void policy_marks_prune(struct policy *p, size_t relay, uint64_t now);
void policy_marks_clear(struct policy *p, size_t relay, uint64_t now);

/* The sustained deferred queue rule, from a report or a tick. */
void policy_eval_queue(struct policy *p, size_t relay,
    const struct policy_rule *rule, uint64_t now, struct policy_out *out);

/* Windows (policy_window.c). */
void policy_tick_windows(
    struct policy *p, size_t relay, uint64_t now, struct policy_out *out);
/* Puts relay in maintenance if a window covers it now; true if so. */
bool policy_window_enter(
    struct policy *p, size_t relay, uint64_t now, struct policy_out *out);
const char *policy_window_running(
    const struct policy *p, size_t relay, uint64_t now);
void policy_windows_free(struct policy *p);
void policy_windows_prune(struct policy *p, uint64_t now);

/* "4h", "15m", "90s"; returns buf. */
#define POLICY_SPAN_LEN 24
char *policy_format_span(char buf[POLICY_SPAN_LEN], uint64_t s);

/* Writes a refusal into err; returns -1. */
int policy_refuse(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* snprintf into rs->reason (truncated if long). */
void policy_set_reason(struct policy_relay *rs, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* RFC 3339 UTC. */
void policy_format_time(char *buf, size_t len, uint64_t t);

#endif /* FLEET_CONTROLLER_POLICY_INT_H */
