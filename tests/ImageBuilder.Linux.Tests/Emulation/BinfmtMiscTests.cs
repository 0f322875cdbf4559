using ImageBuilder.Core.Oci;
using ImageBuilder.Linux.Emulation;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Linux.Tests.Emulation;

/// <summary>Whether another platform's RUN steps can run, read from a binfmt_misc directory written here as the kernel shows it.</summary>
public sealed class BinfmtMiscTests : IDisposable
{
    private static readonly Platform Amd64 = Platform.Parse("linux/amd64");
    private static readonly Platform Arm64 = Platform.Parse("linux/arm64");

    // What Debian's qemu-user-static registers for aarch64 (update-binfmts), as /proc shows it.
    private const string DebianAarch64 = """
        enabled
        interpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P
        flags: PF
        offset 0
        magic 7f454c460201010000000000000000000200b700
        mask ffffffffffffff00fffffffffffffffffeffffff
        """;

    private readonly TempDirectory dir = new("ibuild-binfmt-");

    public void Dispose() => dir.Dispose();

    [Fact]
    public void The_machines_own_architecture_needs_nothing_and_386_runs_on_amd64()
    {
        Assert.Null(BinfmtMisc.WhyCannotRun(Amd64, Amd64, dir.Combine("missing")));
        Assert.Null(BinfmtMisc.WhyCannotRun(Platform.Parse("linux/386"), Amd64, dir.Combine("missing")));
        Assert.Null(BinfmtMisc.WhyCannotRun(Platform.Parse("linux/arm64/v8"), Arm64, dir.Combine("missing")));
    }

    [Fact]
    public void A_handler_with_the_f_flag_for_the_architecture_runs_it()
    {
        Register("qemu-aarch64", DebianAarch64);

        Assert.Null(BinfmtMisc.WhyCannotRun(Arm64, Amd64, dir.Path));
    }

    [Fact]
    public void Without_binfmt_misc_mounted_the_hint_says_how_to_mount_it_and_what_to_install()
    {
        var (reason, hint) = BinfmtMisc.WhyCannotRun(Arm64, Amd64, dir.Combine("unmounted"))!.Value;

        Assert.Contains("not mounted", reason);
        Assert.Contains("mount -t binfmt_misc binfmt_misc", hint);
        Assert.Contains("qemu-user-static", hint);
    }

    [Fact]
    public void Without_a_handler_for_the_architecture_the_error_names_it_and_the_package()
    {
        Register("qemu-aarch64", DebianAarch64);

        var (reason, hint) = BinfmtMisc.WhyCannotRun(Platform.Parse("linux/s390x"), Amd64, dir.Path)!.Value;

        Assert.Contains("no binfmt_misc handler for s390x programs is registered (qemu-s390x)", reason);
        Assert.Contains("apt-get install qemu-user-static binfmt-support", hint);
    }

    [Fact]
    public void A_disabled_handler_or_one_without_the_f_flag_does_not_count_and_the_hint_says_what_to_change()
    {
        Register("qemu-aarch64", DebianAarch64.Replace("enabled", "disabled", StringComparison.Ordinal));
        Assert.Contains("is disabled", BinfmtMisc.WhyCannotRun(Arm64, Amd64, dir.Path)!.Value.Reason);

        // Without F the kernel looks for the interpreter inside the step's root, which has none.
        Register("qemu-aarch64", DebianAarch64.Replace("flags: PF", "flags: P", StringComparison.Ordinal));
        var (reason, hint) = BinfmtMisc.WhyCannotRun(Arm64, Amd64, dir.Path)!.Value;
        Assert.Contains("without the F (fix binary) flag", reason);
        Assert.Contains("register it again with F", hint);
    }

    [Fact]
    public void Binfmt_misc_disabled_as_a_whole_runs_nothing_whatever_its_handlers_say()
    {
        Register("qemu-aarch64", DebianAarch64);
        File.WriteAllText(dir.Combine("status"), "disabled\n");

        var (reason, hint) = BinfmtMisc.WhyCannotRun(Arm64, Amd64, dir.Path)!.Value;

        Assert.Contains("disabled as a whole", reason);
        Assert.Contains("echo 1 >", hint);
    }

    [Fact]
    public void A_handler_is_matched_by_its_magic_and_mask_not_by_its_name()
    {
        // tonistiigi/binfmt's name, and an arm (32-bit) handler that must not match arm64.
        Register("aarch64-from-elsewhere", DebianAarch64.Replace("flags: PF", "flags: OCF", StringComparison.Ordinal));
        Register("qemu-arm", """
            enabled
            interpreter /usr/bin/qemu-arm-static
            flags: F
            offset 0
            magic 7f454c4601010100000000000000000002002800
            mask ffffffffffffff00fffffffffffffffffeffffff
            """);

        Assert.Null(BinfmtMisc.WhyCannotRun(Arm64, Amd64, dir.Path));
        Assert.Null(BinfmtMisc.WhyCannotRun(Platform.Parse("linux/arm/v7"), Amd64, dir.Path));
        Assert.NotNull(BinfmtMisc.WhyCannotRun(Platform.Parse("linux/riscv64"), Amd64, dir.Path));
    }

    [Fact]
    public void Another_os_or_an_unknown_architecture_is_refused_with_a_reason()
    {
        Assert.Contains("RUN steps run on Linux", BinfmtMisc.WhyCannotRun(Platform.Parse("windows/amd64"), Amd64, dir.Path)!.Value.Reason);
        Assert.Contains("no emulator for architecture \"sparc64\"", BinfmtMisc.WhyCannotRun(Platform.Parse("linux/sparc64"), Amd64, dir.Path)!.Value.Reason);
    }

    [RootFact]
    public void This_machine_runs_arm64_through_the_handler_scripts_deps_registers()
    {
        // scripts/deps.sh mounts binfmt_misc and registers Debian's handlers (CI runs it as root).
        Assert.Null(BinfmtMisc.WhyCannotRun(Arm64));
    }

    private void Register(string name, string text)
    {
        File.WriteAllText(dir.Combine("status"), "enabled\n");
        File.WriteAllText(dir.Combine(name), text.Replace("\r", "", StringComparison.Ordinal) + "\n");
    }
}
