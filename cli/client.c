/* SPDX-License-Identifier: ISC */
/* fleetctl's configuration and its one round trip to fleetd. */
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
	if (chan_conn_open(&conn, conf.controller, priv, conf.controller_key,
	        err, errlen) == -1 ||
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

void
cli_format_age(char *buf, size_t len, uint64_t secs)
{
	if (secs < 120)
		snprintf(buf, len, "%" PRIu64 "s", secs);
	else if (secs < 7200)
		snprintf(buf, len, "%" PRIu64 "m", secs / 60);
	else if (secs < 172800)
		snprintf(buf, len, "%" PRIu64 "h", secs / 3600);
	else
		snprintf(buf, len, "%" PRIu64 "d", secs / 86400);
}
