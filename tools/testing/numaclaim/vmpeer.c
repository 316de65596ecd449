// SPDX-License-Identifier: GPL-2.0
/*
 * vmpeer: the other side of `numaclaimctl run --send SOCKET`, standing in
 * for a vhost-user backend: it receives a VMM's guest RAM files with
 * SCM_RIGHTS, maps them MAP_SHARED read-only and looks at what the guest
 * wrote there.
 *
 * usage: vmpeer --listen SOCKET [--zero] [--find WORD [--min-pages N]]
 *               [--timeout SECONDS]
 *   --zero      before answering, check that every byte of every file is
 *               zero (guest RAM that held another guest's data must not)
 *   --find      after answering, scan the files until WORD is found on at
 *               least N pages (default 1) or the timeout passes (default 60)
 * Prints one line per finding; exits 0 when every check passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_FILES	64
#define PAGE		4096UL

struct peer_file {
	int fd;
	int node;
	uint64_t size;
	const unsigned char *map;
};

static struct peer_file files[MAX_FILES];
static unsigned int nr_files;

static void fail(const char *what)
{
	fprintf(stderr, "vmpeer: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int receive(int conn)
{
	char text[4096], cbuf[CMSG_SPACE(sizeof(int) * MAX_FILES)];
	struct iovec iov = { .iov_base = text, .iov_len = sizeof(text) - 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	unsigned int i, n;
	ssize_t len;
	char *line;

	len = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	if (len <= 0)
		fail("recvmsg");
	text[len] = 0;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS || sscanf(text, "numaclaim %u", &n) != 1 ||
	    n > MAX_FILES || c->cmsg_len != CMSG_LEN(sizeof(int) * n)) {
		fprintf(stderr, "vmpeer: not a numaclaim message\n");
		return -1;
	}
	line = strchr(text, '\n');
	for (i = 0; i < n; i++) {
		struct peer_file *f = &files[i];
		unsigned long long size;
		struct stat st;

		memcpy(&f->fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
		if (!line || sscanf(line + 1, "%d %llu", &f->node, &size) != 2)
			return -1;
		line = strchr(line + 1, '\n');
		if (fstat(f->fd, &st))
			fail("fstat");
		f->size = size;
		if ((uint64_t)st.st_size != f->size) {
			fprintf(stderr, "vmpeer: file %u is %lld bytes, not %llu\n",
				i, (long long)st.st_size, size);
			return -1;
		}
		f->map = mmap(NULL, f->size, PROT_READ, MAP_SHARED, f->fd, 0);
		if (f->map == MAP_FAILED)
			fail("mmap");
	}
	nr_files = n;
	return 0;
}

static uint64_t nonzero_pages(const struct peer_file *f)
{
	static const unsigned char zero[PAGE];
	uint64_t off, n = 0;

	for (off = 0; off < f->size; off += PAGE)
		n += memcmp(f->map + off, zero, PAGE) != 0;
	return n;
}

static uint64_t pages_with(const struct peer_file *f, const char *word)
{
	size_t wl = strlen(word);
	uint64_t off, n = 0;

	for (off = 0; off < f->size; off += PAGE)
		n += memmem(f->map + off, PAGE, word, wl) != NULL;
	return n;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = NULL, *word = NULL;
	unsigned long min_pages = 1, timeout = 60;
	int zero = 0, s, conn, ok = 1, i;
	unsigned int f;
	time_t end;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--listen") && i + 1 < argc)
			path = argv[++i];
		else if (!strcmp(argv[i], "--zero"))
			zero = 1;
		else if (!strcmp(argv[i], "--find") && i + 1 < argc)
			word = argv[++i];
		else if (!strcmp(argv[i], "--min-pages") && i + 1 < argc)
			min_pages = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
			timeout = strtoul(argv[++i], NULL, 0);
		else
			path = NULL, i = argc;
	}
	if (!path || strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: vmpeer --listen SOCKET [--zero] "
			"[--find WORD [--min-pages N]] [--timeout SECONDS]\n");
		return 2;
	}
	strcpy(sa.sun_path, path);
	unlink(path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) || listen(s, 1))
		fail(path);
	conn = accept4(s, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		fail("accept");
	if (receive(conn))
		return 1;
	for (f = 0; f < nr_files; f++)
		printf("vmpeer: file %u: node %d, %llu MiB, mapped\n", f,
		       files[f].node, (unsigned long long)(files[f].size >> 20));
	if (zero) {
		for (f = 0; f < nr_files; f++) {
			uint64_t nz = nonzero_pages(&files[f]);

			printf("vmpeer: file %u: %llu of %llu pages not zero\n", f,
			       (unsigned long long)nz,
			       (unsigned long long)(files[f].size / PAGE));
			ok &= nz == 0;
		}
	}
	fflush(stdout);
	/* The VMM may start now. */
	if (write(conn, "k", 1) != 1)
		fail("write");
	close(conn);
	close(s);
	unlink(path);
	if (!word)
		return !ok;

	end = time(NULL) + timeout;
	for (;;) {
		uint64_t total = 0, per[MAX_FILES];

		for (f = 0; f < nr_files; f++)
			total += per[f] = pages_with(&files[f], word);
		if (total >= min_pages) {
			for (f = 0; f < nr_files; f++)
				printf("vmpeer: file %u (node %d): marker on %llu pages\n",
				       f, files[f].node, (unsigned long long)per[f]);
			printf("vmpeer: marker found on %llu pages\n",
			       (unsigned long long)total);
			return !ok;
		}
		if (time(NULL) >= end) {
			printf("vmpeer: marker not found in %lus (%llu pages)\n",
			       timeout, (unsigned long long)total);
			return 1;
		}
		sleep(1);
	}
}
