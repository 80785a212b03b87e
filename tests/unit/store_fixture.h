/* SPDX-License-Identifier: ISC */
/*
 * What store_test.c and store_state_test.c share: a temp dir per test
 * (setup, teardown), a store opened on it with two relays, a report whose
 * arrays live inside it, and queries on the file that bypass the store.
 * Test-only; the helpers are static inline so each test file takes what
 * it uses.
 */
#ifndef FLEET_TESTS_UNIT_STORE_FIXTURE_H
#define FLEET_TESTS_UNIT_STORE_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "../../controller/store.h"

struct fixture {
	char dir[64];
	char path[128];
};

/* A report whose arrays live inside the struct: nothing to free. */
struct test_report {
	struct wire_report r;
	struct wire_queue_count by[2];
	struct wire_counter counters[3];
	struct wire_sample samples[1];
	struct wire_check checks[2];
	char text[64];
};

static const struct store_relay test_relays[] = {
    {"relay1", "192.0.2.1", "hoster-a", "a2V5MQ=="},
    {"relay2", "192.0.2.2", "", "a2V5Mg=="},
};

static inline int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/store_test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/fleetd.db", f->dir);
	*state = f;
	return (0);
}

static inline int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return (0);
}

static inline struct store *
open_ok(const struct fixture *f)
{
	struct store *s;
	const char *errstr;

	if (store_open(&s, f->path, &errstr) == -1)
		fail_msg("store_open: %s", errstr);
	return (s);
}

static inline struct store *
open_synced(const struct fixture *f)
{
	struct store *s = open_ok(f);

	assert_int_equal(store_sync_relays(s, test_relays, 2), 0);
	return (s);
}

/* One integer from a query on the file, bypassing the store. */
static inline sqlite3_int64
raw_int(const struct fixture *f, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	sqlite3_int64 v;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return (v);
}

static inline void
raw_exec(const struct fixture *f, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static inline void
report_init(struct test_report *t, uint64_t epoch, uint64_t seq)
{
	struct wire_report *r = &t->r;

	memset(t, 0, sizeof(*t));
	r->epoch = epoch;
	r->seq = seq;
	r->interval_start = 1700000000;
	r->interval_end = 1700000010;
	snprintf(r->hostname, sizeof(r->hostname), "mx1.example.net");
	snprintf(r->agent_version, sizeof(r->agent_version), "0.1.0");
	r->has_queue = true;
	r->queue = (struct wire_queue){.valid = true,
	    .taken_at = 1700000005,
	    .incoming = 1,
	    .active = 2,
	    .deferred = 7,
	    .hold = 3,
	    .maildrop = 4,
	    .oldest_deferred_age = 600,
	    .n_by = 2,
	    .by = t->by};
	t->by[0] = (struct wire_queue_count){"outlook", CLASS_IP_BLOCKED, 5};
	t->by[1] = (struct wire_queue_count){"google", CLASS_BUSY, 2};
	r->n_counters = 3;
	r->counters = t->counters;
	t->counters[0] = (struct wire_counter){
	    "outlook", CLASS_IP_BLOCKED, STATUS_DEFERRED, "4.7.650", 5};
	t->counters[1] = (struct wire_counter){
	    "google", CLASS_DELIVERED, STATUS_SENT, "2.0.0", 40};
	t->counters[2] = (struct wire_counter){
	    "other", CLASS_UNKNOWN_USER, STATUS_BOUNCED, "5.1.1", 1};
	snprintf(t->text, sizeof(t->text), "550 5.7.1 Unfortunately...");
	r->n_samples = 1;
	r->samples = t->samples;
	t->samples[0] = (struct wire_sample){"outlook", CLASS_IP_BLOCKED,
	    STATUS_DEFERRED, "4.7.650", t->text, 1700000001, 1700000009,
	    "outlook-com.olc.protection.outlook.com"};
	r->n_checks = 2;
	r->checks = t->checks;
	t->checks[0] = (struct wire_check){"ptr", CHECK_OK, "", 1700000000};
	t->checks[1] = (struct wire_check){
	    "dnsbl", CHECK_FAIL, "listed on zen", 1700000000};
}

/* Adds one report in its own transaction; returns is_dup. */
static inline bool
add_one(struct store *s, const char *relay, const struct wire_report *r,
    uint64_t received_at)
{
	bool is_dup = false;

	assert_int_equal(store_begin(s), 0);
	if (store_add_report(s, relay, r, received_at, &is_dup) == -1)
		fail_msg("store_add_report: %s", store_errmsg(s));
	assert_int_equal(store_commit(s), 0);
	return (is_dup);
}

static inline uint64_t
count_of(struct store *s, const char *relay, uint64_t *max_seq)
{
	uint64_t n, m;

	assert_int_equal(store_report_count(s, relay, &n, &m), 0);
	if (max_seq != NULL)
		*max_seq = m;
	return (n);
}

static inline void
assert_rows(
    const struct fixture *f, sqlite3_int64 reports, sqlite3_int64 per_report)
{
	assert_int_equal(raw_int(f, "SELECT count(*) FROM reports"), reports);
	assert_int_equal(
	    raw_int(f, "SELECT count(*) FROM queue_snapshots"), per_report);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM queue_deferred_by"),
	    2 * per_report);
	assert_int_equal(
	    raw_int(f, "SELECT count(*) FROM counters"), 3 * per_report);
	assert_int_equal(
	    raw_int(f, "SELECT count(*) FROM samples"), per_report);
	assert_int_equal(
	    raw_int(f, "SELECT count(*) FROM checks"), 2 * per_report);
}

/*
 * The schemas as they were released, to build an old database and test
 * its migration: never edit (migrations are append only).
 * TEST_SCHEMA_HEAD(v) TEST_SCHEMA_V1 is version 1, ... TEST_SCHEMA_V2
 * version 2; the caller adds its rows.
 */
#define TEST_SCHEMA_HEAD(v)                                                    \
	"CREATE TABLE schema_version (id INTEGER PRIMARY KEY CHECK (id = 1),"  \
	"  version INTEGER NOT NULL);"                                         \
	"INSERT INTO schema_version (id, version) VALUES (1, " #v ");"
#define TEST_SCHEMA_V1                                                         \
	"CREATE TABLE relays (name TEXT PRIMARY KEY, ip TEXT NOT NULL,"        \
	"  hosting TEXT NOT NULL DEFAULT '', agent_key TEXT NOT NULL,"         \
	"  retired INTEGER NOT NULL DEFAULT 0, added_at INTEGER);"             \
	"CREATE TABLE reports (id INTEGER PRIMARY KEY,"                        \
	"  relay TEXT NOT NULL REFERENCES relays (name),"                      \
	"  epoch INTEGER NOT NULL, seq INTEGER NOT NULL,"                      \
	"  interval_start INTEGER, interval_end INTEGER,"                      \
	"  received_at INTEGER NOT NULL, hostname TEXT, agent_version TEXT,"   \
	"  UNIQUE (relay, epoch, seq));"                                       \
	"CREATE INDEX reports_relay_received ON reports (relay, received_at);" \
	"CREATE INDEX reports_received ON reports (received_at);"              \
	"CREATE TABLE queue_snapshots (report_id INTEGER PRIMARY KEY"          \
	"  REFERENCES reports (id) ON DELETE CASCADE,"                         \
	"  valid INTEGER NOT NULL, taken_at INTEGER NOT NULL,"                 \
	"  incoming INTEGER NOT NULL, active INTEGER NOT NULL,"                \
	"  deferred INTEGER NOT NULL, hold INTEGER NOT NULL,"                  \
	"  maildrop INTEGER NOT NULL, oldest_deferred_age INTEGER NOT NULL,"   \
	"  error TEXT NOT NULL DEFAULT '');"                                   \
	"CREATE TABLE queue_deferred_by (report_id INTEGER NOT NULL"           \
	"  REFERENCES queue_snapshots (report_id) ON DELETE CASCADE,"          \
	"  provider TEXT NOT NULL, class INTEGER NOT NULL,"                    \
	"  count INTEGER NOT NULL);"                                           \
	"CREATE INDEX queue_deferred_by_report ON queue_deferred_by "          \
	"(report_id);"                                                         \
	"CREATE TABLE counters (report_id INTEGER NOT NULL"                    \
	"  REFERENCES reports (id) ON DELETE CASCADE,"                         \
	"  provider TEXT NOT NULL, class INTEGER NOT NULL,"                    \
	"  status INTEGER NOT NULL, dsn TEXT NOT NULL, count INTEGER NOT "     \
	"NULL);"                                                               \
	"CREATE INDEX counters_report ON counters (report_id);"                \
	"CREATE TABLE samples (report_id INTEGER NOT NULL"                     \
	"  REFERENCES reports (id) ON DELETE CASCADE,"                         \
	"  provider TEXT NOT NULL, class INTEGER NOT NULL,"                    \
	"  status INTEGER NOT NULL, dsn TEXT NOT NULL, text TEXT NOT NULL,"    \
	"  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"           \
	"  mx_host TEXT NOT NULL);"                                            \
	"CREATE INDEX samples_report ON samples (report_id);"                  \
	"CREATE TABLE checks (report_id INTEGER NOT NULL"                      \
	"  REFERENCES reports (id) ON DELETE CASCADE,"                         \
	"  name TEXT NOT NULL, state INTEGER NOT NULL, detail TEXT NOT NULL,"  \
	"  checked_at INTEGER NOT NULL);"                                      \
	"CREATE INDEX checks_report ON checks (report_id);"
#define TEST_SCHEMA_V2                                                         \
	"CREATE TABLE relay_state (relay TEXT PRIMARY KEY"                     \
	"  REFERENCES relays (name), json TEXT NOT NULL,"                      \
	"  updated_at INTEGER NOT NULL);"                                      \
	"CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT,"           \
	"  at INTEGER NOT NULL, relay TEXT NOT NULL, kind TEXT NOT NULL,"      \
	"  from_state TEXT NOT NULL, to_state TEXT NOT NULL,"                  \
	"  rule TEXT NOT NULL, provider TEXT NOT NULL, operator TEXT NOT "     \
	"NULL,"                                                                \
	"  counts TEXT NOT NULL, window_s INTEGER NOT NULL,"                   \
	"  intent TEXT NOT NULL, weight INTEGER NOT NULL,"                     \
	"  until INTEGER NOT NULL, reason TEXT NOT NULL);"                     \
	"CREATE INDEX events_relay_at ON events (relay, at);"                  \
	"CREATE INDEX events_at ON events (at);"                               \
	"CREATE TABLE event_samples (event_id INTEGER NOT NULL"                \
	"  REFERENCES events (id) ON DELETE CASCADE,"                          \
	"  provider TEXT NOT NULL, class INTEGER NOT NULL,"                    \
	"  status INTEGER NOT NULL, dsn TEXT NOT NULL, text TEXT NOT NULL,"    \
	"  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"           \
	"  mx_host TEXT NOT NULL);"                                            \
	"CREATE INDEX event_samples_event ON event_samples (event_id);"        \
	"CREATE TABLE windows (name TEXT PRIMARY KEY, relays TEXT NOT NULL,"   \
	"  hosting TEXT NOT NULL, \"start\" INTEGER NOT NULL,"                 \
	"  \"end\" INTEGER NOT NULL, reason TEXT NOT NULL,"                    \
	"  created_by TEXT NOT NULL, state TEXT NOT NULL);"                    \
	"CREATE TABLE audit (id INTEGER PRIMARY KEY, at INTEGER NOT NULL,"     \
	"  operator TEXT NOT NULL, role TEXT NOT NULL, op TEXT NOT NULL,"      \
	"  detail TEXT NOT NULL, result TEXT NOT NULL);"                       \
	"CREATE INDEX audit_at ON audit (at);"

#endif /* FLEET_TESTS_UNIT_STORE_FIXTURE_H */
