using BenchmarkDotNet.Attributes;
using ClusterFs.Fs.Format;
using ClusterFs.Fs.Storage;

namespace ClusterFs.Bench;

/// <summary>mkfs of a 10 GiB sparse image in /dev/shm, against the baseline of creating the sparse file and writing
/// the same number of 4 KiB blocks mkfs writes, positionally, at the same places.</summary>
public class MkfsBench
{
    private const long Size = 10L << 30;
    private string _path = "";
    private long[] _blocks = [];

    [GlobalSetup]
    public void Setup()
    {
        _path = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"cfs-mkfs-{Environment.ProcessId}.img");
        File.Delete(_path);
        // Learn which blocks mkfs writes (rgrp headers, bitmaps, rindex, journal headers, root, superblock).
        ImageFileDevice.CreateSparse(_path, Size);
        using (var dev = ImageFileDevice.Open(_path, false, false, out _)!)
        {
            Mkfs.Format(dev, new MkfsOptions(), out _);
            Volume.Open(dev, null, null, out var vol, out _);
            var list = new List<long> { 0 };
            for (long b = 1; b <= vol!.Sb.RindexBlockCount; b++) list.Add(b);
            foreach (var j in vol.Sb.Journals) list.Add(j.FirstBlock);
            foreach (var r in vol.Rindex)
                for (long b = r.HeaderBlock; b < r.FirstDataBlock; b++) list.Add(b);
            list.Add(vol.RootInode);
            list.Add(vol.RootInode + 1);
            _blocks = [.. list];
        }
        File.Delete(_path);
    }

    [IterationCleanup]
    public void Remove() => File.Delete(_path);

    [Benchmark(Baseline = true)]
    public void CreateAndWriteSameBlocks()
    {
        ImageFileDevice.CreateSparse(_path, Size);
        using var h = File.OpenHandle(_path, FileMode.Open, FileAccess.ReadWrite);
        var buf = new byte[4096];
        foreach (long b in _blocks) RandomAccess.Write(h, buf, b * 4096);
        RandomAccess.FlushToDisk(h);
    }

    [Benchmark]
    public void Mkfs10GiB()
    {
        ImageFileDevice.CreateSparse(_path, Size);
        using var dev = ImageFileDevice.Open(_path, false, false, out _)!;
        Mkfs.Format(dev, new MkfsOptions(), out _);
    }
}
