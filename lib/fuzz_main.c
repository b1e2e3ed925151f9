/*
 * A main() for the fuzz targets when libFuzzer is not there: it replays
 * inputs, so a corpus in testdata/fuzz/<target>/ becomes a regression test
 * that any compiler can build and make check can run.
 *
 * Each argument is a file, whose content is one input, or a directory,
 * whose regular files (not its subdirectories, not dotfiles) are the
 * inputs, replayed in byte order of their names so runs are repeatable.
 * With no argument the empty input is replayed once. Every input gets a
 * fresh malloc'd buffer of exactly its size, so a sanitizer sees reads past
 * the end. Each input's name goes to stderr before it runs, so the last one
 * named is the culprit when a target crashes, which ends the run. An
 * unreadable input is an error (exit 1).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t inputs_run;

static int read_file(uint8_t **out, size_t *out_len, const char *path)
{
	FILE *fp = NULL;
	uint8_t *data = NULL, *grown;
	size_t len = 0, alloc = 0, n;
	int ret = -1;

	fp = fopen(path, "rb");
	if (!fp) {
		fprintf(stderr, "fuzz-replay: %s: %s\n", path, strerror(errno));
		goto cleanup;
	}
	for (;;) {
		if (len == alloc) {
			alloc = alloc ? alloc * 2 : 4096;
			grown = realloc(data, alloc);
			if (!grown) {
				fprintf(stderr,
					"fuzz-replay: %s: out of memory\n",
					path);
				goto cleanup;
			}
			data = grown;
		}
		n = fread(data + len, 1, alloc - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		fprintf(stderr, "fuzz-replay: %s: read error\n", path);
		goto cleanup;
	}
	/* Exactly the input's size, so an overread is caught. */
	grown = malloc(len ? len : 1);
	if (!grown) {
		fprintf(stderr, "fuzz-replay: %s: out of memory\n", path);
		goto cleanup;
	}
	if (len)
		memcpy(grown, data, len);
	*out = grown;
	*out_len = len;
	ret = 0;

cleanup:
	free(data);
	if (fp)
		fclose(fp);
	return ret;
}

static int run_file(const char *path)
{
	uint8_t *data = NULL;
	size_t len = 0;

	if (read_file(&data, &len, path) < 0)
		return -1;
	fprintf(stderr, "fuzz-replay: running %s\n", path);
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	inputs_run++;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir)
{
	DIR *d = NULL;
	struct dirent *de;
	char **names = NULL, **grown, *path = NULL;
	size_t nr = 0, alloc = 0, i, len;
	struct stat st;
	int ret = -1;

	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "fuzz-replay: %s: %s\n", dir, strerror(errno));
		goto cleanup;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (nr == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			grown = realloc(names, alloc * sizeof(*names));
			if (!grown)
				goto oom;
			names = grown;
		}
		names[nr] = strdup(de->d_name);
		if (!names[nr])
			goto oom;
		nr++;
	}
	if (nr)
		qsort(names, nr, sizeof(*names), cmp_names);

	for (i = 0; i < nr; i++) {
		len = strlen(dir) + strlen(names[i]) + 2;
		free(path);
		path = malloc(len);
		if (!path)
			goto oom;
		snprintf(path, len, "%s/%s", dir, names[i]);
		if (stat(path, &st) < 0) {
			fprintf(stderr, "fuzz-replay: %s: %s\n", path,
				strerror(errno));
			goto cleanup;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		if (run_file(path) < 0)
			goto cleanup;
	}
	ret = 0;
	goto cleanup;

oom:
	fprintf(stderr, "fuzz-replay: %s: out of memory\n", dir);
cleanup:
	for (i = 0; i < nr; i++)
		free(names[i]);
	free(names);
	free(path);
	if (d)
		closedir(d);
	return ret;
}

int main(int argc, char **argv)
{
	struct stat st;
	int i;

	if (argc < 2) {
		LLVMFuzzerTestOneInput((const uint8_t *)"", 0);
		inputs_run++;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "fuzz-replay: %s: %s\n", argv[i],
				strerror(errno));
			return 1;
		}
		if (S_ISDIR(st.st_mode)) {
			if (run_dir(argv[i]) < 0)
				return 1;
		} else if (run_file(argv[i]) < 0) {
			return 1;
		}
	}
	printf("fuzz-replay: ran %lu input%s\n", (unsigned long)inputs_run,
	       inputs_run == 1 ? "" : "s");
	if (fflush(stdout) || ferror(stdout))
		return 1;
	return 0;
}
