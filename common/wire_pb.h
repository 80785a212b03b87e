/* SPDX-License-Identifier: ISC */
/*
 * The protobuf-c side of the wire codecs, shared by wire.c (agent
 * messages and the pieces every message uses) and wire_ctl.c (control
 * messages).  Internal to common/wire*.c: nothing else may see the
 * generated types.  No state, no logging; any thread.
 */
#ifndef FLEET_COMMON_WIRE_PB_H
#define FLEET_COMMON_WIRE_PB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "fleet.pb-c.h"
#include "wire.h"

/* Counts what protobuf-c allocates while unpacking one message. */
struct wire_unpacker {
	ProtobufCAllocator pa; /* allocator_data points back here */
	size_t used;           /* bytes handed out, frees not deducted */
	bool is_exhausted;
};

/* Every allocation made to build one outgoing message, freed together. */
struct wire_arena {
	void **p;
	size_t n, cap;
};

/*
 * Unpacks buf as a d message with u counting the allocations (at most
 * WIRE_MAX_ALLOC bytes) and rejects a NUL inside a string.  Returns the
 * message, which the caller frees with
 * protobuf_c_message_free_unpacked(m, &u->pa), or NULL with *errstr set.
 */
ProtobufCMessage *wire_unpack(struct wire_unpacker *u,
    const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
    const char **errstr);

/*
 * Copies src (NULL: absent, "") into dst[size].  Returns 0, or -1 with
 * *errstr = elen if it does not fit; never truncates.
 */
int wire_copy(char *dst, size_t size, const char *src, const char *elen,
    const char **errstr);

/*
 * Generated structs -> ours.  Each returns 0, or -1 with *errstr set; on
 * failure the struct may hold allocations its _fini() (or, for a sample,
 * free(s->text)) releases.  Charsets are checked later by wire_check.c.
 */
int wire_queue_from_pb(
    struct wire_queue *q, const Fleet__QueueSnapshot *p, const char **errstr);
int wire_sample_from_pb(
    struct wire_sample *s, const Fleet__Sample *p, const char **errstr);
int wire_check_from_pb(
    struct wire_check *c, const Fleet__CheckResult *p, const char **errstr);

/* Zeroed memory owned by a; NULL for nmemb == 0.  Exits on no memory. */
void *wire_arena_alloc(struct wire_arena *a, size_t nmemb, size_t size);
void wire_arena_free(struct wire_arena *a);

/* The generated structs take char *; packing only reads through it. */
char *wire_unconst(const char *s);

/*
 * Ours -> generated structs; the results point into the borrowed source
 * structs and into a.  The array versions return NULL for n == 0.
 */
void wire_queue_to_pb(
    Fleet__QueueSnapshot *p, const struct wire_queue *q, struct wire_arena *a);
Fleet__Sample **wire_samples_to_pb(
    const struct wire_sample *s, size_t n, struct wire_arena *a);
Fleet__CheckResult **wire_checks_to_pb(
    const struct wire_check *c, size_t n, struct wire_arena *a);

/*
 * Packs m into a malloc'd *buf (caller frees) unless it is over
 * WIRE_MAX_MSG: then returns -1 with *errstr = "message too large".
 */
int wire_pack(
    const ProtobufCMessage *m, uint8_t **buf, size_t *len, const char **errstr);

#endif /* FLEET_COMMON_WIRE_PB_H */
