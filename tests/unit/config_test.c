/* SPDX-License-Identifier: ISC */
/*
 * fleetd's [policy] and [rule NAME] sections and the key conflicts: each
 * case writes a config into a temporary directory and loads it, then
 * checks the values it gave, or that it failed with a message naming the
 * file and the problem.  "@DIR@" in a case's text is that directory, which
 * holds an executable `hook` and a plain file `plain`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../controller/config.h"

#define KEY_A "KQENFFhEtwAR3IkckChkSvVxHrcRi+ZAN+OZdCWjKQE="
#define KEY_B "Ars7GWUu8JZv8XdJv906TMiQ0r0Ry6Upmwp8U63Vd44="
#define KEY_C "y+UjzeX7uVSBBVLJCn70BqOHXNGlE6R2gYWZaG6TR2U="

#define HEAD   "[fleetd]\nkey_file = /k\ndatabase = /d.db\n"
#define CLS(c) (UINT32_C(1) << (c))

static char dir[64], path[128];

/* Writes text to path, with every "@DIR@" replaced by dir. */
static void
write_conf(const char *text)
{
	const char *p;
	FILE *f;

	assert_non_null(f = fopen(path, "w"));
	while ((p = strstr(text, "@DIR@")) != NULL) {
		fwrite(text, 1, (size_t)(p - text), f);
		fputs(dir, f);
		text = p + 5;
	}
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void
write_file(const char *name, const char *text, mode_t mode)
{
	char p[128];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_non_null(f = fopen(p, "w"));
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(p, mode), 0);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/config_test.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return (-1);
	snprintf(path, sizeof(path), "%s/fleetd.conf", dir);
	write_file("hook", "#!/bin/sh\nexit 0\n", 0755);
	write_file("plain", "not a program\n", 0644);
	return (0);
}

static int
teardown(void **state)
{
	char p[128];

	(void)state;
	unlink(path);
	snprintf(p, sizeof(p), "%s/hook", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/plain", dir);
	unlink(p);
	return (rmdir(dir));
}

static const struct policy_rule *
rule_at(const struct fleetd_config *c, size_t i, const char *name)
{
	assert_true(i < c->policy.nrules);
	assert_string_equal(c->policy.rules[i].name, name);
	return (&c->policy.rules[i]);
}

static void
check_builtin_rules(const struct fleetd_config *c)
{
	const struct policy_rule *r;

	assert_int_equal(c->policy.nrules, 7);
	r = rule_at(c, 0, "ip-blocked");
	assert_int_equal(r->classes, CLS(CLASS_IP_BLOCKED));
	assert_true(r->drain_providers);
	assert_int_equal(r->count, 1);
	assert_int_equal(r->window_s, 600);
	assert_int_equal(r->action, POLICY_ACT_BLOCK);
	assert_int_equal(r->hold_s, 4 * 3600);
	r = rule_at(c, 1, "ip-blocked-other");
	assert_int_equal(r->nproviders, 0);
	assert_int_equal(r->action, POLICY_ACT_SUSPECT);
	assert_int_equal(r->hold_s, 3600);
	r = rule_at(c, 2, "ip-throttled");
	assert_int_equal(r->classes, CLS(CLASS_IP_THROTTLED));
	assert_int_equal(r->count, 3);
	assert_int_equal(r->action, POLICY_ACT_BLOCK);
	r = rule_at(c, 3, "ptr");
	assert_int_equal(r->classes, CLS(CLASS_PTR));
	assert_int_equal(r->nchecks, 3);
	assert_string_equal(r->checks[2], "helo");
	assert_int_equal(r->action, POLICY_ACT_DRAIN);
	r = rule_at(c, 4, "network");
	assert_int_equal(r->min_providers, 3);
	assert_true(r->no_delivery);
	assert_int_equal(r->hold_s, 1800);
	r = rule_at(c, 5, "deferred-queue");
	assert_true(r->queue_deferred);
	assert_int_equal(r->count, 10);
	r = rule_at(c, 6, "dnsbl");
	assert_string_equal(r->checks[0], "dnsbl");
	assert_int_equal(r->action, POLICY_ACT_SUSPECT);
}

static void
check_defaults(const struct fleetd_config *c)
{
	const struct policy_conf *pc = &c->policy;

	assert_int_equal(pc->ndrain, 5);
	assert_string_equal(pc->drain_providers[0], "outlook");
	assert_string_equal(pc->drain_providers[4], "apple");
	assert_int_equal(pc->min_active, 50);
	assert_true(pc->min_active_pct);
	assert_int_equal(pc->max_maintenance, 6);
	assert_int_equal(pc->hold_max_s, 24 * 3600);
	assert_int_equal(pc->nramp, 4);
	assert_int_equal(pc->ramp[0], 10);
	assert_int_equal(pc->ramp[3], 100);
	assert_int_equal(pc->ramp_step_s, 900);
	assert_int_equal(pc->agent_silent, 3);
	assert_int_equal(pc->report_interval_s, 10);
	assert_int_equal(pc->tick_ms, 1000);
	assert_string_equal(pc->notify_command, "");
	assert_int_equal(pc->notify_timeout_ms, 10000);
	assert_int_equal(pc->retention_s, 30 * 86400);
	check_builtin_rules(c);
	/* policy_conf_finish() resolved drain_providers */
	assert_int_equal(pc->rules[0].nproviders, 5);
	/* [fleetd] limits */
	assert_false(c->limits.any_source);
	assert_int_equal(c->limits.max_connections, 4096);
	assert_int_equal(c->limits.max_per_source, 8);
	assert_int_equal(c->limits.handshake_timeout_ms, 10000);
	assert_int_equal(c->limits.idle_timeout_ms, 600000);
	assert_int_equal(c->limits.hello_rate, 200);
	assert_int_equal(c->limits.hello_rate_per_source, 5);
	assert_int_equal(c->limits.hello_skew_ms, 300000);
	assert_int_equal(c->limits.report_rate, 120);
	assert_int_equal(c->limits.max_report_bytes, 256 * 1024);
	assert_int_equal(c->limits.max_seq_ahead, 100000);
	assert_int_equal(c->limits.nofile, 65536);
}

static void
check_limits(const struct fleetd_config *c)
{
	assert_true(c->limits.any_source);
	assert_int_equal(c->limits.max_connections, 100);
	assert_int_equal(c->limits.max_per_source, 100);
	assert_int_equal(c->limits.handshake_timeout_ms, 500);
	assert_int_equal(c->limits.idle_timeout_ms, 60000);
	assert_int_equal(c->limits.hello_rate, 10);
	assert_int_equal(c->limits.hello_rate_per_source, 2);
	assert_int_equal(c->limits.hello_skew_ms, 30000);
	assert_int_equal(c->limits.report_rate, 6);
	assert_int_equal(c->limits.max_report_bytes, 4096);
	assert_int_equal(c->limits.max_seq_ahead, 1);
	assert_int_equal(c->limits.nofile, 4096);
}

static void
check_every_key(const struct fleetd_config *c)
{
	const struct policy_conf *pc = &c->policy;
	char hook[128];

	assert_int_equal(pc->ndrain, 2);
	assert_string_equal(pc->drain_providers[1], "google");
	assert_int_equal(pc->min_active, 7);
	assert_false(pc->min_active_pct);
	assert_int_equal(pc->max_maintenance, 2);
	assert_int_equal(pc->hold_max_s, 48 * 3600);
	assert_int_equal(pc->nramp, 2);
	assert_int_equal(pc->ramp[0], 20);
	assert_int_equal(pc->ramp[1], 100);
	assert_int_equal(pc->ramp_step_s, 300);
	assert_int_equal(pc->agent_silent, 0);
	assert_int_equal(pc->report_interval_s, 30);
	assert_int_equal(pc->tick_ms, 250);
	snprintf(hook, sizeof(hook), "%s/hook", dir);
	assert_string_equal(pc->notify_command, hook);
	assert_int_equal(pc->notify_timeout_ms, 2000);
	assert_int_equal(pc->retention_s, 7 * 86400);
	assert_int_equal(pc->rules[0].nproviders, 2);
	assert_string_equal(pc->rules[0].providers[0], "outlook");
}

static void
check_share(const struct fleetd_config *c)
{
	assert_int_equal(c->policy.min_active, 25);
	assert_true(c->policy.min_active_pct);
	assert_int_equal(c->policy.max_maintenance, 0);
}

static void
check_replace(const struct fleetd_config *c)
{
	const struct policy_rule *r = rule_at(c, 2, "ip-throttled");

	assert_int_equal(c->policy.nrules, 7);
	assert_int_equal(r->classes, CLS(CLASS_IP_THROTTLED));
	assert_false(r->drain_providers);
	assert_int_equal(r->nproviders, 1);
	assert_string_equal(r->providers[0], "outlook");
	assert_int_equal(r->count, 5);
	assert_int_equal(r->window_s, 300);
	assert_int_equal(r->action, POLICY_ACT_DRAIN);
	assert_int_equal(r->hold_s, 7200);
	rule_at(c, 3, "ptr");
}

/* A replaced rule starts from the section defaults, not the built-in. */
static void
check_replace_defaults(const struct fleetd_config *c)
{
	const struct policy_rule *r = rule_at(c, 4, "network");

	assert_int_equal(r->classes, CLS(CLASS_NETWORK));
	assert_int_equal(r->min_providers, 0);
	assert_false(r->no_delivery);
	assert_int_equal(r->count, 1);
	assert_int_equal(r->window_s, 600);
	assert_int_equal(r->hold_s, 3600);
	assert_int_equal(r->action, POLICY_ACT_SUSPECT);
}

static void
check_added(const struct fleetd_config *c)
{
	const struct policy_rule *r = rule_at(c, 7, "tls-storm");

	assert_int_equal(c->policy.nrules, 8);
	assert_int_equal(r->classes, CLS(CLASS_TLS) | CLS(CLASS_DNS));
	assert_int_equal(r->nproviders, 2);
	assert_string_equal(r->providers[1], "yahoo");
	assert_int_equal(r->count, 20);
	assert_int_equal(r->window_s, 3600);
	assert_int_equal(r->min_providers, 2);
	assert_true(r->no_delivery);
	assert_int_equal(r->action, POLICY_ACT_SUSPECT);
	assert_int_equal(r->hold_s, 1800);
}

static void
check_order(const struct fleetd_config *c)
{
	assert_int_equal(c->policy.nrules, 9);
	rule_at(c, 0, "ip-blocked");
	assert_int_equal(c->policy.rules[0].action, POLICY_ACT_SUSPECT);
	rule_at(c, 6, "dnsbl");
	rule_at(c, 7, "zz-last");
	rule_at(c, 8, "aa-first");
}

static void
check_checks(const struct fleetd_config *c)
{
	const struct policy_rule *r = rule_at(c, 7, "listed");

	assert_int_equal(r->classes, CLS(CLASS_PTR));
	assert_int_equal(r->nchecks, 2);
	assert_string_equal(r->checks[0], "ptr");
	assert_string_equal(r->checks[1], "dnsbl:zen.spamhaus.org");
	assert_false(r->queue_deferred);
}

static void
check_queue(const struct fleetd_config *c)
{
	const struct policy_rule *r = rule_at(c, 5, "deferred-queue");

	assert_int_equal(c->policy.nrules, 7); /* replaced in place */
	assert_true(r->queue_deferred);
	assert_int_equal(r->classes, 0);
	assert_int_equal(r->count, 50);
	assert_int_equal(r->window_s, 1800);
}

static void
check_drain_ref(const struct fleetd_config *c)
{
	const struct policy_rule *r = rule_at(c, 7, "blocked-hard");

	assert_true(r->drain_providers);
	assert_int_equal(r->nproviders, 1);
	assert_string_equal(r->providers[0], "gmx");
}

static void
check_no_drain(const struct fleetd_config *c)
{
	assert_int_equal(c->policy.ndrain, 0);
	assert_int_equal(c->policy.rules[0].nproviders, 0);
	assert_false(c->policy.rules[0].drain_providers);
}

static void
check_parties(const struct fleetd_config *c)
{
	assert_int_equal(c->nrelays, 2);
	assert_int_equal(c->nops, 1);
	assert_int_equal(c->ops[0].role, ROLE_ADMIN);
}

#define HEAD_LIMIT(kv)                                                         \
	"[fleetd]\nkey_file = /etc/k\ndatabase = /var/db\n" kv "\n"

#define LB_RELAY(pairs)                                                        \
	"[relay r1]\nip = 192.0.2.1\nagent_key = " KEY_A                       \
	"\nlb_server = " pairs "\n"

static void
check_lbs(const struct fleetd_config *c)
{
	char pairs[FLEETD_LB_PAIRS][CFG_NAME_MAX * 2 + 2];

	assert_int_equal(c->nlbs, 3);
	assert_string_equal(c->lbs[0].name, "edge1");
	assert_int_equal(c->lbs[0].driver, LB_DRIVER_HAPROXY);
	assert_non_null(strstr(c->lbs[0].target, "/absent.sock"));
	assert_int_equal(c->lbs[0].timeout_ms, 500);
	assert_int_equal(c->lbs[0].resync_ms, 5000);
	assert_int_equal(c->lbs[1].driver, LB_DRIVER_FILE);
	assert_int_equal(c->lbs[1].timeout_ms, FLEETD_LB_TIMEOUT);
	assert_int_equal(c->lbs[1].resync_ms, FLEETD_LB_RESYNC);
	assert_int_equal(c->lbs[2].driver, LB_DRIVER_EXEC);
	assert_int_equal(c->lbs[2].timeout_ms, FLEETD_LB_EXEC_MS);
	assert_int_equal(
	    fleetd_lb_pairs(c->relays[0].lb_server, pairs, FLEETD_LB_PAIRS), 2);
	assert_string_equal(pairs[0], "be/s1");
	assert_string_equal(pairs[1], "be2/s1");
}

#define RULE(name, body) "[rule " name "]\n" body
#define NEW(body)        RULE("new", "class = tls\naction = drain\n" body)
#define RULE_NOHOLD(name, cls)                                                 \
	RULE(name, "class = " cls "\naction = suspect\nhold = 1h\n")

static const struct {
	const char *name, *text;
	const char *err; /* NULL: loads */
	void (*check)(const struct fleetd_config *c);
} cases[] = {
    {"defaults", HEAD, NULL, check_defaults},
    {"every policy key",
        HEAD "[policy]\ndrain_providers = outlook google\nmin_active = 7\n"
             "max_maintenance = 2\nhold_max = 48h\nramp = 20 100\n"
             "ramp_step = 5m\nagent_silent = 0\nreport_interval = 30s\n"
             "tick = 250ms\nnotify_command = @DIR@/hook\n"
             "notify_timeout = 2s\nretention = 7d\n",
        NULL, check_every_key},
    {"every limit",
        "[fleetd]\nkey_file = /etc/k\ndatabase = /var/db\n"
        "agent_sources = any\nmax_connections = 100\nmax_per_source = 100\n"
        "handshake_timeout = 500ms\nidle_timeout = 1m\nhello_rate = 10\n"
        "hello_rate_per_source = 2\nhello_skew = 30s\nreport_rate = 6\n"
        "max_report_bytes = 4096\nmax_seq_ahead = 1\nnofile = 4096\n",
        NULL, check_limits},
    {"agent_sources unknown", HEAD_LIMIT("agent_sources = nat"),
        ": [fleetd]: agent_sources must be relays or any", NULL},
    {"max_per_source above max_connections",
        HEAD_LIMIT("max_connections = 16\nmax_per_source = 17"),
        ": [fleetd]: max_per_source is above max_connections", NULL},
    {"max_connections too small", HEAD_LIMIT("max_connections = 15"),
        "max_connections: too small", NULL},
    {"handshake_timeout too long", HEAD_LIMIT("handshake_timeout = 11m"),
        "handshake_timeout: duration too long", NULL},
    {"max_report_bytes past a message",
        HEAD_LIMIT("max_report_bytes = 2000000"), "max_report_bytes: too large",
        NULL},
    {"nofile too small", HEAD_LIMIT("nofile = 100"), "nofile: too small", NULL},
    {"min_active share",
        HEAD "[policy]\nmin_active = 25%\nmax_maintenance = 0\n", NULL,
        check_share},
    {"notify_command empty", HEAD "[policy]\nnotify_command =\n", NULL,
        check_defaults},
    {"policy before fleetd", "[policy]\nramp = 10 25 50 100\n" HEAD, NULL,
        check_defaults},
    /* [policy]: bad values */
    {"unknown policy key", HEAD "[policy]\ncolour = blue\n",
        ":5: unknown key 'colour'", NULL},
    {"policy key twice", HEAD "[policy]\ntick = 1s\ntick = 1s\n",
        ":6: tick: given twice", NULL},
    {"drain provider charset", HEAD "[policy]\ndrain_providers = Outlook\n",
        ":5: drain_providers: 'Outlook' is not a provider name", NULL},
    {"drain provider twice", HEAD "[policy]\ndrain_providers = gmx web gmx\n",
        "drain_providers: 'gmx' listed twice", NULL},
    {"drain providers too many",
        HEAD "[policy]\ndrain_providers = a b c d e f g h i j k l m n o p "
             "q\n",
        "drain_providers: more than 16 providers", NULL},
    {"drain providers empty but used", HEAD "[policy]\ndrain_providers =\n",
        ": [rule ip-blocked]: providers = drain_providers, but [policy] "
        "drain_providers is empty",
        NULL},
    {"drain providers empty, unused",
        HEAD "[policy]\ndrain_providers =\n" RULE_NOHOLD("ip-blocked",
            "ip_blocked") RULE_NOHOLD("ip-throttled", "ip_throttled"),
        NULL, check_no_drain},
    {"min_active share too large", HEAD "[policy]\nmin_active = 101%\n",
        "min_active: too large", NULL},
    {"min_active count too large", HEAD "[policy]\nmin_active = 5000\n",
        "min_active: too large", NULL},
    {"min_active bare percent", HEAD "[policy]\nmin_active = %\n",
        "min_active: invalid", NULL},
    {"min_active words", HEAD "[policy]\nmin_active = half\n",
        "min_active: invalid", NULL},
    {"max_maintenance negative", HEAD "[policy]\nmax_maintenance = -1\n",
        "max_maintenance: invalid", NULL},
    {"hold_max zero", HEAD "[policy]\nhold_max = 0\n",
        "hold_max: duration too short", NULL},
    {"ramp decreasing", HEAD "[policy]\nramp = 10 5 100\n",
        "ramp: steps must increase", NULL},
    {"ramp repeated", HEAD "[policy]\nramp = 10 10 100\n",
        "ramp: steps must increase", NULL},
    {"ramp short of 100", HEAD "[policy]\nramp = 10 50\n",
        "ramp: the last step must be 100", NULL},
    {"ramp zero", HEAD "[policy]\nramp = 0 100\n", "ramp: '0': too small",
        NULL},
    {"ramp above 100", HEAD "[policy]\nramp = 50 150\n",
        "ramp: '150': too large", NULL},
    {"ramp too long", HEAD "[policy]\nramp = 1 2 3 4 5 6 7 8 100\n",
        "ramp: 1 to 8 steps", NULL},
    {"ramp empty", HEAD "[policy]\nramp =\n", "ramp: 1 to 8 steps", NULL},
    {"ramp_step fraction", HEAD "[policy]\nramp_step = 1500ms\n",
        "ramp_step: not a whole number of seconds", NULL},
    {"agent_silent word", HEAD "[policy]\nagent_silent = off\n",
        "agent_silent: invalid", NULL},
    {"report_interval short", HEAD "[policy]\nreport_interval = 500ms\n",
        "report_interval: duration too short", NULL},
    {"tick short", HEAD "[policy]\ntick = 50ms\n", "tick: duration too short",
        NULL},
    {"tick long", HEAD "[policy]\ntick = 2s\n", "tick: duration too long",
        NULL},
    {"notify relative", HEAD "[policy]\nnotify_command = bin/hook\n",
        "notify_command: not an absolute path", NULL},
    {"notify missing", HEAD "[policy]\nnotify_command = @DIR@/nothing\n",
        "/nothing: No such file or directory", NULL},
    {"notify not executable", HEAD "[policy]\nnotify_command = @DIR@/plain\n",
        "/plain: not an executable file", NULL},
    {"notify directory", HEAD "[policy]\nnotify_command = @DIR@\n",
        "not an executable file", NULL},
    {"notify_timeout short", HEAD "[policy]\nnotify_timeout = 10ms\n",
        "notify_timeout: duration too short", NULL},
    {"retention short", HEAD "[policy]\nretention = 1h\n",
        "retention: duration too short", NULL},
    /* [rule NAME]: replace and add */
    {"replace built-in",
        HEAD RULE("ip-throttled", "class = ip_throttled\nproviders = outlook\n"
                                  "count = 5\nwindow = 5m\naction = drain\n"
                                  "hold = 2h\n"),
        NULL, check_replace},
    {"replace starts from section defaults",
        HEAD RULE("network", "class = network\naction = suspect\n"), NULL,
        check_replace_defaults},
    {"add",
        HEAD RULE("tls-storm", "class = tls dns\nproviders = google yahoo\n"
                               "count = 20\nwindow = 1h\nmin_providers = 2\n"
                               "no_delivery = yes\naction = suspect\n"
                               "hold = 30m\n"),
        NULL, check_added},
    {"order kept",
        HEAD RULE_NOHOLD("zz-last", "tls") RULE_NOHOLD(
            "ip-blocked", "ip_blocked") RULE_NOHOLD("aa-first", "auth"),
        NULL, check_order},
    {"checks",
        HEAD RULE("listed",
            "class = ptr check:ptr check:dnsbl:zen.spamhaus.org\n"
            "action = drain\n"),
        NULL, check_checks},
    {"queue_deferred",
        HEAD RULE("deferred-queue", "class = queue_deferred\ncount = 50\n"
                                    "window = 30m\naction = suspect\n"),
        NULL, check_queue},
    {"a second queue_deferred rule",
        HEAD RULE("big-queue", "class = queue_deferred\ncount = 50\n"
                               "action = suspect\n"),
        "only one rule may watch queue_deferred", NULL},
    {"providers = drain_providers",
        HEAD "[policy]\ndrain_providers = gmx\n" RULE("blocked-hard",
            "class = ip_blocked\nproviders = drain_providers\n"
            "action = block\n"),
        NULL, check_drain_ref},
    /* [rule NAME]: bad */
    {"rule name upper case", HEAD RULE("Blocked", "class = tls\n"),
        ":5: [rule Blocked]: name must be 1-43 characters of [a-z0-9-]", NULL},
    {"rule name underscore", HEAD RULE("ip_blocked", "class = tls\n"),
        "[rule ip_blocked]: name must be", NULL},
    {"rule without action", HEAD RULE("x", "class = tls\n"),
        ": [rule x]: action missing", NULL},
    {"rule without class", HEAD RULE("ptr", "action = drain\n"),
        ": [rule ptr]: class missing", NULL},
    {"rule unknown key", HEAD NEW("colour = blue\n"),
        ":7: [rule new]: unknown key 'colour'", NULL},
    {"rule key twice", HEAD NEW("count = 2\ncount = 3\n"),
        ":8: [rule new]: count: given twice", NULL},
    {"rule section twice",
        HEAD NEW("") "[policy]\ntick = 1s\n" RULE("new", "count = 2\n"),
        ":10: [rule new]: section given twice", NULL},
    {"class delivered", HEAD RULE("x", "class = delivered\n"),
        "class: 'delivered' cannot fire a rule", NULL},
    {"class unknown", HEAD RULE("x", "class = blocked\n"),
        "class: 'blocked' is not a reason class, check:NAME or "
        "queue_deferred",
        NULL},
    {"class empty", HEAD RULE("x", "class =\n"), "[rule x]: class: empty",
        NULL},
    {"class twice", HEAD RULE("x", "class = tls tls\n"),
        "class: 'tls' listed twice", NULL},
    {"queue_deferred not alone",
        HEAD RULE("x", "class = queue_deferred ip_blocked\n"),
        "class: queue_deferred must be alone", NULL},
    {"check without name", HEAD RULE("x", "class = check:\n"),
        "class: 'check:': a check name is", NULL},
    {"check charset", HEAD RULE("x", "class = check:PTR\n"),
        "class: 'check:PTR': a check name is", NULL},
    {"too many checks",
        HEAD RULE("x", "class = check:a check:b check:c check:d check:e "
                       "check:f check:g check:h check:i\n"),
        "class: more than 8 checks", NULL},
    {"providers drain_providers and more",
        HEAD NEW("providers = drain_providers gmx\n"),
        "providers: drain_providers must be alone", NULL},
    {"providers charset", HEAD NEW("providers = OUTLOOK\n"),
        "providers: 'OUTLOOK' is not a provider name", NULL},
    {"count zero", HEAD NEW("count = 0\n"), "[rule new]: count: too small",
        NULL},
    {"window zero", HEAD NEW("window = 0\n"), "window: duration too short",
        NULL},
    {"window past a day", HEAD NEW("window = 25h\n"),
        "window: duration too long", NULL},
    {"min_providers word", HEAD NEW("min_providers = all\n"),
        "min_providers: invalid", NULL},
    {"no_delivery maybe", HEAD NEW("no_delivery = maybe\n"),
        "no_delivery: yes or no", NULL},
    {"action unknown", HEAD RULE("x", "class = tls\naction = kill\n"),
        "action: block, drain or suspect", NULL},
    {"hold zero", HEAD NEW("hold = 0\n"), "hold: duration too short", NULL},
    {"hold past hold_max", HEAD NEW("hold = 48h\n"),
        ": [rule new]: hold (172800 s) is longer than [policy] hold_max "
        "(86400 s)",
        NULL},
    {"built-in hold past hold_max", HEAD "[policy]\nhold_max = 2h\n",
        ": [rule ip-blocked]: hold (14400 s) is longer than [policy] "
        "hold_max (7200 s)",
        NULL},
    {"queue_deferred with providers",
        HEAD RULE("q", "class = queue_deferred\nproviders = gmx\n"
                       "action = suspect\n"),
        ": [rule q]: queue_deferred takes no providers", NULL},
    {"unknown section", HEAD "[rules x]\nclass = tls\n",
        ":5: unknown section [rules x]", NULL},
    /* [lb NAME] and lb_server (docs/lb.md) */
    {"lb every driver",
        HEAD LB_RELAY(
            "be/s1 be2/s1") "[lb edge1]\ndriver = haproxy\n"
                            "socket = @DIR@/absent.sock\ntimeout = "
                            "500ms\nresync = 5s\n"
                            "[lb pool]\ndriver = file\npath = @DIR@\n"
                            "[lb hook]\ndriver = exec\ncommand = @DIR@/hook\n",
        NULL, check_lbs},
    {"lb without driver", HEAD "[lb e]\nsocket = /run/x.sock\n",
        ": [lb e]: driver must be haproxy, file or exec (driver missing)",
        NULL},
    {"lb unknown driver", HEAD "[lb e]\ndriver = f5\n",
        ": [lb e]: driver must be haproxy, file or exec", NULL},
    {"lb haproxy without socket", HEAD "[lb e]\ndriver = haproxy\n",
        ": [lb e]: driver haproxy needs socket", NULL},
    {"lb haproxy with command",
        HEAD "[lb e]\ndriver = haproxy\nsocket = /run/x.sock\n"
             "command = @DIR@/hook\n",
        ": [lb e]: driver haproxy takes no command (it takes socket)", NULL},
    {"lb socket relative", HEAD "[lb e]\ndriver = haproxy\nsocket = x.sock\n",
        ":6: [lb e]: socket: not an absolute path", NULL},
    {"lb file not a directory",
        HEAD "[lb p]\ndriver = file\npath = @DIR@/plain\n", ": [lb p]: path ",
        NULL},
    {"lb exec not executable",
        HEAD "[lb h]\ndriver = exec\ncommand = @DIR@/plain\n",
        "/plain: not an executable file", NULL},
    {"lb timeout too long",
        HEAD "[lb e]\ndriver = haproxy\nsocket = /run/x.sock\n"
             "timeout = 2m\n",
        "timeout: duration too long", NULL},
    {"lb resync too short",
        HEAD "[lb e]\ndriver = haproxy\nsocket = /run/x.sock\n"
             "resync = 100ms\n",
        "resync: duration too short", NULL},
    {"lb unknown key", HEAD "[lb e]\ndriver = haproxy\nweight = 3\n",
        ":6: [lb e]: unknown key 'weight'", NULL},
    {"lb name charset", HEAD "[lb e/1]\ndriver = haproxy\n",
        "[lb e/1]: name must be 1-63 characters", NULL},
    {"lb section twice",
        HEAD "[lb e]\ndriver = haproxy\n[policy]\ntick = 1s\n[lb e]\n"
             "socket = /run/x.sock\n",
        ":9: [lb e]: section given twice", NULL},
    {"lb one socket, two sections",
        HEAD "[lb a]\ndriver = haproxy\nsocket = /run/x.sock\n"
             "[lb b]\ndriver = haproxy\nsocket = /run/x.sock\n",
        ": [lb b]: /run/x.sock already used by [lb a]", NULL},
    {"lb socket path too long",
        HEAD "[lb e]\ndriver = haproxy\nsocket = /run/"
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
             ".sock\n",
        ": [lb e]: socket: longer than a unix socket path may be (107 "
        "bytes)",
        NULL},
    {"lb_server without slash", HEAD LB_RELAY("nodash"),
        ": [relay r1]: lb_server: \"nodash\" is not backend/server", NULL},
    {"lb_server empty half", HEAD LB_RELAY("be/"),
        "lb_server: \"be/\" is not backend/server", NULL},
    {"lb_server bad character", HEAD LB_RELAY("be/s;1"),
        "lb_server: \"be/s;1\" is not backend/server", NULL},
    {"lb_server twice", HEAD LB_RELAY("be/s1 be/s1"),
        ": [relay r1]: lb_server: be/s1 given twice", NULL},
    {"lb_server nine pairs",
        HEAD LB_RELAY("a/1 b/1 c/1 d/1 e/1 f/1 g/1 h/1 i/1"),
        ": [relay r1]: lb_server: more than 8 pairs", NULL},
    /* keys: one party each */
    {"relays and operator",
        HEAD "[relay r1]\nip = 192.0.2.1\nagent_key = " KEY_A
             "\n[relay r2]\nip = 192.0.2.2\nagent_key = " KEY_B
             "\n[operator alice]\nkey = " KEY_C "\nrole = admin\n",
        NULL, check_parties},
    {"operator key is a relay's",
        HEAD "[relay r1]\nip = 192.0.2.1\nagent_key = " KEY_A
             "\n[operator alice]\nkey = " KEY_A "\n",
        ": [operator alice]: key already used by relay r1 (agent_key)", NULL},
    {"operator before relay, same key",
        HEAD "[operator alice]\nkey = " KEY_B
             "\n[relay r2]\nip = 192.0.2.2\nagent_key = " KEY_B "\n",
        ": [operator alice]: key already used by relay r2 (agent_key)", NULL},
    {"two operators, one key",
        HEAD "[operator alice]\nkey = " KEY_C "\n[operator bob]\nkey = " KEY_C
             "\nrole = admin\n",
        ": [operator bob]: key already used by operator alice", NULL},
    {"two relays, one key",
        HEAD "[relay r1]\nip = 192.0.2.1\nagent_key = " KEY_A
             "\n[relay r2]\nip = 192.0.2.2\nagent_key = " KEY_A "\n",
        ": [relay r2]: agent_key already used by relay r1", NULL},
};

static void
test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fleetd_config c;
		char err[512] = "";
		int rv;

		write_conf(cases[i].text);
		rv = fleetd_config_load(&c, path, err, sizeof(err));
		if (cases[i].err == NULL && rv != 0)
			fail_msg("%s: %s", cases[i].name, err);
		if (cases[i].err != NULL &&
		    (rv != -1 || strstr(err, cases[i].err) == NULL ||
		        strncmp(err, path, strlen(path)) != 0))
			fail_msg("%s: got '%s'", cases[i].name, err);
		if (rv == 0 && cases[i].check != NULL)
			cases[i].check(&c);
		fleetd_config_free(&c);
	}
}

/* 7 built-ins and 25 new rules fill POLICY_RULES_MAX; one more fails. */
static void
test_rules_max(void **state)
{
	struct fleetd_config c;
	char text[8192], err[512];
	size_t len;

	(void)state;
	len = (size_t)snprintf(text, sizeof(text), "%s", HEAD);
	for (int i = 0; i < POLICY_RULES_MAX - 7; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "[rule r%d]\nclass = tls\naction = suspect\n", i);
	write_conf(text);
	assert_int_equal(fleetd_config_load(&c, path, err, sizeof(err)), 0);
	assert_int_equal(c.policy.nrules, POLICY_RULES_MAX);
	assert_string_equal(c.policy.rules[POLICY_RULES_MAX - 1].name, "r24");
	fleetd_config_free(&c);
	snprintf(
	    text + len, sizeof(text) - len, "[rule one-more]\nclass = tls\n");
	write_conf(text);
	assert_int_equal(fleetd_config_load(&c, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "[rule one-more]: more than 32 rules"));
	fleetd_config_free(&c);
}

/*
 * libinih cuts a section name to 49 bytes, so the longest whole one has
 * 48: a rule name of 43 characters, a relay name of 42.  Longer ones are
 * refused rather than cut.
 */
static void
test_section_length(void **state)
{
	struct fleetd_config c;
	char text[512], name[64], err[512];

	(void)state;
	memset(name, 'a', 43);
	name[43] = '\0';
	snprintf(text, sizeof(text),
	    HEAD "[rule %s]\nclass = tls\naction = suspect\n", name);
	write_conf(text);
	assert_int_equal(fleetd_config_load(&c, path, err, sizeof(err)), 0);
	assert_string_equal(c.policy.rules[7].name, name);
	fleetd_config_free(&c);
	strcat(name, "a");
	snprintf(text, sizeof(text), HEAD "[rule %s]\nclass = tls\n", name);
	write_conf(text);
	assert_int_equal(fleetd_config_load(&c, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":5: section [rule aaaa"));
	assert_non_null(strstr(err, "...]: longer than 48 characters"));
	fleetd_config_free(&c);
	snprintf(text, sizeof(text), HEAD "[relay %s]\nip = 192.0.2.1\n", name);
	write_conf(text);
	assert_int_equal(fleetd_config_load(&c, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than 48 characters"));
	fleetd_config_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_rules_max),
	    cmocka_unit_test(test_section_length),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
