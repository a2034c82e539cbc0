/* SPDX-License-Identifier: GPL-2.0 */
/* One table of classifier fixtures, shared by the native test
 * (test_classify.c: include/vtap/parse.h + user/core/image_classify.c) and the
 * kernel test (test_bpf.c: the real TC program through BPF_PROG_TEST_RUN).
 * Same bytes in, same verdict out, on both paths.
 *
 * Each fixture: a frame (built from a small declarative spec, or raw bytes),
 * a policy document (YAML, parsed by user/policy*.c), the host port and the
 * direction it is seen in, the parse level and the verdict expected (the
 * winning policy's name, or NULL, and whether it copies). */
#ifndef VTAP_TEST_FIXTURES_H
#define VTAP_TEST_FIXTURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vtap/abi.h>
#include <vtap/parse.h>
#include "core/policy.h"
#include "core/image.h"

#define FX_FRAME_MAX 1024

/* L3 of a built frame */
enum fx_l3 {
	FX_NONE = 0, /* Ethernet (and tags) with fx_pkt.etype, no body */
	FX_IP4,
	FX_IP6,
	FX_ARP,
};

enum fx_frag {
	FX_FRAG_NO = 0,
	FX_FRAG_FIRST, /* MF set, offset 0 (IPv4 flags; IPv6 fragment header) */
	FX_FRAG_LATER, /* offset != 0 */
};

/* Truncation point: the frame ends cut_keep bytes after this offset. */
enum fx_cut {
	FX_CUT_NO = 0,
	FX_CUT_TAGS, /* byte 12: the first EtherType / TPID */
	FX_CUT_L3,   /* the IP/ARP header */
	FX_CUT_EXT,  /* the first IPv6 extension header */
	FX_CUT_L4,   /* the L4 header */
};

struct fx_pkt {
	enum fx_l3 l3;
	uint16_t etype;   /* FX_NONE: the EtherType */
	uint16_t tpid[3]; /* VLAN tags, outer first; 0 ends the list */
	uint16_t tci[3];
	const char *src, *dst; /* addresses (inet_pton of the l3 family) */
	uint8_t proto;         /* IP protocol / last next header */
	uint16_t sport, dport;
	uint8_t icmp_type, icmp_code;
	uint8_t ip4_opts; /* bytes of IPv4 options, multiple of 4 */
	uint8_t tcp_opts; /* bytes of TCP options (NOPs), multiple of 4 */
	enum fx_frag frag;
	uint8_t ext[12]; /* IPv6 extension headers in order: 0, 43, 60, 44, 51 */
	uint8_t n_ext;
	uint8_t ip_ver; /* override the version nibble (0: the right one) */
	uint8_t ihl;    /* override the IPv4 IHL (0: computed) */
	uint16_t payload;
	enum fx_cut cut;
	uint16_t cut_keep;
};

struct fixture {
	const char *desc;
	const char *yaml; /* the policy document */
	const char *port; /* host port the frame is seen on */
	uint8_t dir;      /* VTAP_DIR_IN or VTAP_DIR_OUT */
	struct fx_pkt pkt;
	const uint8_t *raw; /* when set (or raw_set), the frame's bytes */
	size_t raw_len;
	bool raw_set;
	int level;           /* enum vtap_level */
	const char *verdict; /* winning policy, NULL = no match */
	bool copy;           /* winner mirrors (true) or skips (false) */
	uint16_t copy_len;   /* the copy's length (its snaplen: `snaplen: headers`
				is per frame); 0 = not checked */
	const char *bug;     /* non-NULL: a known bug in the code under test,
				the fixture still fails until it is fixed */
};

extern const struct fixture fx_table[];
extern const size_t fx_count;

/* Host ports every fixture may use (policies' candidates), and the sinks. */
#define FX_N_PORTS 5
#define FX_N_SINKS 1
extern const char *const fx_port_names[FX_N_PORTS];
extern const char *const fx_sink_names[FX_N_SINKS];

struct fx_env {
	struct vtap_host_port ports[FX_N_PORTS];
	size_t n_ports;
	struct vtap_host_port sinks[FX_N_SINKS];
	size_t n_sinks;
};

/* Fill env with the fixture ports; ifindex_of(name) gives each ifindex
 * (NULL: made-up ones, ports 101.., sinks 201..). */
void fx_env_init(struct fx_env *env, uint32_t (*ifindex_of)(const char *name));
uint32_t fx_env_ifindex(const struct fx_env *env, const char *name);

/* Build the fixture's frame into buf; returns its length. */
size_t fx_build(const struct fixture *f, uint8_t *buf, size_t cap);

struct fx_compiled {
	struct vtap_policy_set set;
	struct vtap_image img;
	struct vtap_errors errs;
	uint32_t *sink_ifindex; /* per monitor */
	bool have_set, have_img;
};

/* Parse yaml (through a temporary file and vtap_policy_load_files), build a
 * compile env over env's ports (sinks resolved by monitor port name; policy
 * id = policy index) and compile. Returns 0, or -1 with errs filled. */
int fx_compile_yaml(const char *yaml, const struct fx_env *env, struct fx_compiled *c);
int fx_compile(const struct fixture *f, const struct fx_env *env, struct fx_compiled *c);
void fx_compiled_free(struct fx_compiled *c);
/* Policy name -> policy index (= policy id), -1 if absent. */
int fx_policy_index(const struct fx_compiled *c, const char *name);
/* Rank -> the policy's name (NULL for VTAP_NO_MATCH or out of range). */
const char *fx_rank_name(const struct fx_compiled *c, int rank);
/* The policy's action is mirror */
bool fx_policy_mirrors(const struct fx_compiled *c, int index);

const char *fx_level_name(int level);
const char *fx_dir_name(int dir);
/* Write a temporary file holding text; returns a malloc'ed path. */
char *fx_write_temp(const char *text);

#endif
