# SPDX-License-Identifier: GPL-2.0
#
# numaclaim: out-of-tree module build, static checks and tests.
# `make help` lists the targets.

# The kernel to build against: the running kernel's headers when they are
# installed, else the Debian 6.1 headers (linux-headers-amd64).
KVER ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then uname -r; \
	else ls -1 /lib/modules 2>/dev/null | grep -E '^6\.1\..*-amd64$$' | sort -V | tail -n 1; fi)
KDIR ?= /lib/modules/$(KVER)/build

# Kernel source used for checkpatch.pl and for the KUnit kernel (UML).
KSRC_TAR ?= /usr/src/linux-source-6.1.tar.xz
KSRC ?= $(CURDIR)/build/linux-source-6.1

SOURCES := $(wildcard module/*.c module/*.h kunit/*.c include/uapi/linux/*.h)

.PHONY: all module modules w1 sparse checkpatch kunit kunit-default \
	kunit-debug ksrc check demo deps clean help

all: module

module modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# W=1 build; any compiler warning fails it.
w1:
	scripts/buildcheck.sh w1 $(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

# sparse on every file (C=2); any report fails it.
sparse:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	scripts/buildcheck.sh sparse $(MAKE) -C $(KDIR) M=$(CURDIR) C=2 modules

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

# Every test and static check; what CI runs.
check: deps
	$(MAKE) w1
	$(MAKE) sparse
	$(MAKE) checkpatch
	$(MAKE) kunit
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean

demo: deps
	@echo "make demo boots the NUMA box; it arrives with the NUMA box issue."
	@echo "Until then, 'make check' runs every test there is."
	@exit 1

deps:
	scripts/deps.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf build/kunit-*

help:
	@echo "make            build numaclaim.ko against KDIR ($(KDIR))"
	@echo "make w1         the same with W=1, failing on any warning"
	@echo "make sparse     sparse (C=2) on every file, failing on any report"
	@echo "make checkpatch checkpatch.pl --strict on module/, kunit/, include/"
	@echo "make kunit      KUnit suites in UML, default and debug configurations"
	@echo "make check      deps, w1, sparse, checkpatch and kunit: what CI runs"
	@echo "make demo       the NUMA box demo (not there yet)"
	@echo "make deps       install the Debian packages needed (root)"
	@echo "make clean      remove build products (keeps the kernel source)"
