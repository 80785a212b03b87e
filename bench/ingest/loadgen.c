/* SPDX-License-Identifier: ISC */
/*
 * bench/ingest's load generator: N simulated fleet-agents in one process,
 * each with its own static key (derived from --seed and its index, so the
 * driver can enroll them from --print-pubkeys), its own nng req0 socket
 * and TCP connection, its own Noise session (the channel.h client: HELLO
 * with the wall clock as timestamp, WELCOME, then DATA), its own random
 * epoch and a seq from 1.  Reports come from mix.c's pool.
 *
 * Each agent is driven by one aio whose callback runs on nng's threads:
 * send, then receive, then the next step; an agent has at most one Report
 * in flight, as the real agent.  With --rate 0 each agent sends its next
 * Report when the Ack of the previous one arrives (closed loop: what
 * fleetd sustains).  With --rate R a pacer thread gives send slots at R
 * per second round robin over the agents; a slot that finds its agent
 * still waiting is owed and used as soon as the Ack comes ("late").
 *
 * Stdout: a line "window start" when the measured window opens (after
 * every agent has a session, or --connect seconds, and --warmup), a line
 * "window end", then one line of JSON with the figures.  Latency is from
 * handing the DATA to nng to the Ack decoded, for Acks inside the window.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/util/platform.h>
#include <sodium.h>

#include "channel.h"
#include "keys.h"
#include "mix.h"
#include "util.h"
#include "wire.h"

#define LG_POOL       512     /* report templates */
#define LG_TIMEOUT_MS 30000   /* one exchange with fleetd */
#define LG_BACKOFF_MS 1000    /* before a new try after a failure */
#define LG_LAT_MAX    8000000 /* latency samples kept (closed loop) */
#define LG_REPLY_MAX  4096    /* an Ack is a few dozen bytes */

enum lg_state {
	LG_HELLO,   /* a HELLO is being sent, or its answer awaited */
	LG_DATA,    /* the same for a Report */
	LG_IDLE,    /* a session and nothing to send: waits for the pacer */
	LG_BACKOFF, /* sleeping after a failure */
};

struct lg;

struct lg_agent {
	struct lg *lg;
	size_t idx;
	pthread_mutex_t mtx; /* everything below */
	nng_socket sock;
	nng_ctx ctx;
	nng_aio *aio;
	struct chan_client cli;
	enum lg_state state;
	bool is_receiving; /* the aio's operation: receive (else send) */
	bool is_ready;     /* had a session once: counted in nready */
	bool has_pending;  /* seq was sent and is not acked yet */
	uint64_t epoch, seq;
	uint64_t sent_ns; /* monotonic, when seq went to nng */
	uint64_t owed;    /* pacer slots that found the agent busy */
};

/* Totals over the whole run; acks_win and the latencies: the window. */
struct lg_stats {
	atomic_uint_fast64_t acks, acks_win, dups, refused, errors, timeouts;
	atomic_uint_fast64_t transport, bad, handshakes, late;
	atomic_uint_fast64_t rejects[CHAN_REJ_MAX + 1];
};

struct lg {
	const char *url;
	uint8_t server_pub[KEY_LEN];
	uint64_t seed;
	size_t n;
	double rate; /* Reports/s for all agents; 0: closed loop */
	struct mix_pool pool;
	struct lg_agent *agents;
	atomic_bool stopping;
	atomic_uint_fast64_t win_start, win_end; /* monotonic ns, 0: not yet */
	uint32_t *lat;                           /* microseconds */
	size_t caplat;
	atomic_size_t nlat, nready;
	struct lg_stats st;
};

static void lg_cb(void *arg);
static void lg_send_report(struct lg_agent *a);

static uint64_t
lg_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

/* Agent i's private key: BLAKE2b of a label, the seed and i. */
static void
lg_key(uint64_t seed, size_t i, uint8_t priv[KEY_LEN])
{
	uint8_t msg[24] = "rf-bench";

	for (int b = 0; b < 8; b++) {
		msg[8 + b] = (uint8_t)(seed >> (8 * b));
		msg[16 + b] = (uint8_t)((uint64_t)i >> (8 * b));
	}
	crypto_generichash(priv, KEY_LEN, msg, sizeof(msg), NULL, 0);
}

static void
lg_print_pubkeys(uint64_t seed, size_t n)
{
	uint8_t priv[KEY_LEN], pub[KEY_LEN];
	char text[KEY_B64_LEN + 1];

	for (size_t i = 0; i < n; i++) {
		lg_key(seed, i, priv);
		crypto_scalarmult_base(pub, priv);
		key_encode(text, pub);
		printf("%s\n", text);
	}
	sodium_memzero(priv, sizeof(priv));
}

/* Sleeps, then lg_cb tries again (the same Report, if one is pending). */
static void
lg_backoff(struct lg_agent *a)
{
	a->state = LG_BACKOFF;
	nng_sleep_aio(LG_BACKOFF_MS, a->aio);
}

/* Sends a frame (copied) as the request of state. */
static void
lg_xfer(
    struct lg_agent *a, enum lg_state state, const uint8_t *frame, size_t len)
{
	nng_msg *m;

	if (nng_msg_alloc(&m, len) != 0) {
		atomic_fetch_add(&a->lg->st.transport, 1);
		lg_backoff(a);
		return;
	}
	memcpy(nng_msg_body(m), frame, len);
	a->state = state;
	a->is_receiving = false;
	nng_aio_set_msg(a->aio, m);
	nng_aio_set_timeout(a->aio, LG_TIMEOUT_MS);
	nng_ctx_send(a->ctx, a->aio);
}

static void
lg_send_hello(struct lg_agent *a)
{
	uint8_t hello[CHAN_HELLO_LEN];

	if (chan_client_hello(&a->cli, util_wall_ns(), hello) == -1) {
		atomic_fetch_add(&a->lg->st.bad, 1);
		lg_backoff(a);
		return;
	}
	lg_xfer(a, LG_HELLO, hello, sizeof(hello));
}

/* Seals and sends Report seq, handshaking first when the session is old. */
static void
lg_send_report(struct lg_agent *a)
{
	struct lg *lg = a->lg;
	char host[WIRE_HOST_MAX + 1];
	uint8_t *buf, *frame;
	const char *errstr;
	size_t len, flen;

	a->has_pending = true;
	if (!chan_client_ready(&a->cli, util_now_ms())) {
		lg_send_hello(a);
		return;
	}
	snprintf(host, sizeof(host), "relay%05zu.mail.example.net", a->idx);
	if (mix_encode(&lg->pool, a->idx + a->seq, a->epoch, a->seq, host,
	        util_wall_s(), &buf, &len, &errstr) == -1) {
		fprintf(stderr, "loadgen: encode: %s\n", errstr);
		_exit(1); /* on an nng thread: no atexit handlers */
	}
	frame = xmalloc(len + CHAN_DATA_HDR + NOISE_TAG_LEN);
	if (chan_client_seal(&a->cli, buf, len, frame, &flen) == -1) {
		fprintf(stderr, "loadgen: seal failed (%zu bytes)\n", len);
		_exit(1);
	}
	free(buf);
	a->sent_ns = lg_now_ns();
	lg_xfer(a, LG_DATA, frame, flen);
	free(frame);
}

/* After a session or an Ack: what the mode says comes next. */
static void
lg_next(struct lg_agent *a)
{
	if (atomic_load(&a->lg->stopping)) {
		a->state = LG_IDLE;
		return;
	}
	if (a->has_pending || a->lg->rate == 0) {
		lg_send_report(a);
		return;
	}
	if (a->owed > 0) {
		a->owed--;
		atomic_fetch_add(&a->lg->st.late, 1);
		lg_send_report(a);
		return;
	}
	a->state = LG_IDLE;
}

static void
lg_refused(struct lg_agent *a, enum chan_reject rej, bool from_peer)
{
	if (from_peer)
		atomic_fetch_add(&a->lg->st.rejects[rej], 1);
	else
		atomic_fetch_add(&a->lg->st.bad, 1);
}

static void
lg_on_welcome(struct lg_agent *a, nng_msg *m)
{
	enum chan_reject rej;
	bool from_peer;

	if (chan_client_welcome(&a->cli, nng_msg_body(m), nng_msg_len(m),
	        util_now_ms(), &rej, &from_peer) == -1) {
		lg_refused(a, rej, from_peer);
		lg_backoff(a);
		return;
	}
	atomic_fetch_add(&a->lg->st.handshakes, 1);
	if (!a->is_ready) {
		a->is_ready = true;
		atomic_fetch_add(&a->lg->nready, 1);
	}
	lg_next(a);
}

static void
lg_record(struct lg *lg, uint64_t sent_ns, uint64_t now_ns)
{
	uint64_t ws = atomic_load(&lg->win_start);
	uint64_t we = atomic_load(&lg->win_end);
	size_t i;

	atomic_fetch_add(&lg->st.acks, 1);
	if (ws == 0 || now_ns < ws || (we != 0 && now_ns > we))
		return;
	atomic_fetch_add(&lg->st.acks_win, 1);
	if ((i = atomic_fetch_add(&lg->nlat, 1)) < lg->caplat)
		lg->lat[i] = (uint32_t)((now_ns - sent_ns) / 1000);
}

/* Checks the Ack of seq; on success moves on to the next seq. */
static void
lg_on_ack(struct lg_agent *a, const uint8_t *pt, size_t ptlen)
{
	struct lg *lg = a->lg;
	struct wire_agent_reply ar;
	uint64_t now = lg_now_ns();
	const char *errstr;

	if (wire_agent_reply_decode(&ar, pt, ptlen, &errstr) == -1 ||
	    (ar.error[0] == '\0' &&
	        (ar.acked_epoch != a->epoch || ar.acked_seq != a->seq))) {
		atomic_fetch_add(&lg->st.bad, 1);
		lg_backoff(a);
		return;
	}
	if (ar.error[0] != '\0' && !ar.is_refused) {
		atomic_fetch_add(&lg->st.errors, 1); /* temporary: resend */
		lg_backoff(a);
		return;
	}
	if (ar.is_refused)
		atomic_fetch_add(&lg->st.refused, 1); /* set aside: next */
	else {
		lg_record(lg, a->sent_ns, now);
		if (ar.duplicate)
			atomic_fetch_add(&lg->st.dups, 1);
	}
	a->has_pending = false;
	a->seq++;
	lg_next(a);
}

static void
lg_on_reply(struct lg_agent *a, nng_msg *m)
{
	uint8_t pt[LG_REPLY_MAX];
	enum chan_reject rej;
	size_t ptlen;
	bool from_peer;

	if (nng_msg_len(m) > sizeof(pt)) {
		atomic_fetch_add(&a->lg->st.bad, 1);
		lg_backoff(a);
		return;
	}
	if (chan_client_open(&a->cli, nng_msg_body(m), nng_msg_len(m), pt,
	        &ptlen, &rej, &from_peer) == -1) {
		lg_refused(a, rej, from_peer);
		if (from_peer && rej == CHAN_REJ_SESSION) {
			chan_client_reset(&a->cli); /* a new session, resend */
			lg_send_hello(a);
		} else
			lg_backoff(a);
		return;
	}
	lg_on_ack(a, pt, ptlen);
}

/* An operation failed (rv): counts it and backs off, unless stopping. */
static void
lg_failed(struct lg_agent *a, int rv)
{
	if (a->state != LG_BACKOFF && !a->is_receiving)
		nng_msg_free(nng_aio_get_msg(a->aio));
	if (rv == NNG_ECLOSED || rv == NNG_ECANCELED ||
	    atomic_load(&a->lg->stopping))
		return;
	if (rv == NNG_ETIMEDOUT)
		atomic_fetch_add(&a->lg->st.timeouts, 1);
	else
		atomic_fetch_add(&a->lg->st.transport, 1);
	lg_backoff(a);
}

static void
lg_cb(void *arg)
{
	struct lg_agent *a = arg;
	int rv = nng_aio_result(a->aio);
	nng_msg *m;

	pthread_mutex_lock(&a->mtx);
	if (rv != 0) {
		lg_failed(a, rv);
		goto out;
	}
	switch (a->state) {
	case LG_BACKOFF:
		if (atomic_load(&a->lg->stopping))
			a->state = LG_IDLE;
		else if (chan_client_ready(&a->cli, util_now_ms()))
			lg_next(a);
		else
			lg_send_hello(a);
		break;
	case LG_HELLO:
	case LG_DATA:
		if (!a->is_receiving) { /* sent: now the answer */
			a->is_receiving = true;
			nng_ctx_recv(a->ctx, a->aio);
			break;
		}
		m = nng_aio_get_msg(a->aio);
		if (a->state == LG_HELLO)
			lg_on_welcome(a, m);
		else
			lg_on_reply(a, m);
		nng_msg_free(m);
		break;
	case LG_IDLE:
		break;
	}
out:
	pthread_mutex_unlock(&a->mtx);
}

/* Gives send slots at lg->rate per second, round robin over the agents. */
static void *
lg_pacer(void *arg)
{
	struct lg *lg = arg;
	uint64_t t0 = lg_now_ns(), g = 0;
	double step = 1e9 / lg->rate;

	while (!atomic_load(&lg->stopping)) {
		uint64_t due = t0 + (uint64_t)((double)g * step);
		uint64_t now = lg_now_ns();
		struct lg_agent *a;
		struct timespec ts;

		if (now < due) {
			due = due - now > 100000000 ? now + 100000000 : due;
			ts.tv_sec = (time_t)(due / 1000000000ULL);
			ts.tv_nsec = (long)(due % 1000000000ULL);
			clock_nanosleep(
			    CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
			continue;
		}
		a = &lg->agents[g++ % lg->n];
		pthread_mutex_lock(&a->mtx);
		if (a->state == LG_IDLE && !atomic_load(&lg->stopping))
			lg_send_report(a);
		else
			a->owed++;
		pthread_mutex_unlock(&a->mtx);
	}
	return (NULL);
}

static void
lg_agent_start(struct lg *lg, size_t i)
{
	struct lg_agent *a = &lg->agents[i];
	uint8_t priv[KEY_LEN];
	int rv;

	a->lg = lg;
	a->idx = i;
	pthread_mutex_init(&a->mtx, NULL);
	lg_key(lg->seed, i, priv);
	chan_client_init(&a->cli, priv, lg->server_pub, CHAN_EP_AGENT);
	sodium_memzero(priv, sizeof(priv));
	do
		randombytes_buf(&a->epoch, sizeof(a->epoch));
	while (a->epoch == 0);
	a->seq = 1;
	if ((rv = nng_req0_open(&a->sock)) != 0 ||
	    (rv = nng_socket_set_size(
	         a->sock, NNG_OPT_RECVMAXSZ, CHAN_MAX_FRAME)) != 0 ||
	    (rv = nng_socket_set_ms(a->sock, NNG_OPT_RECONNMINT, 100)) != 0 ||
	    (rv = nng_socket_set_ms(a->sock, NNG_OPT_RECONNMAXT, 30000)) != 0 ||
	    (rv = nng_ctx_open(&a->ctx, a->sock)) != 0 ||
	    (rv = nng_ctx_set_ms(
	         a->ctx, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE)) != 0 ||
	    (rv = nng_aio_alloc(&a->aio, lg_cb, a)) != 0 ||
	    (rv = nng_dial(a->sock, lg->url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		fprintf(stderr, "loadgen: agent %zu: %s: %s\n", i, lg->url,
		    nng_strerror(rv));
		exit(1);
	}
	pthread_mutex_lock(&a->mtx);
	lg_send_hello(a);
	pthread_mutex_unlock(&a->mtx);
}

static void
lg_stop(struct lg *lg)
{
	atomic_store(&lg->stopping, true);
	for (size_t i = 0; i < lg->n; i++)
		nng_aio_stop(lg->agents[i].aio); /* callbacks see ECANCELED */
	for (size_t i = 0; i < lg->n; i++) {
		struct lg_agent *a = &lg->agents[i];

		nng_close(a->sock);
		nng_aio_free(a->aio);
		chan_client_fini(&a->cli);
		pthread_mutex_destroy(&a->mtx);
	}
}

static int
lg_cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return (a < b ? -1 : a > b);
}

/* Nearest-rank percentile q (0..100) of the n sorted samples, in ms. */
static double
lg_pct(const uint32_t *s, size_t n, unsigned q)
{
	size_t k = (q * n + 99) / 100;

	if (n == 0)
		return (0);
	return (s[k == 0 ? 0 : k - 1] / 1000.0);
}

static double
lg_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	        (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
}

static void
lg_print_json(struct lg *lg, double ready_s, double win_s, double cpu_s)
{
	size_t n = atomic_load(&lg->nlat);
	struct lg_stats *st = &lg->st;
	uint64_t acks = atomic_load(&st->acks_win);

	n = n < lg->caplat ? n : lg->caplat;
	qsort(lg->lat, n, sizeof(*lg->lat), lg_cmp_u32);
	printf("{\"agents\": %zu, \"ready\": %zu, \"ready_s\": %.2f, "
	       "\"rate_target\": %.0f, \"window_s\": %.3f, "
	       "\"acks_window\": %" PRIu64 ", \"reports_per_s\": %.1f, "
	       "\"lat_ms\": {\"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, "
	       "\"max\": %.3f, \"n\": %zu}, ",
	    lg->n, atomic_load(&lg->nready), ready_s, lg->rate, win_s, acks,
	    (double)acks / win_s, lg_pct(lg->lat, n, 50),
	    lg_pct(lg->lat, n, 90), lg_pct(lg->lat, n, 99),
	    n ? lg->lat[n - 1] / 1000.0 : 0.0, n);
	printf("\"acks\": %" PRIuFAST64 ", \"duplicates\": %" PRIuFAST64
	       ", \"refused\": %" PRIuFAST64 ", \"errors\": %" PRIuFAST64
	       ", \"timeouts\": %" PRIuFAST64 ", \"transport\": %" PRIuFAST64
	       ", \"bad\": %" PRIuFAST64 ", \"handshakes\": %" PRIuFAST64
	       ", \"late\": %" PRIuFAST64 ", \"rejects\": {",
	    atomic_load(&st->acks), atomic_load(&st->dups),
	    atomic_load(&st->refused), atomic_load(&st->errors),
	    atomic_load(&st->timeouts), atomic_load(&st->transport),
	    atomic_load(&st->bad), atomic_load(&st->handshakes),
	    atomic_load(&st->late));
	for (int r = 1, first = 1; r <= CHAN_REJ_MAX; r++) {
		uint64_t v = atomic_load(&st->rejects[r]);

		if (v == 0)
			continue;
		printf("%s\"%s\": %" PRIu64, first ? "" : ", ",
		    chan_reject_str((enum chan_reject)r), v);
		first = 0;
	}
	printf("}, \"report_bytes\": {\"avg\": %.0f, \"min\": %zu, "
	       "\"max\": %zu}, \"counters_avg\": %.1f, \"samples_avg\": %.1f, "
	       "\"loadgen_cpu_pct\": %.1f}\n",
	    lg->pool.bytes_avg, lg->pool.bytes_min, lg->pool.bytes_max,
	    lg->pool.counters_avg10 / 10.0, lg->pool.samples_avg10 / 10.0,
	    100.0 * cpu_s / win_s);
}

static void
lg_sleep_s(double s)
{
	struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Waits for every session (or the deadline); returns the seconds taken. */
static double
lg_wait_ready(struct lg *lg, uint64_t t0, unsigned connect_s)
{
	while (atomic_load(&lg->nready) < lg->n &&
	       lg_now_ns() - t0 < connect_s * 1000000000ULL)
		lg_sleep_s(0.01);
	return ((double)(lg_now_ns() - t0) / 1e9);
}

struct lg_opts {
	const char *server_key, *responses, *profile;
	unsigned warmup_s, duration_s, connect_s;
	bool print_pubkeys;
};

static void __attribute__((noreturn)) lg_usage(void)
{
	fprintf(stderr,
	    "usage: loadgen --agents N --seed S --print-pubkeys\n"
	    "       loadgen --url URL --server-key B64 --agents N --seed S\n"
	    "               [--rate R (0: closed loop)] [--warmup S]\n"
	    "               [--duration S] [--connect S]\n"
	    "               [--profile typical|troubled] --responses TSV\n");
	exit(2);
}

static uint64_t
lg_num(const char *s, uint64_t max)
{
	uint64_t v;
	const char *errstr;

	if (util_parse_uint(s, 0, max, &v, &errstr) == -1) {
		fprintf(stderr, "loadgen: %s: %s\n", s, errstr);
		lg_usage();
	}
	return (v);
}

static void
lg_args(struct lg *lg, struct lg_opts *o, int argc, char *argv[])
{
	static const struct option opts[] = {{"url", 1, NULL, 'u'},
	    {"server-key", 1, NULL, 'k'}, {"agents", 1, NULL, 'n'},
	    {"seed", 1, NULL, 's'}, {"rate", 1, NULL, 'r'},
	    {"warmup", 1, NULL, 'w'}, {"duration", 1, NULL, 'd'},
	    {"connect", 1, NULL, 'c'}, {"profile", 1, NULL, 'p'},
	    {"responses", 1, NULL, 't'}, {"print-pubkeys", 0, NULL, 'P'},
	    {NULL, 0, NULL, 0}};
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			lg->url = optarg;
			break;
		case 'k':
			o->server_key = optarg;
			break;
		case 'n':
			lg->n = lg_num(optarg, 1000000);
			break;
		case 's':
			lg->seed = lg_num(optarg, UINT64_MAX);
			break;
		case 'r':
			lg->rate = (double)lg_num(optarg, 10000000);
			break;
		case 'w':
			o->warmup_s = (unsigned)lg_num(optarg, 3600);
			break;
		case 'd':
			o->duration_s = (unsigned)lg_num(optarg, 3600);
			break;
		case 'c':
			o->connect_s = (unsigned)lg_num(optarg, 3600);
			break;
		case 'p':
			o->profile = optarg;
			break;
		case 't':
			o->responses = optarg;
			break;
		case 'P':
			o->print_pubkeys = true;
			break;
		default:
			lg_usage();
		}
	}
	if (optind != argc || lg->n == 0 ||
	    (!o->print_pubkeys &&
	        (lg->url == NULL || o->server_key == NULL ||
	            o->responses == NULL || o->duration_s == 0)))
		lg_usage();
}

/* Enough descriptors for one connection per agent. */
static void
lg_nofile(size_t n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < n + 64)
		fprintf(stderr,
		    "loadgen: warning: %zu agents, but only %ju "
		    "file descriptors\n",
		    n, (uintmax_t)rl.rlim_cur);
}

static void
lg_setup(struct lg *lg, struct lg_opts *o)
{
	enum mix_profile profile;
	const char *errstr;
	char err[256];

	if (key_decode(lg->server_pub, o->server_key, &errstr) == -1) {
		fprintf(stderr, "loadgen: --server-key: %s\n", errstr);
		exit(2);
	}
	if (!mix_profile_parse(o->profile, &profile))
		lg_usage();
	if (mix_pool_build(&lg->pool, o->responses, profile, LG_POOL, lg->seed,
	        err, sizeof(err)) == -1) {
		fprintf(stderr, "loadgen: %s\n", err);
		exit(1);
	}
	lg_nofile(lg->n);
	lg->caplat = lg->rate > 0
	                 ? (size_t)(lg->rate * o->duration_s * 1.5) + 1000
	                 : LG_LAT_MAX;
	lg->lat = xcalloc(lg->caplat, sizeof(*lg->lat));
	lg->agents = xcalloc(lg->n, sizeof(*lg->agents));
}

int
main(int argc, char *argv[])
{
	struct lg *lg = xcalloc(1, sizeof(*lg));
	struct lg_opts o = {
	    .profile = "typical", .warmup_s = 3, .connect_s = 60};
	pthread_t pacer;
	double ready_s, cpu0, win_s;
	uint64_t t0;

	lg_args(lg, &o, argc, argv);
	if (sodium_init() == -1)
		return (1);
	if (o.print_pubkeys) {
		lg_print_pubkeys(lg->seed, lg->n);
		free(lg);
		return (fflush(stdout) == 0 ? 0 : 1);
	}
	lg_setup(lg, &o);
	t0 = lg_now_ns();
	for (size_t i = 0; i < lg->n; i++)
		lg_agent_start(lg, i);
	if (lg->rate > 0 && pthread_create(&pacer, NULL, lg_pacer, lg) != 0)
		return (1);
	ready_s = lg_wait_ready(lg, t0, o.connect_s);
	fprintf(stderr,
	    "loadgen: %zu of %zu agents have a session after %.1f s\n",
	    atomic_load(&lg->nready), lg->n, ready_s);
	lg_sleep_s(o.warmup_s);
	cpu0 = lg_cpu_s();
	atomic_store(&lg->win_start, lg_now_ns());
	printf("window start\n");
	fflush(stdout);
	lg_sleep_s(o.duration_s);
	atomic_store(&lg->win_end, lg_now_ns());
	printf("window end\n");
	fflush(stdout);
	win_s = (double)(lg->win_end - lg->win_start) / 1e9;
	cpu0 = lg_cpu_s() - cpu0;
	atomic_store(&lg->stopping, true);
	if (lg->rate > 0)
		pthread_join(pacer, NULL);
	lg_stop(lg);
	lg_print_json(lg, ready_s, win_s, cpu0);
	mix_pool_free(&lg->pool);
	free(lg->lat);
	free(lg->agents);
	free(lg);
	return (0);
}
