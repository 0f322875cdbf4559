namespace ImageBuilder.Linux.Native;

/// <summary>What <c>lstat</c> tells about one path, in plain .NET types.</summary>
internal readonly record struct FileStatus(
    uint Mode,
    uint Uid,
    uint Gid,
    long Size,
    ulong Device,
    ulong Inode,
    ulong LinkCount,
    ulong SpecialDevice,
    long ModifiedSeconds,
    long ModifiedNanoseconds,
    long ChangedSeconds = 0,
    long ChangedNanoseconds = 0)
{
    // The S_IF* file type values of st_mode.
    public const uint TypeMask = 0xF000;
    public const uint TypeSocket = 0xC000;
    public const uint TypeSymlink = 0xA000;
    public const uint TypeRegular = 0x8000;
    public const uint TypeBlockDevice = 0x6000;
    public const uint TypeDirectory = 0x4000;
    public const uint TypeCharDevice = 0x2000;
    public const uint TypeFifo = 0x1000;

    public uint FileType => Mode & TypeMask;

    /// <summary>Permission bits with setuid, setgid and sticky.</summary>
    public int Permissions => (int)(Mode & 0xFFF);

    // glibc's encoding of dev_t (gnu_dev_major / gnu_dev_minor): 12 bits of major and 20 of
    // minor, split across the low and high halves.
    public int DeviceMajor => (int)(((SpecialDevice >> 8) & 0xFFF) | ((SpecialDevice >> 32) & ~0xFFFUL));

    public int DeviceMinor => (int)((SpecialDevice & 0xFF) | ((SpecialDevice >> 12) & ~0xFFUL));

    /// <summary>The modification time, to the 100 ns a <see cref="DateTimeOffset"/> holds.</summary>
    public DateTimeOffset ModificationTime =>
        DateTimeOffset.UnixEpoch.AddTicks((ModifiedSeconds * TimeSpan.TicksPerSecond) + (ModifiedNanoseconds / 100));
}
