using ClusterFs.Iov;
using ClusterFs.Iov.Mm;

namespace ClusterFs.Iov.Tests.Iter;

/// <summary>
/// Kernel memory laid out as KVEC segments or BVEC page pieces, with guard bytes around every
/// segment so a copy that strays outside its segment is caught. <see cref="Flatten"/> gives the bytes
/// the segments hold, concatenated: the model every iterator operation is checked against.
/// </summary>
internal sealed class SegmentedBuffer
{
    private const int Guard = 8;
    private const byte GuardByte = 0xEE;

    private readonly Memory<byte>[] _kvecs = [];
    private readonly byte[][] _kvecBacking = [];
    private readonly Bvec[] _bvecs = [];
    private readonly IterKind _kind;

    private SegmentedBuffer(IterKind kind, Memory<byte>[] kvecs, byte[][] backing, Bvec[] bvecs)
    {
        _kind = kind;
        _kvecs = kvecs;
        _kvecBacking = backing;
        _bvecs = bvecs;
    }

    /// <summary>KVEC segments of the given lengths, each inside its own guarded array.</summary>
    public static SegmentedBuffer Kvec(IReadOnlyList<int> lengths)
    {
        var backing = new byte[lengths.Count][];
        var segs = new Memory<byte>[lengths.Count];
        for (int k = 0; k < lengths.Count; k++)
        {
            backing[k] = new byte[lengths[k] + 2 * Guard];
            backing[k].AsSpan().Fill(GuardByte);
            segs[k] = backing[k].AsMemory(Guard, lengths[k]);
            segs[k].Span.Clear();
        }
        return new SegmentedBuffer(IterKind.Kvec, segs, backing, []);
    }

    /// <summary>BVEC pieces: piece k is lengths[k] bytes at offsets[k] % (room in the page) of its own page.
    /// The rest of every page is guard bytes.</summary>
    public static SegmentedBuffer Bvec(IReadOnlyList<int> lengths, IReadOnlyList<int> offsets)
    {
        var bvecs = new Bvec[lengths.Count];
        for (int k = 0; k < lengths.Count; k++)
        {
            int len = Math.Min(lengths[k], Page.Size);
            int room = Page.Size - len;
            int off = room == 0 ? 0 : Math.Abs(offsets[k % Math.Max(1, offsets.Count)] % (room + 1));
            var page = new Page();
            page.Span.Fill(GuardByte);
            page.Span.Slice(off, len).Clear();
            bvecs[k] = new Bvec(page, off, len);
        }
        return new SegmentedBuffer(IterKind.Bvec, [], [], bvecs);
    }

    public IterKind Kind => _kind;

    public long Total => _kind == IterKind.Kvec ? _kvecs.Sum(m => (long)m.Length) : _bvecs.Sum(b => (long)b.Length);

    public Bvec[] Bvecs => _bvecs;

    public IovIter NewIter(IterDirection direction) => _kind == IterKind.Kvec
        ? IovIter.CreateKvec(direction, _kvecs)
        : IovIter.CreateBvec(direction, _bvecs);

    /// <summary>The segments' bytes, concatenated.</summary>
    public byte[] Flatten()
    {
        var flat = new List<byte>();
        if (_kind == IterKind.Kvec)
            foreach (var m in _kvecs) flat.AddRange(m.ToArray());
        else
            foreach (var b in _bvecs) flat.AddRange(b.Page.Span.Slice(b.Offset, b.Length).ToArray());
        return [.. flat];
    }

    /// <summary>Writes <paramref name="flat"/> (at most <see cref="Total"/> bytes) across the segments.</summary>
    public void Fill(ReadOnlySpan<byte> flat)
    {
        int at = 0;
        if (_kind == IterKind.Kvec)
        {
            foreach (var m in _kvecs)
            {
                int n = Math.Min(m.Length, flat.Length - at);
                flat.Slice(at, n).CopyTo(m.Span);
                at += n;
            }
        }
        else
        {
            foreach (var b in _bvecs)
            {
                int n = Math.Min(b.Length, flat.Length - at);
                flat.Slice(at, n).CopyTo(b.Page.Span.Slice(b.Offset));
                at += n;
            }
        }
    }

    /// <summary>True when no byte outside the segments was written.</summary>
    public bool GuardsIntact()
    {
        if (_kind == IterKind.Kvec)
        {
            for (int k = 0; k < _kvecBacking.Length; k++)
            {
                var a = _kvecBacking[k];
                if (a.AsSpan(0, Guard).IndexOfAnyExcept(GuardByte) >= 0) return false;
                if (a.AsSpan(a.Length - Guard).IndexOfAnyExcept(GuardByte) >= 0) return false;
            }
            return true;
        }
        foreach (var b in _bvecs)
        {
            var d = b.Page.Span;
            if (d[..b.Offset].IndexOfAnyExcept(GuardByte) >= 0) return false;
            if (d[(b.Offset + b.Length)..].IndexOfAnyExcept(GuardByte) >= 0) return false;
        }
        return true;
    }

    /// <summary>Deterministic non-zero test bytes.</summary>
    public static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        for (int k = 0; k < bytes.Length; k++) if (bytes[k] == 0) bytes[k] = 1;
        return bytes;
    }
}
