using System.Text;
using ImageBuilder.Dockerfile.Ignore;
using ImageBuilder.Linux.Rootless;

namespace ImageBuilder.Build.Context;

/// <summary>
/// Rootless ibuild's build outside the user namespace hands the context it read (entries, stat,
/// hashes, owners as the namespace sees them) to the build that runs again inside, which then
/// neither walks nor hashes it again (<see cref="NamespaceHandOff"/>).
/// </summary>
public sealed partial class BuildContext
{
    private const string HandOffName = "build-context";
    private const int HandOffVersion = 1;

    /// <summary>The kernel's overflow ids: what the namespace shows for an owner it does not map.</summary>
    private static readonly Lazy<(uint User, uint Group)> Overflow = new(() => (OverflowId("overflowuid"), OverflowId("overflowgid")));

    /// <summary>Outside the namespace: offers this context to the build that may run again inside.</summary>
    private void OfferToNamespace(string? dockerfilePath) =>
        NamespaceHandOff.Offer(HandOffName, () => ToHandOff(dockerfilePath));

    /// <summary>Inside: the context the build outside read, when it read this one (same directory, Dockerfile and ignore patterns).</summary>
    private static BuildContext? Received(string root, string? dockerfilePath, DockerIgnore ignore, string? statCachePath) =>
        NamespaceHandOff.Take(HandOffName) is { } bytes ? FromHandOff(bytes, root, dockerfilePath, ignore, statCachePath) : null;

    /// <summary>
    /// This context as bytes: what it was read for, the number of files hashed since (the stat
    /// cache is saved by whoever finishes), then every entry, parents before children.
    /// </summary>
    internal byte[] ToHandOff(string? dockerfilePath)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(HandOffVersion);
            writer.Write(Root);
            writer.Write(dockerfilePath ?? "");
            writer.Write(string.Join('\n', ignore.Patterns));
            lock (hashLock)
            {
                writer.Write(Volatile.Read(ref hashedSinceLoad));
                Write(writer, "", root);
            }
        }

        return stream.ToArray();
    }

    /// <summary>The context in <paramref name="bytes"/> when it was read for the same directory, Dockerfile and patterns; null otherwise, or when malformed.</summary>
    internal static BuildContext? FromHandOff(byte[] bytes, string root, string? dockerfilePath, DockerIgnore ignore, string? statCachePath)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
            if (reader.ReadInt32() != HandOffVersion || reader.ReadString() != root || reader.ReadString() != (dockerfilePath ?? "")
                || reader.ReadString() != string.Join('\n', ignore.Patterns))
            {
                return null;
            }

            var hashed = reader.ReadInt32();
            var (_, rootEntry) = Read(reader, "");
            return rootEntry.Kind != ContextEntryKind.Directory || reader.BaseStream.Position != bytes.Length
                ? null
                : new BuildContext(root, ignore, rootEntry, statCachePath) { hashedSinceLoad = hashed };
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ArgumentException or FormatException)
        {
            return null;
        }
    }

    private static void Write(BinaryWriter writer, string name, ContextEntry entry)
    {
        writer.Write(name);
        writer.Write((byte)entry.Kind);
        writer.Write(entry.Mode);
        writer.Write(entry.Uid);
        writer.Write(entry.Gid);
        writer.Write(entry.Size);
        writer.Write(entry.ModifiedNanoseconds);
        writer.Write(entry.ChangedNanoseconds);
        writer.Write(entry.Inode);
        writer.Write(entry.Device);
        WriteOptional(writer, entry.LinkTarget);
        WriteOptional(writer, entry.ContentHash);
        writer.Write(entry.Children?.Count ?? -1);
        foreach (var (childName, child) in entry.Children ?? [])
        {
            Write(writer, childName, child);
        }
    }

    private static (string Name, ContextEntry Entry) Read(BinaryReader reader, string parentPath)
    {
        var name = reader.ReadString();
        var kind = (ContextEntryKind)reader.ReadByte();
        if (!Enum.IsDefined(kind))
        {
            throw new FormatException($"no entry kind {kind}");
        }

        var path = parentPath.Length == 0 && name.Length == 0 ? "" : SourcePath.Join(parentPath, name);
        var mode = reader.ReadUInt32();
        var uid = reader.ReadUInt32();
        var gid = reader.ReadUInt32();
        var size = reader.ReadInt64();
        var modified = reader.ReadInt64();
        var changed = reader.ReadInt64();
        var inode = reader.ReadUInt64();
        var device = reader.ReadUInt64();
        var link = ReadOptional(reader);
        var hash = ReadOptional(reader);
        var count = reader.ReadInt32();
        SortedDictionary<string, ContextEntry>? children = count < 0 ? null : new(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var (childName, child) = Read(reader, path);
            children!.Add(childName, child);
        }

        return (name, new ContextEntry
        {
            Path = path,
            Kind = kind,
            Mode = mode,
            Uid = uid,
            Gid = gid,
            Size = size,
            ModifiedNanoseconds = modified,
            ChangedNanoseconds = changed,
            Inode = inode,
            Device = device,
            LinkTarget = link,
            Children = children,
            ContentHash = hash,
        });
    }

    private static void WriteOptional(BinaryWriter writer, string? value)
    {
        writer.Write(value is not null);
        if (value is not null)
        {
            writer.Write(value);
        }
    }

    private static string? ReadOptional(BinaryReader reader) => reader.ReadBoolean() ? reader.ReadString() : null;

    /// <summary>An owner as the user namespace will see it: outside it, the host's id mapped in (or <paramref name="overflow"/>); elsewhere as it is.</summary>
    private static uint AsNamespaceSees(uint id, IdMap? outsideMap, uint overflow) =>
        outsideMap is null ? id : outsideMap.InsideOf(id) is { } inside ? (uint)inside : overflow;

    private static uint OverflowId(string name) =>
        uint.TryParse(Linux.SystemFile.ReadOrNull("/proc/sys/kernel/" + name)?.Trim(), out var id) ? id : 65534;
}
