using ImageBuilder.TestSupport;

namespace ImageBuilder.Cli.Tests;

/// <summary><c>ibuild info</c>: what a user pastes into a bug report, read without touching the store.</summary>
[Collection(CliEnvironment.Name)]
public sealed class InfoCommandTests : IDisposable
{
    private readonly TempDirectory dir = new("ibuild-cli-info-");

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task Info_names_the_mode_the_store_and_the_kernel_and_creates_no_store()
    {
        var store = dir.Combine("store");

        var (code, output, error) = await CliEnvironment.RunAsync(TextReader.Null, "info", "--root", store);

        Assert.Equal(0, code);
        Assert.Equal("", error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToDictionary(l => l[..l.IndexOf(':')], l => l[18..]);
        Assert.Equal(store, lines["store"]);
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), lines["kernel"]);
        Assert.StartsWith(Environment.IsPrivilegedProcess ? "root" : "ordinary user", lines["mode"], StringComparison.Ordinal);
        Assert.Contains("identity", lines["uid map"]);
        Assert.StartsWith("yes;", lines["overlayfs"]);
        if (ImageBuilder.Linux.ProgramPath.Find("slirp4netns") is { } stack)
        {
            Assert.Equal($"default: a private namespace per build through {stack} (host loopback unreachable)", lines["network"]);
        }
        else
        {
            Assert.StartsWith("slirp4netns missing (Debian package slirp4netns)", lines["network"], StringComparison.Ordinal);
        }
        Assert.False(Directory.Exists(store));
    }
}
