// SPDX-License-Identifier: GPL-2.0
/*
 * numaclaim contexts: what one open() of /dev/numaclaim creates. A context
 * owns an account in the ledger, its allocations, their mmap offsets and
 * the mappings of them.
 *
 * A context lives while its file does, and while any allocation of it is
 * exported (module/file.c): an allocation file keeps its allocation, and
 * the account that holds its pages, after the context's fd is closed.
 */
#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/kref.h>
#include <linux/overflow.h>
#include <linux/rbtree.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/topology.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "numaclaim.h"

/* Pages inserted by one vm_insert_pages() call: 2 MiB of 4 KiB pages. */
#define NUMACLAIM_INSERT_BATCH	512UL
/* Allocations of up to this many pages keep their page array inline. */
#define NUMACLAIM_INLINE_PAGES	64UL
/* How often released pages still referenced elsewhere are looked at again. */
#define NUMACLAIM_BUSY_DELAY	(HZ / 10)

/**
 * numaclaim_context_create() - open a context with no claim and no limit
 * @host: the host
 *
 * Return: the context or an ERR_PTR().
 */
struct numaclaim_context *numaclaim_context_create(struct numaclaim_host *host)
{
	struct numaclaim_context *ctx;
	int ret;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return ERR_PTR(-ENOMEM);
	ret = numaclaim_account_init(&ctx->acct, &host->ledger);
	if (ret) {
		kfree(ctx);
		return ERR_PTR(ret);
	}
	ctx->host = host;
	kref_init(&ctx->ref);
	mutex_init(&ctx->lock);
	ctx->allocs = RB_ROOT;
	atomic_long_set(&ctx->busy, 0);
	return ctx;
}

/*
 * One block for an allocation, its parts and its undo record and, for a
 * small allocation, its page array: one kmalloc per ALLOC, not four.
 */
static struct numaclaim_allocation *allocation_new(unsigned int nr_nodes,
						   unsigned long pages)
{
	struct numaclaim_allocation *a;
	size_t parts = array_size(nr_nodes, sizeof(*a->parts));
	size_t claims = array_size(nr_nodes + 1, sizeof(*a->undo.claims));
	size_t size = size_add(size_add(sizeof(*a), parts), claims);
	bool inline_pages = pages <= NUMACLAIM_INLINE_PAGES;

	if (inline_pages)
		size = size_add(size, array_size(pages, sizeof(*a->pages)));
	a = kzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!a)
		return NULL;
	a->parts = (void *)(a + 1);
	a->undo.claims = (void *)((char *)a->parts + parts);
	if (inline_pages)
		a->pages = (void *)((char *)a->undo.claims + claims);
	a->inline_pages = inline_pages;
	return a;
}

static void allocation_free(struct numaclaim_allocation *a)
{
	if (!a->inline_pages)
		kvfree(a->pages);
	kfree(a);
}

/*
 * Give the pages of @a back to the pools and uncharge them, but those still
 * referenced elsewhere: they stay in @a, which then describes only them
 * (@a->pages, @a->parts and @a->nr_pages shrink to what is left).
 *
 * Return: the pages left in @a.
 */
static unsigned long allocation_give_back(struct numaclaim_context *ctx,
					  struct numaclaim_allocation *a,
					  bool were_busy)
{
	unsigned long first = 0, left = 0, kept, gone;
	unsigned int i, parts = 0;

	for (i = 0; i < a->nr_parts; i++) {
		struct numaclaim_part part = a->parts[i];

		kept = numaclaim_pool_give_back(ctx->host, part.node,
						a->pages + first, part.pages,
						were_busy, &gone);
		numaclaim_account_uncharge(&ctx->acct, part.node,
					   part.pages - kept, gone);
		if (kept) {
			memmove(a->pages + left, a->pages + first,
				kept * sizeof(*a->pages));
			a->parts[parts].node = part.node;
			a->parts[parts].pages = kept;
			parts++;
			left += kept;
		}
		first += part.pages;
	}
	a->nr_parts = parts;
	a->nr_pages = left;
	return left;
}

/*
 * An allocation nobody can reach any more goes: its pages back to the
 * pools, and, when @unwind, the claims its charge consumed back to the
 * context. Pages still referenced elsewhere keep it, charged, on the
 * host's busy list, with a reference to the context, until they drop.
 */
static void allocation_retire(struct numaclaim_context *ctx,
			      struct numaclaim_allocation *a, bool unwind)
{
	struct numaclaim_host *host = ctx->host;
	unsigned long left;

	left = allocation_give_back(ctx, a, false);
	if (unwind)
		numaclaim_account_unwind(&ctx->acct, &a->undo);
	if (!left) {
		allocation_free(a);
		return;
	}
	atomic_long_add(left, &ctx->busy);
	kref_get(&ctx->ref);
	mutex_lock(&host->busy_lock);
	list_add_tail(&a->busy_link, &host->busy);
	mutex_unlock(&host->busy_lock);
	queue_delayed_work(system_unbound_wq, &host->busy_work,
			   NUMACLAIM_BUSY_DELAY);
}

static void context_free(struct kref *ref)
{
	struct numaclaim_context *ctx =
		container_of(ref, struct numaclaim_context, ref);

	WARN_ON_ONCE(!RB_EMPTY_ROOT(&ctx->allocs));
	numaclaim_account_destroy(&ctx->acct);
	mutex_destroy(&ctx->lock);
	kfree(ctx);
}

static void context_put(struct numaclaim_context *ctx)
{
	kref_put(&ctx->ref, context_free);
}

/**
 * numaclaim_busy_work() - take back released pages no longer referenced
 * @work: the host's busy_work
 *
 * Runs again while the host's busy list is not empty.
 */
void numaclaim_busy_work(struct work_struct *work)
{
	struct numaclaim_host *host =
		container_of(to_delayed_work(work), struct numaclaim_host,
			     busy_work);
	struct numaclaim_allocation *a, *next;
	struct numaclaim_context *ctx;
	unsigned long before;
	bool more;

	mutex_lock(&host->busy_lock);
	list_for_each_entry_safe(a, next, &host->busy, busy_link) {
		ctx = a->ctx;
		before = a->nr_pages;
		atomic_long_sub(before - allocation_give_back(ctx, a, true),
				&ctx->busy);
		if (!a->nr_pages) {
			list_del(&a->busy_link);
			allocation_free(a);
			context_put(ctx);
		}
		cond_resched();
	}
	more = !list_empty(&host->busy);
	mutex_unlock(&host->busy_lock);
	if (more)
		queue_delayed_work(system_unbound_wq, &host->busy_work,
				   NUMACLAIM_BUSY_DELAY);
}

/**
 * numaclaim_busy_drain() - let every busy page go, at unload
 * @host: the host; no context is open and no allocation file lives
 *
 * The pools drop their reference to pages still referenced elsewhere: the
 * buddy allocator frees each when its last reference drops.
 */
void numaclaim_busy_drain(struct numaclaim_host *host)
{
	struct numaclaim_allocation *a, *next;
	struct numaclaim_context *ctx;
	unsigned long first;
	unsigned int i;

	cancel_delayed_work_sync(&host->busy_work);
	mutex_lock(&host->busy_lock);
	list_for_each_entry_safe(a, next, &host->busy, busy_link) {
		ctx = a->ctx;
		for (first = 0, i = 0; i < a->nr_parts; i++) {
			const struct numaclaim_part *part = &a->parts[i];

			numaclaim_pool_forget(host, part->node,
					      a->pages + first, part->pages);
			numaclaim_account_uncharge(&ctx->acct, part->node,
						   part->pages, part->pages);
			first += part->pages;
		}
		atomic_long_sub(a->nr_pages, &ctx->busy);
		list_del(&a->busy_link);
		allocation_free(a);
		context_put(ctx);
	}
	mutex_unlock(&host->busy_lock);
}

static void allocation_unlink(struct numaclaim_context *ctx,
			      struct numaclaim_allocation *a)
	__must_hold(&ctx->lock)
{
	lockdep_assert_held(&ctx->lock);
	rb_erase(&a->node, &ctx->allocs);
	RB_CLEAR_NODE(&a->node);
}

/* The allocation whose pages cover @pgoff, or NULL. */
static struct numaclaim_allocation *
allocation_find(struct numaclaim_context *ctx, unsigned long pgoff)
	__must_hold(&ctx->lock)
{
	struct rb_node *n = ctx->allocs.rb_node;
	struct numaclaim_allocation *a;

	lockdep_assert_held(&ctx->lock);
	while (n) {
		a = rb_entry(n, struct numaclaim_allocation, node);
		if (pgoff < a->pgoff)
			n = n->rb_left;
		else if (pgoff - a->pgoff >= a->nr_pages)
			n = n->rb_right;
		else
			return a;
	}
	return NULL;
}

/**
 * numaclaim_context_close() - the context's file is closed
 * @ctx: the context; nothing maps its memory through its file any more
 *
 * Every claim is released and every allocation goes back to the pools,
 * but exported ones: those go when their file does, and the context ends
 * with the last of them.
 */
void numaclaim_context_close(struct numaclaim_context *ctx)
{
	struct numaclaim_allocation *a;
	struct rb_node *n;

	numaclaim_account_reset(&ctx->acct);
	mutex_lock(&ctx->lock);
	while ((n = rb_first(&ctx->allocs))) {
		a = rb_entry(n, struct numaclaim_allocation, node);
		allocation_unlink(ctx, a);
		if (a->exported)
			continue;
		WARN_ON_ONCE(atomic_read(&a->mapped));
		allocation_retire(ctx, a, false);
		cond_resched();
	}
	mutex_unlock(&ctx->lock);
	context_put(ctx);
}

/* Reserve the allocation's mmap offsets; they are never handed out again. */
static int allocation_reserve_pgoff(struct numaclaim_context *ctx,
				    struct numaclaim_allocation *a)
{
	unsigned long end;
	int ret = 0;

	mutex_lock(&ctx->lock);
	if (check_add_overflow(ctx->next_pgoff, a->nr_pages, &end) ||
	    end > NUMACLAIM_MAX_PGOFF) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	a->pgoff = ctx->next_pgoff;
	ctx->next_pgoff = end;
out_unlock:
	mutex_unlock(&ctx->lock);
	return ret;
}

/*
 * Part @i of @a got only @taken of its pages, at @first in @a->pages: the
 * rest left the pool (poisoned pages retired, or the lists were short of
 * the ledger, a bug warned in pool_take) and is uncharged as gone; the
 * parts after it, never taken from, as pages still free. @a keeps what
 * was taken.
 */
static void allocation_trim(struct numaclaim_context *ctx,
			    struct numaclaim_allocation *a, unsigned int i,
			    unsigned long first, unsigned long taken)
{
	struct numaclaim_part *part = &a->parts[i];
	unsigned int j;

	numaclaim_account_uncharge(&ctx->acct, part->node,
				   part->pages - taken, part->pages - taken);
	part->pages = taken;
	for (j = i + 1; j < a->nr_parts; j++)
		numaclaim_account_uncharge(&ctx->acct, a->parts[j].node,
					   a->parts[j].pages, 0);
	a->nr_parts = i + 1;
	a->nr_pages = first + taken;
}

/**
 * numaclaim_context_alloc() - allocate pages for a context
 * @ctx: the context
 * @pages: pages wanted
 * @node: node wanted or NUMACLAIM_LEDGER_ANY
 * @flags: NUMACLAIM_CHARGE_* flags
 * @node_pages: (out) pages that landed on each node, or NULL
 * @nr_node_pages: entries in @node_pages, filled from node 0 on
 * @ap: (out) the allocation, charged and holding its pages and its mmap
 *	offset (@ap->pgoff) but not visible yet: the caller publishes it
 *	with numaclaim_context_publish() once the offset reached userspace,
 *	or takes it back with numaclaim_context_abort()
 *
 * One block holds the allocation (and a small one's page array); a larger
 * one's page array is allocated only once the ledger, asked without
 * charging, would take the request, so that a refused request costs no
 * memory. Then the request is charged and given its mmap offset. A failure
 * after the charge (no offset left, a poisoned page, a fatal signal while
 * clearing) gives back the pages and the claims the charge consumed, so
 * that it costs nothing either.
 *
 * Return: 0, -EINVAL, -EDQUOT, -ENOMEM or -EINTR.
 */
int numaclaim_context_alloc(struct numaclaim_context *ctx,
			    unsigned long pages, int node, unsigned int flags,
			    u64 *node_pages, unsigned int nr_node_pages,
			    struct numaclaim_allocation **ap)
{
	struct numaclaim_host *host = ctx->host;
	struct numaclaim_charge req = {
		.pages = pages,
		.node = node,
		.flags = flags,
	};
	struct numaclaim_allocation *a;
	unsigned long first, taken;
	unsigned int i;
	int from, ret;

	from = node == NUMACLAIM_LEDGER_ANY ? numa_node_id() : node;
	if (from >= 0 && from < host->nr_nodes)
		req.order = numaclaim_host_order(host, from);

	a = allocation_new(host->nr_nodes, pages);
	if (!a)
		return -ENOMEM;
	req.undo = &a->undo;
	req.parts = a->parts;
	a->ctx = ctx;
	a->nr_pages = pages;
	RB_CLEAR_NODE(&a->node);
	INIT_LIST_HEAD(&a->busy_link);
	atomic_set(&a->mapped, 0);
	if (!a->pages) {
		/* A page array of its own: only for a request the ledger takes. */
		ret = numaclaim_account_check(&ctx->acct, &req);
		if (ret)
			goto err_free;
		/* Past what kvmalloc() takes (INT_MAX bytes): ENOMEM, no warning. */
		a->pages = kvmalloc_array(pages, sizeof(*a->pages),
					  GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!a->pages) {
			ret = -ENOMEM;
			goto err_free;
		}
	}

	ret = numaclaim_account_charge(&ctx->acct, &req);
	if (ret)
		goto err_free;
	a->nr_parts = req.nr_parts;
	ret = allocation_reserve_pgoff(ctx, a);
	if (ret) {
		/* No offset left: the pages stay free, the claims come back. */
		for (i = 0; i < a->nr_parts; i++)
			numaclaim_account_uncharge(&ctx->acct, a->parts[i].node,
						   a->parts[i].pages, 0);
		numaclaim_account_unwind(&ctx->acct, &a->undo);
		goto err_free;
	}

	for (first = 0, i = 0; i < a->nr_parts; i++) {
		ret = numaclaim_pool_take(host, a->parts[i].node,
					  a->parts[i].pages, a->pages + first,
					  &taken);
		if (ret) {
			allocation_trim(ctx, a, i, first, taken);
			allocation_retire(ctx, a, true);
			return ret;
		}
		first += taken;
	}

	if (node_pages) {
		memset(node_pages, 0, nr_node_pages * sizeof(*node_pages));
		for (i = 0; i < a->nr_parts; i++)
			if (a->parts[i].node < nr_node_pages)
				node_pages[a->parts[i].node] = a->parts[i].pages;
	}
	*ap = a;
	return 0;

err_free:
	allocation_free(a);
	return ret;
}

/**
 * numaclaim_context_publish() - make an allocation visible to mmap and
 *	RELEASE
 * @ctx: the context
 * @a: what numaclaim_context_alloc() answered
 */
void numaclaim_context_publish(struct numaclaim_context *ctx,
			       struct numaclaim_allocation *a)
{
	struct rb_node **link = &ctx->allocs.rb_node, *parent = NULL;
	struct numaclaim_allocation *at;

	mutex_lock(&ctx->lock);
	while (*link) {
		parent = *link;
		at = rb_entry(parent, struct numaclaim_allocation, node);
		link = a->pgoff < at->pgoff ? &parent->rb_left :
					      &parent->rb_right;
	}
	rb_link_node(&a->node, parent, link);
	rb_insert_color(&a->node, &ctx->allocs);
	mutex_unlock(&ctx->lock);
	/* From now on a failure is no longer this request's. */
	a->undo.claims = NULL;
}

/**
 * numaclaim_context_abort() - take back an allocation never published
 * @ctx: the context
 * @a: what numaclaim_context_alloc() answered
 *
 * The request failed after all (its answer could not be copied out): its
 * pages go back to the pools and the claims its charge consumed come back,
 * so that it cost nothing.
 */
void numaclaim_context_abort(struct numaclaim_context *ctx,
			     struct numaclaim_allocation *a)
{
	allocation_retire(ctx, a, true);
}

/**
 * numaclaim_context_release() - give one whole allocation back
 * @ctx: the context
 * @pgoff: the allocation's mmap offset, in pages
 *
 * Return: 0, -EINVAL for no allocation starting there, -EBUSY while it is
 * mapped through the context's fd or exported.
 */
int numaclaim_context_release(struct numaclaim_context *ctx,
			      unsigned long pgoff)
{
	struct numaclaim_allocation *a;

	mutex_lock(&ctx->lock);
	a = allocation_find(ctx, pgoff);
	if (!a || a->pgoff != pgoff) {
		mutex_unlock(&ctx->lock);
		return -EINVAL;
	}
	if (atomic_read(&a->mapped) || a->exported) {
		mutex_unlock(&ctx->lock);
		return -EBUSY;
	}
	allocation_unlink(ctx, a);
	mutex_unlock(&ctx->lock);

	allocation_retire(ctx, a, false);
	return 0;
}

/**
 * numaclaim_context_export_begin() - mark an allocation exported
 * @ctx: the context
 * @pgoff: the allocation's mmap offset, in pages
 * @ap: (out) the allocation
 *
 * From now on RELEASE answers EBUSY and closing the context leaves the
 * allocation to its file; the allocation holds a reference to the context
 * until numaclaim_context_export_end().
 *
 * Return: 0, -EINVAL for no allocation starting there, -EBUSY when it is
 * exported already.
 */
int numaclaim_context_export_begin(struct numaclaim_context *ctx,
				   unsigned long pgoff,
				   struct numaclaim_allocation **ap)
{
	struct numaclaim_allocation *a;
	int ret = 0;

	mutex_lock(&ctx->lock);
	a = allocation_find(ctx, pgoff);
	if (!a || a->pgoff != pgoff) {
		ret = -EINVAL;
	} else if (a->exported) {
		ret = -EBUSY;
	} else {
		a->exported = true;
		kref_get(&ctx->ref);
		*ap = a;
	}
	mutex_unlock(&ctx->lock);
	return ret;
}

/**
 * numaclaim_context_export_end() - an allocation's file is gone
 * @a: the allocation
 * @keep: true when the file never reached userspace: nothing changes
 *
 * Otherwise the allocation goes back to the pools as on RELEASE, unless the
 * context still maps it through its own fd: then it stays the context's,
 * for RELEASE or the context's end.
 */
void numaclaim_context_export_end(struct numaclaim_allocation *a, bool keep)
{
	struct numaclaim_context *ctx = a->ctx;
	bool give_back = false;

	mutex_lock(&ctx->lock);
	a->exported = false;
	if (!keep) {
		if (RB_EMPTY_NODE(&a->node)) {
			give_back = true;
		} else if (!atomic_read(&a->mapped)) {
			allocation_unlink(ctx, a);
			give_back = true;
		}
	}
	mutex_unlock(&ctx->lock);

	if (give_back)
		allocation_retire(ctx, a, false);
	context_put(ctx);
}

static void numaclaim_vm_open(struct vm_area_struct *vma)
{
	struct numaclaim_allocation *a = vma->vm_private_data;

	atomic_inc(&a->mapped);
}

static void numaclaim_vm_close(struct vm_area_struct *vma)
{
	struct numaclaim_allocation *a = vma->vm_private_data;

	atomic_dec(&a->mapped);
}

/**
 * numaclaim_allocation_fault() - fault a page of an allocation in again
 * @a: the allocation
 * @vmf: the fault
 * @index: the page's index in @a
 *
 * A page zapped from a mapping (MADV_DONTNEED) comes back on access.
 *
 * Return: 0 with vmf->page set and referenced, or VM_FAULT_SIGBUS.
 */
vm_fault_t numaclaim_allocation_fault(struct numaclaim_allocation *a,
				      struct vm_fault *vmf,
				      unsigned long index)
{
	if (index >= a->nr_pages)
		return VM_FAULT_SIGBUS;
	vmf->page = a->pages[index];
	get_page(vmf->page);
	return 0;
}

static vm_fault_t numaclaim_vm_fault(struct vm_fault *vmf)
{
	struct numaclaim_allocation *a = vmf->vma->vm_private_data;

	if (vmf->pgoff < a->pgoff)
		return VM_FAULT_SIGBUS;
	return numaclaim_allocation_fault(a, vmf, vmf->pgoff - a->pgoff);
}

static const struct vm_operations_struct numaclaim_vm_ops = {
	.open = numaclaim_vm_open,
	.close = numaclaim_vm_close,
	.fault = numaclaim_vm_fault,
};

/**
 * numaclaim_allocation_insert() - insert pages of an allocation into a VMA
 * @a: the allocation
 * @vma: the mapping; it maps no more pages than @a has from @first on
 * @first: index in @a of the page mapped at vma->vm_start
 *
 * The pages are inserted at once, as ordinary refcounted pages, so that
 * get_user_pages() and pin_user_pages() work on them.
 *
 * Return: 0, vm_insert_pages()'s errno, or -EINTR on a fatal signal; on
 * error the mmap fails and mmap_region() zaps what was inserted.
 */
int numaclaim_allocation_insert(struct numaclaim_allocation *a,
				struct vm_area_struct *vma, unsigned long first)
{
	unsigned long nr = vma_pages(vma), done, chunk, left;
	int ret = 0;

	numaclaim_vm_flags_set(vma, VM_DONTEXPAND | VM_MIXEDMAP);
	/* In chunks of a PMD's worth, with a chance to reschedule between. */
	for (done = 0; done < nr && !ret; done += chunk) {
		chunk = min_t(unsigned long, nr - done, NUMACLAIM_INSERT_BATCH);
		left = chunk;
		ret = vm_insert_pages(vma, vma->vm_start + (done << PAGE_SHIFT),
				      a->pages + first + done, &left);
		if (!ret && fatal_signal_pending(current))
			ret = -EINTR;
		cond_resched();
	}
	return ret;
}

/**
 * numaclaim_context_mmap() - map an allocation, or a window of one
 * @ctx: the context
 * @vma: the mapping: MAP_SHARED, at an offset inside an allocation, no
 *	further than the allocation's end
 *
 * Return: 0, -EINVAL for a mapping refused, or vm_insert_pages()'s errno.
 */
int numaclaim_context_mmap(struct numaclaim_context *ctx,
			   struct vm_area_struct *vma)
{
	unsigned long nr = vma_pages(vma), first;
	struct numaclaim_allocation *a;
	int ret;

	/* VM_MAYSHARE: a MAP_SHARED mapping of a read-only fd has no VM_SHARED. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;

	mutex_lock(&ctx->lock);
	a = allocation_find(ctx, vma->vm_pgoff);
	if (!a || nr > a->nr_pages - (vma->vm_pgoff - a->pgoff)) {
		mutex_unlock(&ctx->lock);
		return -EINVAL;
	}
	first = vma->vm_pgoff - a->pgoff;
	/* Counted before the lock goes, so RELEASE cannot free it now. */
	atomic_inc(&a->mapped);
	mutex_unlock(&ctx->lock);

	ret = numaclaim_allocation_insert(a, vma, first);
	if (ret) {
		/* mmap_region() zaps what was inserted; close is not called. */
		atomic_dec(&a->mapped);
		return ret;
	}
	vma->vm_private_data = a;
	vma->vm_ops = &numaclaim_vm_ops;
	return 0;
}
