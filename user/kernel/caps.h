/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VTAP_USER_CAPS_H
#define VTAP_USER_CAPS_H

/* Once the programs are loaded and the socket is open, vtapd needs only
 * CAP_BPF (map updates), CAP_NET_ADMIN (tc attach and detach) and
 * CAP_SYS_ADMIN where the kernel has no CAP_BPF. Drop every other
 * capability from the effective, permitted, inheritable and bounding
 * sets. Logs and returns <0 when the kernel refuses; vtapd goes on. */
int vtap_drop_caps(void);

#endif
