/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libnumaclaim: thin wrappers of the /dev/numaclaim ioctls for tools and
 * toolstacks. Every call answers 0 or a positive errno.
 */
#ifndef _LIBNUMACLAIM_H
#define _LIBNUMACLAIM_H

#include <stdint.h>

#include <linux/numaclaim.h>

#define NUMACLAIM_DEV		"/dev/numaclaim"
#define NUMACLAIM_FD_ENV	"NUMACLAIM_FD"

/* The context named by $NUMACLAIM_FD, or a new one: an fd, or -errno. */
int numaclaim_context(void);
int numaclaim_open(void);

int numaclaim_claim(int fd, const struct numaclaim_claim_entry *e,
		    unsigned int nr);
int numaclaim_reset(int fd);
int numaclaim_alloc(int fd, uint64_t pages, uint32_t node, uint32_t flags,
		    uint64_t *offset, uint64_t *node_pages,
		    unsigned int nr_node_pages);
int numaclaim_release(int fd, uint64_t offset);
int numaclaim_set_max(int fd, uint64_t max_pages, uint32_t flags);
int numaclaim_pool_resize(int fd, uint32_t node, uint64_t pages,
			  uint64_t *reached);

/*
 * The allocation at @offset as a file of its own: *@file_fd gets a new fd
 * (NUMACLAIM_EXPORT_CLOEXEC in @flags makes it close-on-exec).
 */
int numaclaim_export(int fd, uint64_t offset, uint32_t flags, int *file_fd);

/*
 * The host's and the context's state; @nodes gets up to @nr entries and
 * @info->nr_nodes the real number of nodes.
 */
int numaclaim_info(int fd, struct numaclaim_info *info,
		   struct numaclaim_node_info *nodes, unsigned int nr);

/* What an errno means for each ioctl, for messages. */
const char *numaclaim_strerror(unsigned long cmd, int err);

#endif /* _LIBNUMACLAIM_H */
