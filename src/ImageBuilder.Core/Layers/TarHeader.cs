namespace ImageBuilder.Core.Layers;

/// <summary>The type flags of the POSIX tar headers a layer uses.</summary>
internal static class TarTypeFlag
{
    public const byte Regular = (byte)'0';
    public const byte Hardlink = (byte)'1';
    public const byte Symlink = (byte)'2';
    public const byte CharDevice = (byte)'3';
    public const byte BlockDevice = (byte)'4';
    public const byte Directory = (byte)'5';
    public const byte Fifo = (byte)'6';
    public const byte PaxExtended = (byte)'x';
}

/// <summary>
/// One tar entry as the packer decided it: the name already carries the trailing '/' of a
/// directory or the <c>.wh.</c> of a whiteout, and the time is already clamped. Owner names
/// are never written (numeric ids only).
/// </summary>
internal sealed record TarHeader
{
    public required string Name { get; init; }

    public required byte TypeFlag { get; init; }

    /// <summary>Permission bits with setuid, setgid and sticky (07777).</summary>
    public int Mode { get; init; }

    public long Uid { get; init; }

    public long Gid { get; init; }

    /// <summary>Content bytes that follow the header (regular files only).</summary>
    public long Size { get; init; }

    /// <summary>Whole seconds since the Unix epoch.</summary>
    public long ModificationTime { get; init; }

    public string? LinkName { get; init; }

    public int DeviceMajor { get; init; }

    public int DeviceMinor { get; init; }

    public IReadOnlyDictionary<string, byte[]> ExtendedAttributes { get; init; } = NoAttributes;

    private static readonly IReadOnlyDictionary<string, byte[]> NoAttributes = new Dictionary<string, byte[]>();
}
