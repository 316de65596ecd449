// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the ioctl argument checks of /dev/numaclaim that need no
 * user memory: the dispatch by ioctl number and size, and each struct's
 * checks once copied in.
 */
#include <kunit/test.h>
#include <linux/nodemask.h>

#include "../module/ioctl.h"

static void numaclaim_ioctl_test_lookup_known(struct kunit *test)
{
	static const unsigned int cmds[] = {
		NUMACLAIM_IOC_CLAIM, NUMACLAIM_IOC_ALLOC,
		NUMACLAIM_IOC_RELEASE, NUMACLAIM_IOC_SET_MAX_PAGES,
		NUMACLAIM_IOC_INFO, NUMACLAIM_IOC_POOL_RESIZE,
		NUMACLAIM_IOC_EXPORT,
	};
	const struct numaclaim_ioctl_op *op;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		op = NULL;
		KUNIT_EXPECT_EQ(test, numaclaim_ioctl_lookup(cmds[i], &op), 0);
		KUNIT_ASSERT_NOT_NULL(test, op);
		KUNIT_EXPECT_EQ(test, op->cmd, cmds[i]);
		KUNIT_EXPECT_EQ(test, op->size, _IOC_SIZE(cmds[i]));
		KUNIT_EXPECT_NOT_NULL(test, op->fn);
	}
}

static int lookup(unsigned int cmd)
{
	const struct numaclaim_ioctl_op *op;

	return numaclaim_ioctl_lookup(cmd, &op);
}

#define RW	(_IOC_READ | _IOC_WRITE)
#define NC	NUMACLAIM_IOC_MAGIC

static void numaclaim_ioctl_test_lookup_unknown(struct kunit *test)
{
	/* Another magic, an unknown number, another direction. */
	KUNIT_EXPECT_EQ(test, lookup(_IOC(RW, 'X', 0x01, 40)), -ENOTTY);
	KUNIT_EXPECT_EQ(test, lookup(_IOC(RW, NC, 0x07, 40)), -ENOTTY);
	KUNIT_EXPECT_EQ(test, lookup(_IOC(_IOC_WRITE, NC, 0x06, 16)), -ENOTTY);
	KUNIT_EXPECT_EQ(test, lookup(_IOC(RW, NC, 0xff, 40)), -ENOTTY);
	KUNIT_EXPECT_EQ(test, lookup(_IOC(_IOC_READ, NC, 0x01, 40)), -ENOTTY);
	KUNIT_EXPECT_EQ(test, lookup(_IOC(_IOC_NONE, NC, 0x02, 0)), -ENOTTY);
	KUNIT_EXPECT_EQ(test, lookup(_IOC(RW, NC, 0x00, 16)), -ENOTTY);
	KUNIT_EXPECT_EQ(test, lookup(0), -ENOTTY);
}

/* Sizes from the ioctl number: shorter than the first version is refused. */
static void numaclaim_ioctl_test_lookup_sizes(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, lookup(_IOC(RW, NC, 0x01, 39)), -EINVAL);
	KUNIT_EXPECT_EQ(test, lookup(_IOC(RW, NC, 0x01, 0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, lookup(_IOC(_IOC_WRITE, NC, 0x00, 8)), -EINVAL);
	KUNIT_EXPECT_EQ(test, lookup(_IOC(RW, NC, 0x04, 71)), -EINVAL);
	KUNIT_EXPECT_EQ(test, lookup(_IOC(RW, NC, 0x06, 15)), -EINVAL);
	/* Longer is for copy_struct_from_user() to judge: zeros or E2BIG. */
	KUNIT_EXPECT_EQ(test, lookup(_IOC(RW, NC, 0x01, 48)), 0);
	KUNIT_EXPECT_EQ(test, lookup(_IOC(_IOC_WRITE, NC, 0x02, 4096)), 0);
	KUNIT_EXPECT_EQ(test, lookup(_IOC(RW, NC, 0x05, 16)), 0);
}

static void numaclaim_ioctl_test_node(struct kunit *test)
{
	int nid = 1234;

	KUNIT_EXPECT_EQ(test, numaclaim_node_arg(0, false, &nid), 0);
	KUNIT_EXPECT_EQ(test, nid, 0);
	KUNIT_EXPECT_EQ(test, numaclaim_node_arg(NUMACLAIM_ANY_NODE, true, &nid),
			0);
	KUNIT_EXPECT_EQ(test, nid, NUMACLAIM_LEDGER_ANY);
	KUNIT_EXPECT_EQ(test, numaclaim_node_arg(NUMACLAIM_ANY_NODE, false,
						 &nid), -EINVAL);
	KUNIT_EXPECT_EQ(test, numaclaim_node_arg(nr_node_ids, true, &nid),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, numaclaim_node_arg(4096, true, &nid), -EINVAL);
	KUNIT_EXPECT_EQ(test, numaclaim_node_arg(0x80000000U, true, &nid),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, numaclaim_node_arg(NUMACLAIM_ANY_NODE - 1, true,
						 &nid), -EINVAL);
}

static void numaclaim_ioctl_test_claim(struct kunit *test)
{
	struct numaclaim_claim c = { .nr_entries = 1 };

	KUNIT_EXPECT_EQ(test, numaclaim_claim_arg(&c), 0);
	c.nr_entries = 0;
	KUNIT_EXPECT_EQ(test, numaclaim_claim_arg(&c), 0);
	c.nr_entries = nr_node_ids + 1;
	KUNIT_EXPECT_EQ(test, numaclaim_claim_arg(&c), 0);
	c.nr_entries = nr_node_ids + 2;
	KUNIT_EXPECT_EQ(test, numaclaim_claim_arg(&c), -EINVAL);
	c.nr_entries = U32_MAX;
	KUNIT_EXPECT_EQ(test, numaclaim_claim_arg(&c), -EINVAL);
	c.nr_entries = 0;
	c.flags = 1;
	KUNIT_EXPECT_EQ(test, numaclaim_claim_arg(&c), -EINVAL);
	c.flags = 0x80000000U;
	KUNIT_EXPECT_EQ(test, numaclaim_claim_arg(&c), -EINVAL);
}

static void numaclaim_ioctl_test_claim_entries(struct kunit *test)
{
	struct numaclaim_claim_entry e[2] = {
		{ .node = 0, .pages = 10 },
		{ .node = NUMACLAIM_ANY_NODE, .pages = 5 },
	};
	struct numaclaim_stake s[2];

	KUNIT_EXPECT_EQ(test, numaclaim_claim_entries(e, 2, s), 0);
	KUNIT_EXPECT_EQ(test, s[0].node, 0);
	KUNIT_EXPECT_EQ(test, s[0].pages, 10UL);
	KUNIT_EXPECT_EQ(test, s[1].node, NUMACLAIM_LEDGER_ANY);
	KUNIT_EXPECT_EQ(test, s[1].pages, 5UL);
	e[1].reserved = 1;
	KUNIT_EXPECT_EQ(test, numaclaim_claim_entries(e, 2, s), -EINVAL);
	e[1].reserved = 0;
	e[1].node = nr_node_ids;
	KUNIT_EXPECT_EQ(test, numaclaim_claim_entries(e, 2, s), -EINVAL);
	e[1].node = 0xfffffffeU;
	KUNIT_EXPECT_EQ(test, numaclaim_claim_entries(e, 2, s), -EINVAL);
}

static void numaclaim_ioctl_test_alloc(struct kunit *test)
{
	struct numaclaim_alloc a = {
		.pages = 1,
		.node = NUMACLAIM_ANY_NODE,
		.flags = NUMACLAIM_ALLOC_UNCLAIMED,
	};
	int nid = 1234;

	KUNIT_EXPECT_EQ(test, numaclaim_alloc_arg(&a, &nid), 0);
	KUNIT_EXPECT_EQ(test, nid, NUMACLAIM_LEDGER_ANY);
	a.node = 0;
	a.flags = NUMACLAIM_ALLOC_FLAGS_ALL;
	KUNIT_EXPECT_EQ(test, numaclaim_alloc_arg(&a, &nid), 0);
	KUNIT_EXPECT_EQ(test, nid, 0);
	a.flags = 1U << 2;
	KUNIT_EXPECT_EQ(test, numaclaim_alloc_arg(&a, &nid), -EINVAL);
	a.flags = 0;
	a.reserved = 1;
	KUNIT_EXPECT_EQ(test, numaclaim_alloc_arg(&a, &nid), -EINVAL);
	a.reserved = 0;
	a.node = nr_node_ids;
	KUNIT_EXPECT_EQ(test, numaclaim_alloc_arg(&a, &nid), -EINVAL);
	a.node = NUMACLAIM_ANY_NODE;
	a.flags = NUMACLAIM_ALLOC_EXACT_NODE;
	KUNIT_EXPECT_EQ(test, numaclaim_alloc_arg(&a, &nid), -EINVAL);
	a.node = 0;
	a.flags = 0;
	a.pages = 0;
	KUNIT_EXPECT_EQ(test, numaclaim_alloc_arg(&a, &nid), -EINVAL);
}

static void numaclaim_ioctl_test_pool(struct kunit *test)
{
	struct numaclaim_pool p = { .node = 0, .pages = 1 };
	int nid = 1234;

	KUNIT_EXPECT_EQ(test, numaclaim_pool_arg(&p, &nid), 0);
	KUNIT_EXPECT_EQ(test, nid, 0);
	p.node = NUMACLAIM_ANY_NODE;
	KUNIT_EXPECT_EQ(test, numaclaim_pool_arg(&p, &nid), -EINVAL);
	p.node = 0;
	p.reserved = 2;
	KUNIT_EXPECT_EQ(test, numaclaim_pool_arg(&p, &nid), -EINVAL);
}

static struct kunit_case numaclaim_ioctl_test_cases[] = {
	KUNIT_CASE(numaclaim_ioctl_test_lookup_known),
	KUNIT_CASE(numaclaim_ioctl_test_lookup_unknown),
	KUNIT_CASE(numaclaim_ioctl_test_lookup_sizes),
	KUNIT_CASE(numaclaim_ioctl_test_node),
	KUNIT_CASE(numaclaim_ioctl_test_claim),
	KUNIT_CASE(numaclaim_ioctl_test_claim_entries),
	KUNIT_CASE(numaclaim_ioctl_test_alloc),
	KUNIT_CASE(numaclaim_ioctl_test_pool),
	{}
};

static struct kunit_suite numaclaim_ioctl_test_suite = {
	.name = "numaclaim_ioctl",
	.test_cases = numaclaim_ioctl_test_cases,
};

kunit_test_suite(numaclaim_ioctl_test_suite);
