namespace ClusterFs.Iov.Mm;

/// <summary>Memory protection (PROT_*), as given to mmap and mprotect.</summary>
[Flags]
public enum Prot
{
    None = 0,
    Read = 1,
    Write = 2,
    Exec = 4,
}
