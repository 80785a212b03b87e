/* SPDX-License-Identifier: ISC */
/*
 * The field rules of wire.h, shared by wire.c's encoders (we never send
 * what a peer would refuse) and decoders (after the copy into our
 * structs).  Internal to common/wire*.c.  Each validator returns 0, or -1
 * with *errstr naming the first field that breaks a rule.
 */
#ifndef FLEET_COMMON_WIRE_CHECK_H
#define FLEET_COMMON_WIRE_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "wire.h"

#define WIRE_PROVIDER_CHARS "abcdefghijklmnopqrstuvwxyz0123456789_.-"
#define WIRE_DSN_CHARS      "0123456789."

/* Character classes of wire_check_str(). */
enum wire_charset {
	WIRE_CS_PROVIDER, /* [a-z0-9_.-]+ */
	WIRE_CS_DSN,      /* [0-9.]* */
	WIRE_CS_NAME,     /* 0x21-0x7e, at least one byte */
	WIRE_CS_WORD,     /* 0x21-0x7e, may be empty */
	WIRE_CS_TEXT,     /* no byte < 0x20, no 0x7f; may be empty */
};

int wire_check_str(const char *s, size_t max, enum wire_charset cs,
    const char *elen, const char *ecs, const char **errstr);

bool wire_enum_ok(int v, int last);

int wire_validate_report(const struct wire_report *r, const char **errstr);

int wire_validate_agent_reply(
    const struct wire_agent_reply *a, const char **errstr);

int wire_validate_ctl_request(
    const struct wire_ctl_request *q, const char **errstr);

int wire_validate_ctl_reply(
    const struct wire_ctl_reply *c, const char **errstr);

#endif /* FLEET_COMMON_WIRE_CHECK_H */
