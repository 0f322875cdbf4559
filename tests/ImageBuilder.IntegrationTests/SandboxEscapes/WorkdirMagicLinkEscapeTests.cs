using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.SandboxEscapes;

/// <summary>
/// The CVE-2024-21626 class, tried for real: a working directory that is a /proc magic link.
/// When the init still held a descriptor of the host's root, <c>WORKDIR /proc/self/fd/N</c> made
/// the step's cwd the host's <c>/</c>, and <c>cat tmp/…</c> read (and <c>echo &gt; tmp/…</c>
/// wrote) host files as root. Every way of asking for such a directory must end in a refused
/// step, and the host must see nothing: the marker is not printed, no file appears on the host.
/// </summary>
public sealed class WorkdirMagicLinkEscapeTests : IDisposable
{
    private const string Secret = "host-secret-8f1c2a";
    private readonly BuildFixture fixture = new();
    private readonly string marker = $"ibuild-escape-{Guid.NewGuid():N}";

    public WorkdirMagicLinkEscapeTests() => File.WriteAllText(HostPath(marker), Secret);

    public void Dispose()
    {
        File.Delete(HostPath(marker));
        File.Delete(HostPath(marker + ".written"));
        fixture.Dispose();
    }

    private static string HostPath(string name) => Path.Combine("/tmp", name);

    /// <summary>The attack's command: read the host marker and write beside it, relative to the cwd.</summary>
    private string Attack => $"cat tmp/{marker} ../tmp/{marker} ../../tmp/{marker}; echo pwned > tmp/{marker}.written; pwd";

    public static TheoryData<string, string> Workdirs()
    {
        var data = new TheoryData<string, string>();
        foreach (var fd in Enumerable.Range(3, 8))
        {
            data.Add($"/proc/self/fd/{fd}", "");
        }

        data.Add("/proc/self/cwd", "");
        data.Add("/proc/self/root", "");
        data.Add("/proc/1/root", "");
        data.Add("/proc/1/cwd", "");
        data.Add("/proc/thread-self/fd/6", "");
        data.Add("/proc/self/fd/6", "--network=none");
        data.Add("/proc/self/fd/6", "--memory=64m");
        data.Add("/proc/self/fd/6/tmp", "");
        return data;
    }

    [RootTheory]
    [MemberData(nameof(Workdirs))]
    public async Task Workdir_through_a_proc_magic_link_is_refused(string workdir, string option)
    {
        await fixture.ImportBaseAsync();

        var result = await fixture.BuildAsync($"FROM box:1\nWORKDIR {workdir}\nRUN {Attack}\n", option.Length == 0 ? [] : [option]);

        AssertRefused(result, workdir);
    }

    [RootFact]
    public async Task Workdir_through_a_magic_link_is_refused_for_an_unprivileged_user_too()
    {
        await fixture.ImportBaseAsync();

        var result = await fixture.BuildAsync($"FROM box:1\nUSER 65534\nWORKDIR /proc/self/fd/6\nRUN {Attack}\n");

        AssertRefused(result, "/proc/self/fd/6");
    }

    [RootFact]
    public async Task Run_with_a_magic_link_working_directory_is_refused()
    {
        await fixture.ImportBaseAsync();
        foreach (var fd in Enumerable.Range(3, 8))
        {
            var result = await Tools.Ibuild("--root", fixture.Store, "run", "-w", $"/proc/self/fd/{fd}", "box:1", "sh", "-c", Attack);

            Assert.NotEqual(0, result.ExitCode);
            AssertHostUntouched(result);
        }
    }

    /// <summary>
    /// An image whose config carries the WorkingDir (made elsewhere, saved, loaded here): an
    /// innocent <c>RUN</c> in a build FROM it, and <c>ibuild run</c> of it, must not start there.
    /// </summary>
    [RootFact]
    public async Task An_image_whose_config_has_a_magic_link_working_directory_cannot_leak()
    {
        await fixture.ImportBaseAsync();
        (await fixture.BuildAsync("FROM box:1\nWORKDIR /proc/self/fd/6\n", "-t", "evil:1")).Ok();
        var archive = Path.Combine(fixture.Context, "..", "evil.tar");
        (await Tools.Ibuild("--root", fixture.Store, "save", "-o", archive, "evil:1")).Ok();
        using var elsewhere = new TempDirectory("ibuild-it-escape-");
        var store = elsewhere.Combine("store");
        (await Tools.Ibuild("--root", store, "load", "-i", archive)).Ok();

        fixture.Write("Dockerfile", $"FROM evil:1\nRUN {Attack}\n");
        var build = await Tools.Ibuild("--root", store, "build", "--progress", "plain", fixture.Context);
        AssertRefused(build, "/proc/self/fd/6");

        var run = await Tools.Ibuild("--root", store, "run", "evil:1", "sh", "-c", Attack);
        Assert.NotEqual(0, run.ExitCode);
        AssertHostUntouched(run);
    }

    /// <summary>An ordinary WORKDIR through an absolute symlink still works, and stays inside the image.</summary>
    [RootFact]
    public async Task Workdir_through_an_absolute_symlink_resolves_inside_the_image()
    {
        await fixture.ImportBaseAsync();

        var result = await fixture.BuildAsync("FROM box:1\nRUN mkdir -p /srv/app && ln -s /../../srv/app /app\nWORKDIR /app/sub\nRUN pwd -P && touch here\n", "-t", "ok:1");

        result.Ok();
        Assert.Contains("/srv/app/sub", result.Stderr + result.Stdout);
        Assert.False(File.Exists("/srv/app/sub/here"));
    }

    /// <summary>The in-root walk holds one descriptor at a time: a WORKDIR deeper than RLIMIT_NOFILE (1024) works, as under Docker.</summary>
    [RootFact]
    public async Task A_working_directory_deeper_than_the_open_file_limit_works()
    {
        await fixture.ImportBaseAsync();
        var deep = string.Concat(Enumerable.Repeat("/a", 1100));

        var result = await fixture.BuildAsync($"FROM box:1\nWORKDIR {deep}\nRUN pwd | wc -c\n");

        result.Ok();
        Assert.Contains($" {deep.Length + 1}\n", result.Stderr + result.Stdout);
    }

    private void AssertRefused(Tools.Result result, string workdir)
    {
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"working directory {workdir}", result.Stderr + result.Stdout);
        Assert.DoesNotContain("internal error", result.Stderr);
        AssertHostUntouched(result);
        fixture.AssertNothingLeft();
    }

    private void AssertHostUntouched(Tools.Result result)
    {
        Assert.DoesNotContain(Secret, result.Stdout + result.Stderr);
        Assert.False(File.Exists(HostPath(marker + ".written")), "the step wrote a file on the host");
        Assert.Equal(Secret, File.ReadAllText(HostPath(marker)));
    }
}
