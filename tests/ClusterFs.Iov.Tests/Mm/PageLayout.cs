using ClusterFs.Iov.Mm;

namespace ClusterFs.Iov.Tests.Mm;

/// <summary>
/// A generated layout of single-page VMAs at <see cref="Base"/>, and the model of what each access
/// kind can do on each page: the oracle for the copy, fault-in and GUP properties.
/// </summary>
internal sealed class PageLayout : IDisposable
{
    public const ulong Base = 0x5000_0000;
    private const int P = Page.Size;

    public PageLayout(PageKind[] kinds)
    {
        Kinds = kinds;
        Mm = new AddressSpace();
        Expected = new byte[kinds.Length * P];
        for (int i = 0; i < kinds.Length; i++)
        {
            ulong addr = Base + (ulong)(i * P);
            var kind = kinds[i];
            long r = kind switch
            {
                PageKind.Unmapped => (long)addr,
                PageKind.IoFrame => Mm.MmapFrames(addr, [Frame(i)], Prot.Read | Prot.Write, MapFlags.Shared | MapFlags.Fixed, pfnMap: true),
                PageKind.ReadOnlyAbsent or PageKind.ReadOnlyZeroPage => Mm.Mmap(addr, P, Prot.Read, MapFlags.Private | MapFlags.Fixed),
                _ => Mm.Mmap(addr, P, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Fixed),
            };
            if (r != (long)addr) throw new InvalidOperationException($"layout mmap failed: {r}");
            if (kind == PageKind.WritableResident)
            {
                var data = Frame(i).Span.ToArray();
                Mm.CopyToUser(addr, data);
                data.CopyTo(Expected, i * P);
            }
            if (kind is PageKind.WritableZeroPage or PageKind.ReadOnlyZeroPage) Mm.CopyFromUser(addr, new byte[1]);
            if (kind == PageKind.IoFrame) Frame(i).Span.CopyTo(Expected.AsSpan(i * P));
        }
    }

    public PageKind[] Kinds { get; }

    public AddressSpace Mm { get; }

    /// <summary>The bytes a read of the layout returns where it is readable.</summary>
    public byte[] Expected { get; }

    public int Length => Kinds.Length * P;

    public static bool Readable(PageKind k, bool faults) => faults
        ? k != PageKind.Unmapped
        : k is PageKind.WritableResident or PageKind.WritableZeroPage or PageKind.ReadOnlyZeroPage or PageKind.IoFrame;

    public static bool Writable(PageKind k, bool faults) => faults
        ? k is PageKind.WritableAbsent or PageKind.WritableResident or PageKind.WritableZeroPage or PageKind.IoFrame
        : k is PageKind.WritableResident or PageKind.IoFrame;

    /// <summary>Whether GUP gets page <paramref name="k"/>: the fast walk only takes normal resident pages; the
    /// slow path refuses IO, permission mismatches, and (NoFault) anything that needs a fault.</summary>
    public static bool GupGets(PageKind k, GupFlags flags)
    {
        bool write = (flags & GupFlags.Write) != 0;
        if (k == PageKind.WritableResident) return true;
        if ((flags & GupFlags.FastOnly) != 0) return false;
        bool noFault = (flags & GupFlags.NoFault) != 0;
        return k switch
        {
            PageKind.WritableAbsent => !noFault,
            PageKind.WritableZeroPage => !write || !noFault,
            PageKind.ReadOnlyAbsent => !write && !noFault,
            PageKind.ReadOnlyZeroPage => !write,
            _ => false,
        };
    }

    /// <summary>Bytes of [offset, offset + length) before the first page failing <paramref name="ok"/>.</summary>
    public long AccessiblePrefix(long offset, long length, Func<PageKind, bool> ok)
    {
        long pos = offset;
        while (pos < offset + length)
        {
            int page = (int)(pos / P);
            if (page >= Kinds.Length || !ok(Kinds[page])) return pos - offset;
            pos = (long)(page + 1) * P;
        }
        return length;
    }

    /// <summary>fault_in's model: probe offset, then the first byte of each following page below the
    /// page-aligned end; the result is the bytes not faulted in.</summary>
    public long FaultInLeftover(long offset, long size, Func<PageKind, bool> ok)
    {
        if (size == 0) return 0;
        long end = (offset + size + P - 1) / P * P;
        for (long a = offset; a < end; a = (a / P + 1) * P)
        {
            int page = (int)(a / P);
            if (page >= Kinds.Length || !ok(Kinds[page])) return size - (a - offset);
        }
        return 0;
    }

    public void Dispose() => Mm.Dispose();

    private static Page Frame(int i)
    {
        var page = new Page();
        for (int j = 0; j < P; j++) page.Span[j] = (byte)(i * 17 + j * 3 + 1);
        return page;
    }
}
