using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.SandboxEscapes;

/// <summary>
/// <c>RUN --security=insecure</c> (every capability, no syscall filter, nothing masked) is the
/// widest a Dockerfile can ask for: refused before anything runs unless the user adds
/// <c>--allow security.insecure</c>, and granted to that step alone when they do.
/// </summary>
public sealed class InsecureEntitlementEscapeTests : IDisposable
{
    // What the step sees: its capabilities, its seccomp mode, and how many of runc's masked /proc paths are masked.
    private const string Probe = "{ grep -E '^(CapEff|Seccomp):' /proc/self/status | tr -d '\\t'; grep -c -E ' /proc/(kcore|keys|timer_list) ' /proc/self/mountinfo || true; }";

    private readonly BuildFixture fixture = new();

    public void Dispose() => fixture.Dispose();

    [RootFact]
    public async Task Security_insecure_without_the_entitlement_is_refused_before_any_step_runs()
    {
        await fixture.ImportBaseAsync();

        var result = await fixture.BuildAsync($"FROM box:1\nRUN echo first-step\nRUN --security=insecure {Probe}\n", "--network", "none");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Dockerfile:3:1: IB2009: RUN --security=insecure needs the security.insecure entitlement", result.Stderr);
        Assert.Contains("--allow security.insecure", result.Stderr);
        Assert.DoesNotContain("first-step", result.Stderr);
        fixture.AssertNothingLeft();
    }

    [RootFact]
    public async Task With_the_entitlement_that_step_alone_runs_unconfined()
    {
        await fixture.ImportBaseAsync();

        var result = (await fixture.BuildAsync($"FROM box:1\nRUN --security=insecure {Probe} > /insecure\nRUN {Probe} > /default\n",
            "--allow", "security.insecure", "-t", "wide:1")).Ok();

        var rootfs = await fixture.UnpackWithUmociAsync("wide:1");
        var permitted = File.ReadAllLines("/proc/self/status").Single(l => l.StartsWith("CapPrm:", StringComparison.Ordinal))["CapPrm:".Length..].Trim();
        Assert.Equal($"CapEff:{permitted}\nSeccomp:0\n0\n", File.ReadAllText(Path.Combine(rootfs, "insecure")));
        Assert.StartsWith("CapEff:00000000a80425fb\nSeccomp:2\n", File.ReadAllText(Path.Combine(rootfs, "default")));
        Assert.NotEqual("0", File.ReadAllText(Path.Combine(rootfs, "default")).Split('\n')[2]);
        fixture.AssertNothingLeft();
    }
}
