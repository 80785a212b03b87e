/* SPDX-License-Identifier: ISC */
/*
 * Parses one Postfix log line into a delivery result: the per-recipient
 * "QUEUEID: to=<rcpt>, relay=..., delay=..., dsn=..., status=WORD (text)"
 * lines of any delivery agent (smtp, lmtp, local, virtual, pipe, error,
 * retry, discard, ...) and qmgr's per-message "status=expired" lines.
 * Pure: no I/O, no allocation, no global state; any thread may call it.
 * Input is untrusted and need not be NUL-terminated; nothing past len is
 * read.  Fast path: a line without ", status=" costs one memmem().
 */
#ifndef FLEET_AGENT_LOGLINE_H
#define FLEET_AGENT_LOGLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reason.h"

#define LOGLINE_QID_MAX    32  /* bytes, [0-9A-Za-z] */
#define LOGLINE_DOMAIN_MAX 255 /* bytes, recipient domain */
#define LOGLINE_HOST_MAX   255 /* bytes, relay host and relay address */
#define LOGLINE_DSN_MAX    15  /* bytes, [0-9.] */

/* The line is only the message: journalctl -o cat, the MESSAGE field. */
#define LOGLINE_F_MSG_ONLY 0x1

struct logline_ctx {
	/*
	 * RFC 3164 stamps have no year: a line gets the latest of year + 1,
	 * year, year - 1 that is at most 2 days after now (a December line
	 * read in January is last year's; a writer clock a little ahead at
	 * New Year is next year's).  year 0 takes now's.  now is unix
	 * seconds (also the time of MSG_ONLY lines and of RFC 5424 lines
	 * with a nil stamp); now 0 takes year as is.
	 */
	int year;
	int64_t now;
	/*
	 * Seconds east of UTC of the log's local time, for the stamps that
	 * carry no zone (RFC 3164).  The caller refreshes it across DST.
	 */
	long tz_offset;
	/*
	 * NULL accepts every syslog_name.  Else only lines whose syslog_name
	 * is this or starts with this and '/' ("postfix-out" takes
	 * "postfix-out/smtp" and "postfix-out/x/smtp", not "postfix-in").
	 */
	const char *syslog_name;
	unsigned flags; /* LOGLINE_F_* */
};

/*
 * A delivery result.  Strings in arrays are NUL-terminated copies; the
 * pointer + length pairs are borrowed from the line (valid while it is).
 */
struct logline_result {
	int64_t time;  /* unix seconds */
	uint32_t usec; /* fraction of the second, if logged, else 0 */
	enum delivery_status status;
	bool is_forced; /* qmgr "status=force-expired" (postsuper -e) */
	char queue_id[LOGLINE_QID_MAX + 1];
	const char *rcpt; /* between to=< and >; "" for from= lines */
	size_t rcptlen;
	/* After the last '@' of rcpt, lower case; "" if none. */
	char domain[LOGLINE_DOMAIN_MAX + 1];
	/*
	 * relay=host[addr]:port: host in lower case (or a word such as
	 * "none", "local"), addr as logged without the brackets and without
	 * an "IPv6:" prefix ("" if none), port 0 if none.
	 */
	char relay_host[LOGLINE_HOST_MAX + 1];
	char relay_addr[LOGLINE_HOST_MAX + 1];
	uint16_t relay_port;
	char dsn[LOGLINE_DSN_MAX + 1]; /* "" if not logged or not [0-9.] */
	uint64_t delay_ms;             /* delay=, 0 if not logged */
	/*
	 * The response: verbatim, inside the outer parentheses after
	 * status=WORD (nested ones kept), or "returned to sender" for
	 * expired.  Not NUL-terminated.
	 */
	const char *text;
	size_t textlen;
	const char *syslog_name; /* "postfix-out"; not NUL-terminated */
	size_t syslog_namelen;
	const char *service; /* "smtp"; "" if the log lost it (RFC 5424) */
	size_t servicelen;
};

/*
 * Parses line[0..len).  Recognised stamps: RFC 3164 ("Nov 28 11:22:55",
 * "Nov  8 ...", optional .micro), RFC 3339 ("2026-11-28T11:22:55.401325
 * +00:00", "...+0000", "...Z"), journalctl short-unix ("1795865012.390379")
 * each followed by host and tag "NAME[pid]:", and RFC 5424 ("<22>1 stamp
 * host app procid msgid sd msg"); an optional "<PRI>" may precede the
 * first three.  The tag NAME is split at its last '/' into syslog_name and
 * service.
 *
 * Returns 1 with *r filled for a delivery result (status sent, deferred,
 * bounced, expired; soft_bounce's SOFTBOUNCE counts as deferred), 0 for
 * any other line (other Postfix lines, other programs, address verify
 * probes, a syslog_name filtered out by ctx), or -1 with *errstr set (a
 * static string) for a line that has ", status=" but a header or fields
 * that do not parse, or a field over its cap.  *r is scratch space during
 * the parse: its contents are meaningful only when 1 is returned.
 */
int logline_parse(const char *line, size_t len, const struct logline_ctx *ctx,
    struct logline_result *r, const char **errstr);

#endif /* FLEET_AGENT_LOGLINE_H */
