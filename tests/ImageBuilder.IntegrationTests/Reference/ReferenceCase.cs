using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Reference;

/// <summary>
/// One folder of testdata/reference: a Dockerfile and its context, and optionally
/// <c>options</c> (build options, one <c>--flag value</c> a line), <c>parent/</c> (an image
/// built first, by both builders, as <c>ref-CASE-parent:1</c>), <c>Dockerfile.reference</c>
/// (what BuildKit builds instead, when its frontend lacks a feature) and <c>differences</c>
/// (the accepted differences, one a line; see testdata/reference/README.md), and <c>git/</c>
/// (repositories served to both builders).
/// </summary>
public sealed class ReferenceCase
{
    private ReferenceCase(string name) => Name = name;

    public string Name { get; }

    public string Folder => RepoPaths.TestData("reference", Name);

    public string ParentTag => $"ref-{Name}-parent:1";

    /// <summary>The case's options; with a <c>git/</c> folder, also <c>--build-arg GIT_REMOTE=</c> the address its repositories are served at.</summary>
    public IReadOnlyList<string> Options =>
    [
        .. Lines("options").SelectMany(l => l.Split(' ', 2)),
        .. HasRepositories ? ["--build-arg", "GIT_REMOTE=" + ReferenceRepositories.RemoteFor(this)] : Array.Empty<string>(),
    ];

    /// <summary>A <c>git/</c> folder: each of its folders is a repository the Dockerfile ADDs (see <see cref="ReferenceRepositories"/>).</summary>
    public bool HasRepositories => Directory.Exists(Path.Combine(Folder, "git"));

    public string? ReferenceDockerfile => File.Exists(Path.Combine(Folder, "Dockerfile.reference")) ? "Dockerfile.reference" : null;

    /// <summary>The accepted differences: <c>ignore-path P</c>, <c>ignore-history-text</c>, <c>ignore-config KEY</c>.</summary>
    public IReadOnlyList<string> Differences => Lines("differences");

    public bool HasParent => Directory.Exists(Path.Combine(Folder, "parent"));

    public static IEnumerable<object[]> All() =>
        Directory.EnumerateDirectories(RepoPaths.TestData("reference"))
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal)
            .Select(name => new object[] { name! });

    public static ReferenceCase Named(string name) => new(name);

    private List<string> Lines(string file)
    {
        var path = Path.Combine(Folder, file);
        return File.Exists(path)
            ? File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList()
            : [];
    }
}
