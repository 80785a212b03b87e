/* SPDX-License-Identifier: ISC */
/*
 * The load balancer reconciler: the floor's second line (pure), rounds
 * against the real file and exec drivers in a temporary directory (the
 * haproxy driver runs against a real HAProxy in lb_haproxy_test and the
 * integration tests), and the events the core makes of the rounds
 * (lb_track).  Rounds are awaited with a deadline, never a fixed sleep.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../controller/lb.h"
#include "../../controller/lb_track.h"
#include "util.h"

#define R(i, w, op, s)                                                         \
	(struct lb_want)                                                       \
	{                                                                      \
		.intent = (i), .weight = (w), .operator=(op), .since = (s)     \
	}
#define READY POLICY_INTENT_READY
#define DRAIN POLICY_INTENT_DRAIN
#define MAINT POLICY_INTENT_MAINT

/* ---- the floor ----------------------------------------------------------- */

static void
test_floor_keeps_what_fits(void **state)
{
	struct lb_want w[4] = {R(READY, 100, false, 1), R(DRAIN, 0, false, 5),
	    R(READY, 100, false, 1), R(READY, 10, false, 1)};
	struct lb_want out[4];
	bool held[4];

	(void)state;
	assert_int_equal(lb_floor_plan(w, 4, 3, out, held), 0);
	assert_int_equal(out[1].intent, DRAIN);
	assert_false(held[1]);
}

static void
test_floor_holds_newest_automatic_drain(void **state)
{
	/* 6 relays, floor 4: three automatic drains, one must stay in */
	struct lb_want w[6] = {R(READY, 100, false, 1), R(DRAIN, 0, false, 50),
	    R(READY, 100, false, 1), R(DRAIN, 0, false, 90),
	    R(MAINT, 0, false, 70), R(READY, 100, false, 1)};
	struct lb_want out[6];
	bool held[6];

	(void)state;
	assert_int_equal(lb_floor_plan(w, 6, 4, out, held), 1);
	assert_true(held[3]); /* since 90: the most recent */
	assert_int_equal(out[3].intent, READY);
	assert_int_equal(out[3].weight, 50);
	assert_false(held[1]);
	assert_false(held[4]);
	assert_int_equal(out[1].intent, DRAIN);
	assert_int_equal(out[4].intent, MAINT);
	/* floor 5: the next most recent goes too (the maint at 70) */
	assert_int_equal(lb_floor_plan(w, 6, 5, out, held), 2);
	assert_true(held[3] && held[4] && !held[1]);
}

static void
test_floor_leaves_operator_alone(void **state)
{
	struct lb_want w[4] = {R(DRAIN, 0, true, 9), R(MAINT, 0, true, 9),
	    R(READY, 100, false, 1), R(DRAIN, 0, false, 3)};
	struct lb_want out[4];
	bool held[4];

	(void)state;
	/* floor 3: only the automatic drain can be held; one short stays */
	assert_int_equal(lb_floor_plan(w, 4, 3, out, held), 1);
	assert_false(held[0] || held[1]);
	assert_true(held[3]);
	assert_int_equal(out[0].intent, DRAIN);
	assert_int_equal(out[1].intent, MAINT);
}

static void
test_floor_ties_take_highest_index(void **state)
{
	struct lb_want w[3] = {R(DRAIN, 0, false, 7), R(DRAIN, 0, false, 7),
	    R(READY, 100, false, 1)};
	struct lb_want out[3];
	bool held[3];

	(void)state;
	assert_int_equal(lb_floor_plan(w, 3, 2, out, held), 1);
	assert_true(held[1] && !held[0]);
}

/* ---- rounds on the real file and exec drivers ---------------------------- */

struct sink {
	pthread_mutex_t m;
	pthread_cond_t cv;
	struct lb_result *q[256];
	size_t n;
};

static void
sink_fn(void *arg, struct lb_result *r)
{
	struct sink *s = arg;

	pthread_mutex_lock(&s->m);
	if (s->n < 256)
		s->q[s->n++] = r;
	else
		lb_result_free(r);
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->m);
}

/* The next round's result, or NULL after timeout_ms. */
static struct lb_result *
sink_next(struct sink *s, uint64_t timeout_ms)
{
	uint64_t end = util_now_ms() + timeout_ms;
	struct lb_result *r = NULL;

	pthread_mutex_lock(&s->m);
	while (s->n == 0 && util_now_ms() < end) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->cv, &s->m, &ts);
	}
	if (s->n > 0) {
		r = s->q[0];
		memmove(s->q, s->q + 1, --s->n * sizeof(s->q[0]));
	}
	pthread_mutex_unlock(&s->m);
	return (r);
}

typedef bool (*round_pred)(const struct lb_result *r);

/* Results until one satisfies pred (returned), or NULL at the deadline. */
static struct lb_result *
sink_until(struct sink *s, round_pred pred, uint64_t timeout_ms)
{
	uint64_t end = util_now_ms() + timeout_ms;

	while (util_now_ms() < end) {
		struct lb_result *r = sink_next(s, end - util_now_ms());

		if (r == NULL)
			return (NULL);
		if (pred(r))
			return (r);
		lb_result_free(r);
	}
	return (NULL);
}

static char dir[64];
static struct fleetd_relay relays[3];
static struct fleetd_lb lbconf;
static struct fleetd_config conf;
static struct sink sink;

static int
setup_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/lb_test.XXXXXX");
	assert_non_null(mkdtemp(dir));
	memset(relays, 0, sizeof(relays));
	for (size_t i = 0; i < 3; i++) {
		snprintf(relays[i].name, sizeof(relays[i].name), "r%zu", i + 1);
		snprintf(
		    relays[i].ip, sizeof(relays[i].ip), "192.0.2.%zu", i + 11);
	}
	memset(&conf, 0, sizeof(conf));
	conf.relays = relays;
	conf.nrelays = 3;
	conf.lbs = &lbconf;
	conf.nlbs = 1;
	memset(&lbconf, 0, sizeof(lbconf));
	util_strlcpy(lbconf.name, "pool", sizeof(lbconf.name));
	lbconf.timeout_ms = 2000;
	lbconf.resync_ms = 1000;
	memset(&sink, 0, sizeof(sink));
	pthread_mutex_init(&sink.m, NULL);
	pthread_cond_init(&sink.cv, NULL);
	return (0);
}

static int
teardown_dir(void **state)
{
	char cmd[128];

	(void)state;
	while (sink.n > 0)
		lb_result_free(sink.q[--sink.n]);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return (0);
}

static char *
slurp(const char *name)
{
	char p[128], *buf;
	size_t len;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (util_read_file(p, 1 << 20, &buf, &len) == -1)
		return (NULL);
	return (buf);
}

static bool
round_all_in_sync(const struct lb_result *r)
{
	for (size_t i = 0; i < r->nrelays; i++)
		if (!r->relays[i].in_sync)
			return (false);
	return (r->reached && r->error[0] == '\0');
}

static bool
round_r2_drift(const struct lb_result *r)
{
	return (r->relays[1].drift);
}

static void
test_file_rounds(void **state)
{
	struct lb_want w[3] = {R(READY, 100, false, 1), R(READY, 100, false, 1),
	    R(READY, 25, false, 1)};
	struct lb_result *r;
	struct lb *l;
	char err[256], *txt;

	(void)state;
	lbconf.driver = LB_DRIVER_FILE;
	util_strlcpy(lbconf.target, dir, sizeof(lbconf.target));
	assert_int_equal(
	    lb_start(&l, &conf, sink_fn, &sink, err, sizeof(err)), 0);
	/* nothing happens before the first set is published */
	assert_null(sink_next(&sink, 200));
	lb_publish(l, w, 2);
	assert_non_null(r = sink_until(&sink, round_all_in_sync, 5000));
	assert_true(r->relays[0].has_targets);
	lb_result_free(r);
	assert_non_null(txt = slurp("pool.txt"));
	assert_string_equal(txt, "r1 192.0.2.11 100\n"
	                         "r2 192.0.2.12 100\n"
	                         "r3 192.0.2.13 25\n");
	free(txt);

	/* a change: r2 drained, its line goes */
	w[1] = R(DRAIN, 0, false, 10);
	lb_publish(l, w, 2);
	assert_non_null(r = sink_until(&sink, round_all_in_sync, 5000));
	assert_true(r->applied >= 1);
	lb_result_free(r);
	assert_non_null(txt = slurp("pool.txt"));
	assert_string_equal(txt, "r1 192.0.2.11 100\nr3 192.0.2.13 25\n");
	free(txt);

	/* a hand edit behind fleetd's back is drift, put back at resync */
	{
		char p[128], *json = slurp("pool.json"), *at;

		assert_non_null(json);
		assert_non_null(at = strstr(json, "\"drain\""));
		memcpy(at, "\"ready\"", 7);
		snprintf(p, sizeof(p), "%s/pool.json", dir);
		assert_int_equal(
		    util_write_file_atomic(p, json, strlen(json), 0644), 0);
		free(json);
	}
	assert_non_null(r = sink_until(&sink, round_r2_drift, 5000));
	assert_true(r->relays[1].in_sync); /* put back in the same round */
	lb_result_free(r);
	assert_non_null(txt = slurp("pool.json"));
	assert_non_null(strstr(txt, "\"drain\""));
	free(txt);

	/* the floor (3 of 3) holds the automatic drain: r2 in at 50 */
	lb_publish(l, w, 3);
	assert_non_null(r = sink_until(&sink, round_all_in_sync, 5000));
	assert_true(r->relays[1].held);
	lb_result_free(r);
	assert_non_null(txt = slurp("pool.txt"));
	assert_non_null(strstr(txt, "r2 192.0.2.12 50\n"));
	free(txt);

	/* an operator's cordon is never held */
	w[1].operator= true;
	lb_publish(l, w, 3);
	assert_non_null(r = sink_until(&sink, round_all_in_sync, 5000));
	assert_false(r->relays[1].held);
	lb_result_free(r);
	assert_non_null(txt = slurp("pool.txt"));
	assert_null(strstr(txt, "r2 "));
	free(txt);
	lb_stop(l);
}

static void
write_script(const char *name, const char *body)
{
	char p[128];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_non_null(f = fopen(p, "w"));
	fprintf(f, "#!/bin/sh\n%s", body);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(p, 0755), 0);
}

static bool
round_failed_three(const struct lb_result *r)
{
	return (r->failed == 3 &&
	        strstr(r->relays[0].error, "exit status 3") != NULL);
}

static void
test_exec_retries_until_it_works(void **state)
{
	struct lb_want w[3] = {R(READY, 100, false, 1), R(DRAIN, 0, false, 1),
	    R(MAINT, 0, true, 1)};
	struct lb_result *r;
	char err[256], *log;
	struct lb *l;

	(void)state;
	write_script("hook", "exit 3\n");
	lbconf.driver = LB_DRIVER_EXEC;
	snprintf(lbconf.target, sizeof(lbconf.target), "%s/hook", dir);
	assert_int_equal(
	    lb_start(&l, &conf, sink_fn, &sink, err, sizeof(err)), 0);
	lb_publish(l, w, 1);
	assert_non_null(r = sink_until(&sink, round_failed_three, 5000));
	assert_false(r->relays[1].in_sync);
	lb_result_free(r);
	/* retried (backoff 1 s, 2 s ...): once the hook works, in sync */
	{
		char body[256];

		snprintf(body, sizeof(body), "echo \"$@\" >> %s/calls\n", dir);
		write_script("hook.new", body);
		snprintf(
		    body, sizeof(body), "mv %s/hook.new %s/hook", dir, dir);
		assert_int_equal(system(body), 0);
	}
	assert_non_null(r = sink_until(&sink, round_all_in_sync, 10000));
	lb_result_free(r);
	lb_stop(l);
	assert_non_null(log = slurp("calls"));
	assert_non_null(strstr(log, "r1 ready 100\n"));
	assert_non_null(strstr(log, "r2 drain 0\n"));
	assert_non_null(strstr(log, "r3 maint 0\n"));
	free(log);
}

static bool
round_r2_ok_r1_failed(const struct lb_result *r)
{
	return (r->relays[1].in_sync && r->relays[0].error[0] != '\0');
}

static size_t
count_lines(const char *text, const char *line)
{
	size_t n = 0, len = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p += len)
		n += p == text || p[-1] == '\n';
	return (n);
}

/*
 * A round that succeeds for another relay's change does not cancel the
 * retry of a failed one: r1 is retried within the backoff (1 s, 2 s),
 * not at the next resync (an hour here).
 */
static void
test_change_keeps_retry(void **state)
{
	struct lb_want w[3] = {R(DRAIN, 0, false, 1), R(READY, 100, false, 1),
	    R(READY, 100, false, 1)};
	struct lb_result *r;
	char err[256], body[256], *log = NULL;
	uint64_t end;
	struct lb *l;

	(void)state;
	snprintf(body, sizeof(body),
	    "echo \"$@\" >> %s/calls\n[ \"$1\" = r1 ] && exit 3\nexit 0\n",
	    dir);
	write_script("hook", body);
	lbconf.driver = LB_DRIVER_EXEC;
	lbconf.resync_ms = 3600 * 1000;
	snprintf(lbconf.target, sizeof(lbconf.target), "%s/hook", dir);
	assert_int_equal(
	    lb_start(&l, &conf, sink_fn, &sink, err, sizeof(err)), 0);
	lb_publish(l, w, 1);
	assert_non_null(r = sink_next(&sink, 5000));
	assert_int_equal(r->failed, 1);
	lb_result_free(r);
	w[1] = R(DRAIN, 0, false, 2); /* a change round, at once */
	lb_publish(l, w, 1);
	assert_non_null(r = sink_until(&sink, round_r2_ok_r1_failed, 5000));
	lb_result_free(r);
	end = util_now_ms() + 8000;
	while (util_now_ms() < end) {
		free(log);
		log = slurp("calls");
		if (log != NULL && count_lines(log, "r1 drain 0\n") >= 3)
			break;
		if ((r = sink_next(&sink, 200)) != NULL)
			lb_result_free(r);
	}
	lb_stop(l);
	assert_non_null(log);
	if (count_lines(log, "r1 drain 0\n") < 3)
		fail_msg("r1 not retried within the backoff:\n%s", log);
	assert_int_equal(count_lines(log, "r2 drain 0\n"), 1);
	free(log);
}

/* ---- the core's record: events only when something changes -------------- */

static size_t nev;
static struct wire_event evs[32];

static struct wire_event *
ev_new(void *arg)
{
	(void)arg;
	if (nev == 32)
		return (NULL);
	memset(&evs[nev], 0, sizeof(evs[0]));
	return (&evs[nev++]);
}

static struct lb_result *
mk_result(size_t n, const char *error)
{
	struct lb_result *r = calloc(1, sizeof(*r));

	r->lb = 0;
	r->nrelays = n;
	r->relays = calloc(n, sizeof(*r->relays));
	for (size_t i = 0; i < n; i++) {
		r->relays[i].in_sync = true;
		r->relays[i].has_targets = true;
	}
	util_strlcpy(r->error, error, sizeof(r->error));
	r->reached = error[0] == '\0';
	return (r);
}

static void
test_track_events(void **state)
{
	struct policy_relay_conf prc[3] = {{"r1", ""}, {"r2", ""}, {"r3", ""}};
	struct policy_conf pc;
	struct policy *p;
	struct lb_track *t;
	struct lb_result *r;
	const struct lb_status *st;

	(void)state;
	policy_conf_defaults(&pc);
	p = policy_new(&pc, prc, 3, 1000);
	lbconf.driver = LB_DRIVER_HAPROXY;
	util_strlcpy(
	    lbconf.target, "/run/haproxy/admin.sock", sizeof(lbconf.target));
	t = lb_track_new(&conf);
	nev = 0;

	/* unreachable: one event, not one per round */
	lb_track_take(
	    t, mk_result(3, "connect: No such file"), p, 100, ev_new, NULL);
	lb_track_take(
	    t, mk_result(3, "connect: No such file"), p, 101, ev_new, NULL);
	assert_int_equal(nev, 1);
	assert_string_equal(evs[0].kind, "lb");
	assert_string_equal(evs[0].rule, "lb:pool");
	assert_string_equal(evs[0].relay, "");
	assert_non_null(strstr(evs[0].reason, "No such file"));
	st = &lb_track_status(t)[0];
	assert_int_equal(st->failures, 2);
	assert_int_equal(st->last_success_at, 0);

	/* answers again: one event; a relay's failure: one event */
	r = mk_result(3, "");
	r->at = 102;
	r->relays[2].in_sync = false;
	util_strlcpy(r->relays[2].error,
	    "set server be/x state drain: No "
	    "such server.",
	    sizeof(r->relays[2].error));
	r->failed = 1;
	lb_track_take(t, r, p, 102, ev_new, NULL);
	assert_int_equal(nev, 3);
	assert_non_null(strstr(evs[1].reason, "answers again"));
	assert_string_equal(evs[2].relay, "r3");
	assert_non_null(strstr(evs[2].reason, "No such server."));
	assert_int_equal(st->out_of_sync, 1);

	/* drift: an event, then only the counter for LB_TRACK_DRIFT_S */
	for (int k = 0; k < 2; k++) {
		r = mk_result(3, "");
		r->at = 103 + k;
		r->relays[0].drift = true;
		lb_track_take(t, r, p, 103 + k, ev_new, NULL);
	}
	assert_int_equal(nev, 4);
	assert_string_equal(evs[3].relay, "r1");
	assert_non_null(strstr(evs[3].reason, "drift"));
	assert_int_equal(st->drift, 2);
	assert_int_equal(st->out_of_sync, 0);
	assert_int_equal(st->last_success_at, 104);

	/* held, then let go: two events */
	r = mk_result(3, "");
	r->relays[1].held = true;
	lb_track_take(t, r, p, 105, ev_new, NULL);
	lb_track_take(t, mk_result(3, ""), p, 106, ev_new, NULL);
	assert_int_equal(nev, 6);
	assert_non_null(strstr(evs[4].reason, "held back"));
	assert_non_null(strstr(evs[5].reason, "no longer held"));

	/* a result for an unknown load balancer is dropped */
	r = mk_result(3, "x");
	r->lb = 7;
	lb_track_take(t, r, p, 107, ev_new, NULL);
	assert_int_equal(nev, 6);
	lb_track_free(t);
	policy_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_floor_keeps_what_fits),
	    cmocka_unit_test(test_floor_holds_newest_automatic_drain),
	    cmocka_unit_test(test_floor_leaves_operator_alone),
	    cmocka_unit_test(test_floor_ties_take_highest_index),
	    cmocka_unit_test_setup_teardown(
	        test_file_rounds, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(
	        test_exec_retries_until_it_works, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(
	        test_change_keeps_retry, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(
	        test_track_events, setup_dir, teardown_dir),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
