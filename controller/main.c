/* SPDX-License-Identifier: ISC */
/*
 * fleetd: the controller.  main() follows STYLE.md section 5: argv,
 * config (-n checks it and exits), logging, key and store, signals
 * blocked before the first nng call, then fleetd_start(): the core thread
 * and the two listeners (agents, fleetctl); then sigwait().
 * fleetd_stop() undoes it in the order that keeps every pointer valid:
 * the core stops answering, the listeners stop (no handler runs after
 * that), then the core finishes and stops, then the store closes.
 */
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "chan_nng.h"
#include "config.h"
#include "core.h"
#include "ingest.h"
#include "keys.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define FLEETD_DEFAULT_CONFIG "/etc/relayfleet/fleetd.conf"
#define FLEETD_REJECT_BURST   20    /* refusal log lines per window */
#define FLEETD_REJECT_WINDOW  10000 /* ms */

struct fleetd_endpoint {
	const char *what; /* "agent" or "control" */
	pthread_mutex_t mtx;
	uint64_t window_start;
	unsigned logged;
	uint64_t suppressed;
};

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr, "usage: fleetd [-dnv] [-c config]\n");
	exit(2);
}

/* Logs a refusal, at most FLEETD_REJECT_BURST per window. */
static void
fleetd_reject_cb(void *arg, enum chan_reject rej, const struct chan_rx *rx)
{
	struct fleetd_endpoint *ep = arg;
	char key[KEY_B64_LEN + 1] = "-";
	uint64_t now = util_now_ms(), suppressed = 0;
	bool log_it;

	pthread_mutex_lock(&ep->mtx);
	if (now - ep->window_start >= FLEETD_REJECT_WINDOW) {
		suppressed = ep->suppressed;
		ep->window_start = now;
		ep->logged = 0;
		ep->suppressed = 0;
	}
	if ((log_it = ep->logged < FLEETD_REJECT_BURST))
		ep->logged++;
	else
		ep->suppressed++;
	pthread_mutex_unlock(&ep->mtx);
	if (suppressed != 0)
		log_warnx("%s: %" PRIu64 " more refusals not logged", ep->what,
		    suppressed);
	if (!log_it)
		return;
	if (rx->has_key)
		key_encode(key, rx->key);
	log_warnx(
	    "%s: refused: %s: key=%s", ep->what, chan_reject_str(rej), key);
}

static struct store *
fleetd_open_store(const struct fleetd_config *conf)
{
	struct store_relay *rs = xcalloc(conf->nrelays, sizeof(*rs));
	char(*keys)[KEY_B64_LEN + 1] = xcalloc(conf->nrelays, sizeof(*keys));
	const char *errstr;
	struct store *st;

	if (store_open(&st, conf->database, &errstr) == -1)
		fatalx("store: %s", errstr);
	for (size_t i = 0; i < conf->nrelays; i++) {
		key_encode(keys[i], conf->relays[i].agent_key);
		rs[i].name = conf->relays[i].name;
		rs[i].ip = conf->relays[i].ip;
		rs[i].hosting = conf->relays[i].hosting;
		rs[i].agent_key = keys[i];
	}
	if (store_sync_relays(st, rs, conf->nrelays) == -1)
		fatalx("store: %s", store_errmsg(st));
	free(rs);
	free(keys);
	return (st);
}

static struct chan_listener *
fleetd_listen(const char *url, const uint8_t *priv,
    const uint8_t (*keys)[KEY_LEN], size_t n, chan_handler_cb cb,
    struct ingest *in, struct fleetd_endpoint *ep)
{
	struct chan_listener_conf lc = {.url = url,
	    .endpoint = strcmp(ep->what, "control") == 0 ? CHAN_EP_CONTROL
	                                                 : CHAN_EP_AGENT,
	    .priv = priv,
	    .keys = keys,
	    .nkeys = n,
	    .handler = cb,
	    .arg = in,
	    .reject = fleetd_reject_cb,
	    .reject_arg = ep};
	struct chan_listener *l;
	char err[256];

	if (chan_listener_start(&l, &lc, err, sizeof(err)) == -1)
		fatalx("%s: cannot listen: %s", ep->what, err);
	return (l);
}

/* Everything fleetd runs, in start order. */
struct fleetd {
	const struct fleetd_config *conf;
	struct store *st;
	struct core *core;
	struct ingest *in;
	struct fleetd_endpoint ep_agent, ep_ctl;
	struct chan_listener *la, *lc;
	uint8_t (*akeys)[KEY_LEN], (*okeys)[KEY_LEN];
};

/* Starts the core and the listeners; priv is wiped by the caller. */
static void
fleetd_start(
    struct fleetd *f, const struct fleetd_config *conf, const uint8_t *priv)
{
	char err[512];

	f->conf = conf;
	f->ep_agent.what = "agent";
	f->ep_ctl.what = "control";
	pthread_mutex_init(&f->ep_agent.mtx, NULL);
	pthread_mutex_init(&f->ep_ctl.mtx, NULL);
	f->st = fleetd_open_store(conf);
	f->akeys = xcalloc(conf->nrelays + 1, sizeof(*f->akeys));
	f->okeys = xcalloc(conf->nops + 1, sizeof(*f->okeys));
	for (size_t i = 0; i < conf->nrelays; i++)
		memcpy(f->akeys[i], conf->relays[i].agent_key, KEY_LEN);
	for (size_t i = 0; i < conf->nops; i++)
		memcpy(f->okeys[i], conf->ops[i].key, KEY_LEN);
	if (core_start(&f->core, conf, f->st, err, sizeof(err)) == -1)
		fatalx("fleetd: %s", err);
	f->in = ingest_new(conf, f->core);
	f->la = fleetd_listen(conf->agent_listen, priv,
	    (const uint8_t(*)[KEY_LEN])f->akeys, conf->nrelays, ingest_agent_cb,
	    f->in, &f->ep_agent);
	f->lc = fleetd_listen(conf->control_listen, priv,
	    (const uint8_t(*)[KEY_LEN])f->okeys, conf->nops, ingest_ctl_cb,
	    f->in, &f->ep_ctl);
}

static void
fleetd_log_stats(struct fleetd *f)
{
	struct ingest_stats is;
	struct core_stats cs;

	ingest_get_stats(f->in, &is);
	core_get_stats(f->core, &cs);
	log_info("fleetd: reports=%" PRIu64 " duplicates=%" PRIu64
	         " bad_reports=%" PRIu64 " bad_requests=%" PRIu64
	         " ctl=%" PRIu64 " ctl_denied=%" PRIu64 " events=%" PRIu64
	         " store_errors=%" PRIu64 " pruned=%" PRIu64
	         " lb_rounds=%" PRIu64 " lb_failures=%" PRIu64
	         " lb_drift=%" PRIu64,
	    cs.reports, cs.duplicates, is.bad_reports, is.bad_requests, cs.ctl,
	    cs.ctl_denied, cs.events, cs.store_errors, cs.pruned, cs.lb_rounds,
	    cs.lb_failures, cs.lb_drift);
}

static void
fleetd_stop(struct fleetd *f)
{
	core_detach(f->core);
	chan_listener_stop(f->la);
	chan_listener_stop(f->lc);
	f->la = f->lc = NULL;
	fleetd_log_stats(f);
	core_stop(f->core);
	f->core = NULL;
	ingest_free(f->in);
	f->in = NULL;
	store_close(f->st);
	f->st = NULL;
	free(f->akeys);
	free(f->okeys);
	pthread_mutex_destroy(&f->ep_agent.mtx);
	pthread_mutex_destroy(&f->ep_ctl.mtx);
}

int
main(int argc, char *argv[])
{
	const char *path = FLEETD_DEFAULT_CONFIG;
	struct fleetd_config conf;
	struct fleetd f;
	uint8_t priv[KEY_LEN];
	bool foreground = false, check = false;
	int ch, verbose = 0, sig;
	char err[512];

	util_block_signals(); /* first: a TERM during start-up waits */
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
		fprintf(stderr, "fleetd: libsodium failed to initialize\n");
		return (1);
	}
	if (fleetd_config_load(&conf, path, err, sizeof(err)) == -1 ||
	    key_load_private(priv, conf.key_file, err, sizeof(err)) == -1) {
		fprintf(stderr, "fleetd: %s\n", err);
		fleetd_config_free(&conf);
		return (1);
	}
	if (check) {
		printf("fleetd: configuration %s ok (%zu relays, %zu "
		       "operators, %zu rules)\n",
		    path, conf.nrelays, conf.nops, conf.policy.nrules);
		fleetd_config_free(&conf);
		return (0);
	}
	log_init("fleetd", foreground, verbose);
	memset(&f, 0, sizeof(f));
	fleetd_start(&f, &conf, priv);
	sodium_memzero(priv, sizeof(priv));
	log_info("fleetd: started: %zu relays, %zu operators, agents on %s, "
	         "control on %s",
	    conf.nrelays, conf.nops, conf.agent_listen, conf.control_listen);
	while ((sig = util_wait_signal()) == SIGHUP)
		log_info("fleetd: reload is not supported yet; restart to "
		         "apply a new configuration");
	log_info("fleetd: %s received, stopping", strsignal(sig));
	fleetd_stop(&f);
	fleetd_config_free(&conf);
	return (0);
}
