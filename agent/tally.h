/* SPDX-License-Identifier: ISC */
/*
 * Counts delivery results by (provider, class, status, dsn) and keeps up
 * to TALLY_SAMPLES verbatim response texts per (provider, class), each
 * with its first and last time and a count.  The agent keeps one tally per
 * report interval; `fleet-agent summarize` keeps one for a whole file.
 * Memory is bounded: at most WIRE_COUNTERS_MAX counter keys (results
 * beyond that are counted under provider "other" without a dsn) and
 * WIRE_SAMPLES_MAX samples.  Not thread-safe.
 */
#ifndef FLEET_AGENT_TALLY_H
#define FLEET_AGENT_TALLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reason.h"
#include "wire.h"

#define TALLY_SAMPLES 3 /* per (provider, class) */

struct tally;
struct classify;
struct logline_result;

struct tally_result {
	const char *provider; /* [a-z0-9_.-]{1,32} */
	enum reason_class cls;
	enum delivery_status status;
	const char *dsn;  /* may be NULL */
	const char *text; /* response, textlen bytes; may be NULL */
	size_t textlen;
	const char *mx_host; /* may be NULL */
	uint64_t when;       /* unix seconds */
};

struct tally *tally_new(void);
void tally_free(struct tally *t); /* accepts NULL */

/* Counts one result; text is copied (truncated, control bytes replaced). */
void tally_add(struct tally *t, const struct tally_result *r);

/*
 * Classifies a parsed log line (provider by relay host, then recipient
 * domain; class by dsn and text; deliveries are CLASS_DELIVERED without a
 * regex) and counts it.  rules is used, not kept.
 */
void tally_add_logline(
    struct tally *t, struct classify *rules, const struct logline_result *lr);

/* Results counted since the last reset. */
uint64_t tally_total(const struct tally *t);

/* True if an ip_blocked or ip_throttled result came since the last reset. */
bool tally_has_ip_alert(const struct tally *t);

/*
 * Copies the counters and samples into r (r->counters and r->samples are
 * allocated; wire_report_fini() frees them).  The tally is unchanged.
 */
void tally_fill_report(const struct tally *t, struct wire_report *r);

/* Forgets everything counted. */
void tally_reset(struct tally *t);

#endif /* FLEET_AGENT_TALLY_H */
