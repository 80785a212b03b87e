/* SPDX-License-Identifier: ISC */
/* fleet-agent's configuration: one [agent] section (see docs/config.md). */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "util.h"

#define F(n, t, field, mn, mx, req)                                            \
	{                                                                      \
		n, t, offsetof(struct agent_config, field),                    \
		    sizeof(((struct agent_config *)0)->field), mn, mx, req     \
	}

static const struct cfg_field agent_config_fields[] = {
    F("controller", CFG_URL, controller, 0, 0, true),
    F("controller_key", CFG_KEY, controller_key, 0, 0, true),
    F("key_file", CFG_PATH, key_file, 0, 0, true),
    F("state_dir", CFG_PATH, state_dir, 0, 0, true),
    F("report_interval", CFG_DURATION, report_interval_ms, 100, 3600000, false),
    F("queue_interval", CFG_DURATION, queue_interval_ms, 100, 3600000, false),
    F("postqueue", CFG_PATH, postqueue, 0, 0, false),
    F("postfix_config", CFG_PATH, postfix_config, 0, 0, false),
    F("spool_max", CFG_UINT, spool_max, 1, 1000000, false),
    F("request_timeout", CFG_DURATION, request_timeout_ms, 100, 300000, false),
    F("rules", CFG_PATH, rules, 0, 0, false),
    F("maillog", CFG_PATH, maillog, 0, 0, false),
    F("relay_ip", CFG_IP, relay_ip, 0, 0, false),
    F("helo_name", CFG_STRING, helo_name, 0, 0, false),
    F("resolver", CFG_STRING, resolver, 0, 0, false),
    F("dnsbl", CFG_STRING, dnsbl, 0, 0, false),
    F("postconf", CFG_PATH, postconf, 0, 0, false),
    F("check_interval", CFG_DURATION, check_interval_ms, 1000, 86400000, false),
};
#define NFIELDS (sizeof(agent_config_fields) / sizeof(agent_config_fields[0]))

struct agent_config_parse {
	struct agent_config *conf;
	uint32_t seen;
};

static int
agent_config_cb(void *user, const char *section, const char *name,
    const char *value, char *err, size_t errlen)
{
	struct agent_config_parse *p = user;

	if (strcmp(section, "agent") != 0) {
		snprintf(err, errlen, "unknown section [%s]", section);
		return (-1);
	}
	return (cfg_set(agent_config_fields, NFIELDS, p->conf, &p->seen, name,
	    value, err, errlen));
}

int
agent_config_load(
    struct agent_config *conf, const char *path, char *err, size_t errlen)
{
	struct agent_config_parse p = {.conf = conf};
	char msg[CFG_ERR_MAX];

	memset(conf, 0, sizeof(*conf));
	conf->report_interval_ms = 10000;
	conf->queue_interval_ms = 30000;
	util_strlcpy(
	    conf->postqueue, "/usr/sbin/postqueue", sizeof(conf->postqueue));
	conf->spool_max = 8640;
	conf->request_timeout_ms = 5000;
	util_strlcpy(conf->maillog, "/var/log/mail.log", sizeof(conf->maillog));
	util_strlcpy(
	    conf->postconf, "/usr/sbin/postconf", sizeof(conf->postconf));
	conf->check_interval_ms = 600000;
	if (cfg_parse(path, agent_config_cb, &p, err, errlen) == -1)
		return (-1);
	if (cfg_check_required(agent_config_fields, NFIELDS, p.seen, "[agent]",
	        msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "%s: %s", path, msg);
		return (-1);
	}
	return (0);
}
