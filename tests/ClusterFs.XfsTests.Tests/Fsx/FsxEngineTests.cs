using ClusterFs.XfsTests.Fsx;
using FsCheck;
using FsCheck.Fluent;

namespace ClusterFs.XfsTests.Tests.Fsx;

public sealed class FsxEngineTests
{
    private static FsxOptions Small(int seed = 1, long ops = 2000) =>
        new() { NumOps = ops, Seed = seed, MaxFileLen = 32768, MaxOpLen = 8192, Quiet = true };

    [Fact]
    public void CorrectFilePassesAllOperations()
    {
        var log = new StringWriter();
        var r = new FsxEngine(Small(), new MemoryFsxFile(), log).Run();
        Assert.True(r.Ok, log.ToString());
        Assert.Equal("All 2000 operations completed A-OK!", r.Headline);
    }

    [Fact]
    public void CorruptedReadIsReportedWithBadBytesAndTheOperationLog()
    {
        var file = new MemoryFsxFile { CorruptRead = 40 };
        var log = new StringWriter();
        var r = new FsxEngine(Small(), file, log, "victim").Run();
        string text = log.ToString();
        Assert.False(r.Ok);
        Assert.StartsWith("READ BAD DATA", r.Failure);
        Assert.Contains("READ BAD DATA: offset = 0x", text);
        Assert.Contains("fname = victim", text);
        Assert.Contains("OFFSET      GOOD    BAD     RANGE", text);
        // The flipped byte is shown with both values: they differ exactly in bit 0x40.
        var bad = text.Split('\n').First(l => l.StartsWith("0x") && l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 4);
        var cols = bad.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(0x40, Convert.ToInt32(cols[1], 16) ^ Convert.ToInt32(cols[2], 16));
        Assert.Contains("LOG DUMP (", text);
        Assert.Contains($"{r.OpsDone}({r.OpsDone % 256,3} mod 256): ", text); // the failing op is the last logged
        Assert.Equal(40, file.Reads);
    }

    [Fact]
    public void ExpectedContentsFollowTheModelAfterARun()
    {
        var file = new MemoryFsxFile();
        var engine = new FsxEngine(Small(seed: 8), file, TextWriter.Null);
        Assert.True(engine.Run().Ok);
        var actual = new byte[file.Size()];
        file.Read(0, actual);
        Assert.Equal(actual, engine.ExpectedContents.ToArray());
    }

    [Fact]
    public void LostTruncateIsReportedAsASizeError()
    {
        var log = new StringWriter();
        var r = new FsxEngine(Small(), new MemoryFsxFile { IgnoreTruncate = true }, log).Run();
        Assert.False(r.Ok);
        Assert.Contains("Size error: expected 0x", log.ToString());
        Assert.Contains("TRUNCATE", log.ToString());
    }

    [Fact]
    public void UnsupportedFallocateIsDisabledWithANoteAndTheRunPasses()
    {
        var log = new StringWriter();
        var r = new FsxEngine(Small(), new MemoryFsxFile { NoFallocate = true }, log).Run();
        Assert.True(r.Ok, log.ToString());
        Assert.Contains("does not support fallocate (EOPNOTSUPP), disabling!", log.ToString());
        Assert.Contains("does not support punch hole (EOPNOTSUPP), disabling!", log.ToString());
    }

    [Fact]
    public void LiteModeKeepsTheFileSizeFixed()
    {
        var file = new MemoryFsxFile();
        var o = Small();
        o.Lite = true;
        var r = new FsxEngine(o, file, new StringWriter()).Run();
        Assert.True(r.Ok);
        Assert.Equal(o.MaxFileLen, file.Size());
    }

    [Fact]
    public void PropertyAnySeedOnACorrectFilePassesAndOnAnyCorruptedReadFails()
    {
        Prop.ForAll(Arb.From(Gen.Choose(0, 100000)), seed =>
        {
            bool clean = new FsxEngine(Small(seed, 300), new MemoryFsxFile(), TextWriter.Null).Run().Ok;
            var corrupt = new MemoryFsxFile { CorruptRead = 1 + seed % 20 };
            var r = new FsxEngine(Small(seed, 300), corrupt, TextWriter.Null).Run();
            // A run that never reached the corrupted read cannot fail; every other one must.
            return clean && (corrupt.Reads < corrupt.CorruptRead ? r.Ok : !r.Ok);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(100));
    }

    [Fact]
    public void OptionsParseFsxLetters()
    {
        var (o, file) = FsxOptions.Parse(["-N", "500", "-S", "9", "-l", "1000", "-o", "100", "-Z", "-A", "-R", "-W", "-r", "512", "-w", "512", "-t", "4096", "f"]);
        Assert.Equal(("f", 500L, 9, 1000, 100), (file, o.NumOps, o.Seed, o.MaxFileLen, o.MaxOpLen));
        Assert.True(o.DirectIo && o.Aio && !o.MapRead && !o.MapWrite);
        Assert.Equal((512, 512, 4096), (o.ReadBdy, o.WriteBdy, o.TruncBdy));
        Assert.Throws<ArgumentException>(() => FsxOptions.Parse(["-N"]));
        Assert.Throws<ArgumentException>(() => FsxOptions.Parse(["-N", "5"]));
    }
}
