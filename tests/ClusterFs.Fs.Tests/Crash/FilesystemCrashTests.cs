using ClusterFs.Fs.Format;
using ClusterFs.Fs.Journal;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;
using Xunit.Abstractions;

namespace ClusterFs.Fs.Tests.Crash;

/// <summary>
/// The filesystem crash-consistency test: mkfs, mount the real journal and the volume on a
/// <see cref="FaultInjectingDevice"/>, run a seeded workload (<see cref="CrashWorkload"/>), lose power at a random
/// write (torn at a sector boundary, with the volatile cache losing a suffix or any subset of the unflushed
/// writes), then on the crash image: the journal replays, fsck is clean, every fsync'd file reads back exactly,
/// and the recovered filesystem mounts and takes new changes.
/// </summary>
public class FilesystemCrashTests(ITestOutputHelper output)
{
    private const long ImageSize = 4 << 20;
    private const int Operations = 250;
    private static readonly int[] s_workloadSeeds = [11, 23, 37, 41];
    private const int CutsPerSeed = 60;

    /// <summary>A formatted image holding the workload's subdirectory, its journal clean.</summary>
    private static byte[] BaseImage()
    {
        var dev = new MemoryBlockDevice(JournaledFs.FormatImage(ImageSize));
        using (var vol = JournaledFs.Mount(dev, out var journal))
        {
            Assert.Equal(Errno.OK, vol.Create(vol.RootInode, CrashWorkload.SubDirectory, FileTypeBits.S_IFDIR | 0x1ED, 0, 0, out _));
            Assert.Equal(Errno.OK, journal.Unmount());
        }
        return dev.ToArray();
    }

    /// <summary>Mounts journal and volume on <paramref name="dev"/> and runs the workload; null outcome when power
    /// failed already during the mount.</summary>
    private static CrashWorkload.Outcome? MountAndRun(FaultInjectingDevice dev, CrashWorkload workload)
    {
        var loc = JournaledFs.JournalOf(dev);
        var e = MetadataJournal.Mount(dev, loc, static () => true, out var journal, out var report);
        if (!e.IsOk)
        {
            Assert.True(dev.HasCrashed, $"journal mount failed without a crash: {report.Problem}");
            return null;
        }
        Assert.Equal(Errno.OK, Volume.Open(dev, journal, null, out var vol, out var problem));
        using (vol)
            return workload.Run(vol!, dev);
    }

    [Fact]
    public void Every_fsynced_file_survives_a_crash_at_any_of_240_random_writes_and_fsck_is_clean()
    {
        var baseImage = BaseImage();
        var cutRng = new Random(20261121);
        int runs = 0, crashedMidWorkload = 0, dirtyReplays = 0, filesChecked = 0;
        foreach (int seed in s_workloadSeeds)
        {
            var workload = new CrashWorkload(seed, Operations);
            var full = new FaultInjectingDevice(new MemoryBlockDevice((byte[])baseImage.Clone()), seed: 0);
            var uncut = MountAndRun(full, workload);
            Assert.NotNull(uncut);
            Assert.False(uncut.Crashed);
            long writes = full.WritesIssued;

            for (int c = 0; c < CutsPerSeed; c++)
            {
                long cut = cutRng.NextInt64(writes + 1); // == writes: power fails after the workload, cache still dirty
                var mode = c % 2 == 0 ? CacheLossMode.LoseAnySubset : CacheLossMode.LoseSuffix;
                string context = $"workload seed {seed}, cut at write {cut} of {writes}, {mode}, device seed {runs}";
                var dev = new FaultInjectingDevice(new MemoryBlockDevice((byte[])baseImage.Clone()), runs, mode);
                dev.CrashAtWrite(cut, tear: true);
                var outcome = MountAndRun(dev, workload);
                var image = new MemoryBlockDevice(dev.CrashImage());
                runs++;
                if (outcome?.Crashed == true) crashedMidWorkload++;

                var replay = JournalReplay.Replay(image, JournaledFs.JournalOf(image), static () => true);
                Assert.True(replay.Error.IsOk, $"{context}: replay failed: {replay.Problem}");
                if (replay.TransactionsReplayed > 0) dirtyReplays++;
                var fsck = Fsck.Run(image, null, repair: false);
                Assert.True(fsck.Clean, $"{context}: fsck after replay: {fsck}");
                if (outcome is not null)
                {
                    CrashWorkload.CheckSynced(image, outcome.Synced, context);
                    filesChecked += outcome.Synced.Count;
                }

                // The recovered filesystem takes new changes and stays consistent.
                using (var vol = JournaledFs.Mount(image, out var journal))
                {
                    Assert.Equal(Errno.OK, vol.Create(vol.RootInode, "after-crash", FileTypeBits.S_IFREG | 0x1A4, 0, 0, out _));
                    Assert.Equal(Errno.OK, journal.Unmount());
                }
                fsck = Fsck.Run(image, null, repair: false);
                Assert.True(fsck.Clean, $"{context}: fsck after a change on the recovered image: {fsck}");
            }
        }
        output.WriteLine($"{runs} cuts: {crashedMidWorkload} mid-workload, {dirtyReplays} replayed transactions, {filesChecked} fsync'd files checked");
        // The cuts must have exercised what the test is about: crashes inside the workload, journals with
        // committed transactions to replay, and fsync'd files to read back.
        Assert.True(runs >= 200);
        Assert.True(crashedMidWorkload >= runs / 2, $"only {crashedMidWorkload} of {runs} cuts fell inside the workload");
        Assert.True(dirtyReplays >= runs / 4, $"only {dirtyReplays} of {runs} crash images had a dirty journal");
        Assert.True(filesChecked >= runs, $"only {filesChecked} fsync'd files checked over {runs} cuts");
    }
}
