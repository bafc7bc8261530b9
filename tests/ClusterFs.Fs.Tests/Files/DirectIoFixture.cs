using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.Glocks.Operations;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.Storage;
using ClusterFs.Fs.Tests.Iomap;
using ClusterFs.Fs.Vfs;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tasks;

namespace ClusterFs.Fs.Tests.Files;

/// <summary>A fake inode (1 MiB file mapped 1:1 onto a memory device), its inode glock on a lock_nolock
/// table, a user address space, and a simple buffered-write stand-in for the fallback.</summary>
public sealed class DirectIoFixture : IDisposable
{
    public const int FileSize = 1 << 20;

    public DirectIoFixture()
    {
        Image = DioTestData.Pattern(0, FileSize);
        Device = new MemoryBlockDevice((byte[])Image.Clone());
        Host = new FakeDioHost(Device, FileSize);
        Host.MapIdentity(FileSize);
        Table = new GlockTable(new NoLockManager(), new GlockTableOptions { Clock = new ManualGlockClock() });
        Assert.Equal(Errno.OK, Table.Mount("test:dio", 1));
        Glock = Table.Get(42, InodeGlockOperations.Instance);
    }

    public byte[] Image { get; }

    public MemoryBlockDevice Device { get; }

    public FakeDioHost Host { get; }

    public GlockTable Table { get; }

    public Glock Glock { get; }

    public AddressSpace Mm { get; } = new();

    public TaskContext Task => TaskContext.Current;

    /// <summary>Calls of <see cref="BufferedWrite"/>.</summary>
    public int BufferedCalls { get; private set; }

    /// <summary>A buffered write stand-in: copies from the iterator with plain user access (which IO/PFNMAP and
    /// zero-page buffers allow) and writes the bytes to the device at the file position.</summary>
    public long BufferedWrite(Kiocb iocb, IovIter from)
    {
        BufferedCalls++;
        var bytes = new byte[from.Count];
        long copied = from.CopyFrom(bytes);
        if (copied == 0) return Errno.EFAULT.Negative;
        Assert.Equal(Errno.OK, Device.Write(iocb.Position, bytes.AsSpan(0, (int)copied)));
        iocb.Position += copied;
        if (iocb.Position > Host.Size) Host.Size = iocb.Position;
        return copied;
    }

    /// <summary>True when the inode glock is free for a new holder of this thread (no holder left behind).</summary>
    public bool GlockIsFree()
    {
        var gh = new GlockHolder(Glock, LockState.Exclusive, GlockHolderFlags.Try);
        var r = gh.Nq();
        if (r.IsOk) gh.Dq();
        return r.IsOk;
    }

    public void Dispose()
    {
        Mm.Dispose();
        Glock.Put();
        Table.Dispose();
    }
}
