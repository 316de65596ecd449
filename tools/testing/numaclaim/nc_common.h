/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the selftests of /dev/numaclaim share: thin ioctl helpers and the
 * fixture of CLAIM-CASES.md (two nodes' pools resized to 100 pages each,
 * three contexts A, B and C). Included by each test program after
 * kselftest_harness.h.
 */
#ifndef NC_COMMON_H
#define NC_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/numaclaim.h>

#define DEV		"/dev/numaclaim"
#define ANY		NUMACLAIM_ANY_NODE
#define PAGE		4096UL
#define POOL		100
#define MAX_NODES	64

static inline int nc_open(void)
{
	return open(DEV, O_RDWR | O_CLOEXEC);
}

/* The errno of an ioctl, 0 when it succeeds. */
static inline int nc_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

static inline int nc_claim(int fd, const struct numaclaim_claim_entry *e,
		    unsigned int nr)
{
	struct numaclaim_claim c = {
		.nr_entries = nr,
		.entries = (uintptr_t)e,
	};

	return nc_ioctl(fd, NUMACLAIM_IOC_CLAIM, &c);
}

static inline int nc_claim1(int fd, uint32_t node, uint64_t pages)
{
	struct numaclaim_claim_entry e = { .node = node, .pages = pages };

	return nc_claim(fd, &e, 1);
}

static inline int nc_alloc(int fd, uint64_t pages, uint32_t node, uint32_t flags,
		    uint64_t *offset)
{
	struct numaclaim_alloc a;

	memset(&a, 0, sizeof(a));
	a.pages = pages;
	a.node = node;
	a.flags = flags;
	a.offset = 0xccccccccccccccccULL;
	if (ioctl(fd, NUMACLAIM_IOC_ALLOC, &a))
		return errno;
	if (offset)
		*offset = a.offset;
	return 0;
}

static inline int nc_release(int fd, uint64_t offset)
{
	struct numaclaim_release r = { .offset = offset };

	return nc_ioctl(fd, NUMACLAIM_IOC_RELEASE, &r);
}

static inline int nc_set_max(int fd, uint64_t max)
{
	struct numaclaim_max_pages m = { .max_pages = max };

	return nc_ioctl(fd, NUMACLAIM_IOC_SET_MAX_PAGES, &m);
}

struct nc_state {
	struct numaclaim_info info;
	struct numaclaim_node_info node[MAX_NODES];
};

static inline int nc_info(int fd, struct nc_state *s)
{
	memset(s, 0xcc, sizeof(*s));
	s->info.nr_nodes = MAX_NODES;
	s->info.reserved = 0;
	s->info.nodes = (uintptr_t)s->node;
	return nc_ioctl(fd, NUMACLAIM_IOC_INFO, &s->info);
}

static inline int nc_resize(int fd, uint32_t node, uint64_t pages, uint64_t *reached)
{
	struct numaclaim_pool p = { .node = node, .pages = pages };
	int ret = nc_ioctl(fd, NUMACLAIM_IOC_POOL_RESIZE, &p);

	if (reached)
		*reached = p.pages;
	return ret;
}

/* A number read from a sysfs file, or -1. */
static inline long nc_sysfs_read(const char *path)
{
	char buf[64] = "";
	long v = -1;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) > 0)
		v = strtol(buf, NULL, 10);
	close(fd);
	return v;
}

/* A node's file under /sys/kernel/numaclaim/nodes/nodeN, or -1. */
static inline long nc_node_attr(uint32_t node, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/numaclaim/nodes/node%u/%s",
		 node, name);
	return nc_sysfs_read(path);
}

/*
 * The fixture of CLAIM-CASES.md: the first two nodes with memory get pools
 * of POOL pages, every other node's pool is emptied. 0; -ENODEV without
 * two nodes with memory; the negative errno of an ioctl that failed, or
 * -EIO for a pool that came short.
 */
static inline int nc_two_pools(int fd, struct nc_state *s, uint32_t *n0,
			       uint32_t *n1)
{
	unsigned int n, found = 0;
	uint32_t nodes[2];
	uint64_t reached;
	int ret;

	ret = nc_info(fd, s);
	if (ret)
		return -ret;
	for (n = 0; n < s->info.nr_nodes && n < MAX_NODES; n++) {
		if (s->node[n].flags & NUMACLAIM_NODE_MEMORYLESS)
			continue;
		if (found < 2)
			nodes[found++] = n;
		else if ((ret = nc_resize(fd, n, 0, NULL)))
			return -ret;
	}
	if (found < 2)
		return -ENODEV;
	for (n = 0; n < 2; n++) {
		ret = nc_resize(fd, nodes[n], POOL, &reached);
		if (ret)
			return -ret;
		if (reached != POOL)
			return -EIO;
	}
	*n0 = nodes[0];
	*n1 = nodes[1];
	return 0;
}

/* move_pages(2) in query mode: the node of each page, or -errno. */
static inline void nc_page_nodes(void *addr, unsigned long nr, int *status)
{
	void *pages[nr];
	unsigned long i;

	for (i = 0; i < nr; i++)
		pages[i] = (char *)addr + i * PAGE;
	if (syscall(__NR_move_pages, 0, nr, pages, NULL, status, 0))
		for (i = 0; i < nr; i++)
			status[i] = -errno;
}

static inline int nc_all_bytes(const void *p, size_t len, unsigned char c)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != c)
			return 0;
	return 1;
}

FIXTURE(nc) {
	int fd;			/* context A */
	int fd_b, fd_c;		/* contexts B and C */
	uint32_t n0, n1;	/* two nodes with memory */
	struct nc_state s;
};

FIXTURE_SETUP(nc)
{
	int ret;

	self->fd = nc_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", DEV, strerror(errno));
	self->fd_b = nc_open();
	self->fd_c = nc_open();
	ASSERT_LE(0, self->fd_b);
	ASSERT_LE(0, self->fd_c);
	ret = nc_two_pools(self->fd, &self->s, &self->n0, &self->n1);
	if (ret == -ENODEV)
		SKIP(return, "needs two nodes with memory");
	ASSERT_EQ(0, ret) TH_LOG("pools: %s", strerror(-ret));
	ASSERT_EQ(0, nc_info(self->fd, &self->s));
	ASSERT_EQ(2 * POOL, self->s.info.free_pages);
	ASSERT_EQ(0, self->s.info.outstanding);
}

FIXTURE_TEARDOWN(nc)
{
	close(self->fd);
	close(self->fd_b);
	close(self->fd_c);
}

#define T(self)	({ nc_info((self)->fd, &(self)->s); (self)->s.info.free_pages; })
#define O(self)	({ nc_info((self)->fd, &(self)->s); (self)->s.info.outstanding; })
#define NC(self, n) ({ nc_info((self)->fd, &(self)->s); \
		       (self)->s.node[n].claimed_pages; })

#endif /* NC_COMMON_H */
