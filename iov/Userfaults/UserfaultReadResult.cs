namespace ClusterFs.Iov.Userfaults;

/// <summary>The outcome of an asynchronous read: a message, or an error (EBADF when the context was released
/// before a fault arrived, EINVAL before the API handshake).</summary>
public readonly record struct UserfaultReadResult(Errno Error, UserfaultMessage Message);
