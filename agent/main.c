/* SPDX-License-Identifier: ISC */
/*
 * fleet-agent: reports a Postfix relay's queue (and, later, its delivery
 * log and self checks) to fleetd.  main() follows STYLE.md section 5:
 * argv, config (-n checks it and exits), logging, keys, signals blocked
 * before any thread starts, the worker started, then sigwait().
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "config.h"
#include "keys.h"
#include "log.h"
#include "report.h"
#include "summarize.h"
#include "util.h"

#define AGENT_DEFAULT_CONFIG "/etc/relayfleet/agent.conf"

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr, "usage: fleet-agent [-dnv] [-c config]\n"
	                "       fleet-agent summarize [--json] [--rules FILE] "
	                "FILE...\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	const char *path = AGENT_DEFAULT_CONFIG;
	struct agent_config conf;
	struct report_loop *loop;
	uint8_t priv[KEY_LEN];
	bool foreground = false, check = false;
	int ch, verbose = 0, sig;
	char err[512];

	if (argc >= 2 && strcmp(argv[1], "summarize") == 0)
		return (summarize_main(argc - 1, argv + 1));
	if (argc >= 2 && strcmp(argv[1], "queue") == 0)
		return (summarize_queue_main(argc - 1, argv + 1));
	/* first: a TERM during start-up waits for sigwait(), threads inherit */
	util_block_signals();
	while ((ch = getopt(argc, argv, "c:dnv")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'd':
			foreground = true;
			break;
		case 'n':
			check = true;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (sodium_init() == -1) {
		fprintf(
		    stderr, "fleet-agent: libsodium failed to initialize\n");
		return (1);
	}
	if (agent_config_load(&conf, path, err, sizeof(err)) == -1 ||
	    key_load_private(priv, conf.key_file, err, sizeof(err)) == -1) {
		fprintf(stderr, "fleet-agent: %s\n", err);
		return (1);
	}
	/* before the spool is touched; -n creates nothing */
	if (key_check_private_dir(conf.state_dir, !check, err, sizeof(err)) ==
	    -1) {
		fprintf(stderr, "fleet-agent: state_dir: %s\n", err);
		return (1);
	}
	if (check) {
		printf("fleet-agent: configuration %s ok\n", path);
		return (0);
	}
	log_init("fleet-agent", foreground, verbose);
	if (report_loop_start(&loop, &conf, priv, err, sizeof(err)) == -1)
		fatalx("agent: %s", err);
	sodium_memzero(priv, sizeof(priv));
	log_info("agent: started, controller %s", conf.controller);
	while ((sig = util_wait_signal()) == SIGHUP)
		log_info("agent: reload is not supported yet; restart to "
		         "apply a new configuration");
	log_info("agent: %s received, stopping", strsignal(sig));
	report_loop_stop(loop);
	return (0);
}
