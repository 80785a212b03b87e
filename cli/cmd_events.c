/* SPDX-License-Identifier: ISC */
/*
 * fleetctl events [--relay R] [--since DUR] [--limit N]: fleetd's
 * decisions (transitions, alerts, refusals by the capacity floor,
 * operators' actions) with their reasons, newest last.  --since counts
 * back from the local clock; without --limit fleetd sends its default
 * number of the newest events.  The verbatim samples of each event are
 * in --json only (`show` prints those of the deciding event).
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int
cmd_events_parse(int argc, char **argv, uint64_t now,
    struct wire_ctl_request *req, const char **errstr)
{
	struct cli_opt opts[] = {
	    {.name = "--relay", .has_arg = true},
	    {.name = "--since", .has_arg = true},
	    {.name = "--limit", .has_arg = true},
	};
	const char *pos[1];
	size_t npos;
	uint64_t v;

	memset(req, 0, sizeof(*req));
	req->op = WIRE_CTL_EVENTS;
	if (cli_getopt(argc, argv, opts, 3, pos, 0, &npos, errstr) == -1)
		return (-1);
	if (opts[0].is_set && !cli_name_copy(req->relay, opts[0].val)) {
		*errstr = "--relay is 1-63 characters of [A-Za-z0-9_.-]";
		return (-1);
	}
	if (opts[1].is_set) {
		if (util_parse_duration(
		        opts[1].val, 0, UINT64_MAX, &v, errstr) == -1) {
			*errstr = "--since takes a duration (90s, 30m, 4h, 2d)";
			return (-1);
		}
		v /= 1000;
		req->since = now > v ? now - v : 0;
	}
	if (opts[2].is_set) {
		if (util_parse_uint(
		        opts[2].val, 1, WIRE_EVENTS_MAX, &v, errstr) == -1) {
			*errstr = "--limit is a number from 1 to 1000";
			return (-1);
		}
		req->limit = (uint32_t)v;
	}
	return (0);
}

/* Oldest first: by time, then by id (ids grow with every event). */
static int
events_cmp(const void *a, const void *b)
{
	const struct wire_event *x = a, *y = b;

	if (x->at != y->at)
		return (x->at < y->at ? -1 : 1);
	if (x->id != y->id)
		return (x->id < y->id ? -1 : 1);
	return (0);
}

int
cmd_events(struct cli *cli, int argc, char **argv)
{
	struct wire_ctl_request req;
	struct wire_ctl_reply rep;
	const char *errstr;
	cJSON *top;

	if (cmd_events_parse(argc, argv, util_wall_s(), &req, &errstr) == -1)
		return (cli_usage(cli, "events", errstr));
	if (cli_call(cli, "events", &req, &rep) != CLI_EXIT_OK)
		return (CLI_EXIT_FAIL);
	if (rep.n_events > 1)
		qsort(rep.events, rep.n_events, sizeof(rep.events[0]),
		    events_cmp);
	if (cli->json) {
		top = cJSON_CreateObject();
		cJSON_AddNumberToObject(top, "now", (double)rep.now);
		cJSON_AddItemToObject(
		    top, "events", cli_json_events(rep.events, rep.n_events));
		cli_json_print(top);
	} else if (rep.n_events == 0)
		cli_line(stdout, "no events");
	else
		cli_print_events(stdout, "", rep.events, rep.n_events);
	wire_ctl_reply_fini(&rep);
	return (CLI_EXIT_OK);
}
