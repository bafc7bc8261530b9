using System.Text;
using ClusterFs.Fuse.Tests.Doubles;

namespace ClusterFs.Fuse.Tests;

public sealed class MountLifecycleTests
{
    [Fact]
    public void Mount_becomes_live_and_serves_a_file_written_and_read_back()
    {
        using var m = new MemoryFsMount();
        string p = m.PathOf("hello.txt");
        File.WriteAllText(p, "hello fuse");
        Assert.Equal("hello fuse", File.ReadAllText(p));
        Assert.NotEqual(0UL, m.Fs.InodeOf("hello.txt"));
    }
}
