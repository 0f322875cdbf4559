using System.Text.Json;
using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;
using ImageBuilder.Planning;
using ImageBuilder.Registry;

namespace ImageBuilder.Application.Registries;

/// <summary>
/// The build cache in a registry (<c>--cache-to</c>, <c>--cache-from type=registry,ref=R</c>):
/// an OCI manifest at R whose config (<see cref="ConfigMediaType"/>) lists cache records (step
/// key → created time, layer descriptor, diff id) and whose layers are those records' layer
/// blobs, gzip-compressed. Import writes the records into the store's cache after fetching
/// every layer blob they name, so a hit needs nothing more; imported layers stay gzip (the
/// image built on them references the gzip blobs; its config, so its id, is the same).
/// </summary>
public sealed class RegistryCache(ContentStore store, RegistryAccess registries, IFileTreeWriter treeWriter, Action<string> log)
{
    public const string ConfigMediaType = "application/vnd.ibuild.cache.config.v1+json";
    public const string ArtifactType = "application/vnd.ibuild.cache.v1";

    /// <summary>The cache keys a build exports: every stage's (max) or those of the target stage and the stages it is built FROM (min).</summary>
    public static IReadOnlyList<Digest> KeysToExport(BuildPlan plan, BuiltImage built, bool max)
    {
        var stages = new HashSet<int>();
        var stage = plan.Target;
        while (true)
        {
            stages.Add(stage.Index);
            if (stage.Base is not StageOutputBase parent || plan.Stages.FirstOrDefault(s => s.Index == parent.StageIndex) is not { } next)
            {
                break;
            }

            stage = next;
        }

        return built.CacheKeys.Where(k => max || stages.Contains(k.Stage)).Select(k => k.Key).Distinct().ToList();
    }

    /// <summary>Exports the records of <paramref name="keys"/> and, packed, the cache mounts <paramref name="mountIds"/>.</summary>
    public async Task ExportAsync(ImageReference target, IReadOnlyList<Digest> keys, IReadOnlyList<string> mountIds, IFileTreeReader reader, CancellationToken cancellationToken)
    {
        using var protect = store.ProtectNewContent();
        var entries = await CollectAsync(store, keys, cancellationToken);
        var mounts = await CacheMounts.PackAsync(store, reader, mountIds, cancellationToken);
        var document = Write(entries, mounts);
        var config = Descriptor.ForContent(ConfigMediaType, document);
        var layers = Layers(entries, mounts);
        var client = registries.Client(target.Registry);
        await new ImagePusher(store, registries, log).PushBlobsAsync(client, target.Repository, layers, cancellationToken);
        await client.PushBlobAsync(target.Repository, config, document, cancellationToken);
        await client.PushManifestAsync(target.Repository, target.Tag ?? target.Digest?.ToString() ?? ImageReference.DefaultTag, Manifest(config, layers), MediaTypes.OciManifest, cancellationToken);
        log($"exported {entries.Count} cache records{MountsNote(mounts)} and {layers.Count} layers to {target.ToFamiliarString()}");
    }

    /// <summary>The cache's blobs: the records' layers and the mounts' content, each once.</summary>
    internal static List<Descriptor> Layers(IReadOnlyList<(Digest Key, CacheRecord Record)> entries, IReadOnlyList<CacheMountEntry> mounts) =>
        entries.Select(e => e.Record.Layer).OfType<Descriptor>().Concat(mounts.Select(m => m.Layer)).DistinctBy(l => l.Digest).ToList();

    internal static string MountsNote(IReadOnlyList<CacheMountEntry> mounts) => mounts.Count > 0 ? $", {mounts.Count} cache mounts ({string.Join(", ", mounts.Select(m => m.Id))})" : "";

    /// <summary>Imports the records the store lacks (a cache that is not there yet imports nothing, as BuildKit does).</summary>
    public async Task ImportAsync(ImageReference source, CancellationToken cancellationToken)
    {
        using var protect = store.ProtectNewContent();
        var client = registries.Client(source.Registry);
        RegistryManifest manifest;
        try
        {
            manifest = await client.GetManifestAsync(source.Repository, source.Digest?.ToString() ?? source.Tag ?? ImageReference.DefaultTag, cancellationToken);
        }
        catch (RegistryException e) when (e.Reason is RegistryErrorReason.ManifestUnknown or RegistryErrorReason.NameUnknown)
        {
            log($"cache {source.ToFamiliarString()} not found: nothing imported");
            return;
        }

        var image = manifest.AsImageManifest();
        if (image.Config.MediaType != ConfigMediaType)
        {
            throw new RegistryException(RegistryErrorReason.Protocol, $"{source.ToFamiliarString()} is not an ibuild build cache (its config is {image.Config.MediaType})");
        }

        var document = Read(await client.GetBlobBytesAsync(source.Repository, image.Config, cancellationToken), source.ToFamiliarString());
        var needed = document.Entries.Where(e => store.FindCacheRecord(e.Key) is null).ToList();
        var mounts = CacheMounts.Missing(store, document.Mounts);
        await new ImagePuller(store, registries, treeWriter, log).FetchBlobsAsync(
            client, source.Repository, needed.Select(e => e.Record.Layer).OfType<Descriptor>().Concat(mounts.Select(m => m.Layer)), cancellationToken);
        foreach (var (key, record) in needed)
        {
            store.WriteCacheRecord(key, record);
        }

        var restored = await CacheMounts.RestoreAsync(store, treeWriter, mounts, cancellationToken);
        log($"imported {needed.Count} cache records{(restored > 0 ? $" and {restored} cache mounts" : "")} from {source.ToFamiliarString()}");
    }

    /// <summary>The store's records of <paramref name="keys"/> (those it has), each layer in gzip (converted once per store).</summary>
    internal static async Task<List<(Digest Key, CacheRecord Record)>> CollectAsync(ContentStore store, IReadOnlyList<Digest> keys, CancellationToken cancellationToken)
    {
        var recompressor = new LayerRecompressor(store);
        var entries = new List<(Digest Key, CacheRecord Record)>();
        foreach (var key in keys)
        {
            if (store.FindCacheRecord(key) is not { } record)
            {
                continue;
            }

            if (record is { Layer: { } layer, DiffId: { } diffId })
            {
                var gzip = await recompressor.ConvertLayerAsync(layer, diffId, LayerCompression.Gzip, cancellationToken);
                record = record with { Layer = gzip with { MediaType = MediaTypes.ToOci(gzip.MediaType) } };
            }

            entries.Add((key, record));
        }

        return entries;
    }

    /// <summary>The cache's manifest: an artifact (<see cref="ArtifactType"/>) whose config lists the records and whose layers are their blobs.</summary>
    internal static byte[] Manifest(Descriptor config, IReadOnlyList<Descriptor> layers) => OciJson.Serialize(new ImageManifest
    {
        MediaType = MediaTypes.OciManifest,
        ArtifactType = ArtifactType,
        Config = config,
        Layers = [.. layers],
    });

    internal static byte[] Write(IReadOnlyList<(Digest Key, CacheRecord Record)> entries, IReadOnlyList<CacheMountEntry> mounts)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("mediaType", ConfigMediaType);
            json.WriteStartArray("records");
            foreach (var (key, record) in entries)
            {
                json.WriteStartObject();
                json.WriteString("key", key.ToString());
                json.WritePropertyName("record");
                json.WriteRawValue(record.ToJson());
                json.WriteEndObject();
            }

            json.WriteEndArray();
            if (mounts.Count > 0)
            {
                CacheMounts.Write(json, mounts);
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <exception cref="RegistryException">Protocol: the document is damaged (<paramref name="source"/> names the cache in the message).</exception>
    internal static CacheDocument Read(byte[] document, string source)
    {
        try
        {
            using var json = JsonDocument.Parse(document);
            var entries = new List<(Digest, CacheRecord)>();
            foreach (var entry in json.RootElement.GetProperty("records").EnumerateArray())
            {
                var key = Digest.Parse(entry.GetProperty("key").GetString()!);
                var record = CacheRecord.TryParse(System.Text.Encoding.UTF8.GetBytes(entry.GetProperty("record").GetRawText()))
                    ?? throw new FormatException($"the record of {key} is damaged");
                entries.Add((key, record));
            }

            return new CacheDocument(entries, CacheMounts.Read(json.RootElement));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or OciFormatException)
        {
            throw new RegistryException(RegistryErrorReason.Protocol, $"{source}: the cache document is damaged: {e.Message}", e);
        }
    }
}

/// <summary>What a build cache's config lists: step records, and (exported with mounts=true) cache mounts.</summary>
public sealed record CacheDocument(List<(Digest Key, CacheRecord Record)> Entries, List<CacheMountEntry> Mounts);
