using System.Net;
using System.Net.Sockets;
using System.Text;
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
    private const string Body = "served-by-the-host";
    private readonly BuildFixture fixture = new();
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private int connections;

    public NetworkEntitlementEscapeTests()
    {
        listener.Start();
        _ = Task.Run(ServeAsync);
    }

    private int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        fixture.Dispose();
    }

    private async Task ServeAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref connections);
            using (client)
            {
                var response = Encoding.ASCII.GetBytes($"HTTP/1.0 200 OK\r\nContent-Length: {Body.Length}\r\nConnection: close\r\n\r\n{Body}");
                await client.GetStream().WriteAsync(response);
            }
        }
    }

    private string Fetch(string mode) => $"RUN --network={mode} wget -q -O - http://127.0.0.1:{Port}/{mode} | grep -q {Body}";

    [RootFact]
    public async Task Run_network_host_under_network_none_is_refused_before_anything_runs()
    {
        await fixture.ImportBaseAsync();

        var result = await fixture.BuildAsync($"FROM box:1\nRUN echo first-step > /first\n{Fetch("host")}\n", "--network", "none");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Dockerfile:3:1: IB2009: RUN --network=host needs the network.host entitlement", result.Stderr);
        Assert.Contains("--allow network.host", result.Stderr);
        Assert.DoesNotContain("first-step", result.Stderr);
        Assert.Equal(0, connections);
        Assert.False(listener.Pending());
        fixture.AssertNothingLeft();
    }

    [RootFact]
    public async Task Allow_network_host_lets_the_step_reach_the_host()
    {
        await fixture.ImportBaseAsync();

        (await fixture.BuildAsync($"FROM box:1\n{Fetch("host")}\n", "--network", "none", "--allow", "network.host")).Ok();

        Assert.True(connections >= 1);
    }

    [RootFact]
    public async Task Network_host_on_the_command_line_grants_it_to_the_steps()
    {
        await fixture.ImportBaseAsync();

        (await fixture.BuildAsync($"FROM box:1\n{Fetch("host")}\n", "--network", "host")).Ok();

        Assert.True(connections >= 1);
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
        Assert.Equal(0, connections);
        Assert.False(listener.Pending());
    }
}
