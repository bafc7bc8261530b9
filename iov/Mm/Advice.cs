namespace ClusterFs.Iov.Mm;

/// <summary>madvise advice (MADV_*). Only <see cref="DontNeed"/> changes anything; the others are accepted hints.</summary>
public enum Advice
{
    Normal = 0,
    Random = 1,
    Sequential = 2,
    WillNeed = 3,
    /// <summary>Drop the PTEs of the range: anonymous private memory reads back as zeroes, file pages refault.</summary>
    DontNeed = 4,
}
