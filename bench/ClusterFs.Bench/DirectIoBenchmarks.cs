using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using ClusterFs.Fs.Files;
using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.Glocks.Operations;
using ClusterFs.Fs.Iomap;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.Storage;
using ClusterFs.Fs.Vfs;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tasks;
using Microsoft.Win32.SafeHandles;

namespace ClusterFs.Bench;

/// <summary>O_DIRECT reads and writes of 1 MiB blocks over a 64 MiB image in /dev/shm: through
/// <see cref="IomapDio.Rw"/> (a user buffer in a modelled address space, pages got with GUP), through the whole
/// gfs2 direct path (<see cref="Gfs2DirectIo"/>: DF glock on lock_nolock, NoFault, faults disabled), against
/// plain positional <see cref="RandomAccess"/> I/O on the same image file (the baseline of each category).</summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class DirectIoBenchmarks
{
    private const int Block = 1 << 20, Blocks = 64;
    private string _path = "";
    private ImageFileDevice _device = null!;
    private SafeFileHandle _plain = null!;
    private DirectIoBenchHost _host = null!;
    private AddressSpace _mm = null!;
    private ulong _buffer;
    private GlockTable _table = null!;
    private Glock _glock = null!;
    private readonly byte[] _plainBuffer = new byte[Block];

    [GlobalSetup]
    public void Setup()
    {
        _path = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"cfs-dio-bench-{Environment.ProcessId}.img");
        File.Delete(_path);
        ImageFileDevice.CreateSparse(_path, (long)Block * Blocks);
        _device = ImageFileDevice.Open(_path, readOnly: false, direct: false, out _)!;
        _plain = File.OpenHandle(_path, FileMode.Open, FileAccess.ReadWrite);
        _host = new DirectIoBenchHost(_device);
        new Random(1).NextBytes(_plainBuffer);
        for (int i = 0; i < Blocks; i++) RandomAccess.Write(_plain, _plainBuffer, (long)i * Block);
        _mm = new AddressSpace();
        _buffer = (ulong)_mm.Mmap(0, Block, Prot.Read | Prot.Write, MapFlags.Private);
        if (_mm.CopyToUser(_buffer, _plainBuffer) != 0) throw new InvalidOperationException("populating the user buffer failed");
        _table = new GlockTable(new NoLockManager());
        if (!_table.Mount("bench:dio", 1).IsOk) throw new InvalidOperationException("glock table mount failed");
        _glock = _table.Get(1, InodeGlockOperations.Instance);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _glock.Put();
        _table.Dispose();
        _mm.Dispose();
        _device.Dispose();
        _plain.Dispose();
        File.Delete(_path);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("read")]
    public long ReadPositional()
    {
        long n = 0;
        for (int i = 0; i < Blocks; i++) n += RandomAccess.Read(_plain, _plainBuffer, (long)i * Block);
        return n;
    }

    [Benchmark, BenchmarkCategory("read")]
    public long ReadIomapDio()
    {
        long n = 0;
        for (int i = 0; i < Blocks; i++)
        {
            var iter = IovIter.CreateUbuf(IterDirection.Dest, _mm, _buffer, Block);
            n += Check(IomapDio.Rw(new Kiocb((long)i * Block, KiocbFlags.Direct), iter, _host, DioFlags.None, 0));
        }
        return n;
    }

    [Benchmark, BenchmarkCategory("read")]
    public long ReadGfs2Direct()
    {
        long n = 0;
        for (int i = 0; i < Blocks; i++)
        {
            var iter = IovIter.CreateUbuf(IterDirection.Dest, _mm, _buffer, Block);
            n += Check(Gfs2DirectIo.DirectRead(new Kiocb((long)i * Block, KiocbFlags.Direct), iter, _host, _glock, TaskContext.Current));
        }
        return n;
    }

    [Benchmark(Baseline = true), BenchmarkCategory("write")]
    public void WritePositional()
    {
        for (int i = 0; i < Blocks; i++) RandomAccess.Write(_plain, _plainBuffer, (long)i * Block);
    }

    [Benchmark, BenchmarkCategory("write")]
    public long WriteIomapDio()
    {
        long n = 0;
        for (int i = 0; i < Blocks; i++)
        {
            var iter = IovIter.CreateUbuf(IterDirection.Source, _mm, _buffer, Block);
            n += Check(IomapDio.Rw(new Kiocb((long)i * Block, KiocbFlags.Direct), iter, _host, DioFlags.None, 0));
        }
        return n;
    }

    [Benchmark, BenchmarkCategory("write")]
    public long WriteGfs2Direct()
    {
        long n = 0;
        for (int i = 0; i < Blocks; i++)
        {
            var iter = IovIter.CreateUbuf(IterDirection.Source, _mm, _buffer, Block);
            n += Check(Gfs2DirectIo.DirectWrite(new Kiocb((long)i * Block, KiocbFlags.Direct), iter, _host, _glock, TaskContext.Current));
        }
        return n;
    }

    private static long Check(long ret) =>
        ret == Block ? ret : throw new InvalidOperationException($"direct I/O returned {ret}, expected {Block}");
}
