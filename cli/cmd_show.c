/* SPDX-License-Identifier: ISC */
/*
 * fleetctl show RELAY: everything fleetd knows about one relay: its state
 * and why (rule, provider, reason, since, until, intent and weight), the
 * event that decided it with its counts, window and verbatim receiver
 * texts, what the load balancers have where it is not the intent,
 * per-provider health over 5 min / 1 h / 24 h, the agent's self
 * checks, the queue, recent texts, maintenance windows and recent events.
 * fleetd puts the deciding event first in reply.events when there is one
 * (cmd_show_has_decider()); the others follow, oldest first.
 */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char *const show_health_heads[] = {"PROVIDER", "SCORE", "WINDOW",
    "ATTEMPTS", "DELIVERED", "DEFERRED", "BOUNCED", "WORST"};
#define SHOW_HEALTH_NCOLS                                                      \
	(sizeof(show_health_heads) / sizeof(show_health_heads[0]))

static const char *const show_check_heads[] = {
    "CHECK", "STATE", "AGE", "DETAIL"};
static const char *const show_by_heads[] = {"DEFERRED_BY", "COUNT"};

int
cmd_show_parse(
    int argc, char **argv, struct wire_ctl_request *req, const char **errstr)
{
	const char *pos[1];
	size_t npos;

	memset(req, 0, sizeof(*req));
	req->op = WIRE_CTL_SHOW;
	if (cli_getopt(argc, argv, NULL, 0, pos, 1, &npos, errstr) == -1)
		return (-1);
	if (npos == 0) {
		*errstr = "RELAY missing";
		return (-1);
	}
	if (!cli_name_copy(req->relay, pos[0])) {
		*errstr = "RELAY is 1-63 characters of [A-Za-z0-9_.-]";
		return (-1);
	}
	return (0);
}

bool
cmd_show_has_decider(const struct wire_ctl_reply *rep)
{
	const struct wire_event *e;

	if (rep->n_relays == 0 || rep->n_events == 0 ||
	    rep->relays[0].state[0] == '\0')
		return (false);
	e = &rep->events[0];
	if (strcmp(e->to_state, rep->relays[0].state) != 0 ||
	    strcmp(e->kind, "alert") == 0)
		return (false);
	for (size_t i = 1; i < rep->n_events; i++) {
		const struct wire_event *o = &rep->events[i];

		if (o->id != e->id && o->at >= e->at &&
		    strcmp(o->to_state, e->to_state) == 0 &&
		    strcmp(o->kind, "alert") != 0)
			return (false);
	}
	return (true);
}

/* "T (48m ago)", or "-" */
static void
show_when(char *buf, size_t len, uint64_t t, uint64_t now)
{
	char at[32], age[16];

	if (t == 0) {
		snprintf(buf, len, "-");
		return;
	}
	cli_format_time(at, sizeof(at), t);
	if (t <= now) {
		cli_format_age(age, sizeof(age), now - t);
		snprintf(buf, len, "%s (%s ago)", at, age);
	} else {
		cli_format_age(age, sizeof(age), t - now);
		snprintf(buf, len, "%s (in %s)", at, age);
	}
}

static void
show_head(const struct wire_relay_status *r, uint64_t now)
{
	char since[64], until[64], score[16] = "no data";

	show_when(since, sizeof(since), r->since, now);
	show_when(until, sizeof(until), r->until, now);
	if (r->score >= 0)
		snprintf(score, sizeof(score), "%" PRId32, r->score);
	cli_line(stdout, "relay     %s  %s  hosting %s", r->name, r->ip,
	    r->hosting[0] != '\0' ? r->hosting : "-");
	cli_line(stdout, "agent     key %.*s, version %s, hostname %s",
	    CLI_KEY_SHORT, r->agent_key[0] != '\0' ? r->agent_key : "-",
	    r->agent_version[0] != '\0' ? r->agent_version : "-",
	    r->hostname[0] != '\0' ? r->hostname : "-");
	cli_line(stdout, "state     %s", r->state[0] != '\0' ? r->state : "-");
	cli_line(stdout, "since     %s", since);
	cli_line(stdout, "until     %s", r->until != 0 ? until : "-");
	cli_line(stdout, "rule      %s, provider %s",
	    r->rule[0] != '\0' ? r->rule : "-",
	    r->provider[0] != '\0' ? r->provider : "-");
	cli_line(
	    stdout, "reason    %s", r->reason[0] != '\0' ? r->reason : "-");
	cli_line(stdout, "intent    %s, weight %u%%",
	    r->intent[0] != '\0' ? r->intent : "-", r->weight);
	cli_line(stdout, "score     %s", score);
}

static void
show_decider(const struct wire_event *e, uint64_t now)
{
	char at[64], window[16], until[32];

	show_when(at, sizeof(at), e->at, now);
	cli_format_span(window, sizeof(window), e->window_s);
	cli_format_time(until, sizeof(until), e->until);
	putchar('\n');
	cli_line(stdout, "deciding event %s", at);
	cli_line(stdout, "  change    %s %s -> %s", e->kind,
	    e->from_state[0] != '\0' ? e->from_state : "-",
	    e->to_state[0] != '\0' ? e->to_state : "-");
	cli_line(stdout, "  rule      %s, provider %s%s%s",
	    e->rule[0] != '\0' ? e->rule : "-",
	    e->provider[0] != '\0' ? e->provider : "-",
	    e->operator[0] != '\0' ? ", operator " : "", e->operator);
	cli_line(stdout, "  counts    %s, window %s",
	    e->counts[0] != '\0' ? e->counts : "-",
	    e->window_s != 0 ? window : "-");
	cli_line(stdout, "  intent    %s, weight %u%%, until %s",
	    e->intent[0] != '\0' ? e->intent : "-", e->weight, until);
	cli_line(
	    stdout, "  reason    %s", e->reason[0] != '\0' ? e->reason : "-");
	for (size_t i = 0; i < e->n_samples; i++)
		cli_print_sample(stdout, "  ", &e->samples[i]);
}

/* fleetd sends lb entries only where an lb is not as the intent says. */
static void
show_lbs(const struct wire_relay_status *r)
{
	if (r->n_lb == 0)
		return;
	putchar('\n');
	cli_line(stdout, "load balancers");
	cli_print_lb_applied(stdout, "  ", r);
}

static void
show_health_row(struct cli_table *t, const struct wire_provider_health *h,
    const struct wire_health_window *w)
{
	char span[16];

	cli_table_add(t, "%s", h->provider);
	if (h->score >= 0)
		cli_table_add(t, "%" PRId32, h->score);
	else
		cli_table_add(t, "-");
	cli_format_span(span, sizeof(span), w->span_s);
	cli_table_add(t, "%s", span);
	cli_table_add(t, "%" PRIu64, w->attempts);
	cli_table_add(t, "%" PRIu64, w->delivered);
	cli_table_add(t, "%" PRIu64, w->deferred);
	cli_table_add(t, "%" PRIu64, w->bounced);
	if (w->worst_class != CLASS_UNSPEC)
		cli_table_add(t, "%s:%" PRIu64,
		    reason_class_name(w->worst_class), w->worst_count);
	else
		cli_table_add(t, "-");
}

static void
show_health(const struct wire_ctl_reply *rep)
{
	static const struct wire_health_window none;
	struct cli_table t;

	putchar('\n');
	cli_line(stdout, "health");
	if (rep->n_health == 0) {
		cli_line(stdout, "  no data");
		return;
	}
	cli_table_init(&t, show_health_heads, SHOW_HEALTH_NCOLS);
	for (size_t i = 0; i < rep->n_health; i++) {
		const struct wire_provider_health *h = &rep->health[i];

		for (size_t k = 0; k < h->n_windows && k < WIRE_HEALTH_WINDOWS;
		     k++)
			show_health_row(&t, h, &h->windows[k]);
		if (h->n_windows == 0)
			show_health_row(&t, h, &none);
	}
	cli_table_print(&t, stdout, "  ");
	cli_table_fini(&t);
}

static void
show_checks(const struct wire_ctl_reply *rep)
{
	struct cli_table t;
	char age[16];

	putchar('\n');
	cli_line(stdout, "checks");
	if (rep->n_checks == 0) {
		cli_line(stdout, "  none reported");
		return;
	}
	cli_table_init(&t, show_check_heads, 4);
	for (size_t i = 0; i < rep->n_checks; i++) {
		const struct wire_check *c = &rep->checks[i];

		if (c->checked_at != 0)
			cli_format_age(age, sizeof(age),
			    rep->now > c->checked_at ? rep->now - c->checked_at
			                             : 0);
		else
			snprintf(age, sizeof(age), "-");
		cli_table_add(&t, "%s", c->name);
		cli_table_add(&t, "%s", reason_check_name(c->state));
		cli_table_add(&t, "%s", age);
		cli_table_add(&t, "%s", c->detail);
	}
	cli_table_print(&t, stdout, "  ");
	cli_table_fini(&t);
}

static void
show_queue(const struct wire_relay_status *r, uint64_t now)
{
	const struct wire_queue *q = &r->queue;
	struct cli_table t;
	char age[16], oldest[16];

	putchar('\n');
	if (!r->has_queue) {
		cli_line(stdout, "queue     not scanned yet");
		return;
	}
	cli_format_age(
	    age, sizeof(age), now > q->taken_at ? now - q->taken_at : 0);
	if (!q->valid) {
		cli_line(
		    stdout, "queue     scan failed %s ago: %s", age, q->error);
		return;
	}
	cli_format_age(oldest, sizeof(oldest), q->oldest_deferred_age);
	cli_line(stdout, "queue     scanned %s ago", age);
	cli_line(stdout,
	    "  incoming %u, active %u, deferred %u, hold %u, maildrop %u, "
	    "oldest deferred %s",
	    q->incoming, q->active, q->deferred, q->hold, q->maildrop,
	    q->deferred != 0 ? oldest : "-");
	if (q->n_by == 0)
		return;
	cli_table_init(&t, show_by_heads, 2);
	for (size_t i = 0; i < q->n_by; i++) {
		cli_table_add(&t, "%s/%s", q->by[i].provider,
		    reason_class_name(q->by[i].cls));
		cli_table_add(&t, "%u", q->by[i].count);
	}
	cli_table_print(&t, stdout, "  ");
	cli_table_fini(&t);
}

static void
show_samples(const struct wire_ctl_reply *rep)
{
	putchar('\n');
	cli_line(stdout, "recent texts");
	if (rep->n_samples == 0)
		cli_line(stdout, "  none");
	for (size_t i = 0; i < rep->n_samples; i++)
		cli_print_sample(stdout, "  ", &rep->samples[i]);
}

static void
show_windows(const struct wire_ctl_reply *rep)
{
	char start[32], end[32];

	if (rep->n_windows == 0)
		return;
	putchar('\n');
	cli_line(stdout, "maintenance windows");
	for (size_t i = 0; i < rep->n_windows; i++) {
		const struct wire_window *w = &rep->windows[i];

		cli_format_time(start, sizeof(start), w->start);
		cli_format_time(end, sizeof(end), w->end);
		cli_line(stdout, "  %s  %s  %s .. %s  %s", w->name, w->state,
		    start, end, w->reason);
	}
}

static void
show_events(const struct wire_ctl_reply *rep, size_t first)
{
	putchar('\n');
	cli_line(stdout, "recent events");
	if (first >= rep->n_events)
		cli_line(stdout,
		    first > 0 ? "  none besides the deciding event" : "  none");
	else
		cli_print_events(
		    stdout, "  ", rep->events + first, rep->n_events - first);
}

static void
show_human(const struct wire_ctl_reply *rep, bool has_decider)
{
	const struct wire_relay_status *r = &rep->relays[0];

	show_head(r, rep->now);
	if (has_decider)
		show_decider(&rep->events[0], rep->now);
	show_lbs(r);
	show_health(rep);
	show_checks(rep);
	show_queue(r, rep->now);
	show_samples(rep);
	show_windows(rep);
	show_events(rep, has_decider ? 1 : 0);
}

static void
show_json(const struct wire_ctl_reply *rep, bool has_decider)
{
	cJSON *top = cJSON_CreateObject(), *arr;
	size_t first = has_decider ? 1 : 0;
	const struct wire_event *rest =
	    rep->n_events > first ? &rep->events[first] : NULL;

	cJSON_AddNumberToObject(top, "now", (double)rep->now);
	cJSON_AddItemToObject(
	    top, "relay", cli_json_relay(&rep->relays[0], rep->now));
	if (has_decider)
		cJSON_AddItemToObject(
		    top, "decided_by", cli_json_event(&rep->events[0]));
	else
		cJSON_AddNullToObject(top, "decided_by");
	arr = cJSON_AddArrayToObject(top, "health");
	for (size_t i = 0; i < rep->n_health; i++)
		cJSON_AddItemToArray(arr, cli_json_health(&rep->health[i]));
	arr = cJSON_AddArrayToObject(top, "checks");
	for (size_t i = 0; i < rep->n_checks; i++)
		cJSON_AddItemToArray(
		    arr, cli_json_check(&rep->checks[i], rep->now));
	arr = cJSON_AddArrayToObject(top, "samples");
	for (size_t i = 0; i < rep->n_samples; i++)
		cJSON_AddItemToArray(arr, cli_json_sample(&rep->samples[i]));
	arr = cJSON_AddArrayToObject(top, "windows");
	for (size_t i = 0; i < rep->n_windows; i++)
		cJSON_AddItemToArray(arr, cli_json_window(&rep->windows[i]));
	cJSON_AddItemToObject(
	    top, "events", cli_json_events(rest, rep->n_events - first));
	cli_json_print(top);
}

int
cmd_show(struct cli *cli, int argc, char **argv)
{
	struct wire_ctl_request req;
	struct wire_ctl_reply rep;
	const char *errstr;
	bool has_decider;

	if (cmd_show_parse(argc, argv, &req, &errstr) == -1)
		return (cli_usage(cli, "show", errstr));
	if (cli_call(cli, "show", &req, &rep) != CLI_EXIT_OK)
		return (CLI_EXIT_FAIL);
	if (rep.n_relays == 0) {
		wire_ctl_reply_fini(&rep);
		return (cli_fail(cli, "show", "fleetd sent no relay"));
	}
	has_decider = cmd_show_has_decider(&rep);
	if (cli->json)
		show_json(&rep, has_decider);
	else
		show_human(&rep, has_decider);
	wire_ctl_reply_fini(&rep);
	return (CLI_EXIT_OK);
}
