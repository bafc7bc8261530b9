namespace ClusterFs.XfsTests.Native;

/// <summary>An open POSIX descriptor closed on dispose; open failures are returned, not thrown.</summary>
internal sealed class FileDescriptor : IDisposable
{
    private FileDescriptor(int fd) => Fd = fd;

    public int Fd { get; private set; }

    /// <summary>Opens <paramref name="path"/>: 0 and the descriptor, or -errno and null.</summary>
    public static long TryOpen(string path, int flags, out FileDescriptor? file, int mode = 0x1a4)
    {
        int fd = Posix.Open(path, flags, mode);
        file = fd >= 0 ? new FileDescriptor(fd) : null;
        return fd < 0 ? fd : 0;
    }

    /// <summary>Opens <paramref name="path"/> or throws: for tests whose setup must not fail.</summary>
    public static FileDescriptor Open(string path, int flags, int mode = 0x1a4)
    {
        long r = TryOpen(path, flags, out var file, mode);
        return file ?? throw new IOException($"open {Path.GetFileName(path)}: {Posix.ErrnoName(r)}");
    }

    public void Dispose()
    {
        if (Fd >= 0) { Posix.Close(Fd); Fd = -1; }
    }
}
