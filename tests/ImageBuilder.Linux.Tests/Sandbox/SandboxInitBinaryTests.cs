using ImageBuilder.Linux.Sandbox;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Linux.Tests.Sandbox;

/// <summary>
/// The init is the NativeAOT ibuild-init the Cli project builds and copies beside every
/// project that references it, the tests included: the same binary production uses.
/// </summary>
public sealed class SandboxInitBinaryTests
{
    [Fact]
    public void The_init_beside_the_program_is_a_native_executable()
    {
        var init = SandboxOptions.ForCurrentProgram().InitPath;
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "ibuild-init"), init);
        var header = new byte[4];
        using (var file = File.OpenRead(init))
        {
            file.ReadExactly(header);
        }

        Assert.Equal("\u007fELF"u8.ToArray(), header);
        Assert.True(File.GetUnixFileMode(init).HasFlag(UnixFileMode.UserExecute));
        Assert.False(File.Exists(Path.ChangeExtension(init, ".dll")), "the init needs no managed assembly");
    }

    [RootFact]
    public async Task The_step_sees_only_its_own_environment()
    {
        // ibuild's own environment (DOTNET_* included) never reaches the init or the step.
        Environment.SetEnvironmentVariable("IBUILD_TEST_HOST_ONLY", "leak");
        try
        {
            using var run = new SandboxRun();
            var env = await run.ShAsync("env | sort");
            Assert.Equal(["HOME=/root", "PATH=/bin:/sbin:/usr/bin:/usr/sbin", "PWD=/", "SHLVL=1"], env.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            Environment.SetEnvironmentVariable("IBUILD_TEST_HOST_ONLY", null);
        }
    }

    [RootFact]
    public async Task A_missing_init_is_a_clear_error_and_leaves_nothing()
    {
        using var run = new SandboxRun();
        var sandbox = new ImageBuilder.Linux.Sandbox.Sandbox(new SandboxOptions(Path.Combine(run.Root, "no-such-init")));
        var error = await Assert.ThrowsAsync<SandboxException>(
            () => sandbox.RunAsync(run.Spec("true"), Stream.Null, Stream.Null, CancellationToken.None));
        Assert.Contains("no-such-init", error.Message);
        Assert.Empty(run.UpperEntries());
    }
}
