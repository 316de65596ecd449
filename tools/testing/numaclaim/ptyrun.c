// SPDX-License-Identifier: GPL-2.0
/*
 * ptyrun: run a command with its stderr on a new pseudo-terminal and copy
 * what it writes there to our own stderr, so that a test can see what a
 * program prints only when stderr is a terminal (the NUMA box's busybox
 * has no script(1)). The command's stdin and stdout are ours. The terminal
 * line discipline is left as it is: a "\n" comes out as "\r\n".
 *
 * usage: ptyrun COMMAND [ARG...]
 * Exits with COMMAND's status, 128 + the signal that ended it, or 125 when
 * no terminal could be made (no devpts mounted at /dev/pts, say).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[4096], *name;
	int m, s, status;
	ssize_t n, off, w;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: ptyrun COMMAND [ARG...]\n");
		return 2;
	}
	m = posix_openpt(O_RDWR | O_NOCTTY);
	name = m < 0 || grantpt(m) || unlockpt(m) ? NULL : ptsname(m);
	if (!name) {
		perror("ptyrun: /dev/ptmx");
		return 125;
	}
	s = open(name, O_RDWR | O_NOCTTY);
	if (s < 0) {
		perror(name);
		return 125;
	}
	pid = fork();
	if (pid < 0) {
		perror("ptyrun: fork");
		return 125;
	}
	if (!pid) {
		close(m);
		if (dup2(s, STDERR_FILENO) < 0)
			_exit(125);
		close(s);
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	close(s);
	/* Until every copy of the terminal's other end is closed: EIO. */
	for (;;) {
		n = read(m, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (off = 0; off < n; off += w) {
			w = write(STDERR_FILENO, buf + off, n - off);
			if (w <= 0)
				break;
		}
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("ptyrun: waitpid");
		return 125;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
