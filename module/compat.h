/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels numaclaim builds against (6.1 to 6.12).
 * Kbuild looks at the kernel's headers and defines NUMACLAIM_HAVE_* for what
 * they have, so that no code tests version numbers.
 */
#ifndef _NUMACLAIM_COMPAT_H
#define _NUMACLAIM_COMPAT_H

#include <linux/fs.h>
#include <linux/mm.h>

/* What inode_operations.setattr and setattr_prepare() take first. */
#ifdef NUMACLAIM_HAVE_MNT_IDMAP
#define NUMACLAIM_IDMAP		struct mnt_idmap
#else
#define NUMACLAIM_IDMAP		struct user_namespace
#endif

static inline void numaclaim_vm_flags_set(struct vm_area_struct *vma,
					  unsigned long flags)
{
#ifdef NUMACLAIM_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

#endif /* _NUMACLAIM_COMPAT_H */
