/* SPDX-License-Identifier: ISC */
/*
 * fleetctl maint add NAME (--relays A,B | --hosting H) --start T --end T
 * --reason TEXT [--force]; maint list; maint cancel NAME.  A window takes
 * its relays out (intent maint) from start to end, then they go through
 * probation.  --hosting names a hosting provider (the relay key hosting
 * of fleetd's configuration); --provider, which everywhere else means a
 * receiving provider, is refused here so that nobody confuses the two.
 * T is RFC 3339, "now" or "+DUR" (cli_parse_time()).
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define MAINT_ERR_NAME "NAME is 1-63 characters of [A-Za-z0-9_.-]"

enum maint_opt {
	MAINT_RELAYS,
	MAINT_HOSTING,
	MAINT_START,
	MAINT_END,
	MAINT_REASON,
	MAINT_FORCE,
	MAINT_PROVIDER,
	MAINT_NOPTS
};

static const char *const maint_heads[] = {
    "NAME", "STATE", "START", "END", "HOSTING", "BY", "REASON", "RELAYS"};
#define MAINT_NCOLS (sizeof(maint_heads) / sizeof(maint_heads[0]))

/* Splits "A,B,C" into req->relays (names, no empty one, none twice). */
static int
maint_parse_relays(
    const char *list, struct wire_ctl_request *req, const char **errstr)
{
	char name[WIRE_NAME_MAX + 2];
	size_t n = 1, len;
	const char *p;

	for (p = list; *p != '\0'; p++)
		n += *p == ',';
	if (n > WIRE_RELAYS_MAX) {
		*errstr = "--relays: more than 4096 relays";
		return (-1);
	}
	req->relays = xcalloc(n, sizeof(*req->relays));
	for (p = list; req->n_relays < n; p += len + 1) {
		len = strcspn(p, ",");
		if (len == 0 || len > WIRE_NAME_MAX) {
			*errstr = len == 0
			              ? "--relays: an empty name"
			              : "--relays: a name is 1-63 characters "
			                "of [A-Za-z0-9_.-]";
			return (-1);
		}
		memcpy(name, p, len);
		name[len] = '\0';
		if (!cli_name_copy(req->relays[req->n_relays], name)) {
			*errstr = "--relays: a name is 1-63 characters of "
			          "[A-Za-z0-9_.-]";
			return (-1);
		}
		for (size_t i = 0; i < req->n_relays; i++)
			if (strcmp(req->relays[i], name) == 0) {
				*errstr = "--relays: a relay given twice";
				return (-1);
			}
		req->n_relays++;
	}
	return (0);
}

/* Exactly one of --relays and --hosting. */
static int
maint_parse_target(const struct cli_opt *opts, struct wire_ctl_request *req,
    const char **errstr)
{
	if (opts[MAINT_PROVIDER].is_set) {
		*errstr = "--provider is a receiving provider: --hosting names "
		          "the hosting provider";
		return (-1);
	}
	if (opts[MAINT_RELAYS].is_set == opts[MAINT_HOSTING].is_set) {
		*errstr = opts[MAINT_RELAYS].is_set
		              ? "--relays and --hosting: give one, not both"
		              : "--relays or --hosting is required";
		return (-1);
	}
	if (opts[MAINT_RELAYS].is_set)
		return (
		    maint_parse_relays(opts[MAINT_RELAYS].val, req, errstr));
	if (!cli_name_copy(req->hosting, opts[MAINT_HOSTING].val)) {
		*errstr = "--hosting is 1-63 characters of [A-Za-z0-9_.-]";
		return (-1);
	}
	return (0);
}

static int
maint_parse_times(const struct cli_opt *opts, uint64_t now,
    struct wire_ctl_request *req, const char **errstr)
{
	if (!opts[MAINT_START].is_set || !opts[MAINT_END].is_set) {
		*errstr = opts[MAINT_START].is_set ? "--end is required"
		                                   : "--start is required";
		return (-1);
	}
	if (cli_parse_time(opts[MAINT_START].val, now, &req->start, errstr) ==
	        -1 ||
	    cli_parse_time(opts[MAINT_END].val, now, &req->end, errstr) == -1)
		return (-1);
	if (req->end == 0)
		*errstr = "--end cannot be now";
	else if (req->start != 0 && req->end <= req->start)
		*errstr = "--end must be after --start";
	else if (req->end <= now)
		*errstr = "--end is in the past";
	else
		return (0);
	return (-1);
}

static int
maint_parse_add(int argc, char **argv, uint64_t now,
    struct wire_ctl_request *req, const char **errstr)
{
	struct cli_opt opts[MAINT_NOPTS] = {
	    [MAINT_RELAYS] = {.name = "--relays", .has_arg = true},
	    [MAINT_HOSTING] = {.name = "--hosting", .has_arg = true},
	    [MAINT_START] = {.name = "--start", .has_arg = true},
	    [MAINT_END] = {.name = "--end", .has_arg = true},
	    [MAINT_REASON] = {.name = "--reason", .has_arg = true},
	    [MAINT_FORCE] = {.name = "--force"},
	    [MAINT_PROVIDER] = {.name = "--provider", .has_arg = true},
	};
	const char *pos[1];
	size_t npos;

	req->op = WIRE_CTL_MAINT_ADD;
	if (cli_getopt(argc, argv, opts, MAINT_NOPTS, pos, 1, &npos, errstr) ==
	    -1)
		return (-1);
	if (npos == 0 || !cli_name_copy(req->name, pos[0])) {
		*errstr = npos == 0 ? "NAME missing" : MAINT_ERR_NAME;
		return (-1);
	}
	if (maint_parse_target(opts, req, errstr) == -1 ||
	    maint_parse_times(opts, now, req, errstr) == -1)
		return (-1);
	if (!opts[MAINT_REASON].is_set) {
		*errstr = "--reason is required";
		return (-1);
	}
	if (cli_reason_copy(req->reason, opts[MAINT_REASON].val, errstr) == -1)
		return (-1);
	req->force = opts[MAINT_FORCE].is_set;
	return (0);
}

static int
maint_parse_sub(int argc, char **argv, uint64_t now,
    struct wire_ctl_request *req, const char **errstr)
{
	const char *pos[1];
	size_t npos;

	if (strcmp(argv[0], "add") == 0)
		return (maint_parse_add(argc, argv, now, req, errstr));
	if (strcmp(argv[0], "list") == 0) {
		req->op = WIRE_CTL_MAINT_LIST;
		return (cli_getopt(argc, argv, NULL, 0, pos, 0, &npos, errstr));
	}
	if (strcmp(argv[0], "cancel") != 0) {
		*errstr = "unknown subcommand: add, list or cancel";
		return (-1);
	}
	req->op = WIRE_CTL_MAINT_CANCEL;
	if (cli_getopt(argc, argv, NULL, 0, pos, 1, &npos, errstr) == -1)
		return (-1);
	if (npos == 0 || !cli_name_copy(req->name, pos[0])) {
		*errstr = npos == 0 ? "NAME missing" : MAINT_ERR_NAME;
		return (-1);
	}
	return (0);
}

int
cmd_maint_parse(int argc, char **argv, uint64_t now,
    struct wire_ctl_request *req, const char **errstr)
{
	memset(req, 0, sizeof(*req));
	if (argc < 2) {
		*errstr = "add, list or cancel missing";
		return (-1);
	}
	if (maint_parse_sub(argc - 1, argv + 1, now, req, errstr) == -1) {
		wire_ctl_request_fini(req);
		return (-1);
	}
	return (0);
}

/* "A,B,C" of w's relays (caller frees). */
static char *
maint_join(const struct wire_window *w)
{
	size_t len = 1, off = 0, n;
	char *list;

	for (size_t i = 0; i < w->n_relays; i++)
		len += strnlen(w->relays[i], WIRE_NAME_MAX) + 1;
	list = xmalloc(len);
	list[0] = '\0';
	for (size_t i = 0; i < w->n_relays; i++) {
		n = strnlen(w->relays[i], WIRE_NAME_MAX);
		if (i > 0)
			list[off++] = ',';
		memcpy(list + off, w->relays[i], n);
		off += n;
		list[off] = '\0';
	}
	return (list);
}

static void
maint_row(struct cli_table *t, const struct wire_window *w)
{
	char start[32], end[32], *list = maint_join(w);

	cli_format_time(start, sizeof(start), w->start);
	cli_format_time(end, sizeof(end), w->end);
	cli_table_add(t, "%s", w->name);
	cli_table_add(t, "%s", w->state);
	cli_table_add(t, "%s", start);
	cli_table_add(t, "%s", end);
	cli_table_add(t, "%s", w->hosting);
	cli_table_add(t, "%s", w->created_by);
	cli_table_add(t, "%s", w->reason);
	cli_table_add(t, "%s", list);
	free(list);
}

static void
maint_json(const struct wire_ctl_request *req, const struct wire_ctl_reply *rep)
{
	cJSON *top = cJSON_CreateObject(), *arr;

	if (req->op != WIRE_CTL_MAINT_LIST)
		cJSON_AddBoolToObject(top, "ok", true);
	cJSON_AddNumberToObject(top, "now", (double)rep->now);
	arr = cJSON_AddArrayToObject(top, "windows");
	for (size_t i = 0; i < rep->n_windows; i++)
		cJSON_AddItemToArray(arr, cli_json_window(&rep->windows[i]));
	cJSON_AddItemToObject(
	    top, "events", cli_json_events(rep->events, rep->n_events));
	cli_json_print(top);
}

static void
maint_human(
    const struct wire_ctl_request *req, const struct wire_ctl_reply *rep)
{
	struct cli_table t;

	if (req->op == WIRE_CTL_MAINT_ADD)
		cli_line(stdout, "window %s added", req->name);
	else if (req->op == WIRE_CTL_MAINT_CANCEL)
		cli_line(stdout, "window %s cancelled", req->name);
	else if (rep->n_windows == 0)
		cli_line(stdout, "no maintenance windows");
	if (rep->n_windows > 0) {
		cli_table_init(&t, maint_heads, MAINT_NCOLS);
		for (size_t i = 0; i < rep->n_windows; i++)
			maint_row(&t, &rep->windows[i]);
		cli_table_print(&t, stdout, "");
		cli_table_fini(&t);
	}
	if (rep->n_events > 0)
		cli_print_events(stdout, "", rep->events, rep->n_events);
}

int
cmd_maint(struct cli *cli, int argc, char **argv)
{
	struct wire_ctl_request req;
	struct wire_ctl_reply rep;
	const char *errstr;
	int rv;

	if (cmd_maint_parse(argc, argv, util_wall_s(), &req, &errstr) == -1)
		return (cli_usage(cli, "maint", errstr));
	rv = cli_call(cli, "maint", &req, &rep);
	if (rv == CLI_EXIT_OK) {
		if (cli->json)
			maint_json(&req, &rep);
		else
			maint_human(&req, &rep);
		wire_ctl_reply_fini(&rep);
	}
	wire_ctl_request_fini(&req);
	return (rv);
}
