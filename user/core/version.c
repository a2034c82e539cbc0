// SPDX-License-Identifier: GPL-2.0
#include "version.h"

/* VTAP_VERSION comes from the Makefile (VERSION file, git describe) */
const char vtap_version[] = VTAP_VERSION;
