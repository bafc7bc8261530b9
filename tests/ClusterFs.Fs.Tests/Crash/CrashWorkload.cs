using ClusterFs.Fs.Format;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Crash;

/// <summary>
/// A seeded random workload of file operations (create, write, extend, truncate, rename, unlink, fsync) over a
/// <see cref="Volume"/>, with a model of every file's content. Each Volume call is one committed journal
/// transaction once it returns (docs/ondisk-format.md: data is written before the metadata commits, and the
/// commit flushes), so "fsync" needs no call: it records the file's current content as what must survive a
/// crash. A file is dropped from that record as soon as an operation on it (or replacing it) starts, because
/// the operation in flight at the crash may or may not survive. The operation sequence depends only on the
/// seed (every operation succeeds until the device fails), so a run cut at write N replays the uncut run's
/// first operations exactly.
/// </summary>
internal sealed class CrashWorkload
{
    private const int MaxFiles = 12;
    private const int MaxFileSize = 64 << 10;
    private static readonly string[] s_dirs = ["", "d"];

    private readonly int _seed;
    private readonly int _operations;

    public CrashWorkload(int seed, int operations)
    {
        _seed = seed;
        _operations = operations;
    }

    /// <summary>Name of the directory made before the workload starts (the second directory renames move across).</summary>
    public const string SubDirectory = "d";

    /// <summary>What a run did before it stopped.</summary>
    public sealed record Outcome(int OperationsCompleted, bool Crashed, IReadOnlyDictionary<string, byte[]> Synced);

    /// <summary>Runs the workload until it ends or <paramref name="device"/> loses power (an operation fails while
    /// <see cref="FaultInjectingDevice.HasCrashed"/>). Any other failure fails the test.</summary>
    public Outcome Run(Volume vol, FaultInjectingDevice device)
    {
        var rng = new Random(_seed);
        var files = new Dictionary<string, byte[]>();
        var synced = new Dictionary<string, byte[]>();
        var names = new List<string>(); // files in creation order, so picks are deterministic
        Assert.Equal(Errno.OK, vol.Lookup(vol.RootInode, SubDirectory, out long sub));
        long DirOf(string path) => path.Contains('/') ? sub : vol.RootInode;
        static string NameOf(string path) => path[(path.IndexOf('/') + 1)..];
        int created = 0;

        for (int op = 0; op < _operations; op++)
        {
            int roll = rng.Next(100);
            string? path = names.Count == 0 ? null : names[rng.Next(names.Count)];
            Errno e;
            string what;
            if (path is null || (roll < 12 && names.Count < MaxFiles))
            {
                string dir = s_dirs[rng.Next(s_dirs.Length)];
                string fresh = (dir.Length == 0 ? "" : dir + "/") + $"f{created++}";
                what = $"create {fresh}";
                e = vol.Create(DirOf(fresh), NameOf(fresh), FileTypeBits.S_IFREG | 0x1A4, 0, 0, out _);
                if (e.IsOk) { files[fresh] = []; names.Add(fresh); }
            }
            else if (roll < 40)
            {
                var content = files[path];
                int length = rng.Next(1, 8193);
                long offset = Math.Min(rng.Next(content.Length + 2049), MaxFileSize - length);
                var data = new byte[length];
                rng.NextBytes(data);
                what = $"write {path} {offset}+{length}";
                synced.Remove(path);
                long n = LookupThen(vol, DirOf(path), NameOf(path), out e, ino => vol.WriteData(ino, offset, data));
                if (e.IsOk && n != length) e = n < 0 ? Errno.FromResult(n) : Errno.EIO;
                if (e.IsOk)
                {
                    var grown = new byte[Math.Max(content.Length, offset + length)];
                    content.CopyTo(grown, 0);
                    data.CopyTo(grown, offset);
                    files[path] = grown;
                }
            }
            else if (roll < 55)
            {
                var content = files[path];
                long size = roll < 47 ? Math.Min(MaxFileSize, content.Length + rng.Next(1, 20000)) : rng.Next(content.Length + 1);
                what = $"{(size >= content.Length ? "extend" : "truncate")} {path} to {size}";
                synced.Remove(path);
                LookupThen(vol, DirOf(path), NameOf(path), out e, ino => vol.SetAttr(ino, new SetAttrRequest { Size = size }).Negative);
                if (e.IsOk)
                {
                    var resized = new byte[size];
                    content.AsSpan(0, (int)Math.Min(size, content.Length)).CopyTo(resized);
                    files[path] = resized;
                }
            }
            else if (roll < 61)
            {
                string dir = s_dirs[rng.Next(s_dirs.Length)];
                // Half the time onto an existing file (which the rename replaces), else a fresh name.
                string target = rng.Next(2) == 0 && names.Count > 1 ? names[rng.Next(names.Count)]
                    : (dir.Length == 0 ? "" : dir + "/") + $"f{created++}";
                if (target == path) continue;
                what = $"rename {path} -> {target}";
                synced.Remove(path);
                synced.Remove(target);
                e = vol.Rename(DirOf(path), NameOf(path), DirOf(target), NameOf(target));
                if (e.IsOk)
                {
                    files[target] = files[path];
                    files.Remove(path);
                    names.Remove(path);
                    names.Remove(target);
                    names.Add(target);
                }
            }
            else if (roll < 66)
            {
                what = $"unlink {path}";
                synced.Remove(path);
                e = vol.Unlink(DirOf(path), NameOf(path));
                if (e.IsOk) { files.Remove(path); names.Remove(path); }
            }
            else
            {
                // fsync: the file's last operation returned, so its data and metadata are committed.
                synced[path] = files[path];
                continue;
            }
            if (!e.IsOk)
            {
                Assert.True(device.HasCrashed, $"seed {_seed}, op {op} ({what}) failed without a crash: {e} {vol.LastError}");
                return new Outcome(op, true, synced);
            }
        }
        return new Outcome(_operations, false, synced);
    }

    /// <summary>Checks that every file in <paramref name="synced"/> has exactly its recorded content on
    /// <paramref name="image"/> (opened read-only).</summary>
    public static void CheckSynced(IBlockDevice image, IReadOnlyDictionary<string, byte[]> synced, string context)
    {
        var e = Volume.Open(image, null, null, out var vol, out var problem);
        Assert.True(e.IsOk, $"{context}: cannot open the recovered image: {problem}");
        using (vol)
        {
            Assert.Equal(Errno.OK, vol!.Lookup(vol.RootInode, SubDirectory, out long sub));
            foreach (var (path, want) in synced)
            {
                long dir = path.Contains('/') ? sub : vol.RootInode;
                e = vol.Lookup(dir, path[(path.IndexOf('/') + 1)..], out long ino);
                Assert.True(e.IsOk, $"{context}: fsync'd file {path} is missing: {e}");
                Assert.Equal(Errno.OK, vol.GetAttr(ino, out var attr));
                Assert.True(attr!.Size == want.Length, $"{context}: fsync'd file {path} has size {attr.Size}, expected {want.Length}");
                var got = new byte[want.Length];
                Assert.Equal(want.Length, vol.ReadData(ino, 0, got));
                int bad = got.AsSpan().CommonPrefixLength(want);
                Assert.True(bad == want.Length, $"{context}: fsync'd file {path} differs at byte {bad} of {want.Length}");
            }
        }
    }

    /// <summary>Looks <paramref name="name"/> up and runs <paramref name="action"/> on its inode (which returns a
    /// count or -errno); <paramref name="e"/> is the first error.</summary>
    private static long LookupThen(Volume vol, long dir, string name, out Errno e, Func<long, long> action)
    {
        e = vol.Lookup(dir, name, out long ino);
        if (!e.IsOk) return e.Negative;
        long n = action(ino);
        if (n < 0) e = Errno.FromResult(n);
        return n;
    }
}
