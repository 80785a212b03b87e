/* SPDX-License-Identifier: ISC */
/*
 * fleetctl agents: each relay's agent as fleetd knows it: its key (the
 * first CLI_KEY_SHORT characters; --json has all of it), its last report
 * (age and seq), the agent's version and the relay's hostname.
 */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char *const agents_heads[] = {
    "RELAY", "KEY", "LAST", "SEQ", "VERSION", "HOSTNAME"};
#define AGENTS_NCOLS (sizeof(agents_heads) / sizeof(agents_heads[0]))

int
cmd_agents_parse(
    int argc, char **argv, struct wire_ctl_request *req, const char **errstr)
{
	const char *pos[1];
	size_t npos;

	memset(req, 0, sizeof(*req));
	req->op = WIRE_CTL_AGENTS;
	return (cli_getopt(argc, argv, NULL, 0, pos, 0, &npos, errstr));
}

static void
agents_row(struct cli_table *t, const struct wire_relay_status *r, uint64_t now)
{
	char age[16];

	cli_table_add(t, "%s", r->name);
	cli_table_add(t, "%.*s", CLI_KEY_SHORT, r->agent_key);
	if (r->has_report) {
		cli_format_age(age, sizeof(age),
		    now > r->last_report_at ? now - r->last_report_at : 0);
		cli_table_add(t, "%s", age);
		cli_table_add(t, "%" PRIu64, r->last_seq);
	} else {
		cli_table_add(t, "-");
		cli_table_add(t, "-");
	}
	cli_table_add(t, "%s", r->agent_version);
	cli_table_add(t, "%s", r->hostname);
}

static cJSON *
agents_json_one(const struct wire_relay_status *r, uint64_t now)
{
	cJSON *o = cJSON_CreateObject();

	cli_json_str(o, "relay", r->name);
	cli_json_opt(o, "key", r->agent_key);
	if (r->has_report) {
		cJSON_AddNumberToObject(
		    o, "last_report_at", (double)r->last_report_at);
		cJSON_AddNumberToObject(o, "last_report_age",
		    now > r->last_report_at ? (double)(now - r->last_report_at)
		                            : 0);
	} else {
		cJSON_AddNullToObject(o, "last_report_at");
		cJSON_AddNullToObject(o, "last_report_age");
	}
	cJSON_AddNumberToObject(o, "last_seq", (double)r->last_seq);
	cJSON_AddNumberToObject(o, "reports", (double)r->reports);
	cli_json_opt(o, "agent_version", r->agent_version);
	cli_json_opt(o, "hostname", r->hostname);
	return (o);
}

static void
agents_print(const struct cli *cli, const struct wire_ctl_reply *rep)
{
	struct cli_table t;
	cJSON *top, *arr;

	if (cli->json) {
		top = cJSON_CreateObject();
		cJSON_AddNumberToObject(top, "now", (double)rep->now);
		arr = cJSON_AddArrayToObject(top, "agents");
		for (size_t i = 0; i < rep->n_relays; i++)
			cJSON_AddItemToArray(
			    arr, agents_json_one(&rep->relays[i], rep->now));
		cli_json_print(top);
		return;
	}
	cli_table_init(&t, agents_heads, AGENTS_NCOLS);
	for (size_t i = 0; i < rep->n_relays; i++)
		agents_row(&t, &rep->relays[i], rep->now);
	cli_table_print(&t, stdout, "");
	cli_table_fini(&t);
}

int
cmd_agents(struct cli *cli, int argc, char **argv)
{
	struct wire_ctl_request req;
	struct wire_ctl_reply rep;
	const char *errstr;

	if (cmd_agents_parse(argc, argv, &req, &errstr) == -1)
		return (cli_usage(cli, "agents", errstr));
	if (cli_call(cli, "agents", &req, &rep) != CLI_EXIT_OK)
		return (CLI_EXIT_FAIL);
	agents_print(cli, &rep);
	wire_ctl_reply_fini(&rep);
	return (CLI_EXIT_OK);
}
