/* SPDX-License-Identifier: ISC */
/*
 * fleetctl lb: each load balancer fleetd drives ([lb NAME] in fleetd.conf)
 * as fleetd last heard of it: driver and target (socket, path or
 * command), the age of the last round that succeeded, how many relays are
 * not (known to be) as wanted and how many of those the capacity floor
 * held back, the changes found made behind fleetd's back (drift), the
 * failed rounds, then each last error with its age.  --json has every
 * field of LbStatus.
 */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char *const lb_heads[] = {
    "NAME", "DRIVER", "TARGET", "LAST-OK", "SYNC", "DRIFT", "FAILURES"};
#define LB_NCOLS (sizeof(lb_heads) / sizeof(lb_heads[0]))

int
cmd_lb_parse(
    int argc, char **argv, struct wire_ctl_request *req, const char **errstr)
{
	const char *pos[1];
	size_t npos;

	memset(req, 0, sizeof(*req));
	req->op = WIRE_CTL_LB;
	return (cli_getopt(argc, argv, NULL, 0, pos, 0, &npos, errstr));
}

/* The age of t at now; a t ahead of now (clocks apart) is 0s old. */
static void
lb_age(char *buf, size_t len, uint64_t t, uint64_t now)
{
	cli_format_age(buf, len, now > t ? now - t : 0);
}

/* "in sync", "3 out of sync", each with ", 1 held" when some are held. */
static void
lb_sync(char *buf, size_t len, const struct wire_lb_status *l)
{
	char held[32] = "";

	if (l->held > 0)
		snprintf(held, sizeof(held), ", %" PRIu32 " held", l->held);
	if (l->out_of_sync == 0)
		snprintf(buf, len, "in sync%s", held);
	else
		snprintf(buf, len, "%" PRIu32 " out of sync%s", l->out_of_sync,
		    held);
}

static void
lb_row(struct cli_table *t, const struct wire_lb_status *l, uint64_t now)
{
	char age[16] = "never", sync[64];

	if (l->last_success_at != 0)
		lb_age(age, sizeof(age), l->last_success_at, now);
	lb_sync(sync, sizeof(sync), l);
	cli_table_add(t, "%s", l->name);
	cli_table_add(t, "%s", l->driver);
	cli_table_add(t, "%s", l->target);
	cli_table_add(t, "%s", age);
	cli_table_add(t, "%s", sync);
	cli_table_add(t, "%" PRIu64, l->drift);
	cli_table_add(t, "%" PRIu64, l->failures);
}

/*
 * The last errors follow the table, each under the name of its lb (the
 * table may hold several); "last error: ..." when fleetd sent no time.
 */
static void
lb_errors(FILE *fp, const struct wire_ctl_reply *rep)
{
	char age[16];

	for (size_t i = 0; i < rep->n_lbs; i++) {
		const struct wire_lb_status *l = &rep->lbs[i];

		if (l->last_error[0] == '\0')
			continue;
		if (l->last_error_at == 0) {
			cli_line(
			    fp, "  %s: last error: %s", l->name, l->last_error);
			continue;
		}
		lb_age(age, sizeof(age), l->last_error_at, rep->now);
		cli_line(fp, "  %s: last error (%s ago): %s", l->name, age,
		    l->last_error);
	}
}

void
cmd_lb_print(FILE *fp, const struct wire_ctl_reply *rep)
{
	struct cli_table t;

	if (rep->n_lbs == 0) {
		cli_line(fp, "no load balancer configured "
		             "([lb NAME] in fleetd.conf)");
		return;
	}
	cli_table_init(&t, lb_heads, LB_NCOLS);
	for (size_t i = 0; i < rep->n_lbs; i++)
		lb_row(&t, &rep->lbs[i], rep->now);
	cli_table_print(&t, fp, "");
	cli_table_fini(&t);
	lb_errors(fp, rep);
}

static cJSON *
lb_json_one(const struct wire_lb_status *l)
{
	cJSON *o = cJSON_CreateObject();

	cli_json_str(o, "name", l->name);
	cli_json_str(o, "driver", l->driver);
	cli_json_str(o, "target", l->target);
	cli_json_time(o, "last_attempt_at", l->last_attempt_at);
	cli_json_time(o, "last_success_at", l->last_success_at);
	cJSON_AddNumberToObject(o, "out_of_sync", l->out_of_sync);
	cJSON_AddNumberToObject(o, "held", l->held);
	cJSON_AddNumberToObject(o, "rounds", (double)l->rounds);
	cJSON_AddNumberToObject(o, "failures", (double)l->failures);
	cJSON_AddNumberToObject(o, "drift", (double)l->drift);
	cJSON_AddNumberToObject(o, "applied", (double)l->applied);
	cli_json_opt(o, "last_error", l->last_error);
	cli_json_time(o, "last_error_at", l->last_error_at);
	return (o);
}

cJSON *
cmd_lb_json(const struct wire_ctl_reply *rep)
{
	cJSON *top = cJSON_CreateObject(), *arr;

	cJSON_AddNumberToObject(top, "now", (double)rep->now);
	arr = cJSON_AddArrayToObject(top, "lbs");
	for (size_t i = 0; i < rep->n_lbs; i++)
		cJSON_AddItemToArray(arr, lb_json_one(&rep->lbs[i]));
	return (top);
}

int
cmd_lb(struct cli *cli, int argc, char **argv)
{
	struct wire_ctl_request req;
	struct wire_ctl_reply rep;
	const char *errstr;

	if (cmd_lb_parse(argc, argv, &req, &errstr) == -1)
		return (cli_usage(cli, "lb", errstr));
	if (cli_call(cli, "lb", &req, &rep) != CLI_EXIT_OK)
		return (CLI_EXIT_FAIL);
	if (cli->json)
		cli_json_print(cmd_lb_json(&rep));
	else
		cmd_lb_print(stdout, &rep);
	wire_ctl_reply_fini(&rep);
	return (CLI_EXIT_OK);
}
