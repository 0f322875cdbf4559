namespace ImageBuilder.Core.Layers;

/// <summary>The kinds of tar entry a layer may hold.</summary>
public enum TarHeaderType
{
    RegularFile,
    Hardlink,
    Symlink,
    CharDevice,
    BlockDevice,
    Directory,
    Fifo,
}

/// <summary>
/// One entry of a layer tar with its PAX and GNU records merged in. <see cref="Name"/> and
/// <see cref="LinkName"/> are exactly as the archive spells them (not yet cleaned).
/// </summary>
public sealed record TarEntryHeader(
    string Name,
    TarHeaderType Type,
    int Mode,
    int Uid,
    int Gid,
    long Size,
    DateTimeOffset ModificationTime,
    string LinkName,
    int DevMajor,
    int DevMinor,
    IReadOnlyDictionary<string, byte[]> ExtendedAttributes);
