// SPDX-License-Identifier: GPL-2.0
/*
 * Selftests for what a hostile or unlucky caller can do to /dev/numaclaim:
 * an ALLOC whose answer cannot be written, a VMM lifting the limit its
 * toolstack set, pages released while a pipe or io_uring still holds them,
 * sysfs writes without CAP_SYS_ADMIN, hardware-poisoned pages, and a
 * process killed in the middle of a large ALLOC or mmap. Same fixture as
 * numaclaim_test (nc_common.h): two nodes' pools of 100 pages.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <linux/capability.h>
#include <linux/io_uring.h>

#include "kselftest_harness.h"
#include "nc_common.h"

#define SYSFS	"/sys/kernel/numaclaim"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The page frame behind @addr, from /proc/self/pagemap (root only). */
static uint64_t pfn_of(const void *addr)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, 8, (uintptr_t)addr / PAGE * 8) != 8)
		e = 0;
	close(fd);
	return (e & (1ULL << 63)) ? e & ((1ULL << 55) - 1) : 0;
}

static int page_flag(uint64_t pfn, int bit)
{
	uint64_t f = 0;
	int fd = open("/proc/kpageflags", O_RDONLY);

	if (fd < 0)
		return -1;
	if (pread(fd, &f, 8, pfn * 8) != 8) {
		close(fd);
		return -1;
	}
	close(fd);
	return !!(f & (1ULL << bit));
}

/* Wait up to ~4 s for the host's busy pages to reach @want. */
static uint64_t wait_busy(int fd, uint64_t want)
{
	struct nc_state s;
	int i;

	for (i = 0; i < 200; i++) {
		nc_info(fd, &s);
		if (s.info.busy_pages == want)
			break;
		usleep(20000);
	}
	return s.info.busy_pages;
}

/* ---- 1. An ALLOC that fails after its charge costs nothing ------------ */

struct flipper {
	void *page;
	atomic_int stop;
};

static void *flip(void *arg)
{
	struct flipper *f = arg;

	while (!atomic_load(&f->stop)) {
		mprotect(f->page, PAGE, PROT_READ);
		sched_yield();
		mprotect(f->page, PAGE, PROT_READ | PROT_WRITE);
	}
	return NULL;
}

/*
 * CLAIM {any: 64}; ALLOC 16 from any node with the struct (or its
 * node_pages array) in a page another thread keeps flipping read-only.
 * Whenever ALLOC says EFAULT, nothing may have moved: the claim is 64, the
 * context holds nothing, every pool page is free. The struct is written
 * through a second, always writable mapping of the same memfd page. Runs
 * for about 2 s.
 */
TEST_F(nc, alloc_efault_keeps_claims)
{
	struct flipper f = { 0 };
	unsigned long calls = 0, efaults = 0, ok = 0;
	struct numaclaim_alloc *a, *w;
	uint64_t *np;
	pthread_t th;
	double end;
	int mfd;

	mfd = memfd_create("alloc_efault", MFD_CLOEXEC);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, PAGE));
	f.page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	w = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	ASSERT_NE(MAP_FAILED, f.page);
	ASSERT_NE(MAP_FAILED, w);
	a = f.page;
	np = (uint64_t *)((char *)f.page + 256);
	ASSERT_EQ(0, nc_claim1(self->fd, ANY, 64));
	ASSERT_EQ(0, pthread_create(&th, NULL, flip, &f));
	end = now() + 2;
	while (now() < end && efaults < 2000) {
		struct numaclaim_alloc arg = {
			.pages = 16, .node = ANY,
			.node_pages = calls % 2 ? (uintptr_t)np : 0,
			.nr_node_pages = calls % 2 ? 2 : 0,
		};
		int ret;

		memcpy(w, &arg, sizeof(arg));
		ret = ioctl(self->fd, NUMACLAIM_IOC_ALLOC, a) ? errno : 0;
		calls++;
		if (ret == EFAULT) {
			efaults++;
			ASSERT_EQ(0, nc_info(self->fd, &self->s));
			ASSERT_EQ(64, self->s.info.ctx_claims)
				TH_LOG("after %lu calls, %lu EFAULT", calls,
				       efaults);
			ASSERT_EQ(0, self->s.info.ctx_pages);
			ASSERT_EQ(2 * POOL, self->s.info.free_pages);
			ASSERT_EQ(64, self->s.info.outstanding);
		} else if (ret == 0) {
			ok++;
			ASSERT_EQ(0, nc_release(self->fd, w->offset));
			ASSERT_EQ(0, nc_claim(self->fd, NULL, 0));
			ASSERT_EQ(0, nc_claim1(self->fd, ANY, 64));
		} else {
			ASSERT_EQ(0, ret);
		}
	}
	atomic_store(&f.stop, 1);
	pthread_join(th, NULL);
	TH_LOG("%lu ALLOC calls: %lu EFAULT, %lu succeeded", calls, efaults,
	       ok);
	EXPECT_LT(0, efaults);
	munmap(f.page, PAGE);
	munmap(w, PAGE);
	close(mfd);
}

/* ---- 2. A sealed limit ----------------------------------------------- */

static int set_max(int fd, uint64_t max, uint32_t flags)
{
	struct numaclaim_max_pages m = { .max_pages = max, .flags = flags };

	return nc_ioctl(fd, NUMACLAIM_IOC_SET_MAX_PAGES, &m);
}

/*
 * The toolstack sets a sealed limit of 50 and hands the fd over: the VMM
 * (a child here, with the same fd) may lower it but neither raise nor
 * remove it; INFO says it is sealed. Unknown flags and reserved bits are
 * EINVAL; the 8-byte struct of the first version still sets a limit.
 */
TEST_F(nc, max_sealed)
{
	struct numaclaim_max_pages m = { .max_pages = 60, .reserved = 1 };
	uint64_t old = 65;
	int status;
	pid_t pid;

	EXPECT_EQ(0, set_max(self->fd, 60, 0));
	EXPECT_EQ(0, set_max(self->fd, 70, 0));
	EXPECT_EQ(EINVAL, set_max(self->fd, 60, 2));
	EXPECT_EQ(EINVAL, nc_ioctl(self->fd, NUMACLAIM_IOC_SET_MAX_PAGES, &m));
	/* The first version of the struct: the limit alone, never sealed. */
	EXPECT_EQ(0, nc_ioctl(self->fd, _IOW(NUMACLAIM_IOC_MAGIC, 0x03, uint64_t),
			      &old));
	ASSERT_EQ(0, nc_info(self->fd, &self->s));
	EXPECT_EQ(65, self->s.info.ctx_max_pages);
	EXPECT_EQ(0, self->s.info.ctx_flags);
	EXPECT_EQ(0, set_max(self->fd, 50, NUMACLAIM_MAX_SEAL));
	ASSERT_EQ(0, nc_info(self->fd, &self->s));
	EXPECT_EQ(NUMACLAIM_CTX_MAX_SEALED, self->s.info.ctx_flags);
	EXPECT_EQ(0, nc_claim1(self->fd, ANY, 20));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int bad = 0;

		bad |= set_max(self->fd, UINT64_MAX, 0) != EPERM;
		bad |= set_max(self->fd, 51, 0) != EPERM;
		bad |= set_max(self->fd, 51, NUMACLAIM_MAX_SEAL) != EPERM;
		bad |= set_max(self->fd, 19, 0) != EBUSY;
		bad |= set_max(self->fd, 50, 0) != 0;
		bad |= set_max(self->fd, 40, 0) != 0;
		bad |= nc_alloc(self->fd, 41, ANY, 0, NULL) != EDQUOT;
		bad |= nc_alloc(self->fd, 40, ANY, 0, NULL) != 0;
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ASSERT_EQ(0, nc_info(self->fd, &self->s));
	EXPECT_EQ(40, self->s.info.ctx_max_pages);
	EXPECT_EQ(40, self->s.info.ctx_pages);
	EXPECT_EQ(EPERM, set_max(self->fd, 41, 0));
}

/* ---- 3. Released pages still referenced stay charged ------------------ */

/* Allocate @n pages, fill them with @byte, vmsplice them into a new pipe. */
static int alloc_and_splice(int fd, unsigned long n, int byte, int pipefd[2],
			    uint64_t *off)
{
	struct iovec iov;
	unsigned char *p;
	int ret;

	ret = nc_alloc(fd, n, ANY, 0, off);
	if (ret)
		return ret;
	p = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, *off);
	if (p == MAP_FAILED)
		return errno;
	memset(p, byte, n * PAGE);
	if (pipe(pipefd))
		return errno;
	fcntl(pipefd[1], F_SETPIPE_SZ, (int)(n * PAGE));
	iov.iov_base = p;
	iov.iov_len = n * PAGE;
	if (vmsplice(pipefd[1], &iov, 1, 0) != (ssize_t)(n * PAGE))
		return EIO;
	munmap(p, n * PAGE);
	return 0;
}

/*
 * "Allocate, map, vmsplice every page into a pipe, unmap, release" in a
 * loop cannot take the host past the pool nor the context past its limit:
 * with a limit of 128 pages, two rounds of 64 leave 128 busy pages charged
 * and the third ALLOC is EDQUOT; the pools never grew; sysfs shows them.
 * Closing the pipes brings everything back, and the pipes read the
 * owner's bytes until then.
 */
TEST_F(nc, busy_pages_bounded)
{
	int p1[2], p2[2];
	unsigned char buf[PAGE];
	uint64_t off = 0;

	ASSERT_EQ(0, set_max(self->fd, 128, NUMACLAIM_MAX_SEAL));
	ASSERT_EQ(0, alloc_and_splice(self->fd, 64, 0x11, p1, &off));
	ASSERT_EQ(0, nc_release(self->fd, off));
	ASSERT_EQ(0, alloc_and_splice(self->fd, 64, 0x22, p2, &off));
	ASSERT_EQ(0, nc_release(self->fd, off));

	ASSERT_EQ(0, nc_info(self->fd, &self->s));
	EXPECT_EQ(128, self->s.info.ctx_pages);
	EXPECT_EQ(128, self->s.info.ctx_busy_pages);
	EXPECT_EQ(128, self->s.info.busy_pages);
	EXPECT_EQ(2 * POOL, self->s.info.pool_pages);
	EXPECT_EQ(2 * POOL - 128, self->s.info.free_pages);
	EXPECT_EQ(EDQUOT, nc_alloc(self->fd, 1, ANY, 0, NULL));
	EXPECT_EQ(128, nc_sysfs_read(SYSFS "/busy_pages"));
	EXPECT_EQ(128, nc_node_attr(self->n0, "busy_pages") +
		       nc_node_attr(self->n1, "busy_pages"));
	/* Another context may take only what is really free. */
	EXPECT_EQ(ENOMEM, nc_alloc(self->fd_b, 2 * POOL - 127, ANY, 0, NULL));

	ASSERT_EQ(PAGE, read(p1[0], buf, PAGE));
	EXPECT_TRUE(nc_all_bytes(buf, PAGE, 0x11));
	close(p1[0]);
	close(p1[1]);
	EXPECT_EQ(64, wait_busy(self->fd, 64));
	ASSERT_EQ(0, nc_info(self->fd, &self->s));
	EXPECT_EQ(64, self->s.info.ctx_pages);
	ASSERT_EQ(PAGE, read(p2[0], buf, PAGE));
	EXPECT_TRUE(nc_all_bytes(buf, PAGE, 0x22));

	/* Closing the context does not let them go either. */
	close(self->fd);
	self->fd = nc_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, nc_info(self->fd, &self->s));
	EXPECT_EQ(64, self->s.info.busy_pages);
	EXPECT_EQ(2 * POOL - 64, self->s.info.free_pages);
	close(p2[0]);
	close(p2[1]);
	EXPECT_EQ(0, wait_busy(self->fd, 0));
	EXPECT_EQ(2 * POOL, T(self));
	EXPECT_EQ(2 * POOL, self->s.info.pool_pages);
}

/* ---- io_uring fixed buffers: a FOLL_LONGTERM pin --------------------- */

static int uring_setup(void)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	return syscall(__NR_io_uring_setup, 4, &p);
}

static int uring_register(int ring, unsigned int op, void *arg,
			  unsigned int nr)
{
	return syscall(__NR_io_uring_register, ring, op, arg, nr) ? errno : 0;
}

/*
 * IORING_REGISTER_BUFFERS on a mapping pins its pages with
 * pin_user_pages(FOLL_LONGTERM). 6.1 refuses file-backed memory that is
 * not hugetlb (EOPNOTSUPP) whatever the file; later kernels pin it. Pinned
 * pages released are busy, as with vmsplice, until the ring unregisters.
 */
TEST_F(nc, io_uring_fixed_buffers)
{
	struct iovec iov;
	uint64_t off = 0;
	void *p;
	int ring, ret;

	ring = uring_setup();
	if (ring < 0)
		SKIP(return, "io_uring_setup: %s", strerror(errno));
	ASSERT_EQ(0, nc_alloc(self->fd, 32, ANY, 0, &off));
	p = mmap(NULL, 32 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd, off);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x5a, 32 * PAGE);
	iov.iov_base = p;
	iov.iov_len = 32 * PAGE;
	ret = uring_register(ring, IORING_REGISTER_BUFFERS, &iov, 1);
	if (ret == EOPNOTSUPP) {
		struct utsname u;

		uname(&u);
		/* Only 6.1 is expected to refuse. */
		EXPECT_EQ(0, strncmp(u.release, "6.1.", 4));
		munmap(p, 32 * PAGE);
		close(ring);
		SKIP(return, "kernel %s: io_uring refuses file-backed buffers",
		     u.release);
	}
	ASSERT_EQ(0, ret);
	munmap(p, 32 * PAGE);
	EXPECT_EQ(0, nc_release(self->fd, off));
	ASSERT_EQ(0, nc_info(self->fd, &self->s));
	EXPECT_EQ(32, self->s.info.ctx_busy_pages);
	EXPECT_EQ(32, self->s.info.ctx_pages);
	/* The 168 others are free for anyone, and zero. */
	ASSERT_EQ(0, nc_alloc(self->fd_b, 2 * POOL - 32, ANY, 0, &off));
	p = mmap(NULL, (2 * POOL - 32) * PAGE, PROT_READ, MAP_SHARED,
		 self->fd_b, off);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(nc_all_bytes(p, (2 * POOL - 32) * PAGE, 0));
	munmap(p, (2 * POOL - 32) * PAGE);
	EXPECT_EQ(0, nc_release(self->fd_b, off));

	EXPECT_EQ(0, uring_register(ring, IORING_UNREGISTER_BUFFERS, NULL, 0));
	close(ring);
	EXPECT_EQ(0, wait_busy(self->fd, 0));
	EXPECT_EQ(2 * POOL, T(self));
	EXPECT_EQ(0, self->s.info.ctx_pages);
	/* And the pages can be taken again, zeroed. */
	ASSERT_EQ(0, nc_alloc(self->fd, 2 * POOL, ANY, 0, &off));
	p = mmap(NULL, 2 * POOL * PAGE, PROT_READ, MAP_SHARED, self->fd, off);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(nc_all_bytes(p, 2 * POOL * PAGE, 0));
	munmap(p, 2 * POOL * PAGE);
}

/* ---- 4. sysfs needs CAP_SYS_ADMIN to resize --------------------------- */

static int drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(__NR_capget, &h, d))
		return -1;
	d[CAP_SYS_ADMIN / 32].effective &= ~(1U << (CAP_SYS_ADMIN % 32));
	d[CAP_SYS_ADMIN / 32].permitted &= ~(1U << (CAP_SYS_ADMIN % 32));
	return syscall(__NR_capset, &h, d);
}

/*
 * Root without CAP_SYS_ADMIN can write the root-owned 0644 file, but the
 * resize is refused as POOL_RESIZE refuses it: EPERM, the pool unchanged.
 */
TEST_F(nc, sysfs_resize_needs_cap)
{
	char path[128];
	int status;
	pid_t pid;

	snprintf(path, sizeof(path), SYSFS "/nodes/node%u/pool_pages",
		 self->n0);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd, bad = 0;

		if (drop_cap_sys_admin())
			_exit(2);
		bad |= nc_resize(self->fd, self->n0, 10, NULL) != EPERM;
		fd = open(path, O_WRONLY);
		if (fd < 0)
			_exit(3);
		bad |= write(fd, "10", 2) != -1 || errno != EPERM;
		close(fd);
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child status %d", status);
	EXPECT_EQ(POOL, nc_node_attr(self->n0, "pool_pages"));
	EXPECT_EQ(2 * POOL, T(self));
}

/* ---- 7. Hardware-poisoned pages are never reused ---------------------- */

#define KPF_HWPOISON	19

/*
 * A page of an allocation is poisoned (MADV_HWPOISON, as memory_failure()
 * marks a page the hardware reports); once released it leaves the pool for
 * good: node's hwpoison_pages is 1, its pool one page smaller, and taking
 * every page of that pool never hands out that frame again.
 */
TEST_F(nc, hwpoison_not_reused)
{
	unsigned long i, n, hit = 0;
	uint64_t off = 0, pfn;
	int status;
	uint32_t node;
	unsigned char *p;
	pid_t pid;

	ASSERT_EQ(0, nc_alloc(self->fd, 4, self->n1,
			      NUMACLAIM_ALLOC_EXACT_NODE, &off));
	p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd, off);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x77, 4 * PAGE);
	pfn = pfn_of(p + 2 * PAGE);
	ASSERT_NE(0, pfn);
	node = self->n1;

	/* In a child: memory_failure() may kill whoever maps the page. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		madvise(p + 2 * PAGE, PAGE, MADV_HWPOISON);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	if (page_flag(pfn, KPF_HWPOISON) != 1) {
		munmap(p, 4 * PAGE);
		SKIP(return, "MADV_HWPOISON did not poison the page");
	}
	munmap(p, 4 * PAGE);
	ASSERT_EQ(0, nc_release(self->fd, off));
	EXPECT_EQ(1, nc_node_attr(node, "hwpoison_pages"));
	EXPECT_EQ(POOL - 1, nc_node_attr(node, "pool_pages"));
	EXPECT_EQ(2 * POOL - 1, T(self));

	n = POOL - 1;
	ASSERT_EQ(0, nc_alloc(self->fd, n, node, NUMACLAIM_ALLOC_EXACT_NODE,
			      &off));
	p = mmap(NULL, n * PAGE, PROT_READ, MAP_SHARED, self->fd, off);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(nc_all_bytes(p, n * PAGE, 0));
	for (i = 0; i < n; i++)
		hit += pfn_of(p + i * PAGE) == pfn;
	EXPECT_EQ(0, hit);
	munmap(p, n * PAGE);
	EXPECT_EQ(0, nc_release(self->fd, off));
}

/* ---- 8. Killed in the middle of a large ALLOC or mmap ----------------- */

/*
 * Put @n pages of @node's pool on its dirty list: allocated, mapped and
 * released at once (a pool grown by a page allocator that zeroes,
 * init_on_alloc, starts clean; pages never mapped come back clean). The
 * scrubber starts on them; an ALLOC right after clears most of them
 * itself, with its fatal-signal checks. @flags: the ALLOC's, past
 * NUMACLAIM_ALLOC_EXACT_NODE.
 */
static int make_dirty(int fd, uint32_t node, uint64_t n, uint32_t flags)
{
	uint64_t off = 0;
	int ret = nc_alloc(fd, n, node, NUMACLAIM_ALLOC_EXACT_NODE | flags,
			   &off);
	void *p;

	if (ret)
		return ret;
	p = mmap(NULL, n * PAGE, PROT_READ, MAP_SHARED, fd, off);
	if (p == MAP_FAILED)
		return errno;
	munmap(p, n * PAGE);
	return nc_release(fd, off);
}

/*
 * In a child on context A's fd: dirty @n pages of the pool (mapped, so
 * they come back to be scrubbed; UNCLAIMED, so A's claims stay), say so
 * on @go, then ALLOC @n and map them, and write how long the ALLOC took
 * (a double, in seconds) on @took when that is not -1. The ALLOC comes
 * right after the release, before the scrub work can have cleared much
 * of it: the ALLOC clears the pages itself.
 */
static pid_t start_alloc(int fd, uint32_t node, uint64_t n, int go, int took)
{
	pid_t pid = fork();

	if (pid == 0) {
		uint64_t off = 0;
		double t;
		void *p;

		if (make_dirty(fd, node, n, NUMACLAIM_ALLOC_UNCLAIMED))
			_exit(4);
		if (write(go, "x", 1) != 1)
			_exit(3);
		t = now();
		if (nc_alloc(fd, n, node, 0, &off))
			_exit(1);
		t = now() - t;
		if (took >= 0 && write(took, &t, sizeof(t)) != sizeof(t))
			_exit(3);
		p = mmap(NULL, n * PAGE, PROT_READ, MAP_SHARED, fd, off);
		_exit(p == MAP_FAILED ? 2 : 0);
	}
	return pid;
}

/*
 * A child shares context A's fd, dirties a 64 MiB pool and ALLOCs then
 * maps it; it is killed a tenth, two tenths ... of an uncut ALLOC's time
 * after it said it starts. Either the ALLOC completed (the allocation is
 * A's, whole) or it was cut short and left nothing: A's claim of 16
 * whole, no page held. One uncut run first measures the ALLOC; when it
 * takes long enough for the kills to land inside it (5 ms), at least one
 * must have cut it short (without the fatal-signal checks none can).
 */
TEST_F(nc, killed_alloc_unwinds)
{
	const uint64_t big = 64 << 8;	/* 64 MiB in pages */
	unsigned int round, cut = 0, done = 0;
	double took = 0;
	uint64_t reached;
	int go[2], tp[2], status;
	char c;
	pid_t pid;

	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(tp));
	ASSERT_EQ(0, nc_resize(self->fd, self->n0, big + 16, &reached));
	if (reached < big + 16)
		SKIP(return, "node %u: pool reached %llu pages", self->n0,
		     (unsigned long long)reached);
	pid = start_alloc(self->fd, self->n0, big, go[1], tp[1]);
	ASSERT_LE(0, pid);
	ASSERT_EQ(1, read(go[0], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ASSERT_EQ(sizeof(took), read(tp[0], &took, sizeof(took)));
	close(self->fd);
	self->fd = nc_open();
	ASSERT_LE(0, self->fd);

	for (round = 0; round < 10; round++) {
		ASSERT_EQ(0, nc_resize(self->fd, self->n0, 0, NULL));
		ASSERT_EQ(0, nc_resize(self->fd, self->n0, big + 16, &reached));
		ASSERT_EQ(big + 16, reached);
		ASSERT_EQ(0, nc_claim1(self->fd, self->n0, 16));
		pid = start_alloc(self->fd, self->n0, big, go[1], -1);
		ASSERT_LE(0, pid);
		ASSERT_EQ(1, read(go[0], &c, 1));
		usleep(took * 1e6 * (round + 1) / 10);
		kill(pid, SIGKILL);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_EQ(0, nc_info(self->fd, &self->s));
		if (self->s.info.ctx_pages == 0) {
			cut++;
			EXPECT_EQ(16, self->s.info.ctx_claims);
			EXPECT_EQ(16, self->s.info.outstanding);
			EXPECT_EQ(self->s.info.pool_pages,
				  self->s.info.free_pages);
		} else {
			done++;
			EXPECT_EQ(big, self->s.info.ctx_pages);
		}
		EXPECT_EQ(big + 16, self->s.node[self->n0].pool_pages);
		/* Give it all back: a new context A. */
		close(self->fd);
		self->fd = nc_open();
		ASSERT_LE(0, self->fd);
		ASSERT_EQ(0, nc_info(self->fd, &self->s));
		EXPECT_EQ(0, self->s.info.outstanding);
		EXPECT_EQ(self->s.info.pool_pages, self->s.info.free_pages);
	}
	TH_LOG("ALLOC of 64 MiB just dirtied, uncut: %.1f ms; killed 10 times: %u cut short, %u completed",
	       took * 1e3, cut, done);
	if (took > 0.005)
		EXPECT_LT(0, cut);
	ASSERT_EQ(0, nc_resize(self->fd, self->n0, 0, NULL));
	close(go[0]);
	close(go[1]);
	close(tp[0]);
	close(tp[1]);
	EXPECT_EQ(0, wait_busy(self->fd, 0));
}

/*
 * Whether this kernel's page allocator zeroes what it hands out, from the
 * boot log ("mem auto-init: ... heap alloc:on"): 1, 0, or -1 unknown.
 */
static int init_on_alloc(void)
{
	static char log[1 << 20];
	int n = klogctl(3, log, sizeof(log) - 1);	/* SYSLOG_ACTION_READ_ALL */
	char *p;

	if (n <= 0)
		return -1;
	log[n] = 0;
	p = strstr(log, "heap alloc:");
	if (!p)
		return -1;
	return !strncmp(p + 11, "on", 2);
}

/*
 * ALLOC @n pages on @node, map them read-only and release them: 1 when
 * every byte was zero, 0 when one was not, a negative errno on failure.
 */
static int alloc_is_zero(int fd, uint32_t node, uint64_t n)
{
	uint64_t off = 0;
	int ret, zero;
	void *p;

	ret = nc_alloc(fd, n, node, NUMACLAIM_ALLOC_EXACT_NODE, &off);
	if (ret)
		return -ret;
	p = mmap(NULL, n * PAGE, PROT_READ, MAP_SHARED, fd, off);
	if (p == MAP_FAILED) {
		ret = -errno;
		nc_release(fd, off);
		return ret;
	}
	zero = nc_all_bytes(p, n * PAGE, 0);
	munmap(p, n * PAGE);
	ret = nc_release(fd, off);
	return ret ? -ret : zero;
}

/*
 * Released pages are dirty until the node's scrub work clears them:
 * dirty_pages rises by what was released and comes back to 0 on its own,
 * on the node and host-wide, and the pages are zero when handed out again.
 * A pool refilled on a kernel that zeroes at allocation starts with none
 * dirty: the page allocator cleared them, the pool does not again.
 */
TEST_F(nc, dirty_pages_scrubbed)
{
	uint32_t node = self->n1;
	uint64_t off = 0, reached;
	double end;
	long dirty;
	char *p;

	ASSERT_EQ(0, nc_alloc(self->fd, POOL, node, NUMACLAIM_ALLOC_EXACT_NODE,
			      &off));
	p = mmap(NULL, POOL * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd, off);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x5a, POOL * PAGE);
	munmap(p, POOL * PAGE);
	ASSERT_EQ(0, nc_release(self->fd, off));
	dirty = nc_node_attr(node, "dirty_pages");
	EXPECT_LE(0, dirty);
	EXPECT_GE(POOL, dirty);
	for (end = now() + 10; now() < end; usleep(1000)) {
		dirty = nc_node_attr(node, "dirty_pages");
		if (!dirty)
			break;
	}
	EXPECT_EQ(0, dirty) TH_LOG("not scrubbed within 10 s");
	EXPECT_EQ(0, nc_sysfs_read("/sys/kernel/numaclaim/dirty_pages"));

	EXPECT_EQ(1, alloc_is_zero(self->fd, node, POOL));

	ASSERT_EQ(0, nc_resize(self->fd, node, 0, &reached));
	ASSERT_EQ(0, reached);
	ASSERT_EQ(0, nc_resize(self->fd, node, POOL, &reached));
	ASSERT_EQ(POOL, reached);
	switch (init_on_alloc()) {
	case 1:
		EXPECT_EQ(0, nc_node_attr(node, "dirty_pages"));
		break;
	case 0:
		EXPECT_GE(POOL, nc_node_attr(node, "dirty_pages"));
		break;
	default:
		TH_LOG("init_on_alloc unknown (no boot log)");
	}
}

/*
 * An allocation released without ever being mapped or exported comes back
 * clean: nobody could write its pages, so nothing scrubs them. One mapped
 * (even read-only) or exported comes back dirty, and what was written
 * through its file is gone when the pages are had again.
 */
TEST_F(nc, unmapped_release_stays_clean)
{
	uint32_t node = self->n1;
	struct numaclaim_export x;
	uint64_t off = 0;
	double end;
	char *p;

	for (end = now() + 10; now() < end; usleep(1000))
		if (!nc_node_attr(node, "dirty_pages"))
			break;
	ASSERT_EQ(0, nc_node_attr(node, "dirty_pages"));
	ASSERT_EQ(0, nc_alloc(self->fd, POOL, node, NUMACLAIM_ALLOC_EXACT_NODE,
			      &off));
	ASSERT_EQ(0, nc_release(self->fd, off));
	EXPECT_EQ(0, nc_node_attr(node, "dirty_pages"));
	EXPECT_EQ(POOL, nc_node_attr(node, "free_pages"));

	ASSERT_EQ(0, nc_alloc(self->fd, POOL, node, NUMACLAIM_ALLOC_EXACT_NODE,
			      &off));
	memset(&x, 0, sizeof(x));
	x.offset = off;
	ASSERT_EQ(0, ioctl(self->fd, NUMACLAIM_IOC_EXPORT, &x));
	p = mmap(NULL, POOL * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, x.fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0xa5, POOL * PAGE);
	munmap(p, POOL * PAGE);
	close(x.fd);

	EXPECT_EQ(1, alloc_is_zero(self->fd, node, POOL));
}

/*
 * A claim of every node with memory and "any": on the stack in the
 * module up to 4 entries, in one allocation above (a box of 4 nodes has
 * 5). Either way an unreadable array is EFAULT, a node twice EINVAL, both
 * leaving nothing claimed, and a good claim takes each node's page.
 */
TEST_F(nc, claim_many_entries)
{
	struct numaclaim_claim_entry e[MAX_NODES + 1];
	unsigned int n, nr = 0;
	uint64_t reached;
	void *hole;

	for (n = 0; n < self->s.info.nr_nodes && n < MAX_NODES; n++) {
		if (self->s.node[n].flags & NUMACLAIM_NODE_MEMORYLESS)
			continue;
		ASSERT_EQ(0, nc_resize(self->fd, n, POOL, &reached));
		ASSERT_EQ(POOL, reached);
		e[nr].node = n;
		e[nr].reserved = 0;
		e[nr++].pages = 1;
	}
	e[nr].node = ANY;
	e[nr].reserved = 0;
	e[nr++].pages = 1;
	TH_LOG("%u entries", nr);

	hole = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	EXPECT_EQ(EFAULT, nc_claim(self->fd, hole, 1));
	EXPECT_EQ(EFAULT, nc_claim(self->fd, hole, nr));
	EXPECT_EQ(0, O(self));
	munmap(hole, PAGE);

	if (nr > 2) {
		uint32_t first = e[0].node;

		e[0].node = e[1].node;
		EXPECT_EQ(EINVAL, nc_claim(self->fd, e, nr));
		EXPECT_EQ(0, O(self));
		e[0].node = first;
	}
	ASSERT_EQ(0, nc_claim(self->fd, e, nr));
	EXPECT_EQ(nr, O(self));
	for (n = 0; n + 1 < nr; n++)
		EXPECT_EQ(1, NC(self, e[n].node));
	ASSERT_EQ(0, nc_claim(self->fd, NULL, 0));
	EXPECT_EQ(0, O(self));
}

/* ---- 2 MiB units ------------------------------------------------------ */

#define UNIT	512UL

/*
 * A pool grown by 2 MiB keeps it as a unit: an ALLOC of 512 pages on that
 * node gets 2 MiB of contiguous, aligned frames. A page of it still in a
 * pipe when it is released stays busy alone: the other 511 are free at
 * once, and the pipe reads the owner's bytes until it closes.
 */
TEST_F(nc, unit_released_with_one_busy_page)
{
	uint64_t off = 0, reached, first;
	unsigned long i, contiguous = 1;
	unsigned char *p, buf[PAGE];
	struct iovec iov;
	int pipefd[2];

	ASSERT_EQ(0, nc_resize(self->fd, self->n0, POOL + 2 * UNIT, &reached));
	ASSERT_EQ(POOL + 2 * UNIT, reached);
	ASSERT_EQ(0, nc_alloc(self->fd, UNIT, self->n0,
			      NUMACLAIM_ALLOC_EXACT_NODE, &off));
	p = mmap(NULL, UNIT * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd, off);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x5e, UNIT * PAGE);
	first = pfn_of(p);
	ASSERT_NE(0, first);
	EXPECT_EQ(0, first % UNIT);
	for (i = 1; i < UNIT; i++)
		contiguous += pfn_of(p + i * PAGE) == first + i;
	EXPECT_EQ(UNIT, contiguous);

	ASSERT_EQ(0, pipe(pipefd));
	iov.iov_base = p + 7 * PAGE;
	iov.iov_len = PAGE;
	ASSERT_EQ(PAGE, vmsplice(pipefd[1], &iov, 1, 0));
	munmap(p, UNIT * PAGE);
	ASSERT_EQ(0, nc_release(self->fd, off));

	ASSERT_EQ(0, nc_info(self->fd, &self->s));
	EXPECT_EQ(1, self->s.info.busy_pages);
	EXPECT_EQ(1, self->s.info.ctx_pages);
	EXPECT_EQ(2 * POOL + 2 * UNIT - 1, self->s.info.free_pages);
	/* The 511 others are free for anyone at once. */
	ASSERT_EQ(0, nc_alloc(self->fd_b, POOL + 2 * UNIT - 1, self->n0,
			      NUMACLAIM_ALLOC_EXACT_NODE, NULL));
	EXPECT_EQ(ENOMEM, nc_alloc(self->fd_b, 1, self->n0,
				   NUMACLAIM_ALLOC_EXACT_NODE, NULL));

	ASSERT_EQ(PAGE, read(pipefd[0], buf, PAGE));
	EXPECT_TRUE(nc_all_bytes(buf, PAGE, 0x5e));
	close(pipefd[0]);
	close(pipefd[1]);
	EXPECT_EQ(0, wait_busy(self->fd, 0));
	close(self->fd_b);
	self->fd_b = nc_open();
	ASSERT_LE(0, self->fd_b);
	ASSERT_EQ(0, nc_info(self->fd, &self->s));
	EXPECT_EQ(2 * POOL + 2 * UNIT, self->s.info.free_pages);
	ASSERT_EQ(0, nc_resize(self->fd, self->n0, POOL, &reached));
	EXPECT_EQ(POOL, reached);
}

/* ---- tracepoints --------------------------------------------------------- */

#define TRACEFS	"/sys/kernel/tracing"

static int tracefs_write(const char *file, const char *v)
{
	char path[128];
	int fd, ret = 0;

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return errno;
	if (write(fd, v, strlen(v)) != (ssize_t)strlen(v))
		ret = errno ? errno : EIO;
	close(fd);
	return ret;
}

/* Whether the trace has a line with every one of @want's words. */
static int traced(const char *trace, const char *event, const char *want)
{
	const char *line = trace, *end;
	char w[64], l[512];
	size_t n;

	for (; *line; line = *end ? end + 1 : end) {
		const char *p = want, *q;
		int all = 1;

		end = strchrnul(line, '\n');
		n = end - line < (long)sizeof(l) - 1 ? end - line : sizeof(l) - 1;
		memcpy(l, line, n);
		l[n] = 0;
		if (!strstr(l, event))
			continue;
		while (*p && all) {
			q = strchrnul(p, ' ');
			snprintf(w, sizeof(w), "%.*s", (int)(q - p), p);
			all = strstr(l, w) != NULL;
			p = *q ? q + 1 : q;
		}
		if (all)
			return 1;
	}
	return 0;
}

/* How many lines of @trace are @event's. */
static int events(const char *trace, const char *event)
{
	int n = 0;

	for (; (trace = strstr(trace, event)); trace += strlen(event))
		n++;
	return n;
}

/*
 * events/numaclaim/ in tracefs: a claim, an ALLOC, an export, a RELEASE
 * refused twice (exported: EBUSY; no allocation there: EINVAL), a RELEASE
 * done, a resize and the scrub after the export's end each leave one event
 * with their context's nodes, pages, offsets and results; the claim, the
 * ALLOC and the RELEASE done one more per node.
 */
TEST_F(nc, tracepoints)
{
	char want[160], *trace;
	uint64_t off = 0, off2 = 0, reached;
	struct numaclaim_export x;
	ssize_t len = 0, got;
	int fd, i;

	if (mount("tracefs", TRACEFS, "tracefs", 0, NULL) && errno != EBUSY)
		SKIP(return, "no tracefs: %s", strerror(errno));
	/* A small buffer: its pages stay allocated after the run. */
	ASSERT_EQ(0, tracefs_write("buffer_size_kb", "64"));
	if (tracefs_write("events/numaclaim/enable", "1"))
		SKIP(return, "no numaclaim events in tracefs");
	ASSERT_EQ(0, tracefs_write("trace", ""));

	ASSERT_EQ(0, nc_claim1(self->fd, self->n0, 3));
	ASSERT_EQ(0, nc_alloc(self->fd, 2, self->n0,
			      NUMACLAIM_ALLOC_EXACT_NODE, &off));
	memset(&x, 0, sizeof(x));
	x.offset = off;
	ASSERT_EQ(0, ioctl(self->fd, NUMACLAIM_IOC_EXPORT, &x));
	EXPECT_EQ(EBUSY, nc_release(self->fd, off));
	EXPECT_EQ(EINVAL, nc_release(self->fd, off + 64 * PAGE));
	ASSERT_EQ(0, nc_alloc(self->fd, 1, self->n1,
			      NUMACLAIM_ALLOC_EXACT_NODE, &off2));
	ASSERT_EQ(0, nc_release(self->fd, off2));
	close(x.fd);
	ASSERT_EQ(0, nc_resize(self->fd, self->n0, POOL, &reached));
	for (i = 0; i < 500 && nc_node_attr(self->n0, "dirty_pages"); i++)
		usleep(10000);
	EXPECT_EQ(0, nc_node_attr(self->n0, "dirty_pages"));
	ASSERT_EQ(0, tracefs_write("events/numaclaim/enable", "0"));

	trace = calloc(1, 1 << 20);
	ASSERT_NE(NULL, trace);
	fd = open(TRACEFS "/trace", O_RDONLY);
	ASSERT_LE(0, fd);
	while ((got = read(fd, trace + len, (1 << 20) - 1 - len)) > 0)
		len += got;
	close(fd);
	TH_LOG("%zd bytes of trace", len);

	EXPECT_TRUE(traced(trace, "numaclaim_claim:",
			   "entries=1 pages=3 ret=0"));
	snprintf(want, sizeof(want), "node=%u pages=3", self->n0);
	EXPECT_TRUE(traced(trace, "numaclaim_claim_node:", want));
	snprintf(want, sizeof(want), "offset=0x%llx node=%u pages=2",
		 (unsigned long long)off, self->n0);
	EXPECT_TRUE(traced(trace, "numaclaim_alloc_node:", want));
	snprintf(want, sizeof(want), "offset=0x%llx pages=1 ret=0",
		 (unsigned long long)off2);
	EXPECT_TRUE(traced(trace, "numaclaim_release:", want));
	snprintf(want, sizeof(want), "offset=0x%llx node=%u pages=1",
		 (unsigned long long)off2, self->n1);
	EXPECT_TRUE(traced(trace, "numaclaim_release_node:", want));
	/* Only the RELEASE done says where its pages were. */
	EXPECT_EQ(1, events(trace, "numaclaim_release_node:"));
	EXPECT_EQ(2, events(trace, "numaclaim_alloc_node:"));
	snprintf(want, sizeof(want),
		 "node=%u pages=2 flags=0x1 offset=0x%llx nodes=1 ret=0",
		 self->n0, (unsigned long long)off);
	EXPECT_TRUE(traced(trace, "numaclaim_alloc:", want));
	snprintf(want, sizeof(want), "offset=0x%llx fd=%u ret=0",
		 (unsigned long long)off, x.fd);
	EXPECT_TRUE(traced(trace, "numaclaim_export:", want));
	snprintf(want, sizeof(want), "offset=0x%llx pages=2 ret=-16",
		 (unsigned long long)off);
	EXPECT_TRUE(traced(trace, "numaclaim_release:", want));
	snprintf(want, sizeof(want), "offset=0x%llx pages=0 ret=-22",
		 (unsigned long long)(off + 64 * PAGE));
	EXPECT_TRUE(traced(trace, "numaclaim_release:", want));
	snprintf(want, sizeof(want), "node=%u want=%u reached=%u ret=0",
		 self->n0, POOL, POOL);
	EXPECT_TRUE(traced(trace, "numaclaim_resize:", want));
	snprintf(want, sizeof(want), "node=%u pages=", self->n0);
	EXPECT_TRUE(traced(trace, "numaclaim_scrub:", want));
	EXPECT_FALSE(traced(trace, "numaclaim_alloc:", "ret=-"));
	free(trace);
}

TEST_HARNESS_MAIN
