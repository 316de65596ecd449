#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug kernel of `make box-debug`: x86_64 from linux-source-6.1
# (the tree KUnit uses), with KASAN, PROVE_LOCKING, DEBUG_ATOMIC_SLEEP and
# UBSAN as kunit/debug.kunitconfig has them, plus KMEMLEAK, DEBUG_VM,
# PAGE_POISONING and fault injection (failslab, fail_page_alloc) and what
# the box needs (scripts/debugbox.config). Configured as KUnit configures
# its kernels: the fragments over `make olddefconfig`; every option asked
# for must come out set, or the build stops. Incremental after the first
# time (about 10 minutes on 2 cores).
#
# usage: scripts/debugkernel.sh   (the build lands in build/debug-6.1)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tree=${KUNIT_TREE:-$top/build/linux-source-6.1}
out=$top/build/debug-6.1
jobs=${JOBS:-$(nproc)}

[ -e "$tree/.numaclaim-extracted" ] || { echo "debugkernel: no $tree; make ksrc" >&2; exit 1; }
mkdir -p "$out"
frag=$out/fragment.config
{ grep -v '^# arch' "$top/kunit/debug.kunitconfig"; cat "$top/scripts/debugbox.config"; } |
	grep -E '^CONFIG_' > "$frag"
if ! cmp -s "$frag" "$out/.fragment-built" 2>/dev/null; then
	cp "$frag" "$out/.config"
	make -s -C "$tree" ARCH=x86_64 O="$out" olddefconfig
	missing=0
	while IFS= read -r line; do
		opt=${line%%=*}
		val=${line#*=}
		if [ "$val" = n ]; then
			! grep -q "^$opt=" "$out/.config" || { echo "debugkernel: $opt still set" >&2; missing=1; }
		else
			grep -qx "$opt=$val" "$out/.config" || { echo "debugkernel: $opt=$val did not take" >&2; missing=1; }
		fi
	done < "$frag"
	[ "$missing" -eq 0 ] || exit 1
	cp "$frag" "$out/.fragment-built"
fi
echo "debugkernel: building in ${out#"$top"/}"
make -s -C "$tree" ARCH=x86_64 O="$out" -j"$jobs" bzImage modules
make -s -C "$tree" ARCH=x86_64 O="$out" -j"$jobs" modules_prepare
echo "debugkernel: $(cd "$out" && make -s kernelrelease 2>/dev/null || true) ready"
