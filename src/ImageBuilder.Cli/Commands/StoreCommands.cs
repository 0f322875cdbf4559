using System.Globalization;
using ImageBuilder.Application;
using ImageBuilder.Core.References;

namespace ImageBuilder.Cli.Commands;

/// <summary><c>images</c>, <c>tag</c>, <c>rmi</c> and <c>prune</c>: looking after the local store.</summary>
internal sealed class StoreCommands(StoreService stores, TextWriter stdout)
{
    public const string ImagesHelp = "Usage: ibuild images [--root DIR]\n\nLists the images in the store.";
    public const string TagHelp = "Usage: ibuild tag [--root DIR] SOURCE TARGET\n\nGives the image SOURCE (a name or id) the name TARGET.";
    public const string RmiHelp = "Usage: ibuild rmi [--root DIR] [-f] IMAGE...\n\nRemoves names (app:1) or whole images (by id; an image with several names needs -f).\nContent goes at the next prune.";
    public const string PruneHelp = "Usage: ibuild prune [--root DIR]\n\nDeletes untagged images and all blobs and snapshots no tagged image uses.";

    public async Task<int> ImagesAsync(string[] args)
    {
        var reader = new ArgumentReader("images");
        if (!reader.Read(args, maxPositionals: 0))
        {
            await stdout.WriteLineAsync(ImagesHelp);
            return CommandLineApp.Success;
        }

        // A multi-platform image is one row (its id the index digest, as docker's containerd store
        // shows it), with a PLATFORMS column then; its images have no rows of their own.
        var indexes = stores.ListIndexes(reader.Root);
        var rows = new List<string[]> { new[] { "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "PLATFORMS" } };
        foreach (var image in stores.ListImages(reader.Root))
        {
            AddRows(rows, image.Tags, image.Id, image.Config.Created, image.Size, "");
        }

        foreach (var index in indexes)
        {
            var created = index.Images.Select(i => i.Config.Created).Max(StringComparer.Ordinal);
            AddRows(rows, index.Tags, index.Id, created, index.Size, string.Join(",", index.Platforms));
        }

        var columns = indexes.Count > 0 ? 6 : 5;
        var widths = Enumerable.Range(0, columns).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
        {
            await stdout.WriteLineAsync(string.Join("   ", row.Take(columns).Select((cell, c) => c == columns - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd());
        }

        return CommandLineApp.Success;
    }

    /// <summary>One row per name (one <c>&lt;none&gt;</c> row without any).</summary>
    private static void AddRows(List<string[]> rows, IReadOnlyList<ImageReference> tags, Core.Oci.Digest id, string? created, long size, string platforms)
    {
        var cells = (Id: id.Encoded[..12], Created: Age(created), Size: ByteSize.Decimal(size));
        if (tags.Count == 0)
        {
            rows.Add(["<none>", "<none>", cells.Id, cells.Created, cells.Size, platforms]);
        }

        rows.AddRange(tags.Select(t => new[] { t.FamiliarName, t.Tag ?? "<none>", cells.Id, cells.Created, cells.Size, platforms }));
    }

    public async Task<int> TagAsync(string[] args)
    {
        var reader = new ArgumentReader("tag");
        if (!reader.Read(args, maxPositionals: 2))
        {
            await stdout.WriteLineAsync(TagHelp);
            return CommandLineApp.Success;
        }

        ArchiveCommands.Require(reader, 2, "tag needs SOURCE and TARGET");

        stores.Tag(reader.Root, reader.Positionals[0], ParseReference(reader.Positionals[1]));
        return CommandLineApp.Success;
    }

    public async Task<int> RmiAsync(string[] args, TextWriter stderr)
    {
        var reader = new ArgumentReader("rmi").Switch("--force", "-f");
        if (!reader.Read(args))
        {
            await stdout.WriteLineAsync(RmiHelp);
            return CommandLineApp.Success;
        }

        ArchiveCommands.Require(reader, 1, "rmi needs at least one IMAGE");

        var failed = false;
        foreach (var removal in stores.Remove(reader.Root, reader.Positionals, reader.Has("--force")))
        {
            if (removal.Failure is { } e)
            {
                // Like docker: report this one; the rest went on.
                await stderr.WriteLineAsync($"ibuild: {e.Message}");
                failed = true;
                continue;
            }

            foreach (var name in removal.Untagged)
            {
                await stdout.WriteLineAsync($"Untagged: {name.ToFamiliarString()}");
            }

            if (removal.Deleted is { } id)
            {
                await stdout.WriteLineAsync($"Deleted: {id}");
            }
        }

        return failed ? CommandLineApp.Failure : CommandLineApp.Success;
    }

    public async Task<int> PruneAsync(string[] args)
    {
        var reader = new ArgumentReader("prune");
        if (!reader.Read(args, maxPositionals: 0))
        {
            await stdout.WriteLineAsync(PruneHelp);
            return CommandLineApp.Success;
        }

        var report = stores.Prune(reader.Root);
        await stdout.WriteLineAsync(
            $"Deleted {report.UntaggedImages} untagged image(s), {report.Blobs} blob(s), {report.Snapshots} snapshot(s), " +
            $"{report.Temporaries} leftover scratch item(s)");
        await stdout.WriteLineAsync($"Total reclaimed space: {ByteSize.Decimal(report.BlobBytes)}");
        return CommandLineApp.Success;
    }

    internal static ImageReference ParseReference(string text) =>
        ImageReference.TryParse(text, out var reference, out var error) ? reference : throw new UsageException(error);

    private static string Age(string? created)
    {
        if (!DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return "N/A";
        }

        var age = DateTimeOffset.UtcNow - time;
        return age.TotalMinutes < 1 ? "Less than a minute ago"
            : age.TotalHours < 1 ? $"{(int)age.TotalMinutes} minutes ago"
            : age.TotalDays < 1 ? $"{(int)age.TotalHours} hours ago"
            : age.TotalDays < 365 ? $"{(int)age.TotalDays} days ago"
            : $"{(int)(age.TotalDays / 365)} years ago";
    }
}
