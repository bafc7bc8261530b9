namespace ClusterFs.XfsTests.Common;

/// <summary>
/// The calls generic/647 (mmap-rw-fault) makes, on the in-process ClusterFs API or on libc: every
/// result is a count, fd, address or 0, or -errno. Addresses are user addresses of the target's
/// memory (the AddressSpace model, or this process).
/// </summary>
internal interface IMmapRwFiles
{
    long Open(string name, bool create, bool direct);

    long Close(int fd);

    long Pwrite(int fd, byte[] data, long pos);

    long Pread(int fd, byte[] buffer, long pos);

    long Ftruncate(int fd, long length);

    long Fsync(int fd);

    /// <summary>A shared read-write mapping of [0, length) of <paramref name="fd"/> with no PTEs yet.</summary>
    long MapShared(int fd, long length);

    long Munmap(ulong addr, long length);

    long Pread(int fd, ulong addr, int length, long pos);

    long Pwrite(int fd, ulong addr, int length, long pos);

    long Preadv(int fd, (ulong Addr, int Length)[] segments, long pos);

    long Pwritev(int fd, (ulong Addr, int Length)[] segments, long pos);
}
