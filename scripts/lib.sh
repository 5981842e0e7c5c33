# shellcheck shell=bash disable=SC2034  # variables used by the scripts that source this
# Shared helpers for scripts/*. Source it; do not run it.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Conventions: messages go to stderr (stdout is kept for machine-readable
# output such as EAL arguments), every function is safe under `set -euo pipefail`.

[[ -n "${RP_LIB_SOURCED:-}" ]] && return 0
RP_LIB_SOURCED=1

RP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RP_SCRIPTS="$RP_ROOT/scripts"
RP_RUN_DIR=/run/rampart
RP_HUGE_STATE="$RP_RUN_DIR/hugepages.state"
RP_HUGE_SYSFS=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
RP_HUGE_MNT=/dev/hugepages
RP_DPDK_RUN=/var/run/dpdk
# Free 2 MiB pages a DPDK process of ours needs to run with hugepages (512 MiB);
# below that callers fall back to --no-huge -m 512.
RP_HUGE_MIN_FREE="${RAMPART_HUGEPAGES_MIN:-256}"
# Debian's python, which has the python3-pytest / python3-scapy modules (the
# python3 on PATH may be a pyenv build without them).
RP_PYTHON=/usr/bin/python3
export RP_ROOT RP_SCRIPTS RP_RUN_DIR RP_PYTHON

RP_PROG="$(basename "${0:-rampart}")"

if [[ -t 2 && -z "${NO_COLOR:-}" ]]; then
	_rp_c_info=$'\e[1;34m' _rp_c_warn=$'\e[1;33m' _rp_c_err=$'\e[1;31m' _rp_c_ok=$'\e[1;32m' _rp_c_off=$'\e[0m'
else
	_rp_c_info='' _rp_c_warn='' _rp_c_err='' _rp_c_ok='' _rp_c_off=''
fi

log()  { printf '%s[%s]%s %s\n' "$_rp_c_info" "$RP_PROG" "$_rp_c_off" "$*" >&2; }
ok()   { printf '%s[%s]%s %s\n' "$_rp_c_ok" "$RP_PROG" "$_rp_c_off" "$*" >&2; }
warn() { printf '%s[%s] warning:%s %s\n' "$_rp_c_warn" "$RP_PROG" "$_rp_c_off" "$*" >&2; }
err()  { printf '%s[%s] error:%s %s\n' "$_rp_c_err" "$RP_PROG" "$_rp_c_off" "$*" >&2; }
die()  { err "$*"; exit 1; }

require_root() {
	[[ $EUID -eq 0 ]] || die "must run as root (network namespaces, hugepages, DPDK); try: sudo $0"
}

have() { command -v "$1" >/dev/null 2>&1; }

# Print the calling script's header comment (its usage text).
usage() { awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0" >&2; }

# Run a command quietly; on failure print its output and return its status.
run_quiet() {
	local out rc=0
	out="$("$@" 2>&1)" || rc=$?
	if [[ $rc -ne 0 ]]; then
		err "command failed ($rc): $*"
		[[ -n "$out" ]] && printf '%s\n' "$out" >&2
	fi
	return "$rc"
}

# Is a hugetlbfs mounted at $RP_HUGE_MNT?
rp_huge_mounted() {
	awk -v m="$RP_HUGE_MNT" '$2 == m && $3 == "hugetlbfs" { f = 1 } END { exit !f }' /proc/mounts
}

rp_huge_free() { awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo; }

# 0 when a DPDK process of ours can run with hugepages, 1 when it must use --no-huge.
rp_huge_usable() {
	rp_huge_mounted || return 1
	local free
	free="$(rp_huge_free)"
	[[ -n "$free" && "$free" -ge "$RP_HUGE_MIN_FREE" ]]
}

# EAL memory arguments for our DPDK processes: nothing, or "--no-huge -m 512".
# RAMPART_NO_HUGE=1 forces --no-huge, =0 forces hugepages.
rp_eal_mem_args() {
	case "${RAMPART_NO_HUGE:-}" in
	1) echo "--no-huge -m 512" ;;
	0) echo "" ;;
	*) if rp_huge_usable; then echo ""; else echo "--no-huge -m 512"; fi ;;
	esac
}

# Is pid alive and its command line containing the given string?
rp_pid_is() {
	local pid="$1" what="$2"
	[[ "$pid" =~ ^[0-9]+$ ]] || return 1
	[[ -r /proc/$pid/cmdline ]] || return 1
	local cmdline
	cmdline="$({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null)" || return 1
	[[ "$cmdline" == *"$what"* ]]
}

# SIGTERM a pid, wait up to $3 seconds (default 5), then SIGKILL. Returns 0.
rp_stop_pid() {
	local pid="$1" what="$2" grace="${3:-5}" i
	rp_pid_is "$pid" "$what" || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < grace * 10; i++)); do
		rp_pid_is "$pid" "$what" || return 0
		sleep 0.1
	done
	warn "$what (pid $pid) still running ${grace}s after SIGTERM; sending SIGKILL"
	kill -KILL "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		rp_pid_is "$pid" "$what" || return 0
		sleep 0.1
	done
	warn "$what (pid $pid) did not die"
	return 0
}

# Remove what a DPDK primary with this --file-prefix leaves behind once it is
# gone: its runtime dir and its hugepage files.
rp_dpdk_prefix_cleanup() {
	local prefix="$1"
	[[ -n "$prefix" && "$prefix" != */* ]] || return 0
	rm -rf -- "${RP_DPDK_RUN:?}/$prefix"
	rm -f -- "$RP_HUGE_MNT/${prefix}map_"* 2>/dev/null || true
	rmdir "$RP_DPDK_RUN" 2>/dev/null || true
}
