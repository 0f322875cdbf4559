using System.Text.Json;
using ImageBuilder.Application;
using ImageBuilder.Core.Archives;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;

namespace ImageBuilder.Cli.Commands;

/// <summary><c>load</c>, <c>save</c>, <c>import</c> and <c>inspect</c>: images in and out of the store.</summary>
internal sealed class ArchiveCommands(
    ApplicationServices services, TextWriter stdout, Func<Stream> standardInput, Func<Stream> standardOutput)
{
    public const string LoadHelp = """
        Usage: ibuild load [--root DIR] [-i FILE]

        Loads images from a docker-save archive, an OCI archive, or an OCI layout directory,
        keeping the names they carry. Without -i the archive is read from standard input.
        """;

    public const string SaveHelp = """
        Usage: ibuild save [--root DIR] [-o FILE] [--format docker|oci] [--platform P] IMAGE...

        Writes images to an archive: docker (default; docker load and podman load read it,
        and it is an OCI layout too) or oci (an OCI archive). Without -o the archive goes to
        standard output. A multi-platform image goes into an oci archive whole (its index and
        every platform's image); a docker archive takes one platform's image: --platform P.
        """;

    public const string ImportHelp = """
        Usage: ibuild import [--root DIR] ROOTFS.tar[.gz] [-t NAME]

        Makes a one-layer image from a root filesystem tarball and prints its id.
        """;

    public const string InspectHelp = """
        Usage: ibuild inspect [--root DIR] [--platform P] IMAGE
               ibuild inspect --layers [--top N] [--format text|json] [--platform P] IMAGE

        Prints the image's id, names, manifest and config as JSON; of a multi-platform image, its
        index and platforms (with --platform P, that platform's image).

        With --layers, a report of each layer instead: the step that made it, its size (the bytes of
        its files as docker counts them, the uncompressed tar, the blob where one is stored), its N
        largest files (--top, default 5), and the bytes of its files that later layers overwrite or
        delete (wasted); then the image's totals and dive's efficiency score. Text, or --format json.
        """;

    public async Task<int> LoadAsync(string[] args, CancellationToken cancellationToken)
    {
        var reader = new ArgumentReader("load").Option("--input", "-i");
        if (!reader.Read(args, maxPositionals: 0))
        {
            await stdout.WriteLineAsync(LoadHelp);
            return CommandLineApp.Success;
        }

        IReadOnlyList<ImageRecord> images;
        if (reader.Get("--input") is { } input && input != "-")
        {
            images = await services.Archives.LoadAsync(reader.Root, input, cancellationToken);
        }
        else
        {
            await using var stream = standardInput();
            images = await services.Archives.LoadAsync(reader.Root, stream, cancellationToken);
        }

        foreach (var image in images)
        {
            await stdout.WriteLineAsync(image.Tags.Count == 0
                ? $"Loaded image ID: {image.Id}"
                : string.Join('\n', image.Tags.Select(t => $"Loaded image: {t.ToFamiliarString()}")));
        }

        return CommandLineApp.Success;
    }

    public async Task<int> SaveAsync(string[] args, CancellationToken cancellationToken)
    {
        var reader = new ArgumentReader("save").Option("--output", "-o").Option("--format").Option("--platform");
        if (!reader.Read(args))
        {
            await stdout.WriteLineAsync(SaveHelp);
            return CommandLineApp.Success;
        }

        var output = reader.Get("--output");
        if (output is null && !Console.IsOutputRedirected)
        {
            throw new UsageException("save refuses to write an archive to a terminal: use -o FILE or redirect the output");
        }

        if (reader.Positionals.Count == 0)
        {
            throw new UsageException("save needs at least one IMAGE");
        }

        var format = reader.Get("--format") switch
        {
            null or "docker" or "docker-archive" => ArchiveFormat.Docker,
            "oci" or "oci-archive" => ArchiveFormat.Oci,
            var other => throw new UsageException($"save: unknown format \"{other}\" (docker or oci)"),
        };
        await services.Archives.SaveAsync(
            reader.Root, reader.Positionals, format, output is "-" ? null : output, standardOutput, cancellationToken, PlatformOption(reader, "save"));
        return CommandLineApp.Success;
    }

    public async Task<int> ImportAsync(string[] args, CancellationToken cancellationToken)
    {
        var reader = new ArgumentReader("import").Option("--tag", "-t");
        if (!reader.Read(args, maxPositionals: 1))
        {
            await stdout.WriteLineAsync(ImportHelp);
            return CommandLineApp.Success;
        }

        Require(reader, 1, "import needs a ROOTFS tarball");

        var name = reader.Get("--tag") is { } tag ? StoreCommands.ParseReference(tag) : null;
        var source = reader.Positionals[0];
        var created = SourceDateEpoch() ?? DateTimeOffset.UtcNow;
        await using var input = source == "-" ? Console.OpenStandardInput() : File.OpenRead(source);
        var image = await services.Archives.ImportAsync(reader.Root, input, source, name, created, cancellationToken);
        await stdout.WriteLineAsync(image.Id.ToString());
        return CommandLineApp.Success;
    }

    public async Task<int> InspectAsync(string[] args, CancellationToken cancellationToken)
    {
        var reader = new ArgumentReader("inspect").Option("--platform").Switch("--layers").Option("--top").Option("--format");
        if (!reader.Read(args, maxPositionals: 1))
        {
            await stdout.WriteLineAsync(InspectHelp);
            return CommandLineApp.Success;
        }

        Require(reader, 1, "inspect needs an IMAGE");

        var platform = PlatformOption(reader, "inspect");
        if (reader.Has("--layers"))
        {
            return await InspectLayersAsync(reader, platform, cancellationToken);
        }

        if (reader.Has("--top") || reader.Has("--format"))
        {
            throw new UsageException("inspect: --top and --format go with --layers");
        }

        if (platform is null && services.Stores.InspectIndex(reader.Root, reader.Positionals[0]) is var (index, bytes))
        {
            await stdout.WriteLineAsync(IndexJson(index, bytes));
            return CommandLineApp.Success;
        }

        var (image, manifest, config) = services.Stores.Inspect(reader.Root, reader.Positionals[0], platform);
        await stdout.WriteLineAsync(InspectJson(image.Id, image.Tags, json =>
        {
            json.WriteString("ManifestDigest", image.ManifestDescriptor.Digest.ToString());
            json.WritePropertyName("Manifest");
            JsonDocument.Parse(manifest).WriteTo(json);
            json.WritePropertyName("Config");
            JsonDocument.Parse(config).WriteTo(json);
        }));
        return CommandLineApp.Success;
    }

    private async Task<int> InspectLayersAsync(ArgumentReader reader, Platform? platform, CancellationToken cancellationToken)
    {
        var top = reader.Get("--top") is { } text
            ? int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 10_000
                ? n
                : throw new UsageException($"inspect: --top \"{text}\" is not a number of files (1 to 10000)")
            : 5;
        var json = reader.Get("--format") switch
        {
            null or "text" => false,
            "json" => true,
            var other => throw new UsageException($"inspect: unknown format \"{other}\" (text or json)"),
        };
        var layers = await services.Layers.InspectLayersAsync(reader.Root, reader.Positionals[0], platform, top, cancellationToken);
        await stdout.WriteLineAsync(json ? LayersOutput.Json(layers) : LayersOutput.Text(layers));
        return CommandLineApp.Success;
    }

    /// <summary><c>--platform os/arch[/variant]</c>, or null when not given.</summary>
    internal static Platform? PlatformOption(ArgumentReader reader, string command) => reader.Get("--platform") switch
    {
        null => null,
        var text when Platform.TryParse(text, out var platform) => platform,
        var text => throw new UsageException($"{command}: --platform \"{text}\" is not a platform (os/arch[/variant], e.g. linux/arm64)"),
    };

    /// <summary>A multi-platform image as <c>inspect</c> prints it: id, names, platforms, each platform's image, and the index as stored.</summary>
    private static string IndexJson(IndexRecord index, byte[] bytes) => InspectJson(index.Id, index.Tags, json =>
    {
        json.WriteString("MediaType", index.IndexDescriptor.MediaType);
        json.WriteStartArray("Platforms");
        foreach (var image in index.Images)
        {
            json.WriteStartObject();
            json.WriteString("Platform", image.ManifestDescriptor.Platform!.ToString());
            json.WriteString("ManifestDigest", image.ManifestDescriptor.Digest.ToString());
            json.WriteString("Id", image.Id.ToString());
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WritePropertyName("Index");
        JsonDocument.Parse(bytes).WriteTo(json);
    });

    /// <summary><c>inspect</c>'s JSON object: <c>Id</c>, <c>RepoTags</c>, then what <paramref name="rest"/> writes.</summary>
    private static string InspectJson(Digest id, IReadOnlyList<Core.References.ImageReference> tags, Action<Utf8JsonWriter> rest)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("Id", id.ToString());
            json.WriteStartArray("RepoTags");
            foreach (var tag in tags)
            {
                json.WriteStringValue(tag.ToFamiliarString());
            }

            json.WriteEndArray();
            rest(json);
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    internal static void Require(ArgumentReader reader, int count, string message)
    {
        if (reader.Positionals.Count < count)
        {
            throw new UsageException(message);
        }

        if (reader.Positionals.Take(count).Any(p => p.Length == 0))
        {
            throw new UsageException($"{message}, not an empty string");
        }
    }

    /// <summary>SOURCE_DATE_EPOCH, when set, fixes timestamps for reproducible output.</summary>
    internal static DateTimeOffset? SourceDateEpoch() => SourceDateEpochVariable.Read();
}
