// SPDX-License-Identifier: GPL-2.0
/* The persisted set (store_state.h): JSON through jansson, written to a
 * temporary file, synced and renamed into place. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "store/store_state.h"

#define STATE_FORMAT   1
#define STATE_MAX_SIZE (256u * 1024 * 1024)

bool vtap_store_state_path(char *buf, size_t n, const char *state_dir, const char *node)
{
	int w = snprintf(buf, n, "%s/cluster-%s.json", state_dir, node);

	return w > 0 && (size_t)w < n;
}

static json_t *docs_json(const struct vtap_store_docs *d)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < d->n; i++) {
		const struct vtap_store_doc *doc = &d->v[i];
		json_t *v = json_stringn(doc->value, doc->len);

		/* the documents applied were checked to be UTF-8 by the
		 * policy loader; anything else cannot have been applied */
		if (!v || json_array_append_new(
			      a, json_pack("{s:s,s:I,s:o}", "key", doc->key, "mod_revision",
					   (json_int_t)doc->mod_revision, "value", v))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static int mkdir_p(const char *dir)
{
	char *copy = strdup(dir), *parent;
	int rc = 0;

	if (!copy)
		return -1;
	if (mkdir(dir, 0700) && errno != EEXIST) {
		if (errno == ENOENT) {
			parent = dirname(copy);
			rc = strcmp(parent, dir) && !mkdir_p(parent) ? mkdir(dir, 0700) : -1;
			if (rc && errno == EEXIST)
				rc = 0;
		} else {
			rc = -1;
		}
	}
	free(copy);
	return rc;
}

/* fsync the directory holding path, so the rename is on disk too */
static void sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd = copy ? open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

static int write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

int vtap_store_state_save(const char *path, const char *prefix, const char *node,
			  const struct vtap_store_docs *global,
			  const struct vtap_store_docs *node_docs, char *err, size_t errlen)
{
	struct timespec ts;
	char tmp[4096], hex[20], *text = NULL, *dir = strdup(path);
	json_t *g = docs_json(global), *n = docs_json(node_docs), *o = NULL;
	int fd = -1, rc = -1;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(hex, sizeof(hex), "%016" PRIx64, vtap_store_digest(global, node_docs));
	if (g && n)
		o = json_pack("{s:i,s:s,s:s,s:I,s:s,s:I,s:O,s:O}", "vtap_cluster_state",
			      STATE_FORMAT, "prefix", prefix, "node", node, "revision",
			      (json_int_t)global->rev, "digest", hex, "saved_at_ms",
			      (json_int_t)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000), "policies", g,
			      "node_policies", n);
	if (o)
		text = json_dumps(o, JSON_INDENT(1) | JSON_SORT_KEYS);
	if (!text || !dir) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if (mkdir_p(dirname(dir))) {
		snprintf(err, errlen, "%s: cannot make its directory: %s", path, strerror(errno));
		goto out;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, text, strlen(text)) || write_all(fd, "\n", 1) || fsync(fd)) {
		snprintf(err, errlen, "%s: cannot write: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd)) {
		fd = -1;
		snprintf(err, errlen, "%s: cannot write: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path)) {
		snprintf(err, errlen, "%s: cannot rename %s over it: %s", path, tmp,
			 strerror(errno));
		goto out;
	}
	sync_dir(path);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc)
		unlink(tmp);
	free(text);
	free(dir);
	json_decref(g);
	json_decref(n);
	json_decref(o);
	return rc;
}

static int docs_from_json(const json_t *a, int64_t rev, struct vtap_store_docs *d)
{
	size_t i;
	json_t *e;

	d->rev = rev;
	if (!json_is_array(a))
		return -1;
	json_array_foreach(a, i, e)
	{
		const char *key = json_string_value(json_object_get(e, "key"));
		const json_t *v = json_object_get(e, "value");
		const json_t *mr = json_object_get(e, "mod_revision");

		if (!key || !json_is_string(v) || !json_is_integer(mr) ||
		    vtap_store_docs_put(d, key, json_string_value(v), json_string_length(v),
					json_integer_value(mr)))
			return -1;
	}
	return 0;
}

int vtap_store_state_load(const char *path, const char *prefix, const char *node,
			  struct vtap_store_docs *global, struct vtap_store_docs *node_docs,
			  char *err, size_t errlen)
{
	struct vtap_store_docs g = {0}, n = {0};
	json_error_t je;
	json_t *o = NULL;
	struct stat st;
	const char *p, *nd;
	int64_t rev;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), rc = -1;

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > STATE_MAX_SIZE) {
		snprintf(err, errlen, "%s: not a regular file of at most %u bytes", path,
			 STATE_MAX_SIZE);
		goto out;
	}
	o = json_loadfd(fd, 0, &je);
	if (!o) {
		snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, je.text);
		goto out;
	}
	p = json_string_value(json_object_get(o, "prefix"));
	nd = json_string_value(json_object_get(o, "node"));
	rev = json_integer_value(json_object_get(o, "revision"));
	if (json_integer_value(json_object_get(o, "vtap_cluster_state")) != STATE_FORMAT || !p ||
	    !nd || rev <= 0) {
		snprintf(err, errlen, "%s: not a vtap cluster state file (format %d)", path,
			 STATE_FORMAT);
		goto out;
	}
	if (strcmp(p, prefix) || strcmp(nd, node)) {
		snprintf(err, errlen, "%s: the set of prefix %.100s node %.100s, not %.100s %.100s",
			 path, p, nd, prefix, node);
		goto out;
	}
	if (docs_from_json(json_object_get(o, "policies"), rev, &g) ||
	    docs_from_json(json_object_get(o, "node_policies"), rev, &n)) {
		snprintf(err, errlen, "%s: a document entry is malformed or memory ran out", path);
		goto out;
	}
	vtap_store_docs_free(global);
	vtap_store_docs_free(node_docs);
	*global = g;
	*node_docs = n;
	g = n = (struct vtap_store_docs){0};
	rc = 0;
out:
	vtap_store_docs_free(&g);
	vtap_store_docs_free(&n);
	json_decref(o);
	close(fd);
	return rc;
}
