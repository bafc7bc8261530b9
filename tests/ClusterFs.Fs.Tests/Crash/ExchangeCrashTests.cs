using ClusterFs.Fs.Format;
using ClusterFs.Fs.Journal;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Crash;

/// <summary>
/// Crash atomicity of <see cref="Volume.Exchange"/> over the real journal: mount, exchange two entries, unmount, with
/// power failing at every write of that run (torn, the volatile cache losing a suffix or any subset). After replay
/// the two names show exactly the state before or the state after the exchange — never both names on one inode,
/// never a lost entry — the after state whenever the exchange had returned OK, and fsck is clean.
/// </summary>
public class ExchangeCrashTests
{
    private const long ImageSize = 4 << 20;
    private const uint Reg = FileTypeBits.S_IFREG | 0x1A4, Dir = FileTypeBits.S_IFDIR | 0x1ED;

    /// <summary>The two entries to exchange: parent directory (a child of the root) and name of each.</summary>
    public readonly record struct Pair(string DirA, string NameA, string DirB, string NameB);

    /// <summary>A formatted image holding a/, b/, a/sub/inner, a/x, a/y and b/f, its journal clean.</summary>
    private static byte[] BaseImage()
    {
        var dev = new MemoryBlockDevice(JournaledFs.FormatImage(ImageSize));
        using (var vol = JournaledFs.Mount(dev, out var journal))
        {
            long root = vol.RootInode;
            Assert.Equal(Errno.OK, vol.Create(root, "a", Dir, 0, 0, out long a));
            Assert.Equal(Errno.OK, vol.Create(root, "b", Dir, 0, 0, out long b));
            Assert.Equal(Errno.OK, vol.Create(a, "sub", Dir, 0, 0, out long sub));
            Assert.Equal(Errno.OK, vol.Create(sub, "inner", Reg, 0, 0, out _));
            Assert.Equal(Errno.OK, vol.Create(a, "x", Reg, 0, 0, out _));
            Assert.Equal(Errno.OK, vol.Create(a, "y", Reg, 0, 0, out _));
            Assert.Equal(Errno.OK, vol.Create(b, "f", Reg, 0, 0, out _));
            Assert.Equal(Errno.OK, journal.Unmount());
        }
        return dev.ToArray();
    }

    /// <summary>The inodes the two names refer to on <paramref name="image"/> (0 for a missing name), with their parents.</summary>
    private static (long A, long B, long DirA, long DirB) Read(IBlockDevice image, Pair s)
    {
        var (da, na, db, nb) = s;
        Assert.Equal(Errno.OK, Volume.Open(image, null, null, out var vol, out var problem));
        using (vol)
        {
            Assert.Equal(Errno.OK, vol!.Lookup(vol.RootInode, da, out long dirA));
            Assert.Equal(Errno.OK, vol.Lookup(vol.RootInode, db, out long dirB));
            long a = vol.Lookup(dirA, na, out long ia).IsOk ? ia : 0;
            long b = vol.Lookup(dirB, nb, out long ib).IsOk ? ib : 0;
            return (a, b, dirA, dirB);
        }
    }

    /// <summary>Mounts journal and volume, exchanges, unmounts. Returns whether the exchange returned OK; any failure
    /// other than the power cut fails the test.</summary>
    private static bool MountExchangeUnmount(FaultInjectingDevice dev, Pair s, (long DirA, long DirB) dirs)
    {
        var e = MetadataJournal.Mount(dev, JournaledFs.JournalOf(dev), static () => true, out var journal, out var report);
        if (!e.IsOk)
        {
            Assert.True(dev.HasCrashed, $"journal mount failed without a crash: {report.Problem}");
            return false;
        }
        Assert.Equal(Errno.OK, Volume.Open(dev, journal, null, out var vol, out var problem));
        var (_, na, _, nb) = s;
        using (vol)
        {
            e = vol!.Exchange(dirs.DirA, na, dirs.DirB, nb);
            Assert.True(e.IsOk || dev.HasCrashed, $"exchange failed without a crash: {e} {vol.LastError}");
            if (!e.IsOk) return false;
            var u = journal!.Unmount();
            Assert.True(u.IsOk || dev.HasCrashed, $"unmount failed without a crash: {u}");
            return true;
        }
    }

    // a/sub (a directory holding a file) with b/f: '..' and both parents' link counts change. a/x with a/y: one
    // leaf block and the two dinodes.
    [Theory]
    [InlineData("a", "sub", "b", "f", CacheLossMode.LoseAnySubset)]
    [InlineData("a", "sub", "b", "f", CacheLossMode.LoseSuffix)]
    [InlineData("a", "x", "a", "y", CacheLossMode.LoseAnySubset)]
    [InlineData("a", "x", "a", "y", CacheLossMode.LoseSuffix)]
    public void A_crash_at_every_write_of_an_exchange_recovers_exactly_the_state_before_or_after_it_and_fsck_is_clean(
        string dirA, string nameA, string dirB, string nameB, CacheLossMode mode)
    {
        var scenario = new Pair(dirA, nameA, dirB, nameB);
        var baseImage = BaseImage();
        var before = Read(new MemoryBlockDevice((byte[])baseImage.Clone()), scenario);
        Assert.True(before.A != 0 && before.B != 0 && before.A != before.B);
        var dirs = (before.DirA, before.DirB);

        var full = new FaultInjectingDevice(new MemoryBlockDevice((byte[])baseImage.Clone()), seed: 0, mode);
        Assert.True(MountExchangeUnmount(full, scenario, dirs));
        long writes = full.WritesIssued;
        var after = Read(new MemoryBlockDevice(full.CrashImage()), scenario);
        Assert.Equal((before.B, before.A), (after.A, after.B));

        int sawBefore = 0, sawAfter = 0;
        for (long cut = 0; cut <= writes; cut++)
        {
            string context = $"{scenario}, cut at write {cut} of {writes}, {mode}";
            var dev = new FaultInjectingDevice(new MemoryBlockDevice((byte[])baseImage.Clone()), (int)cut, mode);
            dev.CrashAtWrite(cut, tear: true);
            bool acked = MountExchangeUnmount(dev, scenario, dirs);
            var image = new MemoryBlockDevice(dev.CrashImage());

            var replay = JournalReplay.Replay(image, JournaledFs.JournalOf(image), static () => true);
            Assert.True(replay.Error.IsOk, $"{context}: replay failed: {replay.Problem}");
            var fsck = Fsck.Run(image, null, repair: false);
            Assert.True(fsck.Clean, $"{context}: fsck after replay: {fsck}");
            var seen = Read(image, scenario);
            if (seen == before) sawBefore++;
            else if (seen == after) sawAfter++;
            else Assert.Fail($"{context}: names show inodes ({seen.A}, {seen.B}), neither before ({before.A}, {before.B}) nor after");
            Assert.True(!acked || seen == after, $"{context}: the exchange returned OK but the recovered image shows the state before it");
        }
        // The cuts must have landed on both sides of the commit point.
        Assert.True(sawBefore > 0 && sawAfter > 0, $"{scenario}: {sawBefore} cuts recovered the state before, {sawAfter} after");
    }
}
