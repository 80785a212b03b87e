/* SPDX-License-Identifier: ISC */
/*
 * Opening the store's file (see store.h): its mode, the connection's
 * pragmas and the schema migrations.  store.c calls store_open_file()
 * from store_open() and prepares its statements afterwards.
 *
 * The file holds verbatim bounce texts, so it is private to fleetd's
 * user: created 0600, and a file that others may read or write (an older
 * fleetd, a restored backup) is set to 0600 and reported through
 * store_notice().  sqlite creates the -wal and -shm files with the mode
 * of the database file, so they follow it; ones left by a crash are set
 * to 0600 here too.  fchmod() rather than umask(): umask is process-wide
 * and fleetd has threads (a test program may have more).
 */
#include "store.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store_int.h"

#define STORE_BUSY_TIMEOUT 5000 /* ms */

/*
 * migrations[v] takes a database from version v to v + 1.  Version 0 is
 * an empty file.  Append only: a released entry never changes.
 */
static const char *const store_migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE schema_version (id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  version INTEGER NOT NULL);"
    "INSERT INTO schema_version (id, version) VALUES (1, 0);"
    "CREATE TABLE relays (name TEXT PRIMARY KEY, ip TEXT NOT NULL,"
    "  hosting TEXT NOT NULL DEFAULT '', agent_key TEXT NOT NULL,"
    "  retired INTEGER NOT NULL DEFAULT 0, added_at INTEGER);"
    "CREATE TABLE reports (id INTEGER PRIMARY KEY,"
    "  relay TEXT NOT NULL REFERENCES relays (name),"
    "  epoch INTEGER NOT NULL, seq INTEGER NOT NULL,"
    "  interval_start INTEGER, interval_end INTEGER,"
    "  received_at INTEGER NOT NULL, hostname TEXT, agent_version TEXT,"
    "  UNIQUE (relay, epoch, seq));"
    "CREATE INDEX reports_relay_received ON reports (relay, received_at);"
    "CREATE INDEX reports_received ON reports (received_at);"
    "CREATE TABLE queue_snapshots (report_id INTEGER PRIMARY KEY"
    "  REFERENCES reports (id) ON DELETE CASCADE,"
    "  valid INTEGER NOT NULL, taken_at INTEGER NOT NULL,"
    "  incoming INTEGER NOT NULL, active INTEGER NOT NULL,"
    "  deferred INTEGER NOT NULL, hold INTEGER NOT NULL,"
    "  maildrop INTEGER NOT NULL, oldest_deferred_age INTEGER NOT NULL,"
    "  error TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE queue_deferred_by (report_id INTEGER NOT NULL"
    "  REFERENCES queue_snapshots (report_id) ON DELETE CASCADE,"
    "  provider TEXT NOT NULL, class INTEGER NOT NULL,"
    "  count INTEGER NOT NULL);"
    "CREATE INDEX queue_deferred_by_report ON queue_deferred_by (report_id);"
    "CREATE TABLE counters (report_id INTEGER NOT NULL"
    "  REFERENCES reports (id) ON DELETE CASCADE,"
    "  provider TEXT NOT NULL, class INTEGER NOT NULL,"
    "  status INTEGER NOT NULL, dsn TEXT NOT NULL, count INTEGER NOT NULL);"
    "CREATE INDEX counters_report ON counters (report_id);"
    "CREATE TABLE samples (report_id INTEGER NOT NULL"
    "  REFERENCES reports (id) ON DELETE CASCADE,"
    "  provider TEXT NOT NULL, class INTEGER NOT NULL,"
    "  status INTEGER NOT NULL, dsn TEXT NOT NULL, text TEXT NOT NULL,"
    "  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
    "  mx_host TEXT NOT NULL);"
    "CREATE INDEX samples_report ON samples (report_id);"
    "CREATE TABLE checks (report_id INTEGER NOT NULL"
    "  REFERENCES reports (id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL, state INTEGER NOT NULL, detail TEXT NOT NULL,"
    "  checked_at INTEGER NOT NULL);"
    "CREATE INDEX checks_report ON checks (report_id);",
    /*
     * 1 -> 2: the decisions.  AUTOINCREMENT keeps event ids growing even
     * after retention deleted the newest ones.  windows.relays holds
     * names separated by single spaces.
     */
    "CREATE TABLE relay_state (relay TEXT PRIMARY KEY"
    "  REFERENCES relays (name), json TEXT NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  at INTEGER NOT NULL, relay TEXT NOT NULL, kind TEXT NOT NULL,"
    "  from_state TEXT NOT NULL, to_state TEXT NOT NULL,"
    "  rule TEXT NOT NULL, provider TEXT NOT NULL, operator TEXT NOT NULL,"
    "  counts TEXT NOT NULL, window_s INTEGER NOT NULL,"
    "  intent TEXT NOT NULL, weight INTEGER NOT NULL,"
    "  until INTEGER NOT NULL, reason TEXT NOT NULL);"
    "CREATE INDEX events_relay_at ON events (relay, at);"
    "CREATE INDEX events_at ON events (at);"
    "CREATE TABLE event_samples (event_id INTEGER NOT NULL"
    "  REFERENCES events (id) ON DELETE CASCADE,"
    "  provider TEXT NOT NULL, class INTEGER NOT NULL,"
    "  status INTEGER NOT NULL, dsn TEXT NOT NULL, text TEXT NOT NULL,"
    "  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
    "  mx_host TEXT NOT NULL);"
    "CREATE INDEX event_samples_event ON event_samples (event_id);"
    "CREATE TABLE windows (name TEXT PRIMARY KEY, relays TEXT NOT NULL,"
    "  hosting TEXT NOT NULL, \"start\" INTEGER NOT NULL,"
    "  \"end\" INTEGER NOT NULL, reason TEXT NOT NULL,"
    "  created_by TEXT NOT NULL, state TEXT NOT NULL);"
    "CREATE TABLE audit (id INTEGER PRIMARY KEY, at INTEGER NOT NULL,"
    "  operator TEXT NOT NULL, role TEXT NOT NULL, op TEXT NOT NULL,"
    "  detail TEXT NOT NULL, result TEXT NOT NULL);"
    "CREATE INDEX audit_at ON audit (at);",
    /*
     * 2 -> 3: each relay's number of stored reports, for status without
     * a count(*) per relay.  The triggers keep it in the transaction
     * that inserts or deletes a report (retention included).
     */
    "ALTER TABLE relays ADD COLUMN report_count INTEGER NOT NULL DEFAULT 0;"
    "UPDATE relays SET report_count ="
    "  (SELECT count(*) FROM reports r WHERE r.relay = relays.name);"
    "CREATE TRIGGER reports_count_insert AFTER INSERT ON reports BEGIN"
    "  UPDATE relays SET report_count = report_count + 1"
    "  WHERE name = new.relay; END;"
    "CREATE TRIGGER reports_count_delete AFTER DELETE ON reports BEGIN"
    "  UPDATE relays SET report_count = report_count - 1"
    "  WHERE name = old.relay; END;",
};

_Static_assert(sizeof(store_migrations) / sizeof(store_migrations[0]) ==
                   STORE_SCHEMA_VERSION,
    "one migration per schema version");

static int
store_exec(struct store *s, const char *sql, const char *what)
{
	char *err = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		store_fail(s, "%s: %s", what,
		    err != NULL ? err : sqlite3_errmsg(s->db));
		sqlite3_free(err);
		return (-1);
	}
	return (0);
}

/* Runs a one-off query that yields one integer (NULL reads as 0). */
static int
store_query_int(struct store *s, const char *sql, sqlite3_int64 *out)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return (store_fail_db(s, "schema version"));
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			store_fail(s, "schema version: no row");
		else
			store_fail_db(s, "schema version");
		sqlite3_finalize(st);
		return (-1);
	}
	*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return (0);
}

static int
store_schema_version(struct store *s, sqlite3_int64 *version)
{
	sqlite3_int64 n;

	if (store_query_int(s,
	        "SELECT count(*) FROM sqlite_master"
	        " WHERE type = 'table' AND name = 'schema_version'",
	        &n) == -1)
		return (-1);
	if (n == 0) {
		*version = 0;
		return (0);
	}
	if (store_query_int(s, "SELECT version FROM schema_version", &n) == -1)
		return (-1);
	if (n < 0)
		return (store_fail(
		    s, "schema version %lld is invalid", (long long)n));
	*version = n;
	return (0);
}

/* Applies pending migrations in one transaction; refuses newer files. */
static int
store_migrate(struct store *s)
{
	sqlite3_int64 v = 0;
	char sql[64];

	if (store_exec(s, "BEGIN IMMEDIATE", "migrate") == -1)
		return (-1);
	if (store_schema_version(s, &v) == -1)
		goto fail;
	if (v > STORE_SCHEMA_VERSION) {
		store_fail(s,
		    "schema version %lld is newer than this fleetd "
		    "supports (%d); refusing to open",
		    (long long)v, STORE_SCHEMA_VERSION);
		goto fail;
	}
	for (; v < STORE_SCHEMA_VERSION; v++) {
		if (store_exec(s, store_migrations[v], "migrate") == -1)
			goto fail;
	}
	(void)snprintf(sql, sizeof(sql),
	    "UPDATE schema_version SET version = %d", STORE_SCHEMA_VERSION);
	if (store_exec(s, sql, "migrate") == -1 ||
	    store_exec(s, "COMMIT", "migrate") == -1)
		goto fail;
	return (0);
fail:
	if (!sqlite3_get_autocommit(s->db))
		(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return (-1);
}

/* journal_mode answers with the mode it got, which may not be WAL. */
static int
store_set_wal(struct store *s)
{
	sqlite3_stmt *st;
	const unsigned char *mode;
	int rv = -1;

	if (sqlite3_prepare_v2(
	        s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL) != SQLITE_OK)
		return (store_fail_db(s, "journal_mode"));
	if (sqlite3_step(st) != SQLITE_ROW)
		store_fail_db(s, "journal_mode");
	else if ((mode = sqlite3_column_text(st, 0)) == NULL ||
	         strcmp((const char *)mode, "wal") != 0)
		store_fail(s, "journal_mode: got %s instead of wal",
		    mode != NULL ? (const char *)mode : "nothing");
	else
		rv = 0;
	sqlite3_finalize(st);
	return (rv);
}

/* Appends to s->notice (bounded: the first notices matter most). */
static void
store_note(struct store *s, const char *path, const char *suffix, mode_t from,
    mode_t to)
{
	size_t n = strlen(s->notice);

	(void)snprintf(s->notice + n, sizeof(s->notice) - n,
	    "%s%s%s: mode was %04o, set to %04o", n > 0 ? "; " : "", path,
	    suffix, (unsigned)from, (unsigned)to);
}

/*
 * Makes path + suffix private to its owner: the database itself is
 * created if missing; -wal and -shm only exist after a crash (no link
 * followed, as sqlite opens them).  A mode it cannot fix (the file
 * belongs to another user) fails.
 */
static int
store_secure_file(struct store *s, const char *path, const char *suffix)
{
	char name[4096];
	bool is_db = suffix[0] == '\0';
	int fd, flags = O_RDWR | O_CLOEXEC | O_NOCTTY;
	struct stat sb;
	mode_t mode;

	if (snprintf(name, sizeof(name), "%s%s", path, suffix) >=
	    (int)sizeof(name))
		return (store_fail(s, "path too long"));
	flags |= is_db ? O_CREAT : O_NOFOLLOW;
	if ((fd = open(name, flags, 0600)) == -1) {
		if (!is_db && errno == ENOENT)
			return (0);
		return (store_fail(s, "open%s: %s", suffix, strerror(errno)));
	}
	if (fstat(fd, &sb) == -1) {
		store_fail(s, "stat%s: %s", suffix, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		store_fail(s, "open%s: not a regular file", suffix);
		goto fail;
	}
	mode = sb.st_mode & 07777;
	if ((mode & 077) != 0) {
		if (fchmod(fd, mode & 0700) == -1) {
			store_fail(s, "mode %04o: cannot make it private: %s",
			    (unsigned)mode, strerror(errno));
			goto fail;
		}
		store_note(s, path, suffix, mode, mode & 0700);
	}
	close(fd);
	return (0);
fail:
	close(fd);
	return (-1);
}

static int
store_secure(struct store *s, const char *path)
{
	if (strcmp(path, ":memory:") == 0 || path[0] == '\0')
		return (0); /* no file */
	if (store_secure_file(s, path, "") == -1 ||
	    store_secure_file(s, path, "-wal") == -1 ||
	    store_secure_file(s, path, "-shm") == -1)
		return (-1);
	return (0);
}

static int
store_open_db(struct store *s, const char *path)
{
	int flags =
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;

	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		if (s->db == NULL)
			return (store_fail(s, "out of memory"));
		return (store_fail_db(s, "open"));
	}
	sqlite3_extended_result_codes(s->db, 1);
	if (sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT) != SQLITE_OK)
		return (store_fail_db(s, "busy_timeout"));
	if (store_set_wal(s) == -1)
		return (-1);
	if (store_exec(s, "PRAGMA synchronous = FULL", "synchronous") == -1 ||
	    store_exec(s, "PRAGMA foreign_keys = ON", "foreign_keys") == -1)
		return (-1);
	return (0);
}

int
store_open_file(struct store *s, const char *path)
{
	if (store_secure(s, path) == -1 || store_open_db(s, path) == -1 ||
	    store_migrate(s) == -1)
		return (-1);
	return (0);
}
