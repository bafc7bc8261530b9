namespace ClusterFs.Fs.LockManagers;

/// <summary>
/// The name of a cluster lock: a lock type (gfs2's LM_TYPE_* numbers, owned by the glock layer)
/// and a number (inode/rgrp block address, journal id, ...). Lock managers treat both as opaque.
/// </summary>
public readonly record struct LockName(uint Type, ulong Number)
{
    public override string ToString() => $"{Type}/{Number:x}";
}
