namespace ClusterFs.Iov.Userfaults;

/// <summary>struct uffdio_api: in, the API version (0xAA) and the requested features; out, every supported
/// feature and the context ioctls (zeroed on error).</summary>
public record struct UffdioApi(ulong Api, UserfaultFeatures Features, UserfaultIoctls Ioctls)
{
    /// <summary>UFFD_API.</summary>
    public const ulong Version = 0xAA;
}
