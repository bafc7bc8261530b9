using ClusterFs.Fs.Glocks;

namespace ClusterFs.Fs.Node;

/// <summary>The meta glock held EX (see <see cref="FsNode.LockMeta"/>); Dispose releases it. Default: holds nothing.</summary>
public readonly struct MetaLockScope(GlockHolder? holder) : IDisposable
{
    public bool IsHeld => holder is { IsHolder: true };

    public void Dispose() => holder?.Dq();
}
