/* SPDX-License-Identifier: ISC */
/*
 * The haproxy driver's pure half (lb_driver.h): parsing the reply to
 * `show servers state`, turning a row into an lb_state, the weight fleetd
 * sets for a percentage, and telling a `set server` reply apart from an
 * error.  No I/O.  The reply is untrusted (it comes over a socket and is
 * fuzzed): every read is bounded by len, nothing assumes a NUL, and any
 * row that does not fit the header is refused rather than guessed at.
 * Error texts that name a line live in a per-thread buffer, so that the
 * reconciler's threads (one per load balancer) never share one.
 */
#include "lb_driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define HAPROXY_ROWS_MAX    (1u << 20)
#define HAPROXY_WEIGHT_MAX  256  /* HAProxy refuses a larger weight */
#define HAPROXY_PERCENT_MAX 1000 /* uweight may exceed iweight */

/* The columns read, by their names in the header. */
enum haproxy_col {
	HAPROXY_COL_BE,
	HAPROXY_COL_SRV,
	HAPROXY_COL_OP,
	HAPROXY_COL_ADMIN,
	HAPROXY_COL_UWEIGHT,
	HAPROXY_COL_IWEIGHT,
	HAPROXY_COL_N
};

static const char *const haproxy_col_name[HAPROXY_COL_N] = {"be_name",
    "srv_name", "srv_op_state", "srv_admin_state", "srv_uweight",
    "srv_iweight"};
static const char *const haproxy_col_missing[HAPROXY_COL_N] = {
    "missing column be_name", "missing column srv_name",
    "missing column srv_op_state", "missing column srv_admin_state",
    "missing column srv_uweight", "missing column srv_iweight"};

/* Where each column read sits in a row; ncols: the header's count. */
struct haproxy_cols {
	size_t idx[HAPROXY_COL_N];
	size_t ncols;
};

/* A walk over the lines of the reply. */
struct haproxy_cursor {
	const char *p;
	size_t left;
	size_t lineno; /* of the line last returned, from 1 */
};

static _Thread_local char haproxy_errbuf[64];

/* "line N: what", valid until the next call on this thread. */
static const char *
haproxy_line_error(size_t lineno, const char *what)
{
	snprintf(haproxy_errbuf, sizeof(haproxy_errbuf), "line %zu: %s", lineno,
	    what);
	return (haproxy_errbuf);
}

/* The next line without its '\n' and a final '\r'; false at the end. */
static bool
haproxy_next_line(struct haproxy_cursor *c, const char **line, size_t *len)
{
	const char *nl;
	size_t n;

	if (c->left == 0)
		return (false);
	nl = memchr(c->p, '\n', c->left);
	n = nl != NULL ? (size_t)(nl - c->p) : c->left;
	*line = c->p;
	*len = n;
	if (n > 0 && c->p[n - 1] == '\r')
		(*len)--;
	if (nl != NULL)
		n++;
	c->p += n;
	c->left -= n;
	c->lineno++;
	return (true);
}

/* The next blank-separated field of line[0..len) from *pos; false: none. */
static bool
haproxy_next_field(
    const char *line, size_t len, size_t *pos, const char **f, size_t *flen)
{
	size_t i = *pos, start;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == len) {
		*pos = i;
		return (false);
	}
	start = i;
	while (i < len && line[i] != ' ' && line[i] != '\t')
		i++;
	*f = line + start;
	*flen = i - start;
	*pos = i;
	return (true);
}

static bool
haproxy_blank(const char *line, size_t len)
{
	const char *f;
	size_t flen, pos = 0;

	return (!haproxy_next_field(line, len, &pos, &f, &flen));
}

/* A decimal within uint32; no sign, no blanks. */
static bool
haproxy_number(const char *f, size_t len, uint32_t *v)
{
	uint64_t n = 0;

	if (len == 0)
		return (false);
	for (size_t i = 0; i < len; i++) {
		if (f[i] < '0' || f[i] > '9')
			return (false);
		n = n * 10 + (uint64_t)(f[i] - '0');
		if (n > UINT32_MAX)
			return (false);
	}
	*v = (uint32_t)n;
	return (true);
}

bool
haproxy_name_ok(const char *s, size_t len)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
	                         "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-";

	if (len == 0 || len > HAPROXY_NAME_MAX)
		return (false);
	for (size_t i = 0; i < len; i++)
		if (memchr(ok, s[i], sizeof(ok) - 1) == NULL)
			return (false);
	return (true);
}

/*
 * A name fleetd can name, copied with its NUL; any other leaves dst ""
 * and the row is skipped: no lb_server can point at it, and one odd
 * backend of a shared HAProxy must not stop fleetd from reading the
 * others.
 */
static void
haproxy_name(const char *f, size_t len, char *dst)
{
	dst[0] = '\0';
	if (!haproxy_name_ok(f, len))
		return;
	memcpy(dst, f, len);
	dst[len] = '\0';
}

/* The version line: "1" only. */
static const char *
haproxy_parse_version(const char *line, size_t len)
{
	if (len == 0)
		return ("not a servers state reply");
	for (size_t i = 0; i < len; i++)
		if (line[i] < '0' || line[i] > '9')
			return ("not a servers state reply");
	if (len != 1 || line[0] != '1')
		return ("unsupported version");
	return (NULL);
}

/* "# be_id be_name ...": where the columns read are. */
static const char *
haproxy_parse_header(const char *line, size_t len, struct haproxy_cols *cols)
{
	const char *f;
	size_t flen, pos = 2;
	bool seen[HAPROXY_COL_N] = {false};

	if (len < 2 || line[0] != '#' || line[1] != ' ')
		return ("missing header");
	cols->ncols = 0;
	while (haproxy_next_field(line, len, &pos, &f, &flen)) {
		for (size_t k = 0; k < HAPROXY_COL_N; k++) {
			if (strlen(haproxy_col_name[k]) != flen ||
			    memcmp(haproxy_col_name[k], f, flen) != 0)
				continue;
			if (seen[k])
				return (
				    haproxy_line_error(2, "duplicate column"));
			seen[k] = true;
			cols->idx[k] = cols->ncols;
		}
		cols->ncols++;
	}
	for (size_t k = 0; k < HAPROXY_COL_N; k++)
		if (!seen[k])
			return (haproxy_col_missing[k]);
	return (NULL);
}

/* One field of a row, at column k. */
static const char *
haproxy_parse_field(
    enum haproxy_col k, const char *f, size_t flen, struct haproxy_server *s)
{
	uint32_t *num[HAPROXY_COL_N] = {NULL, NULL, &s->op_state,
	    &s->admin_state, &s->uweight, &s->iweight};

	if (k == HAPROXY_COL_BE || k == HAPROXY_COL_SRV) {
		haproxy_name(
		    f, flen, k == HAPROXY_COL_BE ? s->backend : s->server);
		return (NULL);
	}
	if (!haproxy_number(f, flen, num[k]))
		return ("bad number");
	return (NULL);
}

/* A server row: exactly as many fields as the header has columns. */
static const char *
haproxy_parse_row(const char *line, size_t len, const struct haproxy_cols *cols,
    struct haproxy_server *s)
{
	const char *f, *what;
	size_t flen, pos = 0, n = 0;

	memset(s, 0, sizeof(*s));
	while (haproxy_next_field(line, len, &pos, &f, &flen)) {
		if (n == cols->ncols)
			return ("too many fields");
		for (size_t k = 0; k < HAPROXY_COL_N; k++) {
			if (cols->idx[k] != n)
				continue;
			if ((what = haproxy_parse_field(k, f, flen, s)) != NULL)
				return (what);
		}
		n++;
	}
	if (n < cols->ncols)
		return ("too few fields");
	return (NULL);
}

/* Appends s to *rows (capacity *cap); false past HAPROXY_ROWS_MAX. */
static bool
haproxy_push(struct haproxy_server **rows, size_t *n, size_t *cap,
    const struct haproxy_server *s)
{
	if (*n == HAPROXY_ROWS_MAX)
		return (false);
	if (*n == *cap) {
		*cap = *cap == 0 ? 16 : *cap * 2;
		*rows = xreallocarray(*rows, *cap, sizeof(**rows));
	}
	(*rows)[(*n)++] = *s;
	return (true);
}

/* The rows after the header; an empty line ends the reply. */
static const char *
haproxy_parse_rows(struct haproxy_cursor *c, const struct haproxy_cols *cols,
    struct haproxy_server **rows, size_t *nrows)
{
	struct haproxy_server s;
	const char *line, *what;
	size_t len, cap = 0;
	bool ended = false;

	while (haproxy_next_line(c, &line, &len)) {
		if (haproxy_blank(line, len)) {
			ended = true;
			continue;
		}
		if (ended)
			return (haproxy_line_error(
			    c->lineno, "text after the end of the reply"));
		if ((what = haproxy_parse_row(line, len, cols, &s)) != NULL)
			return (haproxy_line_error(c->lineno, what));
		if (s.backend[0] == '\0' || s.server[0] == '\0')
			continue; /* a name no lb_server can hold */
		if (!haproxy_push(rows, nrows, &cap, &s))
			return ("too many rows");
	}
	return (NULL);
}

int
haproxy_parse_servers_state(const char *buf, size_t len,
    struct haproxy_server **rows, size_t *nrows, const char **errstr)
{
	struct haproxy_cursor c = {buf, len, 0};
	struct haproxy_cols cols;
	struct haproxy_server *r = NULL;
	const char *line = "", *what;
	size_t llen, n = 0;

	*rows = NULL;
	*nrows = 0;
	if (!haproxy_next_line(&c, &line, &llen))
		llen = 0;
	if ((what = haproxy_parse_version(line, llen)) != NULL)
		goto fail;
	if (!haproxy_next_line(&c, &line, &llen))
		llen = 0;
	if ((what = haproxy_parse_header(line, llen, &cols)) != NULL)
		goto fail;
	if ((what = haproxy_parse_rows(&c, &cols, &r, &n)) != NULL)
		goto fail;
	if (n == 0) {
		free(r);
		r = NULL;
	}
	*rows = r;
	*nrows = n;
	return (0);
fail:
	free(r);
	*errstr = what;
	return (-1);
}

void
haproxy_server_state(const struct haproxy_server *s, struct lb_state *st)
{
	uint64_t pct = 0;

	memset(st, 0, sizeof(*st));
	st->known = true;
	if (s->admin_state & HAPROXY_ADMF_MAINT)
		st->intent = POLICY_INTENT_MAINT;
	else if (s->admin_state & HAPROXY_ADMF_DRAIN)
		st->intent = POLICY_INTENT_DRAIN;
	else
		st->intent = POLICY_INTENT_READY;
	/* uweight may exceed iweight (set weight 200 on a 100): say so */
	if (s->iweight != 0)
		pct =
		    ((uint64_t)s->uweight * 100 + s->iweight / 2) / s->iweight;
	st->weight =
	    pct > HAPROXY_PERCENT_MAX ? HAPROXY_PERCENT_MAX : (uint32_t)pct;
	st->uweight = s->uweight;
	st->iweight = s->iweight;
}

uint32_t
haproxy_weight_for(uint32_t iweight, uint32_t pct)
{
	uint64_t w;

	if (pct == 0 || iweight == 0)
		return (0); /* a server declared weight 0 stays so */
	w = ((uint64_t)iweight * pct + 50) / 100;
	if (w < 1)
		w = 1;
	if (w > HAPROXY_WEIGHT_MAX)
		w = HAPROXY_WEIGHT_MAX;
	return ((uint32_t)w);
}

bool
haproxy_same(const struct lb_state *seen, const struct lb_want *want)
{
	if (!seen->known || seen->intent != want->intent)
		return (false);
	return (
	    want->intent != POLICY_INTENT_READY ||
	    seen->uweight == haproxy_weight_for(seen->iweight, want->weight));
}

bool
haproxy_reply_ok(const char *buf, size_t len, char *err, size_t errlen)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' ||
		    buf[i] == '\n')
			continue;
		if (errlen > 0)
			lb_text_clean(err, errlen, buf, len);
		if (errlen > 0 && err[0] == '\0') /* no printable byte */
			snprintf(err, errlen, "unprintable reply");
		return (false);
	}
	return (true);
}
