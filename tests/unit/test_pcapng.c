// SPDX-License-Identifier: GPL-2.0
/* pcapng encoder and file writer (user/sinks/pcapng*.c): the exact bytes of each
 * block, then real files in a temporary directory read back with tshark
 * (and capinfos): frames, lengths, interface names, nanosecond timestamps,
 * rotation, refused paths and write errors. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sinks/pcapng.h"

/* ---- helpers ---- */

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* A buffer whose spare room is 0xAA, so padding left unwritten shows. */
static void dirty_buf(struct vtap_pcapng_buf *b)
{
	b->cap = 8192;
	b->p = malloc(b->cap);
	assert_non_null(b->p);
	memset(b->p, 0xAA, b->cap);
	b->len = 0;
	b->oom = 0;
}

/* Type and total length at both ends; returns the total length. */
static uint32_t check_block(const uint8_t *p, uint32_t type, uint32_t len)
{
	assert_int_equal(get32(p), type);
	assert_int_equal(get32(p + 4), len);
	assert_int_equal(len % 4, 0);
	assert_int_equal(get32(p + len - 4), len);
	return len;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Each file test works in its own directory, removed by its teardown even
 * when an assertion fails. */
static char *tmpdir;

static int setup_dir(void **state)
{
	(void)state;
	tmpdir = strdup("/tmp/vtap-test-pcapng.XXXXXX");
	if (!tmpdir || !mkdtemp(tmpdir))
		return -1;
	return 0;
}

static int teardown_dir(void **state)
{
	(void)state;
	if (tmpdir)
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(tmpdir);
	tmpdir = NULL;
	return 0;
}

/* tmpdir/name, or tmpdir/name.k for k > 0, in one of 4 static buffers:
 * slot 0 holds a test's PATH, the others what it looks at besides */
static const char *tpath(int slot, const char *name, int k)
{
	static char bufs[4][PATH_MAX];

	if (k > 0)
		snprintf(bufs[slot], PATH_MAX, "%s/%s.%d", tmpdir, name, k);
	else
		snprintf(bufs[slot], PATH_MAX, "%s/%s", tmpdir, name);
	return bufs[slot];
}

static off_t file_size(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_size;
}

static bool exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* Runs a shell command, its stderr kept in tmpdir/cmd.err (shown, with the
 * output, if it fails); returns its stdout. */
static char *run(const char *fmt, ...)
{
	char *cmd, *full, *out = NULL, *err;
	size_t len = 0, cap = 0;
	va_list ap;
	FILE *p;
	int st, c;

	va_start(ap, fmt);
	assert_true(vasprintf(&cmd, fmt, ap) > 0);
	va_end(ap);
	assert_true(asprintf(&err, "%s/cmd.err", tmpdir) > 0);
	assert_true(asprintf(&full, "%s 2>'%s'", cmd, err) > 0);
	p = popen(full, "r");
	assert_non_null(p);
	while ((c = fgetc(p)) != EOF) {
		if (len + 1 >= cap) {
			cap = cap ? cap * 2 : 4096;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		out[len++] = (char)c;
	}
	st = pclose(p);
	if (!out)
		out = calloc(1, 1);
	assert_non_null(out);
	out[len] = 0;
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		char line[512];
		FILE *e = fopen(err, "r");

		print_message("  command failed (status %d): %s\n  output: %s\n", st, cmd, out);
		while (e && fgets(line, sizeof(line), e))
			print_message("  stderr: %s", line);
		if (e)
			fclose(e);
		fail();
	}
	unlink(err);
	free(err);
	free(full);
	free(cmd);
	return out;
}

struct frame {
	unsigned id, len, cap_len;
	char name[64];
	char epoch[32];
	char src[24];
};

#define MAX_FRAMES 512

/* The frames of one file as tshark reads it on its own; returns how many. */
static int read_frames(const char *path, struct frame *fr)
{
	char *out = run("tshark -r '%s' -T fields -E separator=/t -e frame.interface_id "
			"-e frame.interface_name -e frame.len -e frame.cap_len "
			"-e frame.time_epoch -e eth.src",
			path);
	char *save = NULL, *line;
	int n = 0;

	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		assert_true(n < MAX_FRAMES);
		memset(&fr[n], 0, sizeof(fr[n]));
		if (sscanf(line, "%u\t%63[^\t]\t%u\t%u\t%31[^\t]\t%23s", &fr[n].id, fr[n].name,
			   &fr[n].len, &fr[n].cap_len, fr[n].epoch, fr[n].src) != 6) {
			print_message("  unexpected tshark line: %s\n", line);
			fail();
		}
		n++;
	}
	free(out);
	return n;
}

/* capinfos agrees on the packet count, the interface count and the names
 * in id order ("a,b"); skipped if capinfos is not installed. */
static void check_capinfos(const char *path, int n_frames, const char *names)
{
	char want[256], *out, *p;
	int n_if = 1;

	if (system("command -v capinfos >/dev/null 2>&1"))
		return;
	for (const char *c = names; *c; c++)
		n_if += *c == ',';
	out = run("capinfos -c '%s'", path);
	snprintf(want, sizeof(want), "Number of packets:   %d\n", n_frames);
	if (!strstr(out, want)) {
		print_message("  capinfos: no \"%s\" in\n%s\n", want, out);
		fail();
	}
	free(out);
	out = run("capinfos -I '%s'", path);
	snprintf(want, sizeof(want), "Number of interfaces in file: %d\n", n_if);
	if (!strstr(out, want)) {
		print_message("  capinfos: no \"%s\" in\n%s\n", want, out);
		fail();
	}
	p = out;
	for (const char *s = names; *s;) {
		size_t l = strcspn(s, ",");

		snprintf(want, sizeof(want), "Name = %.*s\n", (int)l, s);
		p = strstr(p, want);
		if (!p) {
			print_message("  capinfos: interface \"%s\" missing or out of order\n%s\n",
				      want, out);
			fail();
		}
		s += l + (s[l] == ',');
	}
	free(out);
}

/* An Ethernet frame whose source MAC carries seq: tshark's eth.src shows
 * which packet a frame is. */
static uint8_t *make_packet(uint8_t *pkt, uint32_t len, unsigned seq)
{
	static const uint8_t hdr[14] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02,
					0,    0,    0,	  0,	0,    0x88, 0xb5};

	assert_true(len >= sizeof(hdr));
	memset(pkt, (int)(seq & 0xff), len);
	memcpy(pkt, hdr, sizeof(hdr));
	pkt[10] = (uint8_t)(seq >> 8);
	pkt[11] = (uint8_t)seq;
	return pkt;
}

static void check_src(const struct frame *fr, unsigned seq)
{
	char want[24];

	snprintf(want, sizeof(want), "02:00:00:00:%02x:%02x", (seq >> 8) & 0xff, seq & 0xff);
	assert_string_equal(fr->src, want);
}

static void check_epoch(const struct frame *fr, uint64_t ts_ns)
{
	char want[32];

	snprintf(want, sizeof(want), "%" PRIu64 ".%09" PRIu64, ts_ns / 1000000000u,
		 ts_ns % 1000000000u);
	assert_string_equal(fr->epoch, want);
}

static void stats_of(struct vtap_pcapng_file *f, struct vtap_pcapng_file_stats *s)
{
	memset(s, 0xff, sizeof(*s));
	vtap_pcapng_file_stats(f, s);
}

#define TS0 1700000000123456789ull

/* ---- encoder ---- */

static void test_shb_bytes(void **state)
{
	struct vtap_pcapng_buf b;
	const uint8_t *p;

	(void)state;
	dirty_buf(&b);
	vtap_pcapng_shb(&b);
	assert_false(b.oom);
	assert_int_equal(b.len, 40);
	p = b.p;
	check_block(p, 0x0A0D0D0A, 40);
	assert_int_equal(get32(p + 8), 0x1A2B3C4D); /* byte-order magic, host order */
	assert_int_equal(get16(p + 12), 1);	    /* major */
	assert_int_equal(get16(p + 14), 0);	    /* minor */
	assert_true(get64(p + 16) == UINT64_MAX);   /* section length unknown */
	assert_int_equal(get16(p + 24), 4);	    /* shb_userappl */
	assert_int_equal(get16(p + 26), 4);
	assert_memory_equal(p + 28, "vtap", 4);
	assert_int_equal(get16(p + 32), 0); /* opt_endofopt */
	assert_int_equal(get16(p + 34), 0);
	vtap_pcapng_buf_free(&b);
	assert_null(b.p);
	assert_int_equal(b.len, 0);
}

/* IDB with a name of n bytes: the if_name value padded to 32 bits with zeros. */
static void check_idb(const char *name, uint32_t snaplen)
{
	size_t n = name ? strlen(name) : 0, pn = (n + 3) & ~(size_t)3;
	uint32_t want = (uint32_t)(16 + (n ? 4 + pn : 0) + 8 + 4 + 4);
	struct vtap_pcapng_buf b;
	const uint8_t *p, *o;

	dirty_buf(&b);
	vtap_pcapng_idb(&b, name, snaplen);
	assert_false(b.oom);
	assert_int_equal(b.len, want);
	p = b.p;
	check_block(p, 1, want);
	assert_int_equal(get16(p + 8), 1); /* LINKTYPE_ETHERNET */
	assert_int_equal(get16(p + 10), 0);
	assert_int_equal(get32(p + 12), snaplen);
	o = p + 16;
	if (n) {
		assert_int_equal(get16(o), 2); /* if_name */
		assert_int_equal(get16(o + 2), n);
		assert_memory_equal(o + 4, name, n);
		for (size_t i = n; i < pn; i++)
			assert_int_equal(o[4 + i], 0);
		o += 4 + pn;
	}
	assert_int_equal(get16(o), 9); /* if_tsresol */
	assert_int_equal(get16(o + 2), 1);
	assert_int_equal(o[4], 9); /* 10^-9 */
	assert_int_equal(o[5], 0);
	assert_int_equal(o[6], 0);
	assert_int_equal(o[7], 0);
	assert_int_equal(get32(o + 8), 0); /* opt_endofopt: code 0, length 0 */
	assert_ptr_equal(o + 12, p + want - 4);
	vtap_pcapng_buf_free(&b);
}

static void test_idb_bytes(void **state)
{
	(void)state;
	check_idb("web", 96);  /* 1 byte of padding */
	check_idb("abcd", 0);  /* none */
	check_idb("abcde", 1); /* 3 */
	check_idb("ab", 65535);
	check_idb(NULL, 128); /* no if_name at all */
	check_idb("", 128);
}

static void check_epb(uint32_t if_id, uint64_t ts, uint32_t caplen, uint32_t origlen)
{
	uint32_t pc = (caplen + 3) & ~3u, want = 32 + pc;
	struct vtap_pcapng_buf b;
	uint8_t data[64];
	const uint8_t *p;

	assert_true(caplen <= sizeof(data));
	for (uint32_t i = 0; i < caplen; i++)
		data[i] = (uint8_t)(0x10 + i);
	dirty_buf(&b);
	vtap_pcapng_epb(&b, if_id, ts, data, caplen, origlen);
	assert_false(b.oom);
	assert_int_equal(b.len, want);
	p = b.p;
	check_block(p, 6, want);
	assert_int_equal(get32(p + 8), if_id);
	assert_int_equal(get32(p + 12), (uint32_t)(ts >> 32)); /* high word first */
	assert_int_equal(get32(p + 16), (uint32_t)ts);
	assert_int_equal(get32(p + 20), caplen);
	assert_int_equal(get32(p + 24), origlen < caplen ? caplen : origlen);
	if (caplen)
		assert_memory_equal(p + 28, data, caplen);
	for (uint32_t i = caplen; i < pc; i++)
		assert_int_equal(p[28 + i], 0);
	vtap_pcapng_buf_free(&b);
}

static void test_epb_bytes(void **state)
{
	(void)state;
	check_epb(7, 0x0123456789abcdefull, 5, 60); /* truncated: origlen > caplen */
	check_epb(0, TS0, 60, 60);
	check_epb(1, 0, 0, 0);
	check_epb(2, 1, 1, 1);
	check_epb(3, UINT64_MAX, 2, 9);
	check_epb(4, 0xffffffffull, 3, 3);
	check_epb(5, 0x100000000ull, 4, 4);
	check_epb(6, 42, 7, 3); /* origlen below caplen is raised to it */
}

/* Blocks follow each other; an impossible block leaves the buffer as it
 * was, sets oom, and later appends are ignored. */
static void test_buf_sequence_and_oom(void **state)
{
	struct vtap_pcapng_buf b = {0};
	uint8_t data[8] = {0};
	size_t len;

	(void)state;
	vtap_pcapng_shb(&b);
	vtap_pcapng_idb(&b, "web", 0);
	vtap_pcapng_epb(&b, 0, TS0, data, 8, 8);
	assert_false(b.oom);
	assert_int_equal(b.len, 40 + 40 + 40);
	check_block(b.p, 0x0A0D0D0A, 40);
	check_block(b.p + 40, 1, 40);
	check_block(b.p + 80, 6, 40);
	len = b.len;
	/* a total length past 32 bits: refused before data is read */
	vtap_pcapng_epb(&b, 0, 0, data, UINT32_MAX, UINT32_MAX);
	assert_true(b.oom);
	assert_int_equal(b.len, len);
	vtap_pcapng_epb(&b, 0, 0, data, 8, 8);
	assert_int_equal(b.len, len);
	vtap_pcapng_buf_free(&b);
	assert_false(b.oom);
}

/* ---- file writer ---- */

static void test_file_read_back(void **state)
{
	struct vtap_pcapng_file_stats s;
	struct vtap_pcapng_file *f;
	struct frame fr[MAX_FRAMES];
	const char *path = tpath(0, "cap.pcapng", 0);
	uint8_t pkt[1500];
	struct stat st;
	mode_t old;
	int web, dns, r;

	(void)state;
	old = umask(0); /* the mode must come from the writer, not the umask */
	r = vtap_pcapng_file_open(&f, path, 0, 0);
	umask(old);
	assert_int_equal(r, 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	web = vtap_pcapng_file_iface(f, "web", 0);
	dns = vtap_pcapng_file_iface(f, "dns", 128);
	assert_int_equal(web, 0);
	assert_int_equal(dns, 1);
	assert_int_equal(vtap_pcapng_file_iface(f, "web", 64), 0); /* same name, same id */

	assert_int_equal(vtap_pcapng_file_write(f, web, TS0, make_packet(pkt, 60, 0), 60, 60), 0);
	assert_int_equal(
	    vtap_pcapng_file_write(f, dns, TS0 + 876543210, make_packet(pkt, 128, 1), 128, 1500),
	    0);
	assert_int_equal(
	    vtap_pcapng_file_write(f, web, 1ull << 32, make_packet(pkt, 61, 2), 61, 61), 0);
	assert_int_equal(vtap_pcapng_file_write(f, dns, 5, make_packet(pkt, 14, 3), 14, 14), 0);

	/* buffered: nothing written yet */
	assert_int_equal(file_size(path), 0);
	stats_of(f, &s);
	assert_int_equal(s.packets, 0);
	assert_int_equal(vtap_pcapng_file_flush(f), 0);
	stats_of(f, &s);
	assert_int_equal(s.packets, 4);
	assert_int_equal(s.bytes, file_size(path));
	/* SHB, 2 IDBs, EPBs of 60, 128, 61 (+3 padding) and 14 (+2) bytes */
	assert_int_equal(s.bytes, 40 + 40 + 40 + (32 + 60) + (32 + 128) + (32 + 64) + (32 + 16));
	assert_int_equal(s.rotations, 0);
	assert_int_equal(s.errors, 0);
	vtap_pcapng_file_close(f);

	assert_int_equal(read_frames(path, fr), 4);
	assert_int_equal(fr[0].id, 0);
	assert_string_equal(fr[0].name, "web");
	assert_int_equal(fr[0].len, 60);
	assert_int_equal(fr[0].cap_len, 60);
	check_epoch(&fr[0], TS0);
	check_src(&fr[0], 0);
	assert_int_equal(fr[1].id, 1);
	assert_string_equal(fr[1].name, "dns");
	assert_int_equal(fr[1].len, 1500); /* truncated: wire length kept */
	assert_int_equal(fr[1].cap_len, 128);
	check_epoch(&fr[1], TS0 + 876543210);
	check_src(&fr[1], 1);
	assert_string_equal(fr[2].name, "web");
	assert_int_equal(fr[2].cap_len, 61);
	assert_string_equal(fr[2].epoch, "4.294967296");
	check_src(&fr[2], 2);
	assert_string_equal(fr[3].name, "dns");
	assert_int_equal(fr[3].len, 14);
	assert_string_equal(fr[3].epoch, "0.000000005");
	check_capinfos(path, 4, "web,dns");
}

/* A file with interfaces and no packet is still a valid capture. */
static void test_file_no_packets(void **state)
{
	struct vtap_pcapng_file *f;
	struct frame fr[MAX_FRAMES];
	const char *path = tpath(0, "empty.pcapng", 0);

	(void)state;
	assert_int_equal(vtap_pcapng_file_open(&f, path, 0, 0), 0);
	assert_int_equal(vtap_pcapng_file_iface(f, "a", 0), 0);
	assert_int_equal(vtap_pcapng_file_iface(f, "b", 0), 1);
	vtap_pcapng_file_close(f);
	assert_int_equal(file_size(path), 40 + 40 + 40);
	assert_int_equal(read_frames(path, fr), 0);
	check_capinfos(path, 0, "a,b");
}

static void test_file_bad_args(void **state)
{
	struct vtap_pcapng_file_stats s;
	struct vtap_pcapng_file *f = (void *)1;
	uint8_t pkt[64] = {0};

	(void)state;
	assert_int_equal(vtap_pcapng_file_open(&f, "", 0, 0), -EINVAL);
	assert_null(f);
	assert_int_equal(vtap_pcapng_file_open(&f, tpath(0, "x.pcapng", 0), 0, 0), 0);
	assert_int_equal(vtap_pcapng_file_iface(f, "", 0), -EINVAL);
	assert_int_equal(vtap_pcapng_file_iface(f, NULL, 0), -EINVAL);
	/* no interface yet: id 0 is unknown */
	assert_int_equal(vtap_pcapng_file_write(f, 0, 1, pkt, 64, 64), -EINVAL);
	assert_int_equal(vtap_pcapng_file_iface(f, "a", 0), 0);
	assert_int_equal(vtap_pcapng_file_write(f, 1, 1, pkt, 64, 64), -EINVAL);
	assert_int_equal(vtap_pcapng_file_write(f, 0, 1, pkt, 64, 63), -EINVAL);
	assert_int_equal(vtap_pcapng_file_write(f, 0, 1, NULL, 64, 64), -EINVAL);
	assert_int_equal(vtap_pcapng_file_write(f, 0, 1, pkt, 64, 64), 0);
	vtap_pcapng_file_close(f);
	vtap_pcapng_file_close(NULL);
	/* caller mistakes are not output errors */
	assert_int_equal(vtap_pcapng_file_open(&f, tpath(0, "x.pcapng", 0), 0, 0), 0);
	stats_of(f, &s);
	assert_int_equal(s.errors, 0);
	vtap_pcapng_file_close(f);
}

/* Wireshark refuses an Ethernet frame above 256 KiB: the writer cuts it. */
static void test_file_caplen_cut(void **state)
{
	struct vtap_pcapng_file *f;
	struct frame fr[MAX_FRAMES];
	const char *path = tpath(0, "big.pcapng", 0);
	uint32_t big = VTAP_PCAPNG_MAX_CAPLEN + 1000;
	uint8_t *pkt = malloc(big);

	(void)state;
	assert_non_null(pkt);
	assert_int_equal(vtap_pcapng_file_open(&f, path, 0, 0), 0);
	assert_int_equal(vtap_pcapng_file_iface(f, "jumbo", 0), 0);
	assert_int_equal(vtap_pcapng_file_write(f, 0, TS0, make_packet(pkt, big, 9), big, big), 0);
	vtap_pcapng_file_close(f);
	free(pkt);
	assert_int_equal(read_frames(path, fr), 1);
	assert_int_equal(fr[0].len, big);
	assert_int_equal(fr[0].cap_len, VTAP_PCAPNG_MAX_CAPLEN);
	check_src(&fr[0], 9);
}

/* Past 64 KiB the buffer goes out without an explicit flush, whole blocks only. */
static void test_file_buffer_full(void **state)
{
	struct vtap_pcapng_file_stats s;
	struct vtap_pcapng_file *f;
	struct frame fr[MAX_FRAMES];
	const char *path = tpath(0, "buf.pcapng", 0);
	uint8_t pkt[1000];
	unsigned i;

	(void)state;
	assert_int_equal(vtap_pcapng_file_open(&f, path, 0, 0), 0);
	assert_int_equal(vtap_pcapng_file_iface(f, "a", 0), 0);
	for (i = 0; i < 200 && file_size(path) == 0; i++)
		assert_int_equal(
		    vtap_pcapng_file_write(f, 0, TS0 + i, make_packet(pkt, 1000, i), 1000, 1000),
		    0);
	/* 64 KiB holds 63 blocks of 1032 bytes after the 80 bytes of headers */
	assert_int_equal(i, 64);
	stats_of(f, &s);
	assert_int_equal(s.packets, 64);
	assert_int_equal(s.bytes, file_size(path));
	assert_int_equal(s.bytes, 80 + 64 * 1032);
	for (; i < 100; i++)
		assert_int_equal(
		    vtap_pcapng_file_write(f, 0, TS0 + i, make_packet(pkt, 1000, i), 1000, 1000),
		    0);
	vtap_pcapng_file_close(f);
	assert_int_equal(read_frames(path, fr), 100);
	for (i = 0; i < 100; i++) {
		check_src(&fr[i], i);
		check_epoch(&fr[i], TS0 + i);
	}
}

/* Writes n packets of len bytes, seq from *seq, alternating the given ids. */
static void write_seq(struct vtap_pcapng_file *f, const int *ids, int n_ids, unsigned *seq,
		      unsigned n, uint32_t len)
{
	uint8_t pkt[2048];

	assert_true(len <= sizeof(pkt));
	for (unsigned i = 0; i < n; i++, (*seq)++) {
		int id = ids[*seq % (unsigned)n_ids];

		assert_int_equal(vtap_pcapng_file_write(f, (uint32_t)id, TS0 + *seq,
							make_packet(pkt, len, *seq), len, len),
				 0);
	}
}

/* Reads the files oldest first (PATH.k_max ... PATH.1, PATH): each stands
 * alone, stays within max_size unless it has one packet, has the IDBs
 * named, and the packets run on from file to file, ending at last_seq. */
static int check_series(const char *name, int k_max, uint64_t max_size, const char *ifnames,
			const char **id_names, int n_ids, unsigned last_seq)
{
	static struct frame fr[MAX_FRAMES];
	unsigned next = 0;
	int total = 0;
	bool first = true;

	for (int k = k_max; k >= 0; k--) {
		const char *path = tpath(1, name, k);
		int n = read_frames(path, fr);

		assert_true(n >= 1);
		if ((uint64_t)file_size(path) > max_size)
			assert_int_equal(n, 1);
		check_capinfos(path, n, ifnames);
		for (int i = 0; i < n; i++) {
			unsigned hi, lo, seq;

			assert_true(fr[i].id < (unsigned)n_ids);
			assert_string_equal(fr[i].name, id_names[fr[i].id]);
			assert_int_equal(sscanf(fr[i].src, "02:00:00:00:%x:%x", &hi, &lo), 2);
			seq = hi << 8 | lo;
			if (!first)
				assert_int_equal(seq, next);
			first = false;
			next = seq + 1;
			check_epoch(&fr[i], TS0 + seq);
			/* the packet went to the interface write_seq chose */
			assert_int_equal(fr[i].id, seq % (unsigned)n_ids);
		}
		total += n;
	}
	assert_int_equal(next - 1, last_seq);
	return total;
}

/* SHB and IDBs a, b: 120 bytes; a packet of 200 bytes: 232. */
#define ROT_SIZE     4096u
#define ROT_HDR	     120u
#define ROT_BLK	     232u
#define ROT_PER_FILE ((ROT_SIZE - ROT_HDR) / ROT_BLK)	       /* 17 */
#define ROT_FILES(n) (((n) + ROT_PER_FILE - 1) / ROT_PER_FILE) /* written in all */

static void test_rotation_count(void **state)
{
	static const char *names[] = {"a", "b"};
	struct vtap_pcapng_file *f;
	const char *path = tpath(0, "rot.pcapng", 0);
	unsigned seq = 0, last;
	int ids[2];
	struct stat st;
	mode_t old;

	(void)state;
	old = umask(0);
	assert_int_equal(vtap_pcapng_file_open(&f, path, ROT_SIZE, 3), 0);
	umask(old);
	ids[0] = vtap_pcapng_file_iface(f, "a", 0);
	ids[1] = vtap_pcapng_file_iface(f, "b", 256);
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[1], 1);
	write_seq(f, ids, 2, &seq, 200, 200);
	vtap_pcapng_file_close(f);

	assert_int_equal(count_entries(tmpdir), 3);
	assert_true(exists(tpath(1, "rot.pcapng", 1)));
	assert_true(exists(tpath(1, "rot.pcapng", 2)));
	for (int k = 0; k < 3; k++) {
		assert_true(file_size(tpath(1, "rot.pcapng", k)) <= ROT_SIZE);
		assert_int_equal(lstat(tpath(1, "rot.pcapng", k), &st), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
	}
	/* two full files and the last one's remainder */
	last = 200 - (ROT_FILES(200) - 1) * ROT_PER_FILE;
	assert_int_equal(check_series("rot.pcapng", 2, ROT_SIZE, "a,b", names, 2, 199),
			 2 * ROT_PER_FILE + last);
}

static void test_rotation_stats(void **state)
{
	struct vtap_pcapng_file_stats s;
	struct vtap_pcapng_file *f;
	int id = 0;
	unsigned seq = 0;

	(void)state;
	assert_int_equal(vtap_pcapng_file_open(&f, tpath(0, "r.pcapng", 0), ROT_SIZE, 3), 0);
	assert_int_equal(vtap_pcapng_file_iface(f, "a", 0), 0);
	assert_int_equal(vtap_pcapng_file_iface(f, "b", 0), 1);
	write_seq(f, &id, 1, &seq, 200, 200);
	assert_int_equal(vtap_pcapng_file_flush(f), 0);
	stats_of(f, &s);
	vtap_pcapng_file_close(f);
	/* every packet reached a file, those in files since removed too */
	assert_int_equal(s.packets, 200);
	assert_int_equal(s.rotations, ROT_FILES(200) - 1);
	assert_int_equal(s.bytes, ROT_FILES(200) * ROT_HDR + 200 * ROT_BLK);
	assert_int_equal(s.errors, 0);
}

static void test_rotation_unlimited(void **state)
{
	static const char *names[] = {"only"};
	struct vtap_pcapng_file_stats s;
	struct vtap_pcapng_file *f;
	const char *path = tpath(0, "u.pcapng", 0);
	int id;
	unsigned seq = 0;

	(void)state;
	assert_int_equal(vtap_pcapng_file_open(&f, path, 2048, 0), 0);
	id = vtap_pcapng_file_iface(f, "only", 0);
	assert_int_equal(id, 0);
	write_seq(f, &id, 1, &seq, 50, 300);
	assert_int_equal(vtap_pcapng_file_flush(f), 0);
	stats_of(f, &s);
	vtap_pcapng_file_close(f);
	/* 80 bytes of headers, 332 per packet: 5 packets a file */
	assert_int_equal(s.rotations, 9);
	assert_int_equal(count_entries(tmpdir), 10);
	assert_false(exists(tpath(1, "u.pcapng", 10)));
	assert_int_equal(check_series("u.pcapng", 9, 2048, "only", names, 1, 49), 50);
}

/* rotate_count 1: the active file only, started afresh. */
static void test_rotation_count_one(void **state)
{
	static const char *names[] = {"a"};
	struct vtap_pcapng_file_stats s;
	struct vtap_pcapng_file *f;
	int id = 0;
	unsigned seq = 0;

	(void)state;
	assert_int_equal(vtap_pcapng_file_open(&f, tpath(0, "one.pcapng", 0), 1024, 1), 0);
	assert_int_equal(vtap_pcapng_file_iface(f, "a", 0), 0);
	write_seq(f, &id, 1, &seq, 20, 200);
	stats_of(f, &s);
	vtap_pcapng_file_close(f);
	assert_int_equal(s.rotations, 4);
	assert_int_equal(count_entries(tmpdir), 1);
	/* 80 + 4 * 232 = 1008: 4 packets a file, the last 4 in it */
	assert_int_equal(check_series("one.pcapng", 0, 1024, "a", names, 1, 19), 4);
}

/* A packet larger than rotate_size gets a file of its own. */
static void test_rotation_oversized(void **state)
{
	static const char *names[] = {"a"};
	struct vtap_pcapng_file *f;
	int id = 0;
	unsigned seq = 0;

	(void)state;
	assert_int_equal(vtap_pcapng_file_open(&f, tpath(0, "o.pcapng", 0), 100, 0), 0);
	assert_int_equal(vtap_pcapng_file_iface(f, "a", 0), 0);
	write_seq(f, &id, 1, &seq, 3, 200);
	vtap_pcapng_file_close(f);
	assert_int_equal(count_entries(tmpdir), 3);
	for (int k = 0; k < 3; k++)
		assert_int_equal(file_size(tpath(1, "o.pcapng", k)), 80 + 232);
	assert_int_equal(check_series("o.pcapng", 2, 100, "a", names, 1, 2), 3);
}

/* An interface registered when its IDB would overflow a file with packets
 * waits for the next file, which has every IDB; ids stay the same. */
static void test_rotation_late_iface(void **state)
{
	static const char *names[] = {"a", "b"};
	struct vtap_pcapng_file *f;
	struct frame fr[MAX_FRAMES];
	const char *path = tpath(0, "l.pcapng", 0);
	uint8_t pkt[200];

	(void)state;
	/* SHB 40, IDB a 40, 2 packets of 232: 544; IDB b would make 584 */
	assert_int_equal(vtap_pcapng_file_open(&f, path, 560, 0), 0);
	assert_int_equal(vtap_pcapng_file_iface(f, "a", 0), 0);
	assert_int_equal(vtap_pcapng_file_write(f, 0, TS0, make_packet(pkt, 200, 0), 200, 200), 0);
	assert_int_equal(vtap_pcapng_file_write(f, 0, TS0 + 1, make_packet(pkt, 200, 1), 200, 200),
			 0);
	assert_int_equal(vtap_pcapng_file_iface(f, "b", 0), 1);
	assert_int_equal(vtap_pcapng_file_flush(f), 0);
	assert_int_equal(file_size(path), 544);
	assert_int_equal(vtap_pcapng_file_write(f, 1, TS0 + 2, make_packet(pkt, 200, 2), 200, 200),
			 0);
	vtap_pcapng_file_close(f);

	assert_int_equal(read_frames(tpath(1, "l.pcapng", 1), fr), 2);
	check_capinfos(tpath(1, "l.pcapng", 1), 2, "a");
	assert_int_equal(read_frames(path, fr), 1);
	assert_int_equal(fr[0].id, 1);
	assert_string_equal(fr[0].name, names[1]);
	check_src(&fr[0], 2);
	check_capinfos(path, 1, "a,b");
	assert_int_equal(file_size(path), 40 + 40 + 40 + 232);
}

/* Rotated files left by an earlier run with a larger count go; PATH itself
 * is truncated on open. */
static void test_rotation_leftovers(void **state)
{
	struct vtap_pcapng_file *f;
	struct frame fr[MAX_FRAMES];
	const char *path = tpath(0, "left.pcapng", 0);
	int id = 0;
	unsigned seq = 0;

	(void)state;
	for (int k = 0; k <= 5; k++) {
		FILE *o = fopen(tpath(1, "left.pcapng", k), "w");

		assert_non_null(o);
		fputs("not a capture", o);
		fclose(o);
	}
	assert_int_equal(vtap_pcapng_file_open(&f, path, 1024, 3), 0);
	assert_int_equal(vtap_pcapng_file_iface(f, "a", 0), 0);
	write_seq(f, &id, 1, &seq, 5, 200); /* one rotation */
	vtap_pcapng_file_close(f);
	assert_int_equal(count_entries(tmpdir), 3);
	assert_int_equal(read_frames(path, fr), 1);
	assert_int_equal(read_frames(tpath(1, "left.pcapng", 1), fr), 4);
	/* the old PATH.1, moved up */
	assert_int_equal(file_size(tpath(1, "left.pcapng", 2)), strlen("not a capture"));
}

static void test_refuse_symlink(void **state)
{
	struct vtap_pcapng_file *f = (void *)1;
	const char *path = tpath(0, "link.pcapng", 0);
	const char *victim = tpath(1, "victim", 0);
	const char *dangling = tpath(2, "dangling.pcapng", 0);
	int rfd, r;
	FILE *o;

	(void)state;
	o = fopen(victim, "w");
	assert_non_null(o);
	fputs("keep", o);
	fclose(o);
	assert_int_equal(symlink(victim, path), 0);
	assert_int_equal(vtap_pcapng_file_open(&f, path, 0, 0), -ELOOP);
	assert_null(f);
	assert_int_equal(file_size(victim), 4);

	/* nor is a file created through a dangling one */
	assert_int_equal(symlink(tpath(3, "nowhere", 0), dangling), 0);
	assert_int_equal(vtap_pcapng_file_open(&f, dangling, 0, 0), -ELOOP);
	assert_false(exists(tpath(3, "nowhere", 0)));

	/* nor anything but a regular file; a FIFO must not block */
	assert_int_equal(mkfifo(tpath(3, "fifo", 0), 0600), 0);
	assert_true(vtap_pcapng_file_open(&f, tpath(3, "fifo", 0), 0, 0) < 0);
	rfd = open(tpath(3, "fifo", 0), O_RDONLY | O_NONBLOCK | O_CLOEXEC); /* a reader, too */
	assert_true(rfd >= 0);
	r = vtap_pcapng_file_open(&f, tpath(3, "fifo", 0), 0, 0);
	close(rfd);
	assert_int_equal(r, -EINVAL);
	assert_null(f);
	assert_int_equal(vtap_pcapng_file_open(&f, tmpdir, 0, 0), -EISDIR);
	assert_int_equal(vtap_pcapng_file_open(&f, tpath(3, "no/such/dir", 0), 0, 0), -ENOENT);
}

/* The writer's descriptor for path, found in /proc/self/fd. */
static int writer_fd(const char *path)
{
	char link[320], target[PATH_MAX];
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int fd = -1;

	assert_non_null(d);
	while ((e = readdir(d))) {
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = 0;
		if (!strcmp(target, path))
			fd = atoi(e->d_name);
	}
	closedir(d);
	assert_true(fd >= 0);
	return fd;
}

static void test_write_error_bad_fd(void **state)
{
	struct vtap_pcapng_file_stats s;
	struct vtap_pcapng_file *f;
	struct frame fr[MAX_FRAMES];
	const char *path = tpath(0, "err.pcapng", 0);
	uint8_t pkt[100];
	int wfd, rfd;

	(void)state;
	assert_int_equal(vtap_pcapng_file_open(&f, path, 0, 0), 0);
	assert_int_equal(vtap_pcapng_file_iface(f, "a", 0), 0);
	assert_int_equal(vtap_pcapng_file_write(f, 0, TS0, make_packet(pkt, 100, 0), 100, 100), 0);
	assert_int_equal(vtap_pcapng_file_flush(f), 0);

	/* the writer's descriptor turned read-only under it */
	wfd = writer_fd(path);
	rfd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(rfd >= 0);
	assert_int_equal(dup2(rfd, wfd), wfd);
	close(rfd);
	assert_int_equal(vtap_pcapng_file_write(f, 0, TS0 + 1, make_packet(pkt, 100, 1), 100, 100),
			 0);
	assert_int_equal(vtap_pcapng_file_flush(f), -EBADF);
	stats_of(f, &s);
	assert_int_equal(s.errors, 1);
	assert_int_equal(s.packets, 1);
	assert_int_equal(vtap_pcapng_file_flush(f), 0); /* the failed blocks were dropped */

	/* and then closed */
	close(wfd);
	assert_int_equal(vtap_pcapng_file_write(f, 0, TS0 + 2, make_packet(pkt, 100, 2), 100, 100),
			 0);
	assert_int_equal(vtap_pcapng_file_flush(f), -EBADF);
	stats_of(f, &s);
	assert_int_equal(s.errors, 2);
	assert_int_equal(s.packets, 1);
	vtap_pcapng_file_close(f);

	assert_int_equal(read_frames(path, fr), 1);
	check_src(&fr[0], 0);
}

/* RLIMIT_FSIZE makes write(2) stop part way through a block (EFBIG): the
 * writer must cut the file back to whole blocks, and write the headers lost
 * with the buffer again before the next packet. */
static struct rlimit saved_fsize;
static void (*saved_xfsz)(int);

static int setup_fsize(void **state)
{
	if (getrlimit(RLIMIT_FSIZE, &saved_fsize))
		return -1;
	saved_xfsz = signal(SIGXFSZ, SIG_IGN);
	return setup_dir(state);
}

static int teardown_fsize(void **state)
{
	setrlimit(RLIMIT_FSIZE, &saved_fsize);
	signal(SIGXFSZ, saved_xfsz);
	return teardown_dir(state);
}

static void limit_fsize(rlim_t n)
{
	struct rlimit r = saved_fsize;

	r.rlim_cur = n;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &r), 0);
}

static void test_write_error_torn(void **state)
{
	static const char *names[] = {"a", "b"};
	struct vtap_pcapng_file_stats s;
	struct vtap_pcapng_file *f;
	struct frame fr[MAX_FRAMES];
	const char *path = tpath(0, "torn.pcapng", 0);
	const char *path2 = tpath(2, "torn2.pcapng", 0);
	uint8_t pkt[200];
	uint64_t good;
	int i;

	(void)state;
	assert_int_equal(vtap_pcapng_file_open(&f, path, 0, 0), 0);
	assert_int_equal(vtap_pcapng_file_iface(f, "a", 0), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(
		    vtap_pcapng_file_write(f, 0, TS0 + i, make_packet(pkt, 200, i), 200, 200), 0);
	assert_int_equal(vtap_pcapng_file_flush(f), 0);
	stats_of(f, &s);
	good = s.bytes;
	assert_int_equal(file_size(path), good);

	limit_fsize(good + 100); /* room for part of one block */
	for (; i < 8; i++)
		assert_int_equal(
		    vtap_pcapng_file_write(f, 0, TS0 + i, make_packet(pkt, 200, i), 200, 200), 0);
	assert_int_equal(vtap_pcapng_file_flush(f), -EFBIG);
	assert_int_equal(file_size(path), good);
	stats_of(f, &s);
	assert_int_equal(s.errors, 1);
	assert_int_equal(s.packets, 3);
	limit_fsize(saved_fsize.rlim_cur);

	assert_int_equal(vtap_pcapng_file_iface(f, "b", 0), 1);
	assert_int_equal(vtap_pcapng_file_write(f, 1, TS0 + 9, make_packet(pkt, 200, 9), 200, 200),
			 0);
	assert_int_equal(
	    vtap_pcapng_file_write(f, 0, TS0 + 10, make_packet(pkt, 200, 10), 200, 200), 0);
	vtap_pcapng_file_close(f);
	assert_int_equal(read_frames(path, fr), 5);
	for (i = 0; i < 5; i++) {
		unsigned seq = i < 3 ? (unsigned)i : (unsigned)i + 6;

		check_src(&fr[i], seq);
		check_epoch(&fr[i], TS0 + seq);
		assert_string_equal(fr[i].name, names[seq == 9]);
	}
	check_capinfos(path, 5, "a,b");

	/* the very first write fails: SHB and IDB are lost and come again */
	assert_int_equal(vtap_pcapng_file_open(&f, path2, 0, 0), 0);
	assert_int_equal(vtap_pcapng_file_iface(f, "a", 0), 0);
	assert_int_equal(vtap_pcapng_file_iface(f, "b", 0), 1);
	assert_int_equal(vtap_pcapng_file_write(f, 1, TS0, make_packet(pkt, 200, 0), 200, 200), 0);
	limit_fsize(20);
	assert_int_equal(vtap_pcapng_file_flush(f), -EFBIG);
	assert_int_equal(file_size(path2), 0);
	limit_fsize(saved_fsize.rlim_cur);
	assert_int_equal(vtap_pcapng_file_write(f, 1, TS0 + 1, make_packet(pkt, 200, 1), 200, 200),
			 0);
	vtap_pcapng_file_close(f);
	assert_int_equal(read_frames(path2, fr), 1);
	assert_int_equal(fr[0].id, 1);
	assert_string_equal(fr[0].name, "b");
	check_src(&fr[0], 1);
	check_capinfos(path2, 1, "a,b");
}

/* PATH cannot be rotated away (PATH.1 is a non-empty directory, which even
 * root cannot rename a file over): the error is counted and returned, the
 * packet is lost, the active file stays, and the next write rotates. */
static void test_rotation_failure(void **state)
{
	struct vtap_pcapng_file_stats s;
	struct vtap_pcapng_file *f;
	struct frame fr[MAX_FRAMES];
	const char *path = tpath(0, "rf.pcapng", 0);
	const char *blocker = tpath(1, "rf.pcapng", 1);
	const char *inside = tpath(2, "rf.pcapng.1/x", 0);
	uint8_t pkt[200];
	FILE *o;

	(void)state;
	assert_int_equal(vtap_pcapng_file_open(&f, path, 600, 2), 0);
	assert_int_equal(vtap_pcapng_file_iface(f, "a", 0), 0);
	assert_int_equal(vtap_pcapng_file_write(f, 0, TS0, make_packet(pkt, 200, 0), 200, 200), 0);
	assert_int_equal(vtap_pcapng_file_write(f, 0, TS0 + 1, make_packet(pkt, 200, 1), 200, 200),
			 0);
	/* PATH.1 (count 2: the one to drop first) is a non-empty directory:
	 * neither unlink nor rename gets rid of it */
	assert_int_equal(mkdir(blocker, 0700), 0);
	o = fopen(inside, "w");
	assert_non_null(o);
	fclose(o);
	assert_true(vtap_pcapng_file_write(f, 0, TS0 + 2, make_packet(pkt, 200, 2), 200, 200) < 0);
	stats_of(f, &s);
	assert_int_equal(s.errors, 1);
	assert_int_equal(s.rotations, 0);
	assert_int_equal(s.packets, 2); /* flushed before the rotation was tried */
	assert_int_equal(unlink(inside), 0);
	assert_int_equal(rmdir(blocker), 0);
	assert_int_equal(vtap_pcapng_file_write(f, 0, TS0 + 3, make_packet(pkt, 200, 3), 200, 200),
			 0);
	stats_of(f, &s);
	assert_int_equal(s.rotations, 1);
	vtap_pcapng_file_close(f);
	assert_int_equal(read_frames(blocker, fr), 2);
	check_src(&fr[1], 1);
	assert_int_equal(read_frames(path, fr), 1);
	check_src(&fr[0], 3);
}

/* PATH deleted under the writer (by hand, or a cleanup job): the next
 * rotation starts a new PATH instead of failing for ever. */
static void test_rotation_path_removed(void **state)
{
	static const char *names[] = {"a"};
	struct vtap_pcapng_file_stats s;
	struct vtap_pcapng_file *f;
	const char *path = tpath(0, "gone.pcapng", 0);
	int id = 0;
	unsigned seq = 0;

	(void)state;
	for (uint32_t count = 0; count <= 3; count++) {
		assert_int_equal(vtap_pcapng_file_open(&f, path, 1024, count), 0);
		assert_int_equal(vtap_pcapng_file_iface(f, "a", 0), 0);
		seq = 0;
		write_seq(f, &id, 1, &seq, 4, 200); /* a full file: 80 + 4 * 232 */
		assert_int_equal(unlink(path), 0);
		write_seq(f, &id, 1, &seq, 2, 200);
		stats_of(f, &s);
		vtap_pcapng_file_close(f);
		assert_int_equal(s.rotations, 1);
		assert_int_equal(s.errors, 0);
		assert_int_equal(count_entries(tmpdir), 1);
		assert_int_equal(check_series("gone.pcapng", 0, 1024, "a", names, 1, 5), 2);
		assert_int_equal(unlink(path), 0);
	}
}


/* ---- continuing a file (vtap_pcapng_file_resume) ---- */

/* A file with interfaces web, dns and a packet each (seq 0, 1). */
static off_t first_run(const char *path)
{
	struct vtap_pcapng_file *f;
	uint8_t pkt[100];

	assert_int_equal(vtap_pcapng_file_open(&f, path, 0, 0), 0);
	assert_int_equal(vtap_pcapng_file_iface(f, "web", 0), 0);
	assert_int_equal(vtap_pcapng_file_iface(f, "dns", 0), 1);
	assert_int_equal(vtap_pcapng_file_write(f, 0, TS0, make_packet(pkt, 60, 0), 60, 60), 0);
	assert_int_equal(vtap_pcapng_file_write(f, 1, TS0, make_packet(pkt, 70, 1), 70, 70), 0);
	vtap_pcapng_file_close(f);
	return file_size(path);
}

/* The same file continued: a name it has keeps its id, a new one gets the
 * next; one section, read whole by tshark and capinfos. */
static void test_resume_continues(void **state)
{
	const char *path = tpath(0, "run.pcapng", 0);
	struct vtap_pcapng_file_stats s;
	struct vtap_pcapng_file *f;
	struct frame fr[MAX_FRAMES];
	uint8_t pkt[100];
	off_t size1;

	(void)state;
	size1 = first_run(path);
	assert_int_equal(vtap_pcapng_file_resume(&f, path, 0, 0), 0);
	assert_int_equal(file_size(path), size1); /* nothing cut, nothing added yet */
	assert_int_equal(vtap_pcapng_file_iface(f, "dns", 0), 1);
	assert_int_equal(vtap_pcapng_file_iface(f, "new", 0), 2);
	assert_int_equal(vtap_pcapng_file_iface(f, "web", 0), 0);
	assert_int_equal(vtap_pcapng_file_write(f, 1, TS0, make_packet(pkt, 60, 2), 60, 60), 0);
	assert_int_equal(vtap_pcapng_file_write(f, 2, TS0, make_packet(pkt, 60, 3), 60, 60), 0);
	assert_int_equal(vtap_pcapng_file_write(f, 0, TS0, make_packet(pkt, 60, 4), 60, 60), 0);
	assert_int_equal(vtap_pcapng_file_flush(f), 0);
	stats_of(f, &s);
	vtap_pcapng_file_close(f);
	/* this writer's own: 3 packets, one IDB and the EPBs */
	assert_int_equal(s.packets, 3);
	assert_int_equal(s.bytes, file_size(path) - size1);
	assert_int_equal(s.bytes, 40 + 3 * (32 + 60));
	assert_int_equal(read_frames(path, fr), 5);
	for (unsigned i = 0; i < 5; i++)
		check_src(&fr[i], i);
	assert_string_equal(fr[0].name, "web");
	assert_string_equal(fr[1].name, "dns");
	assert_string_equal(fr[2].name, "dns");
	assert_string_equal(fr[3].name, "new");
	assert_string_equal(fr[4].name, "web");
	check_capinfos(path, 5, "web,dns,new");
	/* and again: still one section, the three interfaces */
	assert_int_equal(vtap_pcapng_file_resume(&f, path, 0, 0), 0);
	assert_int_equal(vtap_pcapng_file_iface(f, "new", 0), 2);
	assert_int_equal(vtap_pcapng_file_write(f, 2, TS0, make_packet(pkt, 60, 5), 60, 60), 0);
	vtap_pcapng_file_close(f);
	assert_int_equal(read_frames(path, fr), 6);
	assert_string_equal(fr[5].name, "new");
	check_capinfos(path, 6, "web,dns,new");
}

/* Continues first_run's PATH of SIZE1 bytes (rotation as given), which
 * must keep those bytes (nothing cut, nothing added yet), writes web's
 * packet seq 2 through web's old id and closes: the frames PATH then holds,
 * the last being that packet; *s: the writer's counters. */
static int resume_write_web(const char *path, off_t size1, uint64_t rotate_size,
			    unsigned int rotate_count, struct vtap_pcapng_file_stats *s)
{
	struct vtap_pcapng_file *f;
	struct frame fr[MAX_FRAMES];
	uint8_t pkt[100];
	int n;

	assert_int_equal(vtap_pcapng_file_resume(&f, path, rotate_size, rotate_count), 0);
	assert_int_equal(file_size(path), size1);
	assert_int_equal(vtap_pcapng_file_iface(f, "web", 0), 0);
	assert_int_equal(vtap_pcapng_file_write(f, 0, TS0, make_packet(pkt, 60, 2), 60, 60), 0);
	stats_of(f, s);
	vtap_pcapng_file_close(f);
	n = read_frames(path, fr);
	assert_true(n > 0);
	check_src(&fr[n - 1], 2);
	assert_string_equal(fr[n - 1].name, "web");
	return n;
}

/* A write cut short by a crash (half a block at the end) is cut off; a
 * block whose trailing length disagrees ends the whole blocks too. */
static void test_resume_torn_tail(void **state)
{
	const char *path = tpath(0, "torn.pcapng", 0);
	struct vtap_pcapng_file_stats s;
	uint8_t half[44] = {0x06, 0, 0, 0, 92, 0, 0, 0};
	off_t size1;
	int fd;

	(void)state;
	size1 = first_run(path);
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, half, sizeof(half)), (ssize_t)sizeof(half));
	close(fd);
	assert_int_equal(resume_write_web(path, size1, 0, 0, &s), 3);
}

/* Not pcapng (or another byte order): started over, as open does. */
static void test_resume_not_pcapng(void **state)
{
	const char *path = tpath(0, "text", 0);
	struct vtap_pcapng_file *f;
	struct frame fr[MAX_FRAMES];
	uint8_t pkt[100];
	FILE *t = fopen(path, "w");

	(void)state;
	assert_non_null(t);
	fputs("not a capture, long enough to hold a block header\n", t);
	fclose(t);
	assert_int_equal(vtap_pcapng_file_resume(&f, path, 0, 0), 0);
	assert_int_equal(vtap_pcapng_file_iface(f, "web", 0), 0);
	assert_int_equal(vtap_pcapng_file_write(f, 0, TS0, make_packet(pkt, 60, 7), 60, 60), 0);
	vtap_pcapng_file_close(f);
	assert_int_equal(read_frames(path, fr), 1);
	check_src(&fr[0], 7);
	assert_int_equal(file_size(path), 40 + 40 + 32 + 60);
	/* absent: made, as open makes it */
	assert_int_equal(vtap_pcapng_file_resume(&f, tpath(1, "absent", 0), 0, 0), 0);
	vtap_pcapng_file_close(f);
	assert_int_equal(file_size(tpath(1, "absent", 0)), 40);
}

/* A continued file counts for rotation: the next packet that would take it
 * past rotate_size starts a new one, and the old one is PATH.1. */
static void test_resume_rotates(void **state)
{
	const char *path = tpath(0, "rot.pcapng", 0);
	struct vtap_pcapng_file_stats s;
	off_t size1;

	(void)state;
	size1 = first_run(path);
	assert_int_equal(resume_write_web(path, size1, (uint64_t)size1 + 50, 3, &s), 1);
	assert_int_equal(s.rotations, 1);
	assert_int_equal(file_size(tpath(1, "rot.pcapng", 1)), size1);
}

#define FILE_TEST(t) cmocka_unit_test_setup_teardown(t, setup_dir, teardown_dir)

int main(void)
{
	static const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shb_bytes),
	    cmocka_unit_test(test_idb_bytes),
	    cmocka_unit_test(test_epb_bytes),
	    cmocka_unit_test(test_buf_sequence_and_oom),
	    FILE_TEST(test_file_read_back),
	    FILE_TEST(test_file_no_packets),
	    FILE_TEST(test_file_bad_args),
	    FILE_TEST(test_file_caplen_cut),
	    FILE_TEST(test_file_buffer_full),
	    FILE_TEST(test_rotation_count),
	    FILE_TEST(test_rotation_stats),
	    FILE_TEST(test_rotation_unlimited),
	    FILE_TEST(test_rotation_count_one),
	    FILE_TEST(test_rotation_oversized),
	    FILE_TEST(test_rotation_late_iface),
	    FILE_TEST(test_rotation_leftovers),
	    FILE_TEST(test_refuse_symlink),
	    FILE_TEST(test_write_error_bad_fd),
	    cmocka_unit_test_setup_teardown(test_write_error_torn, setup_fsize, teardown_fsize),
	    FILE_TEST(test_rotation_failure),
	    FILE_TEST(test_rotation_path_removed),
	    FILE_TEST(test_resume_continues),
	    FILE_TEST(test_resume_torn_tail),
	    FILE_TEST(test_resume_not_pcapng),
	    FILE_TEST(test_resume_rotates),
	};

	return cmocka_run_group_tests_name("pcapng", tests, NULL, NULL);
}
