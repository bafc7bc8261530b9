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

# The main job: until the FUSE mount exists, the in-process fault-in demo.
run:
	$(DOTNET) run --project src/ClusterFs -c $(CONFIGURATION) -- demo

# BenchmarkDotNet suite; pass a filter with BENCH='*CopyTo*'.
BENCH ?= *
bench:
	$(DOTNET) run --project bench/ClusterFs.Bench -c Release -- --filter '$(BENCH)'

clean:
	rm -rf artifacts
