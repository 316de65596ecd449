#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What `make install` and `make dkms` give a host, checked without touching
# this host's own trees:
#
# 1. make install DESTDIR=$tmp PREFIX=/usr: every file where it belongs
#    with its mode, the .so with its soname and symlinks, numaclaim.pc
#    valid; tools/testing/numaclaim/install_test.c built against the
#    installed files only, with `pkg-config --cflags --libs numaclaim`
#    (PKG_CONFIG_LIBDIR and PKG_CONFIG_SYSROOT_DIR inside DESTDIR), shared
#    (run there, on the installed .so) and --static; then make uninstall
#    leaves no file behind.
# 2. make dkms for every kernel of KVERS, with dkms trees of its own
#    (--sourcetree, --dkmstree, --installtree in $tmp, --no-depmod, a
#    signing key of its own): /var/lib/dkms, /usr/src and /lib/modules
#    are left alone, and they are compared before and after.
# 3. For each kernel, the NUMA box (2 nodes) loads the DKMS-built module
#    (numabox -m) and runs the statically linked install_test against it.
#
# No module is loaded on this host and no depmod runs on its trees.
# NUMABOX (default scripts/numabox.sh) is the box command, e.g. with a
# wrapper that takes a lock shared with other users of the machine.
# Ends with "installcheck: N passed, M failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kvers=${KVERS:-$(ls -1 /lib/modules | grep -E '^6\.1\.[0-9]+-[0-9]+-amd64$|^6\.12\.[0-9]+\+deb12-amd64$' | sort -V)}
kvers=$(echo $kvers)
tmp=$top/build/installcheck
logdir=$tmp/log
rm -rf "$tmp"
mkdir -p "$logdir"
numabox=${NUMABOX:-$top/scripts/numabox.sh}
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf")

passed=0
failed=0
ok() { echo "installcheck: ok: $*"; passed=$((passed + 1)); }
fail() { echo "installcheck: FAIL: $*"; failed=$((failed + 1)); }

# --- 1. make install into DESTDIR ---------------------------------------
dest=$tmp/dest
kver1=${kvers%% *}
if make -C "$top" -s install DESTDIR="$dest" PREFIX=/usr KVER="$kver1" \
	> "$logdir/install.log" 2>&1; then
	ok "make install DESTDIR=... PREFIX=/usr KVER=$kver1"
else
	fail "make install (see $logdir/install.log)"
	tail -n 20 "$logdir/install.log"
fi

# path mode type: what make install must have put there.
while read -r path mode type; do
	f=$dest$path
	if [ "$type" = l ]; then
		if [ -L "$f" ] && [ -e "$f" ]; then
			ok "$path -> $(readlink "$f")"
		else
			fail "$path: not a symlink to an existing file"
		fi
	elif [ -f "$f" ] && [ ! -L "$f" ] && [ "$(stat -c %a "$f")" = "$mode" ]; then
		ok "$path $mode"
	else
		fail "$path: $(stat -c '%F %a' "$f" 2>&1), want a file of mode $mode"
	fi
done <<EOF
/lib/modules/$kver1/updates/numaclaim.ko 644 f
/usr/bin/numaclaimctl 755 f
/usr/include/linux/numaclaim.h 644 f
/usr/include/numaclaim.h 644 f
/usr/lib/libnumaclaim.so.0.1.0 644 f
/usr/lib/libnumaclaim.so.0 - l
/usr/lib/libnumaclaim.so - l
/usr/lib/libnumaclaim.a 644 f
/usr/lib/pkgconfig/numaclaim.pc 644 f
/usr/share/doc/numaclaim/examples/numaclaim.modprobe.conf 644 f
/usr/share/doc/numaclaim/examples/60-numaclaim.rules 644 f
/usr/share/man/man8/numaclaimctl.8 644 f
EOF

soname=$(readelf -d "$dest/usr/lib/libnumaclaim.so.0.1.0" 2>/dev/null |
	sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = libnumaclaim.so.0 ] && ok "soname $soname" || fail "soname '$soname'"
[ "$(readlink "$dest/usr/lib/libnumaclaim.so.0")" = libnumaclaim.so.0.1.0 ] &&
	[ "$(readlink "$dest/usr/lib/libnumaclaim.so")" = libnumaclaim.so.0 ] &&
	ok "libnumaclaim.so -> .so.0 -> .so.0.1.0" || fail "the .so symlinks"
if syms=$(nm -D --defined-only "$dest/usr/lib/libnumaclaim.so.0.1.0" | awk '{ print $3 }'); then
	other=$(echo "$syms" | grep -v '^numaclaim_' | tr '\n' ' ')
	[ -z "$other" ] && ok "the .so exports numaclaim_* only ($(echo "$syms" | wc -l) symbols)" ||
		fail "the .so also exports: $other"
else
	fail "nm -D on the .so"
fi
for f in include/uapi/linux/numaclaim.h:/usr/include/linux/numaclaim.h \
	 tools/lib/numaclaim.h:/usr/include/numaclaim.h; do
	cmp -s "$top/${f%%:*}" "$dest${f#*:}" && ok "${f#*:} is ${f%%:*}" ||
		fail "${f#*:} differs from ${f%%:*}"
done
modinfo -F vermagic "$dest/lib/modules/$kver1/updates/numaclaim.ko" | grep -q "^$kver1 " &&
	ok "the installed module is for $kver1" || fail "the installed module's vermagic"
grep -qx 'options numaclaim pool_mb=0:512,1:512' \
	"$dest/usr/share/doc/numaclaim/examples/numaclaim.modprobe.conf" &&
	ok "modprobe.d example: options numaclaim pool_mb=..." || fail "modprobe.d example"
# The man page renders, and names what numaclaimctl --help names (no
# grep -q: under pipefail, col's SIGPIPE would fail the pipeline).
if man -l "$dest/usr/share/man/man8/numaclaimctl.8" 2>/dev/null | col -b |
	grep 'numaclaimctl run' > /dev/null; then
	ok "man -l numaclaimctl.8 renders (numaclaimctl run in it)"
else
	fail "man -l numaclaimctl.8"
fi
grep -q 'KERNEL=="numaclaim", GROUP="kvm", MODE="0660"' \
	"$dest/usr/share/doc/numaclaim/examples/60-numaclaim.rules" &&
	ok "udev example: numaclaim to kvm, 0660" || fail "udev example"

# pkg-config sees only DESTDIR: its search path is DESTDIR's pkgconfig
# directory and the paths it answers are prefixed with DESTDIR.
export PKG_CONFIG_LIBDIR=$dest/usr/lib/pkgconfig PKG_CONFIG_PATH=
export PKG_CONFIG_SYSROOT_DIR=$dest
if pkg-config --validate numaclaim > "$logdir/validate.log" 2>&1 && [ ! -s "$logdir/validate.log" ]; then
	ok "pkg-config --validate numaclaim"
else
	fail "pkg-config --validate: $(cat "$logdir/validate.log")"
fi
[ "$(pkg-config --modversion numaclaim)" = "$version" ] && ok "pkg-config --modversion $version" ||
	fail "pkg-config --modversion '$(pkg-config --modversion numaclaim)', want $version"
flags=$(pkg-config --cflags --libs numaclaim)
sflags=$(pkg-config --static --cflags --libs numaclaim)
echo "installcheck: pkg-config --cflags --libs: $flags"
echo "installcheck: pkg-config --static --cflags --libs: $sflags"
case $flags in
*"-I$dest/usr/include"*"-L$dest/usr/lib"*) ok "the flags point into DESTDIR" ;;
*) fail "the flags do not point into DESTDIR: $flags" ;;
esac

# The program from the installed files only: nothing of the source tree is
# on its command line, and the host has no numaclaim header of its own.
prog=$tmp/prog
mkdir -p "$prog"
cp "$top/tools/testing/numaclaim/install_test.c" "$prog/"
[ ! -e /usr/include/numaclaim.h ] && [ ! -e /usr/include/linux/numaclaim.h ] ||
	echo "installcheck: note: this host has a numaclaim header in /usr/include"
# shellcheck disable=SC2086
if (cd "$prog" && gcc -Wall -Wextra -Werror -O2 -o install_test-shared install_test.c $flags) \
	> "$logdir/cc-shared.log" 2>&1; then
	ok "gcc install_test.c \$(pkg-config --cflags --libs numaclaim)"
else
	fail "the shared build: $(cat "$logdir/cc-shared.log")"
fi
needed=$(readelf -d "$prog/install_test-shared" 2>/dev/null | sed -n 's/.*Shared library: \[\(libnumaclaim[^]]*\)\]/\1/p')
[ "$needed" = libnumaclaim.so.0 ] && ok "install_test-shared needs $needed" ||
	fail "install_test-shared needs '$needed'"
out=$(LD_LIBRARY_PATH=$dest/usr/lib "$prog/install_test-shared" 2>&1)
case $out in
*"libnumaclaim: this context holds a claim already"*) ok "install_test-shared runs on the installed .so: $out" ;;
*) fail "install_test-shared: $out" ;;
esac
lib=$(LD_LIBRARY_PATH=$dest/usr/lib ldd "$prog/install_test-shared" | awk '$1 == "libnumaclaim.so.0" { print $3 }')
[ "$lib" = "$dest/usr/lib/libnumaclaim.so.0" ] && ok "it loaded $lib" || fail "it loaded '$lib'"
# shellcheck disable=SC2086
if (cd "$prog" && gcc -Wall -Wextra -Werror -O2 -static -o install_test install_test.c $sflags) \
	> "$logdir/cc-static.log" 2>&1; then
	ok "gcc -static install_test.c \$(pkg-config --static --cflags --libs numaclaim)"
else
	fail "the static build: $(cat "$logdir/cc-static.log")"
fi
if [ -x "$prog/install_test" ] && ! readelf -d "$prog/install_test" | grep -q NEEDED; then
	ok "install_test is static"
else
	fail "install_test is missing or not static"
fi
unset PKG_CONFIG_LIBDIR PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR

# make uninstall takes every file back.
if make -C "$top" -s uninstall DESTDIR="$dest" PREFIX=/usr KVER="$kver1" \
	> "$logdir/uninstall.log" 2>&1; then
	left=$(find "$dest" ! -type d | sed "s|^$dest||" | tr '\n' ' ')
	[ -z "$left" ] && ok "make uninstall: no file left" || fail "make uninstall left $left"
else
	fail "make uninstall: $(tail -n 5 "$logdir/uninstall.log")"
fi

# The module for each other kernel, as its modules_install names it (6.12
# compresses: numaclaim.ko.xz), and make uninstall of it.
for k in ${kvers#"$kver1"}; do
	if make -C "$top" -s install-module DESTDIR="$dest" KVER="$k" \
		> "$logdir/install-$k.log" 2>&1 &&
	   ko=$(ls "$dest/lib/modules/$k/updates/"numaclaim.ko* 2>/dev/null) &&
	   modinfo -F vermagic "$ko" | grep -q "^$k "; then
		ok "make install-module KVER=$k: ${ko#"$dest"}"
	else
		fail "make install-module KVER=$k (see $logdir/install-$k.log)"
	fi
	make -C "$top" -s uninstall DESTDIR="$dest" PREFIX=/usr KVER="$k" \
		> "$logdir/uninstall-$k.log" 2>&1
	left=$(find "$dest" ! -type d | sed "s|^$dest||" | tr '\n' ' ')
	[ -z "$left" ] && ok "make uninstall KVER=$k: no file left" ||
		fail "make uninstall KVER=$k left $left"
done

# --- 2. DKMS, in trees of its own --------------------------------------
snap() {
	{ find /var/lib/dkms /usr/src -maxdepth 2 -printf '%p %y %T@\n' 2>/dev/null
	  for k in $kvers; do find "/lib/modules/$k" -printf '%p %y %T@\n'; done; } | sort
}
snap > "$tmp/host-before"
dk=$tmp/dkms
mkdir -p "$dk/src" "$dk/tree" "$dk/modules"
for k in $kvers; do mkdir -p "$dk/modules/$k"; done
# dkms signs with its default key, /var/lib/dkms/mok.key, made on first
# use; a key of its own keeps that directory untouched.
export mok_signing_key=$dk/mok.key mok_certificate=$dk/mok.pub
flags="--sourcetree $dk/src --dkmstree $dk/tree --installtree $dk/modules --no-depmod"
if make -C "$top" -s dkms DKMS_SRC="$dk/src" DKMS_FLAGS="$flags" DKMS_KVERS="$kvers" \
	> "$logdir/dkms.log" 2>&1; then
	ok "make dkms for $(echo $kvers)"
else
	fail "make dkms (see $logdir/dkms.log)"
	tail -n 30 "$logdir/dkms.log"
fi
dkms status $flags > "$logdir/dkms-status.log" 2>&1
for k in $kvers; do
	ko=$(ls "$dk/modules/$k/updates/dkms/"numaclaim.ko* 2>/dev/null | head -n 1)
	if grep -q "^numaclaim/$version, $k, x86_64: installed" "$logdir/dkms-status.log" &&
	   [ -n "$ko" ] && modinfo -F vermagic "$ko" | grep -q "^$k "; then
		ok "dkms: numaclaim/$version installed for $k: ${ko#"$dk"/}"
	else
		fail "dkms: nothing installed for $k: $(cat "$logdir/dkms-status.log")"
	fi
done
snap > "$tmp/host-after"
if cmp -s "$tmp/host-before" "$tmp/host-after"; then
	ok "/var/lib/dkms, /usr/src and /lib/modules/{$(echo $kvers | tr ' ' ,)} untouched"
else
	fail "the host's trees changed: $(diff "$tmp/host-before" "$tmp/host-after" | head -5)"
fi

# --- 3. The DKMS-built module and the static program in the box ---------
for k in $kvers; do
	ko=$(ls "$dk/modules/$k/updates/dkms/"numaclaim.ko* 2>/dev/null | head -n 1)
	case $ko in
	*.ko) ;;
	*.ko.xz) xz -dc "$ko" > "$tmp/numaclaim-$k.ko"; ko=$tmp/numaclaim-$k.ko ;;
	*.ko.zst) zstd -qdc "$ko" > "$tmp/numaclaim-$k.ko"; ko=$tmp/numaclaim-$k.ko ;;
	*.ko.gz) gzip -dc "$ko" > "$tmp/numaclaim-$k.ko"; ko=$tmp/numaclaim-$k.ko ;;
	*) fail "box $k: no DKMS-built module"; continue ;;
	esac
	log=$logdir/box-$k.log
	start=$(date +%s)
	# The box loads /numaclaim.ko: its checksum there is the DKMS-built one's.
	sum=$(sha256sum < "$ko" | cut -d' ' -f1)
	# shellcheck disable=SC2086
	if $numabox -q -k "$k" -m "$ko" -x "$prog/install_test" -- \
		'sha256sum /numaclaim.ko && install_test run' > "$log" 2>&1 &&
	   grep -q "^$sum  /numaclaim.ko" "$log" && grep -q '^install_test: passed' "$log"; then
		ok "box $k: the DKMS-built module (sha256 ${sum:0:12}) and install_test run, in $(( $(date +%s) - start ))s"
	else
		fail "box $k (see $log)"
		tail -n 20 "$log"
	fi
done

echo "installcheck: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
