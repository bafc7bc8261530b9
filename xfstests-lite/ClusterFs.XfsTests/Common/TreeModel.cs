namespace ClusterFs.XfsTests.Common;

/// <summary>
/// The expected state of a directory tree for fsstress-style tests: paths (relative, '/'-separated)
/// mapped to directories, symlinks (with their target) and files (sharing one
/// <see cref="FileInode"/> per hard-linked inode). Not thread-safe: one model per thread.
/// </summary>
public sealed class TreeModel
{
    /// <summary>A file's contents, shared by all its hard links.</summary>
    public sealed class FileInode
    {
        public byte[] Data { get; set; } = [];
    }

    /// <summary>One name: exactly one of directory, symlink (Target) or file (Inode).</summary>
    public sealed record Entry(bool IsDir, string? Target, FileInode? Inode);

    public SortedDictionary<string, Entry> Entries { get; } = new(StringComparer.Ordinal);

    public IEnumerable<string> Dirs => Entries.Where(e => e.Value.IsDir).Select(e => e.Key);

    public IEnumerable<string> Files => Entries.Where(e => e.Value.Inode is not null).Select(e => e.Key);

    /// <summary>How many names the model holds for <paramref name="inode"/> (the expected nlink).</summary>
    public int Links(FileInode inode) => Entries.Values.Count(e => ReferenceEquals(e.Inode, inode));

    /// <summary>Whether directory <paramref name="dir"/> has no entries.</summary>
    public bool IsEmptyDir(string dir) => !Entries.Keys.Any(k => k.StartsWith(dir + "/", StringComparison.Ordinal));

    /// <summary>Renames <paramref name="from"/> (and, for a directory, everything under it) to <paramref name="to"/>.</summary>
    public void Rename(string from, string to)
    {
        var moved = Entries.Where(e => e.Key == from || e.Key.StartsWith(from + "/", StringComparison.Ordinal)).ToList();
        foreach (var e in moved) Entries.Remove(e.Key);
        foreach (var e in moved) Entries[to + e.Key[from.Length..]] = e.Value;
    }

    /// <summary>
    /// Compares the tree under <paramref name="root"/> with the model: names, types, symlink targets,
    /// file contents and link counts. Returns one line per difference.
    /// </summary>
    public List<string> Verify(string root, Func<string, uint> nlinkOf)
    {
        var problems = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string full in Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            string rel = Path.GetRelativePath(root, full).Replace('\\', '/');
            seen.Add(rel);
            if (!Entries.TryGetValue(rel, out var e)) { problems.Add($"{rel}: exists but the model has no such name"); continue; }
            var info = new FileInfo(full);
            if (info.LinkTarget is not null)
            {
                if (e.Target != info.LinkTarget) problems.Add($"{rel}: symlink to '{info.LinkTarget}', expected {(e.Target is null ? "no symlink" : $"'{e.Target}'")}");
            }
            else if (Directory.Exists(full))
            {
                if (!e.IsDir) problems.Add($"{rel}: is a directory, expected a file or symlink");
            }
            else if (e.Inode is null) problems.Add($"{rel}: is a file, expected a directory or symlink");
            else
            {
                byte[] data = File.ReadAllBytes(full);
                int diff = Pattern.FirstDifference(data, e.Inode.Data);
                if (diff >= 0) problems.Add($"{rel}: contents differ at {diff} (size {data.Length}, expected {e.Inode.Data.Length})");
                uint n = nlinkOf(full);
                if (n != Links(e.Inode)) problems.Add($"{rel}: nlink {n}, expected {Links(e.Inode)}");
            }
        }
        foreach (string missing in Entries.Keys.Where(k => !seen.Contains(k))) problems.Add($"{missing}: missing");
        return problems;
    }
}
