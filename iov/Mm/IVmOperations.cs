namespace ClusterFs.Iov.Mm;

/// <summary>
/// vm_operations_struct for a file mapping: how the owner of a <see cref="VmMapping"/> (a filesystem's
/// page cache) supplies pages to faults. Called with the mmap lock held shared; a handler that must
/// block for long (or take a lock that may be held across a user copy) may call
/// <see cref="VmFault.ReleaseLock"/> and return <see cref="VmFaultResult.Retry"/>.
/// </summary>
public interface IVmOperations
{
    /// <summary>->fault: find or read the page-cache page at <see cref="VmFault.PageOffset"/> and set
    /// <see cref="VmFault.Page"/>. Return <see cref="VmFaultResult.Ok"/>, Retry, or an error
    /// (SigBus beyond end of file).</summary>
    VmFaultResult Fault(VmFault vmf);

    /// <summary>->page_mkwrite: the first write through a shared mapping to <see cref="VmFault.Page"/> (already
    /// set). The filesystem allocates blocks / takes its locks here. Return Ok to let the write proceed.</summary>
    VmFaultResult PageMkwrite(VmFault vmf) => VmFaultResult.Ok;
}
