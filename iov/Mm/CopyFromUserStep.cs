namespace ClusterFs.Iov.Mm;

/// <summary>copy_from_user's step: user pages into the destination span.</summary>
internal ref struct CopyFromUserStep(Span<byte> dst) : IUserAccessStep
{
    private readonly Span<byte> _dst = dst;

    public readonly bool IsWrite => false;

    public readonly void Step(Span<byte> pageBytes, long done) => pageBytes.CopyTo(_dst.Slice((int)done, pageBytes.Length));
}
