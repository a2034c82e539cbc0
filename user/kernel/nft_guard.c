// SPDX-License-Identifier: GPL-2.0
/* nft_guard.h, through nft -f - (one transaction per change). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nft_guard.h"
#include "core/run.h"
#include <vtap/limits.h>

_Static_assert(VTAP_NFT_GUARDS_MAX == VTAP_BARE_SLOTS, "a guard for every slot of the tap");

/* a chain is named after its device: g_DEV */
#define CHAIN_PREFIX "g_"

int vtap_nft_guard_table(const char *pin_root, char *table, size_t len)
{
	size_t n = (size_t)snprintf(table, len, "vtap");

	/* letters and digits as they are, anything else as _XX (hex): two
	 * pin roots never share a table */
	for (const char *c = pin_root; *c; c++) {
		if (n + 4 > len) {
			table[0] = 0;
			return -ENAMETOOLONG;
		}
		n += (size_t)snprintf(table + n, len - n,
				      isalnum((unsigned char)*c) ? "%c" : "_%02x",
				      (unsigned char)*c);
	}
	return 0;
}

bool vtap_nft_guard_name_ok(const char *dev)
{
	if (!dev[0] || strlen(dev) >= IF_NAMESIZE)
		return false;
	for (const char *c = dev; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-' && *c != '.')
			return false;
	return true;
}

/* nft -f - with script; its exit status, or -errno when it could not run */
static int nft(const char *script, char *out, size_t outlen, char *err, size_t errlen)
{
	char *argv[] = {"nft", "-f", "-", NULL};
	int ret = vtap_run_tool(argv, script, out, outlen, err, errlen);

	if (ret == 127)
		return -ENOENT; /* no nft on this host */
	return ret > 0 ? -EIO : ret;
}

int vtap_nft_guard_add(const char *table, const char *dev, char *err, size_t errlen)
{
	char script[2048];

	if (!table[0])
		return -ENAMETOOLONG;
	if (!vtap_nft_guard_name_ok(dev))
		return -EINVAL;
	/* the chain may be there (a kept run's): added again it stays
	 * bound to the port, so no frame passes unguarded meanwhile */
	snprintf(script, sizeof(script),
		 "add table netdev %s\n"
		 "add chain netdev %s " CHAIN_PREFIX "%s { type filter hook egress device \"%s\" "
		 "priority 0; policy accept; }\n"
		 "flush chain netdev %s " CHAIN_PREFIX "%s\n"
		 "add rule netdev %s " CHAIN_PREFIX "%s counter drop\n",
		 table, table, dev, dev, table, dev, table, dev);
	return nft(script, NULL, 0, err, errlen);
}

/* nft list chain netdev TABLE g_DEV into out; nft's status */
static int list_chain(const char *table, const char *dev, char *out, size_t outlen)
{
	char chain[IF_NAMESIZE + 8];
	char *argv[] = {"nft", "list", "chain", "netdev", (char *)table, chain, NULL};

	snprintf(chain, sizeof(chain), CHAIN_PREFIX "%s", dev);
	return vtap_run_tool(argv, NULL, out, outlen, NULL, 0);
}

int vtap_nft_guard_del(const char *table, const char *dev)
{
	char script[512];

	if (!table[0] || !vtap_nft_guard_name_ok(dev))
		return -EINVAL;
	if (list_chain(table, dev, NULL, 0))
		return 0; /* not there (nft 1.0.6 has no "destroy") */
	snprintf(script, sizeof(script), "delete chain netdev %s " CHAIN_PREFIX "%s\n", table, dev);
	return nft(script, NULL, 0, NULL, 0);
}

int vtap_nft_guards_read(const char *table, struct vtap_nft_guards *g)
{
	enum { OUT_MAX = 256 * 1024 }; /* ~200 bytes a chain */
	char *argv[] = {"nft", "list", "table", "netdev", (char *)table, NULL};
	char *out, *save = NULL, err[256] = "";
	int cur = -1, ret;

	g->n = 0;
	if (!table[0])
		return 0;
	if (!(out = malloc(OUT_MAX)))
		return -ENOMEM;
	/* "chain g_DEV {" then its rule, "counter packets N bytes M drop" */
	ret = vtap_run_tool(argv, NULL, out, OUT_MAX, err, sizeof(err));
	if (ret) {
		free(out);
		/* nft says 1 to every error: no such table (no guard) only
		 * when it says so */
		if (ret == 1 && strstr(err, "No such file or directory"))
			return 0;
		return ret == 127 ? -ENOENT : ret < 0 ? ret : -EIO;
	}
	for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char name[IF_NAMESIZE + 8];
		uint64_t pkts;

		if (sscanf(l, " chain " CHAIN_PREFIX "%23[^ {]", name) == 1) {
			cur = -1;
			if (vtap_nft_guard_name_ok(name) && g->n < VTAP_NFT_GUARDS_MAX) {
				cur = g->n++;
				/* name_ok: it fits, with its NUL */
				memcpy(g->dev[cur], name, strlen(name) + 1);
				g->guards[cur] = false;
				g->dropped[cur] = 0;
			}
		} else if (cur >= 0 && sscanf(l, " counter packets %" SCNu64, &pkts) == 1 &&
			   strstr(l, " drop")) {
			g->guards[cur] = true;
			g->dropped[cur] = pkts;
		}
	}
	free(out);
	return 0;
}

struct vtap_nft_guards *vtap_nft_guards_of(const char *pin_root)
{
	char table[VTAP_NFT_TABLE_MAX];
	struct vtap_nft_guards *g = malloc(sizeof(*g));

	vtap_nft_guard_table(pin_root, table, sizeof(table));
	if (g && vtap_nft_guards_read(table, g)) {
		free(g);
		return NULL;
	}
	return g;
}

int vtap_nft_guards_find(const struct vtap_nft_guards *g, const char *dev)
{
	for (int i = 0; i < g->n; i++)
		if (g->guards[i] && !strcmp(g->dev[i], dev))
			return i;
	return -1;
}

int vtap_nft_guard_drop_table(const char *table)
{
	char script[512];
	char *argv[] = {"nft", "list", "table", "netdev", (char *)table, NULL};

	if (!table[0] || vtap_run_tool(argv, NULL, NULL, 0, NULL, 0))
		return 0; /* not there */
	snprintf(script, sizeof(script), "delete table netdev %s\n", table);
	return nft(script, NULL, 0, NULL, 0) ?: 1;
}
