using ClusterFs.Fs.Api;
using ClusterFs.Iov.Mm;
using static ClusterFs.Fs.Tests.Io.FsHarness;

namespace ClusterFs.Fs.Tests.Io;

/// <summary>Write-back gathers device-contiguous pages into one device write: what reaches the disk must still be
/// exactly each file's bytes when the files' blocks interleave and when holes split a file.</summary>
[Collection(IoCollection.Name)]
public class WritebackBatchTests
{
    [Fact]
    public void InterleavedFilesAndHolesReadBackExactlyAfterFsyncAndRemount()
    {
        const int Chunk = 16 * Page.Size, Rounds = 24;
        var dev = NewDevice();
        using (var node = Mount(dev))
        using (var p = new FsProcess(node))
        {
            int a = (int)p.Open("/a", OpenFlags.Create | OpenFlags.ReadWrite);
            int b = (int)p.Open("/b", OpenFlags.Create | OpenFlags.ReadWrite);
            // Alternating appends interleave the two files' blocks on the device; b skips every other chunk (holes).
            for (int i = 0; i < Rounds; i++)
            {
                Assert.Equal(Chunk, p.Pwrite(a, Pattern(Chunk, 1, (long)i * Chunk), (long)i * Chunk));
                if (i % 2 == 0) Assert.Equal(Chunk, p.Pwrite(b, Pattern(Chunk, 2, (long)i * Chunk), (long)i * Chunk));
            }
            // A short tail page: written back with a zeroed tail, read back to the size only.
            Assert.Equal(100, p.Pwrite(a, Pattern(100, 1, (long)Rounds * Chunk), (long)Rounds * Chunk));
            Ok(p.Fsync(a));
            Ok(p.Fsync(b));
        }
        AssertFsckClean(dev);
        using (var node = Mount(dev))
        using (var p = new FsProcess(node))
        {
            int a = (int)p.Open("/a", OpenFlags.ReadOnly);
            int b = (int)p.Open("/b", OpenFlags.ReadOnly);
            var all = new byte[Rounds * Chunk + 100];
            Assert.Equal(all.Length, p.Pread(a, all, 0));
            Assert.Equal(Pattern(all.Length, 1), all);
            var got = new byte[(Rounds - 1) * Chunk];
            Assert.Equal(got.Length, p.Pread(b, got, 0));
            for (int i = 0; i < Rounds - 1; i++)
            {
                var part = got.AsSpan(i * Chunk, Chunk).ToArray();
                Assert.Equal(i % 2 == 0 ? Pattern(Chunk, 2, (long)i * Chunk) : new byte[Chunk], part);
            }
        }
    }
}
