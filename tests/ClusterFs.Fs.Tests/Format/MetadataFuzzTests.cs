using ClusterFs.Fs.Format;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Format;

public class MetadataFuzzTests
{
    private const int Bs = 1024;

    private static MemoryBlockDevice Image()
    {
        var dev = TestFs.Format(2 << 20, TestFs.Small(blockSize: Bs, rgrpBytes: 128 * Bs));
        using var vol = TestFs.Mount(dev);
        long root = vol.RootInode;
        vol.Create(root, "d", FileTypeBits.S_IFDIR | 0x1ED, 0, 0, out long d);
        vol.Create(d, "e", FileTypeBits.S_IFDIR | 0x1ED, 0, 0, out long e);
        for (int i = 0; i < 40; i++) vol.Create(i % 2 == 0 ? d : e, $"file-{i}", FileTypeBits.S_IFREG | 0x1A4, 0, 0, out _);
        vol.Create(root, "big", FileTypeBits.S_IFREG | 0x1A4, 0, 0, out long big);
        vol.WriteData(big, 0, new byte[3000]);
        vol.WriteData(big, 600_000, new byte[100]); // a two-level tree at 1 KiB blocks
        vol.Link(big, e, "big-link");
        // Enough names in one directory for its hash table to leave the dinode for table blocks.
        for (int i = 0; i < 1500; i++) vol.Link(big, e, $"many-links-to-big-{i}");
        vol.Symlink(d, "sym", "../big", 0, 0, out _);
        vol.SetXattr(big, "user.x", new byte[100], XattrFlags.None);
        Assert.True(TestFs.Check(dev).Clean);
        return dev;
    }

    /// <summary>Every operation a mount would run on the damaged image; results are ignored, only exceptions and
    /// hangs matter.</summary>
    private static void Exercise(MemoryBlockDevice dev, bool repair)
    {
        var e = Volume.Open(dev, new WriteThroughJournal(dev, Bs), null, out var vol, out _);
        if (e.IsOk)
        {
            using (vol)
            {
                var stack = new Stack<long>();
                stack.Push(vol!.RootInode);
                var seen = new HashSet<long>();
                var buf = new byte[4096];
                while (stack.Count > 0 && seen.Count < 200)
                {
                    long ino = stack.Pop();
                    if (!seen.Add(ino) || !vol.GetAttr(ino, out var a).IsOk) continue;
                    vol.ReadData(ino, 0, buf);
                    vol.ReadData(ino, 600_000, buf);
                    vol.ListXattr(ino, buf);
                    vol.GetXattr(ino, "user.x", buf);
                    vol.ReadLink(ino, out _);
                    vol.Map(ino, 0, 1000, out _);
                    var list = new List<DirEntry>();
                    if (vol.ReadDir(ino, 0, 500, list).IsOk)
                    {
                        foreach (var ent in list.Skip(2)) stack.Push(ent.Ino);
                        if (list.Count > 2) vol.Lookup(ino, list[^1].Name, out _);
                        if (list.Count > 3) vol.Exchange(ino, list[2].Name, ino, list[^1].Name);
                    }
                    vol.Lookup(ino, "file-3", out _);
                    if (FileTypeBits.IsDir(a!.Mode)) vol.Create(ino, "new", FileTypeBits.S_IFREG | 0x1A4, 0, 0, out _);
                    else vol.WriteData(ino, 10, buf.AsSpan(0, 100));
                }
                // There and back, so the unlink and rename below meet the names they always did.
                vol.Exchange(vol.RootInode, "big", vol.RootInode, "d");
                vol.Exchange(vol.RootInode, "big", vol.RootInode, "d");
                vol.Unlink(vol.RootInode, "big");
                vol.Rename(vol.RootInode, "d", vol.RootInode, "d2");
            }
        }
        Fsck.Run(dev, repair ? new WriteThroughJournal(dev, Bs) : null, repair);
    }

    [Fact]
    public async Task Flipping_random_bytes_in_metadata_blocks_never_throws_or_hangs()
    {
        var pristine = Image();
        var metaBlocks = new List<long>();
        for (long b = 0; b < pristine.Size / Bs; b++)
            if (MetaHeader.Verify(pristine.Bytes.AsSpan((int)(b * Bs), Bs), b, BlockType.None, out _).IsOk) metaBlocks.Add(b);
        Assert.True(metaBlocks.Count > 20, $"{metaBlocks.Count} metadata blocks");
        var types = metaBlocks.Select(b => MetaHeader.TypeOf(pristine.Bytes.AsSpan((int)(b * Bs), Bs))).ToHashSet();
        foreach (var t in new[] { BlockType.Superblock, BlockType.ResourceIndex, BlockType.RgrpHeader, BlockType.Bitmap,
                     BlockType.Dinode, BlockType.Indirect, BlockType.DirTable, BlockType.DirLeaf, BlockType.Xattr })
            Assert.Contains(t, types);

        var work = new MemoryBlockDevice(pristine.Size);
        var rnd = new Random(20261121);
        const int Iterations = 2000;
        var run = Task.Run(() =>
        {
            for (int i = 0; i < Iterations; i++)
            {
                pristine.Bytes.CopyTo(work.Bytes, 0);
                long block = metaBlocks[rnd.Next(metaBlocks.Count)];
                var img = work.Bytes.AsSpan((int)(block * Bs), Bs);
                int flips = rnd.Next(1, 5);
                for (int f = 0; f < flips; f++)
                {
                    // Mostly the header and the first fields, where the structure lives; sometimes anywhere.
                    int at = rnd.Next(2) == 0 ? rnd.Next(0, 200) : rnd.Next(0, Bs);
                    img[at] ^= (byte)rnd.Next(1, 256);
                }
                // Half the time fix the checksum, so the parsers behind the checksum see the garbage.
                if (rnd.Next(2) == 0) MetaHeader.Reseal(img);
                Exercise(work, repair: i % 4 == 0);
            }
        });
        await run.WaitAsync(TimeSpan.FromSeconds(90)); // TimeoutException when something hangs
    }
}
