/* SPDX-License-Identifier: ISC */
/*
 * common/keys: key text (base64 of 32 bytes), key files and the private
 * directory check.  The file tests work in a fresh mkdtemp() directory
 * with umask 022; the cases of another owner chown to uid 65534 and need
 * root (skipped otherwise).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "keys.h"
#include "noise.h"
#include "util.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define ERR_LENGTH "key must be 44 characters of base64"
#define ERR_BASE64 "key is not valid base64"

/* 32 bytes 0x00..0x1f as standard base64 */
#define SEQ_B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

struct dir {
	char path[64];
};

static int
dir_setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return (-1);
	snprintf(d->path, sizeof(d->path), "/tmp/keys_test.XXXXXX");
	if (mkdtemp(d->path) == NULL) {
		free(d);
		return (-1);
	}
	umask(022);
	*state = d;
	return (0);
}

/* Removes the files the tests may have left, then the directory. */
static int
dir_teardown(void **state)
{
	static const char *const names[] = {"key", "key.pub", "other",
	    "other.pub", "load", "taken", "taken.pub", "link", "fifo", "state",
	    "state-link", "plain"};
	struct dir *d = *state;
	char path[128];

	for (size_t i = 0; i < NELEM(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", d->path, names[i]);
		if (unlink(path) == -1)
			(void)rmdir(path);
	}
	(void)rmdir(d->path);
	free(d);
	return (0);
}

static void
write_text(const char *path, const char *text, mode_t mode)
{
	FILE *f;

	(void)unlink(path);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* Reads a small file into buf (NUL-terminated); returns its length. */
static size_t
read_text(const char *path, char *buf, size_t size)
{
	FILE *f;
	size_t n;

	assert_non_null(f = fopen(path, "r"));
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	return (n);
}

static void
test_encode_decode_round_trip(void **state)
{
	static const struct {
		const char *name;
		uint8_t fill;
		bool random; /* else every byte is fill */
	} cases[] = {
	    {"all zero", 0x00, false},
	    {"all ones", 0xff, false},
	    {"0x80 pattern", 0x80, false},
	    {"random 1", 0, true},
	    {"random 2", 0, true},
	};
	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		uint8_t key[KEY_LEN], back[KEY_LEN];
		char text[KEY_B64_LEN + 1];
		const char *errstr = NULL;

		if (cases[i].random)
			randombytes_buf(key, sizeof(key));
		else
			memset(key, cases[i].fill, sizeof(key));
		memset(text, '#', sizeof(text));
		key_encode(text, key);
		if (strlen(text) != KEY_B64_LEN || text[KEY_B64_LEN - 1] != '=')
			fail_msg("%s: encoded as \"%s\"", cases[i].name, text);
		if (key_decode(back, text, &errstr) != 0 ||
		    memcmp(back, key, KEY_LEN) != 0)
			fail_msg("%s: round trip failed: %s", cases[i].name,
			    errstr != NULL ? errstr : "wrong key");
	}
	/* a known answer, so encoding is standard base64 with padding */
	{
		uint8_t seq[KEY_LEN];
		char text[KEY_B64_LEN + 1];

		for (size_t i = 0; i < KEY_LEN; i++)
			seq[i] = (uint8_t)i;
		key_encode(text, seq);
		assert_string_equal(text, SEQ_B64);
	}
}

static void
test_decode(void **state)
{
	static const struct {
		const char *name, *text;
		const char *err; /* NULL: accepted, decodes to 0x00..0x1f */
	} cases[] = {
	    {"plain", SEQ_B64, NULL},
	    {"leading spaces", "   " SEQ_B64, NULL},
	    {"trailing newline", SEQ_B64 "\n", NULL},
	    {"tabs and CRLF", "\t" SEQ_B64 "\r\n", NULL},
	    {"blank all around", " \t\r\n" SEQ_B64 " \t\r\n", NULL},
	    {"empty", "", ERR_LENGTH},
	    {"blanks only", " \t\n", ERR_LENGTH},
	    {"43 characters", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
	        ERR_LENGTH},
	    {"45 characters", SEQ_B64 "A", ERR_LENGTH},
	    {"two keys", SEQ_B64 " " SEQ_B64, ERR_LENGTH},
	    {"text after the key", SEQ_B64 " x", ERR_LENGTH},
	    {"space inside",
	        "AAECAwQFBgcICQoLDA0O DxAREhMUFRYXGBkaGxwdHh8=", ERR_LENGTH},
	    {"bad character",
	        "AAECAwQFBgcICQoLDA0O*xAREhMUFRYXGBkaGxwdHh8=", ERR_BASE64},
	    {"url-safe alphabet",
	        "AAECAwQFBgcICQoLDA0O-xAREhMUFRYXGBkaGxwdHh8=", ERR_BASE64},
	    {"no padding: 33 bytes",
	        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8A", ERR_BASE64},
	    {"padding too early",
	        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdH=8=", ERR_BASE64},
	    {"non-zero padding bits",
	        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=", ERR_BASE64},
	    {"two pad characters: 31 bytes",
	        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==", ERR_BASE64},
	};
	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		uint8_t key[KEY_LEN], want[KEY_LEN];
		const char *errstr = NULL;
		int rv;

		memset(key, 0xaa, sizeof(key));
		rv = key_decode(key, cases[i].text, &errstr);
		if (cases[i].err == NULL) {
			for (size_t j = 0; j < KEY_LEN; j++)
				want[j] = (uint8_t)j;
			if (rv != 0 || memcmp(key, want, KEY_LEN) != 0)
				fail_msg("%s: refused: %s", cases[i].name,
				    errstr != NULL ? errstr : "wrong key");
			continue;
		}
		memset(want, 0xaa, sizeof(want)); /* untouched on error */
		if (rv != -1 || errstr == NULL ||
		    strcmp(errstr, cases[i].err) != 0 ||
		    memcmp(key, want, KEY_LEN) != 0)
			fail_msg("%s: rv %d errstr %s", cases[i].name, rv,
			    errstr != NULL ? errstr : "(null)");
	}
}

static void
test_generate(void **state)
{
	struct dir *d = *state;
	char path[128], pubpath[160], pub_text[KEY_B64_LEN + 1];
	char again[KEY_B64_LEN + 1], err[256], buf[256];
	uint8_t priv[KEY_LEN], pub[KEY_LEN], derived[KEY_LEN];
	const char *errstr;
	struct stat st;

	snprintf(path, sizeof(path), "%s/key", d->path);
	snprintf(pubpath, sizeof(pubpath), "%s.pub", path);
	assert_int_equal(key_generate(path, pub_text, err, sizeof(err)), 0);

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(stat(pubpath, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(read_text(pubpath, buf, sizeof(buf)), KEY_B64_LEN + 1);
	assert_int_equal(buf[KEY_B64_LEN], '\n');
	buf[KEY_B64_LEN] = '\0';
	assert_string_equal(buf, pub_text);

	/* the private key loads and matches the public one */
	assert_int_equal(key_load_private(priv, path, err, sizeof(err)), 0);
	assert_int_equal(key_decode(pub, pub_text, &errstr), 0);
	assert_int_equal(noise_pubkey(derived, priv), 0);
	assert_memory_equal(derived, pub, KEY_LEN);

	/* never overwritten; the existing pair survives */
	read_text(path, buf, sizeof(buf));
	assert_int_equal(key_generate(path, again, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	{
		char now[256];

		read_text(path, now, sizeof(now));
		assert_string_equal(now, buf);
		read_text(pubpath, now, sizeof(now));
		assert_memory_equal(now, pub_text, KEY_B64_LEN);
	}

	/* a stray .pub makes it fail without leaving a private key behind */
	snprintf(path, sizeof(path), "%s/taken", d->path);
	snprintf(pubpath, sizeof(pubpath), "%s.pub", path);
	write_text(pubpath, "someone else's\n", 0644);
	assert_int_equal(key_generate(path, again, err, sizeof(err)), -1);
	assert_int_equal(access(path, F_OK), -1);
	read_text(pubpath, buf, sizeof(buf));
	assert_string_equal(buf, "someone else's\n");

	/* a directory that does not exist */
	snprintf(path, sizeof(path), "%s/missing/key", d->path);
	assert_int_equal(key_generate(path, again, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
}

static void
test_load_private(void **state)
{
	static const struct {
		const char *name, *text;
		mode_t mode;
		int rv;
		const char *err; /* substring of the message */
	} cases[] = {
	    {"0600", SEQ_B64 "\n", 0600, 0, NULL},
	    {"0400", SEQ_B64 "\n", 0400, 0, NULL},
	    {"no newline", SEQ_B64, 0600, 0, NULL},
	    {"0644", SEQ_B64 "\n", 0644, -1, "accessible by others"},
	    {"0604", SEQ_B64 "\n", 0604, -1, "accessible by others"},
	    {"0602", SEQ_B64 "\n", 0602, -1, "accessible by others"},
	    {"0666", SEQ_B64 "\n", 0666, -1, "accessible by others"},
	    {"0640", SEQ_B64 "\n", 0640, -1, "accessible by others"},
	    {"0660", SEQ_B64 "\n", 0660, -1, "accessible by others"},
	    {"not a key", "hello\n", 0600, -1, ERR_LENGTH},
	    {"bad base64", "AAECAwQFBgcICQoLDA0O*xAREhMUFRYXGBkaGxwdHh8=\n",
	        0600, -1, ERR_BASE64},
	    {"empty", "", 0600, -1, ERR_LENGTH},
	    {"too large",
	        SEQ_B64 "\n                                              "
	                "                                                  "
	                "                                                  "
	                "                                                  "
	                "                                                  "
	                "      ",
	        0600, -1, "too large"},
	};
	struct dir *d = *state;
	char path[128], err[256];

	snprintf(path, sizeof(path), "%s/load", d->path);
	for (size_t i = 0; i < NELEM(cases); i++) {
		uint8_t key[KEY_LEN], want[KEY_LEN];
		int rv;

		write_text(path, cases[i].text, cases[i].mode);
		memset(key, 0xaa, sizeof(key));
		err[0] = '\0';
		rv = key_load_private(key, path, err, sizeof(err));
		if (rv != cases[i].rv)
			fail_msg("%s: rv %d: %s", cases[i].name, rv, err);
		if (rv == 0) {
			for (size_t j = 0; j < KEY_LEN; j++)
				want[j] = (uint8_t)j;
		} else {
			memset(want, 0xaa, sizeof(want));
			if (strstr(err, path) == NULL ||
			    strstr(err, cases[i].err) == NULL)
				fail_msg(
				    "%s: message \"%s\"", cases[i].name, err);
		}
		if (memcmp(key, want, KEY_LEN) != 0)
			fail_msg("%s: wrong key written", cases[i].name);
	}
	assert_int_equal(unlink(path), 0);
	assert_int_equal(
	    key_load_private((uint8_t[KEY_LEN]){0}, path, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, path));
}

/* Who owns a key file: this user or root, nobody else (test as root). */
static void
test_load_private_owner(void **state)
{
	struct dir *d = *state;
	char path[128], link[128], err[256];
	uint8_t key[KEY_LEN];

	snprintf(path, sizeof(path), "%s/load", d->path);
	write_text(path, SEQ_B64 "\n", 0600);
	assert_int_equal(key_load_private(key, path, err, sizeof(err)), 0);

	/* a symbolic link is refused, and the message says so */
	snprintf(link, sizeof(link), "%s/link", d->path);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(key_load_private(key, link, err, sizeof(err)), -1);
	if (strstr(err, link) == NULL || strstr(err, "symbolic link") == NULL)
		fail_msg("symlink: \"%s\"", err);

	if (geteuid() != 0)
		skip(); /* chown needs root */
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(key_load_private(key, path, err, sizeof(err)), -1);
	if (strstr(err, path) == NULL ||
	    strstr(err, "owned by uid 65534") == NULL)
		fail_msg("other owner: \"%s\"", err);
	/* root's own key, read by root: fine */
	assert_int_equal(chown(path, 0, 0), 0);
	assert_int_equal(key_load_private(key, path, err, sizeof(err)), 0);
}

/* A FIFO at the key's name is refused at once instead of blocking. */
static void
test_load_private_fifo(void **state)
{
	struct dir *d = *state;
	char path[128], err[256];
	uint8_t key[KEY_LEN];

	snprintf(path, sizeof(path), "%s/fifo", d->path);
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(10); /* a blocking open() would hang here: SIGALRM fails it */
	assert_int_equal(key_load_private(key, path, err, sizeof(err)), -1);
	alarm(0);
	assert_non_null(strstr(err, "not a regular file"));
}

static const struct dir_case {
	const char *name;
	int make; /* 0 nothing, 1 a directory, 2 a file, 3 a link to a dir */
	mode_t mode;
	uid_t uid; /* 0: ours */
	bool is_create;
	int rv;
	const char *err; /* substring */
} dir_cases[] = {
    {"missing, created", 0, 0, 0, true, 0, NULL},
    {"missing, -n", 0, 0, 0, false, 0, NULL},
    {"0700", 1, 0700, 0, true, 0, NULL},
    {"0755: others may read", 1, 0755, 0, true, 0, NULL},
    {"0750 -n", 1, 0750, 0, false, 0, NULL},
    {"0770", 1, 0770, 0, true, -1, "writable by group or others"},
    {"0720", 1, 0720, 0, true, -1, "writable by group or others"},
    {"0702", 1, 0702, 0, false, -1, "writable by group or others"},
    {"1777", 1, 01777, 0, true, -1, "writable by group or others"},
    {"a file", 2, 0600, 0, true, -1, "not a directory"},
    {"a link to a good directory", 3, 0700, 0, true, 0, NULL},
    {"a link to a bad directory", 3, 0777, 0, true, -1, "writable"},
    {"another owner", 1, 0700, 65534, true, -1, "owned by uid 65534"},
    {"another owner -n", 1, 0700, 65534, false, -1, "owned by uid 65534"},
};

static void
dir_case_make(
    const struct dir *d, const struct dir_case *c, char *path, size_t size)
{
	char real[128];

	snprintf(path, size, "%s/state", d->path);
	if (c->make == 1 || c->make == 3) {
		assert_int_equal(mkdir(path, 0700), 0);
		assert_int_equal(chmod(path, c->mode), 0);
		if (c->uid != 0)
			assert_int_equal(chown(path, c->uid, c->uid), 0);
	} else if (c->make == 2)
		write_text(path, "x", c->mode);
	if (c->make == 3) {
		util_strlcpy(real, path, sizeof(real));
		snprintf(path, size, "%s/state-link", d->path);
		assert_int_equal(symlink(real, path), 0);
	}
}

static void
test_private_dir(void **state)
{
	struct dir *d = *state;
	char path[128], state_path[128], err[256];
	struct stat st;

	snprintf(state_path, sizeof(state_path), "%s/state", d->path);
	for (size_t i = 0; i < NELEM(dir_cases); i++) {
		const struct dir_case *c = &dir_cases[i];
		int rv;

		if (c->uid != 0 && geteuid() != 0)
			continue; /* chown needs root */
		dir_case_make(d, c, path, sizeof(path));
		err[0] = '\0';
		rv =
		    key_check_private_dir(path, c->is_create, err, sizeof(err));
		if (rv != c->rv ||
		    (rv == -1 && (strstr(err, path) == NULL ||
		                     strstr(err, c->err) == NULL)))
			fail_msg("%s: rv %d \"%s\"", c->name, rv, err);
		if (c->make == 0) { /* created 0700 only when asked to */
			if (c->is_create != (stat(path, &st) == 0))
				fail_msg("%s: created or not", c->name);
			if (c->is_create && (st.st_mode & 07777) != 0700)
				fail_msg(
				    "%s: mode %o", c->name, st.st_mode & 07777);
		}
		snprintf(path, sizeof(path), "%s/state-link", d->path);
		(void)unlink(path);
		if (unlink(state_path) == -1)
			(void)rmdir(state_path);
	}
	/* a parent that does not exist: not created, said so */
	snprintf(path, sizeof(path), "%s/plain/state", d->path);
	assert_int_equal(
	    key_check_private_dir(path, true, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot create"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_encode_decode_round_trip),
	    cmocka_unit_test(test_decode),
	    cmocka_unit_test_setup_teardown(
	        test_generate, dir_setup, dir_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_load_private, dir_setup, dir_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_load_private_owner, dir_setup, dir_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_load_private_fifo, dir_setup, dir_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_private_dir, dir_setup, dir_teardown),
	};

	if (sodium_init() == -1)
		return (1);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
