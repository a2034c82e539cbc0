// SPDX-License-Identifier: GPL-2.0
/* The key layout, the documents under a prefix kept current from watch
 * events, and their digest (store_docs.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "store/store_docs.h"

int vtap_store_prefix_check(const char *prefix, char *err, size_t errlen)
{
	size_t len = strlen(prefix);
	const char *why = NULL;

	if (prefix[0] != '/')
		why = "does not start with '/'";
	else if (len > 1 && prefix[len - 1] == '/')
		why = "ends with '/'";
	else if (len >= VTAP_STORE_KEY_MAX - 2 * VTAP_STORE_NAME_MAX - 32)
		why = "is too long";
	else if (strstr(prefix, "//"))
		why = "has an empty element (\"//\")";
	for (const char *p = prefix; !why && *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			why = "has a space, a control character or a non-ASCII byte";
	if (!why && len == 1)
		why = "is the root: give a prefix of vtap's own, such as /vtap";
	if (why)
		snprintf(err, errlen, "etcd prefix '%.*s' %s", 100, prefix, why);
	return why ? -1 : 0;
}

int vtap_store_name_check(const char *what, const char *name, char *err, size_t errlen)
{
	size_t len = strlen(name);

	if (!len || len >= VTAP_STORE_NAME_MAX || !strcmp(name, ".") || !strcmp(name, "..") ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
		len) {
		snprintf(err, errlen, "%s '%.*s': want 1 to %d of A-Z a-z 0-9 . _ - (not . or ..)",
			 what, 100, name, VTAP_STORE_NAME_MAX - 1);
		return -1;
	}
	return 0;
}

char *vtap_store_read_password(const char *path, char *err, size_t errlen)
{
	char buf[257];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st)) {
		snprintf(err, errlen, "password file %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (S_ISREG(st.st_mode) && (st.st_mode & 077)) {
		snprintf(err, errlen, "password file %s: readable or writable by others (mode %o)",
			 path, (unsigned)(st.st_mode & 0777));
		close(fd);
		return NULL;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "password file %s: %s", path, strerror(errno));
		return NULL;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (n == (ssize_t)sizeof(buf) - 1 && strlen(buf) == (size_t)n) {
		snprintf(err, errlen, "password file %s: longer than 255 bytes", path);
		return NULL;
	}
	char *p = strdup(buf);

	memset(buf, 0, sizeof(buf));
	if (!p)
		snprintf(err, errlen, "password file %s: out of memory", path);
	return p;
}

static bool fmt_key(char *buf, const char *fmt, const char *a, const char *b)
{
	int n = snprintf(buf, VTAP_STORE_KEY_MAX, fmt, a, b);

	return n > 0 && n < VTAP_STORE_KEY_MAX;
}

bool vtap_store_key_policies(char *buf, const char *prefix)
{
	return fmt_key(buf, "%s/policies/%s", prefix, "");
}

bool vtap_store_key_node_policies(char *buf, const char *prefix, const char *node)
{
	return fmt_key(buf, "%s/nodes/%s/policies/", prefix, node);
}

bool vtap_store_key_nodes(char *buf, const char *prefix)
{
	return fmt_key(buf, "%s/nodes/%s", prefix, "");
}

bool vtap_store_key_status(char *buf, const char *prefix, const char *node)
{
	return fmt_key(buf, "%s/status/%s", prefix, node);
}

/* the index of key, or where it would go (*found false) */
static size_t find(const struct vtap_store_docs *d, const char *key, bool *found)
{
	size_t lo = 0, hi = d->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(d->v[mid].key, key);

		if (!c) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

const struct vtap_store_doc *vtap_store_docs_find(const struct vtap_store_docs *d, const char *key)
{
	bool found;
	size_t i = find(d, key, &found);

	return found ? &d->v[i] : NULL;
}

static void doc_free(struct vtap_store_doc *doc)
{
	free(doc->key);
	free(doc->value);
}

int vtap_store_docs_put(struct vtap_store_docs *d, const char *key, const void *value, size_t len,
			int64_t mod_revision)
{
	bool found;
	size_t i = find(d, key, &found);
	char *v = malloc(len + 1), *k = found ? NULL : strdup(key);

	if (!v || (!found && !k)) {
		free(v);
		free(k);
		return -ENOMEM;
	}
	memcpy(v, value, len);
	v[len] = '\0';
	if (found) {
		free(d->v[i].value);
	} else {
		struct vtap_store_doc *nv = realloc(d->v, (d->n + 1) * sizeof(*nv));

		if (!nv) {
			free(v);
			free(k);
			return -ENOMEM;
		}
		d->v = nv;
		memmove(&d->v[i + 1], &d->v[i], (d->n - i) * sizeof(*nv));
		d->v[i].key = k;
		d->n++;
	}
	d->v[i].value = v;
	d->v[i].len = len;
	d->v[i].mod_revision = mod_revision;
	return 0;
}

bool vtap_store_docs_delete(struct vtap_store_docs *d, const char *key)
{
	bool found;
	size_t i = find(d, key, &found);

	if (!found)
		return false;
	doc_free(&d->v[i]);
	memmove(&d->v[i], &d->v[i + 1], (d->n - i - 1) * sizeof(d->v[0]));
	d->n--;
	return true;
}

void vtap_store_docs_free(struct vtap_store_docs *d)
{
	for (size_t i = 0; i < d->n; i++)
		doc_free(&d->v[i]);
	free(d->v);
	d->v = NULL;
	d->n = 0;
}

int vtap_store_docs_load(struct vtap_store_docs *d, const struct etcd_kv *kvs, size_t n,
			 int64_t rev)
{
	struct vtap_store_docs nd = {.rev = rev};

	/* a range answers in key order: each put appends */
	for (size_t i = 0; i < n; i++) {
		if (vtap_store_docs_put(&nd, kvs[i].key, kvs[i].value, kvs[i].value_len,
					kvs[i].mod_revision)) {
			vtap_store_docs_free(&nd);
			return -ENOMEM;
		}
	}
	vtap_store_docs_free(d);
	*d = nd;
	return 0;
}

int vtap_store_docs_events(struct vtap_store_docs *d, const struct etcd_event *ev, size_t n)
{
	/* what d held before the note: a transaction's events share their
	 * revision, so the first of them must not hide the others */
	int64_t held = d->rev;
	int changed = 0;

	for (size_t i = 0; i < n; i++) {
		const struct etcd_kv *kv = &ev[i].kv;

		if (kv->mod_revision <= held)
			continue;
		if (ev[i].type == ETCD_EVENT_DELETE) {
			changed += vtap_store_docs_delete(d, kv->key);
		} else {
			if (vtap_store_docs_put(d, kv->key, kv->value, kv->value_len,
						kv->mod_revision))
				return -ENOMEM;
			changed++;
		}
		d->rev = kv->mod_revision;
	}
	return changed;
}

int vtap_store_docs_copy(struct vtap_store_docs *dst, const struct vtap_store_docs *src)
{
	struct vtap_store_docs nd = {.rev = src->rev};

	for (size_t i = 0; i < src->n; i++) {
		const struct vtap_store_doc *s = &src->v[i];

		if (vtap_store_docs_put(&nd, s->key, s->value, s->len, s->mod_revision)) {
			vtap_store_docs_free(&nd);
			return -ENOMEM;
		}
	}
	vtap_store_docs_free(dst);
	*dst = nd;
	return 0;
}

int vtap_store_docs_to_policy(const struct vtap_store_docs *d, struct vtap_policy_docs *out,
			      struct vtap_errors *errs)
{
	for (size_t i = 0; i < d->n; i++) {
		size_t klen = strlen(d->v[i].key);
		char *origin = malloc(sizeof(VTAP_STORE_ORIGIN) + klen);
		int rc;

		if (!origin) {
			vtap_errors_add(errs, NULL, "out of memory");
			return -1;
		}
		memcpy(origin, VTAP_STORE_ORIGIN, sizeof(VTAP_STORE_ORIGIN) - 1);
		memcpy(origin + sizeof(VTAP_STORE_ORIGIN) - 1, d->v[i].key, klen + 1);
		rc = vtap_policy_docs_add(out, origin, d->v[i].value, d->v[i].len, errs);
		free(origin);
		if (rc)
			return -1;
	}
	return 0;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t digest_docs(uint64_t h, const struct vtap_store_docs *d)
{
	char rev[24];

	for (size_t i = 0; d && i < d->n; i++) {
		h = fnv(h, d->v[i].key, strlen(d->v[i].key) + 1);
		snprintf(rev, sizeof(rev), "%" PRId64, d->v[i].mod_revision);
		h = fnv(h, rev, strlen(rev) + 1);
	}
	return h;
}

uint64_t vtap_store_digest(const struct vtap_store_docs *global, const struct vtap_store_docs *node)
{
	return digest_docs(digest_docs(0xcbf29ce484222325ull, global), node);
}
