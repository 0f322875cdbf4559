using ImageBuilder.TestSupport;

namespace ImageBuilder.Cli.Tests;

/// <summary>
/// Bad options are usage errors (one <c>ibuild: …</c> line, exit 2), problems with the Dockerfile are
/// coded errors (exit 1): never "internal error", whatever the input.
/// </summary>
[Collection(CliEnvironment.Name)]
public sealed class UsageErrorTests : IDisposable
{
    private readonly TempDirectory dir = new("ibuild-cli-usage-");

    public UsageErrorTests()
    {
        Directory.CreateDirectory(dir.Combine("ctx"));
        File.WriteAllText(dir.Combine("ctx", "Dockerfile"), "FROM scratch\n");
    }

    public void Dispose() => dir.Dispose();

    public static TheoryData<string[], string> BadOptions() => new()
    {
        { ["build", "-f", ""], "-f" },
        { ["build", "--file="], "--file" },
        { ["--root", "", "build"], "--root" },
        { ["build", "--root="], "--root" },
        { ["build", "--output", ",,,=,="], "--output" },
        { ["build", "--output", "type=local,dest=a,dest=b"], "dest= twice" },
        { ["build", "--secret", "=,=,"], "--secret" },
        { ["build", "--secret", "id=s,src="], "--secret" },
        { ["build", "--secret", "id=s,src=/"], "is a directory" },
        { ["build", "--secret", "id=s,src=/dev/zero"], "500 KiB" },
        { ["build", "--cpus", "NaN"], "CPUs" },
        { ["build", "--cpus", "Infinity"], "CPUs" },
        { ["build", "--cpus", "-Infinity"], "CPUs" },
        { ["build", "--cpus", "-1"], "CPUs" },
        { ["build", "--cpus", "0"], "CPUs" },
        { ["build", "--cpus", "1e300"], "CPUs" },
        { ["build", "--cpus", "100000000"], "CPUs" },
        { ["build", "--memory", "0"], "memory" },
        { ["build", "--memory", "-5m"], "memory" },
        { ["build", "--memory", "99999999999t"], "memory" },
        { ["build", "--pids-limit", "0"], "--pids-limit" },
        { ["build", "--pids-limit", "99999999999"], "--pids-limit" },
        { ["build", "--jobs", "0"], "--jobs" },
        { ["build", "--jobs", "99999999999"], "--jobs" },
        { ["build", "--build-arg", "=x"], "--build-arg" },
        { ["build", "--label", "=x"], "--label" },
        { ["build", "--platform", ""], "--platform" },
        { ["build", "--platform", "linux"], "platform" },
        { ["build", "--network", "bridge"], "--network" },
        { ["build", "--allow", "network.bogus"], "network.host" },
        { ["build", "--allow", "network.host,"], "--allow" },
        { ["build", "--cache-to", "type=registry,ref="], "--cache-to" },
        { ["build", "--cache-from", "type=registry,,ref=r"], "--cache-from" },
        { ["run", "--cpus", "NaN", "box:1"], "CPUs" },
        { ["check", "-f", ""], "-f" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public async Task A_bad_option_is_a_usage_error(string[] args, string mentioned)
    {
        var (code, _, stderr) = await CliEnvironment.RunAsync(TextReader.Null, [.. args, "--root", dir.Combine("store"), dir.Combine("ctx")]);

        Assert.True(code == 2, $"exit {code}:\n{stderr}");
        var first = stderr.Split('\n')[0];
        Assert.StartsWith("ibuild: ", first);
        Assert.Contains(mentioned, first);
        Assert.Single(stderr.Split('\n'), line => line.StartsWith("ibuild:", StringComparison.Ordinal));
        Assert.DoesNotContain("internal error", stderr);
    }

    [Theory]
    [InlineData("9223372036854775807")]
    [InlineData("253402300800")]
    [InlineData("-1")]
    [InlineData("soon")]
    public async Task A_source_date_epoch_that_is_no_time_is_a_usage_error(string value)
    {
        Environment.SetEnvironmentVariable("SOURCE_DATE_EPOCH", value);
        try
        {
            var (code, _, stderr) = await CliEnvironment.RunAsync(TextReader.Null, "build", "--root", dir.Combine("store"), dir.Combine("ctx"));

            Assert.Equal(2, code);
            Assert.StartsWith("ibuild: SOURCE_DATE_EPOCH must be a number of seconds", stderr);
            Assert.DoesNotContain("internal error", stderr);
        }
        finally
        {
            Environment.SetEnvironmentVariable("SOURCE_DATE_EPOCH", null);
        }
    }

    [Theory]
    [InlineData("build")]
    [InlineData("check")]
    public async Task A_directory_as_the_dockerfile_is_called_a_directory(string command)
    {
        var (code, _, stderr) = await CliEnvironment.RunAsync(TextReader.Null, command, "-f", dir.Combine("ctx"), "--root", dir.Combine("store"), dir.Combine("ctx"));

        Assert.Equal(1, code);
        Assert.StartsWith($"{dir.Combine("ctx")}: IB1018: cannot read the Dockerfile: {dir.Combine("ctx")} is a directory", stderr);
        Assert.DoesNotContain("denied", stderr);
        Assert.DoesNotContain("internal error", stderr);
    }
}
