namespace ClusterFs.Iov.Mm;

/// <summary>copy_to_user's step: source span into user pages.</summary>
internal ref struct CopyToUserStep(ReadOnlySpan<byte> src) : IUserAccessStep
{
    private readonly ReadOnlySpan<byte> _src = src;

    public readonly bool IsWrite => true;

    public readonly void Step(Span<byte> pageBytes, long done) => _src.Slice((int)done, pageBytes.Length).CopyTo(pageBytes);
}
