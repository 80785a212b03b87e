/* SPDX-License-Identifier: ISC */
/*
 * fleetctl's shared state and helpers.  Each subcommand is one
 * cmd_<name>.c with a cmd_<name>() entry; cli/main.c holds the table.
 * Commands return the exit status: 0 success, 1 refused or failed,
 * 2 usage error.
 */
#ifndef FLEET_CLI_CLI_H
#define FLEET_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "wire.h"

#define CLI_DEFAULT_CONFIG "/etc/relayfleet/fleetctl.conf"
#define CLI_EXIT_OK        0
#define CLI_EXIT_FAIL      1
#define CLI_EXIT_USAGE     2

struct cli_config {
	char controller[180];
	uint8_t controller_key[KEY_LEN];
	char key_file[180];
	uint64_t timeout_ms;
};

struct cli {
	const char *config_path; /* -c, $FLEETCTL_CONFIG or the default */
	bool json;               /* --json */
};

/* Loads cli->config_path.  Returns 0, or -1 with err set. */
int cli_config_load(
    const struct cli *cli, struct cli_config *conf, char *err, size_t errlen);

/*
 * Sends a control request to fleetd and decodes the answer into *rep
 * (caller frees with wire_ctl_reply_fini()).  Returns 0, or -1 with err
 * set (connection, refusal, or a malformed answer).  Blocks up to the
 * configured timeout.
 */
int cli_ctl_call(const struct cli *cli, const struct wire_ctl_request *req,
    struct wire_ctl_reply *rep, char *err, size_t errlen);

/* Writes "12s", "5m", "3h", "2d" for an age in seconds. */
void cli_format_age(char *buf, size_t len, uint64_t secs);

int cmd_status(struct cli *cli, int argc, char **argv);
int cmd_keygen(struct cli *cli, int argc, char **argv);
int cmd_classify(struct cli *cli, int argc, char **argv);

#endif /* FLEET_CLI_CLI_H */
