namespace ClusterFs.Fs.LockManagers.Etcd;

/// <summary>
/// An auto-reset wake-up for one waiting task: <see cref="Set"/> wakes the current or next
/// <see cref="WaitAsync"/>; several Sets before a wait count as one. Waiters re-check their condition after waking.
/// </summary>
internal sealed class AsyncSignal
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously); // under _lock
    private bool _set; // under _lock

    /// <summary>Wakes the waiter (now, or at its next wait).</summary>
    public void Set()
    {
        TaskCompletionSource tcs;
        lock (_lock)
        {
            _set = true;
            tcs = _tcs;
        }
        tcs.TrySetResult();
    }

    /// <summary>Waits until <see cref="Set"/> was called since the last wait returned, or <paramref name="ct"/> fires (then throws OperationCanceledException).</summary>
    public async Task WaitAsync(CancellationToken ct)
    {
        Task task;
        lock (_lock)
        {
            if (_set)
            {
                _set = false;
                return;
            }
            if (_tcs.Task.IsCompleted) _tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            task = _tcs.Task;
        }
        await task.WaitAsync(ct).ConfigureAwait(false);
        lock (_lock) _set = false;
    }
}
