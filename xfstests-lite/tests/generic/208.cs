// generic/208: aio O_DIRECT writes from a 32 MiB buffer that was only read-faulted (zero-page PTEs)
// racing with buffered writes from the same buffer; must complete, never spin.
using ClusterFs.XfsTests.Harness;

namespace ClusterFs.XfsTests.Generic;

/// <remarks>
/// Needs the in-process target: the point is how ClusterFs's GUP treats zero-page PTEs, which only the
/// user-memory model makes observable. The I/O-paths team (issue 5) fills this in. Sequence:
/// <list type="number">
/// <item>Create a file and map a 32 MiB anonymous buffer in a task's AddressSpace; read-fault every
/// page so each PTE points at the shared zero page (present, not writable).</item>
/// <item>For a fixed number of iterations, submit an aio O_DIRECT write of the whole buffer (a kiocb)
/// while another thread does buffered writes from the same buffer to the same file.</item>
/// <item>With GUP NoFault (the fix) every write completes and the file holds zeros where written; with
/// the unfixed FastOnly switch the retry loop makes no progress and the test observes that within a
/// bounded iteration count (never an endless spin).</item>
/// <item>Print one line per mode with the completed count, compared with 208.out.</item>
/// </list>
/// </remarks>
[XfsTest("generic/208", "auto aio dio", Description = "aio DIO vs buffered writes from an unfaulted 32 MiB buffer",
    Requires = TargetFeatures.InProcess)]
public sealed class Generic208 : IXfsTest
{
    public void Run(TestContext ctx) =>
        throw TestContext.NotRun("the in-process ClusterFs API (issue 5) is not built yet");
}
