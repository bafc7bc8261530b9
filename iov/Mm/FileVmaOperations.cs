namespace ClusterFs.Iov.Mm;

/// <summary>File-backed (and shared anonymous) VMAs: pages come from the mapping's
/// <see cref="IVmOperations"/>; a private write gets a private copy, a shared write calls PageMkwrite.</summary>
internal sealed class FileVmaOperations : IVmaOperations
{
    public static FileVmaOperations Instance { get; } = new();

    private FileVmaOperations() { }

    public bool AllowsDontNeed => true;

    public bool ZapOnInvalidate(Pte pte) => pte.Page is { IsAnonymous: false };

    public VmFaultResult HandleFault(AddressSpace mm, VmFault vmf)
    {
        var vma = vmf.Vma;
        var ops = vma.Mapping!.Operations;
        var old = mm.GetPte(vmf.Address);
        if (old is null || !old.IsPresent)
        {
            if (vma.IsUserfaultMissing && vma.Mapping.Shmem is { } shmem && !shmem.HasPage(vmf.PageOffset))
                return vma.Userfault!.HandleUserfault(vmf, UserfaultModes.Missing);
            long sequence = vma.Mapping.InvalidateSequence;
            var r = ops.Fault(vmf);
            if (r != VmFaultResult.Ok) return r;
            if (vmf.LockReleased) return VmFaultResult.Retry;
            var page = vmf.Page;
            if (page is null) return VmFaultResult.SigBus;
            if (!vmf.IsWrite)
            {
                // Mapped read-only even in a writable shared VMA, so the first write calls PageMkwrite.
                return MapUnlessInvalidated(mm, vmf, old, new Pte(page, PteFlags.Present | PteFlags.Accessed), sequence);
            }
            if (!vma.IsShared)
            {
                // Copy first, then check: a copy of a page invalidated meanwhile is not installed (the
                // access faults again). Once installed the copy is the task's own memory and stays.
                var copy = AddressSpace.CopyToAnonymousPage(page);
                if (vma.Mapping.InvalidateSequence == sequence)
                    mm.InstallPte(vmf.Address, old, new Pte(copy, PteFlags.Present | PteFlags.Writable | PteFlags.Dirty | PteFlags.Accessed));
                return VmFaultResult.Ok;
            }
            return MkwriteAndMap(mm, vmf, old, page, sequence);
        }
        if (!vma.IsShared) return mm.UpgradePresentPrivate(vmf, old);
        if (!vmf.IsWrite || old.IsWritable)
            return mm.TouchPte(vmf, old);
        return MkwriteAndMap(mm, vmf, old, old.Page!, vma.Mapping.InvalidateSequence);
    }

    /// <summary>Installs <paramref name="pte"/>, then takes it out again if the mapping was invalidated
    /// since <paramref name="sequence"/> was read (the page may no longer be the cache's).</summary>
    private static VmFaultResult MapUnlessInvalidated(AddressSpace mm, VmFault vmf, Pte? old, Pte pte, long sequence)
    {
        mm.InstallPte(vmf.Address, old, pte);
        if (vmf.Vma.Mapping!.InvalidateSequence != sequence)
        {
            ulong vpn = vmf.Address >> Page.Shift;
            mm.ZapPtes(vpn, vpn + 1, p => ReferenceEquals(p, pte));
        }
        return VmFaultResult.Ok;
    }

    private static VmFaultResult MkwriteAndMap(AddressSpace mm, VmFault vmf, Pte? old, Page page, long sequence)
    {
        vmf.Page = page;
        var r = vmf.Vma.Mapping!.Operations.PageMkwrite(vmf);
        if (r != VmFaultResult.Ok) return r;
        if (vmf.LockReleased) return VmFaultResult.Retry;
        page.Dirty = true;
        return MapUnlessInvalidated(mm, vmf, old, new Pte(page, PteFlags.Present | PteFlags.Writable | PteFlags.Dirty | PteFlags.Accessed), sequence);
    }
}
