namespace ImageBuilder.Dockerfile.Tests;

/// <summary>Locates the repository's testdata folder from the test binary.</summary>
internal static class TestData
{
    private static readonly Lazy<string> RepoRoot = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "ImageBuilder.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ImageBuilder.sln not found above " + AppContext.BaseDirectory);
    });

    public static string Root => RepoRoot.Value;

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, "testdata", .. parts]);
}
