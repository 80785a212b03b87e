/* SPDX-License-Identifier: ISC */
/* The request handlers (see ingest.h).  Run on nng threads. */
#include "ingest.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"
#include "wire.h"

struct ingest {
	const struct fleetd_config *conf;
	struct core *core;
	atomic_uint_fast64_t bad_reports, bad_requests;
};

struct ingest *
ingest_new(const struct fleetd_config *conf, struct core *core)
{
	struct ingest *in = xcalloc(1, sizeof(*in));

	in->conf = conf;
	in->core = core;
	return (in);
}

void
ingest_free(struct ingest *in)
{
	free(in);
}

void
ingest_agent_cb(void *arg, struct chan_call *call, size_t peer,
    const uint8_t *payload, size_t len)
{
	struct ingest *in = arg;
	struct core_job *j = xcalloc(1, sizeof(*j));
	const char *errstr;

	j->kind = CORE_REPORT;
	j->call = call;
	j->peer = peer;
	if (wire_report_decode(&j->report, payload, len, &errstr) == -1) {
		struct wire_agent_reply a = {0};

		log_warnx("ingest: relay=%s: bad report: %s",
		    in->conf->relays[peer].name, errstr);
		snprintf(a.error, sizeof(a.error), "bad report: %s", errstr);
		a.is_refused = true; /* a resend would be refused again */
		atomic_fetch_add(&in->bad_reports, 1);
		free(j);
		core_reply_agent(call, &a);
		return;
	}
	if (j->report.spool_bad != 0)
		log_warnx("ingest: relay=%s: agent set aside %" PRIu32
		          " bad spool files",
		    in->conf->relays[peer].name, j->report.spool_bad);
	core_submit(in->core, j);
}

void
ingest_ctl_cb(void *arg, struct chan_call *call, size_t peer,
    const uint8_t *payload, size_t len)
{
	struct ingest *in = arg;
	struct core_job *j = xcalloc(1, sizeof(*j));
	const char *errstr;

	j->kind = CORE_CTL;
	j->call = call;
	j->peer = peer;
	if (wire_ctl_request_decode(&j->ctl, payload, len, &errstr) == -1) {
		struct wire_ctl_reply c = {.now = util_wall_s()};

		log_warnx("ctl: operator=%s: bad request: %s",
		    in->conf->ops[peer].name, errstr);
		snprintf(c.error, sizeof(c.error), "bad request: %s", errstr);
		atomic_fetch_add(&in->bad_requests, 1);
		free(j);
		core_reply_ctl(call, &c);
		return;
	}
	core_submit(in->core, j);
}

void
ingest_get_stats(struct ingest *in, struct ingest_stats *st)
{
	st->bad_reports = atomic_load(&in->bad_reports);
	st->bad_requests = atomic_load(&in->bad_requests);
}
