using ImageBuilder.IntegrationTests.Network;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.SandboxEscapes;

/// <summary>
/// <c>ibuild build --network none</c> closes the network; the Dockerfile must not reopen it.
/// A server on the host's 127.0.0.1 counts who reaches it: <c>RUN --network=host</c> is refused at
/// plan time (IB2009) unless the user adds <c>--allow network.host</c>, and <c>default</c> and
/// <c>none</c> stay closed.
/// </summary>
public sealed class NetworkEntitlementEscapeTests : IDisposable
{
    private readonly BuildFixture fixture = new();
    private readonly LoopbackServer server = new();

    public void Dispose()
    {
        server.Dispose();
        fixture.Dispose();
    }

    private string Fetch(string mode) => $"RUN --network={mode} wget -q -O - http://127.0.0.1:{server.Port}/{mode} | grep -q {server.Secret}";

    [RootFact]
    public async Task Run_network_host_under_network_none_is_refused_before_anything_runs()
    {
        await fixture.ImportBaseAsync();

        var result = await fixture.BuildAsync($"FROM box:1\nRUN echo first-step > /first\n{Fetch("host")}\n", "--network", "none");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Dockerfile:3:1: IB2009: RUN --network=host needs the network.host entitlement", result.Stderr);
        Assert.Contains("--allow network.host", result.Stderr);
        Assert.DoesNotContain("first-step", result.Stderr);
        Assert.Equal(0, server.Connections);
        fixture.AssertNothingLeft();
    }

    [RootFact]
    public async Task Allow_network_host_lets_the_step_reach_the_host()
    {
        await fixture.ImportBaseAsync();

        (await fixture.BuildAsync($"FROM box:1\n{Fetch("host")}\n", "--network", "none", "--allow", "network.host")).Ok();

        Assert.True(server.Connections >= 1);
    }

    [RootFact]
    public async Task Network_host_on_the_command_line_grants_it_to_the_steps()
    {
        await fixture.ImportBaseAsync();

        (await fixture.BuildAsync($"FROM box:1\n{Fetch("host")}\n", "--network", "host")).Ok();

        Assert.True(server.Connections >= 1);
    }

    [RootTheory]
    [InlineData("default")]
    [InlineData("none")]
    public async Task Default_and_none_stay_closed_under_network_none(string mode)
    {
        await fixture.ImportBaseAsync();

        var result = await fixture.BuildAsync($"FROM box:1\n{Fetch(mode)}\n", "--network", "none");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Dockerfile:2:1: IB2004", result.Stderr);
        Assert.Equal(0, server.Connections);
    }
}
