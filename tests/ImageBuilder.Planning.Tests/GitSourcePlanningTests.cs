using ImageBuilder.Core.Oci;
using ImageBuilder.Dockerfile;

namespace ImageBuilder.Planning.Tests;

/// <summary>ADD of a git repository as planned: the repositories with their options, and BuildKit's refusals before anything runs.</summary>
public sealed class GitSourcePlanningTests
{
    private sealed class NoImages : IImageSource
    {
        public Task<BaseImage?> FindAsync(string reference, Platform platform, CancellationToken cancellationToken) => Task.FromResult<BaseImage?>(null);
    }

    private static CopyStep PlanAdd(string instruction) =>
        new Planner(new NoImages()).PlanNow(DockerfileParser.Parse($"FROM scratch\n{instruction}\n"), new PlanOptions())
            .Stages[^1].Steps.OfType<CopyStep>().Single();

    private static DockerfileException Refused(string instruction) =>
        Assert.Throws<DockerfileException>(() => PlanAdd(instruction));

    [Fact]
    public void Keep_git_dir_and_checksum_flags_reach_the_repository()
    {
        var add = PlanAdd("ADD --keep-git-dir --checksum=0123abcd https://h.example/r.git#main /src");

        var git = Assert.Single(add.Repositories);
        Assert.Equal(("https://h.example/r.git", "main", true, "0123abcd"), (git.Remote, git.Ref, git.KeepGitDir, git.Checksum));
    }

    [Fact]
    public void Other_sources_plan_no_repository() => Assert.Empty(PlanAdd("ADD https://h.example/file.txt /src/").Repositories);

    [Fact]
    public void COPY_of_a_repository_is_refused_at_its_line_with_a_hint()
    {
        var error = Assert.Throws<DockerfileException>(() =>
            new Planner(new NoImages()).PlanNow(DockerfileParser.Parse("FROM scratch\nCOPY https://h.example/r.git /src\n"), new PlanOptions()));

        Assert.Equal(ErrorCode.InvalidArgument, error.Code);
        Assert.Equal(2, error.Span!.Value.StartLine);
        Assert.Contains("source can't be a git ref for COPY", error.Message);
        Assert.Contains("ADD", error.Diagnostics[0].Hint);
    }

    [Theory]
    [InlineData("ADD --keep-git-dir https://h.example/r.git?keep-git-dir=false /src", "inconsistent keep-git-dir")]
    [InlineData("ADD --checksum=aaaa https://h.example/r.git?checksum=bbbb /src", "checksum mismatch")]
    [InlineData("ADD --checksum=sha256:aaaa https://h.example/r.git /src", "expected hex commit hash")]
    [InlineData("ADD https://h.example/r.git?fetch-by-commit=true&checksum=abc /src", "full commit id")]
    [InlineData("ADD https://h.example/r.git?ref=a&ref=b /src", "multiple values")]
    [InlineData("ADD https://h.example/r.git local.txt /src/", "together with other sources (local.txt)")]
    public void Contradictions_are_located_errors_before_anything_runs(string instruction, string message)
    {
        var error = Refused(instruction);

        Assert.Equal(2, error.Span!.Value.StartLine);
        Assert.Contains(message, error.Message);
    }
}
