/* SPDX-License-Identifier: ISC */
/*
 * fleetctl's configuration, its one round trip to fleetd, how a failure is
 * reported, and the parsing of what it sends: options and times.  The
 * parsers are pure (the clock is passed in) and take untrusted argv.
 */
#include "cli.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cfg.h"
#include "chan_nng.h"
#include "util.h"

#define F(n, t, field, mn, mx, req)                                            \
	{                                                                      \
		n, t, offsetof(struct cli_config, field),                      \
		    sizeof(((struct cli_config *)0)->field), mn, mx, req       \
	}

static const struct cfg_field cli_fields[] = {
    F("controller", CFG_URL, controller, 0, 0, true),
    F("controller_key", CFG_KEY, controller_key, 0, 0, true),
    F("key_file", CFG_PATH, key_file, 0, 0, true),
    F("timeout", CFG_DURATION, timeout_ms, 100, 600000, false),
};
#define NFIELDS (sizeof(cli_fields) / sizeof(cli_fields[0]))

struct cli_parse {
	struct cli_config *conf;
	uint32_t seen;
};

static int
cli_config_cb(void *user, const char *section, const char *name,
    const char *value, char *err, size_t errlen)
{
	struct cli_parse *p = user;

	if (strcmp(section, "fleetctl") != 0) {
		snprintf(err, errlen, "unknown section [%s]", section);
		return (-1);
	}
	return (cfg_set(
	    cli_fields, NFIELDS, p->conf, &p->seen, name, value, err, errlen));
}

int
cli_config_load(
    const struct cli *cli, struct cli_config *conf, char *err, size_t errlen)
{
	struct cli_parse p = {.conf = conf};
	char msg[CFG_ERR_MAX];

	memset(conf, 0, sizeof(*conf));
	conf->timeout_ms = 5000;
	if (cfg_parse(cli->config_path, cli_config_cb, &p, err, errlen) == -1)
		return (-1);
	if (cfg_check_required(cli_fields, NFIELDS, p.seen, "[fleetctl]", msg,
	        sizeof(msg)) == -1) {
		snprintf(err, errlen, "%s: %s", cli->config_path, msg);
		return (-1);
	}
	return (0);
}

int
cli_ctl_call(const struct cli *cli, const struct wire_ctl_request *req,
    struct wire_ctl_reply *rep, char *err, size_t errlen)
{
	struct cli_config conf;
	struct chan_conn *conn = NULL;
	uint8_t priv[KEY_LEN], *buf = NULL, *resp = NULL;
	const char *errstr;
	size_t len, resplen;
	int rv = -1;

	if (cli_config_load(cli, &conf, err, errlen) == -1 ||
	    key_load_private(priv, conf.key_file, err, errlen) == -1)
		return (-1);
	if (wire_ctl_request_encode(req, &buf, &len, &errstr) == -1) {
		snprintf(err, errlen, "request: %s", errstr);
		goto out;
	}
	if (chan_conn_open(&conn, conf.controller, CHAN_EP_CONTROL, priv,
	        conf.controller_key, err, errlen) == -1 ||
	    chan_conn_call(conn, buf, len, &resp, &resplen,
	        (unsigned)conf.timeout_ms, NULL, err, errlen) == -1)
		goto out;
	if (wire_ctl_reply_decode(rep, resp, resplen, &errstr) == -1) {
		snprintf(
		    err, errlen, "malformed answer from fleetd: %s", errstr);
		goto out;
	}
	rv = 0;
out:
	sodium_memzero(priv, sizeof(priv));
	chan_conn_close(conn);
	free(buf);
	free(resp);
	return (rv);
}

int
cli_call(const struct cli *cli, const char *cmd,
    const struct wire_ctl_request *req, struct wire_ctl_reply *rep)
{
	char err[512];

	if (cli_ctl_call(cli, req, rep, err, sizeof(err)) == -1)
		return (cli_fail(cli, cmd, err));
	if (!rep->ok) {
		util_strlcpy(err,
		    rep->error[0] != '\0' ? rep->error : "refused",
		    sizeof(err));
		wire_ctl_reply_fini(rep);
		return (cli_fail(cli, cmd, err));
	}
	return (CLI_EXIT_OK);
}

int
cli_fail(const struct cli *cli, const char *cmd, const char *msg)
{
	char buf[1024];
	cJSON *doc;

	cli_clean(buf, sizeof(buf), msg);
	fprintf(stderr, "fleetctl: %s: %s\n", cmd, buf);
	if (cli->json) {
		doc = cJSON_CreateObject();
		cli_json_str(doc, "error", msg);
		cli_json_print(doc);
	}
	return (CLI_EXIT_FAIL);
}

int
cli_usage(const struct cli *cli, const char *cmd, const char *errstr)
{
	const char *u = cli->usage, *nl;
	const char *lead = "usage:";

	if (errstr != NULL)
		fprintf(stderr, "fleetctl: %s: %s\n", cmd, errstr);
	while (u != NULL && *u != '\0') {
		nl = strchr(u, '\n');
		fprintf(stderr, "%s fleetctl %.*s\n", lead,
		    (int)(nl != NULL ? (size_t)(nl - u) : strlen(u)), u);
		lead = "      ";
		u = nl != NULL ? nl + 1 : NULL;
	}
	return (CLI_EXIT_USAGE);
}

/* Takes argv[*i], an option, into its entry of opts (and its value). */
static int
cli_getopt_one(int argc, char **argv, int *i, struct cli_opt *opts,
    size_t nopts, const char **errstr)
{
	const char *arg = argv[*i], *eq = strchr(arg, '=');
	size_t len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
	struct cli_opt *o = NULL;

	for (size_t k = 0; k < nopts && o == NULL; k++)
		if (strlen(opts[k].name) == len &&
		    strncmp(arg, opts[k].name, len) == 0)
			o = &opts[k];
	if (o == NULL) {
		*errstr = "unknown option";
		return (-1);
	}
	if (o->is_set) {
		*errstr = "option given twice";
		return (-1);
	}
	if (!o->has_arg && eq != NULL) {
		*errstr = "option takes no value";
		return (-1);
	}
	if (o->has_arg && eq != NULL)
		o->val = eq + 1;
	else if (o->has_arg && *i + 1 < argc)
		o->val = argv[++*i];
	else if (o->has_arg) {
		*errstr = "option needs a value";
		return (-1);
	}
	o->is_set = true;
	return (0);
}

int
cli_getopt(int argc, char **argv, struct cli_opt *opts, size_t nopts,
    const char **pos, size_t maxpos, size_t *npos, const char **errstr)
{
	bool is_dashdash = false;
	size_t n = 0;

	for (int i = 1; i < argc; i++) {
		if (!is_dashdash && strcmp(argv[i], "--") == 0) {
			is_dashdash = true;
			continue;
		}
		if (!is_dashdash && argv[i][0] == '-' && argv[i][1] != '\0') {
			if (cli_getopt_one(
			        argc, argv, &i, opts, nopts, errstr) == -1)
				return (-1);
			continue;
		}
		if (n == maxpos) {
			*errstr = "too many arguments";
			return (-1);
		}
		pos[n++] = argv[i];
	}
	*npos = n;
	return (0);
}

/* ---- times -------------------------------------------------------------- */

#define CLI_TIME_FORMS                                                         \
	"not a time: RFC 3339 (2026-12-02T10:00:00Z), now or +DUR"

/* Reads exactly n decimal digits of s (stops at a NUL). */
static bool
cli_time_num(const char *s, size_t n, unsigned *v)
{
	unsigned x = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (false);
		x = x * 10 + (unsigned)(s[i] - '0');
	}
	*v = x;
	return (true);
}

static unsigned
cli_time_mdays(unsigned y, unsigned m)
{
	static const unsigned mdays[12] = {
	    31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool is_leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return (m == 2 && is_leap ? 29 : mdays[m - 1]);
}

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian (H. Hinnant). */
static int64_t
cli_time_days(unsigned year, unsigned m, unsigned d)
{
	int64_t y = (int64_t)year - (m <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return (era * 146097 + (int64_t)doe - 719468);
}

/* "YYYY-MM-DDTHH:MM:SS" into days and seconds of the day (may be 86400). */
static int
cli_time_local(const char *s, int64_t *days, int64_t *secs, const char **errstr)
{
	unsigned y, mo, d, h, mi, sec;

	if (!cli_time_num(s, 4, &y) || s[4] != '-' ||
	    !cli_time_num(s + 5, 2, &mo) || s[7] != '-' ||
	    !cli_time_num(s + 8, 2, &d) || strchr("Tt ", s[10]) == NULL ||
	    s[10] == '\0' || !cli_time_num(s + 11, 2, &h) || s[13] != ':' ||
	    !cli_time_num(s + 14, 2, &mi) || s[16] != ':' ||
	    !cli_time_num(s + 17, 2, &sec)) {
		*errstr = CLI_TIME_FORMS;
		return (-1);
	}
	if (mo < 1 || mo > 12)
		*errstr = "month out of range";
	else if (d < 1 || d > cli_time_mdays(y, mo))
		*errstr = "day out of range";
	else if (h > 23)
		*errstr = "hour out of range";
	else if (mi > 59)
		*errstr = "minute out of range";
	else if (sec > 60)
		*errstr = "second out of range";
	else {
		*days = cli_time_days(y, mo, d);
		*secs = (int64_t)h * 3600 + mi * 60 + sec;
		return (0);
	}
	return (-1);
}

/* "[.frac](Z|+HH:MM|-HH:MM)" and the end: *off is local minus UTC. */
static int
cli_time_zone(const char *s, int64_t *off, const char **errstr)
{
	unsigned h, m;

	if (*s == '.') {
		if (s[1] < '0' || s[1] > '9') {
			*errstr = CLI_TIME_FORMS;
			return (-1);
		}
		s += 1 + strspn(s + 1, "0123456789");
	}
	if ((*s == 'Z' || *s == 'z') && s[1] == '\0') {
		*off = 0;
		return (0);
	}
	if ((*s != '+' && *s != '-') || !cli_time_num(s + 1, 2, &h) ||
	    s[3] != ':' || !cli_time_num(s + 4, 2, &m) || s[6] != '\0') {
		*errstr = CLI_TIME_FORMS;
		return (-1);
	}
	if (h > 23 || m > 59) {
		*errstr = "offset out of range";
		return (-1);
	}
	*off = (*s == '-' ? -1 : 1) * ((int64_t)h * 3600 + m * 60);
	return (0);
}

static int
cli_time_rfc3339(const char *s, uint64_t *out, const char **errstr)
{
	int64_t days, secs, off, t;

	if (cli_time_local(s, &days, &secs, errstr) == -1 ||
	    cli_time_zone(s + 19, &off, errstr) == -1)
		return (-1);
	t = days * 86400 + secs - off;
	if (t < 1) {
		*errstr = "time before 1970";
		return (-1);
	}
	/*
	 * Second 60 (s[17] is '6' only then) is a leap second, which comes
	 * at the end of a UTC day; POSIX time counts it as the next 00:00:00.
	 */
	if (s[17] == '6' && t % 86400 != 0) {
		*errstr = "second out of range";
		return (-1);
	}
	if ((uint64_t)t > CLI_TIME_MAX) {
		*errstr = "time after 9999";
		return (-1);
	}
	*out = (uint64_t)t;
	return (0);
}

int
cli_parse_time(const char *s, uint64_t now, uint64_t *out, const char **errstr)
{
	uint64_t ms, secs;

	if (strcmp(s, "now") == 0) {
		*out = 0;
		return (0);
	}
	if (s[0] != '+')
		return (cli_time_rfc3339(s, out, errstr));
	if (util_parse_duration(s + 1, 0, UINT64_MAX, &ms, errstr) == -1)
		return (-1);
	secs = ms / 1000;
	if (secs > CLI_TIME_MAX || now > CLI_TIME_MAX - secs) {
		*errstr = "time after 9999";
		return (-1);
	}
	if (now + secs == 0) {
		*errstr = "time before 1970";
		return (-1);
	}
	*out = now + secs;
	return (0);
}

/* ---- names and reasons -------------------------------------------------- */

_Static_assert(CFG_NAME_MAX == WIRE_NAME_MAX, "a cfg name fits a wire name");
_Static_assert(WIRE_REASON_MAX == 255, "the --reason messages say 255");

bool
cli_name_copy(char *dst, const char *s)
{
	if (!cfg_name_ok(s))
		return (false);
	util_strlcpy(dst, s, WIRE_NAME_MAX + 1);
	return (true);
}

int
cli_reason_copy(char *dst, const char *s, const char **errstr)
{
	if (s[0] == '\0') {
		*errstr = "--reason is empty";
		return (-1);
	}
	if (strlen(s) > WIRE_REASON_MAX) {
		*errstr = "--reason is longer than 255 bytes";
		return (-1);
	}
	if (!wire_text_ok(s, WIRE_REASON_MAX)) {
		*errstr = "--reason holds a control character";
		return (-1);
	}
	util_strlcpy(dst, s, WIRE_REASON_MAX + 1);
	return (0);
}
