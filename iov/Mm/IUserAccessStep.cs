namespace ClusterFs.Iov.Mm;

/// <summary>One user-access loop step over a resident page's bytes (copy in, copy out, clear).</summary>
internal interface IUserAccessStep
{
    /// <summary>True when the step writes user memory (needs a writable PTE, sets the dirty bit).</summary>
    bool IsWrite { get; }

    /// <summary>Moves <paramref name="pageBytes"/>.Length bytes at loop offset <paramref name="done"/>.</summary>
    void Step(Span<byte> pageBytes, long done);
}
