/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * numaclaim: per-NUMA-node page pools with memory claims, /dev/numaclaim.
 *
 * Every struct is a multiple of 8 bytes with no implicit padding and the
 * same layout for 32-bit and 64-bit userspace; user pointers travel in
 * __u64 fields. Reserved fields and unknown flags must be zero. The kernel
 * takes each struct's size from the ioctl number, so a struct may grow at
 * its end: a shorter one from older userspace is read with zeros after it,
 * a longer one is accepted when the bytes the kernel does not know are zero.
 */
#ifndef _UAPI_LINUX_NUMACLAIM_H
#define _UAPI_LINUX_NUMACLAIM_H

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * DOC: errno values
 *
 * - EINVAL: a malformed argument: unknown flag, non-zero reserved field,
 *   node that is not possible, zero pages, duplicate claim entry, a claim
 *   above the context's limit, or a refused mmap.
 * - E2BIG: a struct longer than the kernel knows with non-zero bytes past
 *   what it knows.
 * - EFAULT: a pointer userspace passed cannot be read or written.
 * - EBUSY: a state conflict: a claim is still held, an allocation is still
 *   mapped or exported, an allocation exported twice, or a limit below what
 *   the context holds and claims.
 * - ENOMEM: the free pages, less what others claimed, cannot serve.
 * - EDQUOT: the allocation would take the context past its limit.
 * - EPERM: resizing a pool without CAP_SYS_ADMIN, or raising a sealed
 *   limit.
 * - EINTR: a fatal signal during a long ALLOC, POOL_RESIZE or mmap.
 * - ENOTTY: an unknown ioctl.
 * - EMFILE: EXPORT with no free file descriptor.
 */

/* The node of a host-level claim, or of an allocation from any node. */
#define NUMACLAIM_ANY_NODE		0xffffffffU

/* The ioctl magic: free in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define NUMACLAIM_IOC_MAGIC		0xB9

/**
 * struct numaclaim_claim_entry - one node's part of a claim
 * @node: (in) node id, or NUMACLAIM_ANY_NODE for a host-level claim
 * @reserved: (in) must be zero
 * @pages: (in) pages claimed, non-zero
 */
struct numaclaim_claim_entry {
	__u32 node;
	__u32 reserved;
	__aligned_u64 pages;
};

/**
 * struct numaclaim_claim - stake a claim, or reset every claim
 * @nr_entries: (in) entries in @entries; 0 resets every claim of the
 *	context; at most the number of possible nodes + 1
 * @flags: (in) none defined, must be zero
 * @entries: (in) user pointer to @nr_entries struct numaclaim_claim_entry,
 *	each node (and NUMACLAIM_ANY_NODE) at most once
 *
 * All or nothing. Errors in order: EINVAL (or EFAULT) for malformed
 * entries; EBUSY while the context holds a claim; EINVAL above the limit;
 * ENOMEM when a node or the host has not enough unclaimed free pages.
 */
struct numaclaim_claim {
	__u32 nr_entries;
	__u32 flags;
	__aligned_u64 entries;
};

#define NUMACLAIM_CLAIM_FLAGS_ALL	0U

/* Only the named node may serve the allocation. */
#define NUMACLAIM_ALLOC_EXACT_NODE	(1U << 0)
/* Only unclaimed pages may serve it; the context's claims stay untouched. */
#define NUMACLAIM_ALLOC_UNCLAIMED	(1U << 1)
#define NUMACLAIM_ALLOC_FLAGS_ALL	(NUMACLAIM_ALLOC_EXACT_NODE | \
					 NUMACLAIM_ALLOC_UNCLAIMED)

/**
 * struct numaclaim_alloc - allocate pages from the pools
 * @pages: (in) pages wanted, non-zero
 * @node: (in) node wanted, or NUMACLAIM_ANY_NODE
 * @flags: (in) NUMACLAIM_ALLOC_* flags
 * @offset: (out) mmap offset of the allocation; RELEASE takes it back
 * @node_pages: (in) user pointer to an array of @nr_node_pages __u64, or 0;
 *	entry n receives the pages of the allocation that landed on node n
 * @nr_node_pages: (in) entries in @node_pages; fewer than the nodes is fine
 * @reserved: (in) must be zero
 *
 * All or nothing. Errors in order: EINVAL; EDQUOT over the limit; ENOMEM.
 * A @node_pages that cannot be written fails with EFAULT before anything
 * is allocated.
 */
struct numaclaim_alloc {
	__aligned_u64 pages;
	__u32 node;
	__u32 flags;
	__aligned_u64 offset;
	__aligned_u64 node_pages;
	__u32 nr_node_pages;
	__u32 reserved;
};

/**
 * struct numaclaim_release - give an allocation back to the pools
 * @offset: (in) the allocation's mmap offset
 *
 * EBUSY while any part of it is mapped through the context's fd, or while
 * it is exported (its file lives); EINVAL for an offset that starts no
 * allocation of the context.
 */
struct numaclaim_release {
	__aligned_u64 offset;
};

/* From now on the limit may only be lowered, by anyone holding the fd. */
#define NUMACLAIM_MAX_SEAL		(1U << 0)
#define NUMACLAIM_MAX_FLAGS_ALL		NUMACLAIM_MAX_SEAL

/**
 * struct numaclaim_max_pages - limit what the context holds plus claims
 * @max_pages: (in) the limit in pages; ~0 is no limit
 * @flags: (in) NUMACLAIM_MAX_* flags
 * @reserved: (in) must be zero
 *
 * EINVAL for unknown flags; EPERM when the limit is sealed and @max_pages
 * would raise it (or remove it); EBUSY when the context already holds and
 * claims more. A toolstack that hands a context to a VMM seals its limit
 * so that the VMM cannot lift it. The first version of this struct was
 * @max_pages alone (8 bytes), which is still accepted: no flags.
 */
struct numaclaim_max_pages {
	__aligned_u64 max_pages;
	__u32 flags;
	__u32 reserved;
};

/* The node has no memory: its pool is always empty. */
#define NUMACLAIM_NODE_MEMORYLESS	(1U << 0)
/* The node is online. */
#define NUMACLAIM_NODE_ONLINE		(1U << 1)

/**
 * struct numaclaim_node_info - one node, as INFO reports it
 * @node: (out) node id
 * @flags: (out) NUMACLAIM_NODE_* flags
 * @pool_pages: (out) pages in the node's pool
 * @free_pages: (out) pool pages not held by any context
 * @claimed_pages: (out) node claims: what every context claimed there
 * @ctx_claim: (out) the calling context's claim on the node
 * @ctx_pages: (out) pages the calling context holds on the node
 */
struct numaclaim_node_info {
	__u32 node;
	__u32 flags;
	__aligned_u64 pool_pages;
	__aligned_u64 free_pages;
	__aligned_u64 claimed_pages;
	__aligned_u64 ctx_claim;
	__aligned_u64 ctx_pages;
};

/**
 * struct numaclaim_info - the host's and the calling context's state
 * @nr_nodes: (in/out) in: entries in @nodes; out: the number of possible
 *	nodes (node ids below it), whether or not they all fit
 * @reserved: (in) must be zero
 * @nodes: (in) user pointer to @nr_nodes struct numaclaim_node_info, or 0
 * @pool_pages: (out) pages in every pool
 * @free_pages: (out) pool pages not held by any context
 * @outstanding: (out) every claim, node-specific and host-level
 * @ctx_pages: (out) pages the calling context holds (tot)
 * @ctx_max_pages: (out) the calling context's limit; ~0 is no limit
 * @ctx_claims: (out) every claim of the calling context
 * @ctx_claim_any: (out) its host-level claim
 * @ctx_flags: (out) NUMACLAIM_CTX_* flags of the calling context
 * @reserved2: (out) zero
 * @ctx_busy_pages: (out) pages the calling context released while they
 *	were still referenced elsewhere (a pin, a pipe): still counted in
 *	@ctx_pages and against its limit until the last reference drops
 * @busy_pages: (out) such pages of every context, in @pool_pages and not
 *	free until they come back
 *
 * The first version of this struct ended at @ctx_claim_any (72 bytes);
 * a caller passing that size gets the fields it knows.
 */
struct numaclaim_info {
	__u32 nr_nodes;
	__u32 reserved;
	__aligned_u64 nodes;
	__aligned_u64 pool_pages;
	__aligned_u64 free_pages;
	__aligned_u64 outstanding;
	__aligned_u64 ctx_pages;
	__aligned_u64 ctx_max_pages;
	__aligned_u64 ctx_claims;
	__aligned_u64 ctx_claim_any;
	__u32 ctx_flags;
	__u32 reserved2;
	__aligned_u64 ctx_busy_pages;
	__aligned_u64 busy_pages;
};

/* The context's limit is sealed: it may only be lowered. */
#define NUMACLAIM_CTX_MAX_SEALED	(1U << 0)

/**
 * struct numaclaim_pool - resize one node's pool (CAP_SYS_ADMIN)
 * @node: (in) node id
 * @reserved: (in) must be zero
 * @pages: (in/out) in: the size wanted in pages; out: the size reached
 *
 * Growing may stop short when the node has no more memory; shrinking stops
 * at what allocations and claims need. Either answers 0 and the size
 * reached.
 */
struct numaclaim_pool {
	__u32 node;
	__u32 reserved;
	__aligned_u64 pages;
};

/* The new file descriptor is close-on-exec. */
#define NUMACLAIM_EXPORT_CLOEXEC	(1U << 0)
#define NUMACLAIM_EXPORT_FLAGS_ALL	NUMACLAIM_EXPORT_CLOEXEC

/**
 * struct numaclaim_export - an allocation as a file of its own
 * @offset: (in) the allocation's mmap offset, as ALLOC answered it
 * @flags: (in) NUMACLAIM_EXPORT_* flags
 * @fd: (out) a new file descriptor, open read-write, for the file
 *
 * The file is a regular file whose size is the allocation's (fstat,
 * lseek(SEEK_END)); ftruncate to that size succeeds, to any other EINVAL.
 * It maps with mmap(MAP_SHARED) at any page offset inside it, up to its
 * end (offset 0 is the allocation's first page); MAP_PRIVATE or a window
 * past the end is EINVAL. It can be opened again by path through
 * /proc/self/fd/N, and passed like any fd. The file, its reopened files and
 * their mappings keep the allocation, and what it needs of the context,
 * after the context's fd is closed; when the last of them goes, the
 * allocation goes back as on RELEASE. While the file lives, RELEASE of the
 * allocation is EBUSY.
 *
 * Errors: EINVAL for an unknown flag or an offset that starts no
 * allocation of the context; EBUSY when the allocation is exported
 * already (dup() or reopen that file instead); EMFILE; ENOMEM.
 */
struct numaclaim_export {
	__aligned_u64 offset;
	__u32 flags;
	__u32 fd;
};

#define NUMACLAIM_IOC_CLAIM \
	_IOW(NUMACLAIM_IOC_MAGIC, 0x00, struct numaclaim_claim)
#define NUMACLAIM_IOC_ALLOC \
	_IOWR(NUMACLAIM_IOC_MAGIC, 0x01, struct numaclaim_alloc)
#define NUMACLAIM_IOC_RELEASE \
	_IOW(NUMACLAIM_IOC_MAGIC, 0x02, struct numaclaim_release)
#define NUMACLAIM_IOC_SET_MAX_PAGES \
	_IOW(NUMACLAIM_IOC_MAGIC, 0x03, struct numaclaim_max_pages)
#define NUMACLAIM_IOC_INFO \
	_IOWR(NUMACLAIM_IOC_MAGIC, 0x04, struct numaclaim_info)
#define NUMACLAIM_IOC_POOL_RESIZE \
	_IOWR(NUMACLAIM_IOC_MAGIC, 0x05, struct numaclaim_pool)
#define NUMACLAIM_IOC_EXPORT \
	_IOWR(NUMACLAIM_IOC_MAGIC, 0x06, struct numaclaim_export)

#endif /* _UAPI_LINUX_NUMACLAIM_H */
