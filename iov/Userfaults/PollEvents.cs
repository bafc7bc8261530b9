namespace ClusterFs.Iov.Userfaults;

/// <summary>poll(2) readiness bits of a userfault context (EPOLL* values).</summary>
[Flags]
public enum PollEvents
{
    None = 0,
    /// <summary>An unread fault message is pending.</summary>
    In = 0x1,
    /// <summary>No API handshake yet, or the context is blocking (poll needs O_NONBLOCK).</summary>
    Err = 0x8,
    /// <summary>The context was released.</summary>
    Hup = 0x10,
}
