// SPDX-License-Identifier: GPL-2.0
/*
 * A program of a toolstack that knows numaclaim only from what `make
 * install` put on the host: <numaclaim.h> and libnumaclaim, found by
 * pkg-config (scripts/installcheck.sh builds it so, shared and static).
 * With no argument it only prints the library's answer to a made-up errno;
 * with "run" it claims, allocates, maps, writes and releases 16 pages on
 * node 0 through the library against the real module, checking the counts
 * INFO gives at each step, and exits 0 only when everything came back.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <numaclaim.h>

#define PAGES	16
#define NODES	64

static int failed;

static void check(int ok, const char *what, int err)
{
	if (ok) {
		printf("install_test: ok: %s\n", what);
		return;
	}
	printf("install_test: FAIL: %s%s%s\n", what, err ? ": " : "",
	       err ? strerror(err) : "");
	failed = 1;
}

static int info(int fd, struct numaclaim_info *in,
		struct numaclaim_node_info *nodes)
{
	return numaclaim_info(fd, in, nodes, NODES);
}

int main(int argc, char **argv)
{
	static struct numaclaim_node_info nodes[NODES];
	struct numaclaim_claim_entry e = { .node = 0, .pages = PAGES };
	uint64_t node_pages[NODES] = { 0 };
	long psz = sysconf(_SC_PAGESIZE);
	struct numaclaim_info in;
	uint64_t offset = 0;
	unsigned char *p;
	size_t i, len;
	int fd, err;

	if (argc < 2 || strcmp(argv[1], "run")) {
		printf("install_test: libnumaclaim: %s\n",
		       numaclaim_strerror(NUMACLAIM_IOC_CLAIM, EBUSY));
		return 0;
	}
	len = (size_t)PAGES * (size_t)psz;

	fd = numaclaim_context();
	check(fd >= 0, "open " NUMACLAIM_DEV, fd < 0 ? -fd : 0);
	if (fd < 0)
		return 1;
	err = info(fd, &in, nodes);
	check(!err && in.nr_nodes >= 1 && nodes[0].free_pages >= PAGES,
	      "INFO: node 0 has 16 free pages", err);

	err = numaclaim_claim(fd, &e, 1);
	check(!err, "CLAIM 16 pages on node 0", err);
	err = info(fd, &in, nodes);
	check(!err && nodes[0].ctx_claim == PAGES, "INFO: the claim", err);

	err = numaclaim_alloc(fd, PAGES, 0, NUMACLAIM_ALLOC_EXACT_NODE,
			      &offset, node_pages, NODES);
	check(!err && node_pages[0] == PAGES, "ALLOC 16 pages on node 0", err);
	err = info(fd, &in, nodes);
	check(!err && nodes[0].ctx_pages == PAGES && nodes[0].ctx_claim == 0,
	      "INFO: the pages held, the claim consumed", err);

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)offset);
	check(p != MAP_FAILED, "mmap the allocation", p == MAP_FAILED ? errno : 0);
	if (p != MAP_FAILED) {
		for (i = 0; i < len && !p[i]; i++)
			;
		check(i == len, "the pages are zero", 0);
		for (i = 0; i < len; i++)
			p[i] = (unsigned char)(i * 7 + 1);
		for (i = 0; i < len && p[i] == (unsigned char)(i * 7 + 1); i++)
			;
		check(i == len, "the pages hold what was written", 0);
		err = numaclaim_release(fd, offset);
		check(err == EBUSY, "RELEASE while mapped is EBUSY", 0);
		printf("install_test: the library says: %s\n",
		       numaclaim_strerror(NUMACLAIM_IOC_RELEASE, err));
		munmap(p, len);
	}

	err = numaclaim_release(fd, offset);
	check(!err, "RELEASE", err);
	err = info(fd, &in, nodes);
	check(!err && in.ctx_pages == 0 && in.ctx_claims == 0,
	      "INFO: nothing held, nothing claimed", err);
	close(fd);
	printf("install_test: %s\n", failed ? "FAILED" : "passed");
	return failed;
}
