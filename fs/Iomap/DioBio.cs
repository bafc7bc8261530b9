using System.Buffers;
using System.Runtime.InteropServices;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;

namespace ClusterFs.Fs.Iomap;

/// <summary>
/// One "bio": a run of page spans that maps onto consecutive device bytes from <see cref="DeviceOffset"/>.
/// The spans are the user pages GUP handed out, so the device I/O moves data straight between the pages and
/// the device (through one pooled bounce buffer, because <see cref="Storage.IBlockDevice"/> takes one span).
/// Runs on the submitting thread for synchronous I/O and on a thread-pool worker for asynchronous kiocbs.
/// </summary>
internal sealed class DioBio
{
    /// <summary>BIO_MAX_VECS: a bio holds at most this many pages (1 MiB).</summary>
    public const int MaxPages = 256;

    public const int MaxBytes = MaxPages * Page.Size;

    private readonly List<Bvec> _vecs = new(4);
    // Every page GetPages handed out for this bio, released (put_page) once the I/O is done.
    private readonly List<Page> _held = new(4);

    public DioBio(DioState dio, long deviceOffset)
    {
        Dio = dio;
        DeviceOffset = deviceOffset;
    }

    public DioState Dio { get; }

    public long DeviceOffset { get; }

    /// <summary>Bytes the spans cover.</summary>
    public int Length { get; private set; }

    public bool IsEmpty => Length == 0;

    /// <summary>Adds what one GetPages call returned: <paramref name="bytes"/> from offset
    /// <paramref name="start"/> of <paramref name="pages"/>[0] on.</summary>
    public void AddPages(ReadOnlySpan<Page> pages, int start, long bytes)
    {
        long left = bytes;
        int offset = start;
        foreach (var page in pages)
        {
            _held.Add(page);
            if (left == 0) continue;
            int len = (int)Math.Min(left, Page.Size - offset);
            _vecs.Add(new Bvec(page, offset, len));
            left -= len;
            offset = 0;
        }
        Length += (int)bytes;
    }

    /// <summary>Drops the last <paramref name="bytes"/> of the spans (the pages stay held until release).</summary>
    public void TrimTail(int bytes)
    {
        Length -= bytes;
        while (bytes > 0)
        {
            var last = _vecs[^1];
            if (last.Length <= bytes)
            {
                bytes -= last.Length;
                _vecs.RemoveAt(_vecs.Count - 1);
            }
            else
            {
                _vecs[^1] = last with { Length = last.Length - bytes };
                bytes = 0;
            }
        }
    }

    /// <summary>Puts every page this bio holds (the iterator decides whether its pages carry references).</summary>
    public void ReleasePages(IovIter owner)
    {
        owner.ReleasePages(CollectionsMarshal.AsSpan(_held));
        _held.Clear();
    }

    /// <summary>Does the device I/O, releases the pages and reports the result to the dio.</summary>
    public void Run()
    {
        Errno err;
        byte[] bounce = ArrayPool<byte>.Shared.Rent(Length);
        try
        {
            var span = bounce.AsSpan(0, Length);
            if (Dio.IsWrite)
            {
                Gather(span);
                err = Dio.Host.Device.Write(DeviceOffset, span);
            }
            else
            {
                err = Dio.Host.Device.Read(DeviceOffset, span);
                if (err.IsOk) Scatter(span);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bounce);
        }
        ReleasePages(Dio.Iter);
        Dio.BioDone(err);
    }

    private void Gather(Span<byte> dst)
    {
        int at = 0;
        foreach (var v in _vecs)
        {
            v.Page.Span.Slice(v.Offset, v.Length).CopyTo(dst[at..]);
            at += v.Length;
        }
    }

    private void Scatter(ReadOnlySpan<byte> src)
    {
        int at = 0;
        foreach (var v in _vecs)
        {
            src.Slice(at, v.Length).CopyTo(v.Page.Span.Slice(v.Offset, v.Length));
            // bio_set_pages_dirty: a page-cache page read into through a shared mapping must be written back.
            if (Dio.DirtyPages) v.Page.Dirty = true;
            at += v.Length;
        }
    }
}
