using System.Runtime.InteropServices;
using ImageBuilder.Linux.Seccomp;
using Microsoft.Win32.SafeHandles;
using static Tmds.Linux.LibC;

namespace ImageBuilder.Linux.Native;

/// <summary>
/// A libseccomp filter being built (Debian's libseccomp2, <c>libseccomp.so.2</c>): ibuild
/// compiles profiles with it in its own process and hands the init only the BPF it exports,
/// so the init needs no library. libseccomp resolves syscall names per architecture (x86_64,
/// x86 and x32 number them differently) and lays out the program. Its calls return a negative
/// errno rather than setting errno.
/// </summary>
internal sealed unsafe partial class SeccompFilterBuilder : IDisposable
{
    private const string Library = "libseccomp.so.2";
    private const int NotASyscall = -1; // __NR_SCMP_ERROR

    private nint context;

    /// <summary>A filter for the native architecture whose default is <paramref name="defaultAction"/> (an SCMP_ACT_* value).</summary>
    public SeccompFilterBuilder(uint defaultAction)
    {
        context = Imports.seccomp_init(defaultAction);
        if (context == 0)
        {
            throw new SeccompException($"seccomp_init refused the default action 0x{defaultAction:x8}");
        }
    }

    /// <summary>
    /// Asks for a program that finds a syscall's rules by binary search instead of a linear
    /// walk (SCMP_FLTATR_CTL_OPTIMIZE = 2, libseccomp ≥ 2.5): the same decisions, but the
    /// kernel's attach-time work (it runs the filter for every syscall number to cache the
    /// always-allowed ones) drops from about 1.2 to 0.5 ms per step. False when unsupported.
    /// </summary>
    public bool PreferBinaryTree() => Imports.seccomp_attr_set(context, 8, 2) == 0;

    /// <summary>
    /// Adds an architecture by libseccomp's name (<c>SCMP_ARCH_X86</c>); false when this
    /// libseccomp does not know it. Adding the native one again is harmless.
    /// </summary>
    public bool AddArchitecture(string name)
    {
        var token = Imports.seccomp_arch_resolve_name(name.StartsWith("SCMP_ARCH_", StringComparison.Ordinal) ? name[10..].ToLowerInvariant() : name);
        if (token == 0)
        {
            return false;
        }

        var result = Imports.seccomp_arch_add(context, token);
        return result == 0 || result == -17 /* EEXIST */ ? true : throw Failed($"seccomp_arch_add {name}", result);
    }

    /// <summary>
    /// The syscall's number for libseccomp (native, or a negative pseudo-number for a syscall
    /// only other architectures have, e.g. socketcall on x86); null when libseccomp does not
    /// know the name at all.
    /// </summary>
    public int? ResolveSyscall(string name)
    {
        var number = Imports.seccomp_syscall_resolve_name(name);
        return number == NotASyscall ? null : number;
    }

    /// <summary>
    /// A rule: <paramref name="action"/> for <paramref name="syscall"/> when every condition
    /// holds (conditions on distinct arguments; libseccomp ANDs them).
    /// </summary>
    public void AddRule(uint action, int syscall, ReadOnlySpan<ArgumentComparison> conditions, string what)
    {
        fixed (ArgumentComparison* array = conditions)
        {
            var result = Imports.seccomp_rule_add_array(context, action, syscall, (uint)conditions.Length, array);
            if (result != 0)
            {
                throw Failed($"seccomp_rule_add {what}", result);
            }
        }
    }

    /// <summary>The program as the kernel takes it: <c>struct sock_filter[]</c>, exported through a memfd.</summary>
    public byte[] ExportBpf()
    {
        int fd;
        fixed (byte* name = "ibuild-seccomp\0"u8)
        {
            fd = Syscalls.ThrowIfFailed(memfd_create(name, (uint)MFD_CLOEXEC), "memfd_create");
        }

        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        var result = Imports.seccomp_export_bpf(context, fd);
        if (result != 0)
        {
            throw Failed("seccomp_export_bpf", result);
        }

        var program = new byte[RandomAccess.GetLength(handle)];
        return RandomAccess.Read(handle, program, 0) == program.Length ? program : throw new SeccompException("seccomp_export_bpf: short read");
    }

    public void Dispose()
    {
        if (context != 0)
        {
            Imports.seccomp_release(context);
            context = 0;
        }
    }

    private static SeccompException Failed(string call, int result) =>
        new($"{call} failed: {Marshal.GetPInvokeErrorMessage(-result)} (errno {-result})");

    /// <summary>libseccomp's <c>struct scmp_arg_cmp</c>: argument index, SCMP_CMP_* operator, two operands.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal readonly record struct ArgumentComparison(uint Argument, int Operator, ulong DatumA, ulong DatumB);

    /// <summary>The loaded libseccomp's version ("2.5.4"): a compiled program depends on it.</summary>
    public static string LibraryVersion()
    {
        var version = (uint*)Imports.seccomp_version();
        return version is null ? "unknown" : $"{version[0]}.{version[1]}.{version[2]}";
    }

    private static partial class Imports
    {
        [LibraryImport(Library)]
        public static partial nint seccomp_version();

        [LibraryImport(Library)]
        public static partial nint seccomp_init(uint defaultAction);

        [LibraryImport(Library)]
        public static partial void seccomp_release(nint context);

        [LibraryImport(Library)]
        public static partial int seccomp_attr_set(nint context, int attribute, uint value);

        [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
        public static partial uint seccomp_arch_resolve_name(string name);

        [LibraryImport(Library)]
        public static partial int seccomp_arch_add(nint context, uint architecture);

        [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int seccomp_syscall_resolve_name(string name);

        [LibraryImport(Library)]
        public static partial int seccomp_rule_add_array(nint context, uint action, int syscall, uint count, ArgumentComparison* conditions);

        [LibraryImport(Library)]
        public static partial int seccomp_export_bpf(nint context, int fd);
    }
}
