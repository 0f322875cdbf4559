using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Reference;

/// <summary>
/// Builds each case of testdata/reference with ibuild and with BuildKit (docker's, through
/// the tests' own dockerd) and compares the final file trees and configs. Accepted
/// differences are listed per case in its <c>differences</c> file and in the README there.
/// </summary>
/// <remarks>
/// Alone: run beside the private-network tests in this process (PrivateNetworkTests,
/// NetworkStackLifetimeTests), docker 20.10's own re-exec and runc intermittently fail inside the
/// tests' dockerd ("Error after fallback to chroot: no such file or directory", "exec /bin/sh:
/// no such file or directory"); a dockerd beside separate ibuild processes building on the
/// private network does not. Not yet explained; kept out of the comparison until it is.
/// </remarks>
[Collection(AloneCollection.Name)]
public sealed class ReferenceBuildTests(ReferenceFixture fixture) : IClassFixture<ReferenceFixture>
{
    /// <summary>The accepted difference: docker 20.10's BuildKit writes a layer holding only <c>etc/</c> for a RUN that changed nothing; ibuild writes none.</summary>
    private const string EmptyLayers = "buildkit-empty-layers";

    public static IEnumerable<object[]> Cases => ReferenceCase.All();

    [DockerTheory]
    [MemberData(nameof(Cases))]
    public async Task Ibuild_and_buildkit_give_the_same_image(string name)
    {
        var testCase = ReferenceCase.Named(name);
        await fixture.EnsureBaseAsync();
        var context = fixture.NewScratch();
        (await Tools.Run("cp", "-a", testCase.Folder + "/.", context)).Ok();

        if (testCase.HasParent)
        {
            await BuildWithDockerAsync(Path.Combine(context, "parent"), testCase.ParentTag, [], null, false);
        }

        var ours = await fixture.Ibuild.BuildCaseAsync(testCase, context);
        var theirs = await BuildWithDockerAsync(context, $"ref-{name}:1", testCase.Options, testCase.ReferenceDockerfile, testCase.Differences.Contains(EmptyLayers));

        var differences = testCase.Differences;
        Same("file tree", Normalise(theirs.Tree, differences), Normalise(ours.Tree, differences));
        Same("config", Normalise(theirs.Config, differences), Normalise(ours.Config, differences));
        Same("history", Normalise(theirs.History, differences), Normalise(ours.History, differences));
    }

    private async Task<ImageDescription> BuildWithDockerAsync(string context, string tag, IReadOnlyList<string> options, string? dockerfile, bool noChangeIsEmptyLayer)
    {
        string[] file = dockerfile is null ? [] : ["-f", Path.Combine(context, dockerfile)];
        (await fixture.Docker.DockerAsync(["build", "--network=host", "--progress", "plain", "-t", tag, .. file, .. options, context])).Ok();
        var scratch = fixture.NewScratch();
        var archive = Path.Combine(scratch, "image.tar");
        (await fixture.Docker.DockerAsync("save", "-o", archive, tag)).Ok();
        return await ImageDescription.ReadAsync(archive, scratch, noChangeIsEmptyLayer);
    }

    /// <summary>
    /// Applies a case's accepted differences: <c>ignore-path P</c> (P and below), <c>ignore-config KEY</c>,
    /// <c>ignore-history-text</c> (history compared by its empty/layer shape only); <c>buildkit-empty-layers</c>
    /// is applied when BuildKit's image is read.
    /// </summary>
    internal static List<string> Normalise(IReadOnlyList<string> lines, IReadOnlyList<string> differences)
    {
        var result = lines.ToList();
        foreach (var difference in differences)
        {
            var (kind, argument) = difference.IndexOf(' ') is var space and > 0 ? (difference[..space], difference[(space + 1)..]) : (difference, "");
            switch (kind)
            {
                case "ignore-path":
                    result.RemoveAll(l => l.StartsWith(argument + " ", StringComparison.Ordinal) || l.StartsWith(argument + "/", StringComparison.Ordinal));
                    break;
                case "ignore-config":
                    result.RemoveAll(l => l.StartsWith(argument + ": ", StringComparison.Ordinal));
                    break;
                case EmptyLayers:
                    break;
                case "ignore-history-text":
                    result = result.Select(l => l.StartsWith("layer ", StringComparison.Ordinal) || l.StartsWith("empty ", StringComparison.Ordinal) ? l[..5] : l).ToList();
                    break;
                default:
                    throw new InvalidOperationException($"unknown difference kind '{kind}'");
            }
        }

        return result;
    }

    private static void Same(string what, IReadOnlyList<string> buildkit, IReadOnlyList<string> ibuild) =>
        ImageDescription.AssertSame(what, ("buildkit", buildkit), ("ibuild", ibuild));
}
