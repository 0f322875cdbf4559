using ImageBuilder.Dockerfile.Instructions;

namespace ImageBuilder.Dockerfile.Tests.Instructions;

/// <summary>
/// The comments directly above FROM and ARG reach the instructions as BuildKit's DocComment: the
/// first line that starts with the stage's or the ARG's name, without it.
/// </summary>
public sealed class DocCommentTests
{
    [Fact]
    public void Stage_and_arg_descriptions_come_from_the_comment_naming_them()
    {
        var document = DockerfileParser.Parse("""
            # syntax=docker/dockerfile:1
            # VERSION the release to fetch
            ARG VERSION=1.2

            # just a note
            # build compiles the app
            FROM alpine AS Build
            # unrelated remark
            # MODE how to build
            # OTHER what the other does
            ARG MODE=release OTHER
            """);

        Assert.Equal("the release to fetch", document.GlobalArgs[0].Args[0].Description);
        Assert.Equal("compiles the app", document.Stages[0].From.Description);
        var args = Assert.IsType<ArgInstruction>(document.Stages[0].Commands[0]).Args;
        Assert.Equal(["how to build", "what the other does"], args.Select(a => a.Description));
    }

    [Fact]
    public void Only_the_comments_directly_above_count_and_an_empty_comment_line_ends_them()
    {
        var document = DockerfileParser.Parse("""
            # A not this one: an instruction comes between
            FROM alpine AS base
            ARG A
            # B is cut off by the empty comment below
            #
            ARG B
            # C spans blank lines, as in BuildKit

            ARG C
            # D
            ARG D
            FROM base
            """);

        var args = document.Stages[0].Commands.Cast<ArgInstruction>().Select(a => a.Args[0].Description).ToList();
        Assert.Equal([null, null, "spans blank lines, as in BuildKit", null], args);
        Assert.Null(document.Stages[0].From.Description);
        Assert.Null(document.Stages[1].From.Description);
    }

    [Fact]
    public void A_description_does_not_change_what_the_instruction_equals()
    {
        var described = DockerfileParser.Parse("FROM a\n# X an x\nARG X=1\n").Stages[0].Commands[0];
        var plain = DockerfileParser.Parse("FROM a\nARG X=1\n").Stages[0].Commands[0];

        Assert.Equal(((ArgInstruction)plain).Args[0], ((ArgInstruction)described).Args[0] with { Description = null });
        Assert.NotEqual(((ArgInstruction)plain).Args[0], ((ArgInstruction)described).Args[0]);
    }

    [Fact]
    public void Ssh_mounts_parse_with_buildkits_defaults()
    {
        var document = DockerfileParser.Parse("FROM a\nRUN --mount=type=ssh --mount=type=ssh,id=gh,target=/s,required,mode=0640,uid=1,gid=2 true\n");
        var mounts = Assert.IsType<RunInstruction>(document.Stages[0].Commands[0]).Mounts.Select(RunMount.Parse).ToList();

        Assert.Equal(("ssh", "default", 0x180, false, (string?)null), (mounts[0].Type, mounts[0].Id, mounts[0].Mode, mounts[0].Required, mounts[0].Target));
        Assert.Equal(("gh", "/s", 0x1a0, true, 1, 2), (mounts[1].Id, mounts[1].Target, mounts[1].Mode, mounts[1].Required, mounts[1].Uid, mounts[1].Gid));
        Assert.Contains("ssh does not support source", Assert.Throws<FormatException>(() => RunMount.Parse("type=ssh,src=/x")).Message);
    }
}
