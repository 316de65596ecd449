// SPDX-License-Identifier: GPL-2.0
/*
 * nc_bench: numaclaim against anonymous memory and hugetlb, side by side,
 * in one run, on one node (`make bench` runs it in the NUMA box).
 *
 * Every figure is a median of REPS runs with its minimum and maximum, and
 * a ratio to its reference measured in the same run: in a TCG box the
 * absolute times mean little, the ratios do.
 *
 *  populate   SIZE of zeroed writable memory on NODE, and its teardown:
 *             anon 4 KiB (mbind BIND, MADV_NOHUGEPAGE, MADV_POPULATE_WRITE),
 *             anon THP (MADV_HUGEPAGE), hugetlb 2 MiB (the node's pool
 *             preset), numaclaim from a scrubbed pool (open, claim, alloc,
 *             mmap), numaclaim right after a pool resize (pages not yet
 *             scrubbed), and memset of memory already mapped (the zeroing
 *             limit); reference: anon 4 KiB
 *  resize     the pool grown from 0 to SIZE, and how many of its pages are
 *             left to scrub (none when the page allocator zeroed them)
 *  ioctl      CLAIM + reset, CLAIM + ALLOC 1 page + RELEASE, and the same
 *             with the page mapped and written (then it is scrubbed),
 *             against three no-op ioctls (an unknown command: ENOTTY)
 *  scrub      the pool's background scrub of SIZE after a RELEASE, from
 *             the RELEASE to the node's dirty_pages reaching 0, against
 *             memset of SIZE on the node
 *  reads      random 8-byte reads over SIZE, mapped with 4 KiB pages (anon
 *             4k, numaclaim) and with 2 MiB pages (anon THP, hugetlb 2M):
 *             what a 2 MiB mapping buys; reference: anon 4k
 *
 *  qemu       (-Q QEMU) QEMU with KVM started with SIZE of preallocated RAM
 *             on NODE and told to quit: memory-backend-ram prealloc=on,
 *             hugetlbfs memory-backend-file prealloc=on, a numaclaim
 *             allocation file (claim, alloc, export and QEMU together),
 *             and memory-backend-ram without prealloc for QEMU's own cost;
 *             reference: ram prealloc
 *
 * The figures go to stdout as a table, then as one JSON object on a line
 * of its own starting with "# json " (or into -j FILE).
 *
 * usage: nc_bench [-n NODE] [-s MIB] [-r REPS] [-i ITERS] [-j FILE] [-Q QEMU]
 *                 [-g GROUP,...]   (only those groups: populate, ioctl,
 *                 scrub, reads, qemu; populate includes resize)
 * Needs root (pool resize, hugetlb pool); leaves the node's numaclaim pool
 * at SIZE and its hugetlb pool as it found it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/numaclaim.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif
#define MPOL_BIND		2
#define PAGE			4096UL
#define HPAGE			(2UL << 20)
#define MAX_REPS		64
#define MAX_ROWS		32
#define NOOP_CMD		_IO(NUMACLAIM_IOC_MAGIC, 0x7f)
#define READS			(1L << 21)

static int node = 1;
static unsigned long size = 256UL << 20;
static int reps = 5;
static long iters = 20000;
static const char *json_path;
static const char *qemu;
static int dev = -1;
static const char *groups;

struct row {
	const char *group;
	const char *name;
	const char *unit;	/* "s", "us", "MiB/s" */
	const char *ref;	/* the row it is compared with, or NULL */
	int higher_better;	/* 1, 0, or -1: the ratio is a cost */
	int n;
	double v[MAX_REPS];
	char note[96];
};

static struct row rows[MAX_ROWS];
static int nr_rows;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "nc_bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static struct row *row(const char *group, const char *name, const char *unit,
		       const char *ref, int higher_better)
{
	struct row *r;
	int i;

	for (i = 0; i < nr_rows; i++)
		if (!strcmp(rows[i].group, group) && !strcmp(rows[i].name, name))
			return &rows[i];
	if (nr_rows == MAX_ROWS)
		die("too many rows");
	r = &rows[nr_rows++];
	r->group = group;
	r->name = name;
	r->unit = unit;
	r->ref = ref;
	r->higher_better = higher_better;
	return r;
}

static void add(struct row *r, double v)
{
	if (r->n < MAX_REPS)
		r->v[r->n++] = v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(struct row *r)
{
	double s[MAX_REPS];

	if (!r->n)
		return 0;
	memcpy(s, r->v, r->n * sizeof(double));
	qsort(s, r->n, sizeof(double), cmp_double);
	return r->n % 2 ? s[r->n / 2] : (s[r->n / 2 - 1] + s[r->n / 2]) / 2;
}

static double vmin(struct row *r)
{
	double m = r->v[0];
	int i;

	for (i = 1; i < r->n; i++)
		if (r->v[i] < m)
			m = r->v[i];
	return m;
}

static double vmax(struct row *r)
{
	double m = r->v[0];
	int i;

	for (i = 1; i < r->n; i++)
		if (r->v[i] > m)
			m = r->v[i];
	return m;
}

static struct row *find(const char *group, const char *name)
{
	int i;

	for (i = 0; i < nr_rows; i++)
		if (!strcmp(rows[i].group, group) && !strcmp(rows[i].name, name))
			return &rows[i];
	return NULL;
}

/* The row's median over its reference's: > 1 means it does better. */
static double ratio(struct row *r)
{
	struct row *ref = r->ref ? find(r->group, r->ref) : NULL;
	double m = median(r), rm;

	if (!ref || !ref->n || !r->n || !m)
		return 0;
	rm = median(ref);
	if (r->higher_better < 0)
		return m / rm;
	return r->higher_better ? m / rm : rm / m;
}

/* ---- small helpers -------------------------------------------------------- */

static long read_long(const char *fmt, ...)
{
	char path[256], buf[64];
	va_list ap;
	ssize_t n;
	int fd;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

static int write_long(long v, const char *fmt, ...)
{
	char path[256], buf[32];
	va_list ap;
	int fd, len, ret;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	len = snprintf(buf, sizeof(buf), "%ld", v);
	ret = write(fd, buf, len) == len ? 0 : -1;
	close(fd);
	return ret;
}

static void bind_node(void *p, unsigned long len)
{
	unsigned long mask[16] = { 0 };

	mask[node / 64] = 1UL << (node % 64);
	if (syscall(__NR_mbind, p, len, MPOL_BIND, mask, 16 * 64 + 1, 0))
		die("mbind: %s", strerror(errno));
}

/* The share of 64 pages spread over [p, p + len) that sit on the node. */
static int placed(void *p, unsigned long len)
{
	void *pages[64];
	int status[64], i, on = 0;

	for (i = 0; i < 64; i++)
		pages[i] = (char *)p + (len / 64) * i;
	if (syscall(__NR_move_pages, 0, 64, pages, NULL, status, 0))
		return -1;
	for (i = 0; i < 64; i++)
		on += status[i] == node;
	return on * 100 / 64;
}

/* Every page zero (its first and last word) and writable. */
static void check_zero_writable(const char *what, char *p, unsigned long len)
{
	unsigned long off;

	for (off = 0; off < len; off += PAGE) {
		if (*(volatile long *)(p + off) ||
		    *(volatile long *)(p + off + PAGE - sizeof(long)))
			die("%s: page %lu not zero", what, off / PAGE);
		p[off] = 1;
	}
}

static void note(struct row *r, int pct, const char *extra)
{
	if (pct >= 0 && pct != 100)
		snprintf(r->note, sizeof(r->note), "%d%% on node %d%s", pct,
			 node, extra ? extra : "");
	else if (extra)
		snprintf(r->note, sizeof(r->note), "%s", extra + 2);
}

static long anon_huge_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps_rollup", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* ---- numaclaim -------------------------------------------------------------- */

static int nc_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

static int nc_claim1(int fd, uint32_t nid, uint64_t pages)
{
	struct numaclaim_claim_entry e = { .node = nid, .pages = pages };
	struct numaclaim_claim c = { .nr_entries = 1, .entries = (uintptr_t)&e };

	return nc_ioctl(fd, NUMACLAIM_IOC_CLAIM, &c);
}

static int nc_reset(int fd)
{
	struct numaclaim_claim c = { .nr_entries = 0 };

	return nc_ioctl(fd, NUMACLAIM_IOC_CLAIM, &c);
}

static int nc_alloc(int fd, uint64_t pages, uint32_t nid, uint64_t *offset)
{
	struct numaclaim_alloc a;

	memset(&a, 0, sizeof(a));
	a.pages = pages;
	a.node = nid;
	a.flags = NUMACLAIM_ALLOC_EXACT_NODE;
	if (ioctl(fd, NUMACLAIM_IOC_ALLOC, &a))
		return errno;
	*offset = a.offset;
	return 0;
}

static int nc_release(int fd, uint64_t offset)
{
	struct numaclaim_release r = { .offset = offset };

	return nc_ioctl(fd, NUMACLAIM_IOC_RELEASE, &r);
}

static void pool_resize(unsigned long pages)
{
	struct numaclaim_pool p = { .node = node, .pages = pages };
	int ret = nc_ioctl(dev, NUMACLAIM_IOC_POOL_RESIZE, &p);

	if (ret || p.pages != pages)
		die("POOL_RESIZE node %d to %lu pages: %s (reached %llu)", node,
		    pages, strerror(ret), (unsigned long long)p.pages);
}

static long dirty_pages(void)
{
	return read_long("/sys/kernel/numaclaim/nodes/node%d/dirty_pages", node);
}

/* Wait until the node's pool is scrubbed; the seconds it took. */
static double wait_scrubbed(double since)
{
	long d;

	for (;;) {
		d = dirty_pages();
		if (d < 0)
			die("no /sys/kernel/numaclaim/nodes/node%d/dirty_pages", node);
		if (!d)
			return now() - since;
		/* Seldom: the scrubber may share this CPU (0.3% of a 0.6 s scrub). */
		usleep(2000);
	}
}

struct nc_map {
	int fd;
	uint64_t off;
	char *p;
};

static struct nc_map nc_populate(void)
{
	struct nc_map m;
	int ret;

	m.fd = open("/dev/numaclaim", O_RDWR | O_CLOEXEC);
	if (m.fd < 0)
		die("open /dev/numaclaim: %s", strerror(errno));
	ret = nc_claim1(m.fd, node, size / PAGE);
	if (ret)
		die("CLAIM: %s", strerror(ret));
	ret = nc_alloc(m.fd, size / PAGE, node, &m.off);
	if (ret)
		die("ALLOC: %s", strerror(ret));
	m.p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, m.fd, m.off);
	if (m.p == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	return m;
}

static void nc_teardown(struct nc_map *m)
{
	int ret;

	munmap(m->p, size);
	ret = nc_release(m->fd, m->off);
	if (ret)
		die("RELEASE: %s", strerror(ret));
	close(m->fd);
}

/* ---- populate ------------------------------------------------------------- */

static char *anon_map(int advice, int hugetlb)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | (hugetlb ? MAP_HUGETLB : 0);
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, -1, 0);

	if (p == MAP_FAILED)
		die("mmap %s: %s", hugetlb ? "MAP_HUGETLB" : "anon", strerror(errno));
	bind_node(p, size);
	if (advice >= 0 && madvise(p, size, advice))
		die("madvise %d: %s", advice, strerror(errno));
	return p;
}

static void bench_anon(const char *name, int advice, int hugetlb)
{
	struct row *pop = row("populate", name, "s", "anon 4k", 0);
	struct row *down = row("teardown", name, "s", "anon 4k", 0);
	long thp = 0;
	int i, pct = -1;
	double t;
	char *p;

	for (i = 0; i < reps; i++) {
		p = anon_map(advice, hugetlb);
		t = now();
		if (madvise(p, size, MADV_POPULATE_WRITE))
			die("%s: MADV_POPULATE_WRITE: %s", name, strerror(errno));
		add(pop, now() - t);
		pct = placed(p, size);
		if (advice == MADV_HUGEPAGE)
			thp = anon_huge_kb();
		if (!i)
			check_zero_writable(name, p, size);
		t = now();
		munmap(p, size);
		add(down, now() - t);
	}
	if (advice == MADV_HUGEPAGE) {
		char extra[48];

		snprintf(extra, sizeof(extra), ", %ld of %lu MiB THP",
			 thp / 1024, size >> 20);
		note(pop, pct, extra);
	} else {
		note(pop, pct, NULL);
	}
}

static void bench_hugetlb(void)
{
	const char *nr = "/sys/devices/system/node/node%d/hugepages/hugepages-2048kB/nr_hugepages";
	long before = read_long(nr, node), got;

	if (before < 0) {
		snprintf(row("populate", "hugetlb 2M", "s", "anon 4k", 0)->note,
			 sizeof(rows[0].note), "no 2 MiB hugetlb pool on node %d", node);
		return;
	}
	write_long(size / HPAGE, nr, node);
	got = read_long(nr, node);
	if (got < (long)(size / HPAGE)) {
		snprintf(row("populate", "hugetlb 2M", "s", "anon 4k", 0)->note,
			 sizeof(rows[0].note), "node %d gave %ld of %lu huge pages",
			 node, got, size / HPAGE);
	} else {
		bench_anon("hugetlb 2M", -1, 1);
	}
	write_long(before, nr, node);
}

static void bench_memset(void)
{
	struct row *r = row("populate", "memset", "s", "anon 4k", 0);
	char *p = anon_map(MADV_NOHUGEPAGE, 0);
	int i;
	double t;

	if (madvise(p, size, MADV_POPULATE_WRITE))
		die("memset: MADV_POPULATE_WRITE: %s", strerror(errno));
	for (i = 0; i < reps; i++) {
		t = now();
		memset(p, i + 1, size);
		add(r, now() - t);
	}
	note(r, placed(p, size), ", of memory already mapped");
	munmap(p, size);
}

static void bench_numaclaim(void)
{
	struct row *pop = row("populate", "numaclaim", "s", "anon 4k", 0);
	struct row *down = row("teardown", "numaclaim", "s", "anon 4k", 0);
	struct row *rpop = row("populate", "numaclaim resized", "s", "anon 4k", 0);
	struct row *rdown = row("teardown", "numaclaim resized", "s", "anon 4k", 0);
	struct row *grow = row("resize", "pool grow", "s", NULL, 0);
	long dirty = -1;
	struct nc_map m;
	int i, pct = -1;
	double t;

	pool_resize(size / PAGE);
	for (i = 0; i < reps; i++) {
		wait_scrubbed(now());
		t = now();
		m = nc_populate();
		add(pop, now() - t);
		pct = placed(m.p, size);
		if (!i)
			check_zero_writable("numaclaim", m.p, size);
		t = now();
		nc_teardown(&m);
		add(down, now() - t);
	}
	note(pop, pct, ", open+claim+alloc+mmap");

	for (i = 0; i < reps; i++) {
		wait_scrubbed(now());
		pool_resize(0);
		t = now();
		pool_resize(size / PAGE);
		add(grow, now() - t);
		dirty = dirty_pages();
		t = now();
		m = nc_populate();
		add(rpop, now() - t);
		pct = placed(m.p, size);
		if (!i)
			check_zero_writable("numaclaim resized", m.p, size);
		t = now();
		nc_teardown(&m);
		add(rdown, now() - t);
	}
	note(rpop, pct, ", pool emptied and refilled just before");
	snprintf(grow->note, sizeof(grow->note),
		 "0 to SIZE; %ld pages dirty after it%s", dirty,
		 dirty ? "" : " (zeroed by the page allocator)");
}

/* ---- the ioctl path --------------------------------------------------------- */

static void bench_ioctl(void)
{
	struct row *noop = row("ioctl", "3 no-op ioctls", "us", NULL, 0);
	struct row *cr = row("ioctl", "claim+reset", "us", "3 no-op ioctls", -1);
	struct row *car = row("ioctl", "claim+alloc1+release", "us",
			      "3 no-op ioctls", -1);
	struct row *amw = row("ioctl", "anon mmap+write", "us", NULL, 0);
	struct row *cmr = row("ioctl", "claim+alloc1+mmap+rel",
			      "us", "anon mmap+write", -1);
	int fd = open("/dev/numaclaim", O_RDWR | O_CLOEXEC);
	uint64_t off = 0;
	char *p;
	long k;
	int i;
	double t;

	if (fd < 0)
		die("open /dev/numaclaim: %s", strerror(errno));
	if (ioctl(fd, NOOP_CMD, NULL) != -1 || errno != ENOTTY)
		die("the no-op ioctl did not fail with ENOTTY");
	wait_scrubbed(now());
	for (i = 0; i < reps; i++) {
		t = now();
		for (k = 0; k < iters; k++) {
			ioctl(fd, NOOP_CMD, NULL);
			ioctl(fd, NOOP_CMD, NULL);
			ioctl(fd, NOOP_CMD, NULL);
		}
		add(noop, (now() - t) * 1e6 / iters);

		t = now();
		for (k = 0; k < iters; k++)
			if (nc_claim1(fd, node, 1) || nc_reset(fd))
				die("claim+reset: %s", strerror(errno));
		add(cr, (now() - t) * 1e6 / iters);

		t = now();
		for (k = 0; k < iters; k++)
			if (nc_claim1(fd, node, 1) || nc_alloc(fd, 1, node, &off) ||
			    nc_release(fd, off))
				die("claim+alloc1+release: %s", strerror(errno));
		add(car, (now() - t) * 1e6 / iters);

		t = now();
		for (k = 0; k < iters; k++) {
			p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED)
				die("mmap: %s", strerror(errno));
			*p = 1;
			munmap(p, 4096);
		}
		add(amw, (now() - t) * 1e6 / iters);

		t = now();
		for (k = 0; k < iters; k++) {
			if (nc_claim1(fd, node, 1) || nc_alloc(fd, 1, node, &off))
				die("claim+alloc1: %s", strerror(errno));
			p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
				 fd, off);
			if (p == MAP_FAILED)
				die("mmap: %s", strerror(errno));
			*p = 1;
			munmap(p, 4096);
			if (nc_release(fd, off))
				die("release: %s", strerror(errno));
		}
		add(cmr, (now() - t) * 1e6 / iters);
	}
	close(fd);
	snprintf(car->note, sizeof(car->note),
		 "target: within 4x three no-ops; never mapped: no scrub");
	snprintf(cmr->note, sizeof(cmr->note),
		 "mmap, write, munmap: scrubbed on release");
}

/* ---- scrub throughput ------------------------------------------------------- */

static void bench_scrub(void)
{
	struct row *mset = row("scrub", "memset", "MiB/s", NULL, 1);
	struct row *scrub = row("scrub", "pool scrub", "MiB/s", "memset", 1);
	double mib = (double)size / (1 << 20), t;
	struct nc_map m;
	char *p;
	int i, ret;

	p = anon_map(MADV_NOHUGEPAGE, 0);
	if (madvise(p, size, MADV_POPULATE_WRITE))
		die("scrub: MADV_POPULATE_WRITE: %s", strerror(errno));
	for (i = 0; i < reps; i++) {
		t = now();
		memset(p, 0, size);
		add(mset, mib / (now() - t));
	}
	munmap(p, size);

	for (i = 0; i < reps; i++) {
		wait_scrubbed(now());
		m = nc_populate();
		munmap(m.p, size);
		t = now();
		ret = nc_release(m.fd, m.off);
		if (ret)
			die("RELEASE: %s", strerror(ret));
		add(scrub, mib / wait_scrubbed(t));
		close(m.fd);
	}
	snprintf(scrub->note, sizeof(scrub->note),
		 "RELEASE to dirty_pages 0; target: >= 80%% of memset");
}

/* ---- random reads: 4 KiB against 2 MiB mappings ------------------------------ */

/* Nanoseconds per random aligned 8-byte read over SIZE at @p. */
static double random_reads(const char *p)
{
	unsigned long words = size / 8, x = 88172645463325252UL, sum = 0;
	double t = now();
	long k;

	for (k = 0; k < READS; k++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sum += ((const volatile uint64_t *)p)[x % words];
	}
	t = now() - t;
	if (sum == 1)	/* never: keeps the loads */
		putchar(' ');
	return t * 1e9 / READS;
}

static void bench_reads_one(const char *name, char *p)
{
	struct row *r = row("reads", name, "ns", "anon 4k", 0);
	int i;

	for (i = 0; i < reps; i++)
		add(r, random_reads(p));
}

static void bench_reads(void)
{
	const char *nr = "/sys/devices/system/node/node%d/hugepages/hugepages-2048kB/nr_hugepages";
	long before = read_long(nr, node);
	struct nc_map m;
	long thp;
	char *p;

	p = anon_map(MADV_NOHUGEPAGE, 0);
	if (madvise(p, size, MADV_POPULATE_WRITE))
		die("reads: MADV_POPULATE_WRITE: %s", strerror(errno));
	bench_reads_one("anon 4k", p);
	munmap(p, size);

	p = anon_map(MADV_HUGEPAGE, 0);
	if (madvise(p, size, MADV_POPULATE_WRITE))
		die("reads: MADV_POPULATE_WRITE: %s", strerror(errno));
	thp = anon_huge_kb();
	bench_reads_one("anon THP", p);
	snprintf(find("reads", "anon THP")->note, sizeof(rows[0].note),
		 "%ld of %lu MiB THP", thp / 1024, size >> 20);
	munmap(p, size);

	if (before >= 0) {
		write_long(size / HPAGE, nr, node);
		if (read_long(nr, node) >= (long)(size / HPAGE)) {
			p = anon_map(-1, 1);
			if (madvise(p, size, MADV_POPULATE_WRITE))
				die("reads: hugetlb populate: %s",
				    strerror(errno));
			bench_reads_one("hugetlb 2M", p);
			munmap(p, size);
		}
		write_long(before, nr, node);
	}

	wait_scrubbed(now());
	m = nc_populate();
	bench_reads_one("numaclaim", m.p);
	snprintf(find("reads", "numaclaim")->note, sizeof(rows[0].note),
		 "4 KiB mappings (see README: 2 MiB mappings)");
	nc_teardown(&m);
}

/* ---- QEMU start-up with SIZE of preallocated guest RAM ---------------------- */

/*
 * Start QEMU (KVM, a pc machine held before its first instruction by -S)
 * with one guest node whose RAM is @backend, tell its monitor to quit, and
 * wait for it: the seconds from fork to its exit.
 */
static double run_qemu(const char *backend)
{
	char mem[32], numa[] = "node,nodeid=0,memdev=m0";
	const char *argv[] = {
		qemu, "-accel", "kvm", "-M", "pc", "-m", mem, "-smp", "1",
		"-nodefaults", "-display", "none", "-monitor", "stdio", "-S",
		"-object", backend, "-numa", numa, NULL,
	};
	int in[2], status, log;
	double t = now();
	pid_t pid;

	snprintf(mem, sizeof(mem), "%luM", size >> 20);
	if (pipe(in))
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		log = open("/tmp/nc_bench-qemu.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(in[0], 0);
		if (log >= 0) {
			dup2(log, 1);
			dup2(log, 2);
		}
		close(in[1]);
		execvp(qemu, (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	if (write(in[1], "quit\n", 5) != 5)
		die("write to QEMU's monitor: %s", strerror(errno));
	close(in[1]);
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid: %s", strerror(errno));
	t = now() - t;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		char buf[512] = "";
		int fd = open("/tmp/nc_bench-qemu.log", O_RDONLY);

		if (fd >= 0) {
			if (read(fd, buf, sizeof(buf) - 1) < 0)
				buf[0] = 0;
			close(fd);
		}
		die("QEMU with %s failed (status 0x%x): %s", backend, status, buf);
	}
	return t;
}

static void bench_qemu(void)
{
	const char *nr = "/sys/devices/system/node/node%d/hugepages/hugepages-2048kB/nr_hugepages";
	struct row *bare = row("qemu", "ram, no prealloc", "s", NULL, 0);
	struct row *ram = row("qemu", "ram prealloc", "s", NULL, 0);
	struct row *huge = row("qemu", "hugetlbfs prealloc", "s", "ram prealloc", 0);
	struct row *ncf = row("qemu", "numaclaim file", "s", "ram prealloc", 0);
	struct numaclaim_export ex;
	char backend[256];
	long before;
	int i, ret, fd;
	double t;

	snprintf(backend, sizeof(backend),
		 "memory-backend-ram,id=m0,size=%luM,host-nodes=%d,policy=bind",
		 size >> 20, node);
	for (i = 0; i < reps; i++)
		add(bare, run_qemu(backend));
	strcat(backend, ",prealloc=on");
	for (i = 0; i < reps; i++)
		add(ram, run_qemu(backend));

	mkdir("/dev/hugepages", 0755);
	mount("none", "/dev/hugepages", "hugetlbfs", 0, NULL);
	before = read_long(nr, node);
	write_long(before + size / HPAGE, nr, node);
	if (read_long(nr, node) < before + (long)(size / HPAGE)) {
		snprintf(huge->note, sizeof(huge->note),
			 "node %d has no %lu free huge pages", node, size / HPAGE);
	} else {
		snprintf(backend, sizeof(backend),
			 "memory-backend-file,id=m0,size=%luM,mem-path=/dev/hugepages,host-nodes=%d,policy=bind,prealloc=on",
			 size >> 20, node);
		for (i = 0; i < reps; i++)
			add(huge, run_qemu(backend));
	}
	write_long(before, nr, node);

	for (i = 0; i < reps; i++) {
		struct nc_map m = { .fd = -1 };

		wait_scrubbed(now());
		t = now();
		m.fd = open("/dev/numaclaim", O_RDWR | O_CLOEXEC);
		if (m.fd < 0)
			die("open /dev/numaclaim: %s", strerror(errno));
		ret = nc_claim1(m.fd, node, size / PAGE);
		if (!ret)
			ret = nc_alloc(m.fd, size / PAGE, node, &m.off);
		if (ret)
			die("qemu: CLAIM/ALLOC: %s", strerror(ret));
		memset(&ex, 0, sizeof(ex));
		ex.offset = m.off;
		ret = nc_ioctl(m.fd, NUMACLAIM_IOC_EXPORT, &ex);
		if (ret)
			die("qemu: EXPORT: %s", strerror(ret));
		fd = ex.fd;
		snprintf(backend, sizeof(backend),
			 "memory-backend-file,id=m0,size=%luM,mem-path=/proc/self/fd/%d,share=on,prealloc=on",
			 size >> 20, fd);
		close(m.fd);
		t = now() - t;
		add(ncf, t + run_qemu(backend));
		close(fd);	/* the last file of it: the allocation goes back */
	}
	snprintf(ncf->note, sizeof(ncf->note),
		 "claim+alloc+export, QEMU opens /proc/self/fd/N");
	snprintf(bare->note, sizeof(bare->note), "QEMU's own start-up cost");
}

/* ---- output ------------------------------------------------------------------ */

static void print_table(void)
{
	int i;

	printf("nc_bench: node %d, %lu MiB, %d repetitions, %ld ioctl iterations\n",
	       node, size >> 20, reps, iters);
	printf("%-9s %-22s %10s %10s %10s %-6s %8s  %s\n", "", "", "median",
	       "min", "max", "", "ratio", "");
	for (i = 0; i < nr_rows; i++) {
		struct row *r = &rows[i];
		double g = ratio(r);
		char gs[16] = "";

		if (g)
			snprintf(gs, sizeof(gs), "%.2fx%s", g,
				 r->higher_better < 0 ? "c" : "");
		if (!r->n) {
			printf("%-9s %-22s %10s %10s %10s %-6s %8s  %s\n", r->group,
			       r->name, "-", "-", "-", "", "", r->note);
			continue;
		}
		printf("%-9s %-22s %10.4g %10.4g %10.4g %-6s %8s  %s\n", r->group,
		       r->name, median(r), vmin(r), vmax(r), r->unit, gs, r->note);
	}
	printf("ratio: from the medians, how many times better than the row it is\n"
	       "compared with (anon 4k, memset); \"c\": a cost, how many times the\n"
	       "three no-op ioctls it takes\n");
}

static void print_json(FILE *f)
{
	int i, k;

	fprintf(f, "{\"node\":%d,\"size_mib\":%lu,\"reps\":%d,\"iters\":%ld,\"rows\":[",
		node, size >> 20, reps, iters);
	for (i = 0; i < nr_rows; i++) {
		struct row *r = &rows[i];

		fprintf(f, "%s{\"group\":\"%s\",\"name\":\"%s\",\"unit\":\"%s\"",
			i ? "," : "", r->group, r->name, r->unit);
		if (r->ref)
			fprintf(f, ",\"ref\":\"%s\"", r->ref);
		if (r->n)
			fprintf(f, ",\"median\":%.6g,\"min\":%.6g,\"max\":%.6g,\"ratio\":%.4g",
				median(r), vmin(r), vmax(r), ratio(r));
		fprintf(f, ",\"values\":[");
		for (k = 0; k < r->n; k++)
			fprintf(f, "%s%.6g", k ? "," : "", r->v[k]);
		fprintf(f, "],\"note\":\"%s\"}", r->note);
	}
	fprintf(f, "]}\n");
}

static void pin_to_node(void)
{
	char path[64], buf[256], *s;
	cpu_set_t set;
	int fd, n, a, b;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", node);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 1)
		return;		/* a node with no CPU */
	buf[n] = 0;
	CPU_ZERO(&set);
	for (s = strtok(buf, ",\n"); s; s = strtok(NULL, ",\n")) {
		if (sscanf(s, "%d-%d", &a, &b) == 2)
			for (; a <= b; a++)
				CPU_SET(a, &set);
		else if (sscanf(s, "%d", &a) == 1)
			CPU_SET(a, &set);
	}
	sched_setaffinity(0, sizeof(set), &set);
}

/* Whether -g asked for @group, or for every group. */
static int wanted(const char *group)
{
	size_t n = strlen(group);
	const char *g = groups;

	if (!g)
		return 1;
	for (; (g = strstr(g, group)); g += n)
		if ((g == groups || g[-1] == ',') && (!g[n] || g[n] == ','))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "n:s:r:i:j:Q:g:")) != -1) {
		switch (opt) {
		case 'n':
			node = atoi(optarg);
			break;
		case 's':
			size = strtoul(optarg, NULL, 0) << 20;
			break;
		case 'r':
			reps = atoi(optarg);
			break;
		case 'i':
			iters = atol(optarg);
			break;
		case 'j':
			json_path = optarg;
			break;
		case 'Q':
			qemu = optarg;
			break;
		case 'g':
			groups = optarg;
			break;
		default:
			fprintf(stderr, "usage: nc_bench [-n NODE] [-s MIB] [-r REPS] [-i ITERS] [-j FILE] [-Q QEMU] [-g GROUP,...]\n");
			return 2;
		}
	}
	if (reps < 1 || reps > MAX_REPS || !size || size % HPAGE || iters < 1)
		die("bad arguments (REPS 1-%d, MIB a multiple of 2)", MAX_REPS);
	dev = open("/dev/numaclaim", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		die("open /dev/numaclaim: %s", strerror(errno));
	pin_to_node();

	if (wanted("populate")) {
		bench_anon("anon 4k", MADV_NOHUGEPAGE, 0);
		bench_anon("anon THP", MADV_HUGEPAGE, 0);
		bench_hugetlb();
		bench_numaclaim();
		bench_memset();
	} else {
		pool_resize(size / PAGE);
	}
	if (wanted("ioctl"))
		bench_ioctl();
	if (wanted("scrub"))
		bench_scrub();
	if (wanted("reads"))
		bench_reads();
	if (qemu && wanted("qemu"))
		bench_qemu();

	print_table();
	if (json_path) {
		FILE *f = fopen(json_path, "w");

		if (!f)
			die("%s: %s", json_path, strerror(errno));
		print_json(f);
		fclose(f);
	} else {
		printf("# json ");
		print_json(stdout);
	}
	return 0;
}
