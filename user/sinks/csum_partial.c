// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "csum_partial.h"
#include "inet.h"

#define TCP_CHECK_OFF 16
#define UDP_CHECK_OFF 6

uint32_t vtap_csum_partial(const uint8_t *f, uint32_t len, uint16_t *csum)
{
	struct vtap_ip ip;
	uint32_t at, n;
	uint64_t pseudo, sum, whole;
	uint16_t field;

	/* an IPv6 extension header is neither TCP nor UDP here */
	if (vtap_ip_of(f, len, &ip))
		return 0;
	n = ip.end - ip.l4;
	if (ip.proto == VTAP_IPPROTO_TCP_ && n >= 20) {
		at = ip.l4 + TCP_CHECK_OFF;
	} else if (ip.proto == VTAP_IPPROTO_UDP_ && n >= 8) {
		/* UDP's own length: what the checksum covers */
		n = vtap_rd16(f + ip.l4 + 4);
		if (n < 8 || n > ip.end - ip.l4)
			return 0;
		at = ip.l4 + UDP_CHECK_OFF;
	} else {
		return 0;
	}
	memcpy(&field, f + at, 2);
	/* IPv4 UDP without a checksum: nothing to complete */
	if (ip.proto == VTAP_IPPROTO_UDP_ && !ip.v6 && !field)
		return 0;
	pseudo = vtap_ip_pseudo(f, &ip, n);
	sum = vtap_csum_add(0, f + ip.l4, n);
	/* the two sums added with their carry, as vtap_csum_add does */
	whole = sum + pseudo;
	whole += whole < sum;
	if (field != vtap_csum_fold(pseudo) || vtap_csum_fold(whole) == 0xffff)
		return 0;
	*csum = (uint16_t)~vtap_csum_fold(sum);
	/* UDP's 0 means "no checksum": its one's-complement twin instead */
	if (ip.proto == VTAP_IPPROTO_UDP_ && !*csum)
		*csum = 0xffff;
	return at;
}
