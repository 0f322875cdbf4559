using ImageBuilder.Dockerfile.Checks;
using ImageBuilder.Dockerfile.Instructions;
using ImageBuilder.Dockerfile.Shell;
using ImageBuilder.Dockerfile.Syntax;

namespace ImageBuilder.Dockerfile.Tests.Checks;

/// <summary><c>ibuild check --fix</c>'s rewriter: exact output per rule, every other byte kept, unsafe cases left.</summary>
public sealed class CheckFixerTests
{
    private static readonly Dictionary<string, string> Env = new() { ["PATH"] = "/bin", ["V"] = "x y" };

    private static string Value(string text) =>
        DockerfileParser.Parse(text.StartsWith("FROM", StringComparison.Ordinal) ? text : $"FROM alpine\n{text}\n").Stages[0].Commands.Single() switch
        {
            EnvInstruction env => env.Variables.Single().Value,
            LabelInstruction label => label.Labels.Single().Value,
            _ => throw new InvalidOperationException(),
        };

    private static FixResult Fix(string text) =>
        CheckFixer.Fix(text, SyntaxParser.Parse(text), BuildChecker.Run(SyntaxParser.Parse(text)));

    private static List<string> Rules(string text) =>
        BuildChecker.Run(SyntaxParser.Parse(text)).Warnings.Select(w => $"{w.Span.StartLine} {w.Rule.Name}").ToList();

    [Fact]
    public void Keywords_take_the_majority_case_and_AS_follows_its_FROM()
    {
        var result = Fix("from alpine AS base\nrun true\nRUN false\ncopy a b\n");

        Assert.Equal("from alpine as base\nrun true\nrun false\ncopy a b\n", result.Text);
        Assert.Equal(["1 FromAsCasing", "3 ConsistentInstructionCasing"], result.Fixed.Select(f => $"{f.Line} {f.Rule.Name}"));
    }

    [Fact]
    public void A_recased_FROM_takes_its_AS_along()
    {
        var result = Fix("FROM alpine AS base\nrun true\nrun false\n");

        Assert.Equal("from alpine as base\nrun true\nrun false\n", result.Text);
    }

    [Fact]
    public void The_keyword_of_a_continued_or_heredoc_instruction_is_recased_and_the_rest_kept()
    {
        var result = Fix("FROM alpine\nRUN a\nRUN b\nrun echo \\\n  x\ncopy <<EOF /f\nrun\nEOF\n");

        Assert.Equal("FROM alpine\nRUN a\nRUN b\nRUN echo \\\n  x\nCOPY <<EOF /f\nrun\nEOF\n", result.Text);
    }

    [Fact]
    public void Legacy_ENV_and_LABEL_get_an_equals_sign_and_double_quotes()
    {
        var result = Fix("FROM alpine\nENV PATH /opt/bin:$PATH\nLABEL  version\t1.0 beta  \n");

        Assert.Equal("FROM alpine\nENV PATH=\"/opt/bin:$PATH\"\nLABEL  version=\"1.0 beta\"  \n", result.Text);
        Assert.Equal(["2 LegacyKeyValueFormat", "3 LegacyKeyValueFormat"], result.Fixed.Select(f => $"{f.Line} {f.Rule.Name}"));
    }

    [Theory]
    [InlineData("/opt/bin:$PATH")]
    [InlineData("${V:-a b}  #x=1 `cmd` *")]
    [InlineData("${PATH}/${V}_$V")]
    public void A_legacy_value_expands_to_the_same_after_the_rewrite(string value)
    {
        var before = DockerfileParser.Parse($"FROM alpine\nENV A {value}\n").Stages[0].Commands.OfType<EnvInstruction>().Single();
        var result = Fix($"FROM alpine\nENV A {value}\n");
        var after = DockerfileParser.Parse(result.Text).Stages[0].Commands.OfType<EnvInstruction>().Single();

        Assert.Single(result.Fixed);
        var lexer = new ShellLexer();
        Assert.Equal(lexer.ProcessWord(before.Variables.Single().Value, Env), lexer.ProcessWord(after.Variables.Single().Value, Env));
    }

    [Theory]
    [InlineData("ENV A \"quoted  value\"", "ENV A=\"quoted  value\"")]
    [InlineData("LABEL A a\\ b'c d'", "LABEL A=a\\ b'c d'")]
    public void A_legacy_value_that_is_one_quoted_word_is_kept_as_written_after_the_equals_sign(string line, string expected)
    {
        var result = Fix($"FROM alpine\n{line}\n");

        Assert.Equal($"FROM alpine\n{expected}\n", result.Text);
        var lexer = new ShellLexer();
        Assert.Equal(lexer.ProcessWord(Value(line), Env), lexer.ProcessWord(Value(result.Text), Env));
    }

    [Theory]
    [InlineData("ENV A \"quoted\" value")]
    [InlineData("ENV A it's")]
    [InlineData("ENV A a\\ b c")]
    [InlineData("ENV A a \\\n  b")]
    public void A_legacy_value_with_quotes_escapes_or_continuations_is_left(string line)
    {
        var text = $"FROM alpine\n{line}\n";
        var result = Fix(text);

        Assert.Equal(text, result.Text);
        Assert.Empty(result.Fixed);
        Assert.Contains("2 LegacyKeyValueFormat", Rules(result.Text));
    }

    [Fact]
    public void Plain_CMD_and_ENTRYPOINT_become_exec_form()
    {
        var result = Fix("FROM alpine\nENTRYPOINT /usr/bin/app --port=8080\nCMD   serve  -v\n");

        Assert.Equal("FROM alpine\nENTRYPOINT [\"/usr/bin/app\", \"--port=8080\"]\nCMD   [\"serve\", \"-v\"]\n", result.Text);
    }

    [Theory]
    [InlineData("CMD echo $HOME")]
    [InlineData("CMD echo \"hi\"")]
    [InlineData("CMD ls *.txt")]
    [InlineData("CMD a; b")]
    [InlineData("CMD a && b")]
    [InlineData("CMD a | b")]
    [InlineData("CMD a > log")]
    [InlineData("CMD a\\ b")]
    [InlineData("CMD cd /app")]
    [InlineData("CMD exec app")]
    [InlineData("CMD FOO=1 app")]
    [InlineData("CMD ~/app")]
    public void A_command_with_shell_syntax_stays_in_shell_form(string line)
    {
        var text = $"FROM alpine\n{line}\n";
        var result = Fix(text);

        Assert.Equal(text, result.Text);
        Assert.Contains("2 JSONArgsRecommended", Rules(result.Text));
    }

    [Fact]
    public void MAINTAINER_becomes_the_authors_label_with_its_text_kept_exactly()
    {
        var result = Fix("FROM alpine\nMAINTAINER Jane \"J\" Doe <jane@example.com> $5 \\o/\n");

        Assert.Equal(
            "FROM alpine\nLABEL org.opencontainers.image.authors=\"Jane \\\"J\\\" Doe <jane@example.com> \\$5 \\\\o/\"\n",
            result.Text);
        var label = DockerfileParser.Parse(result.Text).Stages[0].Commands.OfType<LabelInstruction>().Single();
        Assert.Equal("Jane \"J\" Doe <jane@example.com> $5 \\o/", new ShellLexer().ProcessWord(label.Labels.Single().Value, Env));
    }

    [Fact]
    public void Comments_blank_lines_continuations_and_heredocs_stay_byte_for_byte()
    {
        const string Text = "# syntax=docker/dockerfile:1\r\n\r\n# the base\r\nFROM alpine\r\nRUN <<EOF\r\nenv X y\r\nEOF\r\n"
            + "RUN echo a \\\r\n  # inner\r\n  b\r\nenv K v\r\n";
        var result = Fix(Text);

        Assert.Equal(Text.Replace("env K v", "ENV K=\"v\""), result.Text);
    }

    [Fact]
    public void A_rule_skipped_by_check_directive_is_not_fixed()
    {
        const string Text = "# check=skip=LegacyKeyValueFormat\nFROM alpine\nENV A b\n";

        Assert.Equal(Text, Fix(Text).Text);
    }

    [Fact]
    public void Rechecking_the_fixed_text_gives_no_hits_of_the_fixed_rules()
    {
        const string Text = "from alpine AS Build\nENV A b\nLabel L x y\nMAINTAINER me\nRUN true\nCMD app run\n"
            + "FROM build as final\nENTRYPOINT app\nenv B  c\n";
        var result = Fix(Text);

        var fixedRules = result.Fixed.Select(f => f.Rule.Name).Distinct().ToList();
        Assert.Equal(6, fixedRules.Count);
        Assert.DoesNotContain(Rules(result.Text), r => fixedRules.Contains(r.Split(' ')[1]));
        Assert.DoesNotContain(Rules(result.Text), r => r.EndsWith("StageNameCasing", StringComparison.Ordinal));
    }

    [Fact]
    public void A_stage_name_is_lowered_with_every_reference_to_it()
    {
        const string Text = "FROM alpine AS Build\nRUN make\n\nFROM Build AS Test\nRUN test\n\nFROM alpine\n"
            + "COPY --from=BUILD /out /out\nRUN --mount=type=bind,from=Build,target=/b ls /b\nCOPY --from=test /r /r\n";

        var result = Fix(Text);

        Assert.Equal(
            "FROM alpine AS build\nRUN make\n\nFROM build AS test\nRUN test\n\nFROM alpine\n"
            + "COPY --from=build /out /out\nRUN --mount=type=bind,from=build,target=/b ls /b\nCOPY --from=test /r /r\n",
            result.Text);
        Assert.Equal(["1 StageNameCasing", "4 StageNameCasing"], result.Fixed.Select(f => $"{f.Line} {f.Rule.Name}"));
        Assert.Empty(Rules(result.Text));
    }

    [Fact]
    public void A_stage_name_is_left_when_its_lower_case_is_taken_or_a_reference_spans_lines()
    {
        const string Taken = "FROM alpine AS Build\nRUN make\nFROM alpine AS build\n";
        const string Spans = "FROM alpine AS Build\nFROM alpine\nCOPY --from=Build \\\n  /out /out\n";

        Assert.Equal(Taken, Fix(Taken).Text);
        Assert.Equal(Spans, Fix(Spans).Text);
    }
}
