using ClusterFs.Fs.Api;
using ClusterFs.Fs.Format;
using ClusterFs.Fs.Node;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using static ClusterFs.Fs.Tests.Io.FsHarness;

namespace ClusterFs.Fs.Tests.Io;

[Collection(IoCollection.Name)]
public sealed class FileApiTests : IDisposable
{
    private readonly MemoryBlockDevice _dev = NewDevice();
    private readonly FsNode _node;
    private readonly FsProcess _p;

    public FileApiTests()
    {
        _node = Mount(_dev);
        _p = new FsProcess(_node);
    }

    public void Dispose()
    {
        _p.Dispose();
        Ok(_node.Unmount());
        AssertFsckClean(_dev);
    }

    private int Open(string path, OpenFlags flags = OpenFlags.Create | OpenFlags.ReadWrite)
    {
        long fd = _p.Open(path, flags);
        Assert.True(fd >= 0, $"open {path}: {fd}");
        return (int)fd;
    }

    private byte[] ReadAll(int fd, int length, long pos = 0)
    {
        var b = new byte[length];
        Assert.Equal(length, _p.Pread(fd, b, pos));
        return b;
    }

    private ulong MapAnon(long length)
    {
        long a = _p.Mm.Mmap(0, length, Prot.Read | Prot.Write, MapFlags.Private);
        Assert.True(a > 0);
        return (ulong)a;
    }

    [Fact]
    public void WriteThenReadRoundTripsThroughKvecAndMovesThePosition()
    {
        int fd = Open("/a");
        var data = Pattern(10_000, 2);
        Assert.Equal(data.Length, _p.Write(fd, data));
        Assert.Equal(0, _p.Lseek(fd, 0, Whence.Set));
        var back = new byte[data.Length];
        Assert.Equal(data.Length, _p.Read(fd, back));
        Assert.Equal(data, back);
        Assert.Equal(0, _p.Read(fd, back)); // EOF
    }

    [Fact]
    public void PwriteAndPreadWithUserBuffersRoundTrip()
    {
        int fd = Open("/ubuf");
        ulong buf = MapAnon(3 * Page.Size);
        var data = Pattern(3 * Page.Size - 100, 3);
        Assert.Equal(0, _p.Mm.CopyToUser(buf, data));
        Assert.Equal(data.Length, _p.Pwrite(fd, buf, data.Length, 5000));
        Assert.Equal(0, _p.Mm.ClearUser(buf, data.Length));
        Assert.Equal(data.Length, _p.Pread(fd, buf, data.Length, 5000));
        var back = new byte[data.Length];
        Assert.Equal(0, _p.Mm.CopyFromUser(buf, back));
        Assert.Equal(data, back);
        Assert.Equal(new byte[5000], ReadAll(fd, 5000)); // the gap before 5000 reads as zeroes
    }

    [Fact]
    public void ReadvAndWritevScatterAndGatherAcrossSegments()
    {
        int fd = Open("/vec");
        ulong buf = MapAnon(4 * Page.Size);
        var data = Pattern(9000, 4);
        Assert.Equal(0, _p.Mm.CopyToUser(buf, data.AsSpan(0, 1000)));
        Assert.Equal(0, _p.Mm.CopyToUser(buf + 2 * Page.Size, data.AsSpan(1000)));
        Iovec[] iov = [new(buf, 1000), new(buf + 2 * Page.Size, 8000)];
        Assert.Equal(9000, _p.Writev(fd, iov));
        Assert.Equal(data, ReadAll(fd, 9000));
        Iovec[] rd = [new(buf + Page.Size, 10), new(buf + 3 * Page.Size, 4000)];
        Assert.Equal(4010, _p.Preadv(fd, rd, 100));
        var got = new byte[10];
        Assert.Equal(0, _p.Mm.CopyFromUser(buf + Page.Size, got));
        Assert.Equal(data.AsSpan(100, 10).ToArray(), got);
    }

    [Fact]
    public void ReadIntoBufferOutsideAnyVmaIsEfaultAndPartlyValidBufferGivesShortCount()
    {
        int fd = Open("/efault");
        Assert.Equal(3 * Page.Size, _p.Write(fd, Pattern(3 * Page.Size, 5)));
        Assert.Equal(Errno.EFAULT.Negative, _p.Pread(fd, 0x7000_0000_0000, 100, 0));
        Assert.Equal(Errno.EFAULT.Negative, _p.Pwrite(fd, 0x7000_0000_0000, 100, 0));
        ulong buf = MapAnon(2 * Page.Size);
        Assert.Equal(Errno.OK, _p.Mm.Munmap(buf + Page.Size, Page.Size));
        // The buffer's first page exists, the second does not: a short count, like Linux.
        Assert.Equal(Page.Size - 100, _p.Pread(fd, buf + 100, 2 * Page.Size, 0));
        Assert.Equal(Page.Size - 100, _p.Pwrite(fd, buf + 100, 2 * Page.Size, 0));
        Assert.Equal(3 * Page.Size, _p.Lseek(fd, 0, Whence.End)); // nothing already written was lost
    }

    [Fact]
    public void ReadIntoReadOnlyMemoryStopsWithEfaultWhenNothingCanBeFaultedIn()
    {
        int fd = Open("/ro");
        Assert.Equal(2 * Page.Size, _p.Write(fd, Pattern(2 * Page.Size, 10)));
        long ro = _p.Mm.Mmap(0, 2 * Page.Size, Prot.Read, MapFlags.Private);
        Assert.Equal(Errno.EFAULT.Negative, _p.Pread(fd, (ulong)ro, 2 * Page.Size, 0));
        // Writable first page, read-only second: the read keeps what it copied.
        long rw = _p.Mm.Mmap(0, 2 * Page.Size, Prot.Read | Prot.Write, MapFlags.Private);
        Ok(_p.Mm.Mprotect((ulong)rw + Page.Size, Page.Size, Prot.Read));
        Assert.Equal(Page.Size, _p.Pread(fd, (ulong)rw, 2 * Page.Size, 0));
        var got = new byte[Page.Size];
        Assert.Equal(0, _p.Mm.CopyFromUser((ulong)rw, got));
        Assert.Equal(Pattern(2 * Page.Size, 10)[..Page.Size], got);
    }

    [Fact]
    public void WriteFromPartlyInaccessibleBufferWritesThePrefixOnly()
    {
        int fd = Open("/prefix");
        long buf = _p.Mm.Mmap(0, 2 * Page.Size, Prot.Read | Prot.Write, MapFlags.Private);
        var data = Pattern(Page.Size, 11);
        Assert.Equal(0, _p.Mm.CopyToUser((ulong)buf, data));
        Ok(_p.Mm.Mprotect((ulong)buf + Page.Size, Page.Size, Prot.None));
        Assert.Equal(Page.Size, _p.Pwrite(fd, (ulong)buf, 2 * Page.Size, 0));
        Assert.Equal(Page.Size, _p.Lseek(fd, 0, Whence.End));
        Assert.Equal(data, ReadAll(fd, Page.Size));
        Assert.Equal(Errno.EFAULT.Negative, _p.Pwrite(fd, (ulong)buf + Page.Size, 10, 0));
    }

    [Fact]
    public void AppendTruncateExclusiveAndBadDescriptorBehaveLikeLinux()
    {
        int fd = Open("/ap");
        Assert.Equal(5, _p.Write(fd, "hello"u8.ToArray()));
        Assert.Equal(Errno.EEXIST.Negative, _p.Open("/ap", OpenFlags.Create | OpenFlags.Exclusive | OpenFlags.WriteOnly));
        int ap = Open("/ap", OpenFlags.WriteOnly | OpenFlags.Append);
        Assert.Equal(6, _p.Pwrite(ap, " world"u8.ToArray(), 0)); // O_APPEND wins over the position (Linux)
        Assert.Equal("hello world"u8.ToArray(), ReadAll(fd, 11));
        int tr = Open("/ap", OpenFlags.WriteOnly | OpenFlags.Truncate);
        Assert.Equal(Errno.OK, _p.Fstat(tr, out var attr));
        Assert.Equal(0, attr!.Size);
        Assert.Equal(Errno.EBADF.Negative, _p.Read(tr, new byte[1])); // write-only
        Assert.Equal(Errno.OK, _p.Close(tr));
        Assert.Equal(Errno.EBADF, _p.Close(tr));
        Assert.Equal(Errno.EBADF.Negative, _p.Write(99, new byte[1]));
        Assert.Equal(Errno.ENOENT.Negative, _p.Open("/missing", OpenFlags.ReadOnly));
    }

    [Fact]
    public void WritePastMaximumFileSizeIsEfbigAndMisalignedDirectIsEinval()
    {
        int fd = Open("/big");
        Assert.Equal(Errno.EFBIG.Negative, _p.Pwrite(fd, new byte[10], Volume.MaxFileSize));
        int d = Open("/direct", OpenFlags.Create | OpenFlags.ReadWrite | OpenFlags.Direct);
        Assert.Equal(Errno.EINVAL.Negative, _p.Pwrite(d, new byte[100], 0));
        Assert.Equal(Errno.EINVAL.Negative, _p.Pread(d, new byte[4096], 1));
        var data = Pattern(8192, 6);
        Assert.Equal(8192, _p.Pwrite(d, data, 4096));
        Assert.Equal(data, ReadAll(d, 8192, 4096));
    }

    [Fact]
    public void FtruncateShrinksAndExtendsWithZeroes()
    {
        int fd = Open("/tr");
        var data = Pattern(20_000, 7);
        Assert.Equal(data.Length, _p.Write(fd, data));
        Ok(_p.Ftruncate(fd, 5000));
        Ok(_p.Ftruncate(fd, 12_000));
        var back = ReadAll(fd, 12_000);
        Assert.Equal(data.AsSpan(0, 5000).ToArray(), back[..5000]);
        Assert.True(back.AsSpan(5000).IndexOfAnyExcept((byte)0) < 0);
        Ok(_p.Fsync(fd));
    }

    [Fact]
    public void PunchHoleZeroesTheRangeAndSeekFindsDataAndHoles()
    {
        int fd = Open("/punch");
        var data = Pattern(64 * 1024, 8);
        Assert.Equal(data.Length, _p.Write(fd, data));
        Ok(_p.Fallocate(fd, FallocateMode.PunchHole | FallocateMode.KeepSize, 10_000, 30_000));
        var back = ReadAll(fd, data.Length);
        Array.Clear(data, 10_000, 30_000);
        Assert.Equal(data, back);
        Ok(_p.Fsync(fd));
        Assert.Equal(3 * 4096, _p.Lseek(fd, 0, Whence.Hole)); // the first whole block inside the punched range
        Assert.Equal(9 * 4096, _p.Lseek(fd, 3 * 4096, Whence.Data)); // block 9 (36864..40960) is only partly punched
        Assert.Equal(Errno.ENXIO.Negative, _p.Lseek(fd, 64 * 1024, Whence.Data));
        Assert.Equal(Errno.EOPNOTSUPP, _p.Fallocate(fd, FallocateMode.PunchHole, 0, 10));
    }

    [Fact]
    public void FallocateExtendsWithZeroesUnlessKeepSize()
    {
        int fd = Open("/falloc");
        Ok(_p.Fallocate(fd, FallocateMode.KeepSize, 0, 1 << 20));
        Assert.Equal(0, _p.Lseek(fd, 0, Whence.End));
        Ok(_p.Fallocate(fd, FallocateMode.Allocate, 0, 100_000));
        Assert.Equal(100_000, _p.Lseek(fd, 0, Whence.End));
        Assert.True(ReadAll(fd, 100_000).AsSpan().IndexOfAnyExcept((byte)0) < 0);
        Assert.Equal(3, _p.Pwrite(fd, "abc"u8.ToArray(), 50_000));
        Assert.Equal("abc"u8.ToArray(), ReadAll(fd, 3, 50_000));
    }

    [Fact]
    public void SharedMappingWritesReachTheFileAndSurviveMsyncAndRemount()
    {
        int fd = Open("/mm");
        Ok(_p.Ftruncate(fd, 3 * Page.Size));
        long a = _p.Mmap(fd, 0, 3 * Page.Size, Prot.Read | Prot.Write, MapFlags.Shared, 0);
        Assert.True(a > 0);
        var data = Pattern(3 * Page.Size - 10, 9);
        Assert.Equal(0, _p.Mm.CopyToUser((ulong)a + 10, data));
        Assert.Equal(data, ReadAll(fd, data.Length, 10));
        Ok(_p.Msync((ulong)a, 3 * Page.Size));
        long pa = _p.Mmap(fd, 0, Page.Size, Prot.Read | Prot.Write, MapFlags.Private, Page.Size);
        Assert.Equal(0, _p.Mm.CopyToUser((ulong)pa, new byte[100])); // a private copy: the file keeps its data
        Assert.Equal(data.AsSpan(Page.Size - 10, 100).ToArray(), ReadAll(fd, 100, Page.Size));
        Ok(_p.Munmap((ulong)a, 3 * Page.Size));
        Assert.Equal(Errno.EFAULT.Negative, _p.Pread(fd, (ulong)a, 10, 0));
    }

    [Fact]
    public void MappingPastEndOfFileFaultsWithSigbus()
    {
        int fd = Open("/sigbus");
        Assert.Equal(100, _p.Write(fd, new byte[100]));
        long a = _p.Mmap(fd, 0, 2 * Page.Size, Prot.Read | Prot.Write, MapFlags.Shared, 0);
        Assert.Equal(0, _p.Mm.CopyToUser((ulong)a + 50, new byte[] { 1 }));
        Assert.NotEqual(0, _p.Mm.CopyToUser((ulong)a + Page.Size, new byte[] { 1 })); // page 1 is past EOF
    }

    [Fact]
    public void NamespaceCallsRoundTrip()
    {
        Ok(_p.Mkdir("/d"));
        Assert.Equal(Errno.EEXIST, _p.Mkdir("/d"));
        int fd = Open("/d/f");
        Assert.Equal(3, _p.Write(fd, "xyz"u8.ToArray()));
        Ok(_p.Link("/d/f", "/d/g"));
        Ok(_p.Symlink("/d/f", "/d/s"));
        Ok(_p.Readlink("/d/s", out var target));
        Assert.Equal("/d/f", target);
        Ok(_p.ReadDir("/d", out var entries));
        Assert.Equal(new[] { ".", "..", "f", "g", "s" }, entries.Select(e => e.Name).Order().ToArray());
        Ok(_p.Rename("/d/g", "/d/h"));
        Ok(_p.Unlink("/d/f"));
        Ok(_p.Stat("/d/h", out var attr));
        Assert.Equal(3, attr!.Size);
        Assert.Equal(1u, attr.Nlink);
        Ok(_p.Chmod("/d/h", 0x180));
        Ok(_p.Chown("/d/h", 7, 8));
        Ok(_p.Utimes("/d/h", new Timestamp(10, 0), new Timestamp(20, 0)));
        Ok(_p.Stat("/d/h", out attr));
        Assert.Equal(0x180u, attr!.Mode & 0xFFF);
        Assert.Equal((7u, 8u), (attr.Uid, attr.Gid));
        Assert.Equal(20, attr.Mtime.Seconds);
        Ok(_p.SetXattr("/d/h", "user.k", "v1"u8));
        var v = new byte[16];
        Assert.Equal(2, _p.GetXattr("/d/h", "user.k", v));
        Assert.True(_p.ListXattr("/d/h", v) > 0);
        Ok(_p.RemoveXattr("/d/h", "user.k"));
        Assert.Equal(Errno.ENODATA.Negative, _p.GetXattr("/d/h", "user.k", v));
        Assert.Equal(Errno.ENOTEMPTY, _p.Rmdir("/d"));
        Ok(_p.Unlink("/d/h"));
        Ok(_p.Unlink("/d/s"));
        Ok(_p.Rmdir("/d"));
    }
}
