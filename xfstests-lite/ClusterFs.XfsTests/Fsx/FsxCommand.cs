using ClusterFs.XfsTests.Native;

namespace ClusterFs.XfsTests.Fsx;

/// <summary>
/// Standalone fsx: <c>fsx [options] FILE</c> (see <see cref="FsxOptions"/>). Exit 0 when all
/// operations completed, 1 on a failure (report on stdout), 2 on bad usage.
/// </summary>
public static class FsxCommand
{
    /// <summary>Parses <paramref name="args"/> and runs fsx, reporting on <paramref name="console"/>; returns the exit status.</summary>
    public static int Execute(IReadOnlyList<string> args, TextWriter console)
    {
        FsxOptions o;
        string file;
        try { (o, file) = FsxOptions.Parse(args); }
        catch (ArgumentException e)
        {
            console.WriteLine($"fsx: {e.Message}");
            console.WriteLine("usage: fsx [-N ops] [-S seed] [-l maxlen] [-o maxoplen] [-r|-w|-t bdy] [-Z] [-A] [-R] [-W] [-F] [-H] [-z] [-T] [-L] [-c P] [-d] [-q] FILE");
            return 2;
        }
        FsxResult r = Run(o, file, console);
        if (!r.Ok)
        {
            console.WriteLine(r.Headline);
            console.WriteLine($"expected contents saved in {file}.fsxgood");
        }
        return r.Ok ? 0 : 1;
    }

    /// <summary>
    /// Runs fsx on the file at <paramref name="path"/> (created or truncated; kept in lite mode). On
    /// a failure the model's contents are written to PATH.fsxgood, as fsx does, to compare with
    /// the file.
    /// With O_DIRECT and no -r/-w given, reads and writes are aligned to the file's O_DIRECT offset
    /// alignment (statx STATX_DIOALIGN, else 4096).
    /// </summary>
    public static FsxResult Run(FsxOptions o, string path, TextWriter log, CancellationToken cancel = default)
    {
        int align = 1;
        if (o.DirectIo)
        {
            align = DioAlignment(path);
            if (o.ReadBdy == 1) o.ReadBdy = align;
            if (o.WriteBdy == 1) o.WriteBdy = align;
            align = Math.Max(align, Math.Max(o.ReadBdy, o.WriteBdy));
        }
        using var file = new PosixFsxFile(path, o.DirectIo, o.Aio, o.MaxOpLen, align, keep: o.Lite);
        var engine = new FsxEngine(o, file, log, Path.GetFileName(path));
        FsxResult r = engine.Run(cancel);
        if (!r.Ok) File.WriteAllBytes(path + ".fsxgood", engine.ExpectedContents.ToArray());
        return r;
    }

    /// <summary>
    /// The O_DIRECT offset alignment statx reports for the regular file <paramref name="path"/>
    /// (STATX_DIOALIGN; 4096 when not reported). Creates the file, empty, if it does not exist:
    /// directories do not report the alignment.
    /// </summary>
    public static int DioAlignment(string path)
    {
        if (!File.Exists(path)) using (File.Create(path)) { }
        if (Posix.Statx(path, out var st, Posix.STATX_BASIC_STATS | Posix.STATX_DIOALIGN) == 0 &&
            (st.Mask & Posix.STATX_DIOALIGN) != 0 && st.DioOffsetAlign > 0)
            return (int)st.DioOffsetAlign;
        return 4096;
    }
}
