// SPDX-License-Identifier: GPL-2.0
/* Cluster mode's side of the store (user/store/store_docs.c,
 * store_state.c): names and keys, the documents under a prefix kept from
 * watch events (events a read already covered are skipped), the digest
 * nodes and vtapctl compare, the documents as policy sources with their
 * "etcd:KEY" origin in errors, and the persisted set's round trip and
 * refusals. The store itself, with vtapd and vtapctl, is tests/ns/test_cluster_*.sh. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "store/store_docs.h"
#include "store/store_state.h"

static void names_and_keys(void **state)
{
	char err[256], key[VTAP_STORE_KEY_MAX];

	(void)state;
	assert_int_equal(vtap_store_prefix_check("/vtap", err, sizeof(err)), 0);
	assert_int_equal(vtap_store_prefix_check("/a/b-c", err, sizeof(err)), 0);
	assert_int_equal(vtap_store_prefix_check("vtap", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "does not start with '/'"));
	assert_int_equal(vtap_store_prefix_check("/vtap/", err, sizeof(err)), -1);
	assert_int_equal(vtap_store_prefix_check("/", err, sizeof(err)), -1);
	assert_int_equal(vtap_store_prefix_check("/a//b", err, sizeof(err)), -1);
	assert_int_equal(vtap_store_prefix_check("/a b", err, sizeof(err)), -1);
	assert_int_equal(vtap_store_name_check("--node", "n1.example-2_x", err, sizeof(err)), 0);
	assert_int_equal(vtap_store_name_check("--node", "a/b", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--node 'a/b'"));
	assert_int_equal(vtap_store_name_check("--node", "..", err, sizeof(err)), -1);
	assert_int_equal(vtap_store_name_check("--node", "", err, sizeof(err)), -1);
	assert_true(vtap_store_key_policies(key, "/vtap"));
	assert_string_equal(key, "/vtap/policies/");
	assert_true(vtap_store_key_node_policies(key, "/vtap", "n1"));
	assert_string_equal(key, "/vtap/nodes/n1/policies/");
	assert_true(vtap_store_key_status(key, "/vtap", "n1"));
	assert_string_equal(key, "/vtap/status/n1");
	assert_true(vtap_store_key_status(key, "/vtap", ""));
	assert_string_equal(key, "/vtap/status/");
}

static struct etcd_event ev(enum etcd_event_type t, const char *key, const char *value, int64_t rev)
{
	return (struct etcd_event){.type = t,
				   .kv = {.key = (char *)key,
					  .key_len = strlen(key),
					  .value = (unsigned char *)value,
					  .value_len = value ? strlen(value) : 0,
					  .mod_revision = rev}};
}

static void events(void **state)
{
	struct vtap_store_docs d = {0};
	struct etcd_kv kvs[] = {
	    {.key = "/v/policies/a.yaml",
	     .value = (unsigned char *)"A1",
	     .value_len = 2,
	     .mod_revision = 3},
	    {.key = "/v/policies/c.yaml",
	     .value = (unsigned char *)"C1",
	     .value_len = 2,
	     .mod_revision = 5},
	};
	struct etcd_event e1[] = {ev(ETCD_EVENT_PUT, "/v/policies/b.yaml", "B1", 7),
				  ev(ETCD_EVENT_DELETE, "/v/policies/a.yaml", NULL, 7)};
	/* a repeat of what a read at 9 holds already, then news */
	struct etcd_event e2[] = {ev(ETCD_EVENT_PUT, "/v/policies/c.yaml", "C-old", 9),
				  ev(ETCD_EVENT_PUT, "/v/policies/c.yaml", "C2", 10)};

	(void)state;
	assert_int_equal(vtap_store_docs_load(&d, kvs, 2, 6), 0);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.rev, 6);
	assert_int_equal(vtap_store_docs_events(&d, e1, 2), 2);
	assert_int_equal(d.rev, 7);
	assert_int_equal(d.n, 2);
	/* sorted by key */
	assert_string_equal(d.v[0].key, "/v/policies/b.yaml");
	assert_string_equal(d.v[1].key, "/v/policies/c.yaml");
	assert_null(vtap_store_docs_find(&d, "/v/policies/a.yaml"));
	d.rev = 9; /* as if a read at revision 9 had come */
	assert_int_equal(vtap_store_docs_events(&d, e2, 2), 1);
	assert_string_equal(vtap_store_docs_find(&d, "/v/policies/c.yaml")->value, "C2");
	assert_int_equal(vtap_store_docs_find(&d, "/v/policies/c.yaml")->mod_revision, 10);
	assert_int_equal(d.rev, 10);
	/* a delete of a key that is not there moves the revision only */
	struct etcd_event e3[] = {ev(ETCD_EVENT_DELETE, "/v/policies/zz.yaml", NULL, 11)};
	assert_int_equal(vtap_store_docs_events(&d, e3, 1), 0);
	assert_int_equal(d.rev, 11);
	vtap_store_docs_free(&d);
}

static void digest(void **state)
{
	struct vtap_store_docs g = {0}, n = {0}, g2 = {0};
	uint64_t h0, h1;

	(void)state;
	h0 = vtap_store_digest(&g, &n);
	assert_int_equal(vtap_store_docs_put(&g, "/v/policies/a.yaml", "x", 1, 4), 0);
	h1 = vtap_store_digest(&g, &n);
	assert_true(h0 != h1);
	/* the same keys and revisions, whatever the values: the same digest
	 * (a mod_revision names one value) */
	assert_int_equal(vtap_store_docs_put(&g2, "/v/policies/a.yaml", "other", 5, 4), 0);
	assert_true(vtap_store_digest(&g2, &n) == h1);
	/* the same value rewritten: a new revision, a new digest */
	assert_int_equal(vtap_store_docs_put(&g2, "/v/policies/a.yaml", "x", 1, 8), 0);
	assert_true(vtap_store_digest(&g2, &n) != h1);
	/* the copy digests alike */
	assert_int_equal(vtap_store_docs_copy(&n, &g2), 0);
	assert_true(vtap_store_digest(&n, NULL) == vtap_store_digest(&g2, NULL));
	vtap_store_docs_free(&g);
	vtap_store_docs_free(&g2);
	vtap_store_docs_free(&n);
}

static void as_policy_documents(void **state)
{
	struct vtap_store_docs d = {0};
	struct vtap_policy_docs docs = {0};
	struct vtap_policy_set set = {0};
	struct vtap_errors errs = {0};
	const char *bad = "policies:\n  - name: p\n    direction: sideways\n";

	(void)state;
	assert_int_equal(vtap_store_docs_put(&d, "/vtap/policies/bad.yaml", bad, strlen(bad), 3),
			 0);
	assert_int_equal(vtap_store_docs_to_policy(&d, &docs, &errs), 0);
	assert_int_equal(docs.n, 1);
	assert_string_equal(docs.v[0].origin, "etcd:/vtap/policies/bad.yaml");
	assert_int_equal(vtap_policy_load_docs(&docs, &set, &errs), -1);
	assert_true(errs.n >= 1);
	int found = 0;
	for (size_t i = 0; i < errs.n; i++)
		found |= !strncmp(errs.msgs[i], "etcd:/vtap/policies/bad.yaml:3:16: ", 35);
	assert_true(found);
	vtap_errors_free(&errs);
	vtap_policy_docs_free(&docs);
	vtap_store_docs_free(&d);
}

static void state_file(void **state)
{
	char dir[] = "/tmp/vtap-state-XXXXXX", path[512], err[512], bad[600];
	struct vtap_store_docs g = {.rev = 42}, n = {.rev = 42}, g2 = {0}, n2 = {0};
	const char *yaml = "policies: []\n# \"quoted\" and \\ back\n";
	struct stat st;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* a directory that is not there yet: made (0700) */
	snprintf(bad, sizeof(bad), "%s/sub/dir", dir);
	assert_true(vtap_store_state_path(path, sizeof(path), bad, "n1"));
	assert_int_equal(vtap_store_docs_put(&g, "/vtap/policies/a.yaml", yaml, strlen(yaml), 40),
			 0);
	assert_int_equal(vtap_store_docs_put(&n, "/vtap/nodes/n1/policies/r.yaml", "x: 1\n", 5, 41),
			 0);
	assert_int_equal(vtap_store_state_save(path, "/vtap", "n1", &g, &n, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(vtap_store_state_load(path, "/vtap", "n1", &g2, &n2, err, sizeof(err)), 0);
	assert_int_equal(g2.rev, 42);
	assert_int_equal(n2.rev, 42);
	assert_int_equal(g2.n, 1);
	assert_string_equal(g2.v[0].value, yaml);
	assert_int_equal(g2.v[0].mod_revision, 40);
	assert_true(vtap_store_digest(&g2, &n2) == vtap_store_digest(&g, &n));
	/* another node's, or another prefix's, file is refused */
	assert_int_equal(vtap_store_state_load(path, "/vtap", "n2", &g2, &n2, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "node n1"));
	assert_int_equal(vtap_store_state_load(path, "/other", "n1", &g2, &n2, err, sizeof(err)),
			 -1);
	/* a file cut short, or not ours: refused naming the file */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"vtap_cluster_state\":1,\"prefix\":", f);
	fclose(f);
	assert_int_equal(vtap_store_state_load(path, "/vtap", "n1", &g2, &n2, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, path));
	/* no temporary file is left behind */
	snprintf(bad, sizeof(bad), "ls %s/sub/dir | grep -q tmp", dir);
	assert_int_not_equal(system(bad), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(vtap_store_state_load(path, "/vtap", "n1", &g2, &n2, err, sizeof(err)),
			 -1);
	snprintf(bad, sizeof(bad), "rm -rf %s", dir);
	assert_int_equal(system(bad), 0);
	vtap_store_docs_free(&g);
	vtap_store_docs_free(&n);
	vtap_store_docs_free(&g2);
	vtap_store_docs_free(&n2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(names_and_keys), cmocka_unit_test(events),
	    cmocka_unit_test(digest),	      cmocka_unit_test(as_policy_documents),
	    cmocka_unit_test(state_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
