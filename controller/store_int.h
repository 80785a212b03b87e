/* SPDX-License-Identifier: ISC */
/*
 * Private to controller/store*.c: struct store, the ids of its prepared
 * statements and the helpers that bind parameters and read columns.
 * store.c owns the connection and the statements of reports and relays;
 * store_state.c the statements of decisions (store_state_stmts);
 * store_schema.c opens the file and migrates it (store_open_file).  The
 * accessors below are tiny and used by both files, hence static inline.
 */
#ifndef FLEET_CONTROLLER_STORE_INT_H
#define FLEET_CONTROLLER_STORE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store.h"
#include "util.h"
#include "wire_check.h"

#define STORE_ERR_MAX 512

enum store_stmt {
	/* store.c: store_stmts[] */
	STORE_STMT_BEGIN,
	STORE_STMT_COMMIT,
	STORE_STMT_ROLLBACK,
	STORE_STMT_RETIRE_ALL,
	STORE_STMT_RELAY_UPSERT,
	STORE_STMT_REPORT_ADD,
	STORE_STMT_QUEUE_ADD,
	STORE_STMT_QUEUE_BY_ADD,
	STORE_STMT_COUNTER_ADD,
	STORE_STMT_SAMPLE_ADD,
	STORE_STMT_CHECK_ADD,
	STORE_STMT_STATUS,
	STORE_STMT_QUEUE_BY_GET,
	STORE_STMT_COUNT,
	STORE_STMT_SEEN,
	STORE_STMT_WORST,
	/* store_state.c: store_state_stmts[id - STORE_STMT_STATE_FIRST] */
	STORE_STMT_STATE_FIRST,
	STORE_STMT_STATE_SAVE = STORE_STMT_STATE_FIRST,
	STORE_STMT_STATE_LOAD,
	STORE_STMT_EVENT_ADD,
	STORE_STMT_EVENT_SAMPLE_ADD,
	STORE_STMT_EVENTS,
	STORE_STMT_EVENT_LATEST,
	STORE_STMT_EVENT_SAMPLES,
	STORE_STMT_WINDOW_SAVE,
	STORE_STMT_WINDOWS,
	STORE_STMT_SAMPLES_RECENT,
	STORE_STMT_COUNTERS_SINCE,
	STORE_STMT_CHECKS_LATEST,
	STORE_STMT_AUDIT_ADD,
	STORE_STMT_FOREIGN_KEYS,
	STORE_STMT_PRUNE_REPORTS,
	STORE_STMT_PRUNE_EVENTS,
	STORE_STMT_PRUNE_AUDIT,
	STORE_STMT_MAX
};

#define STORE_STATE_NSTMTS (STORE_STMT_MAX - STORE_STMT_STATE_FIRST)

struct store_sql {
	const char *name; /* prefixes error messages */
	const char *sql;
};

extern const struct store_sql store_state_stmts[STORE_STATE_NSTMTS];

struct store {
	sqlite3 *db;
	sqlite3_stmt *stmt[STORE_STMT_MAX];
	int bind_rc;  /* first failed bind since the last reset */
	bool is_full; /* the last failure was SQLITE_FULL */
	char errmsg[STORE_ERR_MAX];
	char notice[STORE_ERR_MAX]; /* what opening repaired; "" if nothing */
};

/*
 * store_schema.c: makes the file private (s->notice says what it
 * changed), opens s->db with fleetd's pragmas and migrates the schema.
 * Returns 0, or -1 with s->errmsg set (s->db may need closing).
 */
int store_open_file(struct store *s, const char *path);

/* Formats s->errmsg; returns -1 for `return (store_fail(...))`. */
int store_fail(struct store *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int store_fail_db(struct store *s, const char *what);

/* Resets statement st and clears its bindings and s->bind_rc. */
void store_reset(struct store *s, sqlite3_stmt *st);

/* Steps statement id, which returns no rows, then resets it. */
int store_run(struct store *s, enum store_stmt id);

/*
 * Steps query id: 1 with a row, 0 when done (the caller resets in both
 * cases), -1 on error (reset done, s->errmsg set).
 */
int store_step_row(struct store *s, enum store_stmt id);

/* Two's complement bit pattern, without implementation-defined casts. */
static inline sqlite3_int64
store_i64(uint64_t v)
{
	if (v <= INT64_MAX)
		return ((sqlite3_int64)v);
	return ((sqlite3_int64)(v - (uint64_t)INT64_MAX - 1) + INT64_MIN);
}

static inline uint64_t
store_col_u64(sqlite3_stmt *st, int col)
{
	return ((uint64_t)sqlite3_column_int64(st, col));
}

/* Clamped: a value out of range (a newer fleetd wrote it) reads as a bound. */
static inline uint32_t
store_col_u32(sqlite3_stmt *st, int col)
{
	sqlite3_int64 v = sqlite3_column_int64(st, col);

	if (v < 0)
		return (0);
	if (v > UINT32_MAX)
		return (UINT32_MAX);
	return ((uint32_t)v);
}

/*
 * Bounded copy; NULL reads as "".  Sanitized as the wire wants it (valid
 * UTF-8, no controls, never cut inside a character): a row written by an
 * older fleetd must not make a whole reply unsendable.
 */
static inline void
store_col_text(sqlite3_stmt *st, int col, char *dst, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	const char *src = t != NULL ? (const char *)t : "";

	(void)wire_text_sanitize(dst, size, src, strlen(src));
}

/*
 * Unknown values (a newer fleetd wrote them, or the file is damaged) read
 * as values the wire accepts, so one odd row never makes a whole reply
 * unsendable: a class as CLASS_OTHER, a status as STATUS_DEFERRED (not
 * delivered, not final: the least that can be said).
 */
static inline enum reason_class
store_col_class(sqlite3_stmt *st, int col)
{
	sqlite3_int64 v = sqlite3_column_int64(st, col);

	if (v <= CLASS_UNSPEC || v > CLASS_LAST)
		return (CLASS_OTHER);
	return ((enum reason_class)v);
}

static inline enum delivery_status
store_col_status(sqlite3_stmt *st, int col)
{
	sqlite3_int64 v = sqlite3_column_int64(st, col);

	if (v <= STATUS_UNSPEC || v > STATUS_LAST)
		return (STATUS_DEFERRED);
	return ((enum delivery_status)v);
}

/* Bind helpers keep the first error in s->bind_rc for store_run(). */
static inline void
store_bind_i64(struct store *s, sqlite3_stmt *st, int i, sqlite3_int64 v)
{
	int rc = sqlite3_bind_int64(st, i, v);

	if (rc != SQLITE_OK && s->bind_rc == SQLITE_OK)
		s->bind_rc = rc;
}

static inline void
store_bind_u64(struct store *s, sqlite3_stmt *st, int i, uint64_t v)
{
	store_bind_i64(s, st, i, store_i64(v));
}

/* NULL binds SQL NULL, so a NOT NULL column catches it. */
static inline void
store_bind_text(struct store *s, sqlite3_stmt *st, int i, const char *v)
{
	int rc;

	if (v == NULL)
		rc = sqlite3_bind_null(st, i);
	else
		rc = sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	if (rc != SQLITE_OK && s->bind_rc == SQLITE_OK)
		s->bind_rc = rc;
}

#endif /* FLEET_CONTROLLER_STORE_INT_H */
