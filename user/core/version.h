/* SPDX-License-Identifier: GPL-2.0 */
/* The release every program reports (--version): the VERSION file at the
 * top of the tree, plus the git commit when built from a checkout. */
#ifndef VTAP_USER_VERSION_H
#define VTAP_USER_VERSION_H

extern const char vtap_version[];

#endif
