using System.Diagnostics;
using System.Globalization;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.SandboxEscapes;

/// <summary>
/// <c>ibuild build --trace FILE</c> writes the trace beside FILE first, then renames it. That
/// temporary file was once <c>FILE.ibuild-PID.tmp</c>, opened to truncate: another local user who
/// can write the directory (a shared one without the sticky bit, where the kernel's
/// protected_symlinks does not help) could plant a link there once root's ibuild had started, and
/// the trace would truncate and overwrite whatever the link named. It is now a new file of a name
/// nobody can guess.
/// </summary>
public sealed class TraceFileEscapeTests : IDisposable
{
    private readonly BuildFixture fixture = new();
    private readonly TempDirectory shared = new("ibuild-trace-escape-");

    public void Dispose()
    {
        shared.Dispose();
        fixture.Dispose();
    }

    [RootFact]
    public async Task A_link_another_user_plants_at_the_traces_temporary_name_is_not_followed()
    {
        await fixture.ImportBaseAsync();
        fixture.Write("Dockerfile", "FROM box:1\nRUN sleep 2\n");
        File.SetUnixFileMode(shared.Path, (UnixFileMode)0x1ff); // 0777, no sticky bit
        var victim = fixture.Store + ".victim";
        File.WriteAllText(victim, "precious\n");
        var trace = shared.Combine("build.json");

        using var build = Process.Start(fixture.IbuildProcess("--root", fixture.Store, "build", "--progress", "plain", "--trace", trace, fixture.Context))!;
        var output = Task.WhenAll(build.StandardOutput.ReadToEndAsync(), build.StandardError.ReadToEndAsync());
        var planted = $"{trace}.ibuild-{build.Id.ToString(CultureInfo.InvariantCulture)}.tmp";
        (await Tools.Run("runuser", "-u", "nobody", "--", "ln", "-s", victim, planted)).Ok();
        Assert.False(File.Exists(trace)); // planted while the build still ran: the trace comes after
        await build.WaitForExitAsync();
        var texts = await output;

        Assert.True(build.ExitCode == 0, texts[0] + texts[1]);
        Assert.Equal("precious\n", File.ReadAllText(victim));
        Assert.StartsWith("{", File.ReadAllText(trace));
    }
}
