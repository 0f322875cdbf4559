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

    /// <summary>The arguments (CTX stands for a context with a valid Dockerfile; --root is added) and a word the message must hold.</summary>
    public static TheoryData<string[], string> BadOptions() => new()
    {
        { ["build", "-f", "", "CTX"], "-f" },
        { ["build", "--file=", "CTX"], "--file" },
        { ["--root", "", "build", "CTX"], "--root" },
        { ["build", "--root=", "CTX"], "--root" },
        { ["build", "--output", ",,,=,=", "CTX"], "--output" },
        { ["build", "--output", "type=local,dest=a,dest=b", "CTX"], "dest= twice" },
        { ["build", "--secret", "=,=,", "CTX"], "--secret" },
        { ["build", "--secret", "id=s,src=", "CTX"], "--secret" },
        { ["build", "--secret", "id=s,src=/", "CTX"], "is a directory" },
        { ["build", "--secret", "id=s,src=/dev/zero", "CTX"], "500 KiB" },
        { ["build", "--cpus", "NaN", "CTX"], "CPUs" },
        { ["build", "--cpus", "Infinity", "CTX"], "CPUs" },
        { ["build", "--cpus", "-Infinity", "CTX"], "CPUs" },
        { ["build", "--cpus", "-1", "CTX"], "CPUs" },
        { ["build", "--cpus", "0", "CTX"], "CPUs" },
        { ["build", "--cpus", "1e300", "CTX"], "CPUs" },
        { ["build", "--cpus", "100000000", "CTX"], "CPUs" },
        { ["build", "--memory", "0", "CTX"], "memory" },
        { ["build", "--memory", "-5m", "CTX"], "memory" },
        { ["build", "--memory", "99999999999t", "CTX"], "memory" },
        { ["build", "--pids-limit", "0", "CTX"], "--pids-limit" },
        { ["build", "--pids-limit", "99999999999", "CTX"], "--pids-limit" },
        { ["build", "--jobs", "0", "CTX"], "--jobs" },
        { ["build", "--jobs", "99999999999", "CTX"], "--jobs" },
        { ["build", "--build-arg", "=x", "CTX"], "--build-arg" },
        { ["build", "--build-context", "lib", "CTX"], "NAME=VALUE" },
        { ["build", "--build-context", "Lib=.", "CTX"], "not a valid context name" },
        { ["build", "--build-context", "lib=git://example.com/r.git", "CTX"], "unsupported context source \"git\"" },
        { ["build", "--build-context", "lib=/nonexistent-ibuild-dir", "CTX"], "is not a directory" },
        { ["build", "--build-context", "lib=oci-layout:///nonexistent-ibuild-dir", "CTX"], "is not a directory" },
        { ["build", "--build-context", "scratch=.", "CTX"], "never be used" },
        { ["build", "--label", "=x", "CTX"], "--label" },
        { ["build", "--platform", "", "CTX"], "--platform" },
        { ["build", "--platform", "linux", "CTX"], "platform" },
        { ["build", "--platform", "linux/amd64,", "CTX"], "--platform \"\"" },
        { ["build", "--platform", "linux/amd64,arm64", "CTX"], "--platform \"arm64\" is not a platform" },
        { ["inspect", "--platform", "arm64", "x"], "inspect: --platform" },
        { ["build", "--cache-to", "type=local,src=x", "CTX"], "type=local needs dest=DIR" },
        { ["build", "--cache-from", "type=local,dest=x", "CTX"], "type=local needs src=DIR" },
        { ["build", "--cache-to", "type=gha", "CTX"], "type=local,dest=DIR" },
        { ["build", "--platform", "linux/amd64,linux/arm64", "--output", "type=docker,dest=x.tar", "CTX"], "type=docker holds one platform's image" },
        { ["save", "--platform", "arm64", "-o", "CTX", "x"], "save: --platform" },
        { ["run", "--platform", "arm64", "x"], "run: --platform" },
        { ["build", "--network", "bridge", "CTX"], "--network" },
        { ["build", "--allow", "network.bogus", "CTX"], "network.host" },
        { ["build", "--allow", "network.host,", "CTX"], "--allow" },
        { ["build", "--cache-to", "type=registry,ref=", "CTX"], "--cache-to" },
        { ["build", "--cache-from", "type=registry,,ref=r", "CTX"], "--cache-from" },
        { ["run", "--cpus", "NaN", "box:1"], "CPUs" },
        { ["run", "--network", "bridge", "box:1"], "--network" },
        { ["check", "-f", "", "CTX"], "-f" },
        { ["check", ""], "CONTEXT" },
        { ["build", ""], "CONTEXT" },
        { ["import", ""], "ROOTFS" },
        { ["inspect", ""], "IMAGE" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public async Task A_bad_option_is_a_usage_error(string[] args, string mentioned)
    {
        var (code, _, stderr) = await CliEnvironment.RunAsync(
            TextReader.Null, [.. args.Select(a => a == "CTX" ? dir.Combine("ctx") : a), "--root", dir.Combine("store")]);

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
        File.WriteAllBytes(dir.Combine("rootfs.tar"), new byte[1024]);
        Environment.SetEnvironmentVariable("SOURCE_DATE_EPOCH", value);
        try
        {
            foreach (var args in new[] { new[] { "build", dir.Combine("ctx") }, new[] { "import", dir.Combine("rootfs.tar") } })
            {
                var (code, _, stderr) = await CliEnvironment.RunAsync(TextReader.Null, [.. args, "--root", dir.Combine("store")]);

                Assert.Equal(2, code);
                Assert.StartsWith("ibuild: SOURCE_DATE_EPOCH must be a number of seconds", stderr);
                Assert.DoesNotContain("internal error", stderr);
            }
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
