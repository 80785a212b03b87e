/* SPDX-License-Identifier: ISC */
/*
 * fleetctl: the operator's command line.  Global options, then one
 * subcommand from the table below (as wg(8) and tmux do).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"

struct cmd_entry {
	const char *name;
	int (*fn)(struct cli *, int, char **);
	const char *usage;
};

/* A usage may hold several lines, '\n' apart, each without "fleetctl ". */
static const struct cmd_entry cmd_table[] = {
    {"status", cmd_status, "status [RELAY]"},
    {"show", cmd_show, "show RELAY"},
    {"drain", cmd_drain, "drain RELAY --reason TEXT [--for DUR] [--force]"},
    {"enable", cmd_enable, "enable RELAY [--now]"},
    {"maint", cmd_maint,
        "maint add NAME (--relays A,B | --hosting H) --start T --end T "
        "--reason TEXT [--force]\n"
        "maint list\n"
        "maint cancel NAME"},
    {"events", cmd_events, "events [--relay R] [--since DUR] [--limit N]"},
    {"agents", cmd_agents, "agents"},
    {"lb", cmd_lb, "lb"},
    {"keygen", cmd_keygen, "keygen PATH"},
    {"classify", cmd_classify,
        "classify [--rules FILE] < mx_host<TAB>response lines"},
};

static int
usage(void)
{
	fprintf(stderr, "usage: fleetctl [-c config] [--json] command [args]\n"
	                "commands:\n");
	for (size_t i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++) {
		const char *u = cmd_table[i].usage, *nl;

		for (; (nl = strchr(u, '\n')) != NULL; u = nl + 1)
			fprintf(stderr, "  %.*s\n", (int)(nl - u), u);
		fprintf(stderr, "  %s\n", u);
	}
	fprintf(stderr, "T: RFC 3339 (2026-12-02T10:00:00Z), now, or +DUR; "
	                "DUR: 90s, 30m, 4h, 2d\n");
	return (CLI_EXIT_USAGE);
}

/* A command's output that did not reach stdout is a failure. */
static int
main_finish(int rv)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "fleetctl: stdout: write error\n");
		return (rv == CLI_EXIT_OK ? CLI_EXIT_FAIL : rv);
	}
	return (rv);
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct cli cli = {.config_path = getenv("FLEETCTL_CONFIG")};
	char name[64];
	int ch;

	if (cli.config_path == NULL || cli.config_path[0] == '\0')
		cli.config_path = CLI_DEFAULT_CONFIG;
	while ((ch = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			cli.config_path = optarg;
			break;
		case 'j':
			cli.json = true;
			break;
		default:
			return (usage());
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return (usage());
	/* --json is also accepted after the command */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			cli.json = true;
			memmove(&argv[i], &argv[i + 1],
			    (size_t)(argc - i) * sizeof(argv[0]));
			argc--;
			i--;
		}
	}
	if (sodium_init() == -1) {
		fprintf(stderr, "fleetctl: libsodium failed to initialize\n");
		return (CLI_EXIT_FAIL);
	}
	for (size_t i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++)
		if (strcmp(argv[0], cmd_table[i].name) == 0) {
			cli.usage = cmd_table[i].usage;
			return (main_finish(cmd_table[i].fn(&cli, argc, argv)));
		}
	cli_clean(name, sizeof(name), argv[0]);
	fprintf(stderr, "fleetctl: unknown command: %s\n", name);
	return (usage());
}
