using ClusterFs.Fs.Format;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;
using Microsoft.Extensions.Logging;

namespace ClusterFs.Cli.Commands;

/// <summary>`clusterfs mkfs`: formats an image (creating a sparse file of SIZE when it does not exist).</summary>
public sealed class MkfsCommand : ICommand
{
    public string Name => "mkfs";
    public string Usage => "mkfs [-j JOURNALS] [-b BLOCKSIZE] [-t CLUSTER:FSNAME] [-p lock_nolock|lock_etcd] IMAGE [SIZE]";

    public int Run(IReadOnlyList<string> args, ILoggerFactory logging)
    {
        var opts = new MkfsOptions();
        var positional = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Count ? args[++i] : throw new UsageException($"{a} needs a value");
            switch (a)
            {
                case "-j": opts = opts with { Journals = int.TryParse(Next(), out int j) ? j : throw new UsageException("-j needs a number") }; break;
                case "-b": opts = opts with { BlockSize = (int)(ParseSize(Next()) ?? throw new UsageException("-b needs a size")) }; break;
                case "-t": opts = opts with { LockTable = Next() }; break;
                case "-p": opts = opts with { LockProtocol = Next() switch { "lock_nolock" => "lock_nolock", "lock_etcd" => "lock_etcd", _ => throw new UsageException("-p needs lock_nolock or lock_etcd") } }; break;
                default:
                    if (a.StartsWith('-')) throw new UsageException($"unknown option {a}");
                    positional.Add(a);
                    break;
            }
        }
        if (positional.Count is < 1 or > 2) throw new UsageException("expected IMAGE [SIZE]");
        string image = positional[0];
        bool created = false;
        if (positional.Count == 2)
        {
            long size = ParseSize(positional[1]) ?? throw new UsageException($"bad size '{positional[1]}' (a number with an optional K/M/G/T suffix)");
            if (!File.Exists(image))
            {
                var ce = ImageFileDevice.CreateSparse(image, size - size % 512);
                if (!ce.IsOk) { Console.Error.WriteLine($"clusterfs mkfs: cannot create {image}: {ce}"); return 1; }
                created = true;
            }
        }
        Errno e;
        string? problem;
        long blocks;
        using (var dev = ImageFileDevice.Open(image, readOnly: false, direct: false, out var oe))
        {
            if (dev is null)
            {
                Console.Error.WriteLine($"clusterfs mkfs: cannot open {image}: {oe}{(oe == Errno.ENOENT ? " (give a SIZE to create it)" : "")}");
                return 1;
            }
            e = Mkfs.Format(dev, opts, out problem);
            blocks = dev.Size / opts.BlockSize;
        }
        if (!e.IsOk)
        {
            if (created) File.Delete(image); // leave nothing behind that we made
            Console.Error.WriteLine($"clusterfs mkfs: {image}: {problem}");
            return 1;
        }
        Console.WriteLine($"{image}: {blocks} blocks of {opts.BlockSize} bytes, {opts.Journals} journal(s), lock table {opts.LockTable}, protocol {opts.LockProtocol}");
        return 0;
    }

    /// <summary>Parses "4096", "64K", "10G" (binary multiples); null when malformed or not positive.</summary>
    internal static long? ParseSize(string s)
    {
        if (string.IsNullOrEmpty(s)) return null;
        int shift = char.ToUpperInvariant(s[^1]) switch { 'K' => 10, 'M' => 20, 'G' => 30, 'T' => 40, _ => 0 };
        string digits = shift == 0 ? s : s[..^1];
        if (!long.TryParse(digits, out long n) || n <= 0 || n > long.MaxValue >> shift) return null;
        return n << shift;
    }
}
