// SPDX-License-Identifier: GPL-2.0
/* Rate caps (include/vtap/rate.h, core/rate_cfg.c) on a clock the test
 * drives: the copies a cap lets through, the burst, the byte cap with
 * frames larger than the bucket, both caps at once, a cap that did not
 * change keeping its buckets; and two threads on one state, on the real
 * clock, never above the cap. */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <setjmp.h>
#include <cmocka.h>
#include <vtap/rate.h>
#include "core/rate_cfg.h"

#define MS 1000000ULL
#define S  1000000000ULL

/* Offer n copies of len bytes evenly over span ns from t0; count the
 * admitted ones. */
static unsigned offer(struct vtap_rate *r, uint64_t t0, uint64_t span, unsigned n, uint32_t len)
{
	unsigned ok = 0;

	for (unsigned i = 0; i < n; i++)
		ok += (unsigned)vtap_rate_admit(r, t0 + span * i / n, len);
	return ok;
}

static void test_pps(void **state)
{
	struct vtap_rate_spec s = {.pps = 1000, .burst = 1};
	struct vtap_rate r;
	unsigned ok;

	(void)state;
	vtap_rate_config(&s, &r);
	/* 5000 offered over 2 s: 2000 fit (one every ms) */
	ok = offer(&r, 10 * S, 2 * S, 10000, 64);
	assert_in_range(ok, 1999, 2001);
	/* a quiet second, then a burst of 100 at one instant: burst 1 */
	assert_int_equal(offer(&r, 13 * S, 0, 100, 64), 1);
}

static void test_burst(void **state)
{
	struct vtap_rate_spec s = {.pps = 100, .burst = 10};
	struct vtap_rate r;

	(void)state;
	vtap_rate_config(&s, &r);
	assert_int_equal(offer(&r, S, 0, 50, 64), 10);
	/* 100 ms later one more fits per 10 ms: 10 */
	assert_int_equal(offer(&r, S + 100 * MS, 0, 50, 64), 10);
	/* the default burst: 10 ms of the rate */
	s = (struct vtap_rate_spec){.pps = 10000};
	vtap_rate_config(&s, &r);
	assert_int_equal(offer(&r, S, 0, 1000, 64), 100);
}

static void test_bytes(void **state)
{
	/* 1 MB/s, 1500-byte copies: 666 a second; a burst of 3000 bytes */
	struct vtap_rate_spec s = {.bytes_per_sec = 1000000, .burst = 3000};
	struct vtap_rate r;
	unsigned ok;

	(void)state;
	vtap_rate_config(&s, &r);
	ok = offer(&r, S, 4 * S, 20000, 1500);
	assert_in_range(ok, 4 * 666, 4 * 667 + 3);
	/* a copy larger than the bucket still goes when the bucket is full,
	 * and puts it in debt */
	vtap_rate_config(&s, &r);
	assert_int_equal(offer(&r, 100 * S, 0, 5, 60000), 1);
	assert_int_equal(offer(&r, 100 * S + 50 * MS, 0, 5, 60000), 0);
	assert_int_equal(offer(&r, 100 * S + 60 * MS, 0, 5, 60000), 1);
}

static void test_both(void **state)
{
	/* 1000 pps and 100 kB/s: 1000-byte copies are held to 100 a second by
	 * bytes, 10-byte copies to 1000 by packets; refused copies cost the
	 * other bucket nothing */
	struct vtap_rate_spec s = {.pps = 1000, .bytes_per_sec = 100000, .burst = 1};
	struct vtap_rate r;

	(void)state;
	vtap_rate_config(&s, &r);
	assert_in_range(offer(&r, S, S, 5000, 1000), 99, 101);
	vtap_rate_config(&s, &r);
	assert_in_range(offer(&r, S, S, 5000, 10), 999, 1001);
}

static void test_config(void **state)
{
	struct vtap_rate_spec s = {.pps = 4, .bytes_per_sec = 400, .burst = 2}, t = s;
	struct vtap_rate a, b;

	(void)state;
	vtap_rate_config(&s, &a);
	assert_int_equal(a.pkt_cost, (S << VTAP_RATE_SHIFT) / 4);
	assert_int_equal(a.pkt_tau, a.pkt_cost); /* burst 2: one copy ahead */
	/* the byte bucket holds the same half second: 200 bytes */
	assert_int_equal(a.byte_tau, (200 * a.byte_cost) >> VTAP_RATE_BYTE_SHIFT);
	a.pkt_tat = 12345;
	vtap_rate_config(&t, &b);
	assert_true(vtap_rate_same_config(&a, &b));
	t.pps = 5;
	vtap_rate_config(&t, &b);
	assert_false(vtap_rate_same_config(&a, &b));
	s = (struct vtap_rate_spec){0};
	vtap_rate_config(&s, &a);
	assert_int_equal(a.pkt_cost | a.byte_cost, 0);
}

/* ---- two threads, one state, the real clock ---- */

static struct vtap_rate shared;
static volatile int go;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * S + (uint64_t)ts.tv_nsec;
}

static void *hammer(void *arg)
{
	uint64_t end, *ok = arg;

	while (!go)
		;
	end = now_ns() + 300 * MS;
	while (now_ns() < end)
		*ok += (uint64_t)vtap_rate_admit(&shared, now_ns(), 64);
	return NULL;
}

static void test_threads(void **state)
{
	struct vtap_rate_spec s = {.pps = 20000, .burst = 10};
	uint64_t ok[2] = {0, 0}, t0;
	pthread_t th[2];

	(void)state;
	vtap_rate_config(&s, &shared);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, hammer, &ok[i]), 0);
	t0 = now_ns();
	go = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	/* 0.3 s at 20000 a second, plus the burst, and the time the threads
	 * took to start: never more; contention (and a busy host taking the
	 * threads off their CPUs) may only cost copies */
	print_message("# two threads: %llu + %llu copies in %.3f s\n", (unsigned long long)ok[0],
		      (unsigned long long)ok[1], (double)(now_ns() - t0) / S);
	assert_true(ok[0] + ok[1] <= 20000 * (now_ns() - t0) / S + 10);
	assert_true(ok[0] > 0 && ok[1] > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pps),	 cmocka_unit_test(test_burst),
	    cmocka_unit_test(test_bytes),	 cmocka_unit_test(test_both),
	    cmocka_unit_test(test_config), cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
