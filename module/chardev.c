// SPDX-License-Identifier: GPL-2.0
/*
 * numaclaim device: /dev/numaclaim, one context per open(), and a thin ioctl
 * dispatch: copy the argument in, check it, call the context or the ledger,
 * copy the answer out.
 */
#include <linux/capability.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/uaccess.h>

#include "ioctl.h"
#include "numaclaim.h"
#include "trace.h"

static struct numaclaim_host *numaclaim_dev_host;

/*
 * Argument checks that need no user memory, apart so that KUnit can call
 * them. Each answers 0 or the errno DESIGN.md gives for the input.
 */

int numaclaim_node_arg(u32 node, bool any_ok, int *nid)
{
	if (node == NUMACLAIM_ANY_NODE && any_ok) {
		*nid = NUMACLAIM_LEDGER_ANY;
		return 0;
	}
	if (node >= nr_node_ids || !node_possible(node))
		return -EINVAL;
	*nid = node;
	return 0;
}

int numaclaim_claim_arg(const struct numaclaim_claim *arg)
{
	if (arg->flags & ~NUMACLAIM_CLAIM_FLAGS_ALL)
		return -EINVAL;
	if (arg->nr_entries > nr_node_ids + 1)
		return -EINVAL;
	return 0;
}

int numaclaim_claim_entries(const struct numaclaim_claim_entry *entries,
			    unsigned int nr, struct numaclaim_stake *stakes)
{
	unsigned int i;
	int ret;

	for (i = 0; i < nr; i++) {
		if (entries[i].reserved || entries[i].pages > ULONG_MAX)
			return -EINVAL;
		ret = numaclaim_node_arg(entries[i].node, true,
					 &stakes[i].node);
		if (ret)
			return ret;
		stakes[i].pages = entries[i].pages;
	}
	return 0;
}

int numaclaim_alloc_arg(const struct numaclaim_alloc *arg, int *nid)
{
	if (arg->reserved || (arg->flags & ~NUMACLAIM_ALLOC_FLAGS_ALL) ||
	    !arg->pages)
		return -EINVAL;
	if (arg->node == NUMACLAIM_ANY_NODE &&
	    (arg->flags & NUMACLAIM_ALLOC_EXACT_NODE))
		return -EINVAL;
	return numaclaim_node_arg(arg->node, true, nid);
}

int numaclaim_pool_arg(const struct numaclaim_pool *arg, int *nid)
{
	if (arg->reserved)
		return -EINVAL;
	return numaclaim_node_arg(arg->node, false, nid);
}

union numaclaim_ioctl_buf {
	struct numaclaim_claim claim;
	struct numaclaim_alloc alloc;
	struct numaclaim_release release;
	struct numaclaim_max_pages max_pages;
	struct numaclaim_info info;
	struct numaclaim_pool pool;
	struct numaclaim_export export;
};

/*
 * One ioctl call: its argument, and what becomes visible only once the
 * answer reached userspace: an allocation to publish, a file to install.
 */
struct numaclaim_ioctl_call {
	union numaclaim_ioctl_buf buf;
	struct numaclaim_allocation *pending;
	struct file *file;
};

/* Claims of up to this many entries (a node and "any") are read on the stack. */
#define NUMACLAIM_CLAIM_ON_STACK	4

/* The pages a claim asks for, for its tracepoint only. */
static u64 numaclaim_claim_pages(const struct numaclaim_claim_entry *entries,
				 u32 nr)
{
	u64 pages = 0;
	u32 i;

	for (i = 0; i < nr; i++)
		pages += entries[i].pages;
	return pages;
}

/* One numaclaim_claim_node event per entry; the host's entry as node -1. */
static void numaclaim_trace_claim_nodes(struct numaclaim_context *ctx,
					const struct numaclaim_claim_entry *entries,
					u32 nr)
{
	u32 i;

	for (i = 0; i < nr; i++)
		trace_numaclaim_claim_node(ctx, entries[i].node ==
					   NUMACLAIM_ANY_NODE ? -1 :
					   (int)entries[i].node,
					   entries[i].pages);
}

static int numaclaim_ioc_claim(struct numaclaim_context *ctx, void *buf)
{
	struct numaclaim_claim_entry entries_stack[NUMACLAIM_CLAIM_ON_STACK];
	struct numaclaim_stake stakes_stack[NUMACLAIM_CLAIM_ON_STACK];
	struct numaclaim_claim *arg = buf;
	struct numaclaim_claim_entry *entries = entries_stack;
	struct numaclaim_stake *stakes = stakes_stack;
	size_t size;
	int ret;

	ret = numaclaim_claim_arg(arg);
	if (ret)
		return ret;
	if (!arg->nr_entries) {
		ret = numaclaim_account_stake(&ctx->acct, NULL, 0);
		trace_numaclaim_claim(ctx, 0, 0, ret);
		return ret;
	}

	size = array_size(arg->nr_entries, sizeof(*entries));
	if (arg->nr_entries > NUMACLAIM_CLAIM_ON_STACK) {
		/* One block: the entries, then the stakes. */
		entries = kmalloc(size_add(size,
					   array_size(arg->nr_entries,
						      sizeof(*stakes))),
				  GFP_KERNEL);
		if (!entries)
			return -ENOMEM;
		stakes = (void *)((char *)entries + size);
	}
	if (copy_from_user(entries, u64_to_user_ptr(arg->entries), size)) {
		ret = -EFAULT;
		goto out;
	}
	ret = numaclaim_claim_entries(entries, arg->nr_entries, stakes);
	if (!ret)
		ret = numaclaim_account_stake(&ctx->acct, stakes,
					      arg->nr_entries);
	if (trace_numaclaim_claim_enabled())
		trace_numaclaim_claim(ctx, arg->nr_entries,
				      numaclaim_claim_pages(entries,
							    arg->nr_entries),
				      ret);
	if (trace_numaclaim_claim_node_enabled())
		numaclaim_trace_claim_nodes(ctx, entries, arg->nr_entries);
out:
	if (entries != entries_stack)
		kfree(entries);
	return ret;
}

static int numaclaim_ioc_alloc(struct numaclaim_context *ctx, void *buf)
{
	struct numaclaim_ioctl_call *call =
		container_of((union numaclaim_ioctl_buf *)buf,
			     struct numaclaim_ioctl_call, buf);
	struct numaclaim_alloc *arg = buf;
	void __user *unode_pages = u64_to_user_ptr(arg->node_pages);
	struct numaclaim_allocation *a;
	unsigned int nr_node_pages = 0, i;
	u64 *node_pages = NULL;
	int nid, ret;

	ret = numaclaim_alloc_arg(arg, &nid);
	if (ret)
		return ret;
	if (arg->pages > ULONG_MAX)
		return -EDQUOT;

	if (arg->node_pages) {
		nr_node_pages = min_t(u32, arg->nr_node_pages, nr_node_ids);
		/* An array that cannot be written fails before allocating. */
		if (clear_user(unode_pages, array_size(nr_node_pages,
						       sizeof(u64))))
			return -EFAULT;
		node_pages = kcalloc(nr_node_pages, sizeof(u64), GFP_KERNEL);
		if (!node_pages && nr_node_pages)
			return -ENOMEM;
	}

	ret = numaclaim_context_alloc(ctx, arg->pages, nid,
				      (arg->flags & NUMACLAIM_ALLOC_EXACT_NODE ?
				       NUMACLAIM_CHARGE_EXACT_NODE : 0) |
				      (arg->flags & NUMACLAIM_ALLOC_UNCLAIMED ?
				       NUMACLAIM_CHARGE_UNCLAIMED : 0),
				      node_pages, nr_node_pages, &a);
	trace_numaclaim_alloc(ctx, nid, arg->pages, arg->flags,
			      ret ? 0 : (u64)a->pgoff << PAGE_SHIFT,
			      ret ? 0 : a->nr_parts, ret);
	if (ret)
		goto out;
	arg->offset = (u64)a->pgoff << PAGE_SHIFT;
	if (trace_numaclaim_alloc_node_enabled())
		for (i = 0; i < a->nr_parts; i++)
			trace_numaclaim_alloc_node(ctx, arg->offset,
						   a->parts[i].node,
						   a->parts[i].pages);
	if (node_pages &&
	    copy_to_user(unode_pages, node_pages,
			 array_size(nr_node_pages, sizeof(u64)))) {
		/* Unmapped since the check: undo, nothing is left behind. */
		numaclaim_context_abort(ctx, a);
		ret = -EFAULT;
		goto out;
	}
	/* Published once the offset has reached userspace (the dispatch). */
	call->pending = a;
out:
	kfree(node_pages);
	return ret;
}

static int numaclaim_ioc_release(struct numaclaim_context *ctx, void *buf)
{
	struct numaclaim_release *arg = buf;

	if (!PAGE_ALIGNED(arg->offset) ||
	    (arg->offset >> PAGE_SHIFT) > ULONG_MAX)
		return -EINVAL;
	return numaclaim_context_release(ctx, arg->offset >> PAGE_SHIFT);
}

static int numaclaim_ioc_set_max(struct numaclaim_context *ctx, void *buf)
{
	struct numaclaim_max_pages *arg = buf;

	if (arg->reserved || (arg->flags & ~NUMACLAIM_MAX_FLAGS_ALL))
		return -EINVAL;
	return numaclaim_account_set_max(&ctx->acct,
					 min_t(u64, arg->max_pages, ULONG_MAX),
					 arg->flags & NUMACLAIM_MAX_SEAL);
}

static void numaclaim_fill_node_info(int nid,
				     const struct numaclaim_node_view *nv,
				     struct numaclaim_node_info *out)
{
	memset(out, 0, sizeof(*out));
	out->node = nid;
	if (node_online(nid))
		out->flags |= NUMACLAIM_NODE_ONLINE;
	if (!node_state(nid, N_MEMORY))
		out->flags |= NUMACLAIM_NODE_MEMORYLESS;
	out->pool_pages = nv->pool;
	out->free_pages = nv->avail;
	out->claimed_pages = nv->claimed;
	out->ctx_claim = nv->claim;
	out->ctx_pages = nv->held;
}

static int numaclaim_ioc_info(struct numaclaim_context *ctx, void *buf)
{
	struct numaclaim_info *arg = buf;
	struct numaclaim_node_view *views = NULL;
	struct numaclaim_node_info *infos = NULL;
	unsigned int nr = 0, n;
	struct numaclaim_view v;
	int ret = 0;

	if (arg->reserved)
		return -EINVAL;
	if (arg->nodes)
		nr = min_t(u32, arg->nr_nodes, ctx->host->nr_nodes);
	if (nr) {
		views = kcalloc(nr, sizeof(*views), GFP_KERNEL);
		infos = kcalloc(nr, sizeof(*infos), GFP_KERNEL);
		if (!views || !infos) {
			ret = -ENOMEM;
			goto out;
		}
	}
	numaclaim_ledger_view(&ctx->host->ledger, &ctx->acct, &v, views, nr);

	arg->nr_nodes = ctx->host->nr_nodes;
	arg->pool_pages = v.pool;
	arg->free_pages = v.avail;
	arg->outstanding = v.outstanding;
	arg->ctx_pages = v.tot;
	arg->ctx_max_pages = v.max == ULONG_MAX ? U64_MAX : v.max;
	arg->ctx_claims = v.claims;
	arg->ctx_claim_any = v.claim_any;
	arg->ctx_flags = v.sealed ? NUMACLAIM_CTX_MAX_SEALED : 0;
	arg->reserved2 = 0;
	arg->ctx_busy_pages = atomic_long_read(&ctx->busy);
	arg->busy_pages = numaclaim_pool_busy(ctx->host, -1);
	for (n = 0; n < nr; n++)
		numaclaim_fill_node_info(n, &views[n], &infos[n]);
	if (nr && copy_to_user(u64_to_user_ptr(arg->nodes), infos,
			       array_size(nr, sizeof(*infos))))
		ret = -EFAULT;
out:
	kfree(infos);
	kfree(views);
	return ret;
}

static int numaclaim_ioc_pool_resize(struct numaclaim_context *ctx, void *buf)
{
	struct numaclaim_pool *arg = buf;
	unsigned long reached;
	int nid, ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = numaclaim_pool_arg(arg, &nid);
	if (ret)
		return ret;
	ret = numaclaim_pool_resize(ctx->host, nid,
				    min_t(u64, arg->pages, ULONG_MAX),
				    &reached);
	if (!ret)
		arg->pages = reached;
	return ret;
}

static int numaclaim_ioc_export(struct numaclaim_context *ctx, void *buf)
{
	struct numaclaim_ioctl_call *call =
		container_of((union numaclaim_ioctl_buf *)buf,
			     struct numaclaim_ioctl_call, buf);
	struct numaclaim_export *arg = buf;
	struct numaclaim_allocation *a;
	struct file *file;
	int fd, ret;

	if (arg->flags & ~NUMACLAIM_EXPORT_FLAGS_ALL)
		return -EINVAL;
	if (!PAGE_ALIGNED(arg->offset) ||
	    (arg->offset >> PAGE_SHIFT) > ULONG_MAX)
		return -EINVAL;
	ret = numaclaim_context_export_begin(ctx, arg->offset >> PAGE_SHIFT,
					     &a);
	if (ret)
		goto out;
	fd = get_unused_fd_flags(arg->flags & NUMACLAIM_EXPORT_CLOEXEC ?
				 O_CLOEXEC : 0);
	if (fd < 0) {
		ret = fd;
		goto err_end;
	}
	ret = numaclaim_file_create(a, &file);
	if (ret)
		goto err_put_fd;
	arg->fd = fd;
	/* Installed by the dispatch once the fd has reached userspace. */
	call->file = file;
	trace_numaclaim_export(ctx, arg->offset, fd, 0);
	return 0;

err_put_fd:
	put_unused_fd(fd);
err_end:
	numaclaim_context_export_end(a, true);
out:
	trace_numaclaim_export(ctx, arg->offset, -1, ret);
	return ret;
}

#define NUMACLAIM_IOCTL(_cmd, _fn, _struct, _last)			\
	{								\
		.cmd = _cmd,						\
		.size = sizeof(_struct),				\
		.min_size = offsetofend(_struct, _last),		\
		.fn = _fn,						\
	}

static const struct numaclaim_ioctl_op numaclaim_ioctl_ops[] = {
	NUMACLAIM_IOCTL(NUMACLAIM_IOC_CLAIM, numaclaim_ioc_claim,
			struct numaclaim_claim, entries),
	NUMACLAIM_IOCTL(NUMACLAIM_IOC_ALLOC, numaclaim_ioc_alloc,
			struct numaclaim_alloc, reserved),
	NUMACLAIM_IOCTL(NUMACLAIM_IOC_RELEASE, numaclaim_ioc_release,
			struct numaclaim_release, offset),
	NUMACLAIM_IOCTL(NUMACLAIM_IOC_SET_MAX_PAGES, numaclaim_ioc_set_max,
			struct numaclaim_max_pages, max_pages),
	NUMACLAIM_IOCTL(NUMACLAIM_IOC_INFO, numaclaim_ioc_info,
			struct numaclaim_info, ctx_claim_any),
	NUMACLAIM_IOCTL(NUMACLAIM_IOC_POOL_RESIZE, numaclaim_ioc_pool_resize,
			struct numaclaim_pool, pages),
	NUMACLAIM_IOCTL(NUMACLAIM_IOC_EXPORT, numaclaim_ioc_export,
			struct numaclaim_export, fd),
};

/**
 * numaclaim_ioctl_lookup() - find the operation an ioctl number names
 * @cmd: the ioctl number
 * @op: (out) the operation
 *
 * The number's type, sequence and direction must be one of ours; its size
 * may differ from the kernel's, so that structs can grow at their end.
 *
 * Return: 0, -ENOTTY for an unknown command, -EINVAL for a size smaller
 * than the first version of the struct.
 */
int numaclaim_ioctl_lookup(unsigned int cmd,
			   const struct numaclaim_ioctl_op **op)
{
	const unsigned int mask = _IOC_DIRMASK << _IOC_DIRSHIFT |
				  _IOC_TYPEMASK << _IOC_TYPESHIFT |
				  _IOC_NRMASK << _IOC_NRSHIFT;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(numaclaim_ioctl_ops); i++) {
		if ((cmd & mask) != (numaclaim_ioctl_ops[i].cmd & mask))
			continue;
		*op = &numaclaim_ioctl_ops[i];
		return _IOC_SIZE(cmd) < (*op)->min_size ? -EINVAL : 0;
	}
	return -ENOTTY;
}

static long numaclaim_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	struct numaclaim_context *ctx = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct numaclaim_ioctl_call call = { .pending = NULL, .file = NULL };
	const struct numaclaim_ioctl_op *op;
	size_t usize = _IOC_SIZE(cmd);
	bool out;
	int ret;

	ret = numaclaim_ioctl_lookup(cmd, &op);
	if (ret)
		return ret;
	out = _IOC_DIR(op->cmd) & _IOC_READ;
	ret = copy_struct_from_user(&call.buf, op->size, uarg, usize);
	if (ret)
		return ret;
	/*
	 * An answer that cannot be written fails before anything is done:
	 * writing back the bytes just read proves the struct writable.
	 */
	usize = min_t(size_t, usize, op->size);
	if (out && copy_to_user(uarg, &call.buf, usize))
		return -EFAULT;
	ret = op->fn(ctx, &call.buf);
	if (ret)
		return ret;
	if (out && copy_to_user(uarg, &call.buf, usize))
		ret = -EFAULT;
	/*
	 * A new allocation becomes visible only once its offset reached
	 * userspace; otherwise nobody could map or release it, so it goes.
	 */
	if (call.pending) {
		if (ret)
			numaclaim_context_abort(ctx, call.pending);
		else
			numaclaim_context_publish(ctx, call.pending);
	}
	if (call.file) {
		if (ret) {
			put_unused_fd(call.buf.export.fd);
			numaclaim_file_abort(call.file);
		} else {
			fd_install(call.buf.export.fd, call.file);
		}
	}
	return ret;
}

static int numaclaim_open(struct inode *inode, struct file *file)
{
	struct numaclaim_context *ctx;

	ctx = numaclaim_context_create(numaclaim_dev_host);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	file->private_data = ctx;
	return nonseekable_open(inode, file);
}

static int numaclaim_release(struct inode *inode, struct file *file)
{
	numaclaim_context_close(file->private_data);
	return 0;
}

static int numaclaim_mmap(struct file *file, struct vm_area_struct *vma)
{
	return numaclaim_context_mmap(file->private_data, vma);
}

static const struct file_operations numaclaim_fops = {
	.owner = THIS_MODULE,
	.open = numaclaim_open,
	.release = numaclaim_release,
	.unlocked_ioctl = numaclaim_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = numaclaim_mmap,
};

static struct miscdevice numaclaim_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "numaclaim",
	.fops = &numaclaim_fops,
	.mode = 0600,
};

/* The uapi's layouts, the same for 32-bit and 64-bit userspace. */
static void numaclaim_uapi_layout(void)
{
	BUILD_BUG_ON(sizeof(struct numaclaim_claim_entry) != 16);
	BUILD_BUG_ON(offsetof(struct numaclaim_claim_entry, pages) != 8);
	BUILD_BUG_ON(sizeof(struct numaclaim_claim) != 16);
	BUILD_BUG_ON(offsetof(struct numaclaim_claim, flags) != 4);
	BUILD_BUG_ON(offsetof(struct numaclaim_claim, entries) != 8);
	BUILD_BUG_ON(sizeof(struct numaclaim_alloc) != 40);
	BUILD_BUG_ON(offsetof(struct numaclaim_alloc, node) != 8);
	BUILD_BUG_ON(offsetof(struct numaclaim_alloc, flags) != 12);
	BUILD_BUG_ON(offsetof(struct numaclaim_alloc, offset) != 16);
	BUILD_BUG_ON(offsetof(struct numaclaim_alloc, node_pages) != 24);
	BUILD_BUG_ON(offsetof(struct numaclaim_alloc, nr_node_pages) != 32);
	BUILD_BUG_ON(offsetof(struct numaclaim_alloc, reserved) != 36);
	BUILD_BUG_ON(sizeof(struct numaclaim_release) != 8);
	BUILD_BUG_ON(sizeof(struct numaclaim_max_pages) != 16);
	BUILD_BUG_ON(offsetof(struct numaclaim_max_pages, flags) != 8);
	BUILD_BUG_ON(sizeof(struct numaclaim_node_info) != 48);
	BUILD_BUG_ON(offsetof(struct numaclaim_node_info, pool_pages) != 8);
	BUILD_BUG_ON(offsetof(struct numaclaim_node_info, ctx_pages) != 40);
	BUILD_BUG_ON(sizeof(struct numaclaim_info) != 96);
	BUILD_BUG_ON(offsetof(struct numaclaim_info, ctx_flags) != 72);
	BUILD_BUG_ON(offsetof(struct numaclaim_info, busy_pages) != 88);
	BUILD_BUG_ON(offsetof(struct numaclaim_info, nodes) != 8);
	BUILD_BUG_ON(offsetof(struct numaclaim_info, pool_pages) != 16);
	BUILD_BUG_ON(offsetof(struct numaclaim_info, ctx_claim_any) != 64);
	BUILD_BUG_ON(sizeof(struct numaclaim_pool) != 16);
	BUILD_BUG_ON(offsetof(struct numaclaim_pool, pages) != 8);
	BUILD_BUG_ON(sizeof(struct numaclaim_export) != 16);
	BUILD_BUG_ON(offsetof(struct numaclaim_export, flags) != 8);
	BUILD_BUG_ON(offsetof(struct numaclaim_export, fd) != 12);
	BUILD_BUG_ON(sizeof(union numaclaim_ioctl_buf) != 96);
}

/**
 * numaclaim_chardev_init() - register /dev/numaclaim
 * @host: the host its contexts use
 *
 * Return: 0 or misc_register()'s errno.
 */
int numaclaim_chardev_init(struct numaclaim_host *host)
{
	numaclaim_uapi_layout();
	numaclaim_dev_host = host;
	return misc_register(&numaclaim_misc);
}

/**
 * numaclaim_chardev_exit() - unregister /dev/numaclaim
 */
void numaclaim_chardev_exit(void)
{
	misc_deregister(&numaclaim_misc);
}
