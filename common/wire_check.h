/* SPDX-License-Identifier: ISC */
/*
 * The field rules of wire.h, shared by wire.c's encoders (we never send
 * what a peer would refuse) and decoders (after the copy into our
 * structs).  Each validator returns 0, or -1 with *errstr naming the
 * first field that breaks a rule.  The text rules below are also the ones
 * the agent applies to what it reads and fleetctl to what it prints, so
 * that the three agree on what a text may hold.
 */
#ifndef FLEET_COMMON_WIRE_CHECK_H
#define FLEET_COMMON_WIRE_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define WIRE_PROVIDER_CHARS "abcdefghijklmnopqrstuvwxyz0123456789_.-"
#define WIRE_DSN_CHARS      "0123456789."

/* Character classes of wire_check_str(). */
enum wire_charset {
	WIRE_CS_PROVIDER, /* [a-z0-9_.-]+ */
	WIRE_CS_DSN,      /* [0-9.]* */
	WIRE_CS_NAME,     /* 0x21-0x7e, at least one byte */
	WIRE_CS_WORD,     /* 0x21-0x7e, may be empty */
	WIRE_CS_TEXT,     /* as wire_text_scan(); may be empty */
};

/* ---- text ----------------------------------------------------------------
 * A text (a receiver's response, a check's detail, a reason, an error) is
 * one line of well-formed UTF-8 without the code points of
 * wire_cp_hidden(): those could move the cursor, recolour or clear an
 * operator's terminal, reorder what it shows, or hide characters in it.
 */

enum wire_text_fault {
	WIRE_TEXT_OK,
	WIRE_TEXT_UTF8,    /* a byte that is not part of well-formed UTF-8 */
	WIRE_TEXT_CONTROL, /* a code point of wire_cp_hidden() */
};

/*
 * Decodes the UTF-8 sequence that starts s[0..n): returns its length
 * (1..4) with *cp set, or 0 if there is none (n == 0, a stray or missing
 * continuation byte, an overlong form, a surrogate, a code point past
 * U+10FFFF).  Reads nothing past n.
 */
size_t wire_utf8_next(const char *s, size_t n, uint32_t *cp);

/*
 * True for a code point no text may hold: C0 controls (TAB, CR and LF
 * too: a text is one line), DEL, C1 controls, the bidirectional marks,
 * embeddings, overrides and isolates, the line and paragraph separators,
 * and the invisible format characters that can make two texts look alike
 * (U+200B, U+2060..U+2064, U+FEFF, the interlinear annotations, the tags).
 * U+200C and U+200D (zero width non-joiner and joiner) are allowed: Persian
 * and Indic scripts and emoji sequences need them and they reorder nothing.
 */
bool wire_cp_hidden(uint32_t cp);

/* The first fault of s[0..n) (which may hold NULs: a fault), or OK. */
enum wire_text_fault wire_text_scan(const char *s, size_t n);

/*
 * Copies src[0..n) into dst (size >= 1 bytes, always NUL-terminated),
 * replacing each byte that is not part of well-formed UTF-8 and each
 * hidden code point with '?', and stopping at a character boundary when
 * dst is full.  dst may be src: the copy never grows.  Returns the bytes
 * written; the result passes wire_text_ok(dst, size - 1).
 */
size_t wire_text_sanitize(char *dst, size_t size, const char *src, size_t n);

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
