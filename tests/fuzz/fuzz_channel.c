/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for the secure channel.  The first input byte picks a
 * mode, the rest is the frame or the mutation: raw frames to
 * chan_server_recv(), chan_client_welcome() and chan_client_open(); valid
 * HELLO, WELCOME, DATA and REPLY frames built here, then cut short by one
 * input byte and XORed with the rest; a HELLO body whose mac1 (a WELCOME
 * whose receiver index) is fixed up here, so that arbitrary bytes reach
 * the Noise code; and plain round trips.  Whatever a receiver accepts
 * after mutation must be the frame as built (a WELCOME may differ in its
 * unauthenticated sender index); otherwise the harness aborts.
 *
 * Keys and the RNG are deterministic.  Clients and server are set up once;
 * every input starts again from a copy of that state, so any finding
 * reproduces from its input alone.  Seeds: corpus/channel/.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "channel.h"

#define FZ_NOW_MS  UINT64_C(5000000)
#define FZ_NOW_NS  UINT64_C(1700000000000000000)
#define FZ_PAYLOAD 48
#define FZ_MAC1    16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum fz_mode {
	FZ_SERVER_RAW,
	FZ_SERVER_HELLO_MAC1, /* any body, mac1 made valid */
	FZ_SERVER_HELLO_MUT,
	FZ_SERVER_DATA_MUT,
	FZ_CLIENT_WELCOME_RAW,
	FZ_CLIENT_WELCOME_FIX, /* any body, receiver index made valid */
	FZ_CLIENT_WELCOME_MUT,
	FZ_CLIENT_OPEN_RAW,
	FZ_CLIENT_REPLY_MUT,
	FZ_ROUND_TRIP, /* the input is the payload, both ways */
	FZ_NMODES
};

/*
 * ready has a session (server slot 0) and awaits the answer to DATA 1;
 * pending sent a HELLO the server answered with welcome (slot 1); spare
 * made hello, which the server has not seen.
 */
struct fz_state {
	struct chan_server srv;
	struct chan_client ready, pending, spare;
	uint8_t welcome[CHAN_WELCOME_LEN];
	uint8_t hello[CHAN_HELLO_LEN];
};

static struct fz_state fz, fz_saved;
static struct chan_session *fz_saved_sessions;
static struct chan_peer *fz_saved_peers;
static uint64_t fz_rng_state, fz_saved_rng;

/* splitmix64: a deterministic stand-in for libsodium's RNG. */
static uint64_t
fz_rng_next(void)
{
	uint64_t z = (fz_rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return (z ^ (z >> 31));
}

static void
fz_rng_buf(void *const buf, const size_t size)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < size; i++)
		p[i] = (uint8_t)fz_rng_next();
}

static uint32_t
fz_rng_random(void)
{
	return ((uint32_t)fz_rng_next());
}

static const char *
fz_rng_name(void)
{
	return ("fuzz-splitmix64");
}

static randombytes_implementation fz_rng = {
    .implementation_name = fz_rng_name,
    .random = fz_rng_random,
    .buf = fz_rng_buf,
};

static void
fz_check(bool cond)
{
	if (!cond)
		abort();
}

/* chan_server_recv() with its contract checked; out gets the answer. */
static int
fz_server_recv(const uint8_t *frame, size_t len, struct chan_rx *rx,
    uint8_t out[CHAN_WELCOME_LEN])
{
	uint8_t *pt = malloc(len == 0 ? 1 : len);
	enum chan_reject rej;
	size_t outlen;
	int rv;

	fz_check(pt != NULL);
	rv = chan_server_recv(
	    &fz.srv, frame, len, FZ_NOW_MS, rx, pt, out, &outlen, &rej);
	if (rv == -1)
		fz_check(outlen == CHAN_REJECT_LEN && out[0] == CHAN_REJECT &&
		         rej != CHAN_REJ_NONE && out[2] == (uint8_t)rej);
	else if (rx->kind == CHAN_HELLO)
		fz_check(outlen == CHAN_WELCOME_LEN && out[0] == CHAN_WELCOME &&
		         rx->peer == 0);
	else
		fz_check(rx->kind == CHAN_DATA && outlen == 0 &&
		         rx->ptlen + CHAN_DATA_HDR + NOISE_TAG_LEN == len);
	free(pt);
	return (rv);
}

/* chan_client_open() into an exact-size buffer; pt may be NULL. */
static int
fz_client_open(struct chan_client *c, const uint8_t *frame, size_t len,
    uint8_t **ptp, size_t *ptlenp)
{
	uint8_t *pt = malloc(len == 0 ? 1 : len);
	enum chan_reject rej;
	bool from_peer;
	size_t ptlen;
	int rv;

	fz_check(pt != NULL);
	rv = chan_client_open(c, frame, len, pt, &ptlen, &rej, &from_peer);
	fz_check(rv == -1 ? rej != CHAN_REJ_NONE
	                  : ptlen + CHAN_REPLY_HDR + NOISE_TAG_LEN == len);
	if (rv == 0 && ptp != NULL) {
		*ptp = pt;
		*ptlenp = ptlen;
	} else
		free(pt);
	return (rv);
}

static int
fz_client_welcome(struct chan_client *c, const uint8_t *frame, size_t len)
{
	enum chan_reject rej;
	bool from_peer;
	int rv;

	rv = chan_client_welcome(c, frame, len, FZ_NOW_MS, &rej, &from_peer);
	fz_check(
	    rv == -1 ? rej != CHAN_REJ_NONE : chan_client_ready(c, FZ_NOW_MS));
	return (rv);
}

/*
 * Copies frame into a new exact-size buffer, cut short by data[0] bytes
 * and XORed with data[1..]; *mlen gets its length.
 */
static uint8_t *
fz_mutate(const uint8_t *frame, size_t len, const uint8_t *data, size_t size,
    size_t *mlen)
{
	size_t cut = size > 0 ? data[0] : 0;
	size_t n = cut < len ? len - cut : 0;
	uint8_t *m = malloc(n == 0 ? 1 : n);

	fz_check(m != NULL);
	if (n > 0)
		memcpy(m, frame, n);
	for (size_t i = 1; i < size && i - 1 < n; i++)
		m[i - 1] ^= data[i];
	*mlen = n;
	return (m);
}

/* True if m is frame, except maybe for bytes [skip_from, skip_to). */
static bool
fz_same(const uint8_t *m, size_t mlen, const uint8_t *frame, size_t len,
    size_t skip_from, size_t skip_to)
{
	if (mlen != len)
		return (false);
	for (size_t i = 0; i < len; i++) {
		if ((i < skip_from || i >= skip_to) && m[i] != frame[i])
			return (false);
	}
	return (true);
}

/* Seals payload with c into a new buffer. */
static uint8_t *
fz_seal(struct chan_client *c, const uint8_t *payload, size_t plen, size_t *len)
{
	uint8_t *frame = malloc(plen + CHAN_DATA_HDR + NOISE_TAG_LEN);

	fz_check(frame != NULL);
	fz_check(chan_client_seal(c, payload, plen, frame, len) == 0);
	return (frame);
}

/* The server answers the DATA in rx with payload; returns the REPLY. */
static uint8_t *
fz_reply(
    const struct chan_rx *rx, const uint8_t *payload, size_t plen, size_t *len)
{
	uint8_t *frame = malloc(plen + CHAN_REPLY_HDR + NOISE_TAG_LEN);

	fz_check(frame != NULL);
	fz_check(chan_server_seal(&fz.srv, rx->session, rx->counter, payload,
	             plen, frame, len) == 0);
	return (frame);
}

static void
fz_server_hello_mac1(const uint8_t *data, size_t size)
{
	uint8_t frame[CHAN_HELLO_LEN], out[CHAN_WELCOME_LEN];
	uint8_t full[crypto_auth_hmacsha256_BYTES];
	struct chan_rx rx;

	memset(frame, 0, sizeof(frame));
	memcpy(frame, data, size < sizeof(frame) ? size : sizeof(frame));
	frame[0] = CHAN_HELLO;
	frame[1] = CHAN_VERSION;
	frame[2] = frame[3] = 0;
	crypto_auth_hmacsha256(
	    full, frame, sizeof(frame) - FZ_MAC1, fz.srv.mac1_key);
	memcpy(frame + sizeof(frame) - FZ_MAC1, full, FZ_MAC1);
	(void)fz_server_recv(frame, sizeof(frame), &rx, out);
}

static void
fz_server_hello_mut(const uint8_t *data, size_t size)
{
	uint8_t out[CHAN_WELCOME_LEN], *m;
	struct chan_rx rx;
	size_t n;

	m = fz_mutate(fz.hello, sizeof(fz.hello), data, size, &n);
	if (fz_server_recv(m, n, &rx, out) == 0) {
		fz_check(fz_same(m, n, fz.hello, sizeof(fz.hello), 0, 0));
		fz_check(fz_client_welcome(&fz.spare, out, sizeof(out)) == 0);
	}
	free(m);
}

/* Mutated DATA from ready; if accepted, it must be whole: answer it. */
static void
fz_server_data_mut(const uint8_t *data, size_t size)
{
	uint8_t payload[FZ_PAYLOAD], out[CHAN_WELCOME_LEN], *frame, *m, *r;
	struct chan_rx rx;
	size_t len, n, rlen;

	memset(payload, 'd', sizeof(payload));
	frame = fz_seal(&fz.ready, payload, sizeof(payload), &len);
	m = fz_mutate(frame, len, data, size, &n);
	if (fz_server_recv(m, n, &rx, out) == 0) {
		fz_check(fz_same(m, n, frame, len, 0, 0));
		r = fz_reply(&rx, payload, sizeof(payload), &rlen);
		fz_check(fz_client_open(&fz.ready, r, rlen, NULL, NULL) == 0);
		free(r);
		/* and only once */
		fz_check(fz_server_recv(m, n, &rx, out) == -1);
	}
	free(m);
	free(frame);
}

static void
fz_client_welcome_fix(const uint8_t *data, size_t size)
{
	uint8_t frame[CHAN_WELCOME_LEN];
	uint32_t idx = fz.pending.hs_index;

	memset(frame, 0, sizeof(frame));
	memcpy(frame, data, size < sizeof(frame) ? size : sizeof(frame));
	frame[0] = CHAN_WELCOME;
	frame[1] = CHAN_VERSION;
	for (int i = 0; i < 4; i++)
		frame[8 + i] = (uint8_t)(idx >> (8 * i));
	(void)fz_client_welcome(&fz.pending, frame, sizeof(frame));
}

/* Mutated WELCOME; if accepted with its sender index, DATA must pass. */
static void
fz_client_welcome_mut(const uint8_t *data, size_t size)
{
	uint8_t out[CHAN_WELCOME_LEN], *m, *frame;
	struct chan_rx rx;
	size_t n, len;

	m = fz_mutate(fz.welcome, sizeof(fz.welcome), data, size, &n);
	if (fz_client_welcome(&fz.pending, m, n) == 0) {
		/* bytes 2..7: reserved and sender index, unauthenticated */
		fz_check(fz_same(m, n, fz.welcome, sizeof(fz.welcome), 2, 8));
		frame = fz_seal(&fz.pending, data, 0, &len);
		if (memcmp(m + 4, fz.welcome + 4, 4) == 0)
			fz_check(fz_server_recv(frame, len, &rx, out) == 0);
		free(frame);
	}
	free(m);
}

/* Mutated REPLY to a real DATA of ready's. */
static void
fz_client_reply_mut(const uint8_t *data, size_t size)
{
	uint8_t payload[FZ_PAYLOAD], out[CHAN_WELCOME_LEN], *frame, *r, *m;
	struct chan_rx rx;
	size_t len, n, rlen;

	memset(payload, 'r', sizeof(payload));
	frame = fz_seal(&fz.ready, payload, sizeof(payload), &len);
	fz_check(fz_server_recv(frame, len, &rx, out) == 0);
	r = fz_reply(&rx, payload, sizeof(payload), &rlen);
	m = fz_mutate(r, rlen, data, size, &n);
	if (fz_client_open(&fz.ready, m, n, NULL, NULL) == 0) {
		fz_check(fz_same(m, n, r, rlen, 0, 0));
		fz_check(fz_client_open(&fz.ready, m, n, NULL, NULL) == -1);
	}
	free(m);
	free(r);
	free(frame);
}

/* The input as payload: DATA and REPLY carry it unchanged. */
static void
fz_round_trip(const uint8_t *data, size_t size)
{
	uint8_t out[CHAN_WELCOME_LEN], *frame, *pt, *r;
	struct chan_rx rx;
	size_t len, rlen, ptlen;

	if (size > CHAN_MAX_PAYLOAD)
		return;
	frame = fz_seal(&fz.ready, data, size, &len);
	fz_check(fz_server_recv(frame, len, &rx, out) == 0 && rx.ptlen == size);
	r = fz_reply(&rx, data, size, &rlen);
	fz_check(fz_client_open(&fz.ready, r, rlen, &pt, &ptlen) == 0);
	fz_check(ptlen == size && (size == 0 || memcmp(pt, data, size) == 0));
	free(pt);
	free(r);
	free(frame);
}

/* One handshake of c; the WELCOME goes to out, unread if !finish. */
static void
fz_setup_handshake(struct chan_client *c, uint64_t ns, bool finish,
    uint8_t out[CHAN_WELCOME_LEN])
{
	uint8_t hello[CHAN_HELLO_LEN];
	struct chan_rx rx;

	fz_check(chan_client_hello(c, ns, hello) == 0);
	fz_check(fz_server_recv(hello, sizeof(hello), &rx, out) == 0);
	if (finish)
		fz_check(fz_client_welcome(c, out, CHAN_WELCOME_LEN) == 0);
}

/* The server's wall clock: fixed, so findings reproduce. */
static uint64_t
fz_clock_cb(void *arg)
{
	(void)arg;
	return (FZ_NOW_NS);
}

static void
fz_setup(void)
{
	uint8_t spriv[NOISE_KEY_LEN], spub[NOISE_KEY_LEN], out[64];
	uint8_t cpriv[NOISE_KEY_LEN], cpub[1][NOISE_KEY_LEN];
	size_t n = 2 * sizeof(*fz.srv.sessions), len;
	struct chan_server_conf sc = {.priv = spriv,
	    .keys = (const uint8_t(*)[NOISE_KEY_LEN])cpub,
	    .nkeys = 1,
	    .endpoint = CHAN_EP_AGENT,
	    .clock = fz_clock_cb};

	fz_check(randombytes_set_implementation(&fz_rng) == 0);
	fz_check(sodium_init() != -1);
	memset(spriv, 0x51, sizeof(spriv));
	memset(cpriv, 0xc1, sizeof(cpriv));
	fz_check(noise_pubkey(spub, spriv) == 0);
	fz_check(noise_pubkey(cpub[0], cpriv) == 0);
	chan_server_init(&fz.srv, &sc);
	chan_client_init(&fz.ready, cpriv, spub, CHAN_EP_AGENT);
	chan_client_init(&fz.pending, cpriv, spub, CHAN_EP_AGENT);
	chan_client_init(&fz.spare, cpriv, spub, CHAN_EP_AGENT);

	memset(out, 0, sizeof(out));
	fz_setup_handshake(&fz.ready, FZ_NOW_NS, true, fz.welcome);
	free(fz_seal(&fz.ready, out, 1, &len)); /* DATA 1, never sent */
	fz_setup_handshake(&fz.pending, FZ_NOW_NS + 1, false, fz.welcome);
	fz_check(chan_client_hello(&fz.spare, FZ_NOW_NS + 2, fz.hello) == 0);

	fz_saved = fz;
	fz_check((fz_saved_sessions = malloc(n)) != NULL);
	fz_check((fz_saved_peers = malloc(sizeof(*fz.srv.peers))) != NULL);
	memcpy(fz_saved_sessions, fz.srv.sessions, n);
	memcpy(fz_saved_peers, fz.srv.peers, sizeof(*fz.srv.peers));
	fz_saved_rng = fz_rng_state;
}

static void
fz_restore(void)
{
	fz = fz_saved; /* the same sessions and peers arrays */
	memcpy(
	    fz.srv.sessions, fz_saved_sessions, 2 * sizeof(*fz.srv.sessions));
	memcpy(fz.srv.peers, fz_saved_peers, sizeof(*fz.srv.peers));
	fz_rng_state = fz_saved_rng;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[CHAN_WELCOME_LEN];
	struct chan_rx rx;

	if (fz_saved_sessions == NULL)
		fz_setup();
	fz_restore();
	if (size == 0)
		return (0);
	switch ((enum fz_mode)(data[0] % FZ_NMODES)) {
	case FZ_SERVER_RAW:
		(void)fz_server_recv(data + 1, size - 1, &rx, out);
		break;
	case FZ_SERVER_HELLO_MAC1:
		fz_server_hello_mac1(data + 1, size - 1);
		break;
	case FZ_SERVER_HELLO_MUT:
		fz_server_hello_mut(data + 1, size - 1);
		break;
	case FZ_SERVER_DATA_MUT:
		fz_server_data_mut(data + 1, size - 1);
		break;
	case FZ_CLIENT_WELCOME_RAW:
		(void)fz_client_welcome(&fz.pending, data + 1, size - 1);
		break;
	case FZ_CLIENT_WELCOME_FIX:
		fz_client_welcome_fix(data + 1, size - 1);
		break;
	case FZ_CLIENT_WELCOME_MUT:
		fz_client_welcome_mut(data + 1, size - 1);
		break;
	case FZ_CLIENT_OPEN_RAW:
		(void)fz_client_open(&fz.ready, data + 1, size - 1, NULL, NULL);
		break;
	case FZ_CLIENT_REPLY_MUT:
		fz_client_reply_mut(data + 1, size - 1);
		break;
	case FZ_ROUND_TRIP:
		fz_round_trip(data + 1, size - 1);
		break;
	case FZ_NMODES:
		break;
	}
	return (0);
}
