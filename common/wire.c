/* SPDX-License-Identifier: ISC */
/*
 * Protobuf <-> our structs (see wire.h).  A decoder unpacks with a bounded
 * allocator, scans the raw bytes for NULs inside strings, copies the
 * generated structs into ours (checking presence, counts, lengths and enum
 * numbers on the way) and then runs the same validator the encoder runs, so
 * both ends apply one set of rules.  This file holds the agent messages and
 * the pieces every message uses (wire_pb.h); wire_ctl.c the control
 * messages.  No state, no logging; any thread.
 */
#include "wire.h"

#include <stdlib.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>

#include "fleet.pb-c.h"
#include "util.h"
#include "wire_check.h"
#include "wire_pb.h"

#define WIRE_SCAN_DEPTH 8 /* the schema nests 4 deep */

/* ---- unpacking --------------------------------------------------------- */

static void *
wire_alloc_cb(void *arg, size_t size)
{
	struct wire_unpacker *u = arg;

	if (size > WIRE_MAX_ALLOC - u->used) {
		u->is_exhausted = true;
		return (NULL);
	}
	u->used += size;
	return (malloc(size == 0 ? 1 : size));
}

static void
wire_free_cb(void *arg, void *p)
{
	(void)arg;
	free(p);
}

/* Reads a varint of at most 10 bytes; returns its length, 0 if bad. */
static size_t
wire_scan_varint(const uint8_t *p, size_t len, uint64_t *v)
{
	*v = 0;
	for (size_t i = 0; i < len && i < 10; i++) {
		*v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if ((p[i] & 0x80) == 0)
			return (i + 1);
	}
	return (0);
}

static int wire_scan(const ProtobufCMessageDescriptor *d, const uint8_t *p,
    size_t len, int depth);

/*
 * One length-delimited field: rejects a NUL in a string, recurses into a
 * message.  Returns the bytes it spans, 0 if bad.
 */
static size_t
wire_scan_field(const ProtobufCMessageDescriptor *d, uint64_t tag,
    const uint8_t *p, size_t len, int depth)
{
	const ProtobufCFieldDescriptor *f = NULL;
	uint64_t n;
	size_t used;

	if ((used = wire_scan_varint(p, len, &n)) == 0 || n > len - used)
		return (0);
	p += used;
	if (tag <= UINT32_MAX)
		f = protobuf_c_message_descriptor_get_field(d, (unsigned)tag);
	if (f != NULL && f->type == PROTOBUF_C_TYPE_STRING &&
	    memchr(p, '\0', n) != NULL)
		return (0);
	if (f != NULL && f->type == PROTOBUF_C_TYPE_MESSAGE &&
	    wire_scan(f->descriptor, p, n, depth + 1) == -1)
		return (0);
	return (used + n);
}

/*
 * protobuf-c returns strings NUL-terminated, so "ab\0cd" would arrive as
 * "ab" with no error.  Walks the raw bytes (already accepted by protobuf-c)
 * and returns -1 if a string field holds a NUL.
 */
static int
wire_scan(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t len,
    int depth)
{
	uint64_t key, v;
	size_t used;

	if (depth > WIRE_SCAN_DEPTH)
		return (-1);
	while (len > 0) {
		if ((used = wire_scan_varint(p, len, &key)) == 0)
			return (-1);
		p += used;
		len -= used;
		switch (key & 7) {
		case 0:
			used = wire_scan_varint(p, len, &v);
			break;
		case 1:
			used = len >= 8 ? 8 : 0;
			break;
		case 2:
			used = wire_scan_field(d, key >> 3, p, len, depth);
			break;
		case 5:
			used = len >= 4 ? 4 : 0;
			break;
		default: /* groups: protobuf-c rejects them anyway */
			return (-1);
		}
		if (used == 0)
			return (-1);
		p += used;
		len -= used;
	}
	return (0);
}

/*
 * Unpacks buf as a d message with u counting the allocations.  The caller
 * frees the result with protobuf_c_message_free_unpacked(m, &u->pa).
 */
ProtobufCMessage *
wire_unpack(struct wire_unpacker *u, const ProtobufCMessageDescriptor *d,
    const uint8_t *buf, size_t len, const char **errstr)
{
	ProtobufCMessage *m;

	memset(u, 0, sizeof(*u));
	u->pa.alloc = wire_alloc_cb;
	u->pa.free = wire_free_cb;
	u->pa.allocator_data = u;
	if (len > WIRE_MAX_MSG) {
		*errstr = "message too large";
		return (NULL);
	}
	if ((m = protobuf_c_message_unpack(d, &u->pa, len, buf)) == NULL) {
		*errstr = u->is_exhausted ? "message needs too much memory"
		                          : "malformed message";
		return (NULL);
	}
	if (wire_scan(d, buf, len, 0) == -1) {
		protobuf_c_message_free_unpacked(m, &u->pa);
		*errstr = "NUL in string";
		return (NULL);
	}
	return (m);
}

/* ---- generated structs -> ours ----------------------------------------- */

/* Copies src (NULL: absent, "") into dst[size]; rejects, never truncates. */
int
wire_copy(char *dst, size_t size, const char *src, const char *elen,
    const char **errstr)
{
	size_t n;

	if (src == NULL)
		src = "";
	if ((n = strlen(src)) >= size) {
		*errstr = elen;
		return (-1);
	}
	memcpy(dst, src, n + 1);
	return (0);
}

static int
wire_queue_count_from_pb(
    struct wire_queue_count *c, const Fleet__QueueCount *p, const char **errstr)
{
	/* protobuf-c keeps unknown proto2 enum numbers, negative ones too. */
	if (!p->has_class_ || !wire_enum_ok(p->class_, CLASS_LAST)) {
		*errstr = "queue_count.class";
		return (-1);
	}
	c->cls = (enum reason_class)p->class_;
	c->count = p->count;
	return (wire_copy(c->provider, sizeof(c->provider), p->provider,
	    "queue_count.provider length", errstr));
}

int
wire_queue_from_pb(
    struct wire_queue *q, const Fleet__QueueSnapshot *p, const char **errstr)
{
	if (!p->has_valid) {
		*errstr = "queue.valid missing";
		return (-1);
	}
	if (p->n_deferred_by > WIRE_QUEUE_BY_MAX) {
		*errstr = "queue.deferred_by count";
		return (-1);
	}
	q->valid = p->valid != 0;
	q->taken_at = p->taken_at;
	q->incoming = p->incoming;
	q->active = p->active;
	q->deferred = p->deferred;
	q->hold = p->hold;
	q->maildrop = p->maildrop;
	q->oldest_deferred_age = p->oldest_deferred_age;
	if (wire_copy(q->error, sizeof(q->error), p->error,
	        "queue.error length", errstr) == -1)
		return (-1);
	if (p->n_deferred_by > 0)
		q->by = xcalloc(p->n_deferred_by, sizeof(*q->by));
	q->n_by = p->n_deferred_by;
	for (size_t i = 0; i < q->n_by; i++) {
		if (wire_queue_count_from_pb(
		        &q->by[i], p->deferred_by[i], errstr) == -1)
			return (-1);
	}
	return (0);
}

static int
wire_counter_from_pb(
    struct wire_counter *c, const Fleet__Counter *p, const char **errstr)
{
	if (!p->has_class_ || !wire_enum_ok(p->class_, CLASS_LAST)) {
		*errstr = "counter.class";
		return (-1);
	}
	if (!p->has_status || !wire_enum_ok(p->status, STATUS_LAST)) {
		*errstr = "counter.status";
		return (-1);
	}
	c->cls = (enum reason_class)p->class_;
	c->status = (enum delivery_status)p->status;
	c->count = p->count;
	if (wire_copy(c->provider, sizeof(c->provider), p->provider,
	        "counter.provider length", errstr) == -1)
		return (-1);
	return (wire_copy(
	    c->dsn, sizeof(c->dsn), p->dsn, "counter.dsn length", errstr));
}

int
wire_sample_from_pb(
    struct wire_sample *s, const Fleet__Sample *p, const char **errstr)
{
	const char *text = p->text != NULL ? p->text : "";

	if (!p->has_class_ || !wire_enum_ok(p->class_, CLASS_LAST)) {
		*errstr = "sample.class";
		return (-1);
	}
	if (!p->has_status || !wire_enum_ok(p->status, STATUS_LAST)) {
		*errstr = "sample.status";
		return (-1);
	}
	if (strlen(text) > WIRE_TEXT_MAX) {
		*errstr = "sample.text length";
		return (-1);
	}
	s->cls = (enum reason_class)p->class_;
	s->status = (enum delivery_status)p->status;
	s->first_seen = p->first_seen;
	s->last_seen = p->last_seen;
	s->text = xstrdup(text);
	if (wire_copy(s->provider, sizeof(s->provider), p->provider,
	        "sample.provider length", errstr) == -1)
		return (-1);
	if (wire_copy(s->dsn, sizeof(s->dsn), p->dsn, "sample.dsn length",
	        errstr) == -1)
		return (-1);
	return (wire_copy(s->mx_host, sizeof(s->mx_host), p->mx_host,
	    "sample.mx_host length", errstr));
}

int
wire_check_from_pb(
    struct wire_check *c, const Fleet__CheckResult *p, const char **errstr)
{
	if (!p->has_state || !wire_enum_ok(p->state, CHECK_LAST)) {
		*errstr = "check.state";
		return (-1);
	}
	c->state = (enum check_state)p->state;
	c->checked_at = p->checked_at;
	if (wire_copy(c->name, sizeof(c->name), p->name, "check.name length",
	        errstr) == -1)
		return (-1);
	return (wire_copy(c->detail, sizeof(c->detail), p->detail,
	    "check.detail length", errstr));
}

/* Counts first, then allocates; r->n_* follow the arrays for _fini(). */
static int
wire_report_items_from_pb(
    struct wire_report *r, const Fleet__Report *p, const char **errstr)
{
	if (p->n_counters > WIRE_COUNTERS_MAX) {
		*errstr = "report.counters count";
		return (-1);
	}
	if (p->n_samples > WIRE_SAMPLES_MAX) {
		*errstr = "report.samples count";
		return (-1);
	}
	if (p->n_checks > WIRE_CHECKS_MAX) {
		*errstr = "report.checks count";
		return (-1);
	}
	if (p->n_counters > 0)
		r->counters = xcalloc(p->n_counters, sizeof(*r->counters));
	r->n_counters = p->n_counters;
	if (p->n_samples > 0)
		r->samples = xcalloc(p->n_samples, sizeof(*r->samples));
	r->n_samples = p->n_samples;
	if (p->n_checks > 0)
		r->checks = xcalloc(p->n_checks, sizeof(*r->checks));
	r->n_checks = p->n_checks;
	for (size_t i = 0; i < r->n_counters; i++) {
		if (wire_counter_from_pb(
		        &r->counters[i], p->counters[i], errstr) == -1)
			return (-1);
	}
	for (size_t i = 0; i < r->n_samples; i++) {
		if (wire_sample_from_pb(
		        &r->samples[i], p->samples[i], errstr) == -1)
			return (-1);
	}
	for (size_t i = 0; i < r->n_checks; i++) {
		if (wire_check_from_pb(&r->checks[i], p->checks[i], errstr) ==
		    -1)
			return (-1);
	}
	return (0);
}

static int
wire_report_from_pb(
    struct wire_report *r, const Fleet__Report *p, const char **errstr)
{
	if (!p->has_epoch) {
		*errstr = "report.epoch missing";
		return (-1);
	}
	if (!p->has_seq) {
		*errstr = "report.seq missing";
		return (-1);
	}
	if (!p->has_interval_start || !p->has_interval_end) {
		*errstr = "report.interval missing";
		return (-1);
	}
	r->epoch = p->epoch;
	r->seq = p->seq;
	r->interval_start = p->interval_start;
	r->interval_end = p->interval_end;
	r->spool_bad = p->spool_bad;
	r->has_queue = p->queue != NULL;
	if (r->has_queue &&
	    wire_queue_from_pb(&r->queue, p->queue, errstr) == -1)
		return (-1);
	if (wire_report_items_from_pb(r, p, errstr) == -1)
		return (-1);
	if (wire_copy(r->agent_version, sizeof(r->agent_version),
	        p->agent_version, "report.agent_version length", errstr) == -1)
		return (-1);
	return (wire_copy(r->hostname, sizeof(r->hostname), p->hostname,
	    "report.hostname length", errstr));
}

static int
wire_agent_reply_from_pb(
    struct wire_agent_reply *a, const Fleet__AgentReply *p, const char **errstr)
{
	const Fleet__Command *c;

	if (p->n_commands > WIRE_COMMANDS_MAX) {
		*errstr = "agent_reply.commands count";
		return (-1);
	}
	a->acked_epoch = p->acked_epoch;
	a->acked_seq = p->acked_seq;
	a->duplicate = p->duplicate != 0;
	a->is_refused = p->refused != 0;
	a->n_commands = p->n_commands;
	for (size_t i = 0; i < p->n_commands; i++) {
		c = p->commands[i];
		if (!c->has_type ||
		    !wire_enum_ok(c->type, WIRE_CMD_RUN_CHECKS)) {
			*errstr = "command.type";
			return (-1);
		}
		a->commands[i].type = (enum wire_command_type)c->type;
		a->commands[i].report_interval_ms = c->report_interval_ms;
		a->commands[i].queue_interval_ms = c->queue_interval_ms;
	}
	return (wire_copy(a->error, sizeof(a->error), p->error,
	    "agent_reply.error length", errstr));
}

/* ---- ours -> generated structs ------------------------------------------- */

/* Zeroed memory owned by a; NULL for nmemb == 0. */
void *
wire_arena_alloc(struct wire_arena *a, size_t nmemb, size_t size)
{
	if (nmemb == 0)
		return (NULL);
	if (a->n == a->cap) {
		a->cap = a->cap == 0 ? 16 : a->cap * 2;
		a->p = xreallocarray(a->p, a->cap, sizeof(*a->p));
	}
	a->p[a->n] = xcalloc(nmemb, size);
	return (a->p[a->n++]);
}

void
wire_arena_free(struct wire_arena *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->p[i]);
	free(a->p);
	memset(a, 0, sizeof(*a));
}

/* The generated structs take char *; packing only reads through it. */
char *
wire_unconst(const char *s)
{
	return ((char *)(uintptr_t)s);
}

void
wire_queue_to_pb(
    Fleet__QueueSnapshot *p, const struct wire_queue *q, struct wire_arena *a)
{
	Fleet__QueueCount *v;

	fleet__queue_snapshot__init(p);
	p->has_valid = p->has_taken_at = p->has_incoming = p->has_active = 1;
	p->has_deferred = p->has_hold = p->has_maildrop = 1;
	p->has_oldest_deferred_age = 1;
	p->valid = q->valid;
	p->taken_at = q->taken_at;
	p->incoming = q->incoming;
	p->active = q->active;
	p->deferred = q->deferred;
	p->hold = q->hold;
	p->maildrop = q->maildrop;
	p->oldest_deferred_age = q->oldest_deferred_age;
	p->error = wire_unconst(q->error);
	v = wire_arena_alloc(a, q->n_by, sizeof(*v));
	p->deferred_by = wire_arena_alloc(a, q->n_by, sizeof(*p->deferred_by));
	p->n_deferred_by = q->n_by;
	for (size_t i = 0; i < q->n_by; i++) {
		fleet__queue_count__init(&v[i]);
		v[i].provider = wire_unconst(q->by[i].provider);
		v[i].has_class_ = v[i].has_count = 1;
		v[i].class_ = (Fleet__ReasonClass)q->by[i].cls;
		v[i].count = q->by[i].count;
		p->deferred_by[i] = &v[i];
	}
}

static void
wire_counters_to_pb(
    Fleet__Report *p, const struct wire_report *r, struct wire_arena *a)
{
	Fleet__Counter *v = wire_arena_alloc(a, r->n_counters, sizeof(*v));
	const struct wire_counter *c;

	p->counters = wire_arena_alloc(a, r->n_counters, sizeof(*p->counters));
	p->n_counters = r->n_counters;
	for (size_t i = 0; i < r->n_counters; i++) {
		c = &r->counters[i];
		fleet__counter__init(&v[i]);
		v[i].provider = wire_unconst(c->provider);
		v[i].has_class_ = v[i].has_status = v[i].has_count = 1;
		v[i].class_ = (Fleet__ReasonClass)c->cls;
		v[i].status = (Fleet__Status)c->status;
		v[i].dsn = wire_unconst(c->dsn);
		v[i].count = c->count;
		p->counters[i] = &v[i];
	}
}

Fleet__Sample **
wire_samples_to_pb(const struct wire_sample *s, size_t n, struct wire_arena *a)
{
	Fleet__Sample *v = wire_arena_alloc(a, n, sizeof(*v));
	Fleet__Sample **vp = wire_arena_alloc(a, n, sizeof(*vp));

	for (size_t i = 0; i < n; i++) {
		fleet__sample__init(&v[i]);
		v[i].provider = wire_unconst(s[i].provider);
		v[i].has_class_ = v[i].has_status = 1;
		v[i].class_ = (Fleet__ReasonClass)s[i].cls;
		v[i].status = (Fleet__Status)s[i].status;
		v[i].dsn = wire_unconst(s[i].dsn);
		v[i].text = wire_unconst(s[i].text != NULL ? s[i].text : "");
		v[i].has_first_seen = v[i].has_last_seen = 1;
		v[i].first_seen = s[i].first_seen;
		v[i].last_seen = s[i].last_seen;
		v[i].mx_host = wire_unconst(s[i].mx_host);
		vp[i] = &v[i];
	}
	return (vp);
}

Fleet__CheckResult **
wire_checks_to_pb(const struct wire_check *c, size_t n, struct wire_arena *a)
{
	Fleet__CheckResult *v = wire_arena_alloc(a, n, sizeof(*v));
	Fleet__CheckResult **vp = wire_arena_alloc(a, n, sizeof(*vp));

	for (size_t i = 0; i < n; i++) {
		fleet__check_result__init(&v[i]);
		v[i].name = wire_unconst(c[i].name);
		v[i].has_state = v[i].has_checked_at = 1;
		v[i].state = (Fleet__CheckState)c[i].state;
		v[i].detail = wire_unconst(c[i].detail);
		v[i].checked_at = c[i].checked_at;
		vp[i] = &v[i];
	}
	return (vp);
}

static void
wire_report_to_pb(
    Fleet__Report *p, const struct wire_report *r, struct wire_arena *a)
{
	fleet__report__init(p);
	p->has_epoch = p->has_seq = 1;
	p->has_interval_start = p->has_interval_end = 1;
	p->epoch = r->epoch;
	p->seq = r->seq;
	p->interval_start = r->interval_start;
	p->interval_end = r->interval_end;
	if (r->has_queue) {
		p->queue = wire_arena_alloc(a, 1, sizeof(*p->queue));
		wire_queue_to_pb(p->queue, &r->queue, a);
	}
	wire_counters_to_pb(p, r, a);
	p->samples = wire_samples_to_pb(r->samples, r->n_samples, a);
	p->n_samples = r->n_samples;
	p->checks = wire_checks_to_pb(r->checks, r->n_checks, a);
	p->n_checks = r->n_checks;
	p->agent_version = wire_unconst(r->agent_version);
	p->hostname = wire_unconst(r->hostname);
	p->has_spool_bad = r->spool_bad != 0;
	p->spool_bad = r->spool_bad;
}

/* Packs m into a malloc'd buffer unless the peer would refuse its size. */
int
wire_pack(
    const ProtobufCMessage *m, uint8_t **buf, size_t *len, const char **errstr)
{
	size_t n = protobuf_c_message_get_packed_size(m);

	if (n > WIRE_MAX_MSG) {
		*errstr = "message too large";
		return (-1);
	}
	*buf = xmalloc(n);
	*len = protobuf_c_message_pack(m, *buf);
	return (0);
}

/* ---- public API ---------------------------------------------------------- */

int
wire_report_encode(const struct wire_report *r, uint8_t **buf, size_t *len,
    const char **errstr)
{
	Fleet__AgentRequest req = FLEET__AGENT_REQUEST__INIT;
	Fleet__Report rep;
	struct wire_arena a = {NULL, 0, 0};
	int rv;

	if (wire_validate_report(r, errstr) == -1)
		return (-1);
	wire_report_to_pb(&rep, r, &a);
	req.has_version = 1;
	req.version = WIRE_VERSION;
	req.report = &rep;
	rv = wire_pack(&req.base, buf, len, errstr);
	wire_arena_free(&a);
	return (rv);
}

int
wire_agent_reply_encode(const struct wire_agent_reply *ar, uint8_t **buf,
    size_t *len, const char **errstr)
{
	Fleet__AgentReply rep = FLEET__AGENT_REPLY__INIT;
	Fleet__Command cmd[WIRE_COMMANDS_MAX], *cmdp[WIRE_COMMANDS_MAX];

	if (wire_validate_agent_reply(ar, errstr) == -1)
		return (-1);
	rep.has_version = rep.has_acked_epoch = rep.has_acked_seq = 1;
	rep.has_duplicate = 1;
	rep.version = WIRE_VERSION;
	rep.acked_epoch = ar->acked_epoch;
	rep.acked_seq = ar->acked_seq;
	rep.duplicate = ar->duplicate;
	rep.error = wire_unconst(ar->error);
	rep.has_refused = ar->is_refused;
	rep.refused = ar->is_refused;
	for (size_t i = 0; i < ar->n_commands; i++) {
		fleet__command__init(&cmd[i]);
		cmd[i].has_type = cmd[i].has_report_interval_ms = 1;
		cmd[i].has_queue_interval_ms = 1;
		cmd[i].type = (Fleet__Command__Type)ar->commands[i].type;
		cmd[i].report_interval_ms = ar->commands[i].report_interval_ms;
		cmd[i].queue_interval_ms = ar->commands[i].queue_interval_ms;
		cmdp[i] = &cmd[i];
	}
	rep.n_commands = ar->n_commands;
	rep.commands = ar->n_commands > 0 ? cmdp : NULL;
	return (wire_pack(&rep.base, buf, len, errstr));
}

int
wire_report_decode(struct wire_report *out, const uint8_t *buf, size_t len,
    const char **errstr)
{
	struct wire_unpacker u;
	Fleet__AgentRequest *m;
	struct wire_report r;
	int rv = -1;

	if ((m = (Fleet__AgentRequest *)wire_unpack(&u,
	         &fleet__agent_request__descriptor, buf, len, errstr)) == NULL)
		return (-1);
	memset(&r, 0, sizeof(r));
	if (!m->has_version || m->version != WIRE_VERSION)
		*errstr = "version";
	else if (m->report == NULL)
		*errstr = "report missing";
	else if (wire_report_from_pb(&r, m->report, errstr) == 0 &&
	         wire_validate_report(&r, errstr) == 0)
		rv = 0;
	protobuf_c_message_free_unpacked(&m->base, &u.pa);
	if (rv == 0)
		*out = r;
	else
		wire_report_fini(&r);
	return (rv);
}

int
wire_agent_reply_decode(struct wire_agent_reply *out, const uint8_t *buf,
    size_t len, const char **errstr)
{
	struct wire_unpacker u;
	Fleet__AgentReply *m;
	struct wire_agent_reply a;
	int rv = -1;

	if ((m = (Fleet__AgentReply *)wire_unpack(&u,
	         &fleet__agent_reply__descriptor, buf, len, errstr)) == NULL)
		return (-1);
	memset(&a, 0, sizeof(a));
	if (!m->has_version || m->version != WIRE_VERSION)
		*errstr = "version";
	else if (wire_agent_reply_from_pb(&a, m, errstr) == 0 &&
	         wire_validate_agent_reply(&a, errstr) == 0)
		rv = 0;
	protobuf_c_message_free_unpacked(&m->base, &u.pa);
	if (rv == 0)
		*out = a;
	return (rv);
}

void
wire_queue_fini(struct wire_queue *q)
{
	free(q->by);
	memset(q, 0, sizeof(*q));
}

void
wire_report_fini(struct wire_report *r)
{
	for (size_t i = 0; i < r->n_samples; i++)
		free(r->samples[i].text);
	free(r->samples);
	free(r->counters);
	free(r->checks);
	wire_queue_fini(&r->queue);
	memset(r, 0, sizeof(*r));
}
