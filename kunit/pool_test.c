// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for numaclaim's pools and contexts, with the real
 * alloc_pages_node() on node 0. In UML node 0 is the only node with memory;
 * the hosts built here may have more nodes, which then have none.
 */
#include <kunit/test.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../module/numaclaim.h"

struct pt {
	struct numaclaim_host host;
	struct numaclaim_account acct;
	bool has_acct;
	struct page *pages[64];
};

/* Four nodes: 0 and 1 close, 2 and 3 close, the pairs far apart. */
static const int pt_table[4][4] = {
	{ 10, 20, 40, 30 },
	{ 20, 10, 30, 40 },
	{ 40, 30, 10, 20 },
	{ 30, 40, 20, 10 },
};

static int pt_distance(int from, int to)
{
	return pt_table[from][to];
}

static bool pt_usable(int nid)
{
	return node_online(nid) && node_state(nid, N_MEMORY);
}

static int pt_init(struct kunit *test)
{
	struct pt *p;
	int ret;

	p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	ret = numaclaim_host_init(&p->host, 4, pt_distance, pt_usable);
	if (ret)
		return ret;
	ret = numaclaim_account_init(&p->acct, &p->host.ledger);
	if (ret) {
		numaclaim_host_destroy(&p->host);
		return ret;
	}
	p->has_acct = true;
	test->priv = p;
	return 0;
}

static void pt_exit(struct kunit *test)
{
	struct pt *p = test->priv;
	unsigned int n;

	if (!p)
		return;
	if (p->has_acct) {
		for (n = 0; n < 4; n++)
			WARN_ON(p->acct.held[n]);
		numaclaim_account_destroy(&p->acct);
	}
	numaclaim_host_destroy(&p->host);
}

static unsigned long pt_size(struct kunit *test, int nid, unsigned long want)
{
	struct pt *p = test->priv;
	unsigned long reached = ULONG_MAX;

	KUNIT_EXPECT_EQ(test, numaclaim_pool_resize(&p->host, nid, want,
						    &reached), 0);
	return reached;
}

/* The pages on a node's lists, which must be its free pages. */
static void pt_expect_lists(struct kunit *test, int nid)
{
	struct pt *p = test->priv;
	struct numaclaim_pool_node *pn = &p->host.pool[nid];
	struct numaclaim_node_view nv;
	unsigned long clean = 0, dirty = 0, clean_units = 0, dirty_units = 0;
	struct page *page;

	mutex_lock(&pn->lock);
	list_for_each_entry(page, &pn->clean, lru)
		clean++;
	list_for_each_entry(page, &pn->dirty, lru)
		dirty++;
	list_for_each_entry(page, &pn->clean_units, lru)
		clean_units++;
	list_for_each_entry(page, &pn->dirty_units, lru)
		dirty_units++;
	KUNIT_EXPECT_EQ(test, clean_units, pn->nr_clean_units);
	KUNIT_EXPECT_EQ(test, dirty_units, pn->nr_dirty_units);
	clean += clean_units * NUMACLAIM_UNIT_PAGES;
	dirty += dirty_units * NUMACLAIM_UNIT_PAGES;
	KUNIT_EXPECT_EQ(test, clean, pn->nr_clean);
	KUNIT_EXPECT_EQ(test, dirty, pn->nr_dirty);
	mutex_unlock(&pn->lock);
	numaclaim_ledger_node_view(&p->host.ledger, NULL, nid, &nv);
	KUNIT_EXPECT_EQ(test, clean + dirty, nv.avail);
	KUNIT_EXPECT_TRUE(test, numaclaim_ledger_consistent(&p->host.ledger));
}

static bool pt_page_is_zero(struct page *page)
{
	void *va = kmap_local_page(page);
	bool zero = !memchr_inv(va, 0, PAGE_SIZE);

	kunmap_local(va);
	return zero;
}

/* Charge @nr pages on node 0 and take them from the pool. */
static void pt_take(struct kunit *test, unsigned long nr)
{
	struct pt *p = test->priv;
	struct numaclaim_part parts[4];
	struct numaclaim_charge req = {
		.pages = nr,
		.node = 0,
		.flags = NUMACLAIM_CHARGE_EXACT_NODE,
		.parts = parts,
	};

	unsigned long taken;

	KUNIT_ASSERT_EQ(test, numaclaim_account_charge(&p->acct, &req), 0);
	KUNIT_ASSERT_EQ(test, numaclaim_pool_take(&p->host, 0, nr, 0, p->pages,
						  &taken), 0);
	KUNIT_ASSERT_EQ(test, taken, nr);
}

/* @nr of p->pages on @list, as an allocation gives them back. */
static void pt_list(struct pt *p, unsigned long nr, struct list_head *list)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		list_add_tail(&p->pages[i]->lru, list);
}

static void pt_give_back(struct kunit *test, unsigned long nr)
{
	struct pt *p = test->priv;
	unsigned long gone, kept;
	LIST_HEAD(pages);
	LIST_HEAD(units);

	pt_list(p, nr, &pages);
	kept = numaclaim_pool_give_back(&p->host, 0, &pages, &units, 0,
					&gone);
	KUNIT_EXPECT_EQ(test, kept, 0UL);
	KUNIT_EXPECT_TRUE(test, list_empty(&pages));
	numaclaim_account_uncharge(&p->acct, 0, nr, gone);
}

static bool pt_page_ok(struct page *page)
{
	return page_ref_count(page) == 1 && page_to_nid(page) == 0 &&
	       !PageCompound(page);
}

/*
 * 2 MiB chunks first, each split into pages with a count of one and kept
 * as a unit: its pages contiguous, its first one 2 MiB aligned.
 */
static void numaclaim_pool_test_grow_high_order(struct kunit *test)
{
	struct pt *p = test->priv;
	struct numaclaim_pool_node *pn = &p->host.pool[0];
	unsigned long chunk = NUMACLAIM_UNIT_PAGES, i;
	struct list_head *lists[] = { &pn->clean_units, &pn->dirty_units };
	struct page *page;
	unsigned int l;
	bool ok = true;

	KUNIT_ASSERT_EQ(test, pt_size(test, 0, 2 * chunk + 1), 2 * chunk + 1);
	KUNIT_EXPECT_EQ(test, pn->chunks[NUMACLAIM_POOL_ORDER], 2UL);
	KUNIT_EXPECT_EQ(test, pn->chunks[0], 1UL);
	mutex_lock(&pn->lock);
	KUNIT_EXPECT_EQ(test, pn->nr_clean_units + pn->nr_dirty_units, 2UL);
	list_for_each_entry(page, &pn->dirty, lru)
		ok &= pt_page_ok(page);
	list_for_each_entry(page, &pn->clean, lru)
		ok &= pt_page_ok(page);
	for (l = 0; l < ARRAY_SIZE(lists); l++) {
		list_for_each_entry(page, lists[l], lru) {
			ok &= IS_ALIGNED(page_to_pfn(page), chunk);
			for (i = 0; i < chunk; i++)
				ok &= pt_page_ok(nth_page(page, i));
		}
	}
	mutex_unlock(&pn->lock);
	KUNIT_EXPECT_TRUE(test, ok);
	pt_expect_lists(test, 0);
}

/* Growing by less than a chunk takes smaller orders only. */
static void numaclaim_pool_test_grow_small(struct kunit *test)
{
	struct pt *p = test->priv;

	KUNIT_ASSERT_EQ(test, pt_size(test, 0, 3), 3UL);
	KUNIT_EXPECT_EQ(test, p->host.pool[0].chunks[NUMACLAIM_POOL_ORDER], 0UL);
	KUNIT_EXPECT_EQ(test, p->host.pool[0].chunks[1], 1UL);
	KUNIT_EXPECT_EQ(test, p->host.pool[0].chunks[0], 1UL);
	KUNIT_EXPECT_EQ(test, pt_size(test, 0, 0), 0UL);
	pt_expect_lists(test, 0);
}

/* A node with no memory keeps an empty pool, quietly. */
static void numaclaim_pool_test_grow_memoryless(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, pt_size(test, 3, 512), 0UL);
	KUNIT_EXPECT_EQ(test, pt_size(test, 0, 4), 4UL);
	pt_expect_lists(test, 3);
}

static void numaclaim_pool_test_resize_invalid(struct kunit *test)
{
	struct pt *p = test->priv;
	unsigned long reached = 7;

	KUNIT_EXPECT_EQ(test, numaclaim_pool_resize(&p->host, 4, 1, &reached),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, numaclaim_pool_resize(&p->host, -1, 1, &reached),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, reached, 7UL);
}

/* Shrinking stops at what claims need, then at what is allocated. */
static void numaclaim_pool_test_shrink_against_claims(struct kunit *test)
{
	struct pt *p = test->priv;
	struct numaclaim_stake any = { NUMACLAIM_LEDGER_ANY, 40 };

	KUNIT_ASSERT_EQ(test, pt_size(test, 0, 64), 64UL);
	KUNIT_ASSERT_EQ(test, numaclaim_account_stake(&p->acct, &any, 1), 0);
	KUNIT_EXPECT_EQ(test, pt_size(test, 0, 10), 40UL);
	pt_expect_lists(test, 0);
	pt_take(test, 30);
	/* 30 held, 10 claimed and free: nothing can go. */
	KUNIT_EXPECT_EQ(test, pt_size(test, 0, 0), 40UL);
	numaclaim_account_reset(&p->acct);
	KUNIT_EXPECT_EQ(test, pt_size(test, 0, 0), 30UL);
	pt_give_back(test, 30);
	KUNIT_EXPECT_EQ(test, pt_size(test, 0, 0), 0UL);
	pt_expect_lists(test, 0);
}

/* Pages come back dirty and are scrubbed in the background. */
static void numaclaim_pool_test_scrub(struct kunit *test)
{
	struct pt *p = test->priv;
	struct numaclaim_pool_node *pn = &p->host.pool[0];
	struct page *page;
	unsigned int i;
	bool zero = true;

	KUNIT_ASSERT_EQ(test, pt_size(test, 0, 16), 16UL);
	numaclaim_pool_flush(&p->host);
	KUNIT_EXPECT_EQ(test, pn->nr_clean, 16UL);
	KUNIT_EXPECT_EQ(test, pn->nr_dirty, 0UL);

	pt_take(test, 8);
	for (i = 0; i < 8; i++)
		memset_page(p->pages[i], 0, 0xa5, PAGE_SIZE);
	pt_give_back(test, 8);
	numaclaim_pool_flush(&p->host);
	KUNIT_EXPECT_EQ(test, pn->nr_clean, 16UL);
	KUNIT_EXPECT_EQ(test, pn->nr_dirty, 0UL);
	mutex_lock(&pn->lock);
	list_for_each_entry(page, &pn->clean, lru)
		zero &= pt_page_is_zero(page);
	mutex_unlock(&pn->lock);
	KUNIT_EXPECT_TRUE(test, zero);
	pt_expect_lists(test, 0);
}

/*
 * A page allocator that zeroes what it hands out (init_on_alloc) leaves
 * the new pages clean, not to be cleared again; otherwise they start dirty.
 * Either way every page is zero once the scrub work ran.
 */
static void numaclaim_pool_test_grow_zeroed(struct kunit *test)
{
	struct pt *p = test->priv;
	struct numaclaim_pool_node *pn = &p->host.pool[0];
	struct page *page;
	bool zero = true;

	KUNIT_ASSERT_EQ(test, pt_size(test, 0, 16), 16UL);
	if (want_init_on_alloc(NUMACLAIM_POOL_GFP)) {
		KUNIT_EXPECT_EQ(test, pn->nr_clean, 16UL);
		KUNIT_EXPECT_EQ(test, pn->nr_dirty, 0UL);
		KUNIT_EXPECT_EQ(test, numaclaim_pool_dirty(&p->host, -1), 0UL);
	} else {
		KUNIT_EXPECT_EQ(test, pn->nr_clean + pn->nr_dirty, 16UL);
	}
	numaclaim_pool_flush(&p->host);
	KUNIT_EXPECT_EQ(test, numaclaim_pool_dirty(&p->host, 0), 0UL);
	mutex_lock(&pn->lock);
	list_for_each_entry(page, &pn->clean, lru)
		zero &= pt_page_is_zero(page);
	mutex_unlock(&pn->lock);
	KUNIT_EXPECT_TRUE(test, zero);
	pt_expect_lists(test, 0);
}

/* Whether or not the scrubber got there first, a page handed out is zero. */
static void numaclaim_pool_test_take_is_zero(struct kunit *test)
{
	struct pt *p = test->priv;
	unsigned int round, i;
	bool zero = true;

	KUNIT_ASSERT_EQ(test, pt_size(test, 0, 8), 8UL);
	for (round = 0; round < 20; round++) {
		pt_take(test, 8);
		for (i = 0; i < 8; i++) {
			zero &= pt_page_is_zero(p->pages[i]);
			memset_page(p->pages[i], 0, 0x5a, PAGE_SIZE);
		}
		pt_give_back(test, 8);
	}
	KUNIT_EXPECT_TRUE(test, zero);
	pt_expect_lists(test, 0);
}

/*
 * A page still referenced is neither reused nor given away: the pool keeps
 * it aside, still charged, until only the pool holds it.
 *   pool 4; take 2; pin page 1; give both back -> 1 kept, busy 1, 3 free;
 *   offered again while pinned -> kept; unpinned -> back, 4 free.
 */
static void numaclaim_pool_test_give_back_referenced(struct kunit *test)
{
	struct pt *p = test->priv;
	struct numaclaim_node_view nv;
	unsigned long gone = 7, kept;
	struct page *pinned;
	LIST_HEAD(pages);
	LIST_HEAD(units);

	KUNIT_ASSERT_EQ(test, pt_size(test, 0, 4), 4UL);
	pt_take(test, 2);
	pinned = p->pages[1];
	get_page(pinned);
	pt_list(p, 2, &pages);
	kept = numaclaim_pool_give_back(&p->host, 0, &pages, &units, 0,
					&gone);
	KUNIT_EXPECT_EQ(test, kept, 1UL);
	KUNIT_EXPECT_EQ(test, gone, 0UL);
	KUNIT_EXPECT_TRUE(test, list_is_singular(&pages));
	KUNIT_EXPECT_PTR_EQ(test, list_first_entry(&pages, struct page, lru),
			    pinned);
	numaclaim_account_uncharge(&p->acct, 0, 2 - kept, gone);
	/* The pool kept its reference. */
	KUNIT_EXPECT_EQ(test, page_ref_count(pinned), 2);
	KUNIT_EXPECT_EQ(test, numaclaim_pool_busy(&p->host, 0), 1UL);
	KUNIT_EXPECT_EQ(test, numaclaim_pool_busy(&p->host, -1), 1UL);
	numaclaim_ledger_node_view(&p->host.ledger, &p->acct, 0, &nv);
	KUNIT_EXPECT_EQ(test, nv.held, 1UL);
	KUNIT_EXPECT_EQ(test, nv.avail, 3UL);
	KUNIT_EXPECT_EQ(test, nv.pool, 4UL);
	pt_expect_lists(test, 0);

	kept = numaclaim_pool_give_back(&p->host, 0, &pages, &units,
					NUMACLAIM_BACK_BUSY, &gone);
	KUNIT_EXPECT_EQ(test, kept, 1UL);
	KUNIT_EXPECT_EQ(test, numaclaim_pool_busy(&p->host, 0), 1UL);
	put_page(pinned);
	kept = numaclaim_pool_give_back(&p->host, 0, &pages, &units,
					NUMACLAIM_BACK_BUSY, &gone);
	KUNIT_EXPECT_EQ(test, kept, 0UL);
	KUNIT_EXPECT_TRUE(test, list_empty(&pages));
	numaclaim_account_uncharge(&p->acct, 0, 1, gone);
	KUNIT_EXPECT_EQ(test, numaclaim_pool_busy(&p->host, 0), 0UL);
	numaclaim_ledger_node_view(&p->host.ledger, &p->acct, 0, &nv);
	KUNIT_EXPECT_EQ(test, nv.held, 0UL);
	KUNIT_EXPECT_EQ(test, nv.avail, 4UL);
	pt_expect_lists(test, 0);
}

/*
 * Growing past what the counts hold gives the new pages back and leaves
 * the lists whole: node 1 (no memory) is counted ULONG_MAX - 1 free pages,
 * so node 0 cannot add 2.
 */
static void numaclaim_pool_test_grow_overflow(struct kunit *test)
{
	struct pt *p = test->priv;
	struct numaclaim_pool_node *pn = &p->host.pool[0];

	KUNIT_ASSERT_EQ(test, numaclaim_ledger_add_pages(&p->host.ledger, 1,
							 ULONG_MAX - 1), 0);
	KUNIT_EXPECT_EQ(test, pt_size(test, 0, 2), 0UL);
	KUNIT_EXPECT_EQ(test, pn->nr_dirty + pn->nr_clean, 0UL);
	KUNIT_EXPECT_TRUE(test, list_empty(&pn->dirty));
	KUNIT_EXPECT_TRUE(test, list_empty(&pn->clean));
	pt_expect_lists(test, 0);
	KUNIT_EXPECT_EQ(test, numaclaim_ledger_remove_pages(&p->host.ledger, 1,
							    ULONG_MAX),
			ULONG_MAX - 1);
	/* And the pool still grows once the counts have room. */
	KUNIT_EXPECT_EQ(test, pt_size(test, 0, 2), 2UL);
	pt_expect_lists(test, 0);
}

/* Each node's order: itself, then the others by distance, ties by id. */
static void numaclaim_pool_test_node_order(struct kunit *test)
{
	static const int want[4][4] = {
		{ 0, 1, 3, 2 }, { 1, 0, 2, 3 }, { 2, 3, 1, 0 }, { 3, 2, 0, 1 },
	};
	struct pt *p = test->priv;
	unsigned int n, i;

	for (n = 0; n < 4; n++)
		for (i = 0; i < 4; i++)
			KUNIT_EXPECT_EQ(test, numaclaim_host_order(&p->host, n)[i],
					want[n][i]);
}

/* ---- Contexts, without userspace -------------------------------------- */

/* Allocate and publish, as the ioctl does once the offset is out. */
static int pt_ctx_alloc(struct numaclaim_context *ctx, unsigned long pages,
			int node, unsigned int flags, unsigned long *pgoff,
			u64 *node_pages, unsigned int nr_node_pages)
{
	struct numaclaim_allocation *a;
	int ret;

	ret = numaclaim_context_alloc(ctx, pages, node, flags, node_pages,
				      nr_node_pages, &a);
	if (ret)
		return ret;
	*pgoff = a->pgoff;
	numaclaim_context_publish(ctx, a);
	return 0;
}

static void numaclaim_pool_test_context_alloc_release(struct kunit *test)
{
	struct pt *p = test->priv;
	struct numaclaim_context *ctx;
	struct numaclaim_stake st = { 0, 20 };
	struct numaclaim_node_view nv;
	unsigned long a, b;
	u64 node_pages[4];

	KUNIT_ASSERT_EQ(test, pt_size(test, 0, 64), 64UL);
	ctx = numaclaim_context_create(&p->host);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	KUNIT_EXPECT_EQ(test, numaclaim_account_stake(&ctx->acct, &st, 1), 0);

	memset(node_pages, 0xcc, sizeof(node_pages));
	KUNIT_EXPECT_EQ(test, pt_ctx_alloc(ctx, 16, NUMACLAIM_LEDGER_ANY,
					   0, &a, node_pages, 4), 0);
	KUNIT_EXPECT_EQ(test, node_pages[0], 16ULL);
	KUNIT_EXPECT_EQ(test, node_pages[1], 0ULL);
	KUNIT_EXPECT_EQ(test, node_pages[3], 0ULL);
	KUNIT_EXPECT_EQ(test, pt_ctx_alloc(ctx, 8, 0, 0, &b, NULL, 0),
			0);
	KUNIT_EXPECT_EQ(test, b, a + 16);
	numaclaim_ledger_node_view(&p->host.ledger, &ctx->acct, 0, &nv);
	KUNIT_EXPECT_EQ(test, nv.held, 24UL);
	KUNIT_EXPECT_EQ(test, nv.claim, 0UL);

	KUNIT_EXPECT_EQ(test, numaclaim_context_release(ctx, a + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, numaclaim_context_release(ctx, a), 0);
	KUNIT_EXPECT_EQ(test, numaclaim_context_release(ctx, a), -EINVAL);
	numaclaim_ledger_node_view(&p->host.ledger, &ctx->acct, 0, &nv);
	KUNIT_EXPECT_EQ(test, nv.held, 8UL);
	KUNIT_EXPECT_EQ(test, nv.avail, 56UL);
	pt_expect_lists(test, 0);

	/* An allocation never published goes back whole. */
	{
		struct numaclaim_allocation *un;

		KUNIT_EXPECT_EQ(test, numaclaim_context_alloc(ctx, 4, 0, 0, NULL,
							      0, &un), 0);
		KUNIT_EXPECT_EQ(test, numaclaim_context_release(ctx, un->pgoff),
				-EINVAL);
		numaclaim_context_abort(ctx, un);
		numaclaim_ledger_node_view(&p->host.ledger, &ctx->acct, 0, &nv);
		KUNIT_EXPECT_EQ(test, nv.held, 8UL);
	}

	/* The end of the context gives back what it still holds. */
	numaclaim_context_close(ctx);
	numaclaim_ledger_node_view(&p->host.ledger, NULL, 0, &nv);
	KUNIT_EXPECT_EQ(test, nv.avail, 64UL);
	KUNIT_EXPECT_EQ(test, nv.claimed, 0UL);
	pt_expect_lists(test, 0);
}

/*
 * A context out of mmap offsets refuses an ALLOC with ENOMEM after the
 * ledger took it: the charge is given back, claims and all, for a small
 * allocation (page array inline) and a larger one alike.
 *   pool 128, claim 100 on node 0, 4 offsets left: ALLOC 8 and 96 ->
 *   ENOMEM, held 0, claim 100; ALLOC 4 -> taken; ALLOC 1 -> ENOMEM.
 */
static void numaclaim_pool_test_context_out_of_offsets(struct kunit *test)
{
	struct pt *p = test->priv;
	struct numaclaim_context *ctx;
	struct numaclaim_stake st = { 0, 100 };
	struct numaclaim_node_view nv;
	unsigned long a;

	KUNIT_ASSERT_EQ(test, pt_size(test, 0, 128), 128UL);
	ctx = numaclaim_context_create(&p->host);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	KUNIT_EXPECT_EQ(test, numaclaim_account_stake(&ctx->acct, &st, 1), 0);
	ctx->next_pgoff = NUMACLAIM_MAX_PGOFF - 4;

	KUNIT_EXPECT_EQ(test, pt_ctx_alloc(ctx, 8, 0, 0, &a, NULL, 0), -ENOMEM);
	KUNIT_EXPECT_EQ(test, pt_ctx_alloc(ctx, 96, 0, 0, &a, NULL, 0), -ENOMEM);
	numaclaim_ledger_node_view(&p->host.ledger, &ctx->acct, 0, &nv);
	KUNIT_EXPECT_EQ(test, nv.held, 0UL);
	KUNIT_EXPECT_EQ(test, nv.claim, 100UL);
	KUNIT_EXPECT_EQ(test, nv.avail, 128UL);

	KUNIT_EXPECT_EQ(test, pt_ctx_alloc(ctx, 4, 0, 0, &a, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, a, (unsigned long)NUMACLAIM_MAX_PGOFF - 4);
	KUNIT_EXPECT_EQ(test, pt_ctx_alloc(ctx, 1, 0, 0, &a, NULL, 0), -ENOMEM);
	numaclaim_ledger_node_view(&p->host.ledger, &ctx->acct, 0, &nv);
	KUNIT_EXPECT_EQ(test, nv.held, 4UL);
	KUNIT_EXPECT_EQ(test, nv.claim, 96UL);
	KUNIT_EXPECT_TRUE(test, numaclaim_ledger_consistent(&p->host.ledger));
	numaclaim_context_close(ctx);
	numaclaim_ledger_node_view(&p->host.ledger, NULL, 0, &nv);
	KUNIT_EXPECT_EQ(test, nv.avail, 128UL);
	KUNIT_EXPECT_EQ(test, nv.claimed, 0UL);
	pt_expect_lists(test, 0);
}

/* A refused allocation takes no page and costs no claim. */
static void numaclaim_pool_test_context_alloc_refused(struct kunit *test)
{
	struct pt *p = test->priv;
	struct numaclaim_context *ctx;
	struct numaclaim_stake st = { NUMACLAIM_LEDGER_ANY, 10 };
	struct numaclaim_view v;
	unsigned long off = 1234;

	KUNIT_ASSERT_EQ(test, pt_size(test, 0, 32), 32UL);
	ctx = numaclaim_context_create(&p->host);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	KUNIT_EXPECT_EQ(test, numaclaim_account_stake(&ctx->acct, &st, 1), 0);
	KUNIT_EXPECT_EQ(test, numaclaim_account_set_max(&ctx->acct, 20, false),
			0);

	KUNIT_EXPECT_EQ(test, pt_ctx_alloc(ctx, 21, 0, 0, &off,
					   NULL, 0), -EDQUOT);
	KUNIT_EXPECT_EQ(test, pt_ctx_alloc(ctx, 1, 1,
					   NUMACLAIM_CHARGE_EXACT_NODE,
					   &off, NULL, 0), -ENOMEM);
	KUNIT_EXPECT_EQ(test, pt_ctx_alloc(ctx, 0, 0, 0, &off,
					   NULL, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, pt_ctx_alloc(ctx, 1, 4, 0, &off,
					   NULL, 0), -EINVAL);
	/* The host has 32: unclaimed 22, so 23 UNCLAIMED is too many. */
	numaclaim_account_set_max(&ctx->acct, ULONG_MAX, false);
	KUNIT_EXPECT_EQ(test, pt_ctx_alloc(ctx, 23, 0,
					   NUMACLAIM_CHARGE_UNCLAIMED,
					   &off, NULL, 0), -ENOMEM);
	KUNIT_EXPECT_EQ(test, pt_ctx_alloc(ctx, ULONG_MAX, 0, 0,
					   &off, NULL, 0), -ENOMEM);
	KUNIT_EXPECT_EQ(test, off, 1234UL);
	numaclaim_ledger_view(&p->host.ledger, &ctx->acct, &v, NULL, 0);
	KUNIT_EXPECT_EQ(test, v.claims, 10UL);
	KUNIT_EXPECT_EQ(test, v.tot, 0UL);
	KUNIT_EXPECT_EQ(test, v.avail, 32UL);
	numaclaim_context_close(ctx);
	pt_expect_lists(test, 0);
}

/*
 * An allocation that fails after its charge (its answer could not reach
 * userspace) costs no claim: CLAIM {node 0: 10, any: 40}; 16 pages from
 * any node consume node 0's 10 and 6 of any; abort -> 10 and 40 again.
 */
static void numaclaim_pool_test_context_abort_claims(struct kunit *test)
{
	struct pt *p = test->priv;
	struct numaclaim_stake st[] = {
		{ 0, 10 }, { NUMACLAIM_LEDGER_ANY, 40 },
	};
	struct numaclaim_allocation *un;
	struct numaclaim_context *ctx;
	struct numaclaim_node_view nv;
	struct numaclaim_view v;

	KUNIT_ASSERT_EQ(test, pt_size(test, 0, 64), 64UL);
	ctx = numaclaim_context_create(&p->host);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	KUNIT_ASSERT_EQ(test, numaclaim_account_stake(&ctx->acct, st, 2), 0);
	KUNIT_ASSERT_EQ(test, numaclaim_context_alloc(ctx, 16,
						      NUMACLAIM_LEDGER_ANY, 0,
						      NULL, 0, &un), 0);
	numaclaim_ledger_view(&p->host.ledger, &ctx->acct, &v, NULL, 0);
	KUNIT_EXPECT_EQ(test, v.claims, 34UL);
	numaclaim_context_abort(ctx, un);

	numaclaim_ledger_view(&p->host.ledger, &ctx->acct, &v, NULL, 0);
	KUNIT_EXPECT_EQ(test, v.claims, 50UL);
	KUNIT_EXPECT_EQ(test, v.claim_any, 40UL);
	KUNIT_EXPECT_EQ(test, v.tot, 0UL);
	KUNIT_EXPECT_EQ(test, v.avail, 64UL);
	KUNIT_EXPECT_EQ(test, v.outstanding, 50UL);
	numaclaim_ledger_node_view(&p->host.ledger, &ctx->acct, 0, &nv);
	KUNIT_EXPECT_EQ(test, nv.claim, 10UL);
	KUNIT_EXPECT_EQ(test, nv.claimed, 10UL);

	/* Claims set again in between are not topped up. */
	KUNIT_ASSERT_EQ(test, numaclaim_context_alloc(ctx, 16,
						      NUMACLAIM_LEDGER_ANY, 0,
						      NULL, 0, &un), 0);
	numaclaim_account_reset(&ctx->acct);
	KUNIT_ASSERT_EQ(test, numaclaim_account_stake(&ctx->acct, st, 1), 0);
	numaclaim_context_abort(ctx, un);
	numaclaim_ledger_view(&p->host.ledger, &ctx->acct, &v, NULL, 0);
	KUNIT_EXPECT_EQ(test, v.claims, 10UL);
	KUNIT_EXPECT_EQ(test, v.tot, 0UL);
	numaclaim_context_close(ctx);
	pt_expect_lists(test, 0);
}

/*
 * Pages released while still referenced stay charged to the context, and
 * count against its limit, until the reference drops; closing the context
 * does not let them go either.
 *   max 8; alloc 4, pin one page, release -> tot 1, busy 1;
 *   alloc 8 -> EDQUOT, alloc 7 -> ok; unpin -> tot 7, busy 0.
 */
static void numaclaim_pool_test_context_release_busy(struct kunit *test)
{
	struct pt *p = test->priv;
	struct numaclaim_context *ctx;
	struct numaclaim_allocation *a;
	struct numaclaim_view v;
	unsigned long off, b;
	struct page *pinned;

	KUNIT_ASSERT_EQ(test, pt_size(test, 0, 32), 32UL);
	ctx = numaclaim_context_create(&p->host);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	KUNIT_ASSERT_EQ(test, numaclaim_account_set_max(&ctx->acct, 8, false),
			0);
	KUNIT_ASSERT_EQ(test, numaclaim_context_alloc(ctx, 4, 0, 0, NULL, 0,
						      &a), 0);
	off = a->pgoff;
	pinned = numaclaim_allocation_page(a, 2);
	get_page(pinned);
	numaclaim_context_publish(ctx, a);
	KUNIT_EXPECT_EQ(test, numaclaim_context_release(ctx, off), 0);

	numaclaim_ledger_view(&p->host.ledger, &ctx->acct, &v, NULL, 0);
	KUNIT_EXPECT_EQ(test, v.tot, 1UL);
	KUNIT_EXPECT_EQ(test, v.avail, 31UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ctx->busy), 1L);
	KUNIT_EXPECT_EQ(test, numaclaim_pool_busy(&p->host, 0), 1UL);
	KUNIT_EXPECT_EQ(test, page_ref_count(pinned), 2);
	KUNIT_EXPECT_EQ(test, pt_ctx_alloc(ctx, 8, 0, 0, &b, NULL, 0),
			-EDQUOT);
	KUNIT_EXPECT_EQ(test, pt_ctx_alloc(ctx, 7, 0, 0, &b, NULL, 0), 0);
	/* Looked at again while pinned: still held. */
	flush_delayed_work(&p->host.busy_work);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ctx->busy), 1L);

	put_page(pinned);
	flush_delayed_work(&p->host.busy_work);
	numaclaim_ledger_view(&p->host.ledger, &ctx->acct, &v, NULL, 0);
	KUNIT_EXPECT_EQ(test, v.tot, 7UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ctx->busy), 0L);
	KUNIT_EXPECT_EQ(test, numaclaim_pool_busy(&p->host, 0), 0UL);

	/* The context's end with a page pinned: it lives on as that page. */
	KUNIT_EXPECT_EQ(test, numaclaim_context_release(ctx, b), 0);
	KUNIT_ASSERT_EQ(test, numaclaim_context_alloc(ctx, 2, 0, 0, NULL, 0,
						      &a), 0);
	pinned = numaclaim_allocation_page(a, 0);
	get_page(pinned);
	numaclaim_context_publish(ctx, a);
	numaclaim_context_close(ctx);
	numaclaim_ledger_view(&p->host.ledger, NULL, &v, NULL, 0);
	KUNIT_EXPECT_EQ(test, v.allocated, 1UL);
	KUNIT_EXPECT_EQ(test, numaclaim_pool_busy(&p->host, -1), 1UL);
	put_page(pinned);
	flush_delayed_work(&p->host.busy_work);
	numaclaim_ledger_view(&p->host.ledger, NULL, &v, NULL, 0);
	KUNIT_EXPECT_EQ(test, v.allocated, 0UL);
	KUNIT_EXPECT_EQ(test, v.avail, 32UL);
	KUNIT_EXPECT_EQ(test, numaclaim_pool_busy(&p->host, -1), 0UL);
	pt_expect_lists(test, 0);
}

/*
 * At unload a page still pinned is let go to the buddy allocator, which
 * frees it when the pin drops; nothing stays counted.
 */
static void numaclaim_pool_test_busy_drain(struct kunit *test)
{
	struct pt *p = test->priv;
	struct numaclaim_context *ctx;
	struct numaclaim_allocation *a;
	struct numaclaim_view v;
	struct page *pinned;

	KUNIT_ASSERT_EQ(test, pt_size(test, 0, 8), 8UL);
	ctx = numaclaim_context_create(&p->host);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	KUNIT_ASSERT_EQ(test, numaclaim_context_alloc(ctx, 3, 0, 0, NULL, 0,
						      &a), 0);
	pinned = numaclaim_allocation_page(a, 1);
	get_page(pinned);
	numaclaim_context_publish(ctx, a);
	numaclaim_context_close(ctx);
	numaclaim_busy_drain(&p->host);
	KUNIT_EXPECT_EQ(test, page_ref_count(pinned), 1);
	numaclaim_ledger_view(&p->host.ledger, NULL, &v, NULL, 0);
	KUNIT_EXPECT_EQ(test, v.allocated, 0UL);
	KUNIT_EXPECT_EQ(test, v.pool, 7UL);
	KUNIT_EXPECT_EQ(test, numaclaim_pool_busy(&p->host, -1), 0UL);
	KUNIT_EXPECT_TRUE(test, list_empty(&p->host.busy));
	put_page(pinned);
	pt_expect_lists(test, 0);
}

/*
 * Exporting, without files: only an allocation's own offset is exported,
 * once; RELEASE is EBUSY while it is; the context's end leaves it to its
 * file, whose end gives it back as RELEASE would.
 *
 *   a: 16 pages at 0, b: 8 pages at 16; export a; close the context
 *   -> a still held (16), b gone; export_end(a) -> nothing held
 */
static void numaclaim_pool_test_context_export(struct kunit *test)
{
	struct pt *p = test->priv;
	struct numaclaim_allocation *ea, *eb;
	struct numaclaim_context *ctx;
	struct numaclaim_node_view nv;
	unsigned long a, b;

	KUNIT_ASSERT_EQ(test, pt_size(test, 0, 64), 64UL);
	ctx = numaclaim_context_create(&p->host);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	KUNIT_ASSERT_EQ(test, pt_ctx_alloc(ctx, 16, 0, 0, &a, NULL, 0), 0);
	KUNIT_ASSERT_EQ(test, pt_ctx_alloc(ctx, 8, 0, 0, &b, NULL, 0), 0);

	KUNIT_EXPECT_EQ(test, numaclaim_context_export_begin(ctx, a + 1, &ea),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, numaclaim_context_export_begin(ctx, b + 8, &ea),
			-EINVAL);
	KUNIT_ASSERT_EQ(test, numaclaim_context_export_begin(ctx, a, &ea), 0);
	KUNIT_EXPECT_EQ(test, ea->pgoff, a);
	KUNIT_EXPECT_EQ(test, numaclaim_context_export_begin(ctx, a, &eb),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, numaclaim_context_release(ctx, a), -EBUSY);

	/* An export that never reached userspace changes nothing. */
	KUNIT_ASSERT_EQ(test, numaclaim_context_export_begin(ctx, b, &eb), 0);
	numaclaim_context_export_end(eb, true);
	KUNIT_EXPECT_EQ(test, numaclaim_context_release(ctx, b), 0);
	KUNIT_ASSERT_EQ(test, pt_ctx_alloc(ctx, 8, 0, 0, &b, NULL, 0), 0);

	numaclaim_context_close(ctx);
	numaclaim_ledger_node_view(&p->host.ledger, NULL, 0, &nv);
	KUNIT_EXPECT_EQ(test, nv.avail, 48UL);
	numaclaim_context_export_end(ea, false);
	numaclaim_ledger_node_view(&p->host.ledger, NULL, 0, &nv);
	KUNIT_EXPECT_EQ(test, nv.avail, 64UL);
	pt_expect_lists(test, 0);
}

/*
 * An allocation nobody mapped or exported comes back clean: its pages are
 * still zero and nothing scrubs them. One that was exported comes back
 * dirty: what its file's user wrote is cleared before anyone gets it.
 */
static void numaclaim_pool_test_zero_back_clean(struct kunit *test)
{
	struct pt *p = test->priv;
	struct numaclaim_allocation *ea, *all;
	struct numaclaim_context *ctx;
	unsigned long a, i;

	KUNIT_ASSERT_EQ(test, pt_size(test, 0, 64), 64UL);
	numaclaim_pool_flush(&p->host);
	KUNIT_ASSERT_EQ(test, numaclaim_pool_dirty(&p->host, 0), 0UL);
	ctx = numaclaim_context_create(&p->host);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));

	KUNIT_ASSERT_EQ(test, pt_ctx_alloc(ctx, 16, 0, 0, &a, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, numaclaim_context_release(ctx, a), 0);
	KUNIT_EXPECT_EQ(test, numaclaim_pool_dirty(&p->host, 0), 0UL);
	pt_expect_lists(test, 0);

	/* Written through its file, as a VMM's guest would. */
	KUNIT_ASSERT_EQ(test, pt_ctx_alloc(ctx, 16, 0, 0, &a, NULL, 0), 0);
	KUNIT_ASSERT_EQ(test, numaclaim_context_export_begin(ctx, a, &ea), 0);
	for (i = 0; i < 16; i++) {
		/* Some came back clean above: they are zero still. */
		KUNIT_EXPECT_TRUE(test,
				  pt_page_is_zero(numaclaim_allocation_page(ea,
									    i)));
		memset_page(numaclaim_allocation_page(ea, i), 0, 0x5a,
			    PAGE_SIZE);
	}
	numaclaim_context_export_end(ea, false);
	KUNIT_EXPECT_EQ(test, numaclaim_context_release(ctx, a), -EINVAL);
	pt_expect_lists(test, 0);

	/* Scrubbed or not yet, every page of the pool is zero when had. */
	KUNIT_ASSERT_EQ(test, numaclaim_context_alloc(ctx, 64, 0, 0, NULL, 0,
						      &all), 0);
	for (i = 0; i < 64; i++)
		KUNIT_EXPECT_TRUE(test,
				  pt_page_is_zero(numaclaim_allocation_page(all,
									    i)));
	numaclaim_context_abort(ctx, all);
	numaclaim_context_close(ctx);
	pt_expect_lists(test, 0);
}

/* ---- 2 MiB units ------------------------------------------------------- */

/* Grow node 0 by @units whole units, or skip: UML's memory may be split. */
static void pt_size_units(struct kunit *test, unsigned long units,
			  unsigned long singles)
{
	struct pt *p = test->priv;
	unsigned long want = units * NUMACLAIM_UNIT_PAGES + singles;

	KUNIT_ASSERT_EQ(test, pt_size(test, 0, want), want);
	if (p->host.pool[0].chunks[NUMACLAIM_POOL_ORDER] < units)
		kunit_skip(test, "no %lu free 2 MiB blocks", units);
	numaclaim_pool_flush(&p->host);
}

static bool pt_slot_is_unit(struct numaclaim_allocation *a, unsigned long s)
{
	return a->slots[s] && !(a->slots[s] & NUMACLAIM_SLOT_ARRAY);
}

/*
 * Whole slots get whole units, the rest single pages, a unit broken when
 * single pages run short; units come back whole, and every page is zero.
 *   pool 3 units + 1 page; alloc 1025 -> unit, unit, 1 single
 *   -> 1 unit left; alloc 4 -> that unit broken: 508 singles left;
 *   release both -> 2 units and 513 singles.
 */
static void numaclaim_pool_test_units(struct kunit *test)
{
	struct pt *p = test->priv;
	struct numaclaim_pool_node *pn = &p->host.pool[0];
	struct numaclaim_allocation *a, *b;
	struct numaclaim_context *ctx;
	unsigned long i, off_a, off_b;
	bool zero = true;

	pt_size_units(test, 3, 1);
	ctx = numaclaim_context_create(&p->host);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	KUNIT_ASSERT_EQ(test, numaclaim_context_alloc(ctx, 1025, 0, 0, NULL, 0,
						      &a), 0);
	KUNIT_EXPECT_EQ(test, a->nr_slots, 3UL);
	KUNIT_EXPECT_TRUE(test, pt_slot_is_unit(a, 0));
	KUNIT_EXPECT_TRUE(test, pt_slot_is_unit(a, 1));
	KUNIT_EXPECT_FALSE(test, pt_slot_is_unit(a, 2));
	for (i = 0; i < 1025; i++)
		zero &= pt_page_is_zero(numaclaim_allocation_page(a, i));
	KUNIT_EXPECT_TRUE(test, zero);
	KUNIT_EXPECT_EQ(test, page_to_pfn(numaclaim_allocation_page(a, 511)),
			page_to_pfn(numaclaim_allocation_page(a, 0)) + 511);
	off_a = a->pgoff;
	numaclaim_context_publish(ctx, a);
	KUNIT_EXPECT_EQ(test, pn->nr_clean_units + pn->nr_dirty_units, 1UL);

	KUNIT_ASSERT_EQ(test, numaclaim_context_alloc(ctx, 4, 0, 0, NULL, 0,
						      &b), 0);
	off_b = b->pgoff;
	numaclaim_context_publish(ctx, b);
	KUNIT_EXPECT_EQ(test, pn->nr_clean_units + pn->nr_dirty_units, 0UL);
	KUNIT_EXPECT_EQ(test, pn->nr_clean + pn->nr_dirty, 508UL);
	pt_expect_lists(test, 0);

	/* Written, as only a mapping can: that makes them dirty. */
	for (i = 0; i < 1025; i++)
		memset_page(numaclaim_allocation_page(a, i), 0, 0x3c,
			    PAGE_SIZE);
	a->zero = false;
	KUNIT_EXPECT_EQ(test, numaclaim_context_release(ctx, off_a), 0);
	KUNIT_EXPECT_EQ(test, numaclaim_context_release(ctx, off_b), 0);
	numaclaim_pool_flush(&p->host);
	KUNIT_EXPECT_EQ(test, pn->nr_clean_units, 2UL);
	KUNIT_EXPECT_EQ(test, pn->nr_clean, 2 * NUMACLAIM_UNIT_PAGES + 513);
	KUNIT_EXPECT_EQ(test, pn->nr_dirty, 0UL);
	pt_expect_lists(test, 0);

	/* Scrubbed: the units handed out again are zero. */
	KUNIT_ASSERT_EQ(test, numaclaim_context_alloc(ctx, 1024, 0, 0, NULL, 0,
						      &a), 0);
	KUNIT_EXPECT_TRUE(test, pt_slot_is_unit(a, 0));
	KUNIT_EXPECT_TRUE(test, pt_slot_is_unit(a, 1));
	for (i = 0; i < 1024; i++)
		zero &= pt_page_is_zero(numaclaim_allocation_page(a, i));
	KUNIT_EXPECT_TRUE(test, zero);
	numaclaim_context_publish(ctx, a);
	numaclaim_context_close(ctx);
	pt_expect_lists(test, 0);
}

/*
 * An allocation the pool filled with units: its metadata is one block of
 * a few hundred bytes, within 0.05 % of its size (8 MiB: 4194 bytes).
 */
static void numaclaim_pool_test_units_metadata(struct kunit *test)
{
	struct pt *p = test->priv;
	struct numaclaim_allocation *a;
	struct numaclaim_context *ctx;
	unsigned long s;

	pt_size_units(test, 4, 0);
	ctx = numaclaim_context_create(&p->host);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	KUNIT_ASSERT_EQ(test, numaclaim_context_alloc(ctx,
						      4 * NUMACLAIM_UNIT_PAGES,
						      0, 0, NULL, 0, &a), 0);
	for (s = 0; s < 4; s++)
		KUNIT_EXPECT_TRUE(test, pt_slot_is_unit(a, s));
	KUNIT_EXPECT_TRUE(test, a->inline_slots);
	KUNIT_EXPECT_LE(test, ksize(a),
			(size_t)(4 * NUMACLAIM_UNIT_PAGES * PAGE_SIZE / 2000));
	numaclaim_context_publish(ctx, a);
	numaclaim_context_close(ctx);
	pt_expect_lists(test, 0);
}

/*
 * A unit with a page still referenced comes back as single pages: the
 * other 511 go back, the referenced one stays charged until it drops.
 */
static void numaclaim_pool_test_units_busy(struct kunit *test)
{
	struct pt *p = test->priv;
	struct numaclaim_pool_node *pn = &p->host.pool[0];
	struct numaclaim_allocation *a;
	struct numaclaim_context *ctx;
	struct numaclaim_view v;
	struct page *pinned;
	unsigned long off;

	pt_size_units(test, 1, 0);
	ctx = numaclaim_context_create(&p->host);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	KUNIT_ASSERT_EQ(test, numaclaim_context_alloc(ctx, NUMACLAIM_UNIT_PAGES,
						      0, 0, NULL, 0, &a), 0);
	KUNIT_EXPECT_TRUE(test, pt_slot_is_unit(a, 0));
	pinned = numaclaim_allocation_page(a, 5);
	get_page(pinned);
	off = a->pgoff;
	numaclaim_context_publish(ctx, a);
	KUNIT_EXPECT_EQ(test, numaclaim_context_release(ctx, off), 0);
	KUNIT_EXPECT_EQ(test, numaclaim_pool_busy(&p->host, 0), 1UL);
	KUNIT_EXPECT_EQ(test, pn->nr_clean_units + pn->nr_dirty_units, 0UL);
	KUNIT_EXPECT_EQ(test, pn->nr_clean + pn->nr_dirty,
			NUMACLAIM_UNIT_PAGES - 1);
	numaclaim_ledger_view(&p->host.ledger, &ctx->acct, &v, NULL, 0);
	KUNIT_EXPECT_EQ(test, v.tot, 1UL);
	pt_expect_lists(test, 0);

	put_page(pinned);
	flush_delayed_work(&p->host.busy_work);
	KUNIT_EXPECT_EQ(test, numaclaim_pool_busy(&p->host, 0), 0UL);
	numaclaim_ledger_view(&p->host.ledger, &ctx->acct, &v, NULL, 0);
	KUNIT_EXPECT_EQ(test, v.tot, 0UL);
	KUNIT_EXPECT_EQ(test, pn->nr_clean + pn->nr_dirty,
			NUMACLAIM_UNIT_PAGES);
	numaclaim_context_close(ctx);
	pt_expect_lists(test, 0);
}

/*
 * A poisoned single page met on the way is retired and the take goes on,
 * breaking a unit, while units are left; the retired page leaves the
 * ledger's free pages at once, unless claims cover every free page: then
 * it is owed, and the next take or shrink of the node takes it out (a
 * take that finds the lists short counts it gone).
 *   pool 1 unit + 4 singles, a single poisoned; take 4 -> 4 good pages,
 *   1 retired, 511 on the lists and free; give back -> 515.
 *   claim 515, another single poisoned; take 4 -> 511 free and claimed,
 *   510 on the lists, 1 owed; reset, shrink to 0 -> 4 (held), none owed.
 */
static void numaclaim_pool_test_take_past_poison(struct kunit *test)
{
	struct pt *p = test->priv;
	struct numaclaim_pool_node *pn = &p->host.pool[0];
	struct numaclaim_stake all = { 0, NUMACLAIM_UNIT_PAGES + 3 };
	struct numaclaim_node_view nv;
	struct page *bad;
	unsigned long i;
	bool ok = true;

	if (!IS_ENABLED(CONFIG_MEMORY_FAILURE))
		kunit_skip(test, "PageHWPoison needs CONFIG_MEMORY_FAILURE");
	pt_size_units(test, 1, 4);
	mutex_lock(&pn->lock);
	bad = list_first_entry(pn->nr_clean_units ? &pn->clean : &pn->dirty,
			       struct page, lru);
	SetPageHWPoison(bad);
	mutex_unlock(&pn->lock);

	/* The take breaks the unit for the page it lacks. */
	pt_take(test, 4);
	for (i = 0; i < 4; i++)
		ok &= p->pages[i] != bad && pt_page_is_zero(p->pages[i]);
	KUNIT_EXPECT_TRUE(test, ok);
	KUNIT_EXPECT_EQ(test, numaclaim_pool_hwpoison(&p->host, 0), 1UL);
	/* The retired page left the ledger's free pages at once. */
	KUNIT_EXPECT_EQ(test, pn->owed, 0UL);
	numaclaim_ledger_node_view(&p->host.ledger, NULL, 0, &nv);
	KUNIT_EXPECT_EQ(test, nv.avail, NUMACLAIM_UNIT_PAGES - 1);
	KUNIT_EXPECT_EQ(test, nv.pool, NUMACLAIM_UNIT_PAGES + 3);
	pt_expect_lists(test, 0);
	pt_give_back(test, 4);
	pt_expect_lists(test, 0);
	numaclaim_pool_flush(&p->host);

	/*
	 * With every free page claimed, a retired page cannot leave the
	 * ledger's free pages: it is owed until the claims allow. The
	 * resize then takes it out first (the old code's shrink warned:
	 * the lists short of it).
	 */
	KUNIT_ASSERT_EQ(test, numaclaim_account_stake(&p->acct, &all, 1), 0);
	mutex_lock(&pn->lock);
	bad = list_first_entry(&pn->clean, struct page, lru);
	SetPageHWPoison(bad);
	mutex_unlock(&pn->lock);
	pt_take(test, 4);
	KUNIT_EXPECT_EQ(test, numaclaim_pool_hwpoison(&p->host, 0), 2UL);
	KUNIT_EXPECT_EQ(test, pn->owed, 1UL);
	numaclaim_ledger_node_view(&p->host.ledger, NULL, 0, &nv);
	KUNIT_EXPECT_EQ(test, nv.avail, NUMACLAIM_UNIT_PAGES - 1);
	KUNIT_EXPECT_EQ(test, nv.claimed, NUMACLAIM_UNIT_PAGES - 1);
	numaclaim_account_reset(&p->acct);
	KUNIT_EXPECT_EQ(test, pt_size(test, 0, 0), 4UL);
	KUNIT_EXPECT_EQ(test, pn->owed, 0UL);
	pt_expect_lists(test, 0);
	pt_give_back(test, 4);
	numaclaim_ledger_node_view(&p->host.ledger, NULL, 0, &nv);
	KUNIT_EXPECT_EQ(test, nv.pool, 4UL);
	pt_expect_lists(test, 0);
}

/*
 * An ALLOC whose take finds the lists short fails, and counts gone both
 * the take's shortfall and the rest of its part: every retired page that
 * was owed with them, none left owed.
 *   pool 1 unit + 1 single; the single and a page of the unit poisoned;
 *   ALLOC 513 -> the unit broken, 511 good pages of 513: ENOMEM, 2 gone
 *   (1 short in the take of 512, 1 never taken), 0 owed; pool 511.
 */
static void numaclaim_pool_test_take_short_poison(struct kunit *test)
{
	struct pt *p = test->priv;
	struct numaclaim_pool_node *pn = &p->host.pool[0];
	struct numaclaim_context *ctx;
	struct numaclaim_node_view nv;
	unsigned long off = 1234;
	struct page *single, *unit;

	if (!IS_ENABLED(CONFIG_MEMORY_FAILURE))
		kunit_skip(test, "PageHWPoison needs CONFIG_MEMORY_FAILURE");
	pt_size_units(test, 1, 1);
	mutex_lock(&pn->lock);
	single = list_first_entry_or_null(&pn->clean, struct page, lru) ?:
		 list_first_entry(&pn->dirty, struct page, lru);
	unit = list_first_entry_or_null(&pn->clean_units, struct page, lru) ?:
	       list_first_entry(&pn->dirty_units, struct page, lru);
	SetPageHWPoison(single);
	SetPageHWPoison(nth_page(unit, 100));
	mutex_unlock(&pn->lock);

	ctx = numaclaim_context_create(&p->host);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	KUNIT_EXPECT_EQ(test, pt_ctx_alloc(ctx, NUMACLAIM_UNIT_PAGES + 1, 0,
					   NUMACLAIM_CHARGE_EXACT_NODE, &off,
					   NULL, 0), -ENOMEM);
	KUNIT_EXPECT_EQ(test, off, 1234UL);
	KUNIT_EXPECT_EQ(test, numaclaim_pool_hwpoison(&p->host, 0), 2UL);
	KUNIT_EXPECT_EQ(test, pn->owed, 0UL);
	numaclaim_ledger_node_view(&p->host.ledger, NULL, 0, &nv);
	KUNIT_EXPECT_EQ(test, nv.pool, NUMACLAIM_UNIT_PAGES - 1);
	KUNIT_EXPECT_EQ(test, nv.allocated, 0UL);
	numaclaim_context_close(ctx);
	pt_expect_lists(test, 0);
	KUNIT_EXPECT_EQ(test, pt_size(test, 0, 0), 0UL);
	pt_expect_lists(test, 0);
}

static struct kunit_case numaclaim_pool_test_cases[] = {
	KUNIT_CASE(numaclaim_pool_test_grow_high_order),
	KUNIT_CASE(numaclaim_pool_test_grow_small),
	KUNIT_CASE(numaclaim_pool_test_grow_memoryless),
	KUNIT_CASE(numaclaim_pool_test_resize_invalid),
	KUNIT_CASE(numaclaim_pool_test_shrink_against_claims),
	KUNIT_CASE(numaclaim_pool_test_scrub),
	KUNIT_CASE(numaclaim_pool_test_grow_zeroed),
	KUNIT_CASE(numaclaim_pool_test_take_is_zero),
	KUNIT_CASE(numaclaim_pool_test_give_back_referenced),
	KUNIT_CASE(numaclaim_pool_test_grow_overflow),
	KUNIT_CASE(numaclaim_pool_test_context_abort_claims),
	KUNIT_CASE(numaclaim_pool_test_context_release_busy),
	KUNIT_CASE(numaclaim_pool_test_busy_drain),
	KUNIT_CASE(numaclaim_pool_test_node_order),
	KUNIT_CASE(numaclaim_pool_test_context_alloc_release),
	KUNIT_CASE(numaclaim_pool_test_context_alloc_refused),
	KUNIT_CASE(numaclaim_pool_test_context_out_of_offsets),
	KUNIT_CASE(numaclaim_pool_test_context_export),
	KUNIT_CASE(numaclaim_pool_test_zero_back_clean),
	KUNIT_CASE(numaclaim_pool_test_units),
	KUNIT_CASE(numaclaim_pool_test_units_metadata),
	KUNIT_CASE(numaclaim_pool_test_units_busy),
	KUNIT_CASE(numaclaim_pool_test_take_past_poison),
	KUNIT_CASE(numaclaim_pool_test_take_short_poison),
	{}
};

static struct kunit_suite numaclaim_pool_test_suite = {
	.name = "numaclaim_pool",
	.init = pt_init,
	.exit = pt_exit,
	.test_cases = numaclaim_pool_test_cases,
};

kunit_test_suite(numaclaim_pool_test_suite);
