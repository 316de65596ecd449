// SPDX-License-Identifier: GPL-2.0
/*
 * numaclaim allocation files: an allocation exported as a file of its own,
 * so that a program that takes guest RAM as a file (QEMU's
 * memory-backend-file, vhost-user backends receiving fds) maps claimed
 * memory unmodified.
 *
 * Each file has an inode of its own on a small internal filesystem, as
 * secretmem and shmem files do, rather than the shared anon inode: its
 * i_fop opens it again, so /proc/self/fd/N and /dev/fd/N can be opened by
 * path. The inode is a regular file whose size is the allocation's;
 * ftruncate() to that size succeeds and any other size is EINVAL.
 *
 * The open files of an allocation keep it; the mappings of a file keep the
 * file. When the last file of it is released, the allocation goes back as
 * on RELEASE (numaclaim_context_export_end()).
 *
 * Module lifetime: every file holds the module through its f_op, and the
 * filesystem's superblock holds it through the filesystem type while any
 * file of it exists, so the module cannot go while an allocation file or a
 * mapping of one lives. The filesystem is mounted while exports exist
 * (simple_pin_fs()), not for the life of the module, which could then never
 * be unloaded.
 */
#include <linux/dcache.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
#include <linux/spinlock.h>

#include "compat.h"
#include "numaclaim.h"

/* "nclf": what fstatfs() says of an allocation file. */
#define NUMACLAIM_FS_MAGIC	0x6e636c66

static struct vfsmount *numaclaim_file_mnt;
static int numaclaim_file_mnt_count;

/* Each allocation file's i_private and each allocation's nr_files. */
static DEFINE_SPINLOCK(numaclaim_file_lock);

static const struct file_operations numaclaim_file_fops;

static vm_fault_t numaclaim_file_vm_fault(struct vm_fault *vmf)
{
	return numaclaim_allocation_fault(vmf->vma->vm_private_data, vmf,
					  vmf->pgoff);
}

static const struct vm_operations_struct numaclaim_file_vm_ops = {
	.fault = numaclaim_file_vm_fault,
};

static int numaclaim_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct numaclaim_allocation *a = file->private_data;
	unsigned long nr = vma_pages(vma);
	int ret;

	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_pgoff >= a->nr_pages || nr > a->nr_pages - vma->vm_pgoff)
		return -EINVAL;
	ret = numaclaim_allocation_insert(a, vma, vma->vm_pgoff);
	if (ret)
		return ret;
	vma->vm_private_data = a;
	vma->vm_ops = &numaclaim_file_vm_ops;
	return 0;
}

/* Opened again by path: /proc/self/fd/N of a file that is still open. */
static int numaclaim_file_open(struct inode *inode, struct file *file)
{
	struct numaclaim_allocation *a;

	spin_lock(&numaclaim_file_lock);
	a = inode->i_private;
	if (a)
		a->nr_files++;
	spin_unlock(&numaclaim_file_lock);
	if (!a)
		return -ENXIO;
	file->private_data = a;
	return 0;
}

static int numaclaim_file_release(struct inode *inode, struct file *file)
{
	struct numaclaim_allocation *a = file->private_data;
	bool last = false;

	if (!a)
		return 0;
	spin_lock(&numaclaim_file_lock);
	if (!--a->nr_files) {
		inode->i_private = NULL;
		last = true;
	}
	spin_unlock(&numaclaim_file_lock);
	if (last) {
		numaclaim_context_export_end(a, false);
		/* This file still holds the mount; it goes after us. */
		simple_release_fs(&numaclaim_file_mnt,
				  &numaclaim_file_mnt_count);
	}
	return 0;
}

static const struct file_operations numaclaim_file_fops = {
	.owner = THIS_MODULE,
	.open = numaclaim_file_open,
	.release = numaclaim_file_release,
	.mmap = numaclaim_file_mmap,
	.llseek = generic_file_llseek,
};

/* The size is the allocation's: truncating to it is fine, to any other not. */
static int numaclaim_file_setattr(NUMACLAIM_IDMAP *idmap,
				  struct dentry *dentry, struct iattr *attr)
{
	struct inode *inode = d_inode(dentry);
	int ret;

	ret = setattr_prepare(idmap, dentry, attr);
	if (ret)
		return ret;
	if ((attr->ia_valid & ATTR_SIZE) && attr->ia_size != inode->i_size)
		return -EINVAL;
	setattr_copy(idmap, inode, attr);
	return 0;
}

static const struct inode_operations numaclaim_file_iops = {
	.setattr = numaclaim_file_setattr,
};

/* /proc/PID/fd and /proc/PID/maps show "numaclaim:[OFFSET]". */
static char *numaclaim_file_dname(struct dentry *dentry, char *buf, int len)
{
	int n = snprintf(NULL, 0, "numaclaim:[%s]", dentry->d_name.name) + 1;

	if (n > len)
		return ERR_PTR(-ENAMETOOLONG);
	buf += len - n;
	snprintf(buf, n, "numaclaim:[%s]", dentry->d_name.name);
	return buf;
}

static const struct dentry_operations numaclaim_file_dops = {
	.d_dname = numaclaim_file_dname,
};

static const struct super_operations numaclaim_file_sops = {
	.statfs = simple_statfs,
	.drop_inode = generic_delete_inode,
};

static int numaclaim_file_init_fs_context(struct fs_context *fc)
{
	struct pseudo_fs_context *ctx;

	ctx = init_pseudo(fc, NUMACLAIM_FS_MAGIC);
	if (!ctx)
		return -ENOMEM;
	ctx->ops = &numaclaim_file_sops;
	ctx->dops = &numaclaim_file_dops;
	return 0;
}

static struct file_system_type numaclaim_file_fs = {
	.owner = THIS_MODULE,
	.name = "numaclaim",
	.init_fs_context = numaclaim_file_init_fs_context,
	.kill_sb = kill_anon_super,
};

/**
 * numaclaim_file_create() - a file of its own for an exported allocation
 * @a: the allocation, marked exported by numaclaim_context_export_begin()
 * @filep: (out) the file, opened read-write, in no fd table yet
 *
 * The caller installs the file once its fd reached userspace, or takes it
 * back with numaclaim_file_abort().
 *
 * Return: 0 or -ENOMEM (or simple_pin_fs()'s errno).
 */
int numaclaim_file_create(struct numaclaim_allocation *a, struct file **filep)
{
	struct inode *inode;
	struct file *file;
	char name[24];
	int ret;

	ret = simple_pin_fs(&numaclaim_file_fs, &numaclaim_file_mnt,
			    &numaclaim_file_mnt_count);
	if (ret)
		return ret;
	inode = alloc_anon_inode(numaclaim_file_mnt->mnt_sb);
	if (IS_ERR(inode)) {
		ret = PTR_ERR(inode);
		goto err_unpin;
	}
	/*
	 * Whoever holds the fd may open it again by path, whatever its
	 * uid, as with memfd: reaching /proc/PID/fd/N already takes the
	 * right to look into that process's files. fchmod/fchown work.
	 */
	inode->i_mode = S_IFREG | 0666;
	inode->i_op = &numaclaim_file_iops;
	inode->i_fop = &numaclaim_file_fops;
	inode->i_private = a;
	i_size_write(inode, (loff_t)a->nr_pages << PAGE_SHIFT);

	snprintf(name, sizeof(name), "0x%llx", (u64)a->pgoff << PAGE_SHIFT);
	file = alloc_file_pseudo(inode, numaclaim_file_mnt, name,
				 O_RDWR, &numaclaim_file_fops);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto err_iput;
	}
	/* As for memfd: ftruncate() to a size past 2 GiB must not fail. */
	file->f_flags |= O_LARGEFILE;
	file->private_data = a;
	a->nr_files = 1;
	/* What fops_get() takes on an open; fput() gives it back. */
	__module_get(THIS_MODULE);
	*filep = file;
	return 0;

err_iput:
	iput(inode);
err_unpin:
	simple_release_fs(&numaclaim_file_mnt, &numaclaim_file_mnt_count);
	return ret;
}

/**
 * numaclaim_file_abort() - take back a file that never reached userspace
 * @file: what numaclaim_file_create() answered
 *
 * The allocation stays as it was before the export.
 */
void numaclaim_file_abort(struct file *file)
{
	struct numaclaim_allocation *a = file->private_data;

	spin_lock(&numaclaim_file_lock);
	file_inode(file)->i_private = NULL;
	file->private_data = NULL;
	spin_unlock(&numaclaim_file_lock);
	numaclaim_context_export_end(a, true);
	simple_release_fs(&numaclaim_file_mnt, &numaclaim_file_mnt_count);
	fput(file);
}
