namespace ClusterFs.Iov.Userfaults;

/// <summary>userfaultfd(2) flags; any other bit is EINVAL.</summary>
[Flags]
public enum UserfaultCreateFlags
{
    None = 0,
    /// <summary>UFFD_USER_MODE_ONLY: kernel-mode faults (GUP, fixup_user_fault) get SIGBUS instead of a message.</summary>
    UserModeOnly = 1,
    /// <summary>O_NONBLOCK: reads return EAGAIN when nothing is pending; poll is supported.</summary>
    NonBlocking = 0x800,
    /// <summary>O_CLOEXEC: accepted and recorded (no exec in this model).</summary>
    CloseOnExec = 0x80000,
}
