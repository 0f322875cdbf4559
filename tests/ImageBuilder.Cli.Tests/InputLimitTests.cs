using ImageBuilder.TestSupport;

namespace ImageBuilder.Cli.Tests;

/// <summary>Input without end is cut at 16 MiB (IB1020), and a file of errors prints 50 of them: memory and logs stay bounded.</summary>
[Collection(CliEnvironment.Name)]
public sealed class InputLimitTests : IDisposable
{
    private readonly TempDirectory dir = new("ibuild-cli-limits-");

    public InputLimitTests() => Directory.CreateDirectory(dir.Combine("ctx"));

    public void Dispose() => dir.Dispose();

    [Theory]
    [InlineData("build")]
    [InlineData("check")]
    public async Task Dev_zero_as_the_dockerfile_is_too_large(string command)
    {
        var (code, _, stderr) = await CliEnvironment.RunAsync(TextReader.Null, command, "-f", "/dev/zero", "--root", dir.Combine("store"), dir.Combine("ctx"));

        Assert.Equal(1, code);
        Assert.StartsWith("/dev/zero: IB1020: the Dockerfile (/dev/zero) is larger than 16 MiB", stderr);
        Assert.DoesNotContain("internal error", stderr);
    }

    [Theory]
    [InlineData("build")]
    [InlineData("check")]
    public async Task Endless_standard_input_is_too_large(string command)
    {
        using var zeros = new StreamReader(new EndlessZeros());

        var (code, _, stderr) = await CliEnvironment.RunAsync(zeros, command, "-f", "-", "--root", dir.Combine("store"), dir.Combine("ctx"));

        Assert.Equal(1, code);
        Assert.StartsWith("-: IB1020: the Dockerfile (standard input) is larger than 16 MiB", stderr);
    }

    [Fact]
    public async Task Only_the_first_50_errors_are_printed_then_how_many_more()
    {
        File.WriteAllText(dir.Combine("ctx", "Dockerfile"), "FROM scratch\n" + string.Concat(Enumerable.Repeat("FORM x\n", 1_000)));

        var (code, _, stderr) = await CliEnvironment.RunAsync(TextReader.Null, "check", dir.Combine("ctx"));

        Assert.Equal(1, code);
        Assert.Equal(50, stderr.Split('\n').Count(l => l.Contains(": IB1002: ", StringComparison.Ordinal)));
        Assert.Contains("Dockerfile:51:1: IB1002", stderr);
        Assert.DoesNotContain("Dockerfile:52:1:", stderr);
        Assert.Contains("… and 950 more errors", stderr);
        Assert.EndsWith("1000 errors\n", stderr);
    }

    [Fact]
    public async Task A_huge_line_of_control_characters_prints_a_short_readable_line()
    {
        File.WriteAllText(dir.Combine("ctx", "Dockerfile"), "FROM scratch\n" + new string('\0', 1_000_000) + "\n");

        var (code, _, stderr) = await CliEnvironment.RunAsync(TextReader.Null, "check", dir.Combine("ctx"));

        Assert.Equal(1, code);
        Assert.True(stderr.Length < 2_000, $"{stderr.Length} characters of diagnostics");
        Assert.DoesNotContain('\0', stderr);
        Assert.Contains("␀", stderr);
    }
}
