/*
 * A synthetic honk catalog, for benchmarks.
 *
 *   gencatalog [--datasets N] [--consumers M] [--seed S] | git fast-import
 *
 * writes a git fast-import stream with one commit on refs/heads/main that
 * holds honk.yaml, N datasets (datasets/<domain>/<name>.yaml) and M
 * consumers (consumers/<team>/<name>.yaml), in the formats of honk's
 * DESIGN section 3.
 *
 * The same arguments give the same bytes: every choice comes from one
 * splitmix64 stream seeded by --seed, and the commit has fixed dates. The
 * catalog is valid: names match honk's allowlist and are unique (the
 * dataset or consumer number is part of the name), each dataset has 2-4
 * versions of 4-12 inline fields that evolve only in backward-compatible
 * ways (optional fields added, optional fields dropped, renames with
 * renamed_from, enum symbols added), every read names an existing version
 * and fields that version has, and a consumer only produces datasets whose
 * number is greater than that of every dataset it reads, and that no other
 * consumer produces, so the produces graph has no cycle.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VERSIONS 4
#define MIN_FIELDS 4
#define MAX_FIELDS 12
#define MAX_READS 3
#define COMMIT_TIME "1767225600 +0000"

enum type {
	T_BOOLEAN,
	T_INT32,
	T_INT64,
	T_FLOAT32,
	T_FLOAT64,
	T_DECIMAL,
	T_STRING,
	T_BYTES,
	T_DATE,
	T_TIME,
	T_TIMESTAMP,
	T_ENUM,
};

static const char *const type_names[] = {
	"boolean", "int32",  "int64", "float32", "float64",   "decimal",
	"string",  "bytes",  "date",  "time",    "timestamp", "enum",
};

#define MAX_SYMBOLS 5

/* A field, and the name it gets when a later version renames it. */
struct word {
	const char *name;
	const char *renamed;
	enum type type;
	const char *symbols[MAX_SYMBOLS];
};

static const struct word words[] = {
	{ "user_id", "account_id", T_STRING, { NULL } },
	{ "ts", "event_time", T_TIMESTAMP, { NULL } },
	{ "kind", "event_kind", T_ENUM,
	  { "song", "podcast", "audiobook", "video", "ad" } },
	{ "country", "country_code", T_STRING, { NULL } },
	{ "device_os", "platform", T_ENUM,
	  { "android", "ios", "web", "desktop", "tv" } },
	{ "amount", "amount_total", T_DECIMAL, { NULL } },
	{ "currency", "currency_code", T_STRING, { NULL } },
	{ "session_id", "visit_id", T_STRING, { NULL } },
	{ "track_id", "item_id", T_STRING, { NULL } },
	{ "duration_ms", "duration_millis", T_INT64, { NULL } },
	{ "play_count", "plays", T_INT32, { NULL } },
	{ "is_premium", "premium", T_BOOLEAN, { NULL } },
	{ "score", "rank_score", T_FLOAT64, { NULL } },
	{ "event_date", "partition_date", T_DATE, { NULL } },
	{ "created_at", "inserted_at", T_TIMESTAMP, { NULL } },
	{ "updated_at", "modified_at", T_TIMESTAMP, { NULL } },
	{ "artist_id", "creator_id", T_STRING, { NULL } },
	{ "album_id", "release_id", T_STRING, { NULL } },
	{ "market", "region", T_ENUM, { "us", "eu", "latam", "apac", "mena" } },
	{ "price", "unit_price", T_DECIMAL, { NULL } },
	{ "quantity", "qty", T_INT32, { NULL } },
	{ "referrer", "referrer_url", T_STRING, { NULL } },
	{ "latency_ms", "latency_millis", T_INT32, { NULL } },
	{ "bytes_sent", "payload_bytes", T_INT64, { NULL } },
	{ "status", "state", T_ENUM,
	  { "pending", "active", "done", "failed", "cancelled" } },
	{ "ip_hash", "client_hash", T_BYTES, { NULL } },
	{ "ratio", "share", T_FLOAT32, { NULL } },
	{ "local_time", "wall_time", T_TIME, { NULL } },
	{ "order_id", "purchase_id", T_STRING, { NULL } },
	{ "campaign_id", "promo_id", T_STRING, { NULL } },
	{ "query", "search_terms", T_STRING, { NULL } },
	{ "position", "slot", T_INT32, { NULL } },
	{ "clicked", "was_clicked", T_BOOLEAN, { NULL } },
	{ "revenue", "gross_revenue", T_DECIMAL, { NULL } },
	{ "app_version", "client_version", T_STRING, { NULL } },
	{ "experiment", "test_group", T_ENUM,
	  { "control", "treatment", "holdout", NULL } },
};

#define NWORDS (sizeof(words) / sizeof(words[0]))

static const char *const domains[] = {
	"plays",     "billing", "search",  "ads",      "users",
	"catalog",   "payments", "royalty", "podcast", "social",
	"messaging", "growth",  "fraud",   "ml",       "logistics",
	"inventory", "support", "marketing", "finance", "content",
};

static const char *const adjectives[] = {
	"daily", "hourly", "raw", "clean", "agg", "fact", "dim", "user",
	"session", "weekly",
};

static const char *const nouns[] = {
	"plays",  "events",      "orders",  "payments", "sessions",
	"clicks", "impressions", "streams", "signups",  "refunds",
};

static const char *const teams[] = {
	"playback", "royalty", "search",   "ads-quality", "growth",
	"data-platform", "finance", "insights", "recs", "trust-safety",
	"billing", "partners", "editorial", "ml-infra", "support",
};

static const char *const jobs[] = {
	"reports", "etl",  "dashboard", "model", "export",
	"sync",    "alerts", "features", "audit", "backfill",
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- random numbers ---------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0. */
static uint32_t rng_below(uint32_t n)
{
	return (uint32_t)(((rng_next() >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi]. */
static uint32_t rng_range(uint32_t lo, uint32_t hi)
{
	return lo + rng_below(hi - lo + 1);
}

/* True with probability percent/100. */
static int rng_chance(uint32_t percent)
{
	return rng_below(100) < percent;
}

/* ---- output ------------------------------------------------------------ */

struct buf {
	char *p;
	size_t len, alloc;
};

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2), noreturn))
#endif
static void die(const char *fmt, ...);

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("gencatalog: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		die("out of memory");
	return p;
}

static void buf_init(struct buf *b)
{
	b->alloc = 4096;
	b->p = xrealloc(NULL, b->alloc);
	b->p[0] = '\0';
	b->len = 0;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->alloc - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			die("formatting failed");
		if ((size_t)n < b->alloc - b->len)
			break;
		b->alloc = (b->alloc + (size_t)n + 1) * 2;
		b->p = xrealloc(b->p, b->alloc);
	}
	b->len += (size_t)n;
}

static void emit_file(const char *path, struct buf *content)
{
	printf("M 100644 inline %s\ndata %lu\n", path,
	       (unsigned long)content->len);
	fwrite(content->p, 1, content->len, stdout);
	putchar('\n');
	content->len = 0;
	content->p[0] = '\0';
}

/* ---- the model --------------------------------------------------------- */

struct field {
	uint8_t word;
	uint8_t is_renamed;	/* named words[word].renamed */
	uint8_t renamed_now;	/* renamed in this version: renamed_from */
	uint8_t required;
	uint8_t nsymbols;
};

struct version {
	uint8_t nfields;
	struct field fields[MAX_FIELDS];
};

struct dataset {
	uint8_t domain, adjective, noun;
	uint8_t nversions;
	uint8_t first;		/* number of the first version */
	uint8_t deprecated;	/* the first version is deprecated */
	uint8_t policy;		/* 0: inherit, 1: backward, 2: none */
	uint8_t produced;	/* some consumer produces it */
	struct version versions[MAX_VERSIONS];
};

static const char *field_name(const struct field *f)
{
	return f->is_renamed ? words[f->word].renamed : words[f->word].name;
}

static int version_has_word(const struct version *v, unsigned w)
{
	unsigned i;

	for (i = 0; i < v->nfields; i++)
		if (v->fields[i].word == w)
			return 1;
	return 0;
}

static unsigned count_symbols(unsigned w)
{
	unsigned n = 0;

	while (n < MAX_SYMBOLS && words[w].symbols[n])
		n++;
	return n;
}

static void add_field(struct version *v, int may_be_required)
{
	struct field *f;
	unsigned w;

	do
		w = rng_below(NWORDS);
	while (version_has_word(v, w));
	f = &v->fields[v->nfields++];
	memset(f, 0, sizeof(*f));
	f->word = (uint8_t)w;
	f->required = (uint8_t)(may_be_required && rng_chance(30));
	if (words[w].type == T_ENUM)
		f->nsymbols = (uint8_t)rng_range(2, count_symbols(w) - 1);
}

/* The next version: one to three backward-compatible changes. */
static void evolve(struct version *next, const struct version *prev)
{
	unsigned changes = rng_range(1, 3), i, tries;
	struct field *f;

	*next = *prev;
	for (i = 0; i < next->nfields; i++)
		next->fields[i].renamed_now = 0;

	for (; changes; changes--) {
		switch (rng_below(4)) {
		case 0:
			if (next->nfields < MAX_FIELDS)
				add_field(next, 0);
			break;
		case 1:
			if (next->nfields <= MIN_FIELDS)
				break;
			i = rng_below(next->nfields);
			f = &next->fields[i];
			if (f->required || f->renamed_now)
				break;
			memmove(f, f + 1,
				(size_t)(next->nfields - i - 1) * sizeof(*f));
			next->nfields--;
			break;
		case 2:
			f = &next->fields[rng_below(next->nfields)];
			if (!f->is_renamed) {
				f->is_renamed = 1;
				f->renamed_now = 1;
			}
			break;
		default:
			for (tries = 0; tries < 4; tries++) {
				f = &next->fields[rng_below(next->nfields)];
				if (words[f->word].type == T_ENUM &&
				    f->nsymbols < count_symbols(f->word)) {
					f->nsymbols++;
					break;
				}
			}
			break;
		}
	}
}

static void make_dataset(struct dataset *d)
{
	unsigned i, n;

	memset(d, 0, sizeof(*d));
	d->domain = (uint8_t)rng_below(N_OF(domains));
	d->adjective = (uint8_t)rng_below(N_OF(adjectives));
	d->noun = (uint8_t)rng_below(N_OF(nouns));
	d->nversions = (uint8_t)rng_range(2, MAX_VERSIONS);
	d->first = (uint8_t)rng_range(1, 3);
	d->deprecated = (uint8_t)rng_chance(20);
	d->policy = rng_chance(80) ? 0 : (uint8_t)rng_range(1, 2);

	n = rng_range(MIN_FIELDS, MAX_FIELDS - 2);
	for (i = 0; i < n; i++)
		add_field(&d->versions[0], 1);
	for (i = 1; i < d->nversions; i++)
		evolve(&d->versions[i], &d->versions[i - 1]);
}

static void dataset_id(struct buf *b, const struct dataset *d, unsigned idx)
{
	addf(b, "%s.%s_%s_%u", domains[d->domain], adjectives[d->adjective],
	     nouns[d->noun], idx);
}

static void write_field(struct buf *b, const struct field *f)
{
	const struct word *w = &words[f->word];
	unsigned i;

	addf(b, "      - {name: %s, type: %s", field_name(f),
	     type_names[w->type]);
	if (f->required)
		addf(b, ", required: true");
	if (f->renamed_now)
		addf(b, ", renamed_from: %s", w->name);
	if (w->type == T_DECIMAL)
		addf(b, ", precision: 18, scale: 2");
	if (w->type == T_ENUM) {
		addf(b, ", symbols: [");
		for (i = 0; i < f->nsymbols; i++)
			addf(b, "%s%s", i ? ", " : "", w->symbols[i]);
		addf(b, "]");
	}
	addf(b, "}\n");
}

static void write_dataset(struct buf *b, const struct dataset *d, unsigned idx)
{
	static const char *const policies[] = { NULL, "backward", "none" };
	unsigned v, i;

	addf(b, "dataset: ");
	dataset_id(b, d, idx);
	addf(b, "\nowner: team-%s\n", domains[d->domain]);
	addf(b, "description: One row per %s %s\n", adjectives[d->adjective],
	     nouns[d->noun]);
	if (d->policy)
		addf(b, "compatibility: %s\n", policies[d->policy]);
	addf(b, "versions:\n");
	for (v = 0; v < d->nversions; v++) {
		addf(b, "  - version: %u\n", (unsigned)(d->first + v));
		addf(b, "    location: bq://%s.%s_%s_%u_v%u\n",
		     domains[d->domain], adjectives[d->adjective],
		     nouns[d->noun], idx, (unsigned)(d->first + v));
		if (v == 0 && d->deprecated)
			addf(b, "    deprecated: 2027-06-30\n");
		addf(b, "    schema:\n");
		for (i = 0; i < d->versions[v].nfields; i++)
			write_field(b, &d->versions[v].fields[i]);
	}
}

/*
 * Which dataset a consumer reads: skewed towards low numbers, as a few
 * datasets have most of the readers, and that leaves the higher numbers
 * free for consumers to produce.
 */
static unsigned pick_read(unsigned ndatasets)
{
	double u = (double)(rng_next() >> 11) / 9007199254740992.0;

	return (unsigned)(u * u * u * ndatasets);
}

/* The consumer number idx into b, and its file name into path. */
static void write_consumer(struct buf *b, struct buf *path,
			   struct dataset *ds, unsigned ndatasets, unsigned idx)
{
	static const char *const crit[] = { "low", "medium", "high" };
	unsigned reads[MAX_READS], nreads, i, j, maxread = 0, v, k, tries;
	unsigned team = rng_below(N_OF(teams)), c = rng_below(100);
	unsigned nproduce, produced = 0, p;
	const struct dataset *d;
	const struct version *ver;
	const char *job = jobs[rng_below(N_OF(jobs))];

	addf(path, "consumers/%s/%s-%s-%u.yaml", teams[team], teams[team], job,
	     idx);
	addf(b, "consumer: %s-%s-%u\n", teams[team], job, idx);
	addf(b, "owner: team-%s\n", teams[team]);
	addf(b, "criticality: %s\n", crit[c < 50 ? 0 : c < 85 ? 1 : 2]);

	nreads = rng_range(1, MAX_READS);
	if (nreads > ndatasets)
		nreads = ndatasets;
	for (i = 0; i < nreads; i++) {
		do {
			reads[i] = pick_read(ndatasets);
			for (j = 0; j < i && reads[j] != reads[i]; j++)
				;
		} while (j < i);
		if (reads[i] > maxread)
			maxread = reads[i];
	}

	addf(b, "reads:\n");
	for (i = 0; i < nreads; i++) {
		d = &ds[reads[i]];
		v = rng_chance(70) ? d->nversions - 1u : rng_below(d->nversions);
		ver = &d->versions[v];
		addf(b, "  - dataset: ");
		dataset_id(b, d, reads[i]);
		addf(b, "\n    version: %u\n", (unsigned)(d->first + v));
		if (rng_chance(60)) {
			/* A subset of the fields, in schema order. */
			k = rng_range(1, 4);
			addf(b, "    fields: [");
			for (j = 0, p = 0; j < ver->nfields && p < k; j++) {
				if (rng_below(ver->nfields - j) >= k - p)
					continue;
				addf(b, "%s%s", p ? ", " : "",
				     field_name(&ver->fields[j]));
				p++;
			}
			addf(b, "]\n");
		}
	}

	if (maxread + 1 < ndatasets && rng_chance(15)) {
		nproduce = rng_range(1, 2);
		for (tries = 0; tries < 8 && produced < nproduce; tries++) {
			j = maxread + 1 + rng_below(ndatasets - maxread - 1);
			if (ds[j].produced)
				continue;
			ds[j].produced = 1;
			addf(b, produced ? ", " : "produces: [");
			dataset_id(b, &ds[j], j);
			produced++;
		}
		if (produced)
			addf(b, "]\n");
	}

	if (rng_chance(50)) {
		addf(b, "repo: https://git.example.com/%s/%s-%s-%u.git\n",
		     teams[team], teams[team], job, idx);
		addf(b, "branch: main\n");
		addf(b, "paths: [\"sql/**/*.sql\", \"conf/*.yaml\"]\n");
	}
}

/* ---- main -------------------------------------------------------------- */

static unsigned long parse_count(const char *opt, const char *s,
				 unsigned long max)
{
	unsigned long v;
	char *end;

	if (!s)
		die("%s needs a value", opt);
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v > max)
		die("%s: '%s' is not a number from 0 to %lu", opt, s, max);
	return v;
}

static void usage(FILE *fp)
{
	fputs("usage: gencatalog [--datasets N] [--consumers M] [--seed S]\n"
	      "writes a git fast-import stream of a synthetic catalog on\n"
	      "refs/heads/main (defaults: 1000 datasets, 5000 consumers,\n"
	      "seed 1)\n",
	      fp);
}

static void check_words(void)
{
	unsigned i, j;

	for (i = 0; i < NWORDS; i++) {
		if (words[i].type == T_ENUM && count_symbols(i) < 3)
			die("word '%s' needs 3 symbols", words[i].name);
		for (j = 0; j < NWORDS; j++) {
			if (!strcmp(words[i].renamed, words[j].name) ||
			    (i != j && (!strcmp(words[i].name, words[j].name) ||
					!strcmp(words[i].renamed,
						words[j].renamed))))
				die("field name clash: '%s'", words[i].name);
		}
	}
}

int main(int argc, char **argv)
{
	unsigned long ndatasets = 1000, nconsumers = 5000, seed = 1, i;
	struct dataset *ds;
	struct buf b, path;
	int a;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--datasets"))
			ndatasets = parse_count(argv[a], argv[a + 1], 10000000), a++;
		else if (!strcmp(argv[a], "--consumers"))
			nconsumers = parse_count(argv[a], argv[a + 1], 100000000), a++;
		else if (!strcmp(argv[a], "--seed"))
			seed = parse_count(argv[a], argv[a + 1], ULONG_MAX), a++;
		else if (!strcmp(argv[a], "-h") || !strcmp(argv[a], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (nconsumers && !ndatasets)
		die("consumers need at least one dataset");
	check_words();
	rng_state = (uint64_t)seed;

	buf_init(&b);
	buf_init(&path);
	ds = xcalloc(ndatasets, sizeof(*ds));
	for (i = 0; i < ndatasets; i++)
		make_dataset(&ds[i]);

	printf("feature done\n");
	printf("commit refs/heads/main\n"
	       "author Honk Bench <bench@example.com> " COMMIT_TIME "\n"
	       "committer Honk Bench <bench@example.com> " COMMIT_TIME "\n");
	addf(&b, "bench: synthetic catalog, %lu datasets, %lu consumers, "
		 "seed %lu\n",
	     ndatasets, nconsumers, seed);
	printf("data %lu\n%s\n", (unsigned long)b.len, b.p);
	b.len = 0;

	addf(&b, "honk: 1\n"
		 "main: main\n"
		 "compatibility: backward\n"
		 "rollout:\n"
		 "  waves: [1, 10%%, 50%%, 100%%]\n"
		 "  max_parallel: 4\n"
		 "  max_failures: 0\n"
		 "  retries: 2\n"
		 "  backoff: 30s\n"
		 "  step_timeout: 10m\n"
		 "  on_failure: pause\n"
		 "  apply: [./ops/apply.sh]\n"
		 "  verify: [./ops/verify.sh]\n"
		 "  rollback: [./ops/rollback.sh]\n");
	emit_file("honk.yaml", &b);

	for (i = 0; i < ndatasets; i++) {
		write_dataset(&b, &ds[i], (unsigned)i);
		path.len = 0;
		addf(&path, "datasets/%s/%s_%s_%lu.yaml", domains[ds[i].domain],
		     adjectives[ds[i].adjective], nouns[ds[i].noun], i);
		emit_file(path.p, &b);
	}
	for (i = 0; i < nconsumers; i++) {
		path.len = 0;
		write_consumer(&b, &path, ds, (unsigned)ndatasets, (unsigned)i);
		emit_file(path.p, &b);
	}
	printf("\ndone\n");

	free(ds);
	free(b.p);
	free(path.p);
	if (fflush(stdout) || ferror(stdout))
		die("write error: %s", strerror(errno));
	return 0;
}
