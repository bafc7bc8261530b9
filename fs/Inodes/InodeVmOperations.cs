using ClusterFs.Fs.Iomap;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.PageCache;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;

namespace ClusterFs.Fs.Inodes;

/// <summary>
/// gfs2_vm_ops for one inode: <see cref="Fault"/> takes the inode glock SH around the page-cache lookup
/// (filemap_fault) and hands the cache page to the fault loop, which maps it; <see cref="PageMkwrite"/> takes the
/// glock EX, refuses pages at or past EOF (SIGBUS), allocates the page's blocks and marks the inode written
/// through a shared mapping. A glock error (EIO after a withdraw, EDEADLK for a recursion, recorded in
/// <see cref="GlockErrorReports"/>) becomes SIGBUS: the access fails with EFAULT.
/// </summary>
internal sealed class InodeVmOperations(Inode inode) : IVmOperations
{
    /// <summary>The inode whose pages this mapping serves (msync finds it through here).</summary>
    public Inode Inode => inode;

    public VmFaultResult Fault(VmFault vmf)
    {
        var gh = inode.Lock(LockState.Shared, out _);
        if (gh is null) return VmFaultResult.SigBus;
        try
        {
            long pos = vmf.PageOffset * Page.Size;
            long size = inode.Size;
            if (pos >= size) return VmFaultResult.SigBus;
            long endIndex = (size + Page.Size - 1) / Page.Size;
            var e = inode.Cache.GetUptodate(vmf.PageOffset, PageCacheTree.ReadaheadPages, endIndex, out var cp);
            if (!e.IsOk) return VmFaultResult.SigBus;
            vmf.Page = cp!.Page;
            return VmFaultResult.Ok;
        }
        finally
        {
            gh.Dq();
        }
    }

    public VmFaultResult PageMkwrite(VmFault vmf)
    {
        var gh = inode.Lock(LockState.Exclusive, out _);
        if (gh is null) return VmFaultResult.SigBus;
        try
        {
            long pos = vmf.PageOffset * Page.Size;
            long size = inode.Size;
            if (pos >= size) return VmFaultResult.SigBus;
            var cp = inode.Cache.Find(vmf.PageOffset);
            if (cp is null || !cp.InCache || !cp.Uptodate || !ReferenceEquals(cp.Page, vmf.Page))
            {
                // The page was invalidated since the fault found it (VM_FAULT_NOPAGE): fault again.
                vmf.ReleaseLock();
                return VmFaultResult.Retry;
            }
            long end = Math.Min(pos + Page.Size, size);
            for (long p = pos; p < end;)
            {
                var e = inode.Begin(p, end - p, IomapIterFlags.Write | IomapIterFlags.Fault, out var m);
                if (!e.IsOk) return VmFaultResult.SigBus; // ENOSPC included, as gfs2 maps it through vmf_fs_error
                p = Math.Min(end, m.Offset + m.Length);
            }
            inode.MarkSwPaged();
            cp.Page.Dirty = true;
            return VmFaultResult.Ok;
        }
        finally
        {
            gh.Dq();
        }
    }
}
