using System.Text.RegularExpressions;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.SandboxEscapes;

/// <summary>
/// Escapes through syscalls Docker's seccomp profile closes, tried from RUN steps of a real
/// <c>ibuild build</c> and from <c>ibuild run</c>, with the static probe
/// (testdata/sandbox/syscall-probe.c) COPY'd into the image: the host root's kernel keyrings
/// (keyctl, add_key, request_key), new user namespaces (unshare, clone; a way to regain
/// capabilities), clone3, AF_VSOCK and mount all fail as under Docker, while busybox, chroot,
/// ptrace of a child and a setuid-root program (no no_new_privs) still work.
/// </summary>
public sealed partial class SyscallFilterEscapeTests : IDisposable
{
    private readonly BuildFixture fixture = new();

    public void Dispose() => fixture.Dispose();

    private static string AllProbes => string.Join(' ', SyscallProbe.Names([.. SyscallProbe.Blocked, .. SyscallProbe.Allowed]));

    [RootFact]
    public async Task Run_steps_of_a_build_cannot_reach_the_keyrings_or_make_namespaces_but_setuid_and_busybox_work()
    {
        await fixture.ImportBaseAsync();
        SyscallProbe.CompileTo(Path.Combine(fixture.Context, "probe"));

        var result = await fixture.BuildAsync($"""
            FROM box:1
            COPY probe /probe
            RUN /probe {AllProbes}
            RUN chmod 4755 /probe && echo hello | sed s/hello/busybox-works/ && ls /bin/sh
            USER 65534
            RUN /probe euid keyctl unshare_user && grep NoNewPrivs /proc/self/status | tr -d '\t'
            """, "-t", "escape:1");

        result.Ok();
        Assert.Equal(
            [.. SyscallProbe.Blocked, .. SyscallProbe.Allowed, "busybox-works", "/bin/sh", "euid=0", "keyctl=EPERM", "unshare_user=EPERM", "NoNewPrivs:0"],
            StepOutput(result.Stderr));
        fixture.AssertNothingLeft();
    }

    [RootFact]
    public async Task Ibuild_run_gets_the_same_filter()
    {
        await fixture.ImportBaseAsync();
        SyscallProbe.CompileTo(Path.Combine(fixture.Context, "probe"));
        (await fixture.BuildAsync("""
            FROM box:1
            COPY probe /probe
            RUN chmod 4755 /probe
            """, "-t", "probe:1")).Ok();

        var asRoot = await Tools.Ibuild(["--root", fixture.Store, "run", "probe:1", "/probe", .. AllProbes.Split(' ')]);
        var asNobody = await Tools.Ibuild("--root", fixture.Store, "run", "--user", "65534", "probe:1", "/probe", "euid", "add_key", "clone_user");

        Assert.Equal([.. SyscallProbe.Blocked, .. SyscallProbe.Allowed], Lines(asRoot.Ok().Stdout));
        Assert.Equal(["euid=0", "add_key=EPERM", "clone_user=EPERM"], Lines(asNobody.Ok().Stdout));
        fixture.AssertNothingLeft();
    }

    [RootFact]
    public async Task A_cached_filter_program_changed_in_the_store_is_never_loaded()
    {
        // Separate ibuild processes: this one keeps the program it compiled in memory.
        await fixture.ImportBaseAsync();
        SyscallProbe.CompileTo(Path.Combine(fixture.Context, "probe"));
        (await BuildInNewProcessAsync("""
            FROM box:1
            COPY probe /probe
            RUN /probe keyctl
            """)).Ok();
        var cached = Directory.GetFiles(Path.Combine(fixture.Store, "ibuild", "seccomp"));
        Assert.NotEmpty(cached);
        foreach (var file in cached)
        {
            // Every instruction becomes SECCOMP_RET_ALLOW; the length and the trailing hash stay.
            var bytes = File.ReadAllBytes(file);
            var length = BitConverter.ToInt32(bytes);
            for (var offset = 4; offset < 4 + length; offset += 8)
            {
                byte[] allow = [0x06, 0, 0, 0, 0, 0, 0xff, 0x7f];
                allow.CopyTo(bytes, offset);
            }

            File.WriteAllBytes(file, bytes);
        }

        var result = await BuildInNewProcessAsync("""
            FROM box:1
            COPY probe /probe
            RUN /probe keyctl add_key unshare_user && echo again
            """);

        result.Ok();
        Assert.Equal(["keyctl=EPERM", "add_key=EPERM", "unshare_user=EPERM", "again"], StepOutput(result.Stderr));
        Assert.All(cached, file => Assert.NotEqual(0x7fff0000u, BitConverter.ToUInt32(File.ReadAllBytes(file), 8)));
        fixture.AssertNothingLeft();
    }

    private Task<Tools.Result> BuildInNewProcessAsync(string dockerfile)
    {
        fixture.Write("Dockerfile", System.Text.Encoding.UTF8.GetBytes(dockerfile));
        return Tools.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "ibuild.dll"), "--root", fixture.Store, "build", "--progress", "plain", fixture.Context]);
    }

    /// <summary>What the RUN steps printed, in order, from plain progress ("#3 [3/6] RUN …", then "#3 0.012 keyctl=EPERM").</summary>
    private static List<string> StepOutput(string progress)
    {
        var lines = progress.Replace("\r", "").Split('\n');
        var runSteps = lines.Select(l => RunHeader().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToHashSet();
        return [.. lines.Select(l => OutputLine().Match(l)).Where(m => m.Success && runSteps.Contains(m.Groups[1].Value)).Select(m => m.Groups[2].Value)];
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [GeneratedRegex(@"^#(\d+) \[\d+/\d+\] RUN ")]
    private static partial Regex RunHeader();

    [GeneratedRegex(@"^#(\d+) \d+\.\d+ (.*)$")]
    private static partial Regex OutputLine();
}
