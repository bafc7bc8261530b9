namespace ClusterFs.Fs.Format;

/// <summary>The 2-bit allocation state of a data block in its resource group's bitmap.</summary>
public enum BlockState : byte
{
    Free = 0,
    /// <summary>File data or a non-dinode metadata block (indirect, directory, xattr).</summary>
    Used = 1,
    Dinode = 2,
    /// <summary>A dinode whose nlink reached 0 while still in use; freed by the last closer or fsck.</summary>
    Unlinked = 3,
}
