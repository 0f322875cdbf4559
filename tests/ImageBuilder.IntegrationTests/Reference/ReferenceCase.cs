using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Reference;

/// <summary>
/// One folder of testdata/reference: a Dockerfile and its context, and optionally
/// <c>options</c> (build options, one <c>--flag value</c> a line), <c>parent/</c> (an image
/// built first, by both builders, as <c>ref-CASE-parent:1</c>), <c>Dockerfile.reference</c>
/// (what BuildKit builds instead, when its frontend lacks a feature) and <c>differences</c>
/// (the accepted differences, one a line; see testdata/reference/README.md), and <c>ssh-agent</c>
/// (the builders get --ssh default=KEY, each serving the key from an agent of its own).
/// </summary>
public sealed class ReferenceCase
{
    private ReferenceCase(string name) => Name = name;

    public string Name { get; }

    public string Folder => RepoPaths.TestData("reference", Name);

    public string ParentTag => $"ref-{Name}-parent:1";

    /// <summary>The case's options; with an <c>ssh-agent</c> file, also <c>--ssh default=</c> the tests' key (<see cref="ReferenceSshKey"/>).</summary>
    public IReadOnlyList<string> Options =>
    [
        .. Lines("options").SelectMany(l => l.Split(' ', 2)),
        .. File.Exists(Path.Combine(Folder, "ssh-agent")) ? ["--ssh", "default=" + ReferenceSshKey.Path] : Array.Empty<string>(),
    ];

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
