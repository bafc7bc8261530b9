namespace ClusterFs.Fs.LockManagers;

/// <summary>
/// What a lock manager tells the node (the glock layer implements this), like the DLM's
/// completion and blocking ASTs. Callbacks may arrive on any thread, including synchronously from
/// inside <see cref="ILockManager.Lock"/>: the receiver must not hold its own locks across that call.
/// </summary>
public interface ILockManagerCallbacks
{
    /// <summary>
    /// A request issued with <see cref="ILockManager.Lock"/> completed. <paramref name="state"/> is the
    /// state the node now holds (on TryFailed/Canceled/Error: the state it still holds).
    /// </summary>
    void Completed(LockName name, LockState state, LockStatus status);

    /// <summary>Another node wants <paramref name="wanted"/>, incompatible with what this node holds (a blocking AST).</summary>
    void Blocking(LockName name, LockState wanted);

    /// <summary>A node died: its locks are released; this node should replay journal <paramref name="journalId"/>
    /// (under that journal's glock) and then call <see cref="ILockManager.RecoveryDone"/>.</summary>
    void RecoverJournal(int journalId);

    /// <summary>This node lost its cluster membership (lease expired): stop all I/O at once.</summary>
    void Withdraw(string reason);
}
