/* SPDX-License-Identifier: ISC */
/* fleetctl keygen PATH: a new key pair in PATH and PATH.pub. */
#include "cli.h"

#include <stdio.h>

int
cmd_keygen(struct cli *cli, int argc, char **argv)
{
	char pub[KEY_B64_LEN + 1], err[512];

	(void)cli;
	if (argc != 2) {
		fprintf(stderr, "usage: fleetctl keygen PATH\n");
		return (CLI_EXIT_USAGE);
	}
	if (key_generate(argv[1], pub, err, sizeof(err)) == -1) {
		fprintf(stderr, "fleetctl: keygen: %s\n", err);
		return (CLI_EXIT_FAIL);
	}
	printf("%s\n", pub);
	return (CLI_EXIT_OK);
}
