/* SPDX-License-Identifier: ISC */
/*
 * The benchmark's Report pool (see mix.h).  Deliveries go to receiving
 * providers in the proportions of a bulk sender's list; a failure takes
 * a real receiver text from responses.tsv (for the same provider when the
 * file has one), its status from the text's enhanced code (4 deferred, 5
 * bounced, none: deferred 4.4.1, as Postfix says for connection
 * failures).  Counting goes through agent/tally.c, so counters and
 * samples (at most 3 texts per provider and class) are what the agent
 * sends.  Runs on the main thread before the agents start.
 */
#include "mix.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reason.h"
#include "tally.h"
#include "util.h"

#define MIX_ROWS_MAX  1024
#define MIX_LINE_MAX  (WIRE_TEXT_MAX + 512)
#define MIX_CHECK_ONE 60 /* checks every 10 min: one Report in 60 */

struct mix_row {
	char provider[WIRE_PROVIDER_MAX + 1];
	enum reason_class cls;
	char mx[WIRE_HOST_MAX + 1];
	char *text;
	enum delivery_status status;
	char dsn[WIRE_DSN_MAX + 1];
};

struct mix_rows {
	size_t n;
	struct mix_row row[MIX_ROWS_MAX];
};

/* Where a bulk sender's mail goes (percent) and the MX it meets there. */
static const struct {
	const char *provider, *mx;
	unsigned weight;
} mix_providers[] = {
    {"google", "gmail-smtp-in.l.google.com", 30},
    {"outlook", "hotmail-com.olc.protection.outlook.com", 18},
    {"other", "mx.example.org", 19},
    {"yahoo", "mta5.am0.yahoodns.net", 10},
    {"office365", "contoso-com.mail.protection.outlook.com", 8},
    {"apple", "mx01.mail.icloud.com", 5},
    {"comcast", "mx1.comcast.net", 3},
    {"gmx", "mx00.gmx.net", 3},
    {"orange", "smtp-in.orange.fr", 2},
    {"qq", "mx3.qq.com", 2},
};
#define MIX_NPROVIDERS (sizeof(mix_providers) / sizeof(mix_providers[0]))

uint64_t
mix_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

static unsigned
mix_below(uint64_t *state, unsigned n)
{
	return ((unsigned)(mix_rand(state) % n));
}

bool
mix_profile_parse(const char *s, enum mix_profile *p)
{
	if (strcmp(s, "typical") == 0)
		*p = MIX_TYPICAL;
	else if (strcmp(s, "troubled") == 0)
		*p = MIX_TROUBLED;
	else
		return (false);
	return (true);
}

/* The enhanced status code in text ("5.7.1"), or "" if it has none. */
static void
mix_find_dsn(const char *text, char dsn[WIRE_DSN_MAX + 1])
{
	dsn[0] = '\0';
	for (const char *p = text; *p != '\0'; p++) {
		size_t n = strspn(p, "0123456789.");
		int dots = 0;

		if ((*p != '4' && *p != '5') || p[1] != '.' ||
		    (p > text &&
		        (isdigit((unsigned char)p[-1]) || p[-1] == '.')))
			continue;
		for (size_t i = 0; i < n; i++)
			dots += p[i] == '.';
		if (dots == 2 && n <= WIRE_DSN_MAX && p[n - 1] != '.') {
			memcpy(dsn, p, n);
			dsn[n] = '\0';
			return;
		}
	}
}

/* Status and dsn of a receiver text, as the Postfix log would say. */
static void
mix_row_status(struct mix_row *r)
{
	const char *code;

	mix_find_dsn(r->text, r->dsn);
	if (r->dsn[0] == '\0' && ((code = strstr(r->text, "smtp;")) != NULL ||
	                             (code = strstr(r->text, "]: ")) != NULL)) {
		code += code[0] == 's' ? 5 : 3;
		if (code[0] == '4' || code[0] == '5')
			snprintf(r->dsn, sizeof(r->dsn), "%c.0.0", code[0]);
	}
	if (r->dsn[0] == '\0' && (r->text[0] == '4' || r->text[0] == '5'))
		snprintf(r->dsn, sizeof(r->dsn), "%c.0.0", r->text[0]);
	if (r->dsn[0] == '\0')
		util_strlcpy(r->dsn, "4.4.1", sizeof(r->dsn));
	r->status = r->dsn[0] == '5' ? STATUS_BOUNCED : STATUS_DEFERRED;
}

static int
mix_row_parse(struct mix_row *r, char *line)
{
	char *f[4], *p = line;

	line[strcspn(line, "\r\n")] = '\0';
	for (int i = 0; i < 4; i++) {
		f[i] = strsep(&p, "\t");
		if (f[i] == NULL)
			return (-1);
	}
	if (!reason_class_parse(f[3], &r->cls) || !wire_provider_ok(f[2]) ||
	    strlen(f[1]) > WIRE_TEXT_MAX || f[1][0] == '\0')
		return (-1);
	util_strlcpy(r->provider, f[2], sizeof(r->provider));
	util_strlcpy(r->mx, f[0], sizeof(r->mx));
	r->text = xstrdup(f[1]);
	mix_row_status(r);
	return (0);
}

static int
mix_rows_load(struct mix_rows *rs, const char *path, char *err, size_t errlen)
{
	char *line = xmalloc(MIX_LINE_MAX);
	unsigned lineno = 0;
	FILE *fp;
	int rv = -1;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot open", path);
		free(line);
		return (-1);
	}
	while (fgets(line, MIX_LINE_MAX, fp) != NULL) {
		if (++lineno == 1 || line[0] == '\n')
			continue; /* the header */
		if (rs->n == MIX_ROWS_MAX ||
		    mix_row_parse(&rs->row[rs->n], line) == -1) {
			snprintf(err, errlen, "%s:%u: bad row", path, lineno);
			goto out;
		}
		rs->n++;
	}
	if (rs->n == 0)
		snprintf(err, errlen, "%s: no rows", path);
	else
		rv = 0;
out:
	fclose(fp);
	free(line);
	return (rv);
}

static void
mix_rows_free(struct mix_rows *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		free(rs->row[i].text);
	rs->n = 0;
}

/* Whether a healthy relay sees this class now and then. */
static bool
mix_row_fits(const struct mix_row *r, enum mix_profile profile)
{
	return (profile == MIX_TROUBLED ||
	        (!reason_class_is_ip(r->cls) && r->cls != CLASS_PTR));
}

/* A failure for provider: one of its rows if the file has some. */
static const struct mix_row *
mix_pick_row(const struct mix_rows *rs, const char *provider,
    enum mix_profile profile, uint64_t *rnd)
{
	const struct mix_row *fit[MIX_ROWS_MAX];
	size_t n = 0, nany = 0;

	for (size_t i = 0; i < rs->n; i++)
		if (mix_row_fits(&rs->row[i], profile) &&
		    strcmp(rs->row[i].provider, provider) == 0)
			fit[n++] = &rs->row[i];
	if (n > 0)
		return (fit[mix_below(rnd, (unsigned)n)]);
	for (size_t i = 0; i < rs->n; i++)
		if (mix_row_fits(&rs->row[i], profile))
			fit[nany++] = &rs->row[i];
	return (fit[mix_below(rnd, (unsigned)nany)]);
}

static size_t
mix_pick_provider(uint64_t *rnd)
{
	unsigned total = 0, x;

	for (size_t i = 0; i < MIX_NPROVIDERS; i++)
		total += mix_providers[i].weight;
	x = mix_below(rnd, total);
	for (size_t i = 0; i < MIX_NPROVIDERS; i++) {
		if (x < mix_providers[i].weight)
			return (i);
		x -= mix_providers[i].weight;
	}
	return (0);
}

/* One 10 s interval of results into t; returns the number failed. */
static unsigned
mix_interval(struct tally *t, const struct mix_rows *rs,
    enum mix_profile profile, uint64_t now, uint64_t *rnd)
{
	unsigned fail_pct = profile == MIX_TROUBLED ? 35 : 8, failed = 0;
	unsigned mails = MIX_MAILS_PER_MIN * MIX_INTERVAL_S / 60 - 5 +
	                 mix_below(rnd, 11); /* 28..38 */
	static const char ok[] = "250 2.0.0 OK  1700000000 a1si1234567qkb.1";

	for (unsigned m = 0; m < mails; m++) {
		size_t p = mix_pick_provider(rnd);
		struct tally_result r = {.provider = mix_providers[p].provider,
		    .cls = CLASS_DELIVERED,
		    .status = STATUS_SENT,
		    .dsn = "2.0.0",
		    .text = ok,
		    .textlen = sizeof(ok) - 1,
		    .mx_host = mix_providers[p].mx,
		    .when = now - mix_below(rnd, MIX_INTERVAL_S)};

		if (mix_below(rnd, 100) < fail_pct) {
			const struct mix_row *row =
			    mix_pick_row(rs, r.provider, profile, rnd);

			r.provider = row->provider;
			r.cls = row->cls;
			r.status = row->status;
			r.dsn = row->dsn;
			r.text = row->text;
			r.textlen = strlen(row->text);
			r.mx_host = row->mx;
			failed++;
		}
		tally_add(t, &r);
	}
	return (failed);
}

/* The last queue scan: a few deferred by the classes of the failures. */
static void
mix_queue(struct wire_report *r, unsigned failed, enum mix_profile profile,
    uint64_t now, uint64_t *rnd)
{
	struct wire_queue *q = &r->queue;
	size_t nby = 0;

	r->has_queue = true;
	q->valid = true;
	q->taken_at = now - mix_below(rnd, 30);
	q->incoming = mix_below(rnd, 3);
	q->active = mix_below(rnd, 7);
	q->deferred =
	    failed + mix_below(rnd, profile == MIX_TROUBLED ? 200 : 4);
	q->oldest_deferred_age =
	    q->deferred == 0 ? 0 : 60 + mix_below(rnd, 3600);
	q->by = xcalloc(r->n_samples + 1, sizeof(*q->by));
	for (size_t i = 0; i < r->n_samples && q->deferred > 0; i++) {
		const struct wire_sample *s = &r->samples[i];
		bool seen = false;

		for (size_t j = 0; j < nby; j++)
			seen |= strcmp(q->by[j].provider, s->provider) == 0 &&
			        q->by[j].cls == s->cls;
		if (seen || s->status != STATUS_DEFERRED)
			continue;
		util_strlcpy(q->by[nby].provider, s->provider,
		    sizeof(q->by[nby].provider));
		q->by[nby].cls = s->cls;
		q->by[nby++].count = 1 + mix_below(rnd, q->deferred);
	}
	q->n_by = nby;
}

static void
mix_checks(struct wire_report *r, uint64_t now)
{
	static const char *names[] = {"ptr", "fcrdns", "helo",
	    "dnsbl:zen.spamhaus.org", "dnsbl:bl.spamcop.net", "master"};
	static const char *details[] = {"mx1.relay.example.net",
	    "mx1.relay.example.net resolves to 192.0.2.10",
	    "helo mx1.relay.example.net matches the ptr", "not listed",
	    "not listed", "postfix master pid 812"};
	size_t n = sizeof(names) / sizeof(names[0]);

	r->checks = xcalloc(n, sizeof(*r->checks));
	for (size_t i = 0; i < n; i++) {
		util_strlcpy(
		    r->checks[i].name, names[i], sizeof(r->checks[i].name));
		util_strlcpy(r->checks[i].detail, details[i],
		    sizeof(r->checks[i].detail));
		r->checks[i].state = CHECK_OK;
		r->checks[i].checked_at = now;
	}
	r->n_checks = n;
}

static void
mix_template(struct wire_report *r, size_t k, const struct mix_rows *rs,
    enum mix_profile profile, uint64_t now, uint64_t *rnd)
{
	struct tally *t = tally_new();
	unsigned failed;

	failed = mix_interval(t, rs, profile, now, rnd);
	tally_fill_report(t, r);
	tally_free(t);
	mix_queue(r, failed, profile, now, rnd);
	if (k % MIX_CHECK_ONE == 0)
		mix_checks(r, now);
	util_strlcpy(
	    r->agent_version, "relayfleet/0.1", sizeof(r->agent_version));
}

/* Sizes of the pool as encoded for a typical hostname. */
static int
mix_measure(struct mix_pool *p, char *err, size_t errlen)
{
	size_t total = 0, counters = 0, samples = 0;
	const char *errstr;
	uint8_t *buf;
	size_t len;

	p->bytes_min = SIZE_MAX;
	for (size_t i = 0; i < p->n; i++) {
		if (mix_encode(p, i, UINT64_MAX / 3, 1000 + i,
		        "relay01234.mail.example.net", util_wall_s(), &buf,
		        &len, &errstr) == -1) {
			snprintf(err, errlen, "template %zu: %s", i, errstr);
			return (-1);
		}
		free(buf);
		total += len;
		p->bytes_min = len < p->bytes_min ? len : p->bytes_min;
		p->bytes_max = len > p->bytes_max ? len : p->bytes_max;
		counters += p->r[i].n_counters;
		samples += p->r[i].n_samples;
	}
	p->bytes_avg = (double)total / (double)p->n;
	p->counters_avg10 = counters * 10 / p->n;
	p->samples_avg10 = samples * 10 / p->n;
	return (0);
}

int
mix_pool_build(struct mix_pool *p, const char *responses,
    enum mix_profile profile, size_t n, uint64_t seed, char *err, size_t errlen)
{
	struct mix_rows *rs = xcalloc(1, sizeof(*rs));
	uint64_t rnd = seed, now = util_wall_s();
	int rv = -1;

	memset(p, 0, sizeof(*p));
	if (n == 0 || mix_rows_load(rs, responses, err, errlen) == -1)
		goto out;
	p->r = xcalloc(n, sizeof(*p->r));
	p->n = n;
	for (size_t k = 0; k < n; k++)
		mix_template(&p->r[k], k, rs, profile, now, &rnd);
	rv = mix_measure(p, err, errlen);
out:
	mix_rows_free(rs);
	free(rs);
	return (rv);
}

void
mix_pool_free(struct mix_pool *p)
{
	for (size_t i = 0; i < p->n; i++)
		wire_report_fini(&p->r[i]);
	free(p->r);
	p->r = NULL;
	p->n = 0;
}

int
mix_encode(const struct mix_pool *p, size_t i, uint64_t epoch, uint64_t seq,
    const char *hostname, uint64_t now_s, uint8_t **buf, size_t *len,
    const char **errstr)
{
	struct wire_report r = p->r[i % p->n]; /* shallow: borrowed arrays */

	r.epoch = epoch;
	r.seq = seq;
	r.interval_end = now_s;
	r.interval_start = now_s - MIX_INTERVAL_S;
	util_strlcpy(r.hostname, hostname, sizeof(r.hostname));
	return (wire_report_encode(&r, buf, len, errstr));
}
