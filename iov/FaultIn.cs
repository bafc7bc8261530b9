using ClusterFs.Iov.Mm;

namespace ClusterFs.Iov;

// CONTRACT STUB (lead): the mm helper implements these; the IovIter helper builds
// FaultInIovIterReadable/Writeable on them through the iterator's one segment walk.
/// <summary>fault_in_* helpers. Every one returns the number of bytes NOT faulted in (0 = all).</summary>
public static class FaultIn
{
    /// <summary>fault_in_readable: read-probes the first byte, then the first byte of each following page.</summary>
    public static long Readable(AddressSpace mm, ulong addr, long size) => throw new NotImplementedException();

    /// <summary>fault_in_writeable: destructive (writes a zero byte into each probed page).</summary>
    public static long Writeable(AddressSpace mm, ulong addr, long size) => throw new NotImplementedException();

    /// <summary>fault_in_safe_writeable: a real, non-destructive write fault per page (breaks COW).</summary>
    public static long SafeWriteable(AddressSpace mm, ulong addr, long size) => throw new NotImplementedException();
}
