# SPDX-License-Identifier: GPL-2.0
#
# numaclaim: out-of-tree module build, static checks and tests.
# `make help` lists the targets.

# The kernel to build against: the running kernel's headers when they are
# installed, else the Debian 6.1 headers (linux-headers-amd64).
KVER ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then uname -r; \
	else ls -1 /lib/modules 2>/dev/null | grep -E '^6\.1\..*-amd64$$' | sort -V | tail -n 1; fi)
KDIR ?= /lib/modules/$(KVER)/build

# Every kernel `make check` builds against: Debian's 6.1 and the 6.12 from
# bookworm-backports (generic flavour), as scripts/deps.sh installs them.
KVERS ?= $(shell ls -1 /lib/modules 2>/dev/null | \
	grep -E '^6\.1\.[0-9]+-[0-9]+-amd64$$|^6\.12\.[0-9]+\+deb12-amd64$$' | sort -V)

# Kernel source used for checkpatch.pl and for the KUnit kernel (UML).
KSRC_TAR ?= /usr/src/linux-source-6.1.tar.xz
KSRC ?= $(CURDIR)/build/linux-source-6.1

# The package's version, for DKMS and numaclaim.pc: dkms.conf holds it.
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' $(CURDIR)/dkms.conf)

# `make install`: every path below gets DESTDIR in front. The module goes
# to /lib/modules/KVER/updates (the kernel's modules_install, with
# INSTALL_MOD_PATH=DESTDIR), whatever PREFIX is.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DOCDIR ?= $(PREFIX)/share/doc/numaclaim
MANDIR ?= $(PREFIX)/share/man
INSTALL_VARS = DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) BINDIR=$(BINDIR) LIBDIR=$(LIBDIR) \
	INCLUDEDIR=$(INCLUDEDIR) PKGCONFIGDIR=$(PKGCONFIGDIR) VERSION=$(VERSION)

# `make dkms`: the source goes to DKMS_SRC/numaclaim-VERSION and is added,
# built and installed for each kernel of DKMS_KVERS. DKMS_FLAGS is passed to
# every dkms call (scripts/installcheck.sh gives it trees of its own).
DKMS ?= dkms
DKMS_SRC ?= /usr/src
DKMS_KVERS ?= $(KVER)
DKMS_FLAGS ?=
DKMS_FILES := dkms.conf Kbuild Kconfig module include

SOURCES := $(wildcard module/*.c module/*.h kunit/*.c include/uapi/linux/*.h)

.PHONY: all module modules w1 sparse checkpatch uapi kunit kunit-default \
	kunit-debug ksrc tools docs docs-check box box-debug vmtest bench check \
	demo deps clean help install install-module install-tools install-examples \
	install-man \
	uninstall dkms dkms-src installcheck syzcheck

all: module

module modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# $(call each_kernel,NAME,MAKE ARGS): a clean build against every kernel of
# KVERS, held at zero reports by scripts/buildcheck.sh.
define each_kernel
	@test -n "$(KVERS)" || { echo "$(1): no kernel headers; make deps"; exit 1; }
	set -e; for v in $(KVERS); do \
		$(MAKE) -C /lib/modules/$$v/build M=$(CURDIR) clean >/dev/null; \
		scripts/buildcheck.sh "$(1) $$v" $(MAKE) -C /lib/modules/$$v/build \
			M=$(CURDIR) $(2) modules; \
	done
endef

# W=1 against every kernel; any compiler warning fails it.
w1:
	$(call each_kernel,w1,W=1)

# sparse on every file (C=2) against every kernel; any report fails it.
sparse:
	$(call each_kernel,sparse,C=2)

# The uapi header alone: C90, C11, C++98 and C++17, 64-bit and 32-bit, every
# warning an error; tools/testing/numaclaim/uapi_layout.c pins the layout.
UAPI_CC := "gcc -std=c90" "gcc -std=c11" "gcc -std=c90 -m32" \
	"g++ -x c++ -std=c++98" "g++ -x c++ -std=c++17 -m32"
uapi:
	set -e; for cc in $(UAPI_CC); do \
		$$cc -Wall -Wextra -pedantic -Werror -Iinclude/uapi -fsyntax-only \
			tools/testing/numaclaim/uapi_layout.c; \
		echo "uapi: $$cc: ok"; \
	done

ksrc: $(KSRC)/.numaclaim-extracted

$(KSRC)/.numaclaim-extracted:
	rm -rf $(KSRC)
	mkdir -p $(dir $(KSRC))
	tar -C $(dir $(KSRC)) -xf $(KSRC_TAR)
	touch $@

checkpatch: ksrc
	perl $(KSRC)/scripts/checkpatch.pl --strict --no-tree --terse \
		--show-types -f $(SOURCES)

# Both KUnit configurations in UML (see scripts/kunit.sh).
kunit: ksrc
	KUNIT_TREE=$(KSRC) scripts/kunit.sh default debug

kunit-default kunit-debug: ksrc
	KUNIT_TREE=$(KSRC) scripts/kunit.sh $(@:kunit-%=%)

# Userspace (static), in build/tools/bin.
tools: ksrc
	$(MAKE) -C tools O=$(CURDIR)/build/tools KSRC=$(KSRC)

# Everything a host needs (see Installing in the README).
install: install-module install-tools install-examples install-man

install-module: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) INSTALL_MOD_DIR=updates \
		modules_install

install-tools:
	$(MAKE) -C tools O=$(CURDIR)/build/tools $(INSTALL_VARS) install
	@if [ -z "$(DESTDIR)" ] && command -v ldconfig >/dev/null; then ldconfig; fi

install-examples:
	install -d $(DESTDIR)$(DOCDIR)/examples
	install -m 0644 Documentation/examples/numaclaim.modprobe.conf \
		Documentation/examples/60-numaclaim.rules \
		$(DESTDIR)$(DOCDIR)/examples/

# numaclaimctl(8), rendered by Sphinx from Documentation/numaclaimctl.rst
# (the source numaclaimctl --help is checked against) when it is not yet.
MAN8 = $(DOCS_OUT)/man/numaclaimctl.8
install-man:
	@if [ ! $(MAN8) -nt Documentation/numaclaimctl.rst ] && \
	    ! command -v $(SPHINXBUILD) >/dev/null 2>&1; then \
		echo "install-man: no $(SPHINXBUILD) (python3-sphinx, make deps):" \
			"numaclaimctl(8) not installed"; \
	else \
		set -e; \
		[ $(MAN8) -nt Documentation/numaclaimctl.rst ] || \
			$(SPHINXBUILD) $(SPHINXOPTS) -b man Documentation $(DOCS_OUT)/man; \
		install -d $(DESTDIR)$(MANDIR)/man8; \
		install -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/; \
	fi

# What make install put there, with the same DESTDIR, PREFIX and KVER; the
# module compressed as its kernel's modules_install does (6.12: .xz).
INSTALLED_KO = $(DESTDIR)/lib/modules/$(KVER)/updates/numaclaim.ko
uninstall:
	rm -f $(INSTALLED_KO) $(INSTALLED_KO).xz $(INSTALLED_KO).zst $(INSTALLED_KO).gz
	$(MAKE) -C tools O=$(CURDIR)/build/tools $(INSTALL_VARS) uninstall
	rm -f $(DESTDIR)$(DOCDIR)/examples/numaclaim.modprobe.conf \
		$(DESTDIR)$(DOCDIR)/examples/60-numaclaim.rules
	-rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null
	rm -f $(DESTDIR)$(MANDIR)/man8/numaclaimctl.8
	@if [ -z "$(DESTDIR)" ] && command -v ldconfig >/dev/null; then ldconfig; fi

# The module's source as DKMS takes it, in DKMS_SRC/numaclaim-VERSION (what
# a package ships); then dkms add, build and install for each kernel.
dkms-src:
	rm -rf $(DESTDIR)$(DKMS_SRC)/numaclaim-$(VERSION)
	install -d $(DESTDIR)$(DKMS_SRC)/numaclaim-$(VERSION)
	tar -cf - --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='*.order' --exclude='Module.symvers' \
		$(DKMS_FILES) | tar -C $(DESTDIR)$(DKMS_SRC)/numaclaim-$(VERSION) -xf -

# Again after a change: the version is added once, built and installed
# again over what was there (--force).
dkms: dkms-src
	if [ -z "$$($(DKMS) status $(DKMS_FLAGS) numaclaim/$(VERSION))" ]; then \
		$(DKMS) add $(DKMS_FLAGS) numaclaim/$(VERSION); fi
	set -e; for k in $(DKMS_KVERS); do \
		$(DKMS) build --force $(DKMS_FLAGS) numaclaim/$(VERSION) -k $$k; \
		$(DKMS) install --force $(DKMS_FLAGS) numaclaim/$(VERSION) -k $$k; \
	done

# make install into a scratch DESTDIR, a program built on it with
# pkg-config alone (shared and static), DKMS builds for every kernel of
# KVERS in trees of its own, and each DKMS-built module with the static
# program in the NUMA box (scripts/installcheck.sh).
installcheck: ksrc
	KVERS="$(KVERS)" scripts/installcheck.sh

# sys/linux/numaclaim.txt, the syzkaller description, against the uapi,
# and that the check catches a list of breakages of it (scripts/syzcheck.py).
syzcheck:
	scripts/syzcheck.py --selftest include/uapi/linux/numaclaim.h sys/linux/numaclaim.txt

# Documentation/ rendered by Sphinx, every warning an error: HTML in
# build/docs/html, the numaclaimctl(8) man page in build/docs/man. Without
# sphinx-build, every .rst is checked with docutils alone. Then docs-check.
SPHINXBUILD ?= sphinx-build
SPHINXOPTS ?= -q -W --keep-going
DOCS_OUT := $(CURDIR)/build/docs
docs:
	@if command -v $(SPHINXBUILD) >/dev/null 2>&1; then \
		set -e; \
		$(SPHINXBUILD) $(SPHINXOPTS) -b html Documentation $(DOCS_OUT)/html; \
		$(SPHINXBUILD) $(SPHINXOPTS) -b man Documentation $(DOCS_OUT)/man; \
		echo "docs: $(DOCS_OUT)/html/index.html"; \
		echo "docs: $(DOCS_OUT)/man/numaclaimctl.8"; \
		$(MAKE) --no-print-directory docs-check \
			DOCS_MAN=$(DOCS_OUT)/man/numaclaimctl.8; \
	else \
		set -e; \
		echo "docs: no $(SPHINXBUILD) (python3-sphinx):" \
			"checking the .rst files with docutils"; \
		scripts/rstcheck.py Documentation/*.rst; \
		$(MAKE) --no-print-directory docs-check DOCS_MAN=; \
	fi

# numaclaimctl --help against Documentation/numaclaimctl.rst and, once
# rendered, the man page: the same synopses, commands and options.
DOCS_MAN ?= $(wildcard $(DOCS_OUT)/man/numaclaimctl.8)
docs-check:
	@$(MAKE) --no-print-directory -s -C tools O=$(CURDIR)/build/tools \
		$(CURDIR)/build/tools/bin/numaclaimctl
	tools/testing/numaclaim/help_test.sh build/tools/bin/numaclaimctl \
		Documentation/numaclaimctl.rst $(DOCS_MAN)

# The selftests in the NUMA box: both kernels, three topologies.
box: ksrc
	KVERS="$(KVERS)" scripts/boxtests.sh

# The debug kernel and the selftests, fault_test and a longer nc_stress on
# it in the NUMA box (scripts/debugtests.sh). Not in `make check`: its
# first kernel build alone took 5 min 11 s on 2 cores, the two box runs 6 min.
box-debug: deps ksrc
	KUNIT_TREE=$(KSRC) scripts/debugtests.sh

# Unmodified QEMU/KVM guests on allocation files in the NUMA box (with the
# VM kit), on both kernels (scripts/vmtests.sh).
vmtest: ksrc
	KVERS="$(KVERS)" scripts/vmtests.sh

# numaclaim against anonymous memory, THP, hugetlb and QEMU's preallocation,
# side by side in the NUMA box on each kernel, and the ledger alone in KUnit
# (scripts/bench.sh). Figures, not tests: not in `make check`.
bench: deps ksrc
	KVERS="$(KVERS)" KUNIT_TREE=$(KSRC) scripts/bench.sh

# Every test and static check; what CI runs.
check: deps
	$(MAKE) w1
	$(MAKE) sparse
	$(MAKE) uapi
	$(MAKE) checkpatch
	$(MAKE) docs
	$(MAKE) syzcheck
	$(MAKE) installcheck
	$(MAKE) kunit
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean >/dev/null
	$(MAKE) box
	$(MAKE) vmtest

# Two unmodified QEMUs boot KVM guests on numaclaim memory of two nodes, a
# third VMM is refused claimed memory, in the NUMA box with the VM kit (2
# nodes, 192 MiB pools); tools/demo.sh is the story.
DEMO_KVER ?= $(lastword $(KVERS))
demo: deps ksrc
	@scripts/numabox.sh -V -q -k $(DEMO_KVER) -t vm2node \
		-p pool_mb=0:192,1:192 -- demo.sh

deps:
	scripts/deps.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf build/kunit-* build/docs

help:
	@echo "make            build numaclaim.ko against KDIR ($(KDIR))"
	@echo "make w1         W=1 builds against every kernel in KVERS ($(KVERS)),"
	@echo "                failing on any warning"
	@echo "make sparse     sparse (C=2) on every file, against every kernel"
	@echo "make uapi       the uapi header alone in C and C++, 32- and 64-bit"
	@echo "make checkpatch checkpatch.pl --strict on module/, kunit/, include/"
	@echo "make kunit      KUnit suites in UML, default and debug configurations"
	@echo "make tools      the userspace programs, static, in build/tools/bin"
	@echo "make docs       Documentation/ with Sphinx (-W): HTML in"
	@echo "                build/docs/html, numaclaimctl.8 in build/docs/man"
	@echo "                (a docutils check without Sphinx), then docs-check"
	@echo "make docs-check numaclaimctl --help against its man page and .rst"
	@echo "make box        the selftests in the NUMA box, both kernels, three"
	@echo "                topologies (scripts/boxtests.sh)"
	@echo "make box-debug  a debug kernel (KASAN, lockdep, kmemleak, fault"
	@echo "                injection) and the selftests, fault_test and"
	@echo "                nc_stress on it in the NUMA box; not in make check"
	@echo "make vmtest     QEMU/KVM guests on allocation files in the NUMA box,"
	@echo "                both kernels (scripts/vmtests.sh)"
	@echo "make bench      numaclaim vs anon, THP, hugetlb and QEMU prealloc in"
	@echo "                the NUMA box, and the ledger in KUnit: a table and"
	@echo "                build/bench/KVER.json; not in make check"
	@echo "make install    the module (KVER's updates/), numaclaimctl, libnumaclaim"
	@echo "                (shared, static, numaclaim.pc), the headers and the"
	@echo "                modprobe.d and udev examples, numaclaimctl(8); DESTDIR,"
	@echo "                PREFIX ($(PREFIX))"
	@echo "make uninstall  remove what make install put (same DESTDIR, PREFIX, KVER)"
	@echo "make dkms       the source to $(DKMS_SRC)/numaclaim-$(VERSION), then dkms add,"
	@echo "                build and install for DKMS_KVERS ($(DKMS_KVERS))"
	@echo "make installcheck  make install into a scratch DESTDIR, a program built"
	@echo "                with pkg-config alone, DKMS builds for every kernel and"
	@echo "                the NUMA box on each DKMS-built module"
	@echo "make syzcheck   the syzkaller description against the uapi header"
	@echo "make check      deps, w1, sparse, uapi, checkpatch, docs, syzcheck,"
	@echo "                installcheck, kunit, box, vmtest: what CI runs"
	@echo "make demo       the NUMA box demo: two QEMU/KVM guests on claimed memory"
	@echo "make deps       install the Debian packages needed (root)"
	@echo "make clean      remove build products (keeps the kernel source)"
