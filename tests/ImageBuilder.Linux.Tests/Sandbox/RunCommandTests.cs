using System.Diagnostics;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Linux.Tests.Sandbox;

/// <summary><c>ibuild run</c> end to end: the real ibuild.dll over a store holding an imported busybox.</summary>
public sealed class RunCommandTests
{
    [RootFact]
    public void Run_streams_output_passes_the_exit_code_and_discards_changes()
    {
        using var temp = new TempDirectory("ibuild-run-test-");
        var store = temp.Combine("store");
        var tarball = temp.Combine("rootfs.tar");
        ExternalTool.Run("bash", Path.Combine(RepoPaths.Root, "scripts", "make-busybox-rootfs.sh"), tarball);
        Assert.Equal(0, Ibuild(store, out _, out var importErr, "import", tarball, "-t", "bb"));

        var code = Ibuild(store, out var stdout, out var stderr,
            "run", "--network", "none", "-e", "GREETING=hello", "-w", "/made", "bb", "sh", "-c",
            "echo $GREETING; pwd; ls /sys/class/net; touch /keep-me; echo err >&2; exit 3");
        Assert.True(code == 3, $"exit {code}: {stderr} {importErr}");
        Assert.Equal("hello\n/made\nlo\n", stdout);
        Assert.Equal("err\n", stderr);

        Assert.Equal(0, Ibuild(store, out stdout, out stderr, "run", "bb", "sh", "-c", "test -e /keep-me || test -e /made || echo clean"));
        Assert.Equal("clean\n", stdout);
        Assert.Empty(StoreScratch.Leftovers(store));
        Assert.DoesNotContain(File.ReadAllLines("/proc/self/mountinfo"), l => l.Contains(temp.Path, StringComparison.Ordinal));
    }

    [RootFact]
    public void Run_with_an_unknown_user_fails_clearly()
    {
        using var temp = new TempDirectory("ibuild-run-test-");
        var store = temp.Combine("store");
        var tarball = temp.Combine("rootfs.tar");
        ExternalTool.Run("bash", Path.Combine(RepoPaths.Root, "scripts", "make-busybox-rootfs.sh"), tarball);
        Assert.Equal(0, Ibuild(store, out _, out _, "import", tarball, "-t", "bb"));
        Assert.Equal(125, Ibuild(store, out _, out var stderr, "run", "--user", "ghost", "bb", "true"));
        Assert.Contains("unable to find user ghost", stderr);
    }

    private static int Ibuild(string store, out string stdout, out string stderr, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ibuild.dll"));
        start.ArgumentList.Add("--root");
        start.ArgumentList.Add(store);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        stderr = error.Result;
        return process.ExitCode;
    }
}
