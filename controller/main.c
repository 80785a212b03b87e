/* SPDX-License-Identifier: ISC */
/*
 * fleetd: the controller.  main() follows STYLE.md section 5: argv,
 * config (-n checks it and exits), logging, key and store, signals
 * blocked before the first nng call, the open files limit raised, then
 * fleetd_start(): the core thread and the two listeners (agents, with the
 * [fleetd] limits; fleetctl, with caps of its own); then sigwait().
 * fleetd_stop() undoes it in the order that keeps every pointer valid:
 * the core stops answering, the listeners stop (no handler runs after
 * that), then the core finishes and stops, then the store closes.
 */
#include <sys/param.h>
#include <sys/resource.h>

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
#include "wire.h"

#define FLEETD_DEFAULT_CONFIG "/etc/relayfleet/fleetd.conf"
#define FLEETD_REJECT_BURST   20    /* refusal log lines per window */
#define FLEETD_REJECT_WINDOW  10000 /* ms */
#define FLEETD_CTL_MAX_CONN   64    /* fleetctl connections, all sources */
#define FLEETD_SPARE_FILES    256   /* store, logs, lb sockets, children */

/*
 * The largest control frame (docs/protocol.md, "Connection limits"): a
 * CtlRequest is small but for maint add --relays, up to WIRE_RELAYS_MAX
 * names of WIRE_NAME_MAX bytes with 2 bytes of protobuf framing each;
 * 4 KiB more holds every other field; then the DATA header and tag:
 * 270368 bytes.
 */
#define FLEETD_CTL_MAX_FRAME                                                   \
	(WIRE_RELAYS_MAX * (WIRE_NAME_MAX + 2) + 4096 + CHAN_DATA_HDR +        \
	    NOISE_TAG_LEN)

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

/* True if a refusal may be logged: at most FLEETD_REJECT_BURST a window. */
static bool
fleetd_log_budget(struct fleetd_endpoint *ep)
{
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
	return (log_it);
}

/* Logs a refused frame. */
static void
fleetd_reject_cb(void *arg, enum chan_reject rej, const struct chan_rx *rx)
{
	struct fleetd_endpoint *ep = arg;
	char key[KEY_B64_LEN + 1] = "-";

	if (!fleetd_log_budget(ep))
		return;
	if (rx->has_key)
		key_encode(key, rx->key);
	log_warnx(
	    "%s: refused: %s: key=%s", ep->what, chan_reject_str(rej), key);
}

/* Logs a refused connection. */
static void
fleetd_refuse_cb(void *arg, const char *source, const char *why)
{
	struct fleetd_endpoint *ep = arg;

	if (fleetd_log_budget(ep))
		log_warnx("%s: connection refused: source=%s: %s", ep->what,
		    source, why);
}

/*
 * Raises the soft open files limit to want, never above the hard limit:
 * each connection holds a descriptor, and systemd's default soft limit
 * (1024) is below the agent endpoint's default max_connections.
 */
static void
fleetd_raise_nofile(uint64_t want, uint64_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("fleetd: getrlimit");
		return;
	}
	if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max)
		want = rl.rlim_max;
	if (want > rl.rlim_cur) {
		rl.rlim_cur = (rlim_t)want;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("fleetd: setrlimit nofile %" PRIu64, want);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	log_info("fleetd: open files limit %ju (hard %ju)",
	    (uintmax_t)rl.rlim_cur, (uintmax_t)rl.rlim_max);
	if (rl.rlim_cur < need)
		log_warnx("fleetd: open files limit %ju is below the %" PRIu64
		          " that max_connections needs; raise LimitNOFILE",
		    (uintmax_t)rl.rlim_cur, need);
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
fleetd_listen(struct chan_listener_conf *lc, struct fleetd_endpoint *ep)
{
	struct chan_listener *l;
	char err[256];

	lc->reject = fleetd_reject_cb;
	lc->refuse = fleetd_refuse_cb;
	lc->reject_arg = ep;
	if (chan_listener_start(&l, lc, err, sizeof(err)) == -1)
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
	const char **relay_ips; /* borrowed from conf */
};

/*
 * The agent endpoint takes the [fleetd] limits and, unless agent_sources
 * = any, only the relays' addresses.  The control endpoint serves
 * operators, usually all on 127.0.0.1: any source, FLEETD_CTL_MAX_CONN
 * connections, the same timeouts and per-source cap, and hello_rate for
 * one source as for all (they share one address); small frames.
 */
static void
fleetd_listeners(struct fleetd *f, const uint8_t *priv)
{
	const struct fleetd_config *conf = f->conf;
	const struct fleetd_limits *lim = &conf->limits;
	struct chan_listener_conf a = {.url = conf->agent_listen,
	    .endpoint = CHAN_EP_AGENT,
	    .hello_skew_ms = lim->hello_skew_ms,
	    .priv = priv,
	    .keys = (const uint8_t(*)[KEY_LEN])f->akeys,
	    .nkeys = conf->nrelays,
	    .handler = ingest_agent_cb,
	    .arg = f->in,
	    .recv_max = CHAN_MAX_FRAME,
	    .restrict_sources = !lim->any_source,
	    .sources = f->relay_ips,
	    .nsources = conf->nrelays,
	    .max_connections = lim->max_connections,
	    .max_per_source = lim->max_per_source,
	    .handshake_timeout_ms = lim->handshake_timeout_ms,
	    .idle_timeout_ms = lim->idle_timeout_ms,
	    .hello_rate = lim->hello_rate,
	    .hello_rate_per_source = lim->hello_rate_per_source};
	struct chan_listener_conf c = a;

	c.url = conf->control_listen;
	c.endpoint = CHAN_EP_CONTROL;
	c.keys = (const uint8_t(*)[KEY_LEN])f->okeys;
	c.nkeys = conf->nops;
	c.handler = ingest_ctl_cb;
	c.recv_max = FLEETD_CTL_MAX_FRAME;
	c.restrict_sources = false;
	c.sources = NULL;
	c.nsources = 0;
	c.max_connections = FLEETD_CTL_MAX_CONN;
	c.max_per_source = MIN(lim->max_per_source, FLEETD_CTL_MAX_CONN);
	c.hello_rate_per_source = lim->hello_rate;
	f->la = fleetd_listen(&a, &f->ep_agent);
	f->lc = fleetd_listen(&c, &f->ep_ctl);
}

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
	f->relay_ips = xcalloc(conf->nrelays + 1, sizeof(*f->relay_ips));
	for (size_t i = 0; i < conf->nrelays; i++) {
		memcpy(f->akeys[i], conf->relays[i].agent_key, KEY_LEN);
		f->relay_ips[i] = conf->relays[i].ip;
	}
	for (size_t i = 0; i < conf->nops; i++)
		memcpy(f->okeys[i], conf->ops[i].key, KEY_LEN);
	if (core_start(&f->core, conf, f->st, err, sizeof(err)) == -1)
		fatalx("fleetd: %s", err);
	f->in = ingest_new(conf, f->core);
	fleetd_listeners(f, priv);
}

/* A listener's counters; logged just before it stops. */
static void
fleetd_log_listener(const char *what, struct chan_listener *l)
{
	struct chan_stats s;
	uint64_t rejected = 0;

	chan_listener_stats(l, &s);
	for (size_t i = 0; i <= CHAN_REJ_MAX; i++)
		rejected += s.rejected[i];
	log_info("%s: handshakes=%" PRIu64 " requests=%" PRIu64
	         " rejected=%" PRIu64 " hello_rate_limited=%" PRIu64
	         " conn_accepted=%" PRIu64 " conn_refused_source=%" PRIu64
	         " conn_refused_cap=%" PRIu64
	         " conn_refused_per_source=%" PRIu64
	         " conn_closed_handshake=%" PRIu64 " conn_closed_idle=%" PRIu64,
	    what, s.handshakes, s.requests, rejected, s.hello_rate_limited,
	    s.conn_accepted, s.conn_refused_source, s.conn_refused_cap,
	    s.conn_refused_per_source, s.conn_closed_handshake,
	    s.conn_closed_idle);
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
	         " lb_drift=%" PRIu64 " rate_limited=%" PRIu64
	         " epoch_limited=%" PRIu64 " too_large=%" PRIu64
	         " seq_ahead=%" PRIu64 " store_full=%" PRIu64,
	    cs.reports, cs.duplicates, is.bad_reports, is.bad_requests, cs.ctl,
	    cs.ctl_denied, cs.events, cs.store_errors, cs.pruned, cs.lb_rounds,
	    cs.lb_failures, cs.lb_drift, cs.rate_limited, cs.epoch_limited,
	    cs.too_large, cs.seq_ahead, cs.store_full);
}

#define FLEETD_LISTENER_STOP_MS 4000

/* One listener being stopped on a thread of its own. */
struct fleetd_stopper {
	struct chan_listener *l;
	pthread_mutex_t mtx;
	pthread_cond_t cv;
	bool done;
};

static void *
fleetd_stopper_main(void *arg)
{
	struct fleetd_stopper *s = arg;

	chan_listener_stop(s->l);
	pthread_mutex_lock(&s->mtx);
	s->done = true;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mtx);
	return (NULL);
}

/*
 * Stops a listener, waiting FLEETD_LISTENER_STOP_MS at most.  nng 1.5.2
 * can hang in nng_close() when a peer hung up while a reply was being
 * sent to it (nng issue 1543; a flood makes it likely): then the listener
 * is left as it is (its contexts are closed, so no handler runs again and
 * core_detach() stops every answer) and fleetd stops without it, every
 * decision committed, rather than never.
 */
static void
fleetd_stop_listener(const char *what, struct chan_listener *l)
{
	struct fleetd_stopper *s = xcalloc(1, sizeof(*s));
	pthread_condattr_t ca;
	struct timespec ts;
	pthread_t t;
	bool done;

	s->l = l;
	pthread_mutex_init(&s->mtx, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&t, NULL, fleetd_stopper_main, s) != 0) {
		chan_listener_stop(l);
		s->done = true;
	} else {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += FLEETD_LISTENER_STOP_MS / 1000;
		pthread_mutex_lock(&s->mtx);
		while (!s->done &&
		       pthread_cond_timedwait(&s->cv, &s->mtx, &ts) == 0)
			;
		done = s->done;
		pthread_mutex_unlock(&s->mtx);
		if (!done) {
			log_warnx("%s: listener did not stop within %d ms (an "
			          "nng 1.5.2 hang, issue 1543); stopping "
			          "without it",
			    what, FLEETD_LISTENER_STOP_MS);
			pthread_detach(t);
			return; /* s stays with the thread */
		}
		pthread_join(t, NULL);
	}
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mtx);
	free(s);
}

static void
fleetd_stop(struct fleetd *f)
{
	core_detach(f->core);
	fleetd_log_listener(f->ep_agent.what, f->la);
	fleetd_log_listener(f->ep_ctl.what, f->lc);
	fleetd_stop_listener(f->ep_agent.what, f->la);
	fleetd_stop_listener(f->ep_ctl.what, f->lc);
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
	free(f->relay_ips);
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
	fleetd_raise_nofile(conf.limits.nofile, conf.limits.max_connections +
	                                            FLEETD_CTL_MAX_CONN +
	                                            FLEETD_SPARE_FILES);
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
