// SPDX-License-Identifier: GPL-2.0
/* The loading path every source shares: a list of documents (origin label
 * + YAML text) -> each parsed -> merged -> checked as one set. Nothing here
 * knows where a document came from. */
#include <stdlib.h>
#include <string.h>

#include "policy_internal.h"

int vtap_policy_docs_take(struct vtap_policy_docs *docs, const char *origin, char *text, size_t len,
			  struct vtap_errors *errs)
{
	struct vtap_loc loc = {.file = origin};
	struct vtap_policy_doc *v = realloc(docs->v, (docs->n + 1) * sizeof(*v));
	char *o = strdup(origin);

	if (!v || !o) {
		if (v)
			docs->v = v;
		free(o);
		free(text);
		vtap_errors_add(errs, &loc, "out of memory");
		return -1;
	}
	docs->v = v;
	docs->v[docs->n++] = (struct vtap_policy_doc){.origin = o, .text = text, .len = len};
	return 0;
}

int vtap_policy_docs_add(struct vtap_policy_docs *docs, const char *origin, const char *text,
			 size_t len, struct vtap_errors *errs)
{
	char *copy = malloc(len + 1);

	if (!copy) {
		struct vtap_loc loc = {.file = origin};

		vtap_errors_add(errs, &loc, "out of memory");
		return -1;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	return vtap_policy_docs_take(docs, origin, copy, len, errs);
}

int vtap_policy_docs_add_unreadable(struct vtap_policy_docs *docs, const char *origin,
				    struct vtap_errors *errs)
{
	return vtap_policy_docs_take(docs, origin, NULL, 0, errs);
}

void vtap_policy_docs_free(struct vtap_policy_docs *docs)
{
	if (!docs)
		return;
	for (size_t i = 0; i < docs->n; i++) {
		free(docs->v[i].origin);
		free(docs->v[i].text);
	}
	free(docs->v);
	docs->v = NULL;
	docs->n = 0;
}

/* The set owns a copy of every origin: locations point into it. */
static const char *keep_origin(struct vtap_policy_set *set, const char *origin)
{
	char **f = realloc(set->files, (set->n_files + 1) * sizeof(*f));
	char *copy;

	if (!f)
		return NULL;
	set->files = f;
	copy = strdup(origin);
	if (!copy)
		return NULL;
	set->files[set->n_files++] = copy;
	return copy;
}

int vtap_policy_load_docs(const struct vtap_policy_docs *docs, struct vtap_policy_set *set,
			  struct vtap_errors *errs)
{
	size_t errs_before = errs->n;
	bool all_loaded = true;

	memset(set, 0, sizeof(*set));
	for (size_t i = 0; i < docs->n; i++) {
		const struct vtap_policy_doc *d = &docs->v[i];
		const char *origin = keep_origin(set, d->origin);
		struct vtap_ynode *root;

		if (!origin) {
			struct vtap_loc loc = {.file = d->origin};

			vtap_errors_add(errs, &loc, "out of memory");
			all_loaded = false;
			continue;
		}
		if (!d->text || vtap_policy_yaml_parse(origin, d->text, d->len, &root, errs) < 0) {
			all_loaded = false;
			continue;
		}
		vtap_policy_parse_tree(root, origin, set, errs);
		vtap_policy_ynode_free(root);
	}
	/* A document that did not load may define the monitors others refer
	 * to: do not report those references as unknown. */
	vtap_policy_validate_set(set, all_loaded, errs);
	/* an unreadable document's error was reported by its source */
	if (errs->n != errs_before || !all_loaded) {
		vtap_policy_set_free(set);
		return -1;
	}
	return 0;
}

int vtap_policy_load_files(const char *const *paths, size_t n_paths, struct vtap_policy_set *set,
			   struct vtap_errors *errs)
{
	struct vtap_policy_docs docs = {0};
	int rc;

	for (size_t i = 0; i < n_paths; i++)
		vtap_policy_docs_add_file(&docs, paths[i], errs);
	rc = vtap_policy_load_docs(&docs, set, errs);
	vtap_policy_docs_free(&docs);
	return rc;
}
