/* SPDX-License-Identifier: ISC */
/*
 * What the reconciler (lb.c) asks of a load balancer driver; nothing but
 * lb.c and the drivers include this.  A driver works on slots: one per
 * (relay, place on the load balancer), e.g. one per `backend/server` pair
 * of a relay's lb_server for haproxy, one per relay for file and exec.
 * A round is:
 *
 *   read()  what the LB has for every slot (when it can_read);
 *   apply() each slot whose state is not the want (same() says);
 *   flush() once, with every slot's want (file: writes the pool);
 *   read()  again to verify what was applied.
 *
 * Every call runs on the LB's own thread, bounded by the section's
 * timeout, and gives up early once *cancel is set (fleetd stopping).
 * Error texts are one line of printable ASCII (lb_text_clean()).
 */
#ifndef FLEET_CONTROLLER_LB_DRIVER_H
#define FLEET_CONTROLLER_LB_DRIVER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "lb.h"

/* What one slot has on the load balancer. */
struct lb_state {
	bool known; /* false: could not be told (absent server, no file) */
	enum policy_intent intent;
	uint32_t weight;  /* percent (haproxy: uweight * 100 / iweight) */
	uint32_t uweight; /* haproxy: the current and the initial weight; */
	uint32_t iweight; /* 0 for other drivers */
};

struct lb_slot {
	size_t relay;               /* index in conf->relays */
	char target[LB_TARGET_MAX]; /* "backend/server", or the relay name */
};

enum lb_apply_rc {
	LB_APPLY_OK = 0,
	LB_APPLY_FAILED = -1,      /* this slot: err holds the LB's answer */
	LB_APPLY_UNREACHABLE = -2, /* the LB: the round stops, err says why */
};

struct lb_driver {
	const struct fleetd_config *conf;
	const struct fleetd_lb *lb; /* its section */
	const atomic_bool *cancel;  /* set by lb.c before the first call */
	bool can_read;              /* read() tells real state */
	bool stale; /* set by read(): rewrite even where every slot is as
	               wanted (a pool file edited by hand); lb.c clears it */
	void *priv;

	/*
	 * Fills seen[0..n) for slots[0..n).  Returns 0, or -1 with err set
	 * when the LB could not be read at all (every seen[] unknown).
	 * NULL when !can_read.
	 */
	int (*read)(struct lb_driver *d, const struct lb_slot *slots, size_t n,
	    struct lb_state *seen, char *err, size_t errlen);
	/*
	 * True if seen already is want.  NULL: known, the same intent and,
	 * for ready, the same weight.
	 */
	bool (*same)(const struct lb_state *seen, const struct lb_want *want);
	/* Applies want to one slot; seen is what read() gave (or unknown). */
	enum lb_apply_rc (*apply)(struct lb_driver *d,
	    const struct lb_slot *slot, const struct lb_want *want,
	    const struct lb_state *seen, char *err, size_t errlen);
	/*
	 * After the applies of a round that changed something (or found a
	 * slot unknown), with wants[i] for slots[i].  Returns 0, or -1 with
	 * err set (the round failed).  NULL: nothing to do.
	 */
	int (*flush)(struct lb_driver *d, const struct lb_slot *slots,
	    const struct lb_want *wants, size_t n, char *err, size_t errlen);
	void (*free)(struct lb_driver *d);
};

/*
 * Each builds the driver of section lb and its slots (*slots malloc'd,
 * *nslots entries; a relay may have none, or several).  Returns the
 * driver, or NULL with err set.
 */
struct lb_driver *lb_haproxy_new(const struct fleetd_config *conf,
    const struct fleetd_lb *lb, struct lb_slot **slots, size_t *nslots,
    char *err, size_t errlen);
struct lb_driver *lb_file_new(const struct fleetd_config *conf,
    const struct fleetd_lb *lb, struct lb_slot **slots, size_t *nslots,
    char *err, size_t errlen);
struct lb_driver *lb_exec_new(const struct fleetd_config *conf,
    const struct fleetd_lb *lb, struct lb_slot **slots, size_t *nslots,
    char *err, size_t errlen);

/* The default same(): what read() found equals want. */
bool lb_same_default(const struct lb_state *seen, const struct lb_want *want);

/*
 * Copies src into dst (dstsize > 0) as one line: each run of control
 * characters (newlines included) and bytes above 0x7e becomes one
 * blank, leading and trailing blanks go; cut at dstsize - 1 bytes.
 */
void lb_text_clean(char *dst, size_t dstsize, const char *src, size_t len);

/* "ready", "drain", "maint" (policy_intent_name()). */
const char *lb_intent_name(enum policy_intent i);

/* ---- haproxy (lb_haproxy.c, lb_haproxy_parse.c) ------------------------- */

#define HAPROXY_NAME_MAX 63 /* a backend or server name we accept */

/*
 * A backend or server name fleetd can name: [A-Za-z0-9_.:-], 1 to
 * HAPROXY_NAME_MAX bytes (HAProxy's own charset; checked at load for
 * lb_server, and again before a name goes into a command).
 */
bool haproxy_name_ok(const char *s, size_t len);

/* One row of `show servers state`. */
struct haproxy_server {
	char backend[HAPROXY_NAME_MAX + 1];
	char server[HAPROXY_NAME_MAX + 1];
	uint32_t op_state; /* srv_op_state: 0 stopped, 1 starting, 2 running */
	uint32_t admin_state; /* srv_admin_state: bit 0x01 maint, 0x08 drain */
	uint32_t uweight, iweight;
};

#define HAPROXY_ADMF_FMAINT 0x01 /* forced maintenance (CLI) */
#define HAPROXY_ADMF_FDRAIN 0x08 /* forced drain (CLI) */
/* every maintenance and drain flag: forced, inherited from a tracked
 * server, from the configuration, DNS resolution, hostname resolution */
#define HAPROXY_ADMF_MAINT 0x67 /* FMAINT IMAINT CMAINT RMAINT HMAINT */
#define HAPROXY_ADMF_DRAIN 0x18 /* FDRAIN IDRAIN */

/*
 * Parses the reply to `show servers state` (untrusted text, len bytes,
 * not NUL-terminated): a version line "1", a "# be_id be_name ..." header
 * naming the columns, then one row per server; columns are found by
 * their header names (be_name srv_name srv_op_state srv_admin_state
 * srv_uweight srv_iweight), so added columns do no harm.  *rows gets a
 * malloc'd array (caller frees; NULL when there are none).  Returns 0,
 * or -1 with *errstr set to a static message ("unsupported version",
 * "missing column srv_uweight", "line 7: too few fields", "line 3: name
 * too long", "line 4: bad number", ...) and *rows NULL.  A reply that is
 * one line of text (an error such as "Unknown command.") is refused with
 * errstr "not a servers state reply".  A row whose backend or server name
 * fleetd could not name (longer than HAPROXY_NAME_MAX, other characters)
 * is skipped, not an error.  At most 1 << 20 rows.
 */
int haproxy_parse_servers_state(const char *buf, size_t len,
    struct haproxy_server **rows, size_t *nrows, const char **errstr);

/*
 * The state a row stands for: maint if any maintenance flag is set, drain
 * if any drain flag, else ready.  fleetd sets and clears only the forced
 * ones; a server in maintenance for another reason reads as such, so a
 * `state ready` that cannot bring it back shows as a failure, not as in
 * sync.
 */
void haproxy_server_state(const struct haproxy_server *s, struct lb_state *st);

/*
 * The absolute weight fleetd sets for pct percent of iweight: 0 for 0,
 * else iweight * pct / 100 rounded to nearest, at least 1 (so that a
 * server of weight 1 still takes mail at 10%), at most 256; 0 for a
 * server declared with weight 0.
 */
uint32_t haproxy_weight_for(uint32_t iweight, uint32_t pct);

/*
 * True if the server (seen) is what want asks: the intent, and for
 * ready, uweight == haproxy_weight_for(iweight, want->weight).
 */
bool haproxy_same(const struct lb_state *seen, const struct lb_want *want);

/*
 * A reply to a `set server` command: "" (or only blanks and newlines) is
 * success.  Returns true for success, else false with the reply as one
 * line in err.
 */
bool haproxy_reply_ok(const char *buf, size_t len, char *err, size_t errlen);

/* ---- file (lb_file.c) --------------------------------------------------- */

#define LB_POOL_MAX       65536      /* relays in a pool file */
#define LB_POOL_MAX_BYTES (16 << 20) /* pool.json as read back */

/* One relay of pool.json. */
struct lb_pool_entry {
	char name[CFG_NAME_MAX + 1]; /* [A-Za-z0-9_.-]{1,63} */
	char ip[46];                 /* IPv4 or IPv6, as configured */
	enum policy_intent intent;
	uint32_t weight; /* percent, 0..100; as wanted for drain and maint */
};

/*
 * Parses pool.json (untrusted, len bytes, need not end in a NUL): an
 * object with "generated_at" (a whole number) and "relays", an array of
 * at most LB_POOL_MAX objects with "name" (a relay name), "ip" (IPv4 or
 * IPv6), "intent" (ready, drain, maint) and "weight" (0..100); other keys
 * are ignored, a key given twice, a name listed twice or anything after
 * the JSON are refused.  *out gets a malloc'd array (caller frees; NULL
 * when *n is 0).  Returns 0, or -1 with *errstr set to a static message
 * and *out, *n untouched.
 */
int lb_pool_parse(const char *buf, size_t len, struct lb_pool_entry **out,
    size_t *n, const char **errstr);

/*
 * pool.txt for e[0..n) (valid entries): "name ip weight\n" for each entry
 * of intent ready and weight > 0, in order.  Returns a malloc'd,
 * NUL-terminated text (caller frees), *len bytes without the NUL.
 */
char *lb_pool_text(const struct lb_pool_entry *e, size_t n, size_t *len);

/*
 * pool.json for e[0..n) with generated_at (unix s): what lb_pool_parse()
 * reads back as e[0..n).  Returns a malloc'd, NUL-terminated text ending
 * in a newline (caller frees), *len bytes without the NUL.
 */
char *lb_pool_json(const struct lb_pool_entry *e, size_t n,
    uint64_t generated_at, size_t *len);

#endif /* FLEET_CONTROLLER_LB_DRIVER_H */
