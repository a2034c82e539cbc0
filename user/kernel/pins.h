/* SPDX-License-Identifier: GPL-2.0 */
/* The pin root: the bpffs directory where vtap's maps are pinned, its
 * pins (found through the skeletons, never by a list of names), and its one
 * owner. */
#ifndef VTAP_USER_PINS_H
#define VTAP_USER_PINS_H

struct bpf_object;

/* Mount bpffs where needed and create pin_root. 0 or -errno, logged. */
int vtap_ensure_bpffs(const char *pin_root);

/* A pin root has one owner: two vtapds on one pin root would share maps and
 * filters, and the second, at its exit, would take the first one's taps and
 * pins away. The owner holds an exclusive flock on the pin root directory
 * (bpffs supports it; the kernel drops it when the owner dies, SIGKILL
 * included, so a dead owner's pins are adopted as before). Returns the
 * locked directory's fd (O_CLOEXEC: the lock lasts until it is closed or the
 * process exits), -EBUSY when a live process holds it (logged with its pid,
 * and the control socket it recorded in the map pinned at owner_pin), or
 * another -errno, logged. Takes nothing else under pin_root. */
int vtap_pin_root_lock(const char *pin_root, const char *owner_pin);

/* Remove the pins of obj's maps (a vtap object, loaded or only opened).
 * 0 or the first -errno. */
int vtap_unpin_object(struct bpf_object *obj);
/* Remove pin_root when nothing is pinned there any more. ret is returned
 * unless it is 0 and the removal failed. */
int vtap_remove_pin_root(const char *pin_root, int ret);
/* Remove the pins of every vtap map under pin_root, and pin_root when that
 * empties it, without loading anything. */
int vtap_unpin_all(const char *pin_root);
/* Does the program use maps pinned under this pin root (ours), rather than
 * another vtapd's? 1 yes, 0 no, <0 error. Needs no loader (vtapctl
 * without a daemon). */
int vtap_prog_uses_pins(int prog_fd, const char *pin_root);

#endif
