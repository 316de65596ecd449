// SPDX-License-Identifier: GPL-2.0
/*
 * numaclaimctl: look at and use /dev/numaclaim from the shell.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/numaclaim.h"

#define MAX_NODES	1024
#define PAGE_SIZE_B	4096ULL

static const char *prog = "numaclaimctl";

static void usage(FILE *f)
{
	fprintf(f,
"usage: %s COMMAND [ARGS]\n"
"\n"
"Per-NUMA-node page pools with memory claims (/dev/numaclaim).\n"
"\n"
"  status [--json] [--pages]\n"
"      the pools, free, claimed and allocated memory of every node; with\n"
"      $NUMACLAIM_FD set, that context's claims and pages too\n"
"  pool NODE SIZE\n"
"      resize NODE's pool to SIZE (needs CAP_SYS_ADMIN); prints the size\n"
"      reached, which may be short of SIZE; resizes in steps of 64 MiB,\n"
"      and shows its progress on stderr when stderr is a terminal\n"
"  claim NODE:SIZE[,NODE:SIZE...] [--max SIZE] -- COMMAND [ARG...]\n"
"      open a context, stake the claim (NODE 'any' for a host-level claim)\n"
"      and run COMMAND with the context's fd inherited and its number in\n"
"      $NUMACLAIM_FD: how a toolstack hands claimed memory to a VMM;\n"
"      --max sets a sealed limit, which COMMAND may lower but not raise\n"
"  alloc [--node NODE|any] [--exact] [--unclaimed] SIZE\n"
"      allocate SIZE in the context of $NUMACLAIM_FD (else in a context\n"
"      that ends with this command); prints the mmap offset and the pages\n"
"      that landed on each node\n"
"  release OFFSET\n"
"      give the allocation at OFFSET back ($NUMACLAIM_FD's context)\n"
"  run --mem NODE:SIZE [--mem NODE:SIZE...] [--max SIZE] [--send SOCKET]\n"
"    [-v] -- VMM [ARG...]\n"
"      claim every --mem at once, allocate each on its node (NODE 'any':\n"
"      wherever the host has it), export each as a file and run VMM with\n"
"      the files inherited; refuses before VMM starts when the claim cannot\n"
"      be met. In VMM's arguments, @N (at the start of an argument or after\n"
"      '=', up to the end or a ',') becomes /proc/self/fd/FD of the N-th\n"
"      --mem's file, e.g. mem-path=@0; $NUMACLAIM_MEM_FDS lists the fds.\n"
"      --send passes the files to the unix socket SOCKET with SCM_RIGHTS\n"
"      (as a VMM passes guest RAM to a vhost-user backend) and waits for\n"
"      one byte back before starting VMM; -v prints each file's node, size\n"
"      and path on stderr\n"
"\n"
"SIZE is bytes with an optional K, M, G or T suffix (powers of 1024), or\n"
"pages with a p suffix; it is rounded up to whole pages.\n",
		prog);
}

static void die(const char *what, unsigned long cmd, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, numaclaim_strerror(cmd, err));
	exit(1);
}

static void die_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry '%s --help'.\n", prog);
	exit(2);
}

/* SIZE in pages: bytes with K/M/G/T, or pages with p. */
static uint64_t parse_pages(const char *s)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		die_usage("bad size '%s'", s);
	switch (*end) {
	case 'p': case 'P':
		if (end[1])
			die_usage("bad size '%s'", s);
		return v;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	}
	if (*end == 'i' || *end == 'B')
		end += *end == 'i' && end[1] == 'B' ? 2 : 1;
	if (*end || (shift && v > (~0ULL >> shift)))
		die_usage("bad size '%s'", s);
	v <<= shift;
	return v / PAGE_SIZE_B + !!(v % PAGE_SIZE_B);
}

static uint32_t parse_node(const char *s, int any_ok)
{
	unsigned long v;
	char *end;

	if (any_ok && !strcmp(s, "any"))
		return NUMACLAIM_ANY_NODE;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v >= NUMACLAIM_ANY_NODE)
		die_usage("bad node '%s'", s);
	return (uint32_t)v;
}

static int context_or_die(void)
{
	int fd = numaclaim_context();

	if (fd < 0)
		die(NUMACLAIM_DEV, 0, -fd);
	return fd;
}

static void print_amount(uint64_t pages, int in_pages)
{
	if (in_pages)
		printf(" %10" PRIu64, pages);
	else
		printf(" %10.1f", pages * (double)PAGE_SIZE_B / (1 << 20));
}

static int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pages", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	static struct numaclaim_node_info nodes[MAX_NODES];
	struct numaclaim_info info;
	int json = 0, pages = 0, in_ctx, fd, c, ret;
	unsigned int n, nr;
	uint64_t node_claims = 0;

	while ((c = getopt_long(argc, argv, "jph", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'p': pages = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	in_ctx = getenv(NUMACLAIM_FD_ENV) != NULL;
	fd = context_or_die();
	ret = numaclaim_info(fd, &info, nodes, MAX_NODES);
	if (ret)
		die("status", NUMACLAIM_IOC_INFO, ret);
	nr = info.nr_nodes < MAX_NODES ? info.nr_nodes : MAX_NODES;
	for (n = 0; n < nr; n++)
		node_claims += nodes[n].claimed_pages;

	if (json) {
		printf("{\"page_size\": %llu, \"pool_pages\": %llu, \"free_pages\": %llu, "
		       "\"outstanding_pages\": %llu, \"host_level_claims\": %llu, "
		       "\"nodes\": [",
		       PAGE_SIZE_B, (unsigned long long)info.pool_pages,
		       (unsigned long long)info.free_pages,
		       (unsigned long long)info.outstanding,
		       (unsigned long long)(info.outstanding - node_claims));
		for (n = 0; n < nr; n++)
			printf("%s{\"node\": %u, \"memoryless\": %s, \"pool_pages\": %llu, "
			       "\"free_pages\": %llu, \"claimed_pages\": %llu, "
			       "\"allocated_pages\": %llu, \"context_claim\": %llu, "
			       "\"context_pages\": %llu}",
			       n ? ", " : "", nodes[n].node,
			       nodes[n].flags & NUMACLAIM_NODE_MEMORYLESS ? "true" : "false",
			       (unsigned long long)nodes[n].pool_pages,
			       (unsigned long long)nodes[n].free_pages,
			       (unsigned long long)nodes[n].claimed_pages,
			       (unsigned long long)(nodes[n].pool_pages - nodes[n].free_pages),
			       (unsigned long long)nodes[n].ctx_claim,
			       (unsigned long long)nodes[n].ctx_pages);
		printf("]");
		if (in_ctx)
			printf(", \"context\": {\"pages\": %llu, \"claims\": %llu, "
			       "\"host_level_claim\": %llu, \"max_pages\": %llu, "
			       "\"max_sealed\": %s, \"busy_pages\": %llu}",
			       (unsigned long long)info.ctx_pages,
			       (unsigned long long)info.ctx_claims,
			       (unsigned long long)info.ctx_claim_any,
			       (unsigned long long)info.ctx_max_pages,
			       info.ctx_flags & NUMACLAIM_CTX_MAX_SEALED ?
			       "true" : "false",
			       (unsigned long long)info.ctx_busy_pages);
		printf("}\n");
		return 0;
	}

	printf("%-18s", pages ? "(pages)" : "(MiB)");
	for (n = 0; n < nr; n++)
		printf(" %9s%u", "node", nodes[n].node);
	printf(" %10s\n", "total");
#define ROW(label, expr, total) do {					\
	printf("%-18s", label);						\
	for (n = 0; n < nr; n++)					\
		print_amount(expr, pages);				\
	print_amount(total, pages);					\
	printf("\n");							\
} while (0)
	ROW("pool", nodes[n].pool_pages, info.pool_pages);
	ROW("free", nodes[n].free_pages, info.free_pages);
	ROW("claimed", nodes[n].claimed_pages, node_claims);
	ROW("allocated", nodes[n].pool_pages - nodes[n].free_pages,
	    info.pool_pages - info.free_pages);
	printf("%-18s", "host-level claims");
	for (n = 0; n < nr; n++)
		printf(" %10s", "-");
	print_amount(info.outstanding - node_claims, pages);
	printf("\n");
	if (in_ctx) {
		ROW("this context: claim", nodes[n].ctx_claim, info.ctx_claims);
		ROW("this context: held", nodes[n].ctx_pages, info.ctx_pages);
	}
#undef ROW
	return 0;
}

/* A resize moves the pool by at most this much per POOL_RESIZE call. */
#define POOL_STEP_PAGES	((64ULL << 20) / PAGE_SIZE_B)

static void pool_progress(uint32_t node, uint64_t size, uint64_t want)
{
	const uint64_t per_mib = (1 << 20) / PAGE_SIZE_B;

	/* \033[K: a shorter line after a longer one leaves nothing behind. */
	fprintf(stderr, "\rnode %u: %" PRIu64 " / %" PRIu64 " MiB\033[K", node,
		size / per_mib, want / per_mib);
}

/*
 * Resize @node's pool to @want in steps of POOL_STEP_PAGES through the same
 * ioctl, so that a terminal can show the progress: the module answers each
 * step with the size reached, and a step that falls short of its target
 * (no more memory, or claims and allocations in the way) ends the resize
 * there, as one call for the whole size would have stopped.
 */
static int pool_resize_stepped(int fd, uint32_t node, uint64_t want,
			       uint64_t *reached)
{
	static struct numaclaim_node_info nodes[MAX_NODES];
	struct numaclaim_info info;
	uint64_t size, target;
	int show, ret;

	ret = numaclaim_info(fd, &info, nodes, MAX_NODES);
	if (ret || node >= info.nr_nodes || node >= MAX_NODES)
		/* Let the resize itself answer (EINVAL for a bad node). */
		return numaclaim_pool_resize(fd, node, want, reached);
	size = nodes[node].pool_pages;
	show = isatty(STDERR_FILENO) &&
	       (want > size ? want - size : size - want) > POOL_STEP_PAGES;
	for (;;) {
		if (want > size)
			target = want - size > POOL_STEP_PAGES ?
				 size + POOL_STEP_PAGES : want;
		else
			target = size - want > POOL_STEP_PAGES ?
				 size - POOL_STEP_PAGES : want;
		ret = numaclaim_pool_resize(fd, node, target, &size);
		if (ret)
			break;
		if (show)
			pool_progress(node, size, want);
		if (size != target || size == want)
			break;
	}
	if (show)
		fputc('\n', stderr);
	*reached = size;
	return ret;
}

static int cmd_pool(int argc, char **argv)
{
	uint64_t want, reached;
	uint32_t node;
	int fd, ret;

	if (argc != 3)
		die_usage("%s", "pool takes NODE and SIZE");
	node = parse_node(argv[1], 0);
	want = parse_pages(argv[2]);
	fd = numaclaim_open();
	if (fd < 0)
		die(NUMACLAIM_DEV, 0, -fd);
	ret = pool_resize_stepped(fd, node, want, &reached);
	if (ret)
		die("pool", NUMACLAIM_IOC_POOL_RESIZE, ret);
	printf("node %u: pool of %" PRIu64 " pages (%.1f MiB)%s\n", node, reached,
	       reached * (double)PAGE_SIZE_B / (1 << 20),
	       reached != want ? ", short of what was asked" : "");
	return reached != want;
}

/*
 * A new context with limit @max (UINT64_MAX: none) and the claim @e. The
 * limit is sealed: the command the context is handed to cannot raise it.
 */
static int open_and_claim(const char *what,
			  const struct numaclaim_claim_entry *e,
			  unsigned int nr, uint64_t max)
{
	char msg[64];
	int fd, ret;

	fd = numaclaim_open();
	if (fd < 0)
		die(NUMACLAIM_DEV, 0, -fd);
	if (max != UINT64_MAX) {
		ret = numaclaim_set_max(fd, max, NUMACLAIM_MAX_SEAL);
		snprintf(msg, sizeof(msg), "%s --max", what);
		if (ret)
			die(msg, NUMACLAIM_IOC_SET_MAX_PAGES, ret);
	}
	ret = numaclaim_claim(fd, e, nr);
	if (ret)
		die(what, NUMACLAIM_IOC_CLAIM, ret);
	return fd;
}

static int cmd_claim(int argc, char **argv)
{
	struct numaclaim_claim_entry e[MAX_NODES + 1];
	uint64_t max = UINT64_MAX;
	char *spec, *tok, *save, fdstr[16];
	unsigned int nr = 0;
	int fd, i;

	if (argc < 2)
		die_usage("%s", "claim takes NODE:SIZE[,...] -- COMMAND");
	spec = strdup(argv[1]);
	for (tok = strtok_r(spec, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');

		if (!colon || nr > MAX_NODES)
			die_usage("bad claim entry '%s' (NODE:SIZE)", tok);
		*colon = 0;
		memset(&e[nr], 0, sizeof(e[nr]));
		e[nr].node = parse_node(tok, 1);
		e[nr].pages = parse_pages(colon + 1);
		nr++;
	}
	for (i = 2; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--max") && i + 1 < argc)
			max = parse_pages(argv[++i]);
		else
			die_usage("unknown option '%s'", argv[i]);
	}
	if (i >= argc - 1)
		die_usage("%s", "claim needs -- COMMAND");

	fd = open_and_claim("claim", e, nr, max);
	/* The context goes to COMMAND: no close-on-exec. */
	if (fcntl(fd, F_SETFD, 0))
		die("claim", 0, errno);
	snprintf(fdstr, sizeof(fdstr), "%d", fd);
	setenv(NUMACLAIM_FD_ENV, fdstr, 1);
	execvp(argv[i + 1], argv + i + 1);
	fprintf(stderr, "%s: %s: %s\n", prog, argv[i + 1], strerror(errno));
	return 127;
}

static int cmd_alloc(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "exact", no_argument, NULL, 'e' },
		{ "unclaimed", no_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	static uint64_t node_pages[MAX_NODES];
	uint32_t node = NUMACLAIM_ANY_NODE, flags = 0;
	uint64_t pages, offset;
	struct numaclaim_info info;
	unsigned int n;
	int fd, c, ret, first = 1;

	while ((c = getopt_long(argc, argv, "n:euh", opts, NULL)) != -1) {
		switch (c) {
		case 'n': node = parse_node(optarg, 1); break;
		case 'e': flags |= NUMACLAIM_ALLOC_EXACT_NODE; break;
		case 'u': flags |= NUMACLAIM_ALLOC_UNCLAIMED; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1)
		die_usage("%s", "alloc takes one SIZE");
	pages = parse_pages(argv[optind]);
	fd = context_or_die();
	ret = numaclaim_alloc(fd, pages, node, flags, &offset, node_pages,
			      MAX_NODES);
	if (ret)
		die("alloc", NUMACLAIM_IOC_ALLOC, ret);
	numaclaim_info(fd, &info, NULL, 0);
	printf("offset 0x%" PRIx64 ": %" PRIu64 " pages (", offset, pages);
	for (n = 0; n < info.nr_nodes && n < MAX_NODES; n++) {
		if (!node_pages[n])
			continue;
		printf("%snode%u %" PRIu64, first ? "" : ", ", n, node_pages[n]);
		first = 0;
	}
	printf(")\n");
	return 0;
}

static int cmd_release(int argc, char **argv)
{
	unsigned long long off;
	char *end;
	int fd, ret;

	if (argc != 2)
		die_usage("%s", "release takes OFFSET");
	errno = 0;
	off = strtoull(argv[1], &end, 0);
	if (errno || *end || end == argv[1])
		die_usage("bad offset '%s'", argv[1]);
	fd = context_or_die();
	ret = numaclaim_release(fd, off);
	if (ret)
		die("release", NUMACLAIM_IOC_RELEASE, ret);
	return 0;
}

#define MAX_MEMS	64

struct run_mem {
	uint32_t node;
	uint64_t pages;
	uint64_t offset;
	int fd;
};

/* "@N" at the start of @arg or after '=', N a --mem index: its path. */
static char *run_subst(const char *arg, const struct run_mem *mems,
		       unsigned int nr)
{
	size_t len = strlen(arg) + 1;
	const char *s;
	char *out, *o;

	for (s = arg; *s; s++)
		if (*s == '@')
			len += 32;
	out = malloc(len);
	if (!out)
		die("run", 0, ENOMEM);
	for (s = arg, o = out; *s; ) {
		unsigned long n;
		char *end;

		if (*s == '@' && (s == arg || s[-1] == '=') &&
		    s[1] >= '0' && s[1] <= '9') {
			n = strtoul(s + 1, &end, 10);
			if ((*end == 0 || *end == ',') && n < nr) {
				o += sprintf(o, "/proc/self/fd/%d", mems[n].fd);
				s = end;
				continue;
			}
		}
		*o++ = *s++;
	}
	*o = 0;
	return out;
}

/* Hand the files to a backend over @path and wait for its byte back. */
static void run_send(const char *path, const struct run_mem *mems,
		     unsigned int nr)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char text[64 * MAX_MEMS + 32], cbuf[CMSG_SPACE(sizeof(int) * MAX_MEMS)];
	struct iovec iov = { .iov_base = text };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = CMSG_SPACE(sizeof(int) * nr),
	};
	struct cmsghdr *c;
	unsigned int i;
	int s, len;
	char ack;

	if (strlen(path) >= sizeof(sa.sun_path))
		die_usage("socket path too long: '%s'", path);
	strcpy(sa.sun_path, path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)))
		die(path, 0, errno);
	len = snprintf(text, sizeof(text), "numaclaim %u\n", nr);
	for (i = 0; i < nr; i++)
		len += snprintf(text + len, sizeof(text) - len, "%d %" PRIu64 "\n",
				mems[i].node == NUMACLAIM_ANY_NODE ? -1 : (int)mems[i].node,
				(uint64_t)(mems[i].pages * PAGE_SIZE_B));
	iov.iov_len = len;
	memset(cbuf, 0, sizeof(cbuf));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * nr);
	for (i = 0; i < nr; i++)
		memcpy(CMSG_DATA(c) + i * sizeof(int), &mems[i].fd, sizeof(int));
	if (sendmsg(s, &msg, 0) != len)
		die(path, 0, errno);
	if (read(s, &ack, 1) != 1)
		die(path, 0, errno ? errno : ECONNRESET);
	close(s);
}

static int cmd_run(int argc, char **argv)
{
	static struct run_mem mems[MAX_MEMS];
	struct numaclaim_claim_entry e[MAX_MEMS];
	const char *send = NULL;
	uint64_t max = UINT64_MAX;
	char fds[16 * MAX_MEMS] = "", **vargv;
	unsigned int nr = 0, ne = 0, i, j;
	int fd, verbose = 0, ret, a;

	for (a = 1; a < argc && strcmp(argv[a], "--"); a++) {
		if (!strcmp(argv[a], "--mem") && a + 1 < argc) {
			char *spec = argv[++a], *colon = strchr(spec, ':');

			if (!colon || nr >= MAX_MEMS)
				die_usage("bad --mem '%s' (NODE:SIZE)", spec);
			*colon = 0;
			mems[nr].node = parse_node(spec, 1);
			*colon = ':';
			mems[nr].pages = parse_pages(colon + 1);
			if (!mems[nr].pages)
				die_usage("bad --mem '%s': no size", spec);
			nr++;
		} else if (!strcmp(argv[a], "--max") && a + 1 < argc) {
			max = parse_pages(argv[++a]);
		} else if (!strcmp(argv[a], "--send") && a + 1 < argc) {
			send = argv[++a];
		} else if (!strcmp(argv[a], "-v")) {
			verbose = 1;
		} else {
			die_usage("unknown option '%s'", argv[a]);
		}
	}
	if (!nr)
		die_usage("%s", "run needs at least one --mem NODE:SIZE");
	if (a >= argc - 1)
		die_usage("%s", "run needs -- VMM [ARG...]");

	/* One claim for everything: several --mem on a node add up. */
	for (i = 0; i < nr; i++) {
		for (j = 0; j < ne && e[j].node != mems[i].node; j++)
			;
		if (j == ne) {
			memset(&e[ne], 0, sizeof(e[ne]));
			e[ne++].node = mems[i].node;
		}
		e[j].pages += mems[i].pages;
	}
	fd = open_and_claim("run: claim", e, ne, max);
	for (i = 0; i < nr; i++) {
		ret = numaclaim_alloc(fd, mems[i].pages, mems[i].node,
				      mems[i].node == NUMACLAIM_ANY_NODE ? 0 :
				      NUMACLAIM_ALLOC_EXACT_NODE,
				      &mems[i].offset, NULL, 0);
		if (ret)
			die("run: alloc", NUMACLAIM_IOC_ALLOC, ret);
		/* Inherited by VMM: no close-on-exec. */
		ret = numaclaim_export(fd, mems[i].offset, 0, &mems[i].fd);
		if (ret)
			die("run: export", NUMACLAIM_IOC_EXPORT, ret);
		snprintf(fds + strlen(fds), sizeof(fds) - strlen(fds), "%s%d",
			 i ? "," : "", mems[i].fd);
		if (verbose) {
			fprintf(stderr, "%s: @%u: ", prog, i);
			if (mems[i].node == NUMACLAIM_ANY_NODE)
				fprintf(stderr, "any node");
			else
				fprintf(stderr, "node %u", mems[i].node);
			fprintf(stderr, ", %.1f MiB, /proc/self/fd/%d\n",
				mems[i].pages * (double)PAGE_SIZE_B / (1 << 20),
				mems[i].fd);
		}
	}
	/* The files hold the memory; the context itself is not needed. */
	close(fd);
	if (send)
		run_send(send, mems, nr);
	setenv("NUMACLAIM_MEM_FDS", fds, 1);
	vargv = calloc(argc - a, sizeof(*vargv));
	if (!vargv)
		die("run", 0, ENOMEM);
	for (i = 0; (int)i < argc - a - 1; i++)
		vargv[i] = run_subst(argv[a + 1 + i], mems, nr);
	execvp(vargv[0], vargv);
	fprintf(stderr, "%s: %s: %s\n", prog, vargv[0], strerror(errno));
	return 127;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "status"))
		return cmd_status(argc - 1, argv + 1);
	if (!strcmp(argv[1], "pool"))
		return cmd_pool(argc - 1, argv + 1);
	if (!strcmp(argv[1], "claim"))
		return cmd_claim(argc - 1, argv + 1);
	if (!strcmp(argv[1], "alloc"))
		return cmd_alloc(argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "release"))
		return cmd_release(argc - 1, argv + 1);
	die_usage("unknown command '%s'", argv[1]);
	return 2;
}
