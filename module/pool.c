// SPDX-License-Identifier: GPL-2.0
/*
 * numaclaim pools: the pages each node's pool took from the buddy allocator,
 * kept on a clean (zeroed) and a dirty list, scrubbed in the background as
 * Xen scrubs freed pages.
 */
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "numaclaim.h"

/* Pages cleared under a node's lock before it is let go. */
#define NUMACLAIM_SCRUB_BATCH	32

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
		mutex_init(&host->pool[i].lock);
		INIT_LIST_HEAD(&host->pool[i].clean);
		INIT_LIST_HEAD(&host->pool[i].dirty);
	}
	INIT_WORK(&host->scrub_work, pool_scrub_work);
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

static void pool_free_list(struct list_head *list)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, list, lru) {
		list_del(&page->lru);
		__free_page(page);
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
		taken++;
	}
	return taken;
}

/**
 * numaclaim_host_destroy() - give every pool page back and free the host
 * @host: the host, with no context left
 */
void numaclaim_host_destroy(struct numaclaim_host *host)
{
	unsigned int n;

	cancel_work_sync(&host->scrub_work);
	for (n = 0; n < host->nr_nodes; n++) {
		struct numaclaim_pool_node *pn = &host->pool[n];
		unsigned long nr;
		LIST_HEAD(pages);

		nr = numaclaim_ledger_remove_pages(&host->ledger, n, ULONG_MAX);
		mutex_lock(&pn->lock);
		WARN_ON_ONCE(pool_unlist(pn, nr, &pages) != nr);
		WARN_ON_ONCE(pn->nr_clean || pn->nr_dirty);
		mutex_unlock(&pn->lock);
		pool_free_list(&pages);
	}
	kvfree(host->order);
	kfree(host->pool);
	numaclaim_ledger_destroy(&host->ledger);
}

static void pool_kick_scrub(struct numaclaim_host *host)
{
	queue_work(system_unbound_wq, &host->scrub_work);
}

/* Take up to @want pages from the buddy allocator on @nid, into the pool. */
static unsigned long pool_grow(struct numaclaim_host *host, int nid,
			       unsigned long want)
{
	struct numaclaim_pool_node *pn = &host->pool[nid];
	unsigned int order = NUMACLAIM_POOL_ORDER;
	unsigned long got = 0, i;
	unsigned long chunks[NUMACLAIM_POOL_ORDERS] = { 0 };
	struct page *page;
	LIST_HEAD(pages);

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
		for (i = 0; i < (1UL << order); i++)
			list_add_tail(&page[i].lru, &pages);
		got += 1UL << order;
		chunks[order]++;
		cond_resched();
	}
	if (!got)
		return 0;

	mutex_lock(&pn->lock);
	list_splice_tail(&pages, &pn->dirty);
	pn->nr_dirty += got;
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
	pool_kick_scrub(host);
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
	WARN_ON_ONCE(pool_unlist(pn, nr, &pages) != nr);
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

	if (nid < 0 || nid >= host->nr_nodes)
		return -EINVAL;
	if (mutex_lock_killable(&host->resize_lock))
		return -EINTR;
	/* The size asked for now replaces pages still owed for lost ones. */
	mutex_lock(&host->pool[nid].lock);
	host->pool[nid].lost = 0;
	mutex_unlock(&host->pool[nid].lock);
	size = pool_size(host, nid);
	if (want > size)
		pool_grow(host, nid, want - size);
	else if (want < size)
		pool_shrink(host, nid, size - want);
	*reached = pool_size(host, nid);
	mutex_unlock(&host->resize_lock);
	return 0;
}

/**
 * numaclaim_pool_take() - take free pages of a node for an allocation
 * @host: the host
 * @nid: the node
 * @nr: pages; the ledger has charged them already
 * @pages: (out) the pages, each zero
 *
 * Clean pages first; dirty ones are cleared here, outside the lock.
 *
 * Return: pages taken: @nr, unless the lists and the ledger disagree.
 */
unsigned long numaclaim_pool_take(struct numaclaim_host *host, int nid,
				  unsigned long nr, struct page **pages)
{
	struct numaclaim_pool_node *pn = &host->pool[nid];
	unsigned long i, clean;
	struct page *page;

	mutex_lock(&pn->lock);
	for (i = 0; i < nr; i++) {
		page = list_first_entry_or_null(&pn->clean, struct page, lru);
		if (!page)
			break;
		list_del(&page->lru);
		pages[i] = page;
	}
	pn->nr_clean -= i;
	clean = i;
	for (; i < nr; i++) {
		page = list_first_entry_or_null(&pn->dirty, struct page, lru);
		if (WARN_ON_ONCE(!page))
			break;
		list_del(&page->lru);
		pages[i] = page;
	}
	pn->nr_dirty -= i - clean;
	mutex_unlock(&pn->lock);

	nr = i;
	for (i = clean; i < nr; i++) {
		clear_highpage(pages[i]);
		cond_resched();
	}
	return nr;
}

/**
 * numaclaim_pool_give_back() - return the pages of a released allocation
 * @host: the host
 * @nid: the node they came from
 * @pages: the pages
 * @nr: how many
 *
 * A page that someone else still references (a pin, I/O in flight) is not
 * scrubbed nor handed out again: the pool gives up its own reference, the
 * buddy allocator frees the page when the last one drops, and the scrub
 * work grows the pool by a fresh page instead.
 *
 * Return: the pages given up; the caller uncharges them as gone.
 */
unsigned long numaclaim_pool_give_back(struct numaclaim_host *host, int nid,
				       struct page **pages, unsigned long nr)
{
	struct numaclaim_pool_node *pn = &host->pool[nid];
	unsigned long i, gone = 0;
	LIST_HEAD(back);

	for (i = 0; i < nr; i++) {
		if (page_ref_count(pages[i]) != 1) {
			put_page(pages[i]);
			gone++;
		} else {
			list_add_tail(&pages[i]->lru, &back);
		}
		if (!(i % NUMACLAIM_SCRUB_BATCH))
			cond_resched();
	}
	mutex_lock(&pn->lock);
	list_splice_tail(&back, &pn->dirty);
	pn->nr_dirty += nr - gone;
	pn->lost += gone;
	mutex_unlock(&pn->lock);
	pool_kick_scrub(host);
	return gone;
}

static void pool_scrub_node(struct numaclaim_pool_node *pn)
{
	struct page *page;
	unsigned int i;
	bool more = true;

	while (more) {
		mutex_lock(&pn->lock);
		for (i = 0; i < NUMACLAIM_SCRUB_BATCH; i++) {
			page = list_first_entry_or_null(&pn->dirty,
							struct page, lru);
			if (!page)
				break;
			clear_highpage(page);
			list_move_tail(&page->lru, &pn->clean);
			pn->nr_dirty--;
			pn->nr_clean++;
		}
		more = !list_empty(&pn->dirty);
		mutex_unlock(&pn->lock);
		cond_resched();
	}
}

/*
 * Grow a node's pool by the pages it gave up while they were still
 * referenced. The resize lock is taken only when something is owed, so
 * that scrubbing never waits behind a long resize for nothing.
 */
static void pool_replace_lost(struct numaclaim_host *host, int nid)
{
	struct numaclaim_pool_node *pn = &host->pool[nid];
	unsigned long lost, got;

	mutex_lock(&pn->lock);
	lost = pn->lost;
	mutex_unlock(&pn->lock);
	if (!lost)
		return;

	mutex_lock(&host->resize_lock);
	/* A resize in between may have dropped what was owed. */
	mutex_lock(&pn->lock);
	lost = pn->lost;
	mutex_unlock(&pn->lock);
	got = lost ? pool_grow(host, nid, lost) : 0;
	mutex_lock(&pn->lock);
	/* A node with no memory left keeps owing: tried on the next run. */
	pn->lost -= got;
	mutex_unlock(&pn->lock);
	mutex_unlock(&host->resize_lock);
}

static void pool_scrub_work(struct work_struct *work)
{
	struct numaclaim_host *host = container_of(work, struct numaclaim_host,
						   scrub_work);
	unsigned int n;

	for (n = 0; n < host->nr_nodes; n++) {
		pool_replace_lost(host, n);
		pool_scrub_node(&host->pool[n]);
	}
}

/**
 * numaclaim_pool_flush() - wait for the scrub work queued so far
 * @host: the host
 */
void numaclaim_pool_flush(struct numaclaim_host *host)
{
	flush_work(&host->scrub_work);
}
