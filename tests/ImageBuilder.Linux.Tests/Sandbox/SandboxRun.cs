using System.Text;
using ImageBuilder.Linux.Sandbox;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Linux.Tests.Sandbox;

/// <summary>
/// One sandbox run over a busybox root in a temp dir: lower (the extracted rootfs), upper, work
/// and scratch. The init is the native ibuild-init built next to the tests.
/// Disposing checks that no mount of the run is left in the host's mount table.
/// </summary>
internal sealed class SandboxRun : IDisposable
{
    private static readonly Lazy<string> Tarball = new(() =>
    {
        var path = Path.Combine(Path.GetTempPath(), $"ibuild-test-sandbox-rootfs-{Environment.ProcessId}.tar");
        ExternalTool.Run("bash", Path.Combine(RepoPaths.Root, "scripts", "make-busybox-rootfs.sh"), path);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
        return path;
    });

    private readonly TempDirectory temp = new("ibuild-sandbox-test-");

    public SandboxRun(Action<string>? shapeLower = null)
    {
        Directory.CreateDirectory(Lower);
        ExternalTool.Run("tar", "--numeric-owner", "-xpf", Tarball.Value, "-C", Lower);
        shapeLower?.Invoke(Lower);
        Directory.CreateDirectory(Upper);
        Directory.CreateDirectory(Work);
        Directory.CreateDirectory(Scratch);
    }

    public string Root => temp.Path;

    public string Lower => temp.Combine("lower");

    public string Upper => temp.Combine("upper");

    public string Work => temp.Combine("work");

    public string Scratch => temp.Combine("scratch");

    public static SandboxOptions Options => SandboxOptions.ForCurrentProgram();

    /// <summary>The script run by busybox sh, on the host's network unless <paramref name="network"/> says.</summary>
    public SandboxSpec Spec(string script, SandboxNetwork? network = null, string? user = null, string workingDirectory = "/") =>
        new([Lower], Upper, Work, Scratch, ["/bin/sh", "-c", script], ["PATH=/bin:/sbin:/usr/bin:/usr/sbin"], workingDirectory, user,
            network ?? SandboxNetwork.Host, "ibuild-test-host");

    public async Task<(SandboxResult Result, string Out, string Err)> RunAsync(
        SandboxSpec spec, CancellationToken cancellationToken = default, SandboxOptions? options = null)
    {
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        var result = await new ImageBuilder.Linux.Sandbox.Sandbox(options ?? Options).RunAsync(spec, stdout, stderr, cancellationToken);
        return (result, Encoding.UTF8.GetString(stdout.ToArray()), Encoding.UTF8.GetString(stderr.ToArray()));
    }

    public async Task<string> ShAsync(string script, SandboxNetwork? network = null, string? user = null, string workingDirectory = "/")
    {
        var (result, stdout, stderr) = await RunAsync(Spec(script, network, user, workingDirectory));
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {stderr}\n{stdout}");
        return stdout;
    }

    /// <summary>Every entry of the upper dir as "path type" (find's %y: f, d, l, c, …), sorted.</summary>
    public string[] UpperEntries() =>
        [.. ExternalTool.Run("find", Upper, "-mindepth", "1", "-printf", "%P %y\n").Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];

    public void Dispose()
    {
        var leftovers = File.ReadAllLines("/proc/self/mountinfo").Where(l => l.Contains(Root, StringComparison.Ordinal)).ToList();
        temp.Dispose();
        Assert.Empty(leftovers);
    }
}
