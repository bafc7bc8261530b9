namespace ClusterFs.Fs.Api;

/// <summary>lseek(2) whence values (Linux).</summary>
public enum Whence
{
    Set = 0,
    Current = 1,
    End = 2,
    Data = 3,
    Hole = 4,
}
