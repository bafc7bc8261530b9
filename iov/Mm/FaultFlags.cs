namespace ClusterFs.Iov.Mm;

/// <summary>FAULT_FLAG_*: what kind of fault is being handled.</summary>
[Flags]
public enum FaultFlags
{
    None = 0,
    /// <summary>A write access (breaks copy-on-write, calls PageMkwrite on shared file mappings).</summary>
    Write = 1,
    /// <summary>The fault was retried once already (after a handler dropped the mmap lock).</summary>
    Tried = 2,
    /// <summary>Raised on behalf of GUP or fixup_user_fault, not by a plain user access.</summary>
    Remote = 4,
}
