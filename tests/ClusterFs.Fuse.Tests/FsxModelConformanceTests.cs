using ClusterFs.Fuse.Tests.Native;
using FsCheck;
using FsCheck.Fluent;

namespace ClusterFs.Fuse.Tests;

/// <summary>
/// fsx-style model test through the kernel: random pwrite / pread / truncate / punch-hole /
/// fallocate / SEEK_DATA on one file, each checked against a byte-array model of the file.
/// Part of the reusable conformance set: derive once per filesystem configuration.
/// </summary>
public abstract unsafe class FsxModelConformanceTests
{
    private const int MaxSize = 256 * 1024;
    private readonly IMountUnderTest _m;

    protected FsxModelConformanceTests(IMountUnderTest m) => _m = m;

    [Fact]
    public void Random_operations_through_the_mount_match_a_byte_array_model()
    {
        int run = 0;
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(25), Prop.ForAll<int>(seed =>
        {
            string p = _m.PathOf($"fsx-{Interlocked.Increment(ref run)}");
            RunSequence(p, seed, ops: 60);
        }));
    }

    private static void RunSequence(string path, int seed, int ops)
    {
        var rnd = new Random(seed);
        byte[] model = new byte[MaxSize];
        int size = 0;
        byte[] buf = new byte[MaxSize];
        int fd = Libc.OpenOrThrow(path, Libc.O_RDWR | Libc.O_CREAT | Libc.O_TRUNC);
        try
        {
            for (int i = 0; i < ops; i++)
            {
                int off = rnd.Next(MaxSize);
                int len = rnd.Next(1, Math.Min(32 * 1024, MaxSize - off) + 1);
                switch (rnd.Next(5))
                {
                    case 0: // write
                        rnd.NextBytes(buf.AsSpan(0, len));
                        fixed (byte* b = buf)
                            Assert.Equal(len, (int)Libc.pwrite(fd, b, len, off));
                        buf.AsSpan(0, len).CopyTo(model.AsSpan(off));
                        size = Math.Max(size, off + len);
                        break;
                    case 1: // truncate
                        int newSize = rnd.Next(MaxSize);
                        Assert.Equal(0, FTruncate(path, newSize));
                        if (newSize < size)
                            model.AsSpan(newSize, size - newSize).Clear();
                        size = newSize;
                        break;
                    case 2: // punch hole (keeps size)
                        Assert.Equal(0, Libc.fallocate(fd, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, off, len));
                        int end = Math.Min(size, off + len);
                        if (end > off)
                            model.AsSpan(off, end - off).Clear();
                        break;
                    case 3: // allocate (may extend)
                        Assert.Equal(0, Libc.fallocate(fd, 0, off, len));
                        size = Math.Max(size, off + len);
                        break;
                    default: // SEEK_DATA lands on or after the offset, never on a byte the model has non-zero before it
                        long data = Libc.lseek(fd, off, Libc.SEEK_DATA);
                        if (off >= size)
                            Assert.Equal(-1, data);
                        else if (data >= 0)
                            Assert.True(data >= off && model.AsSpan(off, (int)Math.Min(data, size) - off).IndexOfAnyExcept((byte)0) < 0);
                        else
                            Assert.True(model.AsSpan(off, size - off).IndexOfAnyExcept((byte)0) < 0);
                        break;
                }
                Verify(fd, model, size, buf);
            }
        }
        finally
        {
            Libc.close(fd);
        }
    }

    private static void Verify(int fd, byte[] model, int size, byte[] buf)
    {
        fixed (byte* b = buf)
        {
            int n = (int)Libc.pread(fd, b, MaxSize, 0);
            Assert.Equal(size, n);
        }
        Assert.True(buf.AsSpan(0, size).SequenceEqual(model.AsSpan(0, size)), "file content differs from the model");
    }

    private static int FTruncate(string path, long size)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        f.SetLength(size);
        return 0;
    }
}
