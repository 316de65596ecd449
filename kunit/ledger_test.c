// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the numaclaim ledger: DESIGN.md's rules and the worked
 * cases of CLAIM-CASES.md (numbered "Case N" below), with their numbers.
 *
 * Unless a test says otherwise the fixture is two nodes, n0 and n1, with 100
 * free pages each (T = 200, O = 0), and accounts A, B and C with nothing
 * held, no claim and no limit. Every test ends by checking every invariant;
 * the suites run with CONFIG_NUMACLAIM_DEBUG, which checks them after every
 * change as well.
 */
#include <kunit/test.h>
#include <linux/prandom.h>
#include <linux/slab.h>

#include "../module/ledger.h"

#define ANY		NUMACLAIM_LEDGER_ANY
#define EXACT		NUMACLAIM_CHARGE_EXACT_NODE
#define UNCLAIMED	NUMACLAIM_CHARGE_UNCLAIMED

#define LT_MAX_NODES	64
#define LT_ACCTS	4

enum { A, B, C, D };

struct lt {
	struct numaclaim_ledger ledger;
	struct numaclaim_account acct[LT_ACCTS];
	bool live[LT_ACCTS];
	struct numaclaim_part parts[LT_MAX_NODES];
	unsigned int nr_parts;
};

/* The counts a test compares before and after a refused operation. */
struct lt_snap {
	unsigned long total_avail, outstanding;
	struct numaclaim_ledger_node node[LT_MAX_NODES];
	unsigned long tot[LT_ACCTS], max[LT_ACCTS], any[LT_ACCTS];
	unsigned long claim[LT_ACCTS][LT_MAX_NODES];
};

static void lt_teardown(struct lt *f)
{
	unsigned int i, n;

	for (i = 0; i < LT_ACCTS; i++) {
		if (!f->live[i])
			continue;
		for (n = 0; n < f->ledger.nr_nodes; n++)
			numaclaim_account_uncharge(&f->acct[i], n,
						   f->acct[i].held[n], 0);
		numaclaim_account_destroy(&f->acct[i]);
		f->live[i] = false;
	}
	for (n = 0; n < f->ledger.nr_nodes; n++)
		numaclaim_ledger_remove_pages(&f->ledger, n, ULONG_MAX);
	numaclaim_ledger_destroy(&f->ledger);
}

/* A ledger of @nr nodes with @avail[n] free pages each, and four accounts. */
static void lt_setup(struct kunit *test, unsigned int nr,
		     const unsigned long *avail)
{
	struct lt *f = test->priv;
	unsigned int i;

	if (f->ledger.node)
		lt_teardown(f);
	KUNIT_ASSERT_EQ(test, numaclaim_ledger_init(&f->ledger, nr), 0);
	for (i = 0; i < nr; i++)
		KUNIT_ASSERT_EQ(test, numaclaim_ledger_add_pages(&f->ledger, i,
								 avail[i]), 0);
	for (i = 0; i < LT_ACCTS; i++) {
		KUNIT_ASSERT_EQ(test, numaclaim_account_init(&f->acct[i],
							     &f->ledger), 0);
		f->live[i] = true;
	}
}

static void lt_setup_even(struct kunit *test, unsigned int nr,
			  unsigned long each)
{
	unsigned long *avail;
	unsigned int i;

	avail = kunit_kcalloc(test, nr, sizeof(*avail), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, avail);
	for (i = 0; i < nr; i++)
		avail[i] = each;
	lt_setup(test, nr, avail);
}

static int lt_init(struct kunit *test)
{
	test->priv = kunit_kzalloc(test, sizeof(struct lt), GFP_KERNEL);
	if (!test->priv)
		return -ENOMEM;
	lt_setup_even(test, 2, 100);
	return 0;
}

static void lt_exit(struct kunit *test)
{
	struct lt *f = test->priv;

	if (f && f->ledger.node)
		lt_teardown(f);
}

static struct lt *lt_get(struct kunit *test)
{
	return test->priv;
}

static int lt_stake(struct lt *f, int who, const struct numaclaim_stake *s,
		    unsigned int nr)
{
	return numaclaim_account_stake(&f->acct[who], s, nr);
}

#define STAKE(f, who, ...)						\
	lt_stake(f, who, (const struct numaclaim_stake[]){ __VA_ARGS__ },	\
		 ARRAY_SIZE(((const struct numaclaim_stake[]){ __VA_ARGS__ })))

static int lt_alloc_order(struct lt *f, int who, unsigned long pages,
			  int node, unsigned int flags, const int *order)
{
	struct numaclaim_charge req = {
		.pages = pages,
		.node = node,
		.flags = flags,
		.order = order,
		.parts = f->parts,
	};
	int ret;

	ret = numaclaim_account_charge(&f->acct[who], &req);
	f->nr_parts = req.nr_parts;
	return ret;
}

static int lt_set_max(struct lt *f, int who, unsigned long max)
{
	return numaclaim_account_set_max(&f->acct[who], max, false);
}

static int lt_alloc(struct lt *f, int who, unsigned long pages, int node,
		    unsigned int flags)
{
	return lt_alloc_order(f, who, pages, node, flags, NULL);
}

static unsigned long lt_claim(struct lt *f, int who, int node)
{
	return node == ANY ? f->acct[who].claim_any : f->acct[who].claim[node];
}

static unsigned long lt_avail(struct lt *f, int node)
{
	return f->ledger.node[node].avail;
}

static unsigned long lt_claimed(struct lt *f, int node)
{
	return f->ledger.node[node].claimed;
}

#define T(f)	((f)->ledger.total_avail)
#define O(f)	((f)->ledger.outstanding)

static struct lt_snap *lt_snap(struct kunit *test)
{
	struct lt *f = lt_get(test);
	struct lt_snap *s;
	unsigned int i, n;

	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	s->total_avail = f->ledger.total_avail;
	s->outstanding = f->ledger.outstanding;
	for (n = 0; n < f->ledger.nr_nodes; n++)
		s->node[n] = f->ledger.node[n];
	for (i = 0; i < LT_ACCTS; i++) {
		s->tot[i] = f->acct[i].tot;
		s->max[i] = f->acct[i].max;
		s->any[i] = f->acct[i].claim_any;
		for (n = 0; n < f->ledger.nr_nodes; n++)
			s->claim[i][n] = f->acct[i].claim[n];
	}
	return s;
}

/* Nothing changed since @s was taken. */
static void lt_expect_unchanged(struct kunit *test, const struct lt_snap *s)
{
	struct lt_snap *now = lt_snap(test);

	KUNIT_EXPECT_EQ(test, memcmp(s, now, sizeof(*s)), 0);
}

static void lt_check(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, numaclaim_ledger_consistent(&lt_get(test)->ledger));
}

/* ---- Staking ---------------------------------------------------------- */

/* Case 1. */
static void numaclaim_ledger_test_stake_host_level(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 50 }), 0);
	KUNIT_EXPECT_EQ(test, O(f), 50UL);
	KUNIT_EXPECT_EQ(test, lt_claimed(f, 0), 0UL);
	KUNIT_EXPECT_EQ(test, lt_claimed(f, 1), 0UL);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, ANY), 50UL);
	KUNIT_EXPECT_EQ(test, f->acct[A].claims, 50UL);
	lt_check(test);
}

/* Case 2. */
static void numaclaim_ledger_test_stake_node(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 0, 60 }), 0);
	KUNIT_EXPECT_EQ(test, O(f), 60UL);
	KUNIT_EXPECT_EQ(test, lt_claimed(f, 0), 60UL);
	KUNIT_EXPECT_EQ(test, lt_claimed(f, 1), 0UL);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, 0), 60UL);
	lt_check(test);
}

/* Case 3: the boundary is inclusive, and then nothing is left to claim. */
static void numaclaim_ledger_test_stake_host_boundary(struct kunit *test)
{
	struct lt *f = lt_get(test);
	struct lt_snap *s;

	KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 200 }), 0);
	s = lt_snap(test);
	KUNIT_EXPECT_EQ(test, STAKE(f, B, { ANY, 1 }), -ENOMEM);
	KUNIT_EXPECT_EQ(test, O(f), 200UL);
	lt_expect_unchanged(test, s);
	lt_check(test);
}

/* Case 4. */
static void numaclaim_ledger_test_stake_host_too_big(struct kunit *test)
{
	struct lt *f = lt_get(test);
	struct lt_snap *s = lt_snap(test);

	KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 201 }), -ENOMEM);
	KUNIT_EXPECT_EQ(test, O(f), 0UL);
	lt_expect_unchanged(test, s);
	lt_check(test);
}

/* Case 5. */
static void numaclaim_ledger_test_stake_node_boundary(struct kunit *test)
{
	struct lt *f = lt_get(test);
	struct lt_snap *s = lt_snap(test);

	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 0, 101 }), -ENOMEM);
	lt_expect_unchanged(test, s);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 0, 100 }), 0);
	KUNIT_EXPECT_EQ(test, lt_claimed(f, 0), 100UL);
	lt_check(test);
}

/*
 * Case 6: a node claim that fits its node but not the host is refused.
 *   B any=150:  T=200 O=150, host unclaimed 50, n0 unclaimed 100
 *   A n0=80  -> ENOMEM;  A n0=50 -> 0, O=T=200
 */
static void numaclaim_ledger_test_stake_node_host_short(struct kunit *test)
{
	struct lt *f = lt_get(test);
	struct lt_snap *s;

	KUNIT_EXPECT_EQ(test, STAKE(f, B, { ANY, 150 }), 0);
	s = lt_snap(test);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 0, 80 }), -ENOMEM);
	lt_expect_unchanged(test, s);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 0, 50 }), 0);
	KUNIT_EXPECT_EQ(test, O(f), 200UL);
	KUNIT_EXPECT_EQ(test, T(f), 200UL);
	lt_check(test);
}

/* Case 7: a claim used up by allocations holds nothing. */
static void numaclaim_ledger_test_stake_after_used_up(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 0, 10 }), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 10, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, f->acct[A].claims, 0UL);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 20 }), 0);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, ANY), 20UL);
	KUNIT_EXPECT_EQ(test, O(f), 20UL);
	lt_check(test);
}

/* Case 8: one active claim; a reset (twice) releases it. */
static void numaclaim_ledger_test_stake_busy_then_reset(struct kunit *test)
{
	struct lt *f = lt_get(test);
	struct lt_snap *s;

	KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 50 }), 0);
	s = lt_snap(test);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 1, 10 }), -EBUSY);
	lt_expect_unchanged(test, s);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, ANY), 50UL);
	KUNIT_EXPECT_EQ(test, lt_stake(f, A, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, O(f), 0UL);
	KUNIT_EXPECT_EQ(test, lt_stake(f, A, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, O(f), 0UL);
	lt_check(test);
}

/*
 * The seed's reset to no claim: a reset releases a node claim entirely, so
 * that a claim on another node, or a host-level one, is then accepted.
 */
static void numaclaim_ledger_test_stake_reset_node_claim(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 0, 30 }, { ANY, 5 }), 0);
	numaclaim_account_reset(&f->acct[A]);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, 0), 0UL);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, ANY), 0UL);
	KUNIT_EXPECT_EQ(test, lt_claimed(f, 0), 0UL);
	KUNIT_EXPECT_EQ(test, O(f), 0UL);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 1, 100 }), 0);
	KUNIT_EXPECT_EQ(test, lt_claimed(f, 1), 100UL);
	lt_check(test);
}

/* Case 9: the limit is checked before memory. */
static void numaclaim_ledger_test_stake_limit_before_memory(struct kunit *test)
{
	struct lt *f = lt_get(test);
	struct lt_snap *s;

	KUNIT_EXPECT_EQ(test, lt_set_max(f, A, 1000), 0);
	KUNIT_EXPECT_EQ(test, STAKE(f, B, { ANY, 190 }), 0);
	s = lt_snap(test);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 1001 }), -EINVAL);
	lt_expect_unchanged(test, s);
	lt_check(test);
}

/* The limit counts pages held: tot + claim may reach max, not pass it. */
static void numaclaim_ledger_test_stake_limit_counts_held(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, lt_set_max(f, A, 50), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 20, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 31 }), -EINVAL);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 30 }), 0);
	lt_check(test);
}

/* Case 10: a multi-node claim is all or nothing. */
static void numaclaim_ledger_test_stake_multi_node_atomic(struct kunit *test)
{
	struct lt *f = lt_get(test);
	struct lt_snap *s = lt_snap(test);

	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 0, 60 }, { 1, 120 }), -ENOMEM);
	KUNIT_EXPECT_EQ(test, lt_claimed(f, 0), 0UL);
	KUNIT_EXPECT_EQ(test, lt_claimed(f, 1), 0UL);
	KUNIT_EXPECT_EQ(test, O(f), 0UL);
	lt_expect_unchanged(test, s);
	lt_check(test);
}

/* Node claims and a host-level claim staked in one call. */
static void numaclaim_ledger_test_stake_multi_node(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 1, 70 }, { ANY, 40 }, { 0, 60 }), 0);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, 0), 60UL);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, 1), 70UL);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, ANY), 40UL);
	KUNIT_EXPECT_EQ(test, f->acct[A].claims, 170UL);
	KUNIT_EXPECT_EQ(test, O(f), 170UL);
	KUNIT_EXPECT_EQ(test, lt_claimed(f, 0), 60UL);
	KUNIT_EXPECT_EQ(test, lt_claimed(f, 1), 70UL);
	/* 30 left on the host: B may claim them anywhere, not 31. */
	KUNIT_EXPECT_EQ(test, STAKE(f, B, { ANY, 31 }), -ENOMEM);
	KUNIT_EXPECT_EQ(test, STAKE(f, B, { 0, 30 }), 0);
	lt_check(test);
}

/* Claims of other accounts are counted in a node's unclaimed pages. */
static void numaclaim_ledger_test_stake_node_after_other(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, STAKE(f, B, { 0, 70 }), 0);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 0, 31 }), -ENOMEM);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 0, 30 }), 0);
	KUNIT_EXPECT_EQ(test, lt_claimed(f, 0), 100UL);
	lt_check(test);
}

struct lt_stake_case {
	const char *name;
	struct numaclaim_stake s[4];
	unsigned int nr;
};

/* Case 11 (the ledger's part of it; flags and reserved fields are uapi). */
static const struct lt_stake_case lt_stake_invalid_cases[] = {
	{ "same node twice", { { 0, 10 }, { 0, 10 } }, 2 },
	{ "host-level twice", { { ANY, 1 }, { ANY, 1 } }, 2 },
	{ "zero pages", { { 0, 0 } }, 1 },
	{ "zero pages after good", { { 0, 5 }, { 1, 0 } }, 2 },
	{ "node 4096", { { 4096, 1 } }, 1 },
	{ "node past the last", { { 2, 1 } }, 1 },
	{ "negative node", { { -2, 1 } }, 1 },
	{ "sum wraps", { { 0, 1UL << 63 }, { 1, 1UL << 63 } }, 2 },
	{ "sum wraps at the host", { { ANY, ULONG_MAX }, { 0, 1 } }, 2 },
	{ "more entries than nodes + 1",
	  { { 0, 1 }, { 1, 1 }, { ANY, 1 }, { 0, 1 } }, 4 },
};

static void lt_stake_case_desc(const struct lt_stake_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(lt_stake_invalid, lt_stake_invalid_cases, lt_stake_case_desc);

static void numaclaim_ledger_test_stake_invalid(struct kunit *test)
{
	const struct lt_stake_case *c = test->param_value;
	struct lt *f = lt_get(test);
	struct lt_snap *s;

	/* Malformed entries are refused before a held claim is looked at. */
	KUNIT_EXPECT_EQ(test, STAKE(f, B, { ANY, 5 }), 0);
	s = lt_snap(test);
	KUNIT_EXPECT_EQ(test, lt_stake(f, A, c->s, c->nr), -EINVAL);
	KUNIT_EXPECT_EQ(test, lt_stake(f, B, c->s, c->nr), -EINVAL);
	lt_expect_unchanged(test, s);
	lt_check(test);
}

/* nr_entries may be nr_nodes + 1: every node and the host once. */
static void numaclaim_ledger_test_stake_every_node_64(struct kunit *test)
{
	struct numaclaim_stake *s;
	struct lt *f = lt_get(test);
	unsigned int n;

	lt_setup_even(test, 64, 10);
	s = kunit_kcalloc(test, 66, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	for (n = 0; n < 64; n++)
		s[n] = (struct numaclaim_stake){ .node = 63 - n, .pages = 5 };
	s[64] = (struct numaclaim_stake){ .node = ANY, .pages = 10 };
	s[65] = (struct numaclaim_stake){ .node = 0, .pages = 1 };
	KUNIT_EXPECT_EQ(test, lt_stake(f, A, s, 66), -EINVAL);
	KUNIT_EXPECT_EQ(test, lt_stake(f, A, s, 65), 0);
	KUNIT_EXPECT_EQ(test, O(f), 330UL);
	KUNIT_EXPECT_EQ(test, T(f), 640UL);
	for (n = 0; n < 64; n++)
		KUNIT_EXPECT_EQ(test, lt_claimed(f, n), 5UL);

	/*
	 * 320 pages, 10 from each of n0..n31 in ascending id: each node's
	 * claim pays 5, the host-level claim pays the other 5 on n0 and n1.
	 */
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 320, ANY, 0), 0);
	KUNIT_EXPECT_EQ(test, f->nr_parts, 32U);
	KUNIT_EXPECT_EQ(test, f->acct[A].tot, 320UL);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, ANY), 0UL);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, 31), 0UL);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, 32), 5UL);
	KUNIT_EXPECT_EQ(test, f->acct[A].claims, 160UL);
	KUNIT_EXPECT_EQ(test, O(f), 160UL);
	KUNIT_EXPECT_EQ(test, T(f), 320UL);
	lt_check(test);
}

/* ---- Protection ------------------------------------------------------- */

/* Case 12. */
static void numaclaim_ledger_test_alloc_protects_host_claim(struct kunit *test)
{
	struct lt *f = lt_get(test);
	struct lt_snap *s;

	KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 190 }), 0);
	s = lt_snap(test);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, C, 16, ANY, 0), -ENOMEM);
	lt_expect_unchanged(test, s);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, C, 8, ANY, 0), 0);
	KUNIT_EXPECT_EQ(test, T(f), 192UL);
	KUNIT_EXPECT_EQ(test, O(f), 190UL);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, C, 4, ANY, 0), -ENOMEM);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 16, ANY, 0), 0);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, ANY), 174UL);
	KUNIT_EXPECT_EQ(test, T(f), 176UL);
	KUNIT_EXPECT_EQ(test, O(f), 174UL);
	lt_check(test);
}

/* Case 13. */
static void numaclaim_ledger_test_alloc_protects_node_claim(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 0, 100 }), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, C, 1, 0, EXACT), -ENOMEM);
	KUNIT_EXPECT_EQ(test, f->acct[C].tot, 0UL);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, C, 1, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, f->nr_parts, 1U);
	KUNIT_EXPECT_EQ(test, f->parts[0].node, 1);
	KUNIT_EXPECT_EQ(test, f->acct[C].held[1], 1UL);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 1, 0, EXACT), 0);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, 0), 99UL);
	lt_check(test);
}

/* Case 14: 200 pages free, every one claimed. */
static void numaclaim_ledger_test_alloc_all_claimed(struct kunit *test)
{
	struct lt *f = lt_get(test);
	struct lt_snap *s;

	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 0, 100 }), 0);
	KUNIT_EXPECT_EQ(test, STAKE(f, B, { 1, 100 }), 0);
	s = lt_snap(test);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, C, 1, ANY, 0), -ENOMEM);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, C, 1, 0, 0), -ENOMEM);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, C, 1, 1, 0), -ENOMEM);
	lt_expect_unchanged(test, s);
	lt_check(test);
}

/* Case 15: a host-level claim gets no credit where another holds the node. */
static void numaclaim_ledger_test_alloc_host_claim_no_node_credit(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, STAKE(f, B, { 0, 100 }), 0);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 50 }), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 1, 0, EXACT), -ENOMEM);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 10, 1, 0), 0);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, ANY), 40UL);
	KUNIT_EXPECT_EQ(test, lt_claim(f, B, 0), 100UL);
	lt_check(test);
}

/* Case 16: exact-node requests keep the host check. */
static void numaclaim_ledger_test_alloc_exact_keeps_host_check(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 100 }), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, B, 100, 0, EXACT), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, C, 1, 1, EXACT), -ENOMEM);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 100, ANY, 0), 0);
	KUNIT_EXPECT_EQ(test, O(f), 0UL);
	KUNIT_EXPECT_EQ(test, T(f), 0UL);
	lt_check(test);
}

/* Case 17: UNCLAIMED neither uses nor spends the account's claim. */
static void numaclaim_ledger_test_alloc_unclaimed(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 200 }), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 1, ANY, UNCLAIMED), -ENOMEM);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 1, ANY, 0), 0);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, ANY), 199UL);

	numaclaim_account_reset(&f->acct[A]);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 100 }, { 0, 50 }), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 49, 0, UNCLAIMED), 0);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, ANY), 100UL);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, 0), 50UL);
	/* n0 now has 50 free, all claimed: UNCLAIMED may not use them. */
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 1, 0, UNCLAIMED | EXACT), -ENOMEM);
	KUNIT_EXPECT_EQ(test, O(f), 150UL);
	lt_check(test);
}

/* UNCLAIMED pays its limit on top of every claim of the account. */
static void numaclaim_ledger_test_alloc_unclaimed_limit(struct kunit *test)
{
	struct lt *f = lt_get(test);
	struct lt_snap *s;

	KUNIT_EXPECT_EQ(test, lt_set_max(f, A, 100), 0);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 60 }), 0);
	s = lt_snap(test);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 41, ANY, UNCLAIMED), -EDQUOT);
	lt_expect_unchanged(test, s);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 40, ANY, UNCLAIMED), 0);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, ANY), 60UL);
	KUNIT_EXPECT_EQ(test, f->acct[A].tot, 40UL);
	lt_check(test);
}

/* ---- Consumption ------------------------------------------------------ */

/* Case 18. */
static void numaclaim_ledger_test_consume_node_claim(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 0, 100 }), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 64, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, 0), 36UL);
	KUNIT_EXPECT_EQ(test, lt_claimed(f, 0), 36UL);
	KUNIT_EXPECT_EQ(test, O(f), 36UL);
	KUNIT_EXPECT_EQ(test, T(f), 136UL);
	lt_check(test);
}

/* Case 19: a claim smaller than the allocation is used up, no more. */
static void numaclaim_ledger_test_consume_clamp(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, STAKE(f, B, { ANY, 20 }), 0);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 5 }), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 8, ANY, 0), 0);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, ANY), 0UL);
	KUNIT_EXPECT_EQ(test, O(f), 20UL);
	KUNIT_EXPECT_EQ(test, lt_claim(f, B, ANY), 20UL);
	lt_check(test);
}

/* Case 20: unclaimed pages top up a claim that is too small. */
static void numaclaim_ledger_test_consume_top_up(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, STAKE(f, B, { ANY, 180 }), 0);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 8 }), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 16, ANY, 0), 0);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, ANY), 0UL);
	KUNIT_EXPECT_EQ(test, O(f), 180UL);
	KUNIT_EXPECT_EQ(test, T(f), 184UL);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 32, ANY, 0), -ENOMEM);
	KUNIT_EXPECT_EQ(test, f->acct[A].tot, 16UL);
	lt_check(test);
}

static void lt_expect_claims3(struct kunit *test, unsigned long any,
			      unsigned long n0, unsigned long n1)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, lt_claim(f, A, ANY), any);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, 0), n0);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, 1), n1);
	KUNIT_EXPECT_EQ(test, O(f), any + n0 + n1);
	KUNIT_EXPECT_LE(test, O(f), T(f));
	lt_check(test);
}

/*
 * Case 21: the node's claim first, then the host-level claim.
 *   n0: 2 free, n1: 4 free, A {any:2, n0:2, n1:2}: T=6, all claimed
 */
static void numaclaim_ledger_test_consume_order(struct kunit *test)
{
	static const unsigned long avail[] = { 2, 4 };
	struct lt *f = lt_get(test);
	struct lt_snap *s;

	lt_setup(test, 2, avail);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 2 }, { 0, 2 }, { 1, 2 }), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 1, 0, 0), 0);
	lt_expect_claims3(test, 2, 1, 2);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 1, 1, 0), 0);
	lt_expect_claims3(test, 2, 1, 1);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 2, 1, 0), 0);
	lt_expect_claims3(test, 1, 1, 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 1, 1, 0), 0);
	lt_expect_claims3(test, 0, 1, 0);
	KUNIT_EXPECT_EQ(test, lt_avail(f, 1), 0UL);

	s = lt_snap(test);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 1, 1, EXACT), -ENOMEM);
	lt_expect_unchanged(test, s);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 1, 1, 0), 0);
	KUNIT_EXPECT_EQ(test, f->parts[0].node, 0);
	lt_expect_claims3(test, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, T(f), 0UL);
}

/* Case 22: a claim is kept when the allocation lands on another node. */
static void numaclaim_ledger_test_consume_keeps_off_node(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 0, 50 }), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 10, 1, EXACT), 0);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, 0), 50UL);
	KUNIT_EXPECT_EQ(test, lt_claimed(f, 0), 50UL);
	KUNIT_EXPECT_EQ(test, T(f), 190UL);
	KUNIT_EXPECT_EQ(test, O(f), 50UL);
	lt_check(test);
}

/*
 * Case 23: outstanding claims never exceed the free pages.
 *   B any=150, A n0=50: O = T = 200
 *   A takes 10 on n1 (no claim there): T=190, so A's n0 claim gives 10
 */
static void numaclaim_ledger_test_consume_deficit(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, STAKE(f, B, { ANY, 150 }), 0);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 0, 50 }), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 10, 1, EXACT), 0);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, 0), 40UL);
	KUNIT_EXPECT_EQ(test, O(f), 190UL);
	KUNIT_EXPECT_EQ(test, T(f), 190UL);
	KUNIT_EXPECT_EQ(test, lt_claim(f, B, ANY), 150UL);
	lt_check(test);
}

/* The deficit comes from the other nodes in ascending id. */
static void numaclaim_ledger_test_consume_deficit_order(struct kunit *test)
{
	struct lt *f = lt_get(test);

	lt_setup_even(test, 4, 50);
	KUNIT_EXPECT_EQ(test, STAKE(f, B, { ANY, 150 }), 0);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 1, 20 }, { 3, 30 }), 0);
	KUNIT_EXPECT_EQ(test, O(f), T(f));
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 25, 2, EXACT), 0);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, 1), 0UL);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, 3), 25UL);
	KUNIT_EXPECT_EQ(test, O(f), 175UL);
	KUNIT_EXPECT_EQ(test, T(f), 175UL);
	lt_check(test);
}

/*
 * Case 24: the seed's max_pages bug. A limit 100, holds 80 on n1, claims
 * n0=10; 16 more on n1 make tot 96, so 6 of the claim must go. The buggy
 * formula, with min(alloc, claim), keeps all 10.
 */
static void numaclaim_ledger_test_consume_limit_whole_alloc(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, lt_set_max(f, A, 100), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 80, 1, EXACT), 0);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 0, 10 }), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 16, 1, 0), 0);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, 0), 4UL);
	KUNIT_EXPECT_EQ(test, f->acct[A].tot + f->acct[A].claims, 100UL);
	lt_check(test);
}

struct lt_excess_case {
	unsigned long max, claim_left;
};

static const struct lt_excess_case lt_excess_cases[] = {
	{ .max = 100, .claim_left = 36 },
	{ .max = 164, .claim_left = 100 },
	{ .max = 1000, .claim_left = 100 },
	{ .max = ULONG_MAX, .claim_left = 100 },
};

static void lt_excess_desc(const struct lt_excess_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "max %lu", c->max);
}

KUNIT_ARRAY_PARAM(lt_excess, lt_excess_cases, lt_excess_desc);

/* Case 25: only the excess over the limit is released, nothing more. */
static void numaclaim_ledger_test_consume_limit_excess(struct kunit *test)
{
	const struct lt_excess_case *c = test->param_value;
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, lt_set_max(f, A, c->max), 0);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 0, 100 }), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 64, 1, 0), 0);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, 0), c->claim_left);
	lt_check(test);
}

/* The excess over the limit comes from the host-level claim first. */
static void numaclaim_ledger_test_consume_limit_host_first(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, lt_set_max(f, A, 60), 0);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 0, 30 }, { ANY, 20 }), 0);
	/* 20 on n1: the host-level claim pays them (step 2), none left. */
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 20, 1, EXACT), 0);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, ANY), 0UL);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, 0), 30UL);
	numaclaim_account_reset(&f->acct[A]);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 0, 20 }, { ANY, 20 }), 0);
	/* tot 20 + claims 40 = 60: UNCLAIMED has no room at all. */
	KUNIT_EXPECT_EQ(test, lt_set_max(f, A, 60), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 25, 1, UNCLAIMED), -EDQUOT);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 30, 1, EXACT), 0);
	/* 20 from any (step 2), then 10 of excess from n0 (step 4). */
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, ANY), 0UL);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, 0), 10UL);
	KUNIT_EXPECT_EQ(test, f->acct[A].tot + f->acct[A].claims, 60UL);
	lt_check(test);
}

/* Case 26: a refused request costs nothing. */
static void numaclaim_ledger_test_alloc_refused_costs_nothing(struct kunit *test)
{
	struct lt *f = lt_get(test);
	struct lt_snap *s;

	KUNIT_EXPECT_EQ(test, lt_set_max(f, A, 10), 0);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 10 }), 0);
	s = lt_snap(test);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 16, ANY, 0), -EDQUOT);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, ANY), 10UL);
	KUNIT_EXPECT_EQ(test, f->acct[A].tot, 0UL);
	KUNIT_EXPECT_EQ(test, f->nr_parts, 0U);
	lt_expect_unchanged(test, s);
	lt_check(test);
}

/* EDQUOT is decided before memory, whatever memory there is. */
static void numaclaim_ledger_test_alloc_limit_before_memory(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, STAKE(f, B, { ANY, 200 }), 0);
	KUNIT_EXPECT_EQ(test, lt_set_max(f, A, 10), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 11, ANY, 0), -EDQUOT);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 10, ANY, 0), -ENOMEM);
	lt_check(test);
}

/* Jan's question: the node the pages came from decides, not the request. */
static void numaclaim_ledger_test_consume_actual_node(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, STAKE(f, B, { 0, 100 }), 0);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 1, 10 }), 0);
	/* n0 is all B's: the request for n0 falls back to n1. */
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 5, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, f->parts[0].node, 1);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, 1), 5UL);
	KUNIT_EXPECT_EQ(test, lt_claim(f, B, 0), 100UL);
	lt_check(test);
}

struct lt_invalid_alloc {
	const char *name;
	unsigned long pages;
	int node;
	unsigned int flags;
};

static const struct lt_invalid_alloc lt_invalid_alloc_cases[] = {
	{ "zero pages", 0, ANY, 0 },
	{ "unknown flag", 1, ANY, BIT(2) },
	{ "high flag", 1, 0, BIT(31) },
	{ "node past the last", 1, 2, 0 },
	{ "node 4096", 1, 4096, 0 },
	{ "negative node", 1, -2, 0 },
	{ "exact with any node", 1, ANY, EXACT },
};

static void lt_invalid_alloc_desc(const struct lt_invalid_alloc *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(lt_invalid_alloc, lt_invalid_alloc_cases,
		  lt_invalid_alloc_desc);

/* Bad arguments come first, before the limit. */
static void numaclaim_ledger_test_alloc_invalid(struct kunit *test)
{
	const struct lt_invalid_alloc *c = test->param_value;
	struct lt *f = lt_get(test);
	struct lt_snap *s;

	KUNIT_EXPECT_EQ(test, lt_set_max(f, A, 0), 0);
	s = lt_snap(test);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, c->pages, c->node, c->flags),
			-EINVAL);
	lt_expect_unchanged(test, s);
	lt_check(test);
}

/* A named node that is short: the others, nearest first (@order). */
static void numaclaim_ledger_test_alloc_fallback_nearest(struct kunit *test)
{
	static const int from2[] = { 2, 3, 1, 0 };
	struct lt *f = lt_get(test);

	lt_setup_even(test, 4, 10);
	KUNIT_EXPECT_EQ(test, lt_alloc_order(f, A, 25, 2, 0, from2), 0);
	KUNIT_ASSERT_EQ(test, f->nr_parts, 3U);
	KUNIT_EXPECT_EQ(test, f->parts[0].node, 2);
	KUNIT_EXPECT_EQ(test, f->parts[0].pages, 10UL);
	KUNIT_EXPECT_EQ(test, f->parts[1].node, 3);
	KUNIT_EXPECT_EQ(test, f->parts[1].pages, 10UL);
	KUNIT_EXPECT_EQ(test, f->parts[2].node, 1);
	KUNIT_EXPECT_EQ(test, f->parts[2].pages, 5UL);
	KUNIT_EXPECT_EQ(test, lt_avail(f, 0), 10UL);
	KUNIT_EXPECT_EQ(test, f->acct[A].held[1], 5UL);
	lt_check(test);
}

/* Any node: first the nodes A holds claims on, then the CPU's, nearest. */
static void numaclaim_ledger_test_alloc_any_claimed_first(struct kunit *test)
{
	static const int from1[] = { 1, 0, 2, 3 };
	struct lt *f = lt_get(test);

	lt_setup_even(test, 4, 10);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 3, 5 }, { 2, 5 }), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc_order(f, A, 25, ANY, 0, from1), 0);
	KUNIT_ASSERT_EQ(test, f->nr_parts, 3U);
	KUNIT_EXPECT_EQ(test, f->parts[0].node, 2);
	KUNIT_EXPECT_EQ(test, f->parts[0].pages, 10UL);
	KUNIT_EXPECT_EQ(test, f->parts[1].node, 3);
	KUNIT_EXPECT_EQ(test, f->parts[1].pages, 10UL);
	KUNIT_EXPECT_EQ(test, f->parts[2].node, 1);
	KUNIT_EXPECT_EQ(test, f->parts[2].pages, 5UL);
	KUNIT_EXPECT_EQ(test, f->acct[A].claims, 0UL);

	/* UNCLAIMED follows the CPU's order alone. */
	KUNIT_EXPECT_EQ(test, lt_alloc_order(f, B, 3, ANY, UNCLAIMED, from1), 0);
	KUNIT_EXPECT_EQ(test, f->parts[0].node, 1);
	lt_check(test);
}

/* A request no set of nodes can serve changes nothing. */
static void numaclaim_ledger_test_alloc_split_all_or_nothing(struct kunit *test)
{
	struct lt *f = lt_get(test);
	struct lt_snap *s;

	KUNIT_EXPECT_EQ(test, STAKE(f, B, { 1, 95 }), 0);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 0, 10 }), 0);
	s = lt_snap(test);
	/* n0 gives 100, n1 only 5: 106 cannot be served. */
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 106, 0, 0), -ENOMEM);
	KUNIT_EXPECT_EQ(test, f->nr_parts, 0U);
	lt_expect_unchanged(test, s);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 105, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, f->nr_parts, 2U);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, 0), 0UL);
	KUNIT_EXPECT_EQ(test, lt_avail(f, 1), 95UL);
	lt_check(test);
}

/* A check answers what a charge would, and changes nothing. */
static void numaclaim_ledger_test_alloc_check_only(struct kunit *test)
{
	struct numaclaim_charge req = { .node = ANY };
	struct lt *f = lt_get(test);
	struct lt_snap *s;

	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 1, 30 }), 0);
	KUNIT_EXPECT_EQ(test, lt_set_max(f, B, 50), 0);
	s = lt_snap(test);
	req.parts = f->parts;
	req.pages = 120;
	KUNIT_EXPECT_EQ(test, numaclaim_account_check(&f->acct[A], &req), 0);
	KUNIT_EXPECT_EQ(test, req.nr_parts, 2U);
	KUNIT_EXPECT_EQ(test, f->parts[0].node, 1);
	KUNIT_EXPECT_EQ(test, f->parts[0].pages, 100UL);
	req.pages = 171;
	KUNIT_EXPECT_EQ(test, numaclaim_account_check(&f->acct[B], &req), -EDQUOT);
	req.pages = 50;
	KUNIT_EXPECT_EQ(test, numaclaim_account_check(&f->acct[B], &req), 0);
	req.pages = 201;
	KUNIT_EXPECT_EQ(test, numaclaim_account_check(&f->acct[A], &req), -ENOMEM);
	KUNIT_EXPECT_EQ(test, req.nr_parts, 0U);
	req.pages = 0;
	KUNIT_EXPECT_EQ(test, numaclaim_account_check(&f->acct[A], &req), -EINVAL);
	lt_expect_unchanged(test, s);
	lt_check(test);
}

/* A view reads the host's, a node's and one account's counts at once. */
static void numaclaim_ledger_test_view(struct kunit *test)
{
	struct numaclaim_node_view nodes[3], nv;
	struct lt *f = lt_get(test);
	struct numaclaim_view v;

	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 0, 30 }, { ANY, 10 }), 0);
	KUNIT_EXPECT_EQ(test, STAKE(f, B, { 1, 5 }), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 20, 1, EXACT), 0);
	KUNIT_EXPECT_EQ(test, lt_set_max(f, A, 500), 0);
	memset(nodes, 0xcc, sizeof(nodes));
	numaclaim_ledger_view(&f->ledger, &f->acct[A], &v, nodes, 3);
	KUNIT_EXPECT_EQ(test, v.pool, 200UL);
	KUNIT_EXPECT_EQ(test, v.avail, 180UL);
	KUNIT_EXPECT_EQ(test, v.allocated, 20UL);
	KUNIT_EXPECT_EQ(test, v.outstanding, 35UL);
	KUNIT_EXPECT_EQ(test, v.tot, 20UL);
	KUNIT_EXPECT_EQ(test, v.max, 500UL);
	KUNIT_EXPECT_EQ(test, v.claims, 30UL);
	KUNIT_EXPECT_EQ(test, v.claim_any, 0UL);
	KUNIT_EXPECT_EQ(test, nodes[0].pool, 100UL);
	KUNIT_EXPECT_EQ(test, nodes[0].claimed, 30UL);
	KUNIT_EXPECT_EQ(test, nodes[0].claim, 30UL);
	KUNIT_EXPECT_EQ(test, nodes[1].pool, 100UL);
	KUNIT_EXPECT_EQ(test, nodes[1].avail, 80UL);
	KUNIT_EXPECT_EQ(test, nodes[1].claimed, 5UL);
	KUNIT_EXPECT_EQ(test, nodes[1].claim, 0UL);
	KUNIT_EXPECT_EQ(test, nodes[1].held, 20UL);
	/* Entries past the ledger's nodes are not written. */
	KUNIT_EXPECT_EQ(test, nodes[2].pool, 0xccccccccccccccccUL);

	numaclaim_ledger_node_view(&f->ledger, &f->acct[B], 1, &nv);
	KUNIT_EXPECT_EQ(test, nv.claim, 5UL);
	KUNIT_EXPECT_EQ(test, nv.allocated, 20UL);
	numaclaim_ledger_node_view(&f->ledger, NULL, 2, &nv);
	KUNIT_EXPECT_EQ(test, nv.pool, 0UL);
	lt_check(test);
}

/* ---- Release, limits, end --------------------------------------------- */

/* Case 27: release does not give the claim back. */
static void numaclaim_ledger_test_release_no_refill(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 20 }), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 10, 0, EXACT), 0);
	numaclaim_account_uncharge(&f->acct[A], 0, 10, 0);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, ANY), 10UL);
	KUNIT_EXPECT_EQ(test, T(f), 200UL);
	KUNIT_EXPECT_EQ(test, f->acct[A].tot, 0UL);
	KUNIT_EXPECT_EQ(test, f->ledger.node[0].allocated, 0UL);
	lt_check(test);
}

/* Pages still referenced elsewhere leave the pool instead of coming back. */
static void numaclaim_ledger_test_release_gone_pages(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, STAKE(f, B, { 0, 90 }), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 10, 0, EXACT), 0);
	KUNIT_EXPECT_EQ(test, lt_claimed(f, 0), lt_avail(f, 0));
	numaclaim_account_uncharge(&f->acct[A], 0, 6, 6);
	numaclaim_account_uncharge(&f->acct[A], 0, 4, 1);
	KUNIT_EXPECT_EQ(test, lt_avail(f, 0), 93UL);
	KUNIT_EXPECT_EQ(test, T(f), 193UL);
	KUNIT_EXPECT_EQ(test, f->acct[A].tot, 0UL);
	KUNIT_EXPECT_EQ(test, lt_claim(f, B, 0), 90UL);
	lt_check(test);
}

/* Case 28. */
static void numaclaim_ledger_test_limit_below_held(struct kunit *test)
{
	struct lt *f = lt_get(test);
	struct lt_snap *s;

	KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 20 }), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 10, ANY, 0), 0);
	s = lt_snap(test);
	KUNIT_EXPECT_EQ(test, lt_set_max(f, A, 19), -EBUSY);
	KUNIT_EXPECT_EQ(test, lt_set_max(f, A, 9), -EBUSY);
	KUNIT_EXPECT_EQ(test, lt_set_max(f, A, 0), -EBUSY);
	lt_expect_unchanged(test, s);
	KUNIT_EXPECT_EQ(test, lt_set_max(f, A, 20), 0);
	KUNIT_EXPECT_EQ(test, f->acct[A].max, 20UL);
	lt_check(test);
}

/* ULONG_MAX lifts the limit again. */
static void numaclaim_ledger_test_limit_unlimited(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, lt_set_max(f, A, 5), 0);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 6 }), -EINVAL);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 6, ANY, 0), -EDQUOT);
	KUNIT_EXPECT_EQ(test, lt_set_max(f, A, ULONG_MAX), 0);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 200 }), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 200, ANY, 0), 0);
	lt_check(test);
}

/*
 * A sealed limit may be lowered, never raised or lifted: EPERM, nothing
 * moves; an unsealed one may be raised by whoever holds the account.
 */
static void numaclaim_ledger_test_limit_sealed(struct kunit *test)
{
	struct lt *f = lt_get(test);
	struct lt_snap *s;

	KUNIT_EXPECT_EQ(test, lt_set_max(f, A, 50),
			0);
	KUNIT_EXPECT_EQ(test, lt_set_max(f, A, 60),
			0);
	KUNIT_EXPECT_FALSE(test, f->acct[A].sealed);
	KUNIT_EXPECT_EQ(test, numaclaim_account_set_max(&f->acct[A], 40, true),
			0);
	KUNIT_EXPECT_TRUE(test, f->acct[A].sealed);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 10, ANY, 0), 0);
	s = lt_snap(test);
	KUNIT_EXPECT_EQ(test, lt_set_max(f, A, 41),
			-EPERM);
	KUNIT_EXPECT_EQ(test, numaclaim_account_set_max(&f->acct[A], ULONG_MAX,
							true), -EPERM);
	/* Lowering below what is held is still EBUSY, not EPERM. */
	KUNIT_EXPECT_EQ(test, lt_set_max(f, A, 9),
			-EBUSY);
	lt_expect_unchanged(test, s);
	KUNIT_EXPECT_EQ(test, lt_set_max(f, A, 40),
			0);
	KUNIT_EXPECT_EQ(test, lt_set_max(f, A, 30),
			0);
	KUNIT_EXPECT_TRUE(test, f->acct[A].sealed);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 21, ANY, 0), -EDQUOT);
	/* Another account is not affected. */
	KUNIT_EXPECT_EQ(test, lt_set_max(f, B, 5),
			0);
	KUNIT_EXPECT_EQ(test, numaclaim_account_set_max(&f->acct[B], ULONG_MAX,
							false), 0);
	lt_check(test);
}

/* Charge with an undo record, as an allocation does. */
static int lt_alloc_undo(struct lt *f, int who, unsigned long pages, int node,
			 unsigned int flags, struct numaclaim_undo *undo)
{
	struct numaclaim_charge req = {
		.pages = pages,
		.node = node,
		.flags = flags,
		.parts = f->parts,
		.undo = undo,
	};
	int ret;

	ret = numaclaim_account_charge(&f->acct[who], &req);
	f->nr_parts = req.nr_parts;
	return ret;
}

static void lt_uncharge_parts(struct lt *f, int who)
{
	unsigned int i;

	for (i = 0; i < f->nr_parts; i++)
		numaclaim_account_uncharge(&f->acct[who], f->parts[i].node,
					   f->parts[i].pages, 0);
}

/*
 * A charge undone puts every count back as it was, the claims given up by
 * each of DESIGN.md's consumption steps included:
 *  - node claim and host-level claim (steps 1 and 2);
 *  - the deficit taken from the account's claims on other nodes (step 3),
 *    with B's host-level claim of 150 making T = O.
 */
static void numaclaim_ledger_test_unwind(struct kunit *test)
{
	struct lt *f = lt_get(test);
	unsigned long claims[LT_MAX_NODES + 1];
	struct numaclaim_undo undo = { .claims = claims };
	struct lt_snap *s;

	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 0, 10 }, { ANY, 30 }), 0);
	s = lt_snap(test);
	KUNIT_ASSERT_EQ(test, lt_alloc_undo(f, A, 25, 0, 0, &undo), 0);
	KUNIT_EXPECT_EQ(test, f->acct[A].claims, 15UL);
	KUNIT_EXPECT_EQ(test, claims[0], 10UL);
	KUNIT_EXPECT_EQ(test, claims[1], 0UL);
	KUNIT_EXPECT_EQ(test, claims[2], 15UL);
	lt_uncharge_parts(f, A);
	numaclaim_account_unwind(&f->acct[A], &undo);
	lt_expect_unchanged(test, s);
	numaclaim_account_reset(&f->acct[A]);

	KUNIT_EXPECT_EQ(test, STAKE(f, B, { ANY, 150 }), 0);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 0, 50 }), 0);
	s = lt_snap(test);
	KUNIT_ASSERT_EQ(test, lt_alloc_undo(f, A, 10, 1, EXACT, &undo), 0);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, 0), 40UL);
	KUNIT_EXPECT_EQ(test, claims[0], 10UL);
	lt_uncharge_parts(f, A);
	numaclaim_account_unwind(&f->acct[A], &undo);
	lt_expect_unchanged(test, s);
	lt_check(test);
}

/*
 * Undone only as far as the invariants allow: when another account took
 * the room in between, or the account set its claims again, what is gone
 * stays gone.
 */
static void numaclaim_ledger_test_unwind_partial(struct kunit *test)
{
	struct lt *f = lt_get(test);
	unsigned long claims[LT_MAX_NODES + 1];
	struct numaclaim_undo undo = { .claims = claims };

	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 0, 100 }), 0);
	KUNIT_ASSERT_EQ(test, lt_alloc_undo(f, A, 60, 0, EXACT, &undo), 0);
	/* Node 0 has 40 free, unclaimed 0; A's claim there is 40. */
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, 0), 40UL);
	lt_uncharge_parts(f, A);
	/* 60 free again and unclaimed: B claims 50 of them. */
	KUNIT_EXPECT_EQ(test, STAKE(f, B, { 0, 50 }), 0);
	numaclaim_account_unwind(&f->acct[A], &undo);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, 0), 50UL);
	KUNIT_EXPECT_EQ(test, lt_claimed(f, 0), 100UL);
	lt_check(test);

	numaclaim_account_reset(&f->acct[A]);
	numaclaim_account_reset(&f->acct[B]);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 20 }), 0);
	KUNIT_ASSERT_EQ(test, lt_alloc_undo(f, A, 20, ANY, 0, &undo), 0);
	lt_uncharge_parts(f, A);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 1, 5 }), 0);
	numaclaim_account_unwind(&f->acct[A], &undo);
	KUNIT_EXPECT_EQ(test, lt_claim(f, A, ANY), 0UL);
	KUNIT_EXPECT_EQ(test, f->acct[A].claims, 5UL);
	lt_check(test);
}

/* Case 29: the end of an account releases its claims. */
static void numaclaim_ledger_test_end_of_account(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 0, 60 }), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 20, 0, 0), 0);
	numaclaim_account_uncharge(&f->acct[A], 0, 20, 0);
	numaclaim_account_destroy(&f->acct[A]);
	f->live[A] = false;
	KUNIT_EXPECT_EQ(test, O(f), 0UL);
	KUNIT_EXPECT_EQ(test, lt_claimed(f, 0), 0UL);
	KUNIT_EXPECT_EQ(test, T(f), 200UL);
	lt_check(test);
}

/* ---- Pools ------------------------------------------------------------ */

/* Case 30: a pool never shrinks below what claims need. */
static void numaclaim_ledger_test_pool_shrink_host_claim(struct kunit *test)
{
	static const unsigned long four[] = { 4 };
	struct lt *f = lt_get(test);

	lt_setup(test, 1, four);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 3 }), 0);
	KUNIT_EXPECT_EQ(test, numaclaim_ledger_remove_pages(&f->ledger, 0, 1), 1UL);
	KUNIT_EXPECT_EQ(test, lt_avail(f, 0), 3UL);
	KUNIT_EXPECT_EQ(test, O(f), 3UL);
	lt_check(test);
	KUNIT_EXPECT_EQ(test, numaclaim_ledger_remove_pages(&f->ledger, 0, 1), 0UL);
	KUNIT_EXPECT_EQ(test, lt_avail(f, 0), 3UL);
	lt_check(test);
}

/* Node claims hold their node; host-level claims hold the host. */
static void numaclaim_ledger_test_pool_shrink_node_claim(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 0, 100 }), 0);
	KUNIT_EXPECT_EQ(test, numaclaim_ledger_remove_pages(&f->ledger, 0, 10), 0UL);
	KUNIT_EXPECT_EQ(test, STAKE(f, B, { ANY, 60 }), 0);
	/* n1 has 100 unclaimed on the node, but the host only 40. */
	KUNIT_EXPECT_EQ(test, numaclaim_ledger_remove_pages(&f->ledger, 1, 100), 40UL);
	KUNIT_EXPECT_EQ(test, O(f), T(f));
	KUNIT_EXPECT_EQ(test, numaclaim_ledger_remove_pages(&f->ledger, 1, 1), 0UL);
	KUNIT_EXPECT_EQ(test, numaclaim_ledger_remove_pages(&f->ledger, 7, 1), 0UL);
	lt_check(test);
}

/* Allocated pages are not free pages: a pool gives back only free ones. */
static void numaclaim_ledger_test_pool_shrink_allocated(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 70, 0, EXACT), 0);
	KUNIT_EXPECT_EQ(test, numaclaim_ledger_remove_pages(&f->ledger, 0, 100), 30UL);
	KUNIT_EXPECT_EQ(test, lt_avail(f, 0), 0UL);
	KUNIT_EXPECT_EQ(test, f->ledger.node[0].allocated, 70UL);
	lt_check(test);
}

/* Case 31: a grown pool serves claims that were refused. */
static void numaclaim_ledger_test_pool_grow(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 250 }), -ENOMEM);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { 1, 150 }), -ENOMEM);
	KUNIT_EXPECT_EQ(test, numaclaim_ledger_add_pages(&f->ledger, 1, 100), 0);
	KUNIT_EXPECT_EQ(test, T(f), 300UL);
	KUNIT_EXPECT_EQ(test, lt_avail(f, 1), 200UL);
	KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 100 }, { 1, 150 }), 0);
	lt_check(test);
}

static void numaclaim_ledger_test_pool_add_invalid(struct kunit *test)
{
	struct lt *f = lt_get(test);
	struct lt_snap *s = lt_snap(test);

	KUNIT_EXPECT_EQ(test, numaclaim_ledger_add_pages(&f->ledger, 2, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, numaclaim_ledger_add_pages(&f->ledger, ANY, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, numaclaim_ledger_add_pages(&f->ledger, 0, ULONG_MAX),
			-EOVERFLOW);
	KUNIT_EXPECT_EQ(test, numaclaim_ledger_add_pages(&f->ledger, 1,
							 ULONG_MAX - 150),
			-EOVERFLOW);
	lt_expect_unchanged(test, s);
	lt_check(test);
}

/* ---- Boundaries ------------------------------------------------------- */

/* Case 32. */
static void numaclaim_ledger_test_boundary_last_unclaimed(struct kunit *test)
{
	struct lt *f = lt_get(test);

	KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 184 }), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, B, 16, ANY, 0), 0);
	KUNIT_EXPECT_EQ(test, lt_alloc(f, C, 1, ANY, 0), -ENOMEM);
	KUNIT_EXPECT_EQ(test, T(f), O(f));
	lt_check(test);
}

enum lt_op { LT_STAKE_ANY, LT_STAKE_N0, LT_ALLOC, LT_ALLOC_UNCLAIMED };

struct lt_huge_case {
	const char *name;
	enum lt_op op;
	unsigned long pages, max;
	int err;
};

/* Case 33: counts near ULONG_MAX never wrap into a small one. */
static const struct lt_huge_case lt_huge_cases[] = {
	{ "claim 2^32", LT_STAKE_ANY, 1UL << 32, ULONG_MAX, -ENOMEM },
	{ "claim 2^63", LT_STAKE_ANY, 1UL << 63, ULONG_MAX, -ENOMEM },
	{ "claim at no limit", LT_STAKE_ANY, ULONG_MAX - 10, ULONG_MAX, -ENOMEM },
	{ "node claim at no limit", LT_STAKE_N0, ULONG_MAX - 10, ULONG_MAX,
	  -ENOMEM },
	{ "claim ULONG_MAX", LT_STAKE_ANY, ULONG_MAX, ULONG_MAX, -EINVAL },
	{ "node claim ULONG_MAX", LT_STAKE_N0, ULONG_MAX, ULONG_MAX, -EINVAL },
	{ "claim past a limit", LT_STAKE_ANY, ULONG_MAX, ULONG_MAX - 1, -EINVAL },
	{ "alloc 2^32", LT_ALLOC, 1UL << 32, ULONG_MAX, -ENOMEM },
	{ "alloc 2^63", LT_ALLOC, 1UL << 63, ULONG_MAX, -ENOMEM },
	{ "alloc ULONG_MAX", LT_ALLOC, ULONG_MAX, ULONG_MAX, -EDQUOT },
	{ "alloc at no limit", LT_ALLOC, ULONG_MAX - 10, ULONG_MAX, -ENOMEM },
	{ "alloc held + pages wraps", LT_ALLOC, ULONG_MAX - 5, ULONG_MAX,
	  -EDQUOT },
	{ "alloc at a limit", LT_ALLOC, ULONG_MAX - 11, ULONG_MAX - 1, -ENOMEM },
	{ "alloc past a limit", LT_ALLOC, ULONG_MAX - 10, ULONG_MAX - 1, -EDQUOT },
	{ "unclaimed with claims wraps", LT_ALLOC_UNCLAIMED, ULONG_MAX - 20,
	  ULONG_MAX, -EDQUOT },
	{ "unclaimed at a limit", LT_ALLOC_UNCLAIMED, ULONG_MAX - 30, ULONG_MAX,
	  -ENOMEM },
};

static void lt_huge_desc(const struct lt_huge_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(lt_huge, lt_huge_cases, lt_huge_desc);

/*
 * A holds 10 pages and, for the allocations, claims 20 more: with no limit
 * (ULONG_MAX) a count that would take tot past ULONG_MAX is over the limit.
 */
static void numaclaim_ledger_test_boundary_huge(struct kunit *test)
{
	const struct lt_huge_case *c = test->param_value;
	struct lt *f = lt_get(test);
	struct numaclaim_stake st;
	struct lt_snap *s;
	int ret;

	KUNIT_EXPECT_EQ(test, lt_alloc(f, A, 10, 0, 0), 0);
	if (c->op == LT_ALLOC || c->op == LT_ALLOC_UNCLAIMED)
		KUNIT_EXPECT_EQ(test, STAKE(f, A, { ANY, 20 }), 0);
	KUNIT_EXPECT_EQ(test, lt_set_max(f, A, c->max), 0);
	s = lt_snap(test);
	switch (c->op) {
	case LT_STAKE_ANY:
	case LT_STAKE_N0:
		st.node = c->op == LT_STAKE_ANY ? ANY : 0;
		st.pages = c->pages;
		ret = lt_stake(f, A, &st, 1);
		break;
	case LT_ALLOC:
		ret = lt_alloc(f, A, c->pages, ANY, 0);
		break;
	default:
		ret = lt_alloc(f, A, c->pages, ANY, UNCLAIMED);
		break;
	}
	KUNIT_EXPECT_EQ(test, ret, c->err);
	lt_expect_unchanged(test, s);
	lt_check(test);
}

/* ---- Against a reference model ---------------------------------------- */

#define RM_NODES	4
#define RM_ACCTS	LT_ACCTS
#define RM_OPS		20000

/*
 * A second, plainer statement of DESIGN.md: no aggregate is kept (every sum
 * is recomputed), and a request is charged part by part as DESIGN.md words
 * it, each part checked against the state the previous part left, with the
 * whole model restored when the request fails. The ledger instead plans the
 * parts and then commits them; both must agree on every count.
 */
struct rm {
	unsigned long avail[RM_NODES];
	unsigned long claim[RM_ACCTS][RM_NODES + 1];	/* [RM_NODES]: any */
	unsigned long held[RM_ACCTS][RM_NODES];
	unsigned long max[RM_ACCTS];
};

#define RM_ANY	RM_NODES

static unsigned long rm_node_claimed(const struct rm *m, int n)
{
	unsigned long s = 0;
	int a;

	for (a = 0; a < RM_ACCTS; a++)
		s += m->claim[a][n];
	return s;
}

static unsigned long rm_outstanding(const struct rm *m)
{
	unsigned long s = 0;
	int a, n;

	for (a = 0; a < RM_ACCTS; a++)
		for (n = 0; n <= RM_NODES; n++)
			s += m->claim[a][n];
	return s;
}

static unsigned long rm_total(const struct rm *m)
{
	unsigned long s = 0;
	int n;

	for (n = 0; n < RM_NODES; n++)
		s += m->avail[n];
	return s;
}

static unsigned long rm_claims(const struct rm *m, int a)
{
	unsigned long s = 0;
	int n;

	for (n = 0; n <= RM_NODES; n++)
		s += m->claim[a][n];
	return s;
}

static unsigned long rm_tot(const struct rm *m, int a)
{
	unsigned long s = 0;
	int n;

	for (n = 0; n < RM_NODES; n++)
		s += m->held[a][n];
	return s;
}

static int rm_stake(struct rm *m, int a, const struct numaclaim_stake *s,
		    unsigned int nr)
{
	unsigned long sum = 0;
	unsigned int i, j;

	if (!nr) {
		for (i = 0; i <= RM_NODES; i++)
			m->claim[a][i] = 0;
		return 0;
	}
	if (nr > RM_NODES + 1)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		if (s[i].node != ANY && (s[i].node < 0 || s[i].node >= RM_NODES))
			return -EINVAL;
		if (!s[i].pages || sum + s[i].pages < sum)
			return -EINVAL;
		sum += s[i].pages;
		for (j = 0; j < i; j++)
			if (s[i].node == s[j].node)
				return -EINVAL;
	}
	if (rm_claims(m, a))
		return -EBUSY;
	if (rm_tot(m, a) + sum < sum || rm_tot(m, a) + sum > m->max[a])
		return -EINVAL;
	if (sum > rm_total(m) - rm_outstanding(m))
		return -ENOMEM;
	for (i = 0; i < nr; i++)
		if (s[i].node != ANY &&
		    s[i].pages > m->avail[s[i].node] - rm_node_claimed(m, s[i].node))
			return -ENOMEM;
	for (i = 0; i < nr; i++)
		m->claim[a][s[i].node == ANY ? RM_ANY : s[i].node] = s[i].pages;
	return 0;
}

static unsigned long rm_take(struct rm *m, int a, int n, unsigned long k)
{
	k = min(k, m->claim[a][n]);
	m->claim[a][n] -= k;
	return k;
}

/* One part of k pages on node x, checked against the state as it is now. */
static unsigned long rm_part(struct rm *m, int a, int x, unsigned long k,
			     bool unclaimed)
{
	unsigned long node_room, host_room, d, excess;
	int n;

	node_room = m->avail[x] - rm_node_claimed(m, x);
	host_room = rm_total(m) - rm_outstanding(m);
	if (!unclaimed) {
		node_room += m->claim[a][x];
		host_room += rm_claims(m, a);
	}
	k = min3(k, node_room, host_room);
	if (!k)
		return 0;
	m->avail[x] -= k;
	m->held[a][x] += k;
	if (unclaimed)
		return k;
	d = rm_take(m, a, x, k);
	rm_take(m, a, RM_ANY, k - d);
	if (rm_outstanding(m) > rm_total(m)) {
		d = rm_outstanding(m) - rm_total(m);
		for (n = 0; n < RM_NODES; n++)
			if (n != x)
				d -= rm_take(m, a, n, d);
	}
	if (rm_tot(m, a) + rm_claims(m, a) > m->max[a]) {
		excess = rm_tot(m, a) + rm_claims(m, a) - m->max[a];
		excess -= rm_take(m, a, RM_ANY, excess);
		for (n = 0; n < RM_NODES; n++)
			excess -= rm_take(m, a, n, excess);
	}
	return k;
}

static int rm_alloc(struct rm *m, int a, unsigned long pages, int node,
		    unsigned int flags, const int *order,
		    struct numaclaim_part *parts, unsigned int *nr_parts)
{
	bool unclaimed = flags & UNCLAIMED;
	int seq[RM_NODES], nseq = 0, i, j, n;
	unsigned long k;
	struct rm save;

	*nr_parts = 0;
	if (!pages || (flags & ~(EXACT | UNCLAIMED)))
		return -EINVAL;
	if (node == ANY ? (flags & EXACT) : (node < 0 || node >= RM_NODES))
		return -EINVAL;
	if (pages > m->max[a] - rm_tot(m, a) -
		    (unclaimed ? rm_claims(m, a) : 0))
		return -EDQUOT;

	if (node != ANY)
		seq[nseq++] = node;
	if (node == ANY && !unclaimed)
		for (i = 0; i < RM_NODES; i++)
			if (m->claim[a][order[i]])
				seq[nseq++] = order[i];
	if (!(flags & EXACT)) {
		for (i = 0; i < RM_NODES; i++) {
			for (j = 0; j < nseq; j++)
				if (seq[j] == order[i])
					break;
			if (j == nseq)
				seq[nseq++] = order[i];
		}
	}

	save = *m;
	for (i = 0; i < nseq && pages; i++) {
		n = seq[i];
		k = rm_part(m, a, n, pages, unclaimed);
		if (!k)
			continue;
		parts[*nr_parts].node = n;
		parts[*nr_parts].pages = k;
		(*nr_parts)++;
		pages -= k;
	}
	if (pages) {
		*m = save;
		*nr_parts = 0;
		return -ENOMEM;
	}
	return 0;
}

static unsigned long rm_rand(struct rnd_state *rs, unsigned long below)
{
	return below ? prandom_u32_state(rs) % below : 0;
}

/* Mostly small counts, now and then a boundary one. */
static unsigned long rm_rand_pages(struct rnd_state *rs)
{
	static const unsigned long huge[] = {
		0, 1UL << 32, 1UL << 63, ULONG_MAX, ULONG_MAX - 1,
	};

	if (!rm_rand(rs, 50))
		return huge[rm_rand(rs, ARRAY_SIZE(huge))];
	return rm_rand(rs, 40) + (rm_rand(rs, 8) ? 1 : 0);
}

static int rm_rand_node(struct rnd_state *rs)
{
	int r = rm_rand(rs, RM_NODES + 3);

	if (r == RM_NODES)
		return ANY;
	if (r > RM_NODES)
		return r == RM_NODES + 1 ? RM_NODES : -7;
	return r;
}

static void rm_expect_same(struct kunit *test, const struct rm *m,
			   unsigned int step)
{
	struct lt *f = lt_get(test);
	bool same = true;
	int a, n;

	for (n = 0; n < RM_NODES; n++)
		same &= m->avail[n] == lt_avail(f, n) &&
			rm_node_claimed(m, n) == lt_claimed(f, n);
	for (a = 0; a < RM_ACCTS; a++) {
		same &= m->claim[a][RM_ANY] == lt_claim(f, a, ANY) &&
			m->max[a] == f->acct[a].max &&
			rm_tot(m, a) == f->acct[a].tot;
		for (n = 0; n < RM_NODES; n++)
			same &= m->claim[a][n] == lt_claim(f, a, n) &&
				m->held[a][n] == f->acct[a].held[n];
	}
	same &= rm_outstanding(m) == O(f) && rm_total(m) == T(f);
	KUNIT_EXPECT_TRUE_MSG(test, same, "ledger and model differ at op %u",
			      step);
	KUNIT_EXPECT_TRUE_MSG(test,
			      numaclaim_ledger_consistent(&f->ledger),
			      "invariant broken at op %u", step);
}

/*
 * RM_OPS random operations on four accounts and four nodes; after each one
 * the errno, the parts and every count must match the model, and every
 * invariant must hold. The seed is fixed so that a failure repeats.
 */
static void numaclaim_ledger_test_random_against_model(struct kunit *test)
{
	struct numaclaim_part parts[RM_NODES], mparts[RM_NODES];
	struct numaclaim_stake st[RM_NODES + 2];
	struct lt *f = lt_get(test);
	unsigned int step, nr, mnr, i, ops[8] = { 0 };
	struct rnd_state rs;
	struct rm *m;
	int order[RM_NODES];
	int a, n, ret, mret;

	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	prandom_seed_state(&rs, 0x6e756d61636c61ULL);
	lt_setup_even(test, RM_NODES, 0);
	for (a = 0; a < RM_ACCTS; a++)
		m->max[a] = ULONG_MAX;

	for (step = 0; step < RM_OPS; step++) {
		unsigned int op = rm_rand(&rs, 8);
		unsigned long pages, got, mgot, gone;
		struct numaclaim_charge req;

		a = rm_rand(&rs, RM_ACCTS);
		ops[op]++;
		switch (op) {
		case 0:		/* grow a pool */
			n = rm_rand(&rs, RM_NODES);
			pages = rm_rand(&rs, 64);
			KUNIT_EXPECT_EQ(test, numaclaim_ledger_add_pages(&f->ledger,
									 n, pages), 0);
			m->avail[n] += pages;
			break;
		case 1:		/* shrink a pool */
			n = rm_rand(&rs, RM_NODES);
			pages = rm_rand(&rs, 64);
			got = numaclaim_ledger_remove_pages(&f->ledger, n, pages);
			mgot = min3(pages, m->avail[n] - rm_node_claimed(m, n),
				    rm_total(m) - rm_outstanding(m));
			m->avail[n] -= mgot;
			KUNIT_EXPECT_EQ_MSG(test, got, mgot, "op %u", step);
			break;
		case 2:		/* stake, or reset with no entry */
			nr = rm_rand(&rs, RM_NODES + 3);
			for (i = 0; i < nr; i++) {
				st[i].node = rm_rand_node(&rs);
				st[i].pages = rm_rand_pages(&rs);
			}
			ret = numaclaim_account_stake(&f->acct[a], st, nr);
			mret = rm_stake(m, a, st, nr);
			KUNIT_EXPECT_EQ_MSG(test, ret, mret, "op %u", step);
			break;
		case 3:		/* allocate */
		case 4:
			for (i = 0; i < RM_NODES; i++)
				order[i] = i;
			for (i = RM_NODES - 1; i > 0; i--) {
				n = rm_rand(&rs, i + 1);
				swap(order[i], order[n]);
			}
			req = (struct numaclaim_charge){
				.pages = rm_rand_pages(&rs),
				.node = rm_rand_node(&rs),
				.flags = rm_rand(&rs, 5),
				.order = order,
				.parts = parts,
			};
			if (req.node != ANY && !rm_rand(&rs, 3))
				req.node = order[0];
			ret = numaclaim_account_charge(&f->acct[a], &req);
			mret = rm_alloc(m, a, req.pages, req.node, req.flags,
					order, mparts, &mnr);
			KUNIT_EXPECT_EQ_MSG(test, ret, mret, "op %u", step);
			KUNIT_EXPECT_EQ_MSG(test, req.nr_parts, mnr, "op %u", step);
			if (req.nr_parts == mnr)
				KUNIT_EXPECT_EQ_MSG(test, memcmp(parts, mparts,
								 mnr * sizeof(*parts)),
						    0, "op %u", step);
			break;
		case 5:		/* release part of what is held */
		case 6:
			n = rm_rand(&rs, RM_NODES);
			pages = rm_rand(&rs, m->held[a][n] + 1);
			gone = rm_rand(&rs, 4) ? 0 : rm_rand(&rs, pages + 1);
			numaclaim_account_uncharge(&f->acct[a], n, pages, gone);
			m->held[a][n] -= pages;
			m->avail[n] += pages - gone;
			break;
		default:	/* set the limit */
			pages = rm_tot(m, a) + rm_claims(m, a);
			switch (rm_rand(&rs, 4)) {
			case 0:
				pages = ULONG_MAX;
				break;
			case 1:
				pages = pages ? pages - 1 : 0;
				break;
			default:
				pages += rm_rand(&rs, 100);
				break;
			}
			ret = lt_set_max(f, a, pages);
			mret = pages < rm_tot(m, a) + rm_claims(m, a) ? -EBUSY : 0;
			if (!mret)
				m->max[a] = pages;
			KUNIT_EXPECT_EQ_MSG(test, ret, mret, "op %u", step);
			break;
		}
		rm_expect_same(test, m, step);
		if (test->status == KUNIT_FAILURE)
			break;
	}
	kunit_info(test, "%u ops: %u grow, %u shrink, %u stake, %u alloc, %u release, %u limit\n",
		   step, ops[0], ops[1], ops[2], ops[3] + ops[4],
		   ops[5] + ops[6], ops[7]);
	KUNIT_EXPECT_EQ(test, step, RM_OPS);
}

static struct kunit_case numaclaim_ledger_test_cases[] = {
	KUNIT_CASE(numaclaim_ledger_test_stake_host_level),
	KUNIT_CASE(numaclaim_ledger_test_stake_node),
	KUNIT_CASE(numaclaim_ledger_test_stake_host_boundary),
	KUNIT_CASE(numaclaim_ledger_test_stake_host_too_big),
	KUNIT_CASE(numaclaim_ledger_test_stake_node_boundary),
	KUNIT_CASE(numaclaim_ledger_test_stake_node_host_short),
	KUNIT_CASE(numaclaim_ledger_test_stake_after_used_up),
	KUNIT_CASE(numaclaim_ledger_test_stake_busy_then_reset),
	KUNIT_CASE(numaclaim_ledger_test_stake_reset_node_claim),
	KUNIT_CASE(numaclaim_ledger_test_stake_limit_before_memory),
	KUNIT_CASE(numaclaim_ledger_test_stake_limit_counts_held),
	KUNIT_CASE(numaclaim_ledger_test_stake_multi_node_atomic),
	KUNIT_CASE(numaclaim_ledger_test_stake_multi_node),
	KUNIT_CASE(numaclaim_ledger_test_stake_node_after_other),
	KUNIT_CASE_PARAM(numaclaim_ledger_test_stake_invalid,
			 lt_stake_invalid_gen_params),
	KUNIT_CASE(numaclaim_ledger_test_stake_every_node_64),
	KUNIT_CASE(numaclaim_ledger_test_alloc_protects_host_claim),
	KUNIT_CASE(numaclaim_ledger_test_alloc_protects_node_claim),
	KUNIT_CASE(numaclaim_ledger_test_alloc_all_claimed),
	KUNIT_CASE(numaclaim_ledger_test_alloc_host_claim_no_node_credit),
	KUNIT_CASE(numaclaim_ledger_test_alloc_exact_keeps_host_check),
	KUNIT_CASE(numaclaim_ledger_test_alloc_unclaimed),
	KUNIT_CASE(numaclaim_ledger_test_alloc_unclaimed_limit),
	KUNIT_CASE(numaclaim_ledger_test_consume_node_claim),
	KUNIT_CASE(numaclaim_ledger_test_consume_clamp),
	KUNIT_CASE(numaclaim_ledger_test_consume_top_up),
	KUNIT_CASE(numaclaim_ledger_test_consume_order),
	KUNIT_CASE(numaclaim_ledger_test_consume_keeps_off_node),
	KUNIT_CASE(numaclaim_ledger_test_consume_deficit),
	KUNIT_CASE(numaclaim_ledger_test_consume_deficit_order),
	KUNIT_CASE(numaclaim_ledger_test_consume_limit_whole_alloc),
	KUNIT_CASE_PARAM(numaclaim_ledger_test_consume_limit_excess,
			 lt_excess_gen_params),
	KUNIT_CASE(numaclaim_ledger_test_consume_limit_host_first),
	KUNIT_CASE(numaclaim_ledger_test_alloc_refused_costs_nothing),
	KUNIT_CASE(numaclaim_ledger_test_alloc_limit_before_memory),
	KUNIT_CASE(numaclaim_ledger_test_consume_actual_node),
	KUNIT_CASE_PARAM(numaclaim_ledger_test_alloc_invalid,
			 lt_invalid_alloc_gen_params),
	KUNIT_CASE(numaclaim_ledger_test_alloc_fallback_nearest),
	KUNIT_CASE(numaclaim_ledger_test_alloc_any_claimed_first),
	KUNIT_CASE(numaclaim_ledger_test_alloc_split_all_or_nothing),
	KUNIT_CASE(numaclaim_ledger_test_alloc_check_only),
	KUNIT_CASE(numaclaim_ledger_test_view),
	KUNIT_CASE(numaclaim_ledger_test_release_no_refill),
	KUNIT_CASE(numaclaim_ledger_test_release_gone_pages),
	KUNIT_CASE(numaclaim_ledger_test_limit_below_held),
	KUNIT_CASE(numaclaim_ledger_test_limit_unlimited),
	KUNIT_CASE(numaclaim_ledger_test_limit_sealed),
	KUNIT_CASE(numaclaim_ledger_test_unwind),
	KUNIT_CASE(numaclaim_ledger_test_unwind_partial),
	KUNIT_CASE(numaclaim_ledger_test_end_of_account),
	KUNIT_CASE(numaclaim_ledger_test_pool_shrink_host_claim),
	KUNIT_CASE(numaclaim_ledger_test_pool_shrink_node_claim),
	KUNIT_CASE(numaclaim_ledger_test_pool_shrink_allocated),
	KUNIT_CASE(numaclaim_ledger_test_pool_grow),
	KUNIT_CASE(numaclaim_ledger_test_pool_add_invalid),
	KUNIT_CASE(numaclaim_ledger_test_boundary_last_unclaimed),
	KUNIT_CASE_PARAM(numaclaim_ledger_test_boundary_huge,
			 lt_huge_gen_params),
	KUNIT_CASE(numaclaim_ledger_test_random_against_model),
	{}
};

static struct kunit_suite numaclaim_ledger_test_suite = {
	.name = "numaclaim_ledger",
	.init = lt_init,
	.exit = lt_exit,
	.test_cases = numaclaim_ledger_test_cases,
};

kunit_test_suite(numaclaim_ledger_test_suite);
