using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Storage;

public sealed class ImageFileDeviceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cfs-dev-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string NewImage(long size)
    {
        string path = Path.Combine(_dir, Guid.NewGuid().ToString("N"));
        Assert.Equal(Errno.OK, ImageFileDevice.CreateSparse(path, size));
        return path;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Written_bytes_read_back_at_the_same_offset_and_are_durable_after_flush(bool direct)
    {
        string path = NewImage(4 << 20);
        using (var dev = ImageFileDevice.Open(path, readOnly: false, direct, out var err))
        {
            if (direct && err == Errno.EINVAL) return; // tmpfs refuses O_DIRECT; nothing to prove there
            Assert.NotNull(dev);
            Assert.Equal(4L << 20, dev!.Size);
            var data = new byte[3 * 4096 + (direct ? 0 : 512)];
            new Random(7).NextBytes(data);
            Assert.Equal(Errno.OK, dev.Write(8192, data));
            Assert.Equal(Errno.OK, dev.Flush());
            var back = new byte[data.Length];
            Assert.Equal(Errno.OK, dev.Read(8192, back));
            Assert.Equal(data, back);
        }
        var raw = File.ReadAllBytes(path);
        Assert.NotEqual(0, raw.AsSpan(8192, 4096).IndexOfAnyExcept((byte)0) + 1);
    }

    [Fact]
    public void Misaligned_or_out_of_range_requests_fail_with_EINVAL_and_write_nothing()
    {
        string path = NewImage(1 << 20);
        using var dev = ImageFileDevice.Open(path, false, false, out _)!;
        Assert.Equal(Errno.EINVAL, dev.Write(100, new byte[512]));
        Assert.Equal(Errno.EINVAL, dev.Write(0, new byte[100]));
        Assert.Equal(Errno.EINVAL, dev.Read(1 << 20, new byte[512]));
        Assert.Equal(Errno.EINVAL, dev.Write((1 << 20) - 512, new byte[1024]));
        Assert.All(File.ReadAllBytes(path), b => Assert.Equal(0, b));
    }

    [Fact]
    public void Discard_makes_the_range_read_as_zeroes_and_leaves_neighbours_alone()
    {
        string path = NewImage(1 << 20);
        using var dev = ImageFileDevice.Open(path, false, false, out _)!;
        var ones = Enumerable.Repeat((byte)0xAB, 3 * 4096).ToArray();
        Assert.Equal(Errno.OK, dev.Write(0, ones));
        Assert.Equal(Errno.OK, dev.Discard(4096, 4096));
        var back = new byte[3 * 4096];
        Assert.Equal(Errno.OK, dev.Read(0, back));
        Assert.All(back.AsSpan(0, 4096).ToArray(), b => Assert.Equal(0xAB, b));
        Assert.All(back.AsSpan(4096, 4096).ToArray(), b => Assert.Equal(0, b));
        Assert.All(back.AsSpan(8192, 4096).ToArray(), b => Assert.Equal(0xAB, b));
    }

    [Fact]
    public void A_read_only_device_refuses_writes_with_EROFS()
    {
        string path = NewImage(1 << 20);
        using var dev = ImageFileDevice.Open(path, readOnly: true, false, out _)!;
        Assert.Equal(Errno.EROFS, dev.Write(0, new byte[512]));
        Assert.Equal(Errno.EROFS, dev.Discard(0, 512));
    }

    [Fact]
    public void Opening_a_missing_path_reports_ENOENT_instead_of_throwing()
    {
        var dev = ImageFileDevice.Open(Path.Combine(_dir, "missing"), false, false, out var err);
        Assert.Null(dev);
        Assert.Equal(Errno.ENOENT, err);
    }

    [Fact]
    public void Creating_a_sparse_image_over_an_existing_file_fails_with_EEXIST()
    {
        string path = NewImage(4096);
        Assert.Equal(Errno.EEXIST, ImageFileDevice.CreateSparse(path, 8192));
    }

    [Fact]
    public void Under_O_DIRECT_requests_must_be_aligned_to_4096_bytes()
    {
        string path = NewImage(1 << 20);
        using var dev = ImageFileDevice.Open(path, readOnly: false, direct: true, out var err);
        if (err == Errno.EINVAL) return; // the temp file system refuses O_DIRECT (tmpfs); nothing to prove here
        Assert.True(dev!.Direct);
        Assert.Equal(4096, dev.SectorSize);
        Assert.Equal(Errno.EINVAL, dev.Write(512, new byte[4096]));
        Assert.Equal(Errno.EINVAL, dev.Read(0, new byte[512]));
        Assert.Equal(Errno.OK, dev.Write(4096, new byte[4096]));
    }
}
