/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The uapi header on its own: compiles as C90, C11 and C++ with every
 * warning an error, and has the same sizes and offsets for 32-bit and
 * 64-bit userspace. Compiling is the test; a wrong layout fails to compile.
 */
#include <linux/numaclaim.h>
#include <stddef.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define CHECK(cond) typedef char CAT(layout_check_, __LINE__)[(cond) ? 1 : -1]

CHECK(sizeof(struct numaclaim_claim_entry) == 16);
CHECK(offsetof(struct numaclaim_claim_entry, node) == 0);
CHECK(offsetof(struct numaclaim_claim_entry, reserved) == 4);
CHECK(offsetof(struct numaclaim_claim_entry, pages) == 8);

CHECK(sizeof(struct numaclaim_claim) == 16);
CHECK(offsetof(struct numaclaim_claim, nr_entries) == 0);
CHECK(offsetof(struct numaclaim_claim, flags) == 4);
CHECK(offsetof(struct numaclaim_claim, entries) == 8);

CHECK(sizeof(struct numaclaim_alloc) == 40);
CHECK(offsetof(struct numaclaim_alloc, pages) == 0);
CHECK(offsetof(struct numaclaim_alloc, node) == 8);
CHECK(offsetof(struct numaclaim_alloc, flags) == 12);
CHECK(offsetof(struct numaclaim_alloc, offset) == 16);
CHECK(offsetof(struct numaclaim_alloc, node_pages) == 24);
CHECK(offsetof(struct numaclaim_alloc, nr_node_pages) == 32);
CHECK(offsetof(struct numaclaim_alloc, reserved) == 36);

CHECK(sizeof(struct numaclaim_release) == 8);
CHECK(sizeof(struct numaclaim_max_pages) == 16);
CHECK(offsetof(struct numaclaim_max_pages, flags) == 8);
CHECK(offsetof(struct numaclaim_max_pages, reserved) == 12);

CHECK(sizeof(struct numaclaim_node_info) == 48);
CHECK(offsetof(struct numaclaim_node_info, flags) == 4);
CHECK(offsetof(struct numaclaim_node_info, pool_pages) == 8);
CHECK(offsetof(struct numaclaim_node_info, free_pages) == 16);
CHECK(offsetof(struct numaclaim_node_info, claimed_pages) == 24);
CHECK(offsetof(struct numaclaim_node_info, ctx_claim) == 32);
CHECK(offsetof(struct numaclaim_node_info, ctx_pages) == 40);

CHECK(sizeof(struct numaclaim_info) == 96);
CHECK(offsetof(struct numaclaim_info, reserved) == 4);
CHECK(offsetof(struct numaclaim_info, nodes) == 8);
CHECK(offsetof(struct numaclaim_info, pool_pages) == 16);
CHECK(offsetof(struct numaclaim_info, free_pages) == 24);
CHECK(offsetof(struct numaclaim_info, outstanding) == 32);
CHECK(offsetof(struct numaclaim_info, ctx_pages) == 40);
CHECK(offsetof(struct numaclaim_info, ctx_max_pages) == 48);
CHECK(offsetof(struct numaclaim_info, ctx_claims) == 56);
CHECK(offsetof(struct numaclaim_info, ctx_claim_any) == 64);
CHECK(offsetof(struct numaclaim_info, ctx_flags) == 72);
CHECK(offsetof(struct numaclaim_info, reserved2) == 76);
CHECK(offsetof(struct numaclaim_info, ctx_busy_pages) == 80);
CHECK(offsetof(struct numaclaim_info, busy_pages) == 88);

CHECK(sizeof(struct numaclaim_pool) == 16);
CHECK(offsetof(struct numaclaim_pool, reserved) == 4);
CHECK(offsetof(struct numaclaim_pool, pages) == 8);

CHECK(sizeof(struct numaclaim_export) == 16);
CHECK(offsetof(struct numaclaim_export, flags) == 8);
CHECK(offsetof(struct numaclaim_export, fd) == 12);

/* The ioctl numbers carry those sizes, the same on every ABI. */
CHECK(_IOC_SIZE(NUMACLAIM_IOC_ALLOC) == 40);
CHECK(_IOC_SIZE(NUMACLAIM_IOC_INFO) == 96);
CHECK(_IOC_SIZE(NUMACLAIM_IOC_SET_MAX_PAGES) == 16);
CHECK(_IOC_SIZE(NUMACLAIM_IOC_EXPORT) == 16);
CHECK(_IOC_TYPE(NUMACLAIM_IOC_CLAIM) == NUMACLAIM_IOC_MAGIC);

int main(void)
{
	return 0;
}
