/* SPDX-License-Identifier: ISC */
/*
 * common/chan_nng: what a chan_listener does against a pre-auth flood, on
 * real nng sockets over 127.0.0.0/8.  Flooders are raw TCP sockets bound
 * to their own loopback source (127.0.0.2 and up) that speak the SP
 * handshake and frames by hand (raw_*); honest agents are chan_conns
 * dialing from 127.0.0.1 against a listener whose handler echoes.  Waits
 * poll a condition up to a deadline; none sleeps a fixed time.  Also the
 * hash-table allowlist of common/channel (100,000 keys) and its size cap.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "chan_nng.h"
#include "channel.h"
#include "util.h"

#define FX_NKEYS   3 /* 0: honest agent, 1: flooder, 2: another agent */
#define FX_MAXRAW  32
#define FX_WAIT_MS 5000 /* deadline of every wait for a condition */
#define RAW_REQ0   0x30 /* SP protocol number of req0 */
#define RAW_ID     UINT32_C(0x80000000)

struct fx {
	uint8_t spriv[NOISE_KEY_LEN], spub[NOISE_KEY_LEN];
	uint8_t cpriv[FX_NKEYS][NOISE_KEY_LEN], cpub[FX_NKEYS][NOISE_KEY_LEN];
	struct chan_listener *l;
	int port;
	char url[64];
	int raw[FX_MAXRAW];
	size_t nraw;
	struct chan_conn *conn;
};

static void
fx_echo_cb(void *arg, struct chan_call *call, size_t peer,
    const uint8_t *payload, size_t len)
{
	(void)arg;
	(void)peer;
	chan_call_reply(call, payload, len);
}

static int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return (-1);
	noise_keypair(f->spriv, f->spub);
	for (size_t i = 0; i < FX_NKEYS; i++)
		noise_keypair(f->cpriv[i], f->cpub[i]);
	*state = f;
	return (0);
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;

	for (size_t i = 0; i < f->nraw; i++)
		if (f->raw[i] != -1)
			close(f->raw[i]);
	chan_conn_close(f->conn);
	chan_listener_stop(f->l);
	free(f);
	return (0);
}

/* A listener conf with no limits: tests set the ones they check. */
static struct chan_listener_conf
fx_conf(struct fx *f)
{
	struct chan_listener_conf lc = {.endpoint = CHAN_EP_AGENT,
	    .priv = f->spriv,
	    .keys = (const uint8_t(*)[NOISE_KEY_LEN])f->cpub,
	    .nkeys = FX_NKEYS,
	    .handler = fx_echo_cb};

	return (lc);
}

/* Starts f->l with lc on a free port of 127.0.0.1 (a few tries). */
static void
fx_listen(struct fx *f, struct chan_listener_conf *lc)
{
	char err[256] = "";

	chan_listener_stop(f->l);
	f->l = NULL;
	for (int i = 0; i < 50 && f->l == NULL; i++) {
		f->port = 20000 + (int)randombytes_uniform(10000);
		snprintf(f->url, sizeof(f->url), "tcp://127.0.0.1:%d", f->port);
		lc->url = f->url;
		if (chan_listener_start(&f->l, lc, err, sizeof(err)) == -1 &&
		    strstr(err, "in use") == NULL)
			fail_msg("listen: %s", err);
	}
	assert_non_null(f->l);
}

static struct chan_stats
fx_stats(struct fx *f)
{
	struct chan_stats st;

	chan_listener_stats(f->l, &st);
	return (st);
}

/* Waits until the listener holds n connections. */
static void
fx_wait_conns(struct fx *f, uint64_t n)
{
	uint64_t deadline = util_now_ms() + FX_WAIT_MS;
	struct pollfd none;

	while (fx_stats(f).connections != n) {
		if (util_now_ms() > deadline)
			fail_msg("connections: %llu, want %llu",
			    (unsigned long long)fx_stats(f).connections,
			    (unsigned long long)n);
		(void)poll(&none, 0, 5); /* a polling interval */
	}
}

/* The honest agent (key k, from 127.0.0.1) calls: true if echoed. */
static bool
fx_call(struct fx *f, size_t k, unsigned timeout_ms)
{
	static const uint8_t req[] = "report";
	uint8_t *resp = NULL;
	size_t rlen = 0;
	char err[256];
	bool ok;

	if (f->conn == NULL)
		assert_int_equal(chan_conn_open(&f->conn, f->url, CHAN_EP_AGENT,
		                     f->cpriv[k], f->spub, err, sizeof(err)),
		    0);
	ok = chan_conn_call(f->conn, req, sizeof(req), &resp, &rlen, timeout_ms,
	         NULL, err, sizeof(err)) == 0 &&
	     rlen == sizeof(req) && memcmp(resp, req, rlen) == 0;
	if (!ok)
		print_message("honest call: %s\n", err);
	free(resp);
	return (ok);
}

/* ---- a flooder's raw TCP socket ---------------------------------------- */

/* Reads n bytes by deadline: 0; -1 on EOF or error; -2 on timeout. */
static int
raw_read(int fd, uint8_t *buf, size_t n, uint64_t deadline)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	size_t got = 0;
	uint64_t now;
	ssize_t r;

	while (got < n) {
		if ((now = util_now_ms()) >= deadline)
			return (-2);
		if (poll(&pfd, 1, (int)(deadline - now)) <= 0)
			continue;
		if ((r = recv(fd, buf + got, n - got, 0)) <= 0)
			return (-1);
		got += (size_t)r;
	}
	return (0);
}

/*
 * Connects from src to the listener and does the SP handshake (sends
 * req0's header, reads the listener's): nng admits or refuses the
 * connection only after that.
 */
static int
raw_open(struct fx *f, const char *src)
{
	static const uint8_t hdr[8] = {0, 'S', 'P', 0, 0, RAW_REQ0, 0, 0};
	struct sockaddr_in sin = {.sin_family = AF_INET};
	uint8_t peer[8];
	int fd;

	assert_true(f->nraw < FX_MAXRAW);
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(inet_pton(AF_INET, src, &sin.sin_addr), 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	sin.sin_port = htons((uint16_t)f->port);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(send(fd, hdr, sizeof(hdr), MSG_NOSIGNAL), 8);
	assert_int_equal(
	    raw_read(fd, peer, sizeof(peer), util_now_ms() + FX_WAIT_MS), 0);
	assert_memory_equal(peer, hdr, 4);
	f->raw[f->nraw++] = fd;
	return (fd);
}

/* True once fd is closed by the listener, false if not by deadline. */
static bool
raw_closed(int fd, uint64_t deadline)
{
	uint8_t b;
	int rv;

	while ((rv = raw_read(fd, &b, 1, deadline)) == 0)
		; /* a late answer: skip it */
	return (rv == -1);
}

/* True if fd is still open now (anything it received is dropped). */
static bool
raw_open_now(int fd)
{
	return (!raw_closed(fd, util_now_ms()));
}

/*
 * Sends one SP message: length, request id, frame; 0 or -1.  Like the
 * rest of raw_*, it asserts nothing: floods run it on their own threads.
 */
static int
raw_send(int fd, uint32_t id, const uint8_t *frame, size_t len)
{
	uint8_t *msg = malloc(len + 12);
	uint64_t n = len + 4;
	ssize_t r = -1;

	if (msg == NULL)
		return (-1);
	for (int i = 0; i < 8; i++)
		msg[i] = (uint8_t)(n >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		msg[8 + i] = (uint8_t)((id | RAW_ID) >> (24 - 8 * i));
	memcpy(msg + 12, frame, len);
	r = send(fd, msg, len + 12, MSG_NOSIGNAL); /* one segment: no Nagle */
	free(msg);
	return (r == (ssize_t)(len + 12) ? 0 : -1);
}

/* Receives the answer (without its request id); -1 if none by deadline. */
static int
raw_recv(int fd, uint8_t *frame, size_t cap, size_t *len, uint64_t deadline)
{
	uint8_t hdr[12];
	uint64_t n = 0;

	if (raw_read(fd, hdr, sizeof(hdr), deadline) != 0)
		return (-1);
	for (int i = 0; i < 8; i++)
		n = (n << 8) | hdr[i];
	if (n < 4 || n - 4 > cap)
		return (-1);
	*len = (size_t)(n - 4);
	return (raw_read(fd, frame, *len, deadline) == 0 ? 0 : -1);
}

/* HELLO of cli over fd: 0 WELCOME, 1 refused (*rej), -1 no answer. */
static int
raw_hello(int fd, struct chan_client *cli, uint32_t id, enum chan_reject *rej)
{
	uint8_t hello[CHAN_HELLO_LEN], ans[CHAN_WELCOME_LEN];
	size_t alen;
	bool from_peer;

	if (chan_client_hello(cli, util_wall_ns(), hello) == -1 ||
	    raw_send(fd, id, hello, sizeof(hello)) == -1 ||
	    raw_recv(fd, ans, sizeof(ans), &alen, util_now_ms() + FX_WAIT_MS) ==
	        -1)
		return (-1);
	if (chan_client_welcome(
	        cli, ans, alen, util_now_ms(), rej, &from_peer) == 0)
		return (0);
	return (from_peer ? 1 : -1);
}

/* ---- connection caps ----------------------------------------------------- */

static void
test_per_source_cap(void **state)
{
	struct fx *f = *state;
	struct chan_listener_conf lc = fx_conf(f);
	int ninth;

	lc.max_connections = 64;
	lc.max_per_source = 8;
	fx_listen(f, &lc);
	for (int i = 0; i < 8; i++)
		raw_open(f, "127.0.0.2");
	fx_wait_conns(f, 8);
	ninth = raw_open(f, "127.0.0.2");
	assert_true(raw_closed(ninth, util_now_ms() + FX_WAIT_MS));
	for (int i = 0; i < 8; i++)
		assert_true(raw_open_now(f->raw[i]));
	assert_int_equal(fx_stats(f).conn_refused_per_source, 1);
	/* an honest agent from another address still gets its answers */
	for (int i = 0; i < 5; i++)
		assert_true(fx_call(f, 0, FX_WAIT_MS));
	fx_wait_conns(f, 9);
	/* and the flooder's count drops as its connections close */
	for (int i = 0; i < 9; i++) {
		close(f->raw[i]);
		f->raw[i] = -1;
	}
	fx_wait_conns(f, 1);
	raw_open(f, "127.0.0.2");
	fx_wait_conns(f, 2);
}

static void
test_global_cap(void **state)
{
	struct fx *f = *state;
	struct chan_listener_conf lc = fx_conf(f);
	int last;

	lc.max_connections = 12;
	lc.max_per_source = 8;
	fx_listen(f, &lc);
	for (int i = 0; i < 12; i++)
		raw_open(f, i < 8 ? "127.0.0.2" : "127.0.0.3");
	fx_wait_conns(f, 12);
	last = raw_open(f, "127.0.0.4");
	assert_true(raw_closed(last, util_now_ms() + FX_WAIT_MS));
	assert_true(fx_stats(f).conn_refused_cap >= 1);
	assert_int_equal(fx_stats(f).conn_refused_per_source, 0);
	/* no room for the honest agent either, until one closes */
	assert_false(fx_call(f, 0, 300));
	chan_conn_close(f->conn); /* its request went out on a refused one */
	f->conn = NULL;
	close(f->raw[0]);
	f->raw[0] = -1;
	fx_wait_conns(f, 11);
	assert_true(fx_call(f, 0, FX_WAIT_MS));
	fx_wait_conns(f, 12);
}

static void
test_sources(void **state)
{
	struct fx *f = *state;
	struct chan_listener_conf lc = fx_conf(f);
	const char *relays[] = {"127.0.0.21", "::ffff:127.0.0.22", "::1"};
	const char *bad[] = {"127.0.0.21", "relay1.example"};
	struct chan_listener *l2 = NULL;
	struct chan_client cli;
	enum chan_reject rej;
	char err[256];
	int fd;

	lc.restrict_sources = true;
	lc.sources = relays;
	lc.nsources = 3;
	fx_listen(f, &lc);
	fd = raw_open(f, "127.0.0.9");
	assert_true(raw_closed(fd, util_now_ms() + FX_WAIT_MS));
	assert_int_equal(fx_stats(f).conn_refused_source, 1);
	/* a v4-mapped relay address matches its IPv4 source */
	fd = raw_open(f, "127.0.0.22");
	chan_client_init(&cli, f->cpriv[2], f->spub, CHAN_EP_AGENT);
	assert_int_equal(raw_hello(fd, &cli, 1, &rej), 0);
	chan_client_fini(&cli);
	raw_open(f, "127.0.0.21");
	fx_wait_conns(f, 2);
	assert_int_equal(fx_stats(f).conn_refused_source, 1);
	/* agent_sources = any */
	lc.restrict_sources = false;
	fx_listen(f, &lc);
	fd = raw_open(f, "127.0.0.9");
	fx_wait_conns(f, 1);
	assert_true(raw_open_now(fd));
	lc.sources = bad;
	lc.nsources = 2;
	lc.url = f->url;
	assert_int_equal(chan_listener_start(&l2, &lc, err, sizeof(err)), -1);
	assert_null(l2);
	assert_non_null(strstr(err, "relay1.example"));
}

/* ---- deadlines ----------------------------------------------------------- */

static void
test_handshake_timeout(void **state)
{
	struct fx *f = *state;
	struct chan_listener_conf lc = fx_conf(f);
	static const uint8_t announce[8] = {0, 0, 0, 0, 0, 0x10, 0, 0};
	static const uint8_t junk[CHAN_HELLO_LEN] = {CHAN_HELLO, CHAN_VERSION};
	uint8_t ans[16];
	struct chan_client cli;
	enum chan_reject rej;
	int mute, noisy, good;
	uint64_t t0, dt;
	size_t alen;

	lc.handshake_timeout_ms = 300;
	fx_listen(f, &lc);
	t0 = util_now_ms();
	mute = raw_open(f, "127.0.0.2");
	/* announces a 1 MiB frame, then sends nothing */
	assert_int_equal(send(mute, announce, 8, MSG_NOSIGNAL), 8);
	good = raw_open(f, "127.0.0.3");
	chan_client_init(&cli, f->cpriv[2], f->spub, CHAN_EP_AGENT);
	assert_int_equal(raw_hello(good, &cli, 1, &rej), 0);
	chan_client_fini(&cli);
	/* busy with frames that are all refused (bad mac1): no better */
	noisy = raw_open(f, "127.0.0.4");
	for (uint32_t id = 1;; id++) {
		if (raw_send(noisy, id, junk, sizeof(junk)) == -1 ||
		    raw_recv(noisy, ans, sizeof(ans), &alen,
		        util_now_ms() + FX_WAIT_MS) == -1)
			break;
		assert_int_equal(ans[0], CHAN_REJECT);
		assert_true(util_now_ms() - t0 < 300 + FX_WAIT_MS);
	}
	assert_true(raw_closed(mute, util_now_ms() + FX_WAIT_MS));
	dt = util_now_ms() - t0;
	assert_true(dt >= 290);
	assert_true(raw_open_now(good)); /* it handshook: idle_timeout 0 */
	assert_int_equal(fx_stats(f).conn_closed_handshake, 2);
	assert_int_equal(fx_stats(f).conn_closed_idle, 0);
	fx_wait_conns(f, 1);
}

static void
test_idle_timeout(void **state)
{
	struct fx *f = *state;
	struct chan_listener_conf lc = fx_conf(f);
	uint8_t data[64], ans[64], pt[64];
	struct chan_client cli;
	enum chan_reject rej;
	size_t dlen, alen, ptlen;
	bool from_peer;
	uint64_t t, sent;
	int fd;

	lc.handshake_timeout_ms = 300;
	lc.idle_timeout_ms = 700;
	fx_listen(f, &lc);
	fd = raw_open(f, "127.0.0.2");
	chan_client_init(&cli, f->cpriv[0], f->spub, CHAN_EP_AGENT);
	assert_int_equal(raw_hello(fd, &cli, 1, &rej), 0);
	assert_int_equal(
	    chan_client_seal(&cli, (const uint8_t *)"hi", 2, data, &dlen), 0);
	sent = util_now_ms(); /* before the last good frame */
	assert_int_equal(raw_send(fd, 2, data, dlen), 0);
	assert_int_equal(
	    raw_recv(fd, ans, sizeof(ans), &alen, util_now_ms() + FX_WAIT_MS),
	    0);
	t = util_now_ms();
	assert_int_equal(
	    chan_client_open(&cli, ans, alen, pt, &ptlen, &rej, &from_peer), 0);
	chan_client_fini(&cli);
	/* past the handshake deadline: still open */
	assert_false(raw_closed(fd, t + 350));
	assert_true(raw_closed(fd, util_now_ms() + FX_WAIT_MS));
	assert_true(util_now_ms() - sent >= 700);
	assert_int_equal(fx_stats(f).conn_closed_idle, 1);
	assert_int_equal(fx_stats(f).conn_closed_handshake, 0);
	fx_wait_conns(f, 0);
}

/* ---- HELLO floods -------------------------------------------------------- */

/* On the heap, with copies of the keys: it outlives a failed test. */
struct flood {
	uint8_t priv[NOISE_KEY_LEN], spub[NOISE_KEY_LEN];
	int fd;
	atomic_bool stop;
	atomic_uint_fast64_t welcomes, busy, other;
	pthread_t thread;
};

/* Sends HELLOs (an allowed key: the costly kind) as fast as answered. */
static void *
flood_main(void *arg)
{
	struct flood *fl = arg;
	uint64_t deadline = util_now_ms() + 4 * FX_WAIT_MS;
	struct chan_client cli;
	enum chan_reject rej;
	int rv;

	chan_client_init(&cli, fl->priv, fl->spub, CHAN_EP_AGENT);
	for (uint32_t id = 1; !fl->stop && util_now_ms() < deadline; id++) {
		if ((rv = raw_hello(fl->fd, &cli, id, &rej)) == 0)
			fl->welcomes++;
		else if (rv == 1 && rej == CHAN_REJ_BUSY)
			fl->busy++;
		else
			fl->other++;
	}
	chan_client_fini(&cli);
	return (NULL);
}

/* A flooder with key 1 from src; flood_stop() joins and frees it. */
static struct flood *
flood_start(struct fx *f, const char *src)
{
	struct flood *fl = calloc(1, sizeof(*fl));

	assert_non_null(fl);
	memcpy(fl->priv, f->cpriv[1], NOISE_KEY_LEN);
	memcpy(fl->spub, f->spub, NOISE_KEY_LEN);
	fl->fd = raw_open(f, src);
	assert_int_equal(pthread_create(&fl->thread, NULL, flood_main, fl), 0);
	return (fl);
}

static void
flood_stop(struct flood *fl)
{
	fl->stop = true;
	pthread_join(fl->thread, NULL);
}

static void
flood_wait_busy(struct flood *fl)
{
	uint64_t deadline = util_now_ms() + FX_WAIT_MS;
	struct pollfd none;

	while (fl->busy == 0) {
		if (util_now_ms() > deadline)
			fail_msg("no HELLO was rate limited (%llu welcomed)",
			    (unsigned long long)fl->welcomes);
		(void)poll(&none, 0, 5);
	}
}

static void
test_hello_flood(void **state)
{
	struct fx *f = *state;
	struct chan_listener_conf lc = fx_conf(f);
	struct chan_client cli;
	enum chan_reject rej;
	struct flood *fl;
	uint64_t busy, t0 = util_now_ms(), dt;
	int fd;

	lc.hello_rate = 1000;
	lc.hello_rate_per_source = 5;
	fx_listen(f, &lc);
	fl = flood_start(f, "127.0.0.2");
	flood_wait_busy(fl);
	busy = fl->busy;
	/* during the flood: another key from another source handshakes
	 * and gets its DATA through, again and again */
	for (int i = 0; i < 20; i++)
		assert_true(fx_call(f, 0, FX_WAIT_MS));
	fd = raw_open(f, "127.0.0.3");
	chan_client_init(&cli, f->cpriv[2], f->spub, CHAN_EP_AGENT);
	assert_int_equal(raw_hello(fd, &cli, 1, &rej), 0);
	chan_client_fini(&cli);
	assert_true(fl->busy > busy); /* the flood went on meanwhile */
	flood_stop(fl);
	dt = util_now_ms() - t0;
	assert_int_equal(fl->other, 0);
	/* a burst of 2 x 5, then 5 a second */
	assert_true(fl->welcomes <= 10 + 5 * (dt / 1000 + 1));
	assert_int_equal(fx_stats(f).hello_rate_limited, fl->busy);
	assert_int_equal(fx_stats(f).rejected[CHAN_REJ_BUSY], fl->busy);
	free(fl);
}

static void
test_hello_global_rate(void **state)
{
	struct fx *f = *state;
	struct chan_listener_conf lc = fx_conf(f);
	struct flood *a, *b;
	uint64_t t0 = util_now_ms(), dt;

	lc.hello_rate = 5;
	lc.hello_rate_per_source = 1000;
	fx_listen(f, &lc);
	a = flood_start(f, "127.0.0.2");
	b = flood_start(f, "127.0.0.3");
	flood_wait_busy(a);
	flood_wait_busy(b);
	flood_stop(a);
	flood_stop(b);
	dt = util_now_ms() - t0;
	assert_true(a->welcomes + b->welcomes <= 10 + 5 * (dt / 1000 + 1));
	free(a);
	free(b);
}

/* ---- sizes and the allowlist --------------------------------------------- */

static void
test_recv_max(void **state)
{
	struct fx *f = *state;
	struct chan_listener_conf lc = fx_conf(f);
	static uint8_t frame[2000]; /* zeros: refused as unknown */
	uint8_t ans[16];
	size_t alen;
	int fd;

	lc.recv_max = 1000;
	fx_listen(f, &lc);
	fd = raw_open(f, "127.0.0.2");
	assert_int_equal(raw_send(fd, 1, frame, 996), 0);
	assert_int_equal(
	    raw_recv(fd, ans, sizeof(ans), &alen, util_now_ms() + FX_WAIT_MS),
	    0);
	assert_int_equal(ans[0], CHAN_REJECT);
	(void)raw_send(fd, 2, frame, sizeof(frame));
	assert_true(raw_closed(fd, util_now_ms() + FX_WAIT_MS));
}

#define BIG_N 100000

static void
test_allowlist_hash(void **state)
{
	static const size_t real[] = {0, 31337, BIG_N - 1};
	uint8_t(*keys)[NOISE_KEY_LEN] = calloc(BIG_N, NOISE_KEY_LEN);
	uint8_t priv[3][NOISE_KEY_LEN], spriv[NOISE_KEY_LEN],
	    spub[NOISE_KEY_LEN], hello[CHAN_HELLO_LEN], out[CHAN_WELCOME_LEN],
	    unknown[NOISE_KEY_LEN], pt[CHAN_HELLO_LEN];
	struct chan_server_conf sc = {.priv = spriv, .nkeys = BIG_N};
	struct chan_server srv;
	struct chan_client cli;
	struct chan_rx rx;
	enum chan_reject rej;
	uint64_t t0;
	size_t peer, outlen;

	(void)state;
	assert_non_null(keys);
	randombytes_buf(keys, (size_t)BIG_N * NOISE_KEY_LEN);
	noise_keypair(spriv, spub);
	for (size_t i = 0; i < 3; i++)
		noise_keypair(priv[i], keys[real[i]]);
	sc.keys = (const uint8_t(*)[NOISE_KEY_LEN])keys;
	sc.endpoint = CHAN_EP_AGENT;
	assert_int_equal(chan_server_init(&srv, &sc), 0);
	/* every key finds its index, in much less than a linear scan */
	t0 = util_now_ms();
	for (size_t i = 0; i < BIG_N; i++) {
		assert_true(chan_server_lookup(&srv, keys[i], &peer));
		assert_int_equal(peer, i);
		if (i % 1000 == 0 && util_now_ms() - t0 > 3000)
			fail_msg("%zu lookups took over 3 s", i);
	}
	randombytes_buf(unknown, sizeof(unknown));
	assert_false(chan_server_lookup(&srv, unknown, &peer));
	for (size_t i = 0; i < 3; i++) {
		chan_client_init(&cli, priv[i], spub, CHAN_EP_AGENT);
		assert_int_equal(
		    chan_client_hello(&cli, util_wall_ns(), hello), 0);
		assert_int_equal(
		    chan_server_recv(&srv, hello, sizeof(hello), util_now_ms(),
		        &rx, pt, out, &outlen, &rej),
		    0);
		assert_int_equal(rx.peer, real[i]);
		chan_client_fini(&cli);
	}
	chan_server_fini(&srv);
	free(keys);
}

static void
test_allowlist_max(void **state)
{
	struct fx *f = *state;
	struct chan_listener_conf lc = fx_conf(f);
	size_t n = CHAN_MAX_PEERS + 1;
	uint8_t(*keys)[NOISE_KEY_LEN] = calloc(n, NOISE_KEY_LEN);
	char err[256] = "";

	assert_non_null(keys);
	for (size_t i = 0; i < n; i++)
		memcpy(keys[i], &i, sizeof(i));
	lc.keys = (const uint8_t(*)[NOISE_KEY_LEN])keys;
	lc.nkeys = n;
	lc.url = "tcp://127.0.0.1:0";
	assert_int_equal(chan_listener_start(&f->l, &lc, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "keys"));
	lc.nkeys = CHAN_MAX_PEERS; /* the most there may be */
	fx_listen(f, &lc);
	free(keys);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
	    T(test_per_source_cap),
	    T(test_global_cap),
	    T(test_sources),
	    T(test_handshake_timeout),
	    T(test_idle_timeout),
	    T(test_hello_flood),
	    T(test_hello_global_rate),
	    T(test_recv_max),
	    cmocka_unit_test(test_allowlist_hash),
	    T(test_allowlist_max),
	};
#undef T

	if (sodium_init() == -1)
		return (1);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
