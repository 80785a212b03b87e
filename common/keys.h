/* SPDX-License-Identifier: ISC */
/*
 * Key files and key text.  A key is 32 bytes of X25519 key written as
 * standard base64 (44 characters), the way WireGuard writes them.  A
 * private key file holds that one line, belongs to the user who reads it
 * (or root) and is accessible by its owner only (mode 0600); configs name
 * public keys inline.  The directories that hold what a program signs
 * with its key (the agent's state_dir) are checked here too.  No logging.
 */
#ifndef FLEET_COMMON_KEYS_H
#define FLEET_COMMON_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEY_LEN     32
#define KEY_B64_LEN 44

/* Decodes base64 text (surrounding blanks ignored).  0, or -1 + *errstr. */
int key_decode(uint8_t key[KEY_LEN], const char *text, const char **errstr);

/* Writes the base64 text of key, NUL-terminated. */
void key_encode(char out[KEY_B64_LEN + 1], const uint8_t key[KEY_LEN]);

/*
 * Reads a private key file.  Refuses one that is not a regular file (a
 * symbolic link too: O_NOFOLLOW, name the file itself), one owned by a
 * user other than the effective uid and root, and one that group or
 * others may read or write.  Does not block on a FIFO.  Returns 0, or -1
 * with err (which names the file) set.
 */
int key_load_private(
    uint8_t priv[KEY_LEN], const char *path, char *err, size_t errlen);

/*
 * Makes a new key pair: path gets the private key (mode 0600, never
 * overwritten), path.pub the public key.  pub_text gets the public key.
 * Returns 0, or -1 with err set.
 */
int key_generate(
    const char *path, char pub_text[KEY_B64_LEN + 1], char *err, size_t errlen);

/*
 * Checks a directory whose files go out under the program's key (the
 * agent's state_dir: whoever may write there can plant Reports): it must
 * be a directory owned by the effective uid that neither group nor others
 * may write (others may read).  A symbolic link is followed.  A missing
 * one is created with mode 0700 if is_create, else accepted as it is
 * (fleet-agent -n changes nothing).  Returns 0, or -1 with err (which
 * names the directory) set.
 */
int key_check_private_dir(
    const char *path, bool is_create, char *err, size_t errlen);

#endif /* FLEET_COMMON_KEYS_H */
