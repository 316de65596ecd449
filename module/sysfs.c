// SPDX-License-Identifier: GPL-2.0
/*
 * numaclaim sysfs: /sys/kernel/numaclaim/ with the host's counts, and
 * nodes/nodeN/ with each node's; nodeN/pool_pages is writable and resizes
 * the node's pool, as hugetlb's per-node nr_hugepages does.
 */
#include <linux/capability.h>
#include <linux/kobject.h>
#include <linux/kstrtox.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "numaclaim.h"

static struct numaclaim_host *sysfs_host;
static struct kobject *numaclaim_kobj;
static struct kobject *nodes_kobj;
static struct kobject **node_kobjs;

#define NUMACLAIM_HOST_ATTR(_name, _field)				\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	struct numaclaim_view v;					\
									\
	numaclaim_ledger_view(&sysfs_host->ledger, NULL, &v, NULL, 0);	\
	return sysfs_emit(buf, "%lu\n", v._field);			\
}									\
static struct kobj_attribute host_##_name##_attr = __ATTR_RO(_name)

NUMACLAIM_HOST_ATTR(pool_pages, pool);
NUMACLAIM_HOST_ATTR(free_pages, avail);
NUMACLAIM_HOST_ATTR(outstanding_pages, outstanding);
NUMACLAIM_HOST_ATTR(allocated_pages, allocated);

#define NUMACLAIM_POOL_ATTR(_prefix, _name, _nid)			\
static ssize_t _prefix##_##_name##_show(struct kobject *kobj,		\
					struct kobj_attribute *attr,	\
					char *buf)			\
{									\
	return sysfs_emit(buf, "%lu\n",					\
			  numaclaim_pool_##_name(sysfs_host, _nid));	\
}									\
static struct kobj_attribute _prefix##_##_name##_attr =		\
	__ATTR(_name##_pages, 0444, _prefix##_##_name##_show, NULL)

NUMACLAIM_POOL_ATTR(host, busy, -1);
NUMACLAIM_POOL_ATTR(host, hwpoison, -1);
NUMACLAIM_POOL_ATTR(host, dirty, -1);

static struct attribute *host_attrs[] = {
	&host_pool_pages_attr.attr,
	&host_free_pages_attr.attr,
	&host_outstanding_pages_attr.attr,
	&host_allocated_pages_attr.attr,
	&host_busy_attr.attr,
	&host_hwpoison_attr.attr,
	&host_dirty_attr.attr,
	NULL,
};

static const struct attribute_group host_group = {
	.attrs = host_attrs,
};

static int node_of(struct kobject *kobj)
{
	int nid;

	if (kstrtoint(kobject_name(kobj) + strlen("node"), 10, &nid))
		return -1;
	return nid;
}

static struct numaclaim_node_view node_view(struct kobject *kobj)
{
	struct numaclaim_node_view nv;

	numaclaim_ledger_node_view(&sysfs_host->ledger, NULL, node_of(kobj),
				   &nv);
	return nv;
}

#define NUMACLAIM_NODE_ATTR_SHOW(_name, _field)				\
static ssize_t node_##_name##_show(struct kobject *kobj,		\
				   struct kobj_attribute *attr,		\
				   char *buf)				\
{									\
	return sysfs_emit(buf, "%lu\n", node_view(kobj)._field);	\
}

NUMACLAIM_NODE_ATTR_SHOW(pool_pages, pool)
NUMACLAIM_NODE_ATTR_SHOW(free_pages, avail)
NUMACLAIM_NODE_ATTR_SHOW(claimed_pages, claimed)
NUMACLAIM_NODE_ATTR_SHOW(allocated_pages, allocated)

static ssize_t node_pool_pages_store(struct kobject *kobj,
				     struct kobj_attribute *attr,
				     const char *buf, size_t count)
{
	unsigned long want, reached;
	int ret;

	/* As NUMACLAIM_IOC_POOL_RESIZE: the file's mode alone is not enough. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = kstrtoul(buf, 0, &want);
	if (ret)
		return ret;
	ret = numaclaim_pool_resize(sysfs_host, node_of(kobj), want, &reached);
	return ret ? ret : count;
}

static struct kobj_attribute node_pool_pages_attr =
	__ATTR(pool_pages, 0644, node_pool_pages_show, node_pool_pages_store);
static struct kobj_attribute node_free_pages_attr =
	__ATTR(free_pages, 0444, node_free_pages_show, NULL);
static struct kobj_attribute node_claimed_pages_attr =
	__ATTR(claimed_pages, 0444, node_claimed_pages_show, NULL);
static struct kobj_attribute node_allocated_pages_attr =
	__ATTR(allocated_pages, 0444, node_allocated_pages_show, NULL);

NUMACLAIM_POOL_ATTR(node, busy, node_of(kobj));
NUMACLAIM_POOL_ATTR(node, hwpoison, node_of(kobj));
NUMACLAIM_POOL_ATTR(node, dirty, node_of(kobj));

static struct attribute *node_attrs[] = {
	&node_pool_pages_attr.attr,
	&node_free_pages_attr.attr,
	&node_claimed_pages_attr.attr,
	&node_allocated_pages_attr.attr,
	&node_busy_attr.attr,
	&node_hwpoison_attr.attr,
	&node_dirty_attr.attr,
	NULL,
};

static const struct attribute_group node_group = {
	.attrs = node_attrs,
};

/**
 * numaclaim_sysfs_exit() - remove /sys/kernel/numaclaim
 */
void numaclaim_sysfs_exit(void)
{
	unsigned int n;

	for (n = 0; node_kobjs && n < sysfs_host->nr_nodes; n++) {
		if (!node_kobjs[n])
			continue;
		sysfs_remove_group(node_kobjs[n], &node_group);
		kobject_put(node_kobjs[n]);
	}
	kfree(node_kobjs);
	node_kobjs = NULL;
	kobject_put(nodes_kobj);
	nodes_kobj = NULL;
	if (numaclaim_kobj)
		sysfs_remove_group(numaclaim_kobj, &host_group);
	kobject_put(numaclaim_kobj);
	numaclaim_kobj = NULL;
}

/**
 * numaclaim_sysfs_init() - create /sys/kernel/numaclaim
 * @host: the host whose counts it shows
 *
 * Return: 0 or a negative errno, with nothing left behind.
 */
int numaclaim_sysfs_init(struct numaclaim_host *host)
{
	char name[16];
	unsigned int n;
	int ret = -ENOMEM;

	sysfs_host = host;
	numaclaim_kobj = kobject_create_and_add("numaclaim", kernel_kobj);
	if (!numaclaim_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(numaclaim_kobj, &host_group);
	if (ret) {
		kobject_put(numaclaim_kobj);
		numaclaim_kobj = NULL;
		return ret;
	}
	ret = -ENOMEM;
	nodes_kobj = kobject_create_and_add("nodes", numaclaim_kobj);
	node_kobjs = kcalloc(host->nr_nodes, sizeof(*node_kobjs), GFP_KERNEL);
	if (!nodes_kobj || !node_kobjs)
		goto err;
	for (n = 0; n < host->nr_nodes; n++) {
		if (!node_possible(n))
			continue;
		snprintf(name, sizeof(name), "node%u", n);
		node_kobjs[n] = kobject_create_and_add(name, nodes_kobj);
		if (!node_kobjs[n]) {
			ret = -ENOMEM;
			goto err;
		}
		ret = sysfs_create_group(node_kobjs[n], &node_group);
		if (ret) {
			kobject_put(node_kobjs[n]);
			node_kobjs[n] = NULL;
			goto err;
		}
	}
	return 0;
err:
	numaclaim_sysfs_exit();
	return ret;
}
