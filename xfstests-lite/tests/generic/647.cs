// generic/647: mmap-rw-fault — read into and write from a mapping of the same file (page faults in
// the same file during the read or write), buffered and O_DIRECT, including a read from a hole.
using ClusterFs.Iov;
using ClusterFs.XfsTests.Common;
using ClusterFs.XfsTests.Harness;

namespace ClusterFs.XfsTests.Generic;

/// <remarks>
/// On the in-process target the user buffer lives in the AddressSpace model, so the faults taken
/// while ClusterFs holds the inode glock are real faults of the model (with the fix they happen with
/// the glock dropped); on a mount:PATH target the same sequence runs through libc (needs shared mmap
/// and O_DIRECT there). As xfstests' mmap-rw-fault.c: each step uses a fresh file of 8 data pages
/// followed by an 8-page hole, mapped shared into the process with every PTE dropped so each copy
/// faults on pages of the very file being read or written; buffered and O_DIRECT; UBUF (pread/pwrite)
/// and IOVEC (preadv/pwritev, two segments split off a page boundary) buffers. Every call is bounded
/// (a glock recursion deadlock fails the test instead of hanging) and the data is verified byte for
/// byte through a plain read. Golden output as the original's ("Silence is golden").
/// </remarks>
[XfsTest("generic/647", "auto quick mmap rw", Description = "mmap-rw-fault: page faults in the same file during read and write",
    Requires = TargetFeatures.None, TimeoutSeconds = 120)] // inproc, or a mount with mmap and O_DIRECT (checked in Run)
public sealed class Generic647 : IXfsTest
{
    private const int Ps = ClusterFs.Iov.Mm.Page.Size; // 4 KiB, also the host page size and O_DIRECT alignment
    private const int FileSize = 16 * Ps; // [0, 8 pages) data, [8, 16 pages) a hole
    private static readonly TimeSpan s_callBound = TimeSpan.FromSeconds(20);

    private IMmapRwFiles _p = null!;
    private TestContext _ctx = null!;
    private byte[] _data = [];
    private int _files;

    public void Run(TestContext ctx)
    {
        _ctx = ctx;
        if (ctx.Target is InprocTarget inproc) _p = new InprocMmapRwFiles(inproc.Process);
        else
        {
            ctx.Require(TargetFeatures.Paths | TargetFeatures.Mmap | TargetFeatures.DirectIo);
            _p = new PosixMmapRwFiles(ctx.ScratchDir);
        }
        // As the original: nothing on success; a failing step prints what went wrong (each step's ok is in .full).
        ctx.Out.WriteLine("Silence is golden");
        _data = new byte[8 * Ps];
        new Random(647).NextBytes(_data);
        foreach (bool iovec in new[] { false, true })
        {
            string kind = iovec ? "iovec" : "ubuf";
            ReadIntoMapping(direct: false, iovec, $"buffered read into mapping of same file ({kind})");
            WriteFromMapping(direct: false, iovec, $"buffered write from mapping of same file ({kind})");
            ReadHoleIntoMapping(iovec, $"buffered read from hole into mapping ({kind})");
            ReadIntoMapping(direct: true, iovec, $"direct read into mapping of same file ({kind})");
            WriteFromMapping(direct: true, iovec, $"direct write from mapping of same file ({kind})");
        }
        OverlappingWrite("buffered write from mapping of the same range");
    }

    /// <summary>Reads file pages [0, 4) into the mapping of pages [8, 12) (a hole: the fault allocates it).</summary>
    private void ReadIntoMapping(bool direct, bool iovec, string step)
    {
        var (fd, map) = Setup(direct);
        long n = Call(step, () => Read(fd.Io, map + 8 * Ps, 4 * Ps, 0, iovec));
        Check(step, n, 4 * Ps, FileBytes(fd.Buffered, 8 * Ps, 4 * Ps), _data.AsSpan(0, 4 * Ps));
        Teardown(fd, map);
    }

    /// <summary>Writes the mapping of pages [2, 6) to file pages [12, 16) (in the hole).</summary>
    private void WriteFromMapping(bool direct, bool iovec, string step)
    {
        var (fd, map) = Setup(direct);
        long n = Call(step, () => Write(fd.Io, map + 2 * Ps, 4 * Ps, 12 * Ps, iovec));
        Check(step, n, 4 * Ps, FileBytes(fd.Buffered, 12 * Ps, 4 * Ps), _data.AsSpan(2 * Ps, 4 * Ps));
        Teardown(fd, map);
    }

    /// <summary>Reads hole pages [10, 13) into the mapping of data pages [1, 4), 100 bytes off a page boundary.</summary>
    private void ReadHoleIntoMapping(bool iovec, string step)
    {
        var (fd, map) = Setup(direct: false);
        long n = Call(step, () => Read(fd.Io, map + Ps + 100, 3 * Ps, 10 * Ps, iovec));
        var expect = (byte[])_data.Clone();
        Array.Clear(expect, Ps + 100, 3 * Ps);
        Check(step, n, 3 * Ps, FileBytes(fd.Buffered, 0, 8 * Ps), expect);
        Teardown(fd, map);
    }

    /// <summary>Writes the mapping of pages [0, 4) onto the same file pages: source and target are the same pages.</summary>
    private void OverlappingWrite(string step)
    {
        var (fd, map) = Setup(direct: false);
        long n = Call(step, () => _p.Pwrite(fd.Io, map, 4 * Ps, 0));
        Check(step, n, 4 * Ps, FileBytes(fd.Buffered, 0, 8 * Ps), _data);
        Teardown(fd, map);
    }

    private ((int Buffered, int Io) Fd, ulong Map) Setup(bool direct)
    {
        string name = $"647.{++_files}";
        int fd = (int)Checked(_p.Open(name, create: true, direct: false), "open");
        Checked(_p.Pwrite(fd, _data, 0), "pwrite");
        Checked(_p.Ftruncate(fd, FileSize), "ftruncate");
        // O_DIRECT reads see the device: write the data back first.
        Checked(_p.Fsync(fd), "fsync");
        int io = direct ? (int)Checked(_p.Open(name, create: false, direct: true), "open O_DIRECT") : fd;
        ulong map = (ulong)Checked(_p.MapShared(fd, FileSize), "mmap");
        return ((fd, io), map);
    }

    private void Teardown((int Buffered, int Io) fd, ulong map)
    {
        Checked(_p.Munmap(map, FileSize), "munmap");
        if (fd.Io != fd.Buffered) Checked(_p.Close(fd.Io), "close");
        Checked(_p.Fsync(fd.Buffered), "fsync");
        Checked(_p.Close(fd.Buffered), "close");
    }

    private long Read(int fd, ulong addr, int length, long pos, bool iovec) =>
        iovec ? _p.Preadv(fd, Split(addr, length), pos) : _p.Pread(fd, addr, length, pos);

    private long Write(int fd, ulong addr, int length, long pos, bool iovec) =>
        iovec ? _p.Pwritev(fd, Split(addr, length), pos) : _p.Pwrite(fd, addr, length, pos);

    private static (ulong, int)[] Split(ulong addr, int length)
    {
        int first = length / 2 + 123;
        return [(addr, first), (addr + (ulong)first, length - first)];
    }

    /// <summary>Runs one I/O call with a time bound: a glock recursion deadlock fails the test, not the run.</summary>
    private long Call(string step, Func<long> op)
    {
        var call = Task.Factory.StartNew(op, TaskCreationOptions.LongRunning);
        if (!call.Wait(s_callBound, _ctx.Cancellation))
            throw new InvalidOperationException($"{step}: the call did not return within {s_callBound.TotalSeconds:0} s");
        return call.Result;
    }

    private void Check(string step, long n, int expected, ReadOnlySpan<byte> actual, ReadOnlySpan<byte> expect)
    {
        if (n != expected)
        {
            _ctx.Out.WriteLine($"{step}: returned {n}, expected {expected}");
            return;
        }
        int diff = actual.CommonPrefixLength(expect);
        if (diff < expect.Length || actual.Length != expect.Length)
        {
            _ctx.Out.WriteLine($"{step}: data mismatch at byte {diff}");
            return;
        }
        _ctx.Full.WriteLine($"{step}: ok");
    }

    private byte[] FileBytes(int fd, long pos, int length)
    {
        var b = new byte[length];
        long n = _p.Pread(fd, b, pos);
        return n == length ? b : b.AsSpan(0, (int)Math.Max(0, n)).ToArray();
    }

    /// <summary>A count, fd or address; throws on -errno.</summary>
    private static long Checked(long r, string what) =>
        r < 0 ? throw new InvalidOperationException($"{what}: {new Errno((int)-r)}") : r;
}
