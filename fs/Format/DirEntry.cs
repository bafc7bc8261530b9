namespace ClusterFs.Fs.Format;

/// <summary>One readdir result: the name, its inode, its d_type, and the cookie that resumes after it.</summary>
public readonly record struct DirEntry(string Name, long Ino, byte DType, long NextCookie);
