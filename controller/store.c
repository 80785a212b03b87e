/* SPDX-License-Identifier: ISC */
/*
 * The sqlite store (see store.h).  Every statement is prepared once in
 * store_open() and reset (bindings cleared) after each use, so no binding
 * points into a caller's memory between calls.  uint64 values (epoch is
 * random over 64 bits) are stored as their int64 bit pattern and read back
 * exactly.  Used by one thread at a time; the connection is opened
 * without sqlite's mutexes.  The decisions' statements and functions are
 * in store_state.c, opening the file and the schema in store_schema.c;
 * store_int.h is what they share.
 */
#include "store.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "store_int.h"
#include "util.h"

/* Columns of STORE_STMT_STATUS. */
enum store_status_col {
	STORE_COL_NAME,
	STORE_COL_IP,
	STORE_COL_HOSTING,
	STORE_COL_REPORT_ID,
	STORE_COL_RECEIVED_AT,
	STORE_COL_SEQ,
	STORE_COL_REPORTS,
	STORE_COL_QUEUE_ID, /* then the queue_snapshots columns in order */
	STORE_COL_QUEUE_VALID,
	STORE_COL_QUEUE_TAKEN_AT,
	STORE_COL_QUEUE_INCOMING,
	STORE_COL_QUEUE_ACTIVE,
	STORE_COL_QUEUE_DEFERRED,
	STORE_COL_QUEUE_HOLD,
	STORE_COL_QUEUE_MAILDROP,
	STORE_COL_QUEUE_OLDEST,
	STORE_COL_QUEUE_ERROR,
	STORE_COL_AGENT_KEY,
	STORE_COL_AGENT_VERSION,
	STORE_COL_HOSTNAME,
};

/*
 * Reports: ON CONFLICT names the dedup key, so unlike INSERT OR IGNORE a
 * NOT NULL or other violation is an error, never a silent "duplicate".
 * The latest report of a relay is the one with the highest
 * (received_at, id); the reports_relay_received index serves it.
 */
static const struct store_sql store_stmts[STORE_STMT_STATE_FIRST] = {
    [STORE_STMT_BEGIN] = {"begin", "BEGIN IMMEDIATE"},
    [STORE_STMT_COMMIT] = {"commit", "COMMIT"},
    [STORE_STMT_ROLLBACK] = {"rollback", "ROLLBACK"},
    [STORE_STMT_RETIRE_ALL] = {"retire relays",
        "UPDATE relays SET retired = 1 WHERE retired = 0"},
    [STORE_STMT_RELAY_UPSERT] = {"upsert relay",
        "INSERT INTO relays (name, ip, hosting, agent_key, retired, added_at)"
        " VALUES (?1, ?2, ?3, ?4, 0, CAST(strftime('%s', 'now') AS INTEGER))"
        " ON CONFLICT (name) DO UPDATE SET ip = excluded.ip,"
        " hosting = excluded.hosting, agent_key = excluded.agent_key,"
        " retired = 0"},
    [STORE_STMT_REPORT_ADD] = {"insert report",
        "INSERT INTO reports (relay, epoch, seq, interval_start, interval_end,"
        " received_at, hostname, agent_version)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        " ON CONFLICT (relay, epoch, seq) DO NOTHING"},
    [STORE_STMT_QUEUE_ADD] = {"insert queue snapshot",
        "INSERT INTO queue_snapshots (report_id, valid, taken_at, incoming,"
        " active, deferred, hold, maildrop, oldest_deferred_age, error)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"},
    [STORE_STMT_QUEUE_BY_ADD] = {"insert queue deferred_by",
        "INSERT INTO queue_deferred_by (report_id, provider, class, count)"
        " VALUES (?1, ?2, ?3, ?4)"},
    [STORE_STMT_COUNTER_ADD] = {"insert counter",
        "INSERT INTO counters (report_id, provider, class, status, dsn, count)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
    [STORE_STMT_SAMPLE_ADD] = {"insert sample",
        "INSERT INTO samples (report_id, provider, class, status, dsn, text,"
        " first_seen, last_seen, mx_host)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"},
    [STORE_STMT_CHECK_ADD] = {"insert check",
        "INSERT INTO checks (report_id, name, state, detail, checked_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5)"},
    [STORE_STMT_STATUS] = {"relay status",
        "SELECT r.name, r.ip, r.hosting, l.id, l.received_at, l.seq,"
        " r.report_count,"
        " q.report_id, q.valid, q.taken_at, q.incoming, q.active, q.deferred,"
        " q.hold, q.maildrop, q.oldest_deferred_age, q.error,"
        " r.agent_key, l.agent_version, l.hostname"
        " FROM relays r"
        " LEFT JOIN reports l ON l.id = (SELECT x.id FROM reports x"
        "  WHERE x.relay = r.name ORDER BY x.received_at DESC, x.id DESC"
        "  LIMIT 1)"
        " LEFT JOIN queue_snapshots q ON q.report_id = l.id"
        " WHERE r.retired = 0 ORDER BY r.name LIMIT ?1"},
    [STORE_STMT_QUEUE_BY_GET] = {"read queue deferred_by",
        "SELECT provider, class, count FROM queue_deferred_by"
        " WHERE report_id = ?1 ORDER BY rowid LIMIT ?2"},
    [STORE_STMT_COUNT] = {"count reports",
        "SELECT (SELECT report_count FROM relays WHERE name = ?1),"
        " (SELECT max(seq) FROM reports WHERE relay = ?1 AND epoch ="
        "  (SELECT epoch FROM reports WHERE relay = ?1"
        "   ORDER BY received_at DESC, id DESC LIMIT 1))"},
    /*
     * seq is stored as its int64 bit pattern: a seq past INT64_MAX reads
     * negative, so the highest unsigned one is the highest negative one
     * if there is any.  Each part is one seek in the UNIQUE index.
     */
    [STORE_STMT_SEEN] = {"report seen",
        "SELECT EXISTS (SELECT 1 FROM reports WHERE relay = ?1"
        "  AND epoch = ?2 AND seq = ?3),"
        " coalesce((SELECT max(seq) FROM reports WHERE relay = ?1"
        "  AND epoch = ?2 AND seq < 0), (SELECT max(seq) FROM reports"
        "  WHERE relay = ?1 AND epoch = ?2))"},
    /* failed results of the last hour by (provider, class); IP classes
       (ip_blocked 2, ip_throttled 3, ptr 4) before the rest */
    [STORE_STMT_WORST] = {"worst provider",
        "SELECT c.provider, c.class, sum(c.count) AS n"
        " FROM reports r JOIN counters c ON c.report_id = r.id"
        " WHERE r.relay = ?1 AND r.received_at >= ?2 AND c.status != 1"
        " GROUP BY c.provider, c.class"
        " ORDER BY c.class IN (2, 3, 4) DESC, n DESC, c.provider LIMIT 1"},
};

/* store_open() failures outlive the struct; as strerror(), one buffer. */
static char store_open_err[STORE_ERR_MAX + 128];

static const struct store_sql *
store_sql(enum store_stmt id)
{
	if (id < STORE_STMT_STATE_FIRST)
		return (&store_stmts[id]);
	return (&store_state_stmts[id - STORE_STMT_STATE_FIRST]);
}

int
store_fail(struct store *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(s->errmsg, sizeof(s->errmsg), fmt, ap);
	va_end(ap);
	s->is_full = false;
	return (-1);
}

int
store_fail_db(struct store *s, const char *what)
{
	bool is_full = (sqlite3_extended_errcode(s->db) & 0xff) == SQLITE_FULL;

	store_fail(s, "%s: %s", what, sqlite3_errmsg(s->db));
	s->is_full = is_full;
	return (-1);
}

void
store_reset(struct store *s, sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	s->bind_rc = SQLITE_OK;
}

/* Records the failure of statement id (before any reset replaces it). */
static int
store_fail_stmt(struct store *s, enum store_stmt id, int rc)
{
	if (s->bind_rc != SQLITE_OK)
		store_fail(s, "%s: bind: %s", store_sql(id)->name,
		    sqlite3_errstr(s->bind_rc));
	else if (rc == SQLITE_ROW)
		store_fail(s, "%s: unexpected row", store_sql(id)->name);
	else
		store_fail_db(s, store_sql(id)->name);
	store_reset(s, s->stmt[id]);
	return (-1);
}

int
store_run(struct store *s, enum store_stmt id)
{
	int rc = SQLITE_OK;

	if (s->bind_rc != SQLITE_OK ||
	    (rc = sqlite3_step(s->stmt[id])) != SQLITE_DONE)
		return (store_fail_stmt(s, id, rc));
	store_reset(s, s->stmt[id]);
	return (0);
}

int
store_step_row(struct store *s, enum store_stmt id)
{
	int rc = SQLITE_OK;

	if (s->bind_rc == SQLITE_OK) {
		if ((rc = sqlite3_step(s->stmt[id])) == SQLITE_ROW)
			return (1);
		if (rc == SQLITE_DONE)
			return (0);
	}
	return (store_fail_stmt(s, id, rc));
}

static int
store_prepare(struct store *s)
{
	const struct store_sql *q;

	for (int i = 0; i < STORE_STMT_MAX; i++) {
		q = store_sql((enum store_stmt)i);
		if (sqlite3_prepare_v3(s->db, q->sql, -1,
		        SQLITE_PREPARE_PERSISTENT, &s->stmt[i],
		        NULL) != SQLITE_OK)
			return (store_fail_db(s, q->name));
	}
	return (0);
}

int
store_open(struct store **sp, const char *path, const char **errstr)
{
	struct store *s = xcalloc(1, sizeof(*s));

	if (store_open_file(s, path) == -1 || store_prepare(s) == -1) {
		(void)snprintf(store_open_err, sizeof(store_open_err), "%s: %s",
		    path, s->errmsg);
		store_close(s);
		*errstr = store_open_err;
		return (-1);
	}
	*sp = s;
	return (0);
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < STORE_STMT_MAX; i++) {
		sqlite3_finalize(s->stmt[i]); /* accepts NULL */
		s->stmt[i] = NULL;
	}
	sqlite3_close(s->db); /* accepts NULL; rolls back an open txn */
	free(s);
}

const char *
store_errmsg(const struct store *s)
{
	return (s->errmsg);
}

bool
store_is_full(const struct store *s)
{
	return (s->is_full);
}

const char *
store_notice(const struct store *s)
{
	return (s->notice);
}

int
store_begin(struct store *s)
{
	return (store_run(s, STORE_STMT_BEGIN));
}

int
store_commit(struct store *s)
{
	return (store_run(s, STORE_STMT_COMMIT));
}

/*
 * Harmless without a transaction (sqlite may have rolled back already on
 * some errors).  Keeps the message of the failure that led here unless
 * the rollback itself fails.
 */
void
store_rollback(struct store *s)
{
	char why[STORE_ERR_MAX], rb[STORE_ERR_MAX];
	bool is_full = s->is_full;

	if (sqlite3_get_autocommit(s->db))
		return;
	util_strlcpy(why, s->errmsg, sizeof(why));
	if (store_run(s, STORE_STMT_ROLLBACK) == 0) {
		util_strlcpy(s->errmsg, why, sizeof(s->errmsg));
		return;
	}
	util_strlcpy(rb, s->errmsg, sizeof(rb));
	store_fail(s, "%s; %s", why, rb);
	s->is_full = is_full || s->is_full;
}

/* Retire every relay, then upsert the configured ones as not retired. */
int
store_sync_relays(struct store *s, const struct store_relay *relays, size_t n)
{
	sqlite3_stmt *st = s->stmt[STORE_STMT_RELAY_UPSERT];

	if (store_begin(s) == -1)
		return (-1);
	if (store_run(s, STORE_STMT_RETIRE_ALL) == -1)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		store_bind_text(s, st, 1, relays[i].name);
		store_bind_text(s, st, 2, relays[i].ip);
		store_bind_text(s, st, 3,
		    relays[i].hosting != NULL ? relays[i].hosting : "");
		store_bind_text(s, st, 4, relays[i].agent_key);
		if (store_run(s, STORE_STMT_RELAY_UPSERT) == -1)
			goto fail;
	}
	if (store_commit(s) == -1)
		goto fail;
	return (0);
fail:
	store_rollback(s);
	return (-1);
}

static int
store_add_queue(struct store *s, sqlite3_int64 id, const struct wire_queue *q)
{
	sqlite3_stmt *st = s->stmt[STORE_STMT_QUEUE_ADD];

	store_bind_i64(s, st, 1, id);
	store_bind_u64(s, st, 2, q->valid);
	store_bind_u64(s, st, 3, q->taken_at);
	store_bind_u64(s, st, 4, q->incoming);
	store_bind_u64(s, st, 5, q->active);
	store_bind_u64(s, st, 6, q->deferred);
	store_bind_u64(s, st, 7, q->hold);
	store_bind_u64(s, st, 8, q->maildrop);
	store_bind_u64(s, st, 9, q->oldest_deferred_age);
	store_bind_text(s, st, 10, q->error);
	if (store_run(s, STORE_STMT_QUEUE_ADD) == -1)
		return (-1);
	st = s->stmt[STORE_STMT_QUEUE_BY_ADD];
	for (size_t i = 0; i < q->n_by; i++) {
		store_bind_i64(s, st, 1, id);
		store_bind_text(s, st, 2, q->by[i].provider);
		store_bind_u64(s, st, 3, q->by[i].cls);
		store_bind_u64(s, st, 4, q->by[i].count);
		if (store_run(s, STORE_STMT_QUEUE_BY_ADD) == -1)
			return (-1);
	}
	return (0);
}

static int
store_add_counters(
    struct store *s, sqlite3_int64 id, const struct wire_report *r)
{
	sqlite3_stmt *st = s->stmt[STORE_STMT_COUNTER_ADD];
	const struct wire_counter *c;

	for (size_t i = 0; i < r->n_counters; i++) {
		c = &r->counters[i];
		store_bind_i64(s, st, 1, id);
		store_bind_text(s, st, 2, c->provider);
		store_bind_u64(s, st, 3, c->cls);
		store_bind_u64(s, st, 4, c->status);
		store_bind_text(s, st, 5, c->dsn);
		store_bind_u64(s, st, 6, c->count);
		if (store_run(s, STORE_STMT_COUNTER_ADD) == -1)
			return (-1);
	}
	return (0);
}

static int
store_add_samples(
    struct store *s, sqlite3_int64 id, const struct wire_report *r)
{
	sqlite3_stmt *st = s->stmt[STORE_STMT_SAMPLE_ADD];
	const struct wire_sample *m;

	for (size_t i = 0; i < r->n_samples; i++) {
		m = &r->samples[i];
		store_bind_i64(s, st, 1, id);
		store_bind_text(s, st, 2, m->provider);
		store_bind_u64(s, st, 3, m->cls);
		store_bind_u64(s, st, 4, m->status);
		store_bind_text(s, st, 5, m->dsn);
		store_bind_text(s, st, 6, m->text != NULL ? m->text : "");
		store_bind_u64(s, st, 7, m->first_seen);
		store_bind_u64(s, st, 8, m->last_seen);
		store_bind_text(s, st, 9, m->mx_host);
		if (store_run(s, STORE_STMT_SAMPLE_ADD) == -1)
			return (-1);
	}
	return (0);
}

static int
store_add_checks(struct store *s, sqlite3_int64 id, const struct wire_report *r)
{
	sqlite3_stmt *st = s->stmt[STORE_STMT_CHECK_ADD];
	const struct wire_check *c;

	for (size_t i = 0; i < r->n_checks; i++) {
		c = &r->checks[i];
		store_bind_i64(s, st, 1, id);
		store_bind_text(s, st, 2, c->name);
		store_bind_u64(s, st, 3, c->state);
		store_bind_text(s, st, 4, c->detail);
		store_bind_u64(s, st, 5, c->checked_at);
		if (store_run(s, STORE_STMT_CHECK_ADD) == -1)
			return (-1);
	}
	return (0);
}

int
store_add_report(struct store *s, const char *relay,
    const struct wire_report *r, uint64_t received_at, bool *is_dup)
{
	sqlite3_stmt *st = s->stmt[STORE_STMT_REPORT_ADD];
	sqlite3_int64 id;

	assert(!sqlite3_get_autocommit(s->db)); /* inside store_begin() */
	store_bind_text(s, st, 1, relay);
	store_bind_u64(s, st, 2, r->epoch);
	store_bind_u64(s, st, 3, r->seq);
	store_bind_u64(s, st, 4, r->interval_start);
	store_bind_u64(s, st, 5, r->interval_end);
	store_bind_u64(s, st, 6, received_at);
	store_bind_text(s, st, 7, r->hostname);
	store_bind_text(s, st, 8, r->agent_version);
	if (store_run(s, STORE_STMT_REPORT_ADD) == -1)
		return (-1);
	if (sqlite3_changes(s->db) == 0) {
		*is_dup = true;
		return (0);
	}
	id = sqlite3_last_insert_rowid(s->db);
	if ((r->has_queue && store_add_queue(s, id, &r->queue) == -1) ||
	    store_add_counters(s, id, r) == -1 ||
	    store_add_samples(s, id, r) == -1 ||
	    store_add_checks(s, id, r) == -1)
		return (-1);
	*is_dup = false;
	return (0);
}

/* Reads the deferred_by rows of the snapshot of report id into q->by. */
static int
store_load_queue_by(struct store *s, sqlite3_int64 id, struct wire_queue *q)
{
	sqlite3_stmt *st = s->stmt[STORE_STMT_QUEUE_BY_GET];
	struct wire_queue_count *c;
	size_t cap = 0;
	int rc;

	store_bind_i64(s, st, 1, id);
	store_bind_u64(s, st, 2, WIRE_QUEUE_BY_MAX);
	while ((rc = store_step_row(s, STORE_STMT_QUEUE_BY_GET)) == 1) {
		if (q->n_by == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			q->by = xreallocarray(q->by, cap, sizeof(*q->by));
		}
		c = &q->by[q->n_by++];
		memset(c, 0, sizeof(*c));
		store_col_text(st, 0, c->provider, sizeof(c->provider));
		c->cls = store_col_class(st, 1);
		c->count = store_col_u32(st, 2);
	}
	if (rc == -1)
		return (-1);
	store_reset(s, st);
	return (0);
}

static void
store_read_queue(sqlite3_stmt *st, struct wire_queue *q)
{
	q->valid = sqlite3_column_int64(st, STORE_COL_QUEUE_VALID) != 0;
	q->taken_at = store_col_u64(st, STORE_COL_QUEUE_TAKEN_AT);
	q->incoming = store_col_u32(st, STORE_COL_QUEUE_INCOMING);
	q->active = store_col_u32(st, STORE_COL_QUEUE_ACTIVE);
	q->deferred = store_col_u32(st, STORE_COL_QUEUE_DEFERRED);
	q->hold = store_col_u32(st, STORE_COL_QUEUE_HOLD);
	q->maildrop = store_col_u32(st, STORE_COL_QUEUE_MAILDROP);
	q->oldest_deferred_age = store_col_u32(st, STORE_COL_QUEUE_OLDEST);
	store_col_text(st, STORE_COL_QUEUE_ERROR, q->error, sizeof(q->error));
}

/* The relay's worst (provider, class) of the last STORE_WORST_WINDOW s. */
static int
store_load_worst(struct store *s, struct wire_relay_status *rs)
{
	sqlite3_stmt *st = s->stmt[STORE_STMT_WORST];
	int64_t now = (int64_t)time(NULL);
	int rc;

	store_bind_text(s, st, 1, rs->name);
	store_bind_i64(s, st, 2, now - STORE_WORST_WINDOW);
	if ((rc = store_step_row(s, STORE_STMT_WORST)) == -1)
		return (-1);
	if (rc == 1) {
		store_col_text(
		    st, 0, rs->worst_provider, sizeof(rs->worst_provider));
		rs->worst_class = store_col_class(st, 1);
		rs->worst_count = store_col_u64(st, 2);
	}
	store_reset(s, st);
	return (0);
}

/* Fills rs (zeroed by the caller) from the current STATUS row. */
static int
store_read_status(
    struct store *s, sqlite3_stmt *st, struct wire_relay_status *rs)
{
	store_col_text(st, STORE_COL_NAME, rs->name, sizeof(rs->name));
	store_col_text(st, STORE_COL_IP, rs->ip, sizeof(rs->ip));
	store_col_text(st, STORE_COL_HOSTING, rs->hosting, sizeof(rs->hosting));
	store_col_text(
	    st, STORE_COL_AGENT_KEY, rs->agent_key, sizeof(rs->agent_key));
	rs->reports = store_col_u64(st, STORE_COL_REPORTS);
	if (sqlite3_column_type(st, STORE_COL_REPORT_ID) == SQLITE_NULL)
		return (0);
	rs->has_report = true;
	store_col_text(st, STORE_COL_AGENT_VERSION, rs->agent_version,
	    sizeof(rs->agent_version));
	store_col_text(
	    st, STORE_COL_HOSTNAME, rs->hostname, sizeof(rs->hostname));
	if (store_load_worst(s, rs) == -1)
		return (-1);
	rs->last_report_at = store_col_u64(st, STORE_COL_RECEIVED_AT);
	rs->last_seq = store_col_u64(st, STORE_COL_SEQ);
	if (sqlite3_column_type(st, STORE_COL_QUEUE_ID) == SQLITE_NULL)
		return (0);
	rs->has_queue = true;
	store_read_queue(st, &rs->queue);
	return (store_load_queue_by(
	    s, sqlite3_column_int64(st, STORE_COL_QUEUE_ID), &rs->queue));
}

int
store_relay_status(struct store *s, struct wire_ctl_reply *out)
{
	sqlite3_stmt *st = s->stmt[STORE_STMT_STATUS];
	struct wire_ctl_reply c = {0}; /* only relays and n_relays */
	size_t cap = 0;
	int rc;

	store_bind_u64(s, st, 1, WIRE_RELAYS_MAX);
	while ((rc = store_step_row(s, STORE_STMT_STATUS)) == 1) {
		if (c.n_relays == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			c.relays =
			    xreallocarray(c.relays, cap, sizeof(*c.relays));
		}
		memset(&c.relays[c.n_relays], 0, sizeof(*c.relays));
		/* counted before reading, so _fini() frees a partial queue */
		if (store_read_status(s, st, &c.relays[c.n_relays++]) == -1) {
			store_reset(s, st);
			rc = -1;
			break;
		}
	}
	if (rc == -1) {
		wire_ctl_reply_fini(&c);
		return (-1);
	}
	store_reset(s, st);
	out->n_relays = c.n_relays;
	out->relays = c.relays;
	return (0);
}

int
store_report_count(
    struct store *s, const char *relay, uint64_t *count, uint64_t *max_seq)
{
	sqlite3_stmt *st = s->stmt[STORE_STMT_COUNT];
	int rc;

	store_bind_text(s, st, 1, relay);
	if ((rc = store_step_row(s, STORE_STMT_COUNT)) == -1)
		return (-1);
	if (rc == 0) { /* aggregates always yield a row */
		store_reset(s, st);
		return (store_fail(s, "count reports: no row"));
	}
	*count = store_col_u64(st, 0);
	*max_seq = store_col_u64(st, 1); /* NULL reads as 0 */
	store_reset(s, st);
	return (0);
}

int
store_report_seen(struct store *s, const char *relay, uint64_t epoch,
    uint64_t seq, struct store_seen *out)
{
	sqlite3_stmt *st = s->stmt[STORE_STMT_SEEN];
	int rc;

	store_bind_text(s, st, 1, relay);
	store_bind_u64(s, st, 2, epoch);
	store_bind_u64(s, st, 3, seq);
	if ((rc = store_step_row(s, STORE_STMT_SEEN)) == -1)
		return (-1);
	if (rc == 0) { /* a SELECT without FROM always yields a row */
		store_reset(s, st);
		return (store_fail(s, "report seen: no row"));
	}
	out->is_stored = sqlite3_column_int64(st, 0) != 0;
	out->has_epoch = sqlite3_column_type(st, 1) != SQLITE_NULL;
	out->max_seq = out->has_epoch ? store_col_u64(st, 1) : 0;
	store_reset(s, st);
	return (0);
}
