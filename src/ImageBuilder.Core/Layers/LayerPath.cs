namespace ImageBuilder.Core.Layers;

/// <summary>
/// Turns a name from a layer tar into a <see cref="FileTreeEntry.Path"/>. The rule, chosen once
/// for every entry name and hardlink target:
/// <list type="bullet">
/// <item>A NUL byte is refused: C calls would silently cut the name short.</item>
/// <item>A leading "/" is dropped: an absolute name is relative to the snapshot root, as GNU tar,
/// containerd and BuildKit treat it.</item>
/// <item>Empty and "." components and trailing slashes are dropped.</item>
/// <item>".." removes the component before it. A ".." with nothing left to remove would climb
/// above the root: refused, as docker's unpacker refuses it (no well-formed layer holds one, so
/// it is a broken or hostile archive, and quietly rewriting it would hide that).</item>
/// </list>
/// Symlinks play no part here: the <see cref="IFileTreeWriter"/> resolves every cleaned path
/// inside the root (openat2 with RESOLVE_IN_ROOT on Linux), so a symlink already in the snapshot,
/// absolute or climbing, is followed as if the snapshot were "/" and can never lead out.
/// The empty result stands for the root itself.
/// </summary>
public static class LayerPath
{
    /// <param name="name">the name as the archive spells it</param>
    /// <param name="entryName">the entry to blame in an error</param>
    /// <param name="what">"name" or "hardlink target", for the message</param>
    public static string Clean(string name, string entryName, string what)
    {
        if (name.Contains('\0'))
        {
            throw new LayerFormatException(LayerFormatReason.UnsafePath, entryName, $"the {what} holds a NUL byte");
        }

        return WithinRoot(name) ?? throw new LayerFormatException(
            LayerFormatReason.UnsafePath, entryName, $"the {what} \"{LayerFormatException.Printable(name)}\" climbs above the layer root");
    }

    /// <summary>The rule above without the NUL check: the cleaned name, or null when a ".." climbs above the root.</summary>
    public static string? WithinRoot(string name)
    {
        var parts = new List<string>();
        foreach (var part in name.Split('/'))
        {
            switch (part)
            {
                case "" or ".":
                    continue;
                case "..":
                    if (parts.Count == 0)
                    {
                        return null;
                    }

                    parts.RemoveAt(parts.Count - 1);
                    continue;
                default:
                    parts.Add(part);
                    continue;
            }
        }

        return string.Join('/', parts);
    }

    /// <summary>The directory part ("" for the root) and the last component of a cleaned path.</summary>
    public static (string Directory, string Name) Split(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? (string.Empty, path) : (path[..slash], path[(slash + 1)..]);
    }

    public static string Join(string directory, string name) => directory.Length == 0 ? name : directory + "/" + name;
}
