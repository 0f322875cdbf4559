using System.Text.RegularExpressions;
using ImageBuilder.Linux.Network;
using ImageBuilder.Linux.Sandbox;
using ImageBuilder.Linux.Tests.Sandbox;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Linux.Tests.Network;

/// <summary>The private network: slirp4netns over a namespace of ibuild's own, joined by sandboxes.</summary>
public sealed partial class PrivateNetworkTests
{
    [Fact]
    public void The_step_s_resolv_conf_names_only_the_stack_s_resolver_and_keeps_the_host_s_search_and_options()
    {
        var host = "# from DHCP\nnameserver 127.0.0.53\nsearch corp.example\noptions edns0 trust-ad\nnameserver 10.1.1.1\n";

        Assert.Equal(
            "nameserver 10.0.2.3\nsearch corp.example\noptions edns0 trust-ad\n",
            ImageBuilder.Linux.Sandbox.Sandbox.ResolvConfFor(PrivateNetwork.Nameserver, host));
    }

    [RootFact]
    public async Task Sandboxes_that_join_a_private_network_share_its_namespace_until_it_is_disposed()
    {
        var network = await PrivateNetwork.StartAsync(CancellationToken.None);
        var stack = network.StackProcessId;
        string first, second;
        try
        {
            const string Script = "readlink /proc/self/ns/net; ip -o -4 addr show tap0; cat /etc/resolv.conf";
            using (var run = new SandboxRun())
            {
                first = await run.ShAsync(Script, SandboxNetwork.Join(network));
            }

            using (var run = new SandboxRun())
            {
                second = await run.ShAsync(Script, SandboxNetwork.Join(network));
            }

            Assert.True(Directory.Exists($"/proc/{stack}"));
        }
        finally
        {
            await network.DisposeAsync();
        }

        Assert.Equal(NamespaceOf(first), NamespaceOf(second));
        Assert.NotEqual(File.ResolveLinkTarget("/proc/self/ns/net", false)!.ToString(), NamespaceOf(first));
        Assert.Contains("inet 10.0.2.100/24", first);
        Assert.Contains("nameserver 10.0.2.3", first);
        Assert.False(Directory.Exists($"/proc/{stack}"), "slirp4netns still runs");
    }

    [RootFact]
    public async Task The_stack_uses_a_persistent_tap_device_of_ibuild_s_so_its_exit_does_not_delete_one()
    {
        var network = await PrivateNetwork.StartAsync(CancellationToken.None);
        string flags;
        try
        {
            using var run = new SandboxRun();
            flags = await run.ShAsync("cat /sys/class/net/tap0/tun_flags; ip -o link show tap0", SandboxNetwork.Join(network));
        }
        finally
        {
            await network.DisposeAsync();
        }

        // IFF_TAP | IFF_NO_PI | IFF_PERSIST; and up (slirp4netns attached and configured it).
        Assert.StartsWith("0x1802\n", flags);
        Assert.Contains("tap0: <BROADCAST,UP,LOWER_UP>", flags);
    }

    private static string NamespaceOf(string output) => NamespaceLine().Match(output).Value;

    [GeneratedRegex(@"net:\[\d+\]")]
    private static partial Regex NamespaceLine();
}
