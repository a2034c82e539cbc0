/* SPDX-License-Identifier: GPL-2.0 */
/* vtapd's control commands (views.c): the table its control server
 * (ctl/server.h) answers from; the server's srv is the struct vtapd. */
#ifndef VTAP_USER_VTAPD_VIEWS_H
#define VTAP_USER_VTAPD_VIEWS_H

#include "ctl/command.h"

extern const struct vtap_ctl_table vtapd_ctl_table;

#endif
