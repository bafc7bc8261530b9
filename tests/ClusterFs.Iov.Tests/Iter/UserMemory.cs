using ClusterFs.Iov.Mm;

namespace ClusterFs.Iov.Tests.Iter;

/// <summary>The state a test gives one page of a <see cref="UserMemory"/> region.</summary>
internal enum PageState
{
    /// <summary>Mapped read-write and written: present and writable.</summary>
    Resident,
    /// <summary>Mapped read-write, never touched: every access needs a fault.</summary>
    Untouched,
    /// <summary>Not mapped: every access fails with EFAULT.</summary>
    Hole,
    /// <summary>Written, then made read-only: present, readable, never writable.</summary>
    ReadOnly,
}

/// <summary>
/// A run of user pages in a fresh <see cref="AddressSpace"/>, each in a chosen <see cref="PageState"/>,
/// with the model of which bytes an access can reach and what the pages hold.
/// </summary>
internal sealed class UserMemory : IDisposable
{
    private const int P = Page.Size;

    private UserMemory(AddressSpace mm, ulong @base, PageState[] states, byte[] model)
    {
        Mm = mm;
        Base = @base;
        States = states;
        Model = model;
    }

    public AddressSpace Mm { get; }

    public ulong Base { get; }

    public PageState[] States { get; }

    /// <summary>What every mapped byte of the region holds (zero for untouched pages).</summary>
    public byte[] Model { get; }

    public long Length => (long)States.Length * P;

    public static UserMemory Create(IReadOnlyList<PageState> states, int seed)
    {
        var mm = new AddressSpace();
        long addr = mm.Mmap(0, Math.Max(1, states.Count) * (long)P, Prot.Read | Prot.Write, MapFlags.Private);
        Assert.True(addr > 0, $"mmap failed: {addr}");
        var @base = (ulong)addr;
        var model = new byte[states.Count * P];
        var rnd = new Random(seed);
        for (int k = 0; k < states.Count; k++)
        {
            ulong page = @base + (ulong)k * P;
            switch (states[k])
            {
                case PageState.Resident:
                case PageState.ReadOnly:
                    var bytes = new byte[P];
                    rnd.NextBytes(bytes);
                    Assert.Equal(0, mm.CopyToUser(page, bytes));
                    bytes.CopyTo(model, k * P);
                    if (states[k] == PageState.ReadOnly) Assert.True(mm.Mprotect(page, P, Prot.Read).IsOk);
                    break;
                case PageState.Hole:
                    Assert.True(mm.Munmap(page, P).IsOk);
                    break;
            }
        }
        return new UserMemory(mm, @base, [.. states], model);
    }

    /// <summary>The state of the page holding <paramref name="addr"/> (a Hole outside the region).</summary>
    public PageState StateAt(ulong addr) =>
        addr < Base || addr >= Base + (ulong)Length ? PageState.Hole : States[(addr - Base) / P];

    /// <summary>Whether a plain access to the page holding <paramref name="addr"/> succeeds.</summary>
    public bool CanAccess(ulong addr, bool write, bool faultsDisabled) => StateAt(addr) switch
    {
        PageState.Resident => true,
        PageState.Untouched => !faultsDisabled,
        PageState.ReadOnly => !write,
        _ => false,
    };

    /// <summary>Bytes of [addr, addr+len) reachable before the first page an access cannot reach.</summary>
    public long AccessiblePrefix(ulong addr, long len, bool write, bool faultsDisabled)
    {
        long done = 0;
        while (done < len)
        {
            ulong a = addr + (ulong)done;
            if (!CanAccess(a, write, faultsDisabled)) break;
            done += Math.Min(len - done, P - (long)(a % P));
        }
        return done;
    }

    /// <summary>fault_in_* model: bytes NOT faulted in for [addr, addr+len): the first byte, then each
    /// page start, is probed; a failing page P gives len - (P - addr), the first byte failing gives len.
    /// With faults disabled only pages that already allow the access pass.</summary>
    public long FaultInLeft(ulong addr, long len, bool write, bool faultsDisabled)
    {
        if (len == 0) return 0;
        ulong end = addr + (ulong)len;
        for (ulong a = addr; a < end; a = (a & Page.Mask) + P)
            if (!CanAccess(a, write, faultsDisabled)) return len - (long)(a - addr);
        return 0;
    }

    /// <summary>Reads mapped bytes through the PTEs, without faulting (absent pages read as zero).</summary>
    public byte[] Peek(ulong addr, int len)
    {
        var result = new byte[len];
        for (int done = 0; done < len;)
        {
            ulong a = addr + (ulong)done;
            int off = (int)(a % P), n = Math.Min(len - done, P - off);
            var page = Mm.GetPte(a)?.Page;
            if (page is not null) page.Span.Slice(off, n).CopyTo(result.AsSpan(done));
            done += n;
        }
        return result;
    }

    /// <summary>Whether GUP gets the page holding <paramref name="addr"/>: present pages that allow the
    /// access, or, without NoFault, pages a fault can make so (IO and holes never).</summary>
    public bool CanGup(ulong addr, bool write, bool noFault) => StateAt(addr) switch
    {
        PageState.Resident => true,
        PageState.Untouched => !noFault,
        PageState.ReadOnly => !write,
        _ => false,
    };

    /// <summary>The model's bytes for [addr, addr+len) inside the region.</summary>
    public ReadOnlySpan<byte> ModelAt(ulong addr, int len) => Model.AsSpan((int)(addr - Base), len);

    public void Dispose() => Mm.Dispose();
}
