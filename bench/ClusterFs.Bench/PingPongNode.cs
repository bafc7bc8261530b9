using ClusterFs.Fs.LockManagers;

namespace ClusterFs.Bench;

/// <summary>
/// Callbacks of one ping-pong node: it gives its EX lock up as soon as another node asks (blocking
/// callback); <see cref="AcquireAsync"/> takes it back.
/// </summary>
public sealed class PingPongNode : ILockManagerCallbacks
{
    private TaskCompletionSource _granted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _released = Done();
    private volatile bool _holdsExclusive;

    public PingPongNode(ILockManager manager) => Manager = manager;

    public ILockManager Manager { get; }

    /// <summary>Takes EX on <paramref name="name"/> (after this node's own last release has completed: one request per lock at a time).</summary>
    public async Task AcquireAsync(LockName name)
    {
        await _released.Task.ConfigureAwait(false);
        _granted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Manager.Lock(name, LockState.Unlocked, LockState.Exclusive, LockRequestFlags.None);
        await _granted.Task.ConfigureAwait(false);
    }

    /// <summary>Releases EX on <paramref name="name"/> and waits for the release to complete.</summary>
    public async Task ReleaseAsync(LockName name)
    {
        _holdsExclusive = false;
        _released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Manager.Lock(name, LockState.Exclusive, LockState.Unlocked, LockRequestFlags.None);
        await _released.Task.ConfigureAwait(false);
    }

    private static TaskCompletionSource Done()
    {
        var t = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        t.SetResult();
        return t;
    }

    public void Completed(LockName name, LockState state, LockStatus status)
    {
        if (state == LockState.Exclusive && status == LockStatus.Granted)
        {
            _holdsExclusive = true;
            _granted.TrySetResult();
        }
        else if (status == LockStatus.Granted)
        {
            _released.TrySetResult();
        }
        else
        {
            _granted.TrySetException(new InvalidOperationException($"lock {name}: {status}"));
        }
    }

    public void Blocking(LockName name, LockState wanted)
    {
        if (!_holdsExclusive) return;
        _holdsExclusive = false;
        _released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Manager.Lock(name, LockState.Exclusive, LockState.Unlocked, LockRequestFlags.None);
    }

    public void RecoverJournal(int journalId)
    {
    }

    public void Withdraw(string reason) => _granted.TrySetException(new InvalidOperationException("withdrawn: " + reason));
}
