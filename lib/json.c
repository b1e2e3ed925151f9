/*
 * Streaming JSON output.
 *
 * Invariant: whatever sequence of calls, the bytes written are valid JSON
 * text once every begin has its end: strings are escaped and re-encoded as
 * valid UTF-8, separators are placed by the writer, never by callers.
 */
#include "json.h"

#include <string.h>

#include "banned.h"

void honk_json_init(struct honk_json *j, struct honk_buf *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->first[0] = 1;
}

static void sep(struct honk_json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (!j->first[j->depth])
		honk_buf_addch(j->out, ',');
	j->first[j->depth] = 0;
}

static void open_(struct honk_json *j, char c)
{
	sep(j);
	honk_buf_addch(j->out, c);
	if (j->depth + 1 < sizeof(j->first))
		j->depth++;
	j->first[j->depth] = 1;
}

static void close_(struct honk_json *j, char c)
{
	if (j->depth)
		j->depth--;
	honk_buf_addch(j->out, c);
}

void honk_json_obj_begin(struct honk_json *j)
{
	open_(j, '{');
}

void honk_json_obj_end(struct honk_json *j)
{
	close_(j, '}');
}

void honk_json_arr_begin(struct honk_json *j)
{
	open_(j, '[');
}

void honk_json_arr_end(struct honk_json *j)
{
	close_(j, ']');
}

/* Length of a valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (s[0] == 0xe0 && s[1] < 0xa0)
			return 0;
		if (s[0] == 0xed && s[1] > 0x9f)
			return 0;
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (s[0] == 0xf0 && s[1] < 0x90)
			return 0;
		if (s[0] == 0xf4 && s[1] > 0x8f)
			return 0;
		return 4;
	}
	return 0;
}

void honk_json_quote(struct honk_buf *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	honk_buf_addch(out, '"');
	while (*s) {
		size_t n;

		switch (*s) {
		case '"':
			honk_buf_addstr(out, "\\\"");
			s++;
			continue;
		case '\\':
			honk_buf_addstr(out, "\\\\");
			s++;
			continue;
		case '\n':
			honk_buf_addstr(out, "\\n");
			s++;
			continue;
		case '\t':
			honk_buf_addstr(out, "\\t");
			s++;
			continue;
		case '\r':
			honk_buf_addstr(out, "\\r");
			s++;
			continue;
		default:
			break;
		}
		if (*s < 0x20 || *s == 0x7f) {
			honk_buf_addf(out, "\\u%04x", *s);
			s++;
			continue;
		}
		n = utf8_len(s);
		if (!n) {
			honk_buf_addstr(out, "\\ufffd");
			s++;
			continue;
		}
		honk_buf_add(out, s, n);
		s += n;
	}
	honk_buf_addch(out, '"');
}

void honk_json_key(struct honk_json *j, const char *key)
{
	sep(j);
	honk_json_quote(j->out, key);
	honk_buf_addch(j->out, ':');
	j->after_key = 1;
}

void honk_json_str(struct honk_json *j, const char *s)
{
	if (!s) {
		honk_json_null(j);
		return;
	}
	sep(j);
	honk_json_quote(j->out, s);
}

void honk_json_int(struct honk_json *j, int64_t v)
{
	sep(j);
	honk_buf_addf(j->out, "%lld", (long long)v);
}

void honk_json_bool(struct honk_json *j, int v)
{
	sep(j);
	honk_buf_addstr(j->out, v ? "true" : "false");
}

void honk_json_null(struct honk_json *j)
{
	sep(j);
	honk_buf_addstr(j->out, "null");
}

void honk_json_kv_str(struct honk_json *j, const char *key, const char *s)
{
	honk_json_key(j, key);
	honk_json_str(j, s);
}

void honk_json_kv_int(struct honk_json *j, const char *key, int64_t v)
{
	honk_json_key(j, key);
	honk_json_int(j, v);
}
