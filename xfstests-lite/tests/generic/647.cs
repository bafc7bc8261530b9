// generic/647: mmap-rw-fault — read into and write from a mapping of the same file (page faults in
// the same file during the read or write), buffered and O_DIRECT, including a read from a hole.
using ClusterFs.XfsTests.Harness;

namespace ClusterFs.XfsTests.Generic;

/// <remarks>
/// Needs the in-process target: the user buffer lives in the AddressSpace model, so the faults taken
/// while ClusterFs holds the inode glock are observable. The I/O-paths team (issue 5) fills this in.
/// Sequence (as xfstests' mmap-rw-fault.c):
/// <list type="number">
/// <item>Create a file of a few pages and map it shared into a task's AddressSpace.</item>
/// <item>pread from the file into the mapping of the same file (the copy faults on pages of the file
/// being read) and pwrite from the mapping into the file (the source faults on the destination),
/// both buffered and with O_DIRECT, at offsets overlapping and not overlapping the mapped range.</item>
/// <item>Read from a hole of the file into the mapping.</item>
/// <item>Verify the data byte for byte after each step; every call is bounded so a glock recursion
/// deadlock fails the test instead of hanging. Print one line per step, compared with 647.out.</item>
/// </list>
/// </remarks>
[XfsTest("generic/647", "auto quick mmap rw dio", Description = "mmap-rw-fault: page faults in the same file during read and write",
    Requires = TargetFeatures.InProcess)]
public sealed class Generic647 : IXfsTest
{
    public void Run(TestContext ctx) =>
        throw TestContext.NotRun("the in-process ClusterFs API (issue 5) is not built yet");
}
