using System.Buffers.Binary;
using ImageBuilder.Core.Layers;

namespace ImageBuilder.Linux.Rootless;

/// <summary>
/// A snapshot read by rootless ibuild before it has entered its user namespace
/// (<see cref="HostMode.Pending"/>), so that push and save need not enter it: what the process
/// sees made to read as it does inside. Files belong to host ids (the user, its subordinate ids),
/// which are the namespace's ids through its maps; a file capability set inside names the
/// namespace's root by its host uid (a v3 <c>security.capability</c>), which inside reads as v2.
/// What cannot be read as it is inside — an owner the namespace does not map, a POSIX ACL (it
/// names ids), a file or directory the user may not read — throws
/// <see cref="UserNamespaceRequiredException"/>: the command then runs again inside.
/// </summary>
public sealed class NamespaceView(IdMap users, IdMap groups)
{
    private const uint RevisionMask = 0xFF000000;
    private const uint Revision2 = 0x02000000;
    private const uint Revision3 = 0x03000000;
    private const uint EffectiveFlag = 0x000001; // VFS_CAP_FLAGS_EFFECTIVE, the one flag there is
    private const int Version2Size = 20; // magic, then permitted and inheritable for two 32-bit words
    private const int Version3Size = 24; // the same, then the root uid

    private const string What = "reading a snapshot as its user namespace sees it";

    /// <summary>The namespace's uid for a file's host uid.</summary>
    public int Uid(uint hostUid) => Inside(users, hostUid, "uid");

    /// <summary>The namespace's gid for a file's host gid.</summary>
    public int Gid(uint hostGid) => Inside(groups, hostGid, "gid");

    /// <summary>
    /// An extended attribute's value as read inside: <c>security.capability</c> translated, the
    /// others as they are. A POSIX ACL needs the namespace.
    /// </summary>
    public byte[] Attribute(string name, byte[] value) => name switch
    {
        "security.capability" => Capability(value),
        "system.posix_acl_access" or "system.posix_acl_default" => throw new UserNamespaceRequiredException(What + " (a POSIX ACL)"),
        _ => value,
    };

    /// <summary>
    /// A <c>security.capability</c> value as the namespace reads it: the kernel shows a v3 value
    /// whose root uid is the namespace's root as v2, and any other mapped root uid as that id of
    /// the namespace; v2 is the same everywhere.
    /// </summary>
    public byte[] Capability(byte[] value)
    {
        if (value.Length < 4)
        {
            throw new UserNamespaceRequiredException(What + " (a malformed file capability)");
        }

        var magic = BinaryPrimitives.ReadUInt32LittleEndian(value);
        if ((magic & RevisionMask) != Revision3)
        {
            return value;
        }

        if (value.Length != Version3Size || users.InsideOf(BinaryPrimitives.ReadUInt32LittleEndian(value.AsSpan(Version2Size))) is not { } root)
        {
            throw new UserNamespaceRequiredException(What + " (a file capability of another user namespace)");
        }

        if (root == 0)
        {
            var v2 = value[..Version2Size];
            BinaryPrimitives.WriteUInt32LittleEndian(v2, Revision2 | (magic & EffectiveFlag));
            return v2;
        }

        var v3 = (byte[])value.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(v3.AsSpan(Version2Size), (uint)root);
        return v3;
    }

    private static int Inside(IdMap map, uint host, string kind) =>
        map.InsideOf(host) is { } inside ? (int)inside : throw new UserNamespaceRequiredException($"{What} (host {kind} {host} is not mapped)");
}
