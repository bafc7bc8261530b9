namespace ClusterFs.Iov.Tasks;

/// <summary>pagefault_disable / pagefault_enable for the current task.</summary>
public static class Faults
{
    /// <summary>Disables page faults for the current task until the returned scope is disposed; scopes nest.
    /// While disabled, a user access that needs a fault fails at that page without calling any handler.</summary>
    public static FaultsDisabledScope Disable()
    {
        var task = TaskContext.Current;
        task.PagefaultDisableDepth++;
        return new FaultsDisabledScope(task);
    }

    /// <summary>True when the current task has page faults disabled.</summary>
    public static bool AreDisabled => TaskContext.Current.PagefaultsDisabled;
}
