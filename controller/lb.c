/* SPDX-License-Identifier: ISC */
/*
 * The load balancer reconciler (see lb.h): one thread per [lb NAME], all
 * fed from one published set of intents under `mtx`.  A thread wakes for
 * a new set (a change round: only what differs is touched), for a retry
 * after a failed round (backoff 1 s, 2 s, 4 s ... up to resync), or when
 * its next full round is due (at start and every `resync`).  Each round
 * reads the LB, notes drift (a slot that is no longer what this thread
 * last saw there), applies what differs, flushes, reads again to verify,
 * and hands a struct lb_result to the core.
 *
 * Slots whose state the driver cannot tell (exec, or a server missing
 * from HAProxy) are applied on a full round, when their want changed
 * since the last attempt, or when that attempt failed; a good round ends
 * the backoff.  A slot whose apply may have acted but was not verified
 * (a timeout, an error half-way) is not known to anyone: the next read
 * sets it, and it is never counted as drift.
 */
#include "lb.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lb_driver.h"
#include "log.h"
#include "util.h"

#define LB_BACKOFF_MS 1000 /* first retry; doubles up to resync */
#define LB_HELD_PCT   50   /* a held drain keeps half its weight */

struct lb;

struct lb_inst {
	struct lb *l;
	size_t idx; /* in conf->lbs */
	const struct fleetd_lb *conf;
	struct lb_driver *d;
	struct lb_slot *slots;
	size_t nslots;
	pthread_t thread;
	bool started;

	/* the thread's own */
	uint64_t gen;              /* of the set last taken */
	uint64_t next_ms;          /* monotonic: the next full round */
	uint64_t retry_ms;         /* monotonic: the next retry; 0 none */
	uint32_t fails;            /* failed rounds in a row */
	struct lb_want *pub, *eff; /* per relay: published, effective */
	bool *held;                /* per relay */
	size_t floor;
	struct lb_state *seen;      /* per slot, this round */
	struct lb_state *confirmed; /* per slot, last seen there */
	struct lb_want *tried;      /* per slot, last applied */
	bool *tried_valid;          /* per slot */
	bool *tried_failed;         /* per slot: the last apply failed */
	bool *attempted, *done;     /* per slot, this round: apply called,
	                               and it succeeded */
	bool *was_ok;               /* per slot: as wanted before the apply */
};

struct lb {
	const struct fleetd_config *conf;
	lb_result_fn fn;
	void *arg;
	pthread_mutex_t mtx; /* wants, floor, gen */
	pthread_cond_t cv;
	struct lb_want *wants;
	size_t floor;
	uint64_t gen; /* 0: nothing published yet */
	atomic_bool stopping;
	size_t ninst;
	struct lb_inst *inst;
};

/* ---- the floor ----------------------------------------------------------- */

static bool
lb_takes_mail(const struct lb_want *w)
{
	return (w->intent == POLICY_INTENT_READY && w->weight > 0);
}

size_t
lb_floor_plan(const struct lb_want *wants, size_t n, size_t floor,
    struct lb_want *out, bool *held)
{
	size_t ready = 0, nheld = 0;

	for (size_t i = 0; i < n; i++) {
		out[i] = wants[i];
		held[i] = false;
		ready += lb_takes_mail(&wants[i]);
	}
	while (ready < floor) {
		size_t pick = n;

		for (size_t i = 0; i < n; i++) {
			if (held[i] || wants[i].operator|| wants[i].intent ==
			               POLICY_INTENT_READY)
				continue;
			if (pick == n || wants[i].since >= wants[pick].since)
				pick = i;
		}
		if (pick == n)
			break;
		out[pick].intent = POLICY_INTENT_READY;
		out[pick].weight = LB_HELD_PCT;
		held[pick] = true;
		ready++;
		nheld++;
	}
	return (nheld);
}

/* ---- one round ----------------------------------------------------------- */

static bool
lb_want_equal(const struct lb_want *a, const struct lb_want *b)
{
	return (a->intent == b->intent &&
	        (a->intent != POLICY_INTENT_READY || a->weight == b->weight));
}

/* Both known and the same: intent, and for ready the weights. */
static bool
lb_state_equal(const struct lb_state *a, const struct lb_state *b)
{
	if (!a->known || !b->known || a->intent != b->intent)
		return (false);
	return (a->intent != POLICY_INTENT_READY ||
	        (a->weight == b->weight && a->uweight == b->uweight));
}

static bool
lb_same(
    const struct lb_inst *in, const struct lb_state *s, const struct lb_want *w)
{
	if (in->d->same != NULL)
		return (in->d->same(s, w));
	return (lb_same_default(s, w));
}

static struct lb_state
lb_state_of(const struct lb_want *w)
{
	struct lb_state s = {.known = true, .intent = w->intent};

	if (w->intent == POLICY_INTENT_READY)
		s.weight = w->weight;
	return (s);
}

static void
lb_relay_error(struct lb_result *r, size_t relay, const char *err)
{
	struct lb_relay_result *rr = &r->relays[relay];

	if (rr->error[0] == '\0') {
		util_strlcpy(rr->error, err, sizeof(rr->error));
		r->failed++;
	}
}

/* Reads every slot; false (r->error set) if the LB could not be read. */
static bool
lb_read(struct lb_inst *in, struct lb_result *r, const char *what)
{
	char err[LB_ERROR_MAX] = "";

	in->d->stale = false;
	if (!in->d->can_read) {
		memset(in->seen, 0, in->nslots * sizeof(*in->seen));
		return (true);
	}
	if (in->d->read(
	        in->d, in->slots, in->nslots, in->seen, err, sizeof(err)) == 0)
		return (true);
	memset(in->seen, 0, in->nslots * sizeof(*in->seen));
	snprintf(r->error, sizeof(r->error), "%s%s", what, err);
	return (false);
}

/* Slots whose state changed behind our back since we last saw them. */
static void
lb_note_drift(struct lb_inst *in, struct lb_result *r)
{
	for (size_t s = 0; s < in->nslots; s++) {
		const struct lb_state *c = &in->confirmed[s];

		if (in->seen[s].known && c->known &&
		    !lb_state_equal(&in->seen[s], c))
			r->relays[in->slots[s].relay].drift = true;
	}
}

static bool
lb_needs(const struct lb_inst *in, size_t s, bool full)
{
	const struct lb_want *w = &in->eff[in->slots[s].relay];

	if (in->seen[s].known)
		return (!lb_same(in, &in->seen[s], w));
	return (full || !in->tried_valid[s] || in->tried_failed[s] ||
	        !lb_want_equal(&in->tried[s], w));
}

/* Applies what differs; false if the LB stopped answering. */
static bool
lb_apply_all(struct lb_inst *in, struct lb_result *r, bool full, bool *needed)
{
	char err[LB_ERROR_MAX];

	*needed = false;
	for (size_t s = 0; s < in->nslots; s++) {
		const struct lb_want *w = &in->eff[in->slots[s].relay];
		enum lb_apply_rc rc;

		if (!lb_needs(in, s, full))
			continue;
		*needed = true;
		if (atomic_load(&in->l->stopping))
			return (false);
		in->was_ok[s] =
		    in->d->can_read
		        ? in->seen[s].known && lb_same(in, &in->seen[s], w)
		        : in->confirmed[s].known &&
		              lb_same(in, &in->confirmed[s], w);
		in->attempted[s] = true;
		err[0] = '\0';
		rc = in->d->apply(
		    in->d, &in->slots[s], w, &in->seen[s], err, sizeof(err));
		in->tried[s] = *w;
		in->tried_valid[s] = true;
		if (rc == LB_APPLY_OK)
			in->done[s] = true;
		else if (rc == LB_APPLY_FAILED)
			lb_relay_error(r, in->slots[s].relay, err);
		else {
			util_strlcpy(r->error, err, sizeof(r->error));
			return (false);
		}
	}
	return (true);
}

/* The flush call with every slot's effective want. */
static bool
lb_flush(struct lb_inst *in, struct lb_result *r)
{
	struct lb_want *w;
	char err[LB_ERROR_MAX] = "";
	int rv;

	if (in->d->flush == NULL)
		return (true);
	w = xcalloc(in->nslots + 1, sizeof(*w));
	for (size_t s = 0; s < in->nslots; s++)
		w[s] = in->eff[in->slots[s].relay];
	rv = in->d->flush(in->d, in->slots, w, in->nslots, err, sizeof(err));
	free(w);
	if (rv == 0)
		return (true);
	snprintf(r->error, sizeof(r->error), "%s", err);
	for (size_t s = 0; s < in->nslots; s++)
		in->done[s] = false;
	return (false);
}

/* What slot s has now, as far as fleetd knows. */
static const struct lb_state *
lb_now(const struct lb_inst *in, size_t s)
{
	return (in->d->can_read ? &in->seen[s] : &in->confirmed[s]);
}

static void
lb_relay_seen(
    struct lb_relay_result *rr, const struct lb_state *st, const char *target)
{
	rr->known = st->known;
	rr->intent = st->known ? st->intent : POLICY_INTENT_READY;
	rr->weight = st->known ? st->weight : 0;
	util_strlcpy(rr->target, target, sizeof(rr->target));
}

/*
 * Each relay: in sync if every slot of it is what it should be; what the
 * LB has is that of its first slot off, else of its first slot.  A slot
 * applied without error that still is not as wanted is that relay's
 * failure (an LB that says yes and does otherwise).
 */
static void
lb_summarize(struct lb_inst *in, struct lb_result *r)
{
	char err[LB_ERROR_MAX], seen[24];

	for (size_t s = 0; s < in->nslots; s++) {
		const struct lb_slot *sl = &in->slots[s];
		struct lb_relay_result *rr = &r->relays[sl->relay];
		const struct lb_state *st = lb_now(in, s);
		bool ok = st->known && lb_same(in, st, &in->eff[sl->relay]);

		if (!rr->has_targets)
			lb_relay_seen(rr, st, "");
		rr->has_targets = true;
		if (in->done[s] && ok && !in->was_ok[s])
			r->applied++;
		if (in->done[s] && !ok && r->reached && st->known) {
			if (st->intent == POLICY_INTENT_READY)
				snprintf(seen, sizeof(seen), "ready %u%%",
				    st->weight);
			else
				snprintf(seen, sizeof(seen), "%s",
				    lb_intent_name(st->intent));
			snprintf(err, sizeof(err),
			    "%s: accepted, but it still has %s", sl->target,
			    seen);
			lb_relay_error(r, sl->relay, err);
		}
		if (ok || !rr->in_sync)
			continue;
		rr->in_sync = false;
		lb_relay_seen(rr, st, sl->target);
	}
	for (size_t i = 0; i < r->nrelays; i++) {
		r->relays[i].held &= r->relays[i].has_targets;
		if (r->relays[i].in_sync)
			r->relays[i].target[0] = '\0';
	}
}

static struct lb_result *
lb_result_new(const struct lb_inst *in, size_t n)
{
	struct lb_result *r = xcalloc(1, sizeof(*r));

	r->lb = in->idx;
	r->nrelays = n;
	r->relays = xcalloc(n + 1, sizeof(*r->relays));
	for (size_t i = 0; i < n; i++) {
		r->relays[i].in_sync = true;
		r->relays[i].held = in->held[i];
	}
	return (r);
}

/* What each slot is now believed to hold, for the next drift check. */
static void
lb_confirm(struct lb_inst *in, bool verified)
{
	for (size_t s = 0; s < in->nslots; s++) {
		if (in->attempted[s])
			in->tried_failed[s] = !in->done[s];
		if (!in->d->can_read) {
			if (in->done[s])
				in->confirmed[s] = lb_state_of(&in->tried[s]);
			else if (in->attempted[s])
				in->confirmed[s].known = false; /* who knows */
		} else if (in->attempted[s] && !verified)
			in->confirmed[s].known = false; /* maybe changed */
		else if (in->seen[s].known)
			in->confirmed[s] = in->seen[s];
	}
}

static struct lb_result *
lb_round(struct lb_inst *in, bool full)
{
	size_t n = in->l->conf->nrelays;
	uint64_t t0 = util_now_ms();
	struct lb_result *r;
	bool needed = false, any = false, verified = false;

	(void)lb_floor_plan(in->pub, n, in->floor, in->eff, in->held);
	r = lb_result_new(in, n);
	memset(in->done, 0, in->nslots * sizeof(*in->done));
	memset(in->attempted, 0, in->nslots * sizeof(*in->attempted));
	memset(in->was_ok, 0, in->nslots * sizeof(*in->was_ok));
	r->reached = lb_read(in, r, "");
	if (r->reached) {
		lb_note_drift(in, r);
		if (!lb_apply_all(in, r, full, &needed))
			r->reached = false;
	}
	needed |= in->d->stale;
	if (r->reached && needed && lb_flush(in, r)) {
		for (size_t s = 0; s < in->nslots; s++)
			any |= in->done[s];
		if (any && in->d->can_read) {
			verified = lb_read(in, r, "verify: ");
			r->reached = verified;
		}
	}
	lb_confirm(in, verified);
	lb_summarize(in, r);
	r->at = util_wall_s();
	r->elapsed_ms = util_now_ms() - t0;
	return (r);
}

/* ---- the threads --------------------------------------------------------- */

/*
 * After a round: a failed one is retried with backoff (the retry applies
 * what failed, as any round does); a good one ends the backoff; a full one
 * sets the next resync.
 */
static void
lb_schedule(struct lb_inst *in, const struct lb_result *r, bool full)
{
	bool failed = !r->reached || r->error[0] != '\0' || r->failed > 0;
	uint64_t now = util_now_ms();

	if (full)
		in->next_ms = now + in->conf->resync_ms;
	if (failed) {
		uint64_t back = LB_BACKOFF_MS;

		for (uint32_t i = 0;
		     i < in->fails && back < in->conf->resync_ms; i++)
			back *= 2;
		if (back > in->conf->resync_ms)
			back = in->conf->resync_ms;
		in->fails++;
		in->retry_ms = now + back;
	} else {
		in->fails = 0;
		in->retry_ms = 0;
	}
}

/* With l->mtx held: until a new set, a retry, the next full round, or stop. */
static void
lb_wait(struct lb_inst *in)
{
	struct lb *l = in->l;

	for (;;) {
		uint64_t now = util_now_ms(), left;
		struct timespec ts;

		if (atomic_load(&l->stopping))
			return;
		if (l->gen == 0) {
			pthread_cond_wait(&l->cv, &l->mtx);
			continue;
		}
		if (l->gen != in->gen || now >= in->next_ms ||
		    (in->retry_ms != 0 && now >= in->retry_ms))
			return;
		left = in->next_ms - now;
		if (in->retry_ms != 0 && in->retry_ms - now < left)
			left = in->retry_ms - now;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += (time_t)(left / 1000);
		ts.tv_nsec += (long)(left % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&l->cv, &l->mtx, &ts);
	}
}

static void *
lb_thread(void *arg)
{
	struct lb_inst *in = arg;
	struct lb *l = in->l;
	size_t n = l->conf->nrelays;

	pthread_mutex_lock(&l->mtx);
	for (;;) {
		struct lb_result *r;
		bool full;

		lb_wait(in);
		if (atomic_load(&l->stopping))
			break;
		full = util_now_ms() >= in->next_ms;
		memcpy(in->pub, l->wants, n * sizeof(*in->pub));
		in->floor = l->floor;
		in->gen = l->gen;
		pthread_mutex_unlock(&l->mtx);

		r = lb_round(in, full);
		lb_schedule(in, r, full);
		if (r->error[0] != '\0')
			log_debug("lb %s: %s", in->conf->name, r->error);
		l->fn(l->arg, r);

		pthread_mutex_lock(&l->mtx);
	}
	pthread_mutex_unlock(&l->mtx);
	return (NULL);
}

/* ---- start, publish, stop ------------------------------------------------ */

void
lb_result_free(struct lb_result *r)
{
	if (r == NULL)
		return;
	free(r->relays);
	free(r);
}

static int
lb_inst_init(struct lb *l, size_t i, char *err, size_t errlen)
{
	struct lb_inst *in = &l->inst[i];
	const struct fleetd_lb *conf = &l->conf->lbs[i];
	size_t n = l->conf->nrelays;

	in->l = l;
	in->idx = i;
	in->conf = conf;
	switch (conf->driver) {
	case LB_DRIVER_HAPROXY:
		in->d = lb_haproxy_new(
		    l->conf, conf, &in->slots, &in->nslots, err, errlen);
		break;
	case LB_DRIVER_FILE:
		in->d = lb_file_new(
		    l->conf, conf, &in->slots, &in->nslots, err, errlen);
		break;
	case LB_DRIVER_EXEC:
		in->d = lb_exec_new(
		    l->conf, conf, &in->slots, &in->nslots, err, errlen);
		break;
	}
	if (in->d == NULL)
		return (-1);
	in->d->cancel = &l->stopping;
	in->pub = xcalloc(n + 1, sizeof(*in->pub));
	in->eff = xcalloc(n + 1, sizeof(*in->eff));
	in->held = xcalloc(n + 1, sizeof(*in->held));
	in->seen = xcalloc(in->nslots + 1, sizeof(*in->seen));
	in->confirmed = xcalloc(in->nslots + 1, sizeof(*in->confirmed));
	in->tried = xcalloc(in->nslots + 1, sizeof(*in->tried));
	in->tried_valid = xcalloc(in->nslots + 1, sizeof(*in->tried_valid));
	in->tried_failed = xcalloc(in->nslots + 1, sizeof(*in->tried_failed));
	in->attempted = xcalloc(in->nslots + 1, sizeof(*in->attempted));
	in->done = xcalloc(in->nslots + 1, sizeof(*in->done));
	in->was_ok = xcalloc(in->nslots + 1, sizeof(*in->was_ok));
	return (0);
}

static void
lb_free(struct lb *l)
{
	for (size_t i = 0; i < l->ninst; i++) {
		struct lb_inst *in = &l->inst[i];

		if (in->d != NULL)
			in->d->free(in->d);
		free(in->slots);
		free(in->pub);
		free(in->eff);
		free(in->held);
		free(in->seen);
		free(in->confirmed);
		free(in->tried);
		free(in->tried_valid);
		free(in->tried_failed);
		free(in->attempted);
		free(in->done);
		free(in->was_ok);
	}
	free(l->inst);
	free(l->wants);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mtx);
	free(l);
}

int
lb_start(struct lb **lp, const struct fleetd_config *conf, lb_result_fn fn,
    void *arg, char *err, size_t errlen)
{
	struct lb *l = xcalloc(1, sizeof(*l));
	pthread_condattr_t ca;

	l->conf = conf;
	l->fn = fn;
	l->arg = arg;
	atomic_init(&l->stopping, false);
	pthread_mutex_init(&l->mtx, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->cv, &ca);
	pthread_condattr_destroy(&ca);
	l->wants = xcalloc(conf->nrelays + 1, sizeof(*l->wants));
	l->inst = xcalloc(conf->nlbs + 1, sizeof(*l->inst));
	l->ninst = conf->nlbs;
	for (size_t i = 0; i < l->ninst; i++)
		if (lb_inst_init(l, i, err, errlen) == -1)
			goto fail;
	for (size_t i = 0; i < l->ninst; i++) {
		int rv = pthread_create(
		    &l->inst[i].thread, NULL, lb_thread, &l->inst[i]);

		if (rv != 0) {
			snprintf(err, errlen, "lb thread: %s", strerror(rv));
			lb_stop(l);
			return (-1);
		}
		l->inst[i].started = true;
	}
	*lp = l;
	return (0);
fail:
	lb_free(l);
	return (-1);
}

void
lb_publish(struct lb *l, const struct lb_want *wants, size_t floor)
{
	size_t n;
	bool same;

	if (l == NULL || l->ninst == 0)
		return;
	n = l->conf->nrelays;
	pthread_mutex_lock(&l->mtx);
	same = l->gen != 0 && l->floor == floor;
	for (size_t i = 0; same && i < n; i++)
		same = lb_want_equal(&l->wants[i], &wants[i]) &&
		       l->wants[i].operator== wants[i].operator;
	memcpy(l->wants, wants, n * sizeof(*wants));
	l->floor = floor;
	if (!same) {
		l->gen++;
		pthread_cond_broadcast(&l->cv);
	}
	pthread_mutex_unlock(&l->mtx);
}

void
lb_stop(struct lb *l)
{
	if (l == NULL)
		return;
	pthread_mutex_lock(&l->mtx);
	atomic_store(&l->stopping, true);
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mtx);
	for (size_t i = 0; i < l->ninst; i++)
		if (l->inst[i].started)
			pthread_join(l->inst[i].thread, NULL);
	lb_free(l);
}
