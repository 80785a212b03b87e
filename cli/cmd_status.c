/* SPDX-License-Identifier: ISC */
/*
 * fleetctl status [RELAY]: one row per relay: where it is (IP, hosting),
 * what fleetd decided (state, weight, since when, until when, the rule in
 * a word), what a load balancer has where that is not the decision
 * (APPLIED: fleetd sends lb entries only then) and its queue (deferred,
 * hold) with the worst failure of the last hour, as an aligned table that
 * fits 132 columns while APPLIED is "-", or (--json) one JSON object with
 * every field of every relay.
 */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const status_heads[] = {"RELAY", "IP", "HOSTING", "STATE",
    "WEIGHT", "APPLIED", "SINCE", "UNTIL", "REASON", "DEFERRED", "HOLD",
    "WORST_1H"};
#define STATUS_NCOLS (sizeof(status_heads) / sizeof(status_heads[0]))

static void
status_u32(struct cli_table *t, bool ok, uint32_t v)
{
	if (ok)
		cli_table_add(t, "%u", v);
	else
		cli_table_add(t, "-");
}

/* The state's columns: STATE WEIGHT APPLIED SINCE UNTIL REASON. */
static void
status_decision(
    struct cli_table *t, const struct wire_relay_status *r, uint64_t now)
{
	char since[16] = "-", until[16] = "-";
	char applied[WIRE_NAME_MAX + WIRE_STATE_MAX + 32];

	if (r->since != 0)
		cli_format_age(
		    since, sizeof(since), now > r->since ? now - r->since : 0);
	if (r->until != 0)
		cli_format_age(
		    until, sizeof(until), r->until > now ? r->until - now : 0);
	cli_table_add(t, "%s", r->state);
	if (r->state[0] != '\0')
		cli_table_add(t, "%u%%", r->weight);
	else
		cli_table_add(t, "-");
	cli_format_applied(applied, sizeof(applied), r);
	cli_table_add(t, "%s", applied);
	cli_table_add(t, "%s", since);
	cli_table_add(t, "%s", until);
	cli_table_add(t, "%s", r->rule);
}

static void
status_row(struct cli_table *t, const struct wire_relay_status *r, uint64_t now)
{
	bool qok = r->has_queue && r->queue.valid;

	cli_table_add(t, "%s", r->name);
	cli_table_add(t, "%s", r->ip);
	cli_table_add(t, "%s", r->hosting);
	status_decision(t, r, now);
	status_u32(t, qok, r->queue.deferred);
	status_u32(t, qok, r->queue.hold);
	if (r->worst_provider[0] != '\0')
		cli_table_add(t, "%s/%s:%" PRIu64, r->worst_provider,
		    reason_class_name(r->worst_class), r->worst_count);
	else
		cli_table_add(t, "-");
}

void
cmd_status_print(FILE *fp, const struct wire_ctl_reply *rep)
{
	struct cli_table t;

	cli_table_init(&t, status_heads, STATUS_NCOLS);
	for (size_t i = 0; i < rep->n_relays; i++)
		status_row(&t, &rep->relays[i], rep->now);
	cli_table_print(&t, fp, "");
	cli_table_fini(&t);
	for (size_t i = 0; i < rep->n_relays; i++) {
		const struct wire_relay_status *r = &rep->relays[i];

		if (r->has_queue && !r->queue.valid)
			cli_line(fp, "%s: queue scan failed: %s", r->name,
			    r->queue.error);
	}
}

static void
status_json(const struct wire_ctl_reply *rep)
{
	cJSON *top = cJSON_CreateObject(), *arr;

	cJSON_AddNumberToObject(top, "now", (double)rep->now);
	arr = cJSON_AddArrayToObject(top, "relays");
	for (size_t i = 0; i < rep->n_relays; i++)
		cJSON_AddItemToArray(
		    arr, cli_json_relay(&rep->relays[i], rep->now));
	cli_json_print(top);
}

int
cmd_status_parse(
    int argc, char **argv, struct wire_ctl_request *req, const char **errstr)
{
	const char *pos[1];
	size_t npos;

	memset(req, 0, sizeof(*req));
	req->op = WIRE_CTL_STATUS;
	if (cli_getopt(argc, argv, NULL, 0, pos, 1, &npos, errstr) == -1)
		return (-1);
	if (npos == 1 && !cli_name_copy(req->relay, pos[0])) {
		*errstr = "RELAY is 1-63 characters of [A-Za-z0-9_.-]";
		return (-1);
	}
	return (0);
}

int
cmd_status(struct cli *cli, int argc, char **argv)
{
	struct wire_ctl_request req;
	struct wire_ctl_reply rep;
	const char *errstr;

	if (cmd_status_parse(argc, argv, &req, &errstr) == -1)
		return (cli_usage(cli, "status", errstr));
	if (cli_call(cli, "status", &req, &rep) != CLI_EXIT_OK)
		return (CLI_EXIT_FAIL);
	if (cli->json)
		status_json(&rep);
	else
		cmd_status_print(stdout, &rep);
	wire_ctl_reply_fini(&rep);
	return (CLI_EXIT_OK);
}
