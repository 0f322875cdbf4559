using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.SandboxEscapes;

/// <summary>
/// A read-only context bind whose source has mounts inside it. A bind remount made only the top
/// mount read-only, nosuid and nodev: a step wrote through <c>/ctx/sub</c> into the host
/// directory mounted there, and with device nodes bound into the context it opened a block
/// device and wrote a <c>kmsg</c> node despite nodev. Every mount of the bound tree must be
/// read-only and nodev; the submount's content must still be visible (the attack is real).
/// </summary>
public sealed class ReadOnlyBindSubmountEscapeTests : IDisposable
{
    private readonly BuildFixture fixture = new();
    private readonly TempDirectory host = new("ibuild-it-submount-");
    private readonly List<string> mounts = [];

    public void Dispose()
    {
        foreach (var mount in Enumerable.Reverse(mounts))
        {
            Tools.Run("umount", "-l", mount).GetAwaiter().GetResult().Ok();
        }

        host.Dispose();
        fixture.Dispose();
    }

    [RootFact]
    public async Task Submounts_of_a_read_only_context_bind_are_read_only_and_nodev()
    {
        await fixture.ImportBaseAsync();
        File.WriteAllText(host.Combine("seen"), "submount-content");
        var sub = Directory.CreateDirectory(Path.Combine(fixture.Context, "sub")).FullName;
        await MountAsync(sub, "--bind", host.Path);
        var dev = Directory.CreateDirectory(Path.Combine(fixture.Context, "dev")).FullName;
        await MountAsync(dev, "-t", "tmpfs", "tmpfs");
        var (major, minor) = FirstBlockDevice();
        (await Tools.Run("mknod", Path.Combine(dev, "kmsg"), "c", "1", "11")).Ok();
        (await Tools.Run("mknod", Path.Combine(dev, "blk"), "b", major, minor)).Ok();

        // $((40+2)) keeps the success words out of the RUN line that progress prints.
        var result = await fixture.BuildAsync("""
            FROM box:1
            RUN --mount=type=bind,target=/ctx cat /ctx/sub/seen; echo; \
                echo pwn > /ctx/sub/x && echo WROTE-$((40+2)); \
                echo hi > /ctx/dev/kmsg && echo KMSG-$((40+2)); \
                (: < /ctx/dev/blk) && echo BLOCK-$((40+2)); \
                touch /ctx/new && echo TOP-$((40+2)); true
            """);

        result.Ok();
        var output = result.Stdout + result.Stderr;
        Assert.Contains("submount-content", output);
        Assert.DoesNotContain("WROTE-42", output);
        Assert.DoesNotContain("KMSG-42", output);
        Assert.DoesNotContain("BLOCK-42", output);
        Assert.DoesNotContain("TOP-42", output);
        Assert.False(File.Exists(host.Combine("x")), "the step wrote into the host directory mounted inside the context");
        Assert.False(File.Exists(Path.Combine(fixture.Context, "new")));
        fixture.AssertNothingLeft();
    }

    private async Task MountAsync(string target, params string[] source)
    {
        (await Tools.Run("mount", [.. source, target], new Dictionary<string, string>())).Ok();
        mounts.Add(target);
    }

    /// <summary>The major and minor numbers of a block device of this machine (a loop device, a disk).</summary>
    private static (string Major, string Minor) FirstBlockDevice()
    {
        var dev = Directory.EnumerateDirectories("/sys/class/block").Select(d => Path.Combine(d, "dev")).First(File.Exists);
        var numbers = File.ReadAllText(dev).Trim().Split(':');
        return (numbers[0], numbers[1]);
    }
}
