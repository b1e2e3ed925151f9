#ifndef HONK_SHA1_H
#define HONK_SHA1_H

#include <stddef.h>
#include <stdint.h>

/*
 * SHA-1 (FIPS 180-4), for the checksums that close a pack file and its
 * index. Object ids are computed by libgit2, never here.
 */
struct honk_sha1 {
	uint32_t h[5];
	uint64_t len; /* bytes hashed */
	unsigned char block[64];
	size_t used;
};

void honk_sha1_init(struct honk_sha1 *s);
void honk_sha1_update(struct honk_sha1 *s, const void *data, size_t len);
void honk_sha1_final(struct honk_sha1 *s, unsigned char out[20]);

#endif
