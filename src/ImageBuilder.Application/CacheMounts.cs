using System.Text.Json;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;
using ImageBuilder.Linux.Native;
using ImageBuilder.Planning;

namespace ImageBuilder.Application;

/// <summary>One RUN --mount=type=cache directory in a build cache: its id, the directory's own mode and owner, and its content as a gzip tar blob.</summary>
public sealed record CacheMountEntry(string Id, int Mode, int Uid, int Gid, Descriptor Layer);

/// <summary>
/// Cache mounts that travel with the build cache (<c>--cache-to …,mounts=true</c>, BuildKit's
/// moby/buildkit#1474): the export packs the content of each cache mount the build's RUN steps
/// use into a layer-like blob of the store (held under the mount's lock, so no step writes it
/// meanwhile), listed in the cache's config beside the records; an import restores each one the
/// store does not have yet — unpacked beside its place and renamed into it — before any step runs.
/// A mount the store has already is kept: it is at least as warm as the one in the cache.
/// </summary>
public static class CacheMounts
{
    /// <summary>The cache mount ids the plans' RUN steps use.</summary>
    public static IReadOnlyList<string> IdsOf(IEnumerable<BuildPlan> plans) =>
        plans.SelectMany(p => p.Stages).SelectMany(s => s.Steps).OfType<RunStep>()
            .SelectMany(r => r.Mounts).Where(m => m.Mount.Type == "cache").Select(m => m.CacheId)
            .Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Packs the store's directories of <paramref name="ids"/> (those it has) into blobs of the store.</summary>
    public static async Task<List<CacheMountEntry>> PackAsync(ContentStore store, IFileTreeReader reader, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var entries = new List<CacheMountEntry>();
        foreach (var id in ids)
        {
            var dir = store.CacheMountPath(id);
            if (!Directory.Exists(dir))
            {
                continue;
            }

            using var held = StoreLock.Acquire(store.FileSystem, dir + ".lock", TimeSpan.FromHours(1));
            var (uid, gid, mode) = Syscalls.OwnerAndMode(dir);
            await using var blob = store.BeginBlob();
            var packed = await new LayerPacker(reader).PackAsync(dir, blob.Stream, new LayerPackOptions(LayerCompression.Gzip), cancellationToken);
            var (digest, size) = blob.Commit(packed.Digest);
            entries.Add(new CacheMountEntry(id, mode, uid, gid, new Descriptor { MediaType = MediaTypes.OciLayerGzip, Digest = digest, Size = size }));
        }

        return entries;
    }

    /// <summary>The mounts whose directory the store lacks: what an import must fetch and restore.</summary>
    public static List<CacheMountEntry> Missing(ContentStore store, IReadOnlyList<CacheMountEntry> mounts) =>
        mounts.Where(m => !Directory.Exists(store.CacheMountPath(m.Id))).ToList();

    /// <summary>Restores each mount the store lacks from its blob (which the store must hold); returns how many.</summary>
    public static async Task<int> RestoreAsync(ContentStore store, IFileTreeWriter writer, IReadOnlyList<CacheMountEntry> mounts, CancellationToken cancellationToken)
    {
        var restored = 0;
        foreach (var mount in Missing(store, mounts))
        {
            var dir = store.CacheMountPath(mount.Id);
            var scratch = store.CreateScratchDirectory();
            try
            {
                writer.Write(scratch, new FileTreeEntry
                {
                    Path = "mount",
                    Kind = FileTreeEntryKind.Directory,
                    Mode = mount.Mode,
                    Uid = mount.Uid,
                    Gid = mount.Gid,
                    ModificationTime = DateTimeOffset.UtcNow,
                }, null);
                var made = Path.Combine(scratch, "mount");
                await using (var blob = store.OpenBlob(mount.Layer.Digest))
                {
                    await new LayerUnpacker(writer).UnpackAsync(blob, made, cancellationToken);
                }

                using var held = StoreLock.Acquire(store.FileSystem, dir + ".lock", TimeSpan.FromHours(1));
                if (!Directory.Exists(dir))
                {
                    Directory.Move(made, dir);
                    restored++;
                }
            }
            finally
            {
                Directory.Delete(scratch, recursive: true);
            }
        }

        return restored;
    }

    public static void Write(Utf8JsonWriter json, IReadOnlyList<CacheMountEntry> mounts)
    {
        json.WriteStartArray("mounts");
        foreach (var mount in mounts)
        {
            json.WriteStartObject();
            json.WriteString("id", mount.Id);
            json.WriteNumber("mode", mount.Mode);
            json.WriteNumber("uid", mount.Uid);
            json.WriteNumber("gid", mount.Gid);
            json.WritePropertyName("layer");
            json.WriteRawValue(OciJson.Serialize(mount.Layer));
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    /// <summary>The mounts a cache document lists (none in a cache exported without mounts=true).</summary>
    /// <exception cref="FormatException">An entry is damaged.</exception>
    public static List<CacheMountEntry> Read(JsonElement document)
    {
        if (!document.TryGetProperty("mounts", out var mounts))
        {
            return [];
        }

        return mounts.EnumerateArray().Select(m => new CacheMountEntry(
            m.GetProperty("id").GetString() ?? throw new FormatException("a cache mount without an id"),
            m.GetProperty("mode").GetInt32(), m.GetProperty("uid").GetInt32(), m.GetProperty("gid").GetInt32(),
            OciJson.Deserialize<Descriptor>(System.Text.Encoding.UTF8.GetBytes(m.GetProperty("layer").GetRawText()))))
            .ToList();
    }
}
