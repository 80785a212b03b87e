/* SPDX-License-Identifier: ISC */
/*
 * Key files and key text.  A key is 32 bytes of X25519 key written as
 * standard base64 (44 characters), the way WireGuard writes them.  A
 * private key file holds that one line and must be accessible by its owner
 * only (mode 0600); configs name public keys inline.  No logging.
 */
#ifndef FLEET_COMMON_KEYS_H
#define FLEET_COMMON_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define KEY_LEN     32
#define KEY_B64_LEN 44

/* Decodes base64 text (surrounding blanks ignored).  0, or -1 + *errstr. */
int key_decode(uint8_t key[KEY_LEN], const char *text, const char **errstr);

/* Writes the base64 text of key, NUL-terminated. */
void key_encode(char out[KEY_B64_LEN + 1], const uint8_t key[KEY_LEN]);

/*
 * Reads a private key file; refuses one readable or writable by others.
 * Returns 0, or -1 with err (which names the file) set.
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

#endif /* FLEET_COMMON_KEYS_H */
