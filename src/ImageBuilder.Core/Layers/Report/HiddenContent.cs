namespace ImageBuilder.Core.Layers.Report;

/// <summary>How a later entry hid a file's bytes.</summary>
public enum HidingKind
{
    /// <summary>A later entry at the same path (or above it) replaced it.</summary>
    Overwritten,

    /// <summary>A whiteout or an opaque directory deleted it.</summary>
    Deleted,
}

/// <summary>Bytes a layer holds that no one sees in the image: <paramref name="Path"/> of layer <paramref name="Layer"/>, hidden by layer <paramref name="HiddenBy"/>.</summary>
public sealed record HiddenFile(int Layer, string Path, long Size, int HiddenBy, HidingKind How);

/// <summary>
/// Stacks layers as overlayfs and the OCI unpack rules do, and records the content that ends up
/// hidden: a file (or symlink) whose every name a later entry overwrites, or a whiteout or opaque
/// directory of a later layer deletes. Hard links of one layer share their content, which is
/// hidden only when all their names are; directories hold no bytes of their own.
/// </summary>
internal sealed class HiddenContent
{
    private readonly Dictionary<string, Node> live = new(StringComparer.Ordinal);
    private readonly SortedSet<string> paths = new(StringComparer.Ordinal);
    private readonly List<HiddenFile> hidden = [];

    public IReadOnlyList<HiddenFile> Hidden => hidden;

    /// <summary>Applies one entry of layer <paramref name="layer"/> (layers in order, entries in archive order).</summary>
    public void Apply(int layer, LayerEntry entry)
    {
        if (entry.Path.Length == 0 && entry.Kind is not LayerEntryKind.Opaque)
        {
            return; // the root itself
        }

        switch (entry.Kind)
        {
            case LayerEntryKind.Whiteout:
                // A whiteout hides what lower layers hold, never its own layer's entries.
                RemoveTree(entry.Path, layer, HidingKind.Deleted, lowerOnly: true);
                break;
            case LayerEntryKind.Opaque:
                RemoveBelow(entry.Path, layer, HidingKind.Deleted, lowerOnly: true);
                break;
            case LayerEntryKind.Directory:
                if (live.TryGetValue(entry.Path, out var existing) && existing.Content is not null)
                {
                    Remove(entry.Path, layer, HidingKind.Overwritten, lowerOnly: false);
                }

                live[entry.Path] = new Node(layer, null);
                paths.Add(entry.Path);
                break;
            case LayerEntryKind.Hardlink when entry.LinkTarget != entry.Path:
                RemoveTree(entry.Path, layer, HidingKind.Overwritten, lowerOnly: false);
                // Its content is the target's when the target is this layer's; a link to a lower
                // layer's file holds no bytes of this layer.
                var shared = live.TryGetValue(entry.LinkTarget!, out var target) && target.Layer == layer ? target.Content : null;
                Add(entry.Path, layer, shared ?? new Content(layer, 0));
                break;
            case LayerEntryKind.Hardlink:
                break;
            default:
                RemoveTree(entry.Path, layer, HidingKind.Overwritten, lowerOnly: false);
                Add(entry.Path, layer, new Content(layer, entry.ContentSize));
                break;
        }
    }

    private void Add(string path, int layer, Content content)
    {
        content.Names++;
        live[path] = new Node(layer, content);
        paths.Add(path);
    }

    private void RemoveTree(string path, int layer, HidingKind how, bool lowerOnly)
    {
        Remove(path, layer, how, lowerOnly);
        RemoveBelow(path, layer, how, lowerOnly);
    }

    private void RemoveBelow(string directory, int layer, HidingKind how, bool lowerOnly)
    {
        // Ordinal order: every "dir/…" sorts between "dir/" and "dir0" ('0' follows '/').
        var below = directory.Length == 0
            ? paths.Where(p => p.Length > 0).ToList()
            : paths.GetViewBetween(directory + "/", directory + "0").ToList();
        foreach (var path in below)
        {
            Remove(path, layer, how, lowerOnly);
        }
    }

    private void Remove(string path, int layer, HidingKind how, bool lowerOnly)
    {
        if (!live.TryGetValue(path, out var node) || (lowerOnly && node.Layer >= layer))
        {
            return;
        }

        live.Remove(path);
        paths.Remove(path);
        if (node.Content is { } content && --content.Names == 0 && content.Size > 0)
        {
            hidden.Add(new HiddenFile(content.Layer, path, content.Size, layer, how));
        }
    }

    /// <summary>A path in the stacked tree: the layer that put it there, its content (null: a directory).</summary>
    private sealed record Node(int Layer, Content? Content);

    /// <summary>The bytes of one file of one layer, shared by its hard links.</summary>
    private sealed class Content(int layer, long size)
    {
        public int Layer { get; } = layer;

        public long Size { get; } = size;

        public int Names { get; set; }
    }
}
