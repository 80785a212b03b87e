/* SPDX-License-Identifier: ISC */
/*
 * fleetctl's output: times and ages, the cleaning of every text that
 * reaches a terminal, aligned tables, what the load balancers have for a
 * relay, and the JSON builders the commands share.  Texts from fleetd were
 * validated by wire.c, but a fleetd of another version may apply other
 * rules: cli_clean() replaces, with the same rules (wire_check.h), every
 * byte that is not UTF-8 and every hidden code point again, for the tables
 * and for JSON (RFC 8259: UTF-8, and cJSON escapes '"' and '\\').
 * Allocation failures are fatal (xmalloc).
 */
#include "cli.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "wire_check.h"

/* ---- times -------------------------------------------------------------- */

void
cli_format_age(char *buf, size_t len, uint64_t secs)
{
	if (secs < 120)
		snprintf(buf, len, "%" PRIu64 "s", secs);
	else if (secs < 7200)
		snprintf(buf, len, "%" PRIu64 "m", secs / 60);
	else if (secs < 172800)
		snprintf(buf, len, "%" PRIu64 "h", secs / 3600);
	else
		snprintf(buf, len, "%" PRIu64 "d", secs / 86400);
}

void
cli_format_time(char *buf, size_t len, uint64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || t > CLI_TIME_MAX || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		util_strlcpy(buf, "-", len);
}

void
cli_format_span(char *buf, size_t len, uint64_t secs)
{
	if (secs != 0 && secs % 3600 == 0)
		snprintf(buf, len, "%" PRIu64 "h", secs / 3600);
	else if (secs != 0 && secs % 60 == 0)
		snprintf(buf, len, "%" PRIu64 "m", secs / 60);
	else
		snprintf(buf, len, "%" PRIu64 "s", secs);
}

/* ---- cleaning ----------------------------------------------------------- */

size_t
cli_clean(char *dst, size_t len, const char *src)
{
	size_t i = 0, o = 0, chars = 0, n, srclen = strlen(src);
	uint32_t cp;

	assert(len >= 1);
	while (i < srclen) {
		n = wire_utf8_next(src + i, srclen - i, &cp);
		if (n == 0 || wire_cp_hidden(cp)) {
			if (o + 1 >= len)
				break;
			dst[o++] = '?';
			i += n == 0 ? 1 : n;
		} else {
			if (o + n >= len)
				break;
			memcpy(dst + o, src + i, n);
			o += n;
			i += n;
		}
		chars++;
	}
	dst[o] = '\0';
	return (chars);
}

/* vsnprintf() into a new string (caller frees). */
static char *
cli_vformat(const char *fmt, va_list ap)
{
	va_list aq;
	char *s;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return (xstrdup("?"));
	s = xmalloc((size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return (s);
}

void
cli_line(FILE *fp, const char *fmt, ...)
{
	va_list ap;
	char *raw, *out;
	size_t n;

	va_start(ap, fmt);
	raw = cli_vformat(fmt, ap);
	va_end(ap);
	n = strlen(raw) + 1;
	out = xmalloc(n);
	cli_clean(out, n, raw);
	for (n = strlen(out); n > 0 && out[n - 1] == ' '; n--)
		out[n - 1] = '\0';
	fprintf(fp, "%s\n", out);
	free(out);
	free(raw);
}

/* ---- tables ------------------------------------------------------------- */

void
cli_table_init(struct cli_table *t, const char *const *heads, size_t ncols)
{
	assert(ncols > 0);
	memset(t, 0, sizeof(*t));
	t->heads = heads;
	t->ncols = ncols;
}

void
cli_table_add(struct cli_table *t, const char *fmt, ...)
{
	va_list ap;
	char *raw;
	size_t n;

	va_start(ap, fmt);
	raw = cli_vformat(fmt, ap);
	va_end(ap);
	if (t->ncells == t->cap) {
		t->cap = t->cap == 0 ? 64 : t->cap * 2;
		t->cells = xreallocarray(t->cells, t->cap, sizeof(*t->cells));
		t->widths =
		    xreallocarray(t->widths, t->cap, sizeof(*t->widths));
	}
	for (n = strlen(raw); n > 0 && raw[n - 1] == ' '; n--)
		raw[n - 1] = '\0';
	n += 2; /* room for "-" */
	t->cells[t->ncells] = xmalloc(n);
	t->widths[t->ncells] =
	    cli_clean(t->cells[t->ncells], n, raw[0] != '\0' ? raw : "-");
	t->ncells++;
	free(raw);
}

static void
cli_table_row(FILE *fp, const char *indent, const struct cli_table *t,
    const char *const *cells, const size_t *cw, const size_t *w)
{
	fputs(indent, fp);
	for (size_t c = 0; c < t->ncols; c++) {
		fputs(cells[c], fp);
		if (c + 1 == t->ncols)
			break;
		for (size_t k = cw[c]; k < w[c] + 2; k++)
			putc(' ', fp);
	}
	putc('\n', fp);
}

void
cli_table_print(const struct cli_table *t, FILE *fp, const char *indent)
{
	size_t *w = xcalloc(t->ncols, sizeof(*w));
	size_t *hw = xcalloc(t->ncols, sizeof(*hw));

	assert(t->ncells % t->ncols == 0);
	for (size_t c = 0; c < t->ncols; c++)
		w[c] = hw[c] = strlen(t->heads[c]);
	for (size_t i = 0; i < t->ncells; i++)
		if (t->widths[i] > w[i % t->ncols])
			w[i % t->ncols] = t->widths[i];
	cli_table_row(fp, indent, t, t->heads, hw, w);
	for (size_t i = 0; i < t->ncells; i += t->ncols)
		cli_table_row(fp, indent, t, (const char *const *)&t->cells[i],
		    &t->widths[i], w);
	free(hw);
	free(w);
}

void
cli_table_fini(struct cli_table *t)
{
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->widths);
	memset(t, 0, sizeof(*t));
}

/* ---- events and samples ------------------------------------------------- */

static const char *const cli_event_heads[] = {"TIME", "RELAY", "KIND", "CHANGE",
    "RULE", "PROVIDER", "INTENT", "UNTIL", "COUNTS", "REASON"};
#define CLI_EVENT_NCOLS (sizeof(cli_event_heads) / sizeof(cli_event_heads[0]))

static void
cli_event_row(struct cli_table *t, const struct wire_event *e)
{
	char at[32], until[32];

	cli_format_time(at, sizeof(at), e->at);
	cli_format_time(until, sizeof(until), e->until);
	cli_table_add(t, "%s", at);
	cli_table_add(t, "%s", e->relay);
	cli_table_add(t, "%s", e->kind);
	if (e->from_state[0] != '\0' || e->to_state[0] != '\0')
		cli_table_add(t, "%s->%s", e->from_state, e->to_state);
	else
		cli_table_add(t, "-");
	/* an operator's action: the rule says "operator", this says who */
	if (e->operator[0] !=
	    '\0' &&(e->rule[0] == '\0' || strcmp(e->rule, "operator") == 0))
		cli_table_add(t, "operator:%s", e->operator);
	else
		cli_table_add(t, "%s", e->rule);
	cli_table_add(t, "%s", e->provider);
	if (e->intent[0] != '\0')
		cli_table_add(t, "%s/%u%%", e->intent, e->weight);
	else
		cli_table_add(t, "-");
	cli_table_add(t, "%s", until);
	cli_table_add(t, "%s", e->counts);
	cli_table_add(t, "%s", e->reason);
}

void
cli_print_events(
    FILE *fp, const char *indent, const struct wire_event *events, size_t n)
{
	struct cli_table t;

	cli_table_init(&t, cli_event_heads, CLI_EVENT_NCOLS);
	for (size_t i = 0; i < n; i++)
		cli_event_row(&t, &events[i]);
	cli_table_print(&t, fp, indent);
	cli_table_fini(&t);
}

void
cli_print_sample(FILE *fp, const char *indent, const struct wire_sample *s)
{
	char first[32], last[32];

	cli_format_time(first, sizeof(first), s->first_seen);
	cli_format_time(last, sizeof(last), s->last_seen);
	cli_line(fp, "%s%s %s %s %s%s%s, first %s, last %s", indent,
	    s->provider, reason_status_name(s->status),
	    s->dsn[0] != '\0' ? s->dsn : "-", reason_class_name(s->cls),
	    s->mx_host[0] != '\0' ? " via " : "", s->mx_host, first, last);
	cli_line(fp, "%s  %s", indent, s->text != NULL ? s->text : "");
}

/* ---- load balancers ----------------------------------------------------- */

void
cli_format_lb_state(char *buf, size_t len, const struct wire_lb_applied *l)
{
	if (l->known)
		snprintf(buf, len, "%s %u%%", l->intent, l->weight);
	else
		snprintf(buf, len, "unknown");
}

void
cli_format_applied(char *buf, size_t len, const struct wire_relay_status *r)
{
	char state[WIRE_STATE_MAX + 16];
	const struct wire_lb_applied *l;

	if (r->n_lb == 0) {
		snprintf(buf, len, "-");
		return;
	}
	l = &r->lb[0];
	/* held says why the lb is not as wanted: the floor kept it in */
	if (l->held)
		snprintf(state, sizeof(state), "held");
	else
		cli_format_lb_state(state, sizeof(state), l);
	if (r->n_lb > 1)
		snprintf(buf, len, "%s: %s +%zu", l->lb, state, r->n_lb - 1);
	else
		snprintf(buf, len, "%s: %s", l->lb, state);
}

static const char *const cli_lb_heads[] = {"LB", "TARGET", "APPLIED", "ERROR"};
#define CLI_LB_NCOLS (sizeof(cli_lb_heads) / sizeof(cli_lb_heads[0]))

void
cli_print_lb_applied(
    FILE *fp, const char *indent, const struct wire_relay_status *r)
{
	char state[WIRE_STATE_MAX + 16];
	struct cli_table t;

	cli_table_init(&t, cli_lb_heads, CLI_LB_NCOLS);
	for (size_t i = 0; i < r->n_lb; i++) {
		const struct wire_lb_applied *l = &r->lb[i];

		cli_format_lb_state(state, sizeof(state), l);
		cli_table_add(&t, "%s", l->lb);
		cli_table_add(&t, "%s", l->target);
		cli_table_add(&t, "%s%s", state, l->held ? ", held" : "");
		cli_table_add(&t, "%s", l->error);
	}
	cli_table_print(&t, fp, indent);
	cli_table_fini(&t);
}

/* ---- JSON --------------------------------------------------------------- */

void
cli_json_str(cJSON *o, const char *key, const char *s)
{
	size_t n = strlen(s) + 1;
	char *buf = xmalloc(n);

	cli_clean(buf, n, s);
	cJSON_AddStringToObject(o, key, buf);
	free(buf);
}

void
cli_json_opt(cJSON *o, const char *key, const char *s)
{
	if (s[0] == '\0')
		cJSON_AddNullToObject(o, key);
	else
		cli_json_str(o, key, s);
}

void
cli_json_time(cJSON *o, const char *key, uint64_t t)
{
	if (t == 0)
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddNumberToObject(o, key, (double)t);
}

/* A score 0..100, or null for -1 (no data). */
static void
cli_json_score(cJSON *o, const char *key, int32_t score)
{
	if (score < 0)
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddNumberToObject(o, key, score);
}

void
cli_json_print(cJSON *doc)
{
	char *text = cJSON_PrintUnformatted(doc);

	if (text != NULL)
		printf("%s\n", text);
	free(text);
	cJSON_Delete(doc);
}

static cJSON *
cli_json_queue(const struct wire_relay_status *r)
{
	const struct wire_queue *q = &r->queue;
	cJSON *o, *by;

	if (!r->has_queue)
		return (cJSON_CreateNull());
	o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "valid", q->valid);
	cJSON_AddNumberToObject(o, "incoming", q->incoming);
	cJSON_AddNumberToObject(o, "active", q->active);
	cJSON_AddNumberToObject(o, "deferred", q->deferred);
	cJSON_AddNumberToObject(o, "hold", q->hold);
	cJSON_AddNumberToObject(o, "maildrop", q->maildrop);
	cJSON_AddNumberToObject(
	    o, "oldest_deferred_age", q->oldest_deferred_age);
	cJSON_AddNumberToObject(o, "taken_at", (double)q->taken_at);
	if (!q->valid)
		cli_json_str(o, "error", q->error);
	by = cJSON_AddObjectToObject(o, "deferred_by");
	for (size_t i = 0; i < q->n_by; i++) {
		char key[WIRE_PROVIDER_MAX + 24];

		snprintf(key, sizeof(key), "%s/%s", q->by[i].provider,
		    reason_class_name(q->by[i].cls));
		cJSON_AddNumberToObject(by, key, q->by[i].count);
	}
	return (o);
}

static cJSON *
cli_json_worst(const struct wire_relay_status *r)
{
	cJSON *o;

	if (r->worst_provider[0] == '\0')
		return (cJSON_CreateNull());
	o = cJSON_CreateObject();
	cli_json_str(o, "provider", r->worst_provider);
	cJSON_AddStringToObject(o, "class", reason_class_name(r->worst_class));
	cJSON_AddNumberToObject(o, "count", (double)r->worst_count);
	return (o);
}

/* The decision of fleetd about r: null where it sent none. */
static void
cli_json_decision(cJSON *o, const struct wire_relay_status *r)
{
	cli_json_opt(o, "state", r->state);
	if (r->state[0] != '\0')
		cJSON_AddNumberToObject(o, "weight", r->weight);
	else
		cJSON_AddNullToObject(o, "weight");
	cli_json_time(o, "since", r->since);
	cli_json_time(o, "until", r->until);
	cli_json_opt(o, "rule", r->rule);
	cli_json_opt(o, "provider", r->provider);
	cli_json_opt(o, "reason", r->reason);
	cli_json_opt(o, "intent", r->intent);
	cli_json_score(o, "score", r->score);
	cli_json_opt(o, "agent_key", r->agent_key);
	cli_json_opt(o, "agent_version", r->agent_version);
	cli_json_opt(o, "hostname", r->hostname);
}

/* What an lb has for a relay: intent and weight null unless known. */
static cJSON *
cli_json_lb_applied(const struct wire_lb_applied *l)
{
	cJSON *o = cJSON_CreateObject();

	cli_json_str(o, "lb", l->lb);
	cJSON_AddBoolToObject(o, "known", l->known);
	if (l->known) {
		cli_json_str(o, "intent", l->intent);
		cJSON_AddNumberToObject(o, "weight", l->weight);
	} else {
		cJSON_AddNullToObject(o, "intent");
		cJSON_AddNullToObject(o, "weight");
	}
	cli_json_opt(o, "target", l->target);
	cli_json_opt(o, "error", l->error);
	cJSON_AddBoolToObject(o, "held", l->held);
	return (o);
}

cJSON *
cli_json_relay(const struct wire_relay_status *r, uint64_t now)
{
	cJSON *o = cJSON_CreateObject(), *arr;

	cli_json_str(o, "name", r->name);
	cli_json_str(o, "ip", r->ip);
	cli_json_str(o, "hosting", r->hosting);
	if (r->has_report)
		cJSON_AddNumberToObject(o, "last_report_age",
		    now > r->last_report_at ? (double)(now - r->last_report_at)
		                            : 0);
	else
		cJSON_AddNullToObject(o, "last_report_age");
	cJSON_AddNumberToObject(o, "last_seq", (double)r->last_seq);
	cJSON_AddNumberToObject(o, "reports", (double)r->reports);
	cJSON_AddItemToObject(o, "queue", cli_json_queue(r));
	cJSON_AddItemToObject(o, "worst", cli_json_worst(r));
	cli_json_decision(o, r);
	arr = cJSON_AddArrayToObject(o, "lb");
	for (size_t i = 0; i < r->n_lb; i++)
		cJSON_AddItemToArray(arr, cli_json_lb_applied(&r->lb[i]));
	return (o);
}

cJSON *
cli_json_sample(const struct wire_sample *s)
{
	cJSON *o = cJSON_CreateObject();

	cli_json_str(o, "provider", s->provider);
	cJSON_AddStringToObject(o, "class", reason_class_name(s->cls));
	cJSON_AddStringToObject(o, "status", reason_status_name(s->status));
	cli_json_str(o, "dsn", s->dsn);
	cli_json_str(o, "text", s->text != NULL ? s->text : "");
	cli_json_time(o, "first_seen", s->first_seen);
	cli_json_time(o, "last_seen", s->last_seen);
	cli_json_opt(o, "mx_host", s->mx_host);
	return (o);
}

cJSON *
cli_json_event(const struct wire_event *e)
{
	cJSON *o = cJSON_CreateObject(), *arr;

	cJSON_AddNumberToObject(o, "id", (double)e->id);
	cJSON_AddNumberToObject(o, "at", (double)e->at);
	cli_json_str(o, "relay", e->relay);
	cli_json_str(o, "kind", e->kind);
	cli_json_opt(o, "from", e->from_state);
	cli_json_opt(o, "to", e->to_state);
	cli_json_opt(o, "rule", e->rule);
	cli_json_opt(o, "provider", e->provider);
	cli_json_opt(o, "operator", e->operator);
	cli_json_opt(o, "counts", e->counts);
	cJSON_AddNumberToObject(o, "window_s", (double)e->window_s);
	cli_json_opt(o, "intent", e->intent);
	cJSON_AddNumberToObject(o, "weight", e->weight);
	cli_json_time(o, "until", e->until);
	cli_json_opt(o, "reason", e->reason);
	arr = cJSON_AddArrayToObject(o, "samples");
	for (size_t i = 0; i < e->n_samples; i++)
		cJSON_AddItemToArray(arr, cli_json_sample(&e->samples[i]));
	return (o);
}

cJSON *
cli_json_events(const struct wire_event *events, size_t n)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, cli_json_event(&events[i]));
	return (arr);
}

cJSON *
cli_json_window(const struct wire_window *w)
{
	cJSON *o = cJSON_CreateObject(), *arr;

	cli_json_str(o, "name", w->name);
	arr = cJSON_AddArrayToObject(o, "relays");
	for (size_t i = 0; i < w->n_relays; i++) {
		char buf[WIRE_NAME_MAX + 1];

		cli_clean(buf, sizeof(buf), w->relays[i]);
		cJSON_AddItemToArray(arr, cJSON_CreateString(buf));
	}
	cli_json_opt(o, "hosting", w->hosting);
	cJSON_AddNumberToObject(o, "start", (double)w->start);
	cJSON_AddNumberToObject(o, "end", (double)w->end);
	cli_json_str(o, "reason", w->reason);
	cli_json_opt(o, "created_by", w->created_by);
	cli_json_str(o, "state", w->state);
	return (o);
}

cJSON *
cli_json_check(const struct wire_check *c, uint64_t now)
{
	cJSON *o = cJSON_CreateObject();

	cli_json_str(o, "name", c->name);
	cJSON_AddStringToObject(o, "state", reason_check_name(c->state));
	cli_json_str(o, "detail", c->detail);
	cli_json_time(o, "checked_at", c->checked_at);
	if (c->checked_at == 0)
		cJSON_AddNullToObject(o, "age");
	else
		cJSON_AddNumberToObject(o, "age",
		    now > c->checked_at ? (double)(now - c->checked_at) : 0);
	return (o);
}

cJSON *
cli_json_health(const struct wire_provider_health *h)
{
	cJSON *o = cJSON_CreateObject(), *arr;

	cli_json_str(o, "provider", h->provider);
	cli_json_score(o, "score", h->score);
	arr = cJSON_AddArrayToObject(o, "windows");
	for (size_t i = 0; i < h->n_windows && i < WIRE_HEALTH_WINDOWS; i++) {
		const struct wire_health_window *w = &h->windows[i];
		cJSON *wo = cJSON_CreateObject();

		cJSON_AddNumberToObject(wo, "span_s", (double)w->span_s);
		cJSON_AddNumberToObject(wo, "attempts", (double)w->attempts);
		cJSON_AddNumberToObject(wo, "delivered", (double)w->delivered);
		cJSON_AddNumberToObject(wo, "deferred", (double)w->deferred);
		cJSON_AddNumberToObject(wo, "bounced", (double)w->bounced);
		if (w->worst_class == CLASS_UNSPEC)
			cJSON_AddNullToObject(wo, "worst_class");
		else
			cJSON_AddStringToObject(wo, "worst_class",
			    reason_class_name(w->worst_class));
		cJSON_AddNumberToObject(
		    wo, "worst_count", (double)w->worst_count);
		cJSON_AddItemToArray(arr, wo);
	}
	return (o);
}
