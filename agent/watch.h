/* SPDX-License-Identifier: ISC */
/*
 * What the agent watches besides the queue: the Postfix log (followed,
 * parsed, classified and counted into a tally) and the self checks.  The
 * report loop asks it to fill each Report and tells it when the Report is
 * committed to the spool; only then is the tally cleared, and the log
 * cursor committed with that Report says which lines it counted.  Used by
 * the agent's worker thread only.
 */
#ifndef FLEET_AGENT_WATCH_H
#define FLEET_AGENT_WATCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "wire.h"

#define WATCH_CHECK_TIMEOUT_MS 10000

struct watch;
struct classify;

/*
 * Loads the rules (conf->rules, or the built-in ones) and opens the log at
 * conf->maillog from cursor (the spool's last committed one).  Returns 0,
 * or -1 with err set.
 */
int watch_open(struct watch **wp, const struct agent_config *conf,
    const char *cursor, char *err, size_t errlen);

void watch_close(struct watch *w); /* accepts NULL */

/* The classifier, for the queue scan; borrowed. */
struct classify *watch_rules(struct watch *w);

/*
 * Reads what the log gained and counts it.  Returns true if an ip_blocked
 * or ip_throttled result is waiting in the tally (a Report is due now).
 */
bool watch_poll_log(struct watch *w);

/* Runs the self checks if conf->relay_ip is set; may block up to
 * WATCH_CHECK_TIMEOUT_MS, or until *cancel (NULL: never) is set. */
void watch_run_checks(struct watch *w, const atomic_bool *cancel);

/*
 * Puts the counters, samples and (when new) check results into r
 * (allocated; wire_report_fini() frees them).  Returns the log cursor to
 * commit with r, or NULL if there is no log.
 */
const char *watch_fill_report(struct watch *w, struct wire_report *r);

/* The Report filled last is in the spool: start counting afresh. */
void watch_committed(struct watch *w);

#endif /* FLEET_AGENT_WATCH_H */
