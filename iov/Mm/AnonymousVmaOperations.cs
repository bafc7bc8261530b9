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
        var vma = vmf.Vma;
        var old = mm.GetPte(vmf.Address);
        if (vmf.IsWrite && old is { IsUffdWp: true } && vma.Userfault is { } uffd && (vma.UserfaultModes & UserfaultModes.WriteProtect) != 0)
        {
            if (!uffd.WriteProtectAsync) return uffd.HandleUserfault(vmf, UserfaultModes.WriteProtect);
            // Asynchronous write-protect: drop the protection in place (the page is now "written") and
            // continue as an ordinary write fault.
            var resolved = old.IsPresent ? old.With(PteFlags.None, PteFlags.UffdWp) : null;
            if (!mm.TryReplacePte(vmf.Address, old, resolved)) return VmFaultResult.Ok;
            old = resolved;
        }
        if (old is null || !old.IsPresent)
        {
            // uffd-wp markers count as none for missing faults.
            if (vma.IsUserfaultMissing) return vma.Userfault!.HandleUserfault(vmf, UserfaultModes.Missing);
            var pte = vmf.IsWrite
                ? new Pte(AddressSpace.NewAnonymousPage(), PteFlags.Present | PteFlags.Writable | PteFlags.Dirty | PteFlags.Accessed)
                : new Pte(Page.Zero, PteFlags.Present | PteFlags.Special | PteFlags.Accessed | (old?.Flags & PteFlags.UffdWp ?? 0));
            mm.InstallPte(vmf.Address, old, pte);
            return VmFaultResult.Ok;
        }
        return mm.UpgradePresentPrivate(vmf, old);
    }
}
