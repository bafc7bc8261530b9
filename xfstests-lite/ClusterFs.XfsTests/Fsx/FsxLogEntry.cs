namespace ClusterFs.XfsTests.Fsx;

/// <summary>One logged operation: its number, kind, range, the file size before it and a note.</summary>
public readonly record struct FsxLogEntry(long OpNum, FsxOp Op, long Offset, long Length, long SizeBefore, string Note)
{
    /// <summary>fsx's log line: "12( 12 mod 256): WRITE    0x1000 thru 0x2fff	(0x2000 bytes) EXTEND".</summary>
    public override string ToString()
    {
        string head = $"{OpNum}({OpNum % 256,3} mod 256): ";
        string name = Op switch
        {
            FsxOp.Read => "READ",
            FsxOp.Write => "WRITE",
            FsxOp.MapRead => "MAPREAD",
            FsxOp.MapWrite => "MAPWRITE",
            FsxOp.Truncate => "TRUNCATE",
            FsxOp.Fallocate => "FALLOC",
            FsxOp.PunchHole => "PUNCH",
            FsxOp.ZeroRange => "ZERO",
            _ => "CLOSE/OPEN",
        };
        if (Op == FsxOp.Truncate)
            return $"{head}{name,-8} {(Offset < SizeBefore ? "DOWN" : "UP")}\tfrom 0x{SizeBefore:x} to 0x{Offset:x}{Note}";
        if (Op == FsxOp.CloseOpen) return head + name + Note;
        return $"{head}{name,-8} 0x{Offset:x} thru 0x{Offset + Length - 1:x}\t(0x{Length:x} bytes){Note}";
    }
}
