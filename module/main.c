// SPDX-License-Identifier: GPL-2.0
/*
 * numaclaim: per-NUMA-node page pools with Xen-style memory claims.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/nodemask.h>

#include "ledger.h"

static struct numaclaim_ledger numaclaim_host;

static int __init numaclaim_init(void)
{
	return numaclaim_ledger_init(&numaclaim_host, nr_node_ids);
}

static void __exit numaclaim_exit(void)
{
	numaclaim_ledger_destroy(&numaclaim_host);
}

module_init(numaclaim_init);
module_exit(numaclaim_exit);

MODULE_DESCRIPTION("Per-NUMA-node page pools with memory claims");
MODULE_LICENSE("GPL");
