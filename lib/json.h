#ifndef HONK_JSON_H
#define HONK_JSON_H

#include <stdint.h>

#include "buf.h"

/*
 * A streaming JSON writer for --json output, a stable contract. It
 * places commas itself, escapes every string (control characters,
 * quotes, invalid UTF-8 as U+FFFD) and keeps keys in the order written.
 */
struct honk_json {
	struct honk_buf *out;
	unsigned depth;
	unsigned char first[64]; /* per level: nothing written yet */
	int after_key;
};

void honk_json_init(struct honk_json *j, struct honk_buf *out);
void honk_json_obj_begin(struct honk_json *j);
void honk_json_obj_end(struct honk_json *j);
void honk_json_arr_begin(struct honk_json *j);
void honk_json_arr_end(struct honk_json *j);
void honk_json_key(struct honk_json *j, const char *key);
void honk_json_str(struct honk_json *j, const char *s); /* NULL -> null */
void honk_json_int(struct honk_json *j, int64_t v);
void honk_json_bool(struct honk_json *j, int v);
void honk_json_null(struct honk_json *j);

/* A key and its value in one call. */
void honk_json_kv_str(struct honk_json *j, const char *key, const char *s);
void honk_json_kv_int(struct honk_json *j, const char *key, int64_t v);

/* Append s as a JSON string literal, quotes included. */
void honk_json_quote(struct honk_buf *out, const char *s);

#endif
