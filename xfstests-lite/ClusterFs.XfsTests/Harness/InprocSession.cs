using ClusterFs.Fs.Api;
using ClusterFs.Fs.Format;
using ClusterFs.Fs.Node;
using ClusterFs.Fs.Storage;

namespace ClusterFs.XfsTests.Harness;

/// <summary>One test's mounted in-process filesystem: the device, the node and a process on it.</summary>
internal sealed class InprocSession(MemoryBlockDevice device, FsNode node, FsProcess process)
{
    public MemoryBlockDevice Device { get; } = device;

    public FsNode Node { get; } = node;

    public FsProcess Process { get; } = process;

    /// <summary>
    /// Closes the process, unmounts within <paramref name="bound"/> (a hung test may still hold a glock:
    /// the unmount then runs on a background thread that is abandoned) and runs fsck. Returns null when
    /// everything is clean, otherwise what went wrong.
    /// </summary>
    public string? Close(TimeSpan bound)
    {
        var unmount = Task.Factory.StartNew(() =>
        {
            Process.Dispose();
            return Node.Unmount();
        }, TaskCreationOptions.LongRunning);
        if (!unmount.Wait(bound)) return $"unmount did not finish within {bound.TotalSeconds:0} s";
        if (unmount.IsFaulted) return $"unmount threw: {unmount.Exception!.InnerException}";
        if (!unmount.Result.IsOk) return $"unmount: {unmount.Result}";
        var report = Fsck.Run(Device, null, repair: false);
        return report.Clean ? null : $"fsck is not clean: {report}";
    }
}
