/* SPDX-License-Identifier: ISC */
/*
 * The log and the self checks (see watch.h).  Log lines are parsed with
 * logline, classified with the rules and counted in a tally; malformed
 * lines are counted and logged at most once a minute.
 */
#include "watch.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checks.h"
#include "classify.h"
#include "log.h"
#include "logline.h"
#include "maillog.h"
#include "tally.h"
#include "util.h"

#define WATCH_LOG_MAX_BYTES (4 * 1024 * 1024)            /* per poll */
#define WATCH_RULES_DEFAULT "/etc/relayfleet/rules.conf" /* make install */
#define WATCH_WARN_EVERY_MS 60000

struct watch {
	const struct agent_config *conf;
	struct classify *rules;
	struct maillog *log;
	struct tally *tally;
	struct logline_ctx ctx;
	uint64_t malformed, malformed_logged, last_warn;
	char helo[WIRE_HOST_MAX + 1];
	char dnsbl_buf[AGENT_PATH_MAX];
	const char *dnsbl[CHECKS_DNSBL_MAX];
	size_t n_dnsbl;
	struct wire_check checks[WIRE_CHECKS_MAX];
	size_t n_checks;
	bool checks_new;
	char cursor[MAILLOG_CURSOR_MAX];
};

static void
watch_line_cb(void *arg, const char *line, size_t len)
{
	struct watch *w = arg;
	struct logline_result lr;
	const char *errstr;

	switch (logline_parse(line, len, &w->ctx, &lr, &errstr)) {
	case 1:
		tally_add_logline(w->tally, w->rules, &lr);
		break;
	case -1:
		w->malformed++;
		if (util_now_ms() - w->last_warn >= WATCH_WARN_EVERY_MS) {
			log_warnx(
			    "maillog: malformed delivery line (%s); %" PRIu64
			    " so far",
			    errstr, w->malformed);
			w->last_warn = util_now_ms();
		}
		break;
	default:
		break;
	}
}

bool
watch_poll_log(struct watch *w)
{
	w->ctx.now = (int64_t)time(NULL);
	if (w->log != NULL &&
	    maillog_read(w->log, watch_line_cb, w, WATCH_LOG_MAX_BYTES) == -1)
		log_warn("maillog: %s", w->conf->maillog);
	return (tally_has_ip_alert(w->tally));
}

/* Splits conf->dnsbl ("zone zone ...") into w->dnsbl. */
static void
watch_split_dnsbl(struct watch *w)
{
	char *p, *save = NULL;

	util_strlcpy(w->dnsbl_buf, w->conf->dnsbl, sizeof(w->dnsbl_buf));
	for (p = strtok_r(w->dnsbl_buf, " \t,", &save);
	     p != NULL && w->n_dnsbl < CHECKS_DNSBL_MAX;
	     p = strtok_r(NULL, " \t,", &save))
		w->dnsbl[w->n_dnsbl++] = p;
}

static void
watch_find_helo(struct watch *w)
{
	if (w->conf->helo_name[0] != '\0') {
		util_strlcpy(w->helo, w->conf->helo_name, sizeof(w->helo));
		return;
	}
	if (w->conf->relay_ip[0] != '\0' &&
	    checks_helo_name(w->conf->postconf, w->conf->postfix_config,
	        w->helo, sizeof(w->helo)) == -1)
		log_warn("checks: cannot read smtp_helo_name with %s",
		    w->conf->postconf);
}

int
watch_open(struct watch **wp, const struct agent_config *conf,
    const char *cursor, char *err, size_t errlen)
{
	struct watch *w = xcalloc(1, sizeof(*w));
	const char *rules = conf->rules[0] != '\0' ? conf->rules : NULL;

	/* the installed file when there is one, else the built-in copy */
	if (rules == NULL && access(WATCH_RULES_DEFAULT, R_OK) == 0)
		rules = WATCH_RULES_DEFAULT;
	w->conf = conf;
	if (classify_load(&w->rules, rules, err, errlen) == -1 ||
	    maillog_open(&w->log, conf->maillog, cursor, err, errlen) == -1) {
		watch_close(w);
		return (-1);
	}
	w->tally = tally_new();
	watch_split_dnsbl(w);
	watch_find_helo(w);
	*wp = w;
	return (0);
}

void
watch_close(struct watch *w)
{
	if (w == NULL)
		return;
	maillog_close(w->log);
	classify_free(w->rules);
	tally_free(w->tally);
	free(w);
}

struct classify *
watch_rules(struct watch *w)
{
	return (w->rules);
}

void
watch_run_checks(struct watch *w, const atomic_bool *cancel)
{
	struct checks_conf cc = {
	    .ip = w->conf->relay_ip,
	    .helo = w->helo,
	    .resolver = w->conf->resolver,
	    .dnsbl = w->dnsbl,
	    .n_dnsbl = w->n_dnsbl,
	    .postconf = w->conf->postconf,
	    .postfix_config = w->conf->postfix_config,
	    .timeout_ms = WATCH_CHECK_TIMEOUT_MS,
	    .cancel = cancel,
	};
	struct wire_check *out;
	size_t n;

	if (w->conf->relay_ip[0] == '\0')
		return;
	out = xcalloc(WIRE_CHECKS_MAX, sizeof(*out));
	if (checks_run(&cc, out, WIRE_CHECKS_MAX, &n) == -1) {
		log_warn("checks: bad configuration");
		free(out);
		return;
	}
	if (cancel != NULL && atomic_load(cancel)) {
		free(out); /* cut short by a stop: these are not results */
		return;
	}
	memcpy(w->checks, out, n * sizeof(*out));
	w->n_checks = n;
	free(out);
	w->checks_new = true;
	for (size_t i = 0; i < w->n_checks; i++)
		if (w->checks[i].state != CHECK_OK)
			log_warnx("checks: %s: %s: %s", w->checks[i].name,
			    reason_check_name(w->checks[i].state),
			    w->checks[i].detail);
}

const char *
watch_fill_report(struct watch *w, struct wire_report *r)
{
	tally_fill_report(w->tally, r);
	if (w->checks_new && w->n_checks > 0) {
		r->checks = xcalloc(w->n_checks, sizeof(*r->checks));
		memcpy(r->checks, w->checks, w->n_checks * sizeof(*r->checks));
		r->n_checks = w->n_checks;
	}
	if (w->log == NULL)
		return (NULL);
	util_strlcpy(w->cursor, maillog_cursor(w->log), sizeof(w->cursor));
	return (w->cursor);
}

void
watch_committed(struct watch *w)
{
	tally_reset(w->tally);
	w->checks_new = false;
}
