using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;

namespace ImageBuilder.Build.Engine;

/// <summary>
/// A stage's state between steps: its layers (with diff ids), its history so far, the cache key
/// of its file system (which only steps that change files advance) and the newest history time.
/// </summary>
internal sealed record LayerChain(
    IReadOnlyList<Descriptor> Layers,
    IReadOnlyList<Digest> DiffIds,
    IReadOnlyList<HistoryEntry> History,
    Digest Key,
    string? LastCreated)
{
    public const string HistoryComment = "buildkit.dockerfile.v0";

    public IReadOnlyList<Digest> ChainIds => ChainId.All(DiffIds);

    /// <summary>The snapshot dirs, top first, as overlayfs wants its lower dirs.</summary>
    public IReadOnlyList<string> LowerDirs(ContentStore store) => ChainIds.Reverse().Select(store.SnapshotPath).ToList();

    /// <summary>The chain after a step: its layer (if it made one), its history entry, and its key.</summary>
    public LayerChain Append(string createdBy, CacheRecord record, Digest key) => this with
    {
        Layers = record.Layer is { } layer ? [.. Layers, layer] : Layers,
        DiffIds = record.DiffId is { } diffId ? [.. DiffIds, diffId] : DiffIds,
        History = [.. History, new HistoryEntry
        {
            Created = record.Created,
            CreatedBy = createdBy,
            Comment = HistoryComment,
            EmptyLayer = record.Layer is null,
        }],
        Key = key,
        LastCreated = record.Created,
    };

    /// <summary>The stage's image config: the plan's config with this chain's root fs and history.</summary>
    public ImageConfig ToConfig(ImageConfig planned) => planned with
    {
        Created = LastCreated,
        History = History,
        RootFs = new RootFs { DiffIds = DiffIds },
    };
}
