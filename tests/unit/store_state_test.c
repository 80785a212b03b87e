/* SPDX-License-Identifier: ISC */
/*
 * controller/store_state: the decisions in sqlite (relay states, events
 * with their samples, windows, audit), the readers health and policy
 * start from (samples, counters, checks), retention, and the migration
 * from schema version 1 that adds their tables.  Each test gets its own
 * temp dir; the checks read the file with sqlite directly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../controller/store.h"
#include "store_fixture.h"

struct seen_states {
	size_t n, stop_after; /* stop_after 0: never */
	char relay[4][16];
	char json[4][32];
};

static int
seen_state_cb(void *arg, const char *relay, const char *json)
{
	struct seen_states *v = arg;

	assert_true(v->n < 4);
	snprintf(v->relay[v->n], sizeof(v->relay[0]), "%s", relay);
	snprintf(v->json[v->n], sizeof(v->json[0]), "%s", json);
	return (++v->n == v->stop_after);
}

static void
save_state(struct store *s, const char *relay, const char *json, uint64_t t)
{
	assert_int_equal(store_begin(s), 0);
	if (store_state_save(s, relay, json, t) == -1)
		fail_msg("store_state_save: %s", store_errmsg(s));
	assert_int_equal(store_commit(s), 0);
}

static void
test_state_save_load(void **state)
{
	struct fixture *f = *state;
	struct seen_states v = {0};
	struct store *s = open_synced(f);

	save_state(s, "relay2", "{\"b\":2}", 10);
	save_state(s, "relay1", "{\"a\":1}", 11);
	save_state(s, "relay1", "{\"a\":3}", 12); /* replaces */
	assert_int_equal(store_state_load(s, seen_state_cb, &v), 0);
	assert_int_equal(v.n, 2);
	assert_string_equal(v.relay[0], "relay1");
	assert_string_equal(v.json[0], "{\"a\":3}");
	assert_string_equal(v.relay[1], "relay2");
	assert_string_equal(v.json[1], "{\"b\":2}");
	assert_int_equal(raw_int(f, "SELECT updated_at FROM relay_state WHERE "
	                            "relay = 'relay1'"),
	    12);
	memset(&v, 0, sizeof(v));
	v.stop_after = 1;
	assert_int_equal(store_state_load(s, seen_state_cb, &v), 0);
	assert_int_equal(v.n, 1);
	memset(&v, 0, sizeof(v));
	assert_int_equal(store_sync_relays(s, &test_relays[1], 1), 0);
	assert_int_equal(store_state_load(s, seen_state_cb, &v), 0);
	assert_int_equal(v.n, 1); /* relay1 is retired */
	assert_string_equal(v.relay[0], "relay2");
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_state_save(s, "ghost", "{}", 1), -1);
	assert_non_null(strstr(store_errmsg(s), "FOREIGN KEY"));
	store_rollback(s);
	store_close(s);
}

static const char *const test_texts[] = {
    "550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent",
    "451 4.7.650 The mail server [192.0.2.1] has been temporarily limited",
    "421 4.7.0 [192.0.2.1] Try again later",
};

static void
event_init(struct wire_event *e, uint64_t at, const char *relay,
    const char *kind, const char *from, const char *to)
{
	memset(e, 0, sizeof(*e));
	e->at = at;
	snprintf(e->relay, sizeof(e->relay), "%s", relay);
	snprintf(e->kind, sizeof(e->kind), "%s", kind);
	snprintf(e->from_state, sizeof(e->from_state), "%s", from);
	snprintf(e->to_state, sizeof(e->to_state), "%s", to);
	snprintf(e->rule, sizeof(e->rule), "ip-blocked");
	snprintf(e->provider, sizeof(e->provider), "outlook");
	snprintf(e->counts, sizeof(e->counts), "1 ip_blocked from outlook");
	snprintf(e->intent, sizeof(e->intent), "drain");
	snprintf(e->reason, sizeof(e->reason), "S3150");
	e->window_s = 600;
	e->until = at + 14400;
}

/* Adds e in its own transaction; returns its id. */
static uint64_t
add_event(struct store *s, struct wire_event *e)
{
	assert_int_equal(store_begin(s), 0);
	if (store_event_add(s, e) == -1)
		fail_msg("store_event_add: %s", store_errmsg(s));
	assert_int_equal(store_commit(s), 0);
	return (e->id);
}

/* relay1 drained at 100 (3 samples), relay2 alert at 200, relay1 refused
   at 300, operator at 400 and probation at 500. */
static void
add_timeline(struct store *s, uint64_t ids[5])
{
	struct wire_event e;

	event_init(&e, 100, "relay1", "transition", "active", "drained");
	e.n_samples = 3;
	for (size_t i = 0; i < 3; i++)
		e.samples[i] = (struct wire_sample){"outlook", CLASS_IP_BLOCKED,
		    STATUS_DEFERRED, "4.7.650",
		    (char *)(uintptr_t)test_texts[i], 90 + i, 95 + i,
		    "mx.outlook.com"};
	e.weight = 0;
	ids[0] = add_event(s, &e);
	event_init(&e, 200, "relay2", "alert", "active", "active");
	ids[1] = add_event(s, &e);
	event_init(&e, 300, "relay1", "refused", "active", "suspect");
	e.weight = 50;
	ids[2] = add_event(s, &e);
	event_init(&e, 400, "relay1", "operator", "drained", "cordoned");
	snprintf(e.operator, sizeof(e.operator), "alice");
	ids[3] = add_event(s, &e);
	event_init(&e, 500, "relay1", "transition", "cordoned", "probation");
	e.weight = 10;
	ids[4] = add_event(s, &e);
	for (size_t i = 1; i < 5; i++)
		assert_true(ids[i] > ids[i - 1]);
}

static void
test_events(void **state)
{
	static const struct {
		const char *name, *relay;
		uint64_t since;
		uint32_t limit;
		size_t n;
		uint64_t first_at; /* of the oldest returned */
	} cases[] = {
	    {"all", "", 0, 100, 5, 100},
	    {"limit 0 means 1: the newest", "", 0, 0, 1, 500},
	    {"relay", "relay1", 0, 100, 4, 100},
	    {"other relay", "relay2", 0, 100, 1, 200},
	    {"since", "", 250, 100, 3, 300},
	    {"since is inclusive", "", 300, 100, 3, 300},
	    {"newest 2 of relay1", "relay1", 0, 2, 2, 400},
	    {"above the cap", "", 0, UINT32_MAX, 5, 100},
	    {"unknown relay", "ghost", 0, 100, 0, 0},
	};
	struct fixture *f = *state;
	struct wire_ctl_reply c;
	struct store *s = open_synced(f);
	const struct wire_event *e;
	uint64_t ids[5];

	add_timeline(s, ids);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&c, 0, sizeof(c));
		if (store_events(s, cases[i].relay, cases[i].since,
		        cases[i].limit, &c) == -1)
			fail_msg("%s: %s", cases[i].name, store_errmsg(s));
		if (c.n_events != cases[i].n)
			fail_msg("%s: %zu events", cases[i].name, c.n_events);
		for (size_t j = 0; j < c.n_events; j++) {
			if (j > 0 && (c.events[j].id <= c.events[j - 1].id ||
			                 c.events[j].at < c.events[j - 1].at))
				fail_msg("%s: not oldest first", cases[i].name);
		}
		if (c.n_events > 0 && c.events[0].at != cases[i].first_at)
			fail_msg("%s: first at %llu", cases[i].name,
			    (unsigned long long)c.events[0].at);
		wire_ctl_reply_fini(&c);
	}
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_events(s, "relay1", 0, 1000, &c), 0);
	e = &c.events[0];
	assert_int_equal(e->id, ids[0]);
	assert_string_equal(e->kind, "transition");
	assert_string_equal(e->from_state, "active");
	assert_string_equal(e->to_state, "drained");
	assert_string_equal(e->rule, "ip-blocked");
	assert_string_equal(e->counts, "1 ip_blocked from outlook");
	assert_int_equal(e->window_s, 600);
	assert_int_equal(e->until, 100 + 14400);
	assert_string_equal(e->reason, "S3150");
	assert_int_equal(e->n_samples, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(e->samples[i].text, test_texts[i]);
		assert_int_equal(e->samples[i].first_seen, 90 + i);
		assert_int_equal(e->samples[i].last_seen, 95 + i);
		assert_int_equal(e->samples[i].cls, CLASS_IP_BLOCKED);
		assert_int_equal(e->samples[i].status, STATUS_DEFERRED);
		assert_string_equal(e->samples[i].dsn, "4.7.650");
		assert_string_equal(e->samples[i].mx_host, "mx.outlook.com");
	}
	assert_string_equal(c.events[2].operator, "alice");
	assert_int_equal(c.events[1].weight, 50);
	assert_int_equal(c.events[1].n_samples, 0);
	wire_ctl_reply_fini(&c);
	store_close(s);
}

static void
test_event_latest(void **state)
{
	static const struct {
		const char *name, *relay, *to;
		bool found;
		uint64_t at;
	} cases[] = {
	    {"transition", "relay1", "drained", true, 100},
	    {"refused counts", "relay1", "suspect", true, 300},
	    {"operator counts", "relay1", "cordoned", true, 400},
	    {"alerts do not", "relay2", "active", false, 0},
	    {"other relay", "relay2", "drained", false, 0},
	};
	struct fixture *f = *state;
	struct store *s = open_synced(f);
	struct wire_event e, later;
	uint64_t ids[5];
	bool found;

	add_timeline(s, ids);
	event_init(&later, 600, "relay1", "alert", "drained", "drained");
	(void)add_event(s, &later); /* an alert never answers */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&e, 0, sizeof(e));
		found = !cases[i].found;
		if (store_event_latest(
		        s, cases[i].relay, cases[i].to, &e, &found) == -1)
			fail_msg("%s: %s", cases[i].name, store_errmsg(s));
		if (found != cases[i].found || e.at != cases[i].at)
			fail_msg("%s: found %d at %llu", cases[i].name, found,
			    (unsigned long long)e.at);
		if (i == 0) {
			assert_int_equal(e.n_samples, 3);
			assert_string_equal(e.samples[2].text, test_texts[2]);
		}
		wire_event_fini(&e);
	}
	event_init(&later, 700, "relay1", "transition", "probation", "drained");
	(void)add_event(s, &later);
	assert_int_equal(
	    store_event_latest(s, "relay1", "drained", &e, &found), 0);
	assert_true(found);
	assert_int_equal(e.at, 700);
	assert_int_equal(e.n_samples, 0);
	wire_event_fini(&e);
	store_close(s);
}

/* A row a newer fleetd could write: values past every limit. */
static void
test_event_sanitized(void **state)
{
	struct fixture *f = *state;
	struct wire_ctl_reply c = {0};
	struct store *s = open_synced(f);
	const struct wire_event *e;
	const char *errstr;
	uint8_t *buf;
	size_t len;

	raw_exec(f, "INSERT INTO events (at, relay, kind, from_state, "
	            "to_state, rule, provider, operator, counts, window_s, "
	            "intent, weight, until, reason) VALUES (5, 'relay1', "
	            "'teleported', 'active', 'somewhere_very_far_away', 'r', "
	            "'p', '', '', -1, 'ready', 1000, 0, "
	            "replace(hex(zeroblob(600)), '0', 'x'));"
	            "INSERT INTO event_samples SELECT id, 'outlook', 99, 42, "
	            "'', replace(hex(zeroblob(3000)), '0', 'y'), 1, 2, '' "
	            "FROM events, (SELECT 1 UNION SELECT 2 UNION SELECT 3 "
	            "UNION SELECT 4 UNION SELECT 5);");
	assert_int_equal(store_events(s, "", 0, 10, &c), 0);
	assert_int_equal(c.n_events, 1);
	e = &c.events[0];
	assert_int_equal(e->weight, 100);
	assert_string_equal(e->to_state, "somewhere_very_"); /* bounded */
	assert_int_equal(strlen(e->reason), WIRE_REASON_MAX);
	assert_true(e->window_s == UINT64_MAX);
	assert_int_equal(e->n_samples, WIRE_EVENT_SAMPLES_MAX);
	assert_int_equal(strlen(e->samples[0].text), WIRE_TEXT_MAX);
	assert_int_equal(e->samples[0].cls, CLASS_OTHER);
	assert_int_equal(e->samples[0].status, STATUS_DEFERRED);
	/* what the store returns must always be sendable */
	c.ok = true;
	assert_int_equal(wire_ctl_reply_encode(&c, &buf, &len, &errstr), 0);
	free(buf);
	wire_ctl_reply_fini(&c);
	store_close(s);
}

struct seen_windows {
	size_t n, stop_after;
	struct wire_window w[4];
	char relays[4][3][WIRE_NAME_MAX + 1];
};

static int
seen_window_cb(void *arg, const struct wire_window *w)
{
	struct seen_windows *v = arg;

	assert_true(v->n < 4 && w->n_relays <= 3);
	v->w[v->n] = *w;
	v->w[v->n].relays = NULL; /* borrowed: copy the names out */
	for (size_t i = 0; i < w->n_relays; i++)
		memcpy(v->relays[v->n][i], w->relays[i], sizeof(w->relays[i]));
	return (++v->n == v->stop_after);
}

static int
save_window(struct store *s, const char *name, const char *hosting,
    uint64_t start, uint64_t end, const char *state, size_t n,
    const char (*relays)[16])
{
	char names[3][WIRE_NAME_MAX + 1];
	struct wire_window w = {
	    .n_relays = n, .relays = names, .start = start, .end = end};
	int rv;

	assert_true(n <= 3);
	for (size_t i = 0; i < n; i++)
		snprintf(names[i], sizeof(names[i]), "%s", relays[i]);
	snprintf(w.name, sizeof(w.name), "%s", name);
	snprintf(w.hosting, sizeof(w.hosting), "%s", hosting);
	snprintf(w.reason, sizeof(w.reason), "kernel upgrade");
	snprintf(w.created_by, sizeof(w.created_by), "alice");
	snprintf(w.state, sizeof(w.state), "%s", state);
	assert_int_equal(store_begin(s), 0);
	if ((rv = store_window_save(s, &w)) == 0)
		assert_int_equal(store_commit(s), 0);
	else
		store_rollback(s);
	return (rv);
}

static void
test_windows(void **state)
{
	static const char two[][16] = {"relay1", "relay2"};
	static const char bad[][16] = {"relay1", "re lay"};
	struct fixture *f = *state;
	struct seen_windows v = {0};
	struct store *s = open_synced(f);

	assert_int_equal(
	    save_window(s, "w1", "", 100, 200, "scheduled", 2, two), 0);
	assert_int_equal(
	    save_window(s, "w2", "hoster-a", 50, 300, "running", 0, NULL), 0);
	assert_int_equal(
	    save_window(s, "w3", "", 10, 90, "ended", 1, two + 1), 0);
	assert_int_equal(store_windows_load(s, 95, seen_window_cb, &v), 0);
	assert_int_equal(v.n, 2);               /* w3 ended before 95 */
	assert_string_equal(v.w[0].name, "w2"); /* oldest start first */
	assert_string_equal(v.w[0].hosting, "hoster-a");
	assert_int_equal(v.w[0].n_relays, 0);
	assert_string_equal(v.w[1].name, "w1");
	assert_int_equal(v.w[1].n_relays, 2);
	assert_string_equal(v.relays[1][0], "relay1");
	assert_string_equal(v.relays[1][1], "relay2");
	assert_int_equal(v.w[1].start, 100);
	assert_int_equal(v.w[1].end, 200);
	assert_string_equal(v.w[1].reason, "kernel upgrade");
	assert_string_equal(v.w[1].created_by, "alice");
	assert_string_equal(v.w[1].state, "scheduled");
	/* replaced by name */
	assert_int_equal(
	    save_window(s, "w1", "", 20, 150, "cancelled", 1, two + 1), 0);
	memset(&v, 0, sizeof(v));
	assert_int_equal(store_windows_load(s, 0, seen_window_cb, &v), 0);
	assert_int_equal(v.n, 3);
	assert_string_equal(v.w[1].name, "w1");
	assert_int_equal(v.w[1].n_relays, 1);
	assert_string_equal(v.relays[1][0], "relay2");
	assert_string_equal(v.w[1].state, "cancelled");
	assert_int_equal(raw_int(f, "SELECT count(*) FROM windows"), 3);
	/* a name that would not split back is refused */
	assert_int_equal(save_window(s, "w4", "", 1, 2, "", 2, bad), -1);
	assert_non_null(strstr(store_errmsg(s), "w4"));
	memset(&v, 0, sizeof(v));
	v.stop_after = 1;
	assert_int_equal(store_windows_load(s, 0, seen_window_cb, &v), 0);
	assert_int_equal(v.n, 1);
	/* extra spaces, and a name too long to be one are skipped */
	raw_exec(f, "UPDATE windows SET relays = '  relay1   ' || "
	            "replace(hex(zeroblob(40)), '0', 'z') || ' relay2 ' "
	            "WHERE name = 'w2'");
	memset(&v, 0, sizeof(v));
	assert_int_equal(store_windows_load(s, 0, seen_window_cb, &v), 0);
	assert_string_equal(v.w[2].name, "w2");
	assert_int_equal(v.w[2].n_relays, 2);
	assert_string_equal(v.relays[2][0], "relay1");
	assert_string_equal(v.relays[2][1], "relay2");
	store_close(s);
}

/* Adds a report of relay received at t with samples m[0..n-1]. */
static void
add_samples(struct store *s, const char *relay, uint64_t seq, uint64_t t,
    struct wire_sample *m, size_t n)
{
	struct test_report r;

	report_init(&r, 1, seq);
	r.r.samples = m;
	r.r.n_samples = n;
	assert_false(add_one(s, relay, &r.r, t));
}

static void
test_samples_recent(void **state)
{
	static const struct {
		const char *name, *provider;
		uint32_t classes;
		uint64_t since;
		size_t max, n;
		const char *texts;   /* first letters of the texts, in order */
		uint64_t first_seen; /* of the first one */
	} cases[] = {
	    {"all, newest first", "", 0, 0, 10, 3, "ACB", 900},
	    {"provider", "google", 0, 0, 10, 1, "B", 910},
	    {"class", "", 1u << CLASS_IP_THROTTLED, 0, 10, 1, "C", 1500},
	    {"classes", "", (1u << CLASS_IP_BLOCKED) | (1u << CLASS_BUSY), 0,
	        10, 2, "AB", 900},
	    {"class without rows", "", 1u << CLASS_TLS, 0, 10, 0, "", 0},
	    {"since drops older rows", "", 0, 1000, 10, 2, "AC", 1900},
	    {"since is inclusive", "", 0, 1600, 10, 2, "AC", 1900},
	    {"max", "", 0, 0, 1, 1, "A", 900},
	    {"max 0", "", 0, 0, 0, 0, "", 0},
	};
	struct wire_sample m[] = {
	    {"outlook", CLASS_IP_BLOCKED, STATUS_DEFERRED, "4.7.650",
	        (char *)(uintptr_t) "A blocked", 900, 950, "mxa"},
	    {"google", CLASS_BUSY, STATUS_DEFERRED, "4.2.0",
	        (char *)(uintptr_t) "B busy", 910, 990, "mxg"},
	    {"outlook", CLASS_IP_BLOCKED, STATUS_BOUNCED, "5.7.1",
	        (char *)(uintptr_t) "A blocked", 1900, 1950, "mxb"},
	    {"outlook", CLASS_IP_THROTTLED, STATUS_DEFERRED, "4.7.650",
	        (char *)(uintptr_t) "C throttled", 1500, 1600, "mxa"},
	    {"outlook", CLASS_IP_BLOCKED, STATUS_DEFERRED, "4.7.650",
	        (char *)(uintptr_t) "D other relay", 1, 1990, "mxa"},
	};
	struct fixture *f = *state;
	struct wire_sample out[10];
	struct store *s = open_synced(f);
	size_t n;

	add_samples(s, "relay1", 1, 1000, m, 2);
	add_samples(s, "relay1", 2, 2000, m + 2, 2);
	add_samples(s, "relay2", 1, 2000, m + 4, 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = 99;
		if (store_samples_recent(s, "relay1", cases[i].provider,
		        cases[i].classes, cases[i].since, cases[i].max, out,
		        &n) == -1)
			fail_msg("%s: %s", cases[i].name, store_errmsg(s));
		if (n != cases[i].n)
			fail_msg("%s: %zu samples", cases[i].name, n);
		for (size_t j = 0; j < n; j++) {
			if (out[j].text[0] != cases[i].texts[j])
				fail_msg("%s: [%zu] %s", cases[i].name, j,
				    out[j].text);
		}
		if (n > 0 && out[0].first_seen != cases[i].first_seen)
			fail_msg("%s: first_seen %llu", cases[i].name,
			    (unsigned long long)out[0].first_seen);
		if (i == 0) { /* the newest row of "A" gives the fields */
			assert_int_equal(out[0].last_seen, 1950);
			assert_int_equal(out[0].status, STATUS_BOUNCED);
			assert_string_equal(out[0].dsn, "5.7.1");
			assert_string_equal(out[0].mx_host, "mxb");
			assert_string_equal(out[0].provider, "outlook");
			assert_int_equal(out[0].cls, CLASS_IP_BLOCKED);
		}
		for (size_t j = 0; j < n; j++)
			free(out[j].text);
	}
	store_close(s);
}

struct seen_counters {
	size_t n;
	char relay[32][16];
	uint32_t count[32];
	uint64_t t[32];
};

static void
seen_counter_cb(
    void *arg, const char *relay, const struct wire_counter *c, uint64_t t)
{
	struct seen_counters *v = arg;

	assert_true(v->n < 32);
	snprintf(v->relay[v->n], sizeof(v->relay[0]), "%s", relay);
	v->count[v->n] = c->count;
	v->t[v->n++] = t;
}

/* Each report carries 3 counters (5, 40, 1); stored in this order. */
static void
test_counters_since(void **state)
{
	static const struct {
		const char *name, *relay;
		uint64_t received_at, interval_end, t;
	} cases[] = {
	    {"before since: left out", "relay1", 50, 40, 0},
	    {"interval end", "relay1", 100000, 99990, 99990},
	    {"end after arrival", "relay2", 300000, 300500, 300000},
	    {"stored later, received earlier", "relay1", 200000, 199000,
	        199000},
	    {"end 0: arrival", "relay1", 250000, 0, 250000},
	    {"end NULL: arrival", "relay2", 260000, 1, 260000},
	    {"a day early at most", "relay1", 400000, 100, 400000 - 86400},
	    {"exactly a day", "relay1", 500000, 500000 - 86400, 500000 - 86400},
	};
	struct fixture *f = *state;
	struct seen_counters v = {0};
	struct test_report t;
	struct store *s = open_synced(f);
	size_t k;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		report_init(&t, 3, i + 1);
		t.r.interval_end = cases[i].interval_end;
		assert_false(
		    add_one(s, cases[i].relay, &t.r, cases[i].received_at));
	}
	raw_exec(f, "UPDATE reports SET interval_end = NULL "
	            "WHERE interval_end = 1");
	assert_int_equal(store_counters_since(s, 100, seen_counter_cb, &v), 0);
	assert_int_equal(v.n, 3 * (sizeof(cases) / sizeof(cases[0]) - 1));
	for (size_t i = 1; i < sizeof(cases) / sizeof(cases[0]); i++) {
		k = 3 * (i - 1);
		if (strcmp(v.relay[k], cases[i].relay) != 0 ||
		    v.t[k] != cases[i].t || v.t[k + 2] != cases[i].t)
			fail_msg("%s: %s t %llu", cases[i].name, v.relay[k],
			    (unsigned long long)v.t[k]);
		assert_int_equal(v.count[k], 5);
		assert_int_equal(v.count[k + 1], 40);
		assert_int_equal(v.count[k + 2], 1);
	}
	store_close(s);
}

static void
test_checks_latest(void **state)
{
	struct fixture *f = *state;
	struct wire_ctl_reply c = {0};
	struct test_report t;
	struct store *s = open_synced(f);

	report_init(&t, 4, 1); /* ptr ok, dnsbl fail */
	assert_false(add_one(s, "relay1", &t.r, 100));
	report_init(&t, 4, 2);
	t.r.n_checks = 0; /* the newest carries none */
	assert_false(add_one(s, "relay1", &t.r, 200));
	report_init(&t, 4, 3); /* stored last, received in between */
	t.r.n_checks = 1;
	t.checks[0] = (struct wire_check){"helo", CHECK_ERROR, "timeout", 149};
	assert_false(add_one(s, "relay1", &t.r, 150));
	assert_int_equal(store_checks_latest(s, "relay1", &c), 0);
	assert_int_equal(c.n_checks, 1);
	assert_string_equal(c.checks[0].name, "helo");
	assert_int_equal(c.checks[0].state, CHECK_ERROR);
	assert_string_equal(c.checks[0].detail, "timeout");
	assert_int_equal(c.checks[0].checked_at, 149);
	wire_ctl_reply_fini(&c);
	raw_exec(f, "DELETE FROM checks WHERE name = 'helo';"
	            "UPDATE checks SET state = 77 WHERE name = 'dnsbl'");
	assert_int_equal(store_checks_latest(s, "relay1", &c), 0);
	assert_int_equal(c.n_checks, 2);
	assert_string_equal(c.checks[0].name, "ptr");
	assert_int_equal(c.checks[0].state, CHECK_OK);
	assert_string_equal(c.checks[1].detail, "listed on zen");
	assert_int_equal(c.checks[1].state, CHECK_ERROR); /* unknown */
	wire_ctl_reply_fini(&c);
	assert_int_equal(store_checks_latest(s, "relay2", &c), 0);
	assert_int_equal(c.n_checks, 0);
	assert_null(c.checks);
	store_close(s);
}

static void
test_audit(void **state)
{
	struct fixture *f = *state;
	struct store *s = open_synced(f);

	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_audit_add(s, 100, "alice", "admin", "drain",
	                     "relay1 --for 4h", "ok"),
	    0);
	assert_int_equal(store_audit_add(s, 101, "bob", "read", "enable",
	                     "relay1", "read-only key"),
	    0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM audit"), 2);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM audit WHERE at = 100 "
	                            "AND operator = 'alice' AND role = 'admin' "
	                            "AND op = 'drain' AND detail = 'relay1 "
	                            "--for 4h' AND result = 'ok'"),
	    1);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(
	    store_audit_add(s, 102, NULL, "admin", "drain", "", "ok"), -1);
	assert_non_null(strstr(store_errmsg(s), "NOT NULL"));
	store_rollback(s);
	store_close(s);
}

static void
test_prune(void **state)
{
	struct fixture *f = *state;
	struct wire_ctl_reply c = {0};
	struct wire_event e;
	struct test_report t;
	struct store *s = open_synced(f);
	uint64_t ids[5], deleted = 99, last;
	bool more;

	for (uint64_t i = 1; i <= 3; i++) {
		report_init(&t, 6, i);
		assert_false(add_one(s, "relay1", &t.r, 100 * i));
	}
	report_init(&t, 6, 1);
	assert_false(add_one(s, "relay2", &t.r, 100));
	add_timeline(s, ids); /* events at 100 .. 500 */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(
	    store_audit_add(s, 100, "a", "admin", "x", "", "ok"), 0);
	assert_int_equal(
	    store_audit_add(s, 300, "a", "admin", "x", "", "ok"), 0);
	assert_int_equal(store_commit(s), 0);
	/* a limit of 1 takes one report per call and says there is more */
	assert_int_equal(store_prune(s, 250, 1, &deleted, &more), 0);
	assert_int_equal(deleted, 1);
	assert_true(more);
	assert_int_equal(store_prune(s, 250, 1000, &deleted, &more), 0);
	assert_int_equal(deleted, 1);
	assert_false(more);
	/* relay1 keeps 300; relay2's only report (100) is its newest: kept */
	assert_rows(f, 2, 2); /* the children went with their reports */
	assert_int_equal(raw_int(f, "SELECT count(*) FROM reports WHERE "
	                            "relay = 'relay2' AND received_at = 100"),
	    1);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM events"), 3);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM event_samples"), 0);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM audit"), 1);
	assert_int_equal(store_relay_status(s, &c), 0); /* latest still found */
	assert_true(c.relays[0].has_report);
	assert_int_equal(c.relays[0].last_report_at, 300);
	assert_int_equal(c.relays[0].last_seq, 3);
	assert_int_equal(c.relays[0].reports, 1);
	assert_true(c.relays[0].has_queue);
	assert_int_equal(c.relays[0].queue.n_by, 2);
	assert_true(c.relays[1].has_report); /* a silent relay stays known */
	assert_int_equal(c.relays[1].last_report_at, 100);
	wire_ctl_reply_fini(&c);
	/* long past everything: each relay's newest report stays */
	assert_int_equal(store_prune(s, 1000, 1000, &deleted, &more), 0);
	assert_int_equal(deleted, 0);
	assert_rows(f, 2, 2);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM events"), 0);
	/* new event ids still grow */
	event_init(&e, 2000, "relay1", "transition", "active", "drained");
	last = add_event(s, &e);
	assert_true(last > ids[4]);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_prune(s, 1, 10, &deleted, &more), -1);
	store_rollback(s);
	store_close(s);
}

/* Schema version 1 as it was released; never edit. */
static const char test_schema_v1[] = TEST_SCHEMA_HEAD(1) TEST_SCHEMA_V1
    "INSERT INTO relays (name, ip, agent_key) VALUES"
    "  ('relay1', '192.0.2.1', 'a2V5MQ==');"
    "INSERT INTO reports (relay, epoch, seq, received_at) VALUES"
    "  ('relay1', 8, 4, 100);";

static void
test_migrate_from_v1(void **state)
{
	struct fixture *f = *state;
	struct seen_states v = {0};
	struct wire_event e;
	struct test_report t;
	struct store *s;
	uint64_t max_seq;

	raw_exec(f, test_schema_v1);
	s = open_ok(f);
	assert_int_equal(raw_int(f, "SELECT version FROM schema_version"),
	    STORE_SCHEMA_VERSION);
	assert_int_equal(
	    raw_int(f, "SELECT count(*) FROM sqlite_master WHERE type = "
	               "'table' AND name IN ('relay_state', 'events', "
	               "'event_samples', 'windows', 'audit')"),
	    5);
	assert_int_equal(count_of(s, "relay1", &max_seq), 1); /* kept */
	assert_int_equal(max_seq, 4);
	report_init(&t, 8, 4);
	assert_true(add_one(s, "relay1", &t.r, 200)); /* dedup kept too */
	save_state(s, "relay1", "{}", 1);
	assert_int_equal(store_state_load(s, seen_state_cb, &v), 0);
	assert_int_equal(v.n, 1);
	event_init(&e, 1, "relay1", "transition", "active", "drained");
	assert_true(add_event(s, &e) > 0);
	store_close(s);
	store_close(open_ok(f)); /* and the migrated file reopens */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_state_save_load, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_events, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_event_latest, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_event_sanitized, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_windows, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_samples_recent, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_counters_since, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_checks_latest, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_audit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_migrate_from_v1, setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
