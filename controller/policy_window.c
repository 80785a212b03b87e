/* SPDX-License-Identifier: ISC */
/*
 * Maintenance windows (see policy.h).  A relay is in maintenance while a
 * window that lists it runs (start <= now < end, not cancelled);
 * overlapping windows merge per relay: it stays in maintenance until the
 * last of them ends.  Limits (max_maintenance, min_active) are checked
 * when a window is created, against the windows that overlap it and the
 * relays' states at that time; a running window is never cut short by
 * them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "policy_int.h"
#include "util.h"

static bool
policy_win_runs(const struct policy_win *pw, uint64_t now)
{
	return (!pw->cancelled && pw->w.start <= now && now < pw->w.end);
}

static bool
policy_win_has(const struct policy_win *pw, size_t relay)
{
	for (size_t i = 0; i < pw->w.n_relays; i++)
		if (pw->idx[i] == relay)
			return (true);
	return (false);
}

/* The running window of relay that ends last; NULL if none. */
static const struct policy_win *
policy_win_covering(const struct policy *p, size_t relay, uint64_t now)
{
	const struct policy_win *best = NULL;

	for (size_t i = 0; i < p->nwin; i++) {
		const struct policy_win *pw = &p->win[i];

		if (policy_win_runs(pw, now) && policy_win_has(pw, relay) &&
		    (best == NULL || pw->w.end > best->w.end))
			best = pw;
	}
	return (best);
}

const char *
policy_window_running(const struct policy *p, size_t relay, uint64_t now)
{
	const struct policy_win *pw = policy_win_covering(p, relay, now);

	return (pw != NULL ? pw->w.name : NULL);
}

void
policy_tick_windows(
    struct policy *p, size_t relay, uint64_t now, struct policy_out *out)
{
	struct policy_relay *rs = &p->st[relay];
	const struct policy_win *pw = policy_win_covering(p, relay, now);
	enum policy_state from = rs->state;
	char why[WIRE_REASON_MAX + 1];

	if (pw == NULL) {
		if (rs->state == POLICY_MAINTENANCE) {
			snprintf(why, sizeof(why), "%s ended", rs->rule);
			policy_leave(p, relay, now, why, out);
		}
		return;
	}
	if (rs->state == POLICY_MAINTENANCE) {
		if (rs->until != pw->w.end) { /* merged with a later window */
			rs->until = pw->w.end;
			p->dirty[relay] = true;
		}
		return;
	}
	if (rs->state == POLICY_CORDONED)
		return; /* the operator's cordon wins */
	(void)policy_window_enter(p, relay, now, out);
	(void)from;
	(void)why;
}

bool
policy_window_enter(
    struct policy *p, size_t relay, uint64_t now, struct policy_out *out)
{
	struct policy_relay *rs = &p->st[relay];
	const struct policy_win *pw = policy_win_covering(p, relay, now);
	enum policy_state from = rs->state;
	char why[WIRE_REASON_MAX + 1];

	if (pw == NULL)
		return (false);
	snprintf(why, sizeof(why), "window:%s", pw->w.name);
	policy_enter(p, relay, POLICY_MAINTENANCE, now, pw->w.end, why, "", "");
	policy_set_reason(rs, "window %s: %s", pw->w.name, pw->w.reason);
	policy_emit(p, out, relay, POLICY_EV_TRANSITION, from, rs->rule, "",
	    "%s", rs->reason);
	return (true);
}

static void
policy_win_fini(struct policy_win *pw)
{
	wire_window_fini(&pw->w);
	free(pw->idx);
	pw->idx = NULL;
}

void
policy_windows_free(struct policy *p)
{
	for (size_t i = 0; i < p->nwin; i++)
		policy_win_fini(&p->win[i]);
	free(p->win);
	p->win = NULL;
	p->nwin = p->capwin = 0;
}

/* Drops windows that ended more than POLICY_REBLOCK_S ago. */
void
policy_windows_prune(struct policy *p, uint64_t now)
{
	size_t j = 0;

	for (size_t i = 0; i < p->nwin; i++) {
		if (p->win[i].w.end + POLICY_REBLOCK_S <= now) {
			policy_win_fini(&p->win[i]);
			continue;
		}
		p->win[j++] = p->win[i];
	}
	p->nwin = j;
}

/*
 * Copies w into a new policy_win with its relays resolved (by list, or
 * every relay of w->hosting).  Returns 0, or -1 with *errstr set.
 */
static int
policy_win_build(const struct policy *p, const struct wire_window *w,
    struct policy_win *pw, const char **errstr)
{
	size_t n = 0;

	memset(pw, 0, sizeof(*pw));
	pw->w = *w;
	pw->w.relays = NULL;
	pw->w.n_relays = 0;
	pw->idx = xcalloc(p->n + w->n_relays + 1, sizeof(*pw->idx));
	pw->w.relays = xcalloc(p->n + w->n_relays + 1, sizeof(*pw->w.relays));
	for (size_t i = 0; i < w->n_relays; i++) {
		size_t k = policy_relay_index(p, w->relays[i]);

		if (k == p->n) {
			*errstr = "unknown relay";
			goto fail;
		}
		pw->idx[n++] = k;
	}
	for (size_t k = 0; w->n_relays == 0 && k < p->n; k++)
		if (w->hosting[0] != '\0' &&
		    strcmp(p->relays[k].hosting, w->hosting) == 0)
			pw->idx[n++] = k;
	if (n == 0) {
		*errstr = w->n_relays == 0 ? "no relay has that hosting"
		                           : "no relays";
		goto fail;
	}
	pw->w.n_relays = n;
	for (size_t i = 0; i < n; i++)
		util_strlcpy(pw->w.relays[i], p->relays[pw->idx[i]].name,
		    sizeof(pw->w.relays[0]));
	pw->cancelled = strcmp(w->state, "cancelled") == 0;
	util_strlcpy(
	    pw->w.state, pw->cancelled ? "cancelled" : "", sizeof(pw->w.state));
	return (0);
fail:
	policy_win_fini(pw);
	return (-1);
}

/* Inserts pw (taken over) keeping the windows sorted by start. */
static void
policy_win_insert(struct policy *p, struct policy_win *pw)
{
	size_t at = p->nwin;

	if (p->nwin == p->capwin) {
		p->capwin = p->capwin == 0 ? 8 : p->capwin * 2;
		p->win = xreallocarray(p->win, p->capwin, sizeof(*p->win));
	}
	while (at > 0 && p->win[at - 1].w.start > pw->w.start)
		at--;
	memmove(&p->win[at + 1], &p->win[at], (p->nwin - at) * sizeof(*p->win));
	p->win[at] = *pw;
	p->nwin++;
}

int
policy_window_load(
    struct policy *p, const struct wire_window *w, const char **errstr)
{
	struct policy_win pw;

	if (w->end <= w->start) {
		*errstr = "window ends before it starts";
		return (-1);
	}
	if (policy_win_build(p, w, &pw, errstr) == -1)
		return (-1);
	policy_win_insert(p, &pw);
	return (0);
}

/* Any window named name, ended or not; or NULL. */
static struct policy_win *
policy_win_named(struct policy *p, const char *name)
{
	for (size_t i = 0; i < p->nwin; i++)
		if (strcmp(p->win[i].w.name, name) == 0)
			return (&p->win[i]);
	return (NULL);
}

/* A window named name that has not ended nor been cancelled; or NULL. */
static struct policy_win *
policy_win_live(struct policy *p, const char *name, uint64_t now)
{
	for (size_t i = 0; i < p->nwin; i++)
		if (!p->win[i].cancelled && p->win[i].w.end > now &&
		    strcmp(p->win[i].w.name, name) == 0)
			return (&p->win[i]);
	return (NULL);
}

/*
 * max_maintenance and min_active for a new window pw: the relays of pw
 * and of every live window overlapping it count as out together.
 */
static int
policy_win_limits(const struct policy *p, const struct policy_win *pw,
    char *err, size_t errlen)
{
	bool *out = xcalloc(p->n + 1, sizeof(*out));
	size_t nout = 0, lost = 0, left;
	int rv = -1;

	for (size_t i = 0; i < pw->w.n_relays; i++)
		out[pw->idx[i]] = true;
	for (size_t i = 0; i < p->nwin; i++) {
		const struct policy_win *o = &p->win[i];

		if (o->cancelled || o->w.end <= pw->w.start ||
		    o->w.start >= pw->w.end)
			continue;
		for (size_t j = 0; j < o->w.n_relays; j++)
			out[o->idx[j]] = true;
	}
	for (size_t k = 0; k < p->n; k++) {
		nout += out[k];
		lost += out[k] && policy_state_in_service(p->st[k].state);
	}
	left = policy_in_service(p) - lost;
	if (nout > p->pc->max_maintenance)
		snprintf(err, errlen,
		    "refused: %zu relays would be in maintenance at once, "
		    "max_maintenance is %u; --force to schedule anyway",
		    nout, p->pc->max_maintenance);
	else if (left < policy_min_active(p))
		snprintf(err, errlen,
		    "refused: %zu relays would stay in service, min_active "
		    "is %zu; --force to schedule anyway",
		    left, policy_min_active(p));
	else
		rv = 0;
	free(out);
	return (rv);
}

static void
policy_win_announce(struct policy *p, const struct policy_win *pw,
    const char *verb, const char *op, uint64_t now, struct policy_out *out)
{
	char start[32], end[32];

	policy_format_time(start, sizeof(start), pw->w.start);
	policy_format_time(end, sizeof(end), pw->w.end);
	for (size_t i = 0; i < pw->w.n_relays; i++) {
		size_t k = pw->idx[i];
		struct policy_event *e =
		    policy_emit(p, out, k, POLICY_EV_OPERATOR, p->st[k].state,
		        "window", "", "window %s %s (%s .. %s): %s", pw->w.name,
		        verb, start, end, pw->w.reason);

		util_strlcpy(e->operator, op, sizeof(e->operator));
	}
	for (size_t i = 0; i < pw->w.n_relays; i++)
		policy_tick_windows(p, pw->idx[i], now, out);
}

int
policy_window_add(struct policy *p, const struct wire_window *w, bool force,
    uint64_t now, struct policy_out *out, char *err, size_t errlen)
{
	struct policy_win pw;
	const char *errstr;

	if (!cfg_name_ok(w->name))
		return (policy_refuse(err, errlen, "refused: bad window name"));
	if (w->end <= w->start || w->end <= now)
		return (policy_refuse(err, errlen,
		    "refused: a window must end after it starts and after "
		    "now"));
	if (w->end - w->start > POLICY_WINDOW_MAX_S ||
	    w->end > now + POLICY_WINDOW_AHEAD_S)
		return (policy_refuse(err, errlen,
		    "refused: a window lasts at most 30 days and ends within "
		    "a year"));
	policy_windows_prune(p, now);
	if (policy_win_named(p, w->name) != NULL)
		return (policy_refuse(err, errlen,
		    "refused: window %s exists (an ended or cancelled window "
		    "keeps its name for a day); choose another name",
		    w->name));
	if (policy_win_build(p, w, &pw, &errstr) == -1)
		return (policy_refuse(err, errlen, "refused: %s", errstr));
	if (!force && policy_win_limits(p, &pw, err, errlen) == -1) {
		policy_win_fini(&pw);
		return (-1);
	}
	policy_win_insert(p, &pw);
	pw = *policy_win_named(p, w->name);
	policy_win_announce(p, &pw, force ? "scheduled (forced)" : "scheduled",
	    w->created_by, now, out);
	return (0);
}

int
policy_window_cancel(struct policy *p, const char *name, const char *op,
    uint64_t now, struct policy_out *out, char *err, size_t errlen)
{
	struct policy_win *pw = policy_win_live(p, name, now);

	if (pw == NULL)
		return (policy_refuse(err, errlen,
		    "refused: no scheduled or running window %s", name));
	pw->cancelled = true;
	util_strlcpy(pw->w.state, "cancelled", sizeof(pw->w.state));
	if (pw->w.start <= now)
		pw->w.end = now > pw->w.start ? now : pw->w.start + 1;
	policy_win_announce(p, pw, "cancelled", op, now, out);
	return (0);
}

size_t
policy_nwindows(const struct policy *p)
{
	return (p->nwin);
}

const struct wire_window *
policy_window(struct policy *p, size_t i, uint64_t now)
{
	struct policy_win *pw = &p->win[i];
	const char *state = "scheduled";

	if (pw->cancelled)
		state = "cancelled";
	else if (now >= pw->w.end)
		state = "ended";
	else if (now >= pw->w.start)
		state = "running";
	util_strlcpy(pw->w.state, state, sizeof(pw->w.state));
	return (&pw->w);
}
