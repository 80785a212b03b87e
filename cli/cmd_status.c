/* SPDX-License-Identifier: ISC */
/*
 * fleetctl status [RELAY]: one row per relay with its last report and
 * queue counts, as an aligned table or (--json) one JSON object.
 */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "util.h"

#define STATUS_NCOLS 11

static const char *const status_heads[] = {"RELAY", "IP", "HOSTING", "LAST",
    "SEQ", "INCOMING", "ACTIVE", "DEFERRED", "HOLD", "MAILDROP", "WORST_1H"};
_Static_assert(sizeof(status_heads) / sizeof(status_heads[0]) == STATUS_NCOLS,
    "one heading per column");

struct status_row {
	char col[STATUS_NCOLS]
	        [WIRE_NAME_MAX + 1]; /* 64: enough for every column */
};

static void
status_u32(char *buf, size_t len, bool ok, uint32_t v)
{
	if (ok)
		snprintf(buf, len, "%u", v);
	else
		util_strlcpy(buf, "-", len);
}

static void
status_fill(
    struct status_row *row, const struct wire_relay_status *r, uint64_t now)
{
	const struct wire_queue *q = &r->queue;
	bool qok = r->has_queue && q->valid;
	size_t n = sizeof(row->col[0]);

	util_strlcpy(row->col[0], r->name, n);
	util_strlcpy(row->col[1], r->ip, n);
	util_strlcpy(row->col[2], r->hosting[0] ? r->hosting : "-", n);
	if (r->has_report) {
		cli_format_age(row->col[3], n,
		    now > r->last_report_at ? now - r->last_report_at : 0);
		snprintf(row->col[4], n, "%" PRIu64, r->last_seq);
	} else {
		util_strlcpy(row->col[3], "-", n);
		util_strlcpy(row->col[4], "-", n);
	}
	status_u32(row->col[5], n, qok, q->incoming);
	status_u32(row->col[6], n, qok, q->active);
	status_u32(row->col[7], n, qok, q->deferred);
	status_u32(row->col[8], n, qok, q->hold);
	status_u32(row->col[9], n, qok, q->maildrop);
	if (r->worst_provider[0] != '\0')
		snprintf(row->col[10], n, "%s/%s:%" PRIu64, r->worst_provider,
		    reason_class_name(r->worst_class), r->worst_count);
	else
		util_strlcpy(row->col[10], "-", n);
}

static void
status_table(const struct wire_ctl_reply *rep)
{
	struct status_row *rows = xcalloc(rep->n_relays, sizeof(*rows));
	size_t w[STATUS_NCOLS];

	for (int c = 0; c < STATUS_NCOLS; c++)
		w[c] = strlen(status_heads[c]);
	for (size_t i = 0; i < rep->n_relays; i++) {
		status_fill(&rows[i], &rep->relays[i], rep->now);
		for (int c = 0; c < STATUS_NCOLS; c++)
			if (strlen(rows[i].col[c]) > w[c])
				w[c] = strlen(rows[i].col[c]);
	}
	for (int c = 0; c < STATUS_NCOLS; c++)
		printf("%-*s%s", c + 1 < STATUS_NCOLS ? (int)w[c] : 0,
		    status_heads[c], c + 1 < STATUS_NCOLS ? "  " : "\n");
	for (size_t i = 0; i < rep->n_relays; i++)
		for (int c = 0; c < STATUS_NCOLS; c++)
			printf("%-*s%s", c + 1 < STATUS_NCOLS ? (int)w[c] : 0,
			    rows[i].col[c], c + 1 < STATUS_NCOLS ? "  " : "\n");
	for (size_t i = 0; i < rep->n_relays; i++) {
		const struct wire_relay_status *r = &rep->relays[i];

		if (r->has_queue && !r->queue.valid)
			printf("%s: queue scan failed: %s\n", r->name,
			    r->queue.error);
	}
	free(rows);
}

static cJSON *
status_json_queue(const struct wire_relay_status *r)
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
		cJSON_AddStringToObject(o, "error", q->error);
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
status_json_worst(const struct wire_relay_status *r)
{
	cJSON *o;

	if (r->worst_provider[0] == '\0')
		return (cJSON_CreateNull());
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "provider", r->worst_provider);
	cJSON_AddStringToObject(o, "class", reason_class_name(r->worst_class));
	cJSON_AddNumberToObject(o, "count", (double)r->worst_count);
	return (o);
}

static void
status_json(const struct wire_ctl_reply *rep)
{
	cJSON *top = cJSON_CreateObject(), *arr = cJSON_CreateArray();
	char *text;

	cJSON_AddNumberToObject(top, "now", (double)rep->now);
	for (size_t i = 0; i < rep->n_relays; i++) {
		const struct wire_relay_status *r = &rep->relays[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", r->name);
		cJSON_AddStringToObject(o, "ip", r->ip);
		cJSON_AddStringToObject(o, "hosting", r->hosting);
		if (r->has_report)
			cJSON_AddNumberToObject(o, "last_report_age",
			    rep->now > r->last_report_at
			        ? (double)(rep->now - r->last_report_at)
			        : 0);
		else
			cJSON_AddNullToObject(o, "last_report_age");
		cJSON_AddNumberToObject(o, "last_seq", (double)r->last_seq);
		cJSON_AddNumberToObject(o, "reports", (double)r->reports);
		cJSON_AddItemToObject(o, "queue", status_json_queue(r));
		cJSON_AddItemToObject(o, "worst", status_json_worst(r));
		cJSON_AddItemToArray(arr, o);
	}
	cJSON_AddItemToObject(top, "relays", arr);
	if ((text = cJSON_PrintUnformatted(top)) != NULL)
		printf("%s\n", text);
	free(text);
	cJSON_Delete(top);
}

int
cmd_status(struct cli *cli, int argc, char **argv)
{
	struct wire_ctl_request req = {.op = WIRE_CTL_STATUS};
	struct wire_ctl_reply rep;
	char err[512];

	if (argc > 2) {
		fprintf(stderr, "usage: fleetctl status [RELAY]\n");
		return (CLI_EXIT_USAGE);
	}
	if (argc == 2)
		util_strlcpy(req.relay, argv[1], sizeof(req.relay));
	if (cli_ctl_call(cli, &req, &rep, err, sizeof(err)) == -1) {
		fprintf(stderr, "fleetctl: status: %s\n", err);
		return (CLI_EXIT_FAIL);
	}
	if (!rep.ok) {
		fprintf(stderr, "fleetctl: status: %s\n", rep.error);
		wire_ctl_reply_fini(&rep);
		return (CLI_EXIT_FAIL);
	}
	if (cli->json)
		status_json(&rep);
	else
		status_table(&rep);
	wire_ctl_reply_fini(&rep);
	return (CLI_EXIT_OK);
}
