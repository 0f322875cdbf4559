namespace ImageBuilder.Linux.Seccomp;

/// <summary>
/// A compiled syscall filter: a classic-BPF program (an array of <c>struct sock_filter</c>, 8
/// bytes each, in this machine's byte order) ready for <c>seccomp(SECCOMP_SET_MODE_FILTER)</c>,
/// and the names the profile allows that this machine's libseccomp does not know (newer than
/// it; a process calling one gets the profile's default action, as under Docker built
/// against the same libseccomp).
/// </summary>
public sealed class SeccompProgram(byte[] instructions, IReadOnlyList<string> unknownSyscalls)
{
    public const int InstructionSize = 8;

    /// <summary>The kernel's limit on a classic-BPF program (BPF_MAXINSNS).</summary>
    public const int MaxInstructions = 4096;

    public ReadOnlyMemory<byte> Instructions { get; } = instructions;

    public int InstructionCount => Instructions.Length / InstructionSize;

    public IReadOnlyList<string> UnknownSyscalls { get; } = unknownSyscalls;
}
