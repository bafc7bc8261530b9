using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Glocks.Operations;

/// <summary>No-op members for glock types that lack a capability; each type is a sealed singleton deriving from this.</summary>
public abstract class GlockOperationsBase : IGlockOperations
{
    public abstract GlockType Type { get; }
    public abstract string Name { get; }
    public abstract GlockOperationFlags Flags { get; }
    public virtual Errno Sync(Glock glock, LockState target) => Errno.OK;
    public virtual void Invalidate(Glock glock, LockState target) { }
    public virtual Errno Instantiate(Glock glock) => Errno.OK;
    public virtual Errno Held(GlockHolder holder) => Errno.OK;
    public virtual void Callback(Glock glock, bool remote) { }
}
