namespace ImageBuilder.Linux;

/// <summary>Small text files of the system (/proc, /etc) that may be missing or unreadable.</summary>
internal static class SystemFile
{
    /// <summary>The whole text of <paramref name="path"/>, or null when it cannot be read.</summary>
    public static string? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
