using ImageBuilder.Application;
using ImageBuilder.Core.Store;

namespace ImageBuilder.Cli.Commands;

/// <summary><c>ibuild fsck [--repair]</c>: checks the store (<see cref="StoreChecker"/>) and prints what it found.</summary>
internal sealed class FsckCommand(StoreService stores, TextWriter stdout)
{
    public const string Help = """
        Usage: ibuild fsck [--root DIR] [--repair]

        Checks the store: every blob against its digest; every image's manifest, config and
        layers (present, whole, of the size they are said to have, unpacking to the config's
        diff ids); every snapshot against its layer; the build cache records; the tags in
        index.json; scratch left by killed processes. Prints one line per problem and exits 1
        when problems remain.

          --repair   remove what is broken (corrupt blobs, snapshots that do not match, records
                     naming missing blobs, tags of broken images, leftover scratch), so that the
                     next build, pull or load makes it again; waits for running builds
        """;

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var reader = new ArgumentReader("fsck").Switch("--repair");
        if (!reader.Read(args, maxPositionals: 0))
        {
            await stdout.WriteLineAsync(Help);
            return CommandLineApp.Success;
        }

        var repair = reader.Has("--repair");
        var report = await stores.CheckAsync(reader.Root, repair, cancellationToken);
        foreach (var problem in report.Problems)
        {
            await stdout.WriteLineAsync($"{Label(problem.Damage)} {problem.Subject}: {problem.Reason}{(problem.Repair is { } done ? $" ({done})" : "")}");
        }

        await stdout.WriteLineAsync(Summary(report, repair));
        return report.Remaining == 0 ? CommandLineApp.Success : CommandLineApp.Failure;
    }

    private static string Summary(StoreCheckReport report, bool repair)
    {
        var checkedText = $"checked {Count(report.Blobs, "blob")}, {Count(report.Images, "image")}, {Count(report.Snapshots, "snapshot")}, " +
            $"{Count(report.Records, "cache record")}";
        var unverified = report.Unverified > 0 ? $" ({report.Unverified} unused snapshot(s) without a record not checked; prune removes them)" : "";
        if (report.Problems.Count == 0)
        {
            return $"{checkedText}: no problems{unverified}";
        }

        var found = $"{checkedText}: {Count(report.Problems.Count, "problem")}";
        return repair
            ? $"{found}, {report.Problems.Count - report.Remaining} repaired, {report.Remaining} remaining{unverified}"
            : $"{found}; ibuild fsck --repair removes what is broken{unverified}";
    }

    private static string Label(StoreDamage damage) => damage switch
    {
        StoreDamage.CorruptBlob => "corrupt blob",
        StoreDamage.BrokenImage => "broken image",
        StoreDamage.BrokenSnapshot => "broken snapshot",
        StoreDamage.BrokenRecord => "broken record",
        StoreDamage.DamagedIndex => "damaged",
        StoreDamage.LeftoverScratch => "leftover scratch",
        _ => damage.ToString(),
    };

    private static string Count(int count, string noun) => $"{count} {noun}{(count == 1 ? "" : "s")}";
}
