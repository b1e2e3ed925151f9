/*
 * Ref transactions: many loose refs written at once, by git's protocol.
 *
 * A ref is changed the way git and libgit2 change it, so honk stays safe
 * beside them: a writer holds <ref>.lock (created with O_EXCL) while it
 * reads the ref's value and writes the new one, and renames the lock over
 * the ref to publish it. What differs is how the writes reach the disk:
 * libgit2 fsyncs every ref file and its directory, which for thousands of
 * proposal branches costs more than everything else a run does. Here all
 * locks are written first, one syncfs() puts every one of them on disk,
 * and only then are they renamed, each directory fsynced once after.
 *
 * Invariants: a lock is only ever removed by the run that created it; a
 * lock is renamed over its ref only after its content is on disk, so a
 * crash leaves each ref at its old or its new value; a ref whose value
 * under the lock is not the expected one is not touched.
 */
#define _GNU_SOURCE /* syncfs */
#include "reftx.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "banned.h"

struct packed {
	char *name;
	git_oid id;
};

struct tx {
	struct honk_repo *r;
	const char *dir; /* the common git dir, ending in '/' */
	struct packed *packed;
	size_t npacked;
	char *packed_data;
	struct stat packed_st; /* what was read; st_ino 0: none */
	int log; /* core.logAllRefUpdates: 0 false, 1 true, 2 always */
	git_signature *sig;
};

static int cmp_packed(const void *a, const void *b)
{
	return strcmp(((const struct packed *)a)->name,
		      ((const struct packed *)b)->name);
}

/* packed-refs, parsed and sorted by name (it need not be sorted). */
static int load_packed(struct tx *t)
{
	struct honk_buf path = HONK_BUF_INIT;
	size_t cap = 0, len;
	char *p, *line;
	FILE *f;
	int err = 0;

	free(t->packed);
	free(t->packed_data);
	t->packed = NULL;
	t->packed_data = NULL;
	t->npacked = 0;
	memset(&t->packed_st, 0, sizeof(t->packed_st));
	honk_buf_addf(&path, "%spacked-refs", t->dir);
	f = fopen(path.buf, "re");
	if (f && fstat(fileno(f), &t->packed_st) < 0)
		memset(&t->packed_st, 0, sizeof(t->packed_st));
	if (!f) {
		if (errno != ENOENT)
			err = honk_error_errno(HONK_ERROR, "cannot read '%s'",
					       path.buf);
		honk_buf_release(&path);
		return err;
	}
	{
		struct honk_buf all = HONK_BUF_INIT;
		char chunk[65536];
		size_t got;

		while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
			honk_buf_add(&all, chunk, got);
		if (ferror(f))
			err = honk_error_errno(HONK_ERROR, "cannot read '%s'",
					       path.buf);
		t->packed_data = honk_buf_detach(&all, &len);
	}
	fclose(f);
	for (p = t->packed_data; err == 0 && p && *p; p = line) {
		char *nl = strchr(p, '\n');

		line = nl ? nl + 1 : p + strlen(p);
		if (nl)
			*nl = '\0';
		if (*p == '#' || *p == '^' || strlen(p) < GIT_OID_HEXSZ + 2 ||
		    p[GIT_OID_HEXSZ] != ' ')
			continue;
		if ((err = honk_array_reserve(&t->packed, t->npacked, &cap,
					      sizeof(*t->packed))) < 0)
			break;
		if (git_oid_fromstrn(&t->packed[t->npacked].id, p,
				     GIT_OID_HEXSZ) < 0)
			continue;
		t->packed[t->npacked++].name = p + GIT_OID_HEXSZ + 1;
	}
	if (t->npacked > 1)
		qsort(t->packed, t->npacked, sizeof(*t->packed), cmp_packed);
	honk_buf_release(&path);
	return err;
}

/*
 * packed-refs as it is now: read again when it is another file than the
 * one read (git pack-refs may have moved a ref into it before its lock
 * was ours; once the lock is ours, nobody can).
 */
static int fresh_packed(struct tx *t)
{
	struct honk_buf path = HONK_BUF_INIT;
	struct stat st;
	int same;

	honk_buf_addf(&path, "%spacked-refs", t->dir);
	if (stat(path.buf, &st) < 0)
		same = errno == ENOENT && !t->packed_st.st_ino;
	else
		same = st.st_ino == t->packed_st.st_ino &&
		       st.st_dev == t->packed_st.st_dev &&
		       st.st_size == t->packed_st.st_size &&
		       st.st_mtim.tv_sec == t->packed_st.st_mtim.tv_sec &&
		       st.st_mtim.tv_nsec == t->packed_st.st_mtim.tv_nsec;
	honk_buf_release(&path);
	return same ? 0 : load_packed(t);
}

static const struct packed *find_packed(const struct tx *t, const char *name)
{
	struct packed key;

	key.name = (char *)(uintptr_t)name;
	if (!t->npacked)
		return NULL;
	return bsearch(&key, t->packed, t->npacked, sizeof(*t->packed),
		       cmp_packed);
}

/* Does a packed ref live under name/ (so name cannot be a file)? */
static int packed_below(const struct tx *t, const char *name)
{
	size_t lo = 0, hi = t->npacked, len = strlen(name);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(t->packed[mid].name, name) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->npacked && !strncmp(t->packed[lo].name, name, len) &&
	       t->packed[lo].name[len] == '/';
}

/* Is a packed ref one of name's directories (refs/heads/a for .../a/b)? */
static int packed_above(const struct tx *t, const char *name)
{
	struct honk_buf p = HONK_BUF_INIT;
	const char *s;
	int found = 0;

	for (s = strchr(name, '/'); s && !found; s = strchr(s + 1, '/')) {
		honk_buf_reset(&p);
		honk_buf_add(&p, name, (size_t)(s - name));
		found = find_packed(t, p.buf) != NULL;
	}
	honk_buf_release(&p);
	return found;
}

static int log_mode(struct tx *t)
{
	git_config *cfg = NULL;
	git_buf v = GIT_BUF_INIT;
	int b;

	t->log = !git_repository_is_bare(t->r->git);
	if (git_repository_config_snapshot(&cfg, t->r->git) < 0)
		return honk_error_git(HONK_ERROR, "cannot read the git config");
	if (git_config_get_string_buf(&v, cfg, "core.logAllRefUpdates") == 0) {
		if (!strcmp(v.ptr, "always"))
			t->log = 2;
		else if (git_config_parse_bool(&b, v.ptr) == 0)
			t->log = b;
	}
	git_buf_dispose(&v);
	git_config_free(cfg);
	return 0;
}

/* mkdir -p of path's directories below the git dir. */
static int make_dirs(const char *path, size_t from)
{
	struct honk_buf d = HONK_BUF_INIT;
	const char *p;
	int err = 0;

	for (p = strchr(path + from, '/'); p; p = strchr(p + 1, '/')) {
		honk_buf_reset(&d);
		honk_buf_add(&d, path, (size_t)(p - path));
		if (mkdir(d.buf, 0777) == 0)
			continue;
		if (errno == EEXIST) {
			struct stat st;

			if (stat(d.buf, &st) == 0 && S_ISDIR(st.st_mode))
				continue;
			errno = ENOTDIR;
		}
		err = errno == ENOTDIR ? HONK_ECONFLICT : HONK_ERROR;
		honk_error_errno(err, "cannot create '%s'", d.buf);
		break;
	}
	honk_buf_release(&d);
	return err;
}

/* The ref's value under its lock: *have 0 when it does not exist. */
static int current(struct tx *t, const char *path, const char *name,
		   git_oid *out, int *have)
{
	char buf[128];
	struct stat st;
	ssize_t n;
	int fd, err;

	*have = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return honk_error_set(HONK_ECONFLICT,
				      "'%s' is a directory of refs", name);
	}
	if (fd < 0) {
		const struct packed *p;

		if (errno == ELOOP)
			return honk_error_set(HONK_ECONFLICT,
					      "'%s' is a symbolic link", name);
		if (errno != ENOENT)
			return honk_error_errno(HONK_ERROR, "cannot read '%s'",
						path);
		if ((err = fresh_packed(t)) < 0)
			return err;
		if (packed_below(t, name))
			return honk_error_set(HONK_ECONFLICT,
					      "refs exist below '%s'", name);
		if (packed_above(t, name))
			return honk_error_set(HONK_ECONFLICT,
					      "a ref is in the way of '%s'",
					      name);
		if ((p = find_packed(t, name))) {
			git_oid_cpy(out, &p->id);
			*have = 1;
		}
		return 0;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return honk_error_errno(HONK_ERROR, "cannot read '%s'", path);
	buf[n] = '\0';
	if (n < GIT_OID_HEXSZ || git_oid_fromstrn(out, buf, GIT_OID_HEXSZ) < 0)
		return honk_error_set(
			HONK_ECONFLICT,
			"'%s' is not a plain ref (symbolic or damaged)", name);
	*have = 1;
	return 0;
}

/* Append the reflog entry git would write for this update. */
static int reflog(struct tx *t, const struct honk_refupdate *u,
		  const git_oid *old, const git_oid *target)
{
	const char *name = u->refname;
	struct honk_buf path = HONK_BUF_INIT, line = HONK_BUF_INIT;
	char o[GIT_OID_HEXSZ + 1], n[GIT_OID_HEXSZ + 1];
	const char *msg = u->message ? u->message : "";
	int offset, fd, err = 0;
	struct stat st;

	honk_buf_addf(&path, "%slogs/%s", t->dir, name);
	if (t->log == 0 ||
	    (t->log == 1 && strncmp(name, "refs/heads/", 11) &&
	     strncmp(name, "refs/remotes/", 13) &&
	     strncmp(name, "refs/notes/", 11) && stat(path.buf, &st) < 0))
		goto cleanup;
	if ((err = make_dirs(path.buf, strlen(t->dir))) < 0)
		goto cleanup;
	git_oid_tostr(o, sizeof(o), old);
	git_oid_tostr(n, sizeof(n), target);
	offset = t->sig->when.offset;
	honk_buf_addf(&line, "%s %s %s <%s> %lld %c%02d%02d\t%.*s\n", o, n,
		      t->sig->name, t->sig->email, (long long)t->sig->when.time,
		      offset < 0 ? '-' : '+', abs(offset) / 60,
		      abs(offset) % 60, (int)strcspn(msg, "\n"), msg);
	fd = open(path.buf, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (fd < 0 || honk_write_all(fd, line.buf, line.len) < 0)
		err = honk_error_errno(HONK_ERROR, "cannot write '%s'",
				       path.buf);
	if (fd >= 0)
		close(fd);
cleanup:
	honk_buf_release(&path);
	honk_buf_release(&line);
	return err;
}

static int fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = 0;

	if (fd < 0 || (fsync(fd) < 0 && errno != EINVAL))
		err = honk_error_errno(HONK_ERROR, "cannot sync '%s'", path);
	if (fd >= 0)
		close(fd);
	return err;
}

struct held {
	char *path, *lock;
	git_oid old;
	git_oid target; /* with later updates of the same ref folded in */
	size_t into;	/* folded into that earlier update (else itself) */
	int taken;	/* the lock file is ours */
	struct honk_cleanup gone; /* removed if the run dies holding it */
	int renamed;	/* published; its directory is still to be synced */
};

static int by_ref(const void *a, const void *b, void *payload)
{
	const struct honk_refupdate *v = payload;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(v[x].refname, v[y].refname);

	return c ? c : (x > y) - (x < y);
}

/*
 * Updates of one ref in one transaction apply in order: a later one
 * whose expected value is the earlier one's target joins it (the ref
 * goes straight to the last target); any other is a conflict.
 */
static int fold(struct held *h, struct honk_refupdate *v, size_t n)
{
	size_t *ix = malloc(n * sizeof(*ix)), i;

	if (!ix)
		return honk_error_set(HONK_ERROR, "out of memory");
	for (i = 0; i < n; i++) {
		ix[i] = i;
		h[i].into = i;
		git_oid_cpy(&h[i].target, &v[i].target);
	}
	qsort_r(ix, n, sizeof(*ix), by_ref, v);
	for (i = 1; i < n; i++) {
		size_t a = ix[i - 1], b = ix[i];

		if (strcmp(v[a].refname, v[b].refname))
			continue;
		a = h[a].into;
		if (v[b].has_expected &&
		    git_oid_equal(&v[b].expected, &h[a].target)) {
			git_oid_cpy(&h[a].target, &v[b].target);
			h[b].into = a;
		} else {
			h[b].into = n; /* a conflict, whatever the first does */
			ix[i] = ix[i - 1];
		}
	}
	free(ix);
	return 0;
}

int honk_refs_update(struct honk_repo *r, struct honk_refupdate *v, size_t n)
{
	struct tx t;
	struct held *h = NULL;
	struct honk_buf dirs = HONK_BUF_INIT, made = HONK_BUF_INIT;
	size_t i, dlen, plen;
	int err = 0, fd, any = 0;

	memset(&t, 0, sizeof(t));
	t.r = r;
	t.dir = git_repository_commondir(r->git);
	dlen = strlen(t.dir);
	for (i = 0; i < n; i++)
		v[i].err = 1;
	if (!n)
		return 0;
	h = calloc(n, sizeof(*h));
	if (!h)
		return honk_error_set(HONK_ERROR, "out of memory");
	if ((err = load_packed(&t)) < 0 || (err = log_mode(&t)) < 0 ||
	    (err = honk_repo_signature(&t.sig, r)) < 0 ||
	    (err = fold(h, v, n)) < 0)
		goto cleanup;
	/* every lock, each ref checked under its own */
	for (i = 0; i < n && err >= 0; i++) {
		struct honk_buf p = HONK_BUF_INIT;
		char hex[GIT_OID_HEXSZ + 2];
		git_oid now;
		int have, valid = 0;

		if (h[i].into != i) {
			if (h[i].into == n)
				v[i].err = HONK_ECONFLICT;
			continue; /* told with the update it joined */
		}
		if (git_reference_name_is_valid(&valid, v[i].refname) < 0 ||
		    !valid || strncmp(v[i].refname, "refs/", 5)) {
			err = honk_error_set(HONK_EUSAGE,
					     "'%s' is not a ref honk writes",
					     v[i].refname);
			break;
		}
		honk_buf_addf(&p, "%s%s", t.dir, v[i].refname);
		h[i].path = honk_buf_detach(&p, NULL);
		honk_buf_addf(&p, "%s.lock", h[i].path);
		h[i].lock = honk_buf_detach(&p, NULL);
		/* its directories, unless the previous ref's were the same */
		plen = (size_t)(strrchr(h[i].path, '/') - h[i].path);
		if (!made.len || made.len != plen ||
		    memcmp(made.buf, h[i].path, plen)) {
			err = make_dirs(h[i].path, dlen);
			honk_buf_reset(&made);
			if (err == HONK_ECONFLICT) {
				v[i].err = err;
				err = 0;
				continue;
			} else if (err < 0) {
				break;
			}
			honk_buf_add(&made, h[i].path, plen);
		}
		fd = open(h[i].lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			  0666);
		if (fd < 0 && errno == ENOENT) {
			/* its directory went (git pack-refs prunes empty
			 * ones): make it again, once */
			honk_buf_reset(&made);
			if ((err = make_dirs(h[i].path, dlen)) < 0) {
				if (err != HONK_ECONFLICT)
					break;
				v[i].err = err;
				err = 0;
				continue;
			}
			fd = open(h[i].lock,
				  O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
				  0666);
		}
		if (fd < 0) {
			if (errno == EEXIST) {
				v[i].err = honk_error_set(
					HONK_EBUSY,
					"ref '%s' is locked by another process",
					v[i].refname);
				continue;
			}
			err = honk_error_errno(HONK_ERROR, "cannot create '%s'",
					       h[i].lock);
			break;
		}
		h[i].taken = 1;
		honk_cleanup_arm(&h[i].gone, h[i].lock, 0);
		err = current(&t, h[i].path, v[i].refname, &now, &have);
		if (err == 0 &&
		    (v[i].has_expected
			     ? !have || !git_oid_equal(&now, &v[i].expected)
			     : have))
			err = HONK_ECONFLICT;
		if (err == HONK_ECONFLICT) {
			close(fd);
			unlink(h[i].lock);
			honk_cleanup_disarm(&h[i].gone);
			h[i].taken = 0;
			v[i].err = err;
			err = 0;
			continue;
		}
		if (err < 0) {
			close(fd);
			break;
		}
		if (have)
			git_oid_cpy(&h[i].old, &now);
		git_oid_tostr(hex, GIT_OID_HEXSZ + 1, &h[i].target);
		hex[GIT_OID_HEXSZ] = '\n';
		if (honk_write_all(fd, hex, GIT_OID_HEXSZ + 1) < 0) {
			err = honk_error_errno(HONK_ERROR, "cannot write '%s'",
					       h[i].lock);
			close(fd);
			break;
		}
		if (close(fd) < 0) {
			err = honk_error_errno(HONK_ERROR, "cannot write '%s'",
					       h[i].lock);
			break;
		}
		any = 1;
	}
	if (err < 0 || !any)
		goto cleanup;
	/* every new value on disk before any of them is published */
	fd = open(t.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || syncfs(fd) < 0) {
		err = honk_error_errno(HONK_ERROR, "cannot sync '%s'", t.dir);
		if (fd >= 0)
			close(fd);
		goto cleanup;
	}
	close(fd);
	for (i = 0; i < n && err >= 0; i++) {
		if (!h[i].taken)
			continue;
		if ((err = reflog(&t, &v[i], &h[i].old, &h[i].target)) < 0)
			break;
		if (rename(h[i].lock, h[i].path) < 0) {
			err = honk_error_errno(HONK_ERROR, "cannot update '%s'",
					       h[i].path);
			break;
		}
		honk_cleanup_disarm(&h[i].gone);
		h[i].taken = 0;
		h[i].renamed = 1;
		v[i].err = 0;
	}
	/* the renames on disk: each directory once, refs share few */
	for (i = 0; i < n; i++) {
		size_t k, len;
		int e;

		if (!h[i].renamed)
			continue;
		len = (size_t)(strrchr(h[i].path, '/') - h[i].path);
		for (k = i + 1; k < n; k++)
			if (h[k].renamed &&
			    !strncmp(h[k].path, h[i].path, len + 1) &&
			    !strchr(h[k].path + len + 1, '/'))
				h[k].renamed = 0; /* same directory */
		honk_buf_reset(&dirs);
		honk_buf_add(&dirs, h[i].path, len);
		if ((e = fsync_dir(dirs.buf)) < 0 && err >= 0)
			err = e;
	}
cleanup:
	/* the joined updates share the outcome of the one they joined */
	for (i = 0; h && i < n; i++)
		if (h[i].into != i && h[i].into != n)
			v[i].err = v[h[i].into].err;
	for (i = 0; i < n; i++) {
		if (h && h[i].taken)
			unlink(h[i].lock);
		if (h)
			honk_cleanup_disarm(&h[i].gone);
		if (h) {
			free(h[i].path);
			free(h[i].lock);
		}
	}
	free(h);
	honk_buf_release(&dirs);
	honk_buf_release(&made);
	git_signature_free(t.sig);
	free(t.packed);
	free(t.packed_data);
	return err;
}
