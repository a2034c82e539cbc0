// SPDX-License-Identifier: GPL-2.0
/* pcapng files with logrotate-style rotation, over the encoder of
 * pcapng.c; an existing file is continued through pcapng_scan.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcapng_blocks.h"
#include "pcapng_scan.h"

/* The writer flushes once this much is buffered: large enough that a busy
 * capture costs one write(2) per ~40 full-size frames, small enough that a
 * crash loses little. */
#define FLUSH_AT (64 * 1024)

struct iface {
	char *name;
	uint32_t snaplen;
};

/* What the active file holds: its size, whether the SHB is in, how many
 * IDBs (always the first ones, in id order) and how many packets. */
struct file_state {
	uint64_t size, packets;
	uint32_t idbs;
	bool shb;
};

struct vtap_pcapng_file {
	char *path;
	char *from, *to; /* room for "PATH.N" names while rotating */
	size_t name_size;
	uint64_t rotate_size;
	uint32_t rotate_count;
	int fd; /* -1 after a failed rotation: the next write reopens PATH */
	struct iface *ifaces;
	uint32_t n_ifaces, cap_ifaces;
	struct vtap_pcapng_buf buf;
	/* cur counts the buffer too; disk only what write(2) took. A failed
	 * flush puts cur back to disk, so headers lost with the buffer are
	 * written again before the next packet. */
	struct file_state cur, disk;
	struct vtap_pcapng_file_stats st;
};

/* The whole of [p, p + n) or -errno; a partial write before the error is
 * left for the caller to cut off. */
static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (w == 0) /* not for a regular file, but do not spin on it */
			return -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int flush(struct vtap_pcapng_file *f)
{
	int r;

	if (!f->buf.len)
		return 0;
	r = f->fd < 0 ? -EBADF : write_all(f->fd, f->buf.p, f->buf.len);
	f->buf.len = 0;
	if (!r) {
		f->st.packets += f->cur.packets - f->disk.packets;
		f->st.bytes += f->cur.size - f->disk.size;
		f->disk = f->cur;
		return 0;
	}
	/* Cut off a partly written block: what follows it would be read as
	 * its continuation and the rest of the file lost. The buffer's blocks
	 * are dropped (retrying could buffer without bound while a disk is
	 * full); the headers among them are rewritten before the next packet. */
	f->st.errors++;
	if (f->fd >= 0 && !ftruncate(f->fd, (off_t)f->disk.size))
		lseek(f->fd, (off_t)f->disk.size, SEEK_SET);
	f->cur = f->disk;
	return r;
}

/* SHB and any IDBs the active file lacks. 0 or -ENOMEM. */
static int headers(struct vtap_pcapng_file *f)
{
	size_t len = f->buf.len;

	if (!f->cur.shb)
		vtap_pcapng_shb(&f->buf);
	for (uint32_t i = f->cur.idbs; i < f->n_ifaces; i++)
		vtap_pcapng_idb(&f->buf, f->ifaces[i].name, f->ifaces[i].snaplen);
	if (f->buf.oom) {
		/* all or nothing, so cur stays true to the buffer */
		f->buf.oom = 0;
		f->buf.len = len;
		return -ENOMEM;
	}
	f->cur.size += f->buf.len - len;
	f->cur.shb = true;
	f->cur.idbs = f->n_ifaces;
	return 0;
}

/* Bytes headers() would add now. */
static uint64_t headers_size(const struct vtap_pcapng_file *f)
{
	uint64_t n = f->cur.shb ? 0 : shb_size();

	for (uint32_t i = f->cur.idbs; i < f->n_ifaces; i++)
		n += idb_size(f->ifaces[i].name);
	return n;
}

/* An existing pcapng file at PATH (fd, size bytes) is continued: its
 * whole blocks stay, the writer goes on in its last section with its
 * interfaces (pcapng_scan.h). 0, or -EINVAL when it is not pcapng this
 * writer can continue (it is then started over). */
static int resume_file(struct vtap_pcapng_file *f, int fd, off_t size)
{
	struct vtap_pcapng_scan sc;
	int r = vtap_pcapng_scan(fd, size, &sc);

	if (r)
		return r;
	if (ftruncate(fd, sc.end) || lseek(fd, sc.end, SEEK_SET) != sc.end) {
		r = -errno;
		vtap_pcapng_scan_free(&sc);
		return r;
	}
	f->ifaces = calloc(sc.n + 1, sizeof(*f->ifaces));
	if (!f->ifaces) {
		vtap_pcapng_scan_free(&sc);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < sc.n; i++) {
		f->ifaces[i].name = sc.names[i]; /* taken over */
		f->ifaces[i].snaplen = sc.snaplen[i];
	}
	f->n_ifaces = f->cap_ifaces = sc.n;
	sc.n = 0;
	f->cur = f->disk = (struct file_state){
	    .size = (uint64_t)sc.end, .packets = sc.packets, .idbs = f->n_ifaces, .shb = true};
	vtap_pcapng_scan_free(&sc);
	return 0;
}

/* Opens PATH as the active file: new and empty, or with resume, the
 * pcapng file there continued (its whole blocks kept). */
static int open_active(struct vtap_pcapng_file *f, bool resume)
{
	struct stat st;
	int fd, r;

	/* O_NOFOLLOW: a symlink planted at PATH must not redirect the capture
	 * (written by root) onto another file. O_NONBLOCK: a FIFO there must
	 * not block the caller; it is refused just below anyway. */
	fd = open(f->path,
		  (resume ? O_RDWR : O_WRONLY | O_TRUNC) | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
		      O_NONBLOCK,
		  0600);
	if (fd < 0)
		return -errno;
	/* Rotation renames PATH and a failed write cuts the file back with
	 * ftruncate: both only make sense for a regular file. */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	f->fd = fd;
	f->cur = f->disk = (struct file_state){0};
	if (!resume || !st.st_size)
		return 0;
	r = resume_file(f, fd, st.st_size);
	if (r == -EINVAL && !ftruncate(fd, 0)) /* not pcapng it can continue */
		r = 0;
	if (r) {
		close(fd);
		f->fd = -1;
	}
	return r;
}

static const char *name_k(struct vtap_pcapng_file *f, char *buf, uint32_t k)
{
	snprintf(buf, f->name_size, "%s.%u", f->path, k);
	return buf;
}

static bool exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

/* PATH.k -> PATH.k+1 from the oldest kept down, then PATH -> PATH.1.
 * Only the last step must succeed: failing it, opening PATH again would
 * truncate the file just finished. Older files that cannot be moved are
 * left (the next rename may then replace one of them). A PATH removed by
 * someone else is no failure: there is nothing left to keep, and refusing
 * would leave the writer appending to a deleted file for good. */
static int shift_files(struct vtap_pcapng_file *f)
{
	uint32_t top, k;
	int r;

	if (f->rotate_count == 1) {
		r = unlink(f->path);
		return r && errno != ENOENT ? -errno : 0;
	}
	if (f->rotate_count == 0) {
		/* unlimited: move up everything below the first gap */
		for (top = 1; top < UINT32_MAX && exists(name_k(f, f->from, top)); top++)
			;
	} else {
		/* PATH.(count-1) falls off the end, and so do leftovers of a
		 * run with a larger count right above it */
		for (k = f->rotate_count - 1; k < UINT32_MAX && exists(name_k(f, f->from, k)); k++)
			unlink(f->from);
		top = f->rotate_count - 1;
	}
	for (k = top - 1; k >= 1; k--)
		rename(name_k(f, f->from, k), name_k(f, f->to, k + 1));
	r = rename(f->path, name_k(f, f->to, 1));
	return r && errno != ENOENT ? -errno : 0;
}

/* Finishes the active file and starts a new one with all the headers.
 * Errors are counted here. */
static int rotate(struct vtap_pcapng_file *f)
{
	int r;

	/* a failure here loses the old file's buffered tail (counted), but
	 * the rotation itself can still go on */
	flush(f);
	r = shift_files(f);
	if (r) {
		/* the old file stays active, and the next packet tries again */
		f->st.errors++;
		return r;
	}
	close(f->fd);
	f->fd = -1;
	f->st.rotations++;
	r = open_active(f, false);
	if (!r)
		r = headers(f);
	if (r)
		f->st.errors++;
	return r;
}

static int file_open(struct vtap_pcapng_file **fp, const char *path, uint64_t rotate_size,
		     uint32_t rotate_count, bool resume)
{
	struct vtap_pcapng_file *f;
	int r = -ENOMEM;

	*fp = NULL;
	if (!path || !*path)
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->fd = -1;
	f->rotate_size = rotate_size;
	f->rotate_count = rotate_count;
	f->name_size = strlen(path) + sizeof(".4294967295");
	f->path = strdup(path);
	f->from = malloc(f->name_size);
	f->to = malloc(f->name_size);
	if (!f->path || !f->from || !f->to || !vtap_pcapng_buf_grow(&f->buf, FLUSH_AT + 4096))
		goto fail;
	r = open_active(f, resume);
	if (!r)
		r = headers(f);
	if (r)
		goto fail;
	*fp = f;
	return 0;
fail:
	vtap_pcapng_file_close(f);
	return r;
}

int vtap_pcapng_file_open(struct vtap_pcapng_file **fp, const char *path, uint64_t rotate_size,
			  uint32_t rotate_count)
{
	return file_open(fp, path, rotate_size, rotate_count, false);
}

int vtap_pcapng_file_resume(struct vtap_pcapng_file **fp, const char *path, uint64_t rotate_size,
			    uint32_t rotate_count)
{
	return file_open(fp, path, rotate_size, rotate_count, true);
}

int vtap_pcapng_file_iface(struct vtap_pcapng_file *f, const char *name, uint32_t snaplen)
{
	struct iface *ifs;
	uint32_t id;

	if (!name || !*name)
		return -EINVAL;
	for (id = 0; id < f->n_ifaces; id++)
		if (!strcmp(f->ifaces[id].name, name))
			return (int)id;
	if (f->n_ifaces >= INT32_MAX) /* ids are returned as int */
		return -ENOSPC;
	if (f->n_ifaces == f->cap_ifaces) {
		uint32_t cap = f->cap_ifaces ? f->cap_ifaces * 2 : 8;

		ifs = reallocarray(f->ifaces, cap, sizeof(*ifs));
		if (!ifs)
			return -ENOMEM;
		f->ifaces = ifs;
		f->cap_ifaces = cap;
	}
	f->ifaces[id].name = strdup(name);
	if (!f->ifaces[id].name)
		return -ENOMEM;
	f->ifaces[id].snaplen = snaplen;
	f->n_ifaces++;
	/* The IDB goes in now so that a file without packets still names its
	 * interfaces, unless the file is closed (a failed rotation) or the
	 * IDB would push a file with packets past rotate_size: then the next
	 * write, which may rotate, adds it. Either way no I/O here, so a
	 * registration cannot fail for the file's sake. */
	if (f->fd >= 0 &&
	    !(f->rotate_size && f->cur.packets && f->cur.size + headers_size(f) > f->rotate_size))
		headers(f); /* on -ENOMEM the next write tries again */
	return (int)id;
}

int vtap_pcapng_file_write(struct vtap_pcapng_file *f, uint32_t if_id, uint64_t ts_ns,
			   const void *data, uint32_t caplen, uint32_t origlen)
{
	uint64_t need;
	int r;

	if (if_id >= f->n_ifaces || origlen < caplen || (caplen && !data))
		return -EINVAL;
	if (caplen > VTAP_PCAPNG_MAX_CAPLEN)
		caplen = VTAP_PCAPNG_MAX_CAPLEN; /* origlen still says it was cut */
	if (f->fd < 0) {
		r = open_active(f, false);
		if (r) {
			f->st.errors++;
			return r;
		}
	}
	/* Decided on the size with the buffer: the file never outgrows
	 * rotate_size unless its headers and first packet alone do. */
	need = headers_size(f) + epb_size(caplen);
	if (f->rotate_size && f->cur.packets && f->cur.size + need > f->rotate_size) {
		r = rotate(f);
		if (r)
			return r;
	}
	r = headers(f);
	if (!r) {
		vtap_pcapng_epb(&f->buf, if_id, ts_ns, data, caplen, origlen);
		if (f->buf.oom) {
			f->buf.oom = 0;
			r = -ENOMEM;
		}
	}
	if (r) {
		/* counted with the output failures: the packet is lost all the same */
		f->st.errors++;
		return r;
	}
	f->cur.size += epb_size(caplen);
	f->cur.packets++;
	if (f->buf.len >= FLUSH_AT)
		return flush(f);
	return 0;
}

void vtap_pcapng_file_stats(const struct vtap_pcapng_file *f, struct vtap_pcapng_file_stats *s)
{
	*s = f->st;
}

int vtap_pcapng_file_flush(struct vtap_pcapng_file *f)
{
	return flush(f);
}

void vtap_pcapng_file_close(struct vtap_pcapng_file *f)
{
	if (!f)
		return;
	flush(f);
	if (f->fd >= 0)
		close(f->fd);
	for (uint32_t i = 0; i < f->n_ifaces; i++)
		free(f->ifaces[i].name);
	free(f->ifaces);
	vtap_pcapng_buf_free(&f->buf);
	free(f->path);
	free(f->from);
	free(f->to);
	free(f);
}
