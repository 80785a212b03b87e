/* SPDX-License-Identifier: ISC */
/*
 * fleet-agent summarize (see summarize.h).  Files are read in 128 KiB
 * chunks and split with memchr; a line longer than SUMMARIZE_LINE_MAX is
 * skipped and counted.  Memory stays flat whatever the file size: the
 * chunk buffer, the classifier's bounded cache and the tally.
 */
#include "summarize.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "classify.h"
#include "logline.h"
#include "queue.h"
#include "tally.h"
#include "util.h"
#include "wire.h"

#define SUMMARIZE_CHUNK    (128 * 1024) /* > SUMMARIZE_LINE_MAX */
#define SUMMARIZE_LINE_MAX (64 * 1024)

struct summarize {
	struct classify *rules;
	struct tally *tally;
	struct logline_ctx ctx;
	uint64_t lines, malformed, long_lines;
	uint64_t by_status[STATUS_LAST + 1];
};

static void
summarize_line(struct summarize *s, const char *line, size_t len)
{
	struct logline_result lr;
	const char *errstr;

	s->lines++;
	switch (logline_parse(line, len, &s->ctx, &lr, &errstr)) {
	case 1:
		tally_add_logline(s->tally, s->rules, &lr);
		s->by_status[lr.status]++;
		break;
	case -1:
		s->malformed++;
		break;
	default:
		break;
	}
}

/* Feeds buf[0..len) and returns how many bytes form complete lines. */
static size_t
summarize_chunk(struct summarize *s, const char *buf, size_t len, int *skip)
{
	size_t off = 0;
	const char *nl;

	while ((nl = memchr(buf + off, '\n', len - off)) != NULL) {
		size_t n = (size_t)(nl - (buf + off));

		if (*skip)
			*skip = 0; /* the end of an over-long line */
		else
			summarize_line(s, buf + off, n);
		off += n + 1;
	}
	return (off);
}

static int
summarize_file(struct summarize *s, const char *path, char *buf)
{
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY);
	size_t have = 0, used;
	int skip = 0;
	ssize_t n;

	if (fd == -1) {
		fprintf(stderr, "fleet-agent: summarize: %s: %s\n", path,
		    strerror(errno));
		return (-1);
	}
	while ((n = read(fd, buf + have, SUMMARIZE_CHUNK - have)) > 0) {
		have += (size_t)n;
		used = summarize_chunk(s, buf, have, &skip);
		memmove(buf, buf + used, have - used);
		have -= used;
		if (have >= SUMMARIZE_LINE_MAX) { /* no newline in sight */
			if (!skip) {
				s->long_lines++;
				s->lines++;
			}
			skip = 1;
			have = 0;
		}
	}
	if (n == 0 && have > 0 && !skip)
		summarize_line(s, buf, have); /* no final newline */
	if (fd != STDIN_FILENO)
		close(fd);
	if (n == -1) {
		fprintf(stderr, "fleet-agent: summarize: %s: %s\n", path,
		    strerror(errno));
		return (-1);
	}
	return (0);
}

struct summarize_row {
	char key[WIRE_PROVIDER_MAX + 48]; /* provider/class/status */
	const struct wire_counter *c;
	uint64_t count;
};

/* Attention first: IP classes, then other failures, then deliveries. */
static int
summarize_rank(const struct wire_counter *c)
{
	if (reason_class_is_ip(c->cls))
		return (0);
	return (c->status == STATUS_SENT ? 2 : 1);
}

static int
summarize_row_cmp(const void *a, const void *b)
{
	const struct summarize_row *x = a, *y = b;
	int rx = summarize_rank(x->c), ry = summarize_rank(y->c);

	if (rx != ry)
		return (rx - ry);
	if (x->count != y->count)
		return (x->count > y->count ? -1 : 1);
	return (strcmp(x->key, y->key));
}

/* The counters without dsn: one row per provider/class/status, sorted. */
static size_t
summarize_rows(const struct wire_report *r, struct summarize_row *rows)
{
	size_t n = 0, j;

	for (size_t i = 0; i < r->n_counters; i++) {
		const struct wire_counter *c = &r->counters[i];
		char key[sizeof(rows[0].key)];

		snprintf(key, sizeof(key), "%s/%s/%s", c->provider,
		    reason_class_name(c->cls), reason_status_name(c->status));
		for (j = 0; j < n && strcmp(rows[j].key, key) != 0; j++)
			;
		if (j == n) {
			memcpy(rows[n].key, key, sizeof(key));
			rows[n].c = c;
			rows[n++].count = 0;
		}
		rows[j].count += c->count;
	}
	qsort(rows, n, sizeof(*rows), summarize_row_cmp);
	return (n);
}

static cJSON *
summarize_json_samples(const struct wire_report *r)
{
	cJSON *o = cJSON_CreateObject(), *arr, *e;
	char key[WIRE_PROVIDER_MAX + 24];

	for (size_t i = 0; i < r->n_samples; i++) {
		const struct wire_sample *sm = &r->samples[i];

		snprintf(key, sizeof(key), "%s/%s", sm->provider,
		    reason_class_name(sm->cls));
		if ((arr = cJSON_GetObjectItemCaseSensitive(o, key)) == NULL)
			cJSON_AddItemToObject(
			    o, key, arr = cJSON_CreateArray());
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(
		    e, "status", reason_status_name(sm->status));
		cJSON_AddStringToObject(e, "dsn", sm->dsn);
		cJSON_AddStringToObject(e, "mx_host", sm->mx_host);
		cJSON_AddNumberToObject(e, "first", (double)sm->first_seen);
		cJSON_AddNumberToObject(e, "last", (double)sm->last_seen);
		cJSON_AddStringToObject(e, "text", sm->text);
		cJSON_AddItemToArray(arr, e);
	}
	return (o);
}

static void
summarize_print_json(const struct summarize *s, const struct wire_report *r,
    const struct summarize_row *rows, size_t n)
{
	cJSON *top = cJSON_CreateObject(), *res = cJSON_CreateObject(),
	      *by = cJSON_CreateObject();
	char *text;

	cJSON_AddNumberToObject(top, "lines", (double)s->lines);
	cJSON_AddNumberToObject(top, "malformed", (double)s->malformed);
	cJSON_AddNumberToObject(top, "long_lines", (double)s->long_lines);
	for (int st = STATUS_SENT; st <= STATUS_LAST; st++)
		cJSON_AddNumberToObject(res,
		    reason_status_name((enum delivery_status)st),
		    (double)s->by_status[st]);
	cJSON_AddItemToObject(top, "results", res);
	for (size_t i = 0; i < n; i++)
		cJSON_AddNumberToObject(by, rows[i].key, (double)rows[i].count);
	cJSON_AddItemToObject(top, "by", by);
	cJSON_AddItemToObject(top, "samples", summarize_json_samples(r));
	if ((text = cJSON_PrintUnformatted(top)) != NULL)
		printf("%s\n", text);
	free(text);
	cJSON_Delete(top);
}

static void
summarize_print_table(const struct summarize *s, const struct wire_report *r,
    const struct summarize_row *rows, size_t n)
{
	printf("%" PRIu64 " lines: %" PRIu64 " sent, %" PRIu64
	       " deferred, %" PRIu64 " bounced, %" PRIu64 " expired",
	    s->lines, s->by_status[STATUS_SENT], s->by_status[STATUS_DEFERRED],
	    s->by_status[STATUS_BOUNCED], s->by_status[STATUS_EXPIRED]);
	if (s->malformed != 0 || s->long_lines != 0)
		printf(" (%" PRIu64 " malformed, %" PRIu64 " too long)",
		    s->malformed, s->long_lines);
	printf("\n\n%-12s %-18s %-9s %10s\n", "PROVIDER", "CLASS", "STATUS",
	    "COUNT");
	for (size_t i = 0; i < n; i++)
		printf("%-12s %-18s %-9s %10" PRIu64 "\n", rows[i].c->provider,
		    reason_class_name(rows[i].c->cls),
		    reason_status_name(rows[i].c->status), rows[i].count);
	if (r->n_samples > 0)
		printf("\nsamples:\n");
	for (int rank = 0; rank < 3; rank++) {
		for (size_t i = 0; i < r->n_samples; i++) {
			const struct wire_sample *sm = &r->samples[i];
			int k = reason_class_is_ip(sm->cls) ? 0 : 1;

			if (k != rank)
				continue;
			printf("  %s/%s %s: %.200s\n", sm->provider,
			    reason_class_name(sm->cls), sm->dsn, sm->text);
		}
	}
}

static int
summarize_usage(void)
{
	fprintf(stderr, "usage: fleet-agent summarize [--json] [--rules FILE] "
	                "FILE...\n"
	                "       fleet-agent queue [--config-dir DIR] "
	                "[--postqueue PATH] [--rules FILE]\n");
	return (2);
}

int
summarize_main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"rules", required_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	struct summarize s = {.ctx = {.now = (int64_t)time(NULL)}};
	struct wire_report r = {0};
	struct summarize_row *rows;
	const char *rules = NULL;
	char err[512], *buf;
	bool json = false;
	int ch, rv = 0;
	size_t n;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'j')
			json = true;
		else if (ch == 'r')
			rules = optarg;
		else
			return (summarize_usage());
	}
	if (optind == argc)
		return (summarize_usage());
	if (classify_load(&s.rules, rules, err, sizeof(err)) == -1) {
		fprintf(stderr, "fleet-agent: summarize: %s\n", err);
		return (1);
	}
	s.tally = tally_new();
	buf = xmalloc(SUMMARIZE_CHUNK);
	for (int i = optind; i < argc; i++)
		if (summarize_file(&s, argv[i], buf) == -1)
			rv = 1;
	free(buf);
	tally_fill_report(s.tally, &r);
	rows = xcalloc(r.n_counters + 1, sizeof(*rows));
	n = summarize_rows(&r, rows);
	if (json)
		summarize_print_json(&s, &r, rows, n);
	else
		summarize_print_table(&s, &r, rows, n);
	free(rows);
	wire_report_fini(&r);
	tally_free(s.tally);
	classify_free(s.rules);
	return (rv);
}

int
summarize_queue_main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config-dir", required_argument, NULL, 'c'},
	    {"postqueue", required_argument, NULL, 'p'},
	    {"rules", required_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	const char *dir = "", *postqueue = "/usr/sbin/postqueue", *rules = NULL;
	struct classify *c;
	struct queue_scan qs;
	cJSON *o, *by;
	char err[512], *text;
	int ch, rv;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'c')
			dir = optarg;
		else if (ch == 'p')
			postqueue = optarg;
		else if (ch == 'r')
			rules = optarg;
		else
			return (summarize_usage());
	}
	if (optind != argc)
		return (summarize_usage());
	if (classify_load(&c, rules, err, sizeof(err)) == -1) {
		fprintf(stderr, "fleet-agent: queue: %s\n", err);
		return (1);
	}
	rv = queue_run(&qs, postqueue, dir, 600000, c, NULL);
	o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "valid", qs.snap.valid);
	cJSON_AddNumberToObject(o, "incoming", qs.snap.incoming);
	cJSON_AddNumberToObject(o, "active", qs.snap.active);
	cJSON_AddNumberToObject(o, "deferred", qs.snap.deferred);
	cJSON_AddNumberToObject(o, "hold", qs.snap.hold);
	cJSON_AddNumberToObject(o, "maildrop", qs.snap.maildrop);
	cJSON_AddNumberToObject(
	    o, "oldest_deferred_age", qs.snap.oldest_deferred_age);
	cJSON_AddNumberToObject(o, "bad_lines", (double)qs.bad_lines);
	by = cJSON_AddObjectToObject(o, "deferred_by");
	for (size_t i = 0; i < qs.snap.n_by; i++) {
		char key[WIRE_PROVIDER_MAX + 24];

		snprintf(key, sizeof(key), "%s/%s", qs.snap.by[i].provider,
		    reason_class_name(qs.snap.by[i].cls));
		cJSON_AddNumberToObject(by, key, qs.snap.by[i].count);
	}
	if (rv == -1)
		cJSON_AddStringToObject(o, "error", qs.snap.error);
	if ((text = cJSON_PrintUnformatted(o)) != NULL)
		printf("%s\n", text);
	free(text);
	cJSON_Delete(o);
	wire_queue_fini(&qs.snap);
	classify_free(c);
	return (rv == 0 ? 0 : 1);
}
