// SPDX-License-Identifier: GPL-2.0
/*
 * The ledger alone, timed (`make bench`, kunit/bench.kunitconfig): a host
 * of 64 nodes with 10 000 accounts, each holding a claim on one node and
 * a host-level claim, and what one request costs against it under the
 * ledger's spinlock: the check ALLOC makes first, the charge, and the
 * uncharge of RELEASE; a claim and its reset; and a charge that spills
 * over every node. The figures are printed (ns per operation, the median
 * of rounds); nothing asserts a time, only that every operation did what
 * it should and that the ledger is whole at the end. Built only with
 * CONFIG_NUMACLAIM_KUNIT_BENCH, which the test configurations leave off.
 */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>

#include "../module/ledger.h"

#define LB_NODES	64
#define LB_ACCTS	10000
#define LB_PAGES	BIT(20)		/* free pages on each node */
#define LB_OPS		20000
#define LB_ROUNDS	7

struct lb {
	struct numaclaim_ledger ledger;
	struct numaclaim_account *acct;
	unsigned int nr_acct;
	unsigned long claims[LB_NODES + 1];
	struct numaclaim_part parts[LB_NODES];
	struct numaclaim_undo undo;
	int order[LB_NODES];
};

static int lb_init(struct kunit *test)
{
	struct lb *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	struct numaclaim_stake st[2];
	unsigned int i;

	if (!b)
		return -ENOMEM;
	test->priv = b;
	KUNIT_ASSERT_EQ(test, numaclaim_ledger_init(&b->ledger, LB_NODES), 0);
	for (i = 0; i < LB_NODES; i++) {
		KUNIT_ASSERT_EQ(test, numaclaim_ledger_add_pages(&b->ledger, i,
								 LB_PAGES), 0);
		b->order[i] = i;
	}
	b->acct = vzalloc(array_size(LB_ACCTS, sizeof(*b->acct)));
	KUNIT_ASSERT_NOT_NULL(test, b->acct);
	for (i = 0; i < LB_ACCTS; i++) {
		KUNIT_ASSERT_EQ(test, numaclaim_account_init(&b->acct[i],
							     &b->ledger), 0);
		b->nr_acct++;
		st[0].node = i % LB_NODES;
		st[0].pages = 16;
		st[1].node = NUMACLAIM_LEDGER_ANY;
		st[1].pages = 8;
		KUNIT_ASSERT_EQ(test, numaclaim_account_stake(&b->acct[i], st, 2),
				0);
	}
	b->undo.claims = b->claims;
	return 0;
}

static void lb_exit(struct kunit *test)
{
	struct lb *b = test->priv;
	unsigned int i, n;

	for (i = 0; i < b->nr_acct; i++) {
		for (n = 0; n < LB_NODES; n++)
			if (b->acct[i].held[n])
				numaclaim_account_uncharge(&b->acct[i], n,
							   b->acct[i].held[n], 0);
		numaclaim_account_destroy(&b->acct[i]);
	}
	vfree(b->acct);
	for (n = 0; n < LB_NODES; n++)
		numaclaim_ledger_remove_pages(&b->ledger, n, ULONG_MAX);
	numaclaim_ledger_destroy(&b->ledger);
}

static int lb_cmp(const void *x, const void *y)
{
	u64 a = *(const u64 *)x, b = *(const u64 *)y;

	return a < b ? -1 : a > b;
}

/* The median over LB_ROUNDS of the ns per op of @fn, and prints it. */
static u64 lb_time(struct kunit *test, const char *what,
		   int (*fn)(struct lb *b, unsigned int i))
{
	struct lb *b = test->priv;
	u64 ns[LB_ROUNDS], t;
	unsigned int r, i;
	int ret;

	for (r = 0; r < LB_ROUNDS; r++) {
		t = ktime_get_ns();
		for (i = 0; i < LB_OPS; i++) {
			ret = fn(b, i);
			if (unlikely(ret)) {
				KUNIT_FAIL(test, "%s: op %u: %d", what, i, ret);
				return 0;
			}
		}
		ns[r] = (ktime_get_ns() - t) / LB_OPS;
		cond_resched();
	}
	sort(ns, LB_ROUNDS, sizeof(ns[0]), lb_cmp, NULL);
	kunit_info(test, "%-34s %6llu ns per op (min %llu, max %llu)\n", what,
		   ns[LB_ROUNDS / 2], ns[0], ns[LB_ROUNDS - 1]);
	return ns[LB_ROUNDS / 2];
}

/* Account i's own node: one page, served by its node claim. */
static struct numaclaim_charge lb_req(struct lb *b, unsigned int i,
				      unsigned long pages, unsigned int flags)
{
	struct numaclaim_charge req = {
		.pages = pages,
		.node = i % LB_NODES,
		.flags = flags,
		.order = b->order,
		.parts = b->parts,
		.undo = &b->undo,
	};

	return req;
}

static int lb_check(struct lb *b, unsigned int i)
{
	struct numaclaim_charge req = lb_req(b, i, 1, 0);

	return numaclaim_account_check(&b->acct[i % LB_ACCTS], &req);
}

static int lb_charge_uncharge(struct lb *b, unsigned int i)
{
	struct numaclaim_account *a = &b->acct[i % LB_ACCTS];
	struct numaclaim_charge req = lb_req(b, i, 1, 0);
	int ret = numaclaim_account_charge(a, &req);

	if (ret)
		return ret;
	numaclaim_account_uncharge(a, req.parts[0].node, 1, 0);
	/* Give the claim back as RELEASE does not: the next round needs it. */
	numaclaim_account_unwind(a, &b->undo);
	return 0;
}

static int lb_check_charge_uncharge(struct lb *b, unsigned int i)
{
	struct numaclaim_account *a = &b->acct[i % LB_ACCTS];
	struct numaclaim_charge req = lb_req(b, i, 1, 0);
	int ret = numaclaim_account_check(a, &req);

	if (ret)
		return ret;
	ret = numaclaim_account_charge(a, &req);
	if (ret)
		return ret;
	numaclaim_account_uncharge(a, req.parts[0].node, 1, 0);
	numaclaim_account_unwind(a, &b->undo);
	return 0;
}

/* Unclaimed, more than any node has free: every node serves a share. */
static int lb_spill(struct lb *b, unsigned int i)
{
	struct numaclaim_account *a = &b->acct[i % LB_ACCTS];
	struct numaclaim_charge req = lb_req(b, i, 63 * LB_PAGES / 2,
					     NUMACLAIM_CHARGE_UNCLAIMED);
	unsigned int p;
	int ret = numaclaim_account_charge(a, &req);

	if (ret)
		return ret;
	if (req.nr_parts < 32)
		return -ERANGE;
	for (p = 0; p < req.nr_parts; p++)
		numaclaim_account_uncharge(a, req.parts[p].node,
					   req.parts[p].pages, 0);
	return 0;
}

static int lb_stake_reset(struct lb *b, unsigned int i)
{
	struct numaclaim_account *a = &b->acct[i % LB_ACCTS];
	struct numaclaim_stake st[2] = {
		{ .node = (i + 1) % LB_NODES, .pages = 4 },
		{ .node = NUMACLAIM_LEDGER_ANY, .pages = 2 },
	};
	struct numaclaim_stake back[2] = {
		{ .node = i % LB_NODES, .pages = 16 },
		{ .node = NUMACLAIM_LEDGER_ANY, .pages = 8 },
	};
	int ret;

	numaclaim_account_reset(a);
	ret = numaclaim_account_stake(a, st, 2);
	if (ret)
		return ret;
	numaclaim_account_reset(a);
	return numaclaim_account_stake(a, back, 2);
}

static void lb_ledger(struct kunit *test)
{
	struct lb *b = test->priv;
	struct numaclaim_view v;

	kunit_info(test, "%u nodes, %u accounts, each with a node and a host claim\n",
		   LB_NODES, LB_ACCTS);
	lb_time(test, "check (1 page, own node)", lb_check);
	lb_time(test, "charge + uncharge (+ unwind)", lb_charge_uncharge);
	lb_time(test, "check + charge + uncharge (+ unwind)",
		lb_check_charge_uncharge);
	lb_time(test, "charge over 32+ nodes + uncharge", lb_spill);
	lb_time(test, "reset + claim, twice", lb_stake_reset);

	numaclaim_ledger_view(&b->ledger, NULL, &v, NULL, 0);
	KUNIT_EXPECT_EQ(test, v.avail, LB_NODES * LB_PAGES);
	KUNIT_EXPECT_EQ(test, v.outstanding, LB_ACCTS * 24UL);
	KUNIT_EXPECT_TRUE(test, numaclaim_ledger_consistent(&b->ledger));
}

static struct kunit_case numaclaim_ledger_bench_cases[] = {
	KUNIT_CASE(lb_ledger),
	{}
};

static struct kunit_suite numaclaim_ledger_bench_suite = {
	.name = "numaclaim_ledger_bench",
	.init = lb_init,
	.exit = lb_exit,
	.test_cases = numaclaim_ledger_bench_cases,
};

kunit_test_suite(numaclaim_ledger_bench_suite);
