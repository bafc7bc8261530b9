using ClusterFs.Iov;

namespace ClusterFs.XfsTests.Fsx;

/// <summary>fsx's bookkeeping: the operation log, model checks and the failure report.</summary>
public sealed partial class FsxEngine
{
    private const int MaxBadBytesShown = 16;

    private void Log(FsxOp op, long offset, long length, string note)
    {
        var e = new FsxLogEntry(_opNum, op, offset, length, _fileSize, note);
        _oplog.Enqueue(e);
        while (_oplog.Count > _o.LogSize) _oplog.Dequeue();
        if (_o.Debug) _log.WriteLine(e.ToString());
    }

    // fsx's test_fallocate/"disabling!" path for an fallocate mode the filesystem refuses mid-run.
    private bool DisableOnUnsupported(FsxOp op, long r)
    {
        Errno e = Errno.FromResult(r);
        if (e != Errno.EOPNOTSUPP && e != Errno.ENOSYS) return false;
        _log.WriteLine($"fsx: filesystem does not support {op} ({e}), disabling!");
        switch (op)
        {
            case FsxOp.Fallocate: _fallocate = false; break;
            case FsxOp.PunchHole: _punchHole = false; break;
            case FsxOp.ZeroRange: _zeroRange = false; break;
            default: return false;
        }
        return true;
    }

    private string? CheckBuffers(long offset, ReadOnlySpan<byte> got)
    {
        ReadOnlySpan<byte> good = _good.AsSpan((int)offset, got.Length);
        int first = good.CommonPrefixLength(got);
        if (first == got.Length) return null;
        _log.WriteLine($"READ BAD DATA: offset = 0x{offset:x}, size = 0x{got.Length:x}, fname = {_name}");
        _log.WriteLine("OFFSET      GOOD    BAD     RANGE");
        int shown = 0, badOp = -1;
        for (int i = first; i < got.Length && shown < MaxBadBytesShown; i++)
        {
            if (good[i] == got[i]) continue;
            // RANGE: how many bytes differ contiguously from here.
            int run = 1;
            while (i + run < got.Length && good[i + run] != got[i + run]) run++;
            _log.WriteLine($"0x{offset + i:x8}  0x{good[i]:x2}    0x{got[i]:x2}    0x{run:x}");
            if (badOp < 0 && (offset + i) % 2 == 0) badOp = got[i];
            shown++;
        }
        if (badOp >= 0) _log.WriteLine($"operation# (mod 256) for the bad data may be {badOp}");
        return $"READ BAD DATA at 0x{offset + first:x} (read 0x{offset:x} size 0x{got.Length:x})";
    }

    private string? CheckSize()
    {
        long size = _file.Size();
        if (size == _fileSize) return null;
        return size < 0 ? $"size: {Errno.FromResult(size)}" : $"Size error: expected 0x{_fileSize:x} stat 0x{size:x}";
    }

    private FsxResult Fail(string failure)
    {
        _log.WriteLine(failure);
        _log.WriteLine($"LOG DUMP ({_oplog.Count} total operations):");
        foreach (FsxLogEntry e in _oplog) _log.WriteLine(e.ToString());
        return new FsxResult(false, _opNum, failure);
    }
}
