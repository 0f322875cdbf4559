namespace ImageBuilder.TestSupport;

/// <summary>
/// testdata/sandbox/syscall-probe.c, compiled with <c>gcc -static</c> so it runs in any image
/// (the busybox root has no libc). Each argument names a probe; it prints <c>name=ok</c> or
/// <c>name=EPERM</c> (the errno's name), or <c>euid=N</c>. Never run it on the host: its
/// probes are meant for a sandbox.
/// </summary>
public static class SyscallProbe
{
    /// <summary>Every probe that must fail under Docker's profile, and how.</summary>
    public static readonly IReadOnlyList<string> Blocked =
    [
        "keyctl=EPERM", "add_key=EPERM", "request_key=EPERM", "unshare_user=EPERM", "clone_user=EPERM",
        "clone3=ENOSYS", "vsock=EPERM", "mount=EPERM",
    ];

    /// <summary>What still works under it: chroot (CAP_SYS_CHROOT is kept), ptrace of a child (kernel ≥ 4.8), personality queries.</summary>
    public static readonly IReadOnlyList<string> Allowed = ["chroot=ok", "ptrace=ok", "personality=ok"];

    /// <summary>The probe names of <paramref name="results"/> ("keyctl=EPERM" → "keyctl").</summary>
    public static IEnumerable<string> Names(IEnumerable<string> results) => results.Select(r => r[..r.IndexOf('=', StringComparison.Ordinal)]);

    /// <summary>Compiles the probe to <paramref name="path"/>.</summary>
    public static void CompileTo(string path) =>
        ExternalTool.Run("gcc", "-static", "-O1", "-o", path, RepoPaths.TestData("sandbox", "syscall-probe.c"));
}
