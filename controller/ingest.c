/* SPDX-License-Identifier: ISC */
/*
 * The store thread and its job queue (see ingest.h).  The queue is a
 * STAILQ under `mtx`; handlers append and signal, the thread swaps the
 * whole list out and works without the lock.  A job owns its decoded
 * request until the thread has answered it.
 */
#include "ingest.h"

#include <sys/queue.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "log.h"
#include "util.h"
#include "wire.h"

enum ingest_kind {
	INGEST_REPORT,
	INGEST_CTL,
};

struct ingest_job {
	STAILQ_ENTRY(ingest_job) entry;
	enum ingest_kind kind;
	struct chan_call *call;
	size_t peer;
	struct wire_report report;
	struct wire_ctl_request ctl;
	bool is_dup;
};

STAILQ_HEAD(ingest_jobs, ingest_job);

struct ingest {
	const struct fleetd_config *conf;
	struct store *st;
	pthread_t thread;
	pthread_mutex_t mtx;
	pthread_cond_t cv;
	bool stopping;
	struct ingest_jobs jobs;
	size_t njobs;
	struct ingest_stats stats;
};

static void
ingest_job_free(struct ingest_job *j)
{
	wire_report_fini(&j->report);
	free(j);
}

static void
ingest_reply_agent(struct chan_call *call, const struct wire_agent_reply *a)
{
	const char *errstr;
	uint8_t *buf;
	size_t len;

	if (wire_agent_reply_encode(a, &buf, &len, &errstr) == -1) {
		log_warnx("ingest: cannot encode ack: %s", errstr);
		chan_call_reply(call, NULL, 0);
		return;
	}
	chan_call_reply(call, buf, len);
	free(buf);
}

static void
ingest_reply_ctl(struct chan_call *call, const struct wire_ctl_reply *c)
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

/* Queues j, or answers nothing and frees it when stopping. */
static void
ingest_enqueue(struct ingest *in, struct ingest_job *j)
{
	pthread_mutex_lock(&in->mtx);
	if (in->stopping) {
		pthread_mutex_unlock(&in->mtx);
		ingest_job_free(j);
		return;
	}
	STAILQ_INSERT_TAIL(&in->jobs, j, entry);
	in->njobs++;
	pthread_cond_signal(&in->cv);
	pthread_mutex_unlock(&in->mtx);
}

void
ingest_agent_cb(void *arg, struct chan_call *call, size_t peer,
    const uint8_t *payload, size_t len)
{
	struct ingest *in = arg;
	struct ingest_job *j = xcalloc(1, sizeof(*j));
	const char *errstr;

	j->kind = INGEST_REPORT;
	j->call = call;
	j->peer = peer;
	if (wire_report_decode(&j->report, payload, len, &errstr) == -1) {
		struct wire_agent_reply a = {0};

		log_warnx("ingest: relay=%s: bad report: %s",
		    in->conf->relays[peer].name, errstr);
		snprintf(a.error, sizeof(a.error), "bad report: %s", errstr);
		pthread_mutex_lock(&in->mtx);
		in->stats.bad++;
		pthread_mutex_unlock(&in->mtx);
		free(j);
		ingest_reply_agent(call, &a);
		return;
	}
	ingest_enqueue(in, j);
}

void
ingest_ctl_cb(void *arg, struct chan_call *call, size_t peer,
    const uint8_t *payload, size_t len)
{
	struct ingest *in = arg;
	struct ingest_job *j = xcalloc(1, sizeof(*j));
	const char *errstr;

	j->kind = INGEST_CTL;
	j->call = call;
	j->peer = peer;
	if (wire_ctl_request_decode(&j->ctl, payload, len, &errstr) == -1) {
		struct wire_ctl_reply c = {.now = util_wall_s()};

		log_warnx("ctl: operator=%s: bad request: %s",
		    in->conf->ops[peer].name, errstr);
		snprintf(c.error, sizeof(c.error), "bad request: %s", errstr);
		free(j);
		ingest_reply_ctl(call, &c);
		return;
	}
	ingest_enqueue(in, j);
}

/* Stores the batch's reports in one transaction; false if it failed. */
static bool
ingest_store_batch(struct ingest *in, struct ingest_jobs *batch)
{
	uint64_t now = util_wall_s();
	struct ingest_job *j;

	if (store_begin(in->st) == -1)
		goto fail;
	STAILQ_FOREACH(j, batch, entry)
	{
		if (j->kind != INGEST_REPORT)
			continue;
		if (store_add_report(in->st, in->conf->relays[j->peer].name,
		        &j->report, now, &j->is_dup) == -1) {
			store_rollback(in->st);
			goto fail;
		}
	}
	if (store_commit(in->st) == -1) {
		store_rollback(in->st);
		goto fail;
	}
	return (true);
fail:
	log_warnx("ingest: store: %s", store_errmsg(in->st));
	return (false);
}

static void
ingest_answer(struct ingest *in, struct ingest_job *j, bool stored)
{
	struct wire_agent_reply a = {0};
	struct wire_ctl_reply c;

	if (j->kind == INGEST_CTL) {
		ctl_execute(
		    in->st, in->conf, &in->conf->ops[j->peer], &j->ctl, &c);
		ingest_reply_ctl(j->call, &c);
		wire_ctl_reply_fini(&c);
		return;
	}
	if (!stored) {
		snprintf(a.error, sizeof(a.error), "store unavailable");
	} else {
		a.acked_epoch = j->report.epoch;
		a.acked_seq = j->report.seq;
		a.duplicate = j->is_dup;
		log_debug("ingest: relay=%s seq=%" PRIu64 "%s",
		    in->conf->relays[j->peer].name, j->report.seq,
		    j->is_dup ? " duplicate" : "");
	}
	ingest_reply_agent(j->call, &a);
}

static void
ingest_run_batch(struct ingest *in, struct ingest_jobs *batch)
{
	bool stored = ingest_store_batch(in, batch);
	uint64_t reports = 0, dups = 0;
	struct ingest_job *j;

	while ((j = STAILQ_FIRST(batch)) != NULL) {
		STAILQ_REMOVE_HEAD(batch, entry);
		if (j->kind == INGEST_REPORT && stored)
			j->is_dup ? dups++ : reports++;
		ingest_answer(in, j, stored);
		ingest_job_free(j);
	}
	pthread_mutex_lock(&in->mtx);
	in->stats.reports += reports;
	in->stats.duplicates += dups;
	in->stats.store_errors += stored ? 0 : 1;
	pthread_mutex_unlock(&in->mtx);
}

/* Moves up to INGEST_BATCH_MAX jobs into batch; false when stopped. */
static bool
ingest_take(struct ingest *in, struct ingest_jobs *batch)
{
	struct ingest_job *j;
	bool more;

	pthread_mutex_lock(&in->mtx);
	while (in->njobs == 0 && !in->stopping)
		pthread_cond_wait(&in->cv, &in->mtx);
	for (size_t n = 0;
	     n < INGEST_BATCH_MAX && (j = STAILQ_FIRST(&in->jobs)) != NULL;
	     n++) {
		STAILQ_REMOVE_HEAD(&in->jobs, entry);
		in->njobs--;
		if (j->kind == INGEST_CTL)
			in->stats.ctl++;
		STAILQ_INSERT_TAIL(batch, j, entry);
	}
	more = !in->stopping || in->njobs > 0 || !STAILQ_EMPTY(batch);
	pthread_mutex_unlock(&in->mtx);
	return (more);
}

static void *
ingest_thread(void *arg)
{
	struct ingest *in = arg;
	struct ingest_jobs batch = STAILQ_HEAD_INITIALIZER(batch);

	while (ingest_take(in, &batch))
		if (!STAILQ_EMPTY(&batch))
			ingest_run_batch(in, &batch);
	return (NULL);
}

int
ingest_start(struct ingest **ip, const struct fleetd_config *conf,
    struct store *st, char *err, size_t errlen)
{
	struct ingest *in = xcalloc(1, sizeof(*in));

	in->conf = conf;
	in->st = st;
	STAILQ_INIT(&in->jobs);
	pthread_mutex_init(&in->mtx, NULL);
	pthread_cond_init(&in->cv, NULL);
	if ((errno = pthread_create(&in->thread, NULL, ingest_thread, in)) !=
	    0) {
		snprintf(err, errlen, "store thread: %s", strerror(errno));
		pthread_cond_destroy(&in->cv);
		pthread_mutex_destroy(&in->mtx);
		free(in);
		return (-1);
	}
	*ip = in;
	return (0);
}

void
ingest_stop(struct ingest *in)
{
	if (in == NULL)
		return;
	pthread_mutex_lock(&in->mtx);
	in->stopping = true;
	pthread_cond_signal(&in->cv);
	pthread_mutex_unlock(&in->mtx);
	pthread_join(in->thread, NULL);
	pthread_cond_destroy(&in->cv);
	pthread_mutex_destroy(&in->mtx);
	free(in);
}

void
ingest_get_stats(struct ingest *in, struct ingest_stats *st)
{
	pthread_mutex_lock(&in->mtx);
	*st = in->stats;
	pthread_mutex_unlock(&in->mtx);
}
