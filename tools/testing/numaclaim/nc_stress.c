// SPDX-License-Identifier: GPL-2.0
/*
 * nc_stress: several processes, and several threads on each process's
 * /dev/numaclaim fd, calling every ioctl with random and hostile
 * arguments; mapping, partly unmapping, moving (mremap), splitting
 * (mprotect) and zapping (MADV_DONTNEED) allocations; exporting them and
 * passing the files with SCM_RIGHTS; holding pages in pipes with vmsplice
 * across RELEASE; forking; and a parent that kills workers with SIGKILL
 * and starts new ones. Every page a thread maps must hold what that thread
 * wrote there (its tag), and a new allocation must be zero. While it runs
 * the parent checks the ledger's invariants through INFO; at the end every
 * page must be back in the pools, free, and nothing claimed.
 *
 * usage: nc_stress [-t SECONDS] [-p PROCS] [-T THREADS] [-n POOL_PAGES]
 *                  [-k KILLS_PER_S] [-s SEED]
 * Prints the calls made, ops/s, and "nc_stress: PASS" or "FAIL: why".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/numaclaim.h>

#define PAGE		4096UL
#define MAX_NODES	64
#define MAX_PROCS	16
#define MAX_ALLOCS	16
#define MAX_PAGES	64
#define MAX_PIPES	8
/* op_alloc: a node with memory, picked at random. */
#define ANY_NODE_PICK	0xfffffffeU

enum op {
	OP_CLAIM, OP_ALLOC, OP_MAP, OP_UNMAP_PART, OP_MREMAP, OP_MPROTECT,
	OP_DONTNEED, OP_RELEASE, OP_EXPORT, OP_SCM, OP_SET_MAX, OP_INFO,
	OP_GARBAGE, OP_SPLICE, OP_FORK, NR_OPS
};

static const char *const op_name[NR_OPS] = {
	"claim", "alloc", "mmap", "munmap-part", "mremap", "mprotect",
	"dontneed", "release", "export", "scm_rights", "set_max", "info",
	"garbage", "vmsplice", "fork",
};

/* Shared by every process: counts, and the first failure. */
struct shared {
	atomic_ulong calls[NR_OPS];
	atomic_ulong ioctls;
	atomic_int failed;
	char why[256];
	atomic_int stop;
};

static struct shared *sh;
/*
 * Held (read) from EXPORT to the file's close, taken (write) to fork: a
 * child must not inherit an allocation file, whose close would release an
 * allocation its owner no longer maps behind the owner's back (as the
 * uapi says it does).
 */
static pthread_rwlock_t fork_lock = PTHREAD_RWLOCK_INITIALIZER;
static unsigned int nr_nodes;
static uint32_t mem_nodes[MAX_NODES];
static unsigned int nr_mem_nodes;

static void fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void fail(const char *fmt, ...)
{
	va_list ap;

	if (atomic_exchange(&sh->failed, 1) == 0) {
		va_start(ap, fmt);
		vsnprintf(sh->why, sizeof(sh->why), fmt, ap);
		va_end(ap);
	}
	atomic_store(&sh->stop, 1);
}

/*
 * A worker (or a forked child) that ended: only an exit of 0 or, when
 * @killed, our own SIGKILL is expected. A crash (SIGSEGV, SIGBUS) or a
 * kill from elsewhere (the OOM killer) is a failure.
 */
static void reaped(const char *who, int st, bool killed)
{
	if (WIFEXITED(st) && !WEXITSTATUS(st))
		return;
	if (killed && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
		return;
	if (WIFSIGNALED(st))
		fail("%s ended by signal %d (%s)", who, WTERMSIG(st),
		     strsignal(WTERMSIG(st)));
	else
		fail("%s exited with %d", who, WEXITSTATUS(st));
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	atomic_fetch_add(&sh->ioctls, 1);
	return ioctl(fd, cmd, arg) ? errno : 0;
}

static int info(int fd, struct numaclaim_info *in, struct numaclaim_node_info *nodes)
{
	memset(in, 0, sizeof(*in));
	in->nr_nodes = MAX_NODES;
	in->nodes = (uintptr_t)nodes;
	return xioctl(fd, NUMACLAIM_IOC_INFO, in);
}

/* An errno the uapi may answer for @op; anything else is a failure. */
static void expect(int ret, const char *what, const int *ok, unsigned int nr)
{
	unsigned int i;

	if (!ret)
		return;
	for (i = 0; i < nr; i++)
		if (ret == ok[i])
			return;
	fail("%s: unexpected %s", what, strerror(ret));
}

#define EXPECT(ret, what, ...) do {					\
	static const int ok_[] = { __VA_ARGS__ };			\
	expect(ret, what, ok_, sizeof(ok_) / sizeof(ok_[0]));		\
} while (0)

/* ---- One thread's allocations ----------------------------------------- */

struct alloc {
	uint64_t off;
	unsigned long pages;
	uint64_t tag;
	unsigned char *map;	/* whole mapping, or NULL */
	unsigned long map_pages;
	int pipe[2];		/* vmsplice'd into, or -1 */
	int split;		/* mprotect split the mapping into VMAs */
	uint64_t pfn0;		/* frame of page 0 when first mapped */
	char hist[24];		/* the last ops on it, for a failure */
};

static void note(struct alloc *a, char c)
{
	size_t n = strlen(a->hist);

	if (n == sizeof(a->hist) - 1) {
		memmove(a->hist, a->hist + 1, n - 1);
		n--;
	}
	a->hist[n] = c;
	a->hist[n + 1] = 0;
}

/* The page frame behind @addr (root only; 0 when unknown). */
static uint64_t pfn_of(const void *addr)
{
	static __thread int fd = -1;
	uint64_t e = 0;

	if (fd < 0)
		fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || pread(fd, &e, 8, (uintptr_t)addr / PAGE * 8) != 8)
		return 0;
	return (e & (1ULL << 63)) ? e & ((1ULL << 55) - 1) : 0;
}

struct worker {
	int fd;
	unsigned int id;
	uint64_t seed;
	struct alloc a[MAX_ALLOCS];
	unsigned int nr;
	int pipes[MAX_PIPES][2];	/* pipes holding released pages */
	unsigned int next_pipe;
};

static uint64_t tag_of(const struct alloc *a, unsigned long i)
{
	return a->tag ^ (i * 0x9e3779b97f4a7c15ULL);
}

static void fill(struct alloc *a)
{
	unsigned long i;

	for (i = 0; i < a->map_pages; i++) {
		uint64_t *w = (uint64_t *)(a->map + i * PAGE);

		w[0] = tag_of(a, i);
		w[PAGE / 8 - 1] = ~tag_of(a, i);
	}
}

static void check(struct alloc *a, const char *when)
{
	unsigned long i;

	for (i = 0; i < a->map_pages; i++) {
		uint64_t *w = (uint64_t *)(a->map + i * PAGE);

		if (w[0] != tag_of(a, i) || w[PAGE / 8 - 1] != ~tag_of(a, i)) {
			fail("%s: page %lu of an allocation of %lu holds %#llx, not its owner's %#llx (frame %#llx, page 0 was %#llx)",
			     when, i, a->pages, (unsigned long long)w[0],
			     (unsigned long long)tag_of(a, i),
			     (unsigned long long)pfn_of(w),
			     (unsigned long long)a->pfn0);
			return;
		}
	}
}

static void unmap(struct alloc *a)
{
	if (a->map)
		munmap(a->map, a->map_pages * PAGE);
	a->map = NULL;
	a->map_pages = 0;
	a->split = 0;
}

/* Keep a pipe holding released pages a while: the oldest one goes. */
static void keep_pipe(struct worker *w, int pfd[2])
{
	int *slot = w->pipes[w->next_pipe++ % MAX_PIPES];

	if (slot[0] > 0) {
		close(slot[0]);
		close(slot[1]);
	}
	slot[0] = pfd[0];
	slot[1] = pfd[1];
}

static void drop(struct worker *w, unsigned int i)
{
	struct alloc *a = &w->a[i];

	unmap(a);
	if (a->pipe[0] >= 0)
		keep_pipe(w, a->pipe);
	w->a[i] = w->a[--w->nr];
}

static void op_alloc(struct worker *w)
{
	struct numaclaim_alloc arg;
	uint64_t np[MAX_NODES];
	struct alloc *a;
	unsigned char *p;
	unsigned long i;
	int ret;

	if (w->nr == MAX_ALLOCS)
		return;
	memset(&arg, 0, sizeof(arg));
	arg.pages = 1 + rnd(&w->seed) % MAX_PAGES;
	arg.node = rnd(&w->seed) % 3 ? ANY_NODE_PICK : NUMACLAIM_ANY_NODE;
	switch (rnd(&w->seed) % 8) {
	case 0:
		arg.flags = NUMACLAIM_ALLOC_EXACT_NODE;
		break;
	case 1:
		arg.flags = NUMACLAIM_ALLOC_UNCLAIMED;
		break;
	case 2:		/* hostile: unknown flag, reserved, a bad node */
		arg.flags = 1U << (rnd(&w->seed) % 32);
		arg.reserved = rnd(&w->seed) % 2;
		arg.node = rnd(&w->seed) % 2 ? 4096 : arg.node;
		break;
	default:
		break;
	}
	if (arg.node == ANY_NODE_PICK)
		arg.node = mem_nodes[rnd(&w->seed) % nr_mem_nodes];
	if (arg.node == NUMACLAIM_ANY_NODE)
		arg.flags &= ~NUMACLAIM_ALLOC_EXACT_NODE;
	if (rnd(&w->seed) % 4 == 0) {
		arg.node_pages = rnd(&w->seed) % 8 ? (uintptr_t)np : 16;
		arg.nr_node_pages = rnd(&w->seed) % (MAX_NODES + 1);
	}
	ret = xioctl(w->fd, NUMACLAIM_IOC_ALLOC, &arg);
	atomic_fetch_add(&sh->calls[OP_ALLOC], 1);
	EXPECT(ret, "ALLOC", EINVAL, ENOMEM, EDQUOT, EFAULT);
	if (ret)
		return;
	a = &w->a[w->nr++];
	memset(a, 0, sizeof(*a));
	a->off = arg.offset;
	a->pages = arg.pages;
	a->tag = rnd(&w->seed) | 1;
	a->pipe[0] = a->pipe[1] = -1;
	p = mmap(NULL, a->pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 w->fd, a->off);
	atomic_fetch_add(&sh->calls[OP_MAP], 1);
	if (p == MAP_FAILED) {
		fail("mmap of a new allocation: %s", strerror(errno));
		return;
	}
	for (i = 0; i < a->pages * PAGE / 8; i++)
		if (((uint64_t *)p)[i]) {
			fail("a new allocation of %lu pages is not zero at byte %lu",
			     a->pages, i * 8);
			break;
		}
	a->map = p;
	a->map_pages = a->pages;
	fill(a);
	a->pfn0 = pfn_of(p);
}

/* Map again a window, or all of it, and check it. */
static void op_map(struct worker *w, struct alloc *a)
{
	unsigned long first, n;
	uint64_t *p;

	atomic_fetch_add(&sh->calls[OP_MAP], 1);
	note(a, 'm');
	if (a->map) {
		check(a, "mapped");
		unmap(a);
	}
	first = rnd(&w->seed) % a->pages;
	n = 1 + rnd(&w->seed) % (a->pages - first);
	p = mmap(NULL, n * PAGE, PROT_READ, MAP_SHARED, w->fd,
		 a->off + first * PAGE);
	if (p == MAP_FAILED) {
		fail("mmap of a window: %s", strerror(errno));
		return;
	}
	if (p[0] != tag_of(a, first))
		fail("window at page %lu: %#llx, not the owner's", first,
		     (unsigned long long)p[0]);
	munmap(p, n * PAGE);
	/* Past the end: refused. */
	p = mmap(NULL, (a->pages + 1) * PAGE, PROT_READ, MAP_SHARED, w->fd,
		 a->off);
	if (p != MAP_FAILED)
		fail("a mapping past the end of an allocation was accepted");
	a->map = mmap(NULL, a->pages * PAGE, PROT_READ | PROT_WRITE,
		      MAP_SHARED, w->fd, a->off);
	if (a->map == MAP_FAILED) {
		a->map = NULL;
		fail("mmap again: %s", strerror(errno));
		return;
	}
	a->map_pages = a->pages;
	check(a, "mapped again");
}

/* Split, move, zap: the same pages stay behind the addresses. */
static void op_vma(struct alloc *a, enum op op)
{
	/* What is still mapped: never touch addresses given back. */
	unsigned long half = a->map_pages / 2;
	unsigned char *q;

	atomic_fetch_add(&sh->calls[op], 1);
	note(a, "---umpd"[op]);
	if (!a->map || a->map_pages < 2)
		return;
	switch (op) {
	case OP_UNMAP_PART:
		munmap(a->map + half * PAGE, (a->map_pages - half) * PAGE);
		a->map_pages = half;
		check(a, "after a partial munmap");
		break;
	case OP_MREMAP:
		if (a->split)	/* mremap moves one VMA, not several */
			break;
		q = mremap(a->map, a->map_pages * PAGE, a->map_pages * PAGE,
			   MREMAP_MAYMOVE | MREMAP_FIXED,
			   (unsigned char *)mmap(NULL, a->map_pages * PAGE,
						 PROT_NONE, MAP_PRIVATE |
						 MAP_ANONYMOUS, -1, 0));
		if (q == MAP_FAILED) {
			fail("mremap: %s", strerror(errno));
			return;
		}
		a->map = q;
		check(a, "after mremap");
		break;
	case OP_MPROTECT:
		mprotect(a->map + half * PAGE, PAGE, PROT_READ);
		check(a, "after an mprotect split");
		mprotect(a->map + half * PAGE, PAGE, PROT_READ | PROT_WRITE);
		a->split = 1;	/* VMAs with a close op never merge back */
		break;
	default:
		madvise(a->map, a->map_pages * PAGE, MADV_DONTNEED);
		check(a, "refaulted after MADV_DONTNEED");
		break;
	}
}

static void op_release(struct worker *w, unsigned int i)
{
	struct numaclaim_release r = { .offset = w->a[i].off };
	int ret;

	atomic_fetch_add(&sh->calls[OP_RELEASE], 1);
	note(&w->a[i], 'R');
	if (w->a[i].map) {
		check(&w->a[i], "before release");
		ret = xioctl(w->fd, NUMACLAIM_IOC_RELEASE, &r);
		if (ret != EBUSY)
			fail("RELEASE of a mapped allocation: %s",
			     ret ? strerror(ret) : "succeeded");
		unmap(&w->a[i]);
	}
	ret = xioctl(w->fd, NUMACLAIM_IOC_RELEASE, &r);
	/* EBUSY: a forked child still maps it; try again another time. */
	if (ret && ret != EBUSY)
		fail("RELEASE: %s; %lu pages, ops on it: %s", strerror(ret),
		     w->a[i].pages, w->a[i].hist);
	if (ret)
		return;
	/* Its offsets are no allocation now (past a 1-page one starts the
	 * next allocation, maybe another thread's: not that one). */
	if (w->a[i].pages > 1) {
		r.offset += PAGE;
		ret = xioctl(w->fd, NUMACLAIM_IOC_RELEASE, &r);
		if (ret != EINVAL)
			fail("RELEASE inside a released allocation: %s",
			     ret ? strerror(ret) : "succeeded");
	}
	drop(w, i);
}

static void op_export_locked(struct worker *w, struct alloc *a, int scm,
			     struct numaclaim_export *ep);

/* Export, map the file, pass it over a socket, map what came back. */
static void op_export(struct worker *w, struct alloc *a, int scm)
{
	struct numaclaim_export e = { .offset = a->off,
				      .flags = NUMACLAIM_EXPORT_CLOEXEC };

	atomic_fetch_add(&sh->calls[scm ? OP_SCM : OP_EXPORT], 1);
	note(a, scm ? 'S' : 'E');
	if (!a->map)
		return;
	pthread_rwlock_rdlock(&fork_lock);
	op_export_locked(w, a, scm, &e);
	pthread_rwlock_unlock(&fork_lock);
}

static void op_export_locked(struct worker *w, struct alloc *a, int scm,
			     struct numaclaim_export *ep)
{
	struct numaclaim_export e = *ep;
	char cbuf[CMSG_SPACE(sizeof(int))], byte = 0;
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int sv[2], fd, ret;
	uint64_t *p;

	ret = xioctl(w->fd, NUMACLAIM_IOC_EXPORT, &e);
	/* EBUSY: a child forked meanwhile has not closed its copy yet. */
	EXPECT(ret, "EXPORT", EMFILE, ENOMEM, EBUSY);
	/* Exported with no mapping of the context's, its file would be its
	 * last holder: closing it releases it, as the uapi says. */
	if (ret)
		return;
	fd = e.fd;
	if (scm && !socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
		if (sendmsg(sv[0], &m, 0) == 1) {
			close(fd);
			fd = -1;
			m.msg_controllen = sizeof(cbuf);
			if (recvmsg(sv[1], &m, MSG_CMSG_CLOEXEC) == 1 &&
			    (c = CMSG_FIRSTHDR(&m)))
				memcpy(&fd, CMSG_DATA(c), sizeof(int));
		}
		close(sv[0]);
		close(sv[1]);
		if (fd < 0) {
			fail("SCM_RIGHTS lost the file");
			return;
		}
	}
	p = mmap(NULL, a->pages * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		fail("mmap of an allocation file: %s", strerror(errno));
	} else {
		/* A child forked now would keep the file, and so could
		 * release the allocation behind this thread's back. */
		madvise(p, a->pages * PAGE, MADV_DONTFORK);
		if (p[0] != tag_of(a, 0))
			fail("allocation file: %#llx, not the owner's",
			     (unsigned long long)p[0]);
		munmap(p, a->pages * PAGE);
	}
	close(fd);
}

/* Hold the first page in a pipe, across a RELEASE. */
static void op_splice(struct worker *w, unsigned int i)
{
	struct alloc *a = &w->a[i];
	struct iovec iov;
	int pfd[2];

	atomic_fetch_add(&sh->calls[OP_SPLICE], 1);
	note(a, 's');
	if (!a->map || a->pipe[0] >= 0 || pipe2(pfd, O_CLOEXEC))
		return;
	iov.iov_base = a->map;
	iov.iov_len = PAGE;
	if (vmsplice(pfd[1], &iov, 1, 0) != (ssize_t)PAGE) {
		close(pfd[0]);
		close(pfd[1]);
		return;
	}
	a->pipe[0] = pfd[0];
	a->pipe[1] = pfd[1];
}

static void op_claim(struct worker *w)
{
	struct numaclaim_claim_entry e[4];
	struct numaclaim_claim c = { .entries = (uintptr_t)e };
	unsigned int i;
	int ret;

	atomic_fetch_add(&sh->calls[OP_CLAIM], 1);
	c.nr_entries = rnd(&w->seed) % 4;
	for (i = 0; i < c.nr_entries; i++) {
		e[i].node = rnd(&w->seed) % 3 ? mem_nodes[rnd(&w->seed) % nr_mem_nodes] :
						NUMACLAIM_ANY_NODE;
		e[i].reserved = rnd(&w->seed) % 16 == 0;
		e[i].pages = rnd(&w->seed) % 5 ? rnd(&w->seed) % 96 : rnd(&w->seed);
	}
	if (rnd(&w->seed) % 16 == 0)
		c.entries = 8;			/* unmapped */
	if (rnd(&w->seed) % 16 == 0)
		c.flags = 1;
	if (rnd(&w->seed) % 16 == 0)
		c.nr_entries = 1000;
	ret = xioctl(w->fd, NUMACLAIM_IOC_CLAIM, &c);
	EXPECT(ret, "CLAIM", EINVAL, EBUSY, ENOMEM, EFAULT);
	/* Most of the time a claim held blocks the next: reset it often. */
	if (ret == EBUSY || rnd(&w->seed) % 2) {
		c.nr_entries = 0;
		c.flags = 0;
		ret = xioctl(w->fd, NUMACLAIM_IOC_CLAIM, &c);
		if (ret)
			fail("CLAIM reset: %s", strerror(ret));
	}
}

static void op_set_max(struct worker *w)
{
	struct numaclaim_max_pages m = { 0 };
	int ret;

	atomic_fetch_add(&sh->calls[OP_SET_MAX], 1);
	m.max_pages = rnd(&w->seed) % 4 ? ~0ULL : 64 + rnd(&w->seed) % 1024;
	m.flags = rnd(&w->seed) % 32 == 0 ? 2 : 0;
	ret = xioctl(w->fd, NUMACLAIM_IOC_SET_MAX_PAGES, &m);
	EXPECT(ret, "SET_MAX_PAGES", EINVAL, EBUSY, EPERM);
}

static void op_info(struct worker *w)
{
	struct numaclaim_node_info nodes[MAX_NODES];
	struct numaclaim_info in;
	int ret;

	atomic_fetch_add(&sh->calls[OP_INFO], 1);
	ret = info(w->fd, &in, nodes);
	if (ret) {
		fail("INFO: %s", strerror(ret));
		return;
	}
	if (in.ctx_max_pages != ~0ULL &&
	    in.ctx_pages + in.ctx_claims > in.ctx_max_pages)
		fail("INFO: held %llu + claims %llu past the limit %llu",
		     (unsigned long long)in.ctx_pages,
		     (unsigned long long)in.ctx_claims,
		     (unsigned long long)in.ctx_max_pages);
}

/* Unknown numbers, odd sizes, bad pointers: clean errnos only. */
static void op_garbage(struct worker *w)
{
	unsigned char buf[512];
	unsigned int nr, size, dir;
	unsigned long cmd;
	void *arg = buf;
	int ret;

	atomic_fetch_add(&sh->calls[OP_GARBAGE], 1);
	nr = rnd(&w->seed) % 10;
	size = rnd(&w->seed) % 200;
	dir = rnd(&w->seed) % 4;
	cmd = _IOC(dir, rnd(&w->seed) % 8 ? NUMACLAIM_IOC_MAGIC : 'x', nr, size);
	memset(buf, 0, sizeof(buf));
	if (rnd(&w->seed) % 2)
		for (unsigned int i = 0; i < size; i++)
			buf[i] = rnd(&w->seed);
	if (rnd(&w->seed) % 8 == 0)
		arg = (void *)(uintptr_t)(rnd(&w->seed) % 2 ? 16 : -4096L);
	/*
	 * Never a real POOL_RESIZE (the pools are the parent's), RELEASE
	 * (of another thread's allocation), ALLOC or EXPORT (nothing to
	 * track them by).
	 */
	if (_IOC_NR(cmd) == _IOC_NR(NUMACLAIM_IOC_POOL_RESIZE) ||
	    _IOC_NR(cmd) == _IOC_NR(NUMACLAIM_IOC_RELEASE) ||
	    _IOC_NR(cmd) == _IOC_NR(NUMACLAIM_IOC_ALLOC) ||
	    _IOC_NR(cmd) == _IOC_NR(NUMACLAIM_IOC_EXPORT))
		arg = (void *)16;
	ret = xioctl(w->fd, cmd, arg);
	EXPECT(ret, "garbage ioctl", ENOTTY, EINVAL, EFAULT, E2BIG, EBUSY,
	       ENOMEM, EDQUOT, EPERM);
}

static void op_fork(struct worker *w)
{
	pid_t pid;
	int st;

	atomic_fetch_add(&sh->calls[OP_FORK], 1);
	pthread_rwlock_wrlock(&fork_lock);
	pid = fork();
	if (pid)
		pthread_rwlock_unlock(&fork_lock);
	if (pid == 0) {
		/* The child shares the context: INFO, a small ALLOC, exit. */
		struct numaclaim_alloc arg = { .pages = 1,
					       .node = NUMACLAIM_ANY_NODE };
		int ret;

		/* Not the other threads' allocation files and pipes. */
		if (w->fd > 3)
			syscall(SYS_close_range, 3, w->fd - 1, 0);
		syscall(SYS_close_range, w->fd + 1, ~0U, 0);
		ret = xioctl(w->fd, NUMACLAIM_IOC_ALLOC, &arg);

		EXPECT(ret, "ALLOC in a child", ENOMEM, EDQUOT);
		_exit(0);
	}
	if (pid > 0 && waitpid(pid, &st, 0) == pid)
		reaped("a forked child", st, false);
}

static void *worker_thread(void *arg)
{
	struct worker *w = arg;
	unsigned int i;

	while (!atomic_load(&sh->stop)) {
		unsigned int r = rnd(&w->seed) % 100;

		i = w->nr ? rnd(&w->seed) % w->nr : 0;
		if (r < 12)
			op_claim(w);
		else if (r < 30)
			op_alloc(w);
		else if (!w->nr)
			op_info(w);
		else if (r < 38)
			op_map(w, &w->a[i]);
		else if (r < 41)
			op_vma(&w->a[i], OP_UNMAP_PART);
		else if (r < 44)
			op_vma(&w->a[i], OP_MREMAP);
		else if (r < 47)
			op_vma(&w->a[i], OP_MPROTECT);
		else if (r < 50)
			op_vma(&w->a[i], OP_DONTNEED);
		else if (r < 66)
			op_release(w, i);
		else if (r < 70)
			op_export(w, &w->a[i], 0);
		else if (r < 73)
			op_export(w, &w->a[i], 1);
		else if (r < 76)
			op_set_max(w);
		else if (r < 84)
			op_info(w);
		else if (r < 92)
			op_garbage(w);
		else if (r < 97)
			op_splice(w, i);
		else
			op_fork(w);
	}
	while (w->nr)
		drop(w, 0);
	for (i = 0; i < MAX_PIPES; i++)
		if (w->pipes[i][0] > 0) {
			close(w->pipes[i][0]);
			close(w->pipes[i][1]);
		}
	return NULL;
}

/* One worker process: a context, @threads threads on it. */
static void worker_main(unsigned int id, unsigned int threads, uint64_t seed)
{
	struct worker *w;
	pthread_t th[8];
	unsigned int t;
	int fd;

	/* A parent that died (a crash of its own) takes its workers along. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(1);
	fd = open("/dev/numaclaim", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fail("open: %s", strerror(errno));
		_exit(1);
	}
	w = calloc(threads, sizeof(*w));
	for (t = 0; t < threads; t++) {
		w[t].fd = fd;
		w[t].id = id * 16 + t;
		w[t].seed = seed * 2654435761ULL + w[t].id * 97 + 1;
		pthread_create(&th[t], NULL, worker_thread, &w[t]);
	}
	for (t = 0; t < threads; t++)
		pthread_join(th[t], NULL);
	_exit(0);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The ledger's invariants, in one INFO snapshot. */
static void check_invariants(int fd, const char *when)
{
	struct numaclaim_node_info nodes[MAX_NODES];
	struct numaclaim_info in;
	unsigned int n;

	if (info(fd, &in, nodes)) {
		fail("%s: INFO failed", when);
		return;
	}
	if (in.free_pages > in.pool_pages || in.outstanding > in.free_pages)
		fail("%s: pool %llu free %llu outstanding %llu busy %llu", when,
		     (unsigned long long)in.pool_pages,
		     (unsigned long long)in.free_pages,
		     (unsigned long long)in.outstanding,
		     (unsigned long long)in.busy_pages);
	for (n = 0; n < in.nr_nodes && n < MAX_NODES; n++)
		if (nodes[n].claimed_pages > nodes[n].free_pages ||
		    nodes[n].free_pages > nodes[n].pool_pages)
			fail("%s: node %u: pool %llu free %llu claimed %llu",
			     when, n, (unsigned long long)nodes[n].pool_pages,
			     (unsigned long long)nodes[n].free_pages,
			     (unsigned long long)nodes[n].claimed_pages);
}

/* A count of /sys/kernel/numaclaim (@node < 0) or of a node's directory. */
static long long sysfs_count(int node, const char *name)
{
	char path[128], buf[32] = "";
	long long v = -1;
	int fd;

	if (node < 0)
		snprintf(path, sizeof(path), "/sys/kernel/numaclaim/%s", name);
	else
		snprintf(path, sizeof(path),
			 "/sys/kernel/numaclaim/nodes/node%d/%s", node, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) > 0)
		v = strtoll(buf, NULL, 10);
	close(fd);
	return v;
}

/*
 * sysfs against the pools, which do not change while the workers run:
 * each count within its pool (a file at a time: they move between
 * reads). At the end, with nothing moving (@in and @nodes from INFO just
 * before), every count the same as INFO's.
 */
static void check_sysfs(unsigned long pool, const struct numaclaim_info *in,
			const struct numaclaim_node_info *nodes,
			const char *when)
{
	static const char *const host[] = { "pool_pages", "free_pages",
		"outstanding_pages", "allocated_pages", "busy_pages" };
	static const char *const node[] = { "pool_pages", "free_pages",
		"claimed_pages", "allocated_pages", "busy_pages" };
	unsigned long long want_host[] = { 0, 0, 0, 0, 0 };
	unsigned int i, m;
	long long v;

	if (in) {
		want_host[0] = in->pool_pages;
		want_host[1] = in->free_pages;
		want_host[2] = in->outstanding;
		want_host[3] = in->pool_pages - in->free_pages;
		want_host[4] = in->busy_pages;
	}
	for (i = 0; i < 5; i++) {
		v = sysfs_count(-1, host[i]);
		if (v < 0 || (unsigned long long)v > pool * nr_mem_nodes ||
		    (!i && (unsigned long long)v != pool * nr_mem_nodes) ||
		    (in && (unsigned long long)v != want_host[i]))
			fail("%s: sysfs %s is %lld (INFO %llu, pools %lu)", when,
			     host[i], v, want_host[i], pool * nr_mem_nodes);
	}
	for (m = 0; m < nr_mem_nodes; m++) {
		unsigned long long want[] = { 0, 0, 0, 0, 0 };

		if (nodes) {
			const struct numaclaim_node_info *ni = &nodes[mem_nodes[m]];

			want[0] = ni->pool_pages;
			want[1] = ni->free_pages;
			want[2] = ni->claimed_pages;
			want[3] = ni->pool_pages - ni->free_pages;
		}
		for (i = 0; i < 5; i++) {
			v = sysfs_count(mem_nodes[m], node[i]);
			/* INFO has no per-node busy count: held by its pages. */
			if (v < 0 || (unsigned long long)v > pool ||
			    (!i && (unsigned long long)v != pool) ||
			    (in && i < 4 && (unsigned long long)v != want[i]) ||
			    (in && i == 4 && v))
				fail("%s: node %u: sysfs %s is %lld (INFO %llu, pool %lu)",
				     when, mem_nodes[m], node[i], v, want[i], pool);
		}
	}
}

int main(int argc, char **argv)
{
	unsigned int procs = 4, threads = 3, kills = 4, i, n;
	unsigned long pool = 1024, total_calls = 0, killed = 0, started = 0;
	struct numaclaim_node_info nodes[MAX_NODES];
	double secs = 10, t0, next_kill, end;
	pid_t pid[MAX_PROCS];
	uint64_t seed = 1, s;
	struct numaclaim_info in;
	int opt, fd, st;

	while ((opt = getopt(argc, argv, "t:p:T:n:k:s:")) != -1) {
		switch (opt) {
		case 't': secs = atof(optarg); break;
		case 'p': procs = atoi(optarg); break;
		case 'T': threads = atoi(optarg); break;
		case 'n': pool = strtoul(optarg, NULL, 0); break;
		case 'k': kills = atoi(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: %s [-t SECONDS] [-p PROCS] [-T THREADS] [-n POOL_PAGES] [-k KILLS_PER_S] [-s SEED]\n",
				argv[0]);
			return 2;
		}
	}
	if (!procs || procs > MAX_PROCS || !threads || threads > 8)
		return 2;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fd = open("/dev/numaclaim", O_RDWR | O_CLOEXEC);
	if (sh == MAP_FAILED || fd < 0) {
		perror("nc_stress: /dev/numaclaim");
		return 1;
	}
	if (info(fd, &in, nodes))
		return 1;
	nr_nodes = in.nr_nodes;
	for (n = 0; n < nr_nodes && n < MAX_NODES; n++) {
		struct numaclaim_pool p = { .node = n, .pages = pool };

		if (nodes[n].flags & NUMACLAIM_NODE_MEMORYLESS)
			continue;
		if (xioctl(fd, NUMACLAIM_IOC_POOL_RESIZE, &p))
			return 1;
		if (p.pages != pool) {
			/*
			 * A node with too little free memory (under KASAN the
			 * shadow fills a small node 0) is left out, empty.
			 */
			printf("nc_stress: node %u: %llu of %lu pages, left out\n",
			       n, (unsigned long long)p.pages, pool);
			p.pages = 0;
			if (xioctl(fd, NUMACLAIM_IOC_POOL_RESIZE, &p) || p.pages)
				return 1;
			continue;
		}
		mem_nodes[nr_mem_nodes++] = n;
	}
	if (!nr_mem_nodes)
		return 1;
	printf("nc_stress: %u processes x %u threads, %.0f s, pools of %lu pages on %u nodes, %u kills/s, seed %llu\n",
	       procs, threads, secs, pool, nr_mem_nodes, kills,
	       (unsigned long long)seed);
	fflush(stdout);

	s = seed | 1;
	t0 = now();
	end = t0 + secs;
	next_kill = t0 + (kills ? 1.0 / kills : secs + 1);
	for (i = 0; i < procs; i++) {
		pid[i] = fork();
		if (pid[i] == 0)
			worker_main(i, threads, seed + started);
		started++;
	}
	while (now() < end && !atomic_load(&sh->failed)) {
		usleep(20000);
		check_invariants(fd, "while running");
		check_sysfs(pool, NULL, NULL, "while running");
		/* Reap whoever ended (a failure ends its worker). */
		for (i = 0; i < procs; i++)
			if (pid[i] > 0 && waitpid(pid[i], &st, WNOHANG) == pid[i]) {
				reaped("a worker", st, false);
				pid[i] = 0;
			}
		if (now() >= next_kill) {
			i = rnd(&s) % procs;
			if (pid[i] > 0) {
				kill(pid[i], SIGKILL);
				if (waitpid(pid[i], &st, 0) == pid[i])
					reaped("a worker", st, true);
				killed++;
			}
			pid[i] = fork();
			if (pid[i] == 0)
				worker_main(i, threads, seed + started);
			started++;
			next_kill += 1.0 / kills;
		}
	}
	atomic_store(&sh->stop, 1);
	for (i = 0; i < procs; i++)
		if (pid[i] > 0 && waitpid(pid[i], &st, 0) == pid[i])
			reaped("a worker", st, false);
	end = now() - t0;

	/* Everything comes back: busy pages once their pipes closed. */
	for (i = 0; i < 300; i++) {
		info(fd, &in, nodes);
		if (in.free_pages == in.pool_pages && !in.busy_pages)
			break;
		usleep(20000);
	}
	check_invariants(fd, "at the end");
	info(fd, &in, nodes);
	check_sysfs(pool, &in, nodes, "at the end");
	if (!atomic_load(&sh->failed) &&
	    (in.free_pages != in.pool_pages || in.outstanding || in.busy_pages ||
	     in.pool_pages != pool * nr_mem_nodes))
		fail("at the end: pool %llu (of %lu) free %llu outstanding %llu busy %llu",
		     (unsigned long long)in.pool_pages, pool * nr_mem_nodes,
		     (unsigned long long)in.free_pages,
		     (unsigned long long)in.outstanding,
		     (unsigned long long)in.busy_pages);

	for (i = 0; i < NR_OPS; i++) {
		unsigned long c = atomic_load(&sh->calls[i]);

		total_calls += c;
		printf("nc_stress: %-12s %8lu\n", op_name[i], c);
	}
	printf("nc_stress: %lu operations (%lu ioctls) in %.1f s: %.0f ops/s, %.0f ioctls/s; %lu workers started, %lu killed\n",
	       total_calls, atomic_load(&sh->ioctls), end, total_calls / end,
	       atomic_load(&sh->ioctls) / end, started, killed);
	if (atomic_load(&sh->failed)) {
		printf("nc_stress: FAIL: %s\n", sh->why);
		return 1;
	}
	printf("nc_stress: PASS\n");
	return 0;
}
