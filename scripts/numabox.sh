#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The NUMA box: boot a Debian kernel in qemu (TCG) with a chosen NUMA
# topology, from an initramfs of busybox-static, numaclaim.ko built against
# that kernel's headers and the statically linked programs of tools/; load
# the module, run a command, and hand its exit status back. A timeout kills
# qemu and fails the run. The guest's kernel log is checked too: any
# WARNING, BUG, lockdep or sleeping-in-atomic report fails the run.
#
# usage: scripts/numabox.sh [-k KVER] [-t TOPO] [-p PARAMS] [-T SECONDS] \
#                           [-q] [-V] [-m KO] [-x FILE]... -- COMMAND...
#   KVER    a kernel whose headers are in /lib/modules (default: the 6.1)
#   TOPO    2node (default): two nodes of 512 MiB, one CPU each
#           4node: four nodes of 256, 512, 384 and 768 MiB, one CPU each
#           cxl: node 0 with CPU and 512 MiB, node 1 with a CPU and no
#                memory, node 2 with 512 MiB and no CPU
#           vm2node: two nodes of 1536 MiB, one CPU each, for -V
#   PARAMS  module parameters (default: pool_mb=0:64,1:64 or as the
#           topology has memory)
#   SECONDS timeout (default 240; 900 for vm2node)
#   -S KB   pages (slab apart) allowed short after rmmod (default 1024,
#           4096 with -V); the slab may grow by up to 16 MiB (the
#           kernel's caches grow when the command starts many processes:
#           1.5 to 2 MiB after nc_stress); kmemleak checks slab objects
#           exactly on the debug kernel
#   -D DIR  boot the debug kernel built in DIR (scripts/debugkernel.sh)
#           instead of a Debian one; kmemleak is checked after rmmod
#   -m KO   load this numaclaim.ko (built for KVER elsewhere, as by DKMS)
#           instead of building one
#   -x FILE put FILE in /opt/numaclaim too (repeatable)
#   -w ERE  a kernel WARNING line matching ERE is expected, not a failure
#           (repeatable; it is still printed)
#   -q      print only the command's output, not the kernel's boot log
#   -V      the VM kit: KVM (the kernel image's kvm-amd.ko and what it
#           needs, loaded before the command; no /dev/kvm fails the run),
#           Debian's qemu-system-x86_64 in /usr/bin, and /opt/vm/vm-boot
#           (scripts/vmkit/vm-boot) to boot a guest of the same kernel
#           with scripts/vmkit/guest-init; a QEMU with an empty VM runs
#           from before the command to the end (see the init below)
#   COMMAND runs in the guest with /bin (busybox) and /opt/numaclaim (the
#           project's programs) on PATH, and with -V /usr/bin and /opt/vm;
#           /dev/fd links to /proc/self/fd
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kver=$(ls -1 /lib/modules | grep -E '^6\.1\.[0-9]+-[0-9]+-amd64$' | sort -V | tail -n 1)
topo=2node
params=
timeout=
quiet=0
vmkit=0
slack=
debug=
append_debug=
prebuilt=
extra=()
expected_warn=()
while getopts "k:t:p:T:qVS:D:m:x:w:" opt; do
	case $opt in
	k) kver=$OPTARG ;;
	t) topo=$OPTARG ;;
	p) params=$OPTARG ;;
	T) timeout=$OPTARG ;;
	q) quiet=1 ;;
	V) vmkit=1 ;;
	S) slack=$OPTARG ;;
	D) debug=$(cd "$OPTARG" && pwd) ;;
	m) prebuilt=$(realpath "$OPTARG") ;;
	x) extra+=("$(realpath "$OPTARG")") ;;
	w) expected_warn+=("$OPTARG") ;;
	*) sed -n '2,39s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "numabox: no command" >&2; exit 2; }

case $topo in
2node)
	numa=(-smp 2,sockets=2,cores=1,threads=1
	      -object memory-backend-ram,id=m0,size=512M -numa node,nodeid=0,memdev=m0,cpus=0
	      -object memory-backend-ram,id=m1,size=512M -numa node,nodeid=1,memdev=m1,cpus=1)
	mem=1024M
	: "${params:=pool_mb=0:64,1:64}" ;;
4node)
	numa=(-smp 4,sockets=4,cores=1,threads=1
	      -object memory-backend-ram,id=m0,size=256M -numa node,nodeid=0,memdev=m0,cpus=0
	      -object memory-backend-ram,id=m1,size=512M -numa node,nodeid=1,memdev=m1,cpus=1
	      -object memory-backend-ram,id=m2,size=384M -numa node,nodeid=2,memdev=m2,cpus=2
	      -object memory-backend-ram,id=m3,size=768M -numa node,nodeid=3,memdev=m3,cpus=3
	      -numa dist,src=0,dst=1,val=20 -numa dist,src=0,dst=2,val=30
	      -numa dist,src=0,dst=3,val=40 -numa dist,src=1,dst=2,val=20
	      -numa dist,src=1,dst=3,val=30 -numa dist,src=2,dst=3,val=20)
	mem=1920M
	: "${params:=pool_mb=0:32,1:64,2:48,3:96}" ;;
cxl)
	numa=(-smp 2,sockets=2,cores=1,threads=1
	      -object memory-backend-ram,id=m0,size=512M -numa node,nodeid=0,memdev=m0,cpus=0
	      -numa node,nodeid=1,cpus=1
	      -object memory-backend-ram,id=m2,size=512M -numa node,nodeid=2,memdev=m2)
	mem=1024M
	: "${params:=pool_mb=0:64,2:64}" ;;
vm2node)
	numa=(-smp 2,sockets=2,cores=1,threads=1
	      -object memory-backend-ram,id=m0,size=1536M -numa node,nodeid=0,memdev=m0,cpus=0
	      -object memory-backend-ram,id=m1,size=1536M -numa node,nodeid=1,memdev=m1,cpus=1)
	mem=3072M
	: "${timeout:=900}"
	: "${params:=pool_mb=0:64,1:64}" ;;
*)
	echo "numabox: unknown topology '$topo'" >&2
	exit 2 ;;
esac
: "${timeout:=240}"

[ -z "$debug" ] || kver=debug
cache=$top/build/cache
work=$top/build/box-$kver
mkdir -p "$cache" "$work"

# One run at a time: runs share build/cache and build/box-KVER, and two
# TCG boxes at once would share the CPUs.
exec 9> "$top/build/.numabox.lock"
if ! flock -n 9; then
	echo "numabox: waiting for another run to end" >&2
	flock 9
fi

# The kernel image of the same package version as the headers, its brd.ko
# (a RAM disk, for the O_DIRECT test) and, for the VM kit, kvm-amd.ko and
# the modules it depends on (by the modules.dep that depmod makes for the
# image's modules; $kvm/order lists them in load order), kept in
# build/cache, decompressed.
vmlinuz=$cache/vmlinuz-$kver
brd=$cache/brd-$kver.ko
kvm=$cache/kvm-$kver
unpack() {
	case $1 in
	*.xz) xz -dc "$1" ;;
	*.zst) zstd -qdc "$1" ;;
	*.gz) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac
}
if [ -n "$debug" ]; then
	vmlinuz=$debug/arch/x86/boot/bzImage
	brd=$debug/drivers/block/brd.ko
	# PAGE_POISONING is off on 6.1 until asked for at boot: freed pages
	# are filled, and checked when allocated again. It turns init_on_alloc
	# off, so here pools grow with pages the module must scrub itself (the
	# Debian kernels' init_on_alloc path runs in `make box`).
	append_debug=page_poison=1
	[ "$vmkit" -eq 0 ] || { echo "numabox: no VM kit with -D" >&2; exit 2; }
elif [ ! -e "$vmlinuz" ] || [ ! -e "$brd" ] ||
   { [ "$vmkit" -eq 1 ] && [ ! -e "$kvm/order" ]; }; then
	ver=$(dpkg-query -W -f='${Version}' "linux-headers-$kver")
	rm -f "$cache"/linux-image-*.deb
	(cd "$cache" && apt-get download -q "linux-image-$kver=$ver" >/dev/null 2>&1 ||
	 apt-get download -q "linux-image-$kver-unsigned=$ver" >/dev/null)
	deb=$(ls "$cache"/linux-image-*.deb | head -n 1)
	rm -rf "$work/x"
	mkdir -p "$work/x"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -C "$work/x" -x --wildcards "./boot/vmlinuz-$kver" \
			"./lib/modules/$kver/*"
	mod=$(ls "$work/x/lib/modules/$kver/kernel/drivers/block/"brd.ko*)
	unpack "$mod" > "$brd"
	PATH=$PATH:/sbin:/usr/sbin depmod -b "$work/x" "$kver"
	rm -rf "$kvm" "$kvm.new"
	mkdir -p "$kvm.new"
	for mod in $(PATH=$PATH:/sbin:/usr/sbin modprobe -C /dev/null -d "$work/x" \
			-S "$kver" --show-depends kvm_amd | awk '$1 == "insmod" { print $2 }'); do
		name=$(basename "$mod")
		name=${name%.xz}
		name=${name%.zst}
		name=${name%.gz}
		unpack "$mod" > "$kvm.new/$name"
		echo "$name" >> "$kvm.new/order"
	done
	grep -qx kvm-amd.ko "$kvm.new/order"
	mv "$kvm.new" "$kvm"
	mv "$work/x/boot/vmlinuz-$kver" "$vmlinuz"
	rm -rf "$work/x" "$deb"
fi

# numaclaim.ko for this kernel, built in a copy so builds for other
# kernels do not mix their objects; or the one -m names.
src=$work/src
rm -rf "$src"
mkdir -p "$src"
if [ -n "$prebuilt" ]; then
	vermagic=$(modinfo -F vermagic "$prebuilt")
	case $vermagic in
	"$kver "*) ;;
	*) echo "numabox: $prebuilt is for '$vermagic', not $kver" >&2; exit 2 ;;
	esac
	cp "$prebuilt" "$src/numaclaim.ko"
else
	(cd "$top" && tar -cf - --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
		--exclude='*.mod' --exclude='*.mod.c' --exclude='*.order' \
		--exclude='Module.symvers' Kbuild module include) | tar -C "$src" -xpf -
	kdir=/lib/modules/$kver/build
	[ -z "$debug" ] || kdir=$debug
	if ! make -s -C "$kdir" M="$src" modules > "$work/build.log" 2>&1; then
		cat "$work/build.log" >&2
		exit 1
	fi
fi

# The userspace programs, static.
make -s -C "$top/tools" O="$work/tools" KSRC="${KSRC:-$top/build/linux-source-6.1}" >/dev/null

root=$work/root
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,opt/numaclaim}
cp /bin/busybox "$root/bin/busybox"
cp "$src/numaclaim.ko" "$root/numaclaim.ko"
cp "$brd" "$root/brd.ko"
cp "$work"/tools/bin/* "$root/opt/numaclaim/"
[ ${#extra[@]} -eq 0 ] || cp "${extra[@]}" "$root/opt/numaclaim/"
printf '%s\n' "$params" > "$root/params"
# What free memory, slab apart, may miss after rmmod: 1 MiB, or 4 MiB with
# the VM kit, whose QEMU and KVM runs leave some MiB of kernel memory grown
# behind; a pool not given back would be tens of MiB. The slab is bounded
# apart (16 MiB): the selftests grow it by 0.8 to 0.9 MiB, nc_stress by
# 1.5 to 2 MiB, none of it the module's (it is unloaded by then).
if [ -n "$slack" ]; then echo "$slack"; elif [ "$vmkit" -eq 1 ]; then echo 4096; else echo 1024; fi > "$root/slack"
printf '%s\n' "$*" > "$root/command"
# Never empty: grep -f of an empty file would drop every line.
printf '%s\n' '^$' ${expected_warn[@]+"${expected_warn[@]}"} > "$root/expected_warn"

# The VM kit (-V): the kvm modules, vm-boot, the guest's kernel (this one)
# and initramfs in /opt/vm; QEMU with its libraries and firmware in a
# second archive, cached, which the kernel unpacks after the first.
vmcpio=
if [ "$vmkit" -eq 1 ]; then
	mkdir -p "$root/opt/vm/kvm"
	cp "$kvm"/* "$root/opt/vm/kvm/"
	cp "$top/scripts/vmkit/vm-boot" "$root/opt/vm/vm-boot"
	chmod +x "$root/opt/vm/vm-boot"
	cp "$vmlinuz" "$root/opt/vm/vmlinuz"
	groot=$work/guest
	rm -rf "$groot"
	mkdir -p "$groot"/{bin,dev,proc,sys,tmp}
	cp /bin/busybox "$groot/bin/busybox"
	cp "$top/scripts/vmkit/guest-init" "$groot/init"
	chmod +x "$groot/init"
	(cd "$groot" && find . | cpio -o -H newc --quiet | gzip -9) > "$root/opt/vm/guest.gz"
	rm -rf "$groot"

	# QEMU: the binary, every library ldd lists and the loader, and the
	# firmware it opens for -machine pc or q35 with -kernel (seen with
	# strace): SeaBIOS, the linuxboot option ROMs, kvmvapic. It looks for
	# them in ../share/qemu and ../share/seabios from the binary. The
	# archive is rebuilt when any of those files changes.
	qemu=/usr/bin/qemu-system-x86_64
	vmcpio=$cache/vmkit-qemu.cpio.gz
	files=$({ echo "$qemu"
		  ldd "$qemu" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'
		  printf '%s\n' /usr/share/seabios/bios-256k.bin \
			/usr/share/qemu/linuxboot_dma.bin /usr/share/qemu/linuxboot.bin \
			/usr/share/qemu/kvmvapic.bin; } | sort -u)
	stamp=$(for f in $files; do stat -L -c '%n %s %Y' "$f"; done)
	if [ ! -e "$vmcpio" ] || [ "$stamp" != "$(cat "$vmcpio.stamp" 2>/dev/null)" ]; then
		qroot=$work/qemu-root
		rm -rf "$qroot"
		for f in $files; do
			mkdir -p "$qroot$(dirname "$f")"
			cp -L "$f" "$qroot$f"
		done
		(cd "$qroot" && find . | cpio -o -H newc --quiet | gzip -9) > "$vmcpio.new"
		mv "$vmcpio.new" "$vmcpio"
		printf '%s\n' "$stamp" > "$vmcpio.stamp"
		rm -rf "$qroot"
	fi
fi
cat > "$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/opt/numaclaim
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
ln -s /proc/self/fd /dev/fd
echo "numabox: $(uname -r), $(ls -d /sys/devices/system/node/node* | wc -l) nodes"
rc=0
# The VM kit (-V): the kvm modules in their order, before the command.
# Loading them and creating the first VM patch code that every CPU runs
# (the first VM switches on preempt_notifier_key, a jump in __schedule),
# and under TCG another CPU can run the int3 of such a patch after the
# patch is done: seen once, "Oops: int3" in __schedule on 6.12 as QEMU
# created its VM, and once in kvm's apic_has_pending_timer() as the demo's
# first guest started (a vCPU's APIC is software-disabled until its guest
# enables it: KVM's apic_sw_disabled key goes from 0 to 1 and back). So
# the other CPUs are offline meanwhile, and a VM with one vCPU that never
# runs (QEMU -S) lives until poweroff: both keys stay on and later VMs
# patch nothing there.
if [ -d /opt/vm ]; then
	export PATH=$PATH:/usr/bin:/opt/vm
	cpus=$(ls -d /sys/devices/system/cpu/cpu[1-9]* 2>/dev/null)
	for c in $cpus; do echo 0 > "$c/online"; done
	for m in $(cat /opt/vm/kvm/order); do
		insmod "/opt/vm/kvm/$m" || break
	done
	if [ -c /dev/kvm ]; then
		# Its memory must not grow during the command (free memory is
		# compared after it): its RAM preallocated, and THP only where
		# asked (QEMU asks for guest RAM; the programs that measure THP
		# too), else khugepaged collapses the holder's partly touched
		# heap into 2 MiB pages: 8 MiB in 25 s on 6.1.
		echo madvise > /sys/kernel/mm/transparent_hugepage/enabled
		qemu-system-x86_64 -machine pc -accel kvm -smp 1 -m 16 \
			-mem-prealloc -nodefaults -display none -monitor none -S \
			< /dev/null > /tmp/kvm-holder.log 2>&1 &
		holder=$! n=0
		until ls -l /proc/$holder/fd 2>/dev/null | grep -q kvm-vcpu; do
			n=$((n + 1))
			if [ $n -gt 300 ] || ! kill -0 $holder 2>/dev/null; then
				echo "numabox: no holder VM: $(cat /tmp/kvm-holder.log)"
				break
			fi
			sleep 0.1
		done
		# Its machine is set up after the vCPU: settled once its
		# memory stops growing (free memory is measured after this).
		rss=0 n=0
		while [ $n -lt 40 ]; do
			now=$(awk '/^VmRSS/ { print $2 }' /proc/$holder/status 2>/dev/null)
			[ "$now" != "$rss" ] || break
			rss=$now n=$((n + 1))
			sleep 0.5
		done
	fi
	for c in $cpus; do echo 1 > "$c/online"; done
	if [ -c /dev/kvm ]; then
		echo "numabox: /dev/kvm ($(cat /opt/vm/kvm/order | tr '\n' ' ')loaded)"
	else
		echo "numabox: no /dev/kvm"
		rc=96
	fi
fi
# The debug kernel: kmemleak forgets what the boot left, checked after rmmod.
kml=/sys/kernel/debug/kmemleak
mount -t debugfs none /sys/kernel/debug 2>/dev/null
# Free memory in kB: MemFree plus the pages waiting on the per-CPU lists
# (which MemFree leaves out, and which hold tens of MiB right after a large
# free) plus the slab, after dropping the caches. The slab is checked on its
# own (slab_kb): many processes grow the kernel's caches, and on the debug
# kernel KASAN's quarantine keeps freed objects, and their slab pages, back
# (up to 1/32 of memory); kmemleak checks slab objects there.
slab_kb() {
	awk '/^Slab:/ {print $2}' /proc/meminfo
}
memfree() {
	echo 3 > /proc/sys/vm/drop_caches
	pcp=$(awk '$1 == "count:" { n += $2 } END { print n + 0 }' /proc/zoneinfo)
	echo $(( $(awk '/MemFree/ {print $2}' /proc/meminfo) + pcp * 4 + $(slab_kb) ))
}
memfree > /tmp/memfree-before
cp /proc/meminfo /tmp/meminfo-before
slab_kb > /tmp/slab-before
echo "numabox: free before insmod: $(cat /tmp/memfree-before) kB"
[ ! -e $kml ] || echo clear > $kml
# A RAM disk for O_DIRECT; tests skip what needs it if it is missing.
insmod /brd.ko rd_nr=1 rd_size=8192 2>/dev/null
[ $rc -ne 0 ] || insmod /numaclaim.ko $(cat /params) || rc=$?
if [ $rc -eq 0 ]; then
	sh -c "$(cat /command)" || rc=$?
	# Every page back: rmmod works and MemFree returns to where it was.
	if rmmod numaclaim; then
		before=$(cat /tmp/memfree-before)
		after=$(memfree)
		echo "numabox: free after rmmod: $after kB ($((after - before)) kB)"
		# Where the rest went: the kernel's own counters that moved.
		echo "numabox: meminfo moved (kB):" $(awk '
			NR == FNR { was[$1] = $2; next }
			$2 != was[$1] && $1 ~ /^(MemFree|Slab|SReclaimable|SUnreclaim|KernelStack|PageTables|Percpu|Buffers|Cached|Shmem|AnonPages|Mapped):$/ {
				printf "%s%+d ", $1, $2 - was[$1] }' \
			/tmp/meminfo-before /proc/meminfo)
		if [ $((before - after)) -gt "$(cat /slack)" ]; then
			echo "numabox: $((before - after)) kB not back after rmmod"
			[ $rc -ne 0 ] || rc=98
		fi
		slab=$(( $(slab_kb) - $(cat /tmp/slab-before) ))
		if [ ! -e $kml ] && [ $slab -gt 16384 ]; then
			echo "numabox: the slab grew by $slab kB"
			[ $rc -ne 0 ] || rc=98
		fi
	else
		echo "numabox: rmmod numaclaim failed"
		[ $rc -ne 0 ] || rc=97
	fi
	if [ -e $kml ]; then
		# Objects younger than 5 s are never reported: wait, scan twice.
		# A debugfs file has no size: read it to see whether it is empty.
		# A kmemleak that turned itself off refuses the scan.
		sleep 6
		if ! { echo scan > $kml && echo scan > $kml; } 2>/dev/null; then
			echo "numabox: kmemleak is off: $(dmesg | grep -m1 'kmemleak:')"
			[ $rc -ne 0 ] || rc=95
		elif cat $kml > /tmp/kmemleak && [ -s /tmp/kmemleak ]; then
			echo "numabox: kmemleak reports" \
				"$(grep -c '^unreferenced object' /tmp/kmemleak) objects:"
			head -60 /tmp/kmemleak
			[ $rc -ne 0 ] || rc=95
		else
			echo "numabox: kmemleak: nothing after rmmod"
		fi
	fi
fi
dmesg > /tmp/dmesg
# WARNINGs the run expects (-w) are printed, and fail nothing.
grep 'WARNING:' /tmp/dmesg | grep -E -f /expected_warn | sed 's/^/numabox: expected: /'
if grep -E 'WARNING:|BUG:|Oops|INFO: (possible|inconsistent|suspicious)|circular locking|sleeping function called|UBSAN:|KASAN:|suspected memory leak|pagealloc: (memory corruption|single bit error)' /tmp/dmesg |
   grep -v -E -f /expected_warn; then
	echo "numabox: kernel reports in dmesg"
	[ $rc -ne 0 ] || rc=99
fi
echo "NUMABOX-EXIT: $rc"
poweroff -f
# A kernel without ACPI power-off: qemu runs with -no-reboot.
sleep 1
reboot -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initramfs.gz"
[ -z "$vmcpio" ] || cat "$vmcpio" >> "$work/initramfs.gz"

log=$work/console.log
status=0
timeout --kill-after=5 "$timeout" \
	qemu-system-x86_64 -accel tcg -cpu max -m "$mem" "${numa[@]}" \
	-nographic -no-reboot -nodefaults -serial stdio \
	-kernel "$vmlinuz" -initrd "$work/initramfs.gz" \
	-append "console=ttyS0 panic=-1 oops=panic loglevel=4 quiet${append_debug:+ $append_debug}" \
	< /dev/null > "$log" 2>&1 || status=$?
tr -d '\r' < "$log" > "$log.txt"
if [ "$quiet" -eq 1 ]; then
	sed -n '/^numabox: /,/^NUMABOX-EXIT:/p' "$log.txt"
else
	cat "$log.txt"
fi
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
	echo "numabox: timed out after ${timeout}s" >&2
	exit 1
fi
rc=$(sed -n 's/^NUMABOX-EXIT: \([0-9]*\).*/\1/p' "$log.txt" | tail -n 1)
if [ -z "$rc" ]; then
	echo "numabox: the guest gave no exit status (qemu exit $status)" >&2
	exit 1
fi
exit "$rc"
