namespace ClusterFs.Iov.Userfaults;

/// <summary>The ioctl bitmask returned by API and REGISTER (1 &lt;&lt; _UFFDIO_*).</summary>
[Flags]
public enum UserfaultIoctls : ulong
{
    None = 0,
    Register = 1UL << 0x00,
    Unregister = 1UL << 0x01,
    Wake = 1UL << 0x02,
    Copy = 1UL << 0x03,
    ZeroPage = 1UL << 0x04,
    Move = 1UL << 0x05,
    WriteProtect = 1UL << 0x06,
    Continue = 1UL << 0x07,
    Poison = 1UL << 0x08,
    Api = 1UL << 0x3F,
}
