// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: cutting a GSO super-frame into TCP segments
 * (user/sinks/segment.c), which vtapd does to the copies of a VM's frames:
 * whatever a VM sends must neither crash vtapd nor make it read past the
 * copy.
 *
 * Input: bytes 0-1 the segment size (big-endian), bytes 2-3 the room per
 * segment (big-endian, taken modulo 4096); the rest is the frame, copied
 * into a buffer of exactly its size so ASan reports any read past it.
 *
 * Checks, when the frame is taken: every segment fits the room and holds
 * the headers and at most mss bytes of payload; the payloads put back
 * together are the frame's, in order; every segment's TCP checksum (and
 * IPv4 header checksum) verifies, summed 16 bits at a time. And the
 * completion of a checksum the VM left to its device (csum_partial.c):
 * within the frame, and a completed one is never completed again. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/csum_partial.h"
#include "sinks/segment.h"

#define FUZZ_NAME "fuzz_segment"
#include "fuzz_common.h"
#include "csum_ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t mss, room, len, n, got = 0, segs = 0, at;
	uint16_t csum;
	uint8_t *frame, *seg;
	struct vtap_seg s;

	if (size < 4 || size > 4 + 70000)
		return 0;
	mss = ref_be16(data);
	room = ref_be16(data + 2) % 4096;
	len = (uint32_t)(size - 4);
	frame = malloc(len ? len : 1);
	seg = malloc(room ? room : 1);
	CHECK(frame && seg, "out of memory");
	memcpy(frame, data + 4, len);
	if (vtap_seg_start(&s, frame, len, mss, room) == 0) {
		CHECK(s.hlen < room && s.mss >= 1 && s.mss <= mss && s.ip.end <= len,
		      "hlen %u mss %u end %u", s.hlen, s.mss, s.ip.end);
		uint32_t total = vtap_seg_left(&s);

		CHECK(total >= 1, "nothing to send");
		while ((n = vtap_seg_next(&s, seg))) {
			CHECK(n <= room && n >= s.hlen && n - s.hlen <= s.mss, "segment of %u", n);
			CHECK(!memcmp(seg + s.hlen, frame + s.hlen + got, n - s.hlen),
			      "payload at %u", got);
			CHECK(ref_tcp_ok(s.ip.v6, seg, s.ip.l3, s.ip.l4, n),
			      "TCP checksum of segment %u", segs);
			CHECK(s.ip.v6 || ref_sum16(0, seg + s.ip.l3, s.ip.l4 - s.ip.l3) == 0xffff,
			      "IPv4 header checksum of segment %u", segs);
			got += n - s.hlen;
			segs++;
			CHECK(segs <= s.ip.end - s.hlen + 1, "%u segments", segs);
		}
		CHECK(got == s.ip.end - s.hlen, "payload %u of %u", got, s.ip.end - s.hlen);
		CHECK(segs == total && !vtap_seg_left(&s), "%u segments, %u announced", segs,
		      total);
	}
	/* a checksum completed once verifies: nothing left to complete */
	at = vtap_csum_partial(frame, len, &csum);
	if (at) {
		CHECK(at >= 14 && at + 2 <= len, "checksum field at %u of %u", at, len);
		memcpy(frame + at, &csum, 2);
		CHECK(!vtap_csum_partial(frame, len, &csum), "completed twice");
	}
	free(frame);
	free(seg);
	return 0;
}
