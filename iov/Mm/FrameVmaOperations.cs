namespace ClusterFs.Iov.Mm;

/// <summary>IO and PFNMAP ranges backed by given frames: faults map the frame (special PTE, so no GUP
/// path will hand it out); plain accesses work.</summary>
internal sealed class FrameVmaOperations : IVmaOperations
{
    public static FrameVmaOperations Instance { get; } = new();

    private FrameVmaOperations() { }

    // madvise_dontneed_valid_vma refuses VM_PFNMAP; the flag test is done by the caller.
    public bool AllowsDontNeed => true;

    public bool ZapOnInvalidate(Pte pte) => true;

    public VmFaultResult HandleFault(AddressSpace mm, VmFault vmf)
    {
        var vma = vmf.Vma;
        var old = mm.GetPte(vmf.Address);
        if (old is null || !old.IsPresent)
        {
            var frames = vma.Frames!;
            if (vmf.PageOffset < 0 || vmf.PageOffset >= frames.Length) return VmFaultResult.SigBus;
            var flags = PteFlags.Present | PteFlags.Special | PteFlags.Accessed;
            if ((vma.Flags & VmaFlags.Write) != 0) flags |= PteFlags.Writable;
            if (vmf.IsWrite) flags |= PteFlags.Dirty;
            mm.InstallPte(vmf.Address, old, new Pte(frames[vmf.PageOffset], flags));
            return VmFaultResult.Ok;
        }
        if (vmf.IsWrite && !old.IsWritable)
        {
            mm.InstallPte(vmf.Address, old, old.With(PteFlags.Writable | PteFlags.Dirty | PteFlags.Accessed, PteFlags.ProtNone));
            return VmFaultResult.Ok;
        }
        return mm.TouchPte(vmf, old);
    }
}
