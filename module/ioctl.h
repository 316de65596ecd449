/* SPDX-License-Identifier: GPL-2.0 */
/*
 * numaclaim ioctl argument checks, apart from the dispatch so that KUnit
 * can call them without userspace.
 */
#ifndef _NUMACLAIM_IOCTL_H
#define _NUMACLAIM_IOCTL_H

#include <linux/types.h>

#include "../include/uapi/linux/numaclaim.h"
#include "ledger.h"

struct numaclaim_context;

/**
 * struct numaclaim_ioctl_op - one ioctl of /dev/numaclaim
 * @cmd: its number, with the size of the struct the kernel knows
 * @size: the size of that struct
 * @min_size: the smallest size accepted, the first version's
 * @fn: the handler, called with the struct copied in
 */
struct numaclaim_ioctl_op {
	unsigned int cmd;
	unsigned int size;
	unsigned int min_size;
	int (*fn)(struct numaclaim_context *ctx, void *arg);
};

int numaclaim_ioctl_lookup(unsigned int cmd,
			   const struct numaclaim_ioctl_op **op);
int numaclaim_node_arg(u32 node, bool any_ok, int *nid);
int numaclaim_claim_arg(const struct numaclaim_claim *arg);
int numaclaim_claim_entries(const struct numaclaim_claim_entry *entries,
			    unsigned int nr, struct numaclaim_stake *stakes);
int numaclaim_alloc_arg(const struct numaclaim_alloc *arg, int *nid);
int numaclaim_pool_arg(const struct numaclaim_pool *arg, int *nid);

#endif /* _NUMACLAIM_IOCTL_H */
