namespace ClusterFs.Iov.Mm;

/// <summary>clear_user's step: zeroes user pages.</summary>
internal struct ClearUserStep : IUserAccessStep
{
    public readonly bool IsWrite => true;

    public readonly void Step(Span<byte> pageBytes, long done) => pageBytes.Clear();
}
