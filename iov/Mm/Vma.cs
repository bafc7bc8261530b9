namespace ClusterFs.Iov.Mm;

/// <summary>
/// vm_area_struct: one mapped range [Start, End) with its protection, flags and backing. Its fields
/// change only under the owning address space's mmap lock held exclusive (and, for a file mapping,
/// the mapping's rmap lock, so a reverse-map walk sees a consistent range).
/// </summary>
public sealed class Vma
{
    internal Vma(AddressSpace owner, ulong start, ulong end, VmaFlags flags, IVmaOperations ops,
        VmMapping? mapping, long pageOffset, Page[]? frames)
    {
        Owner = owner;
        Start = start;
        End = end;
        Flags = flags;
        Ops = ops;
        Mapping = mapping;
        PageOffset = pageOffset;
        Frames = frames;
    }

    public AddressSpace Owner { get; }

    public ulong Start { get; internal set; }

    public ulong End { get; internal set; }

    public VmaFlags Flags { get; internal set; }

    /// <summary>The file mapping (or shared-anonymous object) behind the VMA, if any.</summary>
    public VmMapping? Mapping { get; }

    /// <summary>vm_pgoff: the file page (or frame index) mapped at <see cref="Start"/>.</summary>
    public long PageOffset { get; internal set; }

    public long PageCount => (long)((End - Start) >> Page.Shift);

    public bool IsShared => (Flags & VmaFlags.Shared) != 0;

    public bool IsIoOrPfnMap => (Flags & (VmaFlags.Io | VmaFlags.PfnMap)) != 0;

    /// <summary>The frames of an IO/PFNMAP VMA, indexed by page offset.</summary>
    internal Page[]? Frames { get; }

    /// <summary>The userfault context this VMA is registered with (vm_userfaultfd_ctx), if any.</summary>
    internal IUserfaultHandler? Userfault { get; set; }

    /// <summary>The registered userfault modes (VM_UFFD_MISSING / VM_UFFD_WP).</summary>
    public UserfaultModes UserfaultModes { get; internal set; }

    /// <summary>Whether a missing fault here goes to a userfault context.</summary>
    internal bool IsUserfaultMissing => Userfault is not null && (UserfaultModes & UserfaultModes.Missing) != 0;

    /// <summary>The per-VMA fault lock.</summary>
    internal VmaLock Lock { get; } = new();

    /// <summary>Per-kind fault behaviour (anonymous, file, frames).</summary>
    internal IVmaOperations Ops { get; }

    /// <summary>vma_permits_fault: a write needs VM_WRITE, any access needs VM_READ (or VM_WRITE).</summary>
    internal bool PermitsFault(FaultFlags flags) =>
        (flags & FaultFlags.Write) != 0 ? (Flags & VmaFlags.Write) != 0 : (Flags & (VmaFlags.Read | VmaFlags.Write | VmaFlags.Exec)) != 0;

    internal bool Contains(ulong addr) => addr >= Start && addr < End;

    /// <summary>A copy covering [at, End) with the page offset advanced accordingly (the tail of a split).</summary>
    internal Vma CloneTail(ulong at) =>
        new(Owner, at, End, Flags, Ops, Mapping, PageOffset + (long)((at - Start) >> Page.Shift), Frames)
        {
            Userfault = Userfault,
            UserfaultModes = UserfaultModes,
        };

    public override string ToString() => $"Vma[{Start:x}-{End:x} {Flags}]";
}
