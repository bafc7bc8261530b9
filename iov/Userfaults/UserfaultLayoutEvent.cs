namespace ClusterFs.Iov.Userfaults;

/// <summary>A queued non-cooperative event (REMOVE / UNMAP) whose poster waits until it is read. Fields are
/// guarded by the context's lock.</summary>
internal sealed class UserfaultLayoutEvent
{
    public UserfaultLayoutEvent(UserfaultMessage message)
    {
        Message = message;
        Node = new LinkedListNode<UserfaultLayoutEvent>(this);
    }

    public UserfaultMessage Message { get; }

    public LinkedListNode<UserfaultLayoutEvent> Node { get; }

    /// <summary>Read by the handler (or dropped at release / aborted by a fatal signal): the poster may go on.</summary>
    public bool Completed { get; set; }
}
