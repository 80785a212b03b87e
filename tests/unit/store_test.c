/* SPDX-License-Identifier: ISC */
/*
 * controller/store: schema creation and version checks, relay sync, report
 * dedup, rollback, status, 64-bit round trips, durability across close,
 * reopen and a child killed without closing, and the pragmas that make a
 * commit durable.  The decisions are tested in store_state_test.c.  Each
 * test gets its own temp dir; the checks read the file with sqlite
 * directly, or the store's own connection (store_int.h) for what is per
 * connection.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../controller/store.h"
#include "../../controller/store_int.h"
#include "store_fixture.h"

static void
test_open_creates_schema(void **state)
{
	struct fixture *f = *state;

	store_close(open_ok(f));
	assert_int_equal(raw_int(f, "SELECT version FROM schema_version"),
	    STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM schema_version"), 1);
	assert_int_equal(
	    raw_int(f, "SELECT count(*) FROM sqlite_master WHERE type = "
	               "'table' AND name IN ('relays', 'reports', "
	               "'queue_snapshots', 'queue_deferred_by', "
	               "'counters', 'samples', 'checks', 'relay_state', "
	               "'events', 'event_samples', 'windows', 'audit')"),
	    12);
	/* WAL is persistent in the file header */
	assert_int_equal(raw_int(f, "SELECT journal_mode = 'wal' FROM "
	                            "pragma_journal_mode"),
	    1);
	store_close(open_ok(f)); /* reopening an up-to-date file */
	store_close(NULL);
}

static void
test_newer_schema_refused(void **state)
{
	struct fixture *f = *state;
	struct store *s = (struct store *)0x1;
	const char *errstr = NULL;

	store_close(open_ok(f));
	raw_exec(f, "UPDATE schema_version SET version = version + 1");
	assert_int_equal(store_open(&s, f->path, &errstr), -1);
	assert_ptr_equal(s, (struct store *)0x1); /* untouched */
	assert_non_null(strstr(errstr, f->path));
	assert_non_null(strstr(errstr, "newer"));
	assert_int_equal(raw_int(f, "SELECT version FROM schema_version"),
	    STORE_SCHEMA_VERSION + 1);
}

static void
test_open_errors(void **state)
{
	struct fixture *f = *state;
	struct store *s;
	const char *errstr = NULL;
	char path[192];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/no/such/dir/x.db", f->dir);
	assert_int_equal(store_open(&s, path, &errstr), -1);
	assert_non_null(strstr(errstr, path));
	assert_non_null(fp = fopen(f->path, "w"));
	fputs("this is not an sqlite database, not at all, no.\n", fp);
	fclose(fp);
	assert_int_equal(store_open(&s, f->path, &errstr), -1);
	assert_non_null(strstr(errstr, f->path));
}

static void
test_sync_relays(void **state)
{
	struct fixture *f = *state;
	struct store_relay changed[] = {
	    {"relay2", "198.51.100.2", "hoster-b", "bmV3a2V5"},
	    {"relay3", "192.0.2.3", NULL, "a2V5Mw=="},
	};
	struct test_report t;
	struct store *s = open_synced(f);

	assert_int_equal(raw_int(f, "SELECT count(*) FROM relays"), 2);
	report_init(&t, 1, 1);
	assert_false(add_one(s, "relay1", &t.r, 100));
	assert_int_equal(store_sync_relays(s, changed, 2), 0);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM relays"), 3);
	assert_int_equal(raw_int(f, "SELECT retired FROM relays WHERE name = "
	                            "'relay1'"),
	    1);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM relays WHERE name = "
	                            "'relay2' AND ip = '198.51.100.2' AND "
	                            "hosting = 'hoster-b' AND agent_key = "
	                            "'bmV3a2V5' AND retired = 0"),
	    1);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM relays WHERE name = "
	                            "'relay3' AND hosting = '' AND "
	                            "added_at > 0"),
	    1);
	assert_int_equal(count_of(s, "relay1", NULL), 1); /* history stays */
	/* back in the config: not retired any more */
	assert_int_equal(store_sync_relays(s, test_relays, 2), 0);
	assert_int_equal(raw_int(f, "SELECT sum(retired) FROM relays"), 1);
	store_close(s);
}

static void
test_add_report_and_dup(void **state)
{
	struct fixture *f = *state;
	struct test_report t;
	struct store *s = open_synced(f);
	uint64_t max_seq;

	report_init(&t, 42, 7);
	assert_false(add_one(s, "relay1", &t.r, 100));
	assert_rows(f, 1, 1);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM samples WHERE text "
	                            "= '550 5.7.1 Unfortunately...' AND "
	                            "first_seen = 1700000001 AND class = 2"),
	    1);
	assert_true(add_one(s, "relay1", &t.r, 200)); /* same relay/epoch/seq */
	assert_rows(f, 1, 1);
	assert_int_equal(count_of(s, "relay1", &max_seq), 1);
	assert_int_equal(max_seq, 7);
	assert_false(add_one(s, "relay2", &t.r, 200)); /* another relay */
	report_init(&t, 43, 7);
	assert_false(add_one(s, "relay1", &t.r, 300)); /* another epoch */
	assert_rows(f, 3, 3);
	assert_int_equal(count_of(s, "relay1", &max_seq), 2);
	assert_int_equal(max_seq, 7);
	t.r.has_queue = false;
	t.r.seq = 9;
	assert_false(add_one(s, "relay1", &t.r, 400));
	assert_int_equal(raw_int(f, "SELECT count(*) FROM queue_snapshots"), 3);
	assert_int_equal(count_of(s, "relay1", &max_seq), 3);
	assert_int_equal(max_seq, 9);
	assert_int_equal(count_of(s, "nobody", &max_seq), 0);
	assert_int_equal(max_seq, 0);
	store_close(s);
}

static void
test_unknown_relay_fails(void **state)
{
	struct fixture *f = *state;
	struct test_report t;
	struct store *s = open_synced(f);
	bool is_dup = true;

	report_init(&t, 1, 1);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_add_report(s, "ghost", &t.r, 1, &is_dup), -1);
	assert_true(is_dup); /* untouched on failure */
	assert_non_null(strstr(store_errmsg(s), "FOREIGN KEY"));
	store_rollback(s);
	assert_non_null(strstr(store_errmsg(s), "FOREIGN KEY")); /* kept */
	assert_int_equal(store_begin(s), 0); /* the store still works */
	assert_int_equal(store_commit(s), 0);
	store_close(s);
}

static void
test_rollback_discards(void **state)
{
	struct fixture *f = *state;
	struct test_report t;
	struct store *s = open_synced(f);
	bool is_dup;

	report_init(&t, 5, 1);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_add_report(s, "relay1", &t.r, 10, &is_dup), 0);
	t.r.seq = 2;
	assert_int_equal(store_add_report(s, "relay1", &t.r, 11, &is_dup), 0);
	assert_int_equal(count_of(s, "relay1", NULL), 2); /* visible inside */
	store_rollback(s);
	assert_int_equal(count_of(s, "relay1", NULL), 0);
	store_rollback(s); /* no transaction: harmless */
	assert_int_equal(store_commit(s), -1);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_begin(s), -1); /* no nesting */
	store_rollback(s);
	store_close(s);
	assert_rows(f, 0, 0);
}

/*
 * The worst (provider, class) of the last hour: IP classes before others
 * whatever their counts; reports older than the window do not count.
 */
static void
test_worst(void **state)
{
	struct fixture *f = *state;
	struct wire_ctl_reply c = {0};
	struct test_report t;
	struct store *s = open_synced(f);
	uint64_t now = (uint64_t)time(NULL);

	report_init(&t, 9, 1); /* outlook ip_blocked 5, other unknown_user 1 */
	assert_false(add_one(s, "relay1", &t.r, now - 10));
	report_init(&t, 9, 2);
	t.counters[1] = (struct wire_counter){
	    "google", CLASS_BUSY, STATUS_DEFERRED, "4.2.0", 500};
	assert_false(add_one(s, "relay1", &t.r, now - 5));
	report_init(&t, 9, 1); /* relay2: only old or delivered results */
	t.counters[0] = (struct wire_counter){
	    "yahoo", CLASS_DELIVERED, STATUS_SENT, "2.0.0", 50};
	assert_false(add_one(s, "relay2", &t.r, now - 10));
	report_init(&t, 9, 2);
	assert_false(add_one(s, "relay2", &t.r, now - 2 * STORE_WORST_WINDOW));
	assert_int_equal(store_relay_status(s, &c), 0);
	assert_string_equal(c.relays[0].worst_provider, "outlook");
	assert_int_equal(c.relays[0].worst_class, CLASS_IP_BLOCKED);
	assert_int_equal(c.relays[0].worst_count, 10);
	assert_string_equal(c.relays[1].worst_provider, "other");
	assert_int_equal(c.relays[1].worst_class, CLASS_UNKNOWN_USER);
	assert_int_equal(c.relays[1].worst_count, 1);
	wire_ctl_reply_fini(&c);
	store_close(s);
}

static void
test_relay_status(void **state)
{
	struct fixture *f = *state;
	struct wire_ctl_reply c = {0};
	struct wire_relay_status *rs;
	struct test_report t;
	struct store *s = open_synced(f);

	report_init(&t, 9, 1);
	assert_false(add_one(s, "relay1", &t.r, 100));
	report_init(&t, 9, 3);
	t.r.queue.deferred = 11;
	t.by[0].count = 9;
	t.r.queue.n_by = 1;
	assert_false(add_one(s, "relay1", &t.r, 300));
	report_init(&t, 9, 2); /* inserted last, received earlier */
	t.r.queue.deferred = 99;
	assert_false(add_one(s, "relay1", &t.r, 200));
	assert_int_equal(store_relay_status(s, &c), 0);
	assert_int_equal(c.n_relays, 2);
	rs = &c.relays[0];
	assert_string_equal(rs->name, "relay1");
	assert_string_equal(rs->ip, "192.0.2.1");
	assert_string_equal(rs->hosting, "hoster-a");
	assert_string_equal(rs->agent_key, "a2V5MQ==");
	assert_string_equal(rs->agent_version, "0.1.0");
	assert_string_equal(rs->hostname, "mx1.example.net");
	assert_true(rs->has_report);
	assert_int_equal(rs->last_report_at, 300);
	assert_int_equal(rs->last_seq, 3);
	assert_int_equal(rs->reports, 3);
	assert_true(rs->has_queue);
	assert_true(rs->queue.valid);
	assert_int_equal(rs->queue.deferred, 11);
	assert_int_equal(rs->queue.active, 2);
	assert_int_equal(rs->queue.oldest_deferred_age, 600);
	assert_int_equal(rs->queue.n_by, 1);
	assert_string_equal(rs->queue.by[0].provider, "outlook");
	assert_int_equal(rs->queue.by[0].cls, CLASS_IP_BLOCKED);
	assert_int_equal(rs->queue.by[0].count, 9);
	rs = &c.relays[1];
	assert_string_equal(rs->name, "relay2");
	assert_string_equal(rs->agent_key, "a2V5Mg==");
	assert_string_equal(rs->agent_version, ""); /* no report yet */
	assert_string_equal(rs->hostname, "");
	assert_false(rs->has_report);
	assert_false(rs->has_queue);
	assert_int_equal(rs->reports, 0);
	assert_null(rs->queue.by);
	wire_ctl_reply_fini(&c);
	store_close(s);
}

static void
test_status_ties_and_no_queue(void **state)
{
	struct fixture *f = *state;
	struct wire_ctl_reply c = {0};
	struct test_report t;
	struct store *s = open_synced(f);

	report_init(&t, 9, 1);
	assert_false(add_one(s, "relay2", &t.r, 100));
	report_init(&t, 9, 2);
	t.r.has_queue = false; /* same second: the later insert wins */
	assert_false(add_one(s, "relay2", &t.r, 100));
	assert_int_equal(store_sync_relays(s, &test_relays[1], 1), 0);
	assert_int_equal(store_relay_status(s, &c), 0);
	assert_int_equal(c.n_relays, 1); /* relay1 is retired */
	assert_string_equal(c.relays[0].name, "relay2");
	assert_string_equal(c.relays[0].hosting, "");
	assert_int_equal(c.relays[0].last_seq, 2);
	assert_true(c.relays[0].has_report);
	assert_false(c.relays[0].has_queue);
	wire_ctl_reply_fini(&c);
	store_close(s);
}

static void
test_epoch_top_bit(void **state)
{
	static const uint64_t epochs[] = {
	    UINT64_C(0xfedcba9876543210),
	    UINT64_MAX,
	    UINT64_C(0x8000000000000000),
	    UINT64_C(0x7fffffffffffffff),
	};
	struct fixture *f = *state;
	struct wire_ctl_reply c = {0};
	struct test_report t;
	struct store *s = open_synced(f);
	uint64_t max_seq;
	char sql[128];

	for (size_t i = 0; i < sizeof(epochs) / sizeof(epochs[0]); i++) {
		report_init(&t, epochs[i], UINT64_C(0xffffffff00000000) + i);
		assert_false(add_one(s, "relay1", &t.r, 1000 + i));
		assert_true(add_one(s, "relay1", &t.r, 2000 + i));
		snprintf(sql, sizeof(sql),
		    "SELECT epoch FROM reports WHERE id = %zu", i + 1);
		assert_true((uint64_t)raw_int(f, sql) == epochs[i]);
		assert_int_equal(count_of(s, "relay1", &max_seq), i + 1);
		assert_true(max_seq == UINT64_C(0xffffffff00000000) + i);
	}
	assert_int_equal(store_relay_status(s, &c), 0);
	assert_true(c.relays[0].last_seq == UINT64_C(0xffffffff00000003));
	wire_ctl_reply_fini(&c);
	store_close(s);
}

static void
test_reopen_keeps_data(void **state)
{
	struct fixture *f = *state;
	struct test_report t;
	struct store *s = open_synced(f);
	uint64_t max_seq;

	report_init(&t, 77, 5);
	assert_false(add_one(s, "relay1", &t.r, 100));
	store_close(s);
	s = open_ok(f);
	assert_int_equal(count_of(s, "relay1", &max_seq), 1);
	assert_int_equal(max_seq, 5);
	assert_true(add_one(s, "relay1", &t.r, 200)); /* dedup survives too */
	store_close(s);
	assert_rows(f, 1, 1);
}

/* The child commits, says so, and waits to be killed before closing. */
static pid_t
commit_in_child(const struct fixture *f, const struct wire_report *r, int *fd)
{
	struct store *s;
	const char *errstr;
	bool is_dup = true;
	int p[2];
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		if (store_open(&s, f->path, &errstr) == -1 ||
		    store_begin(s) == -1 ||
		    store_add_report(s, "relay2", r, 5, &is_dup) == -1 ||
		    store_commit(s) == -1 || is_dup)
			_exit(1);
		if (write(p[1], "c", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	assert_true(pid > 0);
	close(p[1]);
	*fd = p[0];
	return (pid);
}

/*
 * Commit before ack: once store_commit() has returned (fleetd acks only
 * then), the report is in the database for any other connection, even if
 * the process is killed (SIGKILL) before store_close().  The kernel keeps
 * the written pages, so this passes with synchronous=OFF too; what
 * synchronous=FULL adds (surviving a power loss) is checked on the pragma
 * in test_commit_is_synced.  The parent sends the signal, so valgrind in
 * the child cannot report the open connection as a leak.
 */
static void
test_acked_commit_survives_kill(void **state)
{
	struct fixture *f = *state;
	struct test_report t;
	struct store *s;
	char c = 0;
	pid_t pid;
	int fd, status;

	store_close(open_synced(f));
	report_init(&t, 123, 1);
	pid = commit_in_child(f, &t.r, &fd);
	assert_int_equal(read(fd, &c, 1), 1); /* EOF if the child failed */
	close(fd);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	s = open_ok(f);
	assert_int_equal(count_of(s, "relay2", NULL), 1);
	store_close(s);
	assert_rows(f, 1, 1);
}

/* One integer from a query on the store's own connection. */
static sqlite3_int64
store_conn_int(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	sqlite3_int64 v;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(s->db));
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return (v);
}

/*
 * A commit is on disk before store_commit() returns, power loss included:
 * WAL with synchronous=FULL syncs the log on every commit (NORMAL only at
 * checkpoints, OFF never).  The setting is per connection and kept in no
 * file, hence the query on the store's own connection.
 */
static void
test_commit_is_synced(void **state)
{
	struct fixture *f = *state;
	struct store *s = open_ok(f);

	assert_int_equal(store_conn_int(s, "PRAGMA synchronous"), 2); /* FULL */
	assert_int_equal(store_conn_int(s, "SELECT journal_mode = 'wal' FROM "
	                                   "pragma_journal_mode"),
	    1);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_open_creates_schema, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_newer_schema_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sync_relays, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_add_report_and_dup, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_unknown_relay_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_rollback_discards, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_relay_status, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_worst, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_status_ties_and_no_queue, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_epoch_top_bit, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_reopen_keeps_data, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_acked_commit_survives_kill, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_commit_is_synced, setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
