/* SPDX-License-Identifier: ISC */
/*
 * Framing, handshakes and sessions of the agent <-> fleetd channel (see
 * channel.h for the frame layout).  Session indexes carry the session's
 * slot in their low CHAN_SLOT_BITS bits and random bits above, so a lookup
 * is one array access and a stale index from before a restart is unlikely
 * to hit a live session (it would fail the AEAD anyway).  The responder
 * keeps two sessions per peer, the current and the previous one, so that
 * frames in flight during a rekey still arrive.  No allocation after init,
 * no I/O, no logging.
 */
#include "channel.h"

#include <assert.h>
#include <string.h>

#include <sodium.h>

#include "util.h"

#define CHAN_PROLOGUE_AGENT   "relayfleet agent v1"
#define CHAN_PROLOGUE_CONTROL "relayfleet control v1"
#define CHAN_NS_PER_MS        UINT64_C(1000000)
#define CHAN_MAC1_LABEL       "mac1----"
#define CHAN_MAC1_LEN         16
#define CHAN_SLOT_BITS        20
#define CHAN_SLOT_MASK        ((1u << CHAN_SLOT_BITS) - 1)
#define CHAN_MAX_COUNTER      (UINT64_C(1) << 60)

/* two session slots per peer must fit in the slot bits of an index */
_Static_assert(CHAN_MAX_PEERS == 1u << (CHAN_SLOT_BITS - 1), "slot bits");

static const char *const chan_reject_strs[] = {
    [CHAN_REJ_NONE] = "no error",
    [CHAN_REJ_VERSION] = "unknown frame type or version",
    [CHAN_REJ_MALFORMED] = "malformed frame",
    [CHAN_REJ_MAC1] = "hello not made for this controller key (mac1)",
    [CHAN_REJ_HANDSHAKE] = "handshake failed",
    [CHAN_REJ_DENIED] = "key not allowed",
    [CHAN_REJ_STALE] = "stale hello timestamp (replay)",
    [CHAN_REJ_SESSION] = "unknown or expired session",
    [CHAN_REJ_AUTH] = "authentication failed",
    [CHAN_REJ_REPLAY] = "replayed or too old counter",
    [CHAN_REJ_UNEXPECTED] = "unexpected frame type",
    [CHAN_REJ_CLOCK] = "hello timestamp too far from the controller clock",
    [CHAN_REJ_BUSY] = "controller busy: too many handshakes, retry later",
};

const char *
chan_reject_str(enum chan_reject r)
{
	if ((unsigned)r >=
	    sizeof(chan_reject_strs) / sizeof(chan_reject_strs[0]))
		return ("unknown reason");
	return (chan_reject_strs[r]);
}

static void
chan_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void
chan_put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t
chan_get32(const uint8_t *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = (v << 8) | p[i];
	return (v);
}

static uint64_t
chan_get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return (v);
}

static void
chan_header(uint8_t *p, int type, uint16_t extra)
{
	p[0] = (uint8_t)type;
	p[1] = CHAN_VERSION;
	p[2] = (uint8_t)extra;
	p[3] = (uint8_t)(extra >> 8);
}

void
chan_reject_frame(enum chan_reject r, uint8_t out[CHAN_REJECT_LEN])
{
	chan_header(out, CHAN_REJECT, (uint16_t)r);
}

/* The Noise prologue of endpoint ep. */
static const char *
chan_prologue(enum chan_endpoint ep)
{
	switch (ep) {
	case CHAN_EP_AGENT:
		return (CHAN_PROLOGUE_AGENT);
	case CHAN_EP_CONTROL:
		return (CHAN_PROLOGUE_CONTROL);
	}
	assert(!"unknown endpoint");
	return (CHAN_PROLOGUE_AGENT);
}

static void
chan_hs_init(struct noise_hs *hs, enum noise_role role, const uint8_t *priv,
    const uint8_t *rs, enum chan_endpoint ep)
{
	const char *p = chan_prologue(ep);

	noise_hs_init(hs, role, priv, rs, (const uint8_t *)p, strlen(p));
}

static void
chan_mac1_key(uint8_t key[NOISE_KEY_LEN], const uint8_t pub[NOISE_KEY_LEN])
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(
	    &st, (const uint8_t *)CHAN_MAC1_LABEL, strlen(CHAN_MAC1_LABEL));
	crypto_hash_sha256_update(&st, pub, NOISE_KEY_LEN);
	crypto_hash_sha256_final(&st, key);
}

static void
chan_mac1(uint8_t mac[CHAN_MAC1_LEN], const uint8_t key[NOISE_KEY_LEN],
    const uint8_t *msg, size_t len)
{
	uint8_t full[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, key, NOISE_KEY_LEN);
	crypto_auth_hmacsha256_update(&st, msg, len);
	crypto_auth_hmacsha256_final(&st, full);
	memcpy(mac, full, CHAN_MAC1_LEN);
}

bool
chan_replay_check(struct chan_replay *r, uint64_t counter)
{
	uint64_t diff;

	if (counter == 0 || counter >= CHAN_MAX_COUNTER)
		return (false);
	if (counter > r->top) {
		diff = counter - r->top;
		r->bitmap = diff >= CHAN_REPLAY_WINDOW ? 0 : r->bitmap << diff;
		r->bitmap |= 1;
		r->top = counter;
		return (true);
	}
	diff = r->top - counter;
	if (diff >= CHAN_REPLAY_WINDOW || (r->bitmap & (UINT64_C(1) << diff)))
		return (false);
	r->bitmap |= UINT64_C(1) << diff;
	return (true);
}

static void
chan_session_wipe(struct chan_session *s)
{
	sodium_memzero(s, sizeof(*s));
}

/* Seals payload with the session's next counter behind hdr (hdrlen). */
static int
chan_session_seal(struct chan_session *s, uint8_t *out, size_t hdrlen,
    const uint8_t *payload, size_t len)
{
	if (s->send_counter + 1 >= CHAN_MAX_COUNTER)
		return (-1);
	s->send_counter++;
	chan_put64(out + 8, s->send_counter);
	noise_seal(s->send_key, s->send_counter, out, hdrlen, payload, len,
	    out + hdrlen);
	return (0);
}

/* Opens a DATA/REPLY body and runs the replay window. */
static int
chan_session_open(struct chan_session *s, const uint8_t *frame, size_t len,
    size_t hdrlen, uint8_t *pt, enum chan_reject *rej)
{
	uint64_t counter = chan_get64(frame + 8);

	if (counter == 0 || counter >= CHAN_MAX_COUNTER ||
	    (counter <= s->replay.top &&
	        s->replay.top - counter >= CHAN_REPLAY_WINDOW)) {
		*rej = CHAN_REJ_REPLAY;
		return (-1);
	}
	if (noise_open(s->recv_key, counter, frame, hdrlen, frame + hdrlen,
	        len - hdrlen, pt) == -1) {
		*rej = CHAN_REJ_AUTH;
		return (-1);
	}
	if (!chan_replay_check(&s->replay, counter)) {
		*rej = CHAN_REJ_REPLAY;
		return (-1);
	}
	return (0);
}

/* ---- initiator ------------------------------------------------------- */

void
chan_client_init(struct chan_client *c, const uint8_t *priv,
    const uint8_t *server_pub, enum chan_endpoint ep)
{
	memset(c, 0, sizeof(*c));
	(void)chan_prologue(ep); /* asserts it is one we know */
	c->endpoint = ep;
	memcpy(c->priv, priv, NOISE_KEY_LEN);
	(void)noise_pubkey(c->pub, priv);
	memcpy(c->server_pub, server_pub, NOISE_KEY_LEN);
	chan_mac1_key(c->mac1_key, server_pub);
}

void
chan_client_fini(struct chan_client *c)
{
	noise_hs_fini(&c->hs);
	sodium_memzero(c, sizeof(*c));
}

bool
chan_client_ready(const struct chan_client *c, uint64_t now_ms)
{
	return (c->sess.in_use &&
	        now_ms - c->sess.created_ms < CHAN_REKEY_AFTER_MS &&
	        c->sess.send_counter + 1 < CHAN_MAX_COUNTER);
}

void
chan_client_reset(struct chan_client *c)
{
	chan_session_wipe(&c->sess);
}

int
chan_client_hello(
    struct chan_client *c, uint64_t now_ns, uint8_t out[CHAN_HELLO_LEN])
{
	uint8_t ts[8];
	size_t n;

	c->last_ts = now_ns > c->last_ts ? now_ns : c->last_ts + 1;
	chan_put64(ts, c->last_ts);
	randombytes_buf(&c->hs_index, sizeof(c->hs_index));
	noise_hs_fini(&c->hs);
	chan_hs_init(
	    &c->hs, NOISE_INITIATOR, c->priv, c->server_pub, c->endpoint);
	chan_header(out, CHAN_HELLO, 0);
	chan_put32(out + 4, c->hs_index);
	if (noise_hs_write1(&c->hs, ts, sizeof(ts), out + 8, &n) == -1)
		return (-1);
	chan_mac1(out + 8 + n, c->mac1_key, out, 8 + n);
	c->hs_pending = true;
	return (0);
}

/* A REJECT frame from the peer: sets *rej to its reason. */
static bool
chan_is_reject(const uint8_t *frame, size_t len, enum chan_reject *rej)
{
	uint16_t r;

	if (len != CHAN_REJECT_LEN || frame[0] != CHAN_REJECT)
		return (false);
	r = (uint16_t)(frame[2] | frame[3] << 8);
	*rej = r == CHAN_REJ_NONE ? CHAN_REJ_UNEXPECTED : (enum chan_reject)r;
	return (true);
}

int
chan_client_welcome(struct chan_client *c, const uint8_t *frame, size_t len,
    uint64_t now_ms, enum chan_reject *rej, bool *from_peer)
{
	struct noise_cipher send, recv;
	uint8_t none[1];
	size_t plen;

	*from_peer = false;
	if (chan_is_reject(frame, len, rej)) {
		*from_peer = true;
		return (-1);
	}
	*rej = CHAN_REJ_MALFORMED;
	if (len != CHAN_WELCOME_LEN || frame[0] != CHAN_WELCOME ||
	    frame[1] != CHAN_VERSION || !c->hs_pending)
		return (-1);
	if (chan_get32(frame + 8) != c->hs_index) {
		*rej = CHAN_REJ_SESSION;
		return (-1);
	}
	*rej = CHAN_REJ_HANDSHAKE;
	if (noise_hs_read2(&c->hs, frame + 12, len - 12, none, &plen) == -1 ||
	    plen != 0 || noise_hs_split(&c->hs, &send, &recv) == -1) {
		c->hs_pending = false; /* noise wiped it: a new HELLO is due */
		return (-1);
	}
	chan_session_wipe(&c->sess);
	c->sess.in_use = true;
	c->sess.local_index = c->hs_index;
	c->sess.peer_index = chan_get32(frame + 4);
	memcpy(c->sess.send_key, send.k, NOISE_KEY_LEN);
	memcpy(c->sess.recv_key, recv.k, NOISE_KEY_LEN);
	c->sess.created_ms = now_ms;
	sodium_memzero(&send, sizeof(send));
	sodium_memzero(&recv, sizeof(recv));
	noise_hs_fini(&c->hs);
	c->hs_pending = false;
	*rej = CHAN_REJ_NONE;
	return (0);
}

int
chan_client_seal(struct chan_client *c, const uint8_t *payload, size_t len,
    uint8_t *out, size_t *outlen)
{
	if (!c->sess.in_use || len > CHAN_MAX_PAYLOAD)
		return (-1);
	chan_header(out, CHAN_DATA, 0);
	chan_put32(out + 4, c->sess.peer_index);
	if (chan_session_seal(&c->sess, out, CHAN_DATA_HDR, payload, len) == -1)
		return (-1);
	c->expect_answer = c->sess.send_counter;
	*outlen = CHAN_DATA_HDR + len + NOISE_TAG_LEN;
	return (0);
}

int
chan_client_open(struct chan_client *c, const uint8_t *frame, size_t len,
    uint8_t *pt, size_t *ptlen, enum chan_reject *rej, bool *from_peer)
{
	*from_peer = false;
	if (chan_is_reject(frame, len, rej)) {
		*from_peer = true;
		return (-1);
	}
	*rej = CHAN_REJ_MALFORMED;
	if (len < CHAN_REPLY_HDR + NOISE_TAG_LEN || frame[1] != CHAN_VERSION)
		return (-1);
	*rej = CHAN_REJ_UNEXPECTED;
	if (frame[0] != CHAN_REPLY || !c->sess.in_use)
		return (-1);
	*rej = CHAN_REJ_SESSION;
	if (chan_get32(frame + 4) != c->sess.local_index)
		return (-1);
	*rej = CHAN_REJ_REPLAY;
	if (c->expect_answer == 0 || chan_get64(frame + 16) != c->expect_answer)
		return (-1);
	if (chan_session_open(&c->sess, frame, len, CHAN_REPLY_HDR, pt, rej) ==
	    -1)
		return (-1);
	c->expect_answer = 0;
	*ptlen = len - CHAN_REPLY_HDR - NOISE_TAG_LEN;
	*rej = CHAN_REJ_NONE;
	return (0);
}

/* ---- responder ------------------------------------------------------- */

static uint64_t
chan_system_clock_cb(void *arg)
{
	(void)arg;
	return (util_wall_ns());
}

static size_t
chan_table_slot(const struct chan_server *s, const uint8_t *pub)
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v;

	crypto_shorthash(h, pub, NOISE_KEY_LEN, s->table_key);
	memcpy(&v, h, sizeof(v));
	return ((size_t)v & s->mask);
}

/*
 * Open addressing with linear probing, at most half full: a lookup costs
 * one SipHash and a few key compares whatever the allowlist's size.
 */
static void
chan_table_build(struct chan_server *s)
{
	size_t cap = 4, slot, peer;

	while (cap < 2 * s->npeers)
		cap *= 2;
	s->mask = cap - 1;
	s->table = xcalloc(cap, sizeof(*s->table));
	randombytes_buf(s->table_key, sizeof(s->table_key));
	for (size_t i = 0; i < s->npeers; i++) {
		if (chan_server_lookup(s, s->peers[i].pub, &peer))
			continue; /* listed twice: the first index answers */
		slot = chan_table_slot(s, s->peers[i].pub);
		while (s->table[slot] != 0)
			slot = (slot + 1) & s->mask;
		s->table[slot] = (uint32_t)i + 1;
	}
}

bool
chan_server_lookup(
    const struct chan_server *s, const uint8_t *pub, size_t *peer)
{
	size_t slot = chan_table_slot(s, pub);
	uint32_t v;

	while ((v = s->table[slot]) != 0) {
		if (sodium_memcmp(s->peers[v - 1].pub, pub, NOISE_KEY_LEN) ==
		    0) {
			*peer = v - 1;
			return (true);
		}
		slot = (slot + 1) & s->mask;
	}
	return (false);
}

int
chan_server_init(struct chan_server *s, const struct chan_server_conf *conf)
{
	uint64_t skew_ms, now, oldest;
	size_t n = conf->nkeys;

	memset(s, 0, sizeof(*s));
	if (n > CHAN_MAX_PEERS)
		return (-1);
	(void)chan_prologue(conf->endpoint); /* asserts it is one we know */
	s->endpoint = conf->endpoint;
	skew_ms =
	    conf->hello_skew_ms != 0 ? conf->hello_skew_ms : CHAN_HELLO_SKEW_MS;
	s->skew_ns = skew_ms > UINT64_MAX / CHAN_NS_PER_MS
	                 ? UINT64_MAX
	                 : skew_ms * CHAN_NS_PER_MS;
	s->clock = conf->clock != NULL ? conf->clock : chan_system_clock_cb;
	s->clock_arg = conf->clock_arg;
	memcpy(s->priv, conf->priv, NOISE_KEY_LEN);
	(void)noise_pubkey(s->pub, conf->priv);
	chan_mac1_key(s->mac1_key, s->pub);
	s->npeers = n;
	s->peers = xcalloc(n, sizeof(*s->peers));
	s->sessions = xcalloc(2 * n, sizeof(*s->sessions));
	for (size_t i = 0; i < 2 * n; i++) /* random first generations */
		randombytes_buf(
		    &s->sessions[i].gen, sizeof(s->sessions[i].gen));
	now = s->clock(s->clock_arg);
	oldest = now > s->skew_ns ? now - s->skew_ns : 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(s->peers[i].pub, conf->keys[i], NOISE_KEY_LEN);
		s->peers[i].last_ts = oldest;
	}
	chan_table_build(s);
	return (0);
}

void
chan_server_fini(struct chan_server *s)
{
	if (s->sessions != NULL)
		sodium_memzero(
		    s->sessions, 2 * s->npeers * sizeof(*s->sessions));
	free(s->sessions);
	free(s->peers);
	free(s->table);
	sodium_memzero(s, sizeof(*s));
}

/*
 * Takes the peer's slot that does not hold its newest session.  The index
 * carries the slot and a generation count of the slot above it, so an
 * index of a replaced session never matches its successor's (until 4096
 * reuses of one slot, minutes apart each).
 */
static struct chan_session *
chan_server_new_session(struct chan_server *s, size_t peer, uint64_t now_ms)
{
	struct chan_peer *p = &s->peers[peer];
	struct chan_session *ns;
	uint32_t gen;
	size_t slot;

	p->cur ^= 1;
	slot = 2 * peer + p->cur;
	ns = &s->sessions[slot];
	gen = ns->gen + 1;
	chan_session_wipe(ns);
	ns->gen = gen;
	ns->local_index = (uint32_t)slot | (gen << CHAN_SLOT_BITS);
	ns->peer = peer;
	ns->created_ms = now_ms;
	ns->in_use = true;
	return (ns);
}

int
chan_server_hello_check(const struct chan_server *s, const uint8_t *frame,
    size_t len, enum chan_reject *rej)
{
	uint8_t mac[CHAN_MAC1_LEN];

	if (len < 4 || frame[0] != CHAN_HELLO || frame[1] != CHAN_VERSION ||
	    (frame[2] | frame[3]) != 0) {
		*rej = CHAN_REJ_VERSION;
		return (-1);
	}
	if (len != CHAN_HELLO_LEN) {
		*rej = CHAN_REJ_MALFORMED;
		return (-1);
	}
	chan_mac1(mac, s->mac1_key, frame, len - CHAN_MAC1_LEN);
	if (sodium_memcmp(mac, frame + len - CHAN_MAC1_LEN, CHAN_MAC1_LEN)) {
		*rej = CHAN_REJ_MAC1;
		return (-1);
	}
	return (0);
}

/* HELLO timestamp t within the skew of the clock, either way. */
static bool
chan_server_ts_in_skew(const struct chan_server *s, uint64_t t)
{
	uint64_t now = s->clock(s->clock_arg);

	if (t > now && t - now > s->skew_ns)
		return (false);
	if (t < now && now - t > s->skew_ns)
		return (false);
	return (true);
}

int
chan_server_hello_open(const struct chan_server *s, const uint8_t *frame,
    size_t len, struct chan_hello *h, struct chan_rx *rx, enum chan_reject *rej)
{
	uint8_t ts[8];
	struct noise_hs hs;
	struct noise_cipher send, recv;
	size_t plen, n;
	int rv = -1;

	memset(h, 0, sizeof(*h));
	memset(&send, 0, sizeof(send));
	memset(&recv, 0, sizeof(recv));
	chan_hs_init(&hs, NOISE_RESPONDER, s->priv, NULL, s->endpoint);
	*rej = CHAN_REJ_HANDSHAKE;
	if (noise_hs_read1(
	        &hs, frame + 8, len - 8 - CHAN_MAC1_LEN, ts, &plen) == -1 ||
	    plen != sizeof(ts))
		goto out;
	rx->has_key = true;
	memcpy(rx->key, hs.rs, NOISE_KEY_LEN);
	*rej = CHAN_REJ_DENIED;
	if (!chan_server_lookup(s, hs.rs, &h->peer))
		goto out;
	h->ts = chan_get64(ts);
	*rej = CHAN_REJ_CLOCK;
	if (!chan_server_ts_in_skew(s, h->ts))
		goto out;
	*rej = CHAN_REJ_HANDSHAKE;
	if (noise_hs_write2(&hs, NULL, 0, h->welcome + 12, &n) == -1 ||
	    noise_hs_split(&hs, &send, &recv) == -1)
		goto out;
	h->peer_index = chan_get32(frame + 4);
	memcpy(h->send_key, send.k, NOISE_KEY_LEN);
	memcpy(h->recv_key, recv.k, NOISE_KEY_LEN);
	rx->peer = h->peer;
	*rej = CHAN_REJ_NONE;
	rv = 0;
out:
	if (rv == -1)
		sodium_memzero(h, sizeof(*h));
	sodium_memzero(&send, sizeof(send));
	sodium_memzero(&recv, sizeof(recv));
	noise_hs_fini(&hs);
	return (rv);
}

int
chan_server_hello_accept(struct chan_server *s, struct chan_hello *h,
    uint64_t now_ms, struct chan_rx *rx, uint8_t *out, enum chan_reject *rej)
{
	struct chan_session *ns;

	if (h->ts <= s->peers[h->peer].last_ts) {
		sodium_memzero(h, sizeof(*h));
		*rej = CHAN_REJ_STALE;
		return (-1);
	}
	s->peers[h->peer].last_ts = h->ts;
	ns = chan_server_new_session(s, h->peer, now_ms);
	ns->peer_index = h->peer_index;
	memcpy(ns->send_key, h->send_key, NOISE_KEY_LEN);
	memcpy(ns->recv_key, h->recv_key, NOISE_KEY_LEN);
	memcpy(out, h->welcome, CHAN_WELCOME_LEN);
	chan_header(out, CHAN_WELCOME, 0);
	chan_put32(out + 4, ns->local_index);
	chan_put32(out + 8, ns->peer_index);
	rx->kind = CHAN_HELLO;
	rx->peer = h->peer;
	rx->session = ns->local_index;
	sodium_memzero(h, sizeof(*h));
	*rej = CHAN_REJ_NONE;
	return (0);
}

static int
chan_server_hello(struct chan_server *s, const uint8_t *frame, size_t len,
    uint64_t now_ms, struct chan_rx *rx, uint8_t *out, enum chan_reject *rej)
{
	struct chan_hello h;

	if (chan_server_hello_check(s, frame, len, rej) == -1 ||
	    chan_server_hello_open(s, frame, len, &h, rx, rej) == -1)
		return (-1);
	return (chan_server_hello_accept(s, &h, now_ms, rx, out, rej));
}

static struct chan_session *
chan_server_session(struct chan_server *s, uint32_t index, uint64_t now_ms)
{
	size_t slot = index & CHAN_SLOT_MASK;
	struct chan_session *ss;

	if (slot >= 2 * s->npeers)
		return (NULL);
	ss = &s->sessions[slot];
	if (!ss->in_use || ss->local_index != index)
		return (NULL);
	if (now_ms - ss->created_ms >= CHAN_REJECT_AFTER_MS) {
		chan_session_wipe(ss);
		return (NULL);
	}
	return (ss);
}

static int
chan_server_data(struct chan_server *s, const uint8_t *frame, size_t len,
    uint64_t now_ms, struct chan_rx *rx, uint8_t *pt, enum chan_reject *rej)
{
	struct chan_session *ss;

	if (len < CHAN_DATA_HDR + NOISE_TAG_LEN ||
	    len > CHAN_DATA_HDR + CHAN_MAX_PAYLOAD + NOISE_TAG_LEN) {
		*rej = CHAN_REJ_MALFORMED;
		return (-1);
	}
	if ((ss = chan_server_session(s, chan_get32(frame + 4), now_ms)) ==
	    NULL) {
		*rej = CHAN_REJ_SESSION;
		return (-1);
	}
	if (chan_session_open(ss, frame, len, CHAN_DATA_HDR, pt, rej) == -1)
		return (-1);
	rx->kind = CHAN_DATA;
	rx->peer = ss->peer;
	rx->session = ss->local_index;
	rx->counter = chan_get64(frame + 8);
	rx->ptlen = len - CHAN_DATA_HDR - NOISE_TAG_LEN;
	*rej = CHAN_REJ_NONE;
	return (0);
}

int
chan_server_recv(struct chan_server *s, const uint8_t *frame, size_t len,
    uint64_t now_ms, struct chan_rx *rx, uint8_t *pt, uint8_t *out,
    size_t *outlen, enum chan_reject *rej)
{
	int rv = -1;

	memset(rx, 0, sizeof(*rx));
	*outlen = 0;
	*rej = CHAN_REJ_VERSION;
	if (len < 4 || frame[1] != CHAN_VERSION ||
	    (frame[0] != CHAN_REJECT && (frame[2] | frame[3]) != 0))
		goto out;
	switch (frame[0]) {
	case CHAN_HELLO:
		if ((rv = chan_server_hello(
		         s, frame, len, now_ms, rx, out, rej)) == 0)
			*outlen = CHAN_WELCOME_LEN;
		break;
	case CHAN_DATA:
		rv = chan_server_data(s, frame, len, now_ms, rx, pt, rej);
		break;
	case CHAN_WELCOME:
	case CHAN_REPLY:
	case CHAN_REJECT:
		*rej = CHAN_REJ_UNEXPECTED;
		break;
	default:
		break;
	}
out:
	if (rv == -1) {
		chan_reject_frame(*rej, out);
		*outlen = CHAN_REJECT_LEN;
	}
	return (rv);
}

int
chan_server_seal(struct chan_server *s, uint32_t session, uint64_t answers,
    const uint8_t *payload, size_t len, uint8_t *out, size_t *outlen)
{
	size_t slot = session & CHAN_SLOT_MASK;
	struct chan_session *ss;

	if (slot >= 2 * s->npeers || len > CHAN_MAX_PAYLOAD)
		return (-1);
	ss = &s->sessions[slot];
	if (!ss->in_use || ss->local_index != session)
		return (-1);
	chan_header(out, CHAN_REPLY, 0);
	chan_put32(out + 4, ss->peer_index);
	chan_put64(out + 16, answers);
	if (chan_session_seal(ss, out, CHAN_REPLY_HDR, payload, len) == -1)
		return (-1);
	*outlen = CHAN_REPLY_HDR + len + NOISE_TAG_LEN;
	return (0);
}
