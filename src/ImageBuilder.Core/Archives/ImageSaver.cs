using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;

namespace ImageBuilder.Core.Archives;

/// <summary>The archive <c>ibuild save</c> writes.</summary>
public enum ArchiveFormat
{
    /// <summary>What <c>docker save</c> writes today: manifest.json and repositories for
    /// <c>docker load</c>, laid out as an OCI image layout too.</summary>
    Docker,

    /// <summary>An OCI image layout in a tar (an OCI archive).</summary>
    Oci,
}

/// <summary>
/// <c>ibuild save</c>: writes images from the store as one archive. Blobs are copied as
/// stored (so digests and the image ids stay the same), each once; the tar is
/// deterministic (sorted names, zero times, root owner). The output appears whole or not
/// at all: it is written beside the target and renamed into place. A layer a build has not
/// written yet is packed from its snapshot straight into that file; into a pipe (or anything
/// written in place), where a failure half-way could not be taken back, such layers are made
/// first — making one may need rootless ibuild's user namespace, and the command then runs
/// again inside.
/// </summary>
public sealed class ImageSaver(ContentStore store)
{
    /// <summary>Layers made from their snapshots at once.</summary>
    private const int LazyLayersAtOnce = 4;

    /// <summary>
    /// Writes <paramref name="images"/> and (OCI archives only) the multi-platform images
    /// <paramref name="indexes"/>, each an entry of the archive's index.json, to <paramref name="outputPath"/>.
    /// </summary>
    public async Task SaveAsync(
        IReadOnlyList<(ImageRecord Image, ImageReference? Name)> images, string outputPath, ArchiveFormat format,
        CancellationToken cancellationToken, IReadOnlyList<(IndexRecord Index, ImageReference? Name)>? indexes = null)
    {
        if (WritesInPlace(outputPath))
        {
            // A symlink, or anything under /dev (-o /dev/stdout, a process substitution's /dev/fd/N): write into it, never replace it.
            await using var target = new FileStream(outputPath, FileMode.Open, FileAccess.Write);
            await WriteArchiveAsync(images, indexes ?? [], target, format, abandonable: false, cancellationToken);
            return;
        }

        RemoveStaleTemporaries(outputPath);
        var temporary = TemporaryName(outputPath, Environment.ProcessId);
        try
        {
            await using (var output = CreateExclusive(temporary))
            {
                await WriteArchiveAsync(images, indexes ?? [], output, format, abandonable: true, cancellationToken);
                output.Flush(flushToDisk: true);
            }

            File.Move(temporary, outputPath, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Writes the archive into <paramref name="output"/> (standard output): every byte that goes out stays out.</summary>
    public Task WriteAsync(
        IReadOnlyList<(ImageRecord Image, ImageReference? Name)> stored, Stream output, ArchiveFormat format,
        CancellationToken cancellationToken, IReadOnlyList<(IndexRecord Index, ImageReference? Name)>? indexes = null) =>
        WriteArchiveAsync(stored, indexes ?? [], output, format, abandonable: false, cancellationToken);

    /// <summary>
    /// The archive; layers not written yet packed into it from their snapshots when the output
    /// is <paramref name="abandonable"/> (a temporary file, removed on failure), else made first.
    /// </summary>
    private async Task WriteArchiveAsync(
        IReadOnlyList<(ImageRecord Image, ImageReference? Name)> stored, IReadOnlyList<(IndexRecord Index, ImageReference? Name)> indexes,
        Stream output, ArchiveFormat format, bool abandonable, CancellationToken cancellationToken)
    {
        if (indexes.Count > 0 && format == ArchiveFormat.Docker)
        {
            throw new ArgumentException("a docker archive holds single-platform images only", nameof(indexes));
        }

        // A stored manifest whose media types mix the OCI and Docker families (made by an older
        // ibuild from a Docker-typed base) is written unified; its new bytes exist only in the archive.
        var unified = new Dictionary<Digest, byte[]>();
        var images = stored.Select(i => (Image: MediaTypeFamily.IsUniform(i.Image.Manifest)
            ? i.Image
            : LayerRecompressor.WithManifest(i.Image, MediaTypeFamily.Unify(i.Image.Manifest), bytes =>
            {
                var digest = Digest.Sha256(bytes);
                unified[digest] = bytes;
                return digest;
            }), i.Name)).ToList();
        var index = new ImageIndex
        {
            MediaType = MediaTypes.OciIndex,
            Manifests = [.. images.Select(i => Named(i.Image.ManifestDescriptor, i.Name)), .. indexes.Select(i => Named(i.Index.IndexDescriptor, i.Name))],
        };

        var blobs = images.Select(i => i.Image).Concat(indexes.SelectMany(i => i.Index.Images))
            .SelectMany(i => new[] { i.ManifestDescriptor.Digest, i.Manifest.Config.Digest }.Concat(i.Manifest.Layers.Select(l => l.Digest)))
            .Concat(indexes.Select(i => i.Index.Id))
            .Concat(indexes.SelectMany(i => KeptEntries(i.Index)))
            .Distinct()
            .OrderBy(d => d.Encoded, StringComparer.Ordinal)
            .ToList();

        if (!abandonable)
        {
            var options = new ParallelOptions { MaxDegreeOfParallelism = LazyLayersAtOnce, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(blobs.Where(d => !unified.ContainsKey(d)), options, async (digest, token) => await store.WriteBlobFileAsync(digest, token));
        }

        var tar = new ArchiveTarWriter(output);
        await tar.AddFileAsync("oci-layout", OciJson.Serialize(OciLayoutHeader.Current), cancellationToken);
        await tar.AddFileAsync("index.json", OciJson.Serialize(index), cancellationToken);
        if (format == ArchiveFormat.Docker)
        {
            await tar.AddFileAsync("manifest.json", DockerArchiveManifest.Write(DockerEntries(images)), cancellationToken);
            await tar.AddFileAsync("repositories", DockerArchiveManifest.WriteRepositories(Repositories(images)), cancellationToken);
        }

        await tar.AddDirectoryAsync("blobs/", cancellationToken);
        await tar.AddDirectoryAsync("blobs/sha256/", cancellationToken);
        foreach (var digest in blobs)
        {
            if (unified.TryGetValue(digest, out var bytes))
            {
                await tar.AddFileAsync($"blobs/{digest.Algorithm}/{digest.Encoded}", bytes, cancellationToken);
                continue;
            }

            var name = $"blobs/{digest.Algorithm}/{digest.Encoded}";
            if (abandonable && !store.HasBlobFile(digest) && store.FindLazyBlob(digest) is { } lazy && store.HasSnapshot(lazy.Snapshot))
            {
                await tar.AddFileAsync(name, lazy.Size, body => PackLazyAsync(digest, body, cancellationToken), cancellationToken);
                continue;
            }

            await using var blob = store.OpenBlob(digest);
            await tar.AddFileAsync(name, blob, store.BlobSize(digest), cancellationToken);
        }

        await tar.FinishAsync(cancellationToken);
    }

    /// <summary>
    /// The blobs of an index's entries that are not a platform's image (attestations, kept by
    /// <c>pull --platform all</c>): the index lists them, so the archive holds them.
    /// </summary>
    private IEnumerable<Digest> KeptEntries(IndexRecord index)
    {
        foreach (var entry in index.Index.Manifests.Where(e => MediaTypes.IsManifest(e.MediaType) && index.Images.All(i => i.ManifestDescriptor.Digest != e.Digest)))
        {
            var manifest = OciJson.Deserialize<ImageManifest>(store.ReadBlob(entry.Digest));
            yield return entry.Digest;
            foreach (var blob in manifest.Layers.Append(manifest.Config))
            {
                yield return blob.Digest;
            }
        }
    }

    /// <summary>An entry of the archive's index.json: <paramref name="descriptor"/>, named (as docker save names it) when <paramref name="name"/> is given.</summary>
    private static Descriptor Named(Descriptor descriptor, ImageReference? name) => descriptor with
    {
        Annotations = name is null
            ? null
            : new Dictionary<string, string>
            {
                [ContentStore.RefNameAnnotation] = name.ToFamiliarString(),
                [ContentStore.ImageNameAnnotation] = name.ToString(),
            },
    };

    /// <summary>A layer not written yet, packed from its snapshot into <paramref name="body"/>.</summary>
    private async Task PackLazyAsync(Digest layer, Stream body, CancellationToken cancellationToken)
    {
        if (await store.PackLazyBlobAsync(layer, body, LayerCompression.None, cancellationToken) is null)
        {
            // Written by another process meanwhile: the same bytes.
            await using var blob = store.OpenBlob(layer);
            await blob.CopyToAsync(body, cancellationToken);
        }
    }

    private static string TemporaryName(string outputPath, int pid) => outputPath + $".ibuild-{pid}.tmp";

    /// <summary>
    /// Creates the temporary file with O_CREAT|O_EXCL, which never follows a link planted at its
    /// name (in a shared directory such as /tmp another user could aim one at a file of root's).
    /// Something already there carries this process's pid but is not this save's: it goes (the
    /// link itself, never its target) and the file is created anew.
    /// </summary>
    private static FileStream CreateExclusive(string path)
    {
        try
        {
            return new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        }
        catch (IOException)
        {
            File.Delete(path);
            return new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        }
    }

    /// <summary>
    /// Removes what an earlier save to the same file left when it was killed mid-write:
    /// <c>FILE.ibuild-PID.tmp</c> siblings whose process is gone (a running save's file is kept).
    /// </summary>
    private static void RemoveStaleTemporaries(string outputPath)
    {
        var full = Path.GetFullPath(outputPath);
        var directory = Path.GetDirectoryName(full)!;
        var prefix = Path.GetFileName(full) + ".ibuild-";
        if (!Directory.Exists(directory))
        {
            return;
        }

        foreach (var candidate in Directory.EnumerateFiles(directory, prefix + "*.tmp"))
        {
            var name = Path.GetFileName(candidate);
            if (!name.StartsWith(prefix, StringComparison.Ordinal)
                || ProcessOwner.ParsePid(name.AsSpan(prefix.Length, name.Length - prefix.Length - ".tmp".Length)) is not { } pid
                || ProcessOwner.IsRunning(pid))
            {
                continue;
            }

            try
            {
                File.Delete(candidate);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not ours to fight over: the save goes on, the leftover stays for another time.
            }
        }
    }

    /// <summary>A symlink, or a device or pipe under /dev (-o /dev/stdout), is written into, never replaced.</summary>
    private static bool WritesInPlace(string path) =>
        Path.GetFullPath(path).StartsWith("/dev/", StringComparison.Ordinal)
        || (File.Exists(path) && new FileInfo(path).LinkTarget is not null);

    private static List<DockerArchiveEntry> DockerEntries(IReadOnlyList<(ImageRecord Image, ImageReference? Name)> images) =>
        images.GroupBy(i => i.Image.ManifestDescriptor.Digest).Select(g =>
        {
            var image = g.First().Image;
            return new DockerArchiveEntry
            {
                Config = BlobName(image.Manifest.Config.Digest),
                RepoTags = g.Select(i => i.Name).OfType<ImageReference>().Select(n => n.ToFamiliarString()).ToList(),
                Layers = image.Manifest.Layers.Select(l => BlobName(l.Digest)).ToList(),
            };
        }).ToList();

    private static Dictionary<string, Dictionary<string, string>> Repositories(IReadOnlyList<(ImageRecord Image, ImageReference? Name)> images)
    {
        var repositories = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var (image, name) in images)
        {
            if (name?.Tag is not { } tag || image.Config.RootFs.DiffIds.Count == 0)
            {
                continue;
            }

            var top = ChainId.All(image.Config.RootFs.DiffIds)[^1];
            if (!repositories.TryGetValue(name.FamiliarName, out var tags))
            {
                repositories[name.FamiliarName] = tags = new Dictionary<string, string>(StringComparer.Ordinal);
            }

            tags[tag] = top.Encoded;
        }

        return repositories;
    }

    private static string BlobName(Digest digest) => $"blobs/{digest.Algorithm}/{digest.Encoded}";
}
