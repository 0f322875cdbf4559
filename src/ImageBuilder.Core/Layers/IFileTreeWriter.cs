namespace ImageBuilder.Core.Layers;

/// <summary>
/// Recreates entries inside a snapshot directory for the layer unpacker. Every path is
/// resolved inside <c>root</c> without ever leaving it (the Linux implementation uses
/// openat2 with RESOLVE_IN_ROOT): "..", absolute symlinks and symlinked parents all stay
/// inside the root. An existing object at the path is replaced (a directory is kept when
/// the new entry is a directory), and replacing never follows a symlink.
/// </summary>
public interface IFileTreeWriter
{
    /// <summary>Creates (or updates) the entry. For a regular file <paramref name="content"/>
    /// holds exactly <see cref="FileTreeEntry.Size"/> bytes; it is null for every other kind.
    /// A <see cref="FileTreeEntryKind.Whiteout"/> becomes an overlayfs whiteout (char device 0/0),
    /// a hardlink links to <see cref="FileTreeEntry.LinkTarget"/> resolved inside the root.
    /// Owner, mode, extended attributes and modification time are applied; for a symlink the
    /// time and owner are set without following it.</summary>
    void Write(string root, FileTreeEntry entry, Stream? content);

    /// <summary>Marks an existing directory opaque (overlayfs <c>trusted.overlay.opaque=y</c>).</summary>
    void MarkOpaque(string root, string path);

    /// <summary>Sets a directory's modification time again after its contents were written.</summary>
    void SetDirectoryTime(string root, string path, DateTimeOffset time);

    /// <summary>Makes everything under <paramref name="root"/> durable (on Linux: every file and directory fsynced),
    /// so a snapshot that is renamed into place afterwards is whole even after a power loss.</summary>
    void Flush(string root);
}
