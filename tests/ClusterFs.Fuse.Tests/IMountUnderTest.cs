namespace ClusterFs.Fuse.Tests;

/// <summary>A mounted filesystem the conformance tests run against.</summary>
public interface IMountUnderTest
{
    /// <summary>The absolute mount point.</summary>
    string MountPoint { get; }

    /// <summary>The path of <paramref name="name"/> inside the mount.</summary>
    string PathOf(string name);
}
