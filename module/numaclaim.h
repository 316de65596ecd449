/* SPDX-License-Identifier: GPL-2.0 */
/*
 * numaclaim internals: the host (ledger, pools, node order), contexts and
 * the pieces the device glues together.
 */
#ifndef _NUMACLAIM_H
#define _NUMACLAIM_H

#include <linux/bits.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "ledger.h"

/*
 * Pools grow in 2 MiB chunks first, smaller ones when those fail. A 2 MiB
 * chunk stays together in the pool as a unit (its pages split, each with
 * its own count, but kept as one entry), and goes whole to an allocation
 * that has a 2 MiB slot of its own for it: one word of metadata for 2 MiB.
 */
#define NUMACLAIM_POOL_ORDER	(21 - PAGE_SHIFT)
#define NUMACLAIM_POOL_ORDERS	(NUMACLAIM_POOL_ORDER + 1)
#define NUMACLAIM_UNIT_PAGES	BIT(NUMACLAIM_POOL_ORDER)
#define NUMACLAIM_POOL_GFP	(GFP_HIGHUSER | __GFP_THISNODE | \
				 __GFP_NOWARN | __GFP_NORETRY)

/**
 * struct numaclaim_pool_node - the free pages of one node's pool
 * @lock: guards everything below; a mutex, as pages are cleared under it
 * @clean: free single pages known to be zero
 * @dirty: free single pages not scrubbed yet
 * @clean_units: free 2 MiB units known to be zero, by their first page
 * @dirty_units: free 2 MiB units not scrubbed yet
 * @nr_clean: pages on @clean and in @clean_units
 * @nr_dirty: pages on @dirty and in @dirty_units
 * @nr_clean_units: units on @clean_units
 * @nr_dirty_units: units on @dirty_units
 * @busy: pages of released allocations still referenced elsewhere (a pin,
 *	a pipe): held back, still charged, until only the pool holds them
 * @hwpoison: pages retired because the hardware poisoned them
 * @chunks: chunks of each order the pool took from the buddy allocator
 * @nid: the node
 * @scrub_work: clears @dirty, queued on a CPU of the node
 *
 * The pages on the lists are exactly the node's free pages in the ledger
 * whenever no operation is half-way: pages join the lists before the ledger
 * counts them and leave after the ledger let them go. A unit is broken
 * into single pages when single pages run short.
 */
struct numaclaim_pool_node {
	struct mutex lock;	/* the lists; pages are cleared under it */
	struct list_head clean;
	struct list_head dirty;
	struct list_head clean_units;
	struct list_head dirty_units;
	unsigned long nr_clean;
	unsigned long nr_dirty;
	unsigned long nr_clean_units;
	unsigned long nr_dirty_units;
	unsigned long busy;
	unsigned long hwpoison;
	unsigned long owed;	/* retired, still free in the ledger */
	unsigned long chunks[NUMACLAIM_POOL_ORDERS];
	int nid;
	struct delayed_work scrub_work;
};

/**
 * struct numaclaim_host - the ledger and the pools of every node
 * @ledger: the accounting
 * @nr_nodes: nodes, ids 0 to @nr_nodes - 1
 * @pool: one pool per node
 * @order: for each node, every node nearest first (@nr_nodes x @nr_nodes)
 * @resize_lock: one resize at a time
 * @busy_lock: guards @busy
 * @busy: released allocations whose pages are still referenced elsewhere
 * @busy_work: takes their pages back as the references drop
 * @node_usable: whether a node may hold pool pages (online, with memory)
 */
struct numaclaim_host {
	struct numaclaim_ledger ledger;
	unsigned int nr_nodes;
	struct numaclaim_pool_node *pool;
	int *order;
	struct mutex resize_lock;	/* one resize at a time */
	struct mutex busy_lock;		/* @busy */
	struct list_head busy;
	struct delayed_work busy_work;
	bool (*node_usable)(int nid);
};

/*
 * mmap offsets stay below what mmap() accepts for a character device: an
 * loff_t on 64-bit kernels, ULONG_MAX bytes on 32-bit ones. Offsets are not
 * reused, so on a 32-bit kernel a context can allocate 4 GiB in all.
 */
#define NUMACLAIM_MAX_PGOFF	\
	((u64)min_t(u64, MAX_LFS_FILESIZE, ULONG_MAX) >> PAGE_SHIFT)

/* pool.c */
int numaclaim_host_init(struct numaclaim_host *host, unsigned int nr_nodes,
			int (*distance)(int from, int to),
			bool (*node_usable)(int nid));
void numaclaim_host_destroy(struct numaclaim_host *host);
const int *numaclaim_host_order(struct numaclaim_host *host, int nid);
int numaclaim_pool_resize(struct numaclaim_host *host, int nid,
			  unsigned long want, unsigned long *reached);
int numaclaim_pool_take(struct numaclaim_host *host, int nid,
			unsigned long nr, unsigned long rest,
			struct page **pages, unsigned long *taken);
int numaclaim_pool_take_unit(struct numaclaim_host *host, int nid,
			     struct page **unit);
/* numaclaim_pool_give_back()'s flags */
#define NUMACLAIM_BACK_BUSY	0x1	/* found still referenced before */
#define NUMACLAIM_BACK_ZERO	0x2	/* never mapped nor exported: zero */

unsigned long numaclaim_pool_give_back(struct numaclaim_host *host, int nid,
				       struct list_head *pages,
				       struct list_head *units,
				       unsigned int flags, unsigned long *gone);
void numaclaim_pool_forget(struct numaclaim_host *host, int nid,
			   struct list_head *pages);
unsigned long numaclaim_pool_busy(struct numaclaim_host *host, int nid);
unsigned long numaclaim_pool_hwpoison(struct numaclaim_host *host, int nid);
unsigned long numaclaim_pool_dirty(struct numaclaim_host *host, int nid);
void numaclaim_pool_flush(struct numaclaim_host *host);

/**
 * struct numaclaim_allocation - pages a context allocated with one request
 * @ctx: the context
 * @node: entry in @ctx->allocs while the context holds it (@ctx->lock)
 * @busy_link: entry in the host's busy list once released with pages
 *	still referenced elsewhere
 * @undo: the claims its charge consumed, until it is published
 * @pgoff: mmap offset in pages
 * @nr_pages: pages
 * @mapped: VMAs of the context's fd that map (part of) it
 * @exported: it has a file of its own, which keeps it (@ctx->lock)
 * @nr_files: open files of it (module/file.c's lock)
 * @nr_parts: entries in @parts
 * @parts: how many pages each node gave, in placement order
 * @nr_slots: entries in @slots
 * @slots: the pages, 2 MiB of them a slot, @parts[0]'s first: a slot is
 *	the first page of a pool unit, or an array of pages (its address
 *	with NUMACLAIM_SLOT_ARRAY set); NULL once released
 * @busy: once released, the pages still referenced elsewhere, @parts[0]'s
 *	first, on their lru
 * @inline_slots: @slots is in the same block as the allocation
 * @inline_pages: so is the array of a small allocation's only slot
 * @zero: every page is still zero: the allocation was filled and has not
 *	been mapped or exported since (@ctx->lock), so nobody could write it
 *
 * @parts, @undo's claims and a small allocation's slots and page array
 * follow the structure in one block.
 */
struct numaclaim_allocation {
	struct numaclaim_context *ctx;
	struct rb_node node;
	struct list_head busy_link;
	struct numaclaim_undo undo;
	unsigned long pgoff;
	unsigned long nr_pages;
	atomic_t mapped;
	bool exported;
	unsigned long nr_files;
	unsigned int nr_parts;
	struct numaclaim_part *parts;
	unsigned long nr_slots;
	unsigned long *slots;
	struct list_head busy;
	bool inline_slots;
	bool inline_pages;
	bool zero;
};

#define NUMACLAIM_SLOT_ARRAY	1UL

/**
 * struct numaclaim_context - what one open() of /dev/numaclaim creates
 * @host: the host
 * @acct: its account in the host's ledger
 * @ref: held by its file and by each exported allocation
 * @lock: guards @allocs, @next_pgoff and each allocation's place in them
 * @allocs: allocations by @pgoff, the ranges of offsets they cover
 * @next_pgoff: mmap offset, in pages, of the next allocation
 * @busy: pages it released that are still referenced elsewhere
 */
struct numaclaim_context {
	struct numaclaim_host *host;
	struct numaclaim_account acct;
	struct kref ref;
	struct mutex lock;	/* @allocs, @next_pgoff, exported */
	struct rb_root allocs;
	unsigned long next_pgoff;
	atomic_long_t busy;
};

/* context.c */
struct numaclaim_context *numaclaim_context_create(struct numaclaim_host *host);
void numaclaim_context_close(struct numaclaim_context *ctx);
int numaclaim_context_alloc(struct numaclaim_context *ctx,
			    unsigned long pages, int node, unsigned int flags,
			    u64 *node_pages, unsigned int nr_node_pages,
			    struct numaclaim_allocation **ap);
void numaclaim_context_publish(struct numaclaim_context *ctx,
			       struct numaclaim_allocation *a);
void numaclaim_context_abort(struct numaclaim_context *ctx,
			     struct numaclaim_allocation *a);
int numaclaim_context_release(struct numaclaim_context *ctx,
			      unsigned long pgoff);
int numaclaim_context_mmap(struct numaclaim_context *ctx,
			   struct vm_area_struct *vma);
int numaclaim_context_export_begin(struct numaclaim_context *ctx,
				   unsigned long pgoff,
				   struct numaclaim_allocation **ap);
void numaclaim_context_export_end(struct numaclaim_allocation *a, bool keep);
int numaclaim_allocation_insert(struct numaclaim_allocation *a,
				struct vm_area_struct *vma, unsigned long first);
void numaclaim_busy_work(struct work_struct *work);
void numaclaim_busy_drain(struct numaclaim_host *host);
struct page *numaclaim_allocation_page(struct numaclaim_allocation *a,
				       unsigned long index);
vm_fault_t numaclaim_allocation_fault(struct numaclaim_allocation *a,
				      struct vm_fault *vmf,
				      unsigned long index);

/* file.c */
int numaclaim_file_create(struct numaclaim_allocation *a, struct file **filep);
void numaclaim_file_abort(struct file *file);

/* sysfs.c */
int numaclaim_sysfs_init(struct numaclaim_host *host);
void numaclaim_sysfs_exit(void);

/* chardev.c */
int numaclaim_chardev_init(struct numaclaim_host *host);
void numaclaim_chardev_exit(void);

#endif /* _NUMACLAIM_H */
