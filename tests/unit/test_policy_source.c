// SPDX-License-Identifier: GPL-2.0
/* The policy sources of user/core: documents from memory with an origin
 * label (what a policy store such as etcd hands over), the directory source
 * and what it refuses (issue 19, item 8), and its watch (items 6 and 7):
 * complete files only, a directory removed or replaced. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/log.h"
#include "core/policy.h"
#include "core/policy_watch.h"
#include "policy_helpers.h"

#define MON    "monitors:\n  - {name: mon, port: mon0}\n"
#define WEB    "policies:\n  - name: web\n    source: {ports: [vm1]}\n    monitor: mon\n"
#define SECRET "topsecret-4242: the line that must never be echoed\n"

/* has_error, saying what was looked for and what there was when not */
static bool error_with(const struct vtap_errors *e, const char *sub)
{
	if (has_error(e, sub))
		return true;
	print_message("  no error contains: %s\n", sub);
	print_errors(e);
	return false;
}

static char *path_in(const char *dir, const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

/* ---- documents from memory ---- */

static void test_docs_from_memory(void **state)
{
	struct vtap_policy_docs docs = {0};
	struct vtap_errors e = {0};
	struct vtap_policy_set set;

	(void)state;
	assert_int_equal(
	    vtap_policy_docs_add(&docs, "etcd:/vtap/policies/mon.yaml", MON, strlen(MON), &e), 0);
	assert_int_equal(
	    vtap_policy_docs_add(&docs, "etcd:/vtap/policies/web.yaml", WEB, strlen(WEB), &e), 0);
	assert_int_equal(vtap_policy_load_docs(&docs, &set, &e), 0);
	assert_int_equal(e.n, 0);
	assert_int_equal(set.n_policies, 1);
	assert_int_equal(set.policies[0].monitor_idx, 0);
	assert_string_equal(set.policies[0].loc.file, "etcd:/vtap/policies/web.yaml");
	assert_int_equal(set.policies[0].loc.line, 2);
	vtap_policy_set_free(&set);
	vtap_policy_docs_free(&docs);
}

/* Errors of a document from memory carry its label, ORIGIN:LINE:COLUMN. */
static void test_docs_errors_name_the_origin(void **state)
{
	static const char bad[] = "policies:\n  - name: web\n    source: {ports: [vm1]}\n"
				  "    monitor: mon\n    colour: red\n";
	struct vtap_policy_docs docs = {0};
	struct vtap_errors e = {0};
	struct vtap_policy_set set;

	(void)state;
	vtap_policy_docs_add(&docs, "etcd:/vtap/policies/mon.yaml", MON, strlen(MON), &e);
	vtap_policy_docs_add(&docs, "etcd:/vtap/policies/web.yaml", bad, strlen(bad), &e);
	assert_int_equal(vtap_policy_load_docs(&docs, &set, &e), -1);
	assert_true(error_with(&e, "etcd:/vtap/policies/web.yaml:5:5: unknown key 'colour' in "
				   "policy"));
	assert_int_equal(set.n_policies, 0);
	assert_null(set.files);
	vtap_errors_free(&e);
	vtap_policy_docs_free(&docs);
}

/* A name defined twice, in a file and in a store document: the error is
 * at the second and names the first, both as ORIGIN:LINE:COLUMN. */
static void test_duplicate_across_sources_names_both(void **state)
{
	char *dir = make_tmpdir();
	char *file = write_file(dir, "web.yaml", MON WEB, strlen(MON WEB));
	struct vtap_policy_docs docs = {0};
	struct vtap_errors e = {0};
	struct vtap_policy_set set;
	char *want;

	(void)state;
	assert_int_equal(vtap_policy_docs_add_file(&docs, file, &e), 0);
	vtap_policy_docs_add(&docs, "etcd:/vtap/policies/web.yaml", WEB, strlen(WEB), &e);
	assert_int_equal(vtap_policy_load_docs(&docs, &set, &e), -1);
	assert_int_equal(e.n, 1);
	assert_true(asprintf(&want,
			     "etcd:/vtap/policies/web.yaml:2:5: duplicate policy name 'web' (first "
			     "defined at %s:4:5)",
			     file) > 0);
	assert_string_equal(e.msgs[0], want);
	free(want);
	vtap_errors_free(&e);
	vtap_policy_docs_free(&docs);
	free(file);
	remove_tmpdir(dir);
}

/* A document that could not be read fails the load, and references to
 * monitors it might define are not reported as unknown. */
static void test_unreadable_document(void **state)
{
	struct vtap_policy_docs docs = {0};
	struct vtap_errors e = {0};
	struct vtap_policy_set set;

	(void)state;
	vtap_policy_docs_add_unreadable(&docs, "etcd:/vtap/policies/mon.yaml", &e);
	vtap_policy_docs_add(&docs, "etcd:/vtap/policies/web.yaml", WEB, strlen(WEB), &e);
	assert_int_equal(vtap_policy_load_docs(&docs, &set, &e), -1);
	assert_int_equal(e.n, 0);
	vtap_policy_docs_free(&docs);
}

/* ---- what the directory source refuses ---- */

/* Load dir and expect one refusal naming path with why; nothing of
 * SECRET in any error. */
static void expect_refused(const char *dir, const char *name, const char *why)
{
	struct vtap_errors e = {0};
	struct vtap_policy_set set;
	char *want, *path = path_in(dir, name);

	assert_int_equal(vtap_policy_load_dir(dir, &set, &e), -1);
	assert_true(asprintf(&want, "%s: %s", path, why) > 0);
	assert_true(error_with(&e, want));
	assert_int_equal(e.n, 1);
	assert_false(has_error(&e, "topsecret"));
	assert_false(has_error(&e, "never be echoed"));
	free(want);
	free(path);
	vtap_errors_free(&e);
}

static void test_symlink_out_refused(void **state)
{
	char *dir = make_tmpdir(), *out = make_tmpdir();
	char *secret = write_file(out, "shadow", SECRET, strlen(SECRET));
	char *link = path_in(dir, "leak.yaml"), *want;

	(void)state;
	free(write_file(dir, "10-mon.yaml", MON, strlen(MON)));
	assert_int_equal(symlink(secret, link), 0);
	assert_true(asprintf(&want,
			     "refusing a symbolic link (to '%s'): policy files must be regular "
			     "files in the policy directory",
			     secret) > 0);
	expect_refused(dir, "leak.yaml", want);
	free(want);
	free(link);
	free(secret);
	remove_tmpdir(out);
	remove_tmpdir(dir);
}

static void test_symlink_in_refused(void **state)
{
	char *dir = make_tmpdir();
	char *link = path_in(dir, "alias.yaml");

	(void)state;
	free(write_file(dir, "web.yaml.off", SECRET, strlen(SECRET)));
	assert_int_equal(symlink("web.yaml.off", link), 0);
	expect_refused(dir, "alias.yaml", "refusing a symbolic link (to 'web.yaml.off')");
	free(link);
	remove_tmpdir(dir);
}

static void on_alarm(int sig)
{
	(void)sig;
	fail_msg("the load hung");
}

/* A FIFO is refused by its type; opening it for reading would block until
 * a writer comes (the load would hang). */
static void test_fifo_refused(void **state)
{
	char *dir = make_tmpdir();
	char *fifo = path_in(dir, "pipe.yaml");

	(void)state;
	assert_int_equal(mkfifo(fifo, 0644), 0);
	signal(SIGALRM, on_alarm);
	alarm(5);
	expect_refused(dir, "pipe.yaml", "refusing a FIFO: policy files must be regular files");
	alarm(0);
	free(fifo);
	remove_tmpdir(dir);
}

static void test_device_refused(void **state)
{
	char *dir = make_tmpdir();
	char *dev = path_in(dir, "null.yaml");

	(void)state;
	if (mknod(dev, S_IFCHR | 0644, makedev(1, 3)) < 0)
		fail_msg("mknod: %s (the unit tests run as root)", strerror(errno));
	expect_refused(dir, "null.yaml",
		       "refusing a character device: policy files must be regular files");
	free(dev);
	remove_tmpdir(dir);
}

static void test_other_owner_refused(void **state)
{
	char *dir = make_tmpdir();
	char *p = write_file(dir, "web.yaml", MON WEB, strlen(MON WEB));

	(void)state;
	assert_int_equal(chown(p, 65534, 65534), 0);
	expect_refused(dir, "web.yaml", "refusing a policy file owned by uid 65534");
	free(p);
	remove_tmpdir(dir);
}

/* A file open for writing is being written: refused until it is closed,
 * and vtap_policy_dir_writer names it. */
static void test_open_for_writing_refused(void **state)
{
	char *dir = make_tmpdir();
	char *p = path_in(dir, "web.yaml");
	struct vtap_errors e = {0};
	struct vtap_policy_set set;
	char name[256];
	int fd;

	(void)state;
	free(write_file(dir, "10-mon.yaml", MON, strlen(MON)));
	assert_false(vtap_policy_dir_writer(dir, name, sizeof(name)));
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, WEB, 20), 20); /* the first 20 bytes */
	assert_true(vtap_policy_dir_writer(dir, name, sizeof(name)));
	assert_string_equal(name, "web.yaml");
	expect_refused(dir, "web.yaml",
		       "open for writing by another process: read once it is closed");
	assert_int_equal(write(fd, WEB + 20, strlen(WEB) - 20), (ssize_t)(strlen(WEB) - 20));
	close(fd);
	assert_false(vtap_policy_dir_writer(dir, name, sizeof(name)));
	assert_int_equal(vtap_policy_load_dir(dir, &set, &e), 0);
	assert_int_equal(set.n_policies, 1);
	vtap_policy_set_free(&set);
	free(p);
	remove_tmpdir(dir);
}

/* ---- the watch ---- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether the watch asks for a reload within ms. */
static bool reload_within(struct vtap_dir_watch *w, int ms)
{
	long long end = now_ms() + ms;

	for (;;) {
		struct pollfd p = {.fd = vtap_dir_watch_fd(w), .events = POLLIN};
		long long left = end - now_ms();

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return false;
		if (vtap_dir_watch_event(w))
			return true;
	}
}

/* Write name in dir the safe way: a temporary name, then a rename. */
static void put(const char *dir, const char *name, const char *text)
{
	char *tmp = write_file(dir, ".put.tmp", text, strlen(text));
	char *dst = path_in(dir, name);

	assert_int_equal(rename(tmp, dst), 0);
	free(tmp);
	free(dst);
}

static void test_watch_complete_files(void **state)
{
	char *dir = make_tmpdir();
	struct vtap_dir_watch *w = vtap_dir_watch_open(dir);
	char *p = path_in(dir, "web.yaml");
	int fd;

	(void)state;
	assert_non_null(w);
	assert_false(reload_within(w, 200));
	put(dir, "10-mon.yaml", MON);
	assert_true(reload_within(w, 2000));
	assert_false(reload_within(w, 200));

	/* creating and writing is not a change; a change elsewhere waits
	 * while the file is open for writing; its close is the change */
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, WEB, 20), 20);
	assert_false(reload_within(w, 300));
	put(dir, "20-other.yaml", "policies: []\n");
	assert_false(reload_within(w, 1500));
	assert_int_equal(write(fd, WEB + 20, strlen(WEB) - 20), (ssize_t)(strlen(WEB) - 20));
	close(fd);
	assert_true(reload_within(w, 2000));

	/* a temporary file is not read: only its rename is a change */
	free(write_file(dir, "web.yaml.tmp", WEB, strlen(WEB)));
	free(write_file(dir, ".web.yaml", WEB, strlen(WEB)));
	assert_false(reload_within(w, 300));
	/* removal, mode */
	assert_int_equal(unlink(p), 0);
	assert_true(reload_within(w, 2000));
	assert_int_equal(chmod(dir, 0777), 0);
	assert_true(reload_within(w, 2000));
	vtap_dir_watch_close(w);
	free(p);
	remove_tmpdir(dir);
}

static void test_watch_dir_removed_and_made_again(void **state)
{
	char *dir = make_tmpdir();
	struct vtap_dir_watch *w = vtap_dir_watch_open(dir);
	char *cmd;

	(void)state;
	put(dir, "10-mon.yaml", MON);
	assert_true(reload_within(w, 2000));
	assert_true(asprintf(&cmd, "rm -rf '%s'", dir) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	/* the reload that reports it missing */
	assert_true(reload_within(w, 2000));
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_true(reload_within(w, 2000));
	put(dir, "20-web.yaml", MON);
	assert_true(reload_within(w, 2000));
	vtap_dir_watch_close(w);
	remove_tmpdir(dir);
}

/* mv DIR DIR.old; mv DIR.new DIR: the new one is watched, the old one not. */
static void test_watch_dir_replaced(void **state)
{
	char *dir = make_tmpdir(), *old, *fresh;
	struct vtap_dir_watch *w = vtap_dir_watch_open(dir);

	(void)state;
	assert_true(asprintf(&old, "%s.old", dir) > 0);
	assert_true(asprintf(&fresh, "%s.new", dir) > 0);
	assert_int_equal(mkdir(fresh, 0755), 0);
	put(fresh, "10-mon.yaml", MON);
	assert_false(reload_within(w, 200));
	assert_int_equal(rename(dir, old), 0);
	assert_int_equal(rename(fresh, dir), 0);
	assert_true(reload_within(w, 2000));
	put(old, "30-old.yaml", MON); /* no longer the policy directory */
	assert_false(reload_within(w, 300));
	put(dir, "20-web.yaml", WEB);
	assert_true(reload_within(w, 2000));
	vtap_dir_watch_close(w);
	remove_tmpdir(old);
	remove_tmpdir(dir);
	free(fresh);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_docs_from_memory),
	    cmocka_unit_test(test_docs_errors_name_the_origin),
	    cmocka_unit_test(test_duplicate_across_sources_names_both),
	    cmocka_unit_test(test_unreadable_document),
	    cmocka_unit_test(test_symlink_out_refused),
	    cmocka_unit_test(test_symlink_in_refused),
	    cmocka_unit_test(test_fifo_refused),
	    cmocka_unit_test(test_device_refused),
	    cmocka_unit_test(test_other_owner_refused),
	    cmocka_unit_test(test_open_for_writing_refused),
	    cmocka_unit_test(test_watch_complete_files),
	    cmocka_unit_test(test_watch_dir_removed_and_made_again),
	    cmocka_unit_test(test_watch_dir_replaced),
	};

	umask(022); /* policy files writable by others are refused */
	vtap_log_init("test_policy_source", VTAP_LOG_WARN, 0);
	return cmocka_run_group_tests_name("policy_source", tests, NULL, NULL);
}
