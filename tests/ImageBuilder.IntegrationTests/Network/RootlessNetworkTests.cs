using ImageBuilder.IntegrationTests.Rootless;
using ImageBuilder.Linux.Network;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Network;

/// <summary>
/// The private network of a rootless build: made inside ibuild's user namespace, with slirp4netns
/// started from there. Alone, so that the user's slirp4netns processes after the build can only be
/// this build's.
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class RootlessNetworkTests : IDisposable
{
    private readonly TempDirectory dir = new("ibuild-rootless-network-");
    private readonly TempDirectory www = new("ibuild-it-www-");

    public void Dispose()
    {
        www.Dispose();
        dir.Dispose();
    }

    [RootFact]
    public async Task A_rootless_build_reaches_outside_but_not_the_host_loopback_and_leaves_no_stack_running()
    {
        var user = new RootlessUser();
        using var server = new LoopbackServer();
        using var outside = await TestNetworkNamespace.CreateAsync();
        var token = "served-" + Guid.NewGuid().ToString("N");
        File.WriteAllText(www.Combine("hello.txt"), token);
        await outside.StartHttpServerAsync(www.Path);
        var context = Directory.CreateDirectory(dir.Combine("context")).FullName;
        File.WriteAllText(Path.Combine(context, "Dockerfile"), $"""
            FROM box:1
            RUN cat /etc/resolv.conf; ls /sys/class/net; wget -q -O - http://{outside.Address}/hello.txt; echo
            RUN for a in 127.0.0.1 {PrivateNetwork.Gateway}; do echo "$a said: $(nc -w 5 $a {server.Port} </dev/null 2>&1)"; done
            """);
        user.Own(dir.Path);
        var store = dir.Combine("store");
        (await user.Ibuild("--root", store, "import", await BusyboxRootfs.PathAsync(), "-t", "box:1")).Ok();

        var result = (await user.Ibuild("--root", store, "build", "--progress", "plain", context)).Ok();

        Assert.Contains($"nameserver {PrivateNetwork.Nameserver}", result.Stderr);
        Assert.Contains(" tap0\n", result.Stderr);
        Assert.Contains(token, result.Stderr);
        Assert.Contains("127.0.0.1 said: nc: can't connect", result.Stderr);
        Assert.Contains($"{PrivateNetwork.Gateway} said: nc: can't connect", result.Stderr);
        Assert.Equal(0, server.Connections);
        Assert.Empty(Tools.ProcessesWhere(c => c.StartsWith("slirp4netns ", StringComparison.Ordinal)));
    }
}
