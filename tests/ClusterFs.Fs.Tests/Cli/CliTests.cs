using System.Buffers.Binary;
using ClusterFs.Fs.Format;
using ClusterFs.Fs.Journal;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Cli;

/// <summary>`clusterfs mkfs` and `clusterfs fsck` run as the built command: what they create, what they report,
/// and that bad input yields one clear line on stderr, a non-zero exit and an untouched image.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cfs-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string ImagePath(string name = "fs.img") => Path.Combine(_dir, name);

    private static Superblock ReadSuperblock(string path)
    {
        using var dev = ImageFileDevice.Open(path, readOnly: true, direct: false, out var oe);
        Assert.True(dev is not null, $"cannot open {path}: {oe}");
        var head = new byte[Superblock.MaxBlockSize];
        Assert.Equal(Errno.OK, dev.Read(0, head.AsSpan(0, (int)Math.Min(head.Length, dev.Size))));
        Assert.Equal(Errno.OK, Superblock.Decode(head, dev.Size, out var sb, out var problem));
        return sb!;
    }

    /// <summary>A fresh 64 MiB image made by the command itself (default 32 MiB journal).</summary>
    private string MadeImage()
    {
        string path = ImagePath();
        var r = ClusterFsCli.Run("mkfs", path, "64M");
        Assert.True(r.ExitCode == 0, r.ToString());
        return path;
    }

    [Theory]
    [InlineData("48M", 48L << 20)]
    [InlineData("40960K", 40960L << 10)]
    [InlineData("2G", 2L << 30)]
    public void Mkfs_creates_a_sparse_image_of_the_given_size_and_fsck_finds_it_clean(string size, long bytes)
    {
        string path = ImagePath();
        var r = ClusterFsCli.Run("mkfs", path, size);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Empty(r.Stderr);
        Assert.Equal(bytes, new FileInfo(path).Length);
        // Sparse: only the metadata mkfs writes is allocated (far below the size for the larger images).
        Assert.True(ClusterFsCli.AllocatedBytes(path) < Math.Max(bytes / 4, 8L << 20), $"{ClusterFsCli.AllocatedBytes(path)} bytes allocated of {bytes}");
        var sb = ReadSuperblock(path);
        Assert.Equal(bytes / sb.BlockSize, sb.BlockCount);

        var check = ClusterFsCli.Run("fsck", "-n", path);
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains("0 problem(s)", check.Stdout);
    }

    [Fact]
    public void Mkfs_honours_journal_count_block_size_and_lock_table()
    {
        string path = ImagePath();
        var r = ClusterFsCli.Run("mkfs", "-j", "3", "-b", "1K", "-t", "alpha:beta", path, "160M");
        Assert.True(r.ExitCode == 0, r.ToString());
        var sb = ReadSuperblock(path);
        Assert.Equal(3, sb.Journals.Count);
        Assert.Equal(1024, sb.BlockSize);
        Assert.Equal("alpha:beta", sb.LockTable);
        var check = ClusterFsCli.Run("fsck", "-y", path);
        Assert.True(check.ExitCode == 0, check.ToString());
    }

    [Fact]
    public void Mkfs_on_an_existing_image_without_a_size_formats_it_in_place()
    {
        string path = ImagePath();
        Assert.Equal(Errno.OK, ImageFileDevice.CreateSparse(path, 96L << 20));
        var r = ClusterFsCli.Run("mkfs", "-j", "2", path);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(2, ReadSuperblock(path).Journals.Count);
    }

    public static TheoryData<string, string[]> BadMkfs => new()
    {
        { "bad size", ["mkfs", "{img}", "12Q"] },
        { "zero size", ["mkfs", "{img}", "0"] },
        { "too small", ["mkfs", "{img}", "64K"] },
        { "unknown option", ["mkfs", "-x", "{img}", "32M"] },
        { "bad journal count", ["mkfs", "-j", "many", "{img}", "32M"] },
        { "missing image without size", ["mkfs", "{img}"] },
        { "bad lock table", ["mkfs", "-t", "nocolon", "{img}", "32M"] },
        { "missing image for fsck", ["fsck", "-n", "{img}"] },
    };

    [Theory]
    [MemberData(nameof(BadMkfs))]
    public void Bad_input_without_an_image_is_one_line_on_stderr_a_failure_and_leaves_no_file(string why, string[] args)
    {
        string path = ImagePath();
        var r = ClusterFsCli.Run(args.Select(a => a.Replace("{img}", path)).ToArray());
        Assert.True(r.ExitCode != 0, $"{why}: {r}");
        Assert.True(r.ErrorLines.Length == 1, $"{why}: expected one stderr line: {r}");
        Assert.Contains("clusterfs", r.ErrorLines[0]);
        Assert.False(File.Exists(path), $"{why}: left an image behind");
    }

    /// <summary>Ways to damage a good image, each with a word the error line must contain.</summary>
    public static TheoryData<string, string> Damage => new()
    {
        { "wrong magic", "not a ClusterFs superblock" },
        { "unknown version", "unknown format version 9" },
        { "superblock checksum", "block 0: checksum mismatch" },
        { "corrupt resource index", "block 1: checksum mismatch" },
        { "truncated", "claims" },
        { "unknown option", "unknown option" },
    };

    [Theory]
    [MemberData(nameof(Damage))]
    public void A_damaged_image_fails_fsck_with_one_clear_line_and_is_not_changed(string damage, string expected)
    {
        string path = MadeImage();
        string[] options = ["-n", "-y"];
        var bytes = File.ReadAllBytes(path);
        int bs = ReadSuperblock(path).BlockSize;
        switch (damage)
        {
            case "wrong magic": bytes[0] ^= 0xFF; break;
            case "unknown version":
                BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(32), 9);
                MetaHeader.Seal(bytes.AsSpan(0, bs), 0);
                break;
            case "superblock checksum": bytes[100] ^= 1; break;
            case "corrupt resource index": bytes[bs + 40] ^= 1; break;
            case "truncated": bytes = bytes[..(bytes.Length / 2)]; break;
            case "unknown option": options = ["-q", "--repair"]; break;
        }
        File.WriteAllBytes(path, bytes);
        foreach (string option in options)
        {
            var r = ClusterFsCli.Run("fsck", option, path);
            Assert.True(r.ExitCode != 0, $"{damage}, fsck {option}: {r}");
            Assert.True(r.ErrorLines.Length == 1, $"{damage}, fsck {option}: expected one stderr line: {r}");
            Assert.Contains(expected, r.ErrorLines[0]);
            Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(path)), $"{damage}, fsck {option} changed the image");
        }
    }

    [Fact]
    public void Fsck_n_reports_a_dirty_journal_without_writing_and_fsck_y_replays_it()
    {
        string path = MadeImage();
        // Commit a create through the real journal and never unmount: the journal stays dirty.
        using (var dev = ImageFileDevice.Open(path, readOnly: false, direct: false, out _)!)
        {
            Assert.Equal(Errno.OK, Volume.Open(dev, null, null, out var probe, out _));
            var loc = probe!.Sb.Journals[0].ToLocation(probe.BlockSize);
            Assert.Equal(Errno.OK, MetadataJournal.Mount(dev, loc, static () => true, out var journal, out _));
            Assert.Equal(Errno.OK, Volume.Open(dev, journal, null, out var vol, out _));
            Assert.Equal(Errno.OK, vol!.Create(vol.RootInode, "f", FileTypeBits.S_IFREG | 0x1A4, 0, 0, out _));
        }
        var before = File.ReadAllBytes(path);

        var check = ClusterFsCli.Run("fsck", "-n", path);
        Assert.True(check.ExitCode == FsckReport.ExitProblems, check.ToString());
        Assert.Contains("journal 0 is dirty (1 transactions to replay)", check.Stdout);
        Assert.True(before.AsSpan().SequenceEqual(File.ReadAllBytes(path)), "fsck -n wrote to the image");

        var repair = ClusterFsCli.Run("fsck", "-y", path);
        Assert.True(repair.ExitCode == FsckReport.ExitProblems, repair.ToString());
        Assert.Contains("1 repaired", repair.Stdout);
        var after = ClusterFsCli.Run("fsck", "-n", path);
        Assert.True(after.ExitCode == FsckReport.ExitClean, after.ToString());
    }

    [Fact]
    public void Mkfs_refuses_a_size_too_small_for_an_existing_image_and_leaves_it_unchanged()
    {
        string path = ImagePath();
        Assert.Equal(Errno.OK, ImageFileDevice.CreateSparse(path, 64 << 10));
        var before = File.ReadAllBytes(path);
        var r = ClusterFsCli.Run("mkfs", path);
        Assert.True(r.ExitCode != 0, r.ToString());
        Assert.Single(r.ErrorLines);
        Assert.Contains("too small", r.ErrorLines[0]);
        Assert.Equal(before, File.ReadAllBytes(path));
    }
}
