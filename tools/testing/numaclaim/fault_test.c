// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection on /dev/numaclaim: each operation a VMM or an admin
 * performs (open, CLAIM, ALLOC on one node and on any node, mmap, EXPORT,
 * reopening an exported file through /proc/self/fd, POOL_RESIZE, a sysfs
 * pool_pages write, and loading the module) is run with its first, second,
 * third... allocation failing (/proc/thread-self/fail-nth, which failslab
 * and fail_page_alloc honour), until a run reaches no armed point. Every
 * run must either succeed or fail with ENOMEM, install no fd and leave no
 * mapping when it fails, and leave every counter whole: the context's
 * claims and pages, the host's free and outstanding pages, what sysfs
 * shows. kmemleak after rmmod (scripts/numabox.sh -D) covers what leaks.
 *
 * Needs a kernel with CONFIG_FAULT_INJECTION, CONFIG_FAILSLAB and
 * CONFIG_FAIL_PAGE_ALLOC and debugfs (the debug box, `make box-debug`);
 * skips elsewhere. The filters that keep GFP_KERNEL, highmem and order-0
 * allocations out of fault injection are switched off, so that every
 * allocation the module makes is a fault point.
 *
 * insmod_fails_cleanly unloads the module and loads it again, with
 * NUMACLAIM_KO (default /numaclaim.ko) and the parameters in
 * NUMACLAIM_PARAMS_FILE (default /params), as the box loaded it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "nc_common.h"

#define SYSFS		"/sys/kernel/numaclaim"
#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define MAX_RUNS	4000

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/*
 * Make every allocation a fault point for fail-nth: failslab and
 * fail_page_alloc leave GFP_KERNEL (may-reclaim), highmem and order-0
 * allocations alone by default. Quiet: no stack per injected fault.
 * False when this kernel has no fault injection.
 */
static bool fault_setup(void)
{
	static const char *const knobs[][2] = {
		{ "failslab/ignore-gfp-wait", "N" },
		{ "failslab/verbose", "0" },
		{ "fail_page_alloc/ignore-gfp-wait", "N" },
		{ "fail_page_alloc/ignore-gfp-highmem", "N" },
		{ "fail_page_alloc/min-order", "0" },
		{ "fail_page_alloc/verbose", "0" },
	};
	char path[128];
	unsigned int i;

	if (access(FAIL_NTH, R_OK | W_OK))
		return false;
	mount("none", "/sys/kernel/debug", "debugfs", 0, NULL);
	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		snprintf(path, sizeof(path), "/sys/kernel/debug/%s", knobs[i][0]);
		if (write_str(path, knobs[i][1]))
			return false;
	}
	return true;
}

/*
 * Without fault injection the tests skip, unless NUMACLAIM_FAULT_REQUIRED
 * is set (the debug box sets it): there, no injection is a failure.
 */
#define SKIP_OR_FAIL(why) do {						\
	if (getenv("NUMACLAIM_FAULT_REQUIRED"))				\
		ASSERT_TRUE(false) TH_LOG("%s", why);			\
	SKIP(return, "%s", why);					\
} while (0)

/* The fail-nth file of the calling thread, kept open across the runs. */
static int nth_fd = -1;

/* The @n-th fault point the calling thread reaches from now on fails. */
static void arm(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(nth_fd, buf, len, 0) != len)
		abort();
}

/* Whether the armed point was reached (and failed); disarms either way. */
static bool fired(void)
{
	char buf[16] = "";
	bool hit;

	if (pread(nth_fd, buf, sizeof(buf) - 1, 0) <= 0)
		abort();
	hit = strtoul(buf, NULL, 10) == 0;
	if (pwrite(nth_fd, "0", 1, 0) != 1)
		abort();
	return hit;
}

/* The lowest fd not open: a failed call must not have installed one. */
static int lowest_free_fd(void)
{
	int fd = dup(0), low;

	low = fd;
	close(fd);
	return low;
}

FIXTURE(ft) {
	int fd;			/* a context that holds nothing */
	int ctx;		/* the context under test */
	uint32_t n0, n1;	/* two nodes with memory, 100 pages each */
	struct nc_state s;
};

FIXTURE_SETUP(ft)
{
	int ret;

	if (!fault_setup())
		SKIP_OR_FAIL("no fault injection (" FAIL_NTH ", debugfs fail*)");
	nth_fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, nth_fd);
	self->fd = nc_open();
	self->ctx = nc_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", DEV, strerror(errno));
	ASSERT_LE(0, self->ctx);
	ret = nc_two_pools(self->fd, &self->s, &self->n0, &self->n1);
	if (ret == -ENODEV)
		SKIP(return, "needs two nodes with memory");
	ASSERT_EQ(0, ret) TH_LOG("pools: %s", strerror(-ret));
}

FIXTURE_TEARDOWN(ft)
{
	if (self->ctx >= 0)
		close(self->ctx);
	if (self->fd >= 0)
		close(self->fd);
	if (nth_fd >= 0)
		close(nth_fd);
}

/* Everything back: the pools of the fixture, all free, nothing claimed. */
#define EXPECT_HOST_WHOLE(self) do {					\
	ASSERT_EQ(0, nc_info((self)->fd, &(self)->s));			\
	EXPECT_EQ(2 * POOL, (self)->s.info.pool_pages);			\
	EXPECT_EQ(2 * POOL, (self)->s.info.free_pages);			\
	EXPECT_EQ(0, (self)->s.info.outstanding);			\
	EXPECT_EQ(0, (self)->s.info.busy_pages);			\
	EXPECT_EQ(2 * POOL, nc_sysfs_read(SYSFS "/free_pages"));		\
	EXPECT_EQ(0, nc_sysfs_read(SYSFS "/allocated_pages"));		\
} while (0)

/* The context under test: @claims claimed, @pages held. */
#define EXPECT_CTX(self, claims, pages) do {				\
	ASSERT_EQ(0, nc_info((self)->ctx, &(self)->s));			\
	EXPECT_EQ(claims, (self)->s.info.ctx_claims);			\
	EXPECT_EQ(pages, (self)->s.info.ctx_pages);			\
	EXPECT_EQ(claims, (self)->s.info.outstanding);			\
	EXPECT_EQ(2 * POOL - (pages), (self)->s.info.free_pages);	\
} while (0)

/*
 * Log how many runs had a fault injected, and how many of those failed.
 * None would mean that injection never reached the call: a test that
 * checked nothing.
 */
#define LOG_RUNS(what, runs, failed) do {				\
	TH_LOG("%s: %u fault points, %u runs failed with ENOMEM",	\
	       what, runs, failed);					\
	EXPECT_LT(0u, runs) TH_LOG("%s: no fault injected", what);	\
} while (0)

TEST_F(ft, open_fails_cleanly)
{
	unsigned int n, failed = 0;

	for (n = 1; n < MAX_RUNS; n++) {
		int low = lowest_free_fd(), fd;
		bool hit;

		arm(n);
		fd = nc_open();
		hit = fired();
		if (fd < 0) {
			ASSERT_EQ(ENOMEM, errno) TH_LOG("run %u", n);
			ASSERT_TRUE(hit);
			ASSERT_EQ(low, lowest_free_fd());
			failed++;
		} else {
			/* A context that opened must work. */
			ASSERT_EQ(0, nc_claim1(fd, self->n0, 1)) TH_LOG("run %u", n);
			close(fd);
		}
		EXPECT_HOST_WHOLE(self);
		if (!hit)
			break;
	}
	ASSERT_GT(MAX_RUNS, n);
	LOG_RUNS("open", n - 1, failed);
}

/*
 * A CLAIM of up to 4 entries is read on the stack and allocates nothing;
 * with more nodes (entries of 0 pages for the others) it takes a block.
 */
#define CLAIM_ON_STACK	4

TEST_F(ft, claim_fails_cleanly)
{
	struct numaclaim_claim_entry e[MAX_NODES + 1] = {
		{ .node = self->n0, .pages = 10 },
		{ .node = self->n1, .pages = 5 },
		{ .node = ANY, .pages = 7 },
	};
	unsigned int n, failed = 0, nr = 3, node;

	ASSERT_EQ(0, nc_info(self->fd, &self->s));
	for (node = 0; nr <= CLAIM_ON_STACK && node < self->s.info.nr_nodes &&
	     node < MAX_NODES; node++)
		if (node != self->n0 && node != self->n1)
			e[nr++].node = node;
	for (n = 1; n < MAX_RUNS; n++) {
		bool hit;
		int ret;

		arm(n);
		ret = nc_claim(self->ctx, e, nr);
		hit = fired();
		if (ret) {
			ASSERT_EQ(ENOMEM, ret) TH_LOG("run %u", n);
			ASSERT_TRUE(hit);
			EXPECT_CTX(self, 0, 0);
			failed++;
		} else {
			EXPECT_CTX(self, 22, 0);
			EXPECT_EQ(10, self->s.node[self->n0].ctx_claim);
			EXPECT_EQ(5, self->s.node[self->n1].ctx_claim);
			ASSERT_EQ(0, nc_claim(self->ctx, NULL, 0));
		}
		EXPECT_HOST_WHOLE(self);
		if (!hit)
			break;
	}
	ASSERT_GT(MAX_RUNS, n);
	if (nr > CLAIM_ON_STACK) {
		LOG_RUNS("claim", n - 1, failed);
	} else {
		TH_LOG("claim of %u entries: %u fault points (none expected)",
		       nr, n - 1);
		EXPECT_EQ(0u, n - 1);
	}
}

/*
 * ALLOC with claims to consume (40 on n0, 8 on any): on one node, and on
 * any node with a node_pages array, taking from both pools.
 */
static void alloc_runs(struct __test_metadata *_metadata,
		       FIXTURE_DATA(ft) *self, bool any)
{
	struct numaclaim_claim_entry e[2] = {
		{ .node = self->n0, .pages = 40 },
		{ .node = ANY, .pages = 8 },
	};
	uint64_t node_pages[MAX_NODES];
	uint64_t want = any ? 150 : 32, claims_after;
	unsigned int n, failed = 0;
	uint64_t off = 0;

	/* What a run with no fault leaves of the claims. */
	ASSERT_EQ(0, nc_claim(self->ctx, e, 2));
	ASSERT_EQ(0, nc_alloc(self->ctx, want, any ? ANY : self->n0, 0, &off));
	ASSERT_EQ(0, nc_info(self->ctx, &self->s));
	claims_after = self->s.info.ctx_claims;
	ASSERT_EQ(0, nc_release(self->ctx, off));
	ASSERT_EQ(0, nc_claim(self->ctx, NULL, 0));

	for (n = 1; n < MAX_RUNS; n++) {
		struct numaclaim_alloc a = {
			.pages = want,
			.node = any ? ANY : self->n0,
			.node_pages = (uintptr_t)node_pages,
			.nr_node_pages = MAX_NODES,
		};
		bool hit;
		int ret;

		ASSERT_EQ(0, nc_claim(self->ctx, e, 2));
		arm(n);
		ret = nc_ioctl(self->ctx, NUMACLAIM_IOC_ALLOC, &a);
		hit = fired();
		if (ret) {
			ASSERT_EQ(ENOMEM, ret) TH_LOG("run %u", n);
			ASSERT_TRUE(hit);
			/* Nothing moved: the claims whole, no page held. */
			EXPECT_CTX(self, 48, 0);
			EXPECT_EQ(40, self->s.node[self->n0].ctx_claim);
			failed++;
		} else {
			EXPECT_CTX(self, claims_after, want);
			EXPECT_EQ(want, node_pages[self->n0] + node_pages[self->n1]);
			EXPECT_EQ(node_pages[self->n0],
				  self->s.node[self->n0].ctx_pages);
			ASSERT_EQ(0, nc_release(self->ctx, a.offset));
		}
		ASSERT_EQ(0, nc_claim(self->ctx, NULL, 0));
		EXPECT_HOST_WHOLE(self);
		if (!hit)
			break;
	}
	ASSERT_GT(MAX_RUNS, n);
	LOG_RUNS(any ? "alloc any node" : "alloc one node", n - 1, failed);
}

TEST_F(ft, alloc_fails_cleanly)
{
	alloc_runs(_metadata, self, false);
}

TEST_F(ft, alloc_any_node_fails_cleanly)
{
	alloc_runs(_metadata, self, true);
}

/*
 * mmap of a 64-page allocation: a failed mmap leaves no mapping behind
 * (RELEASE works, which it refuses while any page is mapped); one that
 * succeeds maps the allocation's pages, zeroed the first time.
 */
TEST_F(ft, mmap_fails_cleanly)
{
	unsigned int n, failed = 0;
	uint64_t off = 0;

	for (n = 1; n < MAX_RUNS; n++) {
		unsigned char *p;
		bool hit;

		ASSERT_EQ(0, nc_alloc(self->ctx, 64, self->n1, 0, &off));
		arm(n);
		p = mmap(NULL, 64 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
			 self->ctx, off);
		hit = fired();
		if (p == MAP_FAILED) {
			ASSERT_EQ(ENOMEM, errno) TH_LOG("run %u", n);
			ASSERT_TRUE(hit);
			failed++;
		} else {
			EXPECT_TRUE(nc_all_bytes(p, 64 * PAGE, 0));
			memset(p, 0x5a, 64 * PAGE);
			ASSERT_EQ(0, munmap(p, 64 * PAGE));
		}
		EXPECT_CTX(self, 0, 64);
		ASSERT_EQ(0, nc_release(self->ctx, off)) TH_LOG("run %u", n);
		EXPECT_HOST_WHOLE(self);
		if (!hit)
			break;
	}
	ASSERT_GT(MAX_RUNS, n);
	LOG_RUNS("mmap", n - 1, failed);
}

/*
 * EXPORT: a failed one installs no fd and leaves the allocation as it
 * was, RELEASE-able (an exported allocation is EBUSY); a file that was
 * made gives the allocation back when closed.
 */
TEST_F(ft, export_fails_cleanly)
{
	unsigned int n, failed = 0;

	for (n = 1; n < MAX_RUNS; n++) {
		struct numaclaim_export x = { .flags = NUMACLAIM_EXPORT_CLOEXEC };
		int low = lowest_free_fd(), ret;
		uint64_t off = 0;
		bool hit;

		ASSERT_EQ(0, nc_alloc(self->ctx, 16, self->n0, 0, &off));
		x.offset = off;
		arm(n);
		ret = nc_ioctl(self->ctx, NUMACLAIM_IOC_EXPORT, &x);
		hit = fired();
		if (ret) {
			ASSERT_EQ(ENOMEM, ret) TH_LOG("run %u", n);
			ASSERT_TRUE(hit);
			ASSERT_EQ(low, lowest_free_fd());
			EXPECT_CTX(self, 0, 16);
			ASSERT_EQ(0, nc_release(self->ctx, x.offset));
			failed++;
		} else {
			struct stat st;

			ASSERT_EQ(low, (int)x.fd);
			ASSERT_EQ(0, fstat(x.fd, &st));
			EXPECT_EQ(16 * PAGE, st.st_size);
			EXPECT_EQ(EBUSY, nc_release(self->ctx, x.offset));
			close(x.fd);
		}
		EXPECT_HOST_WHOLE(self);
		if (!hit)
			break;
	}
	ASSERT_GT(MAX_RUNS, n);
	LOG_RUNS("export", n - 1, failed);
}

/* Opening an exported file again by path, as QEMU's mem-path does. */
TEST_F(ft, reopen_fails_cleanly)
{
	struct numaclaim_export x = { .flags = NUMACLAIM_EXPORT_CLOEXEC };
	unsigned int n, failed = 0;
	char path[64];
	uint64_t off = 0;

	ASSERT_EQ(0, nc_alloc(self->ctx, 16, self->n0, 0, &off));
	x.offset = off;
	ASSERT_EQ(0, nc_ioctl(self->ctx, NUMACLAIM_IOC_EXPORT, &x));
	snprintf(path, sizeof(path), "/proc/self/fd/%u", x.fd);
	for (n = 1; n < MAX_RUNS; n++) {
		int low = lowest_free_fd(), fd;
		bool hit;

		arm(n);
		fd = open(path, O_RDWR | O_CLOEXEC);
		hit = fired();
		if (fd < 0) {
			ASSERT_EQ(ENOMEM, errno) TH_LOG("run %u", n);
			ASSERT_TRUE(hit);
			ASSERT_EQ(low, lowest_free_fd());
			failed++;
		} else {
			void *p = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE,
				       MAP_SHARED, fd, 0);

			ASSERT_NE(MAP_FAILED, p);
			munmap(p, 16 * PAGE);
			close(fd);
		}
		EXPECT_CTX(self, 0, 16);
		if (!hit)
			break;
	}
	ASSERT_GT(MAX_RUNS, n);
	close(x.fd);
	EXPECT_HOST_WHOLE(self);
	LOG_RUNS("reopen", n - 1, failed);
}

/*
 * POOL_RESIZE up by 1000 pages (an order-9 unit, then smaller ones): a
 * failed page allocation only makes growth take smaller units or stop
 * short; whatever the answer, INFO and sysfs agree with the size reached,
 * and shrinking back gives every page to the buddy allocator.
 */
TEST_F(ft, resize_fails_cleanly)
{
	unsigned int n, failed = 0, short_runs = 0;

	for (n = 1; n < MAX_RUNS; n++) {
		struct numaclaim_pool p = { .node = self->n0, .pages = POOL + 1000 };
		uint64_t reached;
		bool hit;
		int ret;

		arm(n);
		ret = nc_ioctl(self->fd, NUMACLAIM_IOC_POOL_RESIZE, &p);
		hit = fired();
		ASSERT_EQ(0, nc_info(self->fd, &self->s));
		if (ret) {
			ASSERT_EQ(ENOMEM, ret) TH_LOG("run %u", n);
			ASSERT_TRUE(hit);
			failed++;
		} else {
			EXPECT_EQ(p.pages, self->s.node[self->n0].pool_pages);
			short_runs += p.pages < POOL + 1000;
		}
		EXPECT_EQ(self->s.node[self->n0].pool_pages,
			  self->s.node[self->n0].free_pages);
		EXPECT_EQ(self->s.node[self->n0].pool_pages,
			  nc_node_attr(self->n0, "pool_pages"));
		EXPECT_EQ(POOL + self->s.node[self->n0].pool_pages,
			  self->s.info.pool_pages);
		ASSERT_EQ(0, nc_resize(self->fd, self->n0, POOL, &reached));
		ASSERT_EQ(POOL, reached);
		EXPECT_HOST_WHOLE(self);
		if (!hit)
			break;
	}
	ASSERT_GT(MAX_RUNS, n);
	LOG_RUNS("pool resize", n - 1, failed);
	TH_LOG("pool resize: %u runs stopped short", short_runs);
}

/* The same through sysfs nodes/nodeN/pool_pages. */
TEST_F(ft, sysfs_resize_fails_cleanly)
{
	unsigned int n, failed = 0;
	char path[128];
	int fd;

	snprintf(path, sizeof(path), SYSFS "/nodes/node%u/pool_pages", self->n1);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	for (n = 1; n < MAX_RUNS; n++) {
		uint64_t reached;
		ssize_t w;
		bool hit;

		arm(n);
		w = pwrite(fd, "700", 3, 0);
		hit = fired();
		if (w < 0) {
			ASSERT_EQ(ENOMEM, errno) TH_LOG("run %u", n);
			ASSERT_TRUE(hit);
			failed++;
		} else {
			ASSERT_EQ(3, w);
		}
		ASSERT_EQ(0, nc_info(self->fd, &self->s));
		EXPECT_EQ(self->s.node[self->n1].pool_pages,
			  nc_node_attr(self->n1, "pool_pages"));
		EXPECT_EQ(self->s.node[self->n1].pool_pages,
			  self->s.node[self->n1].free_pages);
		EXPECT_GE(700, self->s.node[self->n1].pool_pages);
		ASSERT_EQ(0, nc_resize(self->fd, self->n1, POOL, &reached));
		ASSERT_EQ(POOL, reached);
		EXPECT_HOST_WHOLE(self);
		if (!hit)
			break;
	}
	close(fd);
	ASSERT_GT(MAX_RUNS, n);
	LOG_RUNS("sysfs resize", n - 1, failed);
}

/* ---- Loading the module ------------------------------------------------ */

static bool module_loaded(void)
{
	return access("/sys/module/numaclaim", F_OK) == 0;
}

/* Node directories under sysfs nodes/: one per possible node. */
static int sysfs_nodes(void)
{
	DIR *d = opendir(SYSFS "/nodes");
	struct dirent *de;
	int nr = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		nr += !strncmp(de->d_name, "node", 4);
	closedir(d);
	return nr;
}

static int possible_nodes(void)
{
	char buf[64] = "";
	int fd = open("/sys/devices/system/node/possible", O_RDONLY);
	int a, b;

	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0)
		return -1;
	close(fd);
	if (sscanf(buf, "%d-%d", &a, &b) == 2)
		return b - a + 1;
	return 1;
}

/* MemFree in kB, after dropping the page cache; -1 if unreadable. */
static long memfree_kb(void)
{
	char buf[4096];
	ssize_t n;
	char *p;
	int fd;

	write_str("/proc/sys/vm/drop_caches", "3");
	fd = open("/proc/meminfo", O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strstr(buf, "MemFree:");
	return p ? strtol(p + 8, NULL, 10) : -1;
}

/* finit_module: 0 or the errno; with @nth, that fault point armed. */
static int load(const char *ko, const char *params, unsigned int nth)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return errno;
	if (nth)
		arm(nth);
	ret = syscall(__NR_finit_module, fd, params, 0) ? errno : 0;
	close(fd);
	return ret;
}

static int unload(void)
{
	return syscall(__NR_delete_module, "numaclaim", O_NONBLOCK) ? errno : 0;
}

/*
 * finit_module with its n-th allocation failing, for every fault point of
 * the module's own init (the last ones of a load: the pools, the ledger,
 * the device, the sysfs tree, node by node) and every 8th of the loader's
 * before them. A failed load leaves no module, no /dev/numaclaim and no
 * sysfs tree; a load that succeeds has every node's sysfs directory (a
 * later node's failure must not be swallowed) and a working device.
 */
/* Hundreds of loads: minutes under KASAN and lockdep in TCG. */
FIXTURE(ld) {};
FIXTURE_SETUP(ld) {}
FIXTURE_TEARDOWN(ld) {}

TEST_F_TIMEOUT(ld, insmod_fails_cleanly, 1800)
{
	const char *ko = getenv("NUMACLAIM_KO") ?: "/numaclaim.ko";
	const char *pfile = getenv("NUMACLAIM_PARAMS_FILE") ?: "/params";
	const char *small = "pool_mb=0:1,1:1";
	unsigned int n, points, failed = 0, runs = 0, last;
	long free_before;
	bool done = false;
	char params[256] = "";
	int fd, ret, possible;

	if (!fault_setup())
		SKIP_OR_FAIL("no fault injection");
	if (access(ko, R_OK) || !module_loaded())
		SKIP(return, "no %s, or the module is not loaded", ko);
	fd = open(pfile, O_RDONLY);
	if (fd >= 0) {
		ret = read(fd, params, sizeof(params) - 1);
		close(fd);
		params[ret > 0 ? ret : 0] = 0;
		params[strcspn(params, "\n")] = 0;
	}
	nth_fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, nth_fd);
	possible = possible_nodes();
	ASSERT_LT(0, possible);
	ASSERT_EQ(0, unload()) TH_LOG("rmmod: %s", strerror(errno));

	/* How many fault points a whole load passes. */
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	arm(1000000);
	ret = syscall(__NR_finit_module, fd, small, 0);
	{
		char buf[16] = "";

		ASSERT_LT(0, pread(nth_fd, buf, sizeof(buf) - 1, 0));
		points = 1000000 - strtoul(buf, NULL, 10);
		arm(0);
	}
	close(fd);
	ASSERT_EQ(0, ret) TH_LOG("insmod %s: %s", ko, strerror(errno));
	ASSERT_EQ(possible, sysfs_nodes());
	ASSERT_EQ(0, unload());
	last = points > 400 ? points - 400 : 0;
	free_before = memfree_kb();

	for (n = 1; n <= points + 50; n += n < last ? 8 : 1) {
		bool hit;

		ret = load(ko, small, n);
		hit = fired();
		runs += hit;
		if (ret) {
			ASSERT_TRUE(hit) TH_LOG("run %u: %s", n, strerror(ret));
			EXPECT_EQ(ENOMEM, ret) TH_LOG("run %u", n);
			ASSERT_FALSE(module_loaded()) TH_LOG("run %u", n);
			ASSERT_NE(0, access(DEV, F_OK)) TH_LOG("run %u", n);
			ASSERT_NE(0, access(SYSFS, F_OK)) TH_LOG("run %u", n);
			failed++;
			continue;
		}
		ASSERT_TRUE(module_loaded());
		ASSERT_EQ(possible, sysfs_nodes()) TH_LOG("run %u", n);
		fd = nc_open();
		ASSERT_LE(0, fd) TH_LOG("run %u", n);
		{
			struct nc_state s;

			ASSERT_EQ(0, nc_info(fd, &s));
			EXPECT_EQ(s.info.pool_pages, s.info.free_pages);
			EXPECT_EQ(s.info.pool_pages,
				  nc_sysfs_read(SYSFS "/pool_pages"));
		}
		close(fd);
		ASSERT_EQ(0, unload()) TH_LOG("run %u", n);
		if (!hit) {
			done = true;
			break;
		}
	}
	EXPECT_TRUE(done) TH_LOG("every load up to %u had a fault", n);
	TH_LOG("insmod: %u fault points in a load, %u runs with a fault, %u failed",
	       points, runs, failed);
	EXPECT_LT(0, failed);
	TH_LOG("insmod: MemFree %ld kB before the loads, %ld kB after",
	       free_before, memfree_kb());
	/* As the box loaded it, for what comes after. */
	ASSERT_EQ(0, load(ko, params, 0)) TH_LOG("insmod %s %s", ko, params);
	close(nth_fd);
	nth_fd = -1;
}

TEST_HARNESS_MAIN
