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
#include "trace.h"

/* Allocations of up to this many pages keep their page array inline. */
#define NUMACLAIM_INLINE_PAGES	64UL
/* Allocations of up to this many slots (16 MiB) keep their slots inline. */
#define NUMACLAIM_INLINE_SLOTS	8UL
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
 * An allocation's pages are held by 2 MiB slots: slot i has pages i * 512
 * to i * 512 + 511. A slot is a whole unit of the pool, by its first page,
 * or an array of single pages; a unit takes one word where an array takes
 * a word a page, so an allocation the pool filled with units has 8 bytes
 * of metadata for 2 MiB, and no array is larger than 4 KiB, whatever the
 * allocation's size.
 */
static bool slot_is_unit(unsigned long slot)
{
	return slot && !(slot & NUMACLAIM_SLOT_ARRAY);
}

static struct page **slot_array(unsigned long slot)
{
	return (struct page **)(slot & ~NUMACLAIM_SLOT_ARRAY);
}

/**
 * numaclaim_allocation_page() - the page at an index of an allocation
 * @a: the allocation, not released
 * @index: the page's index, below @a->nr_pages
 *
 * Return: the page.
 */
struct page *numaclaim_allocation_page(struct numaclaim_allocation *a,
				       unsigned long index)
{
	unsigned long slot = a->slots[index / NUMACLAIM_UNIT_PAGES];
	unsigned long i = index % NUMACLAIM_UNIT_PAGES;

	if (slot_is_unit(slot))
		return nth_page((struct page *)slot, i);
	return slot_array(slot)[i];
}

/*
 * One block for an allocation, its parts, its undo record and, for an
 * allocation of up to 16 MiB, its slots, and for one of up to 64 pages its
 * page array: one kmalloc per ALLOC, not four.
 */
static struct numaclaim_allocation *allocation_new(unsigned int nr_nodes,
						   unsigned long pages)
{
	struct numaclaim_allocation *a;
	/* Rounded up without wrapping, for any count userspace asks. */
	unsigned long nr_slots = pages / NUMACLAIM_UNIT_PAGES +
				 !!(pages % NUMACLAIM_UNIT_PAGES);
	size_t parts = array_size(nr_nodes, sizeof(*a->parts));
	size_t claims = array_size(nr_nodes + 1, sizeof(*a->undo.claims));
	size_t size = size_add(size_add(sizeof(*a), parts), claims);
	bool inline_slots = nr_slots <= NUMACLAIM_INLINE_SLOTS;
	/* No page (a request the ledger refuses), no slot to point at it. */
	bool inline_pages = pages && pages <= NUMACLAIM_INLINE_PAGES;
	size_t slots = inline_slots ? nr_slots * sizeof(*a->slots) : 0;

	size = size_add(size, slots);
	if (inline_pages)
		size = size_add(size, pages * sizeof(struct page *));
	a = kzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!a)
		return NULL;
	a->parts = (void *)(a + 1);
	a->undo.claims = (void *)((char *)a->parts + parts);
	a->nr_slots = nr_slots;
	if (inline_slots)
		a->slots = (void *)((char *)a->undo.claims + claims);
	if (inline_pages)
		a->slots[0] = (unsigned long)((char *)a->slots + slots) |
			      NUMACLAIM_SLOT_ARRAY;
	a->inline_slots = inline_slots;
	a->inline_pages = inline_pages;
	INIT_LIST_HEAD(&a->busy);
	return a;
}

/* Slot @s's array, allocated when it has none yet; NULL when out of memory. */
static struct page **allocation_slot_array(struct numaclaim_allocation *a,
					   unsigned long s)
{
	unsigned long nr = min(a->nr_pages - s * NUMACLAIM_UNIT_PAGES,
			       NUMACLAIM_UNIT_PAGES);
	struct page **array;

	if (a->slots[s])
		return slot_array(a->slots[s]);
	array = kmalloc_array(nr, sizeof(*array), GFP_KERNEL_ACCOUNT);
	if (array)
		a->slots[s] = (unsigned long)array | NUMACLAIM_SLOT_ARRAY;
	return array;
}

/* The slots and their arrays: the pages are no longer reached through them. */
static void allocation_free_slots(struct numaclaim_allocation *a)
{
	unsigned long s;

	if (!a->slots)
		return;
	for (s = a->inline_pages ? 1 : 0; s < a->nr_slots; s++) {
		if (a->slots[s] & NUMACLAIM_SLOT_ARRAY)
			kfree(slot_array(a->slots[s]));
		if (!(s % NUMACLAIM_UNIT_PAGES))
			cond_resched();
	}
	if (!a->inline_slots)
		kvfree(a->slots);
	a->slots = NULL;
}

static void allocation_free(struct numaclaim_allocation *a)
{
	allocation_free_slots(a);
	kfree(a);
}

/*
 * Fill @a's pages @first to @first + @nr - 1 from @nid's pool: a unit for
 * each whole slot while the pool has one, single pages for the rest.
 *
 * Return: 0 or the pool's errno, -ENOMEM when an array cannot be had;
 * *@taken is how many pages, from @first on, @a holds either way, and
 * *@lost how many of the others the pool was found short of (left it).
 */
static int allocation_fill(struct numaclaim_host *host,
			   struct numaclaim_allocation *a, int nid,
			   unsigned long first, unsigned long nr,
			   unsigned long *taken, unsigned long *lost)
{
	unsigned long index = first, end = first + nr, s, off, seg, got;
	struct page **array, *unit;
	int ret = 0;

	*lost = 0;
	while (index < end) {
		s = index / NUMACLAIM_UNIT_PAGES;
		off = index % NUMACLAIM_UNIT_PAGES;
		seg = min(end - index, NUMACLAIM_UNIT_PAGES - off);
		if (seg == NUMACLAIM_UNIT_PAGES && !a->slots[s]) {
			if (!numaclaim_pool_take_unit(host, nid, &unit)) {
				a->slots[s] = (unsigned long)unit;
				index += seg;
				/* A huge ALLOC stays killable. */
				if (fatal_signal_pending(current)) {
					ret = -EINTR;
					break;
				}
				cond_resched();
				continue;
			}
		}
		array = allocation_slot_array(a, s);
		if (!array) {
			ret = -ENOMEM;
			break;
		}
		ret = numaclaim_pool_take(host, nid, seg, end - index - seg,
					  array + off, &got);
		index += got;
		if (ret) {
			/* The lists ran dry: the rest of the part is gone. */
			if (ret == -ENOMEM)
				*lost = end - index;
			break;
		}
	}
	*taken = index - first;
	return ret;
}

/*
 * Put pages @first to @first + @nr - 1 of @a on @pages, but whole units,
 * which go on @units.
 */
static void allocation_list(struct numaclaim_allocation *a,
			    unsigned long first, unsigned long nr,
			    struct list_head *pages, struct list_head *units)
{
	unsigned long index = first, end = first + nr, s, off, seg, i;
	struct page **array;

	while (index < end) {
		s = index / NUMACLAIM_UNIT_PAGES;
		off = index % NUMACLAIM_UNIT_PAGES;
		seg = min(end - index, NUMACLAIM_UNIT_PAGES - off);
		if (slot_is_unit(a->slots[s])) {
			/* Units are taken for whole slots of one part only. */
			WARN_ON_ONCE(seg != NUMACLAIM_UNIT_PAGES);
			list_add_tail(&((struct page *)a->slots[s])->lru, units);
		} else {
			array = slot_array(a->slots[s]);
			for (i = 0; i < seg; i++)
				list_add_tail(&array[off + i]->lru, pages);
		}
		index += seg;
		cond_resched();
	}
}

/* Move the first @nr of @a's busy pages (one part's) onto @pages. */
static void allocation_busy_cut(struct numaclaim_allocation *a,
				unsigned long nr, struct list_head *pages)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, &a->busy, lru) {
		if (!nr--)
			break;
		list_move_tail(&page->lru, pages);
	}
}

/*
 * Give the pages of @a back to the pools and uncharge them, but those still
 * referenced elsewhere: they stay in @a, on @a->busy, which then describes
 * only them (@a->parts and @a->nr_pages shrink to what is left). The first
 * time (!@were_busy) the pages come from the slots, which go.
 *
 * Return: the pages left in @a.
 */
static unsigned long allocation_give_back(struct numaclaim_context *ctx,
					  struct numaclaim_allocation *a,
					  bool were_busy)
{
	unsigned int flags = were_busy ? NUMACLAIM_BACK_BUSY :
			     a->zero ? NUMACLAIM_BACK_ZERO : 0;
	unsigned long first = 0, left = 0, kept, gone;
	unsigned int i, parts = 0;
	LIST_HEAD(busy);

	for (i = 0; i < a->nr_parts; i++) {
		struct numaclaim_part part = a->parts[i];
		LIST_HEAD(pages);
		LIST_HEAD(units);

		if (were_busy)
			allocation_busy_cut(a, part.pages, &pages);
		else
			allocation_list(a, first, part.pages, &pages, &units);
		kept = numaclaim_pool_give_back(ctx->host, part.node, &pages,
						&units, flags, &gone);
		numaclaim_account_uncharge(&ctx->acct, part.node,
					   part.pages - kept, gone);
		if (kept) {
			list_splice_tail(&pages, &busy);
			a->parts[parts].node = part.node;
			a->parts[parts].pages = kept;
			parts++;
			left += kept;
		}
		first += part.pages;
	}
	list_splice(&busy, &a->busy);
	allocation_free_slots(a);
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
	unsigned int i;

	cancel_delayed_work_sync(&host->busy_work);
	mutex_lock(&host->busy_lock);
	list_for_each_entry_safe(a, next, &host->busy, busy_link) {
		ctx = a->ctx;
		for (i = 0; i < a->nr_parts; i++) {
			const struct numaclaim_part *part = &a->parts[i];
			LIST_HEAD(pages);

			allocation_busy_cut(a, part->pages, &pages);
			numaclaim_pool_forget(host, part->node, &pages);
			numaclaim_account_uncharge(&ctx->acct, part->node,
						   part->pages, part->pages);
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
 * Part @i of @a got only @taken of its pages, the first at @first: @lost
 * of the rest left the pool (poisoned pages retired, or the lists were
 * short of the ledger, a bug warned in pool_take) and are uncharged as
 * gone, the others, and the parts after it, never taken from, as pages
 * still free. @a keeps what was taken.
 */
static void allocation_trim(struct numaclaim_context *ctx,
			    struct numaclaim_allocation *a, unsigned int i,
			    unsigned long first, unsigned long taken,
			    unsigned long lost)
{
	struct numaclaim_part *part = &a->parts[i];
	unsigned int j;

	numaclaim_account_uncharge(&ctx->acct, part->node,
				   part->pages - taken, lost);
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
 * One block holds the allocation (and a small one's slots and page
 * array); a larger one's slots are allocated only once the ledger, asked
 * without charging, would take the request, so that a refused request
 * costs no memory. Then the request is charged and given its mmap offset,
 * and its slots are filled: units where the pool has them, arrays of
 * single pages for the rest. A failure after the charge (no offset left,
 * no memory for an array, a poisoned page, a fatal signal while clearing)
 * gives back the pages and the claims the charge consumed, so that it
 * costs nothing either.
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
	unsigned long first, taken, lost;
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
	if (!a->slots) {
		/* Slots of their own: only for a request the ledger takes. */
		ret = numaclaim_account_check(&ctx->acct, &req);
		if (ret)
			goto err_free;
		/*
		 * A word for 2 MiB: up to 512 TiB (less 2 MiB) fits in what
		 * kvmalloc() takes (INT_MAX bytes); past it ENOMEM, with no
		 * warning.
		 */
		a->slots = kvcalloc(a->nr_slots, sizeof(*a->slots),
				    GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!a->slots) {
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
		ret = allocation_fill(host, a, a->parts[i].node, first,
				      a->parts[i].pages, &taken, &lost);
		if (ret) {
			allocation_trim(ctx, a, i, first, taken, lost);
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
	/* Every page is zero now: until mapped, RELEASE needs no scrub. */
	a->zero = true;
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

	/*
	 * From now on a failure is no longer this request's. Before the
	 * lock: once it is dropped, another thread may RELEASE @a and free
	 * it, so nothing of @a is touched after.
	 */
	a->undo.claims = NULL;
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
	unsigned int i;

	mutex_lock(&ctx->lock);
	a = allocation_find(ctx, pgoff);
	if (!a || a->pgoff != pgoff) {
		mutex_unlock(&ctx->lock);
		trace_numaclaim_release(ctx, (u64)pgoff << PAGE_SHIFT, 0,
					-EINVAL);
		return -EINVAL;
	}
	if (atomic_read(&a->mapped) || a->exported) {
		/* Under the lock: once it goes, another RELEASE may free @a. */
		trace_numaclaim_release(ctx, (u64)pgoff << PAGE_SHIFT,
					a->nr_pages, -EBUSY);
		mutex_unlock(&ctx->lock);
		return -EBUSY;
	}
	allocation_unlink(ctx, a);
	mutex_unlock(&ctx->lock);

	trace_numaclaim_release(ctx, (u64)pgoff << PAGE_SHIFT, a->nr_pages, 0);
	if (trace_numaclaim_release_node_enabled())
		for (i = 0; i < a->nr_parts; i++)
			trace_numaclaim_release_node(ctx,
						     (u64)pgoff << PAGE_SHIFT,
						     a->parts[i].node,
						     a->parts[i].pages);
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
		/* Its file maps it wherever it goes: dirty on release. */
		a->zero = false;
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
	vmf->page = numaclaim_allocation_page(a, index);
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
 * get_user_pages() and pin_user_pages() work on them: a slot at a time,
 * with a chance to reschedule between.
 *
 * Return: 0, vm_insert_pages()'s errno, -ENOMEM, or -EINTR on a fatal
 * signal; on error the mmap fails and mmap_region() zaps what was inserted.
 */
int numaclaim_allocation_insert(struct numaclaim_allocation *a,
				struct vm_area_struct *vma, unsigned long first)
{
	unsigned long nr = vma_pages(vma), done, chunk, left, index, i;
	struct page **pages, **unit_pages = NULL;
	unsigned long slot;
	int ret = 0;

	numaclaim_vm_flags_set(vma, VM_DONTEXPAND | VM_MIXEDMAP);
	for (done = 0; done < nr && !ret; done += chunk) {
		index = first + done;
		slot = a->slots[index / NUMACLAIM_UNIT_PAGES];
		i = index % NUMACLAIM_UNIT_PAGES;
		chunk = min(nr - done, NUMACLAIM_UNIT_PAGES - i);
		if (slot_is_unit(slot)) {
			/* vm_insert_pages() takes an array: the unit's pages. */
			if (!unit_pages) {
				unit_pages = kmalloc_array(NUMACLAIM_UNIT_PAGES,
							   sizeof(*unit_pages),
							   GFP_KERNEL);
				if (!unit_pages) {
					ret = -ENOMEM;
					break;
				}
			}
			for (left = 0; left < chunk; left++)
				unit_pages[left] = nth_page((struct page *)slot,
							    i + left);
			pages = unit_pages;
		} else {
			pages = slot_array(slot) + i;
		}
		left = chunk;
		ret = vm_insert_pages(vma, vma->vm_start + (done << PAGE_SHIFT),
				      pages, &left);
		if (!ret && fatal_signal_pending(current))
			ret = -EINTR;
		cond_resched();
	}
	kfree(unit_pages);
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
	/* Writable or not, its pages are scrubbed when it goes. */
	a->zero = false;
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
