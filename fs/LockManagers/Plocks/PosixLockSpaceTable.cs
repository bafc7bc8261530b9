using ClusterFs.Iov;

namespace ClusterFs.Fs.LockManagers.Plocks;

/// <summary>One node's <see cref="IPosixLockTable"/> over a <see cref="PosixLockSpace"/>. The node's journal id is read at
/// each call (-1 before mount or after unmount: every call then fails with EIO).</summary>
internal sealed class PosixLockSpaceTable(PosixLockSpace space, Func<int> journalId) : IPosixLockTable
{
    public Errno Test(ulong inode, in PosixLockRequest request, out PosixLock conflict)
    {
        int node = journalId();
        if (node < 0)
        {
            conflict = default;
            return Errno.EIO;
        }
        return space.Test(node, inode, request, out conflict);
    }

    public Errno Set(ulong inode, in PosixLockRequest request, bool wait, CancellationToken cancel)
    {
        int node = journalId();
        return node < 0 ? Errno.EIO : space.Set(node, inode, request, wait, cancel);
    }

    public Errno Release(ulong inode, ulong owner)
    {
        int node = journalId();
        return node < 0 ? Errno.EIO : space.Release(node, inode, owner);
    }
}
