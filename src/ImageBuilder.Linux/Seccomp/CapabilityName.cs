namespace ImageBuilder.Linux.Seccomp;

/// <summary>The kernel's capability names (<c>CAP_SYS_ADMIN</c>), by bit number, as seccomp profiles name them.</summary>
internal static class CapabilityName
{
    private static readonly string[] Names =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
        "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    /// <summary>The bit of <paramref name="name"/> in a capability mask; null for a name this kernel list does not have.</summary>
    public static int? Bit(string name)
    {
        var index = Array.IndexOf(Names, name.ToUpperInvariant());
        return index < 0 ? null : index;
    }

    /// <summary>Whether the capability <paramref name="name"/> is in <paramref name="capabilities"/> (an unknown name never is).</summary>
    public static bool IsIn(string name, ulong capabilities) => Bit(name) is { } bit && (capabilities & (1UL << bit)) != 0;
}
