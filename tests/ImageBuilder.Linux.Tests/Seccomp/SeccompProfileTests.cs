using ImageBuilder.Linux.Sandbox;
using ImageBuilder.Linux.Seccomp;

namespace ImageBuilder.Linux.Tests.Seccomp;

/// <summary>
/// The vendored profile reads, and Docker's conditions pick the rules they should for a
/// capability set, an architecture and a kernel: what the default set loses (everything
/// gated on CAP_SYS_ADMIN) and what it keeps (chroot, ptrace from 4.8, clone without
/// namespace flags).
/// </summary>
public sealed class SeccompProfileTests
{
    private const int CapSysAdmin = 21;
    private static readonly SeccompTarget Amd64 = new("amd64", "SCMP_ARCH_X86_64", new Version(6, 18));
    private static readonly SeccompTarget Arm64 = new("arm64", "SCMP_ARCH_AARCH64", new Version(6, 18));

    private static SeccompProfile Profile => SeccompProfile.DockerDefault;

    [Fact]
    public void The_vendored_profile_denies_by_default_with_eperm_and_maps_x86_64_to_x86_and_x32()
    {
        var document = Profile.Document;

        Assert.Equal("SCMP_ACT_ERRNO", document.DefaultAction);
        Assert.Equal(1u, document.DefaultErrnoRet);
        Assert.Equal(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], Profile.ArchitecturesFor(Amd64));
        Assert.Equal(["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"], Profile.ArchitecturesFor(Arm64));
        Assert.Contains("read", document.Syscalls[0].AllNames);
        Assert.All(document.Syscalls, rule => Assert.NotEmpty(rule.AllNames));
    }

    [Fact]
    public void Every_capability_the_profile_names_is_a_known_one()
    {
        var named = Profile.Document.Syscalls
            .SelectMany(r => (r.Includes?.Caps ?? []).Concat(r.Excludes?.Caps ?? [])).Distinct().ToList();

        Assert.Contains("CAP_SYS_ADMIN", named);
        Assert.All(named, cap => Assert.NotNull(CapabilityName.Bit(cap)));
        Assert.Equal(21, CapabilityName.Bit("CAP_SYS_ADMIN"));
        Assert.Equal(40, CapabilityName.Bit("CAP_CHECKPOINT_RESTORE"));
    }

    [Fact]
    public void The_default_set_keeps_chroot_and_masked_clone_but_not_the_cap_sys_admin_rules()
    {
        var rules = Profile.RulesFor(SandboxInit.DefaultCapabilities, Amd64);
        var names = Allowed(rules);

        Assert.Contains("chroot", names);                      // CAP_SYS_CHROOT is in the set
        Assert.Contains("arch_prctl", names);                  // amd64 only
        Assert.DoesNotContain("mount", names);                 // CAP_SYS_ADMIN rule
        Assert.DoesNotContain("unshare", names);
        Assert.DoesNotContain("setns", names);
        Assert.DoesNotContain("open_by_handle_at", names);     // CAP_DAC_READ_SEARCH is not in the set
        Assert.DoesNotContain("keyctl", names);                // never allowed
        Assert.DoesNotContain("add_key", names);
        Assert.DoesNotContain("arm_fadvise64_64", names);      // arm only

        var clone = Assert.Single(rules, r => r.AllNames.Contains("clone"));
        var condition = Assert.Single(clone.Args!);
        Assert.Equal(("SCMP_CMP_MASKED_EQ", 0u, 0x7E020000UL, 0UL), (condition.Op, condition.Index, condition.Value, condition.ValueTwo));
        var clone3 = Assert.Single(rules, r => r.AllNames.Contains("clone3"));
        Assert.Equal(("SCMP_ACT_ERRNO", 38u), (clone3.Action, clone3.ErrnoRet));
    }

    [Fact]
    public void Cap_sys_admin_brings_in_mount_unshare_and_unconditional_clone_and_drops_the_clone3_enosys_rule()
    {
        var rules = Profile.RulesFor(SandboxInit.DefaultCapabilities | (1UL << CapSysAdmin), Amd64);
        var names = Allowed(rules);

        Assert.Contains("mount", names);
        Assert.Contains("unshare", names);
        Assert.Contains("setns", names);
        Assert.Contains(rules, r => r.AllNames.Contains("clone") && r.Args is null);
        Assert.DoesNotContain(rules, r => r.AllNames.Contains("clone") && r.Args is not null);
        Assert.DoesNotContain(rules, r => r.AllNames.Contains("clone3") && r.Action == "SCMP_ACT_ERRNO");
        Assert.DoesNotContain("keyctl", names);
    }

    [Fact]
    public void Ptrace_is_allowed_from_kernel_4_8_on()
    {
        Assert.Contains("ptrace", Allowed(Profile.RulesFor(SandboxInit.DefaultCapabilities, Amd64)));
        Assert.DoesNotContain("ptrace", Allowed(Profile.RulesFor(SandboxInit.DefaultCapabilities, Amd64 with { Kernel = new Version(4, 4) })));
        Assert.Contains("ptrace", Allowed(Profile.RulesFor(SandboxInit.DefaultCapabilities, Amd64 with { Kernel = new Version(4, 8) })));
    }

    [Fact]
    public void Arch_conditions_follow_the_native_architecture()
    {
        var names = Allowed(Profile.RulesFor(SandboxInit.DefaultCapabilities, Arm64));

        Assert.Contains("arm_fadvise64_64", names);
        Assert.DoesNotContain("arch_prctl", names);
        Assert.DoesNotContain("modify_ldt", names);
    }

    [Theory]
    [InlineData("6.18.44-fc-v1252", 6, 18)]
    [InlineData("3.12-rc5", 3, 12)]
    [InlineData("4.8.0-1-amd64\n", 4, 8)]
    [InlineData("5.15", 5, 15)]
    public void Kernel_releases_read_as_major_and_minor(string release, int major, int minor) =>
        Assert.Equal(new Version(major, minor), SeccompTarget.ParseKernelVersion(release));

    [Fact]
    public void A_profile_that_is_not_json_is_reported_with_its_name()
    {
        var e = Assert.Throws<SeccompException>(() => SeccompProfile.Parse("{\"defaultAction\": "u8, "my-profile.json"));

        Assert.StartsWith("my-profile.json: ", e.Message);
    }

    private static HashSet<string> Allowed(IEnumerable<SeccompRule> rules) =>
        [.. rules.Where(r => r.Action == "SCMP_ACT_ALLOW").SelectMany(r => r.AllNames)];
}
