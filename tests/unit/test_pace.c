// SPDX-License-Identifier: GPL-2.0
/* How vtapd's readers are woken (user/sinks/pace.c), with a real epoll, a
 * real timerfd and an eventfd standing in for the source (an AF_XDP socket
 * or a ring buffer): a batch takes the source out of the epoll and arms the
 * timer; the period adapts to the batches; quiet reads at the longest
 * period give the reader back to the source; a source that became ready
 * meanwhile is reported at once when it is watched again; a reader that
 * holds copies it could not pass on ticks at the fastest period. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sinks/pace.h"

#define CAP 2048u

struct fx {
	int ep, src;
	struct vtap_pace p;
};

static int setup(void **state)
{
	static struct fx f;

	f.ep = epoll_create1(EPOLL_CLOEXEC);
	f.src = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_true(f.ep >= 0 && f.src >= 0);
	assert_int_equal(vtap_pace_init(&f.p, f.ep, f.src), 0);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	vtap_pace_fini(&f->p);
	close(f->src);
	close(f->ep);
	return 0;
}

/* The fds epoll reports within ms: a bit per role (1 source, 2 timer). */
static int ready(struct fx *f, int ms)
{
	struct epoll_event ev[4];
	int n = epoll_wait(f->ep, ev, 4, ms), got = 0;

	for (int i = 0; i < n; i++) {
		got |= ev[i].data.fd == f->src ? 1 : ev[i].data.fd == f->p.timer_fd ? 2 : 4;
		assert_true(vtap_pace_owns(&f->p, ev[i].data.fd));
	}
	return got;
}

static void signal_src(struct fx *f)
{
	uint64_t one = 1;

	assert_int_equal(write(f->src, &one, sizeof(one)), sizeof(one));
}

static void test_quiet_reader_woken_by_source(void **state)
{
	struct fx *f = *state;

	signal_src(f);
	assert_int_equal(ready(f, 100), 1);
	/* a small read: still the source's */
	vtap_pace_after(&f->p, VTAP_PACE_BUSY - 1, CAP);
	assert_false(f->p.paced);
	assert_int_equal(ready(f, 100), 1); /* level-triggered: still ready */
}

static void test_batch_paces_the_reader(void **state)
{
	struct fx *f = *state;

	vtap_pace_after(&f->p, VTAP_PACE_BUSY, CAP);
	assert_true(f->p.paced);
	assert_int_equal(f->p.period_us, VTAP_PACE_MIN_US * 4);
	/* the source is ready but out of the epoll: only the timer reports */
	signal_src(f);
	assert_int_equal(ready(f, 100), 2);
	assert_int_equal(f->p.ticks, 1);
	/* and a period without a read arms nothing: no tick comes */
	assert_int_equal(ready(f, 20), 0);
}

static void test_period_adapts(void **state)
{
	struct fx *f = *state;
	uint32_t p0;

	vtap_pace_after(&f->p, VTAP_PACE_BUSY, CAP);
	p0 = f->p.period_us;
	vtap_pace_after(&f->p, CAP / 4, CAP); /* a quarter of the ring: faster */
	assert_int_equal(f->p.period_us, p0 / 2);
	for (int i = 0; i < 10; i++)
		vtap_pace_after(&f->p, CAP / 4, CAP);
	assert_int_equal(f->p.period_us, VTAP_PACE_MIN_US);
	for (int i = 0; i < 20; i++) /* few copies, but some: slower, up to the max */
		vtap_pace_after(&f->p, CAP / 16 - 1, CAP);
	assert_int_equal(f->p.period_us, VTAP_PACE_MAX_US);
	assert_true(f->p.paced);
	vtap_pace_after(&f->p, VTAP_PACE_QUIET, CAP); /* not quiet yet */
	assert_true(f->p.paced);
	assert_int_equal(ready(f, 100), 2);
}

static void test_quiet_hands_back_to_source(void **state)
{
	struct fx *f = *state;

	vtap_pace_after(&f->p, VTAP_PACE_BUSY, CAP);
	signal_src(f); /* arrives while paced */
	for (int i = 0; i < 10 && f->p.paced; i++)
		vtap_pace_after(&f->p, 0, CAP);
	assert_false(f->p.paced);
	/* what came while the reader was paced is reported at once */
	assert_int_equal(ready(f, 0) & 1, 1);
}

/* Copies the reader holds (an AF_XDP TX without room) keep it on its own
 * timer at the fastest period, even when the reads find nothing: a
 * quiet source would otherwise leave them waiting for its next copy. */
static void test_pending_ticks_fast(void **state)
{
	struct fx *f = *state;

	vtap_pace_after_pending(&f->p, 0, CAP); /* not paced yet: now it is */
	assert_true(f->p.paced);
	for (int i = 0; i < 10; i++)
		vtap_pace_after_pending(&f->p, 0, CAP);
	assert_true(f->p.paced);
	assert_int_equal(f->p.period_us, VTAP_PACE_MIN_US);
	signal_src(f); /* out of the epoll: only the timer reports */
	assert_int_equal(ready(f, 100), 2);
	/* sent: reads of nothing hand the reader back to the source */
	for (int i = 0; i < 20 && f->p.paced; i++)
		vtap_pace_after(&f->p, 0, CAP);
	assert_false(f->p.paced);
	assert_int_equal(ready(f, 0) & 1, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_quiet_reader_woken_by_source, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_batch_paces_the_reader, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_period_adapts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_quiet_hands_back_to_source, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pending_ticks_fast, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
