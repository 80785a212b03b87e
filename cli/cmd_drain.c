/* SPDX-License-Identifier: ISC */
/*
 * fleetctl drain RELAY --reason TEXT [--for DUR] [--force]: cordon a
 * relay by hand (fleetd refuses it, exit 1, when the capacity floor would
 * break, unless --force, which fleetd audits).  fleetctl enable RELAY
 * [--now]: end a cordon or a drain, through probation unless --now.
 * Both print the relay's new state and the events fleetd wrote.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

#define DRAIN_ERR_RELAY "RELAY is 1-63 characters of [A-Za-z0-9_.-]"

int
cmd_drain_parse(
    int argc, char **argv, struct wire_ctl_request *req, const char **errstr)
{
	struct cli_opt opts[] = {
	    {.name = "--reason", .has_arg = true},
	    {.name = "--for", .has_arg = true},
	    {.name = "--force"},
	};
	const char *pos[1];
	size_t npos;
	uint64_t ms;

	memset(req, 0, sizeof(*req));
	req->op = WIRE_CTL_DRAIN;
	if (cli_getopt(argc, argv, opts, 3, pos, 1, &npos, errstr) == -1)
		return (-1);
	if (npos == 0) {
		*errstr = "RELAY missing";
		return (-1);
	}
	if (!cli_name_copy(req->relay, pos[0])) {
		*errstr = DRAIN_ERR_RELAY;
		return (-1);
	}
	if (!opts[0].is_set) {
		*errstr = "--reason is required";
		return (-1);
	}
	if (cli_reason_copy(req->reason, opts[0].val, errstr) == -1)
		return (-1);
	if (opts[1].is_set) {
		if (util_parse_duration(opts[1].val, 1000,
		        CLI_DRAIN_MAX_S * 1000, &ms, errstr) == -1) {
			*errstr = "--for takes a duration from 1s to 366d "
			          "(90s, 30m, 4h, 2d)";
			return (-1);
		}
		req->duration_s = ms / 1000;
	}
	req->force = opts[2].is_set;
	return (0);
}

int
cmd_enable_parse(
    int argc, char **argv, struct wire_ctl_request *req, const char **errstr)
{
	struct cli_opt opts[] = {{.name = "--now"}};
	const char *pos[1];
	size_t npos;

	memset(req, 0, sizeof(*req));
	req->op = WIRE_CTL_ENABLE;
	if (cli_getopt(argc, argv, opts, 1, pos, 1, &npos, errstr) == -1)
		return (-1);
	if (npos == 0) {
		*errstr = "RELAY missing";
		return (-1);
	}
	if (!cli_name_copy(req->relay, pos[0])) {
		*errstr = DRAIN_ERR_RELAY;
		return (-1);
	}
	req->now = opts[0].is_set;
	return (0);
}

/* "relay3: cordoned, intent drain, weight 0%, until T (4h left)" */
static void
drain_relay_line(const struct wire_relay_status *r, uint64_t now)
{
	char at[32], left[16], until[64] = "", intent[48] = "";

	if (r->until != 0) {
		cli_format_time(at, sizeof(at), r->until);
		cli_format_age(
		    left, sizeof(left), r->until > now ? r->until - now : 0);
		snprintf(
		    until, sizeof(until), ", until %s (%s left)", at, left);
	}
	if (r->intent[0] != '\0')
		snprintf(intent, sizeof(intent), ", intent %s, weight %u%%",
		    r->intent, r->weight);
	cli_line(stdout, "%s: %s%s%s", r->name,
	    r->state[0] != '\0' ? r->state : "state unknown", intent, until);
}

/* What fleetd answered to a drain or an enable of relay. */
static void
drain_outcome(const struct cli *cli, const struct wire_ctl_request *req,
    const struct wire_ctl_reply *rep)
{
	cJSON *top;

	if (cli->json) {
		top = cJSON_CreateObject();
		cJSON_AddBoolToObject(top, "ok", true);
		cJSON_AddNumberToObject(top, "now", (double)rep->now);
		if (rep->n_relays > 0)
			cJSON_AddItemToObject(top, "relay",
			    cli_json_relay(&rep->relays[0], rep->now));
		else
			cJSON_AddNullToObject(top, "relay");
		cJSON_AddItemToObject(
		    top, "events", cli_json_events(rep->events, rep->n_events));
		cli_json_print(top);
		return;
	}
	if (rep->n_relays > 0)
		drain_relay_line(&rep->relays[0], rep->now);
	else
		cli_line(stdout, "%s: %s", req->relay,
		    req->op == WIRE_CTL_DRAIN ? "drain accepted"
		                              : "enable accepted");
	if (rep->n_events > 0)
		cli_print_events(stdout, "", rep->events, rep->n_events);
}

static int
drain_run(struct cli *cli, const char *cmd, const struct wire_ctl_request *req)
{
	struct wire_ctl_reply rep;

	if (cli_call(cli, cmd, req, &rep) != CLI_EXIT_OK)
		return (CLI_EXIT_FAIL);
	drain_outcome(cli, req, &rep);
	wire_ctl_reply_fini(&rep);
	return (CLI_EXIT_OK);
}

int
cmd_drain(struct cli *cli, int argc, char **argv)
{
	struct wire_ctl_request req;
	const char *errstr;

	if (cmd_drain_parse(argc, argv, &req, &errstr) == -1)
		return (cli_usage(cli, "drain", errstr));
	return (drain_run(cli, "drain", &req));
}

int
cmd_enable(struct cli *cli, int argc, char **argv)
{
	struct wire_ctl_request req;
	const char *errstr;

	if (cmd_enable_parse(argc, argv, &req, &errstr) == -1)
		return (cli_usage(cli, "enable", errstr));
	return (drain_run(cli, "enable", &req));
}
