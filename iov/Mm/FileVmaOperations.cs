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
            var r = ops.Fault(vmf);
            if (r != VmFaultResult.Ok) return r;
            if (vmf.LockReleased) return VmFaultResult.Retry;
            var page = vmf.Page;
            if (page is null) return VmFaultResult.SigBus;
            if (!vmf.IsWrite)
            {
                // Mapped read-only even in a writable shared VMA, so the first write calls PageMkwrite.
                mm.InstallPte(vmf.Address, old, new Pte(page, PteFlags.Present | PteFlags.Accessed));
                return VmFaultResult.Ok;
            }
            if (!vma.IsShared)
            {
                mm.InstallPte(vmf.Address, old, new Pte(AddressSpace.CopyToAnonymousPage(page),
                    PteFlags.Present | PteFlags.Writable | PteFlags.Dirty | PteFlags.Accessed));
                return VmFaultResult.Ok;
            }
            return MkwriteAndMap(mm, vmf, old, page);
        }
        if (!vma.IsShared) return mm.UpgradePresentPrivate(vmf, old);
        if (!vmf.IsWrite || old.IsWritable)
            return mm.TouchPte(vmf, old);
        return MkwriteAndMap(mm, vmf, old, old.Page!);
    }

    private static VmFaultResult MkwriteAndMap(AddressSpace mm, VmFault vmf, Pte? old, Page page)
    {
        vmf.Page = page;
        var r = vmf.Vma.Mapping!.Operations.PageMkwrite(vmf);
        if (r != VmFaultResult.Ok) return r;
        if (vmf.LockReleased) return VmFaultResult.Retry;
        page.Dirty = true;
        mm.InstallPte(vmf.Address, old, new Pte(page, PteFlags.Present | PteFlags.Writable | PteFlags.Dirty | PteFlags.Accessed));
        return VmFaultResult.Ok;
    }
}
