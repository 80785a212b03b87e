/* SPDX-License-Identifier: ISC */
/*
 * nng transport of the channel (see chan_nng.h).
 *
 * Listener: each struct chan_call owns an nng context, an aio and a state.
 * Its callback runs on nng's threads: RECV -> (handshake: SEND) or (DATA:
 * WAIT until the application answers, then SEND) -> RECV.  The chan_server
 * (sessions, replay windows) is shared by all contexts and guarded by the
 * listener's mutex, held only for the crypto of one frame.  A call never
 * blocks; chan_listener_stop() closes the socket first, so every pending
 * operation completes with NNG_ECLOSED before the aios are freed.
 */
#include "chan_nng.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/util/platform.h>
#include <sodium.h>

#include "util.h"

#define CHAN_NCTX_DEFAULT  16
#define CHAN_RECONN_MIN_MS 100
#define CHAN_RECONN_MAX_MS 30000

/* ---- initiator ------------------------------------------------------- */

struct chan_conn {
	nng_socket sock;
	struct chan_client cli;
};

static int
chan_socket_opts(nng_socket s)
{
	int rv;

	if ((rv = nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, CHAN_MAX_FRAME)) ||
	    (rv = nng_socket_set_ms(
	         s, NNG_OPT_RECONNMINT, CHAN_RECONN_MIN_MS)) ||
	    (rv = nng_socket_set_ms(s, NNG_OPT_RECONNMAXT, CHAN_RECONN_MAX_MS)))
		return (rv);
	return (0);
}

int
chan_conn_open(struct chan_conn **cp, const char *url, enum chan_endpoint ep,
    const uint8_t *priv, const uint8_t *server_pub, char *err, size_t errlen)
{
	struct chan_conn *c = xcalloc(1, sizeof(*c));
	int rv;

	if ((rv = nng_req0_open(&c->sock)) != 0) {
		snprintf(err, errlen, "req socket: %s", nng_strerror(rv));
		free(c);
		return (-1);
	}
	if ((rv = chan_socket_opts(c->sock)) != 0 ||
	    (rv = nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME,
	         NNG_DURATION_INFINITE)) != 0 ||
	    (rv = nng_dial(c->sock, url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		snprintf(err, errlen, "%s: %s", url, nng_strerror(rv));
		nng_close(c->sock);
		free(c);
		return (-1);
	}
	chan_client_init(&c->cli, priv, server_pub, ep);
	*cp = c;
	return (0);
}

void
chan_conn_close(struct chan_conn *c)
{
	if (c == NULL)
		return;
	nng_close(c->sock);
	chan_client_fini(&c->cli);
	free(c);
}

/* One request/reply exchange of raw frames within the deadline. */
static int
chan_conn_xfer(struct chan_conn *c, const uint8_t *frame, size_t len,
    nng_msg **reply, uint64_t deadline, char *err, size_t errlen)
{
	uint64_t now = util_now_ms();
	nng_msg *m;
	int rv;

	if (now >= deadline) {
		snprintf(err, errlen, "timed out");
		return (-1);
	}
	if ((rv = nng_msg_alloc(&m, len)) != 0) {
		snprintf(err, errlen, "%s", nng_strerror(rv));
		return (-1);
	}
	memcpy(nng_msg_body(m), frame, len);
	nng_socket_set_ms(
	    c->sock, NNG_OPT_SENDTIMEO, (nng_duration)(deadline - now));
	if ((rv = nng_sendmsg(c->sock, m, 0)) != 0) {
		nng_msg_free(m);
		snprintf(err, errlen, "send: %s", nng_strerror(rv));
		return (-1);
	}
	now = util_now_ms();
	nng_socket_set_ms(c->sock, NNG_OPT_RECVTIMEO,
	    (nng_duration)(deadline > now ? deadline - now : 1));
	if ((rv = nng_recvmsg(c->sock, reply, 0)) != 0) {
		snprintf(err, errlen, "%s",
		    rv == NNG_ETIMEDOUT ? "timed out waiting for fleetd"
		                        : nng_strerror(rv));
		return (-1);
	}
	return (0);
}

static void
chan_conn_refused(enum chan_reject r, bool from_peer, enum chan_reject *rej,
    char *err, size_t errlen)
{
	if (rej != NULL)
		*rej = r;
	snprintf(err, errlen, "%s: %s",
	    from_peer ? "fleetd refused" : "bad answer", chan_reject_str(r));
}

static int
chan_conn_handshake(struct chan_conn *c, uint64_t deadline,
    enum chan_reject *rej, char *err, size_t errlen)
{
	uint8_t hello[CHAN_HELLO_LEN];
	enum chan_reject r;
	nng_msg *m;
	bool from_peer;
	int rv;

	if (chan_client_hello(&c->cli, util_wall_ns(), hello) == -1) {
		snprintf(err, errlen, "cannot build hello");
		return (-1);
	}
	if (chan_conn_xfer(
	        c, hello, sizeof(hello), &m, deadline, err, errlen) == -1)
		return (-1);
	rv = chan_client_welcome(&c->cli, nng_msg_body(m), nng_msg_len(m),
	    util_now_ms(), &r, &from_peer);
	nng_msg_free(m);
	if (rv == -1)
		chan_conn_refused(r, from_peer, rej, err, errlen);
	return (rv);
}

/* Seals, exchanges and opens one DATA; -2 asks the caller to rekey. */
static int
chan_conn_data(struct chan_conn *c, const uint8_t *req, size_t len,
    uint8_t **resp, size_t *resplen, uint64_t deadline, enum chan_reject *rej,
    char *err, size_t errlen)
{
	uint8_t *frame = xmalloc(len + CHAN_DATA_HDR + NOISE_TAG_LEN), *pt;
	enum chan_reject r;
	size_t flen, ptlen;
	nng_msg *m;
	bool from_peer;

	if (chan_client_seal(&c->cli, req, len, frame, &flen) == -1) {
		free(frame);
		snprintf(err, errlen, "request too large");
		return (-1);
	}
	if (chan_conn_xfer(c, frame, flen, &m, deadline, err, errlen) == -1) {
		free(frame);
		return (-1);
	}
	free(frame);
	pt = xmalloc(nng_msg_len(m) + 1);
	if (chan_client_open(&c->cli, nng_msg_body(m), nng_msg_len(m), pt,
	        &ptlen, &r, &from_peer) == -1) {
		nng_msg_free(m);
		free(pt);
		if (from_peer && r == CHAN_REJ_SESSION) {
			chan_client_reset(&c->cli);
			return (-2);
		}
		chan_conn_refused(r, from_peer, rej, err, errlen);
		return (-1);
	}
	nng_msg_free(m);
	*resp = pt;
	*resplen = ptlen;
	return (0);
}

int
chan_conn_call(struct chan_conn *c, const uint8_t *req, size_t len,
    uint8_t **resp, size_t *resplen, unsigned timeout_ms, enum chan_reject *rej,
    char *err, size_t errlen)
{
	uint64_t deadline = util_now_ms() + timeout_ms;
	int rv = -2;

	if (rej != NULL)
		*rej = CHAN_REJ_NONE;
	/* fleetd may have lost the session (restart): rekey once and retry */
	for (int attempt = 0; attempt < 2 && rv == -2; attempt++) {
		if (!chan_client_ready(&c->cli, util_now_ms()) &&
		    chan_conn_handshake(c, deadline, rej, err, errlen) == -1)
			return (-1);
		rv = chan_conn_data(
		    c, req, len, resp, resplen, deadline, rej, err, errlen);
	}
	if (rv == -2) {
		snprintf(err, errlen, "fleetd refused: %s",
		    chan_reject_str(CHAN_REJ_SESSION));
		if (rej != NULL)
			*rej = CHAN_REJ_SESSION;
		return (-1);
	}
	return (rv);
}

/* ---- responder ------------------------------------------------------- */

enum chan_call_state {
	CHAN_CALL_RECV,
	CHAN_CALL_WAIT, /* the application holds the call */
	CHAN_CALL_SEND,
};

struct chan_call {
	struct chan_listener *l;
	nng_ctx ctx;
	nng_aio *aio;
	enum chan_call_state state;
	uint32_t session;
	uint64_t counter;
};

struct chan_listener {
	nng_socket sock;
	nng_mtx *mtx; /* server, stats */
	struct chan_server srv;
	struct chan_stats stats;
	chan_handler_cb handler;
	chan_reject_cb reject;
	void *arg, *reject_arg;
	size_t ncalls;
	struct chan_call *calls;
};

static void chan_call_cb(void *arg);

static void
chan_call_recv(struct chan_call *call)
{
	call->state = CHAN_CALL_RECV;
	nng_ctx_recv(call->ctx, call->aio);
}

/* Sends a raw frame (copied); on allocation failure goes back to RECV. */
static void
chan_call_send(struct chan_call *call, const uint8_t *frame, size_t len)
{
	nng_msg *m;

	if (nng_msg_alloc(&m, len) != 0) {
		chan_call_recv(call);
		return;
	}
	memcpy(nng_msg_body(m), frame, len);
	call->state = CHAN_CALL_SEND;
	nng_aio_set_msg(call->aio, m);
	nng_ctx_send(call->ctx, call->aio);
}

static void
chan_call_frame(struct chan_call *call, nng_msg *m)
{
	struct chan_listener *l = call->l;
	uint8_t out[CHAN_WELCOME_LEN], *pt;
	enum chan_reject rej;
	struct chan_rx rx;
	size_t outlen;
	int rv;

	pt = xmalloc(nng_msg_len(m) + 1);
	nng_mtx_lock(l->mtx);
	rv = chan_server_recv(&l->srv, nng_msg_body(m), nng_msg_len(m),
	    util_now_ms(), &rx, pt, out, &outlen, &rej);
	if (rv == -1)
		l->stats.rejected[rej]++;
	else if (rx.kind == CHAN_HELLO)
		l->stats.handshakes++;
	else
		l->stats.requests++;
	nng_mtx_unlock(l->mtx);
	nng_msg_free(m);
	if (rv == -1 && l->reject != NULL)
		l->reject(l->reject_arg, rej, &rx);
	if (rv == -1 || rx.kind == CHAN_HELLO) {
		free(pt);
		chan_call_send(call, out, outlen);
		return;
	}
	call->state = CHAN_CALL_WAIT;
	call->session = rx.session;
	call->counter = rx.counter;
	l->handler(l->arg, call, rx.peer, pt, rx.ptlen);
	free(pt);
}

static void
chan_call_cb(void *arg)
{
	struct chan_call *call = arg;
	int rv = nng_aio_result(call->aio);

	if (rv != 0) {
		if (call->state == CHAN_CALL_SEND)
			nng_msg_free(nng_aio_get_msg(call->aio));
		if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
			return;
		chan_call_recv(call);
		return;
	}
	switch (call->state) {
	case CHAN_CALL_RECV:
		chan_call_frame(call, nng_aio_get_msg(call->aio));
		break;
	case CHAN_CALL_SEND:
		chan_call_recv(call);
		break;
	case CHAN_CALL_WAIT:
		break;
	}
}

void
chan_call_reply(struct chan_call *call, const uint8_t *payload, size_t len)
{
	struct chan_listener *l = call->l;
	uint8_t *frame = xmalloc(len + CHAN_REPLY_HDR + NOISE_TAG_LEN);
	size_t flen;
	int rv;

	nng_mtx_lock(l->mtx);
	rv = chan_server_seal(
	    &l->srv, call->session, call->counter, payload, len, frame, &flen);
	if (rv == -1)
		l->stats.rejected[CHAN_REJ_SESSION]++;
	nng_mtx_unlock(l->mtx);
	if (rv == -1) {
		chan_reject_frame(CHAN_REJ_SESSION, frame);
		flen = CHAN_REJECT_LEN;
	}
	chan_call_send(call, frame, flen);
	free(frame);
}

uint64_t
chan_call_counter(const struct chan_call *call)
{
	return (call->counter);
}

static int
chan_listener_calls(struct chan_listener *l, unsigned n)
{
	int rv;

	l->calls = xcalloc(n, sizeof(*l->calls));
	for (unsigned i = 0; i < n; i++) {
		struct chan_call *call = &l->calls[i];

		call->l = l;
		if ((rv = nng_aio_alloc(&call->aio, chan_call_cb, call)) != 0)
			return (rv);
		if ((rv = nng_ctx_open(&call->ctx, l->sock)) != 0) {
			nng_aio_free(call->aio);
			call->aio = NULL;
			return (rv);
		}
		l->ncalls++;
	}
	return (0);
}

int
chan_listener_start(struct chan_listener **lp,
    const struct chan_listener_conf *conf, char *err, size_t errlen)
{
	struct chan_listener *l = xcalloc(1, sizeof(*l));
	unsigned n = conf->nctx != 0 ? conf->nctx : CHAN_NCTX_DEFAULT;
	struct chan_server_conf sc = {.priv = conf->priv,
	    .keys = conf->keys,
	    .nkeys = conf->nkeys,
	    .endpoint = conf->endpoint,
	    .hello_skew_ms = conf->hello_skew_ms};
	int rv;

	l->handler = conf->handler;
	l->reject = conf->reject;
	l->arg = conf->arg;
	l->reject_arg = conf->reject_arg;
	chan_server_init(&l->srv, &sc);
	if ((rv = nng_mtx_alloc(&l->mtx)) != 0 ||
	    (rv = nng_rep0_open(&l->sock)) != 0) {
		snprintf(err, errlen, "rep socket: %s", nng_strerror(rv));
		goto fail;
	}
	if ((rv = chan_socket_opts(l->sock)) != 0 ||
	    (rv = chan_listener_calls(l, n)) != 0 ||
	    (rv = nng_listen(l->sock, conf->url, NULL, 0)) != 0) {
		snprintf(err, errlen, "%s: %s", conf->url, nng_strerror(rv));
		goto fail;
	}
	for (size_t i = 0; i < l->ncalls; i++)
		chan_call_recv(&l->calls[i]);
	*lp = l;
	return (0);
fail:
	chan_listener_stop(l);
	return (-1);
}

void
chan_listener_stop(struct chan_listener *l)
{
	if (l == NULL)
		return;
	nng_close(l->sock); /* pending operations end with NNG_ECLOSED */
	for (size_t i = 0; i < l->ncalls; i++)
		nng_aio_stop(l->calls[i].aio);
	for (size_t i = 0; i < l->ncalls; i++)
		nng_aio_free(l->calls[i].aio);
	free(l->calls);
	chan_server_fini(&l->srv);
	if (l->mtx != NULL)
		nng_mtx_free(l->mtx);
	free(l);
}

void
chan_listener_stats(struct chan_listener *l, struct chan_stats *st)
{
	nng_mtx_lock(l->mtx);
	*st = l->stats;
	nng_mtx_unlock(l->mtx);
}
