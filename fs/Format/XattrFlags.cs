namespace ClusterFs.Fs.Format;

/// <summary>setxattr flags (Linux values).</summary>
[Flags]
public enum XattrFlags
{
    None = 0,
    /// <summary>Fail with EEXIST when the name exists.</summary>
    Create = 1,
    /// <summary>Fail with ENODATA when the name does not exist.</summary>
    Replace = 2,
}
