namespace ImageBuilder.Core.Layers;

public sealed partial class LayerUnpacker
{
    private const string WhiteoutPrefix = ".wh.";
    private const string MetaWhiteoutPrefix = ".wh..wh.";
    private const string OpaqueMarker = ".wh..wh..opq";

    /// <summary>The state of one unpack: which paths this layer made, and the directory times still to set.</summary>
    private sealed class Pass(IFileTreeWriter writer, string root)
    {
        private readonly Dictionary<string, DateTimeOffset> directoryTimes = new(StringComparer.Ordinal);
        private readonly HashSet<string> present = new(StringComparer.Ordinal);

        public void Apply(TarEntryHeader header, TarEntryContent content)
        {
            var path = LayerPath.Clean(header.Name, header.Name, "name");
            var (directory, name) = LayerPath.Split(path);
            if (name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
            {
                ApplyWhiteout(header, directory, name);
                return;
            }

            var entry = ToEntry(header, path);
            if (entry.Kind != FileTreeEntryKind.Directory)
            {
                ForgetDirectory(path);
            }

            Guard(header.Name, content, () => writer.Write(root, entry, entry.Kind == FileTreeEntryKind.RegularFile ? content : null));
            if (entry.Kind == FileTreeEntryKind.Directory)
            {
                directoryTimes[path] = entry.ModificationTime;
            }

            MarkPresent(path);
        }

        /// <summary>Sets every directory's time last, once nothing more is created inside it.</summary>
        public void SetDirectoryTimes()
        {
            foreach (var (path, time) in directoryTimes)
            {
                Guard(path, null, () => writer.SetDirectoryTime(root, path, time));
            }
        }

        private void ApplyWhiteout(TarEntryHeader header, string directory, string name)
        {
            if (name == OpaqueMarker)
            {
                Guard(header.Name, null, () => writer.MarkOpaque(root, directory));
                MarkPresent(directory);
                return;
            }

            // Other ".wh..wh." names are AUFS bookkeeping (".wh..wh.plnk", ".wh..wh.aufs"): no meaning here.
            if (name.StartsWith(MetaWhiteoutPrefix, StringComparison.Ordinal))
            {
                return;
            }

            var hiddenName = name[WhiteoutPrefix.Length..];
            if (hiddenName is "" or "." or "..")
            {
                throw new LayerFormatException(LayerFormatReason.UnsafePath, header.Name, "a whiteout that names nothing");
            }

            var hidden = LayerPath.Join(directory, hiddenName);

            // The OCI spec: a whiteout hides only what lower layers hold; something this same layer
            // created stays. (Docker writes whiteouts before their siblings, so this rarely matters.)
            if (present.Contains(hidden))
            {
                return;
            }

            ForgetDirectory(hidden);
            var whiteout = new FileTreeEntry
            {
                Path = hidden,
                Kind = FileTreeEntryKind.Whiteout,
                Uid = header.Uid,
                Gid = header.Gid,
                ModificationTime = header.ModificationTime,
            };
            Guard(header.Name, null, () => writer.Write(root, whiteout, null));
        }

        private static FileTreeEntry ToEntry(TarEntryHeader header, string path)
        {
            var kind = header.Type switch
            {
                TarHeaderType.RegularFile => FileTreeEntryKind.RegularFile,
                TarHeaderType.Hardlink => FileTreeEntryKind.Hardlink,
                TarHeaderType.Symlink => FileTreeEntryKind.Symlink,
                TarHeaderType.CharDevice => FileTreeEntryKind.CharDevice,
                TarHeaderType.BlockDevice => FileTreeEntryKind.BlockDevice,
                TarHeaderType.Directory => FileTreeEntryKind.Directory,
                TarHeaderType.Fifo => FileTreeEntryKind.Fifo,
                _ => throw new LayerFormatException(LayerFormatReason.Unsupported, header.Name, $"unexpected entry type {header.Type}"),
            };

            if (path.Length == 0 && kind != FileTreeEntryKind.Directory)
            {
                throw new LayerFormatException(LayerFormatReason.UnsafePath, header.Name, "only a directory may stand for the layer root");
            }

            return new FileTreeEntry
            {
                Path = path,
                Kind = kind,
                Mode = header.Mode,
                Uid = header.Uid,
                Gid = header.Gid,
                Size = header.Size,
                ModificationTime = header.ModificationTime,
                LinkTarget = LinkTarget(header, kind, path),
                DeviceMajor = header.DevMajor,
                DeviceMinor = header.DevMinor,
                ExtendedAttributes = OverlayAttributes.Without(header.ExtendedAttributes),
            };
        }

        private static string? LinkTarget(TarEntryHeader header, FileTreeEntryKind kind, string path)
        {
            switch (kind)
            {
                case FileTreeEntryKind.Symlink when header.LinkName.Length == 0:
                    throw new LayerFormatException(LayerFormatReason.Malformed, header.Name, "symlink with an empty target");
                case FileTreeEntryKind.Symlink:
                    // Stored as written: in the snapshot it only ever resolves inside the root.
                    return header.LinkName;
                case FileTreeEntryKind.Hardlink:
                    var target = LayerPath.Clean(header.LinkName, header.Name, "hardlink target");
                    return target.Length == 0
                        ? throw new LayerFormatException(LayerFormatReason.UnsafePath, header.Name, "a hardlink to the layer root")
                        : target == path
                            ? throw new LayerFormatException(LayerFormatReason.Malformed, header.Name, "a hardlink to itself")
                            : target;
                default:
                    return null;
            }
        }

        // A directory replaced by something else no longer gets its time set, and neither do the
        // directories that were inside it.
        private void ForgetDirectory(string path)
        {
            if (!directoryTimes.Remove(path))
            {
                return;
            }

            var inside = path + "/";
            foreach (var key in directoryTimes.Keys.Where(k => k.StartsWith(inside, StringComparison.Ordinal)).ToList())
            {
                directoryTimes.Remove(key);
            }
        }

        private void MarkPresent(string path)
        {
            while (present.Add(path) && path.Length > 0)
            {
                path = LayerPath.Split(path).Directory;
            }
        }

        private static void Guard(string entryName, TarEntryContent? content, Action write)
        {
            try
            {
                write();
            }
            catch (Exception error) when (error is not (OperationCanceledException or LayerFormatException or UserNamespaceRequiredException)
                                          && !ReferenceEquals(error, content?.SourceFault))
            {
                throw new LayerFormatException(
                    LayerFormatReason.WriteFailed, entryName, $"cannot write it into the snapshot: {error.Message}", error);
            }
        }
    }
}
