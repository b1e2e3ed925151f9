/*
 * Pack files written by honk.
 *
 * A write batch already holds every object and its id, so packing it is
 * a loop: a type-and-size header and the deflated content per object,
 * then SHA-1 over the file; the index is a fanout table, the sorted ids,
 * CRC32s and offsets, and two checksums. libgit2's pack builder would
 * search for deltas and its indexer would inflate and hash everything
 * again, which for tens of thousands of small objects costs far more
 * than the writing. git repacks with deltas when it gc's.
 *
 * Invariants: the pack and index reach the disk (fsync) before the pack
 * is renamed into place, the index last, then the directory is fsynced;
 * a failure removes the temporary files.
 */
#include "pack.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "buf.h"
#include "error.h"
#include "sha1.h"
#include "banned.h"

struct out {
	int fd;
	const char *path;
	struct honk_sha1 sha;
	unsigned char buf[1 << 16];
	size_t used;
	uint64_t off; /* bytes written so far */
	uint32_t crc; /* of the current object */
	int err;
};

static void flush_out(struct out *o)
{
	size_t done = 0;

	while (!o->err && done < o->used) {
		ssize_t n = write(o->fd, o->buf + done, o->used - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			o->err = honk_error_errno(HONK_ERROR,
						  "cannot write '%s'", o->path);
		else
			done += (size_t)n;
	}
	o->used = 0;
}

static void put(struct out *o, const void *data, size_t len)
{
	const unsigned char *p = data;

	honk_sha1_update(&o->sha, p, len);
	o->crc = (uint32_t)crc32(o->crc, p, (uInt)len);
	o->off += len;
	while (len && !o->err) {
		size_t n = sizeof(o->buf) - o->used;

		if (n > len)
			n = len;
		memcpy(o->buf + o->used, p, n);
		o->used += n;
		p += n;
		len -= n;
		if (o->used == sizeof(o->buf))
			flush_out(o);
	}
}

static void put32(struct out *o, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)(v >> 24),
			       (unsigned char)(v >> 16),
			       (unsigned char)(v >> 8), (unsigned char)v };

	put(o, b, 4);
}

static int pack_type(git_object_t t)
{
	switch (t) {
	case GIT_OBJECT_COMMIT:
		return 1;
	case GIT_OBJECT_TREE:
		return 2;
	case GIT_OBJECT_BLOB:
		return 3;
	case GIT_OBJECT_TAG:
		return 4;
	default:
		return -1;
	}
}

/* One object: its header, then its content deflated. */
static void put_object(struct out *o, const struct honk_packobj *obj,
		       z_stream *z)
{
	unsigned char hdr[16], chunk[1 << 15];
	size_t size = obj->len, h = 0;
	int type = pack_type(obj->type), zr;

	if (type < 0) {
		o->err = honk_error_set(HONK_ERROR,
					"cannot pack an object of type %d",
					(int)obj->type);
		return;
	}
	hdr[h++] = (unsigned char)((type << 4) | (size & 0x0f));
	for (size >>= 4; size; size >>= 7) {
		hdr[h - 1] |= 0x80;
		hdr[h++] = (unsigned char)(size & 0x7f);
	}
	put(o, hdr, h);
	if (deflateReset(z) != Z_OK) {
		o->err = honk_error_set(HONK_ERROR, "zlib cannot start");
		return;
	}
	z->next_in = (Bytef *)(uintptr_t)obj->data;
	z->avail_in = (uInt)obj->len;
	do {
		z->next_out = chunk;
		z->avail_out = sizeof(chunk);
		zr = deflate(z, Z_FINISH);
		if (zr == Z_STREAM_ERROR) {
			o->err = honk_error_set(HONK_ERROR,
						"zlib cannot deflate");
			return;
		}
		put(o, chunk, sizeof(chunk) - z->avail_out);
	} while (zr != Z_STREAM_END && !o->err);
}

struct entry {
	const git_oid *id;
	uint64_t off;
	uint32_t crc;
};

static int by_id(const void *a, const void *b)
{
	return git_oid_cmp(((const struct entry *)a)->id,
			   ((const struct entry *)b)->id);
}

static int open_tmp(struct honk_buf *path, const char *dir, const char *what)
{
	int fd;

	honk_buf_reset(path);
	honk_buf_addf(path, "%stmp_%s_XXXXXX", dir, what);
	fd = mkstemp(path->buf);
	if (fd < 0)
		return honk_error_errno(HONK_ERROR, "cannot create '%s'",
					path->buf);
	return fd;
}

static int finish_file(struct out *o)
{
	flush_out(o);
	if (!o->err && (fchmod(o->fd, 0444) < 0 || fsync(o->fd) < 0))
		o->err = honk_error_errno(HONK_ERROR, "cannot sync '%s'",
					  o->path);
	if (close(o->fd) < 0 && !o->err)
		o->err = honk_error_errno(HONK_ERROR, "cannot write '%s'",
					  o->path);
	o->fd = -1;
	return o->err;
}

int honk_pack_write(struct honk_repo *r, const struct honk_packobj *v, size_t n)
{
	struct honk_buf dir = HONK_BUF_INIT, tpack = HONK_BUF_INIT,
			tidx = HONK_BUF_INIT, fpack = HONK_BUF_INIT,
			fidx = HONK_BUF_INIT;
	struct out *o = NULL;
	struct entry *e = NULL;
	unsigned char sum[20], isum[20];
	char hex[41];
	z_stream z;
	int zinit = 0, err = 0, dfd;
	size_t i, nbig = 0;
	uint32_t fan[256];

	memset(&z, 0, sizeof(z));
	if (!n)
		return 0;
	{
		git_buf objects = GIT_BUF_INIT;

		if (git_repository_item_path(&objects, r->git,
					     GIT_REPOSITORY_ITEM_OBJECTS) < 0)
			return honk_error_git(
				HONK_ERROR, "cannot find the object directory");
		honk_buf_addf(&dir, "%s%spack/", objects.ptr,
			      objects.size && objects.ptr[objects.size - 1] ==
						      '/'
				      ? ""
				      : "/");
		git_buf_dispose(&objects);
	}
	o = calloc(1, sizeof(*o));
	e = calloc(n, sizeof(*e));
	if (!o || !e) {
		err = honk_error_set(HONK_ERROR, "out of memory");
		goto cleanup;
	}
	o->fd = -1;
	if (deflateInit(&z, Z_BEST_SPEED) != Z_OK) {
		err = honk_error_set(HONK_ERROR, "zlib cannot start");
		goto cleanup;
	}
	zinit = 1;
	/* the pack */
	if ((o->fd = open_tmp(&tpack, dir.buf, "pack")) < 0) {
		err = o->fd;
		goto cleanup;
	}
	o->path = tpack.buf;
	honk_sha1_init(&o->sha);
	put(o, "PACK", 4);
	put32(o, 2);
	put32(o, (uint32_t)n);
	for (i = 0; i < n && !o->err; i++) {
		e[i].id = &v[i].id;
		e[i].off = o->off;
		o->crc = (uint32_t)crc32(0L, Z_NULL, 0);
		put_object(o, &v[i], &z);
		e[i].crc = o->crc;
		nbig += e[i].off >= 0x80000000u;
	}
	honk_sha1_final(&o->sha, sum);
	if (!o->err) {
		/* the trailer is not hashed into itself: written raw */
		flush_out(o);
		if (!o->err && write(o->fd, sum, 20) != 20)
			o->err = honk_error_errno(HONK_ERROR,
						  "cannot write '%s'", o->path);
	}
	if ((err = finish_file(o)) < 0)
		goto cleanup;
	/* the index */
	if (n > 1)
		qsort(e, n, sizeof(*e), by_id);
	for (i = 1; i < n; i++)
		if (git_oid_equal(e[i - 1].id, e[i].id)) {
			err = honk_error_set(HONK_ERROR,
					     "an object is packed twice");
			goto cleanup;
		}
	memset(fan, 0, sizeof(fan));
	for (i = 0; i < n; i++)
		fan[e[i].id->id[0]]++;
	for (i = 1; i < 256; i++)
		fan[i] += fan[i - 1];
	memset(o, 0, sizeof(*o));
	if ((o->fd = open_tmp(&tidx, dir.buf, "idx")) < 0) {
		err = o->fd;
		goto cleanup;
	}
	o->path = tidx.buf;
	honk_sha1_init(&o->sha);
	put(o, "\377tOc", 4);
	put32(o, 2);
	for (i = 0; i < 256; i++)
		put32(o, fan[i]);
	for (i = 0; i < n; i++)
		put(o, e[i].id->id, GIT_OID_RAWSZ);
	for (i = 0; i < n; i++)
		put32(o, e[i].crc);
	for (i = 0, nbig = 0; i < n; i++)
		put32(o, e[i].off < 0x80000000u
				 ? (uint32_t)e[i].off
				 : 0x80000000u | (uint32_t)nbig++);
	for (i = 0; i < n; i++)
		if (e[i].off >= 0x80000000u) {
			put32(o, (uint32_t)(e[i].off >> 32));
			put32(o, (uint32_t)e[i].off);
		}
	put(o, sum, 20);
	honk_sha1_final(&o->sha, isum);
	flush_out(o);
	if (!o->err && write(o->fd, isum, 20) != 20)
		o->err = honk_error_errno(HONK_ERROR, "cannot write '%s'",
					  o->path);
	if ((err = finish_file(o)) < 0)
		goto cleanup;
	/* into place: the pack, then the index that makes it seen */
	for (i = 0; i < 20; i++) {
		static const char digits[] = "0123456789abcdef";

		hex[2 * i] = digits[sum[i] >> 4];
		hex[2 * i + 1] = digits[sum[i] & 15];
	}
	hex[40] = '\0';
	honk_buf_addf(&fpack, "%spack-%s.pack", dir.buf, hex);
	honk_buf_addf(&fidx, "%spack-%s.idx", dir.buf, hex);
	if (rename(tpack.buf, fpack.buf) < 0 ||
	    rename(tidx.buf, fidx.buf) < 0) {
		err = honk_error_errno(HONK_ERROR, "cannot install '%s'",
				       fpack.buf);
		unlink(fpack.buf);
		goto cleanup;
	}
	honk_buf_reset(&tpack);
	honk_buf_reset(&tidx);
	dfd = open(dir.buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || (fsync(dfd) < 0 && errno != EINVAL))
		err = honk_error_errno(HONK_ERROR, "cannot sync '%s'", dir.buf);
	if (dfd >= 0)
		close(dfd);
cleanup:
	if (o && o->fd >= 0)
		close(o->fd);
	if (tpack.len)
		unlink(tpack.buf);
	if (tidx.len)
		unlink(tidx.buf);
	if (zinit)
		deflateEnd(&z);
	free(o);
	free(e);
	honk_buf_release(&dir);
	honk_buf_release(&tpack);
	honk_buf_release(&tidx);
	honk_buf_release(&fpack);
	honk_buf_release(&fidx);
	return err;
}
