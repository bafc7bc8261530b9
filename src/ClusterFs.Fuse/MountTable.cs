using System.Globalization;
using System.Text;

namespace ClusterFs.Fuse;

/// <summary>Reads /proc/self/mountinfo: which paths are mounted, with what type and device.</summary>
public static class MountTable
{
    /// <summary>One mountinfo line: the mount point (unescaped), the filesystem type and the st_dev numbers.</summary>
    public readonly record struct Entry(string MountPoint, string FsType, uint Major, uint Minor);

    /// <summary>All current mounts of this mount namespace.</summary>
    public static List<Entry> Read()
    {
        var result = new List<Entry>();
        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
        {
            // id parent major:minor root mountpoint options [optional...] - fstype source superopts
            string[] f = line.Split(' ');
            int dash = Array.IndexOf(f, "-");
            if (f.Length < 5 || dash < 0 || dash + 1 >= f.Length)
                continue;
            string[] dev = f[2].Split(':');
            if (dev.Length != 2
                || !uint.TryParse(dev[0], NumberStyles.None, CultureInfo.InvariantCulture, out uint major)
                || !uint.TryParse(dev[1], NumberStyles.None, CultureInfo.InvariantCulture, out uint minor))
                continue;
            result.Add(new Entry(Unescape(f[4]), f[dash + 1], major, minor));
        }
        return result;
    }

    /// <summary>The FUSE mount at exactly <paramref name="path"/>, if any (the last one wins when stacked).</summary>
    public static Entry? FindFuse(string path)
    {
        Entry? found = null;
        foreach (Entry e in Read())
        {
            if (e.MountPoint == path && IsFuse(e.FsType))
                found = e;
        }
        return found;
    }

    public static bool IsFuse(string fsType) => fsType == "fuse" || fsType.StartsWith("fuse.", StringComparison.Ordinal);

    // The kernel escapes space, tab, newline and backslash as \ooo octal.
    private static string Unescape(string s)
    {
        if (!s.Contains('\\'))
            return s;
        var bytes = new List<byte>(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && IsOctal(s, i + 1))
            {
                bytes.Add((byte)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(s[i].ToString()));
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool IsOctal(string s, int at)
    {
        if (at + 3 > s.Length)
            return false;
        for (int i = at; i < at + 3; i++)
        {
            if (s[i] < '0' || s[i] > '7')
                return false;
        }
        return true;
    }
}
