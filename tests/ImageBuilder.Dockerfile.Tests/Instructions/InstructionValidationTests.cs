using ImageBuilder.Dockerfile.Instructions;

namespace ImageBuilder.Dockerfile.Tests.Instructions;

/// <summary>What the instruction level accepts and rejects, with codes and locations.</summary>
public sealed class InstructionValidationTests
{
    [Theory]
    [InlineData("FROM a AS 1st", "IB1011", "invalid name for build stage: \"1st\"", 1, 11)]
    [InlineData("FROM a AS b\nFROM c AS B", "IB1011", "duplicate stage name \"b\"", 2, 1)]
    [InlineData("FROM a b", "IB1001", "FROM requires either one or three arguments", 1, 1)]
    [InlineData("RUN true\nFROM a", "IB1012", "no build stage in current context", 1, 1)]
    [InlineData("ARG a\n", "IB1012", "no FROM instruction", 1, 1)]
    [InlineData("FROM a\nONBUILD MAINTAINER me", "IB1010", "MAINTAINER isn't allowed as an ONBUILD trigger", 2, 9)]
    [InlineData("FROM a\nONBUILD ONBUILD ONBUILD RUN x", "IB1010", "Chaining ONBUILD", 2, 9)]
    [InlineData("FROM a\nEXPOSE 80 \\\n   bad", "IB1015", "invalid port specification: \"bad\"", 3, 4)]
    [InlineData("FROM a\nENV a=1 \\\n  b c=2", "IB1016", "can't find = in \"b\"", 3, 3)]
    [InlineData("FROM a\nRUN --mount=from=$STAGE,target=/x true", "IB1004", "'from' doesn't support variable expansion", 2, 1)]
    [InlineData("FROM a\nRUN --mount=type=bind,ta\\\"rget=/x true", "IB1004", "bare \" in non-quoted-field", 2, 1)]
    [InlineData("FROM a\nRUN --mount=type=volume true", "IB1004", "unsupported mount type \"volume\"", 2, 1)]
    [InlineData("# check=bogus\nFROM a", "IB1008", "invalid check option", 1, 1)]
    [InlineData("# check=error=maybe\nFROM a", "IB1008", "invalid check option", 1, 1)]
    [InlineData("# escape= \nFROM a", "IB1008", "invalid escape token ' '", 1, 1)]
    [InlineData("FROM a\n  \\\n", "IB1002", "unknown instruction", 2, 3)]
    [InlineData("FROM a\nHEALTHCHECK --interval=1ns CMD true", "IB1014", "cannot be less than 1ms", 2, 1)]
    [InlineData("FROM a\nHEALTHCHECK --interval=3000000h CMD true", "IB1014", "invalid duration", 2, 1)]
    [InlineData("FROM a\nSTOPSIGNAL RTMIN+16", "IB1019", "Invalid signal: RTMIN+16", 2, 12)]
    [InlineData("FROM a\nCOPY --link=maybe x y", "IB1004", "expecting boolean value for flag link, not: maybe", 2, 1)]
    [InlineData("FROM a\nCOPY --from=a --from=b x y", "IB1004", "duplicate flag specified: --from", 2, 1)]
    [InlineData("FROM a\nCOPY --from x y", "IB1004", "missing a value on flag: --from", 2, 1)]
    [InlineData("FROM a\nRUN --network=bridge true", "IB1004", "unsupported network mode \"bridge\"", 2, 1)]
    [InlineData("FROM a\nRUN --mount", "IB1004", "missing a value on flag: --mount", 2, 1)]
    [InlineData("FROM a\nENV a=1 b", "IB1016", "can't find = in \"b\"", 2, 9)]
    [InlineData("FROM a\nARG =x", "IB1016", "ARG names can not be blank", 2, 5)]
    [InlineData("FROM a\nEXPOSE 80/http", "IB1015", "invalid port specification: \"80/http\"", 2, 8)]
    [InlineData("FROM a\nEXPOSE 70000", "IB1015", "invalid port specification", 2, 8)]
    [InlineData("FROM a\nSTOPSIGNAL SIGNOPE", "IB1019", "Invalid signal: SIGNOPE", 2, 12)]
    [InlineData("FROM a\nSTOPSIGNAL 0", "IB1019", "Invalid signal: 0", 2, 12)]
    [InlineData("FROM a\nVOLUME [\"\"]", "IB1019", "VOLUME specified can not be an empty string", 2, 8)]
    [InlineData("FROM a\nSHELL /bin/sh -c", "IB1005", "SHELL requires the arguments to be in JSON form", 2, 7)]
    [InlineData("FROM a\nCMD [\"echo\", 1]", "IB1005", "arrays must be comprised of strings only", 2, 5)]
    [InlineData("FROM a\nHEALTHCHECK --interval=5 CMD true", "IB1014", "invalid duration \"5\"", 2, 1)]
    [InlineData("FROM a\nHEALTHCHECK --timeout=-1s CMD true", "IB1014", "cannot be negative", 2, 1)]
    [InlineData("FROM a\nHEALTHCHECK --interval=1us CMD true", "IB1014", "cannot be less than 1ms", 2, 1)]
    [InlineData("FROM a\nHEALTHCHECK --retries=-2 CMD true", "IB1014", "--retries cannot be negative (-2)", 2, 1)]
    [InlineData("FROM a\nHEALTHCHECK NONE x", "IB1014", "HEALTHCHECK NONE takes no arguments", 2, 13)]
    [InlineData("FROM a\nHEALTHCHECK CONNECT TCP 7000", "IB1014", "Unknown type \"CONNECT\" in HEALTHCHECK (try CMD)", 2, 13)]
    [InlineData("FROM a\nHEALTHCHECK CMD", "IB1014", "Missing command after HEALTHCHECK CMD", 2, 13)]
    [InlineData("FROM a\nRUN", "IB1001", "RUN requires at least one argument", 2, 1)]
    [InlineData("FROM a\nCOPY /a <<EOF\nEOF\n", "IB1007", "COPY cannot accept a heredoc as a destination", 2, 9)]
    [InlineData("FROM a\nRUN <<EOF\necho\n", "IB1006", "unterminated heredoc", 2, 1)]
    [InlineData("# escape=x\nFROM a", "IB1008", "invalid escape token 'x' does not match ` or \\", 1, 1)]
    [InlineData("# syntax=a\n# SYNTAX=b\nFROM a", "IB1008", "only one syntax parser directive can be used", 2, 1)]
    [InlineData("", "IB1009", "file with no instructions", 1, 1)]
    [InlineData("# only\n# comments\n", "IB1009", "file with no instructions", 2, 1)]
    public void Rejected_with_code_message_and_location(string dockerfile, string code, string message, int line, int column)
    {
        var error = Assert.Throws<DockerfileException>(() => DockerfileParser.Parse(dockerfile));

        var diagnostic = error.Diagnostics[0];
        Assert.Equal(code, diagnostic.Code.Id());
        Assert.Contains(message, diagnostic.Message);
        Assert.Equal((line, column), (diagnostic.Span!.Value.StartLine, diagnostic.Span.Value.StartColumn));
        Assert.False(string.IsNullOrWhiteSpace(diagnostic.Hint));
    }

    [Fact]
    public void Unknown_instruction_suggests_the_closest_one()
    {
        var error = Assert.Throws<DockerfileException>(() => DockerfileParser.Parse("FROM a\nCOPPY x y\n"));

        Assert.Equal(ErrorCode.UnknownInstruction, error.Code);
        Assert.Equal("unknown instruction: COPPY", error.Message);
        Assert.Equal("did you mean COPY?", error.Diagnostics[0].Hint);
    }

    [Fact]
    public void Independent_errors_are_all_collected_in_line_order()
    {
        var error = Assert.Throws<DockerfileException>(() =>
            DockerfileParser.Parse("FROM a AS 9\nWORKDIR\nFOO\nCOPY x\nRUN true\nUSER\n"));

        Assert.Equal([1, 2, 3, 4, 6], error.Diagnostics.Select(d => d.Span!.Value.StartLine));
    }

    [Fact]
    public void Stages_global_args_and_stage_args_are_scoped()
    {
        var document = DockerfileParser.Parse(
            "ARG BASE=alpine\nARG TAG\nFROM ${BASE}:${TAG} AS Build\nARG BASE\nRUN make\nFROM scratch\nCOPY --from=build /out /\n");

        Assert.Equal(["BASE", "TAG"], document.GlobalArgs.SelectMany(a => a.Args).Select(a => a.Name));
        Assert.Equal([null, null], document.Stages.Select(s => s.Name == "build" ? null : s.Name));
        Assert.Equal("build", document.Stages[0].Name);
        Assert.Equal(0, document.Stages[0].Index);
        Assert.Same(document.Stages[0], document.FindStage("BUILD"));
        Assert.Same(document.Stages[1], document.FindStage("1"));
        var stageArg = Assert.IsType<ArgInstruction>(document.Stages[0].Commands[0]);
        Assert.Null(stageArg.Args.Single().DefaultValue);
        Assert.Equal("build", Assert.IsType<CopyInstruction>(document.Stages[1].Commands[0]).From);
    }

    [Fact]
    public void Healthcheck_options_are_read_as_durations()
    {
        var document = DockerfileParser.Parse(
            "FROM a\nHEALTHCHECK --interval=1m30s --timeout=500ms --start-period=0s --start-interval=2s --retries=3 CMD curl -f http://localhost/\n");

        var health = Assert.IsType<HealthcheckInstruction>(document.Stages[0].Commands[0]).Health;
        Assert.Equal(["CMD-SHELL", "curl -f http://localhost/"], health.Test);
        Assert.Equal(TimeSpan.FromSeconds(90), health.Interval);
        Assert.Equal(TimeSpan.FromMilliseconds(500), health.Timeout);
        Assert.Equal(TimeSpan.Zero, health.StartPeriod);
        Assert.Equal(TimeSpan.FromSeconds(2), health.StartInterval);
        Assert.Equal(3, health.Retries);
    }

    [Fact]
    public void Env_and_label_accept_both_forms()
    {
        var document = DockerfileParser.Parse("FROM a\nENV PATH /usr/bin:/bin\nLABEL a=1 \"b c\"=\"d e\"\n");

        var env = Assert.IsType<EnvInstruction>(document.Stages[0].Commands[0]);
        Assert.Equal([new KeyValue("PATH", "/usr/bin:/bin", Legacy: true)], env.Variables);
        var label = Assert.IsType<LabelInstruction>(document.Stages[0].Commands[1]);
        Assert.Equal([new KeyValue("a", "1"), new KeyValue("\"b c\"", "\"d e\"")], label.Labels);
    }

    [Fact]
    public void Flags_take_bare_booleans_lists_and_values()
    {
        var document = DockerfileParser.Parse(
            "FROM --platform=linux/amd64 a\nCOPY --link --parents --exclude=*.md --exclude=*.txt --chmod=0755 x y\nADD --keep-git-dir=false --checksum=sha256:abc https://e/x /x\nRUN --mount=type=cache,target=/c --mount=type=tmpfs,target=/t --network=none true\n");

        Assert.Equal("linux/amd64", document.Stages[0].From.Platform);
        var copy = Assert.IsType<CopyInstruction>(document.Stages[0].Commands[0]);
        Assert.True(copy.Link);
        Assert.True(copy.Parents);
        Assert.Equal(["*.md", "*.txt"], copy.Excludes);
        Assert.Equal("0755", copy.Chmod);
        var add = Assert.IsType<AddInstruction>(document.Stages[0].Commands[1]);
        Assert.False(add.KeepGitDir);
        Assert.Equal("sha256:abc", add.Checksum);
        var run = Assert.IsType<RunInstruction>(document.Stages[0].Commands[2]);
        Assert.Equal(2, run.Mounts.Count);
        Assert.Equal("none", run.Network);
    }

    [Fact]
    public void Onbuild_keeps_the_trigger_expression_and_checks_only_its_keyword()
    {
        // BuildKit stores the trigger as text and parses it when it fires, so a trigger that
        // would fail then (COPY with one argument, an unknown instruction) is accepted here.
        var document = DockerfileParser.Parse("FROM a\nONBUILD COPY --chown=1:1 . /app\nONBUILD COPY x\nONBUILD FOO bar\n");

        var onbuild = Assert.IsType<OnbuildInstruction>(document.Stages[0].Commands[0]);
        Assert.Equal("COPY --chown=1:1 . /app", onbuild.Expression);
        Assert.Equal("COPY", onbuild.TriggerKeyword);
        Assert.Equal(3, document.Stages[0].Commands.Count);
    }

    [Fact]
    public void Flags_buildkit_ignores_are_ignored()
    {
        var document = DockerfileParser.Parse("FROM a\nARG --x a\nSTOPSIGNAL --x SIGTERM\nHEALTHCHECK --bogus NONE\nEXPOSE 80/\nSTOPSIGNAL 65\n");

        Assert.Equal("a", Assert.IsType<ArgInstruction>(document.Stages[0].Commands[0]).Args.Single().Name);
        Assert.Equal(["NONE"], Assert.IsType<HealthcheckInstruction>(document.Stages[0].Commands[2]).Health.Test);
        Assert.True(ExposedPort.TryParse("80/", out var port) && port.Protocol == "tcp");
    }

    [Fact]
    public void A_long_onbuild_chain_is_one_error_not_a_crash()
    {
        var text = "FROM a\n" + string.Concat(Enumerable.Repeat("ONBUILD \\\n", 20_000)) + "RUN x\n";

        var error = Assert.Throws<DockerfileException>(() => DockerfileParser.Parse(text));

        Assert.Contains("Chaining ONBUILD", error.Message);
    }

    [Fact]
    public void Quoted_end_of_flags_marker_ends_the_flags()
    {
        var document = DockerfileParser.Parse("FROM a\nCOPY --link --\"\" x y\n");

        Assert.Equal(["x"], Assert.IsType<CopyInstruction>(document.Stages[0].Commands[0]).Paths.SourcePaths);
    }

    [Fact]
    public void Exec_form_and_shell_form_commands()
    {
        var document = DockerfileParser.Parse("FROM a\nCMD [\"a\", \"b c\"]\nENTRYPOINT exec app --flag\nCMD [not json\n");

        Assert.Equal(["a", "b c"], ((CmdInstruction)document.Stages[0].Commands[0]).Command.Arguments);
        Assert.False(((CmdInstruction)document.Stages[0].Commands[0]).Command.PrependShell);
        Assert.Equal(["exec app --flag"], ((EntrypointInstruction)document.Stages[0].Commands[1]).Command.Arguments);
        Assert.True(((EntrypointInstruction)document.Stages[0].Commands[1]).Command.PrependShell);
        Assert.Equal(["[not json"], ((CmdInstruction)document.Stages[0].Commands[2]).Command.Arguments);
    }
}
