/* SPDX-License-Identifier: ISC */
/*
 * The core thread (see core.h).  The job queue is a STAILQ under `mtx`;
 * handlers append and signal, the thread swaps up to CORE_BATCH_MAX jobs
 * out and works without the lock.  `reply_mtx` is held around every
 * answer so that core_detach() can wait for the one in progress.
 *
 * Events the policy decided are turned into wire_events (with verbatim
 * samples from the store) and kept in `pending` until the transaction
 * that stores them, the dirty relay states and the audit lines commits;
 * a failed commit keeps them for the next round, so nothing is acted on
 * before it is on disk and nothing is lost to a full disk.  Reports are
 * admitted by core_limits.c and acked only once their transaction has
 * committed; start-up restore is in core_restore.c.
 */
#include "core.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core_int.h"
#include "ctl.h"
#include "health.h"
#include "lb_track.h"
#include "log.h"
#include "notify.h"
#include "policy.h"
#include "util.h"

#define CORE_PRUNE_EVERY 3600  /* s between retention runs */
#define CORE_PRUNE_BATCH 2000  /* reports per transaction */
#define CORE_PENDING_MAX 10000 /* events kept while the store fails */
#define CORE_AUDIT_MAX   256
#define CORE_STORE_WARN  60 /* s between warnings while the store fails */

STAILQ_HEAD(core_jobs, core_job);

struct core_audit {
	uint64_t at;
	char op[WIRE_NAME_MAX + 1], role[8], what[16];
	char detail[WIRE_NAME_MAX + WIRE_REASON_MAX + 32];
	char result[WIRE_DETAIL_MAX + 1];
};

struct core {
	const struct fleetd_config *conf;
	struct store *st;
	struct health *health;
	struct policy *policy;
	struct policy_relay_conf *relays;
	struct notify *notify;
	struct lb *lb;
	struct lb_track *lbt; /* the core thread's, as the policy */
	struct lb_want *wants;
	struct core_limits *limits;

	pthread_t thread;
	pthread_mutex_t mtx; /* jobs, njobs, stopping, stats */
	pthread_cond_t cv;
	pthread_mutex_t reply_mtx; /* detached, and every answer */
	bool detached;
	bool stopping;
	struct core_jobs jobs;
	size_t njobs;
	struct core_stats stats;

	/* the core thread's own */
	size_t npending, cappending;
	struct wire_event *pending;
	size_t naudit;
	struct core_audit audit[CORE_AUDIT_MAX];
	bool windows_dirty;
	bool publish_due; /* relay states saved since the last publish */
	uint64_t next_prune;
	uint64_t store_warned;   /* wall s of the last store warning */
	uint64_t store_failures; /* in a row; 0 while the store works */
};

/* ---- answers ------------------------------------------------------------- */

void
core_reply_agent(struct chan_call *call, const struct wire_agent_reply *a)
{
	const char *errstr;
	uint8_t *buf;
	size_t len;

	if (wire_agent_reply_encode(a, &buf, &len, &errstr) == -1) {
		log_warnx("core: cannot encode ack: %s", errstr);
		chan_call_reply(call, NULL, 0);
		return;
	}
	chan_call_reply(call, buf, len);
	free(buf);
}

void
core_reply_ctl(struct chan_call *call, const struct wire_ctl_reply *c)
{
	const char *errstr;
	uint8_t *buf;
	size_t len;

	if (wire_ctl_reply_encode(c, &buf, &len, &errstr) == -1) {
		struct wire_ctl_reply e = {.now = c->now};

		log_warnx("ctl: cannot encode reply: %s", errstr);
		snprintf(
		    e.error, sizeof(e.error), "reply too large: %s", errstr);
		if (wire_ctl_reply_encode(&e, &buf, &len, &errstr) == -1) {
			chan_call_reply(call, NULL, 0);
			return;
		}
	}
	chan_call_reply(call, buf, len);
	free(buf);
}

void
core_job_free(struct core_job *j)
{
	if (j == NULL)
		return;
	wire_report_fini(&j->report);
	wire_ctl_request_fini(&j->ctl);
	lb_result_free(j->lb);
	free(j);
}

/* Answers unless detached (the listener may have freed the call). */
static void
core_answer_agent(
    struct core *c, struct core_job *j, const struct wire_agent_reply *a)
{
	pthread_mutex_lock(&c->reply_mtx);
	if (!c->detached)
		core_reply_agent(j->call, a);
	pthread_mutex_unlock(&c->reply_mtx);
}

static void
core_answer_ctl(
    struct core *c, struct core_job *j, const struct wire_ctl_reply *rep)
{
	pthread_mutex_lock(&c->reply_mtx);
	if (!c->detached)
		core_reply_ctl(j->call, rep);
	pthread_mutex_unlock(&c->reply_mtx);
}

/* ---- queue --------------------------------------------------------------- */

void
core_submit(struct core *c, struct core_job *j)
{
	pthread_mutex_lock(&c->mtx);
	if (c->stopping) {
		pthread_mutex_unlock(&c->mtx);
		core_job_free(j);
		return;
	}
	STAILQ_INSERT_TAIL(&c->jobs, j, entry);
	c->njobs++;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mtx);
}

/*
 * Waits until a job arrives or deadline (CLOCK_MONOTONIC ms) passes, then
 * moves up to CORE_BATCH_MAX jobs into batch.  False once stopping.
 */
static bool
core_take(struct core *c, struct core_jobs *batch, uint64_t deadline)
{
	struct core_job *j;
	struct timespec ts;
	bool more;

	ts.tv_sec = (time_t)(deadline / 1000);
	ts.tv_nsec = (long)(deadline % 1000) * 1000000;
	pthread_mutex_lock(&c->mtx);
	while (c->njobs == 0 && !c->stopping && util_now_ms() < deadline)
		if (pthread_cond_timedwait(&c->cv, &c->mtx, &ts) == ETIMEDOUT)
			break;
	for (size_t n = 0;
	     n < CORE_BATCH_MAX && (j = STAILQ_FIRST(&c->jobs)) != NULL; n++) {
		STAILQ_REMOVE_HEAD(&c->jobs, entry);
		c->njobs--;
		STAILQ_INSERT_TAIL(batch, j, entry);
	}
	more = !c->stopping;
	pthread_mutex_unlock(&c->mtx);
	return (more);
}

/* ---- events and their commit --------------------------------------------- */

static struct wire_event *
core_pending_new(struct core *c)
{
	struct wire_event *e;

	if (c->npending == c->cappending) {
		c->cappending = c->cappending == 0 ? 16 : c->cappending * 2;
		c->pending = xreallocarray(
		    c->pending, c->cappending, sizeof(*c->pending));
	}
	e = &c->pending[c->npending++];
	memset(e, 0, sizeof(*e));
	return (e);
}

/* The verbatim texts that explain e: the rule's classes from its provider. */
static void
core_event_samples(struct core *c, const struct policy_event *pe,
    struct wire_event *e, uint64_t now)
{
	uint64_t span = pe->window_s > 3600 ? pe->window_s : 3600;
	size_t n = 0;

	if (pe->classes == 0)
		return;
	if (store_samples_recent(c->st, e->relay, pe->provider, pe->classes,
	        now > span ? now - span : 0, WIRE_EVENT_SAMPLES_MAX, e->samples,
	        &n) == -1) {
		log_warnx("core: samples: %s", store_errmsg(c->st));
		n = 0;
	}
	e->n_samples = n;
}

/* Turns the policy's events into pending wire events. */
static void
core_take_events(struct core *c, struct policy_out *out, uint64_t now)
{
	for (size_t i = 0; i < out->n; i++) {
		const struct policy_event *pe = &out->ev[i];
		struct wire_event *e;

		if (c->npending >= CORE_PENDING_MAX) {
			log_warnx("core: %zu events wait for the store; "
			          "dropping one of relay=%s",
			    c->npending, c->relays[pe->relay].name);
			continue;
		}
		e = core_pending_new(c);
		e->at = now;
		util_strlcpy(
		    e->relay, c->relays[pe->relay].name, sizeof(e->relay));
		util_strlcpy(
		    e->kind, policy_event_kind_name(pe->kind), sizeof(e->kind));
		util_strlcpy(e->from_state, policy_state_name(pe->from),
		    sizeof(e->from_state));
		util_strlcpy(e->to_state, policy_state_name(pe->to),
		    sizeof(e->to_state));
		util_strlcpy(e->rule, pe->rule, sizeof(e->rule));
		util_strlcpy(e->provider, pe->provider, sizeof(e->provider));
		util_strlcpy(e->operator, pe->operator, sizeof(e->operator));
		util_strlcpy(e->counts, pe->counts, sizeof(e->counts));
		e->window_s = pe->window_s;
		util_strlcpy(e->intent, policy_intent_name(pe->intent),
		    sizeof(e->intent));
		e->weight = pe->weight;
		e->until = pe->until;
		util_strlcpy(e->reason, pe->reason, sizeof(e->reason));
		core_event_samples(c, pe, e, now);
		log_info("policy: relay=%s %s %s -> %s rule=%s%s%s: %s",
		    e->relay, e->kind, e->from_state, e->to_state, e->rule,
		    e->provider[0] ? " provider=" : "", e->provider, e->reason);
	}
	policy_out_fini(out);
}

static int
core_save_states(struct core *c, uint64_t now)
{
	for (size_t i = 0; i < c->conf->nrelays; i++) {
		char *json;
		int rv;

		if (!policy_is_dirty(c->policy, i))
			continue;
		json = policy_relay_to_json(c->policy, i);
		c->publish_due = true;
		rv = store_state_save(c->st, c->relays[i].name, json, now);
		free(json);
		if (rv == -1)
			return (-1);
	}
	return (0);
}

static int
core_save_windows(struct core *c, uint64_t now)
{
	if (!c->windows_dirty)
		return (0);
	for (size_t i = 0; i < policy_nwindows(c->policy); i++)
		if (store_window_save(
		        c->st, policy_window(c->policy, i, now)) == -1)
			return (-1);
	return (0);
}

static int
core_save_all(struct core *c, uint64_t now)
{
	for (size_t i = 0; i < c->npending; i++)
		if (store_event_add(c->st, &c->pending[i]) == -1)
			return (-1);
	for (size_t i = 0; i < c->naudit; i++) {
		const struct core_audit *a = &c->audit[i];

		if (store_audit_add(c->st, a->at, a->op, a->role, a->what,
		        a->detail, a->result) == -1)
			return (-1);
	}
	if (core_save_states(c, now) == -1 || core_save_windows(c, now) == -1)
		return (-1);
	return (0);
}

static void
core_store_warn(struct core *c, const char *what, uint64_t now)
{
	bool is_full = store_is_full(c->st);

	pthread_mutex_lock(&c->mtx);
	c->stats.store_errors++;
	c->stats.store_full += is_full;
	pthread_mutex_unlock(&c->mtx);
	if (c->store_failures++ > 0 && now < c->store_warned + CORE_STORE_WARN)
		return;
	c->store_warned = now;
	log_warnx("core: %s: %s%s", what, store_errmsg(c->st),
	    is_full ? " (disk full: Reports are not acked)" : "");
}

/* After a write that committed: says once that the store is back. */
static void
core_store_ok(struct core *c)
{
	if (c->store_failures == 0)
		return;
	log_info("core: the store works again after %" PRIu64 " failures",
	    c->store_failures);
	c->store_failures = 0;
}

/*
 * Commits pending events (setting their ids), dirty states, windows and
 * audit lines.  On failure everything stays pending for the next round.
 * Returns 0 (saved, or nothing to save) or -1.
 */
static int
core_save(struct core *c, uint64_t now)
{
	bool dirty = c->windows_dirty || c->npending > 0 || c->naudit > 0;

	for (size_t i = 0; !dirty && i < c->conf->nrelays; i++)
		dirty = policy_is_dirty(c->policy, i);
	if (!dirty)
		return (0);
	if (store_begin(c->st) == -1 || core_save_all(c, now) == -1 ||
	    store_commit(c->st) == -1) {
		store_rollback(c->st);
		core_store_warn(c, "cannot save decisions", now);
		return (-1);
	}
	for (size_t i = 0; i < c->conf->nrelays; i++)
		policy_clear_dirty(c->policy, i);
	c->windows_dirty = false;
	c->naudit = 0;
	core_store_ok(c);
	return (0);
}

/* After core_save(): hands the saved events to the notify hook. */
static void
core_saved(struct core *c)
{
	for (size_t i = 0; i < c->npending; i++) {
		notify_post(c->notify, &c->pending[i]);
		wire_event_fini(&c->pending[i]);
	}
	pthread_mutex_lock(&c->mtx);
	c->stats.events += c->npending;
	pthread_mutex_unlock(&c->mtx);
	c->npending = 0;
}

/* After a save: the load balancers follow what is on disk now. */
static void
core_publish(struct core *c)
{
	/* only when a relay's state was saved: not a walk over every relay
	 * for each batch of Reports that changed nothing */
	if (c->lb == NULL || c->conf->nlbs == 0 || !c->publish_due)
		return;
	c->publish_due = false;
	lb_track_wants(c->policy, c->wants);
	lb_publish(c->lb, c->wants, policy_min_active(c->policy));
}

static int
core_commit(struct core *c, uint64_t now)
{
	if (core_save(c, now) == -1)
		return (-1);
	core_saved(c);
	core_publish(c);
	return (0);
}

/* ---- reports ------------------------------------------------------------- */

/*
 * Stores the batch's admitted reports in one transaction; false if it
 * failed (then nothing is acked: the agents keep them).
 */
static bool
core_store_reports(struct core *c, struct core_jobs *batch, uint64_t now)
{
	uint64_t now_ms = util_now_ms();
	const char *name;
	struct core_job *j;

	if (store_begin(c->st) == -1)
		goto fail;
	STAILQ_FOREACH(j, batch, entry)
	{
		if (j->kind != CORE_REPORT)
			continue;
		name = c->conf->relays[j->peer].name;
		if (core_limits_admit(c->limits, c->st, name, j, now_ms) == -1)
			goto rollback;
		if (j->is_dup || j->limit != CORE_LIMIT_NONE)
			continue;
		if (store_add_report(
		        c->st, name, &j->report, now, &j->is_dup) == -1)
			goto rollback;
	}
	if (store_commit(c->st) == -1)
		goto rollback;
	core_store_ok(c);
	return (true);
rollback:
	store_rollback(c->st);
fail:
	core_store_warn(c, "cannot store reports", now);
	return (false);
}

/* The time a report's results count at: its interval end, never later. */
static uint64_t
core_report_time(const struct wire_report *r, uint64_t now)
{
	if (r->interval_end == 0 || r->interval_end > now)
		return (now);
	if (now - r->interval_end > HEALTH_SPAN_MAX)
		return (now - HEALTH_SPAN_MAX);
	return (r->interval_end);
}

/* Feeds a stored report to health and policy. */
static void
core_feed(
    struct core *c, struct core_job *j, uint64_t now, struct policy_out *out)
{
	const struct wire_report *r = &j->report;
	uint64_t t = core_report_time(r, now);

	for (size_t i = 0; i < r->n_counters; i++)
		health_add(c->health, j->peer, r->counters[i].provider,
		    r->counters[i].cls, r->counters[i].status,
		    r->counters[i].count, t);
	policy_report(c->policy, c->health, j->peer, r, t, now, out);
}

static void
core_ack(struct core *c, struct core_job *j, bool stored)
{
	struct wire_agent_reply a;

	core_limits_answer(j, stored, store_is_full(c->st), &a);
	log_debug("core: relay=%s seq=%" PRIu64 ": %s",
	    c->conf->relays[j->peer].name, j->report.seq,
	    a.error[0] != '\0' ? a.error
	    : j->is_dup        ? "duplicate"
	                       : "stored");
	core_answer_agent(c, j, &a);
}

/* ---- control requests ---------------------------------------------------- */

static void
core_audit(struct core *c, const struct fleetd_operator *op,
    const struct wire_ctl_request *q, const struct wire_ctl_reply *rep,
    uint64_t now)
{
	struct core_audit *a;

	if (c->naudit == CORE_AUDIT_MAX) {
		log_warnx("core: audit lines wait for the store; "
		          "operator=%s %s not audited",
		    op->name, ctl_op_name(q->op));
		return;
	}
	a = &c->audit[c->naudit++];
	a->at = now;
	util_strlcpy(a->op, op->name, sizeof(a->op));
	util_strlcpy(a->role, op->role == ROLE_ADMIN ? "admin" : "read",
	    sizeof(a->role));
	util_strlcpy(a->what, ctl_op_name(q->op), sizeof(a->what));
	snprintf(a->detail, sizeof(a->detail), "%s%s%s%s%s",
	    q->relay[0] ? q->relay : q->name, q->force ? " force" : "",
	    q->now ? " now" : "", q->reason[0] ? ": " : "", q->reason);
	util_strlcpy(a->result, rep->ok ? "ok" : rep->error, sizeof(a->result));
}

static void
core_run_ctl(struct core *c, struct core_job *j, struct wire_ctl_reply *rep,
    uint64_t now, struct policy_out *out)
{
	const struct fleetd_operator *op = &c->conf->ops[j->peer];
	struct ctl_ctx ctx = {.st = c->st,
	    .conf = c->conf,
	    .policy = c->policy,
	    .health = c->health,
	    .now = now,
	    .out = out,
	    .lbs = lb_track_status(c->lbt)};
	bool allowed;

	if (ctl_op_mutates(j->ctl.op) && c->naudit == CORE_AUDIT_MAX) {
		/* nothing changes that the audit log cannot record */
		memset(rep, 0, sizeof(*rep));
		rep->now = now;
		snprintf(rep->error, sizeof(rep->error),
		    "refused: the store cannot record it now (store error)");
		return;
	}
	allowed = ctl_execute(&ctx, op, &j->ctl, rep);

	if (!allowed) {
		pthread_mutex_lock(&c->mtx);
		c->stats.ctl_denied++;
		pthread_mutex_unlock(&c->mtx);
	}
	if (ctl_op_mutates(j->ctl.op))
		core_audit(c, op, &j->ctl, rep, now);
	c->windows_dirty |= ctx.windows_changed;
}

/* ---- the batch and the clock --------------------------------------------- */

static void
core_run_reports(struct core *c, struct core_jobs *batch, uint64_t now)
{
	bool stored = core_store_reports(c, batch, now);
	struct policy_out out = {0};
	uint64_t reports = 0, dups = 0, limited[CORE_LIMIT_SEQ_AHEAD + 1] = {0};
	struct core_job *j;

	STAILQ_FOREACH(j, batch, entry)
	{
		if (j->kind != CORE_REPORT)
			continue;
		core_ack(c, j, stored);
		if (!stored)
			continue;
		if (j->is_dup || j->limit != CORE_LIMIT_NONE) {
			dups += j->is_dup;
			limited[j->limit]++;
			continue;
		}
		reports++;
		core_feed(c, j, now, &out);
	}
	core_take_events(c, &out, now);
	pthread_mutex_lock(&c->mtx);
	c->stats.reports += reports;
	c->stats.duplicates += dups;
	c->stats.rate_limited += limited[CORE_LIMIT_RATE];
	c->stats.epoch_limited += limited[CORE_LIMIT_EPOCHS];
	c->stats.too_large += limited[CORE_LIMIT_BYTES];
	c->stats.seq_ahead += limited[CORE_LIMIT_SEQ_AHEAD];
	pthread_mutex_unlock(&c->mtx);
}

/* ---- load balancer rounds ------------------------------------------------ */

static struct wire_event *
core_lb_event(void *arg)
{
	struct core *c = arg;

	if (c->npending >= CORE_PENDING_MAX) {
		log_warnx("core: %zu events wait for the store; dropping one "
		          "of a load balancer",
		    c->npending);
		return (NULL);
	}
	return (core_pending_new(c));
}

static void
core_run_lb(struct core *c, struct core_jobs *batch, uint64_t now)
{
	uint64_t rounds, failures, drift;
	struct core_job *j;
	bool any = false;

	STAILQ_FOREACH(j, batch, entry)
	{
		if (j->kind != CORE_LB || j->lb == NULL)
			continue;
		lb_track_take(c->lbt, j->lb, c->policy, now, core_lb_event, c);
		j->lb = NULL;
		any = true;
	}
	if (!any)
		return;
	lb_track_totals(c->lbt, &rounds, &failures, &drift);
	pthread_mutex_lock(&c->mtx);
	c->stats.lb_rounds = rounds;
	c->stats.lb_failures = failures;
	c->stats.lb_drift = drift;
	pthread_mutex_unlock(&c->mtx);
}

/* Called on a load balancer's thread with a round's result. */
static void
core_lb_result(void *arg, struct lb_result *r)
{
	struct core_job *j = xcalloc(1, sizeof(*j));

	j->kind = CORE_LB;
	j->lb = r;
	core_submit(arg, j);
}

/* A control request's answer and the pending events it decided. */
struct core_ctl_run {
	struct wire_ctl_reply rep;
	size_t first, last; /* c->pending[first..last) */
};

/* Copies the saved events of one verb (ids set, no samples) into rep. */
static void
core_ctl_events(struct core *c, struct core_ctl_run *r)
{
	size_t n = r->last - r->first;

	if (n == 0 || !r->rep.ok || r->rep.n_events != 0)
		return;
	r->rep.events = xcalloc(n, sizeof(*r->rep.events));
	for (size_t i = 0; i < n; i++) {
		r->rep.events[i] = c->pending[r->first + i];
		r->rep.events[i].n_samples = 0; /* texts stay with pending */
	}
	r->rep.n_events = n;
}

static void
core_ctl_answer(
    struct core *c, struct core_job *j, struct core_ctl_run *r, bool saved)
{
	if (saved)
		core_ctl_events(c, r);
	else if (r->rep.ok && ctl_op_mutates(j->ctl.op)) {
		r->rep.ok = false;
		snprintf(r->rep.error, sizeof(r->rep.error),
		    "decided, but not saved yet (store error): it is "
		    "retried; check fleetctl status");
	}
	core_answer_ctl(c, j, &r->rep);
	wire_ctl_reply_fini(&r->rep);
}

static void
core_run_batch(struct core *c, struct core_jobs *batch)
{
	uint64_t now = util_wall_s(), nctl = 0;
	struct core_ctl_run *runs;
	struct core_job *j;
	size_t n = 0;
	bool saved;

	core_run_reports(c, batch, now);
	core_run_lb(c, batch, now);
	STAILQ_FOREACH(j, batch, entry)
	nctl += j->kind == CORE_CTL;
	runs = xcalloc(nctl + 1, sizeof(*runs));
	STAILQ_FOREACH(j, batch, entry)
	{
		struct policy_out out = {0};

		if (j->kind != CORE_CTL)
			continue;
		runs[n].first = c->npending;
		core_run_ctl(c, j, &runs[n].rep, now, &out);
		core_take_events(c, &out, now);
		runs[n++].last = c->npending;
	}
	saved = core_save(c, now) == 0;
	n = 0;
	while ((j = STAILQ_FIRST(batch)) != NULL) {
		STAILQ_REMOVE_HEAD(batch, entry);
		if (j->kind == CORE_CTL)
			core_ctl_answer(c, j, &runs[n++], saved);
		core_job_free(j);
	}
	if (saved) {
		core_saved(c);
		core_publish(c);
	}
	free(runs);
	pthread_mutex_lock(&c->mtx);
	c->stats.ctl += nctl;
	pthread_mutex_unlock(&c->mtx);
}

/*
 * Retention, CORE_PRUNE_BATCH reports per tick until the backlog is gone
 * (a first run after months without one must not hold the core for
 * minutes), then hourly.
 */
static void
core_prune(struct core *c, uint64_t now)
{
	uint64_t deleted = 0;
	bool more = false;

	c->next_prune = now + CORE_PRUNE_EVERY;
	if (now <= c->conf->policy.retention_s)
		return;
	if (store_prune(c->st, now - c->conf->policy.retention_s,
	        CORE_PRUNE_BATCH, &deleted, &more) == -1) {
		core_store_warn(c, "retention", now);
		return;
	}
	if (more)
		c->next_prune = now; /* the next tick goes on */
	if (deleted > 0)
		log_info(
		    "core: retention removed %" PRIu64 " reports", deleted);
	pthread_mutex_lock(&c->mtx);
	c->stats.pruned += deleted;
	pthread_mutex_unlock(&c->mtx);
}

static void
core_tick(struct core *c)
{
	uint64_t now = util_wall_s();
	struct policy_out out = {0};

	policy_tick(c->policy, c->health, now, &out);
	core_take_events(c, &out, now);
	(void)core_commit(c, now);
	if (now >= c->next_prune)
		core_prune(c, now);
}

static void *
core_thread(void *arg)
{
	struct core *c = arg;
	struct core_jobs batch = STAILQ_HEAD_INITIALIZER(batch);
	uint64_t next_tick = util_now_ms();
	bool more = true;

	while (more) {
		more = core_take(c, &batch, next_tick);
		if (!STAILQ_EMPTY(&batch))
			core_run_batch(c, &batch);
		if (util_now_ms() >= next_tick) {
			core_tick(c);
			next_tick = util_now_ms() + c->conf->policy.tick_ms;
		}
	}
	(void)core_commit(c, util_wall_s());
	return (NULL);
}

/* ---- start and stop ------------------------------------------------------ */

static void
core_free(struct core *c)
{
	struct core_job *j;

	lb_stop(c->lb); /* its threads may still submit: first */
	while ((j = STAILQ_FIRST(&c->jobs)) != NULL) {
		STAILQ_REMOVE_HEAD(&c->jobs, entry);
		core_job_free(j);
	}
	for (size_t i = 0; i < c->npending; i++)
		wire_event_fini(&c->pending[i]);
	free(c->pending);
	notify_stop(c->notify);
	lb_track_free(c->lbt);
	core_limits_free(c->limits);
	free(c->wants);
	policy_free(c->policy);
	health_free(c->health);
	free(c->relays);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mtx);
	pthread_mutex_destroy(&c->reply_mtx);
	free(c);
}

static struct core *
core_new(const struct fleetd_config *conf, struct store *st, uint64_t now)
{
	struct core *c = xcalloc(1, sizeof(*c));
	pthread_condattr_t ca;

	c->conf = conf;
	c->st = st;
	STAILQ_INIT(&c->jobs);
	pthread_mutex_init(&c->mtx, NULL);
	pthread_mutex_init(&c->reply_mtx, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cv, &ca);
	pthread_condattr_destroy(&ca);
	c->relays = xcalloc(conf->nrelays + 1, sizeof(*c->relays));
	for (size_t i = 0; i < conf->nrelays; i++) {
		c->relays[i].name = conf->relays[i].name;
		c->relays[i].hosting = conf->relays[i].hosting;
	}
	c->health = health_new(conf->nrelays);
	c->lbt = lb_track_new(conf);
	c->wants = xcalloc(conf->nrelays + 1, sizeof(*c->wants));
	c->policy = policy_new(&conf->policy, c->relays, conf->nrelays, now);
	c->limits =
	    core_limits_new(&conf->limits, conf->nrelays, util_now_ms());
	c->next_prune = now + 60; /* not in the rush of a start */
	return (c);
}

int
core_start(struct core **cp, const struct fleetd_config *conf, struct store *st,
    char *err, size_t errlen)
{
	uint64_t now = util_wall_s();
	struct core *c = core_new(conf, st, now);

	if (store_notice(st)[0] != '\0')
		log_warnx("store: %s", store_notice(st));
	if (core_restore(st, c->health, c->policy, c->relays, conf->nrelays,
	        now, err, errlen) == -1 ||
	    notify_start(&c->notify, conf->policy.notify_command,
	        conf->policy.notify_timeout_ms, err, errlen) == -1 ||
	    lb_start(&c->lb, conf, core_lb_result, c, err, errlen) == -1)
		goto fail;
	c->publish_due = true;
	core_publish(c); /* what the store holds, from the first round */
	if ((errno = pthread_create(&c->thread, NULL, core_thread, c)) != 0) {
		snprintf(err, errlen, "core thread: %s", strerror(errno));
		goto fail;
	}
	*cp = c;
	return (0);
fail:
	core_free(c);
	return (-1);
}

void
core_detach(struct core *c)
{
	pthread_mutex_lock(&c->reply_mtx);
	c->detached = true;
	pthread_mutex_unlock(&c->reply_mtx);
}

void
core_stop(struct core *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mtx);
	c->stopping = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mtx);
	pthread_join(c->thread, NULL);
	core_free(c);
}

void
core_get_stats(struct core *c, struct core_stats *st)
{
	pthread_mutex_lock(&c->mtx);
	*st = c->stats;
	pthread_mutex_unlock(&c->mtx);
}
