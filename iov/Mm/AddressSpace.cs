namespace ClusterFs.Iov.Mm;

// CONTRACT STUB written by the lead so IovIter can be built in parallel. The mm helper replaces the
// bodies (and adds VMAs, PTEs, faults, mmap/munmap/...). Signatures below are the contract; do not
// change them without telling the lead.
public sealed partial class AddressSpace : IDisposable
{
    /// <summary>copy_to_user: copies <paramref name="src"/> to user address <paramref name="addr"/>, faulting
    /// as the current task allows. Returns the bytes NOT copied (0 = all); stops exactly at the first
    /// byte that cannot be written.</summary>
    public long CopyToUser(ulong addr, ReadOnlySpan<byte> src) => throw new NotImplementedException();

    /// <summary>copy_from_user (raw: the uncopied tail of <paramref name="dst"/> is left as it was).
    /// Returns the bytes NOT copied.</summary>
    public long CopyFromUser(ulong addr, Span<byte> dst) => throw new NotImplementedException();

    /// <summary>clear_user: zeroes <paramref name="n"/> user bytes. Returns the bytes NOT cleared.</summary>
    public long ClearUser(ulong addr, long n) => throw new NotImplementedException();

    /// <summary>get_user_pages_fast: fills <paramref name="pages"/> (may be null) starting at page-aligned
    /// <paramref name="start"/>. Returns the number of pages got/pinned (possibly fewer than asked),
    /// or -errno when none was; with FastOnly never negative.</summary>
    public long GetUserPages(ulong start, int nrPages, GupFlags flags, Page[]? pages) => throw new NotImplementedException();

    /// <summary>Releases pages obtained by GetUserPages (put_page, or unpin_user_page with Pin).</summary>
    public static void ReleasePages(ReadOnlySpan<Page> pages, GupFlags flags) => throw new NotImplementedException();

    public void Dispose() { }
}
