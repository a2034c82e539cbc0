// SPDX-License-Identifier: GPL-2.0
/* What the policy unit tests share (policy_helpers.h). */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/policy.h"
#include "policy_helpers.h"

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

char *make_tmpdir(void)
{
	char *d = strdup("/tmp/vtap-test-policy.XXXXXX");

	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	return d;
}

void remove_tmpdir(char *d)
{
	nftw(d, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(d);
}

char *write_file(const char *dir, const char *name, const char *text, size_t len)
{
	char *path;
	FILE *f;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	f = fopen(path, "w");
	assert_non_null(f);
	if (len)
		assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

void print_errors(const struct vtap_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		print_message("    %s\n", e->msgs[i]);
}

bool has_error(const struct vtap_errors *e, const char *sub)
{
	for (size_t i = 0; i < e->n; i++)
		if (strstr(e->msgs[i], sub))
			return true;
	return false;
}
