/* SPDX-License-Identifier: ISC */
/*
 * The file driver writes a real pool into a temporary directory and reads
 * it back; the files are checked with cJSON and byte for byte.  Hand
 * edits, damage and configuration changes are made to the files the
 * driver wrote.  fleetd's stderr is captured where a test looks at what
 * the driver logs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../../controller/lb_driver.h"
#include "util.h"

#define NRELAYS 3

static char dir[64];
static struct fleetd_relay relays[NRELAYS + 1];
static struct fleetd_lb lbconf;
static struct fleetd_config conf;

static const struct {
	const char *name, *ip;
} relay_defs[NRELAYS + 1] = {
    {"r1", "192.0.2.1"}, {"r2", "192.0.2.2"}, {"r3", "2001:db8::3"},
    {"r4", "192.0.2.4"}, /* added by one test */
};

static void
dir_path(char *buf, size_t len, const char *name)
{
	if ((size_t)snprintf(buf, len, "%s/%s", dir, name) >= len)
		fail_msg("path too long: %s", name);
}

static char *
read_text(const char *name, size_t *len)
{
	char p[128], *buf;
	size_t n;

	dir_path(p, sizeof(p), name);
	if (util_read_file(p, 1 << 20, &buf, &n) == -1)
		fail_msg("%s: %s", p, strerror(errno));
	if (len != NULL)
		*len = n;
	return (buf);
}

static void
write_text(const char *name, const char *text)
{
	char p[128];

	dir_path(p, sizeof(p), name);
	assert_int_equal(
	    util_write_file_atomic(p, text, strlen(text), 0644), 0);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/lb_file_test.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return (-1);
	memset(&conf, 0, sizeof(conf));
	memset(relays, 0, sizeof(relays));
	for (size_t i = 0; i < NRELAYS + 1; i++) {
		util_strlcpy(
		    relays[i].name, relay_defs[i].name, sizeof(relays[i].name));
		util_strlcpy(
		    relays[i].ip, relay_defs[i].ip, sizeof(relays[i].ip));
	}
	memset(&lbconf, 0, sizeof(lbconf));
	util_strlcpy(lbconf.name, "pool", sizeof(lbconf.name));
	lbconf.driver = LB_DRIVER_FILE;
	util_strlcpy(lbconf.target, dir, sizeof(lbconf.target));
	lbconf.timeout_ms = FLEETD_LB_TIMEOUT;
	conf.nrelays = NRELAYS;
	conf.relays = relays;
	conf.nlbs = 1;
	conf.lbs = &lbconf;
	return (0);
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return (system(cmd));
}

struct fx {
	struct lb_driver *d;
	struct lb_slot *slots;
	size_t n;
};

static void
fx_open(struct fx *f)
{
	char err[256];

	f->d = lb_file_new(&conf, &lbconf, &f->slots, &f->n, err, sizeof(err));
	if (f->d == NULL)
		fail_msg("lb_file_new: %s", err);
	assert_true(f->d->can_read);
	assert_non_null(f->d->read);
	assert_non_null(f->d->flush);
	assert_null(f->d->same);
	assert_int_equal(f->n, conf.nrelays);
	for (size_t i = 0; i < f->n; i++) {
		assert_int_equal(f->slots[i].relay, i);
		assert_string_equal(f->slots[i].target, relays[i].name);
	}
}

static void
fx_close(struct fx *f)
{
	f->d->free(f->d);
	free(f->slots);
}

static void
fx_flush(struct fx *f, const struct lb_want *wants)
{
	char err[256] = "";

	for (size_t i = 0; i < f->n; i++)
		assert_int_equal(f->d->apply(f->d, &f->slots[i], &wants[i],
		                     &(struct lb_state){0}, err, sizeof(err)),
		    LB_APPLY_OK);
	if (f->d->flush(f->d, f->slots, wants, f->n, err, sizeof(err)) != 0)
		fail_msg("flush: %s", err);
}

/* Reads the pool; returns how many slots are known. */
static size_t
fx_read(struct fx *f, struct lb_state *seen)
{
	char err[256] = "";
	size_t known = 0;

	for (size_t i = 0; i < f->n; i++)
		seen[i] = (struct lb_state){.known = true, .weight = 77};
	f->d->stale = false; /* as lb.c does before each read */
	assert_int_equal(
	    f->d->read(f->d, f->slots, f->n, seen, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	for (size_t i = 0; i < f->n; i++)
		known += seen[i].known;
	return (known);
}

static const struct lb_want wants_a[NRELAYS] = {
    {POLICY_INTENT_READY, 100, false, 0},
    {POLICY_INTENT_DRAIN, 0, false, 0},
    {POLICY_INTENT_READY, 25, false, 0},
};
static const struct lb_want wants_b[NRELAYS] = {
    {POLICY_INTENT_READY, 0, false, 0},
    {POLICY_INTENT_MAINT, 10, true, 0},
    {POLICY_INTENT_READY, 50, false, 0},
};

static void
test_round_trip(void **state)
{
	const struct lb_want *sets[] = {wants_a, wants_b};
	const char *txts[] = {
	    "r1 192.0.2.1 100\nr3 2001:db8::3 25\n", "r3 2001:db8::3 50\n"};
	struct lb_state seen[NRELAYS];
	struct fx f;
	char *txt;

	(void)state;
	fx_open(&f);
	for (size_t s = 0; s < 2; s++) {
		fx_flush(&f, sets[s]);
		assert_int_equal(fx_read(&f, seen), NRELAYS);
		for (size_t i = 0; i < NRELAYS; i++) {
			assert_int_equal(seen[i].intent, sets[s][i].intent);
			assert_int_equal(seen[i].weight, sets[s][i].weight);
			assert_true(lb_same_default(&seen[i], &sets[s][i]));
		}
		txt = read_text("pool.txt", NULL);
		assert_string_equal(txt, txts[s]);
		free(txt);
	}
	fx_close(&f);
}

/* The names in dir: exactly pool.json and pool.txt, each mode 0644. */
static void
check_dir_clean(void)
{
	struct dirent *de;
	struct stat st;
	char p[128];
	DIR *dp;
	size_t n = 0;

	assert_non_null(dp = opendir(dir));
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (strcmp(de->d_name, "pool.json") != 0 &&
		    strcmp(de->d_name, "pool.txt") != 0)
			fail_msg("unexpected file %s", de->d_name);
		dir_path(p, sizeof(p), de->d_name);
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0644);
		n++;
	}
	closedir(dp);
	assert_int_equal(n, 2);
}

static void
check_relay_json(const cJSON *o, size_t i, const struct lb_want *w)
{
	const char *keys[] = {"name", "ip", "intent", "weight"};
	const cJSON *c;
	size_t n = 0;

	assert_true(cJSON_IsObject(o));
	cJSON_ArrayForEach(c, o) n++;
	assert_int_equal(n, 4);
	for (size_t k = 0; k < 3; k++)
		assert_true(cJSON_IsString(
		    cJSON_GetObjectItemCaseSensitive(o, keys[k])));
	assert_string_equal(
	    cJSON_GetObjectItemCaseSensitive(o, "name")->valuestring,
	    relays[i].name);
	assert_string_equal(
	    cJSON_GetObjectItemCaseSensitive(o, "ip")->valuestring,
	    relays[i].ip);
	assert_string_equal(
	    cJSON_GetObjectItemCaseSensitive(o, "intent")->valuestring,
	    lb_intent_name(w->intent));
	c = cJSON_GetObjectItemCaseSensitive(o, "weight");
	assert_true(cJSON_IsNumber(c));
	assert_true(c->valuedouble == (double)w->weight);
}

static void
test_json_shape(void **state)
{
	struct fx f;
	cJSON *root, *rel, *at, *c;
	uint64_t before, after;
	size_t len, n = 0;
	char *json;

	(void)state;
	fx_open(&f);
	before = util_wall_s();
	fx_flush(&f, wants_a);
	after = util_wall_s();
	fx_flush(&f, wants_a); /* over existing files */
	check_dir_clean();
	json = read_text("pool.json", &len);
	assert_true(len > 0 && json[len - 1] == '\n');
	assert_non_null(root = cJSON_Parse(json));
	cJSON_ArrayForEach(c, root) n++;
	assert_int_equal(n, 2);
	at = cJSON_GetObjectItemCaseSensitive(root, "generated_at");
	assert_true(cJSON_IsNumber(at));
	assert_true(at->valuedouble >= (double)before &&
	            at->valuedouble <= (double)after + 1);
	rel = cJSON_GetObjectItemCaseSensitive(root, "relays");
	assert_true(cJSON_IsArray(rel));
	assert_int_equal(cJSON_GetArraySize(rel), NRELAYS);
	for (int i = 0; i < NRELAYS; i++)
		check_relay_json(
		    cJSON_GetArrayItem(rel, i), (size_t)i, &wants_a[i]);
	cJSON_Delete(root);
	free(json);
	fx_close(&f);
}

/* Sets relay i's key in pool.json to a string or a number. */
static void
edit_json(int i, const char *key, const char *s, double v)
{
	cJSON *root, *o;
	char *json, *out;

	json = read_text("pool.json", NULL);
	assert_non_null(root = cJSON_Parse(json));
	o = cJSON_GetArrayItem(
	    cJSON_GetObjectItemCaseSensitive(root, "relays"), i);
	assert_non_null(o);
	cJSON_ReplaceItemInObjectCaseSensitive(
	    o, key, s != NULL ? cJSON_CreateString(s) : cJSON_CreateNumber(v));
	assert_non_null(out = cJSON_Print(root));
	write_text("pool.json", out);
	cJSON_free(out);
	cJSON_Delete(root);
	free(json);
}

static void
test_hand_edit(void **state)
{
	struct lb_state seen[NRELAYS];
	struct fx f;

	(void)state;
	fx_open(&f);
	fx_flush(&f, wants_a);
	/* drain -> maint leaves pool.txt as it was: the edit reads back */
	edit_json(1, "intent", "maint", 0);
	assert_int_equal(fx_read(&f, seen), NRELAYS);
	assert_int_equal(seen[1].intent, POLICY_INTENT_MAINT);
	assert_false(lb_same_default(&seen[1], &wants_a[1]));
	assert_true(lb_same_default(&seen[0], &wants_a[0]));
	assert_true(lb_same_default(&seen[2], &wants_a[2]));
	/* a drained relay's weight is not in pool.txt either */
	edit_json(1, "weight", NULL, 40);
	assert_int_equal(fx_read(&f, seen), NRELAYS);
	assert_int_equal(seen[1].weight, 40);
	assert_false(f.d->stale);
	/* r1 at 50%: pool.json still tells (drift), pool.txt disagrees */
	edit_json(0, "weight", NULL, 50);
	assert_int_equal(fx_read(&f, seen), NRELAYS);
	assert_int_equal(seen[0].weight, 50);
	assert_true(f.d->stale);
	/* the round rewrites both */
	fx_flush(&f, wants_a);
	assert_int_equal(fx_read(&f, seen), NRELAYS);
	assert_false(f.d->stale);
	assert_int_equal(seen[1].intent, POLICY_INTENT_DRAIN);
	fx_close(&f);
}

static void
test_txt_edited(void **state)
{
	const char *edits[] = {
	    "r1 192.0.2.1 100\nr3 2001:db8::3 25\nr2 192.0.2.2 100\n",
	    "r1 192.0.2.1 100\n", "",
	    "r1 192.0.2.1 100\r\nr3 2001:db8::3 25\r\n",
	    "r3 2001:db8::3 25\nr1 192.0.2.1 100\n"};
	struct lb_state seen[NRELAYS];
	struct fx f;
	char p[128];

	(void)state;
	fx_open(&f);
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		fx_flush(&f, wants_a);
		write_text("pool.txt", edits[i]);
		if (fx_read(&f, seen) != NRELAYS || !f.d->stale)
			fail_msg("edit %zu: not stale", i);
	}
	fx_flush(&f, wants_a);
	dir_path(p, sizeof(p), "pool.txt");
	assert_int_equal(unlink(p), 0);
	assert_int_equal(fx_read(&f, seen), NRELAYS);
	assert_true(f.d->stale);
	fx_close(&f);
}

static int stderr_saved = -1;

static void
capture_start(void)
{
	char p[128];
	int fd;

	dir_path(p, sizeof(p), "stderr");
	fflush(stderr);
	assert_true((stderr_saved = dup(STDERR_FILENO)) != -1);
	assert_true((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600)) != -1);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
}

/* Ends the capture; returns how many lines were logged holding needle. */
static size_t
capture_end(const char *needle)
{
	char p[128], *buf, *s;
	size_t n = 0;

	assert_int_equal(dup2(stderr_saved, STDERR_FILENO), STDERR_FILENO);
	close(stderr_saved);
	buf = read_text("stderr", NULL);
	for (s = buf; (s = strstr(s, needle)) != NULL; s++)
		n++;
	free(buf);
	dir_path(p, sizeof(p), "stderr");
	unlink(p);
	return (n);
}

static void
test_missing_and_garbage(void **state)
{
	const char *bad[] = {"", "garbage",
	    "{\"generated_at\": 1, \"relays\": [",
	    "{\"generated_at\": 1, \"relays\": []} x", "[]", "\x89PNG\r\n"};
	struct lb_state seen[NRELAYS];
	struct fx f;

	(void)state;
	fx_open(&f);
	capture_start();
	assert_int_equal(fx_read(&f, seen), 0); /* no files yet */
	assert_int_equal(fx_read(&f, seen), 0);
	assert_int_equal(capture_end("pool.json: missing"), 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fx_flush(&f, wants_a);
		write_text("pool.json", bad[i]);
		capture_start();
		if (fx_read(&f, seen) != 0 || fx_read(&f, seen) != 0)
			fail_msg("garbage %zu: slots known", i);
		/* logged, once for two reads, then a good read resets */
		assert_int_equal(capture_end("rewriting it"), 1);
		fx_flush(&f, wants_a);
		assert_int_equal(fx_read(&f, seen), NRELAYS);
	}
	check_dir_clean();
	fx_close(&f);
}

static void
test_config_changed(void **state)
{
	struct lb_state seen[NRELAYS + 1];
	struct fx f;

	(void)state;
	fx_open(&f);
	fx_flush(&f, wants_a);
	fx_close(&f);
	/* r4 added: only r4 unknown, so the round adds it */
	conf.nrelays = NRELAYS + 1;
	fx_open(&f);
	assert_int_equal(fx_read(&f, seen), NRELAYS);
	assert_false(seen[3].known);
	fx_close(&f);
	/* r3 removed: its entry would stay forever unless rewritten */
	conf.nrelays = 2;
	fx_open(&f);
	assert_int_equal(fx_read(&f, seen), 2);
	assert_true(f.d->stale);
	fx_close(&f);
	/* r2 has a new IP: unknown, and the pool stale */
	conf.nrelays = NRELAYS;
	util_strlcpy(relays[1].ip, "198.51.100.2", sizeof(relays[1].ip));
	fx_open(&f);
	assert_int_equal(fx_read(&f, seen), NRELAYS - 1);
	assert_false(seen[1].known);
	assert_true(f.d->stale);
	fx_flush(&f, wants_a);
	assert_int_equal(fx_read(&f, seen), NRELAYS);
	assert_false(f.d->stale);
	fx_close(&f);
	util_strlcpy(relays[1].ip, relay_defs[1].ip, sizeof(relays[1].ip));
}

static void
test_flush_fails(void **state)
{
	char err[256] = "";
	struct fx f;

	(void)state;
	util_strlcpy(
	    lbconf.target, "/nonexistent/lb_file_test", sizeof(lbconf.target));
	fx_open(&f);
	assert_int_equal(
	    f.d->flush(f.d, f.slots, wants_a, f.n, err, sizeof(err)), -1);
	assert_string_equal(err,
	    "/nonexistent/lb_file_test/pool.txt: No such file or directory");
	fx_close(&f);
	util_strlcpy(lbconf.target, "relative", sizeof(lbconf.target));
	assert_null(
	    lb_file_new(&conf, &lbconf, &f.slots, &f.n, err, sizeof(err)));
	assert_non_null(strstr(err, "[lb pool]: path relative"));
	util_strlcpy(lbconf.target, dir, sizeof(lbconf.target));
}

#define J(relays) "{\"generated_at\": 1700000000, \"relays\": [" relays "]}"
#define R(name, ip, intent, weight)                                            \
	"{\"name\": " name ", \"ip\": " ip ", \"intent\": " intent             \
	", \"weight\": " weight "}"
#define OK1 R("\"r1\"", "\"192.0.2.1\"", "\"ready\"", "100")

static const struct {
	const char *name, *text;
	const char *err; /* NULL: parses */
	size_t n;
} parse_cases[] = {
    {"one", J(OK1), NULL, 1},
    {"empty", J(""), NULL, 0},
    {"extra keys ignored",
        "{\"v\": 2, \"generated_at\": 0, \"relays\": "
        "[{\"x\": 1, \"name\": \"a\", \"ip\": \"::1\", "
        "\"intent\": \"maint\", \"weight\": 0}]}\n\n",
        NULL, 1},
    {"not json", "{", "not JSON", 0},
    {"trailing", J(OK1) " {}", "data after the JSON", 0},
    {"array", "[]", "not an object", 0},
    {"no generated_at", "{\"relays\": []}",
        "generated_at missing or not a whole number", 0},
    {"fraction generated_at", "{\"generated_at\": 1.5, \"relays\": []}",
        "generated_at missing or not a whole number", 0},
    {"negative generated_at", "{\"generated_at\": -1, \"relays\": []}",
        "generated_at missing or not a whole number", 0},
    {"relays object", "{\"generated_at\": 1, \"relays\": {}}",
        "relays missing or not an array", 0},
    {"key twice", "{\"generated_at\": 1, \"relays\": [], \"relays\": []}",
        "a key is there twice", 0},
    {"relay not object", J("1"), "a relay is not an object", 0},
    {"relay key twice",
        J("{\"name\": \"a\", \"name\": \"b\", \"ip\": \"::1\", \"intent\": "
          "\"ready\", \"weight\": 1}"),
        "a relay has a key twice", 0},
    {"name number", J(R("7", "\"192.0.2.1\"", "\"ready\"", "1")),
        "relay name missing", 0},
    {"name too long",
        J(R("\"a123456789b123456789c123456789d123456789e123456789f123456789"
            "g123\"",
            "\"192.0.2.1\"", "\"ready\"", "1")),
        "relay name too long", 0},
    {"name charset", J(R("\"r 1\"", "\"192.0.2.1\"", "\"ready\"", "1")),
        "bad relay name", 0},
    {"name empty", J(R("\"\"", "\"192.0.2.1\"", "\"ready\"", "1")),
        "bad relay name", 0},
    {"bad ip", J(R("\"r1\"", "\"192.0.2.300\"", "\"ready\"", "1")),
        "relay ip missing or bad", 0},
    {"ip number", J(R("\"r1\"", "1", "\"ready\"", "1")),
        "relay ip missing or bad", 0},
    {"unknown intent", J(R("\"r1\"", "\"192.0.2.1\"", "\"up\"", "1")),
        "relay intent missing or unknown", 0},
    {"weight 101", J(R("\"r1\"", "\"192.0.2.1\"", "\"ready\"", "101")),
        "relay weight missing or not 0..100", 0},
    {"weight -1", J(R("\"r1\"", "\"192.0.2.1\"", "\"ready\"", "-1")),
        "relay weight missing or not 0..100", 0},
    {"weight string", J(R("\"r1\"", "\"192.0.2.1\"", "\"ready\"", "\"5\"")),
        "relay weight missing or not 0..100", 0},
    {"weight fraction", J(R("\"r1\"", "\"192.0.2.1\"", "\"ready\"", "2.5")),
        "relay weight missing or not 0..100", 0},
    {"duplicate", J(OK1 "," R("\"r2\"", "\"::2\"", "\"drain\"", "0") "," OK1),
        "a relay is listed twice", 0},
};

static void
test_parse_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]);
	     i++) {
		struct lb_pool_entry *e = (void *)&e;
		const char *errstr = NULL;
		size_t n = 99;
		int rv;

		rv = lb_pool_parse(parse_cases[i].text,
		    strlen(parse_cases[i].text), &e, &n, &errstr);
		if (parse_cases[i].err == NULL) {
			if (rv != 0)
				fail_msg("%s: %s", parse_cases[i].name, errstr);
			assert_int_equal(n, parse_cases[i].n);
			free(e);
			continue;
		}
		if (rv != -1 || errstr == NULL ||
		    strcmp(errstr, parse_cases[i].err) != 0)
			fail_msg("%s: rv %d errstr %s", parse_cases[i].name, rv,
			    errstr != NULL ? errstr : "(null)");
		assert_true(e == (void *)&e && n == 99); /* untouched */
	}
}

/* A NUL inside the length, and a cap on the length (no NUL at all). */
static void
test_parse_bounds(void **state)
{
	const char text[] = J(OK1);
	char *copy = xmalloc(sizeof(text) - 1);
	struct lb_pool_entry *e;
	const char *errstr;
	size_t n;

	(void)state;
	memcpy(copy, text, sizeof(text) - 1); /* no NUL after it */
	assert_int_equal(
	    lb_pool_parse(copy, sizeof(text) - 1, &e, &n, &errstr), 0);
	assert_int_equal(n, 1);
	assert_string_equal(e[0].name, "r1");
	assert_string_equal(e[0].ip, "192.0.2.1");
	assert_int_equal(e[0].intent, POLICY_INTENT_READY);
	assert_int_equal(e[0].weight, 100);
	free(e);
	assert_int_equal(
	    lb_pool_parse(copy, sizeof(text) - 3, &e, &n, &errstr), -1);
	free(copy);
	assert_int_equal(
	    lb_pool_parse(text, sizeof(text), &e, &n, &errstr), -1);
	assert_string_equal(errstr, "data after the JSON");
}

/* The builders and the parser agree, on a pool at LB_POOL_MAX. */
static void
test_builders(void **state)
{
	struct lb_pool_entry *e = xcalloc(LB_POOL_MAX + 1, sizeof(*e)), *back;
	const char *errstr;
	size_t n, jlen, tlen, ready = 0;
	char *json, *txt;

	(void)state;
	for (size_t i = 0; i < LB_POOL_MAX + 1; i++) {
		snprintf(e[i].name, sizeof(e[i].name), "relay-%zu", i);
		snprintf(e[i].ip, sizeof(e[i].ip), "10.%zu.%zu.%zu", i >> 16,
		    (i >> 8) & 255, i & 255);
		e[i].intent = (enum policy_intent)(i % 3);
		e[i].weight = (uint32_t)(i % 101);
		ready += e[i].intent == POLICY_INTENT_READY && e[i].weight > 0;
	}
	json = lb_pool_json(e, LB_POOL_MAX, 42, &jlen);
	assert_int_equal(lb_pool_parse(json, jlen, &back, &n, &errstr), 0);
	assert_int_equal(n, LB_POOL_MAX);
	for (size_t i = 0; i < n; i++)
		if (strcmp(back[i].name, e[i].name) != 0 ||
		    strcmp(back[i].ip, e[i].ip) != 0 ||
		    back[i].intent != e[i].intent ||
		    back[i].weight != e[i].weight)
			fail_msg("entry %zu differs", i);
	free(back);
	free(json);
	txt = lb_pool_text(e, LB_POOL_MAX + 1, &tlen);
	n = 0;
	for (size_t i = 0; i < tlen; i++)
		n += txt[i] == '\n';
	assert_int_equal(n, ready);
	assert_int_equal(strlen(txt), tlen);
	free(txt);
	json = lb_pool_json(e, LB_POOL_MAX + 1, 42, &jlen);
	assert_int_equal(lb_pool_parse(json, jlen, &back, &n, &errstr), -1);
	assert_string_equal(errstr, "too many relays");
	free(json);
	free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_json_shape, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hand_edit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_txt_edited, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_missing_and_garbage, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_config_changed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flush_fails, setup, teardown),
	    cmocka_unit_test(test_parse_cases),
	    cmocka_unit_test(test_parse_bounds),
	    cmocka_unit_test(test_builders),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
