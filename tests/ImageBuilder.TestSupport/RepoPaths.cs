namespace ImageBuilder.TestSupport;

/// <summary>Finds the repository (the folder holding ImageBuilder.sln) and its testdata.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ImageBuilder.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ImageBuilder.sln not found above " + AppContext.BaseDirectory);
    });

    public static string Root => RootPath.Value;

    public static string TestData(params string[] parts) => Path.Combine([Root, "testdata", .. parts]);
}

/// <summary>A directory under /tmp that is removed when disposed.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "ibuild-test-")
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp dir must not fail a test.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
