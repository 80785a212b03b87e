/* SPDX-License-Identifier: ISC */
/* Key files and key text (see keys.h).  No state. */
#include "keys.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "noise.h"
#include "util.h"

#define KEY_FILE_MAX 256

int
key_decode(uint8_t key[KEY_LEN], const char *text, const char **errstr)
{
	uint8_t buf[KEY_LEN];
	size_t n = 0, start = strspn(text, " \t\r\n"), len;

	len = strcspn(text + start, " \t\r\n");
	if (text[start + len + strspn(text + start + len, " \t\r\n")] != '\0' ||
	    len != KEY_B64_LEN) {
		*errstr = "key must be 44 characters of base64";
		return (-1);
	}
	if (sodium_base642bin(buf, sizeof(buf), text + start, len, NULL, &n,
	        NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    n != KEY_LEN) {
		*errstr = "key is not valid base64";
		return (-1);
	}
	memcpy(key, buf, KEY_LEN);
	sodium_memzero(buf, sizeof(buf));
	return (0);
}

void
key_encode(char out[KEY_B64_LEN + 1], const uint8_t key[KEY_LEN])
{
	sodium_bin2base64(
	    out, KEY_B64_LEN + 1, key, KEY_LEN, sodium_base64_VARIANT_ORIGINAL);
}

/* Why open() refused path: O_NOFOLLOW's ELOOP said plainly. */
static void
key_open_error(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int saved = errno;

	if (saved == ELOOP && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		snprintf(err, errlen,
		    "%s: is a symbolic link (name the key file itself)", path);
	else
		snprintf(err, errlen, "%s: %s", path, strerror(saved));
}

/* Refuses a key file someone else could have written or could read. */
static int
key_check_private(
    const char *path, const struct stat *st, char *err, size_t errlen)
{
	uid_t me = geteuid();

	if (!S_ISREG(st->st_mode))
		snprintf(err, errlen, "%s: not a regular file", path);
	else if (st->st_size > KEY_FILE_MAX)
		snprintf(err, errlen, "%s: too large for a key file", path);
	else if (st->st_uid != me && st->st_uid != 0)
		snprintf(err, errlen,
		    "%s: owned by uid %lu, not by this user (uid %lu) or root",
		    path, (unsigned long)st->st_uid, (unsigned long)me);
	else if (st->st_mode & (S_IRWXG | S_IRWXO))
		snprintf(err, errlen,
		    "%s: private key is accessible by others (chmod 600)",
		    path);
	else
		return (0);
	return (-1);
}

/*
 * Reads a key file through one descriptor: checked, then read.
 * O_NONBLOCK: a FIFO planted at path fails the check instead of hanging.
 */
static int
key_read_private(
    const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) ==
	    -1) {
		key_open_error(path, err, errlen);
		return (-1);
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (key_check_private(path, &st, err, errlen) == -1)
		goto fail;
	*text = xcalloc(1, KEY_FILE_MAX + 1);
	if ((n = read(fd, *text, KEY_FILE_MAX)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(*text);
		goto fail;
	}
	*len = (size_t)n;
	close(fd);
	return (0);
fail:
	close(fd);
	return (-1);
}

int
key_load_private(
    uint8_t priv[KEY_LEN], const char *path, char *err, size_t errlen)
{
	const char *errstr;
	size_t len;
	char *text;
	int rv = 0;

	if (key_read_private(path, &text, &len, err, errlen) == -1)
		return (-1);
	if (key_decode(priv, text, &errstr) == -1) {
		snprintf(err, errlen, "%s: %s", path, errstr);
		rv = -1;
	}
	sodium_memzero(text, len);
	free(text);
	return (rv);
}

static int
key_write_new(
    const char *path, const char *text, unsigned mode, char *err, size_t errlen)
{
	size_t len = strlen(text);
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);
	if (fd != -1)
		errno = EIO; /* what a short write reports */
	if (fd == -1 || write(fd, text, len) != (ssize_t)len ||
	    write(fd, "\n", 1) != 1 || fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd != -1) {
			close(fd);
			unlink(path);
		}
		return (-1);
	}
	close(fd);
	return (0);
}

int
key_generate(
    const char *path, char pub_text[KEY_B64_LEN + 1], char *err, size_t errlen)
{
	uint8_t priv[KEY_LEN], pub[KEY_LEN];
	char priv_text[KEY_B64_LEN + 1], pubpath[4096];
	int rv = -1;

	if (snprintf(pubpath, sizeof(pubpath), "%s.pub", path) >=
	    (int)sizeof(pubpath)) {
		snprintf(err, errlen, "%s: name too long", path);
		return (-1);
	}
	noise_keypair(priv, pub);
	key_encode(priv_text, priv);
	key_encode(pub_text, pub);
	if (key_write_new(path, priv_text, 0600, err, errlen) == -1)
		goto out;
	if (key_write_new(pubpath, pub_text, 0644, err, errlen) == -1) {
		unlink(path);
		goto out;
	}
	rv = 0;
out:
	sodium_memzero(priv, sizeof(priv));
	sodium_memzero(priv_text, sizeof(priv_text));
	return (rv);
}

int
key_check_private_dir(
    const char *path, bool is_create, char *err, size_t errlen)
{
	struct stat st;
	uid_t me = geteuid();

	if (stat(path, &st) == -1 && errno == ENOENT) {
		if (!is_create)
			return (0);
		if (mkdir(path, 0700) == -1 && errno != EEXIST) {
			snprintf(err, errlen, "%s: cannot create: %s", path,
			    strerror(errno));
			return (-1);
		}
	}
	if (stat(path, &st) == -1)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		snprintf(err, errlen, "%s: not a directory", path);
	else if (st.st_uid != me)
		snprintf(err, errlen,
		    "%s: owned by uid %lu, not by this user (uid %lu)", path,
		    (unsigned long)st.st_uid, (unsigned long)me);
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		snprintf(err, errlen,
		    "%s: writable by group or others (chmod 700)", path);
	else
		return (0);
	return (-1);
}
