// SPDX-License-Identifier: GPL-2.0
/*
 * Selftests of /dev/numaclaim from real userspace, in the manner of the
 * kernel's kselftest_harness.h suites. Run as root in the NUMA box with at
 * least two nodes that have memory; the fixture resizes the pools of the
 * first two such nodes to 100 pages each, the fixture of CLAIM-CASES.md,
 * and every case below keeps its numbers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/numaclaim.h>

#include "kselftest_harness.h"

#include "nc_common.h"

/* Case 1, 2. */
TEST_F(nc, claim_host_and_node)
{
	ASSERT_EQ(0, nc_claim1(self->fd, ANY, 50));
	EXPECT_EQ(50, O(self));
	EXPECT_EQ(0, NC(self, self->n0));
	EXPECT_EQ(50, self->s.info.ctx_claim_any);
	ASSERT_EQ(0, nc_claim1(self->fd_b, self->n0, 60));
	EXPECT_EQ(110, O(self));
	EXPECT_EQ(60, NC(self, self->n0));
}

/* Case 3, 4, 5. */
TEST_F(nc, claim_boundaries)
{
	EXPECT_EQ(ENOMEM, nc_claim1(self->fd, ANY, 201));
	EXPECT_EQ(ENOMEM, nc_claim1(self->fd, self->n0, 101));
	EXPECT_EQ(0, O(self));
	ASSERT_EQ(0, nc_claim1(self->fd, ANY, 200));
	EXPECT_EQ(ENOMEM, nc_claim1(self->fd_b, ANY, 1));
	EXPECT_EQ(200, O(self));
}

/* Case 6, 8, 10. */
TEST_F(nc, claim_busy_reset_atomic)
{
	struct numaclaim_claim_entry e[2] = {
		{ .node = self->n0, .pages = 60 },
		{ .node = self->n1, .pages = 120 },
	};

	EXPECT_EQ(ENOMEM, nc_claim(self->fd, e, 2));
	EXPECT_EQ(0, O(self));
	ASSERT_EQ(0, nc_claim1(self->fd_b, ANY, 150));
	EXPECT_EQ(ENOMEM, nc_claim1(self->fd, self->n0, 80));
	ASSERT_EQ(0, nc_claim1(self->fd, self->n0, 50));
	EXPECT_EQ(EBUSY, nc_claim1(self->fd, self->n1, 10));
	EXPECT_EQ(200, O(self));
	EXPECT_EQ(0, nc_claim(self->fd, NULL, 0));
	EXPECT_EQ(150, O(self));
	EXPECT_EQ(0, nc_claim(self->fd, NULL, 0));
}

/* Case 11 through the ioctl, with the uapi's own checks. */
TEST_F(nc, claim_invalid)
{
	struct numaclaim_claim_entry e[3] = {
		{ .node = self->n0, .pages = 10 },
		{ .node = self->n0, .pages = 10 },
	};
	struct numaclaim_claim c = { .nr_entries = 1, .flags = 1,
				     .entries = (uintptr_t)e };

	EXPECT_EQ(EINVAL, nc_claim(self->fd, e, 2));
	e[1].node = ANY;
	e[1].reserved = 1;
	EXPECT_EQ(EINVAL, nc_claim(self->fd, e, 2));
	e[1].reserved = 0;
	e[1].pages = 0;
	EXPECT_EQ(EINVAL, nc_claim(self->fd, e, 2));
	e[1].pages = 1ULL << 63;
	e[0].pages = 1ULL << 63;
	EXPECT_EQ(EINVAL, nc_claim(self->fd, e, 2));
	e[0].pages = 10;
	e[1].node = 4096;
	e[1].pages = 1;
	EXPECT_EQ(EINVAL, nc_claim(self->fd, e, 2));
	EXPECT_EQ(EINVAL, nc_ioctl(self->fd, NUMACLAIM_IOC_CLAIM, &c));
	c.flags = 0;
	c.entries = 0;
	EXPECT_EQ(EFAULT, nc_ioctl(self->fd, NUMACLAIM_IOC_CLAIM, &c));
	c.entries = (uintptr_t)e;
	c.nr_entries = 100000;
	EXPECT_EQ(EINVAL, nc_ioctl(self->fd, NUMACLAIM_IOC_CLAIM, &c));
	EXPECT_EQ(0, O(self));
}

/* Case 7, 9. */
TEST_F(nc, claim_after_used_up_and_limit_first)
{
	ASSERT_EQ(0, nc_claim1(self->fd, self->n0, 10));
	ASSERT_EQ(0, nc_alloc(self->fd, 10, self->n0, 0, NULL));
	EXPECT_EQ(0, nc_claim1(self->fd, ANY, 20));
	EXPECT_EQ(20, O(self));
	ASSERT_EQ(0, nc_set_max(self->fd_b, 1000));
	ASSERT_EQ(0, nc_claim1(self->fd_c, ANY, 150));
	EXPECT_EQ(EINVAL, nc_claim1(self->fd_b, ANY, 1001));
	EXPECT_EQ(ENOMEM, nc_claim1(self->fd_b, ANY, 1000));
}

/* Case 12: a host-level claim is protected from other contexts. */
TEST_F(nc, alloc_protects_claim)
{
	ASSERT_EQ(0, nc_claim1(self->fd, ANY, 190));
	EXPECT_EQ(ENOMEM, nc_alloc(self->fd_c, 16, ANY, 0, NULL));
	EXPECT_EQ(0, nc_alloc(self->fd_c, 8, ANY, 0, NULL));
	EXPECT_EQ(192, T(self));
	EXPECT_EQ(190, O(self));
	EXPECT_EQ(ENOMEM, nc_alloc(self->fd_c, 4, ANY, 0, NULL));
	EXPECT_EQ(0, nc_alloc(self->fd, 16, ANY, 0, NULL));
	EXPECT_EQ(176, T(self));
	EXPECT_EQ(174, self->s.info.ctx_claim_any);
	EXPECT_EQ(174, O(self));
}

/* Case 13, 22 and page placement checked with move_pages(2). */
TEST_F(nc, alloc_placement)
{
	int status[4];
	uint64_t off = 0;
	void *p;

	ASSERT_EQ(0, nc_claim1(self->fd, self->n0, 100));
	EXPECT_EQ(ENOMEM, nc_alloc(self->fd_c, 1, self->n0,
				   NUMACLAIM_ALLOC_EXACT_NODE, NULL));
	ASSERT_EQ(0, nc_alloc(self->fd_c, 4, self->n0, 0, &off));
	p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd_c, off);
	ASSERT_NE(MAP_FAILED, p);
	nc_page_nodes(p, 4, status);
	EXPECT_EQ(self->n1, status[0]);
	EXPECT_EQ(self->n1, status[3]);
	munmap(p, 4 * PAGE);

	ASSERT_EQ(0, nc_alloc(self->fd, 4, self->n0, NUMACLAIM_ALLOC_EXACT_NODE,
			      &off));
	p = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, self->fd, off);
	ASSERT_NE(MAP_FAILED, p);
	nc_page_nodes(p, 4, status);
	EXPECT_EQ(self->n0, status[0]);
	EXPECT_EQ(self->n0, status[3]);
	munmap(p, 4 * PAGE);
	EXPECT_EQ(96, NC(self, self->n0));
}

/* Case 14, 15, 16. */
TEST_F(nc, alloc_claimed_elsewhere)
{
	ASSERT_EQ(0, nc_claim1(self->fd, self->n0, 100));
	ASSERT_EQ(0, nc_claim1(self->fd_b, self->n1, 100));
	EXPECT_EQ(ENOMEM, nc_alloc(self->fd_c, 1, ANY, 0, NULL));
	EXPECT_EQ(0, nc_claim(self->fd, NULL, 0));
	EXPECT_EQ(0, nc_claim(self->fd_b, NULL, 0));

	/* B holds n0; A's host-level claim gets no credit there. */
	ASSERT_EQ(0, nc_claim1(self->fd_b, self->n0, 100));
	ASSERT_EQ(0, nc_claim1(self->fd, ANY, 50));
	EXPECT_EQ(ENOMEM, nc_alloc(self->fd, 1, self->n0,
				   NUMACLAIM_ALLOC_EXACT_NODE, NULL));
	EXPECT_EQ(0, nc_alloc(self->fd, 10, self->n1, 0, NULL));
	EXPECT_EQ(0, nc_info(self->fd, &self->s));
	EXPECT_EQ(40, self->s.info.ctx_claim_any);
}

TEST_F(nc, alloc_exact_keeps_host_check)
{
	ASSERT_EQ(0, nc_claim1(self->fd, ANY, 100));
	EXPECT_EQ(0, nc_alloc(self->fd_b, 100, self->n0,
			      NUMACLAIM_ALLOC_EXACT_NODE, NULL));
	EXPECT_EQ(ENOMEM, nc_alloc(self->fd_c, 1, self->n1,
				   NUMACLAIM_ALLOC_EXACT_NODE, NULL));
	EXPECT_EQ(0, nc_alloc(self->fd, 100, ANY, 0, NULL));
	EXPECT_EQ(0, T(self));
	EXPECT_EQ(0, O(self));
}

/* Case 18, 19, 20: consumption. */
TEST_F(nc, consume)
{
	ASSERT_EQ(0, nc_claim1(self->fd, self->n0, 100));
	ASSERT_EQ(0, nc_alloc(self->fd, 64, self->n0, 0, NULL));
	EXPECT_EQ(36, NC(self, self->n0));
	EXPECT_EQ(36, O(self));
	EXPECT_EQ(136, T(self));
	ASSERT_EQ(0, nc_claim(self->fd, NULL, 0));

	/* Case 20 on what is left: T = 136, B any=120, A any=8. */
	ASSERT_EQ(0, nc_claim1(self->fd_b, ANY, 120));
	ASSERT_EQ(0, nc_claim1(self->fd, ANY, 8));
	EXPECT_EQ(0, nc_alloc(self->fd, 16, ANY, 0, NULL));
	EXPECT_EQ(120, O(self));
	EXPECT_EQ(120, T(self));
	EXPECT_EQ(0, self->s.info.ctx_claims);
	EXPECT_EQ(ENOMEM, nc_alloc(self->fd, 1, ANY, 0, NULL));
}

/* The calling context's claims: host-level, on n0, on n1. */
#define CLAIMS3(self, any, c0, c1) do {					\
	ASSERT_EQ(0, nc_info((self)->fd, &(self)->s));			\
	EXPECT_EQ(any, (self)->s.info.ctx_claim_any);			\
	EXPECT_EQ(c0, (self)->s.node[(self)->n0].ctx_claim);		\
	EXPECT_EQ(c1, (self)->s.node[(self)->n1].ctx_claim);		\
	EXPECT_EQ((any) + (c0) + (c1), (self)->s.info.outstanding);	\
} while (0)

/* Case 21: the node's claim first, then the host-level claim. */
TEST_F(nc, consume_order)
{
	struct numaclaim_claim_entry e[3] = {
		{ .node = ANY, .pages = 2 },
		{ .node = self->n0, .pages = 2 },
		{ .node = self->n1, .pages = 2 },
	};

	ASSERT_EQ(0, nc_resize(self->fd, self->n0, 2, NULL));
	ASSERT_EQ(0, nc_resize(self->fd, self->n1, 4, NULL));
	ASSERT_EQ(0, nc_claim(self->fd, e, 3));
	ASSERT_EQ(0, nc_alloc(self->fd, 1, self->n0, 0, NULL));
	CLAIMS3(self, 2, 1, 2);
	ASSERT_EQ(0, nc_alloc(self->fd, 1, self->n1, 0, NULL));
	CLAIMS3(self, 2, 1, 1);
	ASSERT_EQ(0, nc_alloc(self->fd, 2, self->n1, 0, NULL));
	CLAIMS3(self, 1, 1, 0);
	ASSERT_EQ(0, nc_alloc(self->fd, 1, self->n1, 0, NULL));
	CLAIMS3(self, 0, 1, 0);
	EXPECT_EQ(ENOMEM, nc_alloc(self->fd, 1, self->n1,
				   NUMACLAIM_ALLOC_EXACT_NODE, NULL));
	CLAIMS3(self, 0, 1, 0);
	ASSERT_EQ(0, nc_alloc(self->fd, 1, self->n1, 0, NULL));
	CLAIMS3(self, 0, 0, 0);
	EXPECT_EQ(0, self->s.info.free_pages);
	EXPECT_EQ(2, self->s.node[self->n0].ctx_pages);
}

/* Case 23: outstanding claims never exceed the free pages. */
TEST_F(nc, consume_deficit)
{
	ASSERT_EQ(0, nc_claim1(self->fd_b, ANY, 150));
	ASSERT_EQ(0, nc_claim1(self->fd, self->n0, 50));
	ASSERT_EQ(0, nc_alloc(self->fd, 10, self->n1,
			      NUMACLAIM_ALLOC_EXACT_NODE, NULL));
	EXPECT_EQ(190, T(self));
	EXPECT_EQ(190, O(self));
	EXPECT_EQ(40, self->s.node[self->n0].ctx_claim);
}

/* Case 24, 25: the limit's excess, reckoned with the whole allocation. */
TEST_F(nc, consume_limit_excess)
{
	ASSERT_EQ(0, nc_set_max(self->fd, 100));
	ASSERT_EQ(0, nc_alloc(self->fd, 80, self->n1,
			      NUMACLAIM_ALLOC_EXACT_NODE, NULL));
	ASSERT_EQ(0, nc_claim1(self->fd, self->n0, 10));
	ASSERT_EQ(0, nc_alloc(self->fd, 16, self->n1, 0, NULL));
	EXPECT_EQ(4, NC(self, self->n0));
	EXPECT_EQ(100, self->s.info.ctx_pages + self->s.info.ctx_claims);

}

/* Case 25: 11 pages off the claimed node cost 1 page of claim, no more. */
TEST_F(nc, consume_limit_excess_capped)
{
	ASSERT_EQ(0, nc_set_max(self->fd, 100));
	ASSERT_EQ(0, nc_claim1(self->fd, self->n0, 90));
	ASSERT_EQ(0, nc_alloc(self->fd, 11, self->n1,
			      NUMACLAIM_ALLOC_EXACT_NODE, NULL));
	EXPECT_EQ(89, NC(self, self->n0));
	EXPECT_EQ(EDQUOT, nc_alloc(self->fd, 90, ANY, 0, NULL));
	EXPECT_EQ(89, NC(self, self->n0));
}

/* Case 32: the last unclaimed page, exactly. */
TEST_F(nc, boundary_last_unclaimed)
{
	ASSERT_EQ(0, nc_claim1(self->fd, ANY, 184));
	EXPECT_EQ(0, nc_alloc(self->fd_b, 16, ANY, 0, NULL));
	EXPECT_EQ(ENOMEM, nc_alloc(self->fd_c, 1, ANY, 0, NULL));
}

/* Case 33: counts near 2^64 are refused, never wrapped. */
TEST_F(nc, boundary_huge)
{
	struct numaclaim_claim_entry e[2] = {
		{ .node = self->n0, .pages = 1ULL << 32 },
		{ .node = ANY, .pages = UINT64_MAX },
	};

	EXPECT_EQ(ENOMEM, nc_claim(self->fd, e, 1));
	e[0].pages = 1ULL << 63;
	EXPECT_EQ(ENOMEM, nc_claim(self->fd, e, 1));
	EXPECT_EQ(EINVAL, nc_claim(self->fd, e, 2));
	EXPECT_EQ(ENOMEM, nc_claim(self->fd, &e[1], 1));
	EXPECT_EQ(ENOMEM, nc_alloc(self->fd, UINT64_MAX, ANY, 0, NULL));
	EXPECT_EQ(ENOMEM, nc_alloc(self->fd, 1ULL << 32, ANY, 0, NULL));
	ASSERT_EQ(0, nc_alloc(self->fd, 1, ANY, 0, NULL));
	EXPECT_EQ(EDQUOT, nc_alloc(self->fd, UINT64_MAX, ANY, 0, NULL));
	EXPECT_EQ(0, O(self));
	EXPECT_EQ(199, T(self));
}

/* Case 31: a grown pool serves a claim that was refused. */
TEST_F(nc, pool_grow)
{
	uint64_t reached;

	EXPECT_EQ(ENOMEM, nc_claim1(self->fd, ANY, 250));
	ASSERT_EQ(0, nc_resize(self->fd, self->n1, 200, &reached));
	EXPECT_EQ(200, reached);
	EXPECT_EQ(0, nc_claim1(self->fd, ANY, 250));
	EXPECT_EQ(300, T(self));
}

/* The caller learns where each allocation landed. */
TEST_F(nc, alloc_node_pages)
{
	uint64_t np[MAX_NODES];
	struct numaclaim_alloc a = {
		.pages = 150, .node = self->n0,
		.node_pages = (uintptr_t)np, .nr_node_pages = MAX_NODES,
	};

	memset(np, 0xcc, sizeof(np));
	ASSERT_EQ(0, nc_ioctl(self->fd, NUMACLAIM_IOC_ALLOC, &a));
	EXPECT_EQ(100, np[self->n0]);
	EXPECT_EQ(50, np[self->n1]);
	EXPECT_EQ(0, a.offset % PAGE);
	a.node_pages = 8;	/* unwritable: refused before allocating */
	a.pages = 1;
	EXPECT_EQ(EFAULT, nc_ioctl(self->fd, NUMACLAIM_IOC_ALLOC, &a));
	EXPECT_EQ(50, T(self));
	EXPECT_EQ(150, self->s.info.ctx_pages);
}

/* Case 17, 26, 28. */
TEST_F(nc, alloc_limits)
{
	ASSERT_EQ(0, nc_set_max(self->fd, 10));
	ASSERT_EQ(0, nc_claim1(self->fd, ANY, 10));
	EXPECT_EQ(EDQUOT, nc_alloc(self->fd, 16, ANY, 0, NULL));
	EXPECT_EQ(10, O(self));
	EXPECT_EQ(EDQUOT, nc_alloc(self->fd, 1, ANY, NUMACLAIM_ALLOC_UNCLAIMED,
				   NULL));
	EXPECT_EQ(0, nc_alloc(self->fd, 4, ANY, 0, NULL));
	EXPECT_EQ(EBUSY, nc_set_max(self->fd, 9));
	EXPECT_EQ(0, nc_set_max(self->fd, 10));
	EXPECT_EQ(0, nc_set_max(self->fd, UINT64_MAX));
	EXPECT_EQ(0, nc_info(self->fd, &self->s));
	EXPECT_EQ(UINT64_MAX, self->s.info.ctx_max_pages);
	EXPECT_EQ(EINVAL, nc_alloc(self->fd, 0, ANY, 0, NULL));
	EXPECT_EQ(EINVAL, nc_alloc(self->fd, 1, ANY, NUMACLAIM_ALLOC_EXACT_NODE,
				   NULL));
	EXPECT_EQ(EINVAL, nc_alloc(self->fd, 1, ANY, 4, NULL));
	EXPECT_EQ(EINVAL, nc_alloc(self->fd, 1, 4096, 0, NULL));
}

/* Data written through the mapping is there, and the next owner sees zero. */
TEST_F(nc, mmap_data_and_zeroing)
{
	uint64_t off = 0, off2 = 0;
	unsigned char *p;
	size_t len = 200 * PAGE;

	ASSERT_EQ(0, nc_alloc(self->fd, 200, ANY, 0, &off));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, off);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(nc_all_bytes(p, len, 0));
	memset(p, 0xa5, len);
	EXPECT_TRUE(nc_all_bytes(p, len, 0xa5));
	/* A second mapping of the same pages sees the same bytes. */
	unsigned char *q = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, self->fd, off);

	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(0xa5, q[17]);
	EXPECT_EQ(EBUSY, nc_release(self->fd, off));
	munmap(q, PAGE);
	EXPECT_EQ(EBUSY, nc_release(self->fd, off));
	munmap(p, len);
	EXPECT_EQ(0, nc_release(self->fd, off));
	EXPECT_EQ(EINVAL, nc_release(self->fd, off));

	ASSERT_EQ(0, nc_alloc(self->fd_b, 200, ANY, 0, &off2));
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, self->fd_b, off2);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(nc_all_bytes(p, len, 0));
	munmap(p, len);
}

/*
 * Refused mappings: MAP_PRIVATE, no allocation there, past the end (also
 * from a window inside the allocation, and across into the next one).
 */
TEST_F(nc, mmap_refused)
{
	uint64_t a = 0, b = 0;
	void *p;

	ASSERT_EQ(0, nc_alloc(self->fd, 4, ANY, 0, &a));
	ASSERT_EQ(0, nc_alloc(self->fd, 4, ANY, 0, &b));
	ASSERT_EQ(a + 4 * PAGE, b);
	p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, self->fd, a);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, self->fd, a + PAGE);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, 5 * PAGE, PROT_READ, MAP_SHARED, self->fd, a);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, self->fd, a + 3 * PAGE);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, self->fd, b + 4 * PAGE);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, self->fd_b, a);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, self->fd, b);
	ASSERT_NE(MAP_FAILED, p);
	munmap(p, 2 * PAGE);
	EXPECT_EQ(EINVAL, nc_release(self->fd, a + 1));
	EXPECT_EQ(EINVAL, nc_release(self->fd, a + PAGE));
	EXPECT_EQ(EINVAL, nc_release(self->fd_b, a));
}

/*
 * A window at any page inside an allocation maps that page on: the same
 * bytes as the whole mapping, and it keeps the allocation busy.
 */
TEST_F(nc, mmap_window_inside)
{
	unsigned char *p, *w, *last;
	uint64_t off = 0;
	unsigned int i;

	ASSERT_EQ(0, nc_alloc(self->fd, 8, ANY, 0, &off));
	p = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 off);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < 8; i++)
		memset(p + i * PAGE, 0x10 + i, PAGE);
	munmap(p, 8 * PAGE);

	w = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 off + 3 * PAGE);
	ASSERT_NE(MAP_FAILED, w);
	last = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, self->fd, off + 7 * PAGE);
	ASSERT_NE(MAP_FAILED, last);
	EXPECT_TRUE(nc_all_bytes(w, PAGE, 0x13));
	EXPECT_TRUE(nc_all_bytes(w + 2 * PAGE, PAGE, 0x15));
	EXPECT_TRUE(nc_all_bytes(last, PAGE, 0x17));
	/* Zapped and faulted in again: the same page at the same index. */
	w[PAGE] = 0xee;
	EXPECT_EQ(0, madvise(w, 3 * PAGE, MADV_DONTNEED));
	EXPECT_EQ(0xee, w[PAGE]);
	EXPECT_EQ(0x14, w[PAGE + 1]);
	munmap(last, PAGE);
	EXPECT_EQ(EBUSY, nc_release(self->fd, off));
	munmap(w, 3 * PAGE);
	EXPECT_EQ(0, nc_release(self->fd, off));
}

/*
 * Two windows mapped side by side with contiguous offsets, one mapping
 * split by mprotect and by a partial munmap, one moved by mremap: the
 * kernel may merge, split and move VMAs, and RELEASE must still see
 * exactly when the last page is unmapped.
 */
TEST_F(nc, mmap_merge_split_move)
{
	unsigned char *p, *q, *r;
	uint64_t off = 0;

	ASSERT_EQ(0, nc_alloc(self->fd, 8, ANY, 0, &off));
	p = mmap(NULL, 8 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(p, mmap(p, 2 * PAGE, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_FIXED, self->fd, off));
	ASSERT_EQ(p + 2 * PAGE, mmap(p + 2 * PAGE, 2 * PAGE,
				     PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_FIXED, self->fd,
				     off + 2 * PAGE));
	munmap(p + 4 * PAGE, 4 * PAGE);
	p[3 * PAGE] = 9;
	EXPECT_EQ(0, mprotect(p + PAGE, PAGE, PROT_READ));
	EXPECT_EQ(0, munmap(p + 2 * PAGE, PAGE));
	EXPECT_EQ(EBUSY, nc_release(self->fd, off));
	q = mremap(p + 3 * PAGE, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
		   p + 6 * PAGE);
	ASSERT_EQ(p + 6 * PAGE, q);
	EXPECT_EQ(9, q[0]);
	r = mremap(q, PAGE, 2 * PAGE, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, r);
	munmap(p, 2 * PAGE);
	EXPECT_EQ(EBUSY, nc_release(self->fd, off));
	munmap(q, PAGE);
	EXPECT_EQ(0, nc_release(self->fd, off));
}

/* A read-only fd maps its allocations MAP_SHARED for reading. */
TEST_F(nc, mmap_read_only_fd)
{
	uint64_t off = 0;
	int fd = open(DEV, O_RDONLY | O_CLOEXEC);
	unsigned char *p;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, nc_alloc(fd, 2, ANY, 0, &off));
	p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, off);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(nc_all_bytes(p, 2 * PAGE, 0));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				   MAP_SHARED, fd, off));
	EXPECT_EQ(EACCES, errno);
	munmap(p, 2 * PAGE);
	close(fd);
}

/* Case 27: release gives the pages back, not the claim. */
TEST_F(nc, release_no_refill)
{
	uint64_t off = 0;

	ASSERT_EQ(0, nc_claim1(self->fd, ANY, 20));
	ASSERT_EQ(0, nc_alloc(self->fd, 10, ANY, 0, &off));
	EXPECT_EQ(0, nc_release(self->fd, off));
	EXPECT_EQ(200, T(self));
	EXPECT_EQ(10, self->s.info.ctx_claim_any);
}

/* Case 29 and a mapping that outlives close(). */
TEST_F(nc, close_ends_context)
{
	unsigned char *p;
	uint64_t off = 0;

	ASSERT_EQ(0, nc_claim1(self->fd_b, self->n0, 60));
	ASSERT_EQ(0, nc_alloc(self->fd_b, 20, self->n0, 0, &off));
	p = mmap(NULL, 20 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd_b, off);
	ASSERT_NE(MAP_FAILED, p);
	close(self->fd_b);
	self->fd_b = -1;
	/* The mapping keeps the context: its pages and claim are still out. */
	p[0] = 1;
	EXPECT_EQ(180, T(self));
	EXPECT_EQ(40, O(self));
	munmap(p, 20 * PAGE);
	EXPECT_EQ(200, T(self));
	EXPECT_EQ(0, O(self));
	EXPECT_EQ(0, NC(self, self->n0));
}

/* A child that inherited the mapping keeps the allocation busy. */
TEST_F(nc, fork_inherits_mapping)
{
	int pipefd[2], status;
	unsigned char *p;
	uint64_t off = 0;
	pid_t pid;
	char c;

	ASSERT_EQ(0, nc_alloc(self->fd, 8, ANY, 0, &off));
	p = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd, off);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		p[PAGE] = 0x42;
		close(pipefd[0]);
		write(pipefd[1], "x", 1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	EXPECT_EQ(0x42, p[PAGE]);
	munmap(p, 8 * PAGE);
	EXPECT_EQ(EBUSY, nc_release(self->fd, off));
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	EXPECT_EQ(0, nc_release(self->fd, off));
}

/* GUP on the memory: another process reads it with process_vm_readv(). */
TEST_F(nc, gup_process_vm_readv)
{
	unsigned char buf[64], *p;
	struct iovec local = { buf, sizeof(buf) }, remote;
	int status;
	uint64_t off = 0;
	pid_t parent = getpid(), pid;

	ASSERT_EQ(0, nc_alloc(self->fd, 2, ANY, 0, &off));
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd, off);
	ASSERT_NE(MAP_FAILED, p);
	memset(p + PAGE, 0x3c, 64);
	remote.iov_base = p + PAGE;
	remote.iov_len = 64;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (process_vm_readv(parent, &local, 1, &remote, 1, 0) != 64)
			_exit(1);
		_exit(nc_all_bytes(buf, 64, 0x3c) ? 0 : 2);
	}
	waitpid(pid, &status, 0);
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	munmap(p, 2 * PAGE);
}

/* Pool resize needs CAP_SYS_ADMIN; the device is root's alone. */
TEST_F(nc, privilege)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(10);
		if (nc_resize(self->fd, self->n0, 50, NULL) != EPERM)
			_exit(11);
		if (nc_claim1(self->fd, ANY, 1))
			_exit(12);
		if (nc_open() >= 0 || errno != EACCES)
			_exit(13);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* Case 30: a pool shrinks only by free pages no claim needs. */
TEST_F(nc, pool_shrink_against_claims)
{
	uint64_t reached;

	ASSERT_EQ(0, nc_claim1(self->fd, ANY, 150));
	ASSERT_EQ(0, nc_resize(self->fd, self->n0, 0, &reached));
	EXPECT_EQ(50, reached);
	ASSERT_EQ(0, nc_resize(self->fd, self->n1, 0, &reached));
	EXPECT_EQ(100, reached);
	EXPECT_EQ(150, T(self));
	ASSERT_EQ(0, nc_resize(self->fd, self->n0, 100, &reached));
	EXPECT_EQ(100, reached);
	EXPECT_EQ(EINVAL, nc_resize(self->fd, ANY, 1, NULL));
	EXPECT_EQ(EINVAL, nc_resize(self->fd, 4096, 1, NULL));
}

/* Every ioctl takes a struct shorter than its first version (refused),
 * longer with zeros (fine) and longer with garbage (E2BIG); the first
 * version of a struct that grew since is still fine; unknown commands are
 * ENOTTY. */
TEST_F(nc, ioctl_lengths)
{
	static const unsigned long cmds[] = {
		NUMACLAIM_IOC_CLAIM, NUMACLAIM_IOC_ALLOC, NUMACLAIM_IOC_RELEASE,
		NUMACLAIM_IOC_SET_MAX_PAGES, NUMACLAIM_IOC_INFO,
		NUMACLAIM_IOC_POOL_RESIZE, NUMACLAIM_IOC_EXPORT,
	};
	/* The sizes of the first versions: SET_MAX_PAGES and INFO grew. */
	static const unsigned int first[] = { 16, 40, 8, 8, 72, 16, 16 };
	unsigned char buf[256];
	unsigned int i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		unsigned long cmd = cmds[i];
		unsigned int size = _IOC_SIZE(cmd);
		unsigned long shorter = (cmd & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
					((unsigned long)(first[i] - 4) << _IOC_SIZESHIFT);
		unsigned long longer = (cmd & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
				       ((unsigned long)(size + 16) << _IOC_SIZESHIFT);

		memset(buf, 0, sizeof(buf));
		EXPECT_EQ(EINVAL, nc_ioctl(self->fd, shorter, buf))
			TH_LOG("cmd %u shorter", i);
		buf[size + 8] = 1;
		EXPECT_EQ(E2BIG, nc_ioctl(self->fd, longer, buf))
			TH_LOG("cmd %u longer with garbage", i);
	}
	/* Longer with zeros: as the struct the kernel knows. */
	memset(buf, 0, sizeof(buf));
	((struct numaclaim_info *)buf)->nr_nodes = 0;
	EXPECT_EQ(0, nc_ioctl(self->fd, (NUMACLAIM_IOC_INFO &
		  ~(_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
		  ((sizeof(struct numaclaim_info) + 16) << _IOC_SIZESHIFT), buf));
	EXPECT_EQ(2 * POOL, ((struct numaclaim_info *)buf)->free_pages);
	/* INFO's first version: 72 bytes, nothing written past them. */
	memset(buf, 0xee, sizeof(buf));
	memset(buf, 0, 72);
	EXPECT_EQ(0, nc_ioctl(self->fd, (NUMACLAIM_IOC_INFO &
		  ~(_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
		  (72UL << _IOC_SIZESHIFT), buf));
	EXPECT_EQ(2 * POOL, ((struct numaclaim_info *)buf)->free_pages);
	EXPECT_TRUE(nc_all_bytes(buf + 72, sizeof(buf) - 72, 0xee));
	EXPECT_EQ(ENOTTY, nc_ioctl(self->fd, _IO(NUMACLAIM_IOC_MAGIC, 0x40), buf));
	EXPECT_EQ(ENOTTY, nc_ioctl(self->fd, _IOWR('x', 0x01, struct numaclaim_alloc),
				   buf));
	EXPECT_EQ(EFAULT, nc_ioctl(self->fd, NUMACLAIM_IOC_INFO, NULL));
	EXPECT_EQ(EFAULT, nc_ioctl(self->fd, NUMACLAIM_IOC_ALLOC, (void *)8));
}

/* INFO answers the real number of nodes whatever array it is given. */
TEST_F(nc, info_short_array)
{
	struct numaclaim_node_info one[2];
	struct numaclaim_info info = { .nr_nodes = 1, .nodes = (uintptr_t)one };

	memset(one, 0xcc, sizeof(one));
	ASSERT_EQ(0, nc_ioctl(self->fd, NUMACLAIM_IOC_INFO, &info));
	EXPECT_LE(2, info.nr_nodes);
	EXPECT_EQ(0, one[0].node);
	EXPECT_EQ(0xccccccccU, one[1].node);
	info.reserved = 1;
	EXPECT_EQ(EINVAL, nc_ioctl(self->fd, NUMACLAIM_IOC_INFO, &info));
}

/*
 * Case 34: processes racing for the last unclaimed pages. A claims 190;
 * eight other contexts each try to take 3 pages at once: exactly three of
 * them get theirs (10 unclaimed pages), and A still gets all 190.
 */
TEST_F(nc, race_for_unclaimed)
{
	int i, status, ok = 0, nomem = 0;
	pid_t pids[8];

	ASSERT_EQ(0, nc_claim1(self->fd, ANY, 190));
	for (i = 0; i < 8; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			int fd = nc_open();
			int ret = fd < 0 ? 100 : nc_alloc(fd, 3, ANY, 0, NULL);

			/* Hold the pages until every racer has tried. */
			usleep(300000);
			_exit(ret);
		}
	}
	for (i = 0; i < 8; i++) {
		waitpid(pids[i], &status, 0);
		ASSERT_TRUE(WIFEXITED(status));
		if (WEXITSTATUS(status) == 0)
			ok++;
		else if (WEXITSTATUS(status) == ENOMEM)
			nomem++;
	}
	EXPECT_EQ(3, ok);
	EXPECT_EQ(5, nomem);
	EXPECT_EQ(0, nc_alloc(self->fd, 190, ANY, 0, NULL));
	EXPECT_EQ(10, T(self));
	EXPECT_EQ(0, O(self));
}

/* kill -9 of a VMM with its memory mapped: everything comes back. */
TEST_F(nc, kill_with_mappings)
{
	int pipefd[2], status;
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = nc_open();
		uint64_t off = 0;
		void *p;

		if (fd < 0 || nc_claim1(fd, self->n1, 80) ||
		    nc_alloc(fd, 50, self->n1, 0, &off))
			_exit(1);
		p = mmap(NULL, 50 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fd, off);
		if (p == MAP_FAILED)
			_exit(2);
		memset(p, 0x77, 50 * PAGE);
		close(fd);
		write(pipefd[1], "x", 1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	EXPECT_EQ(150, T(self));
	EXPECT_EQ(30, O(self));
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(200, T(self));
	EXPECT_EQ(0, O(self));
}

/*
 * A page still referenced elsewhere after RELEASE (here a pipe that
 * vmsplice() filled from the mapping, which holds the pages as a device
 * or O_DIRECT would) is neither scrubbed nor handed to another context,
 * nor given away: it stays charged to its context, shown as busy, until
 * the pipe lets it go. Meanwhile another context takes every other page of
 * the pool and finds them zero, and the pipe still reads the owner's bytes.
 */
TEST_F(nc, release_while_referenced)
{
	unsigned char *p, buf[PAGE];
	struct iovec iov;
	int pipefd[2];
	uint64_t off = 0, off_b = 0;
	int tries;

	ASSERT_EQ(0, nc_alloc(self->fd, 2, ANY, 0, &off));
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd, off);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x99, 2 * PAGE);
	ASSERT_EQ(0, pipe(pipefd));
	iov.iov_base = p;
	iov.iov_len = PAGE;
	ASSERT_EQ(PAGE, vmsplice(pipefd[1], &iov, 1, 0));
	munmap(p, 2 * PAGE);
	EXPECT_EQ(0, nc_release(self->fd, off));

	ASSERT_EQ(0, nc_info(self->fd, &self->s));
	EXPECT_EQ(1, self->s.info.ctx_pages);
	EXPECT_EQ(1, self->s.info.ctx_busy_pages);
	EXPECT_EQ(1, self->s.info.busy_pages);
	EXPECT_EQ(2 * POOL, self->s.info.pool_pages);
	EXPECT_EQ(2 * POOL - 1, self->s.info.free_pages);
	EXPECT_EQ(ENOMEM, nc_alloc(self->fd_b, 2 * POOL, ANY, 0, &off_b));
	ASSERT_EQ(0, nc_alloc(self->fd_b, 2 * POOL - 1, ANY, 0, &off_b));
	p = mmap(NULL, (2 * POOL - 1) * PAGE, PROT_READ, MAP_SHARED,
		 self->fd_b, off_b);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(nc_all_bytes(p, (2 * POOL - 1) * PAGE, 0));
	munmap(p, (2 * POOL - 1) * PAGE);
	EXPECT_EQ(0, nc_release(self->fd_b, off_b));
	ASSERT_EQ(PAGE, read(pipefd[0], buf, PAGE));
	EXPECT_TRUE(nc_all_bytes(buf, PAGE, 0x99));

	/* The pipe read it out: the page comes back to the pool. */
	close(pipefd[0]);
	close(pipefd[1]);
	for (tries = 0; tries < 100 && T(self) != 2 * POOL; tries++)
		usleep(20000);
	EXPECT_EQ(2 * POOL, T(self));
	EXPECT_EQ(0, self->s.info.ctx_pages);
	EXPECT_EQ(0, self->s.info.busy_pages);
}

/* A memoryless node has an empty pool: nothing to claim or take there. */
TEST_F(nc, memoryless_node)
{
	uint32_t n, ml = ANY;

	for (n = 0; n < self->s.info.nr_nodes && n < MAX_NODES; n++)
		if (self->s.node[n].flags & NUMACLAIM_NODE_MEMORYLESS)
			ml = n;
	if (ml == ANY)
		SKIP(return, "no memoryless node in this topology");
	EXPECT_EQ(0, self->s.node[ml].pool_pages);
	EXPECT_EQ(ENOMEM, nc_claim1(self->fd, ml, 1));
	EXPECT_EQ(ENOMEM, nc_alloc(self->fd, 1, ml, NUMACLAIM_ALLOC_EXACT_NODE,
				   NULL));
	/* Not exact: the nearest node with memory serves it. */
	EXPECT_EQ(0, nc_alloc(self->fd, 1, ml, 0, NULL));
	EXPECT_EQ(0, nc_resize(self->fd, ml, 100, NULL));
	EXPECT_EQ(0, nc_info(self->fd, &self->s));
	EXPECT_EQ(0, self->s.node[ml].pool_pages);
}

/* An O_DIRECT read from a block device lands in the mapped pages (GUP). */
TEST_F(nc, gup_o_direct)
{
	unsigned char *p, *src;
	uint64_t off = 0;
	int dev;

	dev = open("/dev/ram0", O_RDWR | O_DIRECT);
	if (dev < 0)
		SKIP(return, "no /dev/ram0 (brd) for O_DIRECT: %s", strerror(errno));
	src = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, src);
	memset(src, 0x6b, 4 * PAGE);
	ASSERT_EQ(4 * PAGE, pwrite(dev, src, 4 * PAGE, 0));

	ASSERT_EQ(0, nc_alloc(self->fd, 4, ANY, 0, &off));
	p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd, off);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(4 * PAGE, pread(dev, p, 4 * PAGE, 0));
	EXPECT_TRUE(nc_all_bytes(p, 4 * PAGE, 0x6b));
	/* And the other way: from the mapping to the device. */
	memset(p, 0x2d, 4 * PAGE);
	ASSERT_EQ(4 * PAGE, pwrite(dev, p, 4 * PAGE, 0));
	ASSERT_EQ(4 * PAGE, pread(dev, src, 4 * PAGE, 0));
	EXPECT_TRUE(nc_all_bytes(src, 4 * PAGE, 0x2d));
	munmap(p, 4 * PAGE);
	EXPECT_EQ(0, nc_release(self->fd, off));
	munmap(src, 4 * PAGE);
	close(dev);
}

/* Bad user pointers are EFAULT and change nothing. */
TEST_F(nc, bad_pointers)
{
	struct numaclaim_info info = { .nr_nodes = 4, .nodes = 8 };
	struct numaclaim_claim c = { .nr_entries = 1, .entries = 8 };
	struct numaclaim_alloc *ro;

	EXPECT_EQ(EFAULT, nc_ioctl(self->fd, NUMACLAIM_IOC_INFO, &info));
	EXPECT_EQ(EFAULT, nc_ioctl(self->fd, NUMACLAIM_IOC_CLAIM, &c));
	c.entries = (uintptr_t)-4096;
	EXPECT_EQ(EFAULT, nc_ioctl(self->fd, NUMACLAIM_IOC_CLAIM, &c));
	/* An ALLOC whose answer cannot be written allocates nothing. */
	ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		  -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ro->pages = 10;
	ro->node = ANY;
	ASSERT_EQ(0, mprotect(ro, PAGE, PROT_READ));
	EXPECT_EQ(EFAULT, nc_ioctl(self->fd, NUMACLAIM_IOC_ALLOC, ro));
	EXPECT_EQ(200, T(self));
	EXPECT_EQ(0, self->s.info.ctx_pages);
	munmap(ro, PAGE);
}

TEST_HARNESS_MAIN
