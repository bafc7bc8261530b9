namespace ClusterFs.Iov;

/// <summary>
/// A positive errno value (0 = success), as fuser and go-fuse carry it. The sign flip to the
/// kernel's negative convention happens in one place only (the FUSE reply path). Results that
/// are "a count or an error" use <c>long</c> with <c>-errno</c>, like the kernel's ssize_t.
/// </summary>
public readonly record struct Errno(int Value)
{
    public static readonly Errno OK = new(0);
    public static readonly Errno EPERM = new(1);
    public static readonly Errno ENOENT = new(2);
    public static readonly Errno ESRCH = new(3);
    public static readonly Errno EINTR = new(4);
    public static readonly Errno EIO = new(5);
    public static readonly Errno ENXIO = new(6);
    public static readonly Errno E2BIG = new(7);
    public static readonly Errno EBADF = new(9);
    public static readonly Errno ECHILD = new(10);
    public static readonly Errno EAGAIN = new(11);
    public static readonly Errno ENOMEM = new(12);
    public static readonly Errno EACCES = new(13);
    public static readonly Errno EFAULT = new(14);
    public static readonly Errno ENOTBLK = new(15);
    public static readonly Errno EBUSY = new(16);
    public static readonly Errno EEXIST = new(17);
    public static readonly Errno EXDEV = new(18);
    public static readonly Errno ENODEV = new(19);
    public static readonly Errno ENOTDIR = new(20);
    public static readonly Errno EISDIR = new(21);
    public static readonly Errno EINVAL = new(22);
    public static readonly Errno ENFILE = new(23);
    public static readonly Errno EMFILE = new(24);
    public static readonly Errno EFBIG = new(27);
    public static readonly Errno ENOSPC = new(28);
    public static readonly Errno ESPIPE = new(29);
    public static readonly Errno EROFS = new(30);
    public static readonly Errno EMLINK = new(31);
    public static readonly Errno ERANGE = new(34);
    public static readonly Errno EDEADLK = new(35);
    public static readonly Errno ENAMETOOLONG = new(36);
    public static readonly Errno ENOLCK = new(37);
    public static readonly Errno ENOSYS = new(38);
    public static readonly Errno ENOTEMPTY = new(39);
    public static readonly Errno ELOOP = new(40);
    public static readonly Errno ENODATA = new(61);
    public static readonly Errno EOVERFLOW = new(75);
    public static readonly Errno EOPNOTSUPP = new(95);
    public static readonly Errno ETIMEDOUT = new(110);
    public static readonly Errno ESTALE = new(116);
    public static readonly Errno EUCLEAN = new(117);
    public static readonly Errno ECANCELED = new(125);
    public static readonly Errno EHWPOISON = new(133);
    /// <summary>Kernel-internal: restart the system call after the signal is handled.</summary>
    public static readonly Errno ERESTARTSYS = new(512);
    /// <summary>Kernel-internal: an asynchronous I/O was queued and completes later.</summary>
    public static readonly Errno EIOCBQUEUED = new(529);

    public bool IsOk => Value == 0;

    /// <summary>The kernel's negative form, for "count or -errno" results.</summary>
    public long Negative => -Value;

    /// <summary>Reads a "count or -errno" result: the errno when negative, OK otherwise.</summary>
    public static Errno FromResult(long result) => result < 0 ? new Errno((int)-result) : OK;

    public override string ToString() => s_names.TryGetValue(Value, out var n) ? n : $"errno {Value}";

    private static readonly Dictionary<int, string> s_names = new()
    {
        [0] = "OK", [1] = "EPERM", [2] = "ENOENT", [3] = "ESRCH", [4] = "EINTR", [5] = "EIO", [6] = "ENXIO",
        [7] = "E2BIG", [9] = "EBADF", [10] = "ECHILD", [11] = "EAGAIN", [12] = "ENOMEM",
        [13] = "EACCES", [14] = "EFAULT", [15] = "ENOTBLK", [16] = "EBUSY", [17] = "EEXIST",
        [18] = "EXDEV", [19] = "ENODEV", [20] = "ENOTDIR", [21] = "EISDIR", [22] = "EINVAL",
        [23] = "ENFILE", [24] = "EMFILE", [27] = "EFBIG", [28] = "ENOSPC", [29] = "ESPIPE",
        [30] = "EROFS", [31] = "EMLINK", [34] = "ERANGE", [35] = "EDEADLK", [36] = "ENAMETOOLONG",
        [37] = "ENOLCK", [38] = "ENOSYS", [39] = "ENOTEMPTY", [40] = "ELOOP", [61] = "ENODATA",
        [75] = "EOVERFLOW", [95] = "EOPNOTSUPP", [110] = "ETIMEDOUT", [116] = "ESTALE",
        [117] = "EUCLEAN", [125] = "ECANCELED", [133] = "EHWPOISON", [512] = "ERESTARTSYS",
        [529] = "EIOCBQUEUED",
    };
}
