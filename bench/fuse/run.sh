#!/usr/bin/env bash
# Issue #6's whole-system benchmark: ClusterFs mounted through FUSE against libfuse's passthrough_ll example,
# both on /dev/shm, in one run. Builds passthrough_ll from Debian's libfuse3-dev example sources
# (/usr/share/doc/libfuse3-dev/examples), the same passthrough written on the ClusterFs FUSE binding
# (bench/fuse/PassthroughFs) and the `clusterfs` command; makes a ClusterFs image on /dev/shm and mounts it
# (nolock, --foreground, in the background); runs every fio job on the backing directory (native tmpfs),
# passthrough_ll, the binding's passthrough and ClusterFs; unmounts ClusterFs cleanly and runs
# `clusterfs fsck -n` on the image. Prints the exact fio command lines, then one table whose last column is
# ClusterFs / passthrough_ll. Goals (issue #6): >= 0.8x on data jobs, >= 0.5x on metadata jobs.
#
# Usage: bench/fuse/run.sh   (env: SIZE=512m RUNTIME=5 META_FILES=10000 IMAGE_SIZE=4G WORK=/dev/shm/clusterfs-bench
#                             TARGETS="native ll cs cfs" to run a subset, e.g. TARGETS="ll cfs"; JOBS=REGEX to pick
#                             jobs by label, e.g. JOBS='create|stat|unlink'; the data jobs share one file, so a read
#                             job needs a write job before it)
set -euo pipefail

EXAMPLES=/usr/share/doc/libfuse3-dev/examples
WORK=${WORK:-/dev/shm/clusterfs-bench}
SIZE=${SIZE:-512m}
RUNTIME=${RUNTIME:-5}
META_FILES=${META_FILES:-10000}
IMAGE_SIZE=${IMAGE_SIZE:-4G}
TARGETS=${TARGETS:-native ll cs cfs}
JOBS=${JOBS:-.} # a regex: only the jobs whose label matches run
BIN=$WORK/passthrough_ll
SRC=$WORK/src
MNT=$WORK/mnt
MNT2=$WORK/mnt-cs
MNT3=$WORK/mnt-cfs
IMAGE=$WORK/clusterfs.img
CFSLOG=$WORK/clusterfs.log
REPO=$(cd "$(dirname "$0")/../.." && pwd)
CSDLL=$REPO/artifacts/bin/ClusterFs.FusePassthrough/Release/net10.0/ClusterFs.FusePassthrough.dll
CFSDLL=$REPO/artifacts/bin/ClusterFs/Release/net10.0/clusterfs.dll

for tool in cc pkg-config fio fusermount3 python3 dotnet mountpoint; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool is not installed" >&2; exit 1; }
done
[ -f "$EXAMPLES/passthrough_ll.c" ] || { echo "run.sh: $EXAMPLES/passthrough_ll.c missing (install libfuse3-dev)" >&2; exit 1; }
[ -e /dev/fuse ] || { echo "run.sh: /dev/fuse is missing" >&2; exit 1; }
case " $TARGETS " in *" ll "*) ;; *) echo "run.sh: TARGETS must include ll (the baseline)" >&2; exit 1 ;; esac
has() { case " $TARGETS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

mkdir -p "$WORK" "$SRC" "$MNT" "$MNT2" "$MNT3"
# shellcheck disable=SC2046
cc -Wall -O2 $(pkg-config fuse3 --cflags) "$EXAMPLES/passthrough_ll.c" -o "$BIN" $(pkg-config fuse3 --libs)
dotnet build "$REPO/bench/fuse/PassthroughFs" -c Release --nologo -v quiet >/dev/null
dotnet build "$REPO/src/ClusterFs" -c Release --nologo -v quiet >/dev/null

PID=
PID2=
PID3=
cleanup() {
    # Whatever happened: detach every mount (lazily, so a busy one cannot keep us here), stop the daemons.
    fusermount3 -u -z "$MNT3" 2>/dev/null || true
    [ -n "$PID3" ] && kill -TERM "$PID3" 2>/dev/null && wait "$PID3" 2>/dev/null || true
    [ -n "$PID2" ] && kill -TERM "$PID2" 2>/dev/null && wait "$PID2" 2>/dev/null || true
    fusermount3 -u -z "$MNT" 2>/dev/null || true
    fusermount3 -u -z "$MNT2" 2>/dev/null || true
    [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
    [ -n "$PID" ] && wait "$PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

wait_mount() { # mountpoint pid
    for _ in $(seq 200); do
        mountpoint -q "$1" && return 0
        kill -0 "$2" 2>/dev/null || { echo "run.sh: the daemon for $1 exited" >&2; [ -f "$CFSLOG" ] && cat "$CFSLOG" >&2; exit 1; }
        sleep 0.1
    done
    echo "run.sh: $1 did not appear within 20 s" >&2
    exit 1
}

# -f: stay in the foreground (we own the process); cache=auto is passthrough_ll's default.
"$BIN" -f -o source="$SRC" "$MNT" &
PID=$!
wait_mount "$MNT" "$PID"
if has cs; then
    dotnet "$CSDLL" "$SRC" "$MNT2" >/dev/null &
    PID2=$!
    wait_mount "$MNT2" "$PID2"
fi
if has cfs; then
    dotnet "$CFSDLL" mkfs "$IMAGE" "$IMAGE_SIZE" >/dev/null
    dotnet "$CFSDLL" mount "$IMAGE" "$MNT3" --foreground >"$CFSLOG" 2>&1 &
    PID3=$!
    wait_mount "$MNT3" "$PID3"
fi

load() { cut -d' ' -f1-3 /proc/loadavg; }
LOAD0=$(load)
declare -A DIR=([native]=$SRC [ll]=$MNT [cs]=$MNT2 [cfs]=$MNT3)
CUR= # the target run_all is on
mkdir -p "$SRC/meta-native" "$SRC/meta-ll" "$SRC/meta-cs"
if has cfs; then mkdir -p "$MNT3/meta-cfs"; fi

# fio_run name dir metric args...: runs one fio job with --output-format=json; prints the metric:
# "bw" = read+write MiB/s, "iops" = read+write operations/s. Remembers the command line (with DIR for the directory).
fio_run() {
    local name=$1 dir=$2 metric=$3 out line
    shift 3
    # Called in $(...): remember the line in a file, not a variable.
    echo "fio --name=$name --directory=DIR $* --output-format=json" >>"$WORK/lines"
    if ! out=$(fio --name="$name" --directory="$dir" "$@" --output-format=json 2>>"$WORK/fio.err"); then
        echo "run.sh: fio job $name in $dir failed:" >&2
        grep -h '^fio' "$WORK/fio.err" - <<<"$out" >&2 || true
        return 1
    fi
    python3 -c '
import json, sys
j = json.load(sys.stdin)["jobs"][0]
if j["error"]: sys.exit("fio job failed: error %d" % j["error"])
if sys.argv[1] == "bw": print("%.0f" % ((j["read"]["bw_bytes"] + j["write"]["bw_bytes"]) / 1048576))
else: print("%.0f" % (j["read"]["iops"] + j["write"]["iops"]))' "$metric" <<<"$out"
}

# Data jobs: psync, one file laid out by the first write job; every job ends with an fsync of what it wrote.
data_job() { # name dir rw bs direct
    fio_run "$1" "$2" bw --filename=seq.dat --rw="$3" --bs="$4" --size="$SIZE" --ioengine=psync --direct="$5" \
        --time_based --runtime="$RUNTIME" --end_fsync=1
}
# Metadata jobs: fio's filecreate / filestat / filedelete engines over the same META_FILES names in
# DIR/meta-TARGET (native, passthrough_ll and the binding share one backing directory, hence the suffix; the
# directories are made up front, on the backing directory: the binding's passthrough has no mkdir)
# (filecreate = open(O_CREAT)+close, nothing written; filestat = stat(2); filedelete = unlink(2)); one operation
# per file. file_service_type=sequential: the default round-robin makes fio's own file switching dominate.
meta_job() { # name dir engine
    fio_run meta "$2/meta-$CUR" iops --ioengine="$3" --nrfiles="$META_FILES" --filesize=4k --bs=4k --openfiles=1 \
        --file_service_type=sequential --create_on_open=1
}

ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print('%.2fx' % (a / b) if b else '-')" "$1" "$2"; }

ROWS=()
row() { # label unit then one value per target, in TARGETS order
    local label=$1 unit=$2 line
    shift 2
    declare -A v=()
    local t
    for t in $TARGETS; do v[$t]=$1; shift; done
    line=$(printf '| %-22s | %-5s |' "$label" "$unit")
    for t in $TARGETS; do line+=$(printf ' %9s |' "${v[$t]}"); done
    if has cfs; then line+=$(printf ' %9s |' "$(ratio "${v[cfs]}" "${v[ll]}")"); fi
    ROWS+=("$line")
    echo "$line" >&2 # progress
}

run_all() { # label unit kind args...: one job on every target
    local label=$1 unit=$2 kind=$3 t
    shift 3
    [[ $label =~ $JOBS ]] || return 0
    local vals=()
    for t in $TARGETS; do
        CUR=$t
        vals+=("$("$kind" "$label" "${DIR[$t]}" "$@")")
    done
    row "$label" "$unit" "${vals[@]}"
}

run_all seqwrite-buffered MiB/s data_job write 1M 0
run_all seqread-buffered MiB/s data_job read 1M 0
run_all seqwrite-direct MiB/s data_job write 1M 1
run_all seqread-direct MiB/s data_job read 1M 1
run_all randread-4k-buffered MiB/s data_job randread 4k 0
run_all randread-4k-direct MiB/s data_job randread 4k 1
run_all create ops/s meta_job filecreate
run_all stat ops/s meta_job filestat
run_all unlink ops/s meta_job filedelete

FSCK="(not run)"
if has cfs; then
    # Clean unmount: detach, then the server writes back, marks its journal clean and exits.
    fusermount3 -u "$MNT3"
    wait "$PID3" || { echo "run.sh: clusterfs mount exited with $?" >&2; cat "$CFSLOG" >&2; }
    PID3=
    FSCK=$(dotnet "$CFSDLL" fsck -n "$IMAGE" 2>&1) && FSCK="clean: $FSCK" || FSCK="NOT CLEAN: $FSCK"
fi

echo
echo "fio job lines (DIR = the target's directory; data jobs run in the order listed, on one seq.dat):"
awk '!seen[$0]++ { print "  " $0 }' "$WORK/lines"
echo
echo "SIZE=$SIZE RUNTIME=$RUNTIME META_FILES=$META_FILES, kernel $(uname -r), $(nproc) CPUs; load average at start: $LOAD0, at end: $(load)"
header=$(printf '| %-22s | %-5s |' job unit)
sep='|---|---|'
declare -A TITLE=([native]=native [ll]=passthrough_ll [cs]="binding" [cfs]=ClusterFs)
for t in $TARGETS; do header+=$(printf ' %9s |' "${TITLE[$t]}"); sep+='---:|'; done
has cfs && { header+=' ClusterFs/ll |'; sep+='---:|'; }
echo "$header"
echo "$sep"
for r in "${ROWS[@]}"; do echo "$r"; done
echo
echo "fsck -n after unmount: $FSCK"
