using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ImageBuilder.Linux.Native;

/// <summary>
/// The step's syscall filter as the init loads it: a <c>struct sock_fprog</c> (instruction
/// count, pointer) over a copy of the BPF program, both in native memory made before
/// pivot_root (never freed: the process execs or exits).
/// </summary>
internal sealed class PreparedSyscallFilter
{
    public required nint Program { get; init; }            // struct sock_fprog*

    public required byte[] FailedMessage { get; init; }    // "ibuild: sandbox: loading … failed (errno "
}

public static unsafe partial class Syscalls
{
    private const int PrSetSeccomp = 22;
    private const ulong SeccompModeFilter = 2;

    /// <summary>The program ibuild compiled (<c>struct sock_filter[]</c> bytes) in native memory; null for none.</summary>
    internal static PreparedSyscallFilter? PrepareSyscallFilter(ReadOnlySpan<byte> instructions)
    {
        if (instructions.IsEmpty)
        {
            return null;
        }

        var filter = NativeMemory.Alloc((nuint)instructions.Length);
        instructions.CopyTo(new Span<byte>(filter, instructions.Length));
        var program = (byte*)NativeMemory.AllocZeroed(16); // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
        *(ushort*)program = checked((ushort)(instructions.Length / 8));
        *(void**)(program + 8) = filter;
        return new PreparedSyscallFilter
        {
            Program = (nint)program,
            FailedMessage = "ibuild: sandbox: loading the seccomp filter failed (errno "u8.ToArray(),
        };
    }

    /// <summary>
    /// prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER): the same as seccomp(SECCOMP_SET_MODE_FILTER, 0).
    /// Without no_new_privs the kernel lets only a holder of CAP_SYS_ADMIN load a filter, so it
    /// runs before the capability drop; prctl is already bound (<see cref="BindExecImports"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void LoadSyscallFilter(PreparedSyscallFilter? filter)
    {
        if (filter is not null && LibCGaps.prctl(PrSetSeccomp, SeccompModeFilter, (ulong)filter.Program, 0, 0) == -1)
        {
            Fail(filter.FailedMessage, 125);
        }
    }
}
