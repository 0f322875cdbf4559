namespace ImageBuilder.Dockerfile.Tests;

/// <summary>The repository's testdata folder, as the front-end tests name it.</summary>
internal static class TestData
{
    public static string Root => ImageBuilder.TestSupport.RepoPaths.Root;

    public static string Path(params string[] parts) => ImageBuilder.TestSupport.RepoPaths.TestData(parts);
}
