using ClusterFs.Iov.Tasks;

namespace ClusterFs.Iov.Userfaults;

/// <summary>A task blocked in a userfault: its message, on the pending (unread) or read queue of its
/// context. All fields are guarded by the context's lock.</summary>
internal sealed class UserfaultWaiter
{
    public UserfaultWaiter(UserfaultMessage message, ulong pageAddress, TaskContext task)
    {
        Message = message;
        PageAddress = pageAddress;
        Task = task;
        Node = new LinkedListNode<UserfaultWaiter>(this);
    }

    public UserfaultMessage Message { get; }

    /// <summary>The page-aligned fault address (wake ranges match on it).</summary>
    public ulong PageAddress { get; }

    public TaskContext Task { get; }

    /// <summary>This waiter's node in whichever queue holds it (Node.List is null when in none).</summary>
    public LinkedListNode<UserfaultWaiter> Node { get; }

    /// <summary>Set when a wake (COPY, ZEROPAGE, WAKE, UNREGISTER, release) resolved the fault.</summary>
    public bool Woken { get; set; }
}
