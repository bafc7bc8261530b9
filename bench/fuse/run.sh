#!/usr/bin/env bash
# Whole-system FUSE baseline: builds libfuse's passthrough_ll example (Debian ships its source in
# libfuse3-dev at /usr/share/doc/libfuse3-dev/examples) and runs fio sequential 1 MiB write and
# read, buffered and O_DIRECT, against the backing directory on /dev/shm (native) and through the
# passthrough_ll mount of it, in one run. Prints one table with the ratio fuse/native.
#
# Usage: bench/fuse/run.sh            (env: SIZE=512m RUNTIME=5 WORK=/dev/shm/clusterfs-bench)
set -euo pipefail

EXAMPLES=/usr/share/doc/libfuse3-dev/examples
WORK=${WORK:-/dev/shm/clusterfs-bench}
SIZE=${SIZE:-512m}
RUNTIME=${RUNTIME:-5}
BIN=$WORK/passthrough_ll
SRC=$WORK/src
MNT=$WORK/mnt

for tool in cc pkg-config fio fusermount3 python3; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool is not installed" >&2; exit 1; }
done
[ -f "$EXAMPLES/passthrough_ll.c" ] || { echo "run.sh: $EXAMPLES/passthrough_ll.c missing (install libfuse3-dev)" >&2; exit 1; }
[ -e /dev/fuse ] || { echo "run.sh: /dev/fuse is missing" >&2; exit 1; }

mkdir -p "$WORK" "$SRC" "$MNT"
# shellcheck disable=SC2046
cc -Wall -O2 $(pkg-config fuse3 --cflags) "$EXAMPLES/passthrough_ll.c" -o "$BIN" $(pkg-config fuse3 --libs)

PID=
cleanup() {
    fusermount3 -u -z "$MNT" 2>/dev/null || true
    [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
    [ -n "$PID" ] && wait "$PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# -f: stay in the foreground (we own the process); cache=auto is passthrough_ll's default.
"$BIN" -f -o source="$SRC" "$MNT" &
PID=$!
for _ in $(seq 100); do
    mountpoint -q "$MNT" && break
    kill -0 "$PID" 2>/dev/null || { echo "run.sh: passthrough_ll exited" >&2; exit 1; }
    sleep 0.1
done
mountpoint -q "$MNT" || { echo "run.sh: mount did not appear within 10 s" >&2; exit 1; }

# One fio job; prints MiB/s. The file is laid out by the write job before any read job.
job() { # name dir rw direct
    local out
    out=$(fio --name="$1" --directory="$2" --filename=seq.dat --rw="$3" --bs=1M --size="$SIZE" \
        --ioengine=psync --direct="$4" --time_based --runtime="$RUNTIME" --end_fsync=1 \
        --output-format=json 2>/dev/null)
    python3 -c 'import json,sys; j=json.load(sys.stdin)["jobs"][0]; print("%.0f" % ((j["read"]["bw_bytes"]+j["write"]["bw_bytes"])/1048576))' <<<"$out"
}

printf '%-24s %12s %12s %8s\n' "job (bs=1M, psync)" "native MiB/s" "fuse MiB/s" "ratio"
for spec in "write 0" "read 0" "write 1" "read 1"; do
    set -- $spec
    name="seq$1$( [ "$2" = 1 ] && echo -direct || echo -buffered)"
    native=$(job "$name" "$SRC" "$1" "$2")
    fuse=$(job "$name" "$MNT" "$1" "$2")
    printf '%-24s %12s %12s %8s\n' "$name" "$native" "$fuse" "$(python3 -c "print('%.2fx' % ($fuse/$native))")"
done
echo "fio job line: fio --name=NAME --directory=DIR --filename=seq.dat --rw={write,read} --bs=1M --size=$SIZE --ioengine=psync --direct={0,1} --time_based --runtime=$RUNTIME --end_fsync=1"
