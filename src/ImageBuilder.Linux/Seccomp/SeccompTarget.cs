using System.Globalization;
using System.Runtime.InteropServices;

namespace ImageBuilder.Linux.Seccomp;

/// <summary>
/// What a profile is compiled for besides the capability set: the native architecture, by
/// the name Docker's <c>arches</c> conditions use (<c>amd64</c>, <c>arm64</c>) and by
/// libseccomp's (<c>SCMP_ARCH_X86_64</c>), and the running kernel's version for
/// <c>minKernel</c> (major.minor; the rest of the release is ignored, as Docker does).
/// </summary>
internal sealed record SeccompTarget(string Architecture, string SeccompArchitecture, Version Kernel)
{
    private static readonly Lazy<SeccompTarget> CurrentTarget = new(() =>
    {
        var (architecture, seccomp) = RuntimeInformation.ProcessArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.X64 => ("amd64", "SCMP_ARCH_X86_64"),
            System.Runtime.InteropServices.Architecture.Arm64 => ("arm64", "SCMP_ARCH_AARCH64"),
            System.Runtime.InteropServices.Architecture.X86 => ("x86", "SCMP_ARCH_X86"),
            System.Runtime.InteropServices.Architecture.Arm => ("arm", "SCMP_ARCH_ARM"),
            System.Runtime.InteropServices.Architecture.S390x => ("s390x", "SCMP_ARCH_S390X"),
            System.Runtime.InteropServices.Architecture.Ppc64le => ("ppc64le", "SCMP_ARCH_PPC64LE"),
            System.Runtime.InteropServices.Architecture.RiscV64 => ("riscv64", "SCMP_ARCH_RISCV64"),
            System.Runtime.InteropServices.Architecture.LoongArch64 => ("loong64", "SCMP_ARCH_LOONGARCH64"),
            var other => throw new SeccompException($"no seccomp architecture is known for {other}"),
        };
        return new SeccompTarget(architecture, seccomp, ParseKernelVersion(File.ReadAllText("/proc/sys/kernel/osrelease")));
    });

    /// <summary>This process's architecture and the running kernel.</summary>
    public static SeccompTarget Current => CurrentTarget.Value;

    /// <summary>"6.18.44-fc-v1252" → 6.18; "3.12-rc5" → 3.12.</summary>
    public static Version ParseKernelVersion(string release)
    {
        var parts = release.Trim().Split('.', 3);
        return parts.Length >= 2 && LeadingNumber(parts[0]) is { } major && LeadingNumber(parts[1]) is { } minor
            ? new Version(major, minor)
            : throw new SeccompException($"cannot read a kernel version from \"{release.Trim()}\"");
    }

    private static int? LeadingNumber(string text)
    {
        var length = 0;
        while (length < text.Length && char.IsAsciiDigit(text[length]))
        {
            length++;
        }

        return length > 0 && int.TryParse(text.AsSpan(0, length), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
    }
}

/// <summary>A seccomp profile could not be read or compiled.</summary>
public sealed class SeccompException(string message, Exception? inner = null) : Exception(message, inner);
