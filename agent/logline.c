/* SPDX-License-Identifier: ISC */
/*
 * The Postfix log line parser.  One forward pass over the bytes with an
 * explicit end pointer (struct logline_in): every read checks p < end, no
 * function assumes a NUL, nothing is allocated.  Only lines that carry
 * ", status=" get past the first search; the header (stamp, host, tag)
 * is parsed after that, then the message's key=value fields.  Fixed-size
 * fields are copied into the result (lower case where Postfix compares
 * them case-insensitively); the address and the response text are
 * pointers into the line.
 */
#include "logline.h"

#include <string.h>
#include <strings.h>

#define LOGLINE_DAY    86400
#define LOGLINE_SLIP   (2 * LOGLINE_DAY) /* RFC 3164 lines "from the future" */
#define LOGLINE_STATUS ", status="
#define LOGLINE_KEY(k, n, lit)                                                 \
	((n) == sizeof(lit) - 1 && memcmp((k), (lit), (n)) == 0)

struct logline_in {
	const char *p;
	const char *end;
};

static bool
logline_lit(struct logline_in *in, const char *s, size_t n)
{
	if ((size_t)(in->end - in->p) < n || memcmp(in->p, s, n) != 0)
		return (false);
	in->p += n;
	return (true);
}

static bool
logline_isdigit(char c)
{
	return (c >= '0' && c <= '9');
}

static bool
logline_isalnum(char c)
{
	return (logline_isdigit(c) || (c >= 'a' && c <= 'z') ||
	        (c >= 'A' && c <= 'Z'));
}

static void
logline_spaces(struct logline_in *in)
{
	while (in->p < in->end && *in->p == ' ')
		in->p++;
}

/* Reads 1..max digits into *v; returns the count, 0 if none. */
static size_t
logline_digits(struct logline_in *in, size_t max, uint64_t *v)
{
	size_t n = 0;

	*v = 0;
	while (n < max && in->p < in->end && logline_isdigit(*in->p)) {
		*v = *v * 10 + (uint64_t)(*in->p++ - '0');
		n++;
	}
	return (n);
}

/* Reads exactly n digits into *v. */
static bool
logline_ndigits(struct logline_in *in, size_t n, int *v)
{
	uint64_t u;

	if (logline_digits(in, n, &u) != n)
		return (false);
	*v = (int)u;
	return (true);
}

/* A run of non-space bytes, at least one. */
static bool
logline_token(struct logline_in *in, const char **tok, size_t *toklen)
{
	const char *s = in->p;

	while (in->p < in->end && *in->p != ' ')
		in->p++;
	*tok = s;
	*toklen = (size_t)(in->p - s);
	return (*toklen > 0);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
logline_days(int64_t y, int m, int d)
{
	int64_t era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return (era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468);
}

/* The Gregorian year of unix time t (t >= 0). */
static int
logline_year_of(int64_t t)
{
	int64_t z, era, doe, yoe, doy, mp;

	z = t / LOGLINE_DAY + 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	return ((int)(yoe + era * 400 + (mp >= 10)));
}

static bool
logline_date_ok(int m, int d)
{
	static const int mdays[12] = {
	    31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return (m >= 1 && m <= 12 && d >= 1 && d <= mdays[m - 1]);
}

/* "HH:MM:SS[.frac]" into seconds of the day and r->usec. */
static bool
logline_hms(struct logline_in *in, int64_t *sec, struct logline_result *r)
{
	int h, m, s;
	uint64_t f, scale;
	size_t n;

	if (!logline_ndigits(in, 2, &h) || !logline_lit(in, ":", 1) ||
	    !logline_ndigits(in, 2, &m) || !logline_lit(in, ":", 1) ||
	    !logline_ndigits(in, 2, &s) || h > 23 || m > 59 || s > 60)
		return (false);
	*sec = h * 3600 + m * 60 + s;
	r->usec = 0;
	if (!logline_lit(in, ".", 1))
		return (true);
	if ((n = logline_digits(in, 9, &f)) == 0)
		return (false);
	for (; n < 6; n++)
		f *= 10;
	for (scale = 1; n > 6; n--)
		scale *= 10;
	r->usec = (uint32_t)(f / scale);
	return (true);
}

/* "Nov 28 11:22:55[.frac]": the year comes from ctx (see logline.h). */
static bool
logline_ts3164(struct logline_in *in, const struct logline_ctx *ctx,
    struct logline_result *r)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	uint64_t d;
	int64_t sec;
	int m, y, i;

	if (in->end - in->p < 4 || in->p[3] != ' ')
		return (false);
	for (m = 0; m < 12 && memcmp(in->p, months + 3 * m, 3) != 0; m++)
		;
	in->p += 4;
	logline_spaces(in);
	if (m == 12 || logline_digits(in, 2, &d) == 0 ||
	    !logline_date_ok(m + 1, (int)d) || !logline_lit(in, " ", 1) ||
	    !logline_hms(in, &sec, r))
		return (false);
	sec -= ctx->tz_offset;
	y = ctx->year != 0 ? ctx->year
	                   : logline_year_of(ctx->now + ctx->tz_offset);
	if (ctx->now == 0) {
		r->time = logline_days(y, m + 1, (int)d) * LOGLINE_DAY + sec;
		return (true);
	}
	/* The latest of year + 1, year, year - 1 not after now + slip. */
	for (i = 1; i >= -1; i--) {
		r->time =
		    logline_days(y + i, m + 1, (int)d) * LOGLINE_DAY + sec;
		if (r->time <= ctx->now + LOGLINE_SLIP)
			break;
	}
	return (true);
}

/* "Z", "+HH:MM" or "+HHMM" into seconds east of UTC. */
static bool
logline_zone(struct logline_in *in, int64_t *off)
{
	int sign, h, m;

	if (logline_lit(in, "Z", 1)) {
		*off = 0;
		return (true);
	}
	if (in->p >= in->end || (*in->p != '+' && *in->p != '-'))
		return (false);
	sign = *in->p++ == '-' ? -1 : 1;
	if (!logline_ndigits(in, 2, &h))
		return (false);
	logline_lit(in, ":", 1);
	if (!logline_ndigits(in, 2, &m) || h > 23 || m > 59)
		return (false);
	*off = sign * (h * 3600 + m * 60);
	return (true);
}

/* "2026-11-28T11:22:55[.frac](Z|+00:00|+0000)". */
static bool
logline_ts3339(struct logline_in *in, struct logline_result *r)
{
	int y, m, d;
	int64_t sec, off;

	if (!logline_ndigits(in, 4, &y) || !logline_lit(in, "-", 1) ||
	    !logline_ndigits(in, 2, &m) || !logline_lit(in, "-", 1) ||
	    !logline_ndigits(in, 2, &d) || !logline_date_ok(m, d) ||
	    !logline_lit(in, "T", 1) || !logline_hms(in, &sec, r) ||
	    !logline_zone(in, &off))
		return (false);
	r->time = logline_days(y, m, d) * LOGLINE_DAY + sec - off;
	return (true);
}

/* journalctl -o short-unix: "1795865012.390379". */
static bool
logline_tsunix(struct logline_in *in, struct logline_result *r)
{
	uint64_t s, f;
	size_t n;

	if (logline_digits(in, 12, &s) == 0)
		return (false);
	r->time = (int64_t)s;
	r->usec = 0;
	if (!logline_lit(in, ".", 1))
		return (true);
	if ((n = logline_digits(in, 6, &f)) == 0)
		return (false);
	for (; n < 6; n++)
		f *= 10;
	r->usec = (uint32_t)f;
	while (in->p < in->end && logline_isdigit(*in->p))
		in->p++; /* nanoseconds */
	return (true);
}

/* Any of the stamps that come before "host tag:". */
static bool
logline_stamp(struct logline_in *in, const struct logline_ctx *ctx,
    struct logline_result *r)
{
	const char *s = in->p;

	if (in->p >= in->end)
		return (false);
	if (!logline_isdigit(*in->p))
		return (logline_ts3164(in, ctx, r));
	while (s < in->end && logline_isdigit(*s))
		s++;
	if (s < in->end && *s == '-')
		return (logline_ts3339(in, r));
	return (logline_tsunix(in, r));
}

/* Splits a tag's NAME at its last '/' into syslog_name and service. */
static void
logline_name(struct logline_result *r, const char *name, size_t len)
{
	const char *slash = memrchr(name, '/', len);

	if (slash == NULL) {
		r->syslog_name = name;
		r->syslog_namelen = len;
		r->service = "";
		r->servicelen = 0;
		return;
	}
	r->syslog_name = name;
	r->syslog_namelen = (size_t)(slash - name);
	r->service = slash + 1;
	r->servicelen = len - r->syslog_namelen - 1;
}

/* "NAME[pid]: " or "NAME: "; leaves in->p at the message. */
static bool
logline_tag(struct logline_in *in, struct logline_result *r)
{
	const char *s = in->p, *lb;
	size_t n;

	while (in->p < in->end && *in->p != ':' && *in->p != ' ')
		in->p++;
	if (in->p >= in->end || *in->p != ':')
		return (false);
	n = (size_t)(in->p - s);
	if (n > 0 && s[n - 1] == ']') {
		if ((lb = memrchr(s, '[', n)) == NULL)
			return (false);
		n = (size_t)(lb - s);
	}
	if (n == 0)
		return (false);
	logline_name(r, s, n);
	in->p++;
	logline_spaces(in);
	return (true);
}

/* An RFC 5424 SD: "-" or one or more "[id k=\"v\" ...]" elements. */
static bool
logline_sd(struct logline_in *in)
{
	bool quoted = false;

	if (logline_lit(in, "-", 1))
		return (true);
	if (in->p >= in->end || *in->p != '[')
		return (false);
	for (; in->p < in->end; in->p++) {
		if (quoted && *in->p == '\\' && in->end - in->p > 1)
			in->p++;
		else if (*in->p == '"')
			quoted = !quoted;
		else if (!quoted && *in->p == ']' &&
		         (in->end - in->p == 1 || in->p[1] != '[')) {
			in->p++;
			return (true);
		}
	}
	return (false);
}

/* After "<PRI>1 ": "stamp host app procid msgid sd [msg]". */
static bool
logline_5424(struct logline_in *in, const struct logline_ctx *ctx,
    struct logline_result *r)
{
	const char *tok, *app;
	size_t toklen, applen;

	r->usec = 0;
	r->time = ctx->now;
	if (!logline_lit(in, "- ", 2) &&
	    (!logline_ts3339(in, r) || !logline_lit(in, " ", 1)))
		return (false);
	if (!logline_token(in, &tok, &toklen) || !logline_lit(in, " ", 1) ||
	    !logline_token(in, &app, &applen) || !logline_lit(in, " ", 1) ||
	    !logline_token(in, &tok, &toklen) || !logline_lit(in, " ", 1) ||
	    !logline_token(in, &tok, &toklen) || !logline_lit(in, " ", 1) ||
	    !logline_sd(in))
		return (false);
	if (applen == 1 && *app == '-')
		applen = 0;
	logline_name(r, app, applen);
	logline_spaces(in);
	if (logline_lit(in, "\xef\xbb\xbf", 3)) /* UTF-8 BOM */
		logline_spaces(in);
	return (true);
}

/* Everything before the message; leaves in->p at it. */
static bool
logline_header(struct logline_in *in, const struct logline_ctx *ctx,
    struct logline_result *r)
{
	const char *host;
	size_t hostlen;
	uint64_t pri;

	if (logline_lit(in, "<", 1)) {
		if (logline_digits(in, 3, &pri) == 0 ||
		    !logline_lit(in, ">", 1))
			return (false);
		if (logline_lit(in, "1 ", 2))
			return (logline_5424(in, ctx, r));
	}
	if (!logline_stamp(in, ctx, r) || !logline_lit(in, " ", 1))
		return (false);
	logline_spaces(in);
	if (!logline_token(in, &host, &hostlen) || !logline_lit(in, " ", 1))
		return (false);
	logline_spaces(in);
	return (logline_tag(in, r));
}

static bool
logline_wanted(const struct logline_ctx *ctx, const struct logline_result *r)
{
	size_t n;

	if (ctx->syslog_name == NULL)
		return (true);
	n = strlen(ctx->syslog_name);
	if (r->syslog_namelen < n ||
	    memcmp(r->syslog_name, ctx->syslog_name, n) != 0)
		return (false);
	return (r->syslog_namelen == n || r->syslog_name[n] == '/');
}

/* Copies a field of at most max bytes, lower-cased if asked; no controls. */
static bool
logline_copy(char *dst, size_t max, const char *s, size_t n, bool lower)
{
	size_t i;
	unsigned char c;

	if (n > max)
		return (false);
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return (false);
		if (lower && c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		dst[i] = (char)c;
	}
	dst[n] = '\0';
	return (true);
}

/* "<address>" followed by ',' or the end; a '>' inside may stay. */
static bool
logline_addr(struct logline_in *in, const char **a, size_t *alen)
{
	const char *q;

	if (!logline_lit(in, "<", 1))
		return (false);
	for (q = in->p; (q = memchr(q, '>', (size_t)(in->end - q))) != NULL;
	     q++) {
		if (q + 1 == in->end || q[1] == ',') {
			*a = in->p;
			*alen = (size_t)(q - in->p);
			in->p = q + 1;
			return (true);
		}
	}
	return (false);
}

/* A value runs to the next ", " or the end of the line. */
static void
logline_value(struct logline_in *in, const char **v, size_t *vlen)
{
	const char *q = in->p;

	*v = in->p;
	while ((q = memchr(q, ',', (size_t)(in->end - q))) != NULL &&
	       (q + 1 == in->end || q[1] != ' '))
		q++;
	in->p = q != NULL ? q : in->end;
	*vlen = (size_t)(in->p - *v);
}

/* relay=host[addr]:port, relay=host[addr], relay=none. */
static bool
logline_relay(const char *v, size_t n, struct logline_result *r)
{
	const char *lb, *rb, *end = v + n;
	struct logline_in in;
	uint64_t port;

	r->relay_addr[0] = '\0';
	r->relay_port = 0;
	lb = memchr(v, '[', n);
	rb = lb != NULL ? memrchr(lb, ']', (size_t)(end - lb)) : NULL;
	if (lb == NULL)
		lb = rb = end;
	else if (rb == NULL)
		return (false);
	if (!logline_copy(
	        r->relay_host, LOGLINE_HOST_MAX, v, (size_t)(lb - v), true))
		return (false);
	if (lb == end)
		return (true);
	lb++;
	if (rb - lb >= 5 && strncasecmp(lb, "ipv6:", 5) == 0)
		lb += 5; /* the RFC 5321 address literal form */
	if (!logline_copy(
	        r->relay_addr, LOGLINE_HOST_MAX, lb, (size_t)(rb - lb), false))
		return (false);
	in.p = rb + 1;
	in.end = end;
	if (in.p == end)
		return (true);
	if (!logline_lit(&in, ":", 1) || logline_digits(&in, 5, &port) == 0 ||
	    in.p != end || port > 65535)
		return (false);
	r->relay_port = (uint16_t)port;
	return (true);
}

/* delay=SECONDS[.FRACTION] into milliseconds. */
static bool
logline_delay(const char *v, size_t n, struct logline_result *r)
{
	struct logline_in in = {v, v + n};
	uint64_t s, f = 0;
	size_t nf = 0;

	if (logline_digits(&in, 10, &s) == 0)
		return (false);
	if (logline_lit(&in, ".", 1) && (nf = logline_digits(&in, 3, &f)) == 0)
		return (false);
	for (; nf < 3; nf++)
		f *= 10;
	while (in.p < in.end && logline_isdigit(*in.p))
		in.p++;
	r->delay_ms = s * 1000 + f;
	return (in.p == in.end);
}

/*
 * dsn=X.Y.Z.  Over 15 bytes is an error; a value that is not made of
 * digits and dots (generated or mangled logs) is dropped, not the line.
 */
static bool
logline_dsn(const char *v, size_t n, struct logline_result *r)
{
	size_t i;

	if (n > LOGLINE_DSN_MAX)
		return (false);
	for (i = 0; i < n; i++)
		if (!logline_isdigit(v[i]) && v[i] != '.')
			return (true);
	memcpy(r->dsn, v, n);
	r->dsn[n] = '\0';
	return (true);
}

/* One key=value field other than status= and orig_to=. */
static int
logline_field(const char *k, size_t klen, const char *v, size_t vlen,
    struct logline_result *r, const char **errstr)
{
	if (LOGLINE_KEY(k, klen, "relay") && !logline_relay(v, vlen, r)) {
		*errstr = "malformed relay";
		return (-1);
	}
	if (LOGLINE_KEY(k, klen, "dsn") && !logline_dsn(v, vlen, r)) {
		*errstr = "malformed dsn";
		return (-1);
	}
	if (LOGLINE_KEY(k, klen, "delay") && !logline_delay(v, vlen, r)) {
		*errstr = "malformed delay";
		return (-1);
	}
	return (0); /* conn_use=, delays=, and what later versions add */
}

/* 1 for a delivery result, 0 for a status that is not one, -1 unknown. */
static int
logline_status_word(const char *w, size_t n, struct logline_result *r)
{
	r->is_forced = false;
	if (LOGLINE_KEY(w, n, "sent"))
		r->status = STATUS_SENT;
	else if (LOGLINE_KEY(w, n, "deferred") ||
	         LOGLINE_KEY(w, n, "SOFTBOUNCE"))
		r->status = STATUS_DEFERRED;
	else if (LOGLINE_KEY(w, n, "bounced"))
		r->status = STATUS_BOUNCED;
	else if (LOGLINE_KEY(w, n, "expired"))
		r->status = STATUS_EXPIRED;
	else if (LOGLINE_KEY(w, n, "force-expired")) {
		r->status = STATUS_EXPIRED;
		r->is_forced = true;
	} else if (LOGLINE_KEY(w, n, "deliverable") ||
	           LOGLINE_KEY(w, n, "undeliverable"))
		return (0); /* address verification probes */
	else
		return (-1);
	return (1);
}

/* The status word: up to a space, a comma or the end. */
static int
logline_status(
    struct logline_in *in, struct logline_result *r, const char **errstr)
{
	const char *w = in->p;
	int rv;

	while (in->p < in->end && *in->p != ' ' && *in->p != ',')
		in->p++;
	rv = logline_status_word(w, (size_t)(in->p - w), r);
	if (rv == -1)
		*errstr = "unknown status";
	return (rv);
}

/*
 * " (text)" to the end of the line.  The text runs to the last ')' rather
 * than to the matching one: receiver texts are not escaped and need not
 * balance, and status= is always the last field.
 */
static int
logline_text(
    struct logline_in *in, struct logline_result *r, const char **errstr)
{
	const char *e = in->end;

	while (e > in->p && (e[-1] == ' ' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	if (!logline_lit(in, " (", 2) || e <= in->p || e[-1] != ')') {
		*errstr = "unterminated response text";
		return (-1);
	}
	r->text = in->p;
	r->textlen = (size_t)(e - 1 - in->p);
	return (1);
}

/* The fields after to=<rcpt>, up to and including status=. */
static int
logline_fields(
    struct logline_in *in, struct logline_result *r, const char **errstr)
{
	const char *k, *v;
	size_t klen, vlen;
	int rv;

	while (logline_lit(in, ", ", 2)) {
		k = in->p;
		while (in->p < in->end &&
		       ((*in->p >= 'a' && *in->p <= 'z') || *in->p == '_'))
			in->p++;
		klen = (size_t)(in->p - k);
		if (klen == 0 || !logline_lit(in, "=", 1))
			break;
		if (LOGLINE_KEY(k, klen, "status")) {
			if ((rv = logline_status(in, r, errstr)) != 1)
				return (rv);
			return (logline_text(in, r, errstr));
		}
		if (LOGLINE_KEY(k, klen, "orig_to")) {
			if (!logline_addr(in, &v, &vlen))
				break;
			continue;
		}
		logline_value(in, &v, &vlen);
		if (logline_field(k, klen, v, vlen, r, errstr) == -1)
			return (-1);
	}
	*errstr = in->p >= in->end ? "no status" : "malformed field";
	return (-1);
}

/* "to=<rcpt>, ... status=WORD (text)": one recipient's delivery. */
static int
logline_to(struct logline_in *in, struct logline_result *r, const char **errstr)
{
	const char *at;

	if (!logline_addr(in, &r->rcpt, &r->rcptlen)) {
		*errstr = "unterminated recipient";
		return (-1);
	}
	at = memrchr(r->rcpt, '@', r->rcptlen);
	at = at != NULL ? at + 1 : r->rcpt + r->rcptlen;
	if (!logline_copy(r->domain, LOGLINE_DOMAIN_MAX, at,
	        (size_t)(r->rcpt + r->rcptlen - at), true)) {
		*errstr = "malformed recipient domain";
		return (-1);
	}
	r->relay_host[0] = r->relay_addr[0] = r->dsn[0] = '\0';
	r->relay_port = 0;
	r->delay_ms = 0;
	return (logline_fields(in, r, errstr));
}

/*
 * The first ", status=" in [s, s + n), or NULL.  Log lines have few
 * commas: memchr() to each beats memmem(), which sets up a table per call.
 */
static const char *
logline_find_status(const char *s, size_t n)
{
	const char *e = s + n;

	while (
	    e - s >= 9 && (s = memchr(s, ',', (size_t)(e - s - 8))) != NULL) {
		if (memcmp(s, LOGLINE_STATUS, 9) == 0)
			return (s);
		s++;
	}
	return (NULL);
}

/* qmgr's "from=<sender>, status=expired, returned to sender". */
static int
logline_from(
    struct logline_in *in, struct logline_result *r, const char **errstr)
{
	const char *s;
	int rv;

	if ((s = logline_find_status(in->p, (size_t)(in->end - in->p))) == NULL)
		return (0);
	in->p = s + 9;
	if ((rv = logline_status(in, r, errstr)) != 1 ||
	    r->status != STATUS_EXPIRED)
		return (rv == -1 ? -1 : 0);
	logline_lit(in, ", ", 2);
	r->text = in->p;
	r->textlen = (size_t)(in->end - in->p);
	while (r->textlen > 0 && (r->text[r->textlen - 1] == ' ' ||
	                             r->text[r->textlen - 1] == '\r'))
		r->textlen--;
	r->rcpt = r->domain;
	r->rcptlen = 0;
	r->domain[0] = r->relay_host[0] = r->relay_addr[0] = r->dsn[0] = '\0';
	r->relay_port = 0;
	r->delay_ms = 0;
	return (1);
}

/* The message: "QUEUEID: to=<..." or "QUEUEID: from=<...". */
static int
logline_message(
    struct logline_in *in, struct logline_result *r, const char **errstr)
{
	const char *q = in->p;
	size_t n;
	bool is_to;

	while (in->p < in->end && logline_isalnum(*in->p))
		in->p++;
	n = (size_t)(in->p - q);
	if (n == 0 || !logline_lit(in, ": ", 2))
		return (0);
	is_to = logline_lit(in, "to=", 3);
	if (!is_to && !logline_lit(in, "from=", 5))
		return (0);
	if (n > LOGLINE_QID_MAX) {
		*errstr = "queue id too long";
		return (-1);
	}
	memcpy(r->queue_id, q, n);
	r->queue_id[n] = '\0';
	if (is_to)
		return (logline_to(in, r, errstr));
	return (logline_from(in, r, errstr));
}

int
logline_parse(const char *line, size_t len, const struct logline_ctx *ctx,
    struct logline_result *r, const char **errstr)
{
	struct logline_in in = {line, line + len};

	if (logline_find_status(line, len) == NULL)
		return (0);
	if (ctx->flags & LOGLINE_F_MSG_ONLY) {
		r->time = ctx->now;
		r->usec = 0;
		logline_name(r, "", 0);
	} else if (!logline_header(&in, ctx, r)) {
		*errstr = "unrecognised line header";
		return (-1);
	}
	if (!logline_wanted(ctx, r))
		return (0);
	return (logline_message(&in, r, errstr));
}
