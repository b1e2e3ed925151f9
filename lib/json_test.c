/*
 * Unit tests for the streaming JSON writer behind --json: separators,
 * nesting, and escaping that keeps the output valid whatever the input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "buf.h"
#include "json.h"
#include "banned.h"

static void quoted(const char *in, const char *want)
{
	struct honk_buf b = HONK_BUF_INIT;

	honk_json_quote(&b, in);
	assert_string_equal(b.buf, want);
	honk_buf_release(&b);
}

static void test_commas_and_nesting(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;
	struct honk_json j;

	(void)state;
	honk_json_init(&j, &b);
	honk_json_obj_begin(&j);
	honk_json_key(&j, "migration");
	honk_json_str(&j, "plays.user_plays.v3-v4");
	honk_json_key(&j, "from");
	honk_json_int(&j, 3);
	honk_json_key(&j, "breaking");
	honk_json_bool(&j, 1);
	honk_json_key(&j, "ok");
	honk_json_bool(&j, 0);
	honk_json_key(&j, "note");
	honk_json_str(&j, NULL);
	honk_json_key(&j, "none");
	honk_json_null(&j);
	honk_json_key(&j, "consumers");
	honk_json_arr_begin(&j);
	honk_json_obj_begin(&j);
	honk_json_key(&j, "consumer");
	honk_json_str(&j, "a");
	honk_json_key(&j, "fields");
	honk_json_arr_begin(&j);
	honk_json_arr_end(&j);
	honk_json_obj_end(&j);
	honk_json_obj_begin(&j);
	honk_json_obj_end(&j);
	honk_json_arr_begin(&j);
	honk_json_int(&j, INT64_MIN);
	honk_json_int(&j, INT64_MAX);
	honk_json_arr_end(&j);
	honk_json_arr_end(&j);
	honk_json_key(&j, "last");
	honk_json_int(&j, -1);
	honk_json_obj_end(&j);
	assert_string_equal(
		b.buf, "{\"migration\":\"plays.user_plays.v3-v4\",\"from\":3,"
		       "\"breaking\":true,\"ok\":false,\"note\":null,"
		       "\"none\":null,\"consumers\":[{\"consumer\":\"a\","
		       "\"fields\":[]},{},[-9223372036854775808,"
		       "9223372036854775807]],\"last\":-1}");
	honk_buf_release(&b);
}

static void test_top_level_sequence(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;
	struct honk_json j;

	(void)state;
	honk_json_init(&j, &b);
	honk_json_arr_begin(&j);
	honk_json_str(&j, "x");
	honk_json_arr_end(&j);
	assert_string_equal(b.buf, "[\"x\"]");
	honk_buf_release(&b);

	honk_json_init(&j, &b);
	honk_json_arr_begin(&j);
	honk_json_arr_begin(&j);
	honk_json_arr_begin(&j);
	honk_json_arr_end(&j);
	honk_json_arr_end(&j);
	honk_json_arr_begin(&j);
	honk_json_arr_end(&j);
	honk_json_str(&j, "");
	honk_json_arr_end(&j);
	assert_string_equal(b.buf, "[[[]],[],\"\"]");
	honk_buf_release(&b);
}

static void test_deep_nesting(void **state)
{
	struct honk_buf b = HONK_BUF_INIT, want = HONK_BUF_INIT;
	struct honk_json j;
	int i;

	(void)state;
	honk_json_init(&j, &b);
	for (i = 0; i < 60; i++) {
		honk_json_arr_begin(&j);
		honk_json_int(&j, i);
	}
	for (i = 0; i < 60; i++)
		honk_json_arr_end(&j);
	for (i = 0; i < 60; i++)
		honk_buf_addf(&want, "%s[%d", i ? "," : "", i);
	for (i = 0; i < 60; i++)
		honk_buf_addch(&want, ']');
	assert_string_equal(b.buf, want.buf);
	honk_buf_release(&b);
	honk_buf_release(&want);
}

static void test_escaping(void **state)
{
	(void)state;
	quoted("", "\"\"");
	quoted("plain", "\"plain\"");
	quoted("say \"hi\"", "\"say \\\"hi\\\"\"");
	quoted("C:\\path\\", "\"C:\\\\path\\\\\"");
	quoted("a\nb\tc\rd", "\"a\\nb\\tc\\rd\"");
	quoted("\x01\x08\x0c\x1f\x7f",
	       "\"\\u0001\\u0008\\u000c\\u001f\\u007f\"");
	quoted("/ and ' stay", "\"/ and ' stay\"");
	quoted("</script>", "\"</script>\"");
}

static void test_utf8(void **state)
{
	(void)state;
	/* valid multibyte sequences pass through unchanged */
	quoted("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	quoted("\xe2\x82\xac", "\"\xe2\x82\xac\"");
	quoted("\xf0\x9f\x8e\xb5", "\"\xf0\x9f\x8e\xb5\"");
	quoted("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");	    /* U+D7FF */
	quoted("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\""); /* U+10FFFF */

	/* invalid bytes become U+FFFD, one per byte, and the rest survives */
	quoted("\xff", "\"\\ufffd\"");
	quoted("a\x80z", "\"a\\ufffdz\"");
	quoted("caf\xc3", "\"caf\\ufffd\"");	  /* truncated */
	quoted("\xc3(", "\"\\ufffd(\"");	  /* bad continuation */
	quoted("\xc0\xaf", "\"\\ufffd\\ufffd\""); /* overlong '/' */
	quoted("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\""); /* overlong */
	quoted("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""); /* surrogate */
	/* beyond U+10FFFF */
	quoted("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	quoted("\xf5\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	quoted("\xe2\x82", "\"\\ufffd\\ufffd\""); /* truncated at end */
	quoted("\xf0\x9f\x8e", "\"\\ufffd\\ufffd\\ufffd\"");
}

static void test_keys_escaped(void **state)
{
	struct honk_buf b = HONK_BUF_INIT;
	struct honk_json j;

	(void)state;
	honk_json_init(&j, &b);
	honk_json_obj_begin(&j);
	honk_json_key(&j, "a\"b");
	honk_json_str(&j, "\xff");
	honk_json_key(&j, "\n");
	honk_json_int(&j, 0);
	honk_json_obj_end(&j);
	assert_string_equal(b.buf, "{\"a\\\"b\":\"\\ufffd\",\"\\n\":0}");
	honk_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commas_and_nesting),
		cmocka_unit_test(test_top_level_sequence),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_keys_escaped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
