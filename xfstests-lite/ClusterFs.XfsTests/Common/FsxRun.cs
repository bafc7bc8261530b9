using ClusterFs.XfsTests.Fsx;
using ClusterFs.XfsTests.Harness;

namespace ClusterFs.XfsTests.Common;

/// <summary>
/// xfstests' run_fsx for the ported tests: runs fsx on a scratch file, sends its notes and any
/// failure report (bad bytes and operation log) to NNN.full, and prints one golden line.
/// </summary>
public static class FsxRun
{
    /// <summary>
    /// Runs fsx with <paramref name="options"/> on scratch file <paramref name="file"/> and prints
    /// "<paramref name="label"/>: All N operations completed A-OK!" (or the failure headline, which
    /// breaks the golden compare). <paramref name="label"/> must not contain target-specific values.
    /// </summary>
    public static bool Run(TestContext ctx, string label, FsxOptions options, string file)
    {
        // Like fsx's start-up probes: operations the target does not offer are switched off (noted in
        // NNN.full), so the same golden line holds on every target.
        TargetFeatures f = ctx.Target.Features;
        if ((f & TargetFeatures.Mmap) == 0 && (options.MapRead || options.MapWrite))
        {
            ctx.Full.WriteLine("target has no shared mmap: mapread and mapwrite disabled");
            options.MapRead = options.MapWrite = false;
        }
        if ((f & TargetFeatures.Fallocate) == 0 && options.Fallocate)
        {
            ctx.Full.WriteLine("target has no fallocate: fallocate and zero range disabled");
            options.Fallocate = options.ZeroRange = false;
        }
        if ((f & TargetFeatures.PunchHole) == 0 && options.PunchHole)
        {
            ctx.Full.WriteLine("target has no punch hole: punch hole disabled");
            options.PunchHole = false;
        }
        if (options.DirectIo) ctx.Require(TargetFeatures.DirectIo);
        if (options.Aio) ctx.Require(TargetFeatures.Aio);
        ctx.Full.WriteLine($"--- {label} ({options})");
        FsxResult r = FsxCommand.Run(options, ctx.PathOf(file), ctx.Full, ctx.Cancellation);
        if (!r.Ok) ctx.Full.WriteLine(r.Headline); // on success fsx itself logged its A-OK line
        ctx.Out.WriteLine($"{label}: {r.Headline}");
        return r.Ok;
    }
}
