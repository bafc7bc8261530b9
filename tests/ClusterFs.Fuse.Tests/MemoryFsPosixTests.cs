using ClusterFs.Fuse.Tests.Native;

namespace ClusterFs.Fuse.Tests;

/// <summary>
/// The conformance set against <see cref="Doubles.MemoryFs"/>, plus what only this filesystem's
/// counters can show: statfs numbers, readdirplus in use, fsync reaching the filesystem.
/// </summary>
public sealed class MemoryFsPosixTests : PosixConformanceTests, IClassFixture<MemoryFsMount>
{
    private readonly MemoryFsMount _m;

    public MemoryFsPosixTests(MemoryFsMount m) : base(m) => _m = m;

    [Fact]
    public void Readdir_of_a_big_directory_uses_readdirplus()
    {
        string dir = _m.PathOf("plus-dir");
        Directory.CreateDirectory(dir);
        for (int i = 0; i < 100; i++)
            File.WriteAllBytes(Path.Combine(dir, $"p{i}"), []);
        int before = _m.Fs.ReadDirs.Plus;
        Assert.Equal(100, Directory.GetFiles(dir).Length);
        Assert.True(_m.Fs.ReadDirs.Plus > before);
    }

    [Fact]
    public void Statfs_reports_the_filesystem_numbers()
    {
        Assert.Equal(0, Libc.statvfs(_m.MountPoint, out Libc.StatVfs st));
        Assert.Equal(4096UL, st.BSize);
        Assert.Equal(1UL << 20, st.Blocks);
        Assert.Equal(255UL, st.NameMax);
    }

    [Fact]
    public void Fsync_of_a_file_and_of_a_directory_reach_the_filesystem()
    {
        string p = _m.PathOf("synced");
        File.WriteAllText(p, "s");
        int before = _m.Fs.Fsyncs;
        int fd = Libc.OpenOrThrow(p, Libc.O_RDWR);
        int dfd = Libc.OpenOrThrow(_m.MountPoint, Libc.O_RDONLY);
        try
        {
            Assert.Equal(0, Libc.fsync(fd));
            Assert.Equal(0, Libc.fsync(dfd));
        }
        finally
        {
            Libc.close(fd);
            Libc.close(dfd);
        }
        Assert.Equal(before + 2, _m.Fs.Fsyncs);
    }
}
