using BenchmarkDotNet.Attributes;
using ClusterFs.Fs.Format;
using ClusterFs.Fs.Storage;

namespace ClusterFs.Bench;

/// <summary>fsck -n of an image in /dev/shm holding 100,000 files in 100 directories, against the baseline of reading,
/// in block order, as many blocks as fsck finds in use (the raw I/O a check cannot avoid).</summary>
public class FsckBench
{
    private string _path = "";
    private ImageFileDevice _device = null!;
    private long _blocksInUse;

    [GlobalSetup]
    public void Setup()
    {
        _path = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"cfs-fsck-{Environment.ProcessId}.img");
        File.Delete(_path);
        ImageFileDevice.CreateSparse(_path, 1L << 30);
        _device = ImageFileDevice.Open(_path, false, false, out _)!;
        Mkfs.Format(_device, new MkfsOptions(), out _);
        Volume.Open(_device, new WriteThroughJournal(_device, 4096), null, out var vol, out _);
        for (int d = 0; d < 100; d++)
        {
            vol!.Create(vol.RootInode, $"d{d}", FileTypeBits.S_IFDIR | 0x1ED, 0, 0, out long dir);
            for (int f = 0; f < 1000; f++) vol.Create(dir, $"f{f}", FileTypeBits.S_IFREG | 0x1A4, 0, 0, out _);
        }
        var report = Fsck.Run(_device, null, repair: false);
        if (!report.Clean) throw new InvalidOperationException(report.ToString());
        _blocksInUse = report.BlocksInUse;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _device.Dispose();
        File.Delete(_path);
    }

    [Benchmark(Baseline = true)]
    public long ReadSameNumberOfBlocks()
    {
        var buf = new byte[4096];
        long first = 1;
        for (long i = 0; i < _blocksInUse; i++) _device.Read((first + i) * 4096, buf);
        return _blocksInUse;
    }

    [Benchmark]
    public int Fsck100kFiles() => Fsck.Run(_device, null, repair: false).ExitCode;
}
