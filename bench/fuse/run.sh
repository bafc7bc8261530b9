#!/usr/bin/env bash
# Whole-system FUSE baseline: builds libfuse's passthrough_ll example (Debian ships its source in
# libfuse3-dev at /usr/share/doc/libfuse3-dev/examples) and the same passthrough written on the
# ClusterFs FUSE binding (bench/fuse/PassthroughFs), and runs fio sequential 1 MiB write and read,
# buffered and O_DIRECT, on the backing directory on /dev/shm (native) and through both mounts of
# it, in one run. Prints one table; the last column is the binding's ratio to passthrough_ll.
#
# Usage: bench/fuse/run.sh   (env: SIZE=512m RUNTIME=5 META_FILES=10000 WORK=/dev/shm/clusterfs-bench)
set -euo pipefail

EXAMPLES=/usr/share/doc/libfuse3-dev/examples
WORK=${WORK:-/dev/shm/clusterfs-bench}
SIZE=${SIZE:-512m}
RUNTIME=${RUNTIME:-5}
META_FILES=${META_FILES:-10000}
BIN=$WORK/passthrough_ll
SRC=$WORK/src
MNT=$WORK/mnt
MNT2=$WORK/mnt-cs
REPO=$(cd "$(dirname "$0")/../.." && pwd)
CSDLL=$REPO/artifacts/bin/ClusterFs.FusePassthrough/Release/net10.0/ClusterFs.FusePassthrough.dll

for tool in cc pkg-config fio fusermount3 python3 dotnet mountpoint; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool is not installed" >&2; exit 1; }
done
[ -f "$EXAMPLES/passthrough_ll.c" ] || { echo "run.sh: $EXAMPLES/passthrough_ll.c missing (install libfuse3-dev)" >&2; exit 1; }
[ -e /dev/fuse ] || { echo "run.sh: /dev/fuse is missing" >&2; exit 1; }

mkdir -p "$WORK" "$SRC" "$MNT" "$MNT2"
# shellcheck disable=SC2046
cc -Wall -O2 $(pkg-config fuse3 --cflags) "$EXAMPLES/passthrough_ll.c" -o "$BIN" $(pkg-config fuse3 --libs)
dotnet build "$REPO/bench/fuse/PassthroughFs" -c Release --nologo -v quiet >/dev/null

PID=
PID2=
cleanup() {
    [ -n "$PID2" ] && kill -TERM "$PID2" 2>/dev/null && wait "$PID2" 2>/dev/null || true
    fusermount3 -u -z "$MNT" 2>/dev/null || true
    fusermount3 -u -z "$MNT2" 2>/dev/null || true
    [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
    [ -n "$PID" ] && wait "$PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

wait_mount() { # mountpoint pid
    for _ in $(seq 100); do
        mountpoint -q "$1" && return 0
        kill -0 "$2" 2>/dev/null || { echo "run.sh: the daemon for $1 exited" >&2; exit 1; }
        sleep 0.1
    done
    echo "run.sh: $1 did not appear within 10 s" >&2
    exit 1
}

# -f: stay in the foreground (we own the process); cache=auto is passthrough_ll's default.
"$BIN" -f -o source="$SRC" "$MNT" &
PID=$!
wait_mount "$MNT" "$PID"
dotnet "$CSDLL" "$SRC" "$MNT2" >/dev/null &
PID2=$!
wait_mount "$MNT2" "$PID2"

# One fio job; prints MiB/s. The file is laid out by the write job before any read job.
job() { # name dir rw direct [bs]
    local out
    out=$(fio --name="$1" --directory="$2" --filename=seq.dat --rw="$3" --bs="${5:-1M}" --size="$SIZE" \
        --ioengine=psync --direct="$4" --time_based --runtime="$RUNTIME" --end_fsync=1 \
        --output-format=json 2>/dev/null)
    python3 -c 'import json,sys; j=json.load(sys.stdin)["jobs"][0]; print("%.0f" % ((j["read"]["bw_bytes"]+j["write"]["bw_bytes"])/1048576))' <<<"$out"
}

printf '| %-18s | %8s | %14s | %16s | %16s |\n' "job (bs=1M, psync)" "native" "passthrough_ll" "binding (C#)" "binding/ll"
for spec in "write 0" "read 0" "write 1" "read 1"; do
    set -- $spec
    name="seq$1$( [ "$2" = 1 ] && echo -direct || echo -buffered)"
    native=$(job "$name" "$SRC" "$1" "$2")
    ll=$(job "$name" "$MNT" "$1" "$2")
    cs=$(job "$name" "$MNT2" "$1" "$2")
    printf '| %-18s | %8s | %14s | %16s | %16s |\n' "$name" "$native" "$ll" "$cs" "$(python3 -c "print('%.2fx' % ($cs/$ll))")"
done
# Random 4 KiB reads (buffered) over the file the sequential jobs left behind.
native=$(job randread-4k "$SRC" randread 0 4k)
ll=$(job randread-4k "$MNT" randread 0 4k)
cs=$(job randread-4k "$MNT2" randread 0 4k)
printf '| %-18s | %8s | %14s | %16s | %16s |\n' "randread-4k" "$native" "$ll" "$cs" "$(python3 -c "print('%.2fx' % ($cs/$ll))")"
echo "(MiB/s)"

# Metadata: create+close, stat, unlink of N files, as operations per second (each file = 3 ops).
meta() { # dir
    python3 - "$1" "$META_FILES" <<'PY'
import os, sys, time
d, n = sys.argv[1], int(sys.argv[2])
sub = os.path.join(d, "meta")
os.makedirs(sub, exist_ok=True)
t = time.perf_counter()
for i in range(n):
    os.close(os.open(os.path.join(sub, "f%d" % i), os.O_CREAT | os.O_WRONLY, 0o644))
for i in range(n):
    os.stat(os.path.join(sub, "f%d" % i))
for i in range(n):
    os.unlink(os.path.join(sub, "f%d" % i))
print("%.0f" % (3 * n / (time.perf_counter() - t)))
PY
}
native=$(meta "$SRC"); ll=$(meta "$MNT"); cs=$(meta "$MNT2")
printf '| %-18s | %8s | %14s | %16s | %16s |\n' "create+stat+unlink" "$native" "$ll" "$cs" "$(python3 -c "print('%.2fx' % ($cs/$ll))")"
echo "(operations/s, $META_FILES files)"
echo "fio job line: fio --name=NAME --directory=DIR --filename=seq.dat --rw={write,read,randread} --bs={1M,4k} --size=$SIZE --ioengine=psync --direct={0,1} --time_based --runtime=$RUNTIME --end_fsync=1"
