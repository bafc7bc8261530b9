namespace ClusterFs.Fs.Api;

/// <summary>open(2) flags with Linux x86-64 values. The access mode is the low two bits.</summary>
[Flags]
public enum OpenFlags
{
    ReadOnly = 0,
    WriteOnly = 1,
    ReadWrite = 2,
    AccessModeMask = 3,
    Create = 0x40,
    Exclusive = 0x80,
    Truncate = 0x200,
    Append = 0x400,
    Dsync = 0x1000,
    Direct = 0x4000,
    Directory = 0x10000,
    /// <summary>O_NOFOLLOW: a final symlink fails with ELOOP.</summary>
    NoFollow = 0x20000,
    /// <summary>O_SYNC includes O_DSYNC's bit, as on Linux.</summary>
    Sync = 0x101000,
}
