using System.IO.Abstractions.TestingHelpers;

namespace ImageBuilder.Cli.Tests;

/// <summary><c>ibuild check</c> as a user runs it: exit codes, dump output, located errors.</summary>
public sealed class CheckCommandTests
{
    private static async Task<(int Code, string Out, string Err)> Run(MockFileSystem fs, string stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CommandLineApp.RunAsync(args, new StringReader(stdin), stdout, stderr, CancellationToken.None, fs);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static MockFileSystem Context(string dockerfile, string? ignore = null)
    {
        var fs = new MockFileSystem();
        fs.AddFile("/ctx/Dockerfile", new MockFileData(dockerfile));
        if (ignore is not null)
        {
            fs.AddFile("/ctx/.dockerignore", new MockFileData(ignore));
        }

        return fs;
    }

    [Fact]
    public async Task Valid_dockerfile_exits_zero_and_says_ok()
    {
        var (code, stdout, stderr) = await Run(Context("FROM scratch\nCOPY a /b\n"), "", "check", "/ctx");

        Assert.Equal(0, code);
        Assert.Contains("OK", stdout);
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task Dump_prints_buildkits_format()
    {
        var (code, stdout, _) = await Run(Context("FROM busybox AS b\nCOPY --chown=1:1 [\"a b\", \"/c\"]\nONBUILD RUN echo hi\n"), "",
            "check", "--dump", "/ctx");

        Assert.Equal(0, code);
        Assert.Equal("(from \"busybox\" \"AS\" \"b\")\n(copy [\"--chown=1:1\"] \"a b\" \"/c\")\n(onbuild (run \"echo hi\"))\n", stdout);
    }

    [Fact]
    public async Task Error_has_file_line_column_code_source_line_caret_and_hint()
    {
        var (code, stdout, stderr) = await Run(Context("FROM scratch\n\n    COPY app.py\n"), "", "check", "-f", "/ctx/Dockerfile", "/ctx");

        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        var lines = stderr.Split('\n');
        Assert.StartsWith("/ctx/Dockerfile:3:10: IB1001: COPY requires at least two arguments", lines[0]);
        Assert.Equal("    3 |     COPY app.py", lines[1]);
        Assert.Equal("      |          ^", lines[2]);
        Assert.StartsWith("  hint: usage: COPY", lines[3]);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task Independent_errors_are_all_reported_in_one_run()
    {
        var (code, _, stderr) = await Run(Context("FROM scratch\nFORM x\nWORKDIR\nCOPY --form=a b c\n"), "", "check", "/ctx");

        Assert.Equal(1, code);
        Assert.Contains("Dockerfile:2:1: IB1002: unknown instruction: FORM", stderr);
        Assert.Contains("hint: did you mean FROM?", stderr);
        Assert.Contains("Dockerfile:3:1: IB1001: WORKDIR requires exactly one argument", stderr);
        Assert.Contains("Dockerfile:4:1: IB1003: unknown flag: --form", stderr);
        Assert.Contains("did you mean --from?", stderr);
        Assert.Contains("3 errors", stderr);
    }

    [Fact]
    public async Task Dump_prints_a_well_formed_file_that_then_fails_validation_and_exits_one()
    {
        var (code, stdout, stderr) = await Run(Context("ARG A\nRUN echo $A\n"), "", "check", "--dump", "/ctx");

        Assert.Equal(1, code);
        Assert.Equal("(arg \"A\")\n(run \"echo $A\")\n", stdout);
        Assert.Contains("Dockerfile:2:1: IB1012", stderr);
    }

    [Fact]
    public async Task Dump_prints_nothing_for_a_file_the_syntax_level_rejects()
    {
        var (code, stdout, stderr) = await Run(Context("FROM scratch\nRUN <<EOF\nno end\n"), "", "check", "--dump", "/ctx");

        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Contains("IB1006", stderr);
    }

    [Fact]
    public async Task Dockerfile_from_standard_input()
    {
        var (code, stdout, _) = await Run(new MockFileSystem(), "FROM scratch\nCMD [\"true\"]\n", "check", "-f", "-", "--dump");

        Assert.Equal(0, code);
        Assert.Equal("(from \"scratch\")\n(cmd \"true\")\n", stdout);
    }

    [Fact]
    public async Task Missing_dockerfile_is_a_located_file_error()
    {
        var (code, _, stderr) = await Run(new MockFileSystem(), "", "check", "/nowhere");

        Assert.Equal(1, code);
        Assert.Contains("IB1018: cannot read the Dockerfile", stderr);
    }

    [Fact]
    public async Task Bad_dockerignore_pattern_points_into_the_ignore_file()
    {
        var (code, _, stderr) = await Run(Context("FROM scratch\n", "node_modules\n[a-\n"), "", "check", "/ctx");

        Assert.Equal(1, code);
        Assert.Contains("/ctx/.dockerignore:2", stderr);
        Assert.Contains("IB1017", stderr);
    }

    [Fact]
    public async Task Warnings_go_to_stderr_and_keep_exit_zero()
    {
        var (code, _, stderr) = await Run(Context("FROM scratch\nRUN a \\\n\n  b\n"), "", "check", "/ctx");

        Assert.Equal(0, code);
        Assert.Contains("/ctx/Dockerfile:4:1: warning: NoEmptyContinuation:", stderr);
    }

    [Fact]
    public async Task Build_checks_print_location_rule_reason_and_fix()
    {
        var (code, _, stderr) = await Run(Context("FROM scratch\nCMD serve --port 80\n"), "", "check", "/ctx");

        Assert.Equal(0, code);
        Assert.Contains("/ctx/Dockerfile:2:1: warning: JSONArgsRecommended: ", stderr);
        Assert.Contains("    2 | CMD serve --port 80", stderr);
        Assert.Contains("  fix: CMD [\"serve\", \"--port\", \"80\"]", stderr);
    }

    [Fact]
    public async Task Check_error_true_fails_and_skip_silences()
    {
        var failing = await Run(Context("# check=error=true\nFROM scratch AS Base\n"), "", "check", "/ctx");
        var skipped = await Run(Context("# check=skip=StageNameCasing;error=true\nFROM scratch AS Base\n"), "", "check", "/ctx");

        Assert.Equal(1, failing.Code);
        Assert.Contains("error: lint violation found for rules: StageNameCasing", failing.Err);
        Assert.Equal((0, ""), (skipped.Code, skipped.Err));
    }

    [Theory]
    [InlineData("check", "--bogus")]
    [InlineData("frobnicate")]
    public async Task Usage_errors_exit_two_with_a_pointer_to_help(params string[] args)
    {
        var (code, _, stderr) = await Run(new MockFileSystem(), "", args);

        Assert.Equal(2, code);
        Assert.Contains("--help", stderr);
    }

    [Fact]
    public async Task Help_is_available_for_the_command()
    {
        var (code, stdout, _) = await Run(new MockFileSystem(), "", "check", "--help");

        Assert.Equal(0, code);
        Assert.Contains("Usage: ibuild check", stdout);
    }
}
