/*
 * SHA-1, as FIPS 180-4 states it: 512-bit blocks, 80 rounds over a
 * 16-word schedule kept in a ring. Used for pack and index checksums,
 * which git and libgit2 verify; a test checks the standard vectors.
 */
#include "sha1.h"

#include <string.h>

#include "banned.h"

static uint32_t rol(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

/* One round: the schedule word for round i, computed in place. */
#define W(i)                                                                  \
	((i) < 16 ? w[i]                                                      \
		  : (w[(i)&15] = rol(w[((i) + 13) & 15] ^ w[((i) + 8) & 15] ^ \
					     w[((i) + 2) & 15] ^ w[(i)&15],   \
				     1)))
#define ROUND(f, k, i)                                         \
	do {                                                   \
		uint32_t t = rol(a, 5) + (f) + e + (k) + W(i); \
		e = d;                                         \
		d = c;                                         \
		c = rol(b, 30);                                \
		b = a;                                         \
		a = t;                                         \
	} while (0)

static void block(struct honk_sha1 *s, const unsigned char *p)
{
	uint32_t w[16], a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3],
			e = s->h[4];
	unsigned i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	/* the four functions, twenty rounds each, without a branch */
	for (i = 0; i < 20; i++)
		ROUND((b & c) | (~b & d), 0x5a827999, i);
	for (; i < 40; i++)
		ROUND(b ^ c ^ d, 0x6ed9eba1, i);
	for (; i < 60; i++)
		ROUND((b & c) | (b & d) | (c & d), 0x8f1bbcdc, i);
	for (; i < 80; i++)
		ROUND(b ^ c ^ d, 0xca62c1d6, i);
	s->h[0] += a;
	s->h[1] += b;
	s->h[2] += c;
	s->h[3] += d;
	s->h[4] += e;
}

#undef ROUND
#undef W

void honk_sha1_init(struct honk_sha1 *s)
{
	s->h[0] = 0x67452301;
	s->h[1] = 0xefcdab89;
	s->h[2] = 0x98badcfe;
	s->h[3] = 0x10325476;
	s->h[4] = 0xc3d2e1f0;
	s->len = 0;
	s->used = 0;
}

void honk_sha1_update(struct honk_sha1 *s, const void *data, size_t len)
{
	const unsigned char *p = data;

	s->len += len;
	if (s->used) {
		size_t n = 64 - s->used < len ? 64 - s->used : len;

		memcpy(s->block + s->used, p, n);
		s->used += n;
		p += n;
		len -= n;
		if (s->used < 64)
			return;
		block(s, s->block);
		s->used = 0;
	}
	for (; len >= 64; p += 64, len -= 64)
		block(s, p);
	if (len) {
		memcpy(s->block, p, len);
		s->used = len;
	}
}

void honk_sha1_final(struct honk_sha1 *s, unsigned char out[20])
{
	uint64_t bits = s->len * 8;
	unsigned char pad[72];
	size_t n = (s->used < 56 ? 56 : 120) - s->used;
	unsigned i;

	memset(pad, 0, sizeof(pad));
	pad[0] = 0x80;
	for (i = 0; i < 8; i++)
		pad[n + i] = (unsigned char)(bits >> (56 - 8 * i));
	honk_sha1_update(s, pad, n + 8);
	for (i = 0; i < 20; i++)
		out[i] = (unsigned char)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}
