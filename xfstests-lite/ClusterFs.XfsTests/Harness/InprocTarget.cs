using ClusterFs.Fs.Api;
using ClusterFs.Fs.Files;
using ClusterFs.Fs.Format;
using ClusterFs.Fs.Node;
using ClusterFs.Fs.Storage;

namespace ClusterFs.XfsTests.Harness;

/// <summary>
/// The in-process target: for each test a fresh ClusterFs image on a <see cref="MemoryBlockDevice"/>,
/// mounted as a node (lock_nolock) inside this process, with an <see cref="FsProcess"/> whose user
/// buffers live in the AddressSpace model so fault-in behaviour is observable. After the test the
/// node is unmounted and the image checked with fsck; an unclean fsck (or a hung unmount) fails the
/// test. It has no paths, so tests needing them are notrun here.
/// </summary>
public sealed class InprocTarget : TestTarget
{
    /// <summary>Image size: room for generic/208's 64 MiB file plus metadata.</summary>
    public const long DeviceBytes = 160L << 20;

    private static readonly TimeSpan s_unmountBound = TimeSpan.FromSeconds(20);

    private InprocSession? _current;

    public override string Spec => "inproc";

    public override TargetFeatures Features => TargetFeatures.InProcess;

    /// <summary>The node mounted for the running test; throws when no test is running (a test bug).</summary>
    public FsNode Node => Current.Node;

    /// <summary>The running test's process (fd table + address space) on <see cref="Node"/>.</summary>
    public FsProcess Process => Current.Process;

    /// <summary>The running test's device (the image fsck checks afterwards).</summary>
    public MemoryBlockDevice Device => Current.Device;

    private InprocSession Current =>
        _current ?? throw new InvalidOperationException("no in-process filesystem is mounted (no test is running)");

    /// <summary>
    /// Makes a filesystem, mounts it and opens a process on it. The returned scratch area's dispose
    /// closes the process, unmounts (bounded), runs fsck, and resets the <see cref="IoDebugSwitches"/>;
    /// its error (unclean fsck, failed or hung unmount) fails the test. Throws IOException when mkfs
    /// or mount fail.
    /// </summary>
    public override ScratchArea CreateScratch(string testName)
    {
        if (_current is not null) throw new InvalidOperationException("an in-process filesystem is already mounted");
        var dev = new MemoryBlockDevice(DeviceBytes);
        var e = Mkfs.Format(dev, new MkfsOptions
        {
            Journals = 1, JournalBytes = 2L << 20, RgrpBytes = 32L << 20, LockProtocol = "lock_nolock",
            LockTable = "xfstests:inproc",
        }, out var problem);
        if (!e.IsOk) throw new IOException($"mkfs: {e}: {problem}");
        e = FsNode.Mount(dev, new NodeOptions { Name = testName, MinHoldTime = TimeSpan.Zero }, out var node, out problem);
        if (!e.IsOk || node is null) throw new IOException($"mount: {e}: {problem}");
        var session = new InprocSession(dev, node, new FsProcess(node));
        _current = session;
        return new ScratchArea(() =>
        {
            _current = null;
            ResetSwitches();
            return session.Close(s_unmountBound);
        });
    }

    /// <summary>Tests set the unfixed switches inside try/finally; this is the backstop for a test that hung.</summary>
    private static void ResetSwitches()
    {
        IoDebugSwitches.GupFastOnly = false;
        IoDebugSwitches.FaultsUnderGlock = false;
        IoDebugSwitches.DirectTrace = null;
    }
}
