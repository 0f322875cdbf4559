using System.IO.Abstractions;
using System.Text;

namespace ImageBuilder.Cli;

/// <summary>
/// Writes <c>ibuild check --fix</c>'s result in place of the Dockerfile: a temporary file beside it,
/// given the file's mode, then renamed over it, so a reader sees the old file or the new one, never
/// half of one. A symbolic link is kept: the file it points to is rewritten.
/// </summary>
internal static class CheckFixWriter
{
    /// <summary>False (nothing written) when the file is not UTF-8 that decodes and encodes back to the same bytes.</summary>
    public static bool TryWrite(IFileSystem fs, string path, string original, string text)
    {
        var info = fs.FileInfo.New(path);
        var target = info.LinkTarget is null ? path : info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
        var bytes = fs.File.ReadAllBytes(target);
        var bom = bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.ToArray() : [];
        var utf8 = new UTF8Encoding(false);
        if (!bytes.AsSpan(bom.Length).SequenceEqual(utf8.GetBytes(original)))
        {
            return false;
        }

        var temporary = target + $".ibuild-{Environment.ProcessId}.tmp";
        try
        {
            fs.File.WriteAllBytes(temporary, [.. bom, .. utf8.GetBytes(text)]);
            if (!OperatingSystem.IsWindows())
            {
                fs.File.SetUnixFileMode(temporary, fs.File.GetUnixFileMode(target));
            }

            fs.File.Move(temporary, target, overwrite: true);
        }
        finally
        {
            if (fs.File.Exists(temporary))
            {
                fs.File.Delete(temporary);
            }
        }

        return true;
    }
}
