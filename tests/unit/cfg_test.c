/* SPDX-License-Identifier: ISC */
/*
 * Configuration files of the three programs: every error names file:line
 * (or the section), unknown and duplicate keys are errors, defaults hold.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../agent/config.h"
#include "../../controller/config.h"

#define KEY_A "4Bb8hmTMDHTiS4E6/8ODMvKWkDE8bHjdKE0B/BsJvzU="
#define KEY_B "E6ZdBWCSa6yvHZGU0RTXOmgCAsuEJjmW9mp0tkFhkFU="
#define KEY_C "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="

static char path[64];

static void
write_conf(const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/cfg_test.%d", (int)getpid());
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

#define FLEETD_HEAD "[fleetd]\nkey_file = /k\ndatabase = /d.db\n"
#define AGENT_HEAD                                                             \
	"[agent]\ncontroller = tcp://127.0.0.1:7420\ncontroller_key = " KEY_A  \
	"\nkey_file = /k\nstate_dir = /s\n"

static const struct {
	const char *name, *text, *err; /* err NULL: valid */
} fleetd_cases[] = {
    {"minimal", FLEETD_HEAD, NULL},
    {"relays and operators",
        FLEETD_HEAD "[relay r1]\nip = 192.0.2.1\nagent_key = " KEY_A
                    "\nhosting = h1\n[operator op]\nkey = " KEY_B
                    "\nrole = admin\n",
        NULL},
    {"unknown key", FLEETD_HEAD "colour = blue\n", ":4: unknown key 'colour'"},
    {"unknown section", FLEETD_HEAD "[relays]\nip = 1.2.3.4\n",
        ":5: unknown section [relays]"},
    {"duplicate key", "[fleetd]\nkey_file = /k\nkey_file = /k\n",
        ":3: key_file: given twice"},
    {"missing database", "[fleetd]\nkey_file = /k\n", "database missing"},
    {"relative path", "[fleetd]\nkey_file = k\n",
        ":2: key_file: not an "
        "absolute path"},
    {"bad url", FLEETD_HEAD "agent_listen = 127.0.0.1:7420\n",
        ":4: agent_listen: not a tcp://host:port URL"},
    {"bad ip", FLEETD_HEAD "[relay r1]\nip = 300.1.1.1\n",
        ":5: ip: not an IP address"},
    {"bad key", FLEETD_HEAD "[relay r1]\nagent_key = abc\n",
        ":5: agent_key: key must be 44 characters"},
    {"bad relay name", FLEETD_HEAD "[relay r 1]\nip = 192.0.2.1\n",
        "name must be"},
    {"relay without key", FLEETD_HEAD "[relay r1]\nip = 192.0.2.1\n",
        "[relay r1]: agent_key missing"},
    {"same key twice",
        FLEETD_HEAD "[relay r1]\nip = 192.0.2.1\nagent_key = " KEY_A
                    "\n[relay r2]\nip = 192.0.2.2\nagent_key = " KEY_A "\n",
        "agent_key already used by relay r1"},
    {"bad role", FLEETD_HEAD "[operator o]\nkey = " KEY_B "\nrole = root\n",
        "role must be admin or read"},
    {"no equals", FLEETD_HEAD "just words\n", ":4: syntax error"},
};

static void
test_fleetd(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fleetd_cases) / sizeof(fleetd_cases[0]);
	     i++) {
		struct fleetd_config c;
		char err[512] = "";
		int rv;

		write_conf(fleetd_cases[i].text);
		rv = fleetd_config_load(&c, path, err, sizeof(err));
		if (fleetd_cases[i].err == NULL && rv != 0)
			fail_msg("%s: %s", fleetd_cases[i].name, err);
		if (fleetd_cases[i].err != NULL &&
		    (rv != -1 || strstr(err, fleetd_cases[i].err) == NULL ||
		        strncmp(err, path, strlen(path)) != 0))
			fail_msg("%s: got '%s'", fleetd_cases[i].name, err);
		fleetd_config_free(&c);
	}
	unlink(path);
}

static void
test_fleetd_values(void **state)
{
	struct fleetd_config c;
	char err[512];

	(void)state;
	write_conf(FLEETD_HEAD "[relay b]\nip = 2001:db8::1\nagent_key = " KEY_A
	                       "\n[relay a]\nip = 192.0.2.1\nagent_key = " KEY_B
	                       "\n[operator o]\nkey = " KEY_C "\n");
	assert_int_equal(fleetd_config_load(&c, path, err, sizeof(err)), 0);
	assert_string_equal(c.agent_listen, "tcp://0.0.0.0:7420");
	assert_string_equal(c.control_listen, "tcp://127.0.0.1:7421");
	assert_int_equal(c.nrelays, 2);
	assert_string_equal(c.relays[0].name, "b");
	assert_string_equal(c.relays[0].ip, "2001:db8::1");
	assert_int_equal(c.ops[0].role, ROLE_READ);
	fleetd_config_free(&c);
	unlink(path);
}

static const struct {
	const char *name, *text, *err;
} agent_cases[] = {
    {"minimal", AGENT_HEAD, NULL},
    {"durations", AGENT_HEAD "report_interval = 200ms\nqueue_interval = 2m\n",
        NULL},
    {"too short", AGENT_HEAD "report_interval = 10ms\n",
        ":6: report_interval: duration too short"},
    {"bad unit", AGENT_HEAD "queue_interval = 5 years\n",
        ":6: queue_interval: unknown duration unit"},
    {"spool zero", AGENT_HEAD "spool_max = 0\n", ":6: spool_max: too small"},
    {"missing key", "[agent]\ncontroller = tcp://h:1\n",
        "controller_key missing"},
    {"other section", AGENT_HEAD "[fleetd]\nkey_file = /k\n",
        ":7: unknown section [fleetd]"},
    {"line too long",
        AGENT_HEAD "postfix_config = /"
                   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                   "xxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
        ":6: line longer than"},
};

static void
test_agent(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(agent_cases) / sizeof(agent_cases[0]);
	     i++) {
		struct agent_config c;
		char err[512] = "";
		int rv;

		write_conf(agent_cases[i].text);
		rv = agent_config_load(&c, path, err, sizeof(err));
		if (agent_cases[i].err == NULL && rv != 0)
			fail_msg("%s: %s", agent_cases[i].name, err);
		if (agent_cases[i].err != NULL &&
		    (rv != -1 || strstr(err, agent_cases[i].err) == NULL))
			fail_msg("%s: got '%s'", agent_cases[i].name, err);
	}
	unlink(path);
}

static void
test_agent_defaults(void **state)
{
	struct agent_config c;
	char err[512];

	(void)state;
	write_conf(AGENT_HEAD "report_interval = 200ms\n");
	assert_int_equal(agent_config_load(&c, path, err, sizeof(err)), 0);
	assert_int_equal(c.report_interval_ms, 200);
	assert_int_equal(c.queue_interval_ms, 30000);
	assert_int_equal(c.spool_max, 8640);
	assert_string_equal(c.postqueue, "/usr/sbin/postqueue");
	assert_string_equal(c.postfix_config, "");
	unlink(path);
	assert_int_equal(agent_config_load(&c, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fleetd),
	    cmocka_unit_test(test_fleetd_values),
	    cmocka_unit_test(test_agent),
	    cmocka_unit_test(test_agent_defaults),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
