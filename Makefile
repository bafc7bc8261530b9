# ClusterFs — build, test, run, benchmark. `make test` ends with "N passed, N failed[, N skipped]".
CONFIGURATION ?= Release
DOTNET ?= dotnet
IMAGE ?= clusterfs.img
MOUNTPOINT ?= mnt

.PHONY: all build test run bench xfstests restore clean

all: build

restore:
	$(DOTNET) restore ClusterFs.sln

build:
	$(DOTNET) build ClusterFs.sln -c $(CONFIGURATION) --nologo -v quiet

test: build
	CONFIGURATION=$(CONFIGURATION) bash scripts/test-summary.sh

# The main job: mount $(IMAGE) (a 1 GiB image is made if missing) at $(MOUNTPOINT) with nolock, in the
# foreground until Ctrl-C.
CLUSTERFS = $(DOTNET) artifacts/bin/ClusterFs/$(CONFIGURATION)/net10.0/clusterfs.dll
run:
	$(DOTNET) build src/ClusterFs -c $(CONFIGURATION) --nologo -v quiet
	test -f $(IMAGE) || $(CLUSTERFS) mkfs $(IMAGE) 1G
	mkdir -p $(MOUNTPOINT)
	$(CLUSTERFS) mount $(IMAGE) $(MOUNTPOINT) --lock-manager nolock --foreground

# xfstests-lite `auto` group on both targets: the in-process node and a real ClusterFs FUSE mount.
xfstests: build
	XFSTESTS_GROUP=auto bash scripts/test-extra.d/xfstests-inproc.sh
	XFSTESTS_GROUP=auto CONFIGURATION=$(CONFIGURATION) bash scripts/test-extra.d/xfstests-quick.sh

# BenchmarkDotNet suite; pass a filter with BENCH='*CopyTo*'.
BENCH ?= *
bench:
	$(DOTNET) run --project bench/ClusterFs.Bench -c Release -- --filter '$(BENCH)'

clean:
	rm -rf artifacts
