using System.IO.Abstractions.TestingHelpers;
using System.Text.Json;

namespace ImageBuilder.Cli.Tests;

/// <summary><c>ibuild build --call=…</c> as a user runs it: the answer on stdout, exit codes, nothing built or stored.</summary>
public sealed class BuildCallTests
{
    private const string Dockerfile = """
        # BASE the image every stage starts from
        ARG BASE=alpine
        FROM ${BASE} AS deps
        RUN --mount=type=secret,id=token,required --mount=type=ssh true
        # app the image that ships
        FROM ${BASE} AS app
        # PORT where it listens
        ARG PORT=8080
        COPY --from=deps /d /d
        """;

    private static async Task<(int Code, string Out, string Err, MockFileSystem Fs)> Run(string dockerfile, params string[] args)
    {
        var fs = new MockFileSystem();
        fs.AddFile("/ctx/Dockerfile", new MockFileData(dockerfile));
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CommandLineApp.RunAsync(["--root", "/store", "build", .. args, "/ctx"], new StringReader(""), stdout, stderr, CancellationToken.None, fs);
        return (code, stdout.ToString(), stderr.ToString(), fs);
    }

    [Fact]
    public async Task Outline_prints_buildx_text_and_builds_nothing()
    {
        var (code, stdout, stderr, fs) = await Run(Dockerfile, "--call=outline");

        Assert.Equal((0, ""), (code, stderr));
        string[] expected =
        [
            "TARGET:      app",
            "DESCRIPTION: the image that ships",
            "",
            "BUILD ARG   VALUE    DESCRIPTION",
            "BASE        alpine   the image every stage starts from",
            "PORT        8080     where it listens",
            "",
            "SECRET   REQUIRED",
            "token    true",
            "",
            "SSH       REQUIRED",
            "default   ",
            "",
        ];
        Assert.Equal(string.Join("\n", expected) + "\n", stdout);
        Assert.False(fs.Directory.Exists("/store"));
    }

    [Fact]
    public async Task Outline_json_has_buildkits_field_names()
    {
        var (code, stdout, _, _) = await Run(Dockerfile, "--call=outline,format=json", "--build-arg", "PORT=9090");

        Assert.Equal(0, code);
        var json = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("app", json.GetProperty("name").GetString());
        var port = json.GetProperty("args")[1];
        Assert.Equal(("PORT", "9090", "where it listens"), (port.GetProperty("name").GetString(), port.GetProperty("value").GetString(), port.GetProperty("description").GetString()));
        Assert.Equal(8, port.GetProperty("location").GetProperty("ranges")[0].GetProperty("start").GetProperty("line").GetInt32());
        Assert.True(json.GetProperty("secrets")[0].GetProperty("required").GetBoolean());
        Assert.False(json.GetProperty("ssh")[0].TryGetProperty("required", out _));
        Assert.Equal(Dockerfile, System.Text.Encoding.UTF8.GetString(json.GetProperty("sources")[0].GetBytesFromBase64()));
    }

    [Fact]
    public async Task Targets_marks_the_default_in_text_and_json()
    {
        var (code, stdout, _, _) = await Run(Dockerfile, "--call", "targets", "--target", "deps");
        var (jsonCode, json, _, _) = await Run(Dockerfile, "--call=targets,format=json");

        Assert.Equal((0, 0), (code, jsonCode));
        Assert.Equal("TARGET        DESCRIPTION\ndeps          \napp (default) the image that ships\n", stdout);
        var targets = JsonDocument.Parse(json).RootElement.GetProperty("targets");
        Assert.Equal(["deps", "app"], targets.EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.True(targets[1].GetProperty("default").GetBoolean());
        Assert.Equal("${BASE}", targets[0].GetProperty("base").GetString());
    }

    [Fact]
    public async Task Check_and_its_shorthand_say_complete_and_exit_zero_on_a_valid_file()
    {
        var call = await Run(Dockerfile, "--call=check");
        var shorthand = await Run(Dockerfile, "--check");

        Assert.Equal((0, "Check complete, no warnings found.\n", ""), (call.Code, call.Out, call.Err));
        Assert.Equal((0, "Check complete, no warnings found.\n"), (shorthand.Code, shorthand.Out));
        Assert.False(call.Fs.Directory.Exists("/store"));
    }

    [Fact]
    public async Task Check_exits_one_on_an_error_located_and_on_a_warning()
    {
        var error = await Run("FROM alpine\nCOPY only-one\n", "--check");
        var warning = await Run("FROM alpine\nRUN a \\\n\n  b\n", "--call=check");

        Assert.Equal((1, ""), (error.Code, error.Out));
        Assert.StartsWith("/ctx/Dockerfile:2:", error.Err);
        Assert.Contains("IB1001", error.Err);
        Assert.Equal(1, warning.Code);
        Assert.Contains("/ctx/Dockerfile:4:1: warning: NoEmptyContinuation:", warning.Out);
        Assert.EndsWith("Check complete, 1 warning has been found!\n", warning.Out);
    }

    [Fact]
    public async Task An_unknown_target_is_located_error_exit_one()
    {
        var (code, _, stderr, _) = await Run(Dockerfile, "--call=outline", "--target", "nope");

        Assert.Equal(1, code);
        Assert.Contains("IB2001", stderr);
    }

    [Theory]
    [InlineData("--call=lint", "not a call")]
    [InlineData("--call=outline,format=yaml", "format")]
    [InlineData("--call=check,format=json", "text only")]
    [InlineData("--call=outline,targets", "two calls")]
    [InlineData("--call=outline,x=1", "unknown field")]
    public async Task Unknown_call_or_format_is_a_usage_error(string option, string mentioned)
    {
        var (code, stdout, stderr, _) = await Run(Dockerfile, option);

        Assert.Equal((2, ""), (code, stdout));
        Assert.Contains(mentioned, stderr);
    }

    [Fact]
    public async Task Check_shorthand_with_another_call_is_a_usage_error()
    {
        var (code, _, stderr, _) = await Run(Dockerfile, "--check", "--call=outline");

        Assert.Equal(2, code);
        Assert.Contains("--check", stderr);
    }
}
