/* SPDX-License-Identifier: ISC */
/*
 * The agent's report loop (see report.h).  All state below is owned by
 * the worker thread except `stopping`, which main sets under mtx.  Order
 * of durability: a Report is in the spool (fsync'ed) before it is sent
 * and leaves it only after fleetd acked it, which fleetd does only after
 * its commit.
 */
#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "chan_nng.h"
#include "log.h"
#include "queue.h"
#include "spool.h"
#include "util.h"
#include "watch.h"
#include "wire.h"
#include "wire_check.h"

/* a retry waits at most this (plus up to a quarter more, at random, so a
 * fleet restarted together does not retry in step): after an outage the
 * first Report goes within seconds */
#define REPORT_BACKOFF_MAX_MS   4000
#define REPORT_QUEUE_TIMEOUT_MS 60000
#define REPORT_VERSION          "relayfleet/0.1"
#define REPORT_LOG_POLL_MS      250  /* how often the log is read */
#define REPORT_ALERT_GAP_MS     1000 /* immediate reports, at most this often */

struct report_loop {
	const struct agent_config *conf;
	struct spool *spool;
	struct chan_conn *conn;
	struct watch *watch;
	pthread_t thread;
	pthread_mutex_t mtx;
	pthread_cond_t cv;
	atomic_bool stopping; /* also cancels a queue scan or checks run */

	struct report_sched sched;       /* intervals, next scan and checks */
	uint64_t next_report, next_send; /* monotonic ms */
	uint64_t next_log, last_cut;
	uint64_t backoff_ms;
	uint64_t interval_start; /* wall seconds */
	bool has_queue;
	struct wire_queue queue; /* latest scan */
	char hostname[WIRE_HOST_MAX + 1];
	bool warned_full;
};

static void
report_scan_queue(struct report_loop *l)
{
	struct queue_scan qs;
	int rv;

	rv = queue_run(&qs, l->conf->postqueue, l->conf->postfix_config,
	    REPORT_QUEUE_TIMEOUT_MS, watch_rules(l->watch), &l->stopping);
	if (rv == -1 && atomic_load(&l->stopping)) {
		wire_queue_fini(&qs.snap); /* cut short: keep the last scan */
		return;
	}
	/* postqueue's stderr, cut to size: bytes of any kind (wire_check.h) */
	wire_text_sanitize(qs.snap.error, sizeof(qs.snap.error), qs.snap.error,
	    strlen(qs.snap.error));
	if (rv == -1)
		log_warnx("queue: scan failed: %s", qs.snap.error);
	else if (qs.bad_lines != 0 || qs.long_lines != 0)
		log_warnx("queue: %" PRIu64 " unreadable and %" PRIu64
		          " over-long lines in postqueue output",
		    qs.bad_lines, qs.long_lines);
	wire_queue_fini(&l->queue);
	l->queue = qs.snap;
	l->has_queue = true;
	log_debug("queue: deferred=%u hold=%u active=%u incoming=%u",
	    qs.snap.deferred, qs.snap.hold, qs.snap.active, qs.snap.incoming);
}

/*
 * Cuts the interval into a Report in the spool, unless the spool is full:
 * then the interval grows and its counts keep accumulating.
 */
static void
report_cut(struct report_loop *l)
{
	struct wire_report r = {0};
	const char *errstr, *cursor;
	uint8_t *buf = NULL;
	size_t len;

	l->last_cut = util_now_ms();
	if (spool_full(l->spool)) {
		if (!l->warned_full)
			log_warnx("spool: full (%zu reports): extending the "
			          "current interval until fleetd acks",
			    spool_pending(l->spool));
		l->warned_full = true;
		return;
	}
	l->warned_full = false;
	r.epoch = spool_epoch(l->spool);
	r.seq = spool_next_seq(l->spool);
	r.interval_start = l->interval_start;
	r.interval_end = util_wall_s();
	if (r.interval_end < r.interval_start)
		r.interval_end = r.interval_start; /* wall clock stepped back */
	util_strlcpy(r.agent_version, REPORT_VERSION, sizeof(r.agent_version));
	util_strlcpy(r.hostname, l->hostname, sizeof(r.hostname));
	r.spool_bad = spool_bad_new(l->spool);
	cursor = watch_fill_report(l->watch, &r);
	r.has_queue = l->has_queue;
	r.queue = l->queue; /* borrowed: taken back before the fini */
	if (wire_report_encode(&r, &buf, &len, &errstr) == -1)
		log_warnx(
		    "report: cannot encode seq=%" PRIu64 ": %s", r.seq, errstr);
	else if (spool_put(l->spool, r.seq, buf, len, cursor) == -1)
		log_warn("spool: cannot write report seq=%" PRIu64, r.seq);
	else {
		l->interval_start = r.interval_end;
		watch_committed(l->watch);
		spool_bad_announced(l->spool, r.spool_bad);
	}
	free(buf);
	memset(&r.queue, 0, sizeof(r.queue));
	wire_report_fini(&r);
}

void
report_sched_command(
    struct report_sched *s, const struct wire_command *c, uint64_t now)
{
	switch (c->type) {
	case WIRE_CMD_SET_INTERVALS:
		if (c->report_interval_ms >= 100)
			s->report_ms = c->report_interval_ms;
		if (c->queue_interval_ms >= 100)
			s->queue_ms = c->queue_interval_ms;
		log_info("command: intervals report=%" PRIu64
		         "ms queue=%" PRIu64 "ms",
		    s->report_ms, s->queue_ms);
		break;
	case WIRE_CMD_RUN_CHECKS:
		s->next_check = now;
		log_info("command: run the self checks now");
		break;
	}
}

/*
 * Checks an Ack; returns 0 if it acknowledges (epoch, seq), 1 if fleetd
 * refused the Report for good (why says so), -1 to send it again later.
 */
static int
report_ack(struct report_loop *l, uint64_t seq, const uint8_t *buf, size_t len,
    char *why, size_t whylen)
{
	struct wire_agent_reply a;
	const char *errstr;

	if (wire_agent_reply_decode(&a, buf, len, &errstr) == -1) {
		log_warnx(
		    "report: bad ack for seq=%" PRIu64 ": %s", seq, errstr);
		return (-1);
	}
	if (a.error[0] != '\0' && a.is_refused) {
		snprintf(
		    why, whylen, "fleetd refused it for good: %s", a.error);
		return (1);
	}
	if (a.error[0] != '\0') {
		log_warnx(
		    "report: fleetd refused seq=%" PRIu64 ": %s", seq, a.error);
		return (-1);
	}
	if (a.acked_epoch != spool_epoch(l->spool) || a.acked_seq != seq) {
		log_warnx("report: ack for seq=%" PRIu64 " instead of %" PRIu64,
		    a.acked_seq, seq);
		return (-1);
	}
	for (size_t i = 0; i < a.n_commands; i++)
		report_sched_command(&l->sched, &a.commands[i], util_now_ms());
	log_debug("report: acked seq=%" PRIu64 "%s", seq,
	    a.duplicate ? " (duplicate)" : "");
	return (0);
}

/* Moves spooled report seq aside so the ones after it can go out. */
static void
report_set_aside(struct report_loop *l, uint64_t seq, const char *why)
{
	int saved;

	if (spool_set_aside(l->spool, seq) == -1) {
		saved = errno;
		log_warnx("spool: report seq=%" PRIu64 " set aside (%s), "
		          "but the spool directory not synced: %s",
		    seq, why, strerror(saved));
		return;
	}
	log_warnx("spool: report seq=%" PRIu64 " set aside as bad-%020" PRIu64
	          ": %s",
	    seq, seq, why);
}

/*
 * Sends one spooled report; 1 sent (or set aside), 0 nothing to send,
 * -1 failed.
 */
static int
report_send_one(struct report_loop *l)
{
	char err[WIRE_DETAIL_MAX + 64];
	const char *why;
	uint8_t *buf, *resp;
	size_t len, resplen;
	uint64_t seq;
	int rv;

	if ((rv = spool_peek(l->spool, &seq, &buf, &len, &why)) <= 0) {
		if (rv == -1)
			log_warn("spool: cannot read oldest report");
		return (rv);
	}
	if (rv == SPOOL_PEEK_BAD) {
		report_set_aside(l, seq, why);
		return (1);
	}
	rv = chan_conn_call(l->conn, buf, len, &resp, &resplen,
	    (unsigned)l->conf->request_timeout_ms, NULL, err, sizeof(err));
	free(buf);
	if (rv == -1) {
		log_warnx(
		    "report: seq=%" PRIu64 " not delivered: %s", seq, err);
		return (-1);
	}
	rv = report_ack(l, seq, resp, resplen, err, sizeof(err));
	free(resp);
	if (rv == -1)
		return (-1);
	if (rv == 1) {
		report_set_aside(l, seq, err);
		return (1);
	}
	if (spool_ack(l->spool, seq) == -1)
		log_warn("spool: cannot remove report seq=%" PRIu64, seq);
	return (1);
}

static void
report_send(struct report_loop *l)
{
	int rv;

	while ((rv = report_send_one(l)) == 1) {
		l->backoff_ms = 0;
		pthread_mutex_lock(&l->mtx);
		if (l->stopping) {
			pthread_mutex_unlock(&l->mtx);
			return;
		}
		pthread_mutex_unlock(&l->mtx);
	}
	if (rv == 0) {
		l->next_send = UINT64_MAX;
		return;
	}
	l->backoff_ms =
	    l->backoff_ms == 0
	        ? (l->sched.report_ms < 1000 ? l->sched.report_ms : 1000)
	        : l->backoff_ms * 2;
	if (l->backoff_ms > REPORT_BACKOFF_MAX_MS)
		l->backoff_ms = REPORT_BACKOFF_MAX_MS;
	l->next_send = util_now_ms() + l->backoff_ms +
	               randombytes_uniform((uint32_t)(l->backoff_ms / 4 + 1));
}

/* Waits until deadline (monotonic ms) or stop; returns true to stop. */
static bool
report_wait(struct report_loop *l, uint64_t deadline)
{
	struct timespec ts;
	bool stop;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	pthread_mutex_lock(&l->mtx);
	while (!l->stopping) {
		uint64_t now = util_now_ms();

		if (now >= deadline)
			break;
		ts.tv_sec = (time_t)(deadline / 1000);
		ts.tv_nsec = (long)(deadline % 1000) * 1000000;
		if (pthread_cond_timedwait(&l->cv, &l->mtx, &ts) == EINVAL)
			break;
	}
	stop = l->stopping;
	pthread_mutex_unlock(&l->mtx);
	return (stop);
}

static uint64_t
report_min3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t m = a < b ? a : b;

	return (m < c ? m : c);
}

/* Reads the log; an IP block or throttle cuts a Report at once. */
static void
report_poll_log(struct report_loop *l, uint64_t now)
{
	l->next_log = now + REPORT_LOG_POLL_MS;
	if (watch_poll_log(l->watch) &&
	    now - l->last_cut >= REPORT_ALERT_GAP_MS) {
		report_cut(l);
		l->next_report = now + l->sched.report_ms;
		if (l->backoff_ms == 0)
			l->next_send = now;
	}
}

static void
report_tick(struct report_loop *l)
{
	uint64_t now = util_now_ms();

	if (now >= l->sched.next_check) {
		watch_run_checks(l->watch, &l->stopping);
		l->sched.next_check =
		    util_now_ms() + l->conf->check_interval_ms;
	}
	if (now >= l->sched.next_queue && !atomic_load(&l->stopping)) {
		report_scan_queue(l);
		l->sched.next_queue = util_now_ms() + l->sched.queue_ms;
	}
	if (atomic_load(&l->stopping))
		return; /* a run cut short by the stop: nothing to report */
	if (now >= l->next_log)
		report_poll_log(l, now);
	if (now >= l->next_report) {
		report_cut(l);
		l->next_report = now + l->sched.report_ms;
		if (l->backoff_ms == 0)
			l->next_send = now;
	}
	if (util_now_ms() >= l->next_send)
		report_send(l);
}

static void *
report_thread(void *arg)
{
	struct report_loop *l = arg;
	uint64_t next;

	l->sched.next_queue = l->next_send = l->next_log = l->sched.next_check =
	    util_now_ms();
	l->next_report = l->sched.next_queue + l->sched.report_ms;
	do {
		report_tick(l);
		next = report_min3(
		    l->sched.next_queue, l->next_report, l->next_send);
		next = report_min3(next, l->next_log, l->sched.next_check);
	} while (!report_wait(l, next));
	return (NULL);
}

int
report_loop_start(struct report_loop **lp, const struct agent_config *conf,
    const uint8_t *priv, char *err, size_t errlen)
{
	struct report_loop *l = xcalloc(1, sizeof(*l));
	pthread_condattr_t ca;

	l->conf = conf;
	l->sched.report_ms = conf->report_interval_ms;
	l->sched.queue_ms = conf->queue_interval_ms;
	l->interval_start = util_wall_s();
	if (gethostname(l->hostname, sizeof(l->hostname)) == -1 ||
	    !wire_word_ok(l->hostname, WIRE_HOST_MAX))
		util_strlcpy(l->hostname, "unknown", sizeof(l->hostname));
	if (spool_open(&l->spool, conf->state_dir, conf->spool_max, err,
	        errlen) == -1 ||
	    watch_open(&l->watch, conf, spool_cursor(l->spool), err, errlen) ==
	        -1 ||
	    chan_conn_open(&l->conn, conf->controller, CHAN_EP_AGENT, priv,
	        conf->controller_key, err, errlen) == -1)
		goto fail;
	pthread_mutex_init(&l->mtx, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->cv, &ca);
	pthread_condattr_destroy(&ca);
	if ((errno = pthread_create(&l->thread, NULL, report_thread, l)) != 0) {
		snprintf(
		    err, errlen, "cannot start thread: %s", strerror(errno));
		pthread_cond_destroy(&l->cv);
		pthread_mutex_destroy(&l->mtx);
		goto fail;
	}
	log_info("agent: epoch=%016" PRIx64 " next seq=%" PRIu64 " pending=%zu",
	    spool_epoch(l->spool), spool_next_seq(l->spool),
	    spool_pending(l->spool));
	*lp = l;
	return (0);
fail:
	chan_conn_close(l->conn);
	watch_close(l->watch);
	spool_close(l->spool);
	free(l);
	return (-1);
}

void
report_loop_stop(struct report_loop *l)
{
	if (l == NULL)
		return;
	pthread_mutex_lock(&l->mtx);
	l->stopping = true;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mtx);
	pthread_join(l->thread, NULL);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mtx);
	chan_conn_close(l->conn);
	watch_close(l->watch);
	spool_close(l->spool);
	wire_queue_fini(&l->queue);
	free(l);
}
