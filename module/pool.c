// SPDX-License-Identifier: GPL-2.0
/*
 * numaclaim pools: the pages each node's pool took from the buddy allocator,
 * kept on a clean (zeroed) and a dirty list, scrubbed in the background as
 * Xen scrubs freed pages.
 */
#include <linux/cpumask.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/kasan-checks.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/topology.h>
#include <linux/workqueue.h>

#include "numaclaim.h"
#include "trace.h"

/* Single pages cleared under a node's lock before it is let go. */
#define NUMACLAIM_SCRUB_BATCH	32
/* Pages moved between lists, or freed, between two chances to reschedule. */
#define NUMACLAIM_LIST_BATCH	1024
/*
 * Pages given back wait this long for more before their node's scrub runs,
 * so that a stream of small releases wakes the scrubber once, not each
 * time; this many or more given back at once are scrubbed straight away.
 */
#define NUMACLAIM_SCRUB_DELAY	(HZ / 50)
#define NUMACLAIM_SCRUB_NOW	512

static void pool_scrub_work(struct work_struct *work);

/**
 * numaclaim_host_init() - set up the ledger and empty pools
 * @host: the host
 * @nr_nodes: nodes (nr_node_ids on a real host)
 * @distance: node distance, node_distance() on a real host
 * @node_usable: whether a node can hold pool pages
 *
 * Every node's order of nearest nodes is worked out here, once: an
 * insertion sort per node, quadratic in @nr_nodes, which is small.
 *
 * Return: 0 or a negative errno.
 */
int numaclaim_host_init(struct numaclaim_host *host, unsigned int nr_nodes,
			int (*distance)(int from, int to),
			bool (*node_usable)(int nid))
{
	unsigned int from, i, j;
	int ret;

	ret = numaclaim_ledger_init(&host->ledger, nr_nodes);
	if (ret)
		return ret;
	host->nr_nodes = nr_nodes;
	host->node_usable = node_usable;
	mutex_init(&host->resize_lock);

	ret = -ENOMEM;
	host->pool = kcalloc(nr_nodes, sizeof(*host->pool), GFP_KERNEL);
	if (!host->pool)
		goto err_ledger;
	host->order = kvmalloc_array(array_size(nr_nodes, nr_nodes),
				     sizeof(*host->order), GFP_KERNEL);
	if (!host->order)
		goto err_pool;

	for (from = 0; from < nr_nodes; from++) {
		int *order = host->order + from * nr_nodes;

		for (i = 0; i < nr_nodes; i++) {
			int d = distance(from, i);

			for (j = i; j > 0; j--) {
				if (distance(from, order[j - 1]) <= d)
					break;
				order[j] = order[j - 1];
			}
			order[j] = i;
		}
	}

	for (i = 0; i < nr_nodes; i++) {
		struct numaclaim_pool_node *pn = &host->pool[i];

		mutex_init(&pn->lock);
		INIT_LIST_HEAD(&pn->clean);
		INIT_LIST_HEAD(&pn->dirty);
		INIT_LIST_HEAD(&pn->clean_units);
		INIT_LIST_HEAD(&pn->dirty_units);
		pn->nid = i;
		INIT_DELAYED_WORK(&pn->scrub_work, pool_scrub_work);
	}
	mutex_init(&host->busy_lock);
	INIT_LIST_HEAD(&host->busy);
	INIT_DELAYED_WORK(&host->busy_work, numaclaim_busy_work);
	return 0;

err_pool:
	kfree(host->pool);
err_ledger:
	numaclaim_ledger_destroy(&host->ledger);
	return ret;
}

/**
 * numaclaim_host_order() - every node, nearest first from @nid
 * @host: the host
 * @nid: a node
 *
 * Return: an array of host->nr_nodes node ids, @nid first.
 */
const int *numaclaim_host_order(struct numaclaim_host *host, int nid)
{
	return host->order + nid * host->nr_nodes;
}

/*
 * Drop the pool's reference to each page on @list: the buddy allocator
 * gets it now, or when its last other reference drops.
 *
 * Return: the pages.
 */
static unsigned long pool_free_list(struct list_head *list)
{
	struct page *page, *next;
	unsigned long i = 0;

	list_for_each_entry_safe(page, next, list, lru) {
		list_del(&page->lru);
		put_page(page);
		if (!(++i % NUMACLAIM_LIST_BATCH))
			cond_resched();
	}
	return i;
}

/* Single pages on a node's lists, units apart. */
static unsigned long pool_singles(struct numaclaim_pool_node *pn)
{
	lockdep_assert_held(&pn->lock);
	return pn->nr_clean + pn->nr_dirty -
	       (pn->nr_clean_units + pn->nr_dirty_units) * NUMACLAIM_UNIT_PAGES;
}

/*
 * Take the first free unit off its list: a clean one first when
 * @clean_first and there is one, a dirty one first otherwise; *@clean
 * says which. Its pages still count in nr_clean or nr_dirty.
 */
static struct page *pool_unit_off(struct numaclaim_pool_node *pn,
				  bool clean_first, bool *clean)
{
	struct page *unit;

	lockdep_assert_held(&pn->lock);

	*clean = clean_first ? pn->nr_clean_units : !pn->nr_dirty_units;
	unit = list_first_entry_or_null(*clean ? &pn->clean_units :
					&pn->dirty_units, struct page, lru);
	if (!unit)
		return NULL;
	list_del(&unit->lru);
	if (*clean)
		pn->nr_clean_units--;
	else
		pn->nr_dirty_units--;
	return unit;
}

/* Break a unit, off its list, into single pages on the list of its state. */
static void pool_break_unit(struct numaclaim_pool_node *pn, struct page *unit,
			    bool clean)
{
	struct list_head *to = clean ? &pn->clean : &pn->dirty;
	unsigned long i;

	lockdep_assert_held(&pn->lock);

	for (i = 0; i < NUMACLAIM_UNIT_PAGES; i++)
		list_add_tail(&nth_page(unit, i)->lru, to);
}

/*
 * Break units until @pn has @nr single pages or no unit is left: clean
 * ones first when @clean_first (pages to hand out), dirty ones first
 * otherwise (pages for the buddy allocator, which need no scrub).
 */
static void pool_break_for(struct numaclaim_pool_node *pn, unsigned long nr,
			   bool clean_first)
{
	struct page *unit;
	bool clean;

	lockdep_assert_held(&pn->lock);

	while (pool_singles(pn) < nr) {
		unit = pool_unit_off(pn, clean_first, &clean);
		if (!unit)
			break;
		pool_break_unit(pn, unit, clean);
		cond_resched();	/* a mutex: sleeping is fine */
	}
}

/*
 * Take up to @nr pages off a node's lists, dirty ones first (they need no
 * scrub to go back to the buddy allocator), onto @out.
 */
static unsigned long pool_unlist(struct numaclaim_pool_node *pn,
				 unsigned long nr, struct list_head *out)
{
	unsigned long taken = 0;
	struct page *page;

	lockdep_assert_held(&pn->lock);

	pool_break_for(pn, nr, false);
	while (taken < nr) {
		page = list_first_entry_or_null(&pn->dirty, struct page, lru);
		if (page) {
			pn->nr_dirty--;
		} else {
			page = list_first_entry_or_null(&pn->clean,
							struct page, lru);
			if (!page)
				break;
			pn->nr_clean--;
		}
		list_move_tail(&page->lru, out);
		if (!(++taken % NUMACLAIM_LIST_BATCH))
			cond_resched();	/* a mutex: sleeping is fine */
	}
	return taken;
}

/* A page the hardware poisoned leaves the pool for good (memory_failure()). */
static void pool_retire(struct numaclaim_pool_node *pn, struct page *page)
	__must_hold(&pn->lock)
{
	lockdep_assert_held(&pn->lock);
	pn->hwpoison++;
	put_page(page);
}

/*
 * Poisoned pages retired while taking pages for an allocation that still
 * got all it asked for are counted free in the ledger (@pn->owed) though
 * the lists no longer have them: take them out of the ledger's free pages
 * as far as no claim needs them, so that nobody stakes a claim on them.
 * What a claim still covers stays owed until a later take or shrink of
 * the node (or a take that finds the lists short, which counts them gone).
 */
static void pool_settle(struct numaclaim_host *host,
			struct numaclaim_pool_node *pn)
	__must_hold(&pn->lock)
{
	lockdep_assert_held(&pn->lock);
	if (pn->owed)
		pn->owed -= numaclaim_ledger_remove_pages(&host->ledger,
							  pn->nid, pn->owed);
}

/*
 * @nr pages left the ledger's free pages but only @got came off the lists:
 * the others were retired pages still owed to the ledger.
 */
static void pool_owed_met(struct numaclaim_pool_node *pn, unsigned long nr,
			  unsigned long got)
	__must_hold(&pn->lock)
{
	lockdep_assert_held(&pn->lock);
	WARN_ON_ONCE(got > nr || nr - got > pn->owed);
	pn->owed -= min(nr - got, pn->owed);
}

/**
 * numaclaim_host_destroy() - give every pool page back and free the host
 * @host: the host, with no context left
 */
void numaclaim_host_destroy(struct numaclaim_host *host)
{
	unsigned int n;

	numaclaim_busy_drain(host);
	for (n = 0; n < host->nr_nodes; n++)
		cancel_delayed_work_sync(&host->pool[n].scrub_work);
	for (n = 0; n < host->nr_nodes; n++) {
		struct numaclaim_pool_node *pn = &host->pool[n];
		unsigned long nr;
		LIST_HEAD(pages);

		nr = numaclaim_ledger_remove_pages(&host->ledger, n, ULONG_MAX);
		mutex_lock(&pn->lock);
		pool_owed_met(pn, nr, pool_unlist(pn, nr, &pages));
		WARN_ON_ONCE(pn->owed);
		WARN_ON_ONCE(pn->nr_clean || pn->nr_dirty ||
			     pn->nr_clean_units || pn->nr_dirty_units);
		mutex_unlock(&pn->lock);
		pool_free_list(&pages);
	}
	kvfree(host->order);
	kfree(host->pool);
	numaclaim_ledger_destroy(&host->ledger);
}

/*
 * A CPU of @nid for its scrub work: an unbound workqueue runs work queued
 * "on" a CPU on a worker of that CPU's node, so the pages are cleared from
 * their own node. Any CPU for a node with none online (or a node the
 * KUnit suites made up).
 */
static int pool_node_cpu(int nid)
{
	int cpu;

	if (nid >= nr_node_ids || !node_online(nid))
		return WORK_CPU_UNBOUND;
	cpu = cpumask_any_and(cpumask_of_node(nid), cpu_online_mask);
	return cpu < nr_cpu_ids ? cpu : WORK_CPU_UNBOUND;
}

/* @nr pages joined @pn's dirty list: have them scrubbed, soon or now. */
static void pool_kick_scrub(struct numaclaim_pool_node *pn, unsigned long nr)
{
	if (nr >= NUMACLAIM_SCRUB_NOW)
		mod_delayed_work_on(pool_node_cpu(pn->nid), system_unbound_wq,
				    &pn->scrub_work, 0);
	else if (!delayed_work_pending(&pn->scrub_work))
		queue_delayed_work_on(pool_node_cpu(pn->nid),
				      system_unbound_wq, &pn->scrub_work,
				      NUMACLAIM_SCRUB_DELAY);
}

/*
 * Take up to @want pages from the buddy allocator on @nid, into the pool.
 * When the page allocator zeroes what it hands out (init_on_alloc, on by
 * default in Debian's kernels), the pages are clean already: they are not
 * cleared a second time.
 */
static unsigned long pool_grow(struct numaclaim_host *host, int nid,
			       unsigned long want)
{
	struct numaclaim_pool_node *pn = &host->pool[nid];
	bool zeroed = want_init_on_alloc(NUMACLAIM_POOL_GFP);
	unsigned int order = NUMACLAIM_POOL_ORDER;
	unsigned long got = 0, i;
	unsigned long chunks[NUMACLAIM_POOL_ORDERS] = { 0 };
	struct page *page;
	LIST_HEAD(pages);
	LIST_HEAD(units);

	lockdep_assert_held(&host->resize_lock);

	if (!host->node_usable(nid))
		return 0;
	while (got < want && !fatal_signal_pending(current)) {
		while (order && (1UL << order) > want - got)
			order--;
		page = alloc_pages_node(nid, NUMACLAIM_POOL_GFP, order);
		if (!page) {
			if (!order)
				break;
			order--;
			continue;
		}
		/* Single pages, each with its own count, for vm_insert_page. */
		if (order)
			split_page(page, order);
		if (order == NUMACLAIM_POOL_ORDER)
			list_add_tail(&page->lru, &units);
		else
			for (i = 0; i < (1UL << order); i++)
				list_add_tail(&page[i].lru, &pages);
		got += 1UL << order;
		chunks[order]++;
		cond_resched();
	}
	if (!got)
		return 0;

	mutex_lock(&pn->lock);
	if (zeroed) {
		list_splice_tail_init(&pages, &pn->clean);
		list_splice_tail_init(&units, &pn->clean_units);
		pn->nr_clean += got;
		pn->nr_clean_units += chunks[NUMACLAIM_POOL_ORDER];
	} else {
		list_splice_tail_init(&pages, &pn->dirty);
		list_splice_tail_init(&units, &pn->dirty_units);
		pn->nr_dirty += got;
		pn->nr_dirty_units += chunks[NUMACLAIM_POOL_ORDER];
	}
	for (i = 0; i < NUMACLAIM_POOL_ORDERS; i++)
		pn->chunks[i] += chunks[i];
	mutex_unlock(&pn->lock);

	if (numaclaim_ledger_add_pages(&host->ledger, nid, got)) {
		/* The counts would wrap: give the same number of pages back. */
		mutex_lock(&pn->lock);
		pool_unlist(pn, got, &pages);
		mutex_unlock(&pn->lock);
		pool_free_list(&pages);
		return 0;
	}
	if (!zeroed)
		pool_kick_scrub(pn, got);
	return got;
}

/* Give up to @want free, unclaimed pages of @nid back to the buddy allocator. */
static void pool_shrink(struct numaclaim_host *host, int nid,
			unsigned long want)
{
	struct numaclaim_pool_node *pn = &host->pool[nid];
	unsigned long nr;
	LIST_HEAD(pages);

	lockdep_assert_held(&host->resize_lock);

	nr = numaclaim_ledger_remove_pages(&host->ledger, nid, want);
	if (!nr)
		return;
	mutex_lock(&pn->lock);
	pool_owed_met(pn, nr, pool_unlist(pn, nr, &pages));
	mutex_unlock(&pn->lock);
	pool_free_list(&pages);
}

static unsigned long pool_size(struct numaclaim_host *host, int nid)
{
	struct numaclaim_node_view nv;

	numaclaim_ledger_node_view(&host->ledger, NULL, nid, &nv);
	return nv.pool;
}

/**
 * numaclaim_pool_resize() - grow or shrink a node's pool
 * @host: the host
 * @nid: the node
 * @want: the size wanted, in pages
 * @reached: (out) the size reached, which may be short of @want
 *
 * Growing stops when the node has no more memory; shrinking gives back
 * only free pages that no claim needs.
 *
 * Return: 0, -EINVAL for a bad node, -EINTR on a fatal signal.
 */
int numaclaim_pool_resize(struct numaclaim_host *host, int nid,
			  unsigned long want, unsigned long *reached)
{
	unsigned long size;

	if (nid < 0 || nid >= host->nr_nodes) {
		trace_numaclaim_resize(nid, want, 0, -EINVAL);
		return -EINVAL;
	}
	if (mutex_lock_killable(&host->resize_lock)) {
		trace_numaclaim_resize(nid, want, 0, -EINTR);
		return -EINTR;
	}
	/* Retired pages still owed leave first: they are not free pages. */
	mutex_lock(&host->pool[nid].lock);
	pool_settle(host, &host->pool[nid]);
	mutex_unlock(&host->pool[nid].lock);
	size = pool_size(host, nid);
	if (want > size)
		pool_grow(host, nid, want - size);
	else if (want < size)
		pool_shrink(host, nid, size - want);
	*reached = pool_size(host, nid);
	mutex_unlock(&host->resize_lock);
	trace_numaclaim_resize(nid, want, *reached, 0);
	return 0;
}

/*
 * Take up to @nr pages off one of a node's lists (@count its length) into
 * @pages, retiring the poisoned ones met on the way.
 */
static unsigned long pool_take_list(struct numaclaim_pool_node *pn,
				    struct list_head *list,
				    unsigned long *count, unsigned long nr,
				    struct page **pages)
	__must_hold(&pn->lock)
{
	unsigned long i = 0, seen = 0;
	struct page *page;

	lockdep_assert_held(&pn->lock);

	while (i < nr) {
		page = list_first_entry_or_null(list, struct page, lru);
		if (!page)
			break;
		list_del(&page->lru);
		(*count)--;
		if (PageHWPoison(page))
			pool_retire(pn, page);
		else
			pages[i++] = page;
		if (!(++seen % NUMACLAIM_LIST_BATCH))
			cond_resched();	/* a mutex: sleeping is fine */
	}
	return i;
}

/**
 * numaclaim_pool_take() - take free pages of a node for an allocation
 * @host: the host
 * @nid: the node
 * @nr: pages; the ledger has charged them already
 * @rest: pages of the same request past @nr, charged too, that the caller
 *	counts gone with the @nr it lacks when this take comes up short
 * @pages: (out) the pages, each zero on success
 * @taken: (out) pages put in @pages, whatever the answer
 *
 * Single pages, units broken into single pages when those run short;
 * clean pages first; dirty ones are cleared here, outside the lock. A
 * poisoned page met on the way is retired, not handed out.
 *
 * Return: 0; -ENOMEM when fewer than @nr pages were found, the node's
 * lists and units all used up (poisoned pages retired, or the lists and
 * the ledger disagree); -EINTR when a fatal signal came while clearing
 * (*@taken is @nr, not every page cleared).
 */
int numaclaim_pool_take(struct numaclaim_host *host, int nid,
			unsigned long nr, unsigned long rest,
			struct page **pages, unsigned long *taken)
{
	struct numaclaim_pool_node *pn = &host->pool[nid];
	unsigned long i, clean, poisoned, owed;
	bool warn;

	mutex_lock(&pn->lock);
	poisoned = pn->hwpoison;
	pool_break_for(pn, nr, true);
	clean = pool_take_list(pn, &pn->clean, &pn->nr_clean, nr, pages);
	i = clean + pool_take_list(pn, &pn->dirty, &pn->nr_dirty, nr - clean,
				   pages + clean);
	/*
	 * Short because poisoned pages were retired on the way: units may be
	 * left to break. Those pages are cleared below whatever their list.
	 */
	while (i < nr && (pn->nr_clean_units || pn->nr_dirty_units)) {
		pool_break_for(pn, nr - i, true);
		i += pool_take_list(pn, &pn->clean, &pn->nr_clean, nr - i,
				    pages + i);
		i += pool_take_list(pn, &pn->dirty, &pn->nr_dirty, nr - i,
				    pages + i);
	}
	/*
	 * Short now means the node's lists are empty; the caller counts the
	 * pages it lacks and @rest as gone, which pays what was owed for as
	 * many (here, under the lock: a settle before the caller uncharges
	 * them must not take them out of the ledger a second time). Whole,
	 * the pages retired on the way are owed to the ledger.
	 */
	owed = pn->owed + (pn->hwpoison - poisoned);
	if (i < nr)
		owed -= min(owed, nr - i + rest);
	pn->owed = owed;
	pool_settle(host, pn);
	warn = i < nr && !pn->hwpoison;
	mutex_unlock(&pn->lock);
	/* Short with no page ever poisoned: the lists and the ledger differ. */
	WARN_ON_ONCE(warn);

	*taken = i;
	if (i < nr)
		return -ENOMEM;
	for (i = clean; i < nr; i++) {
		clear_highpage(pages[i]);
		if (!(i % NUMACLAIM_SCRUB_BATCH)) {
			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
		}
	}
	return 0;
}

/*
 * Clear a unit. Its pages are contiguous: in the direct map, that is one
 * clear of 2 MiB rather than 512 of a page. In 8-byte words (memset64(),
 * rep stosq on x86, what clear_page() uses on CPUs without ERMS): memset()
 * is rep stosb on 6.1 and a loop of 8-byte stores on 6.12, which the TCG
 * box runs at 0.5 and 5.4 GiB/s; memset64() runs at 3.4 to 3.5 GiB/s on
 * both. On hardware, both are bound by memory bandwidth.
 */
static void pool_clear_unit(struct page *unit)
{
	unsigned long i;

	if (!PageHighMem(unit)) {
		/* Inline asm: KASAN checks the range here, not in memset64(). */
		kasan_check_write(page_address(unit),
				  NUMACLAIM_UNIT_PAGES * PAGE_SIZE);
		memset64(page_address(unit), 0,
			 NUMACLAIM_UNIT_PAGES * PAGE_SIZE / sizeof(u64));
		return;
	}
	for (i = 0; i < NUMACLAIM_UNIT_PAGES; i++) {
		clear_highpage(nth_page(unit, i));
		cond_resched();
	}
}

/* Whether any page of a unit is poisoned. */
static bool pool_unit_poisoned(struct page *unit)
{
	unsigned long i;

	for (i = 0; i < NUMACLAIM_UNIT_PAGES; i++)
		if (PageHWPoison(nth_page(unit, i)))
			return true;
	return false;
}

/**
 * numaclaim_pool_take_unit() - take a free 2 MiB unit of a node
 * @host: the host
 * @nid: the node
 * @unit: (out) its first page, or NULL
 *
 * The caller charged its pages already; when no unit is free it takes
 * single pages instead (numaclaim_pool_take()). A clean unit first; a
 * dirty one is cleared here, outside the lock. A unit with a poisoned page
 * is broken into single pages, where numaclaim_pool_take() retires it.
 *
 * Return: 0, or -ENOENT when no unit is free (*@unit is NULL).
 */
int numaclaim_pool_take_unit(struct numaclaim_host *host, int nid,
			     struct page **unit)
{
	struct numaclaim_pool_node *pn = &host->pool[nid];
	struct page *page;
	bool clean;

	*unit = NULL;
	mutex_lock(&pn->lock);
	while ((page = pool_unit_off(pn, true, &clean)) &&
	       pool_unit_poisoned(page))
		pool_break_unit(pn, page, clean);
	if (page) {
		if (clean)
			pn->nr_clean -= NUMACLAIM_UNIT_PAGES;
		else
			pn->nr_dirty -= NUMACLAIM_UNIT_PAGES;
	}
	mutex_unlock(&pn->lock);
	if (!page)
		return -ENOENT;

	*unit = page;
	if (!clean)
		pool_clear_unit(page);
	return 0;
}

/* A page of a released allocation: whether the pool may have it back. */
enum pool_back { POOL_BACK, POOL_KEPT, POOL_POISONED };

static enum pool_back pool_page_back(struct page *page)
{
	if (PageHWPoison(page))
		return POOL_POISONED;
	return page_ref_count(page) == 1 ? POOL_BACK : POOL_KEPT;
}

/**
 * numaclaim_pool_give_back() - return the pages of a released allocation
 * @host: the host
 * @nid: the node they came from
 * @pages: single pages, on their lru
 * @units: units, by their first page on its lru; emptied
 * @flags: NUMACLAIM_BACK_BUSY when they were given back before and found
 *	still referenced; NUMACLAIM_BACK_ZERO when nobody could have written
 *	them since they were handed out zero (never mapped nor exported)
 * @gone: (out) pages retired as poisoned: they leave the pool
 *
 * A page that someone else still references (a pin, a pipe, I/O in
 * flight) is neither scrubbed nor handed out again, nor given to the buddy
 * allocator: it stays the allocation's, charged, and is offered again
 * later. Those pages stay on @pages, in order; a unit with such a page,
 * or a poisoned one, comes back as single pages, its kept ones last.
 * Pages still zero come back clean, on the clean lists: nothing needs to
 * scrub them. A page someone else referenced was mapped: it is dirty.
 *
 * Return: the pages left on @pages; the caller uncharges the others, @gone
 * of them as gone.
 */
unsigned long numaclaim_pool_give_back(struct numaclaim_host *host, int nid,
				       struct list_head *pages,
				       struct list_head *units,
				       unsigned int flags, unsigned long *gone)
{
	struct numaclaim_pool_node *pn = &host->pool[nid];
	bool were_busy = flags & NUMACLAIM_BACK_BUSY;
	bool zero = !were_busy && (flags & NUMACLAIM_BACK_ZERO);
	unsigned long i, nr, kept = 0, back = 0, poisoned = 0, whole = 0;
	struct page *page, *next;
	LIST_HEAD(list);
	LIST_HEAD(unit_list);

	list_for_each_entry_safe(page, next, units, lru) {
		list_del(&page->lru);
		for (i = 0; i < NUMACLAIM_UNIT_PAGES; i++)
			if (pool_page_back(nth_page(page, i)) != POOL_BACK)
				break;
		if (i == NUMACLAIM_UNIT_PAGES) {
			list_add_tail(&page->lru, &unit_list);
			whole++;
		} else {
			for (i = 0; i < NUMACLAIM_UNIT_PAGES; i++)
				list_add_tail(&nth_page(page, i)->lru, pages);
		}
		cond_resched();
	}
	i = 0;
	list_for_each_entry_safe(page, next, pages, lru) {
		switch (pool_page_back(page)) {
		case POOL_POISONED:
			list_del(&page->lru);
			put_page(page);
			poisoned++;
			break;
		case POOL_KEPT:
			kept++;
			break;
		case POOL_BACK:
			list_move_tail(&page->lru, &list);
			back++;
			break;
		}
		if (!(++i % NUMACLAIM_LIST_BATCH))
			cond_resched();
	}
	back += whole * NUMACLAIM_UNIT_PAGES;
	nr = back + kept + poisoned;

	mutex_lock(&pn->lock);
	if (zero) {
		list_splice_tail(&list, &pn->clean);
		list_splice_tail(&unit_list, &pn->clean_units);
		pn->nr_clean += back;
		pn->nr_clean_units += whole;
	} else {
		list_splice_tail(&list, &pn->dirty);
		list_splice_tail(&unit_list, &pn->dirty_units);
		pn->nr_dirty += back;
		pn->nr_dirty_units += whole;
	}
	pn->hwpoison += poisoned;
	if (were_busy)
		pn->busy -= nr - kept;
	else
		pn->busy += kept;
	mutex_unlock(&pn->lock);
	if (back && !zero)
		pool_kick_scrub(pn, back);
	*gone = poisoned;
	return kept;
}

/**
 * numaclaim_pool_forget() - let busy pages go for good
 * @host: the host
 * @nid: the node they came from
 * @pages: pages numaclaim_pool_give_back() kept as still referenced, on
 *	their lru; emptied
 *
 * At unload: the pool drops its reference and the buddy allocator gets
 * each page when the last other reference drops. The caller uncharges
 * them as gone.
 */
void numaclaim_pool_forget(struct numaclaim_host *host, int nid,
			   struct list_head *pages)
{
	struct numaclaim_pool_node *pn = &host->pool[nid];
	unsigned long nr = pool_free_list(pages);

	mutex_lock(&pn->lock);
	pn->busy -= nr;
	mutex_unlock(&pn->lock);
}

static unsigned long pool_count(struct numaclaim_host *host, int nid,
				size_t field)
{
	unsigned long sum = 0;
	unsigned int n;

	for (n = 0; n < host->nr_nodes; n++) {
		struct numaclaim_pool_node *pn = &host->pool[n];

		if (nid >= 0 && n != nid)
			continue;
		mutex_lock(&pn->lock);
		sum += *(unsigned long *)((char *)pn + field);
		mutex_unlock(&pn->lock);
	}
	return sum;
}

/**
 * numaclaim_pool_busy() - released pages still referenced elsewhere
 * @host: the host
 * @nid: a node, or -1 for every node
 *
 * Return: the pages.
 */
unsigned long numaclaim_pool_busy(struct numaclaim_host *host, int nid)
{
	return pool_count(host, nid,
			  offsetof(struct numaclaim_pool_node, busy));
}

/**
 * numaclaim_pool_hwpoison() - pages retired as hardware-poisoned
 * @host: the host
 * @nid: a node, or -1 for every node
 *
 * Return: the pages.
 */
unsigned long numaclaim_pool_hwpoison(struct numaclaim_host *host, int nid)
{
	return pool_count(host, nid,
			  offsetof(struct numaclaim_pool_node, hwpoison));
}

/**
 * numaclaim_pool_dirty() - free pages not scrubbed yet
 * @host: the host
 * @nid: a node, or -1 for every node
 *
 * Return: the pages.
 */
unsigned long numaclaim_pool_dirty(struct numaclaim_host *host, int nid)
{
	return pool_count(host, nid,
			  offsetof(struct numaclaim_pool_node, nr_dirty));
}

/* Clear a dirty unit and move it to the clean ones; under the lock. */
static void pool_scrub_unit(struct numaclaim_pool_node *pn, struct page *unit)
{
	unsigned long i;
	struct page *page;

	lockdep_assert_held(&pn->lock);

	if (!pool_unit_poisoned(unit)) {
		pool_clear_unit(unit);
	} else {
		for (i = 0; i < NUMACLAIM_UNIT_PAGES; i++) {
			page = nth_page(unit, i);
			/* Poisoned: never touched again, retired when taken. */
			if (!PageHWPoison(page))
				clear_highpage(page);
		}
	}
	list_move_tail(&unit->lru, &pn->clean_units);
	pn->nr_dirty_units--;
	pn->nr_clean_units++;
	pn->nr_dirty -= NUMACLAIM_UNIT_PAGES;
	pn->nr_clean += NUMACLAIM_UNIT_PAGES;
}

/*
 * One unit, or a batch of single pages, at a time under the lock, so that
 * an allocation on the node waits at most that long.
 */
static void pool_scrub_node(struct numaclaim_pool_node *pn)
{
	unsigned long scrubbed = 0;
	struct page *page;
	unsigned int i;
	bool more = true;

	while (more) {
		mutex_lock(&pn->lock);
		page = list_first_entry_or_null(&pn->dirty_units,
						struct page, lru);
		if (page) {
			pool_scrub_unit(pn, page);
			scrubbed += NUMACLAIM_UNIT_PAGES;
		} else {
			for (i = 0; i < NUMACLAIM_SCRUB_BATCH; i++) {
				page = list_first_entry_or_null(&pn->dirty,
								struct page,
								lru);
				if (!page)
					break;
				if (!PageHWPoison(page))
					clear_highpage(page);
				list_move_tail(&page->lru, &pn->clean);
				pn->nr_dirty--;
				pn->nr_clean++;
				scrubbed++;
			}
		}
		more = pn->nr_dirty;
		mutex_unlock(&pn->lock);
		cond_resched();
	}
	trace_numaclaim_scrub(pn->nid, scrubbed);
}

static void pool_scrub_work(struct work_struct *work)
{
	pool_scrub_node(container_of(to_delayed_work(work),
				     struct numaclaim_pool_node, scrub_work));
}

/**
 * numaclaim_pool_flush() - run the scrub work queued so far and wait for it
 * @host: the host
 */
void numaclaim_pool_flush(struct numaclaim_host *host)
{
	unsigned int n;

	for (n = 0; n < host->nr_nodes; n++)
		flush_delayed_work(&host->pool[n].scrub_work);
}
