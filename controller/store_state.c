/* SPDX-License-Identifier: ISC */
/*
 * The decisions in sqlite (store.h, "decisions"): relay states, events
 * with their samples, maintenance windows, the audit log, the readers
 * health and policy rebuild themselves from at start (samples, counters,
 * checks) and retention.  Same rules as store.c: statements prepared
 * once, parameters bound, one thread at a time.  Rows are read warily,
 * since a newer fleetd may have written values this one does not know:
 * strings are copied bounded, enums and numbers clamped, counts capped.
 */
#include "store.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store_int.h"
#include "util.h"
#include "wire_check.h"

#define STORE_DAY 86400 /* s: a report's interval ends at most this early */

#define STORE_EVENT_COLS                                                       \
	"id, at, relay, kind, from_state, to_state, rule, provider,"           \
	" operator, counts, window_s, intent, weight, until, reason"
#define STORE_SAMPLE_COLS                                                      \
	"provider, class, status, dsn, text, first_seen, last_seen, mx_host"
#define STORE_WINDOW_COLS                                                      \
	"name, relays, hosting, \"start\", \"end\", reason, created_by, state"

/* Columns of STORE_EVENT_COLS. */
enum store_event_col {
	STORE_EV_ID,
	STORE_EV_AT,
	STORE_EV_RELAY,
	STORE_EV_KIND,
	STORE_EV_FROM,
	STORE_EV_TO,
	STORE_EV_RULE,
	STORE_EV_PROVIDER,
	STORE_EV_OPERATOR,
	STORE_EV_COUNTS,
	STORE_EV_WINDOW,
	STORE_EV_INTENT,
	STORE_EV_WEIGHT,
	STORE_EV_UNTIL,
	STORE_EV_REASON,
};

/* Columns of STORE_SAMPLE_COLS, from the first one. */
enum store_sample_col {
	STORE_SM_PROVIDER,
	STORE_SM_CLASS,
	STORE_SM_STATUS,
	STORE_SM_DSN,
	STORE_SM_TEXT,
	STORE_SM_FIRST,
	STORE_SM_LAST,
	STORE_SM_MX,
};

/* Columns of STORE_WINDOW_COLS. */
enum store_window_col {
	STORE_WIN_NAME,
	STORE_WIN_RELAYS,
	STORE_WIN_HOSTING,
	STORE_WIN_START,
	STORE_WIN_END,
	STORE_WIN_REASON,
	STORE_WIN_CREATED_BY,
	STORE_WIN_STATE,
};

#define STORE_S(id) [STORE_STMT_##id - STORE_STMT_STATE_FIRST]

/*
 * Samples: the newest row of each distinct text keeps its provider,
 * class, status, dsn and mx_host; first and last seen span every row of
 * that text (a window function: with both min() and max() sqlite does
 * not say which row bare columns come from).  Classes past 31 have no
 * bit in the mask (and a negative shift would shift left).
 */
const struct store_sql store_state_stmts[STORE_STATE_NSTMTS] = {
    STORE_S(STATE_SAVE) = {"save relay state",
        "INSERT INTO relay_state (relay, json, updated_at)"
        " VALUES (?1, ?2, ?3) ON CONFLICT (relay) DO UPDATE"
        " SET json = excluded.json, updated_at = excluded.updated_at"},
    STORE_S(STATE_LOAD) = {"load relay states",
        "SELECT s.relay, s.json FROM relay_state s"
        " JOIN relays r ON r.name = s.relay WHERE r.retired = 0"
        " ORDER BY s.relay"},
    STORE_S(EVENT_ADD) = {"insert event",
        "INSERT INTO events (at, relay, kind, from_state, to_state, rule,"
        " provider, operator, counts, window_s, intent, weight, until,"
        " reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
        " ?12, ?13, ?14)"},
    STORE_S(EVENT_SAMPLE_ADD) = {"insert event sample",
        "INSERT INTO event_samples (event_id, " STORE_SAMPLE_COLS ")"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"},
    STORE_S(EVENTS) = {"read events",
        "SELECT " STORE_EVENT_COLS " FROM (SELECT " STORE_EVENT_COLS
        " FROM events WHERE at >= ?1 AND (?2 = '' OR relay = ?2)"
        " ORDER BY at DESC, id DESC LIMIT ?3) ORDER BY at, id"},
    STORE_S(EVENT_LATEST) = {"latest event",
        "SELECT " STORE_EVENT_COLS " FROM events"
        " WHERE relay = ?1 AND to_state = ?2"
        " AND kind IN ('transition', 'refused', 'operator')"
        " ORDER BY at DESC, id DESC LIMIT 1"},
    STORE_S(EVENT_SAMPLES) = {"read event samples",
        "SELECT " STORE_SAMPLE_COLS " FROM event_samples"
        " WHERE event_id = ?1 ORDER BY rowid LIMIT ?2"},
    STORE_S(WINDOW_SAVE) = {"save window",
        "INSERT INTO windows (" STORE_WINDOW_COLS ")"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        " ON CONFLICT (name) DO UPDATE SET relays = excluded.relays,"
        " hosting = excluded.hosting, \"start\" = excluded.\"start\","
        " \"end\" = excluded.\"end\", reason = excluded.reason,"
        " created_by = excluded.created_by, state = excluded.state"},
    STORE_S(WINDOWS) = {"load windows",
        "SELECT " STORE_WINDOW_COLS " FROM windows WHERE \"end\" >= ?1"
        " ORDER BY \"start\", name"},
    STORE_S(SAMPLES_RECENT) = {"recent samples",
        "SELECT provider, class, status, dsn, text, first_min, last_max,"
        " mx_host FROM (SELECT m.provider, m.class, m.status, m.dsn,"
        " m.text, m.mx_host, min(m.first_seen) OVER w AS first_min,"
        " max(m.last_seen) OVER w AS last_max, row_number() OVER"
        " (w ORDER BY m.last_seen DESC, r.id DESC, m.rowid DESC) AS k"
        " FROM reports r JOIN samples m ON m.report_id = r.id"
        " WHERE r.relay = ?1 AND (?2 = '' OR m.provider = ?2)"
        " AND (?3 = 0 OR (m.class BETWEEN 0 AND 31"
        " AND ((?3 >> m.class) & 1) = 1)) AND m.last_seen >= ?4"
        " WINDOW w AS (PARTITION BY m.text))"
        " WHERE k = 1 ORDER BY last_max DESC, text LIMIT ?5"},
    STORE_S(COUNTERS_SINCE) = {"counters since",
        "SELECT r.relay, r.received_at, r.interval_end, c.provider,"
        " c.class, c.status, c.dsn, c.count"
        " FROM reports r JOIN counters c ON c.report_id = r.id"
        " WHERE r.received_at >= ?1 ORDER BY r.id, c.rowid"},
    STORE_S(CHECKS_LATEST) = {"latest checks",
        "SELECT name, state, detail, checked_at FROM checks"
        " WHERE report_id = (SELECT r.id FROM reports r WHERE r.relay = ?1"
        "  AND EXISTS (SELECT 1 FROM checks k WHERE k.report_id = r.id)"
        "  ORDER BY r.received_at DESC, r.id DESC LIMIT 1)"
        " ORDER BY rowid LIMIT ?2"},
    STORE_S(AUDIT_ADD) = {"insert audit",
        "INSERT INTO audit (at, operator, role, op, detail, result)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
    STORE_S(FOREIGN_KEYS) = {"foreign_keys", "PRAGMA foreign_keys"},
    /*
     * A relay's newest report stays: status, agents and dedup need it.  A
     * relay without reports gives NULL, which must not reach NOT IN (a
     * NULL there makes it match nothing, and nothing would ever go).
     */
    STORE_S(PRUNE_REPORTS) = {"prune reports",
        "DELETE FROM reports WHERE id IN (SELECT id FROM reports"
        " WHERE received_at < ?1 AND id NOT IN (SELECT n.id FROM"
        "  (SELECT (SELECT x.id FROM reports x WHERE x.relay = r.name"
        "   ORDER BY x.received_at DESC, x.id DESC LIMIT 1) AS id"
        "   FROM relays r) n WHERE n.id IS NOT NULL)"
        " ORDER BY id LIMIT ?2)"},
    STORE_S(PRUNE_EVENTS) = {"prune events",
        "DELETE FROM events WHERE id IN (SELECT id FROM events"
        " WHERE at < ?1 ORDER BY id LIMIT ?2)"},
    STORE_S(PRUNE_AUDIT) = {"prune audit",
        "DELETE FROM audit WHERE id IN (SELECT id FROM audit"
        " WHERE at < ?1 ORDER BY id LIMIT ?2)"},
};

/*
 * Unknown values (a newer fleetd, a damaged file) read as CHECK_ERROR:
 * "could not tell", and a value the wire accepts, so one odd row never
 * makes a whole reply unsendable.
 */
static enum check_state
store_col_check(sqlite3_stmt *st, int col)
{
	sqlite3_int64 v = sqlite3_column_int64(st, col);

	if (v <= CHECK_UNSPEC || v > CHECK_LAST)
		return (CHECK_ERROR);
	return ((enum check_state)v);
}

/* A malloc'd copy of at most max bytes; NULL reads as "". */
static char *
store_col_strdup(sqlite3_stmt *st, int col, size_t max)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	const char *src = t != NULL ? (const char *)t : "";
	size_t n = strnlen(src, max);
	char *p = xmalloc(n + 1);

	(void)wire_text_sanitize(p, n + 1, src, n); /* as store_col_text */
	return (p);
}

/* Fills m from the STORE_SAMPLE_COLS columns that start at col. */
static void
store_read_sample(sqlite3_stmt *st, int col, struct wire_sample *m)
{
	memset(m, 0, sizeof(*m));
	store_col_text(
	    st, col + STORE_SM_PROVIDER, m->provider, sizeof(m->provider));
	if (!wire_provider_ok(m->provider)) /* a damaged row */
		util_strlcpy(m->provider, "other", sizeof(m->provider));
	m->cls = store_col_class(st, col + STORE_SM_CLASS);
	m->status = store_col_status(st, col + STORE_SM_STATUS);
	store_col_text(st, col + STORE_SM_DSN, m->dsn, sizeof(m->dsn));
	m->text = store_col_strdup(st, col + STORE_SM_TEXT, WIRE_TEXT_MAX);
	m->first_seen = store_col_u64(st, col + STORE_SM_FIRST);
	m->last_seen = store_col_u64(st, col + STORE_SM_LAST);
	store_col_text(st, col + STORE_SM_MX, m->mx_host, sizeof(m->mx_host));
}

/* Binds the sample columns of an insert from parameter i on. */
static void
store_bind_sample(
    struct store *s, sqlite3_stmt *st, int i, const struct wire_sample *m)
{
	store_bind_text(s, st, i + STORE_SM_PROVIDER, m->provider);
	store_bind_u64(s, st, i + STORE_SM_CLASS, m->cls);
	store_bind_u64(s, st, i + STORE_SM_STATUS, m->status);
	store_bind_text(s, st, i + STORE_SM_DSN, m->dsn);
	store_bind_text(
	    s, st, i + STORE_SM_TEXT, m->text != NULL ? m->text : "");
	store_bind_u64(s, st, i + STORE_SM_FIRST, m->first_seen);
	store_bind_u64(s, st, i + STORE_SM_LAST, m->last_seen);
	store_bind_text(s, st, i + STORE_SM_MX, m->mx_host);
}

int
store_state_save(
    struct store *s, const char *relay, const char *json, uint64_t now)
{
	sqlite3_stmt *st = s->stmt[STORE_STMT_STATE_SAVE];

	assert(!sqlite3_get_autocommit(s->db)); /* inside store_begin() */
	store_bind_text(s, st, 1, relay);
	store_bind_text(s, st, 2, json);
	store_bind_u64(s, st, 3, now);
	return (store_run(s, STORE_STMT_STATE_SAVE));
}

/* relay and json point into the row: valid for the callback only. */
int
store_state_load(struct store *s, store_state_cb cb, void *arg)
{
	sqlite3_stmt *st = s->stmt[STORE_STMT_STATE_LOAD];
	const unsigned char *relay, *json;
	int rc;

	while ((rc = store_step_row(s, STORE_STMT_STATE_LOAD)) == 1) {
		relay = sqlite3_column_text(st, 0);
		json = sqlite3_column_text(st, 1);
		if (relay == NULL) /* the join excludes it; out of memory */
			continue;
		if (cb(arg, (const char *)relay,
		        json != NULL ? (const char *)json : "") != 0)
			break;
	}
	if (rc == -1)
		return (-1);
	store_reset(s, st);
	return (0);
}

int
store_event_add(struct store *s, struct wire_event *e)
{
	sqlite3_stmt *st = s->stmt[STORE_STMT_EVENT_ADD];
	sqlite3_int64 id;

	assert(!sqlite3_get_autocommit(s->db)); /* inside store_begin() */
	assert(e->n_samples <= WIRE_EVENT_SAMPLES_MAX);
	store_bind_u64(s, st, 1, e->at);
	store_bind_text(s, st, 2, e->relay);
	store_bind_text(s, st, 3, e->kind);
	store_bind_text(s, st, 4, e->from_state);
	store_bind_text(s, st, 5, e->to_state);
	store_bind_text(s, st, 6, e->rule);
	store_bind_text(s, st, 7, e->provider);
	store_bind_text(s, st, 8, e->operator);
	store_bind_text(s, st, 9, e->counts);
	store_bind_u64(s, st, 10, e->window_s);
	store_bind_text(s, st, 11, e->intent);
	store_bind_u64(s, st, 12, e->weight);
	store_bind_u64(s, st, 13, e->until);
	store_bind_text(s, st, 14, e->reason);
	if (store_run(s, STORE_STMT_EVENT_ADD) == -1)
		return (-1);
	id = sqlite3_last_insert_rowid(s->db);
	st = s->stmt[STORE_STMT_EVENT_SAMPLE_ADD];
	for (size_t i = 0; i < e->n_samples; i++) {
		store_bind_i64(s, st, 1, id);
		store_bind_sample(s, st, 2, &e->samples[i]);
		if (store_run(s, STORE_STMT_EVENT_SAMPLE_ADD) == -1)
			return (-1);
	}
	e->id = (uint64_t)id;
	return (0);
}

/* Fills e (zeroed by the caller) from an event row; weight <= 100. */
static void
store_read_event(sqlite3_stmt *st, struct wire_event *e)
{
	e->id = store_col_u64(st, STORE_EV_ID);
	e->at = store_col_u64(st, STORE_EV_AT);
	store_col_text(st, STORE_EV_RELAY, e->relay, sizeof(e->relay));
	store_col_text(st, STORE_EV_KIND, e->kind, sizeof(e->kind));
	store_col_text(st, STORE_EV_FROM, e->from_state, sizeof(e->from_state));
	store_col_text(st, STORE_EV_TO, e->to_state, sizeof(e->to_state));
	store_col_text(st, STORE_EV_RULE, e->rule, sizeof(e->rule));
	store_col_text(st, STORE_EV_PROVIDER, e->provider, sizeof(e->provider));
	store_col_text(st, STORE_EV_OPERATOR, e->operator, sizeof(e->operator));
	store_col_text(st, STORE_EV_COUNTS, e->counts, sizeof(e->counts));
	e->window_s = store_col_u64(st, STORE_EV_WINDOW);
	store_col_text(st, STORE_EV_INTENT, e->intent, sizeof(e->intent));
	e->weight = store_col_u32(st, STORE_EV_WEIGHT);
	if (e->weight > 100)
		e->weight = 100;
	e->until = store_col_u64(st, STORE_EV_UNTIL);
	store_col_text(st, STORE_EV_REASON, e->reason, sizeof(e->reason));
}

/* Reads the samples of event e->id into e (at most the array's size). */
static int
store_load_event_samples(struct store *s, struct wire_event *e)
{
	sqlite3_stmt *st = s->stmt[STORE_STMT_EVENT_SAMPLES];
	int rc = 0;

	store_bind_u64(s, st, 1, e->id);
	store_bind_u64(s, st, 2, WIRE_EVENT_SAMPLES_MAX);
	while (e->n_samples < WIRE_EVENT_SAMPLES_MAX &&
	       (rc = store_step_row(s, STORE_STMT_EVENT_SAMPLES)) == 1)
		store_read_sample(st, 0, &e->samples[e->n_samples++]);
	if (rc == -1)
		return (-1);
	store_reset(s, st);
	return (0);
}

int
store_events(struct store *s, const char *relay, uint64_t since, uint32_t limit,
    struct wire_ctl_reply *out)
{
	sqlite3_stmt *st = s->stmt[STORE_STMT_EVENTS];
	struct wire_ctl_reply c = {0}; /* only events and n_events */
	struct wire_event *e;
	size_t cap = 0;
	int rc;

	if (limit < 1)
		limit = 1;
	if (limit > WIRE_EVENTS_MAX)
		limit = WIRE_EVENTS_MAX;
	store_bind_u64(s, st, 1, since);
	store_bind_text(s, st, 2, relay != NULL ? relay : "");
	store_bind_u64(s, st, 3, limit);
	while ((rc = store_step_row(s, STORE_STMT_EVENTS)) == 1) {
		if (c.n_events == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			c.events = xreallocarray(c.events, cap, sizeof(*e));
		}
		e = &c.events[c.n_events++];
		memset(e, 0, sizeof(*e));
		store_read_event(st, e);
		if (store_load_event_samples(s, e) == -1) {
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
	out->n_events = c.n_events;
	out->events = c.events;
	return (0);
}

int
store_event_latest(struct store *s, const char *relay, const char *to_state,
    struct wire_event *out, bool *found)
{
	sqlite3_stmt *st = s->stmt[STORE_STMT_EVENT_LATEST];
	struct wire_event e;
	int rc;

	memset(&e, 0, sizeof(e));
	store_bind_text(s, st, 1, relay);
	store_bind_text(s, st, 2, to_state);
	if ((rc = store_step_row(s, STORE_STMT_EVENT_LATEST)) == -1)
		return (-1);
	if (rc == 1)
		store_read_event(st, &e);
	store_reset(s, st);
	if (rc == 1 && store_load_event_samples(s, &e) == -1) {
		wire_event_fini(&e);
		return (-1);
	}
	if (rc == 1)
		*out = e;
	*found = rc == 1;
	return (0);
}

/*
 * The relay names of w separated by single spaces, malloc'd; NULL with
 * the error set for a name that could not be split back (empty, too
 * long, with a space) or too many names.
 */
static char *
store_window_join(struct store *s, const struct wire_window *w)
{
	size_t len = 1, off = 0, n;
	char *buf;

	if (w->n_relays > WIRE_RELAYS_MAX) {
		store_fail(s, "save window %s: too many relays", w->name);
		return (NULL);
	}
	for (size_t i = 0; i < w->n_relays; i++) {
		n = strnlen(w->relays[i], sizeof(w->relays[i]));
		if (n == 0 || n > WIRE_NAME_MAX ||
		    memchr(w->relays[i], ' ', n) != NULL) {
			store_fail(
			    s, "save window %s: bad relay name", w->name);
			return (NULL);
		}
		len += n + 1;
	}
	buf = xmalloc(len);
	for (size_t i = 0; i < w->n_relays; i++) {
		if (i > 0)
			buf[off++] = ' ';
		n = strlen(w->relays[i]);
		memcpy(buf + off, w->relays[i], n);
		off += n;
	}
	buf[off] = '\0';
	return (buf);
}

int
store_window_save(struct store *s, const struct wire_window *w)
{
	sqlite3_stmt *st = s->stmt[STORE_STMT_WINDOW_SAVE];
	char *relays;
	int rv;

	assert(!sqlite3_get_autocommit(s->db)); /* inside store_begin() */
	if ((relays = store_window_join(s, w)) == NULL)
		return (-1);
	store_bind_text(s, st, 1 + STORE_WIN_NAME, w->name);
	store_bind_text(s, st, 1 + STORE_WIN_RELAYS, relays);
	store_bind_text(s, st, 1 + STORE_WIN_HOSTING, w->hosting);
	store_bind_u64(s, st, 1 + STORE_WIN_START, w->start);
	store_bind_u64(s, st, 1 + STORE_WIN_END, w->end);
	store_bind_text(s, st, 1 + STORE_WIN_REASON, w->reason);
	store_bind_text(s, st, 1 + STORE_WIN_CREATED_BY, w->created_by);
	store_bind_text(s, st, 1 + STORE_WIN_STATE, w->state);
	rv = store_run(s, STORE_STMT_WINDOW_SAVE); /* clears the bindings */
	free(relays);
	return (rv);
}

/*
 * Splits names separated by spaces into w->relays: at most
 * WIRE_RELAYS_MAX, and a name too long for the array is skipped rather
 * than cut into another relay's name.
 */
static void
store_window_split(const char *text, struct wire_window *w)
{
	size_t cap = 0, n;

	for (;;) {
		text += strspn(text, " ");
		if ((n = strcspn(text, " ")) == 0 ||
		    w->n_relays == WIRE_RELAYS_MAX)
			break;
		if (n <= WIRE_NAME_MAX) {
			if (w->n_relays == cap) {
				cap = cap == 0 ? 8 : cap * 2;
				w->relays = xreallocarray(
				    w->relays, cap, sizeof(*w->relays));
			}
			memcpy(w->relays[w->n_relays], text, n);
			w->relays[w->n_relays++][n] = '\0';
		}
		text += n;
	}
}

static void
store_read_window(sqlite3_stmt *st, struct wire_window *w)
{
	const unsigned char *relays;

	memset(w, 0, sizeof(*w));
	store_col_text(st, STORE_WIN_NAME, w->name, sizeof(w->name));
	if ((relays = sqlite3_column_text(st, STORE_WIN_RELAYS)) != NULL)
		store_window_split((const char *)relays, w);
	store_col_text(st, STORE_WIN_HOSTING, w->hosting, sizeof(w->hosting));
	w->start = store_col_u64(st, STORE_WIN_START);
	w->end = store_col_u64(st, STORE_WIN_END);
	store_col_text(st, STORE_WIN_REASON, w->reason, sizeof(w->reason));
	store_col_text(
	    st, STORE_WIN_CREATED_BY, w->created_by, sizeof(w->created_by));
	store_col_text(st, STORE_WIN_STATE, w->state, sizeof(w->state));
}

int
store_windows_load(
    struct store *s, uint64_t since, store_window_cb cb, void *arg)
{
	sqlite3_stmt *st = s->stmt[STORE_STMT_WINDOWS];
	struct wire_window w;
	int rc, stop;

	store_bind_u64(s, st, 1, since);
	while ((rc = store_step_row(s, STORE_STMT_WINDOWS)) == 1) {
		store_read_window(st, &w);
		stop = cb(arg, &w);
		wire_window_fini(&w);
		if (stop != 0)
			break;
	}
	if (rc == -1)
		return (-1);
	store_reset(s, st);
	return (0);
}

int
store_samples_recent(struct store *s, const char *relay, const char *provider,
    uint32_t classes, uint64_t since, size_t max, struct wire_sample *out,
    size_t *n)
{
	sqlite3_stmt *st = s->stmt[STORE_STMT_SAMPLES_RECENT];
	size_t k = 0;
	int rc = 0;

	store_bind_text(s, st, 1, relay);
	store_bind_text(s, st, 2, provider != NULL ? provider : "");
	store_bind_i64(s, st, 3, classes);
	store_bind_u64(s, st, 4, since);
	store_bind_u64(s, st, 5, max);
	while (
	    k < max && (rc = store_step_row(s, STORE_STMT_SAMPLES_RECENT)) == 1)
		store_read_sample(st, 0, &out[k++]);
	if (rc == -1) {
		while (k > 0) {
			free(out[--k].text);
			out[k].text = NULL;
		}
		return (-1);
	}
	store_reset(s, st);
	*n = k;
	return (0);
}

/*
 * When a report's results count: its interval end (none: its arrival),
 * never after its arrival nor more than STORE_DAY before it, so a wrong
 * agent clock cannot move results far in time.
 */
static uint64_t
store_counter_time(uint64_t received_at, uint64_t interval_end)
{
	uint64_t lo = received_at > STORE_DAY ? received_at - STORE_DAY : 0;

	if (interval_end == 0 || interval_end > received_at)
		return (received_at);
	if (interval_end < lo)
		return (lo);
	return (interval_end);
}

/* relay points into the row: valid for the callback only. */
int
store_counters_since(
    struct store *s, uint64_t since, store_counter_cb cb, void *arg)
{
	sqlite3_stmt *st = s->stmt[STORE_STMT_COUNTERS_SINCE];
	const unsigned char *relay;
	struct wire_counter c;
	int rc;

	store_bind_u64(s, st, 1, since);
	while ((rc = store_step_row(s, STORE_STMT_COUNTERS_SINCE)) == 1) {
		if ((relay = sqlite3_column_text(st, 0)) == NULL)
			continue; /* NOT NULL: out of memory */
		memset(&c, 0, sizeof(c));
		store_col_text(st, 3, c.provider, sizeof(c.provider));
		c.cls = store_col_class(st, 4);
		c.status = store_col_status(st, 5);
		store_col_text(st, 6, c.dsn, sizeof(c.dsn));
		c.count = store_col_u32(st, 7);
		cb(arg, (const char *)relay, &c,
		    store_counter_time(
		        store_col_u64(st, 1), store_col_u64(st, 2)));
	}
	if (rc == -1)
		return (-1);
	store_reset(s, st);
	return (0);
}

int
store_checks_latest(
    struct store *s, const char *relay, struct wire_ctl_reply *out)
{
	sqlite3_stmt *st = s->stmt[STORE_STMT_CHECKS_LATEST];
	struct wire_check *v = NULL, *c;
	size_t n = 0, cap = 0;
	int rc;

	store_bind_text(s, st, 1, relay);
	store_bind_u64(s, st, 2, WIRE_CHECKS_MAX);
	while ((rc = store_step_row(s, STORE_STMT_CHECKS_LATEST)) == 1) {
		if (n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		c = &v[n++];
		memset(c, 0, sizeof(*c));
		store_col_text(st, 0, c->name, sizeof(c->name));
		c->state = store_col_check(st, 1);
		store_col_text(st, 2, c->detail, sizeof(c->detail));
		c->checked_at = store_col_u64(st, 3);
	}
	if (rc == -1) {
		free(v);
		return (-1);
	}
	store_reset(s, st);
	out->n_checks = n;
	out->checks = v;
	return (0);
}

int
store_audit_add(struct store *s, uint64_t at, const char *operator_name,
    const char *role, const char *op, const char *detail, const char *result)
{
	sqlite3_stmt *st = s->stmt[STORE_STMT_AUDIT_ADD];

	assert(!sqlite3_get_autocommit(s->db)); /* inside store_begin() */
	store_bind_u64(s, st, 1, at);
	store_bind_text(s, st, 2, operator_name);
	store_bind_text(s, st, 3, role);
	store_bind_text(s, st, 4, op);
	store_bind_text(s, st, 5, detail);
	store_bind_text(s, st, 6, result);
	return (store_run(s, STORE_STMT_AUDIT_ADD));
}

/*
 * Pruning leans on ON DELETE CASCADE, which acts only while foreign_keys
 * is on (store_open() sets it); off, children would stay as orphans.
 */
static int
store_check_foreign_keys(struct store *s)
{
	sqlite3_stmt *st = s->stmt[STORE_STMT_FOREIGN_KEYS];
	bool is_on;
	int rc;

	if ((rc = store_step_row(s, STORE_STMT_FOREIGN_KEYS)) == -1)
		return (-1);
	is_on = rc == 1 && sqlite3_column_int64(st, 0) == 1;
	store_reset(s, st);
	if (!is_on)
		return (store_fail(s, "prune: foreign_keys is off"));
	return (0);
}

/* Runs one bounded delete; adds the rows it removed to *n. */
static int
store_prune_run(struct store *s, enum store_stmt id, uint64_t before,
    size_t limit, uint64_t *n)
{
	store_bind_u64(s, s->stmt[id], 1, before);
	store_bind_u64(s, s->stmt[id], 2, limit);
	if (store_run(s, id) == -1)
		return (-1);
	*n += (uint64_t)sqlite3_changes(s->db); /* not counting cascades */
	return (0);
}

/*
 * The relays' latest-report queries pick the newest remaining report by
 * (received_at, id), and each relay keeps its newest one.
 */
int
store_prune(struct store *s, uint64_t before, size_t limit, uint64_t *deleted,
    bool *more)
{
	uint64_t n = 0, others = 0;

	if (store_check_foreign_keys(s) == -1 || store_begin(s) == -1)
		return (-1);
	if (store_prune_run(s, STORE_STMT_PRUNE_REPORTS, before, limit, &n) ==
	        -1 ||
	    store_prune_run(
	        s, STORE_STMT_PRUNE_EVENTS, before, limit, &others) == -1 ||
	    store_prune_run(
	        s, STORE_STMT_PRUNE_AUDIT, before, limit, &others) == -1 ||
	    store_commit(s) == -1) {
		store_rollback(s);
		return (-1);
	}
	*deleted = n;
	*more = n == limit || others >= limit;
	return (0);
}
