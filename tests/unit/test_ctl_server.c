// SPDX-License-Identifier: GPL-2.0
/* The control server (user/ctl/server.c, socket.c) on real unix sockets in
 * a temporary directory, driven the way a daemon drives it (poll its fd,
 * run it) by this one thread, with short bounds: request framing and its
 * bounds; a silent client and a client that never reads its reply are
 * dropped at their deadlines while other clients are answered at once and
 * no run blocks; the reply and client bounds; a handler that takes the
 * connection over; the quit flag; the socket file (born 0600 in a directory
 * it makes, a live server's path refused and left alone, a dead socket
 * replaced, a file that is not a socket kept); and a non-root peer refused
 * (a child process with uid 65534). Needs root (the peer check). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ctl/ctl.h"
#include "ctl/server.h"
#include "ctl/socket.h"

static char dir[40], path[80];
static int kept_fd = -1; /* the connection the "stream" handler took */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the commands the test server answers ---- */

static int h_echo(void *srv, struct vtap_ctl_req *r, struct sbuf *o)
{
	(void)srv;
	sbuf_printf(o, "echo %s\n", r->name ? r->name : "-");
	return 0;
}

/* big N: N bytes of body */
static int h_big(void *srv, struct vtap_ctl_req *r, struct sbuf *o)
{
	size_t n = r->name ? strtoul(r->name, NULL, 10) : 0;
	char chunk[65];

	(void)srv;
	memset(chunk, 'x', 63);
	chunk[63] = '\n';
	chunk[64] = 0;
	for (size_t i = 0; i < n; i += 64)
		sbuf_printf(o, "%.*s", (int)(n - i < 64 ? n - i : 64), chunk);
	return 0;
}

static int h_stream(void *srv, struct vtap_ctl_req *r, struct sbuf *o)
{
	(void)srv;
	(void)o;
	if (write(r->fd, "ok\nstreaming\n", 13) != 13)
		return -1;
	kept_fd = r->fd;
	r->taken = true;
	return 0;
}

static const struct vtap_ctl_command cmds[] = {
    {"echo", h_echo, 0},
    {"big", h_big, 0},
    {"stream", h_stream, VTAP_CTL_STREAM},
    {"quit", h_echo, VTAP_CTL_QUIT},
};
static const struct vtap_ctl_table table = {cmds, sizeof(cmds) / sizeof(cmds[0])};

static const struct vtap_ctl_limits short_limits = {
    .clients = 4,
    .request_ms = 300,
    .reply_ms = 400,
    .reply_max = 1 << 20,
    .queued_max = 3 << 20,
};

static struct vtap_ctl_server *open_server_with(const struct vtap_ctl_limits *lim)
{
	struct vtap_ctl_server_conf conf = {
	    .path = path, .name = "testd", .table = &table, .limits = lim};

	return vtap_ctl_server_open(&conf);
}

static struct vtap_ctl_server *open_server(void)
{
	return open_server_with(&short_limits);
}

/* Drive the server for ms milliseconds as a daemon's loop would; returns
 * the longest single run (ms) */
static long long pump(struct vtap_ctl_server *s, int ms)
{
	long long end = now_ms() + ms, longest = 0;

	for (long long t; (t = now_ms()) < end;) {
		struct pollfd p = {.fd = vtap_ctl_server_fd(s), .events = POLLIN};

		if (poll(&p, 1, (int)(end - t)) > 0) {
			long long t0 = now_ms();

			vtap_ctl_server_run(s);
			if (now_ms() - t0 > longest)
				longest = now_ms() - t0;
		}
	}
	return longest;
}

static int connect_to(const char *p)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", p);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void say(int fd, const char *line)
{
	assert_int_equal(write(fd, line, strlen(line)), (ssize_t)strlen(line));
}

/* Read what the server sent (non-blocking), up to n - 1 bytes; *eof: the
 * server closed the connection (ECONNRESET when it closed with part of
 * the request unread: what it sent is read all the same) */
static size_t collect(int fd, char *buf, size_t n, bool *eof)
{
	size_t got = 0;
	ssize_t r;

	*eof = false;
	while (got < n - 1) {
		r = recv(fd, buf + got, n - 1 - got, MSG_DONTWAIT);
		if (r > 0) {
			got += (size_t)r;
			continue;
		}
		*eof = r == 0 || (r < 0 && errno == ECONNRESET);
		break;
	}
	buf[got] = 0;
	return got;
}

/* The whole answer to line on a fresh connection, pumping the server */
static void ask(struct vtap_ctl_server *s, const char *line, char *buf, size_t n)
{
	int fd = connect_to(path);
	bool eof = false;
	size_t got = 0;
	long long end = now_ms() + 1000;

	say(fd, line);
	while (!eof && now_ms() < end) {
		pump(s, 10);
		got += collect(fd, buf + got, n - got, &eof);
	}
	assert_true(eof);
	close(fd);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vtap-ctl-test.XXXXXX");
	assert_non_null(mkdtemp(dir));
	/* a directory the server has to make */
	snprintf(path, sizeof(path), "%s/run/ctl/test.sock", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- framing ---- */

static void test_frame(void **state)
{
	char big[16];

	(void)state;
	assert_int_equal(vtap_ctl_frame("status\n", 7, 16), 6);
	assert_int_equal(vtap_ctl_frame("stat", 4, 16), VTAP_CTL_FRAME_MORE);
	assert_int_equal(vtap_ctl_frame("\n", 1, 16), 0);
	assert_int_equal(vtap_ctl_frame("a\nb\n", 4, 16), 1); /* one request: the first line */
	assert_int_equal(vtap_ctl_frame("st\0tus\n", 7, 16), VTAP_CTL_FRAME_BINARY);
	assert_int_equal(vtap_ctl_frame("st\0", 3, 16), VTAP_CTL_FRAME_BINARY);
	memset(big, 'x', sizeof(big));
	assert_int_equal(vtap_ctl_frame(big, 14, 16), VTAP_CTL_FRAME_MORE);
	assert_int_equal(vtap_ctl_frame(big, 15, 16), VTAP_CTL_FRAME_LONG);
	big[14] = '\n';
	assert_int_equal(vtap_ctl_frame(big, 15, 16), 14);
}

/* ---- the socket file ---- */

static void test_socket_file(void **state)
{
	struct vtap_ctl_server *s, *s2;
	struct stat st, st2;
	char buf[256], who[128];
	int fd;

	(void)state;
	s = open_server();
	assert_non_null(s);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	/* a live server: refused, named, and its socket left alone */
	assert_int_equal(vtap_ctl_socket_probe(path, who, sizeof(who)), 1);
	snprintf(buf, sizeof(buf), "(pid %d)", (int)getpid());
	assert_non_null(strstr(who, buf));
	assert_int_equal(vtap_ctl_socket_check(path), -1);
	s2 = open_server();
	assert_null(s2);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st2.st_ino, st.st_ino);
	ask(s, "echo still\n", buf, sizeof(buf));
	assert_string_equal(buf, "ok\necho still\n");
	vtap_ctl_server_close(s);
	assert_int_equal(access(path, F_OK), -1); /* its own socket: removed */

	/* a dead server's socket (bound, never unlinked) is replaced */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(vtap_ctl_socket_probe(path, who, sizeof(who)), 0);
	s = open_server();
	assert_non_null(s);
	ask(s, "echo new\n", buf, sizeof(buf));
	assert_string_equal(buf, "ok\necho new\n");
	/* a successor's socket is not removed by the one that stops */
	assert_int_equal(stat(path, &st), 0);
	snprintf(buf, sizeof(buf), "%s/moved.sock", dir);
	assert_int_equal(rename(path, buf), 0);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	vtap_ctl_server_close(s);
	assert_int_equal(access(path, F_OK), 0);
	close(fd);
	unlink(path);
	unlink(buf);

	/* a file that is not a socket is never replaced */
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	assert_int_equal(vtap_ctl_socket_probe(path, who, sizeof(who)), -ENOTSOCK);
	assert_null(open_server());
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 4);
	unlink(path);
}

/* ---- clients ---- */

static void test_silent_client_dropped(void **state)
{
	struct vtap_ctl_server *s = open_server();
	char buf[256];
	bool eof;
	int idle[3];
	long long t0, longest;

	(void)state;
	assert_non_null(s);
	for (int i = 0; i < 3; i++)
		idle[i] = connect_to(path);
	say(idle[2], "ech"); /* half a request */
	pump(s, 20);
	/* the silent ones do not delay another client */
	t0 = now_ms();
	ask(s, "echo busy\n", buf, sizeof(buf));
	assert_string_equal(buf, "ok\necho busy\n");
	assert_true(now_ms() - t0 < 100);
	assert_int_equal(vtap_ctl_server_clients(s), 3);
	/* their deadline (300 ms after connecting) */
	longest = pump(s, 400);
	assert_true(longest < 50);
	for (int i = 0; i < 3; i++) {
		collect(idle[i], buf, sizeof(buf), &eof);
		assert_true(eof);
		assert_string_equal(buf, "error\ntestd: no request line within 300 ms\n");
		close(idle[i]);
	}
	assert_int_equal(vtap_ctl_server_clients(s), 0);
	vtap_ctl_server_close(s);
}

static void test_request_bounds(void **state)
{
	struct vtap_ctl_server *s = open_server();
	char buf[8192];
	bool eof;
	int fd;

	(void)state;
	assert_non_null(s);
	memset(buf, 'x', sizeof(buf));
	buf[sizeof(buf) - 1] = '\n';
	fd = connect_to(path);
	assert_int_equal(send(fd, buf, sizeof(buf), MSG_DONTWAIT), (ssize_t)sizeof(buf));
	pump(s, 50);
	collect(fd, buf, sizeof(buf), &eof);
	assert_true(eof);
	assert_string_equal(buf, "error\nrequest longer than 4095 bytes\n");
	close(fd);
	/* a request without a newline ends when the client shuts its side */
	fd = connect_to(path);
	say(fd, "echo half");
	shutdown(fd, SHUT_WR);
	pump(s, 50);
	collect(fd, buf, sizeof(buf), &eof);
	assert_true(eof);
	assert_string_equal(buf, "ok\necho half\n");
	close(fd);
	ask(s, "nope\n", buf, sizeof(buf));
	assert_string_equal(buf, "error\nunknown command nope (echo, big, stream, quit)\n");
	vtap_ctl_server_close(s);
}

static void test_slow_reader_dropped(void **state)
{
	struct vtap_ctl_server *s = open_server();
	static char buf[1 << 20];
	size_t got;
	bool eof;
	int slow;
	long long t0, longest;

	(void)state;
	assert_non_null(s);
	slow = connect_to(path);
	say(slow, "big 900000\n"); /* far more than a socket buffer holds */
	t0 = now_ms();
	longest = pump(s, 50);
	assert_true(longest < 50);
	assert_int_equal(vtap_ctl_server_clients(s), 1); /* still sending */
	/* others are served meanwhile, at once */
	ask(s, "echo meanwhile\n", buf, sizeof(buf));
	assert_string_equal(buf, "ok\necho meanwhile\n");
	assert_true(now_ms() - t0 < 200);
	/* the reply deadline: 400 ms after the request */
	longest = pump(s, 450);
	assert_true(longest < 50);
	assert_int_equal(vtap_ctl_server_clients(s), 0);
	got = collect(slow, buf, sizeof(buf), &eof);
	assert_true(eof);
	assert_true(got > 3 && got < 900000 + 3);
	assert_memory_equal(buf, "ok\n", 3);
	close(slow);

	/* a client that reads gets all of it */
	slow = connect_to(path);
	say(slow, "big 900000\n");
	got = 0;
	eof = false;
	for (long long end = now_ms() + 1000; !eof && now_ms() < end;) {
		pump(s, 5);
		got += collect(slow, buf + got, sizeof(buf) - got, &eof);
	}
	assert_true(eof);
	assert_int_equal(got, 900000 + 3);
	close(slow);
	vtap_ctl_server_close(s);
}

static void test_reply_bounds(void **state)
{
	/* queued_max: a bit more than one reply a client does not read */
	struct vtap_ctl_limits lim = short_limits;
	static char buf[1 << 20];
	struct vtap_ctl_server *s;
	int slow[2];
	bool eof;

	(void)state;
	lim.queued_max = 1500000;
	s = open_server_with(&lim);
	assert_non_null(s);
	/* one reply over reply_max (1 MiB) */
	ask(s, "big 2000000\n", buf, sizeof(buf));
	assert_string_equal(buf, "error\ntestd: the reply (2000000 bytes) is over the control "
				 "socket's bound of 1048576 bytes; ask for less (stats NAME)\n");
	/* two replies not read: the first is queued (the socket takes a part
	 * of it), the second would pass the bound */
	for (int i = 0; i < 2; i++) {
		slow[i] = connect_to(path);
		say(slow[i], "big 1000000\n");
		pump(s, 20);
	}
	collect(slow[1], buf, sizeof(buf), &eof);
	assert_true(eof);
	assert_non_null(strstr(buf, "error\ntestd: busy: "));
	assert_non_null(strstr(buf, "wait for clients that do not read them (bound 1500000)"));
	assert_int_equal(vtap_ctl_server_clients(s), 1);
	/* small answers still pass */
	ask(s, "echo small\n", buf, sizeof(buf));
	assert_string_equal(buf, "ok\necho small\n");
	collect(slow[0], buf, sizeof(buf), &eof);
	assert_memory_equal(buf, "ok\nxxx", 6);
	close(slow[0]);
	close(slow[1]);
	pump(s, 20);
	assert_int_equal(vtap_ctl_server_clients(s), 0);
	vtap_ctl_server_close(s);
}

static void test_client_bound(void **state)
{
	struct vtap_ctl_server *s = open_server();
	char buf[256];
	bool eof;
	int fd[5];

	(void)state;
	assert_non_null(s);
	for (int i = 0; i < 5; i++) { /* the bound is 4 */
		fd[i] = connect_to(path);
		pump(s, 10);
	}
	assert_int_equal(vtap_ctl_server_clients(s), 4);
	/* the oldest silent one made room */
	collect(fd[0], buf, sizeof(buf), &eof);
	assert_true(eof);
	assert_string_equal(buf,
			    "error\ntestd: too many control clients; dropped for a newer one\n");
	say(fd[4], "echo newest\n");
	pump(s, 20);
	collect(fd[4], buf, sizeof(buf), &eof);
	assert_true(eof);
	assert_string_equal(buf, "ok\necho newest\n");
	for (int i = 0; i < 5; i++)
		close(fd[i]);
	pump(s, 20);
	assert_int_equal(vtap_ctl_server_clients(s), 0);
	vtap_ctl_server_close(s);
}

static void test_stream_and_quit(void **state)
{
	struct vtap_ctl_server *s = open_server();
	char buf[256];
	bool eof;
	int fd;

	(void)state;
	assert_non_null(s);
	fd = connect_to(path);
	say(fd, "stream x\n");
	pump(s, 50);
	/* the handler answered and keeps the connection: the server neither
	 * writes more nor closes it */
	assert_true(kept_fd >= 0);
	assert_int_equal(vtap_ctl_server_clients(s), 0);
	collect(fd, buf, sizeof(buf), &eof);
	assert_false(eof);
	assert_string_equal(buf, "ok\nstreaming\n");
	pump(s, 450); /* past every deadline */
	assert_int_equal(write(kept_fd, "more\n", 5), 5);
	collect(fd, buf, sizeof(buf), &eof);
	assert_string_equal(buf, "more\n");
	close(kept_fd);
	collect(fd, buf, sizeof(buf), &eof);
	assert_true(eof);
	close(fd);

	assert_false(vtap_ctl_server_quit(s));
	ask(s, "quit now\n", buf, sizeof(buf));
	assert_string_equal(buf, "ok\necho now\n");
	assert_true(vtap_ctl_server_quit(s));
	vtap_ctl_server_close(s);
}

static void test_non_root_refused(void **state)
{
	struct vtap_ctl_server *s = open_server();
	char buf[512];
	int pipefd[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	(void)state;
	assert_non_null(s);
	if (geteuid() != 0) {
		vtap_ctl_server_close(s);
		fail_msg("needs root (a child changes to uid 65534)");
	}
	/* let the other uid reach the socket, as a careless chmod would */
	snprintf(buf, sizeof(buf), "chmod 0755 %s %s/run %s/run/ctl && chmod 0666 %s", dir, dir,
		 dir, path);
	assert_int_equal(system(buf), 0);
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		char r[256];
		ssize_t k, t = 0;

		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		close(pipefd[0]);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(2);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			_exit(3);
		if (write(fd, "echo nobody\n", 12) != 12)
			_exit(3);
		while ((k = read(fd, r + t, sizeof(r) - 1 - (size_t)t)) > 0)
			t += k;
		if (write(pipefd[1], r, (size_t)t) != t)
			_exit(4);
		_exit(0);
	}
	close(pipefd[1]);
	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	for (long long end = now_ms() + 2000; now_ms() < end;) {
		pump(s, 10);
		n = read(pipefd[0], buf + got, sizeof(buf) - 1 - got);
		if (n == 0)
			break;
		if (n > 0)
			got += (size_t)n;
	}
	buf[got] = 0;
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_string_equal(buf, "error\ntestd: only root may control testd\n");
	vtap_ctl_server_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_frame),
	    cmocka_unit_test(test_socket_file),
	    cmocka_unit_test(test_silent_client_dropped),
	    cmocka_unit_test(test_request_bounds),
	    cmocka_unit_test(test_slow_reader_dropped),
	    cmocka_unit_test(test_reply_bounds),
	    cmocka_unit_test(test_client_bound),
	    cmocka_unit_test(test_stream_and_quit),
	    cmocka_unit_test(test_non_root_refused),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("ctl_server", tests, setup, teardown);
}
