namespace ImageBuilder.Core.Layers;

/// <summary>
/// Reads a directory tree (a plain directory, or an overlayfs upper dir) for the layer packer.
/// The Linux implementation lives in ImageBuilder.Linux; tests may use fakes.
/// </summary>
public interface IFileTreeReader
{
    /// <summary>
    /// The entries below <paramref name="root"/> (not the root itself), depth first, in this
    /// deterministic order: a directory comes before its contents; among the entries of one
    /// directory, whiteouts come first, then everything else, each group sorted by the ordinal
    /// order of the UTF-8 bytes of the name. Overlayfs whiteouts (char device 0/0, or a
    /// zero-size file with the xattr <c>trusted.overlay.whiteout</c>) are
    /// <see cref="FileTreeEntryKind.Whiteout"/>; a directory with <c>trusted.overlay.opaque=y</c>
    /// has <see cref="FileTreeEntry.Opaque"/>. The first name of a multiply linked regular file
    /// in this order is a <see cref="FileTreeEntryKind.RegularFile"/>, later names are
    /// <see cref="FileTreeEntryKind.Hardlink"/> entries pointing at it.
    /// </summary>
    IEnumerable<FileTreeEntry> Enumerate(string root);

    /// <summary>The content of a regular file entry.</summary>
    Stream OpenRead(string root, FileTreeEntry entry);
}
