using ClusterFs.Iov;
using ClusterFs.XfsTests.Native;

namespace ClusterFs.XfsTests.Fsx;

/// <summary>
/// The file system exerciser: a seeded random sequence of reads, writes, mapped reads and writes,
/// truncates, fallocates, hole punches and zero ranges on one file, each mirrored on a byte-array model
/// (<c>_good</c>, zero beyond the model size). Every read is compared with the model and every size
/// change with the file's size; the first difference ends the run with fsx's report: the bad bytes
/// with their offsets and the log of the last operations.
/// </summary>
public sealed partial class FsxEngine
{
    private readonly FsxOptions _o;
    private readonly IFsxFile _file;
    private readonly TextWriter _log;
    private readonly string _name;
    private readonly Random _rng;
    private readonly byte[] _good;
    private readonly byte[] _original;
    private readonly byte[] _temp;
    private readonly Queue<FsxLogEntry> _oplog = new();
    private long _fileSize;
    private long _opNum;
    private bool _fallocate, _punchHole, _zeroRange, _mapRead, _mapWrite;

    /// <summary>
    /// Prepares a run on <paramref name="file"/> (assumed empty unless lite mode, which fills it with
    /// zeros); notes, the -d trace and the failure report go to <paramref name="log"/>.
    /// </summary>
    public FsxEngine(FsxOptions options, IFsxFile file, TextWriter log, string name = "fsx file")
    {
        _o = options;
        _file = file;
        _log = log;
        _name = name;
        _rng = new Random(options.Seed);
        _good = new byte[options.MaxFileLen];
        _original = new byte[options.MaxFileLen];
        _rng.NextBytes(_original);
        _temp = new byte[options.MaxOpLen];
        _fallocate = options.Fallocate && !options.Lite;
        _punchHole = options.PunchHole;
        _zeroRange = options.ZeroRange && !options.Lite;
        _mapRead = options.MapRead;
        _mapWrite = options.MapWrite;
    }

    /// <summary>What the file should hold now, per the model (fsx's good_buf up to the file size).</summary>
    public ReadOnlySpan<byte> ExpectedContents => _good.AsSpan(0, (int)_fileSize);

    /// <summary>Runs the operations; stops early (failed) when <paramref name="cancel"/> fires.</summary>
    public FsxResult Run(CancellationToken cancel = default)
    {
        string? setup = Setup();
        if (setup is not null) return Fail(setup);
        for (_opNum = 1; _opNum <= _o.NumOps; _opNum++)
        {
            if (cancel.IsCancellationRequested) return new FsxResult(false, _opNum, "cancelled (time bound)");
            string? failure = Step();
            if (failure is null && _o.CloseProb > 0 && _rng.Next(_o.CloseProb) == 0)
            {
                Log(FsxOp.CloseOpen, 0, 0, "");
                long r = _file.CloseOpen();
                if (r < 0) failure = $"close/open: {Errno.FromResult(r)}";
            }
            if (failure is not null) return Fail(failure);
        }
        if (!_o.Quiet) _log.WriteLine($"All {_o.NumOps} operations completed A-OK!");
        return new FsxResult(true, _o.NumOps, null);
    }

    private string? Setup()
    {
        if (!_o.Quiet) _log.WriteLine($"fsx {_o}");
        if (_o.Lite)
        {
            // fsx -L zeroes the whole file once; from then on no operation changes its size.
            long r = _file.Truncate(0);
            if (r >= 0) r = _file.Truncate(_o.MaxFileLen);
            if (r < 0) return $"lite setup truncate: {Errno.FromResult(r)}";
            _fileSize = _o.MaxFileLen;
        }
        // Probe the fallocate modes as fsx does at start-up (1 byte, keeping the size, so no change
        // visible to reads) and disable the unsupported ones with a note.
        _fallocate = _fallocate && Probe(Posix.FALLOC_FL_KEEP_SIZE, "fallocate");
        _punchHole = _punchHole && Probe(Posix.FALLOC_FL_PUNCH_HOLE | Posix.FALLOC_FL_KEEP_SIZE, "punch hole");
        _zeroRange = _zeroRange && Probe(Posix.FALLOC_FL_ZERO_RANGE | Posix.FALLOC_FL_KEEP_SIZE, "zero range");
        if (_mapRead || _mapWrite)
        {
            // A one-byte mapped read of a (possibly just grown) file, checked like any read; the
            // file is restored to its size.
            if (_fileSize == 0 && _file.Truncate(1) < 0) return "setup truncate failed";
            bool mapped = _file.MapRead(0, _temp.AsSpan(0, 1)) == 1;
            string? bad = mapped ? CheckBuffers(0, _temp.AsSpan(0, 1)) : null;
            if (_fileSize == 0 && _file.Truncate(0) < 0) return "setup truncate failed";
            if (bad is not null) return bad;
            if (!mapped)
            {
                _log.WriteLine("fsx: filesystem does not support mmap, disabling mapread and mapwrite!");
                _mapRead = _mapWrite = false;
            }
        }
        return null;
    }

    private bool Probe(int mode, string what)
    {
        long r = _file.Fallocate(mode, 0, 1);
        if (r >= 0) return true;
        _log.WriteLine($"fsx: filesystem does not support {what} ({Errno.FromResult(r)}), disabling!");
        return false;
    }

    private string? Step()
    {
        var op = (FsxOp)_rng.Next(_o.Lite ? 4 : 8);
        long offset = _rng.Next();
        long size = _rng.Next(_o.MaxOpLen + 1);
        switch (op)
        {
            case FsxOp.MapRead when !_mapRead: op = FsxOp.Read; break;
            case FsxOp.MapWrite when !_mapWrite: op = FsxOp.Write; break;
        }
        return op switch
        {
            FsxOp.Read or FsxOp.MapRead => DoRead(op, offset, size),
            FsxOp.Write or FsxOp.MapWrite => DoWrite(op, offset, size),
            FsxOp.Truncate => _o.Truncate ? DoTruncate() : null,
            FsxOp.Fallocate => _fallocate ? DoFallocate(offset, size) : null,
            FsxOp.PunchHole => _punchHole ? DoPunchHole(offset, size) : null,
            _ => _zeroRange ? DoZeroRange(offset, size) : null,
        };
    }

    private string? DoRead(FsxOp op, long offset, long size)
    {
        if (_fileSize == 0) return null; // fsx: "skipping zero size read"
        offset %= _fileSize;
        size = Math.Min(size, _fileSize - offset);
        offset -= offset % _o.ReadBdy;
        if (_o.DirectIo) size -= size % _o.ReadBdy;
        if (size == 0) return null;
        Log(op, offset, size, "");
        Span<byte> got = _temp.AsSpan(0, (int)size);
        long r = op == FsxOp.MapRead ? _file.MapRead(offset, got) : _file.Read(offset, got);
        if (r < 0) return $"{op}: {Errno.FromResult(r)}";
        if (r != size) return $"short {op}: 0x{r:x} bytes instead of 0x{size:x}";
        return CheckBuffers(offset, got);
    }

    private string? DoWrite(FsxOp op, long offset, long size)
    {
        long limit = _o.Lite ? _fileSize : _o.MaxFileLen;
        if (limit == 0) return null;
        offset %= limit;
        size = Math.Min(size, limit - offset);
        offset -= offset % _o.WriteBdy;
        if (_o.DirectIo) size -= size % _o.WriteBdy;
        if (size == 0) return null;
        long end = offset + size;
        string note = offset > _fileSize ? " HOLE" : end > _fileSize ? " EXTEND" : "";
        Log(op, offset, size, note);
        // fsx's data pattern: the op number (mod 256), plus random noise on odd offsets, so a bad
        // byte at an even offset names the operation that wrote it.
        for (long i = offset; i < end; i++)
            _good[i] = (byte)(_opNum % 256 + (i % 2 == 1 ? _original[i] : 0));
        if (op == FsxOp.MapWrite && end > _fileSize)
        {
            // A mapping cannot extend the file: grow it first, as fsx's domapwrite does.
            long t = _file.Truncate(end);
            if (t < 0) return $"MapWrite: extend ftruncate: {Errno.FromResult(t)}";
        }
        ReadOnlySpan<byte> data = _good.AsSpan((int)offset, (int)size);
        long r = op == FsxOp.MapWrite ? _file.MapWrite(offset, data) : _file.Write(offset, data);
        if (r < 0) return $"{op}: {Errno.FromResult(r)}";
        if (r != size) return $"short {op}: 0x{r:x} bytes instead of 0x{size:x}";
        _fileSize = Math.Max(_fileSize, end);
        return CheckSize();
    }

    private string? DoTruncate()
    {
        long newSize = _rng.Next(_o.MaxFileLen);
        newSize -= newSize % _o.TruncBdy;
        Log(FsxOp.Truncate, newSize, 0, "");
        if (newSize < _fileSize) Array.Clear(_good, (int)newSize, (int)(_fileSize - newSize));
        long r = _file.Truncate(newSize);
        if (r < 0) return $"Truncate: {Errno.FromResult(r)}";
        _fileSize = newSize;
        return CheckSize();
    }

    private string? DoFallocate(long offset, long size)
    {
        offset %= _o.MaxFileLen;
        size = Math.Min(size, _o.MaxFileLen - offset);
        if (size == 0) return null;
        bool keep = _rng.Next(2) == 1;
        long end = offset + size;
        Log(FsxOp.Fallocate, offset, size, keep ? " KEEP_SIZE" : end > _fileSize ? " EXTEND" : "");
        long r = _file.Fallocate(keep ? Posix.FALLOC_FL_KEEP_SIZE : 0, offset, size);
        if (r < 0) return DisableOnUnsupported(FsxOp.Fallocate, r) ? null : $"Fallocate: {Errno.FromResult(r)}";
        if (!keep) _fileSize = Math.Max(_fileSize, end);
        return CheckSize();
    }

    private string? DoPunchHole(long offset, long size)
    {
        if (_fileSize == 0) return null;
        offset %= _fileSize;
        size = Math.Min(size, _fileSize - offset);
        if (size == 0) return null;
        Log(FsxOp.PunchHole, offset, size, "");
        long r = _file.Fallocate(Posix.FALLOC_FL_PUNCH_HOLE | Posix.FALLOC_FL_KEEP_SIZE, offset, size);
        if (r < 0) return DisableOnUnsupported(FsxOp.PunchHole, r) ? null : $"PunchHole: {Errno.FromResult(r)}";
        Array.Clear(_good, (int)offset, (int)size);
        return CheckSize();
    }

    private string? DoZeroRange(long offset, long size)
    {
        offset %= _o.MaxFileLen;
        size = Math.Min(size, _o.MaxFileLen - offset);
        if (size == 0) return null;
        bool keep = _rng.Next(2) == 1;
        long end = offset + size;
        Log(FsxOp.ZeroRange, offset, size, keep ? " KEEP_SIZE" : "");
        long r = _file.Fallocate(Posix.FALLOC_FL_ZERO_RANGE | (keep ? Posix.FALLOC_FL_KEEP_SIZE : 0), offset, size);
        if (r < 0) return DisableOnUnsupported(FsxOp.ZeroRange, r) ? null : $"ZeroRange: {Errno.FromResult(r)}";
        long visibleEnd = keep ? Math.Min(end, _fileSize) : end;
        if (visibleEnd > offset) Array.Clear(_good, (int)offset, (int)(visibleEnd - offset));
        if (!keep) _fileSize = Math.Max(_fileSize, end);
        return CheckSize();
    }
}
