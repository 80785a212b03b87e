/* SPDX-License-Identifier: ISC */
/*
 * Self checks (DESIGN.md section 4): the relay IP's PTR, forward-confirmed
 * reverse DNS, HELO name == PTR name, DNSBL listings and the Postfix
 * master.  DNS goes through one c-ares channel per run (poll() loop, one
 * deadline for the whole run); Postfix tools run with posix_spawn, a fixed
 * argv and a clean environment.  Runs on the agent's worker thread and
 * blocks up to the run's timeout.  c-ares is initialised and cleaned up
 * per run, so no other thread may use c-ares meanwhile.  No logging.
 */
#ifndef FLEET_AGENT_CHECKS_H
#define FLEET_AGENT_CHECKS_H

#include <stdatomic.h>
#include <stddef.h>

#include "wire.h"

#define CHECKS_POSTCONF    "/usr/sbin/postconf"
#define CHECKS_DNSBL_MAX   (WIRE_CHECKS_MAX - 4) /* zones per run */
#define CHECKS_ZONE_MAX    (WIRE_NAME_MAX - 6)   /* "dnsbl:" + zone */
#define CHECKS_TIMEOUT_MAX 600000                /* ms */
#define CHECKS_HELO_MS     10000                 /* ms, checks_helo_name() */

/* Everything is borrowed for the duration of checks_run(). */
struct checks_conf {
	const char *ip;       /* relay's public IPv4 or IPv6 address */
	const char *helo;     /* its HELO name; NULL or "": helo is ERROR */
	const char *resolver; /* "127.0.0.1:5353,[::1]:53"; NULL/"": system */
	const char *const *dnsbl;   /* zones, [A-Za-z0-9._-]{1,57} */
	size_t n_dnsbl;             /* <= CHECKS_DNSBL_MAX */
	const char *postconf;       /* NULL or "": CHECKS_POSTCONF */
	const char *postfix_config; /* config dir for -c; NULL or "": default */
	unsigned timeout_ms;        /* whole run, 1..CHECKS_TIMEOUT_MAX */
	const atomic_bool *cancel;  /* NULL, or set to end the run early */
};

/* Number of results a full run produces: ptr fcrdns helo dnsbl:* master. */
#define CHECKS_COUNT(conf) (4 + (conf)->n_dnsbl)

/*
 * Runs every check within conf->timeout_ms and writes the first
 * min(max, CHECKS_COUNT(conf)) results to out, in the order ptr, fcrdns,
 * helo, dnsbl:<zone> (conf order), master; *n gets their number.  Each
 * result fits the wire limits: detail is printable ASCII (text from DNS
 * and from postconf is sanitised), checked_at is the end of the run.
 *
 *   ptr      OK "<name>"; FAIL "no PTR for <ip>" on NXDOMAIN or an empty
 *            answer; ERROR on SERVFAIL, REFUSED, timeout.
 *   fcrdns   the (first) PTR name's A (IPv4) or AAAA (IPv6) records hold
 *            the ip: OK; other addresses or none: FAIL; lookup failure:
 *            ERROR.  No PTR: FAIL "no PTR for <ip>" (not skipped: a
 *            receiver checking FCrDNS rejects the relay); PTR lookup
 *            failed: ERROR.
 *   helo     conf->helo equals the PTR name, case-insensitive, trailing
 *            dot ignored: OK; else FAIL "helo H != ptr P" (no PTR: FAIL;
 *            PTR lookup failed or no helo: ERROR).
 *   dnsbl:Z  reversed ip (nibbles for IPv6) under Z, type A.  NXDOMAIN or
 *            no A: OK "not listed".  127.0.0.2..254: FAIL "listed: <a>"
 *            plus ": <TXT>" when a TXT answer arrives in time.  Any
 *            127.255.255.0/24 answer ("refused", Spamhaus) is ERROR "dnsbl
 *            refused the query: <a>"; any other answer (127.0.0.0/1/255,
 *            127.x outside 127.0.0/24, non-127/8) is ERROR "unexpected
 *            dnsbl answer: <a>"; an ERROR answer wins over listings.
 *            SERVFAIL, timeout: ERROR.
 *   master   `postconf [-c DIR] -x -h queue_directory`, then
 *            <queue_directory>/pid/master.pid and kill(pid, 0) (EPERM
 *            counts as running): OK "master pid N"; no file or no such
 *            process: FAIL "master not running (...)"; postconf failure or
 *            an unreadable or bad pid file: ERROR.
 *
 * Returns 0, or -1 with errno EINVAL and nothing written if conf is bad:
 * ip not an IPv4/IPv6 address, a zone empty, too long or outside the
 * charset, too many zones, timeout out of range, resolver unparsable.
 * May block up to conf->timeout_ms (plus a few ms for process reaping),
 * or until *conf->cancel is set (within UTIL_CANCEL_MS): then the checks
 * not done yet are ERROR.
 */
int checks_run(const struct checks_conf *conf, struct wire_check *out,
    size_t max, size_t *n);

/*
 * Writes the expanded smtp_helo_name of a Postfix instance (`postconf
 * [-c config_dir] -x -h smtp_helo_name`; its default is $myhostname) to
 * out.  postconf: path, NULL or "" for CHECKS_POSTCONF; config_dir: NULL or
 * "" for the default.  Returns 0, or -1 with errno set: ETIMEDOUT (after
 * CHECKS_HELO_MS), EIO (postconf failed), EINVAL (output empty or not a
 * single printable word), ERANGE (does not fit len bytes), or a spawn error.
 * out is written only on success.  Blocks.
 */
int checks_helo_name(
    const char *postconf, const char *config_dir, char *out, size_t len);

#endif /* FLEET_AGENT_CHECKS_H */
