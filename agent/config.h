/* SPDX-License-Identifier: ISC */
/* fleet-agent's configuration (docs/config.md, section fleet-agent). */
#ifndef FLEET_AGENT_CONFIG_H
#define FLEET_AGENT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"

#define AGENT_PATH_MAX 180

struct agent_config {
	char controller[AGENT_PATH_MAX];
	uint8_t controller_key[KEY_LEN];
	char key_file[AGENT_PATH_MAX];
	char state_dir[AGENT_PATH_MAX];
	uint64_t report_interval_ms;
	uint64_t queue_interval_ms;
	char postqueue[AGENT_PATH_MAX];
	char postfix_config[AGENT_PATH_MAX]; /* "" for postqueue's default */
	uint64_t spool_max;                  /* reports */
	uint64_t request_timeout_ms;
	char rules[AGENT_PATH_MAX];     /* "" for the built-in rules */
	char maillog[AGENT_PATH_MAX];   /* the Postfix log to follow */
	char relay_ip[46];              /* "" skips the DNS checks */
	char helo_name[AGENT_PATH_MAX]; /* "" to ask postconf */
	char resolver[64];              /* host:port, "" for the system's */
	char dnsbl[AGENT_PATH_MAX];     /* zones, blank separated */
	char postconf[AGENT_PATH_MAX];
	uint64_t check_interval_ms;
};

/*
 * Loads and validates the file at path into *conf (defaults first).
 * Returns 0, or -1 with err set to "file:line: message".
 */
int agent_config_load(
    struct agent_config *conf, const char *path, char *err, size_t errlen);

#endif /* FLEET_AGENT_CONFIG_H */
