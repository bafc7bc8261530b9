namespace ClusterFs.Fuse;

/// <summary>renameat2 flags passed through to the filesystem.</summary>
[Flags]
public enum FuseRenameFlags : uint
{
    None = 0,
    /// <summary>RENAME_NOREPLACE: fail with EEXIST if the target exists.</summary>
    NoReplace = 1 << 0,
    /// <summary>RENAME_EXCHANGE: atomically swap source and target (both must exist).</summary>
    Exchange = 1 << 1,
    /// <summary>RENAME_WHITEOUT (overlayfs); usually answered EINVAL.</summary>
    Whiteout = 1 << 2,
}
