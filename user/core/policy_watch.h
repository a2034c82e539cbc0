/* SPDX-License-Identifier: GPL-2.0 */
/* Change detection for the directory source: tells its owner when to load
 * the policy directory again. One file descriptor for the owner's event
 * loop (epoll, poll); the owner calls vtap_dir_watch_event when it is
 * readable and reloads when that says so.
 *
 * - A file counts as changed once it is complete: closed after writing
 *   (IN_CLOSE_WRITE), renamed in (IN_MOVED_TO), removed, or its mode or
 *   owner changed. Creating or writing a file is not a change by itself.
 * - Changes are applied 50 ms after the first event of a burst, and not
 *   while a policy file is open for writing by any process: a writer that
 *   pauses between writes is read only after it closes the file.
 * - When the directory is removed or renamed away (rm -rf, mv), that is a
 *   change (the reload then reports the directory missing and the running
 *   set stays), and the parent directory is watched for the name coming
 *   back (mkdir, mv new DIR): then the directory is watched again and
 *   reloaded. Every step is logged. */
#ifndef VTAP_USER_POLICY_WATCH_H
#define VTAP_USER_POLICY_WATCH_H

#include <stdbool.h>

struct vtap_dir_watch;

/* Start watching dir (kept by pointer: it must outlive the watch). NULL
 * with errno when even the event descriptors cannot be made; a directory
 * that cannot be watched yet is retried every second. */
struct vtap_dir_watch *vtap_dir_watch_open(const char *dir);
int vtap_dir_watch_fd(const struct vtap_dir_watch *w);
/* Handle what made the descriptor readable. True when the directory
 * should be loaded again now. */
bool vtap_dir_watch_event(struct vtap_dir_watch *w);
void vtap_dir_watch_close(struct vtap_dir_watch *w);

#endif
