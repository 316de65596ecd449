#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the numaclaim KUnit suites in UML: extract the Debian kernel source
# into build/ once, graft the project under drivers/misc/numaclaim (a copy of
# the sources, so objects of an out-of-tree build never leak into it), run
# kunit.py for each configuration named, and fail on any failed test or on
# any kernel report (lockdep, KASAN, UBSAN, WARNING, BUG) in the log.
#
# usage: scripts/kunit.sh [CONFIG...]   CONFIG is kunit/NAME.kunitconfig's
#        NAME, "default" for kunit/.kunitconfig; with none, every one.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
ksrc_tar=${KSRC_TAR:-/usr/src/linux-source-6.1.tar.xz}
tree=${KUNIT_TREE:-$top/build/linux-source-6.1}
jobs=${JOBS:-$(nproc)}

if [ ! -e "$tree/.numaclaim-extracted" ]; then
	echo "kunit: extracting $ksrc_tar into $tree"
	rm -rf "$tree"
	mkdir -p "$(dirname "$tree")"
	tar -C "$(dirname "$tree")" -xf "$ksrc_tar"
	touch "$tree/.numaclaim-extracted"
fi

# Graft: copy the sources with their times kept, so kbuild rebuilds only what
# changed, and hook the directory into drivers/misc.
graft=$tree/drivers/misc/numaclaim
rm -rf "$graft"
mkdir -p "$graft"
srcs=()
for p in Kbuild Kconfig module kunit include; do
	[ ! -e "$top/$p" ] || srcs+=("$p")
done
(cd "$top" && tar -cf - --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
	--exclude='*.mod' --exclude='*.mod.c' --exclude='*.order' "${srcs[@]}") |
	tar -C "$graft" -xpf -
grep -q numaclaim "$tree/drivers/misc/Makefile" ||
	echo 'obj-$(CONFIG_NUMACLAIM) += numaclaim/' >> "$tree/drivers/misc/Makefile"
grep -q numaclaim "$tree/drivers/misc/Kconfig" ||
	sed -i '$ s|^endmenu$|source "drivers/misc/numaclaim/Kconfig"\nendmenu|' \
		"$tree/drivers/misc/Kconfig"
grep -q numaclaim "$tree/drivers/misc/Kconfig"

configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(default debug)

passed=0
failed=0
for cfg in "${configs[@]}"; do
	# A configuration with a line "# alone" is the whole configuration;
	# any other is laid over kunit/.kunitconfig.
	kcfgs=(--kunitconfig="$top/kunit/.kunitconfig")
	if [ "$cfg" != default ]; then
		if grep -q '^# alone$' "$top/kunit/$cfg.kunitconfig"; then
			kcfgs=()
		fi
		kcfgs+=(--kunitconfig="$top/kunit/$cfg.kunitconfig")
	fi
	# A configuration names its architecture on a line "# arch: NAME";
	# UML unless it says otherwise. Others boot in qemu (TCG).
	arch=$(sed -n 's/^# arch: *//p' "${kcfgs[-1]#--kunitconfig=}")
	arch=${arch:-um}
	build=$top/build/kunit-$cfg
	json=$build/results.json
	mkdir -p "$build"
	rm -f "$json"
	echo "kunit: configuration '$cfg' on $arch (build in ${build#"$top"/})"
	status=0
	(cd "$tree" && python3 tools/testing/kunit/kunit.py run --arch="$arch" \
		"${kcfgs[@]}" --build_dir="$build" --jobs="$jobs" \
		--timeout=600 --json="$json") || status=$?

	counts=$(python3 - "$json" <<'PY' || echo "0 1"
import json, sys
def walk(t):
    subs = t.get("sub_groups", [])
    p = f = 0
    for c in t.get("test_cases", []):
        if c["status"] == "PASS":
            p += 1
        elif c["status"] != "SKIP":
            f += 1
    for s in subs:
        a, b = walk(s)
        p += a
        f += b
    return p, f
with open(sys.argv[1]) as fh:
    print(*walk(json.load(fh)))
PY
)
	read -r p f <<<"$counts"
	if [ "$p" -eq 0 ]; then
		echo "kunit: configuration '$cfg' ran no test"
		f=$((f + 1))
	fi
	reports=$(grep -E 'BUG:|WARNING:|UBSAN:|KASAN:|INFO: (possible|inconsistent|suspicious)|circular locking|recursive locking|lock held when returning|DEBUG_LOCKS_WARN_ON|sleeping function called' \
		"$build/test.log" || true)
	if [ -n "$reports" ]; then
		echo "kunit: configuration '$cfg': kernel reports in $build/test.log:"
		echo "$reports" | head -20
		f=$((f + 1))
	fi
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	echo "kunit $cfg: $p passed, $f failed"
	passed=$((passed + p))
	failed=$((failed + f))
done

echo "kunit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
