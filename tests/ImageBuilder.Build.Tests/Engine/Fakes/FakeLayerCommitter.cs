using System.Collections.Concurrent;
using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;
using ImageBuilder.Linux.Layers;

namespace ImageBuilder.Build.Tests.Engine.Fakes;

/// <summary>
/// Commits with the real store and layer packer (reading a tree needs no privilege), so blobs, snapshots
/// and cache records are real; records the files of every committed layer. A missing snapshot is
/// "unpacked" as an empty directory (unpacking writes owners, which needs root), and recorded.
/// </summary>
internal sealed class FakeLayerCommitter(ContentStore store) : ILayerCommitter
{
    /// <summary>The files of each committed layer (path relative to the layer → content), in commit order.</summary>
    public ConcurrentQueue<IReadOnlyDictionary<string, string>> Commits { get; } = new();

    /// <summary>The snapshots that were missing and made again.</summary>
    public ConcurrentQueue<Digest> Unpacked { get; } = new();

    public Task<PackedLayer> CommitAsync(string upperDir, Digest? parentChainId, DateTimeOffset? sourceDateEpoch, Task? placeAfter, CancellationToken cancellationToken)
    {
        Commits.Enqueue(Directory.EnumerateFiles(upperDir, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(upperDir, f), File.ReadAllText));
        if (placeAfter is not null)
        {
            Deferred.Enqueue(upperDir);
        }

        if (FailWhen?.Invoke(upperDir) is { } error)
        {
            return Task.FromException<PackedLayer>(error);
        }

        return store.CommitLayerAsync(upperDir, parentChainId, sourceDateEpoch, _ => { }, placeAfter, cancellationToken);
    }

    /// <summary>The error a commit of the given upper dir fails with (a full disk, say); null: it succeeds.</summary>
    public Func<string, Exception?>? FailWhen { get; set; }

    /// <summary>The upper dirs whose move into place waited for the next step.</summary>
    public ConcurrentQueue<string> Deferred { get; } = new();

    public async Task EnsureSnapshotsAsync(IReadOnlyList<Descriptor> layers, IReadOnlyList<Digest> diffIds, CancellationToken cancellationToken)
    {
        var chainIds = ChainId.All(diffIds);
        for (var i = 0; i < layers.Count; i++)
        {
            await EnsureSnapshotAsync(chainIds[i], layers[i], diffIds[i], cancellationToken);
        }
    }

    public Task EnsureSnapshotAsync(Digest chainId, Descriptor layer, Digest diffId, CancellationToken cancellationToken) =>
        store.EnsureSnapshotAsync(chainId, _ =>
        {
            Unpacked.Enqueue(chainId);
            return Task.CompletedTask;
        }, cancellationToken);
}
