/* SPDX-License-Identifier: ISC */
/*
 * Table tests for the load balancers on the control wire
 * (common/wire_ctl_lb.c): the LB op, the CtlReply.lbs rows of
 * `fleetctl lb` (wire_lb_status) and each relay's lb entries
 * (wire_lb_applied).  Round trips, decode rejections built from the
 * generated structs and as raw bytes, encoder refusals and _fini, with
 * the fixtures and runners of wire_fixture.h; every rejection checks the
 * errstr and that the output was left alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"
#include "util.h"
#include "fleet.pb-c.h"
#include "wire_fixture.h"

/* ---- round trips -------------------------------------------------------- */

static void
rt_cq_lb(union any_msg *m)
{
	rt_cq(m, WIRE_CTL_LB);
}

static struct rt_case rt_cases[] = {
    {"roundtrip: ctl request lb", K_CTL_REQUEST, rt_cq_lb},
};

/* ---- load balancers: fixture, comparison, round trips ------------------- */

/* Two lbs; relays[0] has an lb entry held and one unknown, relays[1] none. */
static void
fx_lbs(struct wire_ctl_reply *c)
{
	struct wire_lb_status *l;
	struct wire_lb_applied *a;

	c->n_lbs = 2;
	c->lbs = xcalloc(2, sizeof(*c->lbs));
	l = &c->lbs[0];
	util_strlcpy(l->name, "edge1", sizeof(l->name));
	util_strlcpy(l->driver, "haproxy", sizeof(l->driver));
	util_strlcpy(l->target, "/run/haproxy/admin.sock", sizeof(l->target));
	l->last_attempt_at = 1700000090;
	l->last_success_at = 1700000000;
	l->last_error_at = 1700000090;
	l->out_of_sync = 3;
	l->held = 1;
	l->rounds = 120;
	l->failures = 2;
	l->drift = 1;
	l->applied = 9;
	util_strlcpy(l->last_error,
	    "set server mail/relay1 state drain: "
	    "No such server.",
	    sizeof(l->last_error));
	l = &c->lbs[1];
	util_strlcpy(l->name, "pool.json", sizeof(l->name));
	util_strlcpy(l->driver, "file", sizeof(l->driver));
	c->relays[0].n_lb = 2;
	c->relays[0].lb = a = xcalloc(2, sizeof(*a));
	util_strlcpy(a[0].lb, "edge1", sizeof(a[0].lb));
	a[0].known = a[0].held = true;
	util_strlcpy(a[0].intent, "ready", sizeof(a[0].intent));
	a[0].weight = 100;
	util_strlcpy(a[0].target, "mail/relay1", sizeof(a[0].target));
	util_strlcpy(a[1].lb, "Edge_2", sizeof(a[1].lb));
	util_strlcpy(a[1].error, "connect: Connection refused \xc3\xa9",
	    sizeof(a[1].error));
}

static void
lb_eq(const struct wire_ctl_reply *x, const struct wire_ctl_reply *y)
{
	for (size_t i = 0; i < x->n_relays; i++) {
		const struct wire_relay_status *r = &x->relays[i];

		assert_int_equal(r->n_lb, y->relays[i].n_lb);
		if (r->n_lb == 0)
			assert_null(y->relays[i].lb);
		for (size_t k = 0; k < r->n_lb; k++) {
			const struct wire_lb_applied *a = &r->lb[k];
			const struct wire_lb_applied *b = &y->relays[i].lb[k];

			assert_string_equal(a->lb, b->lb);
			assert_int_equal(a->known, b->known);
			assert_string_equal(a->intent, b->intent);
			assert_int_equal(a->weight, b->weight);
			assert_string_equal(a->target, b->target);
			assert_string_equal(a->error, b->error);
			assert_int_equal(a->held, b->held);
		}
	}
	assert_int_equal(x->n_lbs, y->n_lbs);
	for (size_t i = 0; i < x->n_lbs; i++) {
		const struct wire_lb_status *a = &x->lbs[i], *b = &y->lbs[i];

		assert_string_equal(a->name, b->name);
		assert_string_equal(a->driver, b->driver);
		assert_string_equal(a->target, b->target);
		assert_int_equal(a->last_attempt_at, b->last_attempt_at);
		assert_int_equal(a->last_success_at, b->last_success_at);
		assert_int_equal(a->last_error_at, b->last_error_at);
		assert_int_equal(a->out_of_sync, b->out_of_sync);
		assert_int_equal(a->held, b->held);
		assert_int_equal(a->rounds, b->rounds);
		assert_int_equal(a->failures, b->failures);
		assert_int_equal(a->drift, b->drift);
		assert_int_equal(a->applied, b->applied);
		assert_string_equal(a->last_error, b->last_error);
	}
}

static void
lb_rt_none(struct wire_ctl_reply *c)
{
	(void)c;
}

/* A reply of `fleetctl lb` without any [lb NAME]: nothing to allocate. */
static void
lb_rt_empty(struct wire_ctl_reply *c)
{
	wire_ctl_reply_fini(c);
}

/* WIRE_LBS_MAX of each, every field at its limit. */
static void
lb_rt_limits(struct wire_ctl_reply *c)
{
	struct wire_relay_status *s = &c->relays[1];

	c->lbs = xreallocarray(c->lbs, WIRE_LBS_MAX, sizeof(*c->lbs));
	s->lb = xcalloc(WIRE_LBS_MAX, sizeof(*s->lb));
	c->n_lbs = s->n_lb = WIRE_LBS_MAX;
	for (size_t i = 0; i < WIRE_LBS_MAX; i++) {
		struct wire_lb_status *l = &c->lbs[i];

		memset(l, 0, sizeof(*l));
		memset(l->name, i % 2 ? '.' : 'Z', WIRE_NAME_MAX);
		memset(l->driver, '_', WIRE_STATE_MAX);
		/* UTF-8 to the last byte (WIRE_PATH_MAX is odd: one 'x') */
		for (size_t k = 0; k + 1 < WIRE_PATH_MAX; k += 2)
			memcpy(l->target + k, "\xc3\xa9", 2);
		l->target[WIRE_PATH_MAX - 1] = 'x';
		memset(l->last_error, '~', WIRE_DETAIL_MAX);
		l->last_attempt_at = l->rounds = l->applied = UINT64_MAX;
		l->out_of_sync = l->held = UINT32_MAX;
		memset(s->lb[i].lb, '-', WIRE_NAME_MAX);
		s->lb[i].known = true;
		memset(s->lb[i].intent, 'z', WIRE_STATE_MAX);
		s->lb[i].weight = 100;
		memset(s->lb[i].target, ' ', WIRE_TARGET_MAX);
		memset(s->lb[i].error, 0x7e, WIRE_DETAIL_MAX);
	}
}

struct lb_rt_case {
	const char *name;
	void (*edit)(struct wire_ctl_reply *);
};

static struct lb_rt_case lb_rt_cases[] = {
    {"lb roundtrip: status and applied", lb_rt_none},
    {"lb roundtrip: none", lb_rt_empty},
    {"lb roundtrip: at limits", lb_rt_limits},
};

static void
test_lb_roundtrip(void **state)
{
	const struct lb_rt_case *tc = *state;
	struct wire_ctl_reply in, out;
	struct buf b = {NULL, 0};
	const char *errstr = NULL;

	fx_ctl_reply(&in);
	fx_lbs(&in);
	tc->edit(&in);
	assert_int_equal(wire_ctl_reply_encode(&in, &b.p, &b.len, &errstr), 0);
	memset(&out, 0, sizeof(out));
	if (wire_ctl_reply_decode(&out, b.p, b.len, &errstr) != 0)
		fail_msg("decode: %s", errstr);
	ctl_reply_eq(&in, &out);
	lb_eq(&in, &out);
	if (in.n_lbs == 0)
		assert_null(out.lbs);
	free(b.p);
	wire_ctl_reply_fini(&in);
	wire_ctl_reply_fini(&out);
}

/* ---- decode rejections, built from the generated structs ---------------- */

static Fleet__RelayStatus *many_relays[WIRE_RELAYS_MAX + 1];

static Fleet__LbApplied pb_la, *pb_lap[WIRE_LBS_MAX + 1];
static Fleet__LbStatus pb_ls, pb_ls_last, *pb_lsp[WIRE_LBS_MAX + 1];
static char pb_target[WIRE_TARGET_MAX + 1];

/* n_la LbApplied on the relay, n_ls LbStatus in the reply, all alike. */
static void
pb_lb(struct pb_all *m, size_t n_la, size_t n_ls)
{
	fleet__lb_applied__init(&pb_la);
	pb_la.lb = "edge1";
	pb_la.has_known = pb_la.known = pb_la.has_weight = 1;
	pb_la.intent = "drain";
	pb_la.weight = 100;
	pb_la.target = "mail/relay1";
	pb_la.error = "No such server.";
	fleet__lb_status__init(&pb_ls);
	pb_ls.name = "edge1";
	pb_ls.driver = "haproxy";
	pb_ls.target = "/run/haproxy/admin.sock";
	pb_ls.last_error = "connect: No such file or directory";
	for (size_t i = 0; i <= WIRE_LBS_MAX; i++) {
		pb_lap[i] = &pb_la;
		pb_lsp[i] = &pb_ls;
	}
	m->rs.n_lb = n_la;
	m->rs.lb = pb_lap;
	m->cr.n_lbs = n_ls;
	m->cr.lbs = pb_lsp;
}

/* clang-format off */
static void pb_lb_ok(struct pb_all *m) { pb_lb(m, 1, 1); }
static void pb_lb_max(struct pb_all *m) { pb_lb(m, WIRE_LBS_MAX, WIRE_LBS_MAX); }
static void pb_la_many(struct pb_all *m) { pb_lb(m, WIRE_LBS_MAX + 1, 0); }
static void pb_ls_many(struct pb_all *m) { pb_lb(m, 0, WIRE_LBS_MAX + 1); }
static void pb_la_unknown(struct pb_all *m) { pb_lb(m, 1, 0); pb_la.has_known = pb_la.has_weight = 0; pb_la.intent = NULL; }
static void pb_la_lb_missing(struct pb_all *m) { pb_lb(m, 1, 0); pb_la.lb = NULL; }
static void pb_la_lb_space(struct pb_all *m) { pb_lb(m, 1, 0); pb_la.lb = "edge 1"; }
static void pb_la_lb_8bit(struct pb_all *m) { pb_lb(m, 1, 0); pb_la.lb = "edg\xc3\xa9"; }
static void pb_la_lb_long(struct pb_all *m) { pb_lb(m, 1, 0); pb_la.lb = long_host; }
static void pb_la_intent_upper(struct pb_all *m) { pb_lb(m, 1, 0); pb_la.intent = "Ready"; }
static void pb_la_intent_long(struct pb_all *m) { pb_lb(m, 1, 0); pb_la.intent = "abcdefghijklmnop"; }
static void pb_la_weight_101(struct pb_all *m) { pb_lb(m, 1, 0); pb_la.weight = 101; }
static void pb_la_target_max(struct pb_all *m) { pb_lb(m, 1, 0); memset(pb_target, 't', WIRE_TARGET_MAX); pb_la.target = pb_target; }
static void pb_la_target_long(struct pb_all *m) { pb_lb(m, 1, 0); pb_la.target = long_host; }
static void pb_la_target_newline(struct pb_all *m) { pb_lb(m, 1, 0); pb_la.target = "mail/\nrelay1"; }
static void pb_la_error_esc(struct pb_all *m) { pb_lb(m, 1, 0); pb_la.error = "\x1b[2J"; }
static void pb_la_error_long(struct pb_all *m) { pb_lb(m, 1, 0); pb_la.error = long_host; }
static void pb_ls_name_missing(struct pb_all *m) { pb_lb(m, 0, 1); pb_ls.name = NULL; }
static void pb_ls_name_slash(struct pb_all *m) { pb_lb(m, 0, 1); pb_ls.name = "edge/1"; }
static void pb_ls_name_long(struct pb_all *m) { pb_lb(m, 0, 1); pb_ls.name = long_host; }
static void pb_ls_driver_digit(struct pb_all *m) { pb_lb(m, 0, 1); pb_ls.driver = "exec2"; }
static void pb_ls_driver_long(struct pb_all *m) { pb_lb(m, 0, 1); pb_ls.driver = "abcdefghijklmnop"; }
static void pb_ls_target_long(struct pb_all *m) { pb_lb(m, 0, 1); pb_ls.target = long_host; }
static void pb_ls_target_tab(struct pb_all *m) { pb_lb(m, 0, 1); pb_ls.target = "/run/a\tb"; }
static void pb_ls_error_del(struct pb_all *m) { pb_lb(m, 0, 1); pb_ls.last_error = "x\x7f"; }
static void pb_ls_error_long(struct pb_all *m) { pb_lb(m, 0, 1); pb_ls.last_error = long_host; }
/* clang-format on */

/* Every lb array allocated when the last LbStatus fails: all freed. */
static void
pb_lb_fail_last(struct pb_all *m)
{
	pb_lb(m, WIRE_LBS_MAX, WIRE_LBS_MAX);
	for (size_t i = 0; i < 3; i++)
		many_relays[i] = &m->rs;
	m->cr.n_relays = 3;
	m->cr.relays = many_relays;
	pb_ls_last = pb_ls;
	pb_ls_last.name = "";
	pb_lsp[WIRE_LBS_MAX - 1] = &pb_ls_last;
}

static struct pb_case pb_cases[] = {
    {"pb: lb ok", K_CTL_REPLY, pb_lb_ok, NULL},
    {"pb: lb max", K_CTL_REPLY, pb_lb_max, NULL},
    {"pb: relay lb max+1", K_CTL_REPLY, pb_la_many, "relay.lb count"},
    {"pb: lbs max+1", K_CTL_REPLY, pb_ls_many, "ctl_reply.lbs count"},
    {"pb: lb applied unknown", K_CTL_REPLY, pb_la_unknown, NULL},
    {"pb: lb applied lb missing", K_CTL_REPLY, pb_la_lb_missing,
        "lb_applied.lb length"},
    {"pb: lb applied lb space", K_CTL_REPLY, pb_la_lb_space,
        "lb_applied.lb charset"},
    {"pb: lb applied lb 8-bit", K_CTL_REPLY, pb_la_lb_8bit,
        "lb_applied.lb charset"},
    {"pb: lb applied lb long", K_CTL_REPLY, pb_la_lb_long,
        "lb_applied.lb length"},
    {"pb: lb applied intent upper case", K_CTL_REPLY, pb_la_intent_upper,
        "lb_applied.intent charset"},
    {"pb: lb applied intent long", K_CTL_REPLY, pb_la_intent_long,
        "lb_applied.intent length"},
    {"pb: lb applied weight 101", K_CTL_REPLY, pb_la_weight_101,
        "lb_applied.weight"},
    {"pb: lb applied target max", K_CTL_REPLY, pb_la_target_max, NULL},
    {"pb: lb applied target long", K_CTL_REPLY, pb_la_target_long,
        "lb_applied.target length"},
    {"pb: lb applied target newline", K_CTL_REPLY, pb_la_target_newline,
        "lb_applied.target charset"},
    {"pb: lb applied error escape", K_CTL_REPLY, pb_la_error_esc,
        "lb_applied.error charset"},
    {"pb: lb applied error long", K_CTL_REPLY, pb_la_error_long,
        "lb_applied.error length"},
    {"pb: lb status name missing", K_CTL_REPLY, pb_ls_name_missing,
        "lb_status.name length"},
    {"pb: lb status name slash", K_CTL_REPLY, pb_ls_name_slash,
        "lb_status.name charset"},
    {"pb: lb status name long", K_CTL_REPLY, pb_ls_name_long,
        "lb_status.name length"},
    {"pb: lb status driver digit", K_CTL_REPLY, pb_ls_driver_digit,
        "lb_status.driver charset"},
    {"pb: lb status driver long", K_CTL_REPLY, pb_ls_driver_long,
        "lb_status.driver length"},
    {"pb: lb status target long", K_CTL_REPLY, pb_ls_target_long,
        "lb_status.target length"},
    {"pb: lb status target tab", K_CTL_REPLY, pb_ls_target_tab,
        "lb_status.target charset"},
    {"pb: lb status last_error del", K_CTL_REPLY, pb_ls_error_del,
        "lb_status.last_error charset"},
    {"pb: lb status last_error long", K_CTL_REPLY, pb_ls_error_long,
        "lb_status.last_error length"},
    {"pb: reply fails at the last lb", K_CTL_REPLY, pb_lb_fail_last,
        "lb_status.name length"},
};

/* ---- decode rejections, raw bytes --------------------------------------- */

static void
pb_lb_markers(struct pb_all *m)
{
	pb_lb(m, 1, 1);
	pb_la.error = "ab@@cd";
}

static void
raw_nul_lb_error(struct buf *b)
{
	raw_nul(b, pb_lb_markers, K_CTL_REPLY);
}

static struct raw_case raw_cases[] = {
    {"raw: NUL in lb applied error", K_CTL_REPLY, raw_nul_lb_error,
        "NUL in string"},
};

/* ---- encode rejections -------------------------------------------------- */

/* clang-format off */
static void enc_lbs_many(union any_msg *m) { fx_lbs(&m->c); m->c.n_lbs = WIRE_LBS_MAX + 1; }
static void enc_lbs_null(union any_msg *m) { fx_lbs(&m->c); free(m->c.lbs); m->c.lbs = NULL; }
static void enc_la_many(union any_msg *m) { fx_lbs(&m->c); m->c.relays[0].n_lb = WIRE_LBS_MAX + 1; }
static void enc_la_null(union any_msg *m) { fx_lbs(&m->c); free(m->c.relays[0].lb); m->c.relays[0].lb = NULL; }
static void enc_la_lb_empty(union any_msg *m) { fx_lbs(&m->c); m->c.relays[0].lb[1].lb[0] = '\0'; }
static void enc_la_lb_colon(union any_msg *m) { fx_lbs(&m->c); m->c.relays[0].lb[1].lb[2] = ':'; }
static void enc_la_intent(union any_msg *m) { fx_lbs(&m->c); m->c.relays[0].lb[0].intent[0] = 'R'; }
static void enc_la_weight(union any_msg *m) { fx_lbs(&m->c); m->c.relays[0].lb[0].weight = 101; }
static void enc_la_target(union any_msg *m) { fx_lbs(&m->c); memset(m->c.relays[0].lb[0].target, 'x', WIRE_TARGET_MAX + 1); }
static void enc_la_error(union any_msg *m) { fx_lbs(&m->c); m->c.relays[0].lb[1].error[0] = '\x1b'; }
static void enc_ls_name(union any_msg *m) { fx_lbs(&m->c); m->c.lbs[0].name[2] = '/'; }
static void enc_ls_driver(union any_msg *m) { fx_lbs(&m->c); util_strlcpy(m->c.lbs[1].driver, "exec2", WIRE_STATE_MAX + 1); }
static void enc_ls_target(union any_msg *m) { fx_lbs(&m->c); memset(m->c.lbs[1].target, 'p', WIRE_PATH_MAX + 1); }
static void enc_ls_error(union any_msg *m) { fx_lbs(&m->c); m->c.lbs[0].last_error[4] = '\n'; }
/* clang-format on */

static struct enc_case enc_cases[] = {
    {"encode: lbs max+1", K_CTL_REPLY, enc_lbs_many, "ctl_reply.lbs count"},
    {"encode: lbs missing", K_CTL_REPLY, enc_lbs_null, "ctl_reply.lbs count"},
    {"encode: relay lb max+1", K_CTL_REPLY, enc_la_many, "relay.lb count"},
    {"encode: relay lb missing", K_CTL_REPLY, enc_la_null, "relay.lb count"},
    {"encode: lb applied lb empty", K_CTL_REPLY, enc_la_lb_empty,
        "lb_applied.lb length"},
    {"encode: lb applied lb colon", K_CTL_REPLY, enc_la_lb_colon,
        "lb_applied.lb charset"},
    {"encode: lb applied intent upper case", K_CTL_REPLY, enc_la_intent,
        "lb_applied.intent charset"},
    {"encode: lb applied weight 101", K_CTL_REPLY, enc_la_weight,
        "lb_applied.weight"},
    {"encode: lb applied target unterminated", K_CTL_REPLY, enc_la_target,
        "lb_applied.target length"},
    {"encode: lb applied error escape", K_CTL_REPLY, enc_la_error,
        "lb_applied.error charset"},
    {"encode: lb status name slash", K_CTL_REPLY, enc_ls_name,
        "lb_status.name charset"},
    {"encode: lb status driver digit", K_CTL_REPLY, enc_ls_driver,
        "lb_status.driver charset"},
    {"encode: lb status target unterminated", K_CTL_REPLY, enc_ls_target,
        "lb_status.target length"},
    {"encode: lb status last_error newline", K_CTL_REPLY, enc_ls_error,
        "lb_status.last_error charset"},
};

/* ---- _fini -------------------------------------------------------------- */

/* The lb arrays go with the reply (ASan/valgrind see a leak otherwise). */
static void
test_fini_lb(void **state)
{
	struct wire_ctl_reply c;

	(void)state;
	fx_ctl_reply(&c);
	fx_lbs(&c);
	wire_ctl_reply_fini(&c);
	assert_null(c.lbs);
	assert_int_equal(c.n_lbs, 0);
	assert_null(c.relays);
	wire_ctl_reply_fini(&c);
}

int
main(void)
{
	struct CMUnitTest t[NELEM(rt_cases) + NELEM(lb_rt_cases) +
	                    NELEM(pb_cases) + NELEM(raw_cases) +
	                    NELEM(enc_cases) + 1];
	size_t n = 0;

	for (size_t i = 0; i < NELEM(rt_cases); i++)
		add_case(t, &n, rt_cases[i].name, test_roundtrip, &rt_cases[i]);
	for (size_t i = 0; i < NELEM(lb_rt_cases); i++)
		add_case(t, &n, lb_rt_cases[i].name, test_lb_roundtrip,
		    &lb_rt_cases[i]);
	for (size_t i = 0; i < NELEM(pb_cases); i++)
		add_case(t, &n, pb_cases[i].name, test_pb, &pb_cases[i]);
	for (size_t i = 0; i < NELEM(raw_cases); i++)
		add_case(t, &n, raw_cases[i].name, test_raw, &raw_cases[i]);
	for (size_t i = 0; i < NELEM(enc_cases); i++)
		add_case(t, &n, enc_cases[i].name, test_encode_reject,
		    &enc_cases[i]);
	add_case(t, &n, "fini lb", test_fini_lb, NULL);
	return (_cmocka_run_group_tests("wire_lb", t, n, NULL, NULL));
}
