/* SPDX-License-Identifier: ISC */
/*
 * The limits a relay's Reports pass before the core stores them (see
 * core_int.h and docs/protocol.md, "Report limits").  Core thread only.
 *
 * They live in the core, not in ingest before the decode: telling a
 * resend (free) from a new Report, and a seq too far ahead, takes the
 * (epoch, seq) of the Report and the store, which only the core thread
 * reads.  The decode before costs at most one frame (1 MiB), paid once
 * the session's AEAD has verified, so only an enrolled relay can make
 * fleetd do it.
 *
 * Per relay, two token buckets, full at start: Reports (report_rate a
 * minute, as many at once) and new epochs (CORE_EPOCHS_PER_HOUR an hour,
 * as many at once).  A bucket's level counts in units of which one token
 * is `period` (ms) and each ms adds `per`: exact integer refill.
 */
#include "core_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

#define CORE_MINUTE_MS 60000
#define CORE_HOUR_MS   3600000
#define CORE_NLIMITS   (CORE_LIMIT_SEQ_AHEAD + 1)

struct core_bucket {
	uint64_t level;   /* units; one token = period units */
	uint64_t last_ms; /* of the last refill */
};

/* A relay's buckets and how loud its refusals were. */
struct core_relay_limits {
	struct core_bucket reports, epochs;
	bool has_warned[CORE_NLIMITS];
	uint64_t warned_ms[CORE_NLIMITS];
	uint64_t quiet[CORE_NLIMITS]; /* turned away since that warning */
};

struct core_limits {
	const struct fleetd_limits *conf;
	size_t nrelays;
	struct core_relay_limits *relay;
};

/* Refills b at per tokens a period_ms, up to per tokens. */
static void
core_bucket_refill(
    struct core_bucket *b, uint64_t per, uint64_t period_ms, uint64_t now_ms)
{
	uint64_t elapsed = now_ms > b->last_ms ? now_ms - b->last_ms : 0;
	uint64_t cap = per * period_ms;

	if (elapsed > period_ms)
		elapsed = period_ms; /* full after one period anyway */
	b->level += elapsed * per;
	if (b->level > cap)
		b->level = cap;
	b->last_ms = now_ms;
}

struct core_limits *
core_limits_new(const struct fleetd_limits *l, size_t nrelays, uint64_t now_ms)
{
	struct core_limits *cl = xcalloc(1, sizeof(*cl));

	cl->conf = l;
	cl->nrelays = nrelays;
	cl->relay = xcalloc(nrelays + 1, sizeof(*cl->relay));
	for (size_t i = 0; i < nrelays; i++) {
		cl->relay[i].reports.level = l->report_rate * CORE_MINUTE_MS;
		cl->relay[i].reports.last_ms = now_ms;
		cl->relay[i].epochs.level =
		    (uint64_t)CORE_EPOCHS_PER_HOUR * CORE_HOUR_MS;
		cl->relay[i].epochs.last_ms = now_ms;
	}
	return (cl);
}

void
core_limits_free(struct core_limits *cl)
{
	if (cl == NULL)
		return;
	free(cl->relay);
	free(cl);
}

bool
core_limit_is_final(enum core_limit l)
{
	switch (l) {
	case CORE_LIMIT_NONE:
	case CORE_LIMIT_RATE:
	case CORE_LIMIT_EPOCHS:
		return (false);
	case CORE_LIMIT_BYTES:
	case CORE_LIMIT_SEQ_AHEAD:
		return (true);
	}
	return (false);
}

static uint64_t
core_limits_sample_bytes(const struct wire_report *r)
{
	uint64_t n = 0;

	for (size_t i = 0; i < r->n_samples; i++)
		if (r->samples[i].text != NULL)
			n += strlen(r->samples[i].text);
	return (n);
}

/* The checks that refuse for good; they take no token. */
static enum core_limit
core_limits_final(const struct fleetd_limits *l, const struct wire_report *r,
    const struct store_seen *seen, char *why, size_t whylen)
{
	uint64_t bytes = core_limits_sample_bytes(r);

	if (bytes > l->max_report_bytes) {
		snprintf(why, whylen,
		    "refused: samples hold %" PRIu64 " bytes of text, over "
		    "max_report_bytes (%" PRIu64 ")",
		    bytes, l->max_report_bytes);
		return (CORE_LIMIT_BYTES);
	}
	if (seen->has_epoch && r->seq > seen->max_seq &&
	    r->seq - seen->max_seq > l->max_seq_ahead) {
		snprintf(why, whylen,
		    "refused: seq %" PRIu64 " is more than max_seq_ahead "
		    "(%" PRIu64 ") past the last stored seq %" PRIu64
		    " of this epoch",
		    r->seq, l->max_seq_ahead, seen->max_seq);
		return (CORE_LIMIT_SEQ_AHEAD);
	}
	return (CORE_LIMIT_NONE);
}

enum core_limit
core_limits_check(struct core_limits *cl, size_t relay,
    const struct wire_report *r, const struct store_seen *seen, uint64_t now_ms,
    char *why, size_t whylen)
{
	struct core_relay_limits *rl = &cl->relay[relay];
	const struct fleetd_limits *l = cl->conf;
	enum core_limit v;

	why[0] = '\0';
	if ((v = core_limits_final(l, r, seen, why, whylen)) != CORE_LIMIT_NONE)
		return (v);
	core_bucket_refill(
	    &rl->reports, l->report_rate, CORE_MINUTE_MS, now_ms);
	core_bucket_refill(
	    &rl->epochs, CORE_EPOCHS_PER_HOUR, CORE_HOUR_MS, now_ms);
	if (!seen->has_epoch && rl->epochs.level < CORE_HOUR_MS) {
		snprintf(why, whylen,
		    "rate limited: over %d new epochs an hour from this "
		    "relay; retry later",
		    CORE_EPOCHS_PER_HOUR);
		return (CORE_LIMIT_EPOCHS);
	}
	if (rl->reports.level < CORE_MINUTE_MS) {
		snprintf(why, whylen,
		    "rate limited: over %" PRIu64 " reports a minute from "
		    "this relay; retry later",
		    l->report_rate);
		return (CORE_LIMIT_RATE);
	}
	if (!seen->has_epoch)
		rl->epochs.level -= CORE_HOUR_MS;
	rl->reports.level -= CORE_MINUTE_MS;
	return (CORE_LIMIT_NONE);
}

/* Logs j's refusal unless this relay had one of its kind too recently. */
static void
core_limits_warn(struct core_limits *cl, const char *name,
    const struct core_job *j, uint64_t now_ms)
{
	struct core_relay_limits *rl = &cl->relay[j->peer];
	size_t k = (size_t)j->limit;
	char more[64] = "";

	if (rl->has_warned[k] &&
	    now_ms - rl->warned_ms[k] < CORE_LIMITS_WARN_MS) {
		rl->quiet[k]++;
		return;
	}
	if (rl->quiet[k] > 0)
		snprintf(more, sizeof(more),
		    " (and %" PRIu64 " more since the last warning)",
		    rl->quiet[k]);
	log_warnx("core: relay=%s: report epoch=%016" PRIx64 " seq=%" PRIu64
	          " turned away: %s%s",
	    name, j->report.epoch, j->report.seq, j->limit_why, more);
	rl->has_warned[k] = true;
	rl->warned_ms[k] = now_ms;
	rl->quiet[k] = 0;
}

int
core_limits_admit(struct core_limits *cl, struct store *st, const char *name,
    struct core_job *j, uint64_t now_ms)
{
	struct store_seen seen;

	j->is_dup = false;
	j->limit = CORE_LIMIT_NONE;
	j->limit_why[0] = '\0';
	if (store_report_seen(
	        st, name, j->report.epoch, j->report.seq, &seen) == -1)
		return (-1);
	if (seen.is_stored) {
		j->is_dup = true; /* a resend after a lost Ack: no token */
		return (0);
	}
	j->limit = core_limits_check(cl, j->peer, &j->report, &seen, now_ms,
	    j->limit_why, sizeof(j->limit_why));
	if (j->limit != CORE_LIMIT_NONE)
		core_limits_warn(cl, name, j, now_ms);
	return (0);
}

void
core_limits_answer(const struct core_job *j, bool stored, bool is_full,
    struct wire_agent_reply *a)
{
	memset(a, 0, sizeof(*a));
	if (!stored) /* nothing of the batch is on disk: all may come again */
		snprintf(a->error, sizeof(a->error),
		    "store unavailable%s: retry later",
		    is_full ? " (disk full)" : "");
	else if (j->limit != CORE_LIMIT_NONE) {
		util_strlcpy(a->error, j->limit_why, sizeof(a->error));
		a->is_refused = core_limit_is_final(j->limit);
	} else {
		a->acked_epoch = j->report.epoch;
		a->acked_seq = j->report.seq;
		a->duplicate = j->is_dup;
	}
}
