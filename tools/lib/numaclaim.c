// SPDX-License-Identifier: GPL-2.0
/*
 * libnumaclaim: thin wrappers of the /dev/numaclaim ioctls.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "numaclaim.h"

static int nc_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

int numaclaim_open(void)
{
	int fd = open(NUMACLAIM_DEV, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int numaclaim_context(void)
{
	const char *env = getenv(NUMACLAIM_FD_ENV);
	char *end;
	long fd;

	if (!env || !*env)
		return numaclaim_open();
	errno = 0;
	fd = strtol(env, &end, 10);
	if (errno || *end || fd < 0 || fd > 1 << 20)
		return -EBADF;
	if (fcntl((int)fd, F_GETFD) < 0)
		return -errno;
	return (int)fd;
}

int numaclaim_claim(int fd, const struct numaclaim_claim_entry *e,
		    unsigned int nr)
{
	struct numaclaim_claim c;

	memset(&c, 0, sizeof(c));
	c.nr_entries = nr;
	c.entries = (uintptr_t)e;
	return nc_ioctl(fd, NUMACLAIM_IOC_CLAIM, &c);
}

int numaclaim_reset(int fd)
{
	return numaclaim_claim(fd, NULL, 0);
}

int numaclaim_alloc(int fd, uint64_t pages, uint32_t node, uint32_t flags,
		    uint64_t *offset, uint64_t *node_pages,
		    unsigned int nr_node_pages)
{
	struct numaclaim_alloc a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.pages = pages;
	a.node = node;
	a.flags = flags;
	a.node_pages = (uintptr_t)node_pages;
	a.nr_node_pages = node_pages ? nr_node_pages : 0;
	ret = nc_ioctl(fd, NUMACLAIM_IOC_ALLOC, &a);
	if (!ret && offset)
		*offset = a.offset;
	return ret;
}

int numaclaim_release(int fd, uint64_t offset)
{
	struct numaclaim_release r = { .offset = offset };

	return nc_ioctl(fd, NUMACLAIM_IOC_RELEASE, &r);
}

int numaclaim_set_max(int fd, uint64_t max_pages, uint32_t flags)
{
	struct numaclaim_max_pages m = { .max_pages = max_pages,
					 .flags = flags };

	return nc_ioctl(fd, NUMACLAIM_IOC_SET_MAX_PAGES, &m);
}

int numaclaim_pool_resize(int fd, uint32_t node, uint64_t pages,
			  uint64_t *reached)
{
	struct numaclaim_pool p;
	int ret;

	memset(&p, 0, sizeof(p));
	p.node = node;
	p.pages = pages;
	ret = nc_ioctl(fd, NUMACLAIM_IOC_POOL_RESIZE, &p);
	if (!ret && reached)
		*reached = p.pages;
	return ret;
}

int numaclaim_export(int fd, uint64_t offset, uint32_t flags, int *file_fd)
{
	struct numaclaim_export e;
	int ret;

	memset(&e, 0, sizeof(e));
	e.offset = offset;
	e.flags = flags;
	ret = nc_ioctl(fd, NUMACLAIM_IOC_EXPORT, &e);
	if (!ret)
		*file_fd = (int)e.fd;
	return ret;
}

int numaclaim_info(int fd, struct numaclaim_info *info,
		   struct numaclaim_node_info *nodes, unsigned int nr)
{
	memset(info, 0, sizeof(*info));
	info->nr_nodes = nodes ? nr : 0;
	info->nodes = (uintptr_t)nodes;
	return nc_ioctl(fd, NUMACLAIM_IOC_INFO, info);
}

const char *numaclaim_strerror(unsigned long cmd, int err)
{
	switch (err) {
	case ENOENT:
		return "no /dev/numaclaim: is the numaclaim module loaded?";
	case EACCES:
		return "/dev/numaclaim is root's (mode 0600) unless a udev rule widens it";
	case EPERM:
		return "resizing a pool needs CAP_SYS_ADMIN";
	case EDQUOT:
		return "over this context's limit (SET_MAX_PAGES)";
	case EFAULT:
		return "a buffer passed to the kernel cannot be read or written";
	case ENOTTY:
		return "the module does not know this request (an older module?)";
	case E2BIG:
		return "the module is older than this tool and does not know a field it was given";
	}
	if (cmd == NUMACLAIM_IOC_CLAIM) {
		switch (err) {
		case EINVAL:
			return "bad claim: a node that does not exist, a node twice, zero pages, or over the context's limit";
		case EBUSY:
			return "this context holds a claim already: reset it first";
		case ENOMEM:
			return "not enough unclaimed free pages on that node or on the host";
		}
	} else if (cmd == NUMACLAIM_IOC_ALLOC) {
		switch (err) {
		case EINVAL:
			return "bad request: zero pages, a node that does not exist, or --exact without a node";
		case ENOMEM:
			return "not enough free pages that are not claimed by someone else";
		}
	} else if (cmd == NUMACLAIM_IOC_RELEASE) {
		switch (err) {
		case EINVAL:
			return "no allocation of this context at that offset";
		case EBUSY:
			return "the allocation is still mapped, or exported as a file";
		}
	} else if (cmd == NUMACLAIM_IOC_EXPORT) {
		switch (err) {
		case EINVAL:
			return "no allocation of this context at that offset";
		case EBUSY:
			return "the allocation is exported already";
		}
	} else if (cmd == NUMACLAIM_IOC_SET_MAX_PAGES) {
		if (err == EBUSY)
			return "the context already holds and claims more than that";
	} else if (cmd == NUMACLAIM_IOC_POOL_RESIZE) {
		if (err == EINVAL)
			return "no such node";
	}
	return strerror(err);
}
