/* SPDX-License-Identifier: ISC */
/*
 * Delivery result classification (DESIGN.md section 4): which provider
 * received a message (from the MX host, else the recipient domain) and why
 * a delivery failed (enum reason_class), driven by a rules file whose
 * syntax docs/rules.md describes.  The built-in rules are etc/rules.conf,
 * compiled in as classify_builtin_rules.
 *
 * A struct classify is immutable after loading except for its result
 * cache and scratch buffers, so it is NOT thread-safe: one thread uses it
 * (the agent's log tail); another thread (say, the queue scan) loads its
 * own or takes a lock.  Nothing here logs or blocks, apart from
 * classify_load() reading its file.
 */
#ifndef FLEET_COMMON_CLASSIFY_H
#define FLEET_COMMON_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "reason.h"

#define CLASSIFY_FILE_MAX      (1024 * 1024) /* bytes of a rules file */
#define CLASSIFY_LINE_MAX      4096          /* bytes of one rules line */
#define CLASSIFY_PATTERN_MAX   512           /* bytes of one regex */
#define CLASSIFY_RE_COST_MAX   128  /* regex nodes {m,n} and + may add */
#define CLASSIFY_RE_DEPTH_MAX  32   /* nesting of ( ) in one regex */
#define CLASSIFY_RE_REPEAT_MAX 255  /* largest m or n in {m,n} */
#define CLASSIFY_RULES_MAX     512  /* class lines */
#define CLASSIFY_NAMES_MAX     4096 /* mx + domain names, all lines */
#define CLASSIFY_PROVIDERS_MAX 256  /* distinct provider ids */
#define CLASSIFY_COND_MAX      16   /* providers or dsns in one condition */
#define CLASSIFY_ID_MAX        32   /* provider id: [a-z0-9_.-]{1,32} */
#define CLASSIFY_DSN_MAX       15   /* "5.7.606" and the like */
#define CLASSIFY_TEXT_MAX      2048 /* bytes of a text the regexes see */
#define CLASSIFY_CACHE_MAX     4096 /* cached results (direct-mapped) */
#define CLASSIFY_CACHE_TEXT    2048 /* longer texts are not cached */

/* The provider of anything no rule names. */
#define CLASSIFY_OTHER "other"

struct classify;

struct classify_stats {
	uint64_t hits;      /* classify_class() answered from the cache */
	uint64_t misses;    /* answered by running the rules */
	uint64_t evictions; /* cached results replaced by a newer one */
	size_t entries;     /* cached results now */
	uint64_t re_errors; /* regexes that failed to compile (no memory) */
};

/* The default rules: a copy of etc/rules.conf (common/classify_rules.c). */
extern const char classify_builtin_rules[];

/*
 * Loads the rules file at path, or the built-in rules if path is NULL,
 * into a new *cp (caller frees with classify_free()).  Returns 0, or -1
 * with a message in err: "path: No such file or directory", or
 * "path:12: unknown class 'blok'" for a syntax error (the first one).
 * *cp is written only on success.  Blocks on the file read.
 */
int classify_load(
    struct classify **cp, const char *path, char *err, size_t errlen);

/*
 * As classify_load(), from the NUL-terminated text; name ("rules" if
 * NULL) prefixes the error messages.  text is untrusted: sizes and counts
 * are capped by the CLASSIFY_*_MAX limits above and regexes that would
 * compile or match slowly (back-references, deep nesting, large {m,n}
 * repeats) are refused.
 */
int classify_load_string(struct classify **cp, const char *text,
    const char *name, char *err, size_t errlen);

/* Frees c and everything it owns.  Accepts NULL. */
void classify_free(struct classify *c);

/*
 * The provider id for a result: the id of the longest mx suffix matching
 * mx_host, else the longest domain entry matching rcpt_domain (the domain
 * itself or a parent), else "other".  Either argument may be NULL or "";
 * both are case-insensitive and may end in a dot; anything from a '[' on
 * in mx_host ("mx.example[192.0.2.1]:25") is ignored.  The result is
 * never NULL and lives as long as c.
 */
const char *classify_provider(
    struct classify *c, const char *mx_host, const char *rcpt_domain);

/*
 * The reason class of a delivery result.  provider is an id as returned
 * by classify_provider() (NULL or "" means "other"); dsn is the
 * enhanced status code as logged ("4.7.650"), or NULL, "" or malformed to
 * take it from the text ("451 4.7.650 ..."; an expired-message wrapper's
 * inner reply wins); text is the response or Postfix's own message (NULL
 * means "").  The text is normalised first (docs/rules.md:
 * prefixes such as "smtp;" and "host X[ip] said:" removed, continuation
 * codes joined, expired-message wrappers unwrapped) and cut to
 * CLASSIFY_TEXT_MAX bytes.  The first class line whose conditions and
 * regex match decides; CLASS_OTHER if none does.  A rule's regex runs
 * only on texts that hold one of its literals (docs/rules.md).  Results
 * that took a regex are cached by
 * (provider, dsn, text) in a table of CLASSIFY_CACHE_MAX slots where a
 * new result replaces an older one with the same hash slot, so a day of
 * repeated texts costs one pass over the rules per distinct text (texts
 * over CLASSIFY_CACHE_TEXT bytes are not cached).  A pass over the default
 * rules takes well under 0.1 ms for a typical reply, about 3 ms for the
 * slowest 2 KB text we could build.  Never blocks.
 */
enum reason_class classify_class(struct classify *c, const char *provider,
    const char *dsn, const char *text);

/* Copies the cache counters of c into *st. */
void classify_stats(const struct classify *c, struct classify_stats *st);

#endif /* FLEET_COMMON_CLASSIFY_H */
