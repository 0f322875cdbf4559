using System.IO.Abstractions;
using System.IO.Abstractions.TestingHelpers;

namespace ImageBuilder.Cli.Tests;

/// <summary><c>ibuild check --fix</c>: rewrites the file in place, says what it fixed, then prints what remains.</summary>
public sealed class CheckFixCommandTests
{
    private static async Task<(int Code, string Out, string Err)> Run(IFileSystem fs, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CommandLineApp.RunAsync(args, new StringReader(""), stdout, stderr, CancellationToken.None, fs);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Fix_rewrites_the_file_prints_each_fix_and_then_the_remaining_warnings()
    {
        var fs = new MockFileSystem();
        fs.AddFile("/ctx/Dockerfile", new MockFileData("FROM alpine AS Build\nENV A b\n# keep\nrun true\nCMD app\nENTRYPOINT exec \"$X\"\n"));

        var (code, stdout, stderr) = await Run(fs, "check", "--fix", "/ctx");

        Assert.Equal(0, code);
        Assert.Equal("FROM alpine AS build\nENV A=\"b\"\n# keep\nRUN true\nCMD [\"app\"]\nENTRYPOINT exec \"$X\"\n", fs.File.ReadAllText("/ctx/Dockerfile"));
        Assert.StartsWith(
            "/ctx/Dockerfile:1: fixed StageNameCasing\n/ctx/Dockerfile:2: fixed LegacyKeyValueFormat\n/ctx/Dockerfile:4: fixed ConsistentInstructionCasing\n"
            + "/ctx/Dockerfile:5: fixed JSONArgsRecommended\n",
            stdout);
        Assert.StartsWith("/ctx/Dockerfile:6:1: warning: JSONArgsRecommended:", stderr);
        Assert.DoesNotContain("LegacyKeyValueFormat", stderr);
        Assert.Equal(["/ctx/Dockerfile"], fs.AllFiles);
    }

    [Fact]
    public async Task Fix_with_standard_input_is_a_usage_error()
    {
        var (code, _, stderr) = await Run(new MockFileSystem(), "check", "--fix", "-f", "-", ".");

        Assert.Equal(2, code);
        Assert.Contains("--fix", stderr);
    }

    [Fact]
    public async Task A_file_with_nothing_to_fix_is_not_written()
    {
        var fs = new MockFileSystem();
        var data = new MockFileData("FROM alpine\nCMD echo $HOME\n") { LastWriteTime = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc) };
        fs.AddFile("/ctx/Dockerfile", data);

        var (code, stdout, stderr) = await Run(fs, "check", "--fix", "/ctx");

        Assert.Equal(0, code);
        Assert.DoesNotContain("fixed", stdout);
        Assert.Contains("JSONArgsRecommended", stderr);
        Assert.Equal(new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc), fs.File.GetLastWriteTimeUtc("/ctx/Dockerfile"));
    }

    [Fact]
    public async Task A_real_file_keeps_its_mode_its_byte_order_mark_and_its_symbolic_link()
    {
        var dir = Directory.CreateTempSubdirectory("ibuild-fix-");
        try
        {
            var real = Path.Combine(dir.FullName, "real.Dockerfile");
            File.WriteAllBytes(real, [0xEF, 0xBB, 0xBF, .. "FROM alpine\r\nENV A b\r\n"u8.ToArray()]);
            File.SetUnixFileMode(real, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
            var link = Path.Combine(dir.FullName, "Dockerfile");
            File.CreateSymbolicLink(link, real);

            var (code, stdout, _) = await Run(new FileSystem(), "check", "--fix", "-f", link, dir.FullName);

            Assert.Equal(0, code);
            Assert.Contains("fixed LegacyKeyValueFormat", stdout);
            Assert.Equal([0xEF, 0xBB, 0xBF, .. "FROM alpine\r\nENV A=\"b\"\r\n"u8.ToArray()], File.ReadAllBytes(real));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(real));
            Assert.NotNull(new FileInfo(link).LinkTarget);
            Assert.Equal(2, dir.GetFiles().Length);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_file_that_is_not_utf8_is_left_alone()
    {
        var fs = new MockFileSystem();
        byte[] bytes = [.. "FROM alpine\nENV A \xff\n"u8.ToArray()[..18], 0xFF, (byte)'\n'];
        fs.AddFile("/ctx/Dockerfile", new MockFileData(bytes));

        var (code, _, stderr) = await Run(fs, "check", "--fix", "/ctx");

        Assert.Equal(1, code);
        Assert.Contains("not valid UTF-8", stderr);
        Assert.Equal(bytes, fs.File.ReadAllBytes("/ctx/Dockerfile"));
    }
}
