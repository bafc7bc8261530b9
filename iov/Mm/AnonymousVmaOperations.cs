namespace ClusterFs.Iov.Mm;

/// <summary>Private anonymous memory: the zero page on a read fault, a fresh page on a write fault,
/// copy-on-write from the zero page.</summary>
internal sealed class AnonymousVmaOperations : IVmaOperations
{
    public static AnonymousVmaOperations Instance { get; } = new();

    private AnonymousVmaOperations() { }

    public bool AllowsDontNeed => true;

    public bool ZapOnInvalidate(Pte pte) => false;

    public VmFaultResult HandleFault(AddressSpace mm, VmFault vmf)
    {
        var old = mm.GetPte(vmf.Address);
        if (old is null || !old.IsPresent)
        {
            if (vmf.Vma.IsUserfaultMissing) return vmf.Vma.Userfault!.HandleUserfault(vmf, UserfaultModes.Missing);
            var pte = vmf.IsWrite
                ? new Pte(AddressSpace.NewAnonymousPage(), PteFlags.Present | PteFlags.Writable | PteFlags.Dirty | PteFlags.Accessed)
                : new Pte(Page.Zero, PteFlags.Present | PteFlags.Special | PteFlags.Accessed);
            mm.InstallPte(vmf.Address, old, pte);
            return VmFaultResult.Ok;
        }
        return mm.UpgradePresentPrivate(vmf, old);
    }
}
