using ClusterFs.XfsTests.Native;

namespace ClusterFs.XfsTests.Common;

/// <summary>
/// One fsstress process: seeded random namespace and data operations in its own directory, each
/// mirrored in a <see cref="TreeModel"/>. Unexpected results (errors, short I/O, reads that differ
/// from the model) are returned as lines; the caller verifies the tree against the model afterwards.
/// </summary>
public sealed class FsstressWorker
{
    private readonly string _root;
    private readonly TreeModel _model;
    private readonly Random _rng;
    private readonly List<string> _errors = [];
    private int _names;

    public FsstressWorker(string root, TreeModel model, Random rng)
    {
        _root = root;
        _model = model;
        _rng = rng;
    }

    /// <summary>Runs <paramref name="ops"/> operations (fewer if cancelled); returns the unexpected results.</summary>
    public List<string> Run(int ops, CancellationToken cancel)
    {
        // Weighted like fsstress's default mix: data operations dominate, namespace changes follow.
        (int Weight, Action Op)[] table =
        [
            (10, Create), (5, Mkdir), (15, Write), (5, Truncate), (5, Link), (8, RenameFile),
            (2, RenameDir), (6, Unlink), (3, Rmdir), (4, Symlink), (3, Fsync), (10, ReadBack),
        ];
        int total = table.Sum(t => t.Weight);
        for (int i = 0; i < ops && !cancel.IsCancellationRequested; i++)
        {
            int pick = _rng.Next(total);
            foreach (var (w, op) in table)
            {
                if (pick < w) { op(); break; }
                pick -= w;
            }
        }
        return _errors;
    }

    private string Full(string rel) => Path.Combine(_root, rel);

    private static string Join(string dir, string name) => dir.Length == 0 ? name : dir + "/" + name;

    private string RandomDir()
    {
        var dirs = _model.Dirs.Prepend("").ToList();
        return dirs[_rng.Next(dirs.Count)];
    }

    private string? Pick(IEnumerable<string> from)
    {
        var l = from.ToList();
        return l.Count == 0 ? null : l[_rng.Next(l.Count)];
    }

    private string NewName(string kind) => Join(RandomDir(), $"{kind}{_names++}");

    private void Expect(long r, string what)
    {
        if (r < 0) _errors.Add($"{what}: {Posix.ErrnoName(r)}");
    }

    private void Create()
    {
        string p = NewName("f");
        var data = new byte[_rng.Next(0, 4096)];
        _rng.NextBytes(data);
        File.WriteAllBytes(Full(p), data);
        _model.Entries[p] = new TreeModel.Entry(false, null, new TreeModel.FileInode { Data = data });
    }

    private void Mkdir()
    {
        string p = NewName("d");
        Directory.CreateDirectory(Full(p));
        _model.Entries[p] = new TreeModel.Entry(true, null, null);
    }

    private void Write()
    {
        if (Pick(_model.Files) is not { } p) return;
        var inode = _model.Entries[p].Inode!;
        int off = _rng.Next(0, 65536), len = _rng.Next(1, 8192);
        var data = new byte[len];
        _rng.NextBytes(data);
        using var fd = FileDescriptor.Open(Full(p), Posix.O_WRONLY);
        long r = Posix.Pwrite(fd.Fd, data, off);
        Expect(r, $"write {p}");
        if (r != len) { _errors.Add($"write {p}: {r} of {len} bytes"); return; }
        if (off + len > inode.Data.Length) { var d = inode.Data; Array.Resize(ref d, off + len); inode.Data = d; }
        data.CopyTo(inode.Data, off);
    }

    private void Truncate()
    {
        if (Pick(_model.Files) is not { } p) return;
        var inode = _model.Entries[p].Inode!;
        int size = _rng.Next(0, 80000);
        using var fd = FileDescriptor.Open(Full(p), Posix.O_WRONLY);
        Expect(Posix.Ftruncate(fd.Fd, size), $"truncate {p}");
        var d = inode.Data;
        Array.Resize(ref d, size);
        inode.Data = d;
    }

    private void Link()
    {
        if (Pick(_model.Files) is not { } p) return;
        string q = NewName("l");
        Expect(Posix.Link(Full(p), Full(q)), $"link {p} {q}");
        _model.Entries[q] = _model.Entries[p];
    }

    private void RenameFile()
    {
        if (Pick(_model.Entries.Where(e => !e.Value.IsDir).Select(e => e.Key)) is not { } p) return;
        // Half the time onto another existing file (replacing it), else to a new name.
        string? q = _rng.Next(2) == 0 ? Pick(_model.Files.Where(f => f != p && !ReferenceEquals(_model.Entries[f].Inode, _model.Entries[p].Inode))) : null;
        q ??= NewName("r");
        Expect(Posix.Rename(Full(p), Full(q)), $"rename {p} {q}");
        _model.Entries.Remove(q);
        _model.Rename(p, q);
    }

    private void RenameDir()
    {
        if (Pick(_model.Dirs) is not { } p) return;
        string target = Pick(_model.Dirs.Prepend("").Where(d => d != p && !d.StartsWith(p + "/", StringComparison.Ordinal))) ?? "";
        string q = Join(target, $"m{_names++}");
        Expect(Posix.Rename(Full(p), Full(q)), $"rename dir {p} {q}");
        _model.Rename(p, q);
    }

    private void Unlink()
    {
        if (Pick(_model.Entries.Where(e => !e.Value.IsDir).Select(e => e.Key)) is not { } p) return;
        File.Delete(Full(p));
        _model.Entries.Remove(p);
    }

    private void Rmdir()
    {
        if (Pick(_model.Dirs.Where(_model.IsEmptyDir)) is not { } p) return;
        Directory.Delete(Full(p));
        _model.Entries.Remove(p);
    }

    private void Symlink()
    {
        string p = NewName("s");
        string target = $"target{_rng.Next(100)}";
        File.CreateSymbolicLink(Full(p), target);
        _model.Entries[p] = new TreeModel.Entry(false, target, null);
    }

    private void Fsync()
    {
        if (Pick(_model.Files) is not { } p) return;
        using var fd = FileDescriptor.Open(Full(p), Posix.O_RDWR);
        Expect(Posix.Fsync(fd.Fd), $"fsync {p}");
    }

    private void ReadBack()
    {
        if (Pick(_model.Files) is not { } p) return;
        byte[] got = File.ReadAllBytes(Full(p));
        int diff = Pattern.FirstDifference(got, _model.Entries[p].Inode!.Data);
        if (diff >= 0) _errors.Add($"read {p}: differs at {diff} (size {got.Length}, expected {_model.Entries[p].Inode!.Data.Length})");
    }
}
