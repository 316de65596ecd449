// SPDX-License-Identifier: GPL-2.0
/*
 * numaclaim: per-NUMA-node page pools with Xen-style memory claims.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/topology.h>

#include "numaclaim.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

static struct numaclaim_host numaclaim_host;

static char *pool_mb;
module_param(pool_mb, charp, 0444);
MODULE_PARM_DESC(pool_mb,
		 "pool size per node at load, in MiB: NODE:MB[,NODE:MB...]");

static int numaclaim_distance(int from, int to)
{
	return node_distance(from, to);
}

static bool numaclaim_node_usable(int nid)
{
	return node_online(nid) && node_state(nid, N_MEMORY);
}

/*
 * One pool_mb entry, NODE:MB, both decimal: a possible node, and MiB that
 * fit in an unsigned long of pages. Anything else (a sign, a missing or
 * extra part, trailing characters, a number that overflows) is -EINVAL.
 * @tok is left as it was.
 */
static int numaclaim_pool_entry(char *tok, unsigned int *nid,
				unsigned long *mb)
{
	char *colon = strchr(tok, ':');
	int ret;

	/* kstrto*() would take a leading '+': digits only. */
	if (!colon || !isdigit(tok[0]) || !isdigit(colon[1]))
		return -EINVAL;
	*colon = '\0';
	ret = kstrtouint(tok, 10, nid) ?: kstrtoul(colon + 1, 10, mb);
	*colon = ':';
	if (ret || *nid >= nr_node_ids || !node_possible(*nid) ||
	    *mb > ULONG_MAX >> (20 - PAGE_SHIFT))
		return -EINVAL;
	return 0;
}

/* Fill the pools pool_mb names; a pool may end up smaller than asked. */
static int numaclaim_fill_pools(void)
{
	char *spec, *cur, *tok;
	unsigned long reached, mb;
	unsigned int nid;
	int ret = 0;

	if (!pool_mb || !*pool_mb)
		return 0;
	spec = kstrdup(pool_mb, GFP_KERNEL);
	if (!spec)
		return -ENOMEM;
	cur = spec;
	while ((tok = strsep(&cur, ",")) && !ret) {
		ret = numaclaim_pool_entry(tok, &nid, &mb);
		if (ret) {
			pr_err("bad pool_mb entry '%s' (NODE:MB)\n", tok);
			break;
		}
		ret = numaclaim_pool_resize(&numaclaim_host, nid,
					    mb << (20 - PAGE_SHIFT), &reached);
		if (!ret)
			pr_info("node %u: pool of %lu MiB\n", nid,
				reached >> (20 - PAGE_SHIFT));
	}
	kfree(spec);
	return ret;
}

static int __init numaclaim_init(void)
{
	int ret;

	ret = numaclaim_host_init(&numaclaim_host, nr_node_ids,
				  numaclaim_distance, numaclaim_node_usable);
	if (ret)
		return ret;
	ret = numaclaim_sysfs_init(&numaclaim_host);
	if (ret)
		goto err_host;
	ret = numaclaim_fill_pools();
	if (ret)
		goto err_sysfs;
	ret = numaclaim_chardev_init(&numaclaim_host);
	if (ret)
		goto err_sysfs;
	return 0;

err_sysfs:
	numaclaim_sysfs_exit();
err_host:
	numaclaim_host_destroy(&numaclaim_host);
	return ret;
}

static void __exit numaclaim_exit(void)
{
	numaclaim_chardev_exit();
	numaclaim_sysfs_exit();
	numaclaim_host_destroy(&numaclaim_host);
}

module_init(numaclaim_init);
module_exit(numaclaim_exit);

MODULE_DESCRIPTION("Per-NUMA-node page pools with memory claims");
MODULE_LICENSE("GPL");
