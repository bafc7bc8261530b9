using ClusterFs.XfsTests.Fsx;

namespace ClusterFs.XfsTests.Tests.Fsx;

public sealed class PosixFsxFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fsx-unit.").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void ShortRunsOnARealFilePassInEveryMode(bool directIo, bool aio)
    {
        var o = new FsxOptions { NumOps = 300, Seed = 5, MaxFileLen = 65536, MaxOpLen = 16384, DirectIo = directIo, Aio = aio, Quiet = true };
        var log = new StringWriter();
        var r = FsxCommand.Run(o, Path.Combine(_dir, "f"), log);
        Assert.True(r.Ok, log.ToString());
    }

    [Fact]
    public void MappedWriteIsSeenByAPositionalRead()
    {
        using var f = new PosixFsxFile(Path.Combine(_dir, "m"), false, false, 8192, 1, keep: false);
        Assert.Equal(0, f.Truncate(8192));
        byte[] data = [1, 2, 3, 4, 5];
        Assert.Equal(5, f.MapWrite(4097, data));
        var back = new byte[5];
        Assert.Equal(5, f.Read(4097, back));
        Assert.Equal(data, back);
    }

    [Fact]
    public void StandaloneCommandExitsZeroWhenAllOperationsPassAndTwoOnBadUsage()
    {
        Assert.Equal(2, FsxCommand.Execute(["-N"], TextWriter.Null));
        Assert.Equal(0, FsxCommand.Execute(["-q", "-N", "200", "-l", "20000", "-o", "3000", Path.Combine(_dir, "c")], TextWriter.Null));
    }
}
