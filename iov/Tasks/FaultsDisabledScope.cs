namespace ClusterFs.Iov.Tasks;

/// <summary>The scope returned by <see cref="Faults.Disable"/>: disposing it re-enables faults (one level).</summary>
public ref struct FaultsDisabledScope
{
    private TaskContext? _task;

    internal FaultsDisabledScope(TaskContext task) => _task = task;

    public void Dispose()
    {
        var task = _task;
        if (task is null) return;
        _task = null;
        if (!ReferenceEquals(task, TaskContext.Current))
            throw new InvalidOperationException("a page-fault-disable scope must end on the thread that began it");
        if (task.PagefaultDisableDepth <= 0)
            throw new InvalidOperationException("page faults enabled more often than disabled");
        task.PagefaultDisableDepth--;
    }
}
