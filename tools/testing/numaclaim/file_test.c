// SPDX-License-Identifier: GPL-2.0
/*
 * Selftests of allocation files (NUMACLAIM_IOC_EXPORT): an allocation as a
 * file of its own, the way QEMU's memory-backend-file and vhost-user
 * backends take guest RAM. Its size, its mappings at any page offset,
 * reopening it by path through /proc/self/fd, passing it with SCM_RIGHTS
 * and fork, its lifetime after the context's fd is closed, RELEASE while it
 * lives, kill -9, and the module held while it or a mapping of it lives.
 * Same fixture as numaclaim_test: two nodes' pools of 100 pages each.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/numaclaim.h>

#include "kselftest_harness.h"

#include "nc_common.h"

#define NC_FS_MAGIC	0x6e636c66
/* The kernel's O_LARGEFILE on x86_64, which glibc defines as 0 there. */
#define NC_O_LARGEFILE	0100000

/* EXPORT: the new fd, or -errno; @fd_out is poisoned first. */
static int nc_export(int fd, uint64_t offset, uint32_t flags)
{
	struct numaclaim_export e;

	memset(&e, 0xcc, sizeof(e));
	e.offset = offset;
	e.flags = flags;
	if (ioctl(fd, NUMACLAIM_IOC_EXPORT, &e))
		return -errno;
	return (int)e.fd;
}

static int send_fd(int sock, int fd)
{
	char data = 'f', cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	memset(cbuf, 0, sizeof(cbuf));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char data, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* Fill page i of @p with the byte 0x40 + i. */
static void fill_pages(unsigned char *p, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		memset(p + i * PAGE, 0x40 + i, PAGE);
}

/* The fd a new file would get: nothing was installed behind our back. */
static int nc_lowest_free_fd(void)
{
	int fd = dup(0);

	close(fd);
	return fd;
}

static int nc_module_unload(void)
{
	return syscall(__NR_delete_module, "numaclaim", O_NONBLOCK) ? errno : 0;
}

/* Size, truncation, fstatfs, close-on-exec, a second export, RELEASE. */
TEST_F(nc, export_size_and_truncate)
{
	uint64_t off = 0;
	struct statfs sfs;
	struct stat st;
	int f;

	ASSERT_EQ(0, nc_alloc(self->fd, 10, self->n0, 0, &off));
	f = nc_export(self->fd, off, 0);
	ASSERT_LE(0, f) TH_LOG("export: %s", strerror(-f));
	ASSERT_EQ(0, fstat(f, &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_EQ(10 * PAGE, (unsigned long)st.st_size);
	EXPECT_EQ(10 * PAGE, (unsigned long)lseek(f, 0, SEEK_END));
	EXPECT_EQ(0, (unsigned long)lseek(f, 0, SEEK_SET));
	EXPECT_EQ(0, ftruncate(f, 10 * PAGE));
	EXPECT_EQ(-1, ftruncate(f, 9 * PAGE));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ftruncate(f, 11 * PAGE));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ftruncate(f, 0));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, fstat(f, &st));
	EXPECT_EQ(10 * PAGE, (unsigned long)st.st_size);
	ASSERT_EQ(0, fstatfs(f, &sfs));
	EXPECT_EQ(NC_FS_MAGIC, (unsigned long)sfs.f_type);
	EXPECT_EQ(0, fcntl(f, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_RDWR, fcntl(f, F_GETFL) & O_ACCMODE);
	/* Else ftruncate() to its own size fails past 2 GiB (EINVAL). */
	EXPECT_EQ(NC_O_LARGEFILE, fcntl(f, F_GETFL) & NC_O_LARGEFILE);
	EXPECT_EQ(0666, st.st_mode & 0777);

	EXPECT_EQ(-EBUSY, nc_export(self->fd, off, 0));
	EXPECT_EQ(EBUSY, nc_release(self->fd, off));
	EXPECT_EQ(190, T(self));
	EXPECT_EQ(10, self->s.info.ctx_pages);
	close(f);
	/* The last file gone: the allocation went back as on RELEASE. */
	EXPECT_EQ(200, T(self));
	EXPECT_EQ(0, self->s.info.ctx_pages);
	EXPECT_EQ(EINVAL, nc_release(self->fd, off));

	ASSERT_EQ(0, nc_alloc(self->fd, 1, self->n0, 0, &off));
	f = nc_export(self->fd, off, NUMACLAIM_EXPORT_CLOEXEC);
	ASSERT_LE(0, f);
	EXPECT_EQ(FD_CLOEXEC, fcntl(f, F_GETFD) & FD_CLOEXEC);
	close(f);
	EXPECT_EQ(200, T(self));
}

/* Refused exports change nothing. */
TEST_F(nc, export_refused)
{
	uint64_t off = 0, other = 0;
	struct numaclaim_export *ro;
	int free_fd;

	ASSERT_EQ(0, nc_claim1(self->fd, self->n0, 30));
	ASSERT_EQ(0, nc_alloc(self->fd, 10, self->n0, 0, &off));
	ASSERT_EQ(0, nc_alloc(self->fd_b, 4, self->n1, 0, &other));
	EXPECT_EQ(-EINVAL, nc_export(self->fd, off, 1U << 1));
	EXPECT_EQ(-EINVAL, nc_export(self->fd, off, ~0U));
	EXPECT_EQ(-EINVAL, nc_export(self->fd, off + PAGE, 0));
	EXPECT_EQ(-EINVAL, nc_export(self->fd, off + 1, 0));
	EXPECT_EQ(-EINVAL, nc_export(self->fd, off + 10 * PAGE, 0));
	EXPECT_EQ(-EINVAL, nc_export(self->fd, ~0ULL & ~(PAGE - 1), 0));
	EXPECT_EQ(-EINVAL, nc_export(self->fd_c, other, 0));
	EXPECT_EQ(EFAULT, nc_ioctl(self->fd, NUMACLAIM_IOC_EXPORT, (void *)8));
	/* A read-only argument: EFAULT, no file, no fd. */
	ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ro->offset = off;
	ro->flags = 0;
	ro->fd = 0x5a5a;
	ASSERT_EQ(0, mprotect(ro, PAGE, PROT_READ));
	free_fd = nc_lowest_free_fd();
	EXPECT_EQ(EFAULT, nc_ioctl(self->fd, NUMACLAIM_IOC_EXPORT, ro));
	/* Had an fd been installed, it would hold that number now. */
	EXPECT_EQ(free_fd, nc_lowest_free_fd());
	munmap(ro, PAGE);
	/* Nothing is exported: RELEASE works and every count is whole. */
	EXPECT_EQ(186, T(self));
	EXPECT_EQ(20, self->s.info.ctx_claims);
	EXPECT_EQ(0, nc_release(self->fd, off));
	EXPECT_EQ(196, T(self));
}

/* Mappings of the file: the allocation's pages, at any page offset. */
TEST_F(nc, export_mmap_windows)
{
	unsigned char *ctxmap, *p, *w;
	uint64_t off = 0, off2 = 0;
	void *bad;
	int f;

	ASSERT_EQ(0, nc_alloc(self->fd, 10, self->n1, 0, &off));
	ctxmap = mmap(NULL, 10 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		      self->fd, off);
	ASSERT_NE(MAP_FAILED, ctxmap);
	fill_pages(ctxmap, 10);
	f = nc_export(self->fd, off, 0);
	ASSERT_LE(0, f);

	p = mmap(NULL, 10 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(nc_all_bytes(p, PAGE, 0x40));
	EXPECT_TRUE(nc_all_bytes(p + 9 * PAGE, PAGE, 0x49));
	w = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, f,
		 3 * PAGE);
	ASSERT_NE(MAP_FAILED, w);
	EXPECT_TRUE(nc_all_bytes(w, PAGE, 0x43));
	EXPECT_TRUE(nc_all_bytes(w + PAGE, PAGE, 0x44));
	/* Writes through the file reach the allocation. */
	w[5] = 0xab;
	EXPECT_EQ(0xab, ctxmap[3 * PAGE + 5]);
	EXPECT_EQ(0xab, p[3 * PAGE + 5]);
	/* Zapped and faulted in again through the file. */
	EXPECT_EQ(0, madvise(w, 2 * PAGE, MADV_DONTNEED));
	EXPECT_EQ(0xab, w[5]);

	bad = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, f, 9 * PAGE);
	EXPECT_EQ(MAP_FAILED, bad);
	EXPECT_EQ(EINVAL, errno);
	bad = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, f, 10 * PAGE);
	EXPECT_EQ(MAP_FAILED, bad);
	EXPECT_EQ(EINVAL, errno);
	bad = mmap(NULL, 11 * PAGE, PROT_READ, MAP_SHARED, f, 0);
	EXPECT_EQ(MAP_FAILED, bad);
	EXPECT_EQ(EINVAL, errno);
	bad = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, f, 0);
	EXPECT_EQ(MAP_FAILED, bad);
	EXPECT_EQ(EINVAL, errno);
	munmap(w, 2 * PAGE);
	munmap(p, 10 * PAGE);
	munmap(ctxmap, 10 * PAGE);
	close(f);

	/* A new allocation's file reads zero, even on pages just dirtied. */
	EXPECT_EQ(200, T(self));
	ASSERT_EQ(0, nc_alloc(self->fd_b, 100, self->n1, 0, &off2));
	f = nc_export(self->fd_b, off2, 0);
	ASSERT_LE(0, f);
	p = mmap(NULL, 100 * PAGE, PROT_READ, MAP_SHARED, f, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(nc_all_bytes(p, 100 * PAGE, 0));
	munmap(p, 100 * PAGE);
	close(f);
}

/* Opened again by path, as QEMU's mem-path= does. */
TEST_F(nc, export_reopen_by_path)
{
	char path[64], link[PATH_MAX];
	struct stat st, st2;
	unsigned char *p, *q;
	uint64_t off = 0;
	int f, g, h, r;
	ssize_t n;

	ASSERT_EQ(0, nc_alloc(self->fd, 4, self->n0, 0, &off));
	f = nc_export(self->fd, off, NUMACLAIM_EXPORT_CLOEXEC);
	ASSERT_LE(0, f);
	p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pages(p, 4);

	snprintf(path, sizeof(path), "/proc/self/fd/%d", f);
	n = readlink(path, link, sizeof(link) - 1);
	ASSERT_LT(0, n);
	link[n] = 0;
	EXPECT_EQ(0, strncmp(link, "numaclaim:[", 11)) TH_LOG("%s", link);
	g = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, g) TH_LOG("open %s: %s", path, strerror(errno));
	ASSERT_EQ(0, fstat(f, &st));
	ASSERT_EQ(0, fstat(g, &st2));
	EXPECT_EQ(st.st_ino, st2.st_ino);
	EXPECT_EQ(st.st_dev, st2.st_dev);
	EXPECT_EQ(4 * PAGE, (unsigned long)lseek(g, 0, SEEK_END));
	q = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, g,
		 2 * PAGE);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_TRUE(nc_all_bytes(q, PAGE, 0x42));
	q[1] = 0x99;
	EXPECT_EQ(0x99, p[2 * PAGE + 1]);

	snprintf(path, sizeof(path), "/dev/fd/%d", f);
	h = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, h) TH_LOG("open %s: %s", path, strerror(errno));
	/* Read-only by path: shared read mappings only. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", f);
	r = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, r);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				   MAP_SHARED, r, 0));
	EXPECT_EQ(EACCES, errno);
	/* O_TRUNC would change the size: refused, the data stays. */
	EXPECT_EQ(-1, open(path, O_RDWR | O_TRUNC | O_CLOEXEC));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0x41, p[PAGE]);

	/* Any one open file keeps the allocation. */
	munmap(p, 4 * PAGE);
	munmap(q, 2 * PAGE);
	close(f);
	close(g);
	close(r);
	EXPECT_EQ(196, T(self));
	EXPECT_EQ(EBUSY, nc_release(self->fd, off));
	p = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, h, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0x99, p[2 * PAGE + 1]);
	munmap(p, 4 * PAGE);
	close(h);
	EXPECT_EQ(200, T(self));
	EXPECT_EQ(EINVAL, nc_release(self->fd, off));
}

/*
 * A root toolstack hands the fd to a VMM that runs as another user: the
 * VMM opens it by path and maps it.
 */
TEST_F(nc, export_reopen_other_user)
{
	unsigned char *p;
	uint64_t off = 0;
	int f, status;
	pid_t pid;

	ASSERT_EQ(0, nc_alloc(self->fd, 2, self->n0, 0, &off));
	f = nc_export(self->fd, off, 0);
	ASSERT_LE(0, f);
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
	ASSERT_NE(MAP_FAILED, p);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char path[64];
		unsigned char *m;
		int g;

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(1);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", f);
		g = open(path, O_RDWR);
		if (g < 0)
			_exit(2);
		m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, g, 0);
		if (m == MAP_FAILED)
			_exit(3);
		m[PAGE] = 0x77;
		/* Without the fd, the device itself stays root's. */
		_exit(open(DEV, O_RDWR) < 0 && errno == EACCES ? 0 : 4);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0x77, p[PAGE]);
	munmap(p, 2 * PAGE);
	close(f);
	EXPECT_EQ(200, T(self));
}

/* Passed with SCM_RIGHTS, as a VMM passes guest RAM to a vhost-user backend. */
TEST_F(nc, export_scm_rights)
{
	int sv[2], f, status;
	unsigned char *p;
	uint64_t off = 0;
	pid_t pid;
	char c;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int g = recv_fd(sv[1]);
		unsigned char *m;

		if (g < 0)
			_exit(1);
		m = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
			 g, 0);
		if (m == MAP_FAILED)
			_exit(2);
		if (!nc_all_bytes(m + 5 * PAGE, PAGE, 0x45))
			_exit(3);
		m[5 * PAGE] = 0x5c;
		close(g);
		/* Tell the parent, then hold the only reference. */
		if (write(sv[1], "w", 1) != 1 || read(sv[1], &c, 1) != 1)
			_exit(4);
		_exit(m[5 * PAGE + 1] == 0x45 ? 0 : 5);
	}
	ASSERT_EQ(0, nc_alloc(self->fd, 8, self->n1, 0, &off));
	f = nc_export(self->fd, off, 0);
	ASSERT_LE(0, f);
	p = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pages(p, 8);
	ASSERT_EQ(0, send_fd(sv[0], f));
	ASSERT_EQ(1, read(sv[0], &c, 1));
	EXPECT_EQ(0x5c, p[5 * PAGE]);
	/* The child's mapping alone keeps the allocation. */
	munmap(p, 8 * PAGE);
	close(f);
	EXPECT_EQ(192, T(self));
	ASSERT_EQ(1, write(sv[0], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(200, T(self));
	EXPECT_EQ(0, self->s.info.ctx_pages);
	close(sv[0]);
	close(sv[1]);
}

/* The file outlives the context's fd, and keeps what it needs of it. */
TEST_F(nc, export_outlives_context)
{
	unsigned char *p;
	uint64_t off = 0, off2 = 0;
	int f;

	ASSERT_EQ(0, nc_claim1(self->fd_b, self->n0, 60));
	ASSERT_EQ(0, nc_alloc(self->fd_b, 20, self->n0, 0, &off));
	ASSERT_EQ(0, nc_alloc(self->fd_b, 5, self->n0, 0, &off2));
	f = nc_export(self->fd_b, off, 0);
	ASSERT_LE(0, f);
	p = mmap(NULL, 20 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pages(p, 20);
	EXPECT_EQ(175, T(self));
	EXPECT_EQ(35, O(self));
	close(self->fd_b);
	self->fd_b = -1;
	/*
	 * The context's claims and its other allocation went with its fd;
	 * the exported one is still held.
	 */
	EXPECT_EQ(180, T(self));
	EXPECT_EQ(0, O(self));
	EXPECT_EQ(0, NC(self, self->n0));
	EXPECT_EQ(100, self->s.node[self->n0].pool_pages);
	EXPECT_EQ(80, self->s.node[self->n0].free_pages);
	EXPECT_TRUE(nc_all_bytes(p + 19 * PAGE, PAGE, 0x53));
	/* The file closed, the mapping still keeps it. */
	close(f);
	EXPECT_EQ(180, T(self));
	p[0] = 1;
	munmap(p, 20 * PAGE);
	EXPECT_EQ(200, T(self));
	EXPECT_EQ(0, O(self));
}

/*
 * Closing the file while the context maps the allocation through its own
 * fd: the allocation stays the context's, and RELEASE takes it back.
 */
TEST_F(nc, export_end_while_context_maps)
{
	unsigned char *p;
	uint64_t off = 0;
	int f;

	ASSERT_EQ(0, nc_alloc(self->fd, 6, self->n0, 0, &off));
	p = mmap(NULL, 6 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 off);
	ASSERT_NE(MAP_FAILED, p);
	f = nc_export(self->fd, off, 0);
	ASSERT_LE(0, f);
	close(f);
	EXPECT_EQ(194, T(self));
	EXPECT_EQ(EBUSY, nc_release(self->fd, off));
	p[PAGE] = 3;
	munmap(p, 6 * PAGE);
	/* Exported again, and released by the file this time. */
	f = nc_export(self->fd, off, 0);
	ASSERT_LE(0, f);
	close(f);
	EXPECT_EQ(200, T(self));
	EXPECT_EQ(EINVAL, nc_release(self->fd, off));
}

/* fork: the child's copy of the fd and of the mapping are the same file. */
TEST_F(nc, export_fork)
{
	int up[2], down[2], f, status;
	unsigned char *p;
	uint64_t off = 0;
	pid_t pid;
	char c;

	ASSERT_EQ(0, nc_alloc(self->fd, 3, self->n0, 0, &off));
	f = nc_export(self->fd, off, 0);
	ASSERT_LE(0, f);
	p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(down));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		unsigned char *m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
					MAP_SHARED, f, 2 * PAGE);

		if (m == MAP_FAILED)
			_exit(1);
		m[7] = 0x21;
		p[8] = 0x22;
		if (write(up[1], "x", 1) != 1)
			_exit(2);
		/* Wait for the parent to drop everything. */
		if (read(down[0], &c, 1) != 1)
			_exit(3);
		_exit(m[7] == 0x21 && p[8] == 0x22 ? 0 : 4);
	}
	ASSERT_EQ(1, read(up[0], &c, 1));
	EXPECT_EQ(0x21, p[2 * PAGE + 7]);
	EXPECT_EQ(0x22, p[8]);
	munmap(p, 3 * PAGE);
	close(f);
	EXPECT_EQ(197, T(self));
	ASSERT_EQ(1, write(down[1], "y", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(200, T(self));
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
}

/* kill -9 of a VMM holding files, reopened files and mappings. */
TEST_F(nc, export_kill9)
{
	int pipefd[2], status;
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct numaclaim_claim_entry e[2] = {
			{ .node = self->n0, .pages = 40 },
			{ .node = self->n1, .pages = 40 },
		};
		uint64_t o0 = 0, o1 = 0;
		char path[64];
		int fd = nc_open(), f0, f1, g;
		void *m0, *m1;

		if (fd < 0 || nc_claim(fd, e, 2) ||
		    nc_alloc(fd, 30, self->n0, NUMACLAIM_ALLOC_EXACT_NODE, &o0) ||
		    nc_alloc(fd, 30, self->n1, NUMACLAIM_ALLOC_EXACT_NODE, &o1))
			_exit(1);
		f0 = nc_export(fd, o0, 0);
		f1 = nc_export(fd, o1, 0);
		if (f0 < 0 || f1 < 0)
			_exit(2);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", f1);
		g = open(path, O_RDWR);
		m0 = mmap(NULL, 30 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
			  f0, 0);
		m1 = mmap(NULL, 30 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
			  g, 0);
		if (g < 0 || m0 == MAP_FAILED || m1 == MAP_FAILED)
			_exit(3);
		memset(m0, 0x66, 30 * PAGE);
		memset(m1, 0x67, 30 * PAGE);
		if (write(pipefd[1], "x", 1) != 1)
			_exit(4);
		pause();
		_exit(0);
	}
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	EXPECT_EQ(140, T(self));
	EXPECT_EQ(20, O(self));
	EXPECT_EQ(70, self->s.node[self->n0].free_pages);
	EXPECT_EQ(70, self->s.node[self->n1].free_pages);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(200, T(self));
	EXPECT_EQ(0, O(self));
	EXPECT_EQ(0, NC(self, self->n0));
	close(pipefd[0]);
	close(pipefd[1]);
}

/* The module cannot be unloaded while a file or a mapping of one lives. */
TEST_F(nc, export_holds_module)
{
	unsigned char *p;
	uint64_t off = 0;
	int f, err;

	ASSERT_EQ(0, nc_alloc(self->fd, 2, self->n0, 0, &off));
	f = nc_export(self->fd, off, 0);
	ASSERT_LE(0, f);
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(self->fd);
	close(self->fd_b);
	close(self->fd_c);
	self->fd = self->fd_b = self->fd_c = -1;
	err = nc_module_unload();
	EXPECT_TRUE(err == EWOULDBLOCK || err == EBUSY) TH_LOG("%d", err);
	close(f);
	err = nc_module_unload();
	EXPECT_TRUE(err == EWOULDBLOCK || err == EBUSY) TH_LOG("%d", err);
	p[0] = 1;
	munmap(p, 2 * PAGE);
	self->fd = nc_open();
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(200, T(self));
}

TEST_HARNESS_MAIN
