// SPDX-License-Identifier: GPL-2.0
/* What policy errors quote (issue 19, item 9, and item 8's "never echo a
 * file that is not YAML"): a value is quoted as a bounded, escaped prefix
 * and the reason always follows it; invalid UTF-8 is blamed on the byte at
 * fault, at its line and column; a file that is not a policy document is
 * not quoted key by key. Loaded through vtap_policy_load_files, the path
 * `vtapctl validate` takes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "core/policy.h"
#include "policy_helpers.h"

/* The longest message a bounded quote allows here: the origin, a position,
 * the reason and 64 quoted characters of at most 6 bytes. */
#define MSG_MAX 700

struct loaded {
	char *path; /* of the file, removed already: only errors name it */
	struct vtap_errors e;
	int rc;
};

/* Load text (len bytes) as DIR/x.yaml. */
static void load(struct loaded *l, const char *text, size_t len)
{
	struct vtap_policy_set set;
	const char *paths[1];

	char *dir = make_tmpdir();

	memset(l, 0, sizeof(*l));
	l->path = write_file(dir, "x.yaml", text, len);
	paths[0] = l->path;
	l->rc = vtap_policy_load_files(paths, 1, &set, &l->e);
	vtap_policy_set_free(&set);
	remove_tmpdir(dir); /* before any check can fail */
	for (size_t i = 0; i < l->e.n; i++)
		print_message("    %.300s%s\n", l->e.msgs[i],
			      strlen(l->e.msgs[i]) > 300 ? "..." : "");
}

static void unload(struct loaded *l)
{
	vtap_errors_free(&l->e);
	free(l->path);
}

/* The one error, which must start with PATH + rest_prefix. */
static const char *only_error(const struct loaded *l, const char *rest_prefix)
{
	size_t n = strlen(l->path);

	assert_int_equal(l->rc, -1);
	assert_int_equal(l->e.n, 1);
	assert_memory_equal(l->e.msgs[0], l->path, n);
	if (strncmp(l->e.msgs[0] + n, rest_prefix, strlen(rest_prefix))) {
		print_message("  expected %s%s...\n", l->path, rest_prefix);
		fail();
	}
	return l->e.msgs[0];
}

static char *repeat(const char *head, char c, size_t n, const char *tail)
{
	size_t h = strlen(head), t = strlen(tail);
	char *s = malloc(h + n + t + 1);

	assert_non_null(s);
	memcpy(s, head, h);
	memset(s + h, c, n);
	memcpy(s + h + n, tail, t + 1);
	return s;
}

static void test_long_name_bounded(void **state)
{
	char *yaml = repeat("policies:\n  - name: ", 'a', 100000,
			    "\n    source: {ports: [vm1]}\n    action: skip\n");
	struct loaded l;
	const char *m;

	(void)state;
	load(&l, yaml, strlen(yaml));
	m = only_error(&l, ":2:11: invalid policy name 'aaaa");
	assert_true(strlen(m) < MSG_MAX);
	/* 64 characters, then the mark of the cut, then the reason */
	assert_non_null(strstr(m, "'"
				  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				  "\xe2\x80\xa6'"));
	assert_non_null(
	    strstr(m, "(100000 characters; 1 to 63 characters from A-Z a-z 0-9 _ . -)"));
	unload(&l);
	free(yaml);
}

static void test_long_glob_keeps_reason(void **state)
{
	/* 301 characters: x* 150 times, then y */
	char glob[302];
	char yaml[600];
	struct loaded l;
	const char *m;

	(void)state;
	for (int i = 0; i < 150; i++)
		memcpy(glob + 2 * i, "x*", 2);
	glob[300] = 'y';
	glob[301] = 0;
	snprintf(yaml, sizeof(yaml),
		 "policies:\n  - name: p\n    source: {ports: [\"%s\"]}\n    action: skip\n", glob);
	load(&l, yaml, strlen(yaml));
	m = only_error(&l, ":3:22: source.ports: pattern 'x*x*");
	assert_true(strlen(m) < MSG_MAX);
	assert_non_null(strstr(m, "\xe2\x80\xa6' is longer than 255 characters (301)"));
	unload(&l);
}

static void test_long_unknown_key_bounded(void **state)
{
	/* YAML keys are at most 1024 characters */
	char *yaml = repeat("policies:\n  - name: p\n    ", 'k', 1000,
			    ": 1\n    source: {ports: [vm1]}\n    action: skip\n");
	struct loaded l;
	const char *m;

	(void)state;
	load(&l, yaml, strlen(yaml));
	m = only_error(&l, ":3:5: unknown key 'kkkk");
	assert_true(strlen(m) < MSG_MAX);
	assert_non_null(strstr(m, "\xe2\x80\xa6' in policy (expected one of: name, priority"));
	unload(&l);
	free(yaml);
}

struct utf8_case {
	const char *text;
	size_t len;
	const char *want; /* after the path */
};

#define UC(t, w)                                                                                   \
	{                                                                                          \
		t, sizeof(t) - 1, w                                                                \
	}

static void test_invalid_utf8_blames_the_byte(void **state)
{
	static const struct utf8_case cases[] = {
	    /* a byte that never appears in UTF-8, after ASCII */
	    UC("policies:\n  - name: ab\xff"
	       "cd\n",
	       ":2:13: invalid UTF-8: byte 0xff never appears in UTF-8"),
	    /* a 2-byte character cut by the line break: the lead byte is
	     * at fault (column 12, after é counted as one) */
	    UC("policies:\n  - name: \xc3\xa9\xc3\n",
	       ":2:12: invalid UTF-8: byte 0xc3 starts a 2-byte character, but byte 0x0a "
	       "follows"),
	    /* cut by an ASCII letter, on a line after a line of é */
	    UC("# \xc3\xa9\xc3\xa9\xc3\xa9\npolicies:\n  - name: x\xe2\x82y\n",
	       ":3:12: invalid UTF-8: byte 0xe2 starts a 3-byte character, but byte 0x79 "
	       "follows"),
	    /* a UTF-16 surrogate: all its bytes, not its code point's low byte */
	    UC("policies:\n  - name: \"\xed\xa0\x80\"\n",
	       ":2:12: invalid UTF-8: bytes 0xed 0xa0 0x80 encode U+D800, a UTF-16 surrogate"),
	    UC("policies:\n  - name: \xf4\x90\x80\x80\n",
	       ":2:11: invalid UTF-8: bytes 0xf4 0x90 0x80 0x80 encode U+110000, above "
	       "U+10FFFF"),
	    UC("policies:\n  - name: \xe0\x80\x80\n",
	       ":2:11: invalid UTF-8: bytes 0xe0 0x80 0x80 encode U+0000, in more bytes than "
	       "it needs (overlong)"),
	    UC("policies:\n  - name: x\x80\n",
	       ":2:12: invalid UTF-8: byte 0x80 continues a character that has no first byte"),
	    /* \r\n is one line break, as libyaml counts them */
	    UC("policies:\r\n  - name: \xc3(\r\n",
	       ":2:11: invalid UTF-8: byte 0xc3 starts a 2-byte character, but byte 0x28 "
	       "follows"),
	    UC("policies: [\xc3",
	       ":1:12: invalid UTF-8: byte 0xc3 starts a 2-byte character, but the text ends"),
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct loaded l;
		const char *m;

		load(&l, cases[i].text, cases[i].len);
		m = only_error(&l, cases[i].want);
		assert_string_equal(m + strlen(l.path), cases[i].want);
		unload(&l);
	}
}

/* Values are quoted escaped: control characters, and the Unicode controls
 * that reorder text, cannot forge or hide a part of a log line. */
static void test_quoted_values_escaped(void **state)
{
	static const char yaml[] = "policies:\n  - name: p\n    \"evil\\u202e\\x01\\nkey\": 1\n"
				   "    source: {ports: [vm1]}\n    action: skip\n";
	struct loaded l;
	const char *m;

	(void)state;
	load(&l, yaml, sizeof(yaml) - 1);
	m = only_error(&l, ":3:5: unknown key 'evil\\u202e\\x01\\nkey' in policy");
	assert_null(strstr(m, "\xe2\x80\xae"));
	assert_null(strchr(m, '\n'));
	unload(&l);
}

/* A file of "name: value" lines that is not a policy document (what a link
 * to /etc/shadow would be): one error, and none of its keys in it. */
static void test_foreign_file_not_echoed(void **state)
{
	static const char yaml[] = "root: $y$j9T$SECRETHASH1\n"
				   "daemon: '*'\n"
				   "topsecret-4242: x\n";
	struct loaded l;
	const char *m;

	(void)state;
	load(&l, yaml, sizeof(yaml) - 1);
	m = only_error(&l, ":1:1: not a policy document: none of its 3 top-level keys is "
			   "'monitors', 'policies' or 'receive'");
	assert_null(strstr(m, "root"));
	assert_null(strstr(m, "SECRET"));
	assert_null(strstr(m, "topsecret"));
	unload(&l);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_long_name_bounded),
	    cmocka_unit_test(test_long_glob_keeps_reason),
	    cmocka_unit_test(test_long_unknown_key_bounded),
	    cmocka_unit_test(test_invalid_utf8_blames_the_byte),
	    cmocka_unit_test(test_quoted_values_escaped),
	    cmocka_unit_test(test_foreign_file_not_echoed),
	};

	umask(022); /* policy files writable by others are refused */
	return cmocka_run_group_tests_name("policy_messages", tests, NULL, NULL);
}
