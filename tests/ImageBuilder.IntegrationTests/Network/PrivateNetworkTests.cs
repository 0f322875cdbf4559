using System.Text.RegularExpressions;
using ImageBuilder.Linux.Network;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Network;

/// <summary>
/// A build's RUN steps on the default network: a namespace of the build's own with outbound
/// TCP, UDP and DNS through the stack, none of the host's loopback; <c>--network host</c> keeps the
/// host's. "Outside" is a network namespace the test makes (<see cref="TestNetworkNamespace"/>).
/// </summary>
public sealed partial class PrivateNetworkTests : IDisposable
{
    private readonly BuildFixture fixture = new();
    private readonly TempDirectory www = new("ibuild-it-www-");

    public void Dispose()
    {
        www.Dispose();
        fixture.Dispose();
    }

    [RootFact]
    public async Task The_host_loopback_is_out_of_reach_on_the_default_network_directly_and_through_the_gateway_but_not_on_the_host_s()
    {
        await fixture.ImportBaseAsync();
        using var server = new LoopbackServer();

        var isolated = (await fixture.BuildAsync(
            $"FROM box:1\nRUN for a in 127.0.0.1 {PrivateNetwork.Gateway}; do echo \"$a said: $(nc -w 5 $a {server.Port} </dev/null 2>&1)\"; done\n")).Ok();
        var connectionsBefore = server.Connections;
        var host = (await fixture.BuildAsync($"FROM box:1\nRUN nc 127.0.0.1 {server.Port} </dev/null\n", "--network", "host")).Ok();

        Assert.Contains("127.0.0.1 said: nc: can't connect", isolated.Stderr);
        Assert.Contains($"{PrivateNetwork.Gateway} said: nc: can't connect", isolated.Stderr);
        Assert.DoesNotContain(server.Secret, isolated.Stderr);
        Assert.Equal(0, connectionsBefore);
        Assert.Contains(server.Secret, host.Stderr);
    }

    [RootFact]
    public async Task Outbound_TCP_and_UDP_reach_a_server_outside_through_the_stack()
    {
        await fixture.ImportBaseAsync();
        using var outside = await TestNetworkNamespace.CreateAsync();
        var token = "served-" + Guid.NewGuid().ToString("N");
        File.WriteAllText(www.Combine("hello.txt"), token);
        await outside.StartHttpServerAsync(www.Path);
        await outside.StartDnsResponderAsync("10.123.45.67");

        var result = (await fixture.BuildAsync(
            $"FROM box:1\nRUN wget -q -O - http://{outside.Address}/hello.txt && echo && nslookup probe.ibuild.test {outside.Address}\n")).Ok();

        Assert.Contains(token, result.Stderr);
        Assert.Matches(@"Address:\s*10\.123\.45\.67", result.Stderr);
    }

    [RootFact]
    public async Task Every_default_network_RUN_of_a_build_joins_one_namespace_whose_resolver_is_the_stack_s()
    {
        await fixture.ImportBaseAsync();

        var result = (await fixture.BuildAsync("""
            FROM box:1 AS other
            RUN echo "other: $(readlink /proc/self/ns/net)" > /ns
            FROM box:1
            RUN cat /etc/resolv.conf && echo "first: $(readlink /proc/self/ns/net)"
            RUN --network=default echo "second: $(readlink /proc/self/ns/net)"
            RUN --network=none echo "none: $(readlink /proc/self/ns/net)"
            COPY --from=other /ns /ns
            RUN cat /ns
            """)).Ok();

        var namespaces = NamespaceLine().Matches(result.Stderr).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        Assert.Equal(namespaces["first"], namespaces["second"]);
        Assert.Equal(namespaces["first"], namespaces["other"]);
        Assert.NotEqual(namespaces["first"], namespaces["none"]);
        Assert.NotEqual(File.ResolveLinkTarget("/proc/self/ns/net", false)!.ToString(), namespaces["first"]);
        Assert.Contains($"nameserver {PrivateNetwork.Nameserver}", result.Stderr);
        Assert.All(
            File.ReadAllLines("/etc/resolv.conf").Where(l => l.StartsWith("nameserver", StringComparison.Ordinal)),
            host => Assert.DoesNotContain(host, result.Stderr.Replace($"nameserver {PrivateNetwork.Nameserver}", "", StringComparison.Ordinal)));
    }

    [RootFact]
    public async Task Run_gets_a_private_network_by_default_and_the_host_s_with_network_host()
    {
        await fixture.ImportBaseAsync();
        using var server = new LoopbackServer();
        using var outside = await TestNetworkNamespace.CreateAsync();
        var token = "served-" + Guid.NewGuid().ToString("N");
        File.WriteAllText(www.Combine("hello.txt"), token);
        await outside.StartHttpServerAsync(www.Path);
        var probe = $"cat /etc/resolv.conf; wget -q -O - http://{outside.Address}/hello.txt; echo; nc -w 5 127.0.0.1 {server.Port} </dev/null 2>&1";

        var isolated = await Tools.Ibuild("--root", fixture.Store, "run", "box:1", "sh", "-c", probe);
        var connectionsBefore = server.Connections;
        var host = await Tools.Ibuild("--root", fixture.Store, "run", "--network", "host", "box:1", "nc", "127.0.0.1", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Contains($"nameserver {PrivateNetwork.Nameserver}", isolated.Stdout);
        Assert.Contains(token, isolated.Stdout);
        Assert.Contains("can't connect", isolated.Stdout);
        Assert.DoesNotContain(server.Secret, isolated.Stdout);
        Assert.Equal(0, connectionsBefore);
        Assert.Contains(server.Secret, host.Stdout);
    }

    [GeneratedRegex(@"(first|second|other|none): (net:\[\d+\])")]
    private static partial Regex NamespaceLine();
}
