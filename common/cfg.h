/* SPDX-License-Identifier: ISC */
/*
 * Configuration files: `key = value` lines in `[sections]` (libinih), and
 * a table-driven setter so each program declares its keys once.  Errors
 * name file:line.  Unknown keys, duplicate keys and missing required keys
 * are errors.  No logging, no globals.
 */
#ifndef FLEET_COMMON_CFG_H
#define FLEET_COMMON_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CFG_ERR_MAX  512
#define CFG_LINE_MAX 198 /* libinih's line buffer, less newline and NUL */
#define CFG_NAME_MAX 63  /* relay and operator names */

enum cfg_type {
	CFG_STRING,   /* printable, non-empty, char[len] */
	CFG_PATH,     /* as CFG_STRING, absolute path */
	CFG_URL,      /* tcp://host:port */
	CFG_DURATION, /* uint64_t milliseconds within [min, max] */
	CFG_UINT,     /* uint64_t within [min, max] */
	CFG_KEY,      /* uint8_t[32] from base64 */
	CFG_IP,       /* IPv4 or IPv6 literal, char[len] */
	CFG_NAME,     /* [A-Za-z0-9_.-]{1,63}, char[len] */
};

struct cfg_field {
	const char *name;
	enum cfg_type type;
	size_t off; /* offsetof() in the target struct */
	size_t len; /* size of the char array (string types) */
	uint64_t min, max;
	bool required;
};

/*
 * Handler for one `name = value` of section (section is "" before the
 * first header).  Returns 0, or -1 with a message in err.
 */
typedef int (*cfg_handler)(void *user, const char *section, const char *name,
    const char *value, char *err, size_t errlen);

/*
 * Parses the file at path, calling h for each key.  Returns 0, or -1 with
 * err set to "path:line: message" (or "path: message").
 */
int cfg_parse(
    const char *path, cfg_handler h, void *user, char *err, size_t errlen);

/*
 * Sets field `name` of obj from value, checking its type and limits.
 * *seen has bit i set once fields[i] was set (n <= 32); a second setting
 * is an error.  Returns 0, or -1 with err set.
 */
int cfg_set(const struct cfg_field *fields, size_t n, void *obj, uint32_t *seen,
    const char *name, const char *value, char *err, size_t errlen);

/*
 * Checks that every required field is in seen; what names the section in
 * the message ("[relay r1]").  Returns 0, or -1 with err set.
 */
int cfg_check_required(const struct cfg_field *fields, size_t n, uint32_t seen,
    const char *what, char *err, size_t errlen);

/* True if s is a valid relay/operator name. */
bool cfg_name_ok(const char *s);

/*
 * Splits a "[kind name]" section: returns true and points *name into
 * section if it starts with kind followed by one space.
 */
bool cfg_section_is(const char *section, const char *kind, const char **name);

#endif /* FLEET_COMMON_CFG_H */
