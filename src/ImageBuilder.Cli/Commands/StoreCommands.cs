using System.Globalization;
using System.IO.Abstractions;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;

namespace ImageBuilder.Cli.Commands;

/// <summary><c>images</c>, <c>tag</c>, <c>rmi</c> and <c>prune</c>: looking after the local store.</summary>
internal sealed class StoreCommands(IFileSystem fileSystem, TextWriter stdout)
{
    public const string ImagesHelp = "Usage: ibuild images [--root DIR]\n\nLists the images in the store.";
    public const string TagHelp = "Usage: ibuild tag [--root DIR] SOURCE TARGET\n\nGives the image SOURCE (a name or id) the name TARGET.";
    public const string RmiHelp = "Usage: ibuild rmi [--root DIR] [-f] IMAGE...\n\nRemoves names (app:1) or whole images (by id; an image with several names needs -f).\nContent goes at the next prune.";
    public const string PruneHelp = "Usage: ibuild prune [--root DIR]\n\nDeletes untagged images and all blobs and snapshots no tagged image uses.";

    public ContentStore Open(string? root, bool removeStaleScratch = true)
    {
        var store = ContentStore.Open(fileSystem, ContentStore.DefaultRoot(root));
        if (removeStaleScratch)
        {
            store.RemoveStaleTemporaries();
        }

        return store;
    }

    public async Task<int> ImagesAsync(string[] args)
    {
        var reader = new ArgumentReader("images");
        if (!reader.Read(args, maxPositionals: 0))
        {
            await stdout.WriteLineAsync(ImagesHelp);
            return CommandLineApp.Success;
        }

        var rows = new List<string[]> { new[] { "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE" } };
        foreach (var image in Open(reader.Root).ListImages())
        {
            var created = Age(image.Config.Created);
            var id = image.Id.Encoded[..12];
            var size = ByteSize.Decimal(image.Size);
            if (image.Tags.Count == 0)
            {
                rows.Add(["<none>", "<none>", id, created, size]);
            }

            rows.AddRange(image.Tags.Select(t => new[] { t.FamiliarName, t.Tag ?? "<none>", id, created, size }));
        }

        var widths = Enumerable.Range(0, 5).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
        {
            await stdout.WriteLineAsync(string.Join("   ", row.Select((cell, c) => c == 4 ? cell : cell.PadRight(widths[c]))).TrimEnd());
        }

        return CommandLineApp.Success;
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

        var store = Open(reader.Root);
        var image = store.ResolveImage(reader.Positionals[0]);
        store.Tag(image.ManifestDescriptor, ParseReference(reader.Positionals[1]));
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

        var store = Open(reader.Root);
        var failed = false;
        foreach (var target in reader.Positionals)
        {
            try
            {
                await RemoveAsync(store, target, reader.Has("--force"));
            }
            catch (StoreException e)
            {
                // Like docker: report this one and carry on with the rest.
                await stderr.WriteLineAsync($"ibuild: {e.Message}");
                failed = true;
            }
        }

        return failed ? CommandLineApp.Failure : CommandLineApp.Success;
    }

    private async Task RemoveAsync(ContentStore store, string target, bool force)
    {
        var image = store.ResolveImage(target);
        var tag = ImageReference.TryParse(target, out var reference, out _)
            ? image.Tags.FirstOrDefault(t => t.ToString() == reference.ToString())
            : null;
        if (tag is not null)
        {
            store.Untag(tag);
            await stdout.WriteLineAsync($"Untagged: {tag.ToFamiliarString()}");
            return;
        }

        if (image.Tags.Count > 1 && !force)
        {
            throw new StoreException(StoreError.Ambiguous,
                $"image {image.Id.Encoded[..12]} has {image.Tags.Count} names; remove them by name, or use -f to remove the image");
        }

        store.RemoveImage(image);
        foreach (var other in image.Tags)
        {
            await stdout.WriteLineAsync($"Untagged: {other.ToFamiliarString()}");
        }

        await stdout.WriteLineAsync($"Deleted: {image.Id}");
    }

    public async Task<int> PruneAsync(string[] args)
    {
        var reader = new ArgumentReader("prune");
        if (!reader.Read(args, maxPositionals: 0))
        {
            await stdout.WriteLineAsync(PruneHelp);
            return CommandLineApp.Success;
        }

        var report = Open(reader.Root).Prune();
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
