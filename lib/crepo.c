/*
 * Consumers' code repositories: opened where the catalog says they are,
 * mirrored when they are URLs. Paths are built only from validated
 * consumer names, so a hostile name cannot place a mirror elsewhere.
 */
#include "crepo.h"

#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "error.h"
#include "names.h"
#include "banned.h"

static int mirror_path(struct honk_buf *out, struct honk_repo *catalog,
		       const char *name)
{
	int err;

	if ((err = honk_name_check("consumer", name)) < 0)
		return err;
	honk_buf_reset(out);
	return honk_buf_addf(out, "%shonk/repos/%s.git",
			     git_repository_commondir(catalog->git), name);
}

int honk_crepo_fetch(struct honk_crepo *c, const char *id)
{
	struct honk_buf a = HONK_BUF_INIT, b = HONK_BUF_INIT;
	const char *specs[2];
	int err;

	if (!c->url)
		return 0;
	honk_buf_addf(&a, "+refs/heads/%s:refs/heads/%s", c->branch, c->branch);
	honk_buf_addf(&b, "+refs/heads/honk/%s:refs/heads/honk/%s", id, id);
	specs[0] = a.buf;
	specs[1] = b.buf;
	err = honk_remote_fetch(&c->repo, c->co->repo, specs, 2);
	honk_buf_release(&a);
	honk_buf_release(&b);
	return err;
}

int honk_crepo_open(struct honk_crepo *out, struct honk_repo *catalog,
		    const struct honk_consumer *co, const char *fetch_id,
		    int no_create)
{
	struct honk_buf path = HONK_BUF_INIT;
	git_reference *head = NULL;
	const char *base;
	int err = 0;

	memset(out, 0, sizeof(*out));
	out->co = co;
	out->url = honk_remote_is_url(co->repo);
	if (out->url) {
		if ((err = mirror_path(&path, catalog, co->name)) < 0)
			goto cleanup;
		if (git_repository_open_bare(&out->repo.git, path.buf) < 0) {
			if (no_create) {
				err = honk_error_set(
					HONK_ENOTFOUND,
					"%s: no mirror of '%s' yet", co->name,
					co->repo);
				goto cleanup;
			}
			if (git_repository_init(&out->repo.git, path.buf, 1) <
			    0) {
				err = honk_error_git(
					HONK_ERROR,
					"cannot make a mirror of '%s'",
					co->repo);
				goto cleanup;
			}
		}
	} else {
		base = git_repository_workdir(catalog->git);
		if (!base)
			base = git_repository_path(catalog->git);
		if (co->repo[0] == '/')
			honk_buf_addstr(&path, co->repo);
		else
			honk_buf_addf(&path, "%s%s%s", base,
				      base[strlen(base) - 1] == '/' ? "" : "/",
				      co->repo);
		if (git_repository_open_ext(&out->repo.git, path.buf,
					    GIT_REPOSITORY_OPEN_NO_SEARCH,
					    NULL) < 0) {
			err = honk_error_git(HONK_ENOTFOUND,
					     "%s: cannot open its repo '%s'",
					     co->name, co->repo);
			goto cleanup;
		}
	}
	if (co->branch)
		out->branch = strdup(co->branch);
	else if (!out->url && git_repository_head(&head, out->repo.git) == 0 &&
		 git_reference_is_branch(head))
		out->branch = strdup(git_reference_shorthand(head));
	else
		out->branch = strdup("main");
	if (!out->branch)
		err = honk_error_set(HONK_ERROR, "out of memory");
	else if (fetch_id)
		err = honk_crepo_fetch(out, fetch_id);
cleanup:
	git_reference_free(head);
	honk_buf_release(&path);
	if (err < 0)
		honk_crepo_close(out);
	return err;
}

int honk_crepo_push(struct honk_crepo *c, const char *ref)
{
	struct honk_buf spec = HONK_BUF_INIT;
	const char *specs[1];
	int err;

	if (!c->url)
		return 0;
	honk_buf_addf(&spec, "%s:%s", ref, ref);
	specs[0] = spec.buf;
	err = honk_remote_push(&c->repo, c->co->repo, specs, 1);
	honk_buf_release(&spec);
	return err;
}

void honk_crepo_close(struct honk_crepo *c)
{
	if (!c)
		return;
	honk_batch_free(c->repo.batch);
	git_repository_free(c->repo.git);
	free(c->branch);
	memset(c, 0, sizeof(*c));
}
